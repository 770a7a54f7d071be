//! Matching: a normalised [`Subject`] against every rule that applies to its tool, giving
//! [`Hit`]s. A condition that depends on something only known at run time (a `$VAR` path,
//! arguments that xargs supplies) answers "maybe"; a rule that matches only through a maybe
//! is an uncertain hit, which the decision step turns into ask, never into silence.

use crate::detect::{mask, phi};
use crate::normalize::effects::{Effect, Kind, Target};
use crate::normalize::programs::ProgramTable;
use crate::normalize::shell::{self, Arg, Command, RedirectKind};
use crate::normalize::{Context, Subject, path};
use crate::pack::{
    Block, CommandBlock, Decision, EffectBlock, EffectKind, Pack, PathAccess, Rule, TextCondition,
    TextSource, Writes,
};
use crate::sanitize;
use std::cell::OnceCell;
use std::sync::Arc;

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

pub use crate::shared::findings::Hit;

/// How one rule fared, for `explain`.
#[derive(Debug, Clone)]
pub struct Trace {
    pub rule: String,
    pub outcome: Tri,
    pub matched: Option<String>,
}

/// Secret keywords present in a text (lower-case).
type Keywords = std::collections::HashSet<String>;

/// A set of packs ready to evaluate.
pub struct Engine {
    pub packs: Vec<Pack>,
    /// Every program spec of the packs: how commands read their arguments and what they do.
    pub programs: Arc<ProgramTable>,
    ctx: Context,
    /// Every secret detector's keywords in one automaton: one pass over a large text tells
    /// which detectors need to look at it at all.
    secret_keywords: std::sync::OnceLock<Option<(aho_corasick::AhoCorasick, Vec<String>)>>,
    /// The last large text's keywords: the decision and the journal's redaction both ask.
    keyword_memo: std::sync::Mutex<Option<(String, Keywords)>>,
}

/// A command's arguments read with its program's spec, plus the operands it writes.
#[derive(Debug, Clone, Default)]
pub struct ParsedArgs {
    pub args: Arc<crate::normalize::programs::ParsedArgs>,
    pub written: Vec<Arg>,
}

impl std::ops::Deref for ParsedArgs {
    type Target = crate::normalize::programs::ParsedArgs;
    fn deref(&self) -> &Self::Target {
        &self.args
    }
}

impl Engine {
    pub fn new(packs: Vec<Pack>, ctx: Context) -> Self {
        Self::with_programs(packs, ctx, None)
    }

    /// Packs evaluated with another engine's program table (a project policy's packs).
    pub fn with_table(packs: Vec<Pack>, ctx: Context, programs: Arc<ProgramTable>) -> Self {
        Self {
            packs,
            programs,
            ctx,
            secret_keywords: std::sync::OnceLock::new(),
            keyword_memo: std::sync::Mutex::new(None),
        }
    }

    /// `lazy_programs`: a trusted table file read entry by entry on first use (the hook's
    /// built-in table; see [`ProgramTable::with_lazy`]).
    pub fn with_programs(
        packs: Vec<Pack>,
        ctx: Context,
        lazy_programs: Option<crate::normalize::programs::IndexedTable>,
    ) -> Self {
        let mut table = ProgramTable::new(packs.iter().flat_map(|p| p.programs.iter()));
        if let Some(indexed) = lazy_programs {
            table = table.with_lazy(indexed, crate::pack::schema::read_program_text);
        }
        let programs = Arc::new(table);
        Self {
            packs,
            programs,
            ctx,
            secret_keywords: std::sync::OnceLock::new(),
            keyword_memo: std::sync::Mutex::new(None),
        }
    }

    /// Every secret detector with its rule id.
    pub fn secret_detectors(
        &self,
    ) -> impl Iterator<Item = (&str, &crate::detect::secrets::SecretBlock)> {
        self.decoded_rules().flat_map(|r| {
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
                    .decoded_rules()
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
                // A DFA: its build costs less than the time it saves over a large text
                // (the only texts this automaton is built for).
                let ac = aho_corasick::AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(&words)
                    .ok()?;
                Some((ac, words))
            })
            .as_ref()
    }

    /// The keyword prefilter's view of a call: keywords found in its texts, and the secret
    /// rules they select (the rest are skipped without running their regexes).
    pub fn prefilter(&self, subject: &Subject) -> (Vec<String>, Vec<String>, Vec<String>) {
        let mut found: std::collections::BTreeSet<String> = Default::default();
        for t in &subject.texts {
            found.extend(self.keywords_in(&t.text));
        }
        let (mut run, mut skipped) = (Vec::new(), Vec::new());
        for (rule, d) in self.secret_detectors() {
            let selected = d.keywords.is_empty() || d.keywords.iter().any(|k| found.contains(k));
            let list = if selected { &mut run } else { &mut skipped };
            if !list.iter().any(|r| r == rule) {
                list.push(rule.to_string());
            }
        }
        (found.into_iter().collect(), run, skipped)
    }

    /// Which secret keywords occur in `text` (lower-case).
    pub fn keywords_in(&self, text: &str) -> std::collections::HashSet<String> {
        let mut present = std::collections::HashSet::new();
        if text.len() <= 8 * 1024 {
            // Short texts: a direct scan is cheaper than building the shared automaton, and
            // the text's byte pairs rule most keywords out without scanning.
            let pairs = crate::detect::Pairs::of(text.as_bytes());
            for (_, d) in self.secret_detectors() {
                for k in &d.keywords {
                    if !present.contains(k)
                        && pairs.may_contain(k.as_bytes())
                        && crate::detect::secrets::contains_any_ci(text, std::slice::from_ref(k))
                    {
                        present.insert(k.clone());
                    }
                }
            }
            return present;
        }
        // A comparison costs far less than a pass of the automaton over a large text.
        if let Ok(last) = self.keyword_memo.lock()
            && let Some((t, known)) = last.as_ref()
            && t == text
        {
            return known.clone();
        }
        if let Some((ac, words)) = self.secret_keywords() {
            // Mark, then copy each keyword once: a large text has thousands of matches.
            let mut seen = vec![false; words.len()];
            for m in ac.find_overlapping_iter(text) {
                seen[m.pattern().as_usize()] = true;
            }
            present.extend(
                words
                    .iter()
                    .zip(seen)
                    .filter(|(_, s)| *s)
                    .map(|(w, _)| w.clone()),
            );
        }
        if let Ok(mut last) = self.keyword_memo.lock() {
            *last = Some((text.to_string(), present.clone()));
        }
        present
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Every rule, in the packs' order. Rules a cached pack deferred are decoded for it,
    /// all of them: the hook's path uses [`Engine::evaluate`], which decodes only those a
    /// call may match.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.packs.iter().flat_map(|p| {
            let mut rules = Vec::with_capacity(p.rules.len());
            match p.deferred.as_ref().map(|d| (d, d.all_with_positions())) {
                Some((d, Ok(deferred))) => merge(
                    d.eager_positions.iter().copied().zip(&p.rules),
                    deferred.into_iter(),
                    |r| rules.push(r),
                ),
                _ => rules.extend(&p.rules),
            }
            rules
        })
    }

    /// The rules decoded with their packs: among them every secret and PHI detector, which
    /// are never deferred (`pack::index`).
    fn decoded_rules(&self) -> impl Iterator<Item = &Rule> {
        self.packs.iter().flat_map(|p| p.rules.iter())
    }

    /// Is `message` and `remediation` what pack rule `id` says (not a built-in check's words)?
    pub fn rule_says(&self, id: &str, message: &str, remediation: &str) -> bool {
        let says = |r: &Rule| r.id == id && r.message == message && r.remediation == remediation;
        self.packs.iter().any(|p| {
            p.rules.iter().any(says)
                || p.deferred.as_ref().is_some_and(|d| {
                    (0..d.len()).any(|s| d.id(s) == id && d.decode(s).is_ok_and(|r| says(&r)))
                })
        })
    }

    /// Every hit for `subject`. An error means a pattern failed to compile: fail closed.
    pub fn evaluate(&self, subject: &Subject) -> Result<Vec<Hit>, String> {
        let mut hits = Vec::new();
        self.walk(subject, false, |rule, outcome, matched| {
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
        self.walk(subject, true, |rule, outcome, matched| {
            traces.push(Trace {
                rule: rule.id.clone(),
                outcome,
                matched,
            });
        })?;
        Ok(traces)
    }

    /// Visit the rules that apply to the subject's tool, in order: with `every`, all of
    /// them; else deferred rules only when the call may match them (any other would be a
    /// `Tri::No`, which evaluation drops).
    fn walk(
        &self,
        subject: &Subject,
        every: bool,
        mut visit: impl FnMut(&Rule, Tri, Option<String>),
    ) -> Result<(), String> {
        let commands: &[Command] = subject.shell.as_ref().map_or(&[], |a| &a.commands);
        let parsed: Vec<OnceCell<ParsedArgs>> = commands.iter().map(|_| OnceCell::new()).collect();
        let phi_cache: Vec<OnceCell<Vec<phi::Finding>>> =
            subject.texts.iter().map(|_| OnceCell::new()).collect();
        let keyword_cache: Vec<OnceCell<std::collections::HashSet<String>>> =
            subject.texts.iter().map(|_| OnceCell::new()).collect();
        let command_texts: Vec<CommandTexts> = commands.iter().map(|_| OnceCell::new()).collect();
        let claimed = std::cell::RefCell::new(Vec::new());
        // A large text that PHI rules will read: its PHI scan runs on a second core while
        // this one finds its secret keywords.
        let phi_rules = self.decoded_rules().any(|r| {
            r.blocks.iter().any(|b| matches!(b, Block::Phi(..)))
                && r.tools.matches(&subject.tool).unwrap_or(true)
        });
        for (i, t) in subject.texts.iter().enumerate() {
            if phi_rules && t.text.len() >= phi::ALONGSIDE_BYTES {
                let (found, keywords) =
                    phi::candidates_alongside(&t.text, || self.keywords_in(&t.text));
                let _ = phi_cache[i].set(phi::score(found));
                let _ = keyword_cache[i].set(keywords);
            }
        }
        let eval = Eval {
            engine: self,
            subject,
            commands,
            parsed: &parsed,
            phi: &phi_cache,
            keywords: &keyword_cache,
            command_texts: &command_texts,
            claimed: &claimed,
            deciding: std::cell::Cell::new(Decision::Allow),
        };
        let mut run = |rule: &Rule| -> Result<(), String> {
            if !rule.tools.matches(&subject.tool)? {
                return Ok(());
            }
            eval.deciding.set(rule.decision);
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
            Ok(())
        };
        let mut grams = None;
        let probe = (!every && self.packs.iter().any(|p| p.deferred.is_some()))
            .then(|| self.probe(subject, &command_texts, &mut grams));
        for pack in &self.packs {
            let Some(d) = &pack.deferred else {
                for rule in &pack.rules {
                    run(rule)?;
                }
                continue;
            };
            let eager = d.eager_positions.iter().copied().zip(&pack.rules);
            let decoded: Vec<(u32, Rule)>;
            let deferred: Vec<(u32, &Rule)> = match &probe {
                None => d.all_with_positions()?,
                Some(probe) => {
                    decoded = d
                        .candidates(probe)
                        .into_iter()
                        .map(|slot| Ok((d.position(slot), d.decode(slot)?)))
                        .collect::<Result<_, String>>()?;
                    decoded.iter().map(|(p, r)| (*p, r)).collect()
                }
            };
            let mut failed = Ok(());
            merge(eager, deferred.into_iter(), |rule| {
                if failed.is_ok() {
                    failed = run(rule);
                }
            });
            failed?;
        }
        Ok(())
    }

    /// What the index of deferred rules needs to know of a call (`pack::index`): every
    /// kind of thing it has, the programs it runs, and a sketch of the texts a literal
    /// could be found in (the subject's texts and each command's joined words and input).
    fn probe<'g>(
        &self,
        subject: &Subject,
        command_texts: &[CommandTexts],
        grams: &'g mut Option<crate::pack::index::Grams>,
    ) -> crate::pack::index::Probe<'g> {
        use crate::pack::index::{GRAM_TEXT_LIMIT, Grams};
        let commands: &[Command] = subject.shell.as_ref().map_or(&[], |a| &a.commands);
        let mut size = subject.texts.iter().map(|t| t.text.len()).sum::<usize>();
        for (cmd, texts) in commands.iter().zip(command_texts) {
            let [args, env] = texts.get_or_init(|| joined_words(cmd));
            size += args.len() + env.len() + cmd.stdin_text.len();
        }
        if size <= GRAM_TEXT_LIMIT {
            let sketch = grams.insert(Grams::new());
            for t in &subject.texts {
                sketch.add(t.text.as_bytes());
            }
            for (cmd, texts) in commands.iter().zip(command_texts) {
                let [args, env] = texts.get_or_init(|| joined_words(cmd));
                sketch.add(args.as_bytes());
                sketch.add(env.as_bytes());
                sketch.add(cmd.stdin_text.as_bytes());
            }
        }
        let mut probe = crate::pack::index::Probe::new(&subject.tool, grams.as_ref());
        for effect in subject.all_effects() {
            probe.effect(effect.kind);
        }
        if !subject.files.is_empty() {
            probe.files();
        }
        if !subject.urls.is_empty() {
            probe.urls();
        }
        if subject.shell.as_ref().is_some_and(|a| !a.notes.is_empty()) {
            probe.notes();
        }
        for cmd in commands {
            probe.program(&cmd.program);
        }
        probe
    }

    /// Read `cmd`'s arguments with its program's spec (and its subcommands', if any).
    /// Arguments that arrive at run time count (`echo / | xargs chmod -R 777`).
    pub fn parse_args(&self, cmd: &Command) -> ParsedArgs {
        // The shell analysis read them already, with this table, in most calls.
        let args = self.programs.read_run_time(cmd);
        let written = match self.programs.spec_of(&args).writes {
            Writes::None => Vec::new(),
            Writes::Last => args.operands.last().cloned().into_iter().collect(),
            Writes::All => args.operands.clone(),
        };
        ParsedArgs { args, written }
    }
}

/// One evaluation: the subject plus per-command caches.
impl crate::detect::SecretSource for Engine {
    fn secret_detectors(&self) -> Vec<(&str, &crate::detect::secrets::SecretBlock)> {
        Engine::secret_detectors(self).collect()
    }
    fn keywords_in(&self, text: &str) -> std::collections::HashSet<String> {
        Engine::keywords_in(self, text)
    }
}

struct Eval<'a> {
    engine: &'a Engine,
    subject: &'a Subject,
    commands: &'a [Command],
    parsed: &'a [OnceCell<ParsedArgs>],
    /// PHI findings per text field, computed once for all PHI rules.
    phi: &'a [OnceCell<Vec<phi::Finding>>],
    /// Secret keywords present per text field, computed once for all secret rules.
    keywords: &'a [OnceCell<std::collections::HashSet<String>>],
    command_texts: &'a [CommandTexts],
    /// Secret values earlier detectors reported, for catch-all detectors to leave alone
    /// (`SecretBlock::fallback`). By value, not place: a detector stops at the first text
    /// field it finds something in, and the same value recurs in derived texts.
    claimed: &'a std::cell::RefCell<Vec<Claim>>,
    /// The decision of the rule being evaluated.
    deciding: std::cell::Cell<Decision>,
}

/// A secret value a detector reported, and what its rule decides.
struct Claim {
    secret: String,
    decision: Decision,
}

impl Claim {
    /// The same secret, perhaps with a quote or a neighbour's character more or less.
    fn covers(&self, value: &str, deciding: Decision) -> bool {
        self.decision >= deciding
            && !value.is_empty()
            && (self.secret.contains(value) || value.contains(self.secret.as_str()))
    }
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
            Block::Effect(b) => {
                for effect in self.subject.all_effects() {
                    let outcome = self.effect(b, effect)?;
                    if outcome != Tri::No && consider(outcome, self.describe_effect(effect)) {
                        break;
                    }
                }
            }
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
                    let mut found = detector.find(&t.text)?;
                    let deciding = self.deciding.get();
                    if detector.fallback {
                        // A value a rule at least as strict already reported is that rule's.
                        let claimed = self.claimed.borrow();
                        found.retain(|f| {
                            let value = t.text.get(f.secret.clone()).unwrap_or("");
                            !claimed.iter().any(|c| c.covers(value, deciding))
                        });
                    }
                    self.claimed
                        .borrow_mut()
                        .extend(found.iter().map(|f| Claim {
                            secret: t.text.get(f.secret.clone()).unwrap_or("").to_string(),
                            decision: deciding,
                        }));
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

    fn describe_effect(&self, effect: &Effect) -> String {
        let mut out = format!("effect: {}", sanitize::safe(&effect.to_string()));
        if let Some(cmd) = effect.command.and_then(|i| self.commands.get(i)) {
            out.push_str(&format!(
                " (in `{}`",
                sanitize::excerpt(&cmd.display(), 120)
            ));
            if !cmd.via.is_empty() {
                out.push_str(&format!(" via {}", sanitize::safe(&cmd.via.join(" > "))));
            }
            out.push(')');
        }
        out
    }

    /// Does `effect` meet every condition of the block?
    fn effect(&self, b: &EffectBlock, effect: &Effect) -> Result<Tri, String> {
        let kind_ok = b.kinds.iter().any(|k| match k {
            EffectKind::Kind(k) => *k == effect.kind,
            EffectKind::Overwrite => effect.kind == Kind::Write && effect.truncate,
        });
        if !kind_ok {
            return Ok(Tri::No);
        }
        if let Some(want) = b.recursive
            && effect.recursive != want
        {
            return Ok(Tri::No);
        }
        if let Some(want) = b.send
            && effect.send != want
        {
            return Ok(Tri::No);
        }
        if !b.sources.is_empty() && !effect.source.is_some_and(|s| b.sources.contains(&s)) {
            return Ok(Tri::No);
        }
        if let Some(any) = &b.carries {
            let mut carried = false;
            for label in &effect.carries {
                if any.matches(label)?
                    && !b
                        .carries_except
                        .as_ref()
                        .map_or(Ok(false), |e| e.matches(label))?
                {
                    carried = true;
                    break;
                }
            }
            if !carried {
                return Ok(Tri::No);
            }
        }
        let unknown = if b.unknown_maybe { Tri::Maybe } else { Tri::No };
        let mut result = Tri::Yes;
        if b.name_any.is_some() || b.name_except.is_some() {
            let Target::Name(name) = &effect.target else {
                return Ok(Tri::No);
            };
            if let Some(any) = &b.name_any
                && !any.matches(name)?
            {
                return Ok(Tri::No);
            }
            if let Some(except) = &b.name_except
                && except.matches(name)?
            {
                return Ok(Tri::No);
            }
        }
        if let Some(keys) = &b.key_any
            && !effect
                .key
                .as_deref()
                .is_some_and(|k| keys.matches(k).unwrap_or(false))
        {
            return Ok(Tri::No);
        }
        if b.path.is_some() || b.path_except.is_some() || b.outside_cwd {
            result = result.and(self.effect_path(b, effect, unknown)?);
        }
        if !b.sql.is_empty() || b.target.is_some() {
            result = result.and(self.effect_sql(b, effect, unknown)?);
        }
        // The content regex is the costly part: only for effects that matched so far.
        if result == Tri::No {
            return Ok(Tri::No);
        }
        if let Some(re) = &b.content_any {
            let hit = match &effect.content {
                Some(text) => re.find(text)?.is_some(),
                None => b.content_unknown,
            };
            if !hit {
                return Ok(Tri::No);
            }
        }
        if !effect.certain {
            result = result.and(Tri::Maybe);
        }
        Ok(result)
    }

    fn effect_path(&self, b: &EffectBlock, effect: &Effect, unknown: Tri) -> Result<Tri, String> {
        let (any, text, literal) = match &effect.target {
            Target::Path(p) => {
                let any = match &b.path {
                    Some(g) => g.is_match(p)? || (effect.recursive && b.path_under && g.under(p)),
                    None => true,
                };
                (any, p.as_str(), p.clone())
            }
            Target::Glob(g) => {
                let any = match &b.path {
                    Some(globs) => {
                        globs.overlaps(g)
                            || (effect.recursive
                                && b.path_under
                                && globs.overlaps(&format!("{}/**", g.trim_end_matches('/'))))
                    }
                    None => true,
                };
                // The exception must cover the glob as written (`/tmp/*` is under /tmp/**).
                (any, g.as_str(), glob_base(g))
            }
            Target::Unknown(_) => return Ok(unknown),
            Target::Name(_) | Target::None => return Ok(Tri::No),
        };
        if !any {
            return Ok(Tri::No);
        }
        if let Some(except) = &b.path_except {
            let exempting: Vec<&str> = except
                .matching(text)?
                .into_iter()
                .filter(|p| !self.area_holding_home(p, &literal))
                .collect();
            if !exempting.is_empty() {
                return Ok(Tri::No);
            }
        }
        if b.outside_cwd && path::is_within(&literal, &self.subject.root) {
            return Ok(Tri::No);
        }
        Ok(Tri::Yes)
    }

    /// An exception for a whole area (`/tmp/**`) that holds the home directory does not
    /// exempt the home directory or anything in it: CI containers set `HOME=/tmp`, and
    /// `rm -rf ~` must not pass there. Name-based exceptions (`**/*.pub`) still apply.
    fn area_holding_home(&self, pattern: &str, path: &str) -> bool {
        let Some(home) = self.engine.ctx.home.as_deref() else {
            return false;
        };
        let fixed = pattern
            .find(['*', '?', '[', '{'])
            .map_or(pattern, |i| &pattern[..i]);
        let area = fixed.trim_end_matches('/');
        !area.is_empty()
            && path::is_within(home, area)
            && (path::is_within(path, home) || path::is_within(home, path))
    }

    fn effect_sql(&self, b: &EffectBlock, effect: &Effect, unknown: Tri) -> Result<Tri, String> {
        let Some(sql) = &effect.sql else {
            return Ok(Tri::No);
        };
        let mut result = Tri::Yes;
        if !b.sql.is_empty() {
            if sql.kinds.iter().any(|k| b.sql.contains(k)) {
            } else if sql
                .kinds
                .contains(&crate::normalize::effects::SqlKind::Unknown)
            {
                result = unknown;
            } else {
                return Ok(Tri::No);
            }
        }
        if let Some(target) = &b.target {
            let mut best = Tri::No;
            for t in &sql.targets {
                if t.dynamic {
                    best = best.max(unknown);
                    continue;
                }
                // Each part of a target on its own: in `postgres://app@prod-db/app_dev` the
                // host is production even though the database name says dev.
                for piece in t.text.split(['/', '@', '?', '&', ' ', '=', ',', ';']) {
                    let prod = !piece.is_empty()
                        && target.find(piece)?.is_some()
                        && !b
                            .target_except
                            .as_ref()
                            .map_or(Ok(false), |e| e.find(piece).map(|m| m.is_some()))?;
                    if prod {
                        best = Tri::Yes;
                        break;
                    }
                }
            }
            result = result.and(best);
        }
        Ok(result)
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
            if !command_text(condition, cmd, &self.command_texts[index])? {
                return Ok(Tri::No);
            }
        }
        for condition in &b.text_except {
            if command_text(condition, cmd, &self.command_texts[index])? {
                return Ok(Tri::No);
            }
        }
        let args = self.parsed[index].get_or_init(|| self.engine.parse_args(cmd));
        let mut result = Tri::Yes;
        if !b.subcommand.is_empty() {
            // `stash drop`: the first word is the subcommand; the rest are the deeper
            // subcommands the table knows, or else the first operands.
            let matches = b.subcommand.iter().any(|alt| {
                args.subcommand() == alt.first().map(String::as_str)
                    && alt[1..].iter().enumerate().all(|(i, w)| {
                        args.subcommands
                            .get(i + 1)
                            .is_some_and(|s| s.eq_ignore_ascii_case(w))
                            || args
                                .operands
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
            // A glob operand (`/usr/local/bin/[t]oolgate`) matches what it can expand to.
            let any = match &p.any {
                Some(g) if arg.glob => g.overlaps(&resolved),
                Some(g) => g.is_match(&resolved)?,
                None => true,
            };
            let except = match &p.except {
                Some(g) if arg.glob => g.overlaps(&resolved) && g.is_match(&resolved)?,
                Some(g) => g.is_match(&resolved)?,
                None => false,
            };
            let outside = !p.outside_cwd || !path::is_within(&resolved, &self.subject.root);
            if any && !except && outside {
                return Ok(Tri::Yes);
            }
        }
        Ok(outcome)
    }
}

/// The folder a glob starts in: `/home/dev/.ss?/id_rsa` -> `/home/dev`.
fn glob_base(glob: &str) -> String {
    let fixed = glob.find(['*', '?', '[']).map_or(glob, |i| &glob[..i]);
    match fixed.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((dir, _)) => dir.to_string(),
    }
}

/// Rules of two lists ordered by their place in the pack, in one order.
fn merge<'r>(
    a: impl Iterator<Item = (u32, &'r Rule)>,
    b: impl Iterator<Item = (u32, &'r Rule)>,
    mut each: impl FnMut(&'r Rule),
) {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some((pa, _)), Some((pb, _))) => pa < pb,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return,
        };
        let next = if take_a { a.next() } else { b.next() };
        if let Some((_, rule)) = next {
            each(rule);
        }
    }
}

/// A command's arguments, and its assignments and inherited variables, each joined by spaces:
/// what text conditions on `args` and `env` read.
fn joined_words(cmd: &Command) -> [String; 2] {
    let args = cmd
        .args
        .iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let env = cmd
        .assignments
        .iter()
        .map(|(k, v)| format!("{k}={}", v.text))
        .chain(cmd.inherited.iter().map(|(k, v)| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join(" ");
    [args, env]
}

fn command_text(c: &TextCondition, cmd: &Command, joined: &CommandTexts) -> Result<bool, String> {
    let [args, env] = joined.get_or_init(|| joined_words(cmd));
    for source in &c.on {
        let text = match source {
            TextSource::Args => args,
            TextSource::Env => env,
            TextSource::Stdin => &cmd.stdin_text,
            TextSource::Field => continue,
        };
        if c.regex.find(text)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A command's arguments and assignments joined for text conditions, once per call rather
/// than once per rule.
type CommandTexts = OnceCell<[String; 2]>;

fn describe_command(cmd: &Command) -> String {
    let mut out = format!("command: {}", sanitize::safe(&cmd.display()));
    if !cmd.via.is_empty() {
        out.push_str(&format!(" (via {})", cmd.via.join(" > ")));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn large_texts_reuse_keywords_only_for_the_same_text() {
        let gate = crate::gate::Gate::load(None, crate::normalize::Context::example(), false)
            .expect("built-in packs load");
        let filler = "let x = 1;\n".repeat(2_000);
        let with = format!("{filler}AWS_SECRET_ACCESS_KEY=...\n");
        let without = format!("{filler}nothing here\n");
        assert!(with.len() > 8 * 1024, "the automaton path");
        let first = gate.engine.keywords_in(&with);
        assert!(first.iter().any(|k| k.contains("aws")), "{first:?}");
        assert_eq!(gate.engine.keywords_in(&with), first);
        let other = gate.engine.keywords_in(&without);
        assert!(!other.iter().any(|k| k.contains("aws")), "{other:?}");
    }
}
