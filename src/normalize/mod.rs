//! From a decoded hook event to the facts rules match on: shell commands and their
//! effects, absolute paths, URLs and text fields. Nothing here decides anything.
//!
//! Every tool call becomes effects ([`effects`]): a Read is a read of its path, a Write a
//! write (plus whatever code the written file plants), a Bash call whatever its commands
//! do according to the program table ([`programs`]).

pub mod derived;
pub mod effects;
pub mod host;
mod keyed;
pub mod patch;
pub mod path;
pub mod planted;
pub mod programs;
pub mod settings;
pub mod shell;

use crate::protocol::{EventKind, HookEvent, ShellKind, ToolInput};
use effects::{Effect, Kind, Target};
use programs::ProgramTable;
use serde_json::Value;
use std::sync::Arc;

/// Where the call runs and as whom; fixed for one process.
#[derive(Debug, Clone)]
pub struct Context {
    pub home: Option<String>,
    pub tmpdir: String,
    /// toolgate's own files, which the self-protection pack keeps out of the agent's reach.
    pub own: OwnPaths,
    /// Where packs read for the hook are cached (`src/pack/cache.rs`): beside the journal
    /// in the real environment, nowhere for the example context tests and benches use.
    pub pack_cache: Option<String>,
    /// Where the highest policy serial accepted is kept (beside the journal); nowhere for
    /// the example context, which must not write outside its test.
    pub serial_store: Option<String>,
    /// Whether files on disk may be looked at (a settings file before it is written, a
    /// link's target): the real disk for a real call, never for rule examples (their answer
    /// must not depend on the machine), a fixture folder in tests.
    pub disk: Disk,
    /// The project's root as Claude Code names it (`CLAUDE_PROJECT_DIR`): a call whose folder
    /// is under it may still work anywhere in the project (`rm -rf ../web/dist` from
    /// `packages/api`). The agent's commands cannot change it: it is the hook's environment.
    pub project: Option<String>,
}

/// Where [`Context::read_file`] and [`Context::real_path`] look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Disk {
    #[default]
    Off,
    Real,
    /// Absolute paths are read under this folder (a fixture that stands for `/`).
    Under(String),
}

/// Where toolgate keeps its journal, binary and policies on this machine.
#[derive(Debug, Clone, Default)]
pub struct OwnPaths {
    /// The journal's folder (spool and key live there or in the temp folder).
    pub state: Option<String>,
    pub binary: Option<String>,
    /// The user policy's folder.
    pub config: Option<String>,
    /// The managed policy's folder.
    pub managed: Option<String>,
}

impl Context {
    /// The real environment of this process.
    pub fn from_env() -> Self {
        Self::with_journal(None)
    }

    /// The real environment, with the journal the `--journal` flag names (toolgate's
    /// state, its pack cache and policy serials live beside it).
    pub fn with_journal(journal: Option<&std::path::Path>) -> Self {
        let home = std::env::var("HOME").ok().filter(|h| h.starts_with('/'));
        let tmpdir = std::env::var("TMPDIR")
            .ok()
            .filter(|t| t.starts_with('/'))
            .map(|t| path::lexical(&t))
            .unwrap_or_else(|| "/tmp".to_string());
        let env_path = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|p| p.starts_with('/'))
                .map(|p| path::lexical(&p))
        };
        let home = home.map(|h| path::lexical(&h));
        // Where the journal really is: the same choice as the journal's own.
        let deployment = crate::deployment::current();
        let state = deployment
            .journal(journal)
            .and_then(|j| j.into_os_string().into_string().ok())
            .map(|j| path::lexical(&j))
            .and_then(|j| j.rsplit_once('/').map(|(dir, _)| dir.to_string()));
        let config = env_path("XDG_CONFIG_HOME")
            .map(|c| format!("{c}/toolgate"))
            .or_else(|| home.as_ref().map(|h| format!("{h}/.config/toolgate")));
        let managed = Some(crate::deployment::managed_dir().display().to_string());
        let binary = std::env::current_exe()
            .ok()
            .map(|p| path::lexical(&p.display().to_string()));
        Self {
            home,
            tmpdir,
            pack_cache: state.as_ref().map(|s| format!("{s}/pack-cache")),
            serial_store: state.clone(),
            disk: Disk::Real,
            project: env_path("CLAUDE_PROJECT_DIR"),
            own: OwnPaths {
                state,
                binary,
                config,
                managed,
            },
        }
    }

    /// The fixed environment that rule examples run in.
    pub fn example() -> Self {
        Self {
            home: Some("/home/dev".into()),
            tmpdir: "/tmp".into(),
            pack_cache: None,
            serial_store: None,
            disk: Disk::Off,
            project: Some("/home/dev/project".into()),
            own: OwnPaths {
                state: Some("/home/dev/.local/state/toolgate".into()),
                binary: Some("/usr/local/bin/toolgate".into()),
                config: Some("/home/dev/.config/toolgate".into()),
                managed: Some("/etc/toolgate".into()),
            },
        }
    }
}

impl Disk {
    /// Where an absolute path is on this disk, if it may be looked at.
    fn locate(&self, path: &str) -> Option<std::path::PathBuf> {
        match self {
            Disk::Off => None,
            Disk::Real => Some(path.into()),
            Disk::Under(root) => {
                Some(std::path::Path::new(root).join(path.trim_start_matches('/')))
            }
        }
    }

    /// Whether a regular file there may be executed by someone (a mode bit is set).
    pub fn is_executable(&self, path: &str) -> bool {
        use std::os::unix::fs::PermissionsExt;
        self.locate(path)
            .and_then(|p| std::fs::metadata(p).ok())
            .is_some_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }

    /// A file's text, at most `max` bytes (`None`: the disk may not be looked at).
    pub fn read_file(&self, path: &str, max: u64) -> Option<Result<String, std::io::ErrorKind>> {
        use std::io::Read;
        let real = self.locate(path)?;
        let read = || -> std::io::Result<String> {
            // Before opening: opening a FIFO planted where a settings file should be would
            // wait for a writer.
            if !std::fs::metadata(&real)?.is_file() {
                return Err(std::io::ErrorKind::InvalidInput.into());
            }
            let file = std::fs::File::open(&real)?;
            let mut text = String::new();
            file.take(max).read_to_string(&mut text)?;
            Ok(text)
        };
        Some(read().map_err(|e| e.kind()))
    }
}

impl Context {
    fn on_disk(&self, path: &str) -> Option<std::path::PathBuf> {
        self.disk.locate(path)
    }

    /// A file's text, at most `max` bytes (`None`: the disk may not be looked at).
    pub fn read_file(&self, path: &str, max: u64) -> Option<Result<String, std::io::ErrorKind>> {
        self.disk.read_file(path, max)
    }

    /// Where a path really leads on disk, when a link on the way makes it differ: `None`
    /// when nothing is a link, the path does not exist, or the disk may not be looked at.
    pub fn real_path(&self, path: &str) -> Option<String> {
        let real = self.on_disk(path)?;
        // Cheap first: most paths have no link on the way, and most of them do not exist.
        let resolved = match std::fs::canonicalize(&real) {
            Ok(r) => r,
            // The file may not exist yet (a Write creates it): resolve its folder.
            Err(_) => {
                let parent = real.parent()?;
                std::fs::canonicalize(parent).ok()?.join(real.file_name()?)
            }
        };
        let resolved = match &self.disk {
            Disk::Under(root) => {
                let root = std::fs::canonicalize(root).ok()?;
                format!("/{}", resolved.strip_prefix(&root).ok()?.display())
            }
            _ => resolved.display().to_string(),
        };
        (resolved != path).then_some(resolved)
    }

    /// A regular file's identity and link count: (device, inode, links).
    pub fn file_id(&self, path: &str) -> Option<(u64, u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(self.on_disk(path)?).ok()?;
        m.is_file().then(|| (m.dev(), m.ino(), m.nlink()))
    }
}

/// What the disk says about the call's writes: a shell write to a settings file carries what
/// it changes (see [`settings`]); a path that leads elsewhere through a link made earlier
/// (or a hard link to a protected file) is also a write of where it leads.
fn on_disk(subject: &mut Subject, ctx: &Context) {
    let home = ctx.home.as_deref();
    if let Some(shell) = &mut subject.shell {
        for e in &mut shell.effects {
            // Which file a glob writes is known only when it runs: if it may be a settings
            // file, so is what the write changes there.
            if e.kind == Kind::Write
                && let Target::Glob(g) = &e.target
                && settings::may_name_settings(g)
            {
                e.content = None;
            }
            if let (Kind::Write, Target::Path(p), Some(text)) = (e.kind, &e.target, &e.content)
                && settings::is_settings_path(p, home)
            {
                let change = match e.truncate {
                    true => settings::Change::Replace(text),
                    false => settings::Change::Append(text),
                };
                let summary = settings::summarize(ctx, p, change);
                *e = e.clone().with_content(&summary);
            }
        }
    }
    if ctx.disk == Disk::Off {
        return;
    }
    let protected = hard_link_candidates(subject, ctx);
    reaching_settings(subject, ctx);
    let through = |effects: &[Effect]| -> Vec<Effect> {
        let mut more = Vec::new();
        for e in effects.iter().take(256) {
            let Target::Path(p) = &e.target else { continue };
            if !matches!(e.kind, Kind::Write | Kind::Delete | Kind::Move) {
                continue;
            }
            let mut leads_to = ctx.real_path(p);
            if leads_to.is_none()
                && let Some((dev, ino, links)) = ctx.file_id(p)
                && links > 1
            {
                leads_to = protected
                    .iter()
                    .find(|(_, id)| *id == (dev, ino))
                    .map(|(path, _)| path.clone());
            }
            if let Some(real) = leads_to {
                let mut linked = e.clone();
                linked.target = Target::Path(real);
                linked.via = format!("{} (through a link to it)", e.via);
                if let Some(text) = &e.content
                    && let Target::Path(r) = &linked.target
                    && settings::is_settings_path(r, home)
                {
                    let summary = settings::summarize(ctx, r, settings::Change::Replace(text));
                    linked = linked.with_content(&summary);
                }
                more.push(linked);
            }
        }
        more
    };
    let more = through(&subject.effects);
    subject.effects.extend(more);
    if let Some(shell) = &mut subject.shell {
        let more = through(&shell.effects);
        shell.effects.extend(more);
    }
}

/// A tree written into a folder that holds Claude Code settings on disk (an archive
/// extracted, a folder copied or synced into a project root) may overwrite them: an
/// uncertain write of each (a deny rule asks).
fn reaching_settings(subject: &mut Subject, ctx: &Context) {
    let derive = |effects: &[Effect]| -> Vec<Effect> {
        let mut more = Vec::new();
        for e in effects.iter().take(256) {
            // Overwrites only: archives and copies, not a folder a container may write in.
            let (Kind::Write, true, true, Target::Path(dir)) =
                (e.kind, e.recursive, e.truncate, &e.target)
            else {
                continue;
            };
            for name in ["settings.json", "settings.local.json"] {
                let file = format!("{}/.claude/{name}", dir.trim_end_matches('/'));
                if ctx.file_id(&file).is_some() {
                    let mut reach = Effect::new(Kind::Write, Target::Path(file), e.via.clone());
                    reach.truncate = true;
                    reach.certain = false;
                    reach.command = e.command;
                    more.push(reach);
                }
            }
        }
        more
    };
    let more = derive(&subject.effects);
    subject.effects.extend(more);
    if let Some(shell) = &mut subject.shell {
        let more = derive(&shell.effects);
        shell.effects.extend(more);
    }
}

/// Files a hard link could reach that the self-protection pack guards: Claude Code's
/// settings at every level this call can see, and toolgate's policy. Their identities are
/// read only when some written path has more than one link.
fn hard_link_candidates(subject: &Subject, ctx: &Context) -> Vec<(String, (u64, u64))> {
    let multi = |effects: &[Effect]| {
        effects.iter().any(|e| {
            matches!(&e.target, Target::Path(p) if ctx.file_id(p).is_some_and(|(_, _, n)| n > 1))
        })
    };
    let any = multi(&subject.effects) || subject.shell.as_ref().is_some_and(|s| multi(&s.effects));
    if !any {
        return Vec::new();
    }
    let mut paths = Vec::new();
    if let Some(h) = &ctx.home {
        for f in [
            ".claude/settings.json",
            ".claude/settings.local.json",
            ".claude.json",
        ] {
            paths.push(format!("{h}/{f}"));
        }
    }
    for f in ["settings.json", "settings.local.json"] {
        paths.push(format!("{}/.claude/{f}", subject.cwd));
    }
    for f in crate::deployment::claude_managed_files() {
        paths.push(f.display().to_string());
    }
    paths.push(crate::deployment::managed_policy().display().to_string());
    paths
        .into_iter()
        .filter_map(|p| ctx.file_id(&p).map(|(d, i, _)| (p, (d, i))))
        .collect()
}

/// How a tool touches a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Access {
    Read,
    Write,
    /// Glob and Grep: a directory or pattern searched.
    Search,
}

impl Access {
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Search => "search",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileRef {
    pub field: &'static str,
    /// Absolute and lexically normal.
    pub path: String,
    pub access: Access,
}

#[derive(Debug, Clone)]
pub struct UrlRef {
    pub field: &'static str,
    pub raw: String,
    /// Lower-case host as a client would connect to it; `None` if the URL does not parse.
    pub host: Option<String>,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct TextRef {
    pub field: String,
    pub text: String,
}

/// Everything rules can look at for one call.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Tool name, or `UserPromptSubmit` for a prompt.
    pub tool: String,
    pub cwd: String,
    /// Where "the project" starts for this call: the project root when `cwd` is inside it,
    /// else `cwd` itself.
    pub root: String,
    pub shell: Option<shell::Analysis>,
    pub files: Vec<FileRef>,
    pub urls: Vec<UrlRef>,
    pub texts: Vec<TextRef>,
    /// What the tool itself does (Read reads its path); shell effects are in `shell`.
    pub effects: Vec<Effect>,
}

impl Subject {
    /// Every effect of the call: the tool's own, then its commands'.
    pub fn all_effects(&self) -> impl Iterator<Item = &Effect> {
        self.effects
            .iter()
            .chain(self.shell.iter().flat_map(|a| a.effects.iter()))
    }
}

/// Known stdin longer than this is left out of [`command_words`]: a heredoc's body is in the
/// command text already, and a literal fed to a password prompt is short.
const STDIN_WORDS_BYTES: usize = 1024;

/// Every command's assignments and arguments after quote removal, one command per line,
/// with what the command is known to read (`<<< text`, from `echo text |` or a here-string)
/// and the files its output goes to (`> path`): a literal piped into `docker login
/// --password-stdin` or echoed into `config/master.key` is read with its destination,
/// however the line was quoted or wrapped.
fn command_words(analysis: &shell::Analysis) -> String {
    let mut out = String::new();
    for cmd in &analysis.commands {
        if !out.is_empty() {
            out.push('\n');
        }
        for (name, value) in &cmd.assignments {
            out.push_str(name);
            out.push('=');
            out.push_str(&value.text);
            out.push(' ');
        }
        out.push_str(&cmd.program);
        for arg in &cmd.args {
            out.push(' ');
            out.push_str(&arg.text);
        }
        let stdin = cmd.stdin_text.trim_end_matches('\n');
        if !stdin.is_empty() && stdin.len() <= STDIN_WORDS_BYTES && !stdin.contains('\n') {
            out.push_str(" <<< ");
            out.push_str(stdin);
        }
        for r in &cmd.redirects {
            let op = match r.kind {
                shell::RedirectKind::Read => continue,
                shell::RedirectKind::Write => " > ",
                shell::RedirectKind::Append => " >> ",
            };
            out.push_str(op);
            out.push_str(&r.target.text);
        }
    }
    out
}

/// A written value this short and on one line is read with where it goes.
const WRITTEN_VALUE_BYTES: usize = 1024;

/// Each short one-line value a call writes to a file, as `write PATH <<< VALUE` (field
/// `written`), whichever tool or command writes it: a key in `config/master.key` is the
/// same effect from the Write tool, `echo`, `cat <<<`, `tee` or `cp`, and rules judge the
/// value by the file's name.
fn written_values(subject: &mut Subject) {
    let mut lines = Vec::new();
    for e in subject.all_effects() {
        let (Kind::Write, Target::Path(path), Some(content)) = (e.kind, &e.target, &e.content)
        else {
            continue;
        };
        let value = content.trim_matches(|c| c == '\n' || c == '\r');
        if !value.is_empty() && value.len() <= WRITTEN_VALUE_BYTES && !value.contains('\n') {
            lines.push(format!("write {path} <<< {value}"));
        }
    }
    lines.dedup();
    for text in lines {
        subject.texts.push(TextRef {
            field: "written".into(),
            text,
        });
    }
}

/// Read the escapes common to string literals of Python, JavaScript, Ruby, Perl, PHP and
/// JSON: `\n`, `\t`, `\r`, `\"`, `\'`, `\\`, `\/`. Others stay as written.
fn unescape_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(q @ ('"' | '\'' | '\\' | '/')) => out.push(q),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Most string leaves taken from an MCP or unknown tool's arguments.
const MAX_TEXT_LEAVES: usize = 4096;

/// Normalise an event. PostToolUse and other events yield an empty subject.
pub fn normalize(event: &HookEvent, ctx: &Context, programs: &Arc<ProgramTable>) -> Subject {
    let cwd =
        path::resolve(&event.cwd, Some("/"), ctx.home.as_deref()).unwrap_or_else(|| "/".into());
    let root = ctx
        .project
        .as_deref()
        .filter(|p| path::is_within(&cwd, p) && *p != "/")
        .unwrap_or(&cwd)
        .to_string();
    let mut subject = Subject {
        tool: String::new(),
        cwd: cwd.clone(),
        root,
        shell: None,
        files: Vec::new(),
        urls: Vec::new(),
        texts: Vec::new(),
        effects: Vec::new(),
    };
    match (&event.kind, &event.tool) {
        (EventKind::UserPromptSubmit, _) => {
            subject.tool = "UserPromptSubmit".into();
            if let Some(prompt) = &event.prompt {
                subject.text("prompt", prompt);
            }
        }
        (EventKind::PreToolUse, Some(call)) => {
            subject.tool = call.name.clone();
            subject.tool_input(&call.input, ctx, programs);
        }
        (EventKind::ConfigChange, _) => subject.tool = "ConfigChange".into(),
        (_, Some(call)) => subject.tool = call.name.clone(),
        _ => {}
    }
    on_disk(&mut subject, ctx);
    written_values(&mut subject);
    // Joined and decoded forms of each text, under the same field name, so field filters
    // in rules apply to them as to the text itself.
    let originals = subject.texts.len();
    for i in 0..originals {
        if subject.texts.len() >= MAX_TEXT_LEAVES {
            break;
        }
        for text in derived::derive(&subject.texts[i].text) {
            let field = subject.texts[i].field.clone();
            subject.texts.push(TextRef { field, text });
        }
    }
    subject
}

impl Subject {
    fn text(&mut self, field: &str, text: &str) {
        if !text.is_empty() {
            self.texts.push(TextRef {
                field: field.to_string(),
                text: text.to_string(),
            });
        }
    }

    /// A path given to a file tool, resolved; `None` if it cannot be.
    fn file(
        &mut self,
        field: &'static str,
        raw: &str,
        access: Access,
        ctx: &Context,
    ) -> Option<String> {
        // Windows paths arrive with backslashes; compare them in one form.
        let unified = if raw.contains('\\') && !raw.starts_with('/') {
            raw.replace('\\', "/")
        } else {
            raw.to_string()
        };
        let path = path::resolve(&unified, Some(&self.cwd), ctx.home.as_deref())?;
        self.files.push(FileRef {
            field,
            path: path.clone(),
            access,
        });
        Some(path)
    }

    fn effect(&mut self, kind: Kind, target: Target, via: &str) -> &mut Effect {
        self.effects.push(Effect::new(
            kind,
            target,
            format!("{} tool{via}", self.tool),
        ));
        let last = self.effects.len() - 1;
        &mut self.effects[last]
    }

    /// A write to a Claude Code settings file carries what it changes, not what it says
    /// (see [`settings`]).
    fn settings_change(&mut self, ctx: &Context, path: Option<String>, change: settings::Change) {
        let Some(path) = path.filter(|p| settings::is_settings_path(p, ctx.home.as_deref())) else {
            return;
        };
        let summary = settings::summarize(ctx, &path, change);
        if let Some(e) =
            self.effects.iter_mut().rev().find(|e| {
                e.kind == Kind::Write && matches!(&e.target, Target::Path(p) if *p == path)
            })
        {
            *e = e.clone().with_content(&summary);
        }
    }

    /// A file tool writes `text` to `path`: a write, and the code the file plants.
    fn write(&mut self, path: Option<String>, text: &str, truncate: bool, env: &shell::Env) {
        let Some(path) = path else { return };
        let via = format!("{} tool", self.tool);
        self.effects.push(
            Effect::new(Kind::Write, Target::Path(path.clone()), via)
                .truncating(truncate)
                .with_content(text),
        );
        let found = if path.to_ascii_lowercase().ends_with(".ipynb") {
            planted::Planted {
                code: planted::notebook_shell(text),
                config: Vec::new(),
            }
        } else {
            planted::code_in(&path, text)
        };
        for (tool, key, value) in found.config {
            let e = self.effect(Kind::Config, Target::Name(tool), " (file content)");
            e.key = Some(key);
            e.value = Some(value);
        }
        for code in found.code {
            let analysis = shell::analyze_planted(&code, &format!("planted in {path}"), env);
            self.add_analysis(analysis);
        }
    }

    fn add_analysis(&mut self, more: shell::Analysis) {
        match &mut self.shell {
            Some(existing) => existing.merge(more),
            None => self.shell = Some(more),
        }
    }

    fn tool_input(&mut self, input: &ToolInput, ctx: &Context, programs: &Arc<ProgramTable>) {
        let env = shell::Env {
            cwd: Some(self.cwd.clone()),
            home: ctx.home.clone(),
            tmpdir: ctx.tmpdir.clone(),
            programs: programs.clone(),
            disk: ctx.disk.clone(),
        };
        match input {
            ToolInput::Shell { shell, command, .. } => {
                self.shell = Some(match shell {
                    ShellKind::Bash => shell::analyze(command, &env),
                    ShellKind::PowerShell => shell::analyze_powershell(command, &env),
                });
                self.text("command", command);
                // The words as the programs receive them: quotes removed (`A''KIA...`) and,
                // inside interpreter code, string escapes read (`"line\nline"`), so a secret
                // or patient record split by quoting or escaped into a literal is seen whole.
                let words = self.shell.as_ref().map(command_words).unwrap_or_default();
                if !words.is_empty() && words != *command {
                    if words.contains('\\') {
                        let decoded = unescape_literals(&words);
                        self.text("command", &decoded);
                    }
                    self.text("command", &words);
                }
            }
            ToolInput::Read { file_path } => {
                if let Some(p) = self.file("file_path", file_path, Access::Read, ctx) {
                    self.effect(Kind::Read, Target::Path(p), "");
                }
            }
            ToolInput::ReadMany { paths } => {
                for path in paths {
                    if path.contains(['*', '?', '[', '{']) {
                        let joined = if path.starts_with('/') || path.starts_with('~') {
                            path.clone()
                        } else {
                            format!("{}/{path}", self.cwd)
                        };
                        if let Some(p) = self.file("paths", &joined, Access::Search, ctx) {
                            self.effect(Kind::Read, Target::Glob(p), " (pattern)");
                        }
                    } else if let Some(p) = self.file("paths", path, Access::Read, ctx) {
                        self.effect(Kind::Read, Target::Path(p), "");
                    }
                }
            }
            ToolInput::Delete { file_path } => {
                if let Some(p) = self.file("file_path", file_path, Access::Write, ctx) {
                    self.effect(Kind::Delete, Target::Path(p), "");
                }
            }
            ToolInput::Write { file_path, content } => {
                let p = self.file("file_path", file_path, Access::Write, ctx);
                self.write(p.clone(), content, true, &env);
                self.settings_change(ctx, p, settings::Change::Replace(content));
                self.text("content", content);
            }
            ToolInput::Edit {
                file_path,
                old_string,
                new_string,
            } => {
                let p = self.file("file_path", file_path, Access::Write, ctx);
                // What an edit touches is what it removes as well as what it adds.
                self.write(
                    p.clone(),
                    &format!("{old_string}\n{new_string}"),
                    false,
                    &env,
                );
                let edit = [(old_string.as_str(), new_string.as_str())];
                self.settings_change(ctx, p, settings::Change::Edit(&edit));
                self.text("new_string", new_string);
            }
            ToolInput::MultiEdit { file_path, edits } => {
                let p = self.file("file_path", file_path, Access::Write, ctx);
                let all: Vec<&str> = edits
                    .iter()
                    .flat_map(|(old, new)| [old.as_str(), new.as_str()])
                    .collect();
                self.write(p.clone(), &all.join("\n"), false, &env);
                let pairs: Vec<(&str, &str)> = edits
                    .iter()
                    .map(|(o, n)| (o.as_str(), n.as_str()))
                    .collect();
                self.settings_change(ctx, p, settings::Change::Edit(&pairs));
                for (_, new) in edits {
                    self.text("new_string", new);
                }
            }
            ToolInput::NotebookEdit {
                notebook_path,
                new_source,
            } => {
                let p = self.file("notebook_path", notebook_path, Access::Write, ctx);
                if let Some(p) = p {
                    // A cell written into a settings file leaves it in a shape only the
                    // tool knows: its content is not known.
                    let known = !settings::is_settings_path(&p, ctx.home.as_deref());
                    self.effect(Kind::Write, Target::Path(p.clone()), "")
                        .content =
                        known.then(|| new_source.chars().take(effects::MAX_CONTENT).collect());
                    for code in planted::notebook_shell(new_source) {
                        let analysis =
                            shell::analyze_planted(&code, &format!("notebook cell in {p}"), &env);
                        self.add_analysis(analysis);
                    }
                    // The cell's own code runs when the notebook runs: read it as Python
                    // (its `!` lines are shell, above).
                    if p.to_ascii_lowercase().ends_with(".ipynb") {
                        let python: String = new_source
                            .lines()
                            .filter(|l| !l.trim_start().starts_with(['!', '%']))
                            .collect::<Vec<_>>()
                            .join("\n");
                        let quoted = python.replace('\'', "'\\''");
                        let analysis = shell::analyze(&format!("python3 -c '{quoted}'"), &env);
                        self.add_analysis(analysis);
                    }
                }
                self.text("new_source", new_source);
            }
            ToolInput::Glob { pattern, path } => {
                let base = path.clone().unwrap_or_else(|| self.cwd.clone());
                let joined = if pattern.starts_with('/') || pattern.starts_with('~') {
                    pattern.clone()
                } else {
                    format!("{base}/{pattern}")
                };
                self.file("path", &base, Access::Search, ctx);
                if let Some(p) = self.file("pattern", &joined, Access::Search, ctx) {
                    self.effect(Kind::Read, Target::Glob(p), " (pattern)");
                }
            }
            ToolInput::Grep {
                pattern,
                path,
                glob,
            } => {
                let base = path.clone().unwrap_or_else(|| self.cwd.clone());
                if let Some(p) = self.file("path", &base, Access::Search, ctx) {
                    match glob {
                        Some(glob) => {
                            let joined = format!("{p}/**/{glob}");
                            self.file("glob", &joined, Access::Search, ctx);
                            self.effect(Kind::Read, Target::Glob(joined), " (glob)");
                            self.effect(Kind::Read, Target::Path(p), "").recursive = false;
                        }
                        None => {
                            self.effect(Kind::Read, Target::Path(p), "").recursive = true;
                        }
                    }
                }
                self.text("pattern", pattern);
            }
            ToolInput::WebFetch { url, prompt, more } => {
                for url in std::iter::once(url).chain(more) {
                    self.url("url", url);
                    self.text("url", url);
                    if let Some(host) = self.urls.last().and_then(|u| u.host.clone()) {
                        self.effect(Kind::Net, Target::Name(host), "");
                    }
                }
                if let Some(prompt) = prompt {
                    self.text("prompt", prompt);
                }
            }
            ToolInput::WebSearch { query } => self.text("query", query),
            ToolInput::Agent {
                description,
                prompt,
            } => {
                self.text("prompt", prompt);
                if let Some(d) = description {
                    self.text("description", d);
                }
            }
            ToolInput::Mcp {
                tool, arguments, ..
            } => {
                self.mcp_effects(tool, arguments, ctx, &env);
                self.flatten("arguments", arguments);
                self.record("arguments", arguments);
            }
            ToolInput::Patch { patch } => {
                for op in patch::parse(patch) {
                    self.patch_op(op, ctx, &env);
                }
            }
            ToolInput::Other { input } => self.flatten("tool_input", input),
        }
    }

    /// One file of a Codex patch, as the file tool that does the same: an added file is a
    /// Write, an update an edit of its hunks (and a move), a deletion a delete.
    fn patch_op(&mut self, op: patch::PatchOp, ctx: &Context, env: &shell::Env) {
        match op {
            patch::PatchOp::Add { path, content } => {
                let p = self.file("file_path", &path, Access::Write, ctx);
                self.write(p.clone(), &content, true, env);
                self.settings_change(ctx, p, settings::Change::Replace(&content));
                self.text("content", &content);
            }
            patch::PatchOp::Update {
                path,
                move_to,
                hunks,
            } => {
                let p = self.file("file_path", &path, Access::Write, ctx);
                let all: Vec<&str> = hunks
                    .iter()
                    .flat_map(|(old, new)| [old.as_str(), new.as_str()])
                    .collect();
                self.write(p.clone(), &all.join("\n"), false, env);
                let pairs: Vec<(&str, &str)> = hunks
                    .iter()
                    .map(|(o, n)| (o.as_str(), n.as_str()))
                    .collect();
                self.settings_change(ctx, p.clone(), settings::Change::Edit(&pairs));
                for (_, new) in &hunks {
                    self.text("new_string", new);
                }
                if let (Some(from), Some(to)) = (p, move_to) {
                    let dest = self.file("file_path", &to, Access::Write, ctx);
                    let new_text: Vec<&str> = hunks.iter().map(|(_, n)| n.as_str()).collect();
                    self.write(dest.clone(), &new_text.join("\n"), true, env);
                    if let Some(dest) = dest {
                        self.effect(Kind::Move, Target::Path(from), " (move)").to =
                            Some(Target::Path(dest));
                    }
                }
            }
            patch::PatchOp::Delete { path } => {
                if let Some(p) = self.file("file_path", &path, Access::Write, ctx) {
                    self.effect(Kind::Delete, Target::Path(p), "");
                }
            }
        }
    }

    /// MCP servers that touch files or run commands: a path argument is read, written or
    /// deleted as the tool's name says (read when it says nothing); a `command`, `cmd` or
    /// `script` argument is a shell command line.
    fn mcp_effects(&mut self, tool: &str, arguments: &Value, ctx: &Context, env: &shell::Env) {
        let Some(map) = arguments.as_object() else {
            return;
        };
        let verb = tool.to_ascii_lowercase();
        let kind = if [
            "write", "edit", "create", "save", "put", "append", "update", "upload",
        ]
        .iter()
        .any(|v| verb.contains(v))
        {
            Kind::Write
        } else if ["delete", "remove", "unlink", "rm"]
            .iter()
            .any(|v| verb.contains(v))
        {
            Kind::Delete
        } else if ["move", "rename"].iter().any(|v| verb.contains(v)) {
            Kind::Move
        } else {
            Kind::Read
        };
        for (key, value) in map {
            let key_l = key.to_ascii_lowercase();
            let path_key = matches!(
                key_l.as_str(),
                "path"
                    | "paths"
                    | "file"
                    | "files"
                    | "file_path"
                    | "filepath"
                    | "filename"
                    | "source"
                    | "src"
                    | "destination"
                    | "dest"
                    | "target"
                    | "directory"
                    | "dir"
            );
            if path_key {
                let strings: Vec<&str> = match value {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(items) => {
                        items.iter().filter_map(Value::as_str).take(256).collect()
                    }
                    _ => Vec::new(),
                };
                // What a writing tool puts there, when it says (`content`, `text`, `data`).
                let written = ["content", "text", "data", "contents"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str));
                for raw in strings {
                    if let Some(p) = self.file("arguments", raw, Access::Read, ctx) {
                        let kind = if matches!(key_l.as_str(), "destination" | "dest") {
                            Kind::Write
                        } else {
                            kind
                        };
                        let e = self.effect(kind, Target::Path(p.clone()), "");
                        if kind == Kind::Write
                            && let Some(text) = written
                        {
                            *e = e.clone().with_content(text);
                            self.settings_change(ctx, Some(p), settings::Change::Replace(text));
                        }
                    }
                }
            }
            if matches!(
                key_l.as_str(),
                "command" | "cmd" | "script" | "shell_command"
            ) && let Value::String(code) = value
            {
                let analysis = shell::analyze(code, env);
                self.add_analysis(analysis);
            }
            // Code execution tools (a notebook kernel, an IDE): Python unless they say.
            if key_l == "code"
                && let Value::String(code) = value
            {
                let quoted = code.replace('\'', "'\\''");
                let analysis = shell::analyze(&format!("python3 -c '{quoted}'"), env);
                self.add_analysis(analysis);
            }
        }
    }

    fn url(&mut self, field: &'static str, raw: &str) {
        let parsed = url::Url::parse(raw).ok();
        self.urls.push(UrlRef {
            field,
            raw: raw.to_string(),
            host: parsed
                .as_ref()
                .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase())),
            path: parsed
                .as_ref()
                .map(|u| u.path().to_string())
                .unwrap_or_default(),
        });
    }

    /// The whole object as one compact JSON text as well, when it has several string
    /// leaves: a name and a birth date in two fields are a record only together, and the
    /// detectors read labels (`"dob": ...`) only where they see them.
    fn record(&mut self, field: &str, value: &Value) {
        const MAX_RECORD: usize = 64 * 1024;
        fn leaves(v: &Value, budget: &mut usize) -> usize {
            if *budget == 0 {
                return 0;
            }
            *budget -= 1;
            match v {
                Value::String(_) => 1,
                Value::Array(items) => items.iter().map(|i| leaves(i, budget)).sum(),
                Value::Object(map) => map.values().map(|i| leaves(i, budget)).sum(),
                _ => 0,
            }
        }
        if !value.is_object() || leaves(value, &mut 64) < 2 {
            return;
        }
        if let Ok(json) = serde_json::to_string(value)
            && json.len() <= MAX_RECORD
        {
            self.text(field, &json);
            // With each field's name beside its value, when the data keeps them apart.
            if let Some(joined) = keyed::keyed(value)
                && let Ok(json) = serde_json::to_string(&joined)
            {
                self.text(field, &json);
            }
        }
    }

    /// Every string leaf becomes a text field named by its JSON path (`arguments.sql`).
    fn flatten(&mut self, prefix: &str, value: &Value) {
        let mut stack = vec![(prefix.to_string(), value)];
        while let Some((name, value)) = stack.pop() {
            if self.texts.len() >= MAX_TEXT_LEAVES {
                break;
            }
            match value {
                Value::String(s) => self.text(&name, s),
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate().rev() {
                        stack.push((format!("{name}[{i}]"), item));
                    }
                }
                Value::Object(map) => {
                    for (key, item) in map.iter() {
                        stack.push((format!("{name}.{key}"), item));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::command_words;
    use crate::normalize::shell;

    fn words(script: &str) -> String {
        let env = shell::Env {
            cwd: Some("/home/dev/project".into()),
            home: Some("/home/dev".into()),
            tmpdir: "/tmp".into(),
            programs: crate::pack::builtin_programs(),
            disk: Default::default(),
        };
        command_words(&shell::analyze(script, &env))
    }

    #[test]
    fn words_carry_known_stdin_and_output_files_however_quoted() {
        // The literal reaches the command that reads it, inside `bash -c` as outside.
        for script in [
            "echo 'Nq7{x' | docker login -u ci --password-stdin reg",
            "bash -c 'echo '\\''Nq7{x'\\'' | docker login -u ci --password-stdin reg'",
        ] {
            assert!(
                words(script).contains("docker login -u ci --password-stdin reg <<< Nq7{x"),
                "{script}: {}",
                words(script)
            );
        }
        assert!(words("echo 42e6 > config/master.key").contains("echo 42e6 > config/master.key"));
        assert!(words("printf 1 >> a.log").contains(">> a.log"));
        // A heredoc's body is in the command text already: its lines are not repeated.
        assert!(!words("cat <<EOF | psql\nselect 1;\nselect 2;\nEOF").contains("<<<"));
    }
}
