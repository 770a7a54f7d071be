//! Answers in each agent's own convention: what the hook prints and how it exits. A block
//! written in the wrong convention is an open gate (Copilot runs a call whose hook exits 2;
//! Codex runs one whose JSON has a key it does not know), so every answer is built here.

use super::Agent;
use crate::exit;
use serde_json::{Value, json};

/// The gate's answer about a call (or a prompt) before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// No objection: the agent's own permission rules still apply.
    Allow,
    Ask(&'a str),
    Deny(&'a str),
}

/// What the hook writes and how it exits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub exit: u8,
}

/// Whether the agent can put a question to the user for this event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanAsk {
    Yes,
    No,
    /// Another hook of the same call can (Cursor runs `beforeShellExecution` and
    /// `beforeMCPExecution` besides `preToolUse`, which cannot ask): that one asks, this one
    /// lets the call go on to it.
    Elsewhere,
}

pub fn can_ask(agent: Agent, event: &str, tool: Option<&str>) -> CanAsk {
    match agent {
        Agent::Claude => match event {
            "PreToolUse" => CanAsk::Yes,
            _ => CanAsk::No,
        },
        Agent::Cursor => match event {
            "beforeShellExecution" | "beforeMCPExecution" => CanAsk::Yes,
            "preToolUse" if tool.is_some_and(|t| t == "Bash" || t.starts_with("mcp__")) => {
                CanAsk::Elsewhere
            }
            _ => CanAsk::No,
        },
        // Codex rejects `ask` (and the call runs); Copilot documents only `deny` as acted on;
        // Gemini's sources disagree on whether `ask` reaches the user (its blocking test
        // counts only `deny` and `block`), so it is treated as having none.
        Agent::Codex | Agent::Copilot | Agent::Gemini => CanAsk::No,
    }
}

/// The answer to an event about a call or prompt that has not happened yet. An `Ask` the
/// agent cannot express must have been turned into `Allow` or `Deny` by policy before; one
/// that reaches here anyway is a deny.
pub fn before(agent: Agent, event: &str, answer: Answer) -> Reply {
    match agent {
        Agent::Claude => claude(event, answer),
        Agent::Codex => match answer {
            Answer::Allow => allow(None),
            // Exit 2 with a reason on stderr; JSON with a key Codex does not know would
            // let the call run.
            Answer::Ask(reason) | Answer::Deny(reason) => stderr_block(reason, None),
        },
        Agent::Cursor => cursor(event, answer),
        Agent::Copilot => match answer {
            // Exit 2 only warns Copilot: a block is exit 0 with a deny.
            Answer::Allow => allow(None),
            Answer::Ask(reason) | Answer::Deny(reason) => Reply {
                stdout: Some(
                    json!({ "permissionDecision": "deny", "permissionDecisionReason": reason })
                        .to_string(),
                ),
                stderr: None,
                exit: exit::NO_OBJECTION,
            },
        },
        Agent::Gemini => match answer {
            Answer::Allow => allow(None),
            // JSON is read whatever the exit code; exit 2 with the reason on stderr blocks too.
            Answer::Ask(reason) | Answer::Deny(reason) => stderr_block(
                reason,
                Some(json!({ "decision": "deny", "reason": reason })),
            ),
        },
    }
}

fn allow(stdout: Option<Value>) -> Reply {
    Reply {
        stdout: stdout.map(|v| v.to_string()),
        stderr: None,
        exit: exit::NO_OBJECTION,
    }
}

fn stderr_block(reason: &str, stdout: Option<Value>) -> Reply {
    Reply {
        stdout: stdout.map(|v| v.to_string()),
        stderr: Some(reason.to_string()),
        exit: exit::BLOCK,
    }
}

fn claude(event: &str, answer: Answer) -> Reply {
    match answer {
        Answer::Allow => allow(None),
        Answer::Ask(reason) if event == "PreToolUse" => allow(Some(json!({
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "ask",
                "permissionDecisionReason": reason,
            }
        }))),
        Answer::Ask(reason) | Answer::Deny(reason) => stderr_block(reason, None),
    }
}

fn cursor(event: &str, answer: Answer) -> Reply {
    if event == "beforeSubmitPrompt" {
        return match answer {
            Answer::Allow => allow(Some(json!({ "continue": true }))),
            Answer::Ask(reason) | Answer::Deny(reason) => stderr_block(
                reason,
                Some(json!({ "continue": false, "user_message": reason })),
            ),
        };
    }
    let speaks = matches!(
        event,
        "beforeShellExecution" | "beforeMCPExecution" | "beforeReadFile" | "preToolUse"
    );
    match answer {
        // Valid JSON, so an entry with `failClosed` does not count it a failure; not
        // `"allow"`, which would also skip Cursor's own approval of the call.
        Answer::Allow if speaks => allow(Some(json!({}))),
        Answer::Allow => allow(None),
        Answer::Ask(reason) if can_ask(Agent::Cursor, event, None) == CanAsk::Yes => {
            allow(Some(json!({
                "permission": "ask",
                "user_message": reason,
                "agent_message": reason,
            })))
        }
        // Exit 2 is Cursor's block on every event; the JSON says the same to those that read it.
        Answer::Ask(reason) | Answer::Deny(reason) => stderr_block(
            reason,
            Some(json!({
                "permission": "deny",
                "user_message": reason,
                "agent_message": reason,
            })),
        ),
    }
}

/// What the screening of a tool's output asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputAction {
    /// Replace what the model sees with this (masked or a notice).
    Replace,
    /// The output must not reach the model at all.
    Withhold,
}

/// How an agent's output event is answered, and what it cannot do. `claude_answer` is the
/// replacement JSON Claude Code reads (built by the output screen); `notice` says to the
/// model what was found, never the values.
pub fn after(
    agent: Agent,
    event: &str,
    tool: &str,
    action: OutputAction,
    claude_answer: Option<&Value>,
    masked: Option<&Value>,
    notice: &str,
) -> Reply {
    match agent {
        Agent::Claude => allow(claude_answer.cloned()),
        // Codex cannot replace a tool's output: the model is told to disregard it, and a
        // withheld one also ends the turn.
        Agent::Codex => {
            let mut out = json!({ "decision": "block", "reason": notice });
            if action == OutputAction::Withhold {
                out["continue"] = false.into();
                out["stopReason"] = notice.into();
            }
            allow(Some(out))
        }
        // Gemini replaces the result with the reason on a deny: the output never arrives.
        Agent::Gemini if event == "AfterTool" => {
            allow(Some(json!({ "decision": "deny", "reason": notice })))
        }
        // Cursor's postToolUse replaces MCP output; its other after-events read no answer.
        Agent::Cursor if event == "postToolUse" => match (tool.starts_with("mcp__"), masked) {
            (true, Some(masked)) if action == OutputAction::Replace => allow(Some(json!({
                "updated_mcp_tool_output": masked,
                "additional_context": notice,
            }))),
            (true, _) => allow(Some(json!({
                "updated_mcp_tool_output": { "toolgate": notice },
                "additional_context": notice,
            }))),
            (false, _) => allow(Some(json!({ "additional_context": notice }))),
        },
        // Copilot reads nothing back from postToolUse: the record is all there is.
        _ => allow(None),
    }
}

/// Whether the agent can keep a tool's output from the model after it ran (for the note in
/// the journal and `doctor`).
pub fn can_replace_output(agent: Agent, event: &str, tool: &str) -> bool {
    match agent {
        Agent::Claude => true,
        Agent::Gemini => event == "AfterTool",
        Agent::Cursor => event == "postToolUse" && tool.starts_with("mcp__"),
        Agent::Codex | Agent::Copilot => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agent_blocks_in_its_own_convention() {
        let deny = Answer::Deny("no");
        let claude = before(Agent::Claude, "PreToolUse", deny);
        assert_eq!((claude.exit, claude.stderr.as_deref()), (2, Some("no")));
        let codex = before(Agent::Codex, "PreToolUse", deny);
        assert_eq!((codex.exit, codex.stdout), (2, None));
        let copilot = before(Agent::Copilot, "preToolUse", deny);
        assert_eq!(copilot.exit, 0);
        let out: Value = serde_json::from_str(copilot.stdout.as_deref().unwrap()).unwrap();
        assert_eq!(out["permissionDecision"], "deny");
        let cursor = before(Agent::Cursor, "beforeShellExecution", deny);
        assert_eq!(cursor.exit, 2);
        assert!(cursor.stdout.unwrap().contains(r#""permission":"deny""#));
        let gemini = before(Agent::Gemini, "BeforeTool", deny);
        assert_eq!(gemini.exit, 2);
        assert!(gemini.stdout.unwrap().contains(r#""decision":"deny""#));
    }

    #[test]
    fn an_ask_that_reaches_an_agent_without_one_is_a_deny() {
        for (agent, event) in [
            (Agent::Codex, "PreToolUse"),
            (Agent::Cursor, "beforeReadFile"),
            (Agent::Claude, "UserPromptSubmit"),
        ] {
            let r = before(agent, event, Answer::Ask("why"));
            assert_eq!(r.exit, 2, "{agent:?} {event}");
        }
        let copilot = before(Agent::Copilot, "preToolUse", Answer::Ask("why"));
        assert!(copilot.stdout.unwrap().contains("deny"));
        let cursor = before(Agent::Cursor, "beforeShellExecution", Answer::Ask("why"));
        assert_eq!(cursor.exit, 0);
        assert!(cursor.stdout.unwrap().contains(r#""permission":"ask""#));
    }

    #[test]
    fn no_objection_prints_nothing_codex_could_misread() {
        for agent in [Agent::Claude, Agent::Codex, Agent::Copilot, Agent::Gemini] {
            assert_eq!(before(agent, "PreToolUse", Answer::Allow), Reply::default());
        }
    }
}
