//! Self-protection by effect (issue 27), through the real binary with real files: a write to
//! Claude Code's settings is compared with the file on disk, a path that leads to a
//! protected file through a link made earlier is that file, and `check` answers as the hook
//! does. Each test has its own HOME with settings as `toolgate install` leaves them.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

struct Home {
    dir: tempfile::TempDir,
}

struct Answer {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Answer {
    fn decision(&self) -> &'static str {
        match (self.code, self.stdout.contains("\"ask\"")) {
            (2, _) => "deny",
            (0, true) => "ask",
            (0, false) => "pass",
            _ => "other",
        }
    }
}

const HOOKS: &str = r#"{"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "/usr/local/bin/toolgate", "args": ["hook"], "timeout": 10}]}]}"#;

impl Home {
    fn new() -> Home {
        let home = Home {
            dir: tempfile::tempdir().unwrap(),
        };
        let hooks: Value = serde_json::from_str(HOOKS).unwrap();
        home.put(
            ".claude/settings.json",
            &json!({"model": "sonnet", "hooks": hooks, "permissions": {"deny": ["Read(~/.ssh/**)"]}})
                .to_string(),
        );
        std::fs::create_dir_all(home.path("project/.claude")).unwrap();
        home
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn put(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn command(&self) -> Command {
        let mut c = Command::cargo_bin("toolgate").unwrap();
        c.env("HOME", self.dir.path())
            .env("TOOLGATE_JOURNAL", self.path("state/journal.db"))
            .env("TMPDIR", "/tmp")
            .env_remove("TOOLGATE_POLICY")
            .env_remove("XDG_STATE_HOME")
            .env_remove("XDG_CONFIG_HOME")
            .current_dir(self.path("project"));
        c
    }

    fn hook(&self, tool: &str, input: Value) -> Answer {
        let event = json!({"hook_event_name": "PreToolUse", "session_id": "s",
            "cwd": self.path("project"), "tool_name": tool, "tool_input": input});
        let out = self
            .command()
            .arg("hook")
            .write_stdin(event.to_string())
            .output()
            .unwrap();
        Answer {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn bash(&self, command: &str) -> Answer {
        self.hook("Bash", json!({ "command": command }))
    }

    /// `toolgate check --command`: must agree with the hook.
    fn check(&self, command: &str) -> &'static str {
        let out = self
            .command()
            .args(["check", "--command", command])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        match out.status.code() {
            Some(2) => "deny",
            Some(0) if text.starts_with("ask") => "ask",
            Some(0) => "pass",
            _ => "other",
        }
    }
}

fn settings(home: &Home) -> String {
    home.path(".claude/settings.json").display().to_string()
}

/// A Write that keeps hooks and permissions as they are is an ordinary settings edit (it
/// asks); one that drops or changes them, however spelled, is denied.
#[test]
fn settings_writes_are_judged_by_what_they_change_on_disk() {
    let home = Home::new();
    let file = settings(&home);
    let on_disk: Value =
        serde_json::from_slice(&std::fs::read(home.path(".claude/settings.json")).unwrap())
            .unwrap();
    let mut kept = on_disk.clone();
    kept["model"] = json!("opus");
    let a = home.hook(
        "Write",
        json!({"file_path": file, "content": kept.to_string()}),
    );
    assert_eq!(a.decision(), "ask", "{}{}", a.stdout, a.stderr);
    assert!(a.stdout.contains("claude-settings-other"), "{}", a.stdout);
    let a = home.hook(
        "Edit",
        json!({"file_path": file, "old_string": "\"sonnet\"", "new_string": "\"opus\""}),
    );
    assert_eq!(a.decision(), "ask", "{}", a.stderr);

    for (what, input) in [
        (
            "an empty object",
            json!({"file_path": file, "content": "{}"}),
        ),
        (
            "hooks without toolgate",
            json!({"file_path": file, "content": json!({"model": "sonnet", "hooks": {}, "permissions": on_disk["permissions"]}).to_string()}),
        ),
        (
            "an escaped key",
            json!({"file_path": file, "content": "{\"model\": \"sonnet\", \"disable\\u0041llHooks\": true}"}),
        ),
        (
            "an edit of the hook command",
            json!({"file_path": file, "old_string": "/usr/local/bin/toolgate", "new_string": "/bin/true"}),
        ),
        (
            "broken JSON",
            json!({"file_path": file, "content": "{\"model\": "}),
        ),
    ] {
        let tool = if input.get("content").is_some() {
            "Write"
        } else {
            "Edit"
        };
        let a = home.hook(tool, input);
        assert_eq!(a.decision(), "deny", "{what}: {}", a.stdout);
        assert!(
            a.stderr.contains("self-protection.claude-settings"),
            "{what}: {}",
            a.stderr
        );
    }
    // The shell spellings of the same writes.
    assert_eq!(
        home.bash("echo '{}' > ~/.claude/settings.json").decision(),
        "deny"
    );
    assert_eq!(home.check("echo '{}' > ~/.claude/settings.json"), "deny");
    assert_eq!(
        home.bash("echo '{}' > ~/.claude/s*.json").decision(),
        "deny"
    );
    // A settings file that is not there yet: a new one without protected keys asks.
    let a = home.hook(
        "Write",
        json!({"file_path": home.path("project/.claude/settings.json"), "content": "{\"theme\": \"dark\"}"}),
    );
    assert_eq!(a.decision(), "ask", "{}", a.stderr);
}

/// A link made in one call and written through in the next is a write of what it leads to;
/// so is a hard link. Making such a link is denied in the first place.
#[test]
fn links_to_protected_files_are_followed_on_disk() {
    let home = Home::new();
    let file = settings(&home);
    assert_eq!(
        home.bash(&format!("ln -s {file} notes.json")).decision(),
        "deny",
        "making the link"
    );
    // Made anyway (by the user, or before the gate was installed).
    std::os::unix::fs::symlink(&file, home.path("project/notes.json")).unwrap();
    std::os::unix::fs::symlink(home.path(".claude"), home.path("project/claude-home")).unwrap();
    std::fs::hard_link(&file, home.path("project/config.json")).unwrap();
    let through = [
        (
            "Write",
            json!({"file_path": home.path("project/notes.json"), "content": "{}"}),
        ),
        (
            "Edit",
            json!({"file_path": home.path("project/claude-home/settings.json"), "old_string": "/usr/local/bin/toolgate", "new_string": "/bin/true"}),
        ),
        (
            "Write",
            json!({"file_path": home.path("project/config.json"), "content": "{}"}),
        ),
    ];
    for (tool, input) in through {
        let a = home.hook(tool, input.clone());
        assert_eq!(a.decision(), "deny", "{input}: {}", a.stdout);
        assert!(a.stderr.contains("through a link"), "{}", a.stderr);
    }
    for command in [
        "echo '{}' > notes.json",
        "rm claude-home/settings.json",
        "cat /dev/null > config.json",
    ] {
        assert_eq!(home.bash(command).decision(), "deny", "{command}");
        assert_eq!(home.check(command), "deny", "check agrees: {command}");
    }
    // An ordinary file and an ordinary link are left alone.
    home.put("project/data.json", "{}");
    std::os::unix::fs::symlink(
        home.path("project/data.json"),
        home.path("project/alias.json"),
    )
    .unwrap();
    let a = home.hook(
        "Write",
        json!({"file_path": home.path("project/alias.json"), "content": "{\"a\": 1}"}),
    );
    assert_eq!(a.decision(), "pass", "{}", a.stderr);
}

/// Copies, archives, in-place editors, patches and git restores over protected files.
#[test]
fn every_way_of_writing_settings_is_the_same_write() {
    let home = Home::new();
    let h = home.dir.path().display().to_string();
    for command in [
        "cp -r /tmp/evil/.claude ~/".to_string(),
        "rsync -a /tmp/dots/ ~/".into(),
        format!("tar xf /tmp/p.tar -C {h}"),
        "cd ~ && unzip -o /tmp/p.zip".into(),
        "perl -pi -e 's/toolgate/true/' ~/.claude/settings.json".into(),
        "awk -i inplace '!/toolgate/' ~/.claude/settings.json".into(),
        "printf '/toolgate/d\\nw\\nq\\n' | ed -s ~/.claude/settings.json".into(),
        "vim -es -c '%s/hooks/x/' -c wq ~/.claude/settings.json".into(),
        "patch ~/.claude/settings.json < /tmp/x.diff".into(),
        "git checkout HEAD~3 -- .claude/settings.json".into(),
        "claude config set -g disableAllHooks true".into(),
        "pkill -f toolgate".into(),
        "chmod -x $(which toolgate)".into(),
        "echo 'export TOOLGATE_POLICY=/dev/null' >> ~/.bash_aliases".into(),
    ] {
        assert_eq!(home.bash(&command).decision(), "deny", "{command}");
        assert_eq!(home.check(&command), "deny", "check agrees: {command}");
    }
    for command in [
        "tar xzf release.tar.gz -C build/",
        "cp -r src/ backup/",
        "perl -pi -e 's/foo/bar/' src/x.txt",
        "git checkout main",
        "claude mcp list",
        "pgrep -a toolgate",
        "chmod +x scripts/run.sh",
    ] {
        assert_eq!(home.bash(command).decision(), "pass", "{command}");
    }
}

/// ConfigChange without `previous_config`: the snapshot of the last allowed change stands
/// in; with none, a configuration that sets protected keys is blocked.
#[test]
fn config_change_without_a_previous_configuration() {
    let home = Home::new();
    let file = settings(&home);
    let change = |new: Value, previous: Option<Value>| {
        let mut event = json!({"hook_event_name": "ConfigChange", "session_id": "s",
            "cwd": home.path("project"), "source": "user_settings", "file_path": file, "new_config": new});
        if let Some(p) = previous {
            event["previous_config"] = p;
        }
        let out = home
            .command()
            .arg("hook")
            .write_stdin(event.to_string())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let hooks: Value = serde_json::from_str(HOOKS).unwrap();
    let installed = json!({"model": "a", "hooks": hooks});
    let (code, stderr) = change(installed.clone(), None);
    assert_eq!(code, 2, "before-state unknown, hooks set");
    assert!(stderr.contains("not known"), "{stderr}");
    // Claude Code sends the previous configuration once: the gate keeps a snapshot.
    assert_eq!(
        change(json!({"model": "b", "hooks": hooks}), Some(installed)).0,
        0
    );
    assert_eq!(change(json!({"model": "c", "hooks": hooks}), None).0, 0);
    let (code, stderr) = change(json!({"model": "c"}), None);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("hooks") && !stderr.contains("not known"),
        "{stderr}"
    );
    let (code, _) = change(
        json!({"model": "c", "hooks": hooks, "env": {"TOOLGATE_POLICY": "/dev/null"}}),
        None,
    );
    assert_eq!(code, 2, "an env block");
    assert!(Path::new(&file).exists());
}

/// A script or Makefile already on disk is read when a call runs it: what it does is what
/// the call does.
#[test]
fn scripts_already_on_disk_are_read_when_run() {
    let home = Home::new();
    home.put(
        "project/scripts/setup.sh",
        "#!/bin/sh\nset -e\nnpm ci\ncp config/ci-settings.json ~/.claude/settings.json\n",
    );
    home.put(
        "project/scripts/build.sh",
        "#!/bin/bash\nnpm ci\nnpm run build\n",
    );
    home.put(
        "project/tools/fix.py",
        "#!/usr/bin/env python3\nimport os\nopen(os.path.expanduser('~/.claude/settings.json'), 'w').write('{}')\n",
    );
    home.put(
        "project/Makefile",
        "all: build\n\nbuild:\n\tnpm run build\n\ntest: build\n\tnpm test\n\nsetup:\n\tcp config/ci.json $(HOME)/.claude/settings.json\n",
    );
    use std::os::unix::fs::PermissionsExt;
    for f in [
        "project/scripts/setup.sh",
        "project/scripts/build.sh",
        "project/tools/fix.py",
    ] {
        std::fs::set_permissions(home.path(f), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for command in [
        "bash scripts/setup.sh",
        "./scripts/setup.sh",
        "sh -c ./scripts/setup.sh",
        "python3 tools/fix.py",
        "./tools/fix.py",
        "make setup",
    ] {
        let a = home.bash(command);
        assert_eq!(a.decision(), "deny", "{command}: {}", a.stdout);
        assert!(
            a.stderr.contains("on disk") || a.stderr.contains("make recipe"),
            "{command}: {}",
            a.stderr
        );
        assert_eq!(home.check(command), "deny", "check agrees: {command}");
    }
    for command in [
        "bash scripts/build.sh",
        "./scripts/build.sh",
        "make",
        "make test",
    ] {
        assert_eq!(home.bash(command).decision(), "pass", "{command}");
    }
}

/// A FIFO planted where the settings file should be does not make the gate wait for a
/// writer (it is not a file to compare with): the call is judged, not cut off by the
/// deadline (which would block it as a failure).
#[test]
fn a_fifo_in_place_of_settings_does_not_hang_the_gate() {
    let home = Home::new();
    let file = home.path(".claude/settings.json");
    std::fs::remove_file(&file).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let a = home.hook("Write", json!({"file_path": file, "content": "{}"}));
    assert_eq!(a.decision(), "ask", "{}", a.stderr);
    assert!(a.stdout.contains("claude-settings-other"), "{}", a.stdout);
}
