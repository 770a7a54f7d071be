//! The policy file and the gate it configures: which built-in packs and rules are on, which
//! extra pack files are added, pack variables, and limits.
//!
//! The file is `--policy PATH`, else `TOOLGATE_POLICY` outside a managed deployment, else
//! the managed default (`/etc/toolgate/policy.toml`); [`crate::deployment`] decides. Lower
//! layers (user, project) only add restrictions ([`crate::layers`]).

use crate::decision::Verdict;
use crate::engine::Engine;
use crate::normalize::shell::NoteKind;
use crate::normalize::{self, Context, Subject};
use crate::pack::schema::{self, Doc, Table};
use crate::pack::{BUILTIN, Diagnostic, Location, Pack};
use crate::protocol::{self, EventKind, HookEvent};
use std::collections::{HashMap, HashSet};
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
            max_input_bytes: protocol::DEFAULT_MAX_INPUT_BYTES,
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
    pub output: crate::output::OutputPolicy,
    /// `[network] allow`, `[mcp] allow`.
    pub allowlists: crate::allowlist::Allowlists,
    /// `claude_settings = [...]`: Claude Code settings files whose managed rules are enforced.
    pub claude_settings: Option<Vec<PathBuf>>,
    /// `[bridge]`: the BI bridge and its named queries.
    pub bridge: Option<crate::bridge::Bridge>,
    /// `[roles.NAME]` and `default_role`.
    pub roles: crate::roles::Roles,
    /// `[rates."rule-id"]`: caps on calls a rule matched.
    pub rates: Vec<(String, crate::rate::Cap, Location)>,
    /// `serial = N`: grows with every release of the policy; an older one than this machine
    /// has accepted is refused (rollback).
    pub serial: Option<u64>,
    /// `expires = "YYYY-MM-DD"`: after this day (UTC) the policy no longer loads.
    pub expires: Option<time::Date>,
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

impl Gate {
    /// [`locate`] the policy for `flag`, then [`Gate::load`] it: a managed deployment
    /// without its policy is a load error like any other.
    pub fn load_located(
        flag: Option<&Path>,
        ctx: Context,
        strict: bool,
    ) -> Result<Gate, Vec<Diagnostic>> {
        let path = locate(flag).map_err(|d| vec![d])?;
        Gate::load(path.as_deref(), ctx, strict)
    }
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
            policy.output.phi = crate::output::Action::parse(a).unwrap_or(policy.output.phi);
        }
        if let Some(a) = output.choice(&mut doc, "secrets", &choices) {
            policy.output.secrets =
                crate::output::Action::parse(a).unwrap_or(policy.output.secrets);
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
            policy.allowlists.servers = crate::allowlist::ServerRules::read_all(&mut doc, servers);
            if let Some(allowed) = &policy.allowlists.mcp_servers {
                for rules in &policy.allowlists.servers {
                    if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&rules.name)) {
                        doc.error(&span, format!("[mcp.servers.{}] has rules, but `{}` is not in `[mcp] allow`: they would never apply", rules.name, rules.name));
                    }
                }
            }
        }
        mcp.finish(&mut doc);
    }
    if let Some(roles) = top.table(&mut doc, "roles") {
        policy.roles = crate::roles::Roles::read(&mut doc, roles);
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
        policy.bridge = crate::bridge::Bridge::read(&mut doc, bridge);
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
            if let Some(cap) = crate::bridge::read_cap(&mut doc, t, &what) {
                policy
                    .rates
                    .push((rule.to_string(), cap, doc.location(&value.span())));
            }
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

/// The built-in program table's file (see [`crate::normalize::programs`]).
const PROGRAM_TABLE: &str = "rules/programs.toml";

/// Packs, policy and context: everything needed to decide.
pub struct Gate {
    pub engine: Engine,
    pub policy: Policy,
    /// Claude Code's managed permission rules, enforced again.
    pub claude: crate::claude_settings::ClaudeSettings,
    /// What the user's policy tried that a lower layer may not do (ignored; lint reports it).
    pub lower_refused: Vec<Diagnostic>,
    /// The calling OS user, looked up when first needed.
    who: std::sync::OnceLock<crate::identity::Identity>,
}

/// How lower layers' packs are read: no policy variables (a lower layer cannot set them).
fn lower_options(ctx: &Context, strict: bool) -> schema::Options<'_> {
    static NO_VARS: std::sync::LazyLock<HashMap<String, HashMap<String, String>>> =
        std::sync::LazyLock::new(HashMap::new);
    schema::Options {
        ctx,
        strict,
        vars: &NO_VARS,
    }
}

impl Gate {
    /// Load the policy at `policy_path` (if any) and every pack it turns on. All problems are
    /// returned together.
    /// `strict` compiles every pattern now (lint, test); the hook compiles what it reaches.
    pub fn load(
        policy_path: Option<&Path>,
        mut ctx: Context,
        strict: bool,
    ) -> Result<Gate, Vec<Diagnostic>> {
        let mut diagnostics = Vec::new();
        let mut policy = match policy_path {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => {
                    let (policy, d) = read_policy(path, &text);
                    diagnostics.extend(d);
                    policy
                }
                Err(e) => {
                    // `TOOLGATE_POLICY=` (set, but to nothing) names no file: say so, rather
                    // than report a file with no name. Still an error: the caller asked for
                    // a policy, so falling back to another one would hide the mistake.
                    let message = if path.as_os_str().is_empty() {
                        "the policy path is empty (TOOLGATE_POLICY or --policy is set to \"\"): name a policy file, or unset TOOLGATE_POLICY to use the managed policy".to_string()
                    } else {
                        format!("cannot read policy: {e}")
                    };
                    return Err(vec![Diagnostic {
                        file: path.display().to_string(),
                        line: 0,
                        column: 0,
                        message,
                    }]);
                }
            },
            None => Policy::default(),
        };
        // A trusted key beside the managed policy (or compiled in) makes its signature
        // mandatory: an unsigned or altered policy does not load, and the hook fails closed.
        if let Some(path) = policy_path {
            let packs: Vec<PathBuf> = policy.pack_files.iter().map(|(p, _)| p.clone()).collect();
            let checked = crate::signing::trusted_key(path).and_then(|key| {
                // A signed policy is checked against its files on every call; a cached
                // form of its packs would be trusted without that check.
                if key.is_some() {
                    ctx.pack_cache = None;
                }
                key.map_or(Ok(()), |k| crate::signing::verify(&k, path, &packs))
            });
            if let Err(message) = checked {
                return Err(vec![Diagnostic {
                    file: path.display().to_string(),
                    line: 0,
                    column: 0,
                    message,
                }]);
            }
        }
        if let Some(path) = policy_path
            && let Err(message) = check_fresh(&policy, path, ctx.serial_store.as_deref())
        {
            return Err(vec![Diagnostic {
                file: path.display().to_string(),
                line: 0,
                column: 0,
                message,
            }]);
        }
        let mut revision_input = format!("toolgate {}\n", env!("CARGO_PKG_VERSION")).into_bytes();
        if let Some(path) = policy_path
            && let Ok(text) = std::fs::read(path)
        {
            revision_input.extend_from_slice(&text);
        }
        let options = schema::Options {
            ctx: &ctx,
            vars: &policy.vars,
            strict,
        };
        let mut packs = Vec::new();
        let disabled: HashSet<&str> = policy
            .disabled_packs
            .iter()
            .map(|(p, _)| p.as_str())
            .collect();
        let mut known_packs = HashSet::new();
        let mut lazy_programs = None;
        for (file, text) in BUILTIN {
            // The hook reads the built-in program table entry by entry, as commands need
            // them; lint and test read it whole (strict), so every entry is checked.
            if !strict && *file == PROGRAM_TABLE {
                known_packs.insert("programs".to_string());
                if !disabled.contains("programs") {
                    lazy_programs = Some(crate::pack::BUILTIN_PROGRAMS);
                }
                continue;
            }
            // The hook reads the packs as build.rs stripped them (tests check they read
            // clean and keep every rule).
            let (pack, d) = match strict {
                true => schema::read_pack(file, text, &options),
                false => read_pack_lean(
                    file,
                    crate::pack::lean_builtin(file).unwrap_or(text),
                    &options,
                    crate::pack::cache::Source::BuiltIn,
                ),
            };
            diagnostics.extend(d);
            if let Some(pack) = pack {
                known_packs.insert(pack.id.clone());
                if !disabled.contains(pack.id.as_str()) {
                    packs.push(pack);
                }
            }
        }
        for (file, location) in &policy.pack_files {
            match std::fs::read_to_string(file) {
                Ok(text) => {
                    revision_input.extend_from_slice(text.as_bytes());
                    let name = file.display().to_string();
                    let source = crate::pack::cache::Source::File(file);
                    let (pack, d) = read_pack_lean(&name, &text, &options, source);
                    diagnostics.extend(d);
                    if let Some(mut pack) = pack {
                        pack.layer = "managed";
                        known_packs.insert(pack.id.clone());
                        packs.push(pack);
                    }
                }
                Err(e) => diagnostics.push(
                    location.diagnostic(format!("cannot read pack file {}: {e}", file.display())),
                ),
            }
        }
        for (id, location) in &policy.disabled_packs {
            if !known_packs.contains(id) {
                diagnostics.push(
                    location
                        .diagnostic(format!("`disable` names pack `{id}`, which does not exist")),
                );
            }
        }
        diagnostics.extend(check_unique(&packs));
        let all_rules: HashSet<String> = packs
            .iter()
            .flat_map(|p| p.rules.iter().map(|r| r.id.clone()))
            .collect();
        for (id, location) in &policy.disabled_rules {
            if !all_rules.contains(id) {
                diagnostics.push(location.diagnostic(format!(
                    "`disable_rules` names rule `{id}`, which does not exist"
                )));
            }
        }
        for (rule, _, location) in &policy.rates {
            if !all_rules.contains(rule) {
                diagnostics.push(location.diagnostic(format!(
                    "`[rates]` names rule `{rule}`, which does not exist: the cap would never apply"
                )));
            }
        }
        let off: HashSet<&str> = policy
            .disabled_rules
            .iter()
            .map(|(r, _)| r.as_str())
            .collect();
        for pack in &mut packs {
            pack.rules.retain(|r| !off.contains(r.id.as_str()));
        }
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        // The user's layer adds packs and can make the journal stricter; nothing else.
        let mut lower_refused = Vec::new();
        if let Some(path) = crate::layers::user_policy_path() {
            let taken: HashSet<String> = packs.iter().map(|p| p.id.clone()).collect();
            let lower = crate::layers::read(&path, "user", &lower_options(&ctx, strict), &taken);
            packs.extend(lower.packs);
            policy.journal.required |= lower.journal_required;
            policy.journal.fsync |= lower.journal_fsync;
            lower_refused = lower.refused;
        }
        policy.revision = crate::journal::sha256_hex(&revision_input)[..16].to_string();
        // Claude Code's managed settings: TOOLGATE_CLAUDE_SETTINGS (colon-separated, for
        // tests), else the policy's `claude_settings`, else the platform's managed files.
        let settings_paths: Vec<PathBuf> =
            match crate::deployment::current().var("TOOLGATE_CLAUDE_SETTINGS") {
                Some(list) => std::env::split_paths(&list).collect(),
                None => policy
                    .claude_settings
                    .clone()
                    .unwrap_or_else(crate::claude_settings::default_paths),
            };
        let claude =
            crate::claude_settings::ClaudeSettings::load(&settings_paths, ctx.home.as_deref())
                .map_err(|message| {
                    vec![Diagnostic {
                        file: policy_path
                            .map(|p| p.display().to_string())
                            .unwrap_or_default(),
                        line: 0,
                        column: 0,
                        message,
                    }]
                })?;
        // Claude Code's managed MCP and domain lists join the policy's; their `...Only`
        // switches make a list mandatory (none at all: nothing is allowed).
        let lists = &mut policy.allowlists;
        if let Some(names) = &claude.mcp_servers {
            lists
                .mcp_servers
                .get_or_insert_with(Vec::new)
                .extend(names.iter().cloned());
        }
        if let Some(file) = &claude.mcp_only {
            lists.mcp_servers.get_or_insert_with(Vec::new);
            lists.mcp_required_by = Some(file.clone());
        }
        if let Some(domains) = &claude.domains {
            lists
                .hosts
                .get_or_insert_with(Vec::new)
                .extend(domains.iter().cloned());
        }
        if let Some(file) = &claude.domains_only {
            lists.hosts.get_or_insert_with(Vec::new);
            lists.hosts_required_by = Some(file.clone());
        }
        Ok(Gate {
            engine: Engine::with_programs(packs, ctx, lazy_programs),
            policy,
            claude,
            lower_refused,
            who: std::sync::OnceLock::new(),
        })
    }

    /// Normalise and evaluate one event. Events that are never blocked get no verdict.
    pub fn decide(&self, event: &HookEvent) -> (Subject, Verdict) {
        let subject = normalize::normalize(event, self.engine.context(), &self.engine.programs);
        if let Some(change) = &event.config_change {
            let hits = crate::config_change::judge(change, self.engine.context())
                .into_iter()
                .collect();
            return (subject, Verdict::from_hits(hits));
        }
        if !matches!(
            event.kind,
            EventKind::PreToolUse | EventKind::UserPromptSubmit
        ) {
            return (subject, Verdict::from_hits(Vec::new()));
        }
        let parser_failure = subject
            .shell
            .as_ref()
            .and_then(|a| a.notes.iter().find(|n| n.kind == NoteKind::ParserFailure));
        if let Some(note) = parser_failure {
            return (subject.clone(), Verdict::error(note.detail.clone()));
        }
        let verdict = match self.engine.evaluate(&subject) {
            Ok(mut hits) => {
                let home = self.engine.context().home.as_deref();
                hits.extend(self.policy.allowlists.check(event, &subject, home));
                hits.extend(self.claude.check(event, &subject));
                let mut refused: Vec<String> =
                    self.lower_refused.iter().map(|d| d.to_string()).collect();
                match self.project_hits(&subject, &mut refused) {
                    Ok(more) => hits.extend(more),
                    Err(e) => return (subject, Verdict::error(e)),
                }
                let mut charges = Vec::new();
                if !self.policy.roles.is_empty() || self.policy.bridge.is_some() {
                    let who = self.who();
                    if let Some(role) = self.policy.roles.resolve(who) {
                        hits.extend(crate::roles::read_only_hits(role, &subject));
                    }
                    if let Some(bridge) = &self.policy.bridge {
                        let outcome = bridge.check(
                            event,
                            &subject,
                            &self.engine.programs,
                            who,
                            &self.policy.roles,
                        );
                        hits.extend(outcome.hits);
                        charges = outcome.charges;
                    }
                }
                for (rule, cap, _) in &self.policy.rates {
                    if hits.iter().any(|h| h.rule == *rule) {
                        charges.push(crate::rate::Charge {
                            key: rule.clone(),
                            cap: cap.clone(),
                        });
                    }
                }
                let mut verdict = Verdict::from_hits(hits);
                if verdict.decision != Some(crate::pack::Decision::Deny) {
                    verdict.charges = charges;
                }
                verdict.refused = refused;
                verdict
            }
            Err(e) => Verdict::error(format!("a rule could not be evaluated: {e}")),
        };
        (subject, verdict)
    }

    /// The calling OS user.
    pub fn who(&self) -> &crate::identity::Identity {
        self.who.get_or_init(crate::identity::Identity::current)
    }

    /// The role the policy gives the calling user, if it defines roles.
    pub fn role(&self) -> Option<&str> {
        if self.policy.roles.is_empty() {
            return None;
        }
        self.policy
            .roles
            .resolve(self.who())
            .map(|r| r.name.as_str())
    }
}

impl Gate {
    /// The project's layer for this call (`.toolgate.toml` from `CLAUDE_PROJECT_DIR` or the
    /// call's folder up): its packs' hits. What it may not do is ignored.
    fn project_hits(
        &self,
        subject: &Subject,
        refused: &mut Vec<String>,
    ) -> Result<Vec<crate::engine::Hit>, String> {
        let start = std::env::var("CLAUDE_PROJECT_DIR")
            .ok()
            .filter(|d| d.starts_with('/'))
            .unwrap_or_else(|| subject.cwd.clone());
        let Some(path) = crate::layers::project_policy_path(&start) else {
            return Ok(Vec::new());
        };
        let taken: HashSet<String> = self.engine.packs.iter().map(|p| p.id.clone()).collect();
        let ctx = self.engine.context().clone();
        let lower = crate::layers::read(&path, "project", &lower_options(&ctx, false), &taken);
        refused.extend(lower.refused.iter().map(|d| d.to_string()));
        if lower.packs.is_empty() {
            return Ok(Vec::new());
        }
        Engine::with_table(lower.packs, ctx, self.engine.programs.clone()).evaluate(subject)
    }
}

/// A pack read for the hook: from the pack cache when it holds this text, else without its
/// examples when that reads cleanly (they can be most of the text), else whole, so
/// stripping never changes what loads or the errors reported; `strict` reads it whole.
pub(crate) fn read_pack_lean(
    file: &str,
    text: &str,
    options: &schema::Options,
    source: crate::pack::cache::Source,
) -> (Option<Pack>, Vec<Diagnostic>) {
    if options.strict {
        return schema::read_pack(file, text, options);
    }
    let salt = crate::pack::cache::Salt {
        ctx: options.ctx,
        vars: options.vars,
    };
    let cache = crate::pack::cache::Cache::open(&salt).filter(|_| source.may_be_cached());
    let Some(cache) = cache else {
        return read_pack_text(file, text, options);
    };
    let key = match source {
        // Compiled into the binary, whose identity is in every key: hashing the text again
        // (about 0.1 ms for the built-in packs) would add nothing.
        crate::pack::cache::Source::BuiltIn => cache.key(file, ""),
        crate::pack::cache::Source::File(_) => cache.key(file, text),
    };
    if let Some(pack) = cache.get(&key) {
        return (Some(pack), Vec::new());
    }
    let (pack, d) = read_pack_text(file, text, options);
    if let Some(pack) = &pack
        && d.is_empty()
    {
        cache.put(&key, pack);
    }
    (pack, d)
}

fn read_pack_text(
    file: &str,
    text: &str,
    options: &schema::Options,
) -> (Option<Pack>, Vec<Diagnostic>) {
    if !options.strict
        && let std::borrow::Cow::Owned(lean) = crate::pack::text::strip_examples(text)
    {
        let (pack, d) = schema::read_pack(file, &lean, options);
        if d.is_empty() {
            return (pack, d);
        }
    }
    schema::read_pack(file, text, options)
}

/// Pack ids, rule ids and program specs must each be defined once.
fn check_unique(packs: &[Pack]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut pack_ids: HashMap<&str, &str> = HashMap::new();
    let mut rule_ids: HashMap<&str, &Location> = HashMap::new();
    let mut programs: HashMap<&str, &Location> = HashMap::new();
    for pack in packs {
        if let Some(first) = pack_ids.insert(&pack.id, &pack.file) {
            out.push(Diagnostic {
                file: pack.file.clone(),
                line: 1,
                column: 1,
                message: format!("pack id `{}` is already used by {first}", pack.id),
            });
        }
        for rule in &pack.rules {
            if let Some(first) = rule_ids.insert(&rule.id, &rule.location) {
                out.push(rule.location.diagnostic(format!(
                    "duplicate rule id `{}` (first defined at {}:{})",
                    rule.id, first.file, first.line
                )));
            }
        }
        for spec in &pack.programs {
            if let Some(first) = programs.insert(&spec.name, &spec.location) {
                out.push(spec.location.diagnostic(format!(
                    "program `{}` is already described at {}:{}",
                    spec.name, first.file, first.line
                )));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hook reads the built-in program table entry by entry; every entry must read the
    /// same as when the whole file is read (strictly), aliases included.
    #[test]
    fn lazy_program_table_reads_every_entry_like_the_whole_file() {
        let full = Gate::load(None, Context::example(), true).unwrap();
        let lean = Gate::load(None, Context::example(), false).unwrap();
        let strip = |spec: &crate::normalize::programs::ProgramSpec| {
            let mut spec = spec.clone();
            spec.location = Location::default();
            format!("{spec:?}")
        };
        let mut count = 0;
        for spec in full.engine.packs.iter().flat_map(|p| p.programs.iter()) {
            let lazy = lean
                .engine
                .programs
                .get(&spec.name)
                .unwrap_or_else(|| panic!("{} missing from the lazy table", spec.name));
            assert_eq!(strip(lazy), strip(spec), "{}", spec.name);
            for alias in &spec.aliases {
                let parent = spec.name.rsplit_once(' ').map_or("", |(p, _)| p);
                let full_alias = format!("{parent} {alias}").trim().to_string();
                assert_eq!(
                    lean.engine.programs.get(&full_alias).map(|s| &s.name),
                    Some(&spec.name)
                );
            }
            count += 1;
        }
        assert!(count > 300, "{count}");
    }

    /// The hook reads the built-in packs without their examples; it must see the same rules.
    #[test]
    fn stripping_examples_keeps_every_rule_and_block() {
        let full = Gate::load(None, Context::example(), true).unwrap();
        let lean = Gate::load(None, Context::example(), false).unwrap();
        let shape = |g: &Gate| -> Vec<(String, usize, &'static str)> {
            g.engine
                .rules()
                .map(|r| (r.id.clone(), r.blocks.len(), r.decision.name()))
                .collect()
        };
        assert_eq!(shape(&full), shape(&lean));
        assert!(lean.engine.rules().all(|r| r.examples.hit.is_empty()));
        // Every example table is gone (a pack of long path lists, like self-protection,
        // keeps more than half its text, and that is the rules, not examples).
        for (file, text) in BUILTIN.iter().filter(|(_, t)| t.contains("[[rule]]")) {
            let lean = crate::pack::lean_builtin(file).unwrap();
            assert!(
                lean.len() < text.len() * 4 / 5,
                "{file} kept most of its text"
            );
            assert!(!lean.contains("[rule.examples]"), "{file} kept examples");
            assert!(
                !lean
                    .lines()
                    .any(|l| l.starts_with("hit = ") || l.starts_with("miss = ")),
                "{file} kept examples"
            );
        }
    }
}
