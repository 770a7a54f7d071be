//! `toolgate check`: evaluate a command, path or text by hand, with the hook's exit codes.

use crate::exit;
use crate::normalize::Context;
use crate::pack::Decision;
use crate::protocol;
use crate::sanitize;
use serde_json::json;
use std::path::Path;

pub fn run(
    policy: Option<&Path>,
    tool: &str,
    cwd: Option<String>,
    command: Option<String>,
    args: &[String],
) -> u8 {
    let gate = match super::load_gate(policy, Context::from_env()) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let cwd = cwd.unwrap_or_else(|| {
        std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "/".into())
    });
    let args: Vec<String> = match command {
        Some(line) => vec![line],
        None => args.to_vec(),
    };
    let event = match build_event(tool, &cwd, &args) {
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

/// The hook event a `check` invocation stands for. For Bash, one argument is a command
/// line; several are words (`check -- bash -c "find . -delete"`), quoted back so the shell
/// reads the same words: joining them with spaces would evaluate another command.
pub fn build_event(tool: &str, cwd: &str, args: &[String]) -> Result<serde_json::Value, String> {
    let joined = args.join(" ");
    let command_line = match args {
        [one] => one.clone(),
        words => words
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let first = args.first().cloned().unwrap_or_default();
    let rest = args.get(1..).map(|r| r.join(" ")).unwrap_or_default();
    let input = match tool {
        "Bash" => json!({ "command": command_line }),
        "PowerShell" => json!({ "command": joined }),
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

/// One word for bash: unchanged when it has no special characters, else single-quoted.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 12): words were joined without quoting, so `check -- bash -c
    /// "find . -delete"` evaluated `bash -c find . -delete`, another command.
    #[test]
    fn several_words_are_quoted_back_into_one_command_line() {
        let args = ["bash", "-c", "rm -rf ~/"].map(String::from);
        let event = build_event("Bash", "/p", &args).unwrap();
        assert_eq!(event["tool_input"]["command"], "bash -c 'rm -rf ~/'");
        let one = [String::from("git push --force && ls")];
        let event = build_event("Bash", "/p", &one).unwrap();
        assert_eq!(event["tool_input"]["command"], "git push --force && ls");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
