//! `install`, `uninstall` and `doctor` for the agents other than Claude Code: where each one
//! reads its hooks per scope, the entries toolgate needs there, and the checks that they are
//! in place. Files are merged like Claude Code's settings (other content kept, idempotent,
//! the previous file kept as `<file>.toolgate-backup`, replaced atomically).
//!
//! Each agent runs a hook as a shell command line, so the entry is
//! `<binary> hook --agent NAME` with the binary quoted when it needs to be.

use super::settings_file::{read_json, read_text, write_text};
use crate::exit;
use crate::protocol::Agent;
use crate::sanitize;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// Seconds (Codex, Cursor, Copilot) or milliseconds (Gemini) an agent waits for the hook.
const TIMEOUT_S: u64 = 10;

/// The events toolgate is registered for, per agent: the blocking ones first.
pub(super) fn events(agent: Agent) -> &'static [&'static str] {
    match agent {
        Agent::Claude => &[],
        Agent::Codex => &["PreToolUse", "PostToolUse", "UserPromptSubmit"],
        Agent::Cursor => &[
            "beforeShellExecution",
            "beforeMCPExecution",
            "beforeReadFile",
            "preToolUse",
            "beforeSubmitPrompt",
            "postToolUse",
            "afterShellExecution",
            "afterMCPExecution",
        ],
        Agent::Copilot => &["preToolUse", "postToolUse", "userPromptSubmitted"],
        Agent::Gemini => &["BeforeTool", "AfterTool", "BeforeAgent"],
    }
}

/// Events that decide whether a tool runs (Cursor's get `failClosed`; `doctor` fails
/// without them).
pub(super) fn decides(event: &str) -> bool {
    let e = event.to_ascii_lowercase();
    e.starts_with("before") || e == "pretooluse"
}

/// Where the agent reads hooks for a scope.
pub fn config_path(agent: Agent, scope: &str) -> Result<PathBuf, String> {
    let home = || {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| "HOME is not set; give --settings PATH".to_string())
    };
    let project = || {
        std::env::current_dir()
            .map_err(|e| format!("cannot tell the project folder ({e}); give --settings PATH"))
    };
    let macos = cfg!(target_os = "macos");
    Ok(match (agent, scope) {
        (Agent::Codex, "user") => home()?.join(".codex/hooks.json"),
        (Agent::Codex, "project") => project()?.join(".codex/hooks.json"),
        (Agent::Codex, "managed") => PathBuf::from("/etc/codex/requirements.toml"),
        (Agent::Cursor, "user") => home()?.join(".cursor/hooks.json"),
        (Agent::Cursor, "project") => project()?.join(".cursor/hooks.json"),
        (Agent::Cursor, "managed") if macos => {
            PathBuf::from("/Library/Application Support/Cursor/hooks.json")
        }
        (Agent::Cursor, "managed") => PathBuf::from("/etc/cursor/hooks.json"),
        (Agent::Copilot, "user") => std::env::var_os("COPILOT_HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .map_or_else(|| home().map(|h| h.join(".copilot")), Ok)?
            .join("hooks/toolgate.json"),
        (Agent::Copilot, "project") => project()?.join(".github/hooks/toolgate.json"),
        (Agent::Copilot, "managed") => {
            return Err("GitHub Copilot CLI reads hooks from no managed location: commit .github/hooks/toolgate.json (--scope project) or distribute ~/.copilot/hooks/toolgate.json by MDM (--scope user --settings PATH)".into());
        }
        (Agent::Gemini, "user") => home()?.join(".gemini/settings.json"),
        (Agent::Gemini, "project") => project()?.join(".gemini/settings.json"),
        (Agent::Gemini, "managed") => std::env::var_os("GEMINI_CLI_SYSTEM_SETTINGS_PATH")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(if macos {
                    "/Library/Application Support/GeminiCli/settings.json"
                } else {
                    "/etc/gemini-cli/settings.json"
                })
            }),
        (_, other) => return Err(format!("unknown scope `{other}` (user, project, managed)")),
    })
}

/// The command line an agent runs: a shell string, the binary single-quoted when it holds
/// anything a shell would read.
pub fn command_line(binary: &str, agent: Agent) -> String {
    let plain = binary
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b));
    let quoted = if plain {
        binary.to_string()
    } else {
        format!("'{}'", binary.replace('\'', "'\\''"))
    };
    format!("{quoted} hook --agent {}", agent.name())
}

/// Whether a hook entry is toolgate's for this agent (any binary named `toolgate`).
pub(super) fn runs_toolgate(command: &str, agent: Agent) -> bool {
    let suffix = format!(" hook --agent {}", agent.name());
    let Some(program) = command.strip_suffix(&suffix) else {
        return false;
    };
    let program = program.trim_matches('\'');
    Path::new(program)
        .file_name()
        .is_some_and(|n| n == "toolgate")
}

/// One hook entry as the agent's schema writes it.
fn entry(agent: Agent, event: &str, command: &str) -> Value {
    match agent {
        Agent::Codex => json!({"type": "command", "command": command, "timeout": TIMEOUT_S}),
        Agent::Cursor => {
            let mut e = json!({"command": command, "timeout": TIMEOUT_S});
            if decides(event) {
                e["failClosed"] = true.into();
            }
            e
        }
        Agent::Copilot => json!({"type": "command", "bash": command, "timeoutSec": TIMEOUT_S}),
        Agent::Gemini => json!({
            "type": "command", "name": "toolgate", "command": command, "timeout": TIMEOUT_S * 1000,
        }),
        Agent::Claude => Value::Null,
    }
}

/// The command an entry runs.
pub(super) fn entry_command(agent: Agent, e: &Value) -> Option<&str> {
    let key = if agent == Agent::Copilot {
        "bash"
    } else {
        "command"
    };
    e.get(key).and_then(Value::as_str)
}

/// Whether the agent nests entries in matcher groups (`{matcher, hooks: [...]}`).
fn grouped(agent: Agent) -> bool {
    matches!(agent, Agent::Codex | Agent::Gemini)
}

/// The entries of one event, flattened out of groups where the agent has them.
pub(super) fn event_entries(agent: Agent, list: &Value) -> Vec<&Value> {
    let items = list.as_array().map(Vec::as_slice).unwrap_or_default();
    if grouped(agent) {
        items
            .iter()
            .flat_map(|g| {
                g.get("hooks")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
            })
            .collect()
    } else {
        items.iter().collect()
    }
}

/// Add toolgate's entries to a JSON hooks file; true when it changed.
pub fn add(agent: Agent, file: &mut Value, command: &str) -> Result<bool, String> {
    let root = file
        .as_object_mut()
        .ok_or("the file is not a JSON object")?;
    if matches!(agent, Agent::Cursor | Agent::Copilot) && !root.contains_key("version") {
        root.insert("version".into(), json!(1));
    }
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("`hooks` is not an object")?;
    let mut changed = false;
    for event in events(agent) {
        let list = hooks
            .entry(*event)
            .or_insert_with(|| Value::Array(Vec::new()));
        if !list.is_array() {
            return Err(format!("`hooks.{event}` is not a list"));
        }
        let ours = entry(agent, event, command);
        let present = event_entries(agent, list)
            .iter()
            .any(|e| entry_command(agent, e) == Some(command) && **e == ours);
        if present {
            continue;
        }
        // An older entry of ours (another timeout, no failClosed) is replaced, not doubled.
        remove_from(agent, list, command);
        let list = list.as_array_mut().ok_or("not a list")?;
        if grouped(agent) {
            let mut group = Map::new();
            if agent == Agent::Gemini {
                group.insert("matcher".into(), json!("*"));
            }
            group.insert("hooks".into(), json!([ours]));
            list.push(Value::Object(group));
        } else {
            list.push(ours);
        }
        changed = true;
    }
    Ok(changed)
}

/// Drop toolgate's entries (and groups left empty) from one event's list.
fn remove_from(agent: Agent, list: &mut Value, command: &str) -> bool {
    let Some(items) = list.as_array_mut() else {
        return false;
    };
    let before = serde_json::to_string(items).unwrap_or_default();
    let ours = |e: &Value| entry_command(agent, e) == Some(command);
    if grouped(agent) {
        for g in items.iter_mut() {
            if let Some(hs) = g.get_mut("hooks").and_then(Value::as_array_mut) {
                hs.retain(|h| !ours(h));
            }
        }
        items.retain(|g| {
            g.get("hooks")
                .and_then(Value::as_array)
                .is_none_or(|hs| !hs.is_empty())
        });
    } else {
        items.retain(|e| !ours(e));
    }
    serde_json::to_string(items).unwrap_or_default() != before
}

/// Remove toolgate's entries; true when the file changed.
pub fn remove(agent: Agent, file: &mut Value, command: &str) -> bool {
    let Some(hooks) = file.get_mut("hooks").and_then(Value::as_object_mut) else {
        return false;
    };
    let mut changed = false;
    for event in events(agent) {
        if let Some(list) = hooks.get_mut(*event) {
            changed |= remove_from(agent, list, command);
            if list.as_array().is_some_and(Vec::is_empty) {
                hooks.remove(*event);
            }
        }
    }
    if hooks.is_empty() {
        file.as_object_mut().map(|o| o.remove("hooks"));
    }
    changed
}

/// Codex's managed hooks live in `requirements.toml` beside other requirements: edited in
/// place (comments and order kept), with `allow_managed_hooks_only = true` so user and
/// project hooks cannot stand in for the gate's.
pub fn add_toml(text: &str, command: &str) -> Result<(String, bool), String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("is not valid TOML ({e})"))?;
    let before = doc.to_string();
    if doc
        .get("allow_managed_hooks_only")
        .and_then(|v| v.as_bool())
        != Some(true)
    {
        doc["allow_managed_hooks_only"] = toml_edit::value(true);
    }
    let hooks = doc
        .entry("hooks")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_mut()
        .ok_or("`hooks` is not a table")?;
    hooks.set_implicit(true);
    for event in events(Agent::Codex) {
        let groups = hooks
            .entry(event)
            .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
            .as_array_of_tables_mut()
            .ok_or_else(|| format!("`hooks.{event}` is not an array of tables"))?;
        let ours = |t: &toml_edit::Table| {
            t.get("hooks")
                .and_then(|h| h.as_array_of_tables())
                .is_some_and(|hs| {
                    hs.iter().any(|h| {
                        h.get("command").and_then(|c| c.as_str()) == Some(command)
                            && h.get("timeout").and_then(|t| t.as_integer())
                                == Some(TIMEOUT_S as i64)
                    })
                })
        };
        if groups.iter().any(ours) {
            continue;
        }
        let mut handler = toml_edit::Table::new();
        handler["type"] = toml_edit::value("command");
        handler["command"] = toml_edit::value(command);
        handler["timeout"] = toml_edit::value(TIMEOUT_S as i64);
        let mut handlers = toml_edit::ArrayOfTables::new();
        handlers.push(handler);
        let mut group = toml_edit::Table::new();
        group.insert("hooks", toml_edit::Item::ArrayOfTables(handlers));
        groups.push(group);
    }
    let after = doc.to_string();
    let changed = after != before;
    Ok((after, changed))
}

/// Remove toolgate's groups from `requirements.toml` (`allow_managed_hooks_only` is left:
/// it may be the organisation's own choice).
pub fn remove_toml(text: &str, command: &str) -> Result<(String, bool), String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("is not valid TOML ({e})"))?;
    let before = doc.to_string();
    if let Some(hooks) = doc.get_mut("hooks").and_then(|h| h.as_table_mut()) {
        for event in events(Agent::Codex) {
            if let Some(groups) = hooks
                .get_mut(event)
                .and_then(|g| g.as_array_of_tables_mut())
            {
                groups.retain(|t| {
                    !t.get("hooks")
                        .and_then(|h| h.as_array_of_tables())
                        .is_some_and(|hs| {
                            hs.iter()
                                .any(|h| h.get("command").and_then(|c| c.as_str()) == Some(command))
                        })
                });
                if groups.is_empty() {
                    hooks.remove(event);
                }
            }
        }
        if hooks.is_empty() {
            doc.remove("hooks");
        }
    }
    let after = doc.to_string();
    let changed = after != before;
    Ok((after, changed))
}

pub fn run(install: bool, agent: Agent, scope: &str, settings: Option<&Path>, binary: &str) -> u8 {
    let path = match settings
        .map(Path::to_path_buf)
        .map(Ok)
        .unwrap_or_else(|| config_path(agent, scope))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("toolgate: {e}");
            return exit::FAILURE;
        }
    };
    let shown = sanitize::safe(&path.display().to_string()).to_string();
    let command = command_line(binary, agent);
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    let result = if is_toml {
        let text = match read_text(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("toolgate: {}", sanitize::safe(&e));
                return exit::FAILURE;
            }
        };
        let exists = text.is_some();
        let text = text.unwrap_or_default();
        let edited = if install {
            add_toml(&text, &command)
        } else {
            remove_toml(&text, &command)
        };
        edited.map(|(t, changed)| (exists, changed, t))
    } else {
        match read_json(&path) {
            Ok(None) if !install => Ok((false, false, String::new())),
            Ok(value) => {
                let exists = value.is_some();
                let mut value = value.unwrap_or_else(|| json!({}));
                let changed = if install {
                    add(agent, &mut value, &command)
                } else {
                    Ok(remove(agent, &mut value, &command))
                };
                changed.map(|changed| {
                    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
                    text.push('\n');
                    (exists, changed, text)
                })
            }
            Err(e) => Err(e),
        }
    };
    let (exists, changed, text) = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "toolgate: {shown}: {}; it was left as it is",
                sanitize::safe(&e)
            );
            return exit::FAILURE;
        }
    };
    if !changed {
        println!(
            "{shown}: {} for {}",
            if install {
                "already installed"
            } else {
                "no toolgate entries"
            },
            agent.product()
        );
        return exit::NO_OBJECTION;
    }
    if let Err(e) = write_text(&path, exists, &text) {
        eprintln!("toolgate: {}", sanitize::safe(&e));
        return exit::FAILURE;
    }
    println!(
        "{shown}: {} toolgate hook entries for {} ({}){}",
        if install { "added" } else { "removed" },
        agent.product(),
        events(agent).join(", "),
        if exists {
            " (previous file kept as *.toolgate-backup)"
        } else {
            ""
        }
    );
    if install {
        for line in notes(agent, scope) {
            println!("note: {line}");
        }
    }
    exit::NO_OBJECTION
}

/// What a person installing for this agent needs to know.
fn notes(agent: Agent, scope: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    match agent {
        Agent::Codex if scope != "managed" => out.push(
            "Codex runs user and project hooks only after you trust them: start Codex and review them with /hooks (managed hooks in requirements.toml need no trust)",
        ),
        Agent::Codex => out.push(
            "allow_managed_hooks_only = true: user and project hooks are ignored, so nobody can replace the gate's",
        ),
        Agent::Cursor => out.push(
            "the deciding events have failClosed: true, so a hook that crashes or times out blocks the call",
        ),
        Agent::Copilot => out.push(
            "Copilot reads the deny toolgate prints on exit 0 (it only warns on exit 2); it cannot mask tool output",
        ),
        Agent::Gemini if scope != "managed" => out.push(
            "project hooks run only in trusted folders; /etc/gemini-cli/settings.json (--scope managed) overrides user settings",
        ),
        _ => {}
    }
    if matches!(agent, Agent::Codex | Agent::Copilot) {
        out.push("this agent cannot ask the user: what toolgate would ask about is blocked unless the policy sets [agents.NAME] ask = \"allow\"");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_is_idempotent_and_uninstall_removes_only_ours() {
        for agent in [Agent::Codex, Agent::Cursor, Agent::Copilot, Agent::Gemini] {
            let cmd = command_line("/usr/bin/toolgate", agent);
            let mut file = json!({"other": 1, "hooks": {events(agent)[0]: []}});
            let theirs = entry(agent, events(agent)[0], "/opt/lint.sh");
            let list = file["hooks"][events(agent)[0]].as_array_mut().unwrap();
            if grouped(agent) {
                list.push(json!({"hooks": [theirs]}));
            } else {
                list.push(theirs);
            }
            let before = file.clone();
            assert!(add(agent, &mut file, &cmd).unwrap(), "{agent:?}");
            let once = file.clone();
            assert!(!add(agent, &mut file, &cmd).unwrap(), "{agent:?} twice");
            assert_eq!(file, once);
            assert!(remove(agent, &mut file, &cmd));
            if matches!(agent, Agent::Cursor | Agent::Copilot) {
                file.as_object_mut().unwrap().remove("version");
            }
            assert_eq!(file, before, "{agent:?}");
        }
    }

    #[test]
    fn binaries_with_spaces_are_quoted_and_still_recognised() {
        let cmd = command_line("/opt/my tools/toolgate", Agent::Gemini);
        assert_eq!(cmd, "'/opt/my tools/toolgate' hook --agent gemini");
        assert!(runs_toolgate(&cmd, Agent::Gemini));
        assert!(!runs_toolgate(&cmd, Agent::Cursor));
    }

    #[test]
    fn codex_requirements_keep_their_content() {
        let text = "# org requirements\nallowed_sandbox_modes = [\"read-only\"]\n\n[[hooks.PreToolUse]]\nmatcher = \"Bash\"\n[[hooks.PreToolUse.hooks]]\ntype = \"command\"\ncommand = \"/opt/audit\"\n";
        let cmd = "/usr/bin/toolgate hook --agent codex";
        let (added, changed) = add_toml(text, cmd).unwrap();
        assert!(changed);
        assert!(added.starts_with("# org requirements"), "{added}");
        let parsed: toml::Value = toml::from_str(&added).unwrap();
        assert_eq!(parsed["allow_managed_hooks_only"].as_bool(), Some(true));
        assert_eq!(parsed["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert!(!add_toml(&added, cmd).unwrap().1);
        let (removed, changed) = remove_toml(&added, cmd).unwrap();
        assert!(changed);
        assert!(removed.contains("/opt/audit"));
        assert!(!removed.contains("toolgate"), "{removed}");
    }
}
