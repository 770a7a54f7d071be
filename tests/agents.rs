//! Every agent through one gate: the real binary, each agent's own payloads on stdin, and the
//! answer read in that agent's own blocking convention (Copilot: exit 0 with a deny;
//! Codex: exit 2 with a reason; Cursor: exit 2 and `permission: deny`; Gemini: `decision:
//! deny`). tests/corpus/agents.tsv was written from the agents' documented payloads by a
//! helper that never read the code.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::Path;

#[path = "common/journal_env.rs"]
mod journal_env;

const ENTERPRISE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/enterprise.toml");

fn scratch() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

fn toolgate(policy: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("toolgate").unwrap();
    cmd.env("TOOLGATE_JOURNAL", scratch().join("journal.db"))
        .env("HOME", "/home/dev")
        .env("TMPDIR", "/tmp")
        .env_remove("TOOLGATE_POLICY")
        .env_remove("TOOLGATE_TEST_FAULT")
        .env_remove("TOOLGATE_DEADLINE_MS");
    if let Some(p) = policy {
        cmd.env("TOOLGATE_POLICY", p);
    }
    cmd
}

#[derive(Debug)]
struct Reply {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Reply {
    fn json(&self) -> Value {
        self.stdout
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or(Value::Null)
    }

    /// Whether the agent reads this as a block, by its own documented rules.
    fn blocks(&self, agent: &str) -> bool {
        let j = self.json();
        match agent {
            "copilot" => self.code == 0 && j["permissionDecision"] == "deny",
            "codex" => self.code == 2 && !self.stderr.trim().is_empty(),
            "cursor" => self.code == 2 || j["permission"] == "deny" || j["continue"] == false,
            "gemini" => j["decision"] == "deny" || (self.code == 2 && self.stdout.is_empty()),
            _ => self.code == 2,
        }
    }
}

fn hook(cmd: &mut Command, agent: Option<&str>, event: &str) -> Reply {
    cmd.arg("hook");
    if let Some(a) = agent {
        cmd.args(["--agent", a]);
    }
    let out = cmd.write_stdin(event.to_string()).output().unwrap();
    Reply {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

struct Case {
    agent: String,
    block: bool,
    what: String,
    json: String,
}

fn corpus() -> Vec<Case> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/agents.tsv"
    ))
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "{l}");
            Case {
                agent: cols[0].into(),
                block: cols[1] == "block",
                what: cols[2].into(),
                json: cols[3].into(),
            }
        })
        .collect()
}

/// Under the organisation's policy every attack is blocked in its agent's convention, named
/// by `--agent` or recognised from the payload alike; everyday calls pass, except fetches of
/// hosts that policy's network allowlist leaves out (it blocks those for every agent).
#[test]
fn agent_corpus_is_answered_in_each_agents_convention() {
    let cases = corpus();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        for flag in [Some(case.agent.as_str()), None] {
            let r = hook(&mut toolgate(Some(ENTERPRISE)), flag, &case.json);
            assert!(matches!(r.code, 0 | 2), "{}: exit {}", case.what, r.code);
            let blocked = r.blocks(&case.agent);
            let allowlist_only = blocked
                && !case.block
                && format!("{}{}", r.stdout, r.stderr)
                    .contains("Rule policy.network-allowlist matched");
            if blocked != case.block && !allowlist_only {
                wrong.push(format!(
                    "{} {} (flag {flag:?}): code {} {}{}",
                    case.agent, case.what, r.code, r.stdout, r.stderr
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Under the built-in defaults (no MCP or network allowlist) everyday calls pass too, and
/// every attack that is not an unapproved MCP server is still blocked.
#[test]
fn agent_corpus_under_the_built_in_defaults() {
    let mut wrong = Vec::new();
    for case in corpus() {
        let r = hook(&mut toolgate(None), Some(&case.agent), &case.json);
        let mcp_only = case.json.contains("mcp_") || case.json.contains("MCPExecution");
        if case.block && mcp_only {
            continue;
        }
        if r.blocks(&case.agent) != case.block {
            wrong.push(format!(
                "{} {}: {} {}",
                case.agent, case.what, r.stdout, r.stderr
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn codex(tool: &str, input: Value) -> String {
    json!({
        "session_id": "s", "turn_id": "t1", "model": "gpt-5-codex", "cwd": "/home/dev/project",
        "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input, "tool_use_id": "c1",
    })
    .to_string()
}

fn cursor(event: &str, fields: Value) -> String {
    let mut e = json!({
        "conversation_id": "conv", "generation_id": "gen", "hook_event_name": event,
        "workspace_roots": ["/home/dev/project"], "cursor_version": "1.7.2",
    });
    for (k, v) in fields.as_object().unwrap() {
        e[k] = v.clone();
    }
    e.to_string()
}

fn copilot(tool: &str, args: Value) -> String {
    json!({
        "sessionId": "s", "timestamp": 1767000000000u64, "cwd": "/home/dev/project",
        "toolName": tool, "toolArgs": args.to_string(),
    })
    .to_string()
}

fn gemini(tool: &str, input: Value) -> String {
    json!({
        "session_id": "s", "transcript_path": "/tmp/t.json", "cwd": "/home/dev/project",
        "hook_event_name": "BeforeTool", "timestamp": "2026-12-06T10:00:00Z",
        "tool_name": tool, "tool_input": input,
    })
    .to_string()
}

/// The "done when", one agent at a time: a destructive shell command, a secret-file
/// read and a settings-tampering edit blocked exactly the way the agent reads a block, and
/// harmless calls answered with nothing the agent could misread.
#[test]
fn each_agent_blocks_the_three_attacks_in_its_own_convention() {
    let tamper = "*** Begin Patch\n*** Update File: .claude/settings.json\n@@\n-{\n+{\"disableAllHooks\": true,\n*** End Patch\n";
    let cases: [(&str, [String; 3], String); 4] = [
        (
            "codex",
            [
                codex("Bash", json!({"command": "rm -rf ~"})),
                codex("Bash", json!({"command": "cat ~/.ssh/id_rsa"})),
                codex("apply_patch", json!({"command": tamper})),
            ],
            codex("Bash", json!({"command": "cargo test"})),
        ),
        (
            "cursor",
            [
                cursor(
                    "beforeShellExecution",
                    json!({"command": "rm -rf ~", "cwd": "/home/dev/project"}),
                ),
                cursor(
                    "beforeReadFile",
                    json!({"file_path": "/home/dev/.aws/credentials", "content": "[default]\n"}),
                ),
                cursor(
                    "preToolUse",
                    json!({"tool_name": "Write", "tool_input": {"file_path": "/home/dev/project/.cursor/hooks.json", "content": "{\"version\":1,\"hooks\":{}}"}}),
                ),
            ],
            cursor(
                "beforeShellExecution",
                json!({"command": "git status", "cwd": "/home/dev/project"}),
            ),
        ),
        (
            "copilot",
            [
                copilot(
                    "bash",
                    json!({"command": "rm -rf ~", "description": "clean"}),
                ),
                copilot("view", json!({"path": "/home/dev/.ssh/id_ed25519"})),
                copilot(
                    "edit",
                    json!({"path": "/home/dev/.claude/settings.json", "old_str": "{", "new_str": "{\"disableAllHooks\": true,"}),
                ),
            ],
            copilot("view", json!({"path": "/home/dev/project/README.md"})),
        ),
        (
            "gemini",
            [
                gemini("run_shell_command", json!({"command": "rm -rf ~"})),
                gemini("read_file", json!({"file_path": "/home/dev/.ssh/id_rsa"})),
                gemini(
                    "replace",
                    json!({"file_path": "/home/dev/.gemini/settings.json", "old_string": "\"hooks\"", "new_string": "\"x\""}),
                ),
            ],
            gemini(
                "read_file",
                json!({"file_path": "/home/dev/project/src/main.rs"}),
            ),
        ),
    ];
    for (agent, attacks, harmless) in cases {
        for attack in attacks {
            let r = hook(&mut toolgate(None), Some(agent), &attack);
            assert!(r.blocks(agent), "{agent} did not block {attack}: {r:?}");
            match agent {
                // Exit 2 only warns Copilot.
                "copilot" => assert_eq!(r.code, 0),
                // Codex rejects unknown JSON keys by running the call: nothing on stdout.
                "codex" => assert_eq!(r.stdout, ""),
                _ => assert_eq!(r.code, 2),
            }
        }
        let r = hook(&mut toolgate(None), Some(agent), &harmless);
        assert!(!r.blocks(agent), "{agent} blocked {harmless}: {r:?}");
        assert_eq!(r.code, 0);
        if agent == "cursor" {
            // Valid JSON for an entry with `failClosed`, but no `allow`, which would skip
            // Cursor's own approval.
            assert_eq!(r.json(), json!({}));
        } else {
            assert_eq!(r.stdout, "", "{agent}");
        }
    }
}

/// A call toolgate would ask about: Codex, Copilot and Gemini cannot (reliably) ask, so the
/// default policy blocks it and says why; `[agents.codex] ask = "allow"` lets it run;
/// Cursor's shell hook asks for real.
#[test]
fn an_ask_becomes_what_each_agent_can_express() {
    // Editing a setting that does not control hooks asks (self-protection.claude-settings-other).
    let patch = "*** Begin Patch\n*** Update File: .claude/settings.json\n@@\n-\"model\": \"a\"\n+\"model\": \"b\"\n*** End Patch\n";
    let r = hook(
        &mut toolgate(None),
        Some("codex"),
        &codex("apply_patch", json!({"command": patch})),
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("Codex CLI cannot ask the user"),
        "{}",
        r.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[agents.codex]\nask = \"allow\"\n").unwrap();
    let r = hook(
        &mut toolgate(Some(policy.to_str().unwrap())),
        Some("codex"),
        &codex("apply_patch", json!({"command": patch})),
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");

    let r = hook(
        &mut toolgate(None),
        Some("copilot"),
        &copilot(
            "edit",
            json!({"path": "/home/dev/project/.claude/settings.json", "old_str": "\"model\": \"a\"", "new_str": "\"model\": \"b\""}),
        ),
    );
    assert!(r.blocks("copilot"), "{r:?}");

    let r = hook(
        &mut toolgate(None),
        Some("gemini"),
        &gemini(
            "replace",
            json!({"file_path": "/home/dev/project/.claude/settings.json", "old_string": "\"model\": \"a\"", "new_string": "\"model\": \"b\""}),
        ),
    );
    assert!(r.blocks("gemini"), "{r:?}");
    assert!(
        r.stderr.contains("Gemini CLI cannot ask the user"),
        "{}",
        r.stderr
    );

    let r = hook(
        &mut toolgate(None),
        Some("cursor"),
        &cursor(
            "beforeShellExecution",
            json!({"command": "echo '{\"model\": \"b\"}' > .claude/settings.json", "cwd": "/home/dev/project"}),
        ),
    );
    assert_eq!(
        (r.code, r.json()["permission"].as_str()),
        (0, Some("ask")),
        "{r:?}"
    );

    // A policy naming an agent toolgate does not speak to is refused at load (fail closed).
    std::fs::write(&policy, "[agents.codexx]\nask = \"allow\"\n").unwrap();
    let r = hook(
        &mut toolgate(Some(policy.to_str().unwrap())),
        Some("codex"),
        &codex("Bash", json!({"command": "ls"})),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown agent"), "{}", r.stderr);
}

/// Cursor sends a file's text before the read and cannot mask it afterwards: a file holding
/// a secret is not read; a clean one is.
#[test]
fn cursor_reads_of_files_holding_secrets_are_blocked() {
    let secret = "DB_URL=postgres://app:Xk29fjq8Lmz4@db.internal:5432/app\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8pLk2mN4\n";
    let r = hook(
        &mut toolgate(None),
        Some("cursor"),
        &cursor(
            "beforeReadFile",
            json!({"file_path": "/home/dev/project/config/app.ini", "content": secret}),
        ),
    );
    assert!(r.blocks("cursor"), "{r:?}");
    assert!(!r.stdout.contains("Xk29fjq8Lmz4") && !r.stderr.contains("Xk29fjq8Lmz4"));
    let r = hook(
        &mut toolgate(None),
        Some("cursor"),
        &cursor(
            "beforeReadFile",
            json!({"file_path": "/home/dev/project/src/lib.rs", "content": "pub fn add(a: i32, b: i32) -> i32 { a + b }\n"}),
        ),
    );
    assert_eq!(r.json(), json!({}), "{r:?}");
}

/// Output events: Gemini's AfterTool replaces the result on a deny, Codex can only tell the
/// model to disregard it, Copilot reads nothing back; none of them sees the value in what
/// toolgate prints.
#[test]
fn tool_output_holding_a_secret_is_answered_per_agent() {
    let key = "AKIAQYLPMN5HHHFPZAM2";
    let out = format!(
        "aws_access_key_id = {key}\naws_secret_access_key = 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\n"
    );
    let gemini_after = json!({
        "session_id": "s", "cwd": "/home/dev/project", "hook_event_name": "AfterTool",
        "tool_name": "run_shell_command", "tool_input": {"command": "cat creds"},
        "tool_response": {"llmContent": out, "returnDisplay": out},
    });
    let r = hook(
        &mut toolgate(None),
        Some("gemini"),
        &gemini_after.to_string(),
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["decision"], "deny", "{r:?}");
    assert!(!r.stdout.contains(key));

    let codex_post = json!({
        "session_id": "s", "turn_id": "t", "cwd": "/home/dev/project", "hook_event_name": "PostToolUse",
        "tool_name": "Bash", "tool_input": {"command": "cat creds"}, "tool_response": out,
    });
    let r = hook(&mut toolgate(None), Some("codex"), &codex_post.to_string());
    assert_eq!(r.code, 0);
    let j = r.json();
    assert_eq!(j["decision"], "block", "{r:?}");
    // Only keys Codex knows: an unknown one would make it ignore the answer.
    for key in j.as_object().unwrap().keys() {
        assert!(
            ["decision", "reason", "continue", "stopReason"].contains(&key.as_str()),
            "{key}"
        );
    }
    assert!(!r.stdout.contains(key));

    let copilot_post = json!({
        "sessionId": "s", "timestamp": 1, "cwd": "/home/dev/project", "toolName": "bash",
        "toolArgs": "{\"command\":\"cat creds\"}",
        "toolResult": {"resultType": "success", "textResultForLlm": out},
    });
    let r = hook(
        &mut toolgate(None),
        Some("copilot"),
        &copilot_post.to_string(),
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{r:?}");
}

/// Input toolgate cannot read, a flag naming no agent, and a crash are all refused in the
/// agent's convention: for Copilot that is exit 0 with a deny, never exit 2.
#[test]
fn failures_are_refused_in_the_agents_convention() {
    let r = hook(&mut toolgate(None), Some("copilot"), "{not json");
    assert!(r.blocks("copilot"), "{r:?}");
    let r = hook(
        &mut toolgate(None),
        Some("copilot-cli"),
        &copilot("bash", json!({"command": "ls"})),
    );
    assert!(r.blocks("copilot"), "{r:?}");
    assert!(
        r.json()["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("names no agent")
    );
    // A crash after the event was read (debug builds inject one on request).
    let mut cmd = toolgate(None);
    cmd.env("TOOLGATE_TEST_FAULT", "panic");
    let r = hook(
        &mut cmd,
        Some("copilot"),
        &copilot("bash", json!({"command": "ls"})),
    );
    assert!(r.blocks("copilot"), "{r:?}");
    let mut cmd = toolgate(None);
    cmd.env("TOOLGATE_TEST_FAULT", "panic");
    let r = hook(
        &mut cmd,
        None,
        &gemini("read_file", json!({"file_path": "/home/dev/project/a"})),
    );
    assert!(r.blocks("gemini"), "{r:?}");
    // The payload names the agent when no flag does: Copilot's fields, Copilot's answer.
    let r = hook(
        &mut toolgate(None),
        None,
        &copilot("bash", json!({"command": "rm -rf ~"})),
    );
    assert!(r.blocks("copilot"), "{r:?}");
}

/// The journal records which agent made each call; queries and exports filter by it.
#[test]
fn the_journal_records_the_agent() {
    let env = journal_env::Env::new();
    for (agent, event) in [
        ("codex", codex("Bash", json!({"command": "ls"}))),
        (
            "gemini",
            gemini("run_shell_command", json!({"command": "rm -rf ~"})),
        ),
    ] {
        let mut cmd = env.cmd();
        hook(&mut cmd, Some(agent), &event);
    }
    env.hook("Bash", json!({"command": "pwd"}));
    let rows = env.rows();
    let agents: Vec<&str> = rows.iter().filter_map(|r| r["agent"].as_str()).collect();
    assert_eq!(agents, ["codex", "gemini", "claude"]);
    let (code, out, err) = env.journal(&["query", "--agent", "gemini", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let found: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(found[0]["decision"], "deny");
    assert_eq!(found[0]["tool_name"], "Bash");
    let (code, _, err) = env.journal(&["query", "--agent", "vim"]);
    assert_eq!(code, 1);
    assert!(err.contains("--agent must be one of"), "{err}");
    let (code, out, _) = env.journal(&["export", "--format", "ocsf", "--agent", "gemini"]);
    assert_eq!(code, 0);
    let ocsf: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(ocsf["actor"]["app_name"], "Gemini CLI");
    let (code, text) = env.verify();
    assert_eq!(code, 0, "{text}");
}

/// The keys each agent documents for a hook entry: an entry with another key may be dropped
/// (Codex refuses unknown keys in its config structs).
fn entry_keys(agent: &str) -> &'static [&'static str] {
    match agent {
        "codex" => &["type", "command", "timeout", "async", "statusMessage"],
        "cursor" => &[
            "command",
            "type",
            "timeout",
            "matcher",
            "loop_limit",
            "failClosed",
        ],
        "copilot" => &["type", "bash", "powershell", "cwd", "env", "timeoutSec"],
        _ => &["type", "command", "name", "timeout", "description", "env"],
    }
}

/// `install --agent` writes a file the agent accepts (its documented shape, the binary it
/// names present), keeps what was there, changes nothing the second time; `doctor --agent`
/// passes on it; `uninstall` gives the file back as it was.
#[test]
fn install_doctor_and_uninstall_for_each_agent() {
    let binary = assert_cmd::cargo::cargo_bin("toolgate");
    for (agent, file, events) in [
        (
            "codex",
            ".codex/hooks.json",
            vec!["PreToolUse", "PostToolUse", "UserPromptSubmit"],
        ),
        (
            "cursor",
            ".cursor/hooks.json",
            vec![
                "beforeShellExecution",
                "beforeMCPExecution",
                "beforeReadFile",
                "preToolUse",
                "beforeSubmitPrompt",
            ],
        ),
        (
            "copilot",
            ".copilot/hooks/toolgate.json",
            vec!["preToolUse", "postToolUse"],
        ),
        (
            "gemini",
            ".gemini/settings.json",
            vec!["BeforeTool", "AfterTool", "BeforeAgent"],
        ),
    ] {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let theirs = match agent {
            "gemini" => {
                json!({"theme": "dark", "hooks": {"BeforeTool": [{"matcher": "write_file", "hooks": [{"type": "command", "command": "/opt/fmt"}]}]}})
            }
            "codex" => {
                json!({"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": "/opt/audit"}]}]}})
            }
            _ => {
                json!({"version": 1, "hooks": {events[0]: [ if agent == "copilot" { json!({"type": "command", "bash": "/opt/audit"}) } else { json!({"command": "/opt/audit"}) } ]}})
            }
        };
        std::fs::write(&path, serde_json::to_string_pretty(&theirs).unwrap()).unwrap();
        let run = |args: &[&str]| {
            let out = Command::cargo_bin("toolgate")
                .unwrap()
                .env("HOME", home.path())
                .env("TOOLGATE_JOURNAL", home.path().join("j.db"))
                .env_remove("TOOLGATE_POLICY")
                .env_remove("COPILOT_HOME")
                .env_remove("GEMINI_CLI_SYSTEM_SETTINGS_PATH")
                .current_dir(home.path())
                .args(args)
                .output()
                .unwrap();
            (
                out.status.code().unwrap(),
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr),
            )
        };
        let (code, out) = run(&[
            "install",
            "--agent",
            agent,
            "--binary",
            binary.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{agent}: {out}");
        let written: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let command = format!("{} hook --agent {agent}", binary.display());
        for event in &events {
            let list = written["hooks"][event]
                .as_array()
                .unwrap_or_else(|| panic!("{agent} {event}"));
            let entries: Vec<&Value> = if matches!(agent, "codex" | "gemini") {
                list.iter()
                    .flat_map(|g| g["hooks"].as_array().unwrap())
                    .collect()
            } else {
                list.iter().collect()
            };
            let ours = entries
                .iter()
                .find(|e| {
                    e[if agent == "copilot" {
                        "bash"
                    } else {
                        "command"
                    }] == command.as_str()
                })
                .unwrap_or_else(|| panic!("{agent} {event}: {written}"));
            for key in ours.as_object().unwrap().keys() {
                assert!(entry_keys(agent).contains(&key.as_str()), "{agent}: {key}");
            }
            if agent == "cursor" {
                assert_eq!(ours["failClosed"], true, "{event}");
            }
        }
        assert!(
            std::fs::read_to_string(&path).unwrap().contains("/opt/"),
            "{agent}: kept theirs"
        );
        let once = std::fs::read_to_string(&path).unwrap();
        let (code, out) = run(&[
            "install",
            "--agent",
            agent,
            "--binary",
            binary.to_str().unwrap(),
        ]);
        assert_eq!(code, 0);
        assert!(out.contains("already installed"), "{out}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), once);
        let (code, out) = run(&["doctor", "--agent", agent]);
        assert_eq!(code, 0, "{agent} doctor: {out}");
        assert!(out.contains("PASS  hook"), "{out}");
        let (code, out) = run(&[
            "uninstall",
            "--agent",
            agent,
            "--binary",
            binary.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{out}");
        let back: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(back, theirs, "{agent}");
        let (code, out) = run(&["doctor", "--agent", agent]);
        assert_eq!(code, 1, "{agent}: doctor must fail without the hook: {out}");
    }
}

/// Codex's managed hooks: `requirements.toml` edited in place, other requirements and
/// comments kept, `allow_managed_hooks_only` set; Copilot has no managed location and says so.
#[test]
fn managed_install_for_codex_and_none_for_copilot() {
    let dir = tempfile::tempdir().unwrap();
    let req = dir.path().join("requirements.toml");
    std::fs::write(
        &req,
        "# fleet requirements\nallowed_approval_policies = [\"on-request\"]\n",
    )
    .unwrap();
    let binary = assert_cmd::cargo::cargo_bin("toolgate");
    let out = Command::cargo_bin("toolgate")
        .unwrap()
        .args([
            "install",
            "--agent",
            "codex",
            "--scope",
            "managed",
            "--settings",
        ])
        .arg(&req)
        .arg("--binary")
        .arg(&binary)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&req).unwrap();
    assert!(text.starts_with("# fleet requirements"), "{text}");
    let parsed: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(parsed["allow_managed_hooks_only"].as_bool(), Some(true));
    assert_eq!(
        parsed["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
            .as_str()
            .unwrap(),
        format!("{} hook --agent codex", binary.display())
    );
    assert!(parsed.get("allowed_approval_policies").is_some());
    let out = Command::cargo_bin("toolgate")
        .unwrap()
        .env("HOME", dir.path())
        .args(["install", "--agent", "copilot", "--scope", "managed"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no managed location"));
}

/// `explain` and the hook agree on another agent's call: the same event, the same
/// adaptation (Codex cannot ask, so the ask is a deny), the agent named.
#[test]
fn explain_agrees_with_the_hook_for_other_agents() {
    let patch = "*** Begin Patch\n*** Update File: .claude/settings.json\n@@\n-\"model\": \"a\"\n+\"model\": \"b\"\n*** End Patch\n";
    let event = codex("apply_patch", json!({"command": patch}));
    let out = toolgate(None)
        .args(["explain", "-"])
        .write_stdin(event.clone())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("agent: Codex CLI (PreToolUse)"), "{text}");
    assert!(text.contains("decision: deny"), "{text}");
    assert!(
        text.contains("agent.ask") || text.contains("cannot ask the user"),
        "{text}"
    );
    let r = hook(&mut toolgate(None), None, &event);
    assert!(r.blocks("codex"), "{r:?}");
}

/// Regression: keys of a call's own input that Copilot sends at its top level (`sessionId`,
/// `toolName`) made the hook answer Claude Code in Copilot's convention (exit 0), which
/// Claude Code reads as "go ahead". With no `--agent`, a well-formed event is named by its
/// top-level fields; one too large to read is never guessed to be Copilot's while it has
/// a `hook_event_name`.
#[test]
fn keys_inside_a_claude_call_do_not_open_the_gate() {
    let event = json!({
        "session_id": "s", "cwd": "/home/dev/project", "hook_event_name": "PreToolUse",
        "tool_name": "Bash", "tool_input": {"command": "rm -rf ~", "sessionId": "x", "toolName": "bash"},
    });
    let r = hook(&mut toolgate(None), None, &event.to_string());
    assert_eq!(r.code, 2, "{r:?}");
    let big = json!({
        "session_id": "s", "cwd": "/home/dev/project", "hook_event_name": "PreToolUse",
        "tool_name": "Write",
        "tool_input": {"toolName": "bash", "file_path": "/home/dev/project/a.txt", "content": "x".repeat(5 * 1024 * 1024)},
    });
    let r = hook(&mut toolgate(None), None, &big.to_string());
    assert_eq!(
        r.code, 2,
        "an oversized Claude call is refused with exit 2: {}",
        r.stderr
    );
    let vs_code = json!({
        "session_id": "s", "timestamp": "2026-12-06T10:00:00Z", "cwd": "/home/dev/project",
        "hook_event_name": "PreToolUse", "tool_name": "bash", "tool_input": {"command": "rm -rf ~"},
    });
    let r = hook(&mut toolgate(None), None, &vs_code.to_string());
    assert!(
        r.blocks("copilot"),
        "Copilot's VS Code-compatible payload: {r:?}"
    );
}
