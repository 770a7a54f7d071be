//! Matching: a normalised [`Subject`] against every rule that applies to its tool, giving
//! [`Hit`]s. A condition that depends on something only known at run time (a `$VAR` path,
//! arguments that xargs supplies) answers "maybe"; a rule that matches only through a maybe
//! is an uncertain hit, which the decision step turns into ask, never into silence.

use crate::detect::{mask, phi};
use crate::normalize::shell::{self, Arg, Command, RedirectKind};
use crate::normalize::{Context, Subject, path};
use crate::pack::{
    Block, CommandBlock, Decision, Pack, PathAccess, ProgramSpec, Rule, Severity, TextCondition,
    TextSource, Writes,
};
use crate::sanitize;
use std::cell::OnceCell;
use std::collections::HashMap;

/// Three-valued match result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    No,
    Maybe,
    Yes,
}

impl Tri {
    fn and(self, other: Tri) -> Tri {
        self.min(other)
    }
}

/// One rule that matched.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: String,
    pub decision: Decision,
    pub severity: Severity,
    /// False when the match went through something unknown (see [`Tri::Maybe`]).
    pub certain: bool,
    /// What matched, terminal-safe: `command: rm -rf /`, `file_path: /home/u/.ssh/id_rsa`.
    pub matched: String,
    pub message: String,
    pub remediation: String,
}

impl Hit {
    /// The decision this hit asks for: uncertain deny and ask become ask; uncertain allow
    /// proves nothing and counts for nothing.
    pub fn effective(&self) -> Option<Decision> {
        match (self.certain, self.decision) {
            (true, d) => Some(d),
            (false, Decision::Allow) => None,
            (false, _) => Some(Decision::Ask),
        }
    }
}

/// How one rule fared, for `explain`.
#[derive(Debug, Clone)]
pub struct Trace {
    pub rule: String,
    pub outcome: Tri,
    pub matched: Option<String>,
}

/// A set of packs ready to evaluate.
pub struct Engine {
    pub packs: Vec<Pack>,
    programs: HashMap<String, ProgramSpec>,
    ctx: Context,
    /// Every secret detector's keywords in one automaton: one pass over a large text tells
    /// which detectors need to look at it at all.
    secret_keywords: std::sync::OnceLock<Option<(aho_corasick::AhoCorasick, Vec<String>)>>,
}

/// A command's arguments read with its program's spec.
#[derive(Debug, Clone, Default)]
pub struct ParsedArgs {
    pub subcommand: Option<String>,
    pub flags: Vec<String>,
    pub operands: Vec<Arg>,
    /// Operands after `--`.
    pub after_dashdash: usize,
    pub written: Vec<Arg>,
}

impl Engine {
    pub fn new(packs: Vec<Pack>, ctx: Context) -> Self {
        let mut programs = HashMap::new();
        for pack in &packs {
            for spec in &pack.programs {
                programs
                    .entry(spec.name.clone())
                    .or_insert_with(|| spec.clone());
            }
        }
        Self {
            packs,
            programs,
            ctx,
            secret_keywords: std::sync::OnceLock::new(),
        }
    }

    /// Every secret detector with its rule id (the journal's redaction uses them).
    pub fn secret_detectors(
        &self,
    ) -> impl Iterator<Item = (&str, &crate::detect::secrets::SecretBlock)> {
        self.rules().flat_map(|r| {
            r.blocks.iter().filter_map(move |b| match b {
                Block::Secret(d, _) => Some((r.id.as_str(), d.as_ref())),
                _ => None,
            })
        })
    }

    fn secret_keywords(&self) -> Option<&(aho_corasick::AhoCorasick, Vec<String>)> {
        self.secret_keywords
            .get_or_init(|| {
                let mut words: Vec<String> = self
                    .rules()
                    .flat_map(|r| r.blocks.iter())
                    .filter_map(|b| match b {
                        Block::Secret(d, _) => Some(d.keywords.iter().cloned()),
                        _ => None,
                    })
                    .flatten()
                    .filter(|k| !k.is_empty())
                    .collect();
                words.sort();
                words.dedup();
                let ac = aho_corasick::AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .build(&words)
                    .ok()?;
                Some((ac, words))
            })
            .as_ref()
    }

    /// Which secret keywords occur in `text` (lower-case).
    fn keywords_in(&self, text: &str) -> std::collections::HashSet<String> {
        let mut present = std::collections::HashSet::new();
        if text.len() <= 8 * 1024 {
            // Short texts: a direct scan is cheaper than building the shared automaton.
            for (_, d) in self.secret_detectors() {
                for k in &d.keywords {
                    if !present.contains(k)
                        && crate::detect::secrets::contains_any_ci(text, std::slice::from_ref(k))
                    {
                        present.insert(k.clone());
                    }
                }
            }
            return present;
        }
        if let Some((ac, words)) = self.secret_keywords() {
            for m in ac.find_overlapping_iter(text) {
                present.insert(words[m.pattern().as_usize()].clone());
            }
        }
        present
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.packs.iter().flat_map(|p| p.rules.iter())
    }

    /// Every hit for `subject`. An error means a pattern failed to compile: fail closed.
    pub fn evaluate(&self, subject: &Subject) -> Result<Vec<Hit>, String> {
        let mut hits = Vec::new();
        self.walk(subject, |rule, outcome, matched| {
            if outcome != Tri::No {
                hits.push(Hit {
                    rule: rule.id.clone(),
                    decision: rule.decision,
                    severity: rule.severity,
                    certain: outcome == Tri::Yes,
                    matched: matched.unwrap_or_default(),
                    message: rule.message.clone(),
                    remediation: rule.remediation.clone(),
                });
            }
        })?;
        Ok(hits)
    }

    /// Every rule that applies to the subject's tool, with its outcome.
    pub fn trace(&self, subject: &Subject) -> Result<Vec<Trace>, String> {
        let mut traces = Vec::new();
        self.walk(subject, |rule, outcome, matched| {
            traces.push(Trace {
                rule: rule.id.clone(),
                outcome,
                matched,
            });
        })?;
        Ok(traces)
    }

    fn walk(
        &self,
        subject: &Subject,
        mut visit: impl FnMut(&Rule, Tri, Option<String>),
    ) -> Result<(), String> {
        let commands: &[Command] = subject.shell.as_ref().map_or(&[], |a| &a.commands);
        let parsed: Vec<OnceCell<ParsedArgs>> = commands.iter().map(|_| OnceCell::new()).collect();
        let phi_cache: Vec<OnceCell<Vec<phi::Finding>>> =
            subject.texts.iter().map(|_| OnceCell::new()).collect();
        let keyword_cache: Vec<OnceCell<std::collections::HashSet<String>>> =
            subject.texts.iter().map(|_| OnceCell::new()).collect();
        let eval = Eval {
            engine: self,
            subject,
            commands,
            parsed: &parsed,
            phi: &phi_cache,
            keywords: &keyword_cache,
        };
        for rule in self.rules() {
            if !rule.tools.matches(&subject.tool)? {
                continue;
            }
            let mut best = (Tri::No, None);
            for block in &rule.blocks {
                let (outcome, matched) = eval.block(block)?;
                if outcome > best.0 {
                    best = (outcome, matched);
                }
                if best.0 == Tri::Yes {
                    break;
                }
            }
            visit(rule, best.0, best.1);
        }
        Ok(())
    }

    /// Read `cmd`'s arguments with its program's spec (and its subcommand's, if any).
    pub fn parse_args(&self, cmd: &Command) -> ParsedArgs {
        let default = ProgramSpec::default();
        let root = self.programs.get(&cmd.program).unwrap_or(&default);
        let (mut flags, operands, dashdash, positions) =
            read_args(&cmd.args, root, root.subcommands);
        let mut out = ParsedArgs::default();
        let mut spec = root;
        let mut operands = operands;
        let mut after_dashdash = dashdash;
        if root.subcommands
            && let (Some(first), Some(&pos)) = (operands.first(), positions.first())
        {
            let sub = first.text.to_ascii_lowercase();
            spec = self
                .programs
                .get(&format!("{} {sub}", cmd.program))
                .unwrap_or(&default);
            let (sub_flags, sub_operands, sub_dashdash, _) =
                read_args(&cmd.args[pos + 1..], spec, false);
            flags.extend(sub_flags);
            operands = sub_operands;
            after_dashdash = sub_dashdash;
            out.subcommand = Some(sub);
        }
        out.written = match spec.writes {
            Writes::None => Vec::new(),
            Writes::Last => operands.last().cloned().into_iter().collect(),
            Writes::All => operands.clone(),
        };
        out.flags = flags;
        out.operands = operands;
        out.after_dashdash = after_dashdash;
        out
    }
}

/// Split args into flags and operands. Returns (flags, operands, operands after `--`,
/// positions of operands in `args`). With `stop_at_operand`, stop at the first operand (a
/// subcommand: what follows belongs to it).
fn read_args(
    args: &[Arg],
    spec: &ProgramSpec,
    stop_at_operand: bool,
) -> (Vec<String>, Vec<Arg>, usize, Vec<usize>) {
    let (mut flags, mut operands, mut positions) = (Vec::new(), Vec::new(), Vec::new());
    let mut after_dashdash = 0;
    let mut dashdash = false;
    let mut i = 0;
    let takes_value = |name: &str| spec.value_options.iter().any(|v| v == name);
    while i < args.len() {
        let arg = &args[i];
        let text = arg.text.as_str();
        if dashdash || arg.dynamic || text.len() < 2 || !text.starts_with('-') {
            if dashdash {
                after_dashdash += 1;
            }
            operands.push(arg.clone());
            positions.push(i);
            if stop_at_operand {
                break;
            }
        } else if text == "--" {
            dashdash = true;
        } else if text.starts_with("--") || spec.single_dash_long {
            let (name, inline) = match text.split_once('=') {
                Some((n, _)) => (n, true),
                None => (text, false),
            };
            flags.push(name.to_string());
            if !inline {
                if takes_value(name) {
                    i += 1;
                } else if let (Some(words), Some(next)) =
                    (spec.optional_values.get(name), args.get(i + 1))
                    && words.contains(&next.text)
                {
                    i += 1;
                }
            }
        } else {
            for (pos, c) in text[1..].char_indices() {
                let flag = format!("-{c}");
                let rest = &text[1 + pos + c.len_utf8()..];
                let value = takes_value(&flag);
                flags.push(flag);
                if value {
                    if rest.is_empty() {
                        i += 1;
                    }
                    break;
                }
            }
        }
        i += 1;
    }
    (flags, operands, after_dashdash, positions)
}

/// One evaluation: the subject plus per-command caches.
struct Eval<'a> {
    engine: &'a Engine,
    subject: &'a Subject,
    commands: &'a [Command],
    parsed: &'a [OnceCell<ParsedArgs>],
    /// PHI findings per text field, computed once for all PHI rules.
    phi: &'a [OnceCell<Vec<phi::Finding>>],
    /// Secret keywords present per text field, computed once for all secret rules.
    keywords: &'a [OnceCell<std::collections::HashSet<String>>],
}

type Outcome = Result<(Tri, Option<String>), String>;

impl Eval<'_> {
    fn block(&self, block: &Block) -> Outcome {
        let mut best = (Tri::No, None);
        let mut consider = |outcome: Tri, matched: String| {
            if outcome > best.0 {
                best = (outcome, Some(matched));
            }
            best.0 == Tri::Yes
        };
        match block {
            Block::Command(b) => {
                for (i, cmd) in self.commands.iter().enumerate() {
                    let outcome = self.command(b, cmd, i)?;
                    if outcome != Tri::No && consider(outcome, describe_command(cmd)) {
                        break;
                    }
                }
            }
            Block::Note(kinds) => {
                if let Some(analysis) = &self.subject.shell {
                    for note in &analysis.notes {
                        if kinds.contains(&note.kind)
                            && consider(
                                Tri::Yes,
                                format!("shell: {}", sanitize::safe(&note.detail)),
                            )
                        {
                            break;
                        }
                    }
                }
            }
            Block::File(b) => {
                for file in &self.subject.files {
                    if b.access.contains(&file.access)
                        && b.any.is_match(&file.path)?
                        && !b
                            .except
                            .as_ref()
                            .map_or(Ok(false), |e| e.is_match(&file.path))?
                        && consider(
                            Tri::Yes,
                            format!("{}: {}", file.field, sanitize::safe(&file.path)),
                        )
                    {
                        break;
                    }
                }
            }
            Block::Url(b) => {
                for url in &self.subject.urls {
                    let host_ok = match (&b.host, &url.host) {
                        (None, _) => true,
                        (Some(g), Some(h)) => g.is_match(h)?,
                        (Some(_), None) => false,
                    };
                    let path_ok = match &b.path {
                        None => true,
                        Some(g) => g.is_match(&url.path)?,
                    };
                    if host_ok
                        && path_ok
                        && consider(
                            Tri::Yes,
                            format!("{}: {}", url.field, sanitize::safe(&url.raw)),
                        )
                    {
                        break;
                    }
                }
            }
            Block::Secret(detector, fields) => {
                for (i, t) in self.subject.texts.iter().enumerate() {
                    if let Some(g) = fields
                        && !g.is_match(&t.field)?
                    {
                        continue;
                    }
                    let present = self.keywords[i].get_or_init(|| self.engine.keywords_in(&t.text));
                    if !detector.keywords.iter().any(|k| present.contains(k)) {
                        continue;
                    }
                    let found = detector.find(&t.text)?;
                    if let Some(first) = found.first() {
                        let value = t.text.get(first.secret.clone()).unwrap_or("");
                        consider(
                            Tri::Yes,
                            format!(
                                "{}: {}",
                                sanitize::safe(&t.field),
                                sanitize::safe(&mask(value))
                            ),
                        );
                        break;
                    }
                }
            }
            Block::Phi(kinds, fields) => {
                for (i, t) in self.subject.texts.iter().enumerate() {
                    if let Some(g) = fields
                        && !g.is_match(&t.field)?
                    {
                        continue;
                    }
                    let findings = self.phi[i].get_or_init(|| phi::scan(&t.text));
                    let mut hit: Vec<&str> = findings
                        .iter()
                        .filter(|f| kinds.is_empty() || kinds.contains(&f.kind))
                        .map(|f| f.kind.id())
                        .collect();
                    hit.sort();
                    hit.dedup();
                    if !hit.is_empty() {
                        // Never the values themselves: only which kinds were seen.
                        consider(
                            Tri::Yes,
                            format!(
                                "{}: patient data ({})",
                                sanitize::safe(&t.field),
                                hit.join(", ")
                            ),
                        );
                        break;
                    }
                }
            }
            Block::Text(conditions) => {
                let mut evidence = Vec::new();
                let mut all = true;
                for c in conditions {
                    match self.field_text(c)? {
                        Some(e) => evidence.push(e),
                        None => {
                            all = false;
                            break;
                        }
                    }
                }
                if all && !conditions.is_empty() {
                    consider(Tri::Yes, evidence.join("; "));
                }
            }
        }
        Ok(best)
    }

    fn field_text(&self, c: &TextCondition) -> Result<Option<String>, String> {
        for t in &self.subject.texts {
            let field_ok = match &c.fields {
                Some(g) => g.is_match(&t.field)?,
                None => true,
            };
            if field_ok && let Some(range) = c.regex.find(&t.text)? {
                let excerpt = t.text.get(range).unwrap_or("");
                return Ok(Some(format!(
                    "{}: {}",
                    t.field,
                    sanitize::excerpt(excerpt, 80)
                )));
            }
        }
        Ok(None)
    }

    fn command(&self, b: &CommandBlock, cmd: &Command, index: usize) -> Result<Tri, String> {
        if let Some(p) = &b.program
            && !p.matches(&cmd.program)?
        {
            return Ok(Tri::No);
        }
        if let Some(p) = &b.program_except
            && p.matches(&cmd.program)?
        {
            return Ok(Tri::No);
        }
        if let Some(fed) = &b.fed_by {
            let mut any = false;
            for p in &cmd.fed_by {
                any |= fed.matches(p)?;
            }
            if !any {
                return Ok(Tri::No);
            }
        }
        for condition in &b.text {
            if !command_text(condition, cmd)? {
                return Ok(Tri::No);
            }
        }
        let args = self.parsed[index].get_or_init(|| self.engine.parse_args(cmd));
        let mut result = Tri::Yes;
        if !b.subcommand.is_empty() {
            let matches = b.subcommand.iter().any(|alt| {
                args.subcommand.as_deref() == alt.first().map(String::as_str)
                    && alt[1..].iter().enumerate().all(|(i, w)| {
                        args.operands
                            .get(i)
                            .is_some_and(|o| o.text.eq_ignore_ascii_case(w))
                    })
            });
            if !matches {
                return Ok(Tri::No);
            }
        }
        let has = |f: &String| args.flags.iter().any(|x| x == f);
        if !b.flags_any.is_empty() && !b.flags_any.iter().any(has) {
            return Ok(Tri::No);
        }
        if !b.flags_all.iter().all(|alts| alts.iter().any(has)) {
            return Ok(Tri::No);
        }
        if b.flags_none.iter().any(has) {
            return Ok(Tri::No);
        }
        let unknown = if b.unknown_maybe { Tri::Maybe } else { Tri::No };
        let from_stdin = if cmd.args_from_stdin {
            unknown
        } else {
            Tri::No
        };
        if let Some(min) = b.operands_min
            && args.operands.len() < min
        {
            if from_stdin == Tri::No {
                return Ok(Tri::No);
            }
            result = result.and(Tri::Maybe);
        }
        if let Some(max) = b.operands_max
            && args.operands.len() > max
        {
            return Ok(Tri::No);
        }
        if let Some(want) = b.dashdash_operands
            && (args.after_dashdash > 0) != want
        {
            return Ok(Tri::No);
        }
        if let Some(any) = &b.operand_any {
            let mut outcome = from_stdin;
            for op in &args.operands {
                if op.dynamic {
                    outcome = outcome.max(unknown);
                } else if any.is_match(&op.text)?
                    && !b
                        .operand_except
                        .as_ref()
                        .map_or(Ok(false), |e| e.is_match(&op.text))?
                {
                    outcome = Tri::Yes;
                    break;
                }
            }
            result = result.and(outcome);
        }
        if let Some(p) = &b.path {
            result = result.and(self.paths(p, cmd, args, unknown)?);
        }
        Ok(result)
    }

    fn paths(
        &self,
        p: &crate::pack::PathCondition,
        cmd: &Command,
        args: &ParsedArgs,
        unknown: Tri,
    ) -> Result<Tri, String> {
        let home = self.engine.ctx.home.as_deref();
        let mut candidates: Vec<&Arg> = Vec::new();
        let is_written = |a: &Arg| args.written.iter().any(|w| std::ptr::eq(w, a) || w == a);
        for op in &args.operands {
            let written = is_written(op);
            let wanted = match p.access {
                PathAccess::Any => true,
                PathAccess::Read => !written,
                PathAccess::Write => written,
            };
            if wanted {
                candidates.push(op);
            }
        }
        // `any` is what the program itself acts on (its operands); redirections are reads
        // or writes the shell does for it.
        for r in &cmd.redirects {
            let wanted = matches!(
                (p.access, r.kind),
                (PathAccess::Read, RedirectKind::Read) | (PathAccess::Write, RedirectKind::Write)
            );
            if wanted {
                candidates.push(&r.target);
            }
        }
        let mut outcome = if cmd.args_from_stdin && p.access != PathAccess::Write {
            unknown
        } else {
            Tri::No
        };
        for arg in candidates {
            let Some(resolved) = shell::resolve_arg(arg, cmd.cwd.as_deref(), home) else {
                outcome = outcome.max(unknown);
                continue;
            };
            let any = match &p.any {
                Some(g) => g.is_match(&resolved)?,
                None => true,
            };
            let except = match &p.except {
                Some(g) => g.is_match(&resolved)?,
                None => false,
            };
            let outside = !p.outside_cwd || !path::is_within(&resolved, &self.subject.cwd);
            if any && !except && outside {
                return Ok(Tri::Yes);
            }
        }
        Ok(outcome)
    }
}

fn command_text(c: &TextCondition, cmd: &Command) -> Result<bool, String> {
    for source in &c.on {
        let text = match source {
            TextSource::Args => cmd
                .args
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            TextSource::Env => cmd
                .assignments
                .iter()
                .map(|(k, v)| format!("{k}={}", v.text))
                .collect::<Vec<_>>()
                .join(" "),
            TextSource::Stdin => cmd.stdin_text.clone(),
            TextSource::Field => continue,
        };
        if c.regex.find(&text)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn describe_command(cmd: &Command) -> String {
    let mut out = format!("command: {}", sanitize::safe(&cmd.display()));
    if !cmd.via.is_empty() {
        out.push_str(&format!(" (via {})", cmd.via.join(" > ")));
    }
    out
}
