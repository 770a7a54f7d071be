//! The command model: what the shell analysis produces (commands, their words, redirects,
//! notes) and the environment it runs in.

use crate::normalize::effects::{Effect, Source};

/// One word after quote removal and the expansions that can be known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    /// Part of the word is only known at run time (`$VAR`, `$(...)`, `{}` in xargs).
    pub dynamic: bool,
    /// The word holds an unquoted `*`, `?` or `[`: the shell expands it to matching paths.
    pub glob: bool,
}

impl Arg {
    pub fn literal(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            dynamic: false,
            glob: false,
        }
    }

    pub fn dynamic(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            dynamic: true,
            glob: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    Read,
    /// `>`, `>|`, `&>`: the file is truncated first.
    Write,
    /// `>>`: written at the end.
    Append,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub kind: RedirectKind,
    pub target: Arg,
}

/// A simple command after wrappers were stripped.
#[derive(Debug, Clone, Default)]
pub struct Command {
    /// Basename of the program, lower-cased (macOS file systems ignore case), `.exe` removed.
    /// Empty for a bare redirection (`> /dev/sda`).
    pub program: String,
    /// Arguments after the program.
    pub args: Vec<Arg>,
    /// `VAR=value` given to the command (prefix assignments and `env`'s).
    pub assignments: Vec<(String, Arg)>,
    /// Variables given a known value earlier in the command line (`export AWS_PROFILE=prod;
    /// aws ...`), and `PWD` when `cd` moved it: what the program may see besides its own
    /// assignments. Rules' `env` text reads both.
    pub inherited: Vec<(String, String)>,
    pub redirects: Vec<Redirect>,
    /// Working directory the command runs in, where known (`cd` is tracked).
    pub cwd: Option<String>,
    /// Wrappers stripped from the front, outermost first.
    pub wrappers: Vec<String>,
    /// Programs whose output reaches this command: earlier pipeline stages, substitutions in
    /// its words, process substitutions.
    pub fed_by: Vec<String>,
    /// Text known to arrive on stdin: heredocs, here-strings, `echo ... |`.
    pub stdin_text: String,
    /// More arguments arrive at run time (xargs, parallel, find -exec's `{}`).
    pub args_from_stdin: bool,
    /// How this command was reached, outermost first: `bash -c`, `$(...)`, `find -exec`.
    pub via: Vec<String>,
    /// The program word as a path, when it names one (`./install.sh`, `/tmp/x`).
    pub program_path: Option<String>,
    /// What `{}` or run-time arguments stand for, when known: find's starting points
    /// (`find ~ -exec rm {} +`), paths piped into xargs. Each is recursive (find descends).
    pub placeholder: Vec<Arg>,
    /// Where the command runs when not here: `ssh prod-db`, `kubectl -n production`.
    pub remote: Vec<String>,
    /// What the code or data on its input is, when known (downloaded, decoded).
    pub fed_source: Option<Source>,
    /// Inferred from an unknown program's arguments (`with-retry rm -rf ~`): it may not
    /// run at all, so its effects are uncertain.
    pub speculative: bool,
    /// Its arguments as the analysis read them with the program table (see
    /// `ProgramTable::read_run_time`): read once per command.
    pub read: Option<std::sync::Arc<ArgsRead>>,
}

impl Command {
    /// The command as a readable line (not shell-quoted; for display only).
    pub fn display(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.assignments {
            out.push_str(&format!("{name}={} ", value.text));
        }
        out.push_str(if self.program.is_empty() {
            "(redirection)"
        } else {
            &self.program
        });
        for arg in &self.args {
            out.push(' ');
            out.push_str(&arg.text);
        }
        for r in &self.redirects {
            out.push_str(match r.kind {
                RedirectKind::Read => " <",
                RedirectKind::Write => " >",
                RedirectKind::Append => " >>",
            });
            out.push_str(&r.target.text);
        }
        out
    }
}

/// Something about the command that could not be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NoteKind {
    /// The command does not parse (it was matched as far as it could be read).
    ParseError,
    /// The program name is only known at run time (`$x -rf /`, `$(echo rm) ...`).
    DynamicProgram,
    /// Code that will run is hidden: `bash -c "$x"`, `eval "$x"`, `xargs bash -c`.
    HiddenCode,
    /// Too long, too nested or too recursive to analyse safely.
    TooComplex,
    /// The parser ran out of time or failed internally.
    ParserFailure,
}

impl NoteKind {
    /// The notes rules can name. A parser failure is not among them: it always blocks
    /// (fail closed, see `policy::Gate::decide`).
    pub const RULE_NOTES: [NoteKind; 4] = [
        Self::ParseError,
        Self::DynamicProgram,
        Self::HiddenCode,
        Self::TooComplex,
    ];

    /// The name rules use (`note = ["parse-error"]`).
    pub fn id(self) -> &'static str {
        match self {
            Self::ParseError => "parse-error",
            Self::DynamicProgram => "dynamic-program",
            Self::HiddenCode => "hidden-code",
            Self::TooComplex => "too-complex",
            Self::ParserFailure => "parser-failure",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::RULE_NOTES.into_iter().find(|k| k.id() == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    pub detail: String,
}

/// Everything learnt from one command string.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub commands: Vec<Command>,
    pub notes: Vec<Note>,
    /// What the commands do, each naming its command (see [`super::effects`]).
    pub effects: Vec<Effect>,
}

impl Analysis {
    /// Append another analysis (planted code from a second snippet), keeping each effect's
    /// command index pointing at its own command.
    pub fn merge(&mut self, other: Analysis) {
        let offset = self.commands.len();
        self.commands.extend(other.commands);
        for mut e in other.effects {
            e.command = e.command.map(|i| i + offset);
            self.effects.push(e);
        }
        for n in other.notes {
            if !self.notes.contains(&n) {
                self.notes.push(n);
            }
        }
    }
}

/// A command's arguments read with its program's spec.
#[derive(Debug, Clone, Default)]
pub struct ParsedArgs {
    /// Subcommands in order (`["buildx", "build"]`), canonical names (aliases resolved).
    pub subcommands: Vec<String>,
    pub flags: Vec<String>,
    /// Options with their values (`-o` -> `out.txt`), in order.
    pub values: Vec<(String, Arg)>,
    pub operands: Vec<Arg>,
    /// Operands after `--`.
    pub after_dashdash: usize,
    /// The name of the spec that read the last level (`git push`), empty if none.
    pub spec_name: String,
}

impl ParsedArgs {
    /// The first subcommand, the way rules name it (`push`).
    pub fn subcommand(&self) -> Option<&str> {
        self.subcommands.first().map(String::as_str)
    }

    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    pub fn has_any(&self, flags: &[String]) -> bool {
        flags.iter().any(|f| self.has(f))
    }

    /// Values of any of these options, in order.
    pub fn values_of<'a>(&'a self, options: &'a [String]) -> impl Iterator<Item = &'a Arg> + 'a {
        self.values
            .iter()
            .filter(move |(name, _)| options.iter().any(|o| o == name))
            .map(|(_, v)| v)
    }
}

/// How the shell analysis read a command's arguments, and from what: kept on the command so
/// that the engine and the policy's checks do not read them again.
#[derive(Debug)]
pub struct ArgsRead {
    /// The program table that read them (its address).
    pub table: usize,
    pub program: String,
    pub args: Vec<Arg>,
    pub placeholder: Vec<Arg>,
    pub from_stdin: bool,
    pub parsed: std::sync::Arc<ParsedArgs>,
}

/// The arguments as they will be at run time, as far as known: `{}` (find -exec, xargs -I)
/// stands for each path find starts from or a pipe prints; xargs appends what arrives on
/// stdin (known text, or a run-time value).
pub fn run_time_args(cmd: &Command) -> Vec<Arg> {
    let mut out = Vec::with_capacity(cmd.args.len());
    let mut replaced = false;
    for arg in &cmd.args {
        if arg.dynamic
            && arg.text.contains("{}")
            && (!cmd.placeholder.is_empty() || cmd.args_from_stdin)
        {
            replaced = true;
            if cmd.placeholder.is_empty() {
                out.push(arg.clone());
            }
            for p in &cmd.placeholder {
                out.push(Arg {
                    text: arg.text.replace("{}", &p.text),
                    ..p.clone()
                });
            }
        } else {
            out.push(arg.clone());
        }
    }
    if cmd.args_from_stdin && !replaced {
        if cmd.placeholder.is_empty() {
            out.push(Arg::dynamic("(arguments from stdin)"));
        } else {
            out.extend(cmd.placeholder.iter().cloned());
        }
    }
    out
}
