//! The journal under faults and attack, through the real binary: a crash at each write
//! step (debug builds' `TOOLGATE_TEST_FAULT` fault points kill the process as `kill -9`
//! would), torn writes, a full disk (a small tmpfs in a private mount namespace), blocks from
//! the deadline, a panic or an abort, a database held locked, and each kind of tampering
//! `journal verify` must catch. Every test here failed before the journal's durability work.

#[path = "common/journal_env.rs"]
mod journal_env;

use journal_env::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command as Std;
use std::time::{Duration, Instant};

fn event(tool_use_id: &str, command: &str) -> String {
    json!({
        "hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/home/dev/project",
        "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": tool_use_id,
    })
    .to_string()
}

/// Run one hook call; the exit code (`None`: killed by a signal).
fn call(env: &Env, id: &str, command: &str, fault: Option<&str>) -> Option<i32> {
    let mut c = env.cmd();
    if let Some(f) = fault {
        c.env("TOOLGATE_TEST_FAULT", f);
    }
    c.arg("hook")
        .write_stdin(event(id, command))
        .output()
        .unwrap()
        .status
        .code()
}

/// Every record's tool_use_id, in chain order (markers have none).
fn ids(env: &Env) -> Vec<String> {
    env.rows()
        .iter()
        .filter_map(|r| r["tool_use_id"].as_str().map(str::to_string))
        .collect()
}

fn assert_each_once(env: &Env, expected: &[&str]) {
    let got = ids(env);
    for id in expected {
        let n = got.iter().filter(|g| g == id).count();
        assert_eq!(n, 1, "{id} recorded {n} times in {got:?}");
    }
    let seqs: Vec<i64> = env
        .rows()
        .iter()
        .map(|r| r["seq"].as_i64().unwrap())
        .collect();
    let mut sorted = seqs.clone();
    sorted.dedup();
    assert_eq!(seqs, sorted, "sequence numbers are unique and ordered");
}

#[test]
fn a_crash_between_the_segment_append_and_the_head_loses_nothing() {
    let env = Env::new();
    assert_eq!(call(&env, "a", "ls", None), Some(0));
    // Killed after its record reached the segment, before the head moved.
    assert_eq!(call(&env, "b", "ls", Some("crash-after-append")), None);
    assert_eq!(call(&env, "c", "rm -rf /", None), Some(2));
    assert_eq!(call(&env, "d", "ls", None), Some(0));
    assert_each_once(&env, &["a", "b", "c", "d"]);
    let (code, out) = env.verify();
    assert_eq!(
        code, 0,
        "a crash after a durable append is no damage: {out}"
    );
}

#[test]
fn a_reader_killed_after_its_fold_commits_neither_drops_nor_duplicates() {
    for fault in ["crash-after-fold-commit", "crash-after-spool-import"] {
        let env = Env::new();
        assert_eq!(call(&env, "a", "ls", None), Some(0));
        let lock = hold_lock(&env);
        assert_eq!(call(&env, "spooled", "rm -rf /", None), Some(2));
        drop(lock);
        let killed = env
            .cmd()
            .env("TOOLGATE_TEST_FAULT", fault)
            .args(["journal", "stats"])
            .output()
            .unwrap();
        assert_eq!(killed.status.code(), None, "{fault}: the reader was killed");
        assert_eq!(call(&env, "after", "ls", None), Some(0));
        assert_each_once(&env, &["a", "spooled", "after"]);
        let rows = env.rows();
        let spooled = rows.iter().find(|r| r["tool_use_id"] == "spooled").unwrap();
        assert_eq!(spooled["decision"], "deny");
        assert_eq!(spooled["origin"], "spool");
        let (code, out) = env.verify();
        assert_eq!(code, 0, "{fault}: {out}");
    }
}

#[test]
fn a_torn_append_is_cut_marked_as_damage_and_the_call_still_recorded() {
    let env = Env::new();
    assert_eq!(call(&env, "a", "ls", None), Some(0));
    // Half the line reaches the segment and the write fails (a full disk, an I/O error),
    // and the half line is not cut back: the record goes to the spool.
    assert_eq!(call(&env, "torn", "rm -rf /", Some("torn-append")), Some(2));
    assert_eq!(call(&env, "b", "ls", None), Some(0));
    assert_each_once(&env, &["a", "torn", "b"]);
    let rows = env.rows();
    let gap = rows.iter().find(|r| r["event"] == "journal-gap").unwrap();
    assert!(
        gap["reason"].as_str().unwrap().contains("torn write"),
        "{gap}"
    );
    let (code, out) = env.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("DAMAGED") && out.contains("torn write"),
        "{out}"
    );
    assert!(!out.contains("FAILED"), "damage is not tampering: {out}");
    let (code, out, err) = env.journal(&["repair"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out) = env.verify();
    assert_eq!(code, 0, "{out}");
}

#[test]
fn blocks_from_the_deadline_a_panic_or_an_abort_are_each_recorded_as_given() {
    let env = Env::new();
    for (id, fault, says) in [
        ("panic", "panic", "internal error"),
        ("abort", "abort", "aborted"),
        ("hang", "hang", "deadline"),
    ] {
        let out = env
            .cmd()
            .env("TOOLGATE_TEST_FAULT", fault)
            .env("TOOLGATE_DEADLINE_MS", "300")
            .arg("hook")
            .write_stdin(event(id, "ls"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{fault}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says));
    }
    // A caller that never closes stdin: the deadline ends the call before its event is read.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("toolgate"))
        .arg("hook")
        .env("TOOLGATE_JOURNAL", env.db())
        .env("TMPDIR", env.tmp())
        .env("TOOLGATE_DEADLINE_MS", "300")
        .env_remove("TOOLGATE_POLICY")
        .env_remove("TOOLGATE_TEST_FAULT")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Held open (Child::wait would close it first).
    let stdin = child.stdin.take();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the deadline did not end it"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    assert_eq!(status.code(), Some(2));
    // An oversized event is blocked and recorded too.
    let huge = format!("{{\"x\":\"{}\"}}", "a".repeat(17 << 20));
    let out = env.cmd().arg("hook").write_stdin(huge).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    let rows = env.rows();
    for (id, says) in [
        ("panic", "internal error"),
        ("abort", "aborted"),
        ("hang", "deadline"),
    ] {
        let r = rows
            .iter()
            .rfind(|r| r["tool_use_id"] == id)
            .unwrap_or_else(|| panic!("no record for the {id} block: {rows:?}"));
        assert_eq!(r["decision"], "error", "{r}");
        assert_eq!(r["origin"], "failsafe", "{r}");
        assert_eq!(r["tool_name"], "Bash");
        assert!(r["reason"].as_str().unwrap().contains(says), "{r}");
    }
    let unknown: Vec<&Value> = rows.iter().filter(|r| r["event"] == "unknown").collect();
    assert_eq!(
        unknown.len(),
        2,
        "the unread and the oversized event: {rows:?}"
    );
    assert!(
        unknown
            .iter()
            .any(|r| r["reason"].as_str().unwrap().contains("deadline"))
    );
    assert!(unknown.iter().all(|r| r["decision"] == "error"));
    let (code, out) = env.verify();
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_database_held_locked_delays_folding_never_an_answer() {
    let env = Env::new();
    assert_eq!(call(&env, "first", "ls", None), Some(0));
    env.journal(&["stats"]);
    // A reader (or an administrator's sqlite3 shell) holds the write lock for seconds.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    // Inputs just under the size the journal keeps whole fill the segment past the fold
    // threshold within ten calls.
    let big = "x".repeat(60 << 10);
    let mut slowest = Duration::ZERO;
    for i in 0..12 {
        let start = Instant::now();
        let out = env
            .cmd()
            .env("TOOLGATE_DEADLINE_MS", "1500")
            .arg("hook")
            .write_stdin(
                json!({
                    "hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/home/dev/project",
                    "tool_name": "Write", "tool_use_id": format!("w{i}"),
                    "tool_input": {"file_path": "/home/dev/project/notes.txt", "content": big},
                })
                .to_string(),
            )
            .output()
            .unwrap();
        slowest = slowest.max(start.elapsed());
        assert_eq!(
            out.status.code(),
            Some(0),
            "call {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        slowest < Duration::from_millis(1200),
        "slowest call {slowest:?}"
    );
    // The fold waiting for the database lets go of the journal lock: nothing had to spool.
    let segment = std::fs::metadata(env.db().with_extension("db.segment"))
        .unwrap()
        .len();
    assert!(
        segment > 512 << 10,
        "the calls went on appending: {segment} bytes"
    );
    drop(conn);
    let expected: Vec<String> = (0..12).map(|i| format!("w{i}")).collect();
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_each_once(&env, &expected);
    let spooled = env.rows().iter().filter(|r| r["origin"] == "spool").count();
    assert_eq!(spooled, 0);
    assert_eq!(env.verify().0, 0);
}

#[test]
fn a_hook_event_named_prune_is_no_prune_marker() {
    let env = Env::new();
    populate(&env, 3);
    let third = env.rows()[2].clone();
    let forged = json!({
        "hook_event_name": "prune", "cwd": "/",
        "tool_input": {"before": "2026-01-01T00:00:00Z", "through_seq": 3, "through_hash": third["hash"]},
    });
    env.cmd()
        .arg("hook")
        .write_stdin(forged.to_string())
        .assert()
        .code(0);
    env.journal(&["stats"]);
    sql(&env, "DELETE FROM decisions WHERE seq <= 3");
    let rows = env.rows();
    assert_eq!(rows[0]["event"], "hook:prune", "stored under another name");
    let (code, out) = env.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no prune record accounts"), "{out}");
}

#[test]
fn deleting_the_head_with_the_last_rows_is_found_even_after_more_calls() {
    let env = Env::new();
    populate(&env, 5);
    sql(&env, "DELETE FROM decisions WHERE seq >= 4");
    std::fs::remove_file(env.db().with_extension("db.head")).unwrap();
    let (code, out) = env.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("head file was missing"), "{out}");
    // The same, with calls after it: they cannot hide it.
    let env = Env::new();
    populate(&env, 5);
    sql(&env, "DELETE FROM decisions WHERE seq >= 4");
    std::fs::remove_file(env.db().with_extension("db.head")).unwrap();
    call(&env, "later", "ls", None);
    let (code, out) = env.verify();
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("head file was missing"), "{out}");
}

#[test]
fn a_deleted_database_is_found() {
    let env = Env::new();
    populate(&env, 3);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", env.db().display()));
    }
    let (code, out) = env.verify();
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("DAMAGED") && out.contains("replaced or reinitialised"),
        "{out}"
    );
    call(&env, "later", "ls", None);
    let (code, out) = env.verify();
    assert_eq!(code, 1, "still, after more calls: {out}");
    let (code, out, _) = env.journal(&["repair"]);
    assert_eq!(code, 0, "an administrator acknowledges it: {out}");
    assert_eq!(env.verify().0, 0);
}

#[test]
fn a_database_rolled_back_to_an_older_copy_or_cut_in_the_middle_fails() {
    let env = Env::new();
    populate(&env, 2);
    let old = std::fs::read(env.db()).unwrap();
    populate(&env, 3);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", env.db().display()));
    }
    std::fs::write(env.db(), old).unwrap();
    call(&env, "later", "ls", None);
    let (code, out) = env.verify();
    assert!(
        code == 1 && out.contains("FAILED") && out.contains("#3 to #5 are missing"),
        "{out}"
    );
    // Deleting records from the middle is still tampering, never damage.
    let env = Env::new();
    populate(&env, 5);
    sql(&env, "DELETE FROM decisions WHERE seq = 3");
    call(&env, "later", "ls", None);
    let (code, out) = env.verify();
    assert!(
        code == 1 && out.contains("FAILED") && out.contains("missing"),
        "{out}"
    );
    let (code, out, _) = env.journal(&["repair"]);
    assert_eq!(code, 1, "repair cannot make it verify: {out}");
}

fn spool_root(env: &Env) -> std::path::PathBuf {
    // SAFETY: getuid has no preconditions.
    env.tmp()
        .join(format!("toolgate-spool-{}", unsafe { libc::getuid() }))
}

#[test]
fn a_spool_folder_someone_else_could_write_is_never_used() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    populate(&env, 1);
    // Another account made the folder first (here: world-writable) and planted a record.
    let root = spool_root(&env);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o777)).unwrap();
    let lock = hold_lock(&env);
    assert_eq!(
        call(&env, "x", "rm -rf /", None),
        Some(2),
        "the decision stands"
    );
    drop(lock);
    let mut planted = env.rows()[0].clone();
    planted["tool_use_id"] = "planted".into();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        std::fs::write(
            entry.path().join("00000000000000000001-1-1.json"),
            planted.to_string(),
        )
        .unwrap();
    }
    let got = ids(&env);
    assert!(!got.contains(&"planted".to_string()), "{got:?}");
    let (_, out, _) = env.journal(&["stats", "--format", "json"]);
    let stats: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        stats["counters"]["lost"], 1,
        "the call that could not be spooled is counted"
    );
}

#[test]
fn a_record_spooled_for_one_journal_is_imported_into_that_journal_only() {
    let env = Env::new();
    populate(&env, 1);
    let other = env.dir.path().join("other/journal.db");
    let lock = hold_lock(&env);
    assert_eq!(call(&env, "mine", "rm -rf /", None), Some(2));
    drop(lock);
    let out = env
        .cmd()
        .env("TOOLGATE_JOURNAL", &other)
        .args(["journal", "export"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("mine"));
    assert!(ids(&env).contains(&"mine".to_string()));
}

#[test]
fn an_evidence_copy_is_read_without_writing_to_it() {
    let env = Env::new();
    populate(&env, 4);
    let anchor: Value = serde_json::from_str(&env.journal(&["anchor"]).1).unwrap();
    let copy = env.dir.path().join("evidence");
    std::fs::create_dir(&copy).unwrap();
    for name in ["journal.db", "journal.db-wal", "journal.db.head"] {
        let from = env.db().with_file_name(name);
        if from.exists() {
            std::fs::copy(&from, copy.join(name)).unwrap();
        }
    }
    let listing = |dir: &Path| {
        let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        all.sort();
        all
    };
    let before = listing(&copy);
    let run = |args: &[&str]| {
        env.cmd()
            .env("TOOLGATE_JOURNAL", copy.join("journal.db"))
            .arg("journal")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["verify", "--anchor", anchor["anchor"].as_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only copy"));
    assert!(run(&["query"]).status.success());
    let report = env.dir.path().join("r.html");
    assert!(
        run(&["report", "--html", report.to_str().unwrap()])
            .status
            .success()
    );
    let after = listing(&copy);
    let names = |l: &[(String, Vec<u8>)]| l.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&after),
        names(&before),
        "no file was made beside the copy"
    );
    assert!(after == before, "nothing was written to the copy");
    assert!(!copy.join("journal.db.segment").exists() && !copy.join("journal.db.lock").exists());
}

/// Run `script` as root in a private mount namespace (`sh -c`, with `$TG` the binary and
/// `$D` the scratch folder `dir`) and check it ran to the end. `false` where the machine
/// cannot make one (CI requires it).
fn in_private_mounts(dir: &Path, script: &str) -> bool {
    let probe = Std::new("unshare")
        .args([
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount -t tmpfs t /mnt",
        ])
        .output()
        .unwrap();
    if !probe.status.success() {
        let why = String::from_utf8_lossy(&probe.stderr).into_owned();
        if std::env::var_os("TOOLGATE_REQUIRE_SERVICES").is_some() {
            panic!("a private mount namespace is needed: {why}");
        }
        eprintln!("skipped: no private mount namespace here ({why})");
        return false;
    }
    let out = Std::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", script])
        .env("TG", assert_cmd::cargo::cargo_bin("toolgate"))
        .env("D", dir)
        .env_remove("TOOLGATE_POLICY")
        .env_remove("TOOLGATE_TEST_FAULT")
        .env_remove("TOOLGATE_JOURNAL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// A file the script wrote under `$D/out`.
fn out_file(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("out").join(name)).unwrap()
}

#[test]
fn a_full_disk_loses_no_answered_call() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
set -u
mkdir -p "$D/state" "$D/tmp" "$D/out"
# Room for the journal and the compiled packs beside it (116 KiB) once the filler is gone.
mount -t tmpfs -o size=1m tmpfs "$D/state" || exit 97
export TOOLGATE_JOURNAL="$D/state/journal.db" TMPDIR="$D/tmp" HOME=/home/dev
ev() { printf '{"hook_event_name":"PreToolUse","cwd":"/","tool_name":"Bash","tool_use_id":"%s","tool_input":{"command":"%s"}}' "$1" "$2"; }
n=0
for i in 1 2 3; do ev "before$i" ls | "$TG" hook >/dev/null 2>&1; echo "before$i $?" >> "$D/out/answers"; done
# The segment's last page has room for about one more line: the next appends tear.
dd if=/dev/zero of="$D/state/fill" bs=4k >/dev/null 2>&1
for i in 1 2 3 4 5; do ev "full$i" "rm -rf /" | "$TG" hook >/dev/null 2>&1; echo "full$i $?" >> "$D/out/answers"; done
rm "$D/state/fill"
for i in 1 2 3; do ev "after$i" ls | "$TG" hook >/dev/null 2>&1; echo "after$i $?" >> "$D/out/answers"; done
"$TG" journal export > "$D/out/export" 2>"$D/out/export.err"
"$TG" journal verify > "$D/out/verify" 2>&1
echo "verify $?" >> "$D/out/answers"
"#;
    if !in_private_mounts(dir.path(), script) {
        return;
    }
    let read = |name: &str| out_file(dir.path(), name);
    let answers = read("answers");
    for line in answers.lines() {
        let (id, code) = line.split_once(' ').unwrap();
        let expected = if id.starts_with("full") { "2" } else { "0" };
        assert_eq!(code, expected, "{id}: {answers}\n{}", read("verify"));
    }
    let exported = read("export");
    let rows: Vec<Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for line in answers.lines().filter(|l| !l.starts_with("verify")) {
        let id = line.split(' ').next().unwrap();
        let n = rows.iter().filter(|r| r["tool_use_id"] == id).count();
        assert_eq!(n, 1, "{id} recorded {n} times: {exported}");
        if id.starts_with("full") {
            let r = rows.iter().find(|r| r["tool_use_id"] == id).unwrap();
            assert_eq!(r["decision"], "deny", "the record says what was answered");
        }
    }
    assert!(
        !rows.iter().any(|r| r["event"] == "journal-gap"),
        "no torn line left: {exported}"
    );
}

#[test]
fn an_evidence_copy_on_read_only_media_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
set -u
mkdir -p "$D/live" "$D/copy" "$D/out"
export TMPDIR="$D/tmp" HOME=/home/dev
mkdir -p "$TMPDIR"
for i in 1 2 3; do printf '{"hook_event_name":"PreToolUse","cwd":"/","tool_name":"Bash","tool_input":{"command":"ls"}}' | "$TG" --journal "$D/live/journal.db" hook; done
"$TG" --journal "$D/live/journal.db" journal stats >/dev/null
cp "$D/live/journal.db" "$D/live/journal.db.head" "$D/copy/"
[ -f "$D/live/journal.db-wal" ] && cp "$D/live/journal.db-wal" "$D/copy/"
mount --bind "$D/copy" "$D/copy" && mount -o remount,bind,ro "$D/copy" || exit 97
"$TG" --journal "$D/copy/journal.db" journal verify > "$D/out/verify" 2>&1; echo $? > "$D/out/code"
"$TG" --journal "$D/copy/journal.db" journal query --format json > "$D/out/query" 2>&1
"#;
    if !in_private_mounts(dir.path(), script) {
        return;
    }
    let read = |name: &str| out_file(dir.path(), name);
    assert_eq!(read("code").trim(), "0", "{}", read("verify"));
    assert!(
        read("verify").contains("3 records verify"),
        "{}",
        read("verify")
    );
    assert!(read("query").contains("\"seq\":3"), "{}", read("query"));
}

#[test]
fn a_chain_rewritten_whole_fails_against_the_administrators_seal_key() {
    use toolgate::journal::record::Record;
    let env = Env::new();
    populate(&env, 2);
    let key = env.dir.path().join("seal-key.json");
    let (code, out, err) = env.journal(&["seal", "--key-out", key.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("sealing from record #3"), "{out}");
    let (code, _, _) = env.journal(&["seal", "--key-out", key.to_str().unwrap()]);
    assert_eq!(code, 1, "an existing key file is never overwritten");
    populate(&env, 2);
    // A crash between the append and the head update does not break the seals.
    assert_eq!(
        call(&env, "crashed", "ls", Some("crash-after-append")),
        None
    );
    populate(&env, 2);
    let with_key = |env: &Env| {
        let (code, out, err) = env.journal(&["verify", "--seal-key", key.to_str().unwrap()]);
        (code, format!("{out}{err}"))
    };
    let (code, out) = with_key(&env);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("6 sealed records"),
        "#3 (the seal marker) to #8: {out}"
    );

    // Someone who can write the files rewrites record #5 and recomputes the whole chain.
    env.journal(&["stats"]);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut rows: Vec<Record> = Vec::new();
    toolgate::journal::query::all_in_order(&conn, |r| rows.push(r)).unwrap();
    let mut prev = rows[3].hash.clone();
    for mut r in rows.into_iter().skip(4) {
        if r.seq == 5 {
            r.reason = "nothing to see".into();
        }
        let seq = r.seq;
        r.chain_after(seq - 1, &prev);
        conn.execute(
            "UPDATE decisions SET reason = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![r.reason, r.prev_hash, r.hash, seq],
        )
        .unwrap();
        prev = r.hash.clone();
    }
    drop(conn);
    let head = env.db().with_extension("db.head");
    let text = std::fs::read_to_string(&head).unwrap();
    let parts: Vec<&str> = text.split_whitespace().collect();
    std::fs::write(
        &head,
        format!("{} {prev} {} {}\n", parts[0], parts[2], parts[3]),
    )
    .unwrap();
    let (code, out) = env.verify();
    assert_eq!(
        code, 0,
        "without the key a consistent rewrite passes: {out}"
    );
    let (code, out) = with_key(&env);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("record #5") && out.contains("rewritten after it was sealed"),
        "{out}"
    );
}
