//! `toolgate evade` through the real binary: output shape, exit codes, and a spelling rule
//! that the search gets around (exit 1, with each slip named).

use assert_cmd::Command;
use serde_json::Value;

fn toolgate(policy: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("toolgate").unwrap();
    cmd.env("TOOLGATE_POLICY", policy)
        .env("TOOLGATE_CLAUDE_SETTINGS", policy.with_extension("none"))
        .env("HOME", "/home/dev")
        .env_remove("TOOLGATE_USER_POLICY")
        .env_remove("CLAUDE_PROJECT_DIR");
    cmd
}

fn evade(policy: &std::path::Path, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = toolgate(policy)
        .args(["evade", "--format", "json", "--cwd", "/home/dev/project"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_built_in_packs_stop_every_rewrite_of_rm_rf_root() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "").unwrap();
    let (code, report, stderr) = evade(&policy, &["--", "rm", "-rf", "/"]);
    assert_eq!(code, Some(0), "{report} {stderr}");
    assert_eq!(report["command"], "rm -rf /");
    assert_eq!(report["decision"], "deny");
    assert!(report["tried"].as_u64().unwrap() >= 50);
    assert_eq!(report["slipped"], serde_json::json!([]));
    assert!(report["stopped_by"]["fs.rm-critical"].as_u64().unwrap() >= 50);

    // The same file through other tools.
    let (code, report, _) = evade(&policy, &["--tool", "Read", "--", "/home/dev/.ssh/id_rsa"]);
    assert_eq!(code, Some(0), "{report}");
    let tried = report["tried"].as_u64().unwrap();
    assert!(tried >= 15, "{tried}");

    // A call the policy does not stop has nothing to evade.
    let (code, _, stderr) = evade(&policy, &["--", "ls", "-la"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("nothing to evade"), "{stderr}");
}

#[test]
fn a_rule_that_matches_spelling_is_shown_its_bypasses() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("spelled.toml");
    std::fs::write(
        &pack,
        r#"
[pack]
id = "spelled"
description = "A rule written against the text of a command, as not to do it."

[[rule]]
name = "no-rm-root"
decision = "deny"
tools = ["Bash"]
message = "Spelled rm -rf /."
remediation = "Do not."
[[rule.match]]
field_text = [{ fields = ["command"], regex = 'rm -rf /' }]
[rule.examples]
hit = ["rm -rf /"]
miss = ["ls"]
"#,
    )
    .unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[packs]\nfiles = [\"spelled.toml\"]\n").unwrap();
    let (code, report, stderr) = evade(
        &policy,
        &["--rule", "spelled.no-rm-root", "--command", "rm -rf /"],
    );
    assert_eq!(code, Some(1), "{report} {stderr}");
    let slipped = report["slipped"].as_array().unwrap();
    assert!(slipped.len() >= 10, "{}", slipped.len());
    let techniques: Vec<&str> = slipped
        .iter()
        .map(|s| s["technique"].as_str().unwrap())
        .collect();
    assert!(
        techniques.contains(&"short options split"),
        "{techniques:?}"
    );
    for s in slipped {
        assert!(s["variant"].is_string() && s["decision"].is_string());
        let eq = s["equivalence"].as_str().unwrap();
        assert!(eq == "exact" || eq.starts_with("assumes "), "{eq}");
    }
    // Its only example is decided by the built-in rule: coverage calls it shadowed.
    let out = toolgate(&policy)
        .args(["test", "--coverage", "--format", "json", "spelled"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with('{')).unwrap();
    let coverage: Value = serde_json::from_str(line).unwrap();
    assert_eq!(
        coverage["shadowed"],
        serde_json::json!([["spelled.no-rm-root", "fs.rm-critical"]])
    );
    // Text output names each slip.
    let out = toolgate(&policy)
        .args([
            "evade",
            "--rule",
            "spelled.no-rm-root",
            "--budget",
            "20",
            "--command",
            "rm -rf /",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("tried 20 variants") && text.contains("slipped ["),
        "{text}"
    );
}
