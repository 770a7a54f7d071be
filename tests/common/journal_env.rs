//! The journal test environment shared by the journal's test files: a temporary journal,
//! the real binary driven through stdin, and the journal commands.

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::json;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("state/journal.db")
    }
    pub fn tmp(&self) -> PathBuf {
        let t = self.dir.path().join("tmp");
        std::fs::create_dir_all(&t).unwrap();
        t
    }
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("toolgate").unwrap();
        c.env("HOME", "/home/dev")
            .env("TMPDIR", self.tmp())
            .env("USER", "alice")
            .env("TOOLGATE_JOURNAL", self.db())
            .env_remove("TOOLGATE_POLICY")
            .env_remove("TOOLGATE_TEST_FAULT");
        c
    }
    pub fn hook(&self, tool: &str, input: serde_json::Value) -> (i32, String) {
        let event = json!({
            "hook_event_name": "PreToolUse", "session_id": "sess-1", "cwd": "/home/dev/project",
            "tool_name": tool, "tool_input": input, "tool_use_id": "toolu_x",
        });
        let out = self
            .cmd()
            .arg("hook")
            .write_stdin(event.to_string())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    pub fn journal(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().arg("journal").args(args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    pub fn rows(&self) -> Vec<serde_json::Value> {
        let (code, out, err) = self.journal(&["export"]);
        assert_eq!(code, 0, "{err}");
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
    pub fn verify(&self) -> (i32, String) {
        let (code, out, err) = self.journal(&["verify"]);
        (code, format!("{out}{err}"))
    }
}

pub fn all_bytes_under(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(all_bytes_under(&p));
        } else {
            out.extend(std::fs::read(&p).unwrap_or_default());
        }
    }
    out
}

pub fn populate(env: &Env, n: usize) {
    for i in 0..n {
        env.hook("Bash", json!({"command": format!("echo {i}")}));
    }
    assert_eq!(env.verify().0, 0);
}

pub fn sql(env: &Env, statement: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(statement).unwrap();
}

/// A harmless Bash call, for tests about where records go rather than what is decided.
pub fn ls_event() -> String {
    json!({"hook_event_name": "PreToolUse", "cwd": "/", "tool_name": "Bash", "tool_input": {"command": "ls"}}).to_string()
}

pub fn hold_lock(env: &Env) -> std::fs::File {
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(env.db().with_extension("db.lock"))
        .unwrap();
    // SAFETY: locking our own descriptor.
    assert_eq!(unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) }, 0);
    f
}

pub fn whoami() -> String {
    String::from_utf8(
        std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string()
}
