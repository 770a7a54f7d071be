//! The coding agents toolgate answers, and how each one's hook event is read.
//!
//! Each agent sends its own event; the adapter here rewrites it into the one shape the gate
//! decides (Claude Code's, which Codex already speaks), so effects, packs, policy, detectors
//! and journal stay one. [`super::reply`] answers in the agent's own convention. The agent
//! is named by `toolgate hook --agent NAME` (which `install` writes) or recognised from the
//! payload's fields. Facts per agent: shared/reference and docs/agents.md.

use super::{ProtocolError, field_error, opt_str, req_str};
use serde_json::{Map, Value, json};

/// A coding agent whose hooks toolgate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Agent {
    #[default]
    Claude,
    Codex,
    Cursor,
    Copilot,
    Gemini,
}

impl Agent {
    pub const ALL: [Agent; 5] = [
        Agent::Claude,
        Agent::Codex,
        Agent::Cursor,
        Agent::Copilot,
        Agent::Gemini,
    ];

    /// The name used on the command line, in the policy and in the journal.
    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Cursor => "cursor",
            Agent::Copilot => "copilot",
            Agent::Gemini => "gemini",
        }
    }

    /// The product's own name, for people and SIEM records.
    pub fn product(self) -> &'static str {
        match self {
            Agent::Claude => "Claude Code",
            Agent::Codex => "Codex CLI",
            Agent::Cursor => "Cursor",
            Agent::Copilot => "GitHub Copilot CLI",
            Agent::Gemini => "Gemini CLI",
        }
    }

    pub fn parse(name: &str) -> Option<Agent> {
        Agent::ALL.into_iter().find(|a| a.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Agent::ALL.iter().map(|a| a.name()).collect()
    }
}

/// Cursor's event names (camelCase, lower first letter).
const CURSOR_EVENTS: [&str; 12] = [
    "beforeShellExecution",
    "beforeMCPExecution",
    "beforeReadFile",
    "beforeSubmitPrompt",
    "preToolUse",
    "postToolUse",
    "afterShellExecution",
    "afterMCPExecution",
    "afterFileEdit",
    "afterAgentResponse",
    "subagentStart",
    "stop",
];

/// Copilot CLI's tool names (none of them is a Claude Code tool name; Gemini's events have
/// names of their own).
const COPILOT_TOOLS: [&str; 8] = [
    "bash",
    "powershell",
    "view",
    "edit",
    "create",
    "glob",
    "grep",
    "web_fetch",
];

/// Gemini CLI's event names that no other agent uses.
const GEMINI_EVENTS: [&str; 8] = [
    "BeforeTool",
    "AfterTool",
    "BeforeAgent",
    "AfterAgent",
    "BeforeModel",
    "AfterModel",
    "BeforeToolSelection",
    "PreCompress",
];

/// The agent a payload came from, by the fields only it sends. Claude Code when nothing
/// else fits (it sends nothing the others do not).
pub fn recognise(root: &Map<String, Value>) -> Agent {
    if root.contains_key("toolName")
        || root.contains_key("toolArgs")
        || root.contains_key("sessionId")
    {
        return Agent::Copilot;
    }
    let event = root
        .get("hook_event_name")
        .and_then(Value::as_str)
        .unwrap_or("");
    if CURSOR_EVENTS.contains(&event)
        || root.contains_key("cursor_version")
        || root.contains_key("conversation_id")
    {
        return Agent::Cursor;
    }
    if GEMINI_EVENTS.contains(&event) || root.contains_key("mcp_context") {
        return Agent::Gemini;
    }
    if root.contains_key("turn_id") {
        return Agent::Codex;
    }
    // Copilot configured with PascalCase event names sends Claude-style fields, but its own
    // lower-case tool names and a timestamp (Claude Code sends none).
    let tool = root.get("tool_name").and_then(Value::as_str).unwrap_or("");
    if matches!(event, "PreToolUse" | "PostToolUse")
        && root.contains_key("timestamp")
        && COPILOT_TOOLS.contains(&tool)
    {
        return Agent::Copilot;
    }
    Agent::Claude
}

/// The same guess from bytes that did not decode (too large, malformed), so a refusal is
/// still written in the agent's convention. Keys found anywhere in the bytes may be the
/// call's own (an MCP argument named `sessionId`), and Copilot's convention is the one whose
/// block is exit 0, which every other agent reads as "go ahead": Copilot is guessed only
/// from an event without `hook_event_name`, which Claude Code and the others always send.
/// (Copilot configured with PascalCase names sends one too: it is told apart only by the
/// `--agent copilot` that `install` writes.)
pub fn recognise_bytes(bytes: &[u8]) -> Agent {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    let has = |key: &str| text.contains(&format!("\"{key}\""));
    let event_is = |names: &[&str]| names.iter().any(|n| event_named(&text, n));
    if !has("hook_event_name") && (has("toolName") || has("toolArgs") || has("sessionId")) {
        Agent::Copilot
    } else if event_is(&CURSOR_EVENTS) || has("cursor_version") || has("conversation_id") {
        Agent::Cursor
    } else if event_is(&GEMINI_EVENTS) || has("mcp_context") {
        Agent::Gemini
    } else if has("turn_id") {
        Agent::Codex
    } else {
        Agent::Claude
    }
}

/// Whether `"hook_event_name": "<name>"` is in the text.
pub fn event_named(text: &str, name: &str) -> bool {
    text.match_indices("\"hook_event_name\"").any(|(i, m)| {
        text[i + m.len()..]
            .trim_start_matches([' ', '\t', '\n', '\r', ':'])
            .strip_prefix('"')
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| rest.starts_with('"'))
    })
}

/// Whether undecodable bytes were an event about a tool's output (its output is then
/// withheld where the agent allows it, never passed).
pub fn looks_like_output_event(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = String::from_utf8_lossy(head);
    [
        "PostToolUse",
        "AfterTool",
        "postToolUse",
        "afterShellExecution",
        "afterMCPExecution",
    ]
    .iter()
    .any(|n| event_named(&text, n))
        || text.contains("\"toolResult\"")
}

/// An agent's event rewritten into Claude Code's shape.
pub struct Translated {
    pub root: Map<String, Value>,
    /// The agent's own name for the event (`beforeShellExecution`, `BeforeTool`, ...).
    pub event: String,
    /// What the agent will show the model if the call goes ahead (Cursor's `beforeReadFile`
    /// sends the file's text): screened like a tool's output, as it cannot be masked later.
    pub content: Option<String>,
}

pub fn translate(agent: Agent, root: Map<String, Value>) -> Result<Translated, ProtocolError> {
    match agent {
        Agent::Claude | Agent::Codex => {
            let event = opt_str(&root, "hook_event_name", "")?.unwrap_or_default();
            Ok(Translated {
                root,
                event,
                content: None,
            })
        }
        Agent::Cursor => cursor(root),
        Agent::Copilot => copilot(root),
        Agent::Gemini => gemini(root),
    }
}

/// The first of several keys that holds a string.
fn first_str(
    map: &Map<String, Value>,
    keys: &[&str],
    prefix: &str,
) -> Result<String, ProtocolError> {
    for key in keys {
        if let Some(s) = opt_str(map, key, prefix)? {
            return Ok(s);
        }
    }
    Err(field_error(prefix, keys[0], "a string"))
}

fn some_str(map: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| map.get(*k).and_then(Value::as_str).map(str::to_string))
}

/// A JSON value an agent sends encoded as a string (Cursor's MCP `tool_input`, Copilot's
/// `toolArgs`): parsed when it parses, else kept as text so its strings are still scanned.
fn decoded(value: Option<Value>) -> Value {
    match value {
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(v @ Value::Object(_)) => v,
            _ => json!({ "text": s }),
        },
        Some(v @ Value::Object(_)) => v,
        Some(Value::Null) | None => json!({}),
        Some(other) => json!({ "value": other }),
    }
}

/// A Claude-shaped event: these fields, plus the agent's own session and paths.
fn claude_event(event: &str, tool: Option<(&str, Value)>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("hook_event_name".into(), event.into());
    if let Some((name, input)) = tool {
        out.insert("tool_name".into(), name.into());
        out.insert("tool_input".into(), input);
    }
    out
}

fn carry(out: &mut Map<String, Value>, from: &Map<String, Value>, pairs: &[(&str, &str)]) {
    for (theirs, ours) in pairs {
        if let Some(v @ Value::String(_)) = from.get(*theirs) {
            out.insert((*ours).to_string(), v.clone());
        }
    }
}

fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `mcp__<server>__<tool>`, the name the MCP allowlist and rules read. A server the agent
/// does not name is `unknown`, which no allowlist approves.
fn mcp_name(server: Option<&str>, tool: &str) -> String {
    let server = server.filter(|s| !s.is_empty()).unwrap_or("unknown");
    // `__` would split the name elsewhere.
    format!("mcp__{}__{tool}", server.replace("__", "_"))
}

fn cursor(root: Map<String, Value>) -> Result<Translated, ProtocolError> {
    let event = req_str(&root, "hook_event_name", "")?;
    let p = "";
    let mut content = None;
    let mut out = match event.as_str() {
        "beforeShellExecution" | "afterShellExecution" => {
            let input = json!({ "command": req_str(&root, "command", p)? });
            let kind = if event.starts_with("before") {
                "PreToolUse"
            } else {
                "PostToolUse"
            };
            let mut out = claude_event(kind, Some(("Bash", input)));
            if let Some(output) = root.get("output") {
                out.insert("tool_response".into(), output.clone());
            }
            out
        }
        "beforeMCPExecution" | "afterMCPExecution" => {
            let tool = req_str(&root, "tool_name", p)?;
            // Cursor names the server by its URL or its command, not by a name: a URL's host
            // is the name an allowlist can approve; a command is `unknown`.
            let server = some_str(&root, &["mcp_server_name", "server_name", "server"])
                .or_else(|| some_str(&root, &["url"]).and_then(|u| url_host(&u)));
            let name = mcp_name(server.as_deref(), &tool);
            let input = decoded(root.get("tool_input").cloned());
            let kind = if event.starts_with("before") {
                "PreToolUse"
            } else {
                "PostToolUse"
            };
            let mut out = claude_event(kind, Some((&name, input)));
            if let Some(result) = root.get("result_json") {
                out.insert("tool_response".into(), decoded(Some(result.clone())));
            }
            out
        }
        "beforeReadFile" => {
            let path = first_str(&root, &["file_path", "filePath"], p)?;
            content = opt_str(&root, "content", p)?;
            claude_event("PreToolUse", Some(("Read", json!({ "file_path": path }))))
        }
        "beforeSubmitPrompt" => {
            let mut out = claude_event("UserPromptSubmit", None);
            out.insert("prompt".into(), req_str(&root, "prompt", p)?.into());
            out
        }
        "preToolUse" | "postToolUse" => {
            let tool = req_str(&root, "tool_name", p)?;
            let input = match root.get("tool_input") {
                Some(Value::Object(m)) => m.clone(),
                Some(v @ Value::String(_)) => decoded(Some(v.clone()))
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                _ => return Err(field_error(p, "tool_input", "an object")),
            };
            let (name, input) = cursor_tool(&tool, &input)?;
            let kind = if event == "preToolUse" {
                "PreToolUse"
            } else {
                "PostToolUse"
            };
            let mut out = claude_event(kind, Some((&name, input)));
            if let Some(output) = root.get("tool_output") {
                out.insert("tool_response".into(), decoded(Some(output.clone())));
            }
            out
        }
        // Recorded, never blocked: Cursor reads no answer to them.
        other => claude_event(other, None),
    };
    carry(
        &mut out,
        &root,
        &[
            ("conversation_id", "session_id"),
            ("transcript_path", "transcript_path"),
            ("tool_use_id", "tool_use_id"),
            ("cwd", "cwd"),
        ],
    );
    if !out.contains_key("cwd") {
        let cwd = root
            .get("tool_input")
            .and_then(|i| i.get("working_directory"))
            .or_else(|| root.get("workspace_roots").and_then(|r| r.get(0)));
        if let Some(v @ Value::String(_)) = cwd {
            out.insert("cwd".into(), v.clone());
        }
    }
    Ok(Translated {
        root: out,
        event,
        content,
    })
}

/// Cursor's `preToolUse` tools as the Claude Code tools that do the same.
fn cursor_tool(tool: &str, input: &Map<String, Value>) -> Result<(String, Value), ProtocolError> {
    let p = "tool_input.";
    let path = || first_str(input, &["file_path", "path", "target_file", "filePath"], p);
    Ok(match tool {
        "Shell" | "Terminal" => (
            "Bash".into(),
            json!({ "command": first_str(input, &["command"], p)? }),
        ),
        "Read" => ("Read".into(), json!({ "file_path": path()? })),
        "Write" | "Edit" => {
            let content = some_str(input, &["content", "contents", "file_text", "new_string"]);
            match (content, some_str(input, &["old_string"])) {
                (Some(new), Some(old)) => (
                    "Edit".into(),
                    json!({ "file_path": path()?, "old_string": old, "new_string": new }),
                ),
                (content, _) => (
                    "Write".into(),
                    json!({ "file_path": path()?, "content": content.unwrap_or_default() }),
                ),
            }
        }
        "Delete" => ("Delete".into(), json!({ "file_path": path()? })),
        "Grep" => (
            "Grep".into(),
            json!({
                "pattern": first_str(input, &["pattern", "query"], p)?,
                "path": some_str(input, &["path", "target_directory"]),
                "glob": some_str(input, &["glob", "include"]),
            }),
        ),
        "LS" | "Glob" => (
            "Glob".into(),
            json!({
                "pattern": some_str(input, &["pattern", "glob_pattern"]).unwrap_or_else(|| "*".into()),
                "path": some_str(input, &["path", "target_directory", "directory"]),
            }),
        ),
        _ => match tool.strip_prefix("MCP:") {
            Some(mcp_tool) => (
                mcp_name(
                    some_str(input, &["server", "server_name"]).as_deref(),
                    mcp_tool,
                ),
                Value::Object(input.clone()),
            ),
            None => (tool.to_string(), Value::Object(input.clone())),
        },
    })
}

fn copilot(root: Map<String, Value>) -> Result<Translated, ProtocolError> {
    // Written with a PascalCase event name, Copilot sends snake_case fields like Claude's.
    if root.contains_key("hook_event_name") {
        let event = req_str(&root, "hook_event_name", "")?;
        let mut out = root;
        if let Some(Value::String(name)) = out.get("tool_name").cloned() {
            let input = decoded(out.remove("tool_input"));
            let (name, input) =
                copilot_tool(&name, input.as_object().cloned().unwrap_or_default())?;
            out.insert("tool_name".into(), name.into());
            out.insert("tool_input".into(), input);
        }
        return Ok(Translated {
            root: out,
            event,
            content: None,
        });
    }
    let p = "";
    let (event, mut out) = if let Some(prompt) = opt_str(&root, "prompt", p)? {
        let mut out = claude_event("UserPromptSubmit", None);
        out.insert("prompt".into(), prompt.into());
        ("userPromptSubmitted", out)
    } else if root.contains_key("toolName") {
        let tool = req_str(&root, "toolName", p)?;
        let args = decoded(root.get("toolArgs").cloned());
        let (name, input) = copilot_tool(&tool, args.as_object().cloned().unwrap_or_default())?;
        match root.get("toolResult") {
            Some(result) => {
                let mut out = claude_event("PostToolUse", Some((&name, input)));
                let text = result
                    .get("textResultForLlm")
                    .cloned()
                    .unwrap_or_else(|| result.clone());
                out.insert("tool_response".into(), text);
                ("postToolUse", out)
            }
            None => (
                "preToolUse",
                claude_event("PreToolUse", Some((&name, input))),
            ),
        }
    } else {
        let name = if root.contains_key("error") {
            "errorOccurred"
        } else {
            "sessionStart"
        };
        (name, claude_event(name, None))
    };
    carry(
        &mut out,
        &root,
        &[("sessionId", "session_id"), ("cwd", "cwd")],
    );
    Ok(Translated {
        root: out,
        event: event.to_string(),
        content: None,
    })
}

/// Copilot CLI's tools as the Claude Code tools that do the same.
fn copilot_tool(tool: &str, args: Map<String, Value>) -> Result<(String, Value), ProtocolError> {
    let p = "toolArgs.";
    let path = || first_str(&args, &["path", "file_path"], p);
    Ok(match tool {
        "bash" | "shell" => (
            "Bash".into(),
            json!({ "command": first_str(&args, &["command"], p)?, "description": some_str(&args, &["description"]) }),
        ),
        "powershell" => (
            "PowerShell".into(),
            json!({ "command": first_str(&args, &["command"], p)? }),
        ),
        "view" | "read" => ("Read".into(), json!({ "file_path": path()? })),
        "create" => (
            "Write".into(),
            json!({ "file_path": path()?, "content": some_str(&args, &["file_text", "content"]).unwrap_or_default() }),
        ),
        "edit" | "str_replace" => (
            "Edit".into(),
            json!({
                "file_path": path()?,
                "old_string": some_str(&args, &["old_str", "old_string"]).unwrap_or_default(),
                "new_string": some_str(&args, &["new_str", "new_string"]).unwrap_or_default(),
            }),
        ),
        "glob" => (
            "Glob".into(),
            json!({ "pattern": first_str(&args, &["pattern"], p)?, "path": some_str(&args, &["path"]) }),
        ),
        "grep" => (
            "Grep".into(),
            json!({ "pattern": first_str(&args, &["pattern"], p)?, "path": some_str(&args, &["path"]), "glob": some_str(&args, &["glob"]) }),
        ),
        "web_fetch" => (
            "WebFetch".into(),
            json!({ "url": first_str(&args, &["url"], p)? }),
        ),
        other => (other.to_string(), Value::Object(args)),
    })
}

fn gemini(root: Map<String, Value>) -> Result<Translated, ProtocolError> {
    let event = req_str(&root, "hook_event_name", "")?;
    let p = "";
    let mut out = match event.as_str() {
        "BeforeTool" | "AfterTool" => {
            let tool = req_str(&root, "tool_name", p)?;
            let input = match root.get("tool_input") {
                Some(Value::Object(m)) => m.clone(),
                None | Some(Value::Null) => Map::new(),
                _ => return Err(field_error(p, "tool_input", "an object")),
            };
            let context = root.get("mcp_context").and_then(Value::as_object);
            let (name, input, dir) = gemini_tool(&tool, input, context)?;
            let kind = if event == "BeforeTool" {
                "PreToolUse"
            } else {
                "PostToolUse"
            };
            let mut out = claude_event(kind, Some((&name, input)));
            if let Some(response) = root.get("tool_response") {
                out.insert("tool_response".into(), response.clone());
            }
            if let Some(dir) = dir {
                let base = root.get("cwd").and_then(Value::as_str).unwrap_or("");
                let cwd = if dir.starts_with('/') || base.is_empty() {
                    dir
                } else {
                    format!("{}/{dir}", base.trim_end_matches('/'))
                };
                out.insert("cwd".into(), cwd.into());
            }
            out
        }
        "BeforeAgent" => {
            let mut out = claude_event("UserPromptSubmit", None);
            out.insert("prompt".into(), req_str(&root, "prompt", p)?.into());
            out
        }
        other => claude_event(other, None),
    };
    carry(
        &mut out,
        &root,
        &[
            ("session_id", "session_id"),
            ("transcript_path", "transcript_path"),
        ],
    );
    if !out.contains_key("cwd") {
        carry(&mut out, &root, &[("cwd", "cwd")]);
    }
    Ok(Translated {
        root: out,
        event,
        content: None,
    })
}

/// URLs in a Gemini `web_fetch` prompt (it fetches every one it names, up to 20).
fn urls_in(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']')
    })
    .filter(|w| {
        let lower = w.to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    })
    .map(|w| {
        w.trim_end_matches(['.', ',', ';', ':', '!', '?'])
            .to_string()
    })
    .take(64)
    .collect()
}

/// Gemini CLI's tools as the Claude Code tools that do the same, and the folder a shell
/// command runs in when it names one.
fn gemini_tool(
    tool: &str,
    input: Map<String, Value>,
    mcp: Option<&Map<String, Value>>,
) -> Result<(String, Value, Option<String>), ProtocolError> {
    let p = "tool_input.";
    let path = || first_str(&input, &["file_path", "absolute_path", "path"], p);
    let dir = || some_str(&input, &["dir_path", "path", "directory"]);
    Ok(match tool {
        "run_shell_command" => (
            "Bash".into(),
            json!({ "command": first_str(&input, &["command"], p)?, "description": some_str(&input, &["description"]) }),
            some_str(&input, &["dir_path", "directory"]),
        ),
        "read_file" => ("Read".into(), json!({ "file_path": path()? }), None),
        "write_file" => (
            "Write".into(),
            json!({ "file_path": path()?, "content": some_str(&input, &["content"]).unwrap_or_default() }),
            None,
        ),
        "replace" | "edit" => (
            "Edit".into(),
            json!({
                "file_path": path()?,
                "old_string": some_str(&input, &["old_string"]).unwrap_or_default(),
                "new_string": some_str(&input, &["new_string"]).unwrap_or_default(),
            }),
            None,
        ),
        "read_many_files" => {
            let mut paths = Vec::new();
            for key in ["include", "paths"] {
                match input.get(key) {
                    Some(Value::Array(items)) => {
                        paths.extend(items.iter().filter_map(Value::as_str).map(str::to_string))
                    }
                    Some(Value::String(s)) => paths.push(s.clone()),
                    _ => {}
                }
            }
            ("Read".into(), json!({ "paths": paths }), None)
        }
        "glob" => (
            "Glob".into(),
            json!({ "pattern": first_str(&input, &["pattern"], p)?, "path": dir() }),
            None,
        ),
        "grep_search" | "search_file_content" | "grep" => (
            "Grep".into(),
            json!({
                "pattern": first_str(&input, &["pattern"], p)?,
                "path": dir(),
                "glob": some_str(&input, &["include_pattern", "include"]),
            }),
            None,
        ),
        "list_directory" | "ls" => (
            "Glob".into(),
            json!({ "pattern": "*", "path": dir() }),
            None,
        ),
        "web_fetch" => {
            let prompt = some_str(&input, &["prompt"]).unwrap_or_default();
            let mut urls = urls_in(&prompt);
            if urls.is_empty() {
                (tool.to_string(), Value::Object(input), None)
            } else {
                let url = urls.remove(0);
                (
                    "WebFetch".into(),
                    json!({ "url": url, "prompt": prompt, "urls": urls }),
                    None,
                )
            }
        }
        "google_web_search" => (
            "WebSearch".into(),
            json!({ "query": first_str(&input, &["query"], p)? }),
            None,
        ),
        _ => {
            let server = mcp
                .and_then(|m| m.get("server_name"))
                .and_then(Value::as_str);
            let mcp_tool = mcp.and_then(|m| m.get("tool_name")).and_then(Value::as_str);
            match (server, mcp_tool) {
                (Some(s), Some(t)) => (mcp_name(Some(s), t), Value::Object(input), None),
                (Some(s), None) => {
                    let t = tool.strip_prefix(&format!("mcp_{s}_")).unwrap_or(tool);
                    (mcp_name(Some(s), t), Value::Object(input), None)
                }
                _ if tool.starts_with("mcp__") => (tool.to_string(), Value::Object(input), None),
                // `mcp_<server>_<tool>` with no context: the server cannot be told from the
                // tool when either has `_`, so it is unknown (and not approved).
                _ => match tool.strip_prefix("mcp_") {
                    Some(rest) => (mcp_name(None, rest), Value::Object(input), None),
                    None => (tool.to_string(), Value::Object(input), None),
                },
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn each_agent_is_recognised_by_its_own_fields() {
        let cases = [
            (
                r#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{}}"#,
                Agent::Claude,
            ),
            (
                r#"{"hook_event_name":"PreToolUse","turn_id":"t1","model":"gpt-5"}"#,
                Agent::Codex,
            ),
            (
                r#"{"hook_event_name":"beforeShellExecution","command":"ls"}"#,
                Agent::Cursor,
            ),
            (
                r#"{"sessionId":"s","toolName":"bash","toolArgs":"{}"}"#,
                Agent::Copilot,
            ),
            (
                r#"{"hook_event_name":"BeforeTool","tool_name":"read_file"}"#,
                Agent::Gemini,
            ),
        ];
        let vs_code = r#"{"hook_event_name":"PreToolUse","timestamp":"2026-12-06T10:00:00Z","tool_name":"bash","tool_input":{}}"#;
        assert_eq!(recognise(&object(vs_code)), Agent::Copilot);
        let gemini_glob = r#"{"hook_event_name":"BeforeTool","timestamp":"2026-12-06T10:00:00Z","tool_name":"glob","tool_input":{}}"#;
        assert_eq!(recognise(&object(gemini_glob)), Agent::Gemini);
        for (json, agent) in cases {
            assert_eq!(recognise(&object(json)), agent, "{json}");
            assert_eq!(recognise_bytes(json.as_bytes()), agent, "{json}");
        }
    }

    /// Regression: a Claude Code call whose own input holds a key Copilot sends at its top
    /// level (an MCP argument `sessionId`) was answered in Copilot's convention, exit 0,
    /// which Claude Code reads as "go ahead".
    #[test]
    fn keys_inside_a_calls_input_do_not_name_the_agent() {
        let json = r#"{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"mcp__x__y","tool_input":{"sessionId":"a","toolName":"b","toolArgs":"c"}}"#;
        assert_eq!(recognise(&object(json)), Agent::Claude);
        assert_eq!(recognise_bytes(json.as_bytes()), Agent::Claude);
    }

    #[test]
    fn output_events_are_known_from_their_first_bytes() {
        assert!(looks_like_output_event(
            br#"{"hook_event_name" : "AfterTool","tool_response":"xx"#
        ));
        assert!(looks_like_output_event(
            br#"{"hook_event_name":"PostToolUse""#
        ));
        assert!(!looks_like_output_event(
            br#"{"hook_event_name":"PreToolUse","x":"PostToolUse"}"#
        ));
        assert!(!looks_like_output_event(
            br#"{"hook_event_name":"PostToolUseX"}"#
        ));
    }

    #[test]
    fn cursor_mcp_input_encoded_as_a_string_is_decoded() {
        let t = translate(
            Agent::Cursor,
            object(r#"{"hook_event_name":"beforeMCPExecution","tool_name":"query","tool_input":"{\"sql\":\"select 1\"}","mcp_server_name":"db"}"#),
        )
        .unwrap();
        assert_eq!(t.root["tool_name"], "mcp__db__query");
        assert_eq!(t.root["tool_input"]["sql"], "select 1");
        assert_eq!(t.event, "beforeMCPExecution");
    }

    #[test]
    fn gemini_shell_runs_in_its_dir_path_and_fetches_every_url() {
        let t = translate(
            Agent::Gemini,
            object(r#"{"hook_event_name":"BeforeTool","cwd":"/p","tool_name":"run_shell_command","tool_input":{"command":"ls","dir_path":"sub"}}"#),
        )
        .unwrap();
        assert_eq!(t.root["cwd"], "/p/sub");
        let t = translate(
            Agent::Gemini,
            object(r#"{"hook_event_name":"BeforeTool","tool_name":"web_fetch","tool_input":{"prompt":"compare https://a.example/x and https://b.example/y."}}"#),
        )
        .unwrap();
        assert_eq!(t.root["tool_input"]["url"], "https://a.example/x");
        assert_eq!(t.root["tool_input"]["urls"], json!(["https://b.example/y"]));
    }

    #[test]
    fn unnamed_mcp_servers_are_unknown() {
        assert_eq!(mcp_name(None, "run"), "mcp__unknown__run");
        assert_eq!(mcp_name(Some("a__b"), "run"), "mcp__a_b__run");
    }
}
