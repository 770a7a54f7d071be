//! `toolgate doctor`: is the gate really on? A pass/fail list an IT team can run on one
//! laptop (or in MDM compliance scripts with `--format json`): the hook registered in exec
//! form for every event it needs, from managed settings with `allowManagedHooksOnly` (else
//! anyone, the agent included, can switch it off with `disableAllHooks`), the binary it
//! names present, the policy loading with its signature, the journal writable, and which
//! managed settings toolgate itself enforces. Exit 1 on any failure.

use super::agent_install;
use crate::exit;
use crate::gate::Gate;
use crate::journal::Paths;
use crate::normalize::Context;
use crate::policy;
use crate::policy::claude_settings::ClaudeSettings;
use crate::protocol::Agent;
use crate::sanitize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

pub(super) struct Check {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

/// Events the gate must see, and whether a matcher applies (tool events).
const EVENTS: [(&str, bool); 4] = [
    ("PreToolUse", true),
    ("UserPromptSubmit", false),
    ("PostToolUse", true),
    ("ConfigChange", false),
];

/// Settings files Claude Code reads as managed (by their place, not their name alone).
fn is_managed(path: &Path) -> bool {
    let s = path.to_string_lossy();
    let in_home = std::env::var("HOME").is_ok_and(|h| !h.is_empty() && s.starts_with(&h));
    !in_home
        && (path
            .file_name()
            .is_some_and(|n| n == "managed-settings.json")
            || path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == "managed-settings.d"))
}

/// One registration of toolgate found in a settings file.
struct Entry {
    file: PathBuf,
    event: String,
    matcher: String,
    command: String,
    exec_form: bool,
    /// `"onFailure": "block"` is set on the entry.
    blocks_on_failure: bool,
}

fn entries(file: &Path, json: &Value) -> Vec<Entry> {
    let mut out = Vec::new();
    let Some(hooks) = json.get("hooks").and_then(Value::as_object) else {
        return out;
    };
    for (event, groups) in hooks {
        for group in groups.as_array().into_iter().flatten() {
            let matcher = group
                .get("matcher")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            for hook in group
                .get("hooks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let command = hook.get("command").and_then(Value::as_str).unwrap_or("");
                let args: Vec<&str> = hook
                    .get("args")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let first_word = command.split_whitespace().next().unwrap_or("");
                let is_toolgate = Path::new(first_word)
                    .file_name()
                    .is_some_and(|n| n == "toolgate");
                if !is_toolgate {
                    continue;
                }
                let exec_form = !command.contains(' ') && args.first() == Some(&"hook");
                out.push(Entry {
                    file: file.to_path_buf(),
                    event: event.clone(),
                    matcher: matcher.clone(),
                    command: if exec_form {
                        command.to_string()
                    } else {
                        first_word.to_string()
                    },
                    exec_form,
                    blocks_on_failure: hook.get("onFailure") == Some(&json!("block")),
                });
            }
        }
    }
    out
}

pub fn run(
    policy_path: Option<&Path>,
    settings: &[PathBuf],
    json_out: bool,
    agent: crate::protocol::Agent,
) -> u8 {
    if agent != crate::protocol::Agent::Claude {
        let mut checks = agent_checks(agent, settings);
        checks.push(agent_policy_check(policy_path, agent));
        checks.push(journal_check());
        return report(&checks, json_out);
    }
    let mut checks = Vec::new();
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty());
    let files: Vec<PathBuf> = if settings.is_empty() {
        let mut f = crate::policy::claude_settings::default_paths();
        if let Some(h) = &home {
            f.push(Path::new(h).join(".claude/settings.json"));
        }
        f
    } else {
        settings.to_vec()
    };
    let mut found = Vec::new();
    let mut managed_only = None;
    let mut read = Vec::new();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => {
                read.push(file.display().to_string());
                found.extend(entries(file, &v));
                if is_managed(file)
                    && v.get("allowManagedHooksOnly")
                        .is_some_and(|x| x != &Value::Bool(false))
                {
                    managed_only = Some(file.display().to_string());
                }
            }
            Err(e) => checks.push(Check {
                name: "settings",
                status: Status::Fail,
                detail: format!(
                    "{} is not valid JSON ({e}): Claude Code ignores it",
                    file.display()
                ),
            }),
        }
    }
    checks.push(Check {
        name: "settings",
        status: if read.is_empty() {
            Status::Fail
        } else {
            Status::Pass
        },
        detail: if read.is_empty() {
            format!("no settings file found (looked at {})", list(&files))
        } else {
            format!("read {}", read.join(", "))
        },
    });
    for (event, tool_event) in EVENTS {
        let here: Vec<&Entry> = found.iter().filter(|e| e.event == event).collect();
        let (status, detail) = if here.is_empty() {
            let status = if event == "PreToolUse" {
                Status::Fail
            } else {
                Status::Warn
            };
            (status, format!("toolgate is not registered for {event}"))
        } else if let Some(e) = here.iter().find(|e| !e.exec_form) {
            (
                Status::Fail,
                format!(
                    "{event} in {} runs toolgate through a shell string; use exec form (\"command\": \"{}\", \"args\": [\"hook\"]) so no shell parses it",
                    e.file.display(),
                    e.command
                ),
            )
        } else if tool_event && !here.iter().any(|e| matches!(e.matcher.as_str(), "*" | "")) {
            (
                Status::Fail,
                format!(
                    "{event} is registered only for some tools (matcher `{}`); use `*`",
                    here[0].matcher
                ),
            )
        } else {
            (
                Status::Pass,
                format!("{event} in {}", here[0].file.display()),
            )
        };
        checks.push(Check {
            name: "hook",
            status,
            detail,
        });
    }
    for e in found.iter().filter(|e| e.exec_form) {
        let path = Path::new(&e.command);
        let ok = path.is_absolute() && is_executable(path);
        if !ok {
            checks.push(Check {
                name: "binary",
                status: Status::Fail,
                detail: format!(
                    "{} (registered in {}) is not an executable at an absolute path",
                    e.command,
                    e.file.display()
                ),
            });
        }
    }
    if !found.is_empty() && !checks.iter().any(|c| c.name == "binary") {
        checks.push(Check {
            name: "binary",
            status: Status::Pass,
            detail: format!("{} is executable", found[0].command),
        });
    }
    if !found.is_empty() {
        checks.push(on_failure_check(&found));
    }
    let in_managed = found.iter().any(|e| is_managed(&e.file));
    checks.push(match (in_managed, &managed_only) {
        (true, Some(file)) => Check { name: "managed", status: Status::Pass, detail: format!("registered in managed settings, with allowManagedHooksOnly in {file}") },
        (true, None) => Check { name: "managed", status: Status::Fail, detail: "registered in managed settings without `allowManagedHooksOnly: true`: a user or project setting `disableAllHooks` can switch toolgate off".into() },
        (false, _) => Check { name: "managed", status: Status::Fail, detail: "not registered in managed settings: whoever can edit the settings file (the agent included) can switch toolgate off".into() },
    });
    if let Some(h) = &home {
        let fake = Path::new(h).join(".claude/managed-settings.json");
        if fake.exists() {
            checks.push(Check { name: "managed", status: Status::Warn, detail: format!("{} is not read as managed settings by Claude Code and is user-writable; move it to {}", fake.display(), crate::policy::claude_settings::default_paths()[0].display()) });
        }
    }
    let deployment = crate::deployment::current();
    checks.push(match &deployment.marker {
        Some(marker) => Check {
            name: "deployment",
            status: Status::Pass,
            detail: format!("managed: {marker}; TOOLGATE_* variables are ignored"),
        },
        None => Check {
            name: "deployment",
            status: Status::Warn,
            detail: format!(
                "not a managed deployment (no {}, no managed settings running toolgate): TOOLGATE_* variables choose the policy and journal",
                crate::deployment::managed_dir().display()
            ),
        },
    });
    checks.extend(environment_checks(deployment.managed()));
    let located = policy::locate(policy_path);
    let loaded = located
        .clone()
        .map_err(|d| vec![d])
        .and_then(|path| Gate::load(path.as_deref(), Context::from_env(), true));
    match loaded {
        Ok(gate) => {
            let located = located.ok().flatten();
            let signed = located.as_deref().is_some_and(|p| {
                crate::policy::signing::trusted_key(p)
                    .ok()
                    .flatten()
                    .is_some()
            });
            let what = match &located {
                Some(p) if signed => format!("{} loads and its signature verifies", p.display()),
                Some(p) => format!("{} loads (unsigned: no trusted key installed)", p.display()),
                None => "no managed policy: the built-in packs apply".into(),
            };
            checks.push(Check {
                name: "policy",
                status: if located.is_some() && !signed {
                    Status::Warn
                } else {
                    Status::Pass
                },
                detail: what,
            });
            checks.push(enforced(&gate.claude));
            let mut owned: Vec<PathBuf> = Vec::new();
            if let Some(p) = &located {
                owned.push(p.clone());
                owned.push(crate::policy::signing::signature_path(p));
                owned.push(p.with_file_name("policy.pub"));
                owned.extend(gate.policy.pack_files.iter().map(|(f, _)| f.clone()));
            }
            owned.extend(std::env::current_exe().ok());
            owned.extend(
                found
                    .iter()
                    .filter(|e| e.exec_form)
                    .map(|e| PathBuf::from(&e.command)),
            );
            checks.extend(ownership_checks(&owned, deployment.managed()));
        }
        Err(d) => checks.push(Check {
            name: "policy",
            status: Status::Fail,
            detail: match &located {
                // No policy to load: say why, without a file:line that does not exist.
                Err(missing) => {
                    format!("{}; until then the hook denies every call", missing.message)
                }
                Ok(_) => format!(
                    "the policy does not load, so the hook denies every call: {}",
                    d.first().map(|d| d.to_string()).unwrap_or_default()
                ),
            },
        }),
    }
    checks.push(pack_cache_check(policy_path));
    checks.push(journal_check());
    report(&checks, json_out)
}

/// Are the packs read from a cache, or parsed on every call?
fn pack_cache_check(policy_path: Option<&Path>) -> Check {
    let (status, detail) = match super::install::load_as_the_hook(policy_path, false) {
        Err(e) => (Status::Warn, format!("not checked: {e}")),
        Ok((user, system, 0)) => (
            Status::Pass,
            match (user, system) {
                (0, s) => format!(
                    "{s} packs read from {} (root's, for every account)",
                    crate::deployment::system_cache_dir().display()
                ),
                (u, 0) => format!("{u} packs read from this account's cache"),
                (u, s) => format!(
                    "{u} packs read from this account's cache, {s} from {}",
                    crate::deployment::system_cache_dir().display()
                ),
            },
        ),
        Ok((_, _, parsed)) => (
            Status::Warn,
            format!(
                "{parsed} packs are parsed from TOML on every call (a few ms each call): packs from a binary or policy owned by root are cached only in {0}, which `sudo toolgate install --scope managed` makes and fills (`sudo toolgate doctor` fills it when it exists)",
                crate::deployment::system_cache_dir().display()
            ),
        ),
    };
    Check {
        name: "pack cache",
        status,
        detail,
    }
}

/// The policy loads, and what it makes of asks the agent cannot put to the user.
fn agent_policy_check(policy_path: Option<&Path>, agent: crate::protocol::Agent) -> Check {
    match Gate::load_located(policy_path, Context::from_env(), false) {
        Ok(gate) => Check {
            name: "policy",
            status: Status::Pass,
            detail: format!(
                "loads ({}); {}",
                gate.policy
                    .file
                    .as_ref()
                    .map_or("built-in defaults".into(), |f| f.display().to_string()),
                if gate.policy.ask_allowed.contains(&agent) {
                    format!(
                        "{} runs what toolgate would ask about ([agents.{}] ask = \"allow\")",
                        agent.product(),
                        agent.name()
                    )
                } else {
                    format!(
                        "what toolgate would ask about is blocked where {} cannot ask",
                        agent.product()
                    )
                }
            ),
        },
        Err(d) => Check {
            name: "policy",
            status: Status::Fail,
            detail: format!(
                "the policy does not load, so the hook denies every call: {}",
                d.first().map(|d| d.to_string()).unwrap_or_default()
            ),
        },
    }
}

/// Print the checks (a table, or one JSON object); exit 1 when any failed.
fn report(checks: &[Check], json_out: bool) -> u8 {
    let failed = checks.iter().any(|c| c.status == Status::Fail);
    if json_out {
        let list: Vec<Value> = checks
            .iter()
            .map(|c| json!({"check": c.name, "status": c.status.name(), "detail": c.detail}))
            .collect();
        println!("{}", json!({"ok": !failed, "checks": list}));
    } else {
        for c in checks {
            println!(
                "{:4}  {:8} {}",
                c.status.name().to_ascii_uppercase(),
                c.name,
                sanitize::excerpt(&c.detail, 1000)
            );
        }
    }
    if failed {
        exit::FAILURE
    } else {
        exit::NO_OBJECTION
    }
}

/// `doctor --agent NAME`: toolgate registered for every event it needs in some scope of the
/// agent's, with the options that keep it from failing open.
fn agent_checks(agent: Agent, files: &[PathBuf]) -> Vec<Check> {
    let mut checks = Vec::new();
    let files: Vec<PathBuf> = if files.is_empty() {
        ["managed", "user", "project"]
            .iter()
            .filter_map(|s| agent_install::config_path(agent, s).ok())
            .collect()
    } else {
        files.to_vec()
    };
    let mut found: Vec<(String, String, Value)> = Vec::new();
    let mut read = Vec::new();
    for file in &files {
        let Ok(Some(text)) = super::settings_file::read_text(file) else {
            continue;
        };
        let shown = file.display().to_string();
        let value = if file.extension().is_some_and(|e| e == "toml") {
            toml::from_str::<Value>(&text).map_err(|e| e.to_string())
        } else {
            serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())
        };
        match value {
            Ok(v) => {
                read.push(shown.clone());
                if agent == Agent::Codex && file.ends_with("requirements.toml") {
                    checks.push(Check {
                        name: "managed-only",
                        status: if v["allow_managed_hooks_only"] == true {
                            Status::Pass
                        } else {
                            Status::Warn
                        },
                        detail: format!(
                            "{shown}: allow_managed_hooks_only is {}",
                            v["allow_managed_hooks_only"]
                        ),
                    });
                }
                let Some(hooks) = v.get("hooks").and_then(Value::as_object) else {
                    continue;
                };
                for (event, list) in hooks {
                    for e in agent_install::event_entries(agent, list) {
                        if agent_install::entry_command(agent, e)
                            .is_some_and(|c| agent_install::runs_toolgate(c, agent))
                        {
                            found.push((shown.clone(), event.clone(), e.clone()));
                        }
                    }
                }
            }
            Err(e) => checks.push(Check {
                name: "settings",
                status: Status::Fail,
                detail: format!(
                    "{shown} does not parse ({e}): {} ignores it",
                    agent.product()
                ),
            }),
        }
    }
    checks.push(Check {
        name: "settings",
        status: if read.is_empty() {
            Status::Fail
        } else {
            Status::Pass
        },
        detail: if read.is_empty() {
            format!(
                "no {} hook file found (looked at {})",
                agent.product(),
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("read {}", read.join(", "))
        },
    });
    for event in agent_install::events(agent) {
        let here: Vec<&(String, String, Value)> =
            found.iter().filter(|(_, e, _)| e == event).collect();
        let (status, detail) = match here.first() {
            None if agent_install::decides(event) => (
                Status::Fail,
                format!("toolgate is not registered for {event}: those calls are not gated"),
            ),
            None => (
                Status::Warn,
                format!("toolgate is not registered for {event}"),
            ),
            Some((file, _, e))
                if agent == Agent::Cursor
                    && agent_install::decides(event)
                    && e["failClosed"] != true =>
            {
                (
                    Status::Warn,
                    format!(
                        "{event} in {file} lacks failClosed: true: a crash or timeout lets the call run"
                    ),
                )
            }
            Some((file, _, e)) => {
                let command = agent_install::entry_command(agent, e).unwrap_or("");
                let program = command
                    .strip_suffix(&format!(" hook --agent {}", agent.name()))
                    .unwrap_or("")
                    .trim_matches('\'');
                if Path::new(program).is_file() {
                    (Status::Pass, format!("{event} runs {program} (in {file})"))
                } else {
                    (
                        Status::Fail,
                        format!(
                            "{event} in {file} runs {program}, which is not there: every call would fail open or closed by the agent's rules"
                        ),
                    )
                }
            }
        };
        checks.push(Check {
            name: "hook",
            status,
            detail,
        });
    }
    checks
}

/// Every `TOOLGATE_*` variable in this environment (names only: values may be paths the
/// agent chose).
fn environment_checks(managed: bool) -> Vec<Check> {
    let mut names: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .filter(|k| k.starts_with("TOOLGATE_") && k != "TOOLGATE_REQUIRE_SERVICES")
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| Check {
            name: "env",
            status: Status::Warn,
            detail: if managed {
                format!("{name} is set in this environment; the managed deployment ignores it (and the journal records that it was set)")
            } else {
                format!("{name} is set in this environment and changes what the gate reads; in a managed deployment it would be ignored")
            },
        })
        .collect()
}

/// Who owns and who can write the files the gate trusts, and their folders: root-owned and
/// writable by nobody else, or the agent (running as the user) could replace the gate.
/// Failures in a managed deployment, warnings otherwise.
fn ownership_checks(paths: &[PathBuf], managed: bool) -> Vec<Check> {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    let mut checked = 0;
    // SAFETY: getuid has no preconditions.
    let me = unsafe { libc::getuid() };
    for path in paths {
        if !path.exists() {
            continue;
        }
        let mut here = Some(path.as_path());
        while let Some(p) = here {
            here = p.parent();
            if p.as_os_str().is_empty() || !seen.insert(p.to_path_buf()) {
                continue;
            }
            let Ok(meta) = std::fs::metadata(p) else {
                continue;
            };
            checked += 1;
            let mode = meta.mode();
            // The sticky bit (/tmp) keeps others from replacing what they do not own.
            let sticky_dir = meta.is_dir() && mode & 0o1000 != 0;
            if meta.uid() != 0 {
                problems.push(format!(
                    "{} is owned by uid {}, not root",
                    p.display(),
                    meta.uid()
                ));
            } else if mode & 0o022 != 0 && !sticky_dir {
                problems.push(format!(
                    "{} is writable by group or others (mode {:o})",
                    p.display(),
                    mode & 0o7777
                ));
            } else if me != 0 && meta.uid() == me {
                problems.push(format!("{} is writable by this user", p.display()));
            }
        }
    }
    if problems.is_empty() {
        return vec![Check {
            name: "owner",
            status: Status::Pass,
            detail: format!(
                "binary, policy, keys and their {checked} folders and files are root-owned and not writable by others"
            ),
        }];
    }
    let status = if managed { Status::Fail } else { Status::Warn };
    problems
        .into_iter()
        .map(|p| Check {
            name: "owner",
            status,
            detail: format!("{p}: whoever can write it can replace the gate"),
        })
        .collect()
}

/// Whether a hook that cannot start, times out or crashes blocks the call.
fn on_failure_check(found: &[Entry]) -> Check {
    let version = super::install::claude_version();
    let understood = version.map(|v| v >= super::install::ON_FAILURE_SINCE);
    let shown = version
        .map(|(a, b, c)| format!("Claude Code {a}.{b}.{c}"))
        .unwrap_or_else(|| "`claude --version` did not answer".into());
    if found.iter().all(|e| e.blocks_on_failure) {
        return match understood {
            Some(false) => Check {
                name: "onfailure",
                status: Status::Fail,
                detail: format!(
                    "the entries set onFailure: block, which {shown} predates (2.1.295): it may drop them; reinstall with --on-failure omit or upgrade Claude Code"
                ),
            },
            _ => Check {
                name: "onfailure",
                status: Status::Pass,
                detail: format!(
                    "onFailure: block on every entry ({shown}): a hook that crashes or times out blocks the call"
                ),
            },
        };
    }
    match understood {
        Some(true) => Check {
            name: "onfailure",
            status: Status::Warn,
            detail: format!(
                "{shown} understands onFailure: block, but the entries do not set it: a hook that crashes or times out lets the call run; run `toolgate install --on-failure block`"
            ),
        },
        _ => Check {
            name: "onfailure",
            status: Status::Warn,
            detail: format!(
                "no onFailure key ({shown}; it needs 2.1.295 or later): a hook that crashes or times out lets the call run"
            ),
        },
    }
}

fn list(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn enforced(claude: &ClaudeSettings) -> Check {
    if claude.files.is_empty() {
        return Check { name: "enforced", status: Status::Warn, detail: "no Claude Code managed settings found: no managed permission rules to enforce again".into() };
    }
    let mut keys = vec![format!("{} permission rules", claude.rule_count())];
    if claude.bypass_disabled() {
        keys.push("disableBypassPermissionsMode".into());
    }
    if claude.mcp_only.is_some() {
        keys.push("allowManagedMcpServersOnly".into());
    }
    if claude.mcp_servers.is_some() {
        keys.push("allowedMcpServers".into());
    }
    if claude.domains_only.is_some() {
        keys.push("allowManagedDomainsOnly".into());
    }
    if claude.domains.is_some() {
        keys.push("sandbox.network.allowedDomains".into());
    }
    Check {
        name: "enforced",
        status: Status::Pass,
        detail: format!("from {}: {}", claude.files.join(", "), keys.join(", ")),
    }
}

fn journal_check() -> Check {
    let Some(paths) = Paths::locate(None) else {
        return Check {
            name: "journal",
            status: Status::Fail,
            detail: "no journal location (set TOOLGATE_JOURNAL or HOME)".into(),
        };
    };
    let writable = crate::journal::store::ensure_dir(&paths.dir).is_ok()
        && std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&paths.lock)
            .is_ok();
    if writable {
        Check {
            name: "journal",
            status: Status::Pass,
            detail: format!("{} is writable", paths.dir.display()),
        }
    } else {
        Check {
            name: "journal",
            status: Status::Fail,
            detail: format!(
                "{} is not writable: calls go to the spool, or are denied when the journal is required",
                paths.dir.display()
            ),
        }
    }
}
