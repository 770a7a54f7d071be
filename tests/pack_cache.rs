//! The pack cache through the real binary: a warm call decides as a cold one, a damaged,
//! swapped or stale entry is never trusted, and a folder others can write to is not used.

use assert_cmd::Command;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("state/pack-cache")
    }

    fn entries(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(self.cache())
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        out.sort();
        out
    }

    /// What the hook decides for a Bash command: `deny`, `ask` or `pass`.
    fn decide(&self, policy: Option<&Path>, command: &str) -> &'static str {
        self.decide_at("/home/dev", policy, command)
    }

    /// The same, for an account whose home folder is `home`.
    fn decide_at(&self, home: &str, policy: Option<&Path>, command: &str) -> &'static str {
        let mut cmd = Command::cargo_bin("toolgate").unwrap();
        cmd.env("HOME", home)
            .env("TMPDIR", "/tmp")
            .env("TOOLGATE_JOURNAL", self.dir.path().join("state/journal.db"))
            .env_remove("TOOLGATE_TEST_FAULT")
            .env_remove("TOOLGATE_DEADLINE_MS");
        match policy {
            Some(p) => cmd.env("TOOLGATE_POLICY", p),
            None => cmd.env_remove("TOOLGATE_POLICY"),
        };
        let event = json!({
            "session_id": "s1", "cwd": "/home/dev/project", "hook_event_name": "PreToolUse",
            "tool_name": "Bash", "tool_input": { "command": command },
        });
        let out = cmd
            .arg("hook")
            .write_stdin(event.to_string())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        match (out.status.code(), stdout.contains("\"ask\"")) {
            (Some(2), _) => "deny",
            (Some(0), true) => "ask",
            (Some(0), false) => "pass",
            other => panic!("unexpected exit {other:?}: {stdout}"),
        }
    }
}

const CALLS: &[(&str, &str)] = &[
    ("rm -rf /", "deny"),
    ("git push origin main", "ask"),
    ("ls -la", "pass"),
    ("cat ~/.aws/credentials", "deny"),
    (
        "echo 'DATABASE_URL=postgres://app:Xk9mP2vQz7@db.prod.internal/app' > .env.local",
        "deny",
    ),
    (
        "echo 'patient Maria Gonzalez, DOB 04/12/1961, SSN 219-09-9999'",
        "deny",
    ),
];

fn decisions(home: &Home, policy: Option<&Path>) -> Vec<&'static str> {
    CALLS.iter().map(|(c, _)| home.decide(policy, c)).collect()
}

fn expected() -> Vec<&'static str> {
    CALLS.iter().map(|(_, d)| *d).collect()
}

#[test]
fn a_warm_call_decides_as_a_cold_one_from_private_entries() {
    let home = Home::new();
    assert_eq!(decisions(&home, None), expected(), "cold");
    let entries = home.entries();
    assert!(
        entries.len() >= 10,
        "every built-in pack is cached: {entries:?}"
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&home.cache()), 0o700);
    assert!(entries.iter().all(|e| mode(e) == 0o600));
    assert_eq!(decisions(&home, None), expected(), "warm");
    assert_eq!(home.entries(), entries, "a warm call writes nothing new");
}

/// Entries keep `{HOME}` as written and substitute it when read: entries written under one
/// home folder protect another's (root's entries serve every account).
#[test]
fn entries_hold_for_any_home_folder() {
    let home = Home::new();
    let calls = [
        "cat /home/dev/.aws/credentials",
        "cat /home/ana/.aws/credentials",
        "echo 'alias ls=rm' >> /home/dev/.bashrc",
        "echo 'alias ls=rm' >> /home/ana/.bashrc",
    ];
    let at = |h: &str| -> Vec<&str> { calls.iter().map(|c| home.decide_at(h, None, c)).collect() };
    let dev = at("/home/dev");
    let entries = home.entries();
    assert!(!entries.is_empty());
    let ana = at("/home/ana");
    assert_eq!(
        home.entries(),
        entries,
        "another home is served by the same entries"
    );
    assert_eq!(dev, ["deny", "pass", "ask", "pass"], "under /home/dev");
    assert_eq!(
        ana,
        ["pass", "deny", "pass", "ask"],
        "under /home/ana, from the cache"
    );
    assert_eq!(at("/home/dev"), dev, "and back");
}

#[test]
fn damaged_or_swapped_entries_are_ignored_and_rewritten() {
    let home = Home::new();
    decisions(&home, None);
    let entries = home.entries();
    let good: Vec<Vec<u8>> = entries.iter().map(|e| std::fs::read(e).unwrap()).collect();
    // Every entry replaced by another's bytes (a valid entry under the wrong name), or cut
    // short, or flipped in the middle.
    for (i, entry) in entries.iter().enumerate() {
        let mut bytes = good[(i + 1) % good.len()].clone();
        match i % 3 {
            0 => {}
            1 => bytes.truncate(bytes.len() / 2),
            _ => {
                let mid = bytes.len() / 2;
                bytes[mid] ^= 0x55;
            }
        }
        std::fs::write(entry, bytes).unwrap();
    }
    assert_eq!(decisions(&home, None), expected());
    let rewritten: Vec<Vec<u8>> = entries.iter().map(|e| std::fs::read(e).unwrap()).collect();
    assert_eq!(rewritten, good, "each entry is written again from its pack");
}

/// A policy in `home` turning on one pack file, `site.toml` (written by [`write_site_pack`]).
fn site_policy(home: &Home) -> (PathBuf, PathBuf) {
    let pack = home.dir.path().join("site.toml");
    let policy = home.dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!("[packs]\nfiles = [{:?}]\n", pack.display().to_string()),
    )
    .unwrap();
    (pack, policy)
}

/// The site pack: one rule denying `program`, with examples or without.
fn write_site_pack(pack: &Path, program: &str, examples: bool) {
    let examples = match examples {
        true => format!("[rule.examples]\nhit = [\"{program} x\"]\nmiss = [\"ls\"]\n"),
        false => String::new(),
    };
    std::fs::write(
        pack,
        format!(
            "[pack]\nid = \"site\"\ndescription = \"Site rules.\"\n\n[[rule]]\nname = \"no-tool\"\n\
             decision = \"deny\"\ntools = [\"Bash\"]\nmessage = \"Not here.\"\nremediation = \"Ask.\"\n\
             [[rule.match]]\nprogram = \"{program}\"\n{examples}"
        ),
    )
    .unwrap()
}

#[test]
fn an_edited_policy_pack_is_read_again() {
    let home = Home::new();
    let (pack, policy) = site_policy(&home);
    let write_pack = |program: &str| write_site_pack(&pack, program, true);
    write_pack("frobnicate");
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny");
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny", "warm");
    write_pack("defrost");
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "pass");
    assert_eq!(home.decide(Some(&policy), "defrost now"), "deny");
}

#[test]
fn an_unchanged_pack_is_found_by_its_times_and_an_edit_keeping_them_is_not() {
    let home = Home::new();
    let (pack, policy) = site_policy(&home);
    // Two programs of one length: the edit keeps the file's size.
    let write_pack = |program: &str| write_site_pack(&pack, program, false);
    write_pack("frobnicate");
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny");
    let entries = home.entries().len();
    // A file changed within the last seconds is found by its text only: a second write in
    // the same clock tick would keep its times.
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny");
    assert_eq!(home.entries().len(), entries, "no entry by times yet");
    std::thread::sleep(std::time::Duration::from_millis(3100));
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny");
    assert_eq!(
        home.entries().len(),
        entries + 1,
        "an entry by the file's times"
    );
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny");
    assert_eq!(
        home.entries().len(),
        entries + 1,
        "found by times, nothing written"
    );
    // Same size, modification time put back: the change time still moved.
    let modified = std::fs::metadata(&pack).unwrap().modified().unwrap();
    let size = std::fs::metadata(&pack).unwrap().len();
    write_pack("defrostxyz");
    std::fs::File::options()
        .write(true)
        .open(&pack)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let meta = std::fs::metadata(&pack).unwrap();
    assert_eq!((meta.len(), meta.modified().unwrap()), (size, modified));
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "pass");
    assert_eq!(home.decide(Some(&policy), "defrostxyz now"), "deny");
}

#[test]
fn a_folder_others_can_write_to_is_not_used() {
    let home = Home::new();
    std::fs::create_dir_all(home.cache()).unwrap();
    std::fs::set_permissions(home.cache(), std::fs::Permissions::from_mode(0o777)).unwrap();
    assert_eq!(decisions(&home, None), expected());
    assert!(
        home.entries().is_empty(),
        "nothing written where others could"
    );
}

#[test]
fn a_signed_policy_is_never_served_from_the_cache() {
    let home = Home::new();
    let dir = home.dir.path();
    let pack = dir.join("org.toml");
    std::fs::write(
        &pack,
        "[pack]\nid = \"org\"\ndescription = \"Org rules.\"\n\n[[rule]]\nname = \"no-frob\"\n\
         decision = \"deny\"\ntools = [\"Bash\"]\nmessage = \"No.\"\nremediation = \"Ask.\"\n\
         [[rule.match]]\nprogram = \"frobnicate\"\n[rule.examples]\nhit = [\"frobnicate x\"]\nmiss = [\"ls\"]\n",
    )
    .unwrap();
    let policy = dir.join("policy.toml");
    std::fs::write(&policy, "serial = 1\n[packs]\nfiles = [\"org.toml\"]\n").unwrap();
    let key = dir.join("k");
    let run = |args: &[&str]| {
        Command::cargo_bin("toolgate")
            .unwrap()
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(
        run(&["policy", "keygen", "--out", key.to_str().unwrap()]),
        Some(0)
    );
    std::fs::copy(dir.join("k.pub"), dir.join("policy.pub")).unwrap();
    let sign = [
        "policy",
        "sign",
        "--key",
        key.to_str().unwrap(),
        policy.to_str().unwrap(),
    ];
    assert_eq!(run(&sign), Some(0));
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny");
    assert_eq!(home.decide(Some(&policy), "ls"), "pass");
    assert!(
        home.entries().is_empty(),
        "a signed policy's packs, and the built-in ones beside them, are read from source: {:?}",
        home.entries()
    );
    // Without the trusted key the same policy is cached as usual.
    std::fs::remove_file(dir.join("policy.pub")).unwrap();
    assert_eq!(home.decide(Some(&policy), "frobnicate now"), "deny");
    assert!(!home.entries().is_empty());
}
