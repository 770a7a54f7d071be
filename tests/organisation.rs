//! The organisation's policy through the real binary (issue 9): the BI bridge's named
//! queries, roles from the OS account database, rate caps counted from the journal under
//! concurrent callers, per-server MCP argument rules, WebSearch domains, Claude Code's
//! managed `...Only` switches, and lower-layer refusals recorded in the journal.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The account name and first group, as the OS reports them (roles are assigned from these).
fn me() -> (String, String) {
    let run = |flag: &str| {
        let out = std::process::Command::new("id").arg(flag).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    (run("-un"), run("-gn"))
}

const BRIDGE: &str = "https://bi-bridge.example.internal:3050";

/// A policy: the example's bridge and queries, the caller in `role`, and `extra` TOML.
fn policy(dir: &Path, role: &str, extra: &str) -> PathBuf {
    let (user, _) = me();
    let text = format!(
        r#"
[network]
allow = ["github.com", "bi-bridge.example.internal"]

[bridge]
url = "{BRIDGE}"
mcp_server = "powerbi"

[bridge.queries.morning-brief]
params = {{ practice_id = "string" }}
[bridge.queries.production-ytd]
params = {{ region = "string" }}
[bridge.queries.underperformers]
params = {{ threshold = "number" }}

[roles.analyst]
users = [{analyst}]
groups = ["tg-analysts"]
read_only = true
queries = ["*"]

[roles.developer]
users = [{developer}]
groups = ["tg-dev-west"]
queries = ["morning-brief", "production-ytd"]
[roles.developer.bind.region]
"user:{user}" = "east"
tg-dev-west = "west"
{extra}
"#,
        analyst = if role == "analyst" {
            format!("\"{user}\"")
        } else {
            String::new()
        },
        developer = if role == "developer" {
            format!("\"{user}\"")
        } else {
            String::new()
        },
    );
    let path = dir.join("policy.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn toolgate(policy: &Path, journal: &Path) -> Command {
    let mut cmd = Command::cargo_bin("toolgate").unwrap();
    cmd.env("TOOLGATE_POLICY", policy)
        .env("TOOLGATE_JOURNAL", journal)
        .env(
            "TOOLGATE_CLAUDE_SETTINGS",
            journal.with_extension("no-settings"),
        )
        .env("HOME", "/home/dev")
        .env("TMPDIR", "/tmp")
        .env("USER", "someone-else")
        .env_remove("TOOLGATE_USER_POLICY")
        .env_remove("CLAUDE_PROJECT_DIR");
    cmd
}

fn pre(tool: &str, input: Value, cwd: &str) -> Vec<u8> {
    json!({
        "session_id": "s1", "transcript_path": "/tmp/t.jsonl", "cwd": cwd,
        "hook_event_name": "PreToolUse", "permission_mode": "default",
        "tool_name": tool, "tool_input": input, "tool_use_id": "toolu_1",
    })
    .to_string()
    .into_bytes()
}

/// `deny`, `ask` or `pass`, and the reason.
fn decide(policy: &Path, journal: &Path, tool: &str, input: Value) -> (&'static str, String) {
    let out = toolgate(policy, journal)
        .arg("hook")
        .write_stdin(pre(tool, input, "/home/dev/project"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let decision = match (out.status.code(), stdout.contains("\"ask\"")) {
        (Some(2), _) => "deny",
        (Some(0), true) => "ask",
        (Some(0), false) => "pass",
        other => panic!("exit {other:?}"),
    };
    (decision, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn records(policy: &Path, journal: &Path) -> Vec<Value> {
    let out = toolgate(policy, journal)
        .args(["journal", "export"])
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

fn curl(path: &str, body: &str) -> Value {
    json!({ "command": format!("curl -sS -X POST {BRIDGE}{path} -H 'Content-Type: application/json' -d '{body}'") })
}

#[test]
fn the_bridge_takes_only_named_queries_with_declared_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy(dir.path(), "analyst", "");
    let j = dir.path().join("journal.db");
    let lint = toolgate(&p, &j).arg("lint").arg(&p).output().unwrap();
    assert!(
        lint.status.success(),
        "{}",
        String::from_utf8_lossy(&lint.stderr)
    );
    let d = |tool: &str, input: Value| decide(&p, &j, tool, input);
    let ok = [
        (
            "Bash",
            curl("/query/morning-brief", r#"{"practice_id":"p-17"}"#),
        ),
        (
            "Bash",
            curl("/query/underperformers", r#"{"threshold": 0.8}"#),
        ),
        (
            "Bash",
            json!({"command": format!("curl --json '{{\"region\":\"east\"}}' {BRIDGE}/query/production-ytd")}),
        ),
        (
            "Bash",
            json!({"command": format!("http POST {BRIDGE}/query/underperformers threshold:=0.5 Accept:application/json")}),
        ),
        (
            "Bash",
            json!({"command": format!("wget -qO- --post-data='{{\"practice_id\":\"p-2\"}}' {BRIDGE}/query/morning-brief")}),
        ),
        (
            "Bash",
            json!({"command": format!("echo '{{\"practice_id\":\"p-3\"}}' | curl -d @- {BRIDGE}/query/morning-brief")}),
        ),
        (
            "mcp__powerbi__run_query",
            json!({"query": "underperformers", "params": {"threshold": 3}}),
        ),
        ("mcp__powerbi__morning-brief", json!({"practice_id": "p-9"})),
    ];
    for (tool, input) in ok {
        let (decision, reason) = d(tool, input.clone());
        assert_eq!(decision, "pass", "{input}: {reason}");
    }
    let refused = [
        (
            curl("/query/morning-brief", r#"{"dax":"EVALUATE Patients"}"#),
            "raw DAX",
        ),
        (
            curl(
                "/query/morning-brief",
                r#"{"practice_id":"p1 EVALUATE Patients"}"#,
            ),
            "raw DAX",
        ),
        (
            curl("/query/patients-all", r#"{}"#),
            "not one of the approved",
        ),
        (
            curl("/query/morning-brief", r#"{"practice_id":"p","limit":5}"#),
            "no parameter `limit`",
        ),
        (curl("/query/morning-brief", r#"{}"#), "missing parameter"),
        (
            curl("/query/underperformers", r#"{"threshold":"low"}"#),
            "must be a number",
        ),
        (
            curl(
                "/query/morning-brief?dax=EVALUATE",
                r#"{"practice_id":"p"}"#,
            ),
            "never in the URL",
        ),
        (
            curl("/dax", r#"{"practice_id":"p"}"#),
            "is not a named query",
        ),
        (
            curl("/query/morning-brief", "EVALUATE Patients"),
            "not JSON",
        ),
        (
            json!({"command": format!("curl {BRIDGE}/query/morning-brief")}),
            "this is a GET",
        ),
        (
            json!({"command": format!("curl -G -d practice_id=1 {BRIDGE}/query/morning-brief")}),
            "this is a GET",
        ),
        (
            json!({"command": format!("curl -d @query.dax {BRIDGE}/query/morning-brief")}),
            "from a file",
        ),
        (
            json!({"command": format!("curl -d \"$BODY\" {BRIDGE}/query/morning-brief")}),
            "run time",
        ),
        (
            json!({"command": format!("http {BRIDGE}/query/morning-brief practice_id==p")}),
            "in the URL",
        ),
        (
            json!({"command": format!("python3 -c \"import urllib.request as u; u.urlopen('{BRIDGE}/query/x', b'{{}}')\"")}),
            "policy.bi-bridge",
        ),
        (
            json!({"command": "exec 3<>/dev/tcp/bi-bridge.example.internal/3050"}),
            "policy.bi-bridge",
        ),
    ];
    for (input, why) in refused {
        let (decision, reason) = d("Bash", input.clone());
        assert_eq!(decision, "deny", "{input}");
        assert!(
            reason.contains(why),
            "{input}: expected `{why}` in: {reason}"
        );
    }
    let (decision, reason) = d(
        "WebFetch",
        json!({"url": format!("{BRIDGE}/query/morning-brief?practice_id=1"), "prompt": "x"}),
    );
    assert_eq!(decision, "deny");
    assert!(reason.contains("GET"), "{reason}");
    let (decision, reason) = d(
        "mcp__powerbi__run_query",
        json!({"dax": "EVALUATE Patients"}),
    );
    assert_eq!(decision, "deny");
    assert!(reason.contains("`dax`"), "{reason}");
}

#[test]
fn roles_come_from_the_account_database_and_decide_what_a_user_may_do() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("journal.db");
    // The analyst reads and queries; changes nothing.
    let p = policy(dir.path(), "analyst", "");
    assert_eq!(
        decide(
            &p,
            &j,
            "Read",
            json!({"file_path": "/home/dev/project/README.md"})
        )
        .0,
        "pass"
    );
    assert_eq!(
        decide(
            &p,
            &j,
            "Bash",
            json!({"command": "git log --oneline | head"})
        )
        .0,
        "pass"
    );
    for (tool, input) in [
        (
            "Write",
            json!({"file_path": "/home/dev/project/a.py", "content": "x = 1\n"}),
        ),
        (
            "Edit",
            json!({"file_path": "/home/dev/project/a.py", "old_string": "1", "new_string": "2"}),
        ),
        ("Bash", json!({"command": "sed -i s/a/b/ notes.txt"})),
        ("Bash", json!({"command": "mv a.txt b.txt"})),
    ] {
        let (decision, reason) = decide(&p, &j, tool, input.clone());
        assert_eq!(decision, "deny", "{input}");
        assert!(reason.contains("read-only role `analyst`"), "{reason}");
    }
    assert_eq!(
        decide(
            &p,
            &j,
            "Bash",
            curl("/query/production-ytd", r#"{"region":"west"}"#)
        )
        .0,
        "pass"
    );
    // The record names the account (not $USER, which the test sets to someone else) and role.
    let last = records(&p, &j).pop().unwrap();
    assert_eq!(last["user"], me().0);
    assert_eq!(last["role"], "analyst");

    // A developer writes code, and asks only about their own region.
    let p = policy(dir.path(), "developer", "");
    assert_eq!(
        decide(
            &p,
            &j,
            "Write",
            json!({"file_path": "/home/dev/project/a.py", "content": "x = 1\n"})
        )
        .0,
        "pass"
    );
    assert_eq!(
        decide(
            &p,
            &j,
            "Bash",
            curl("/query/production-ytd", r#"{"region":"east"}"#)
        )
        .0,
        "pass"
    );
    let (decision, reason) = decide(
        &p,
        &j,
        "Bash",
        curl("/query/production-ytd", r#"{"region":"west"}"#),
    );
    assert_eq!(decision, "deny");
    assert!(reason.contains("region = \"east\""), "{reason}");
    let (decision, reason) = decide(
        &p,
        &j,
        "Bash",
        curl("/query/underperformers", r#"{"threshold":1}"#),
    );
    assert_eq!(decision, "deny");
    assert!(
        reason.contains("may not call query `underperformers`"),
        "{reason}"
    );

    // Nobody's role: no named queries.
    let p = policy(dir.path(), "nobody", "");
    let (decision, reason) = decide(
        &p,
        &j,
        "Bash",
        curl("/query/morning-brief", r#"{"practice_id":"p"}"#),
    );
    assert_eq!(decision, "deny");
    assert!(reason.contains("no role"), "{reason}");
}

/// 4 sessions of the same user race for a cap of 5 calls a minute: exactly 5 go through,
/// whatever the interleaving, and the rest say when the cap frees up.
#[test]
fn rate_caps_hold_under_concurrent_callers() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy(dir.path(), "analyst", "");
    let text = std::fs::read_to_string(&p).unwrap().replace(
        "mcp_server = \"powerbi\"",
        "mcp_server = \"powerbi\"\nrate = \"5/minute\"",
    );
    std::fs::write(&p, text).unwrap();
    let j = dir.path().join("journal.db");
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (p, j) = (p.clone(), j.clone());
            std::thread::spawn(move || {
                (0..3)
                    .map(|_| {
                        decide(
                            &p,
                            &j,
                            "Bash",
                            curl("/query/morning-brief", r#"{"practice_id":"p"}"#),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<(&str, String)> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let passed = results.iter().filter(|(d, _)| *d == "pass").count();
    assert_eq!(passed, 5, "{results:?}");
    for (_, reason) in results.iter().filter(|(d, _)| *d == "deny") {
        assert!(reason.contains("cap of 5 calls per minute"), "{reason}");
        assert!(reason.contains("the next call is possible at"), "{reason}");
    }
    // Other calls are not counted against the cap; the journal holds every call.
    assert_eq!(decide(&p, &j, "Bash", json!({"command": "ls"})).0, "pass");
    let all = records(&p, &j);
    assert_eq!(all.len(), 13);
    let charged = all
        .iter()
        .filter(|r| {
            r["rules"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == "rate:bridge")
        })
        .count();
    assert_eq!(charged, 5);
    let verify = toolgate(&p, &j)
        .args(["journal", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn a_rate_cap_on_a_rule_and_a_bad_one_in_lint() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy(
        dir.path(),
        "developer",
        "[rates.\"git.push\"]\nrate = \"2/hour\"\n",
    );
    let j = dir.path().join("journal.db");
    let push = json!({"command": "git push origin feature"});
    assert_eq!(decide(&p, &j, "Bash", push.clone()).0, "ask");
    assert_eq!(decide(&p, &j, "Bash", push.clone()).0, "ask");
    let (decision, reason) = decide(&p, &j, "Bash", push);
    assert_eq!(decision, "deny");
    assert!(reason.contains("2 calls per hour for git.push"), "{reason}");

    let bad = policy(
        dir.path(),
        "developer",
        "[rates.\"no.such-rule\"]\nrate = \"2/fortnight\"\n",
    );
    let lint = toolgate(&bad, &j).arg("lint").arg(&bad).output().unwrap();
    let text =
        String::from_utf8_lossy(&lint.stdout).into_owned() + &String::from_utf8_lossy(&lint.stderr);
    assert_eq!(lint.status.code(), Some(1), "{text}");
    assert!(text.contains("fortnight"), "{text}");
}

#[test]
fn mcp_servers_keep_to_their_folders_and_channels_and_web_search_to_approved_domains() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy(
        dir.path(),
        "developer",
        "[mcp]\nallow = [\"obsidian-mcp\", \"discord\", \"powerbi\"]\n[mcp.servers.obsidian-mcp]\npaths_under = [\"~/vault\"]\n[mcp.servers.discord.arguments]\nchannel = [\"eng\"]\n",
    );
    let j = dir.path().join("journal.db");
    for (tool, input, expected) in [
        (
            "mcp__obsidian-mcp__read_note",
            json!({"path": "daily/today.md"}),
            "pass",
        ),
        (
            "mcp__obsidian-mcp__read_note",
            json!({"path": "/home/dev/vault/x.md"}),
            "pass",
        ),
        (
            "mcp__obsidian-mcp__read_note",
            json!({"path": "../project/.env"}),
            "deny",
        ),
        (
            "mcp__obsidian-mcp__read_note",
            json!({"path": "/etc/hosts"}),
            "deny",
        ),
        (
            "mcp__discord__send",
            json!({"channel": "eng", "content": "deploy done"}),
            "pass",
        ),
        (
            "mcp__discord__send",
            json!({"channel": "general", "content": "hi"}),
            "deny",
        ),
        ("mcp__slack__post", json!({"text": "hi"}), "deny"),
        (
            "WebSearch",
            json!({"query": "serde", "allowed_domains": ["github.com"]}),
            "pass",
        ),
        ("WebSearch", json!({"query": "serde"}), "deny"),
        (
            "WebSearch",
            json!({"query": "serde", "allowed_domains": ["github.com", "evil.example"]}),
            "deny",
        ),
    ] {
        assert_eq!(
            decide(&p, &j, tool, input.clone()).0,
            expected,
            "{tool} {input}"
        );
    }
}

/// `allowManagedMcpServersOnly` / `sandbox.network.allowManagedDomainsOnly` in Claude Code's
/// managed settings make the lists mandatory: with no list anywhere, nothing is allowed; the
/// settings' own lists count.
#[test]
fn managed_only_switches_make_the_allowlists_mandatory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.toml");
    std::fs::write(&p, "").unwrap();
    let settings = dir.path().join("managed-settings.json");
    std::fs::write(
        &settings,
        json!({"allowManagedMcpServersOnly": true,
               "allowedMcpServers": [{"serverName": "github"}],
               "sandbox": {"network": {"allowManagedDomainsOnly": true}}})
        .to_string(),
    )
    .unwrap();
    let j = dir.path().join("journal.db");
    let run = |tool: &str, input: Value| {
        let out = toolgate(&p, &j)
            .env("TOOLGATE_CLAUDE_SETTINGS", &settings)
            .arg("hook")
            .write_stdin(pre(tool, input, "/home/dev/project"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(run("mcp__github__list_issues", json!({})).0, 0);
    let (code, reason) = run("mcp__notes__read", json!({}));
    assert_eq!(code, 2);
    assert!(reason.contains("allowManagedMcpServersOnly"), "{reason}");
    let (code, reason) = run(
        "WebFetch",
        json!({"url": "https://github.com/", "prompt": "x"}),
    );
    assert_eq!(code, 2);
    assert!(reason.contains("allowManagedDomainsOnly"), "{reason}");
    assert_eq!(
        run(
            "Bash",
            json!({"command": "curl http://localhost:8080/health"})
        )
        .0,
        0
    );
}

/// What a project policy tries and may not do is ignored, and the journal says so.
#[test]
fn lower_layer_refusals_are_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.toml");
    std::fs::write(&p, "").unwrap();
    let project = dir.path().join("repo");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join(".toolgate.toml"),
        "[packs]\ndisable = [\"fs\"]\n",
    )
    .unwrap();
    let j = dir.path().join("journal.db");
    let out = toolgate(&p, &j)
        .arg("hook")
        .write_stdin(pre(
            "Bash",
            json!({"command": "rm -rf ~"}),
            project.to_str().unwrap(),
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "the fs pack still applies");
    let last = records(&p, &j).pop().unwrap();
    assert!(
        last["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "policy.layer-refused"),
        "{last}"
    );
    assert!(
        last["reason"].as_str().unwrap().contains("disable"),
        "{last}"
    );
}

/// `toolgate doctor`: each failure it exists to catch, and a clean pass.
#[test]
fn doctor_reports_every_way_the_gate_can_be_off() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    let managed_dir = dir.path().join("etc/claude-code");
    std::fs::create_dir_all(&managed_dir).unwrap();
    let managed = managed_dir.join("managed-settings.json");
    let binary = assert_cmd::cargo::cargo_bin("toolgate");
    let entry = |cmd: Value| json!([{"matcher": "*", "hooks": [cmd]}]);
    let exec = json!({"type": "command", "command": binary, "args": ["hook"]});
    let settings = |extra: Value, command: Value| {
        let mut s = json!({"hooks": {
            "PreToolUse": entry(command.clone()), "PostToolUse": entry(command.clone()),
            "UserPromptSubmit": [{"hooks": [command.clone()]}], "ConfigChange": [{"hooks": [command]}]}});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s.to_string()
    };
    let p = dir.path().join("empty.toml");
    std::fs::write(&p, "").unwrap();
    let doctor = || {
        let out = toolgate(&p, &dir.path().join("j/journal.db"))
            .env("HOME", &home)
            .env("TOOLGATE_CLAUDE_SETTINGS", &managed)
            .args(["doctor", "--format", "json", "--settings"])
            .arg(&managed)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), report)
    };
    let failing = |report: &Value| -> Vec<String> {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] != "pass")
            .map(|c| format!("{}: {}", c["check"], c["detail"]))
            .collect()
    };

    std::fs::write(
        &managed,
        settings(json!({"allowManagedHooksOnly": true}), exec.clone()),
    )
    .unwrap();
    let (code, report) = doctor();
    assert_eq!(code, 0, "{report}");
    // This test points the gate at its files through TOOLGATE_* variables, so it is not a
    // managed deployment, and no Claude Code here says it understands `onFailure`: those
    // are warnings, and the only others allowed.
    let expected = ["\"deployment\"", "\"env\"", "\"onfailure\""];
    assert!(
        failing(&report)
            .iter()
            .all(|f| f.contains("unsigned") || expected.iter().any(|e| f.starts_with(e))),
        "{report}"
    );
    assert!(
        failing(&report)
            .iter()
            .any(|f| f.starts_with("\"env\"") && f.contains("TOOLGATE_POLICY is set")),
        "{report}"
    );

    std::fs::write(&managed, settings(json!({}), exec.clone())).unwrap();
    let (code, report) = doctor();
    assert_eq!(code, 1);
    assert!(
        failing(&report)
            .iter()
            .any(|f| f.contains("disableAllHooks")),
        "{report}"
    );

    let shell = json!({"type": "command", "command": format!("{} hook", binary.display())});
    std::fs::write(
        &managed,
        settings(json!({"allowManagedHooksOnly": true}), shell),
    )
    .unwrap();
    let (code, report) = doctor();
    assert_eq!(code, 1);
    assert!(
        failing(&report).iter().any(|f| f.contains("exec form")),
        "{report}"
    );

    let missing = json!({"type": "command", "command": "/opt/nowhere/toolgate", "args": ["hook"]});
    std::fs::write(
        &managed,
        settings(json!({"allowManagedHooksOnly": true}), missing),
    )
    .unwrap();
    let (code, report) = doctor();
    assert_eq!(code, 1);
    assert!(
        failing(&report)
            .iter()
            .any(|f| f.contains("/opt/nowhere/toolgate")),
        "{report}"
    );

    std::fs::write(&managed, json!({"allowManagedHooksOnly": true}).to_string()).unwrap();
    let (code, report) = doctor();
    assert_eq!(code, 1);
    assert!(
        failing(&report)
            .iter()
            .any(|f| f.contains("not registered for PreToolUse")),
        "{report}"
    );

    std::fs::write(
        &managed,
        settings(json!({"allowManagedHooksOnly": true}), exec),
    )
    .unwrap();
    std::fs::write(home.join(".claude/managed-settings.json"), "{}").unwrap();
    std::fs::write(&p, "[packs]\ndisable = [\"no-such-pack\"]\n").unwrap();
    let (code, report) = doctor();
    assert_eq!(code, 1);
    let f = failing(&report);
    assert!(
        f.iter().any(|f| f.contains("not read as managed settings")),
        "{report}"
    );
    assert!(f.iter().any(|f| f.contains("does not load")), "{report}");
}

/// install merges into a settings file with other content (order kept), is idempotent,
/// keeps a backup, passes doctor's hook checks; uninstall restores the original content.
#[test]
fn install_is_an_idempotent_merge_and_uninstall_takes_back_exactly_it() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("settings.json");
    let original = r#"{
  "model": "opus",
  "permissions": {"deny": ["Read(~/.ssh/*)"], "allow": ["Bash(ls *)"]},
  "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "/usr/bin/audit-log"}]}]},
  "env": {"A": "1"}
}"#;
    std::fs::write(&settings, original).unwrap();
    let before: Value = serde_json::from_str(original).unwrap();
    let p = dir.path().join("empty.toml");
    std::fs::write(&p, "").unwrap();
    let j = dir.path().join("j/journal.db");
    let run = |verb: &str| {
        let out = toolgate(&p, &j)
            .args([verb, "--settings"])
            .arg(&settings)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run("install").contains("added"));
    let once = std::fs::read_to_string(&settings).unwrap();
    assert!(dir.path().join("settings.json.toolgate-backup").exists());
    assert!(run("install").contains("already installed"));
    assert_eq!(
        std::fs::read_to_string(&settings).unwrap(),
        once,
        "idempotent"
    );
    let installed: Value = serde_json::from_str(&once).unwrap();
    let keys: Vec<&String> = installed.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["model", "permissions", "hooks", "env"], "order kept");
    assert_eq!(installed["permissions"], before["permissions"]);
    let pre = installed["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 2, "the other hook stays");
    assert_eq!(pre[0], before["hooks"]["PreToolUse"][0]);
    assert_eq!(pre[1]["matcher"], "*");
    assert_eq!(pre[1]["hooks"][0]["args"], json!(["hook"]));
    for event in ["PostToolUse", "UserPromptSubmit", "ConfigChange"] {
        assert!(installed["hooks"][event].is_array(), "{event}");
    }
    settings_schema_holds(&installed);
    let doctor = toolgate(&p, &j)
        .args(["doctor", "--format", "json", "--settings"])
        .arg(&settings)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    for c in report["checks"].as_array().unwrap() {
        if c["check"] == "hook" || c["check"] == "binary" {
            assert_eq!(c["status"], "pass", "{c}");
        }
    }
    assert!(run("uninstall").contains("removed"));
    let after: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(after, before);
    assert!(run("uninstall").contains("without toolgate"));

    // A file that is not JSON is left alone, with a clear error.
    std::fs::write(&settings, "{ not json").unwrap();
    let out = toolgate(&p, &j)
        .args(["install", "--settings"])
        .arg(&settings)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), "{ not json");
}

/// The `hooks` part of SchemaStore's `claude-code-settings.json` (draft-07), as its
/// `hookMatcher` and command `hookCommand` definitions state it: a matcher group has only
/// `matcher` (string) and `hooks` (required array); a command hook has `type: "command"`
/// and a non-empty `command` (both required), optional `timeout` (number > 0), `async`,
/// `asyncRewake` (booleans), `shell` (bash | powershell), `if`, `statusMessage` (strings),
/// `args` (strings), and nothing else.
fn settings_schema_holds(settings: &Value) {
    let hooks = settings["hooks"].as_object().expect("hooks is an object");
    for (event, groups) in hooks {
        for group in groups
            .as_array()
            .unwrap_or_else(|| panic!("{event}: not an array"))
        {
            let group = group.as_object().expect("a matcher group is an object");
            for key in group.keys() {
                assert!(
                    ["matcher", "hooks"].contains(&key.as_str()),
                    "{event}: `{key}`"
                );
            }
            if let Some(m) = group.get("matcher") {
                assert!(m.is_string(), "{event}: matcher");
            }
            for hook in group["hooks"]
                .as_array()
                .expect("`hooks` is required, an array")
            {
                let hook = hook.as_object().unwrap();
                if hook["type"] != "command" {
                    continue; // other hook kinds belong to the file's owner
                }
                assert!(
                    hook["command"].as_str().is_some_and(|c| !c.is_empty()),
                    "{event}: command"
                );
                for (key, value) in hook {
                    let ok = match key.as_str() {
                        "type" | "command" | "if" | "statusMessage" => value.is_string(),
                        "timeout" => value.as_f64().is_some_and(|t| t > 0.0),
                        "async" | "asyncRewake" => value.is_boolean(),
                        "shell" => value == "bash" || value == "powershell",
                        "args" => value
                            .as_array()
                            .is_some_and(|a| a.iter().all(Value::is_string)),
                        _ => false,
                    };
                    assert!(
                        ok,
                        "{event}: `{key}` = {value} is not allowed by the schema"
                    );
                }
            }
        }
    }
}

/// Caps are counted in the journal: with no journal anywhere, a capped call is denied (it
/// fails closed) while other calls still go through.
#[test]
fn a_capped_call_without_a_journal_is_denied() {
    let dir = tempfile::tempdir().unwrap();
    let p = policy(dir.path(), "analyst", "");
    let text = std::fs::read_to_string(&p).unwrap().replace(
        "mcp_server = \"powerbi\"",
        "mcp_server = \"powerbi\"\nrate = \"5/minute\"",
    );
    std::fs::write(&p, text).unwrap();
    let run = |input: Value| {
        let out = toolgate(&p, &dir.path().join("unused.db"))
            .env_remove("TOOLGATE_JOURNAL")
            .env_remove("HOME")
            .env_remove("XDG_STATE_HOME")
            .arg("hook")
            .write_stdin(pre("Bash", input, "/tmp"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, reason) = run(curl("/query/morning-brief", r#"{"practice_id":"p"}"#));
    assert_eq!(code, 2);
    assert!(reason.contains("counted in the journal"), "{reason}");
    assert_eq!(run(json!({"command": "ls"})).0, 0);
}
