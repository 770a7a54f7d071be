//! The Claude Code hook protocol: one JSON event on stdin, typed and bounded.
//!
//! Other agents' events are rewritten into this shape first ([`agent`]); answers are
//! written in each agent's convention ([`reply`]).
//!
//! Decoding is strict where a lax reading could open the gate (a `command` that is not a
//! string, a `tool_input` that is not an object, nesting past a small bound, more bytes than
//! the cap) and lax where the protocol grows (unknown fields are ignored, unknown tools are
//! accepted and their strings scanned). Every failure is a [`ProtocolError`] that the hook
//! turns into exit 2. See shared/reference/claude-code-hooks.md.

pub mod agent;
pub mod reply;

pub use agent::Agent;
use serde_json::{Map, Value};
use std::fmt;
use std::io::Read;

/// Default cap on the bytes read from stdin (a Write of a large file fits; more is denied).
pub const DEFAULT_MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
/// Deepest JSON nesting accepted. Real tool inputs stay below 10; MCP arguments below 30.
pub const MAX_JSON_DEPTH: usize = 64;

/// Why an input was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    Empty,
    TooLarge {
        limit: usize,
    },
    NotUtf8,
    TooDeep {
        limit: usize,
    },
    Json(String),
    NotAnObject,
    Field {
        field: String,
        expected: &'static str,
    },
    Io(String),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "no hook event on stdin (empty input)"),
            Self::TooLarge { limit } => write!(
                f,
                "hook input is larger than the {limit}-byte limit (raise limits.max_input_bytes in the policy if this is legitimate)"
            ),
            Self::NotUtf8 => write!(f, "hook input is not valid UTF-8"),
            Self::TooDeep { limit } => {
                write!(f, "hook input is nested deeper than {limit} levels")
            }
            Self::Json(msg) => write!(f, "hook input is not valid JSON: {msg}"),
            Self::NotAnObject => write!(f, "hook input is not a JSON object"),
            Self::Field { field, expected } => {
                write!(f, "hook input field `{field}` must be {expected}")
            }
            Self::Io(msg) => write!(f, "could not read stdin: {msg}"),
        }
    }
}

/// The hook events toolgate routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    PreToolUse,
    PostToolUse,
    UserPromptSubmit,
    /// A settings file changed mid-session; exit 2 blocks the change (except managed).
    ConfigChange,
    /// Any other event name: recorded, never blocked.
    Other(String),
}

impl EventKind {
    pub fn name(&self) -> &str {
        match self {
            Self::PreToolUse => "PreToolUse",
            Self::PostToolUse => "PostToolUse",
            Self::UserPromptSubmit => "UserPromptSubmit",
            Self::ConfigChange => "ConfigChange",
            Self::Other(name) => name,
        }
    }
}

/// One decoded hook event.
#[derive(Debug, Clone)]
pub struct HookEvent {
    /// Which coding agent sent it, and its own name for the event.
    pub agent: Agent,
    pub agent_event: String,
    /// What the agent will show the model if the call goes ahead, when it sends it now
    /// (Cursor's `beforeReadFile`): screened like tool output.
    pub file_content: Option<String>,
    pub kind: EventKind,
    pub session_id: Option<String>,
    pub transcript_path: Option<String>,
    pub cwd: String,
    pub permission_mode: Option<String>,
    pub tool_use_id: Option<String>,
    pub agent_id: Option<String>,
    /// Present for PreToolUse and PostToolUse.
    pub tool: Option<ToolCall>,
    /// Present for UserPromptSubmit.
    pub prompt: Option<String>,
    /// The tool input as sent (`{"prompt": ...}` for a prompt), for the journal.
    pub input: Value,
    /// Present for ConfigChange.
    pub config_change: Option<ConfigChange>,
    /// PostToolUse: what the tool returned (any JSON), and its size in the event.
    pub tool_response: Option<Value>,
}

/// What Claude Code says about a settings change; only `source` is always there.
#[derive(Debug, Clone)]
pub struct ConfigChange {
    /// `user_settings`, `project_settings`, `local_settings`, `policy_settings`, `skills`.
    pub source: String,
    pub file_path: Option<String>,
    pub previous: Option<Value>,
    pub new: Option<Value>,
}

/// A tool call: its name and its typed input.
#[derive(Debug, Clone)]
pub struct ToolCall {
    pub name: String,
    pub input: ToolInput,
}

/// Which shell a command is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    Bash,
    PowerShell,
}

/// `tool_input`, by tool. Optional fields toolgate does not look at are not kept.
#[derive(Debug, Clone)]
pub enum ToolInput {
    Shell {
        shell: ShellKind,
        command: String,
        description: Option<String>,
    },
    Read {
        file_path: String,
    },
    /// Several files or patterns read at once (Gemini's `read_many_files`).
    ReadMany {
        paths: Vec<String>,
    },
    /// A file deleted by a tool of its own (Cursor's `Delete`).
    Delete {
        file_path: String,
    },
    Write {
        file_path: String,
        content: String,
    },
    Edit {
        file_path: String,
        old_string: String,
        new_string: String,
    },
    MultiEdit {
        file_path: String,
        edits: Vec<(String, String)>,
    },
    NotebookEdit {
        notebook_path: String,
        new_source: String,
    },
    Glob {
        pattern: String,
        path: Option<String>,
    },
    Grep {
        pattern: String,
        path: Option<String>,
        glob: Option<String>,
    },
    WebFetch {
        url: String,
        prompt: Option<String>,
        /// More URLs fetched by the same call (Gemini's `web_fetch` takes several).
        more: Vec<String>,
    },
    WebSearch {
        query: String,
    },
    Agent {
        description: Option<String>,
        prompt: String,
    },
    /// `mcp__<server>__<tool>` with whatever object the server defines.
    Mcp {
        server: String,
        tool: String,
        arguments: Value,
    },
    /// Codex's `apply_patch`: the `*** Begin Patch` text (see `normalize::patch`).
    Patch {
        patch: String,
    },
    /// A tool toolgate has no shape for: its strings are still scanned.
    Other {
        input: Value,
    },
}

/// Read one Claude Code event from `reader`, refusing more than `max_bytes`.
pub fn read_event(reader: &mut dyn Read, max_bytes: usize) -> Result<HookEvent, ProtocolError> {
    let mut bytes = Vec::new();
    reader
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ProtocolError::Io(e.to_string()))?;
    if bytes.len() > max_bytes {
        return Err(ProtocolError::TooLarge { limit: max_bytes });
    }
    decode(&bytes)
}

/// Decode one event from bytes, from whichever agent its fields say sent it.
pub fn decode(bytes: &[u8]) -> Result<HookEvent, ProtocolError> {
    decode_as(bytes, None)
}

/// Decode one event from `agent` (recognised from the payload when `None`).
pub fn decode_as(bytes: &[u8], agent: Option<Agent>) -> Result<HookEvent, ProtocolError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ProtocolError::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(ProtocolError::Empty);
    }
    check_depth(text.as_bytes(), MAX_JSON_DEPTH)?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| ProtocolError::Json(e.to_string()))?;
    let Value::Object(root) = value else {
        return Err(ProtocolError::NotAnObject);
    };
    let agent = agent.unwrap_or_else(|| agent::recognise(&root));
    let translated = agent::translate(agent, root)?;
    let mut event = from_object(translated.root)?;
    event.agent = agent;
    event.agent_event = translated.event;
    event.file_content = translated.content;
    Ok(event)
}

/// Reject nesting deeper than `limit` before serde sees it (it would stop at 128 anyway, but
/// with a less useful message). Brackets inside strings do not count.
fn check_depth(bytes: &[u8], limit: usize) -> Result<(), ProtocolError> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        at += 1;
        match b {
            b'"' => {
                // Jump to the string's closing quote: a 1 MiB Write is one long string.
                loop {
                    match memchr::memchr2(b'"', b'\\', &bytes[at.min(bytes.len())..]) {
                        Some(i) if bytes[at + i] == b'\\' => at += i + 2,
                        Some(i) => {
                            at += i + 1;
                            break;
                        }
                        None => return Ok(()),
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(ProtocolError::TooDeep { limit });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn from_object(mut root: Map<String, Value>) -> Result<HookEvent, ProtocolError> {
    let kind = match req_str(&root, "hook_event_name", "")?.as_str() {
        "PreToolUse" => EventKind::PreToolUse,
        "PostToolUse" => EventKind::PostToolUse,
        "UserPromptSubmit" => EventKind::UserPromptSubmit,
        "ConfigChange" => EventKind::ConfigChange,
        other => EventKind::Other(other.to_string()),
    };
    let cwd = match opt_str(&root, "cwd", "")? {
        Some(cwd) => cwd,
        None => std::env::var("CLAUDE_PROJECT_DIR")
            .ok()
            .or_else(|| {
                std::env::current_dir()
                    .ok()
                    .map(|p| p.display().to_string())
            })
            .unwrap_or_else(|| "/".to_string()),
    };
    let tool = match kind {
        EventKind::PreToolUse | EventKind::PostToolUse => Some(tool_call(&root)?),
        _ => None,
    };
    let prompt = match kind {
        EventKind::UserPromptSubmit => Some(req_str(&root, "prompt", "")?),
        _ => None,
    };
    let config_change = match kind {
        EventKind::ConfigChange => Some(ConfigChange {
            source: req_str(&root, "source", "")?,
            file_path: opt_str(&root, "file_path", "")?,
            previous: root.get("previous_config").cloned(),
            new: root.get("new_config").cloned(),
        }),
        _ => None,
    };
    let input = match &kind {
        EventKind::UserPromptSubmit => {
            serde_json::json!({ "prompt": prompt.clone().unwrap_or_default() })
        }
        EventKind::ConfigChange => {
            let c = config_change.as_ref();
            serde_json::json!({
                "source": c.map(|c| c.source.clone()),
                "file_path": c.and_then(|c| c.file_path.clone()),
            })
        }
        // Moved, not copied: it can be megabytes.
        _ => root.remove("tool_input").unwrap_or(Value::Null),
    };
    let tool_response = match kind {
        EventKind::PostToolUse => Some(root.remove("tool_response").unwrap_or(Value::Null)),
        _ => None,
    };
    Ok(HookEvent {
        agent: Agent::Claude,
        agent_event: kind.name().to_string(),
        file_content: None,
        input,
        tool_response,
        session_id: opt_str(&root, "session_id", "")?,
        transcript_path: opt_str(&root, "transcript_path", "")?,
        permission_mode: opt_str(&root, "permission_mode", "")?,
        tool_use_id: opt_str(&root, "tool_use_id", "")?,
        agent_id: opt_str(&root, "agent_id", "")?,
        kind,
        cwd,
        tool,
        prompt,
        config_change,
    })
}

fn tool_call(root: &Map<String, Value>) -> Result<ToolCall, ProtocolError> {
    let name = req_str(root, "tool_name", "")?;
    let input = match root.get("tool_input") {
        Some(Value::Object(map)) => map,
        _ => return Err(field_error("", "tool_input", "an object")),
    };
    let p = "tool_input.";
    let s = |key: &str| req_str(input, key, p);
    let o = |key: &str| opt_str(input, key, p);
    let typed = match name.as_str() {
        "Bash" | "PowerShell" => ToolInput::Shell {
            shell: if name == "Bash" {
                ShellKind::Bash
            } else {
                ShellKind::PowerShell
            },
            command: s("command")?,
            description: o("description")?,
        },
        "Read" => match input.get("paths") {
            Some(Value::Array(items)) if !input.contains_key("file_path") => ToolInput::ReadMany {
                paths: items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| field_error(p, "paths", "an array of strings"))
                    })
                    .collect::<Result<_, _>>()?,
            },
            _ => ToolInput::Read {
                file_path: s("file_path")?,
            },
        },
        "Delete" => ToolInput::Delete {
            file_path: s("file_path")?,
        },
        "Write" => ToolInput::Write {
            file_path: s("file_path")?,
            content: s("content")?,
        },
        "Edit" => ToolInput::Edit {
            file_path: s("file_path")?,
            old_string: o("old_string")?.unwrap_or_default(),
            new_string: s("new_string")?,
        },
        "MultiEdit" => ToolInput::MultiEdit {
            file_path: s("file_path")?,
            edits: edits(input)?,
        },
        "NotebookEdit" => ToolInput::NotebookEdit {
            notebook_path: s("notebook_path")?,
            new_source: o("new_source")?.unwrap_or_default(),
        },
        "Glob" => ToolInput::Glob {
            pattern: s("pattern")?,
            path: o("path")?,
        },
        "Grep" => ToolInput::Grep {
            pattern: s("pattern")?,
            path: o("path")?,
            glob: o("glob")?,
        },
        "WebFetch" => ToolInput::WebFetch {
            url: s("url")?,
            prompt: o("prompt")?,
            more: match input.get("urls") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            },
        },
        "WebSearch" => ToolInput::WebSearch { query: s("query")? },
        // Codex sends the patch text in `command` (older versions: `patch` or `input`).
        "apply_patch" => ToolInput::Patch {
            patch: match (o("command")?, o("patch")?, o("input")?) {
                (Some(p), _, _) | (None, Some(p), _) | (None, None, Some(p)) => p,
                (None, None, None) => return Err(field_error(p, "command", "a string")),
            },
        },
        "Agent" | "Task" => ToolInput::Agent {
            description: o("description")?,
            prompt: s("prompt")?,
        },
        _ => match parse_mcp_name(&name) {
            Some((server, tool)) => ToolInput::Mcp {
                server,
                tool,
                arguments: Value::Object(input.clone()),
            },
            None => ToolInput::Other {
                input: Value::Object(input.clone()),
            },
        },
    };
    Ok(ToolCall { name, input: typed })
}

fn edits(input: &Map<String, Value>) -> Result<Vec<(String, String)>, ProtocolError> {
    let Some(Value::Array(items)) = input.get("edits") else {
        return Err(field_error("tool_input.", "edits", "an array"));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(edit) = item else {
                return Err(field_error(
                    "tool_input.",
                    &format!("edits[{i}]"),
                    "an object",
                ));
            };
            let prefix = format!("tool_input.edits[{i}].");
            Ok((
                opt_str(edit, "old_string", &prefix)?.unwrap_or_default(),
                req_str(edit, "new_string", &prefix)?,
            ))
        })
        .collect()
}

/// `mcp__server__tool` -> (server, tool). Server names may not contain `__`; tool names may.
pub fn parse_mcp_name(name: &str) -> Option<(String, String)> {
    let rest = name.strip_prefix("mcp__")?;
    let (server, tool) = rest.split_once("__")?;
    if server.is_empty() || tool.is_empty() {
        return None;
    }
    Some((server.to_string(), tool.to_string()))
}

fn field_error(prefix: &str, key: &str, expected: &'static str) -> ProtocolError {
    ProtocolError::Field {
        field: format!("{prefix}{key}"),
        expected,
    }
}

fn req_str(map: &Map<String, Value>, key: &str, prefix: &str) -> Result<String, ProtocolError> {
    opt_str(map, key, prefix)?.ok_or_else(|| field_error(prefix, key, "a string"))
}

fn opt_str(
    map: &Map<String, Value>,
    key: &str,
    prefix: &str,
) -> Result<Option<String>, ProtocolError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(field_error(prefix, key, "a string")),
    }
}

/// The JSON Claude Code reads for an `ask` (PreToolUse only).
pub fn ask_json(reason: &str) -> String {
    serde_json::json!({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "ask",
            "permissionDecisionReason": reason,
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> Result<HookEvent, ProtocolError> {
        decode(json.as_bytes())
    }

    #[test]
    fn decodes_bash_and_ignores_unknown_fields() {
        let e = event(r#"{"hook_event_name":"PreToolUse","cwd":"/p","tool_name":"Bash","tool_input":{"command":"ls","future":1},"new_field":true}"#).unwrap();
        let tool = e.tool.unwrap();
        assert!(matches!(tool.input, ToolInput::Shell { ref command, .. } if command == "ls"));
        assert_eq!(e.cwd, "/p");
    }

    #[test]
    fn wrong_typed_command_is_an_error() {
        let err = event(r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":["rm","-rf","/"]}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "hook input field `tool_input.command` must be a string"
        );
    }

    #[test]
    fn mcp_names_split_on_first_double_underscore() {
        assert_eq!(
            parse_mcp_name("mcp__bi__run__query"),
            Some(("bi".into(), "run__query".into()))
        );
        assert_eq!(parse_mcp_name("mcp____x"), None);
        assert_eq!(parse_mcp_name("Read"), None);
    }

    #[test]
    fn depth_is_bounded_and_strings_do_not_count() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(
            check_depth(deep.as_bytes(), 64),
            Err(ProtocolError::TooDeep { limit: 64 })
        );
        let in_string = format!("\"{}\"", "[".repeat(100));
        assert_eq!(check_depth(in_string.as_bytes(), 64), Ok(()));
    }

    /// The depth check as first written, byte by byte: the fast one must agree with it.
    fn depth_byte_by_byte(bytes: &[u8], limit: usize) -> Result<(), ProtocolError> {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for &b in bytes {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return Err(ProtocolError::TooDeep { limit });
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn depth_check_agrees_with_a_byte_scan(text in r#"[\[\]{}"\\a]{0,40}"#) {
            proptest::prop_assert_eq!(
                check_depth(text.as_bytes(), 3),
                depth_byte_by_byte(text.as_bytes(), 3)
            );
        }
    }

    #[test]
    fn size_cap_counts_bytes() {
        let big = vec![b' '; 20];
        let err = read_event(&mut big.as_slice(), 10).unwrap_err();
        assert_eq!(err, ProtocolError::TooLarge { limit: 10 });
    }
}
