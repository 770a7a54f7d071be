//! `toolgate install` / `uninstall`: register the hook in a Claude Code settings file, in
//! exec form (`"command"` + `"args"`, no shell), for PreToolUse and PostToolUse (matcher
//! `*`), UserPromptSubmit and ConfigChange. The file is merged, not rewritten: other keys
//! and their order stay as they were (serde_json's `preserve_order`), a second install
//! changes nothing, the previous file is kept as `<file>.toolgate-backup`, and the new file
//! replaces the old one atomically. `uninstall` removes exactly the entries install writes
//! (and groups or events left empty by that), nothing else.
//!
//! Managed settings also get `allowManagedHooksOnly: true` (without it a user-level
//! `disableAllHooks` switches the gate off) and, where no managed policy exists yet, an
//! empty one: the managed settings make this a managed deployment, which fails closed
//! without its policy. `"onFailure": "block"` (a hook that cannot start, times out or crashes
//! blocks the call) is written only where Claude Code is known to understand it: an older
//! Claude Code drops a hook entry with a key it does not know, which would switch the gate
//! off.

use super::settings_file::{read_json, write_text};
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

/// The first Claude Code that understands `"onFailure": "block"` on a hook entry.
pub const ON_FAILURE_SINCE: (u32, u32, u32) = (2, 1, 295);

/// The settings file for a scope.
pub fn settings_path(scope: &str) -> Result<PathBuf, String> {
    match scope {
        "managed" => Ok(crate::policy::claude_settings::default_paths().remove(0)),
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

fn our_hook(binary: &str, block_on_failure: bool) -> Value {
    let mut hook = json!({"type": "command", "command": binary, "args": ["hook"], "timeout": 10});
    if block_on_failure {
        hook["onFailure"] = json!("block");
    }
    hook
}

fn is_ours(hook: &Value, binary: &str) -> bool {
    hook.get("command").and_then(Value::as_str) == Some(binary)
        && hook.get("args") == Some(&json!(["hook"]))
}

/// Add the entries; true when the file changed. `block_on_failure` also sets
/// `"onFailure": "block"` on them (entries already there included).
pub fn add(settings: &mut Value, binary: &str, block_on_failure: bool) -> Result<bool, String> {
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
        let present = groups.iter_mut().find_map(|g| {
            let all_tools = !tool_event
                || matches!(
                    g.get("matcher").and_then(Value::as_str),
                    None | Some("*" | "")
                );
            if !all_tools {
                return None;
            }
            g.get_mut("hooks")
                .and_then(Value::as_array_mut)?
                .iter_mut()
                .find(|h| is_ours(h, binary))
        });
        if let Some(hook) = present {
            if block_on_failure && hook.get("onFailure") != Some(&json!("block")) {
                hook["onFailure"] = json!("block");
                changed = true;
            }
            continue;
        }
        let mut group = Map::new();
        if tool_event {
            group.insert("matcher".into(), json!("*"));
        }
        group.insert("hooks".into(), json!([our_hook(binary, block_on_failure)]));
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

/// `allowManagedHooksOnly: true`; true when the settings changed.
fn set_managed_only(settings: &mut Value) -> bool {
    let Some(root) = settings.as_object_mut() else {
        return false;
    };
    if root.get("allowManagedHooksOnly") == Some(&Value::Bool(true)) {
        return false;
    }
    root.insert("allowManagedHooksOnly".into(), Value::Bool(true));
    true
}

/// The managed policy, created empty (mode 0644) when missing. `Some` when created.
fn ensure_managed_policy() -> Result<Option<PathBuf>, String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = crate::deployment::managed_policy();
    if path.exists() {
        return Ok(None);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(b"# The managed toolgate policy (empty: the built-in packs apply). See `toolgate lint`.\nserial = 1\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Some(path))
}

fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Back up the old file, then replace it atomically.
fn write(path: &Path, old_exists: bool, value: &Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    write_text(path, old_exists, &text)
}

/// Which settings file, and which binary to register.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The agent whose hooks to change: claude (default), codex, cursor, copilot, gemini.
    #[arg(long, default_value = "claude", value_parser = ["claude", "codex", "cursor", "copilot", "gemini"])]
    agent: String,
    /// Which settings file: user (~/.claude/settings.json), project
    /// (.claude/settings.json), managed (the platform's managed-settings.json). Other
    /// agents: their own user, project and managed hook files (see the README).
    #[arg(long, default_value = "user", value_parser = ["user", "project", "managed"])]
    scope: String,
    /// A settings file to use instead of the scope's.
    #[arg(long, value_name = "PATH")]
    settings: Option<PathBuf>,
    /// The binary to register (default: this one). Must be an executable file.
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,
    /// `"onFailure": "block"` on the entries: `block` writes it, `omit` does not, `auto`
    /// writes it when `claude --version` reports 2.1.295 or later (an older Claude Code
    /// drops an entry with a key it does not know).
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "block", "omit"])]
    on_failure: String,
}

/// The version `claude --version` reports, if Claude Code is on the PATH and answers
/// within a few seconds.
pub fn claude_version() -> Option<(u32, u32, u32)> {
    use std::io::Read;
    let mut child = std::process::Command::new("claude")
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    child
        .stdout
        .take()?
        .take(4096)
        .read_to_string(&mut out)
        .ok()?;
    parse_version(&out)
}

/// The first `X.Y.Z` in a version line (`2.1.300 (Claude Code)`).
pub fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find_map(|word| {
            let mut parts = word.split('.').map(|p| p.parse::<u32>().ok());
            let v = (parts.next()??, parts.next()??, parts.next()??);
            Some(v)
        })
}

/// Whether this install writes `"onFailure": "block"`, and why (for the user).
fn block_on_failure(choice: &str) -> (bool, String) {
    match choice {
        "block" => (true, "onFailure: block (asked for)".into()),
        "omit" => (false, "no onFailure key (asked for)".into()),
        _ => match claude_version() {
            Some(v) if v >= ON_FAILURE_SINCE => (
                true,
                format!("onFailure: block (Claude Code {}.{}.{} understands it)", v.0, v.1, v.2),
            ),
            Some(v) => (
                false,
                format!(
                    "no onFailure key: Claude Code {}.{}.{} predates 2.1.295 and would drop the entry; a hook that crashes or times out lets the call run",
                    v.0, v.1, v.2
                ),
            ),
            None => (
                false,
                "no onFailure key: `claude --version` did not answer, so it is not known to be understood (--on-failure block writes it)".into(),
            ),
        },
    }
}

/// The binary the entries name: absolute, and (to install) an executable file.
fn binary_to_register(binary: Option<&Path>, install: bool) -> Result<String, String> {
    match binary
        .map(Path::to_path_buf)
        .map(Ok)
        .unwrap_or_else(std::env::current_exe)
    {
        Ok(b) if b.is_absolute() && install && !is_executable_file(&b) => Err(format!(
            "{} is not an executable file: the hook would fail to start on every call",
            sanitize::safe(&b.display().to_string())
        )),
        Ok(b) if b.is_absolute() => Ok(b.display().to_string()),
        Ok(b) => Err(format!(
            "the binary path must be absolute, not {}",
            sanitize::safe(&b.display().to_string())
        )),
        Err(e) => Err(format!(
            "cannot tell where this binary is ({e}); give --binary PATH"
        )),
    }
}

pub fn run(install: bool, target: &Target) -> u8 {
    let (scope, settings, binary) = (
        target.scope.as_str(),
        target.settings.as_deref(),
        target.binary.as_deref(),
    );
    let agent = crate::protocol::Agent::parse(&target.agent).unwrap_or_default();
    let binary = match binary_to_register(binary, install) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("toolgate: {e}");
            return exit::FAILURE;
        }
    };
    if agent != crate::protocol::Agent::Claude {
        return super::agent_install::run(install, agent, scope, settings, &binary);
    }
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
    let shown = sanitize::safe(&path.display().to_string()).to_string();
    let (exists, mut value) = match read_json(&path) {
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
    let managed = scope == "managed"
        || path
            .file_name()
            .is_some_and(|n| n == "managed-settings.json");
    let (block, on_failure_note) = block_on_failure(&target.on_failure);
    let changed = if install {
        match add(&mut value, &binary, block) {
            Ok(c) => c | (managed && set_managed_only(&mut value)),
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
    if install {
        println!("{on_failure_note}");
    }
    if install && managed {
        println!("allowManagedHooksOnly: true (user and project settings cannot switch hooks off)");
    }
    if install && scope == "managed" && settings.is_none() {
        match ensure_managed_policy() {
            Ok(Some(p)) => println!(
                "{}: created empty (built-in packs only); a managed deployment fails closed without its policy",
                sanitize::safe(&p.display().to_string())
            ),
            Ok(None) => {}
            Err(e) => {
                eprintln!("toolgate: {}", sanitize::safe(&e));
                return exit::FAILURE;
            }
        }
    }
    // The managed install makes and fills the folder every account reads compiled packs
    // from; without it a root-owned binary or policy is parsed from TOML on every call.
    if install && scope == "managed" && settings.is_none() && crate::pack::cache::is_root() {
        match load_as_the_hook(None, true) {
            Ok((_, system, _)) if system > 0 => println!(
                "{}: {system} packs compiled for every account",
                crate::deployment::system_cache_dir().display()
            ),
            Ok(_) => {}
            Err(e) => println!(
                "note: packs not compiled into {}: {}",
                crate::deployment::system_cache_dir().display(),
                sanitize::safe(&e)
            ),
        }
    }
    if install && scope != "managed" && settings.is_none() {
        println!(
            "note: outside managed settings, `disableAllHooks` can switch toolgate off; run `toolgate doctor`"
        );
    }
    exit::NO_OBJECTION
}

/// Load the policy as the hook does, twice (the first may write the cache), and count
/// where the second read each pack: (from this user's folder, the system folder, text).
/// Run as root, this fills the system folder every account reads (`make`: creating it).
pub(super) fn load_as_the_hook(
    policy_path: Option<&Path>,
    make: bool,
) -> Result<(usize, usize, usize), String> {
    if crate::pack::cache::is_root() && (make || crate::deployment::system_cache_dir().exists()) {
        crate::pack::cache::fill_system_dir(make)?;
    }
    let path = crate::policy::locate(policy_path).map_err(|d| d.message)?;
    let load = || {
        crate::gate::Gate::load(
            path.as_deref(),
            crate::normalize::Context::from_env(),
            false,
        )
        .map(drop)
    };
    load().map_err(|d| d.first().map(|d| d.to_string()).unwrap_or_default())?;
    let (u, s, t) = crate::pack::cache::tallied();
    let _ = load();
    let (u2, s2, t2) = crate::pack::cache::tallied();
    Ok((u2 - u, s2 - s, t2 - t))
}
