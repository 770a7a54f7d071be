//! PostToolUse through the real binary: secrets and patient data in what a tool returns
//! are masked (or withheld) before the model sees them, for Bash, Read, MCP and WebFetch
//! response shapes; malformed, oversized and crashing cases withhold the output instead of
//! passing it; the journal records the kinds, never the values.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::PathBuf;

const SSN: &str = "412-67-3391";
const AWS_KEY: &str = "AKIAHKO6RUGA3PPMDUDC";

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(policy: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        Setup { dir }
    }

    fn journal(&self) -> PathBuf {
        self.dir.path().join("journal.db")
    }

    fn toolgate(&self) -> Command {
        let mut cmd = Command::cargo_bin("toolgate").unwrap();
        cmd.env("TOOLGATE_POLICY", self.dir.path().join("policy.toml"))
            .env("TOOLGATE_JOURNAL", self.journal())
            .env("TOOLGATE_CLAUDE_SETTINGS", self.dir.path().join("none"))
            .env("HOME", "/home/dev")
            .env_remove("TOOLGATE_TEST_FAULT")
            .env_remove("TOOLGATE_USER_POLICY")
            .env_remove("CLAUDE_PROJECT_DIR");
        cmd
    }

    /// (exit code, stdout JSON or Null, stderr)
    fn post(&self, tool: &str, input: Value, response: Value) -> (i32, Value, String) {
        let event = json!({
            "hook_event_name": "PostToolUse", "session_id": "s", "tool_use_id": "toolu_1",
            "cwd": "/home/dev/project", "tool_name": tool, "tool_input": input,
            "tool_response": response,
        });
        self.raw(event.to_string().as_bytes(), &[])
    }

    fn raw(&self, bytes: &[u8], env: &[(&str, &str)]) -> (i32, Value, String) {
        let mut cmd = self.toolgate();
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd
            .arg("hook")
            .write_stdin(bytes.to_vec())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let json = if stdout.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
        };
        (
            out.status.code().unwrap(),
            json,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn records(&self) -> Vec<Value> {
        let out = self
            .toolgate()
            .args(["journal", "export"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn journal_text(&self) -> String {
        let out = self
            .toolgate()
            .args(["journal", "export", "--format", "csv"])
            .output()
            .unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        for entry in std::fs::read_dir(self.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().contains("journal.db") {
                text.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
            }
        }
        text
    }
}

fn replaced(out: &Value) -> &Value {
    &out["hookSpecificOutput"]["updatedToolOutput"]
}

#[test]
fn bash_output_with_patient_rows_is_masked_and_keeps_its_shape() {
    let s = Setup::new("");
    let stdout = format!("patient,dob,ssn\nMaria Lopez,1961-04-12,{SSN}\n(1 row)\n");
    let (code, out, _) = s.post(
        "Bash",
        json!({"command": "psql -c 'select * from patients'"}),
        json!({"stdout": stdout, "stderr": "", "interrupted": false, "isImage": false}),
    );
    assert_eq!(code, 0);
    assert_eq!(out["hookSpecificOutput"]["hookEventName"], "PostToolUse");
    let masked = replaced(&out);
    let text = masked["stdout"].as_str().unwrap();
    assert!(!text.contains(SSN) && text.contains("[PHI:"), "{text}");
    assert!(text.contains("(1 row)"), "the rest is kept: {text}");
    assert_eq!(masked["interrupted"], false);
    assert_eq!(masked["stderr"], "");
    let context = out["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(
        context.contains("patient data") && context.contains("phi:"),
        "{context}"
    );
    assert!(
        out.get("decision").is_none(),
        "masking does not stop the loop"
    );
    assert!(
        out["hookSpecificOutput"]
            .get("updatedMCPToolOutput")
            .is_none()
    );

    let records = s.records();
    let r = records.last().unwrap();
    assert_eq!(r["event"], "PostToolUse");
    assert_eq!(r["rules"], json!(["output.mask"]));
    assert!(
        r["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k.as_str().unwrap().starts_with("output:phi:"))
    );
    assert!(
        !s.journal_text().contains(SSN),
        "the journal never holds the value"
    );
}

#[test]
fn read_mcp_and_webfetch_shapes_are_masked() {
    let s = Setup::new("");
    let (code, out, _) = s.post(
        "Read",
        json!({"file_path": "/home/dev/project/config/app.env"}),
        json!({"type": "text", "file": {"filePath": "/home/dev/project/config/app.env",
               "content": format!("REGION=us-east-1\nAWS_ACCESS_KEY_ID={AWS_KEY}\n"), "numLines": 2}}),
    );
    assert_eq!(code, 0);
    let content = replaced(&out)["file"]["content"].as_str().unwrap();
    assert!(
        !content.contains(AWS_KEY) && content.contains("[SECRET:aws-access-key-id]"),
        "{content}"
    );
    assert!(content.contains("REGION=us-east-1"));
    assert_eq!(replaced(&out)["file"]["numLines"], 2);

    let (code, out, _) = s.post(
        "mcp__ehr__search",
        json!({"query": "diabetes follow-up"}),
        json!({"content": [{"type": "text", "text": format!("Patient: Ruth Okafor\nDOB: 1948-07-22\nSSN {SSN}")}]}),
    );
    assert_eq!(code, 0);
    let text = replaced(&out)["content"][0]["text"].as_str().unwrap();
    assert!(
        !text.contains(SSN) && !text.contains("1948-07-22"),
        "{text}"
    );
    assert_eq!(replaced(&out)["content"][0]["type"], "text");
    assert_eq!(
        out["hookSpecificOutput"]["updatedMCPToolOutput"],
        out["hookSpecificOutput"]["updatedToolOutput"],
        "older Claude Code reads the MCP field"
    );

    let (code, out, _) = s.post(
        "WebFetch",
        json!({"url": "https://paste.example.com/x", "prompt": "summarise"}),
        json!({"bytes": 120, "code": 200, "codeText": "OK", "durationMs": 12,
               "result": format!("The pasted config sets aws_access_key_id = {AWS_KEY} for prod."),
               "url": "https://paste.example.com/x"}),
    );
    assert_eq!(code, 0);
    let result = replaced(&out)["result"].as_str().unwrap();
    assert!(
        !result.contains(AWS_KEY) && result.contains("[SECRET:"),
        "{result}"
    );
    assert_eq!(replaced(&out)["code"], 200);
    assert!(!s.journal_text().contains(AWS_KEY));
}

#[test]
fn clean_output_passes_untouched_and_is_journaled() {
    let s = Setup::new("");
    let (code, out, stderr) = s.post(
        "Bash",
        json!({"command": "cargo test"}),
        json!({"stdout": "test result: ok. 12 passed; 0 failed", "stderr": ""}),
    );
    assert_eq!((code, out, stderr), (0, Value::Null, String::new()));
    let r = s.records().pop().unwrap();
    assert_eq!(r["event"], "PostToolUse");
    assert_eq!(r["rules"], json!([]));
}

#[test]
fn the_policy_decides_per_kind_mask_block_or_pass() {
    let s = Setup::new("[output]\nphi = \"block\"\nsecrets = \"pass\"\n");
    let (code, out, _) = s.post(
        "Bash",
        json!({"command": "cat export.csv"}),
        json!({"stdout": format!("name,ssn\nMaria Lopez,{SSN}\n"), "stderr": ""}),
    );
    assert_eq!(code, 0);
    assert_eq!(out["decision"], "block");
    assert!(out["reason"].as_str().unwrap().contains("phi:"));
    let notice = replaced(&out).as_str().unwrap();
    assert!(notice.starts_with("[toolgate: the output was withheld") && !notice.contains(SSN));
    assert_eq!(s.records().pop().unwrap()["rules"], json!(["output.block"]));

    let (code, out, _) = s.post(
        "Bash",
        json!({"command": "cat .aws/notes"}),
        json!({"stdout": format!("key {AWS_KEY}"), "stderr": ""}),
    );
    assert_eq!(
        (code, out),
        (0, Value::Null),
        "secrets pass under this policy"
    );
    assert_eq!(s.records().pop().unwrap()["rules"], json!(["output.pass"]));

    let bad = Setup::new("[output]\nphi = \"hide\"\n");
    let out = bad.toolgate().args(["lint"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`phi` must be one of mask, block, pass")
    );
}

#[test]
fn output_that_cannot_be_scanned_is_withheld_not_passed() {
    // Over the output cap.
    let s = Setup::new("[output]\nmax_bytes = 2000\n");
    let (code, out, _) = s.post(
        "Bash",
        json!({"command": "cat big.log"}),
        json!({"stdout": "x".repeat(5000), "stderr": ""}),
    );
    assert_eq!(code, 0);
    assert_eq!(out["decision"], "block");
    assert!(
        replaced(&out)
            .as_str()
            .unwrap()
            .contains("over the 2000 bytes"),
        "{out}"
    );
    assert_eq!(
        s.records().pop().unwrap()["rules"],
        json!(["output.withheld"])
    );

    // Over the input limit: the event cannot even be decoded.
    let s = Setup::new("[limits]\nmax_input_bytes = 10000\n");
    let event = json!({"hook_event_name": "PostToolUse", "session_id": "s", "cwd": "/p",
        "tool_name": "Bash", "tool_input": {"command": "cat x"},
        "tool_response": {"stdout": format!("{SSN} ").repeat(3000)}});
    let (code, out, _) = s.raw(event.to_string().as_bytes(), &[]);
    assert_eq!(code, 0);
    assert_eq!(out["decision"], "block");
    let notice = replaced(&out).as_str().unwrap();
    assert!(
        notice.contains("withheld") && !notice.contains(SSN),
        "{notice}"
    );

    // Malformed JSON after the event name.
    let (code, out, _) = s.raw(
        br#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_response":{"stdout":"412-67-3391"#,
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(out["decision"], "block");
    assert!(!out.to_string().contains(SSN));

    // A crash while screening withholds too (debug builds can inject one).
    let event = json!({"hook_event_name": "PostToolUse", "session_id": "s", "cwd": "/p",
        "tool_name": "Read", "tool_input": {"file_path": "/p/x"}, "tool_response": {"content": SSN}});
    for fault in ["panic", "abort"] {
        let (code, out, _) = s.raw(
            event.to_string().as_bytes(),
            &[("TOOLGATE_TEST_FAULT", fault)],
        );
        assert_eq!(code, 0, "{fault}");
        assert_eq!(out["decision"], "block", "{fault}");
        assert!(replaced(&out).as_str().unwrap().contains("withheld"));
    }
    // The same fault on a PreToolUse event still blocks the call (exit 2).
    let pre = json!({"hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/p",
        "tool_name": "Bash", "tool_input": {"command": "ls"}});
    let (code, _, _) = s.raw(
        pre.to_string().as_bytes(),
        &[("TOOLGATE_TEST_FAULT", "panic")],
    );
    assert_eq!(code, 2);
}

/// A block reason names the rule and the kinds it found, never the values: Claude Code
/// prints it to the terminal and the model reads it, and Codex appends the command to it.
/// No four characters of any secret or identifier reach stdout or stderr, for Claude Code
/// (exit 2, stderr) or Codex (a JSON deny on stdout).
#[test]
fn block_reasons_carry_nothing_that_was_found() {
    let setup = Setup::new("");
    let password = "Xk29fjq8Lmz4Pw";
    let token = "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"; // its checksum verifies
    let found = [
        password,
        token,
        "512-34-8765",
        "00482913",
        "Hope Church",
        "3/4/1939",
    ];
    let commands = [
        format!("psql 'postgres://admin:{password}@prod-db.internal/app' -c 'select 1'"),
        format!("curl -H 'Authorization: Bearer {token}' https://api.github.com/user"),
        format!("mysql -u root -p{password} -h db.internal app"),
        "echo 'Patient Hope Church, DOB 3/4/1939, MRN 00482913, SSN 512-34-8765' > notes.txt"
            .to_string(),
        format!("rm -rf / && echo {token}"),
    ];
    for command in &commands {
        for agent in [None, Some("codex")] {
            let mut event = json!({
                "hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/home/dev/project",
                "tool_name": "Bash", "tool_input": {"command": command},
            });
            if agent.is_some() {
                event["turn_id"] = json!("t1");
                event["model"] = json!("gpt-5");
            }
            let mut cmd = setup.toolgate();
            if let Some(agent) = agent {
                cmd.args(["hook", "--agent", agent]);
            } else {
                cmd.arg("hook");
            }
            let out = cmd.write_stdin(event.to_string()).output().unwrap();
            let shown = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                shown.contains("blocked") || shown.contains("deny"),
                "{agent:?} {command}: {shown}"
            );
            for value in found {
                let chars: Vec<char> = value.chars().collect();
                for piece in chars.windows(4) {
                    let piece: String = piece.iter().collect();
                    assert!(
                        !shown.contains(&piece),
                        "{agent:?}: `{piece}` of a found value is in the answer to {command}: {shown}"
                    );
                }
            }
        }
    }
}
