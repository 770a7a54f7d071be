//! `toolgate install` / `uninstall`: register the hook in a Claude Code settings file, in
//! exec form (`"command"` + `"args"`, no shell), for PreToolUse and PostToolUse (matcher
//! `*`), UserPromptSubmit and ConfigChange. The file is merged, not rewritten: other keys
//! and their order stay as they were (serde_json's `preserve_order`), a second install
//! changes nothing, the previous file is kept as `<file>.toolgate-backup`, and the new file
//! replaces the old one atomically. `uninstall` removes exactly the entries install writes
//! (and groups or events left empty by that), nothing else.

use crate::exit;
use crate::sanitize;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// Events and whether they take a tool matcher.
const EVENTS: [(&str, bool); 4] = [
    ("PreToolUse", true),
    ("PostToolUse", true),
    ("UserPromptSubmit", false),
    ("ConfigChange", false),
];

/// Largest settings file read.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The settings file for a scope.
pub fn settings_path(scope: &str) -> Result<PathBuf, String> {
    match scope {
        "managed" => Ok(crate::claude_settings::default_paths().remove(0)),
        "user" => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".claude/settings.json"))
            .ok_or_else(|| "HOME is not set; give --settings PATH".into()),
        "project" => {
            let root = std::env::var_os("CLAUDE_PROJECT_DIR")
                .map(PathBuf::from)
                .or_else(|| std::env::current_dir().ok())
                .ok_or("cannot tell the project folder; give --settings PATH")?;
            Ok(root.join(".claude/settings.json"))
        }
        other => Err(format!("unknown scope `{other}` (user, project, managed)")),
    }
}

fn our_hook(binary: &str) -> Value {
    json!({"type": "command", "command": binary, "args": ["hook"], "timeout": 10})
}

fn is_ours(hook: &Value, binary: &str) -> bool {
    hook.get("command").and_then(Value::as_str) == Some(binary)
        && hook.get("args") == Some(&json!(["hook"]))
}

/// Add the entries; true when the file changed.
pub fn add(settings: &mut Value, binary: &str) -> Result<bool, String> {
    let root = settings
        .as_object_mut()
        .ok_or("the settings file is not a JSON object")?;
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or("`hooks` is not an object")?;
    let mut changed = false;
    for (event, tool_event) in EVENTS {
        let groups = hooks
            .entry(event)
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
            .ok_or_else(|| format!("`hooks.{event}` is not a list"))?;
        let present = groups.iter().any(|g| {
            let all_tools = !tool_event
                || matches!(
                    g.get("matcher").and_then(Value::as_str),
                    None | Some("*" | "")
                );
            all_tools
                && g.get("hooks")
                    .and_then(Value::as_array)
                    .is_some_and(|hs| hs.iter().any(|h| is_ours(h, binary)))
        });
        if present {
            continue;
        }
        let mut group = Map::new();
        if tool_event {
            group.insert("matcher".into(), json!("*"));
        }
        group.insert("hooks".into(), json!([our_hook(binary)]));
        groups.push(Value::Object(group));
        changed = true;
    }
    Ok(changed)
}

/// Remove the entries `add` writes; true when the file changed.
pub fn remove(settings: &mut Value, binary: &str) -> bool {
    let Some(hooks) = settings.get_mut("hooks").and_then(Value::as_object_mut) else {
        return false;
    };
    let mut changed = false;
    for (event, _) in EVENTS {
        let Some(groups) = hooks.get_mut(event).and_then(Value::as_array_mut) else {
            continue;
        };
        for g in groups.iter_mut() {
            if let Some(hs) = g.get_mut("hooks").and_then(Value::as_array_mut) {
                let before = hs.len();
                hs.retain(|h| !is_ours(h, binary));
                changed |= hs.len() != before;
            }
        }
        groups.retain(|g| {
            g.get("hooks")
                .and_then(Value::as_array)
                .is_none_or(|hs| !hs.is_empty())
        });
        if groups.is_empty() {
            hooks.remove(event);
        }
    }
    if hooks.is_empty() {
        settings.as_object_mut().map(|o| o.remove("hooks"));
    }
    changed
}

fn read(path: &Path) -> Result<Option<Value>, String> {
    use std::io::Read;
    let mut text = String::new();
    match std::fs::File::open(path) {
        Ok(f) => {
            f.take(MAX_BYTES)
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    if text.trim().is_empty() {
        return Ok(Some(json!({})));
    }
    serde_json::from_str(&text).map(Some).map_err(|e| {
        format!(
            "{} is not valid JSON ({e}); it was left as it is",
            path.display()
        )
    })
}

/// Back up the old file, then replace it atomically.
fn write(path: &Path, old_exists: bool, value: &Value) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if old_exists {
        let backup = path.with_extension("json.toolgate-backup");
        std::fs::copy(path, &backup)
            .map_err(|e| format!("cannot back up to {}: {e}", backup.display()))?;
    }
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    let tmp = path.with_extension("json.toolgate-tmp");
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))
}

/// Which settings file, and which binary to register.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// Which settings file: user (~/.claude/settings.json), project
    /// (.claude/settings.json), managed (the platform's managed-settings.json).
    #[arg(long, default_value = "user", value_parser = ["user", "project", "managed"])]
    scope: String,
    /// A settings file to use instead of the scope's.
    #[arg(long, value_name = "PATH")]
    settings: Option<PathBuf>,
    /// The binary to register (default: this one).
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
}

pub fn run(install: bool, target: &Target) -> u8 {
    let (scope, settings, binary) = (
        target.scope.as_str(),
        target.settings.as_deref(),
        target.binary.as_deref(),
    );
    let path = match settings
        .map(Path::to_path_buf)
        .map(Ok)
        .unwrap_or_else(|| settings_path(scope))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("toolgate: {e}");
            return exit::FAILURE;
        }
    };
    let binary = match binary
        .map(Path::to_path_buf)
        .map(Ok)
        .unwrap_or_else(std::env::current_exe)
    {
        Ok(b) if b.is_absolute() => b.display().to_string(),
        Ok(b) => {
            eprintln!(
                "toolgate: the binary path must be absolute, not {}",
                sanitize::safe(&b.display().to_string())
            );
            return exit::FAILURE;
        }
        Err(e) => {
            eprintln!("toolgate: cannot tell where this binary is ({e}); give --binary PATH");
            return exit::FAILURE;
        }
    };
    let shown = sanitize::safe(&path.display().to_string()).to_string();
    let (exists, mut value) = match read(&path) {
        Ok(Some(v)) => (true, v),
        Ok(None) if install => (false, json!({})),
        Ok(None) => {
            println!("{shown} does not exist: nothing to remove");
            return exit::NO_OBJECTION;
        }
        Err(e) => {
            eprintln!("toolgate: {}", sanitize::safe(&e));
            return exit::FAILURE;
        }
    };
    let changed = if install {
        match add(&mut value, &binary) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("toolgate: {shown}: {e}; it was left as it is");
                return exit::FAILURE;
            }
        }
    } else {
        remove(&mut value, &binary)
    };
    if !changed {
        println!(
            "{shown}: already {}",
            if install {
                "installed"
            } else {
                "without toolgate's entries"
            }
        );
        return exit::NO_OBJECTION;
    }
    if let Err(e) = write(&path, exists, &value) {
        eprintln!("toolgate: {}", sanitize::safe(&e));
        return exit::FAILURE;
    }
    println!(
        "{shown}: {} toolgate hook entries{}",
        if install { "added" } else { "removed" },
        if exists {
            " (previous file kept as *.toolgate-backup)"
        } else {
            ""
        }
    );
    if install && scope != "managed" && settings.is_none() {
        println!(
            "note: outside managed settings, `disableAllHooks` can switch toolgate off; run `toolgate doctor`"
        );
    }
    exit::NO_OBJECTION
}
