//! The front door: [`Gate`] loads the policy and every pack it turns on and decides one
//! hook event; [`verdict`] is what it decides; [`examples`] runs every rule's examples
//! through it.

pub mod examples;
pub mod record;
pub mod verdict;

use crate::engine::Engine;
use crate::normalize::shell::NoteKind;
use crate::normalize::{self, Context, Subject};
use crate::pack::load::{check_unique, read_pack_lean};
use crate::pack::schema;
use crate::pack::{BUILTIN, Diagnostic};
use crate::policy::{Policy, check_fresh, locate, read_policy};
use crate::protocol::{EventKind, HookEvent};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use verdict::Verdict;

/// The built-in program table's file (see [`crate::normalize::programs`]).
const PROGRAM_TABLE: &str = "rules/programs.toml";

/// Packs, policy and context: everything needed to decide.
pub struct Gate {
    pub engine: Engine,
    pub policy: Policy,
    /// Claude Code's managed permission rules, enforced again.
    pub claude: crate::policy::claude_settings::ClaudeSettings,
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
            let checked = crate::policy::signing::trusted_key(path).and_then(|key| {
                // A signed policy is checked against its files on every call; a cached
                // form of its packs in this user's folder would be trusted without that
                // check (root's folder may stand in: root could replace the files anyway).
                if key.is_some() {
                    ctx.pack_cache = None;
                }
                key.map_or(Ok(()), |k| crate::policy::signing::verify(&k, path, &packs))
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
            match crate::pack::load::read_pack_file(file, &options) {
                Ok((pack, d, digest)) => {
                    // The text's digest, not the text: an unchanged pack is not read again.
                    revision_input.extend_from_slice(&digest);
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
        // Looked up only for the policy's few named rules: collecting thousands of ids on
        // every call would cost more than the lookups.
        let rule_exists = |id: &str| packs.iter().any(|p| p.rule_ids().any(|r| r == id));
        for (id, location) in &policy.disabled_rules {
            if !rule_exists(id) {
                diagnostics.push(location.diagnostic(format!(
                    "`disable_rules` names rule `{id}`, which does not exist"
                )));
            }
        }
        for (rule, _, location) in &policy.rates {
            if !rule_exists(rule) {
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
        if !off.is_empty() {
            for pack in &mut packs {
                pack.retain_rules(|id| !off.contains(id));
            }
        }
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        // The user's layer adds packs and can make the journal stricter; nothing else.
        let mut lower_refused = Vec::new();
        if let Some(path) = crate::policy::layers::user_policy_path() {
            let taken: HashSet<String> = packs.iter().map(|p| p.id.clone()).collect();
            let lower =
                crate::policy::layers::read(&path, "user", &lower_options(&ctx, strict), &taken);
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
                    .unwrap_or_else(crate::policy::claude_settings::default_paths),
            };
        let claude = crate::policy::claude_settings::ClaudeSettings::load(
            &settings_paths,
            ctx.home.as_deref(),
        )
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
            let hits = crate::policy::config_change::judge(change, self.engine.context())
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
                hits.extend(self.claude.check(event, &subject, &self.engine.programs));
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
                        hits.extend(crate::policy::roles::read_only_hits(role, &subject));
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
                        charges.push(crate::policy::rate::Charge {
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

    /// Decide for `caller` instead of the OS user running this process (a test of a policy
    /// with roles, or a tool that evaluates calls on someone's behalf).
    pub fn with_caller(self, caller: crate::identity::Identity) -> Self {
        let _ = self.who.set(caller);
        self
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
        let Some(path) = crate::policy::layers::project_policy_path(&start) else {
            return Ok(Vec::new());
        };
        let taken: HashSet<String> = self.engine.packs.iter().map(|p| p.id.clone()).collect();
        let ctx = self.engine.context().clone();
        let lower =
            crate::policy::layers::read(&path, "project", &lower_options(&ctx, false), &taken);
        refused.extend(lower.refused.iter().map(|d| d.to_string()));
        if lower.packs.is_empty() {
            return Ok(Vec::new());
        }
        Engine::with_table(lower.packs, ctx, self.engine.programs.clone()).evaluate(subject)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::Location;

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
                "{file} kept most of its text: an example holding ''' or \"\"\" stops the \
                 stripping (write the quotes as \\u0027 or \\u0022)"
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
