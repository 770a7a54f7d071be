//! What tools bring back, screened before the model sees it (PostToolUse): a `psql` result
//! with patient rows, a `cat` of a log with a token, an MCP search result, a fetched page.
//! The same detectors as the journal's redaction find secrets and patient identifiers in
//! every string of `tool_response`; per kind the policy masks them (`[PHI:ssn]`,
//! `[SECRET:github-token]`, the rest of the output and its JSON shape kept), blocks the
//! output, or lets it pass. Output that cannot be scanned (too large, malformed) is
//! replaced by a notice, never passed unscanned.

use crate::detect::redact;
use crate::engine::Engine;
use serde_json::{Value, json};

/// What to do with one kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Mask,
    Block,
    Pass,
}

impl Action {
    pub fn parse(word: &str) -> Option<Action> {
        Some(match word {
            "mask" => Action::Mask,
            "block" => Action::Block,
            "pass" => Action::Pass,
            _ => return None,
        })
    }
}

/// `[output]` in the policy.
#[derive(Debug, Clone, Copy)]
pub struct OutputPolicy {
    pub phi: Action,
    pub secrets: Action,
    /// Larger outputs are replaced by a notice (scanning stays linear and bounded).
    pub max_bytes: usize,
}

impl Default for OutputPolicy {
    fn default() -> Self {
        Self {
            phi: Action::Mask,
            secrets: Action::Mask,
            max_bytes: 2 * 1024 * 1024,
        }
    }
}

/// The verdict on one tool output.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Nothing found (or only kinds the policy passes).
    Clean { passed: Vec<String> },
    /// Findings masked; `value` is what the model gets instead.
    Masked { value: Value, kinds: Vec<String> },
    /// The policy blocks these kinds: the output is withheld and Claude told why.
    Blocked { kinds: Vec<String> },
    /// The output could not be scanned; it is withheld.
    Withheld { why: String },
}

/// Screen a tool's response.
pub fn screen(engine: &Engine, policy: &OutputPolicy, response: &Value, size: usize) -> Screen {
    if size > policy.max_bytes {
        return Screen::Withheld {
            why: format!(
                "the output is {size} bytes, over the {} bytes toolgate scans",
                policy.max_bytes
            ),
        };
    }
    let (masked, kinds) = redact::mask_json(engine, response, redact::Marker::Output);
    if kinds.is_empty() {
        return Screen::Clean { passed: Vec::new() };
    }
    let action = |kind: &str| {
        if kind.starts_with("phi:") {
            policy.phi
        } else {
            policy.secrets
        }
    };
    let blocked: Vec<String> = kinds
        .iter()
        .filter(|k| action(k) == Action::Block)
        .cloned()
        .collect();
    if !blocked.is_empty() {
        return Screen::Blocked { kinds: blocked };
    }
    let (to_mask, passed): (Vec<String>, Vec<String>) =
        kinds.into_iter().partition(|k| action(k) == Action::Mask);
    if to_mask.is_empty() {
        return Screen::Clean { passed };
    }
    if passed.is_empty() {
        return Screen::Masked {
            value: masked,
            kinds: to_mask,
        };
    }
    // Some kinds pass: mask again with only the kinds that are masked.
    let value = redact::mask_json_only(engine, response, redact::Marker::Output, &to_mask);
    Screen::Masked {
        value,
        kinds: to_mask,
    }
}

/// The hook's stdout for a screened output, or `None` when the output goes through as is.
/// MCP tools also get `updatedMCPToolOutput`, which Claude Code before 2.1.121 reads.
pub fn answer(tool: &str, screen: &Screen) -> Option<Value> {
    let notice = |text: String| Value::String(format!("[toolgate: {text}]"));
    let (replacement, context, block) = match screen {
        Screen::Clean { .. } => return None,
        Screen::Masked { value, kinds } => (
            value.clone(),
            format!(
                "toolgate masked {} in this tool output ({}); the masked values were never shown to you. Work with the masked output; do not try to recover the values.",
                if kinds.iter().any(|k| k.starts_with("phi:")) {
                    "patient data"
                } else {
                    "secrets"
                },
                kinds.join(", ")
            ),
            None,
        ),
        Screen::Blocked { kinds } => {
            let why = format!(
                "the output was withheld: it holds {} and the policy blocks those",
                kinds.join(", ")
            );
            (notice(why.clone()), why.clone(), Some(why))
        }
        Screen::Withheld { why } => {
            let text = format!("the output was withheld: {why}");
            (notice(text.clone()), text.clone(), Some(text))
        }
    };
    let mut specific = json!({
        "hookEventName": "PostToolUse",
        "updatedToolOutput": replacement,
        "additionalContext": context,
    });
    if tool.starts_with("mcp__") {
        specific["updatedMCPToolOutput"] = specific["updatedToolOutput"].clone();
    }
    let mut out = json!({ "hookSpecificOutput": specific });
    if let Some(reason) = block {
        out["decision"] = "block".into();
        out["reason"] = format!("toolgate: {reason}.").into();
    }
    Some(out)
}

/// Whether bytes that could not be decoded were a PostToolUse event (read from the start
/// only: an oversized event is still recognised and its output withheld).
pub fn looks_like_post_tool_use(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    text.match_indices("\"hook_event_name\"").any(|(i, m)| {
        text[i + m.len()..]
            .trim_start_matches([' ', '\t', '\n', '\r', ':'])
            .starts_with("\"PostToolUse\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_tool_use_is_recognised_in_a_truncated_event() {
        assert!(looks_like_post_tool_use(
            br#"{"session_id":"s","hook_event_name" : "PostToolUse","tool_response":"xxxx"#
        ));
        assert!(!looks_like_post_tool_use(
            br#"{"hook_event_name":"PreToolUse","x":"PostToolUse"}"#
        ));
    }

    #[test]
    fn blocked_and_withheld_outputs_are_replaced_not_passed() {
        for s in [
            Screen::Blocked {
                kinds: vec!["phi:ssn".into()],
            },
            Screen::Withheld { why: "x".into() },
        ] {
            let out = answer("mcp__db__query", &s).unwrap();
            assert_eq!(out["decision"], "block");
            let replaced = out["hookSpecificOutput"]["updatedToolOutput"]
                .as_str()
                .unwrap();
            assert!(replaced.starts_with("[toolgate: the output was withheld"));
            assert_eq!(
                out["hookSpecificOutput"]["updatedMCPToolOutput"],
                out["hookSpecificOutput"]["updatedToolOutput"]
            );
        }
        assert_eq!(answer("Bash", &Screen::Clean { passed: vec![] }), None);
    }
}
