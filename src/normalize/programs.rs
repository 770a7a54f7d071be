//! The program table: how each program reads its arguments and what it does with them.
//!
//! Data, not code: packs describe programs in `[programs."NAME"]` tables (the shared ones
//! are in rules/programs.toml; the format is in rules/README.md). The shell analysis reads
//! every command with its program's spec: which options take values, where a subcommand or
//! a wrapped command starts, which words are paths it deletes, reads or writes, where it
//! sends data, what statements it sends to which database. A new spelling of an old attack
//! is a new table entry, not a new rule.

use super::effects::{Kind, Source};
pub use super::shell::model::ParsedArgs;
use super::shell::model::{Arg, ArgsRead, Command, run_time_args};
use crate::shared::diagnostic::Location;
use std::collections::HashMap;
use std::sync::Arc;

/// Which words of a command an effect applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ArgSel {
    /// Every operand.
    #[default]
    Operands,
    First,
    Last,
    /// All but the first operand.
    Rest,
    /// All but the last operand.
    Init,
    /// No operand (only option values, or a fixed name).
    None,
    /// The folder operands are relative to (a `chdir_options` value, else the working
    /// directory): `tar x` and `unzip` write there.
    Folder,
    /// Operands after `--` (`git checkout REV -- PATH`).
    Pathspec,
}

impl ArgSel {
    pub const NAMES: &'static [&'static str] = &[
        "operands", "first", "last", "rest", "init", "none", "folder", "pathspec",
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "operands" => Self::Operands,
            "first" => Self::First,
            "last" => Self::Last,
            "rest" => Self::Rest,
            "init" => Self::Init,
            "none" => Self::None,
            "folder" => Self::Folder,
            "pathspec" => Self::Pathspec,
            _ => return None,
        })
    }

    pub fn pick(self, operands: &[Arg]) -> &[Arg] {
        let n = operands.len();
        match self {
            Self::Operands => operands,
            Self::First => &operands[..n.min(1)],
            Self::Last => &operands[n.saturating_sub(1)..],
            Self::Rest => &operands[n.min(1)..],
            Self::Init => &operands[..n.saturating_sub(1)],
            Self::None | Self::Folder => &[],
            // `after_dashdash` is not known here: the caller narrows (see `pick_parsed`).
            Self::Pathspec => operands,
        }
    }
}

/// One effect a program has, and which of its words it applies to.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct EffectSpec {
    pub kind: Option<Kind>,
    /// `overwrite` in the table: a write that replaces the old content.
    pub truncate: bool,
    pub args: ArgSel,
    /// The values of these options are targets too (`-o FILE`, `--upload-file FILE`).
    pub options: Vec<String>,
    /// Only words (operands or option values) with this prefix, which is removed (`of=`, `@`).
    pub prefix: Option<String>,
    /// Only when one of these flags is given.
    pub when: Vec<String>,
    /// Not when one of these flags is given.
    pub unless: Vec<String>,
    /// Only when some operand matches one of these word patterns (`*` wildcards).
    pub when_operand: Vec<String>,
    pub recursive: bool,
    /// The effect is recursive when one of these flags is given.
    pub recursive_flags: Vec<String>,
    /// Exec and Write: where the code or content comes from (`curl -o` writes network data).
    pub source: Option<Source>,
    /// Net: data is sent.
    pub send: bool,
    /// A fixed target name (the registry of a publish, the store of a credential read).
    pub name: Option<String>,
    /// The target is the last path component of a URL operand (`wget URL` saves its basename).
    pub basename: bool,
    /// Net: the host is this `:`-separated field of the word (`--resolve HOST:PORT:ADDR`
    /// connects to field 2; brackets keep an IPv6 address whole).
    #[serde(default)]
    pub field: Option<usize>,
}

/// How a program runs another command given in its arguments.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RunSpec {
    /// Operands before the command (`timeout 5 CMD`: 1).
    pub skip: usize,
    /// `VAR=value` words may come before the command (`sudo`, `cross-env`).
    pub assignments: bool,
    /// The rest is one shell command line (`watch 'a | b'`, `ssh host 'cmd'`).
    pub joined: bool,
    /// With one of these flags the program runs no command (`chrt -p`).
    pub unless: Vec<String>,
    /// It runs a command only with one of these flags (`cmake -E rm -rf x`).
    #[serde(default)]
    pub when: Vec<String>,
    /// The command runs somewhere else (`ssh`, `docker exec`, `kubectl exec`); the options'
    /// values and skipped operands name where, for database targets.
    pub remote: bool,
}

/// How a database client names its target and receives statements.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SqlSpec {
    /// Options whose values name the target: host, database, URL, service, environment.
    pub target_options: Vec<String>,
    /// Operands name the target (`psql URL`, `mysql DB`).
    pub target_operands: bool,
    /// Environment variables that name the target (`PGHOST`, `RAILS_ENV`).
    pub target_env: Vec<String>,
    /// Options whose values are statements (`-c`, `--execute`).
    pub statement_options: Vec<String>,
    /// Operands are the statement (`redis-cli -h h FLUSHALL`, `mysqladmin drop db`).
    pub statement_operands: bool,
    /// Options whose values are files of statements, not visible here.
    pub file_options: Vec<String>,
    /// Statements may arrive on standard input.
    pub stdin: bool,
    /// Running the program is itself this statement (`dropdb`).
    pub implicit: Option<String>,
    /// Framework tasks that drop or rebuild the database, as word sequences with `*`
    /// wildcards matched in order against the arguments (`db:drop*`, `migrate reset`).
    pub tasks: Vec<String>,
    /// With one of these options the program reads the data out (`redis-cli --rdb FILE`).
    #[serde(default)]
    pub read_options: Vec<String>,
}

/// Everything the table says about one program (or `program subcommand`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ProgramSpec {
    /// `git` or `git checkout`.
    pub name: String,
    /// Other names for this subcommand (`npm pub` is `npm publish`).
    pub aliases: Vec<String>,
    pub value_options: Vec<String>,
    /// Options whose value is taken only when it is one of the listed words.
    pub optional_values: std::collections::BTreeMap<String, Vec<String>>,
    /// Long options that take no value, for GNU-style abbreviations (`--rec`).
    pub flags: Vec<String>,
    /// Spellings of one option (`-r`, `-R`, `--recursive`), first the canonical one: where a
    /// rule written as text (a managed `Bash(rm -rf *)`) is compared by meaning.
    #[serde(default)]
    pub synonyms: Vec<Vec<String>>,
    /// What the program prints besides files: `operands` (echo, printf: variables expanded
    /// in them reach the output) or `environment` (env, printenv, declare: every variable
    /// when run without operands and with no flag or one of `dump_flags`, else the named
    /// ones). See `shell::flow`.
    #[serde(default)]
    pub prints: Option<String>,
    #[serde(default)]
    pub dump_flags: Vec<String>,
    /// Option values that run as shell code when they start with one of the prefixes
    /// (`ssh -o ProxyCommand=CMD`, `tar --checkpoint-action=exec=CMD`).
    #[serde(default)]
    pub code_values: std::collections::BTreeMap<String, Vec<String>>,
    /// Option values that are code in the program's own language (`emacs --eval`), read
    /// like an interpreter one-liner.
    #[serde(default)]
    pub lang_options: Vec<String>,
    /// Environment variables whose value the program runs as a command (`PAGER` for man,
    /// `CC` for make, `EDITOR` for crontab).
    #[serde(default)]
    pub code_env: Vec<String>,
    /// Arguments and input lines starting with one of these are shell commands
    /// (`sqlite3 '.shell CMD'`, psql's `\\! CMD`, gdb's `shell CMD`).
    #[serde(default)]
    pub code_prefixes: Vec<String>,
    /// ... or code in the program's own language (gdb's `python CODE`).
    #[serde(default)]
    pub lang_prefixes: Vec<String>,
    /// What arrives on standard input is the program's code (`tclsh`, `jshell`, `m4`).
    #[serde(default)]
    pub lang_stdin: bool,
    /// Source files it is given run (`go run x.go`, `java X.java`, `gcc x.c && ./a.out`):
    /// one written earlier in the line is read as code.
    #[serde(default)]
    pub runs_source: bool,
    /// Options naming a file the program reads as its own settings, and which settings file
    /// it stands for (`ssh -F FILE` is `~/.ssh/config`): one written earlier in the line is
    /// read for the commands it plants.
    #[serde(default)]
    pub config_options: std::collections::BTreeMap<String, String>,
    /// Options naming a file of code the program runs (`emacs -l FILE`, `vim -S FILE`): one
    /// written earlier in the line is read as code; one in a temporary folder is code not
    /// visible here.
    #[serde(default)]
    pub code_files: Vec<String>,
    pub subcommands: bool,
    /// `find -name x`: options are whole words after one dash.
    pub single_dash_long: bool,
    /// `tar czf x.tgz`: a first word without a dash is a cluster of options.
    pub bundled_first: bool,
    /// Which operands are written (the rest are read), for `path_access` in command blocks
    /// and the default effects.
    pub writes: Writes,
    /// Effects, when the table lists them; otherwise operands are read.
    pub effects: Option<Vec<EffectSpec>>,
    pub runs: Option<RunSpec>,
    /// Options whose value is the folder operands are relative to (`tar -C dir`).
    pub chdir_options: Vec<String>,
    /// Operands may be `host:path` on another machine (scp, rsync): those are network
    /// effects, not local paths.
    pub remote_paths: bool,
    /// Option values that are shell code (`script -c`, `flock -c`, `nix-shell --run`).
    pub code_options: Vec<String>,
    pub sql: Option<SqlSpec>,
    /// What the program prints: `network` (curl), `decoded` (base64 -d). Code fed from it
    /// has that source.
    pub output: Option<Source>,
    pub location: Location,
}

/// Which operands a program writes to (the rest it reads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Writes {
    #[default]
    None,
    Last,
    All,
}

/// All program specs of the loaded packs, by name.
#[derive(Debug, Default)]
pub struct ProgramTable {
    specs: HashMap<String, ProgramSpec>,
    /// `npm pub` -> `npm publish`.
    aliases: HashMap<String, String>,
    /// The built-in table on the hook path: each entry read when first asked for. Parsing
    /// all of rules/programs.toml costs about 2 ms; a call asks for a handful.
    lazy: Option<LazyEntries>,
}

/// Reads one `[programs."NAME"]` entry's text (see `pack::schema::read_program_text`).
pub type EntryReader = fn(&str, &str) -> Option<ProgramSpec>;

/// A trusted table file indexed at build time (build.rs): its text, its entries `(name,
/// start, end)` sorted by name, and its aliases `(alias, name)` sorted by alias.
#[derive(Debug, Clone, Copy)]
pub struct IndexedTable {
    pub text: &'static str,
    pub entries: &'static [(&'static str, u32, u32)],
    pub aliases: &'static [(&'static str, &'static str)],
}

#[derive(Debug)]
struct LazyEntries {
    table: IndexedTable,
    read: EntryReader,
    /// One per entry, in `table.entries` order.
    cells: Box<[std::sync::OnceLock<Option<Box<ProgramSpec>>>]>,
}

static DEFAULT_SPEC: std::sync::LazyLock<ProgramSpec> =
    std::sync::LazyLock::new(ProgramSpec::default);

impl ProgramTable {
    /// The first description of each program wins (duplicates are a load error anyway).
    pub fn new<'a>(specs: impl IntoIterator<Item = &'a ProgramSpec>) -> Self {
        let mut table = Self::default();
        for spec in specs {
            for alias in &spec.aliases {
                let full = match spec.name.rsplit_once(' ') {
                    Some((parent, _)) => format!("{parent} {alias}"),
                    None => alias.clone(),
                };
                table
                    .aliases
                    .entry(full)
                    .or_insert_with(|| spec.name.clone());
            }
            table
                .specs
                .entry(spec.name.clone())
                .or_insert_with(|| spec.clone());
        }
        table
    }

    /// Add the entries of a trusted, pre-indexed table file (the built-in one, checked by
    /// `toolgate test`), to be read on first use. Entries and aliases already described win.
    pub fn with_lazy(mut self, table: IndexedTable, read: EntryReader) -> Self {
        let cells = table
            .entries
            .iter()
            .map(|_| std::sync::OnceLock::new())
            .collect();
        self.lazy = Some(LazyEntries { table, read, cells });
        self
    }

    pub fn get(&self, name: &str) -> Option<&ProgramSpec> {
        self.lookup(name)
            .or_else(|| {
                self.aliases
                    .get(name)
                    .and_then(|canonical| self.lookup(canonical))
            })
            .or_else(|| {
                let aliases = self.lazy.as_ref()?.table.aliases;
                let i = aliases.binary_search_by(|(a, _)| (*a).cmp(name)).ok()?;
                self.lookup(aliases[i].1)
            })
    }

    fn lookup(&self, name: &str) -> Option<&ProgramSpec> {
        if let Some(spec) = self.specs.get(name) {
            return Some(spec);
        }
        let lazy = self.lazy.as_ref()?;
        let entries = lazy.table.entries;
        let i = entries.binary_search_by(|(n, ..)| (*n).cmp(name)).ok()?;
        let (_, start, end) = entries[i];
        lazy.cells[i]
            .get_or_init(|| {
                let text = lazy.table.text.get(start as usize..end as usize)?;
                (lazy.read)(name, text).map(Box::new)
            })
            .as_deref()
    }

    /// Every program name the table knows (not subcommands), for matching a glob typed in
    /// the program position (`/usr/bin/[r]m`).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let lazy = self.lazy.iter().flat_map(|l| {
            let names = l.table.entries.iter().map(|(n, ..)| *n);
            names.chain(l.table.aliases.iter().map(|(a, _)| *a))
        });
        self.specs
            .keys()
            .chain(self.aliases.keys())
            .map(String::as_str)
            .chain(lazy)
            .filter(|n| !n.contains(' '))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Read `args` of `program` with its spec, descending into subcommands.
    pub fn parse(&self, program: &str, args: &[Arg]) -> ParsedArgs {
        let mut spec = self.get(program).unwrap_or(&DEFAULT_SPEC);
        let mut path = program.to_string();
        let mut out = ParsedArgs {
            spec_name: spec.name.clone(),
            ..Default::default()
        };
        let mut rest: &[Arg] = args;
        // `git -C x push`, `docker buildx build`, `aws configure get`: each level reads its
        // own options up to its subcommand.
        for _ in 0..4 {
            let stop = spec.subcommands;
            let read = read_args(rest, spec, stop.then_some(1));
            out.flags.extend(read.flags);
            out.values.extend(read.values);
            if !stop {
                out.operands = read.operands;
                out.after_dashdash = read.after_dashdash;
                break;
            }
            let (Some(first), Some(&pos)) = (read.operands.first(), read.positions.first()) else {
                out.operands = read.operands;
                break;
            };
            let sub = first.text.to_ascii_lowercase();
            let key = format!("{path} {sub}");
            let canonical = self
                .get(&key)
                .map(|s| s.name.rsplit(' ').next().unwrap_or(&sub).to_string())
                .unwrap_or(sub);
            out.subcommands.push(canonical.clone());
            path = format!("{path} {canonical}");
            spec = self.get(&path).unwrap_or(&DEFAULT_SPEC);
            // An unknown subcommand reads its operands like any unknown program.
            out.spec_name = spec.name.clone();
            rest = &rest[pos + 1..];
            if !spec.subcommands {
                let read = read_args(rest, spec, None);
                out.flags.extend(read.flags);
                out.values.extend(read.values);
                out.operands = read.operands;
                out.after_dashdash = read.after_dashdash;
                break;
            }
        }
        out
    }

    /// Where the command that `program` runs starts in `args`, if it runs one (`sudo`,
    /// `timeout 5`, `kubectl exec POD --`), per the table's `runs` specs.
    pub fn runner(&self, program: &str, args: &[Arg]) -> Option<Runner<'_>> {
        let mut spec = self.get(program)?;
        let mut offset = 0;
        let mut context: Vec<String> = Vec::new();
        for _ in 0..4 {
            let rest = &args[offset.min(args.len())..];
            if let Some(runs) = &spec.runs {
                let read = read_args(rest, spec, Some(runs.skip + 1));
                if read.flags.iter().any(|f| runs.unless.contains(f))
                    || (!runs.when.is_empty() && !read.flags.iter().any(|f| runs.when.contains(f)))
                {
                    return None;
                }
                context.extend(read.values.iter().map(|(_, v)| v.text.clone()));
                if read.operands.len() <= runs.skip {
                    return None;
                }
                context.extend(read.operands[..runs.skip].iter().map(|a| a.text.clone()));
                return Some(Runner {
                    spec: runs,
                    start: offset + read.positions[runs.skip],
                    context,
                });
            }
            if !spec.subcommands {
                return None;
            }
            let read = read_args(rest, spec, Some(1));
            context.extend(read.values.iter().map(|(_, v)| v.text.clone()));
            let (first, pos) = (read.operands.first()?, *read.positions.first()?);
            spec = self.get(&format!(
                "{} {}",
                spec.name,
                first.text.to_ascii_lowercase()
            ))?;
            offset += pos + 1;
        }
        None
    }

    /// The spec that read the arguments (the deepest subcommand with a spec).
    pub fn spec_of(&self, parsed: &ParsedArgs) -> &ProgramSpec {
        self.get(&parsed.spec_name).unwrap_or(&DEFAULT_SPEC)
    }
}

/// A runner found by [`ProgramTable::runner`].
#[derive(Debug)]
pub struct Runner<'a> {
    pub spec: &'a RunSpec,
    /// Index in the arguments where the command starts.
    pub start: usize,
    /// Option values and skipped operands: where the command runs, for remote runners.
    pub context: Vec<String>,
}

struct ReadArgs {
    flags: Vec<String>,
    values: Vec<(String, Arg)>,
    operands: Vec<Arg>,
    after_dashdash: usize,
    positions: Vec<usize>,
}

/// Split args into flags, option values and operands. With `max_operands`, stop after that
/// many operands (a subcommand, or the command a runner runs: what follows belongs to it).
fn read_args(args: &[Arg], spec: &ProgramSpec, max_operands: Option<usize>) -> ReadArgs {
    let mut out = ReadArgs {
        flags: Vec::new(),
        values: Vec::new(),
        operands: Vec::new(),
        after_dashdash: 0,
        positions: Vec::new(),
    };
    let mut dashdash = false;
    let takes_value = |name: &str| spec.value_options.iter().any(|v| v == name);
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let text = arg.text.as_str();
        if i == 0
            && spec.bundled_first
            && !text.starts_with('-')
            && !arg.dynamic
            && text.chars().all(|c| c.is_ascii_alphabetic())
        {
            // `tar czf out.tgz dir`: the letters are options, values follow in order.
            let mut next = 1;
            for c in text.chars() {
                let flag = format!("-{c}");
                if takes_value(&flag) {
                    if let Some(v) = args.get(next) {
                        out.values.push((flag.clone(), v.clone()));
                    }
                    next += 1;
                }
                out.flags.push(flag);
            }
            i = next;
            continue;
        }
        if dashdash || arg.dynamic || text.len() < 2 || !text.starts_with('-') {
            if dashdash {
                out.after_dashdash += 1;
            }
            out.operands.push(arg.clone());
            out.positions.push(i);
            if max_operands.is_some_and(|m| out.operands.len() >= m) {
                break;
            }
        } else if text == "--" {
            dashdash = true;
        } else if text.starts_with("--") || spec.single_dash_long {
            let (written, inline) = match text.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (text, None),
            };
            let name = expand_abbreviation(written, spec);
            if name != written {
                // Rules see both the spelling and what it abbreviates.
                out.flags.push(written.to_string());
            }
            out.flags.push(name.clone());
            match inline {
                Some(v) => out.values.push((
                    name,
                    Arg {
                        text: v.to_string(),
                        ..arg.clone()
                    },
                )),
                None if takes_value(&name) => {
                    if let Some(v) = args.get(i + 1) {
                        out.values.push((name, v.clone()));
                    }
                    i += 1;
                }
                None => {
                    if let (Some(words), Some(next)) =
                        (spec.optional_values.get(&name), args.get(i + 1))
                        && words.contains(&next.text)
                    {
                        out.values.push((name, next.clone()));
                        i += 1;
                    }
                }
            }
        } else if text.len() > 2 && takes_value(text) {
            // A one-dash option of several letters the table names whole (`zip -TT CMD`).
            if let Some(v) = args.get(i + 1) {
                out.values.push((text.to_string(), v.clone()));
            }
            out.flags.push(text.to_string());
            i += 1;
        } else {
            for (pos, c) in text[1..].char_indices() {
                let flag = format!("-{c}");
                let rest = &text[1 + pos + c.len_utf8()..];
                let value = takes_value(&flag);
                out.flags.push(flag.clone());
                if value {
                    if rest.is_empty() {
                        if let Some(v) = args.get(i + 1) {
                            out.values.push((flag, v.clone()));
                        }
                        i += 1;
                    } else {
                        out.values.push((
                            flag,
                            Arg {
                                text: rest.to_string(),
                                ..arg.clone()
                            },
                        ));
                    }
                    break;
                }
            }
        }
        i += 1;
    }
    out
}

/// GNU and git accept any unambiguous prefix of a long option (`--rec` is `--recursive`).
/// An ambiguous prefix fails in the program; the shortest candidate is taken here, which
/// for the options rules care about is the dangerous one (`--forc` -> `--force`).
fn expand_abbreviation(written: &str, spec: &ProgramSpec) -> String {
    // GNU: `--rec`; PowerShell and other one-dash programs: `-rec`, `-fo`. Only specs that
    // list their long flags expand: an option missing from an incomplete list must not turn
    // into a longer one (`git switch --force` is not `--force-create`).
    let long = written.starts_with("--") && written.len() >= 3;
    let single = spec.single_dash_long && !written.starts_with("--") && written.len() >= 2;
    if (!long && !single) || spec.flags.is_empty() {
        return written.to_string();
    }
    let known = spec.flags.iter().chain(spec.value_options.iter());
    if known.clone().any(|k| k == written) {
        return written.to_string();
    }
    let dashes = if long { "--" } else { "-" };
    known
        .filter(|k| {
            k.starts_with(dashes) && (long || !k.starts_with("--")) && k.starts_with(written)
        })
        .min_by_key(|k| k.len())
        .cloned()
        .unwrap_or_else(|| written.to_string())
}

/// `*` wildcards over a whole word, case-insensitive (task names, operand patterns).
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Does `words` contain the space-separated pattern words in order (wildcards per word)?
pub fn has_sequence(pattern: &str, words: &[&str]) -> bool {
    let mut at = 0;
    for want in pattern.split_whitespace() {
        match words[at..].iter().position(|w| wildcard(want, w)) {
            Some(pos) => at += pos + 1,
            None => return false,
        }
    }
    true
}

impl ProgramTable {
    /// The analysis's reading of `cmd`'s arguments, when it was made by this table from
    /// the words the command has now.
    fn kept(&self, cmd: &Command) -> Option<Arc<ParsedArgs>> {
        let read = cmd.read.as_ref()?;
        (read.table == self as *const ProgramTable as usize
            && read.program == cmd.program
            && read.from_stdin == cmd.args_from_stdin
            && read.args == cmd.args
            && read.placeholder == cmd.placeholder)
            .then(|| read.parsed.clone())
    }

    /// The canonical spelling of `flag` for the spec that read it (`spec_name` of
    /// [`ParsedArgs`]): `--recursive` and `-R` are rm's `-r`.
    pub fn canonical_flag<'a>(&'a self, spec_name: &str, flag: &'a str) -> &'a str {
        self.get(spec_name)
            .and_then(|spec| spec.synonyms.iter().find(|g| g.iter().any(|f| f == flag)))
            .and_then(|group| group.first())
            .map_or(flag, String::as_str)
    }

    /// `cmd`'s arguments as they arrive at run time ([`run_time_args`]), read once: the
    /// shell analysis keeps its reading on the command and the engine reuses it.
    pub fn read_run_time(&self, cmd: &Command) -> Arc<ParsedArgs> {
        self.kept(cmd)
            .unwrap_or_else(|| Arc::new(self.parse(&cmd.program, &run_time_args(cmd))))
    }

    /// `cmd`'s arguments as written (no run-time input stands in): the kept reading when
    /// the command takes none, else read now.
    pub fn read_written(&self, cmd: &Command) -> Arc<ParsedArgs> {
        match self.kept(cmd) {
            Some(kept) if !cmd.args_from_stdin && cmd.placeholder.is_empty() => kept,
            _ => Arc::new(self.parse(&cmd.program, &cmd.args)),
        }
    }

    /// Read `cmd`'s run-time arguments and keep the reading on it.
    pub fn remember_args(&self, cmd: &mut Command) -> Arc<ParsedArgs> {
        if let Some(kept) = self.kept(cmd) {
            return kept;
        }
        let parsed = Arc::new(self.parse(&cmd.program, &run_time_args(cmd)));
        cmd.read = Some(Arc::new(ArgsRead {
            table: self as *const ProgramTable as usize,
            program: cmd.program.clone(),
            args: cmd.args.clone(),
            placeholder: cmd.placeholder.clone(),
            from_stdin: cmd.args_from_stdin,
            parsed: parsed.clone(),
        }));
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<Arg> {
        words.iter().map(|w| Arg::literal(*w)).collect()
    }

    /// Arguments are read once per command: the shell analysis keeps its reading, every
    /// later reader with the same table gets that very reading, and a command whose words
    /// changed since is read again.
    #[test]
    fn a_commands_arguments_are_read_once_and_never_stale() {
        let programs = crate::pack::builtin_programs();
        let env = crate::normalize::shell::Env {
            cwd: Some("/home/dev/p".into()),
            home: Some("/home/dev".into()),
            tmpdir: "/tmp".into(),
            programs: programs.clone(),
            disk: crate::normalize::Disk::Off,
        };
        let analysis = crate::normalize::shell::analyze(
            "curl -X POST https://example.com/a && find . -name x | xargs rm -f",
            &env,
        );
        assert!(analysis.commands.len() >= 3);
        for cmd in analysis.commands.iter().filter(|c| !c.program.is_empty()) {
            let kept = cmd
                .read
                .as_ref()
                .expect("the analysis kept its reading")
                .parsed
                .clone();
            assert!(
                Arc::ptr_eq(&programs.read_run_time(cmd), &kept),
                "{}",
                cmd.program
            );
            if !cmd.args_from_stdin && cmd.placeholder.is_empty() {
                assert!(Arc::ptr_eq(&programs.read_written(cmd), &kept));
            }
            let mut changed = cmd.clone();
            changed.args.push(Arg::literal("--extra"));
            assert!(!Arc::ptr_eq(&programs.read_run_time(&changed), &kept));
            let other = Arc::new(ProgramTable::new(std::iter::empty()));
            assert!(
                !Arc::ptr_eq(&other.read_run_time(cmd), &kept),
                "another table reads anew"
            );
        }
    }

    #[test]
    fn wildcards_and_sequences() {
        assert!(wildcard("db:drop*", "db:drop:all"));
        assert!(wildcard("*manage.py", "./manage.py"));
        assert!(!wildcard("db:drop", "db:dropx"));
        assert!(has_sequence(
            "db push --force-reset",
            &["db", "push", "--accept-data-loss", "--force-reset"]
        ));
        assert!(!has_sequence("migrate reset", &["reset", "migrate"]));
    }

    #[test]
    fn abbreviations_expand_to_the_shortest_candidate() {
        let spec = ProgramSpec {
            flags: vec![
                "--recursive".into(),
                "--force".into(),
                "--force-with-lease".into(),
            ],
            ..Default::default()
        };
        assert_eq!(expand_abbreviation("--rec", &spec), "--recursive");
        assert_eq!(expand_abbreviation("--forc", &spec), "--force");
        assert_eq!(
            expand_abbreviation("--force-w", &spec),
            "--force-with-lease"
        );
        assert_eq!(expand_abbreviation("--zzz", &spec), "--zzz");
    }

    #[test]
    fn subcommands_descend_and_aliases_resolve() {
        let specs = [
            ProgramSpec {
                name: "docker".into(),
                subcommands: true,
                value_options: vec!["-H".into()],
                ..Default::default()
            },
            ProgramSpec {
                name: "docker buildx".into(),
                subcommands: true,
                ..Default::default()
            },
            ProgramSpec {
                name: "docker buildx build".into(),
                value_options: vec!["-t".into()],
                aliases: vec!["b".into()],
                ..Default::default()
            },
        ];
        let table = ProgramTable::new(specs.iter());
        let p = table.parse(
            "docker",
            &args(&["-H", "x", "buildx", "b", "--push", "-t", "img", "."]),
        );
        assert_eq!(p.subcommands, ["buildx", "build"]);
        assert!(p.has("--push") && p.has("-H"));
        assert_eq!(p.operands.len(), 1);
        assert_eq!(p.spec_name, "docker buildx build");
        assert_eq!(p.values_of(&["-t".to_string()]).next().unwrap().text, "img");
    }

    #[test]
    fn bundled_first_word_is_options() {
        let spec = ProgramSpec {
            name: "tar".into(),
            bundled_first: true,
            value_options: vec!["-f".into()],
            ..Default::default()
        };
        let table = ProgramTable::new([&spec]);
        let p = table.parse("tar", &args(&["czf", "out.tgz", "src"]));
        assert!(p.has("-c") && p.has("-z"));
        assert_eq!(p.values[0].1.text, "out.tgz");
        assert_eq!(p.operands[0].text, "src");
    }
}
