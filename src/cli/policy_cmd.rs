//! `toolgate policy keygen|sign|verify`: the signed managed policy (see [`crate::policy::signing`]).

use crate::exit;
use crate::policy::read_policy;
use crate::policy::signing;
use crate::sanitize::safe;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Make a signing key pair: KEY (private, keep it offline) and KEY.pub (install it beside
    /// the managed policy as policy.pub).
    Keygen {
        /// Where to write the private key; the public key goes to the same path + `.pub`.
        #[arg(long, value_name = "KEY", default_value = "toolgate-policy.key")]
        out: PathBuf,
    },
    /// Sign a policy and every pack file it names: writes POLICY.sig beside it.
    Sign {
        /// The private key from `keygen`.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        policy: PathBuf,
    },
    /// Check a policy's signature (default key: policy.pub beside it, or the compiled-in one).
    Verify {
        #[arg(long, value_name = "PUBLIC_KEY")]
        key: Option<PathBuf>,
        policy: PathBuf,
    },
}

pub fn run(command: PolicyCommand) -> u8 {
    let result = match command {
        PolicyCommand::Keygen { out } => keygen(&out),
        PolicyCommand::Sign { key, policy } => sign(&key, &policy),
        PolicyCommand::Verify { key, policy } => verify(key.as_deref(), &policy),
    };
    match result {
        Ok(message) => {
            println!("{message}");
            exit::NO_OBJECTION
        }
        Err(message) => {
            eprintln!("toolgate policy: {}", safe(&message));
            exit::FAILURE
        }
    }
}

fn keygen(out: &Path) -> Result<String, String> {
    let public_path = PathBuf::from(format!("{}.pub", out.display()));
    if out.exists() || public_path.exists() {
        return Err(format!(
            "{} already exists: not overwriting a key",
            out.display()
        ));
    }
    let (private, public) = signing::keygen()?;
    write_private(out, &private)?;
    std::fs::write(&public_path, format!("{public}\n"))
        .map_err(|e| format!("cannot write {}: {e}", public_path.display()))?;
    Ok(format!(
        "wrote {} (private: keep it offline) and {} (install it as policy.pub beside the managed policy)",
        out.display(),
        public_path.display()
    ))
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    writeln!(file, "{text}").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The pack files a policy names (what its signature covers).
fn pack_files(policy: &Path) -> Result<Vec<PathBuf>, String> {
    let text = std::fs::read_to_string(policy)
        .map_err(|e| format!("cannot read {}: {e}", policy.display()))?;
    let (parsed, diagnostics) = read_policy(policy, &text);
    if let Some(d) = diagnostics.first() {
        return Err(format!("the policy does not load: {d}"));
    }
    Ok(parsed.pack_files.into_iter().map(|(p, _)| p).collect())
}

fn sign(key: &Path, policy: &Path) -> Result<String, String> {
    let private =
        std::fs::read_to_string(key).map_err(|e| format!("cannot read {}: {e}", key.display()))?;
    let text = std::fs::read_to_string(policy)
        .map_err(|e| format!("cannot read {}: {e}", policy.display()))?;
    if read_policy(policy, &text).0.serial.is_none() {
        return Err(format!(
            "{} has no `serial = N`: a signed policy carries a serial that grows with every release, so machines refuse an older signed copy (rollback)",
            policy.display()
        ));
    }
    let packs = pack_files(policy)?;
    let signature = signing::sign(&private, policy, &packs)?;
    let out = signing::signature_path(policy);
    std::fs::write(&out, signature).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(format!(
        "signed {} and {} pack file(s): {}",
        policy.display(),
        packs.len(),
        out.display()
    ))
}

fn verify(key: Option<&Path>, policy: &Path) -> Result<String, String> {
    let trusted = match key {
        Some(k) => {
            let text = std::fs::read_to_string(k)
                .map_err(|e| format!("cannot read {}: {e}", k.display()))?;
            let parsed =
                signing::parse_public(text.trim()).map_err(|e| format!("{}: {e}", k.display()))?;
            Some(parsed)
        }
        None => signing::trusted_key(policy)?,
    };
    let Some(trusted) = trusted else {
        return Err(format!(
            "no trusted key: pass --key or install policy.pub beside {}",
            policy.display()
        ));
    };
    let packs = pack_files(policy)?;
    signing::verify(&trusted, policy, &packs)?;
    Ok(format!(
        "ok: {} is signed by the trusted key",
        policy.display()
    ))
}
