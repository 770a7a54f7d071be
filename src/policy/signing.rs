//! The signed managed policy. An administrator generates a key pair offline (`toolgate
//! policy keygen`), signs the policy in CI (`toolgate policy sign`) and ships the policy, its
//! pack files and `policy.toml.sig` through device management, with the public key beside
//! the policy (`policy.pub`) or compiled into an organisation's own build
//! (`TOOLGATE_POLICY_PUBLIC_KEY` at build time). When a trusted key is present, a policy that
//! is unsigned, altered, or signed by another key does not load, and the hook denies every
//! call until it is fixed (it fails closed).
//!
//! The signature covers the policy file and every pack file it names, each by its name
//! relative to the policy's folder and its SHA-256.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use std::path::{Path, PathBuf};

const MAGIC: &str = "toolgate-policy-signature v1";

/// The signature file beside a policy: `policy.toml.sig`.
pub fn signature_path(policy: &Path) -> PathBuf {
    let mut name = policy.file_name().unwrap_or_default().to_os_string();
    name.push(".sig");
    policy.with_file_name(name)
}

/// The trusted public key: compiled in, else `policy.pub` beside the policy.
pub fn trusted_key(policy: &Path) -> Result<Option<VerifyingKey>, String> {
    if let Some(compiled) = option_env!("TOOLGATE_POLICY_PUBLIC_KEY") {
        return parse_public(compiled.trim()).map(Some);
    }
    let beside = policy.with_file_name("policy.pub");
    match std::fs::read_to_string(&beside) {
        Ok(text) => parse_public(text.trim())
            .map(Some)
            .map_err(|e| format!("{}: {e}", beside.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", beside.display())),
    }
}

pub fn parse_public(text: &str) -> Result<VerifyingKey, String> {
    let bytes = B64
        .decode(text)
        .map_err(|_| "the public key is not base64".to_string())?;
    let array: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "the public key is not 32 bytes".to_string())?;
    VerifyingKey::from_bytes(&array).map_err(|_| "the public key is not an ed25519 key".to_string())
}

/// What is signed: the policy and its pack files, by relative name and digest.
pub fn payload(policy: &Path, packs: &[PathBuf]) -> Result<String, String> {
    let base = policy.parent().unwrap_or(Path::new(""));
    let mut out = format!("{MAGIC}\n");
    for file in std::iter::once(policy).chain(packs.iter().map(PathBuf::as_path)) {
        let bytes =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let name = file.strip_prefix(base).unwrap_or(file);
        out.push_str(&format!(
            "{}\n{}\n",
            name.display(),
            crate::journal::sha256_hex(&bytes)
        ));
    }
    Ok(out)
}

/// A new key pair from the operating system's randomness: (private, public), base64.
pub fn keygen() -> Result<(String, String), String> {
    use std::io::Read;
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut seed))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((B64.encode(seed), B64.encode(key.verifying_key().to_bytes())))
}

/// Sign the policy with the private key text; returns the signature file's text.
pub fn sign(private: &str, policy: &Path, packs: &[PathBuf]) -> Result<String, String> {
    let seed: [u8; 32] = B64
        .decode(private.trim())
        .map_err(|_| "the private key is not base64".to_string())?
        .try_into()
        .map_err(|_| "the private key is not 32 bytes".to_string())?;
    let key = SigningKey::from_bytes(&seed);
    let signature = key.sign(payload(policy, packs)?.as_bytes());
    Ok(format!(
        "{MAGIC}\nkey {}\nsig {}\n",
        B64.encode(key.verifying_key().to_bytes()),
        B64.encode(signature.to_bytes())
    ))
}

/// Check the policy's signature against `key`. The error says what is wrong.
pub fn verify(key: &VerifyingKey, policy: &Path, packs: &[PathBuf]) -> Result<(), String> {
    let sig_path = signature_path(policy);
    let text = std::fs::read_to_string(&sig_path).map_err(|e| {
        format!(
            "the managed policy is not signed ({}: {e}); a trusted key is installed, so it must be",
            sig_path.display()
        )
    })?;
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(format!(
            "{} is not a toolgate policy signature",
            sig_path.display()
        ));
    }
    let sig = lines
        .find_map(|l| l.strip_prefix("sig "))
        .ok_or_else(|| format!("{} has no `sig` line", sig_path.display()))?;
    let bytes: [u8; 64] = B64
        .decode(sig.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{} holds a malformed signature", sig_path.display()))?;
    let signature = Signature::from_bytes(&bytes);
    key.verify(payload(policy, packs)?.as_bytes(), &signature)
        .map_err(|_| {
            "the managed policy's signature does not verify: the policy or one of its pack files was changed after signing, or it was signed with another key".to_string()
        })
}
