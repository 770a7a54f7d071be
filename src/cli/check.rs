//! `toolgate check`: evaluate a command, path or text by hand, with the hook's exit codes.

use crate::exit;
use crate::normalize::Context;
use crate::pack::Decision;
use crate::protocol;
use crate::sanitize;
use serde_json::json;
use std::path::Path;

pub fn run(policy: Option<&Path>, tool: &str, cwd: Option<String>, args: &[String]) -> u8 {
    let gate = match super::load_gate(policy, Context::from_env()) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let cwd = cwd.unwrap_or_else(|| {
        std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "/".into())
    });
    let event = match build_event(tool, &cwd, args) {
        Ok(e) => e,
        Err(message) => {
            eprintln!("toolgate check: {message}");
            return exit::FAILURE;
        }
    };
    let event = match protocol::decode(event.to_string().as_bytes()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("toolgate check: {e}");
            return exit::FAILURE;
        }
    };
    let (subject, verdict) = gate.decide(&event);
    let label = match verdict.decision {
        Some(Decision::Deny) => "deny",
        Some(Decision::Ask) => "ask",
        _ => "no objection",
    };
    println!("{label}: {} call", sanitize::safe(&subject.tool));
    for hit in &verdict.hits {
        let certainty = if hit.certain { "" } else { " (uncertain)" };
        println!(
            "  {} [{}{certainty}] {}",
            hit.rule,
            hit.decision.name(),
            hit.matched
        );
    }
    if verdict.decision.is_some() {
        println!("{}", verdict.reason(&subject.tool));
    }
    match verdict.decision {
        Some(Decision::Deny) => exit::BLOCK,
        _ => exit::NO_OBJECTION,
    }
}

/// The hook event a `check` invocation stands for.
pub fn build_event(tool: &str, cwd: &str, args: &[String]) -> Result<serde_json::Value, String> {
    let joined = args.join(" ");
    let first = args.first().cloned().unwrap_or_default();
    let rest = args.get(1..).map(|r| r.join(" ")).unwrap_or_default();
    let input = match tool {
        "Bash" | "PowerShell" => json!({ "command": joined }),
        "Read" => json!({ "file_path": first }),
        "Write" => json!({ "file_path": first, "content": rest }),
        "Edit" => json!({ "file_path": first, "old_string": "", "new_string": rest }),
        "NotebookEdit" => json!({ "notebook_path": first, "new_source": rest }),
        "Glob" => json!({ "pattern": first, "path": args.get(1) }),
        "Grep" => json!({ "pattern": first, "path": args.get(1) }),
        "WebFetch" => json!({ "url": first, "prompt": rest }),
        "WebSearch" => json!({ "query": joined }),
        "Agent" | "Task" => json!({ "prompt": joined }),
        "UserPromptSubmit" => {
            return Ok(
                json!({ "hook_event_name": "UserPromptSubmit", "cwd": cwd, "prompt": joined }),
            );
        }
        other if other.starts_with("mcp__") => serde_json::from_str(&joined)
            .map_err(|e| format!("for an MCP tool, ARGS is its arguments as a JSON object: {e}"))?,
        other => return Err(format!("unknown tool `{}`", sanitize::safe(other))),
    };
    Ok(json!({
        "hook_event_name": "PreToolUse", "cwd": cwd, "tool_name": tool,
        "tool_input": input, "session_id": "check", "tool_use_id": "check",
    }))
}
