//! Effects: what a call does, whatever it is spelled as. The contract between understanding
//! a call (shell analysis, tool inputs) and judging it (rules match effects).
//!
//! `rm -rf ~`, `find ~ -delete`, `rsync --delete empty/ ~/`, `mv ~ /dev/null` and
//! `shutil.rmtree(Path.home())` are all one effect: a recursive delete of the home
//! directory. The program table (rules/programs.toml) says how each program's arguments
//! become effects; tools map directly (Read is a read of its path).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    /// A path is removed (or its content destroyed beyond recovery: `shred`).
    Delete,
    /// A path is written; `truncate` when its old content is replaced.
    Write,
    /// A path is moved away (`to` is where).
    Move,
    /// A file's content is read (and may reach the agent, or the network).
    Read,
    /// Code runs; `source` says where it comes from.
    Exec,
    /// A connection to `target` (a host); `send` when data leaves.
    Net,
    /// Statements sent to a database; `sql` has what kind and where.
    Sql,
    /// A tool's configuration changes (`git config`, `npm pkg set`): `key`, `value`.
    Config,
    /// A release to a registry (`target` names the client: npm, docker, cargo...).
    Publish,
    /// Live credentials printed from a store (`aws configure get`, `gh auth token`).
    Credential,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Delete,
        Kind::Write,
        Kind::Move,
        Kind::Read,
        Kind::Exec,
        Kind::Net,
        Kind::Sql,
        Kind::Config,
        Kind::Publish,
        Kind::Credential,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Kind::Delete => "delete",
            Kind::Write => "write",
            Kind::Move => "move",
            Kind::Read => "read",
            Kind::Exec => "exec",
            Kind::Net => "net",
            Kind::Sql => "sql",
            Kind::Config => "config",
            Kind::Publish => "publish",
            Kind::Credential => "credential",
        }
    }

    pub fn from_id(id: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// Where code that runs comes from, least to most dangerous.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Source {
    /// Written in the call itself (and analysed as such).
    Literal,
    /// A file whose content is not visible here.
    File,
    /// Standard input or a pipe whose content is not visible.
    Stdin,
    /// Text that was decoded first (base64, hex, rot13, compressed).
    Decoded,
    /// Downloaded, or read from a socket.
    Network,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Literal,
        Source::File,
        Source::Stdin,
        Source::Decoded,
        Source::Network,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Source::Literal => "literal",
            Source::File => "file",
            Source::Stdin => "stdin",
            Source::Decoded => "decoded",
            Source::Network => "network",
        }
    }

    pub fn from_id(id: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// What an effect acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An absolute, lexically normal path.
    Path(String),
    /// An absolute shell glob (`/home/dev/.ss?/id_rsa`): it matches what the glob can match.
    Glob(String),
    /// A host, registry, store or tool name.
    Name(String),
    /// Only known at run time (`$X`, xargs input); the text is for display.
    Unknown(String),
    /// Nothing in particular (code from a pipe, a publish with no registry named).
    None,
}

impl Target {
    pub fn text(&self) -> &str {
        match self {
            Target::Path(s) | Target::Glob(s) | Target::Name(s) | Target::Unknown(s) => s,
            Target::None => "",
        }
    }
}

/// Classes of database statements, for `sql` effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SqlKind {
    Drop,
    Truncate,
    Delete,
    Update,
    Alter,
    /// FLUSHALL / FLUSHDB and document-store drops.
    Flush,
    /// A framework task that drops or rebuilds the database (`rails db:reset`).
    Reset,
    /// Statements exist but are not visible (`-f file.sql`, `< dump.sql`).
    Unknown,
    /// Data is read out: SELECT, COPY ... TO, a dump (`pg_dump`, `mongoexport`).
    Read,
}

impl SqlKind {
    pub const ALL: [SqlKind; 9] = [
        SqlKind::Drop,
        SqlKind::Truncate,
        SqlKind::Delete,
        SqlKind::Update,
        SqlKind::Alter,
        SqlKind::Flush,
        SqlKind::Reset,
        SqlKind::Unknown,
        SqlKind::Read,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SqlKind::Drop => "drop",
            SqlKind::Truncate => "truncate",
            SqlKind::Delete => "delete",
            SqlKind::Update => "update",
            SqlKind::Alter => "alter",
            SqlKind::Flush => "flush",
            SqlKind::Reset => "reset",
            SqlKind::Unknown => "unknown",
            SqlKind::Read => "read",
        }
    }

    pub fn from_id(id: &str) -> Option<SqlKind> {
        SqlKind::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// One connection target of a database effect: a host, database, URL, service or
/// environment name, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbTarget {
    pub text: String,
    /// Only known at run time (`"$DATABASE_URL"`).
    pub dynamic: bool,
    /// `-h`, `PGHOST`, `ssh`, `kubectl -n`...
    pub from: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sql {
    pub kinds: Vec<SqlKind>,
    /// Empty: the client's default, a local database.
    pub targets: Vec<DbTarget>,
}

/// Most of a write's content kept on its effect: enough for what rules ask of it (does a
/// settings edit touch `hooks`?), without copying large writes.
pub const MAX_CONTENT: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub kind: Kind,
    pub target: Target,
    pub recursive: bool,
    /// Write: the old content is replaced (`>`, `cp`, `dd of=`, `truncate`).
    pub truncate: bool,
    /// Move: the destination.
    pub to: Option<Target>,
    /// Exec: where the code comes from.
    pub source: Option<Source>,
    /// Net: data leaves the machine.
    pub send: bool,
    /// Net and write: what the data holds, as far as the command line shows where it came
    /// from: `database` (then `sql` names which), `env:NAME` (a variable's value),
    /// `environment` (all of them). See `shell::flow`.
    pub carries: Vec<String>,
    pub sql: Option<Sql>,
    /// Config: the key and value set.
    pub key: Option<String>,
    pub value: Option<String>,
    /// Write: what is written, when known (the Write tool's content, an Edit's old and new
    /// text, `echo ... > f`), up to [`MAX_CONTENT`] bytes.
    pub content: Option<String>,
    /// False when the effect was inferred from something that may not run this way (an
    /// unknown program's arguments read as a command): a deny rule then asks.
    pub certain: bool,
    /// What produced it, for reasons and `explain`: `rm`, `> redirect`, `Read tool`.
    pub via: String,
    /// Index of the shell command it came from, if any.
    pub command: Option<usize>,
}

impl Effect {
    pub fn new(kind: Kind, target: Target, via: impl Into<String>) -> Self {
        Self {
            kind,
            target,
            recursive: false,
            truncate: false,
            to: None,
            source: None,
            send: false,
            carries: Vec::new(),
            sql: None,
            key: None,
            value: None,
            content: None,
            certain: true,
            via: via.into(),
            command: None,
        }
    }

    pub fn recursive(mut self, yes: bool) -> Self {
        self.recursive = yes;
        self
    }

    pub fn truncating(mut self, yes: bool) -> Self {
        self.truncate = yes;
        self
    }

    pub fn from_source(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }

    /// Record what is written (cut at [`MAX_CONTENT`], on a character boundary).
    pub fn with_content(mut self, text: &str) -> Self {
        let mut end = text.len().min(MAX_CONTENT);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.content = Some(text[..end].to_string());
        self
    }
}

impl fmt::Display for Effect {
    /// `delete(/home/dev, recursive) by rm`: one line for reasons and `explain`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        match &self.target {
            Target::None => {}
            Target::Unknown(t) => parts.push(format!("{t} (run-time value)")),
            Target::Glob(g) => parts.push(format!("{g} (glob)")),
            t => parts.push(t.text().to_string()),
        }
        if self.recursive {
            parts.push("recursive".into());
        }
        if self.kind == Kind::Write && self.truncate {
            parts.push("overwrite".into());
        }
        if let Some(to) = &self.to {
            parts.push(format!("to {}", to.text()));
        }
        if let Some(source) = self.source {
            parts.push(format!("from {}", source.id()));
        }
        if self.send {
            parts.push("sends data".into());
        }
        if !self.carries.is_empty() {
            parts.push(format!("carries {}", self.carries.join("+")));
        }
        if let Some(sql) = &self.sql {
            let kinds: Vec<&str> = sql.kinds.iter().map(|k| k.id()).collect();
            parts.push(kinds.join("+"));
            let targets: Vec<String> = sql.targets.iter().map(|t| t.text.clone()).collect();
            parts.push(if targets.is_empty() {
                "on the local default".into()
            } else {
                format!("on {}", targets.join(", "))
            });
        }
        if let Some(key) = &self.key {
            match &self.value {
                Some(v) => parts.push(format!("{key}={v}")),
                None => parts.push(key.clone()),
            }
        }
        if !self.certain {
            parts.push("inferred".into());
        }
        write!(
            f,
            "{}({}) by {}",
            self.kind.id(),
            parts.join(", "),
            self.via
        )
    }
}
