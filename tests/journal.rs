//! The journal through the real binary: concurrent hooks, tampering, redaction on disk,
//! locks, unwritable paths and corrupt files.

#[path = "common/journal_env.rs"]
mod journal_env;

use journal_env::*;
use serde_json::json;
use std::time::{Duration, Instant};

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn every_call_is_one_record_with_the_documented_fields() {
    let env = Env::new();
    assert_eq!(env.hook("Bash", json!({"command": "ls"})).0, 0);
    assert_eq!(env.hook("Bash", json!({"command": "rm -rf /"})).0, 2);
    let (code, stderr) = env.hook("Bash", json!({"command": "git push"}));
    assert_eq!(code, 0, "{stderr}");
    let rows = env.rows();
    assert_eq!(rows.len(), 3);
    let deny = &rows[1];
    for field in [
        "seq",
        "time",
        "time_us",
        "event",
        "session_id",
        "tool_use_id",
        "permission_mode",
        "user",
        "host",
        "cwd",
        "tool_name",
        "decision",
        "rules",
        "reason",
        "policy_revision",
        "toolgate_version",
        "input_redacted",
        "input_sha256",
        "redactions",
        "eval_us",
        "prev_hash",
        "hash",
    ] {
        assert!(deny.get(field).is_some(), "missing {field}: {deny}");
    }
    assert_eq!(deny["decision"], "deny");
    // Deleting / also deletes Claude Code's managed settings and toolgate's own journal:
    // every rule is recorded, the one that decided first.
    assert_eq!(
        deny["rules"],
        json!([
            "fs.rm-critical",
            "self-protection.claude-settings",
            "self-protection.toolgate-files"
        ])
    );
    // The account name from the OS, not $USER (which the test sets to alice).
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    assert_eq!(deny["user"], String::from_utf8_lossy(&me.stdout).trim());
    assert_eq!(deny["tool_use_id"], "toolu_x");
    assert_eq!(rows[0]["decision"], "allow");
    assert_eq!(rows[2]["decision"], "ask");
    assert!(deny["time"].as_str().unwrap().ends_with('Z'));
    let (_, out, _) = env.journal(&["query", "--decision", "deny", "--format", "json"]);
    assert_eq!(out.lines().count(), 1);
    let (_, out, _) = env.journal(&["query", "--rule", "git.push", "--format", "csv"]);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (_, out, _) = env.journal(&["query", "--since", "1h", "--grep", "rm -rf"]);
    assert!(out.contains("fs.rm-critical"), "{out}");
    let (_, out, _) = env.journal(&["stats"]);
    assert!(out.contains("deny") && out.contains("spooled"), "{out}");
    assert_eq!(env.verify().0, 0);
}

#[test]
fn sixty_four_concurrent_hooks_are_all_recorded_and_the_chain_verifies() {
    let env = Env::new();
    let bin = assert_cmd::cargo::cargo_bin("toolgate");
    let mut children = Vec::new();
    for i in 0..64 {
        let event = json!({
            "hook_event_name": "PreToolUse", "session_id": format!("s{i}"), "cwd": "/home/dev/project",
            "tool_name": "Bash", "tool_input": {"command": format!("echo {i}")},
        });
        let mut child = std::process::Command::new(&bin)
            .arg("hook")
            .env("HOME", "/home/dev")
            .env("TMPDIR", env.tmp())
            .env("TOOLGATE_JOURNAL", env.db())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(event.to_string().as_bytes())
            .unwrap();
        children.push(child);
    }
    for mut c in children {
        assert_eq!(c.wait().unwrap().code(), Some(0));
    }
    let rows = env.rows();
    assert_eq!(rows.len(), 64);
    let mut sessions: Vec<String> = rows
        .iter()
        .map(|r| r["session_id"].as_str().unwrap().to_string())
        .collect();
    sessions.sort();
    sessions.dedup();
    assert_eq!(sessions.len(), 64);
    let (code, out) = env.verify();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("64 records verify"), "{out}");
}

/// Five verified records, then `statement` run behind toolgate's back: verification must
/// fail; returns what it said.
fn verify_after_tampering(statement: &str) -> String {
    let env = Env::new();
    populate(&env, 5);
    sql(&env, statement);
    let (code, out) = env.verify();
    assert_eq!(code, 1, "{out}");
    out
}

#[test]
fn an_edited_record_is_named() {
    let out = verify_after_tampering("UPDATE decisions SET decision = 'deny' WHERE seq = 3");
    assert!(out.contains("record #3 was edited"), "{out}");
}

#[test]
fn a_deleted_record_is_named() {
    let out = verify_after_tampering("DELETE FROM decisions WHERE seq = 3");
    assert!(out.contains("#3 to #3 are missing"), "{out}");
}

#[test]
fn an_inserted_record_is_found() {
    // Shift #3.. up by one and slot a copy of #2, re-chained to follow it, in at #3.
    let out = verify_after_tampering("UPDATE decisions SET seq = seq + 100 WHERE seq >= 3; UPDATE decisions SET seq = seq - 99 WHERE seq >= 100;
               INSERT INTO decisions SELECT 3, time_us, time, event, session_id, tool_use_id, agent_id, permission_mode, user, host,
               cwd, tool_name, 'allow', rules, reason, policy_revision, toolgate_version, input_redacted, input_sha256, redactions,
               eval_us, hash, hash, role, ignored_env, origin, seal, agent FROM decisions WHERE seq = 2;");
    assert!(out.contains("record #3"), "{out}");
}

#[test]
fn records_cut_from_the_end_are_found_by_the_head_and_by_an_anchor() {
    let env = Env::new();
    populate(&env, 5);
    let (_, anchor, _) = env.journal(&["anchor"]);
    let anchor: serde_json::Value = serde_json::from_str(anchor.trim()).unwrap();
    let anchor_arg = format!("{}:{}", anchor["seq"], anchor["hash"].as_str().unwrap());
    assert_eq!(env.journal(&["verify", "--anchor", &anchor_arg]).0, 0);
    sql(&env, "DELETE FROM decisions WHERE seq >= 4");
    let (code, out) = env.verify();
    assert_eq!(code, 1);
    assert!(out.contains("removed from the end"), "{out}");
    // Even with the head file rewritten to match, the off-host anchor catches it.
    let head = env.db().with_extension("db.head");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let (seq, hash): (i64, String) = conn
        .query_row(
            "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    std::fs::write(&head, format!("{seq} {hash}\n")).unwrap();
    assert_eq!(
        env.verify().0,
        0,
        "without an anchor a rewritten head hides it"
    );
    let (code, out, _) = env.journal(&["verify", "--anchor", &anchor_arg]);
    assert_eq!(code, 1);
    assert!(out.contains("removed from the end"), "{out}");
}

#[test]
fn prune_writes_a_record_first_and_the_chain_still_verifies() {
    let env = Env::new();
    populate(&env, 4);
    let (code, out, err) = env.journal(&["prune", "--before", "2999-01-01"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("pruned 4 records"), "{out}");
    let rows = env.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["event"], "prune");
    let (code, out) = env.verify();
    assert_eq!(code, 0, "{out}");
    env.hook("Bash", json!({"command": "ls"}));
    assert_eq!(env.verify().0, 0);
}

#[test]
fn planted_secrets_and_patient_identifiers_never_reach_disk() {
    let env = Env::new();
    let token = "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";
    let aws = "AKIAQWERTYUIOPASDFGH";
    let ssn = "332-20-6469";
    let password = "Xk9mP2vQzL7w";
    env.hook("Write", json!({"file_path": "/home/dev/project/a.txt", "content": format!("TOKEN={token}\nKEY={aws}\nPatient SSN {ssn}")}));
    env.hook(
        "Bash",
        json!({"command": format!("psql postgres://app:{password}@localhost/dev -c 'select 1'")}),
    );
    let event = json!({"hook_event_name": "UserPromptSubmit", "cwd": "/", "prompt": format!("my ssn is {ssn}")});
    env.cmd()
        .arg("hook")
        .write_stdin(event.to_string())
        .output()
        .unwrap();
    let before_fold = all_bytes_under(env.db().parent().unwrap());
    let rows = env.rows();
    assert_eq!(rows.len(), 3);
    assert!(
        rows[0]["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "secret:github-token"),
        "{}",
        rows[0]
    );
    assert!(
        rows[0]["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "phi:ssn"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1]["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k.as_str().unwrap().contains("password")),
        "{}",
        rows[1]
    );
    let after_fold = all_bytes_under(env.db().parent().unwrap());
    for bytes in [&before_fold, &after_fold] {
        for planted in [token, aws, ssn, password] {
            assert!(
                !contains(bytes, planted),
                "{planted} reached the journal's files"
            );
        }
    }
}

#[test]
fn a_locked_journal_spools_without_changing_or_delaying_the_decision() {
    let env = Env::new();
    populate(&env, 1);
    let lock = hold_lock(&env);
    let start = Instant::now();
    let (code, stderr) = env.hook("Bash", json!({"command": "rm -rf /"}));
    let took = start.elapsed();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("fs.rm-critical"));
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    drop(lock);
    let rows = env.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["decision"], "deny");
    let (_, out, _) = env.journal(&["stats", "--format", "json"]);
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats["counters"]["spooled"], 1);
    assert_eq!(env.verify().0, 0);
}

#[test]
fn an_unwritable_journal_still_decides_and_journal_required_denies_when_nothing_can_record() {
    let env = Env::new();
    let out = env
        .cmd()
        .env("TOOLGATE_JOURNAL", "/proc/no-such-dir/journal.db")
        .arg("hook")
        .write_stdin(ls_event())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let spool = env.tmp();
    assert!(all_bytes_under(&spool).len() > 10, "the record was spooled");

    let policy = env.dir.path().join("policy.toml");
    std::fs::write(&policy, "[journal]\nrequired = true\n").unwrap();
    let out = env
        .cmd()
        .env("TOOLGATE_JOURNAL", "/proc/no-such-dir/journal.db")
        .env("TMPDIR", "/proc/no-such-tmp")
        .env("TOOLGATE_POLICY", &policy)
        .arg("hook")
        .write_stdin(ls_event())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("requires every call to be journaled"));

    // No location at all (no HOME, no TOOLGATE_JOURNAL) under the same policy.
    let out = env
        .cmd()
        .env_remove("TOOLGATE_JOURNAL")
        .env_remove("HOME")
        .env_remove("XDG_STATE_HOME")
        .env("TOOLGATE_POLICY", &policy)
        .arg("hook")
        .write_stdin(ls_event())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journal location"));
}

#[test]
fn a_record_that_can_be_written_nowhere_is_counted_as_lost() {
    let env = Env::new();
    populate(&env, 1);
    let lock = hold_lock(&env);
    let out = env
        .cmd()
        .env("TMPDIR", "/proc/no-such-tmp")
        .arg("hook")
        .write_stdin(ls_event())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "the decision does not change");
    drop(lock);
    let (_, out, _) = env.journal(&["stats", "--format", "json"]);
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats["counters"]["lost"], 1);
    // The one record written, and the marker that says one could not be.
    assert_eq!(stats["total"], 2);
    let rows = env.rows();
    assert_eq!(rows[1]["event"], "journal-lost");
    let (code, out) = env.verify();
    assert_eq!(code, 1, "a lost record is damage until acknowledged: {out}");
    assert!(
        out.contains("DAMAGED") && out.contains("could be written neither"),
        "{out}"
    );
    let (code, out, _) = env.journal(&["repair"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(env.verify().0, 0);
}

#[test]
fn a_corrupt_database_is_kept_aside_and_a_fresh_journal_started() {
    let env = Env::new();
    populate(&env, 2);
    std::fs::write(
        env.db(),
        b"this is not a database, it was overwritten by mistake............................",
    )
    .unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", env.db().display()));
    let _ = std::fs::remove_file(format!("{}-shm", env.db().display()));
    let (code, stderr) = env.hook("Bash", json!({"command": "rm -rf /"}));
    assert_eq!(code, 2, "the gate still decides: {stderr}");
    let (code, out, err) = env.journal(&["export"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("not a valid database") && err.contains("kept it as"),
        "{err}"
    );
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.iter().any(|r| r["decision"] == "deny"));
    assert!(rows.iter().any(|r| r["event"] == "journal-restart"));
    let kept = std::fs::read_dir(env.db().parent().unwrap())
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains("corrupt-"));
    assert!(kept, "the corrupt file was kept");
    // A replaced database fails verification until an administrator acknowledges it.
    let (code, out) = env.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("DAMAGED") && out.contains("not readable"),
        "{out}"
    );
    let (code, out, err) = env.journal(&["repair"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("acknowledged #"), "{out}");
    let (code, out) = env.verify();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("acknowledged by `journal repair`"), "{out}");
    let repair = env.rows().into_iter().last().unwrap();
    assert_eq!(repair["event"], "journal-repair");
    assert_eq!(repair["user"], whoami(), "the repair names who ran it");
}

#[test]
fn journal_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    populate(&env, 1);
    let dir = env.db().parent().unwrap().to_path_buf();
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::metadata(env.db()).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_large_input_is_journaled_as_a_masked_excerpt_with_the_whole_input_hashed() {
    let env = Env::new();
    // A secret at the start (inside the excerpt) and a long body after it.
    let body = format!(
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8Lp2Wq9v\n{}",
        "let x = 1;\n".repeat(100_000)
    );
    let (code, _) = env.hook(
        "Write",
        json!({"file_path": "/home/dev/project/big.rs", "content": body}),
    );
    assert_eq!(code, 2, "the secret is denied");
    env.hook(
        "Write",
        json!({"file_path": "/home/dev/project/big.rs", "content": "let x = 1;\n".repeat(100_000)}),
    );
    let (code, out, err) = env.journal(&["export"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let input = &row["input_redacted"];
        let content = input["content"].as_str().unwrap();
        assert!(
            content.len() < 5 * 1024,
            "an excerpt, not 1 MiB: {}",
            content.len()
        );
        assert!(
            content.contains("more bytes not kept in the journal"),
            "{content:.200}"
        );
        assert_eq!(input["file_path"], "/home/dev/project/big.rs");
        assert!(
            row["redactions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == "excerpt")
        );
        assert_eq!(row["input_sha256"].as_str().unwrap().len(), 64);
        assert!(
            !content.contains("wJalrXUtnFEMI"),
            "masked before it was cut"
        );
    }
    assert_ne!(
        rows[0]["input_sha256"], rows[1]["input_sha256"],
        "the hash covers the whole input"
    );
    // A large input's digest is computed on another thread while the call is decided: it
    // is still the keyed hash of the whole input as sent.
    let key = std::fs::read(toolgate::journal::Paths::new(&env.db()).key).unwrap();
    let input =
        json!({"file_path": "/home/dev/project/big.rs", "content": "let x = 1;\n".repeat(100_000)});
    assert_eq!(
        rows[1]["input_sha256"].as_str().unwrap(),
        toolgate::journal::hmac_sha256_hex(&key, &serde_json::to_vec(&input).unwrap())
    );
    let (code, out) = env.verify();
    assert_eq!(code, 0, "{out}");
}
