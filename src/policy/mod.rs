//! The organisation's layer: the policy file (which built-in packs and rules are on, which
//! extra pack files are added, pack variables, limits) and everything it configures beside
//! the rule engine: lower policy layers, signatures, allowlists, the BI bridge, roles, rate
//! caps, Claude Code's own settings, settings changes and tool-output screening.
//!
//! The file is `--policy PATH`, else `TOOLGATE_POLICY` outside a managed deployment, else
//! the managed default (`/etc/toolgate/policy.toml`); [`crate::deployment`] decides. Lower
//! layers (user, project) only add restrictions ([`crate::policy::layers`]).

pub mod allowlist;
pub mod bridge;
pub mod claude_settings;
pub mod config_change;
pub mod layers;
pub mod output;
pub mod rate;
pub mod roles;
pub mod signing;

use crate::pack::schema::{Doc, Table};
use crate::pack::{Diagnostic, Location};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The managed policy's default location (see [`crate::deployment`]).
pub fn default_managed_path() -> PathBuf {
    crate::deployment::managed_policy()
}

/// Bounds on the hook's work.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_input_bytes: usize,
    /// Wall-clock limit for one hook call; past it the call is denied.
    pub deadline_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: crate::protocol::DEFAULT_MAX_INPUT_BYTES,
            deadline_ms: 2000,
        }
    }
}

/// How decisions are recorded.
#[derive(Debug, Clone, Copy, Default)]
pub struct JournalSettings {
    /// A call that cannot be recorded anywhere (journal or spool) is denied.
    pub required: bool,
    /// Sync every record to disk before answering (survives power loss; slower).
    pub fsync: bool,
}

#[derive(Debug, Default)]
pub struct Policy {
    pub journal: JournalSettings,
    /// What the policy file and its pack files hash to; built-in packs are fixed by the
    /// toolgate version.
    pub revision: String,
    pub file: Option<PathBuf>,
    pub disabled_packs: Vec<(String, Location)>,
    pub disabled_rules: Vec<(String, Location)>,
    pub pack_files: Vec<(PathBuf, Location)>,
    pub vars: HashMap<String, HashMap<String, String>>,
    pub limits: Limits,
    /// `[output]`: what PostToolUse does with secrets and patient data in tool output.
    pub output: crate::policy::output::OutputPolicy,
    /// `[network] allow`, `[mcp] allow`.
    pub allowlists: crate::policy::allowlist::Allowlists,
    /// `claude_settings = [...]`: Claude Code settings files whose managed rules are enforced.
    pub claude_settings: Option<Vec<PathBuf>>,
    /// `[bridge]`: the BI bridge and its named queries.
    pub bridge: Option<crate::policy::bridge::Bridge>,
    /// `[roles.NAME]` and `default_role`.
    pub roles: crate::policy::roles::Roles,
    /// `[rates."rule-id"]`: caps on calls a rule matched.
    pub rates: Vec<(String, crate::policy::rate::Cap, Location)>,
    /// `serial = N`: grows with every release of the policy; an older one than this machine
    /// has accepted is refused (rollback).
    pub serial: Option<u64>,
    /// `expires = "YYYY-MM-DD"`: after this day (UTC) the policy no longer loads.
    pub expires: Option<time::Date>,
    /// `[agents.NAME] ask = "allow"`: agents whose calls run where toolgate would ask and the
    /// agent cannot (the default turns those asks into denials).
    pub ask_allowed: Vec<crate::protocol::Agent>,
}

/// Which policy file applies (see [`crate::deployment`]): the `--policy` flag, else
/// `TOOLGATE_POLICY` outside a managed deployment, else the managed policy when it exists.
/// A managed deployment without its policy is an error: the caller fails closed.
pub fn locate(flag: Option<&Path>) -> Result<Option<PathBuf>, Diagnostic> {
    crate::deployment::current()
        .policy(flag)
        .map_err(|message| Diagnostic {
            file: default_managed_path().display().to_string(),
            line: 0,
            column: 0,
            message,
        })
}

/// Read a policy file's text.
pub fn read_policy(file: &Path, text: &str) -> (Policy, Vec<Diagnostic>) {
    let name = file.display().to_string();
    let mut doc = Doc::new(&name, text);
    let mut policy = Policy {
        file: Some(file.to_path_buf()),
        ..Default::default()
    };
    let Some(root) = doc.parse() else {
        return (policy, doc.diagnostics);
    };
    let mut top = Table::new(root.get_ref(), root.span(), "the top level");
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Some(mut packs) = top.table(&mut doc, "packs") {
        let span = doc.location(&packs.span());
        for p in packs.strings(&mut doc, "disable").unwrap_or_default() {
            policy.disabled_packs.push((p, span.clone()));
        }
        for r in packs.strings(&mut doc, "disable_rules").unwrap_or_default() {
            policy.disabled_rules.push((r, span.clone()));
        }
        for f in packs.strings(&mut doc, "files").unwrap_or_default() {
            policy.pack_files.push((base.join(f), span.clone()));
        }
        packs.finish(&mut doc);
    }
    if let Some(vars) = top.table(&mut doc, "vars") {
        for (pack, value) in vars.entries() {
            let mut map = HashMap::new();
            if let toml::de::DeValue::Table(t) = value.get_ref() {
                for (k, v) in t.iter() {
                    match v.get_ref() {
                        toml::de::DeValue::String(s) => {
                            map.insert(k.get_ref().to_string(), s.to_string());
                        }
                        _ => doc.error(&v.span(), format!("[vars.{pack}] values must be strings")),
                    }
                }
            } else {
                doc.error(&value.span(), format!("[vars.{pack}] must be a table"));
            }
            policy.vars.insert(pack.to_string(), map);
        }
    }
    if let Some(mut journal) = top.table(&mut doc, "journal") {
        policy.journal.required = journal.boolean(&mut doc, "required").unwrap_or(false);
        policy.journal.fsync = journal.boolean(&mut doc, "fsync").unwrap_or(false);
        journal.finish(&mut doc);
    }
    if let Some(mut output) = top.table(&mut doc, "output") {
        let choices = ["mask", "block", "pass"];
        if let Some(a) = output.choice(&mut doc, "phi", &choices) {
            policy.output.phi =
                crate::policy::output::Action::parse(a).unwrap_or(policy.output.phi);
        }
        if let Some(a) = output.choice(&mut doc, "secrets", &choices) {
            policy.output.secrets =
                crate::policy::output::Action::parse(a).unwrap_or(policy.output.secrets);
        }
        if let Some(n) = output.integer(&mut doc, "max_bytes") {
            policy.output.max_bytes = n as usize;
        }
        output.finish(&mut doc);
    }
    if let Some(files) = top.strings(&mut doc, "claude_settings") {
        policy.claude_settings = Some(files.into_iter().map(|f| base.join(f)).collect());
    }
    if let Some(mut network) = top.table(&mut doc, "network") {
        let hosts = network.strings(&mut doc, "allow");
        for h in hosts.iter().flatten() {
            if h.contains(['/', ':', '@'])
                || h.trim().is_empty()
                || (h.contains('*') && !h.starts_with("*."))
            {
                doc.error(
                    &network.span(),
                    format!("`[network] allow` takes host names (`github.com`, `*.example.com`), not `{h}`"),
                );
            }
        }
        policy.allowlists.hosts = hosts;
        network.finish(&mut doc);
    }
    if let Some(mut mcp) = top.table(&mut doc, "mcp") {
        policy.allowlists.mcp_servers = mcp.strings(&mut doc, "allow");
        if let Some(servers) = mcp.table(&mut doc, "servers") {
            let span = servers.span();
            policy.allowlists.servers =
                crate::policy::allowlist::ServerRules::read_all(&mut doc, servers);
            if let Some(allowed) = &policy.allowlists.mcp_servers {
                for rules in &policy.allowlists.servers {
                    if !allowed.contains(&rules.name) {
                        doc.error(&span, format!("[mcp.servers.{}] has rules, but `{}` is not in `[mcp] allow`: they would never apply", rules.name, rules.name));
                    }
                }
            }
        }
        mcp.finish(&mut doc);
    }
    if let Some(roles) = top.table(&mut doc, "roles") {
        policy.roles = crate::policy::roles::Roles::read(&mut doc, roles);
    }
    if let Some(default) = top.string(&mut doc, "default_role") {
        if !policy.roles.roles.iter().any(|r| r.name == default) {
            doc.error(
                &root.span(),
                format!("`default_role` names `{default}`, which no `[roles.{default}]` defines"),
            );
        }
        policy.roles.default = Some(default);
    }
    if let Some(bridge) = top.table(&mut doc, "bridge") {
        let span = bridge.span();
        policy.bridge = crate::policy::bridge::Bridge::read(&mut doc, bridge);
        if let Some(b) = &policy.bridge {
            for (role, query) in b.unknown_queries(&policy.roles) {
                doc.error(&span, format!("[roles.{role}] lists query `{query}`, which `[bridge.queries]` does not declare"));
            }
            for role in &policy.roles.roles {
                for (param, _) in &role.bind {
                    if !b
                        .queries
                        .iter()
                        .any(|q| q.params.iter().any(|(p, _)| p == param))
                    {
                        doc.error(
                            &span,
                            format!(
                                "[roles.{}.bind.{param}] binds a parameter no query takes",
                                role.name
                            ),
                        );
                    }
                }
            }
        }
    }
    if let Some(rates) = top.table(&mut doc, "rates") {
        for (rule, value) in rates.entries() {
            let toml::de::DeValue::Table(t) = value.get_ref() else {
                doc.error(
                    &value.span(),
                    format!("[rates.\"{rule}\"] must be a table with `rate` and/or `daily`"),
                );
                continue;
            };
            let what = format!("[rates.\"{rule}\"]");
            let t = Table::new(t, value.span(), what.clone());
            if let Some(cap) = crate::policy::bridge::read_cap(&mut doc, t, &what) {
                policy
                    .rates
                    .push((rule.to_string(), cap, doc.location(&value.span())));
            }
        }
    }
    if let Some(agents) = top.table(&mut doc, "agents") {
        for (name, value) in agents.entries() {
            let Some(agent) = crate::protocol::Agent::parse(name) else {
                doc.error(
                    &value.span(),
                    format!(
                        "[agents.{name}]: unknown agent; toolgate speaks to {}",
                        crate::protocol::Agent::names().join(", ")
                    ),
                );
                continue;
            };
            let toml::de::DeValue::Table(t) = value.get_ref() else {
                doc.error(&value.span(), format!("[agents.{name}] must be a table"));
                continue;
            };
            let mut t = Table::new(t, value.span(), format!("[agents.{name}]"));
            if t.choice(&mut doc, "ask", &["deny", "allow"]) == Some("allow") {
                policy.ask_allowed.push(agent);
            }
            t.finish(&mut doc);
        }
    }
    policy.serial = top.integer(&mut doc, "serial");
    if let Some(day) = top.string(&mut doc, "expires") {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(&day, &format) {
            Ok(date) => policy.expires = Some(date),
            Err(_) => doc.error(
                &root.span(),
                format!("`expires` must be a day written YYYY-MM-DD, not `{day}`"),
            ),
        }
    }
    if let Some(mut limits) = top.table(&mut doc, "limits") {
        if let Some(n) = limits.integer(&mut doc, "max_input_bytes") {
            policy.limits.max_input_bytes = n as usize;
        }
        if let Some(n) = limits.integer(&mut doc, "deadline_ms") {
            if n == 0 || n > 600_000 {
                doc.error(&limits.span(), "`deadline_ms` must be between 1 and 600000");
            } else {
                policy.limits.deadline_ms = n;
            }
        }
        limits.finish(&mut doc);
    }
    top.finish(&mut doc);
    (policy, doc.diagnostics)
}

/// Refuse an expired policy, or one older than a policy this machine already accepted
/// from the same path; remember a newer serial. `store` is the folder the serials are kept
/// in (beside the journal, which the self-protection pack keeps from the agent).
pub fn check_fresh(policy: &Policy, path: &Path, store: Option<&str>) -> Result<(), String> {
    if let Some(expires) = policy.expires {
        let today = time::OffsetDateTime::now_utc().date();
        if today > expires {
            return Err(format!(
                "the policy expired on {expires}: an administrator must deploy a newer one"
            ));
        }
    }
    let Some(store) = store else { return Ok(()) };
    let name = crate::journal::sha256_hex(path.as_os_str().as_encoded_bytes());
    let file = Path::new(store).join(format!("policy-serial-{}", &name[..16]));
    let accepted: u64 = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let serial = policy.serial.unwrap_or(0);
    if serial < accepted {
        return Err(format!(
            "the policy's serial {serial} is older than serial {accepted}, which this machine already accepted from {}: an older policy is refused (rollback); deploy the current one",
            path.display()
        ));
    }
    if serial > accepted {
        // Best effort: a store that cannot be written keeps protecting what it holds.
        let _ = remember_serial(&file, serial, path);
    }
    Ok(())
}

fn remember_serial(file: &Path, serial: u64, policy: &Path) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}",
        file.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    writeln!(f, "{serial} {}", policy.display())?;
    std::fs::rename(&tmp, file)
}
