//! From a decoded hook event to the facts rules match on: shell commands, absolute paths,
//! URLs and text fields. Nothing here decides anything.

pub mod path;
pub mod shell;

use crate::protocol::{EventKind, HookEvent, ShellKind, ToolInput};
use serde_json::Value;

/// Where the call runs and as whom; fixed for one process.
#[derive(Debug, Clone)]
pub struct Context {
    pub home: Option<String>,
    pub tmpdir: String,
}

impl Context {
    /// The real environment of this process.
    pub fn from_env() -> Self {
        let home = std::env::var("HOME").ok().filter(|h| h.starts_with('/'));
        let tmpdir = std::env::var("TMPDIR")
            .ok()
            .filter(|t| t.starts_with('/'))
            .map(|t| path::lexical(&t))
            .unwrap_or_else(|| "/tmp".to_string());
        Self {
            home: home.map(|h| path::lexical(&h)),
            tmpdir,
        }
    }

    /// The fixed environment that rule examples run in.
    pub fn example() -> Self {
        Self {
            home: Some("/home/dev".into()),
            tmpdir: "/tmp".into(),
        }
    }
}

/// How a tool touches a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub shell: Option<shell::Analysis>,
    pub files: Vec<FileRef>,
    pub urls: Vec<UrlRef>,
    pub texts: Vec<TextRef>,
}

/// Most string leaves taken from an MCP or unknown tool's arguments.
const MAX_TEXT_LEAVES: usize = 4096;

/// Normalise an event. PostToolUse and other events yield an empty subject.
pub fn normalize(event: &HookEvent, ctx: &Context) -> Subject {
    let cwd =
        path::resolve(&event.cwd, Some("/"), ctx.home.as_deref()).unwrap_or_else(|| "/".into());
    let mut subject = Subject {
        tool: String::new(),
        cwd: cwd.clone(),
        shell: None,
        files: Vec::new(),
        urls: Vec::new(),
        texts: Vec::new(),
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
            subject.tool_input(&call.input, ctx);
        }
        (_, Some(call)) => subject.tool = call.name.clone(),
        _ => {}
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

    fn file(&mut self, field: &'static str, raw: &str, access: Access, ctx: &Context) {
        // Windows paths arrive with backslashes; compare them in one form.
        let unified = if raw.contains('\\') && !raw.starts_with('/') {
            raw.replace('\\', "/")
        } else {
            raw.to_string()
        };
        if let Some(path) = path::resolve(&unified, Some(&self.cwd), ctx.home.as_deref()) {
            self.files.push(FileRef {
                field,
                path,
                access,
            });
        }
    }

    fn tool_input(&mut self, input: &ToolInput, ctx: &Context) {
        match input {
            ToolInput::Shell { shell, command, .. } => {
                let env = shell::Env {
                    cwd: Some(self.cwd.clone()),
                    home: ctx.home.clone(),
                    tmpdir: ctx.tmpdir.clone(),
                };
                self.shell = Some(match shell {
                    ShellKind::Bash => shell::analyze(command, &env),
                    ShellKind::PowerShell => shell::analyze_powershell(command, &env),
                });
                self.text("command", command);
            }
            ToolInput::Read { file_path } => self.file("file_path", file_path, Access::Read, ctx),
            ToolInput::Write { file_path, content } => {
                self.file("file_path", file_path, Access::Write, ctx);
                self.text("content", content);
            }
            ToolInput::Edit {
                file_path,
                new_string,
                ..
            } => {
                self.file("file_path", file_path, Access::Write, ctx);
                self.text("new_string", new_string);
            }
            ToolInput::MultiEdit { file_path, edits } => {
                self.file("file_path", file_path, Access::Write, ctx);
                for (_, new) in edits {
                    self.text("new_string", new);
                }
            }
            ToolInput::NotebookEdit {
                notebook_path,
                new_source,
            } => {
                self.file("notebook_path", notebook_path, Access::Write, ctx);
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
                self.file("pattern", &joined, Access::Search, ctx);
            }
            ToolInput::Grep {
                pattern,
                path,
                glob,
            } => {
                let base = path.clone().unwrap_or_else(|| self.cwd.clone());
                self.file("path", &base, Access::Search, ctx);
                if let Some(glob) = glob {
                    let joined = format!("{base}/**/{glob}");
                    self.file("glob", &joined, Access::Search, ctx);
                }
                self.text("pattern", pattern);
            }
            ToolInput::WebFetch { url, prompt } => {
                self.url("url", url);
                self.text("url", url);
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
            ToolInput::Mcp { arguments, .. } => self.flatten("arguments", arguments),
            ToolInput::Other { input } => self.flatten("tool_input", input),
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
