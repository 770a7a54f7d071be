//! Rule packs: the on-disk TOML form (rules/README.md documents it), read with spans so
//! every problem names file:line:column, compiled lazily so the hook pays only for the
//! matchers it uses.
//!
//! - [`schema`] reads a pack file into [`Pack`] and reports every error at once.
//! - [`compile`] holds the matchers (name sets, globs, regexes) built on first use.
//! - [`validate`] checks a whole set of packs: duplicate ids, patterns that do not compile,
//!   program specs defined twice, and every rule's examples through the real pipeline.

pub mod compile;
pub mod overlap;
pub mod schema;
pub mod validate;

use crate::detect::phi::PhiKind;
use crate::detect::secrets::SecretBlock;
use crate::normalize::Access;
use crate::normalize::effects::{Kind, Source, SqlKind};
use crate::normalize::shell::NoteKind;
use compile::{Globs, Names, Pattern};
use std::collections::HashMap;
use std::fmt;

/// The packs compiled into the binary: (file name, text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "rules/programs.toml",
        include_str!("../../rules/programs.toml"),
    ),
    ("rules/shell.toml", include_str!("../../rules/shell.toml")),
    ("rules/fs.toml", include_str!("../../rules/fs.toml")),
    ("rules/git.toml", include_str!("../../rules/git.toml")),
    (
        "rules/remote-exec.toml",
        include_str!("../../rules/remote-exec.toml"),
    ),
    (
        "rules/publish.toml",
        include_str!("../../rules/publish.toml"),
    ),
    (
        "rules/db-prod.toml",
        include_str!("../../rules/db-prod.toml"),
    ),
    (
        "rules/secret-paths.toml",
        include_str!("../../rules/secret-paths.toml"),
    ),
    (
        "rules/self-protection.toml",
        include_str!("../../rules/self-protection.toml"),
    ),
    (
        "rules/persistence.toml",
        include_str!("../../rules/persistence.toml"),
    ),
    (
        "rules/secrets.toml",
        include_str!("../../rules/secrets.toml"),
    ),
    ("rules/phi.toml", include_str!("../../rules/phi.toml")),
];

/// The program table of the built-in packs alone, for callers without a loaded policy
/// (tests, benchmarks, fuzzing). Loaded once per process.
pub fn builtin_programs() -> std::sync::Arc<crate::normalize::programs::ProgramTable> {
    static TABLE: std::sync::OnceLock<std::sync::Arc<crate::normalize::programs::ProgramTable>> =
        std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            let ctx = crate::normalize::Context::example();
            let vars = HashMap::new();
            let options = schema::Options {
                ctx: &ctx,
                strict: false,
                vars: &vars,
            };
            let specs: Vec<ProgramSpec> = BUILTIN
                .iter()
                .filter_map(|(file, text)| schema::read_pack(file, text, &options).0)
                .flat_map(|p| p.programs)
                .collect();
            std::sync::Arc::new(crate::normalize::programs::ProgramTable::new(specs.iter()))
        })
        .clone()
}

/// One problem in a pack or policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Where something was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    pub fn diagnostic(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    Allow,
    Ask,
    Deny,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Ask => "ask",
            Self::Deny => "deny",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// A pack: rules plus the program knowledge they share.
#[derive(Debug)]
pub struct Pack {
    pub id: String,
    pub description: String,
    /// Where it comes from: `built-in`, `managed`, `user` or `project`.
    pub layer: &'static str,
    pub file: String,
    pub rules: Vec<Rule>,
    pub programs: Vec<ProgramSpec>,
}

#[derive(Debug)]
pub struct Rule {
    /// `pack.name`, stable: policies and the journal refer to it.
    pub id: String,
    pub decision: Decision,
    pub severity: Severity,
    /// Tool names (globs allowed: `mcp__*`); `UserPromptSubmit` names the prompt.
    pub tools: Names,
    pub message: String,
    pub remediation: String,
    /// The rule hits when any block matches.
    pub blocks: Vec<Block>,
    pub examples: Examples,
    pub location: Location,
}

#[derive(Debug, Default)]
pub struct Examples {
    pub hit: Vec<Example>,
    pub miss: Vec<Example>,
    /// Inputs the rule should catch but does not, each with why.
    pub known_miss: Vec<(Example, String)>,
}

/// One example call: a tool and its input, run through the whole pipeline.
#[derive(Debug, Clone)]
pub struct Example {
    pub tool: String,
    pub input: serde_json::Value,
    pub cwd: Option<String>,
    pub location: Location,
}

impl Example {
    /// A short human form: the command, path or first field.
    pub fn summary(&self) -> String {
        let field = [
            "command",
            "file_path",
            "notebook_path",
            "url",
            "pattern",
            "prompt",
        ]
        .iter()
        .find_map(|k| self.input.get(*k).and_then(|v| v.as_str()));
        match field {
            Some(text) if self.tool == "Bash" => text.to_string(),
            Some(text) => format!("{}: {text}", self.tool),
            None => format!("{}: {}", self.tool, self.input),
        }
    }
}

/// One matcher block: every condition given must hold.
#[derive(Debug)]
pub enum Block {
    /// What the call does: a delete, read, exec... (see `normalize::effects`).
    Effect(Box<EffectBlock>),
    Command(Box<CommandBlock>),
    Note(Vec<NoteKind>),
    File(FileBlock),
    Url(UrlBlock),
    Text(Vec<TextCondition>),
    /// A secret detector over text fields (`fields`: which ones; all when absent).
    Secret(Box<SecretBlock>, Option<Globs>),
    /// Patient data in text fields: any of these kinds (empty: any PHI at all).
    Phi(Vec<PhiKind>, Option<Globs>),
}

impl Block {
    /// What the block looks for, in a line (`toolgate explain` says why a rule missed).
    pub fn wants(&self) -> String {
        let few = |items: &[String]| {
            let mut shown: Vec<&str> = items.iter().take(4).map(String::as_str).collect();
            if items.len() > 4 {
                shown.push("...");
            }
            shown.join(", ")
        };
        match self {
            Block::Effect(b) => {
                let kinds: Vec<&str> = b
                    .kinds
                    .iter()
                    .map(|k| match k {
                        EffectKind::Kind(k) => k.id(),
                        EffectKind::Overwrite => "overwrite",
                    })
                    .collect();
                let mut out = format!("a {} effect", kinds.join("/"));
                if b.recursive == Some(true) {
                    out.push_str(" (recursive)");
                }
                if let Some(p) = &b.path {
                    out.push_str(&format!(" on {}", few(p.patterns())));
                }
                out
            }
            Block::Command(b) => {
                let mut out = match &b.program {
                    Some(p) => format!("a command {}", p.display()),
                    None => "a command".to_string(),
                };
                if !b.flags_any.is_empty() {
                    out.push_str(&format!(" with {}", few(&b.flags_any)));
                }
                if let Some(p) = b.path.as_ref().and_then(|p| p.any.as_ref()) {
                    out.push_str(&format!(" on {}", few(p.patterns())));
                }
                out
            }
            Block::Note(kinds) => {
                let ids: Vec<String> = kinds.iter().map(|k| k.id().to_string()).collect();
                format!("a shell note {}", few(&ids))
            }
            Block::File(b) => format!("a file {}", few(b.any.patterns())),
            Block::Url(b) => match &b.host {
                Some(h) => format!("a URL to {}", few(h.patterns())),
                None => "a URL".into(),
            },
            Block::Text(_) => "text matching its patterns".into(),
            Block::Secret(b, _) => format!("a secret (keywords {})", few(&b.keywords)),
            Block::Phi(..) => "patient data".into(),
        }
    }

    /// Compile every name set, glob and regex in the block now; one message per failure.
    pub fn check(&self) -> Vec<String> {
        let mut results: Vec<Result<(), String>> = Vec::new();
        match self {
            Block::Effect(b) => {
                results.extend(b.path.iter().map(Globs::check));
                results.extend(b.path_except.iter().map(Globs::check));
                results.extend(b.name_any.iter().map(Names::check));
                results.extend(b.name_except.iter().map(Names::check));
                results.extend(b.key_any.iter().map(Names::check));
                results.extend(b.target.iter().map(Pattern::check));
                results.extend(b.target_except.iter().map(Pattern::check));
                results.extend(b.content_any.iter().map(Pattern::check));
            }
            Block::Command(b) => {
                results.extend(b.program.iter().map(Names::check));
                results.extend(b.program_except.iter().map(Names::check));
                results.extend(b.fed_by.iter().map(Names::check));
                results.extend(b.operand_any.iter().map(Globs::check));
                results.extend(b.operand_except.iter().map(Globs::check));
                if let Some(p) = &b.path {
                    results.extend(p.any.iter().map(Globs::check));
                    results.extend(p.except.iter().map(Globs::check));
                }
                results.extend(b.text.iter().map(|t| t.regex.check()));
            }
            Block::File(b) => {
                results.push(b.any.check());
                results.extend(b.except.iter().map(Globs::check));
            }
            Block::Url(b) => {
                results.extend(b.host.iter().map(Globs::check));
                results.extend(b.path.iter().map(Globs::check));
            }
            Block::Text(conditions) => {
                for c in conditions {
                    results.push(c.regex.check());
                    results.extend(c.fields.iter().map(Globs::check));
                }
            }
            Block::Secret(b, fields) => {
                results.extend(b.check().into_iter().map(Err));
                results.extend(fields.iter().map(Globs::check));
            }
            Block::Phi(_, fields) => results.extend(fields.iter().map(Globs::check)),
            Block::Note(_) => {}
        }
        results.into_iter().filter_map(Result::err).collect()
    }
}

/// Which effects a block looks at: a kind, or `overwrite` (a write that replaces content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectKind {
    Kind(Kind),
    Overwrite,
}

/// Conditions on one effect; every condition given must hold.
#[derive(Debug, Default)]
pub struct EffectBlock {
    pub kinds: Vec<EffectKind>,
    pub path: Option<Globs>,
    /// An exception for an area that holds HOME (`/tmp/**` when `HOME=/tmp`, as in CI
    /// containers) never exempts HOME or what is in it.
    pub path_except: Option<Globs>,
    pub outside_cwd: bool,
    /// A recursive effect on a folder matches when something under it does (default). With
    /// `false`, only the effect's own path counts (`rm -rf /tmp` is not a delete of a file
    /// the pattern names inside /tmp).
    pub path_under: bool,
    pub recursive: Option<bool>,
    /// Exec: where the code comes from.
    pub sources: Vec<Source>,
    /// Net hosts, publish registries, credential stores, config tools.
    pub name_any: Option<Names>,
    pub name_except: Option<Names>,
    /// Config keys (globs, case-insensitive).
    pub key_any: Option<Names>,
    pub send: Option<bool>,
    /// Sql: statement kinds.
    pub sql: Vec<SqlKind>,
    /// Sql: a connection target (host, database, URL, service, environment) matches this
    /// and not `target_except`.
    pub target: Option<Pattern>,
    pub target_except: Option<Pattern>,
    /// A target only known at run time may match (the hit is uncertain: deny asks).
    pub unknown_maybe: bool,
    /// Write: the content written matches this regex...
    pub content_any: Option<Pattern>,
    /// ...or is not known (a shell command writing the file some other way).
    pub content_unknown: bool,
}

/// Conditions on one simple shell command.
#[derive(Debug, Default)]
pub struct CommandBlock {
    pub program: Option<Names>,
    pub program_except: Option<Names>,
    /// Alternatives, each a word sequence (`["stash", "clear"]`).
    pub subcommand: Vec<Vec<String>>,
    pub flags_any: Vec<String>,
    /// Each entry is a set of alternatives (`-r|-R|--recursive`); all entries must hold.
    pub flags_all: Vec<Vec<String>>,
    pub flags_none: Vec<String>,
    pub operands_min: Option<usize>,
    pub operands_max: Option<usize>,
    pub dashdash_operands: Option<bool>,
    pub operand_any: Option<Globs>,
    pub operand_except: Option<Globs>,
    pub path: Option<PathCondition>,
    pub fed_by: Option<Names>,
    pub text: Vec<TextCondition>,
    /// `unknown = "maybe"`: an operand or path only known at run time (`$X`, xargs input)
    /// may match, making the hit uncertain (ask). By default such values never match.
    pub unknown_maybe: bool,
}

#[derive(Debug)]
pub struct PathCondition {
    pub any: Option<Globs>,
    pub except: Option<Globs>,
    pub outside_cwd: bool,
    pub access: PathAccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathAccess {
    Any,
    Read,
    Write,
}

/// Where a command's text condition looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    Args,
    Env,
    Stdin,
    /// A tool's text field, by name glob (`content`, `arguments.*`).
    Field,
}

#[derive(Debug)]
pub struct TextCondition {
    pub on: Vec<TextSource>,
    /// For [`TextSource::Field`]: which fields.
    pub fields: Option<Globs>,
    pub regex: Pattern,
}

#[derive(Debug)]
pub struct FileBlock {
    pub any: Globs,
    pub except: Option<Globs>,
    pub access: Vec<Access>,
}

#[derive(Debug)]
pub struct UrlBlock {
    pub host: Option<Globs>,
    pub path: Option<Globs>,
}

pub use crate::normalize::programs::{ProgramSpec, Writes};
