//! PowerShell, read well enough for its effects: statements, pipelines, `(...)` and
//! `$(...)` subexpressions, `{...}` script blocks, quoting, home-directory variables, and
//! the aliases that make `rm -r -fo ~` a Remove-Item. Cmdlets are described in the
//! program table like any other program (rules/programs.toml).

use super::{Analyzer, Arg, Command, PipeInput};

/// Built-in aliases, lower-case, to the cmdlet they stand for.
const ALIASES: &[(&str, &str)] = &[
    ("rm", "remove-item"),
    ("del", "remove-item"),
    ("erase", "remove-item"),
    ("rd", "remove-item"),
    ("rmdir", "remove-item"),
    ("ri", "remove-item"),
    ("cat", "get-content"),
    ("gc", "get-content"),
    ("type", "get-content"),
    ("cp", "copy-item"),
    ("copy", "copy-item"),
    ("cpi", "copy-item"),
    ("mv", "move-item"),
    ("move", "move-item"),
    ("mi", "move-item"),
    ("iwr", "invoke-webrequest"),
    ("wget", "invoke-webrequest"),
    ("curl", "invoke-webrequest"),
    ("irm", "invoke-restmethod"),
    ("iex", "invoke-expression"),
    ("sc", "set-content"),
    ("ac", "add-content"),
    ("saps", "start-process"),
    ("start", "start-process"),
    ("echo", "write-output"),
    ("write", "write-output"),
    ("ls", "get-childitem"),
    ("dir", "get-childitem"),
    ("gci", "get-childitem"),
    ("cd", "set-location"),
    ("sl", "set-location"),
    ("chdir", "set-location"),
    ("ni", "new-item"),
    ("icm", "invoke-command"),
    ("clc", "clear-content"),
];

/// Aliases that are native programs outside Windows.
const NATIVE_TOO: &[&str] = &[
    "rm", "rmdir", "cat", "cp", "mv", "curl", "wget", "ls", "sort", "tee", "echo",
];

const MAX_DEPTH: usize = 8;

impl Analyzer {
    /// Analyse PowerShell `code`: each command gets a `via` of `powershell`.
    pub(super) fn powershell(&mut self, code: &str) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.via.push("powershell".into());
        for statement in split_top(code, &[';', '\n'], true) {
            let mut feeders: Vec<String> = Vec::new();
            for stage in split_top(&statement, &['|'], false) {
                let before = self.commands.len();
                let (words, sub_fed) = self.ps_words(&stage);
                // `$x = ...`, `$PSVersionTable.PSVersion`: an expression, not a command (a
                // command held in a variable runs only through `&` or `.`).
                if words.is_empty() || stage.trim_start().starts_with('$') {
                    continue;
                }
                let mut args = words;
                let name = args[0].text.to_ascii_lowercase();
                if let Some((_, cmdlet)) = ALIASES.iter().find(|(a, _)| *a == name) {
                    // On Linux and macOS, PowerShell has no `rm`, `cp`, `cat`... aliases: the
                    // native program runs. Read it both ways.
                    if NATIVE_TOO.contains(&name.as_str()) {
                        self.pipe = Some(PipeInput {
                            programs: feeders.clone(),
                            ..Default::default()
                        });
                        self.emit(Command {
                            args: args.clone(),
                            fed_by: sub_fed.clone(),
                            ..Default::default()
                        });
                    }
                    args[0].text = (*cmdlet).to_string();
                }
                for a in args.iter_mut().skip(1) {
                    if a.text.starts_with('-') && !a.dynamic {
                        a.text = a.text.to_ascii_lowercase();
                    }
                }
                self.pipe = Some(PipeInput {
                    programs: feeders.clone(),
                    ..Default::default()
                });
                self.emit(Command {
                    args,
                    fed_by: sub_fed,
                    ..Default::default()
                });
                self.pipe = None;
                feeders = self.programs_since(before);
            }
        }
        self.via.pop();
        self.depth -= 1;
    }

    /// Words of one pipeline stage; subexpressions and script blocks are analysed and their
    /// programs returned (they feed this command).
    fn ps_words(&mut self, stage: &str) -> (Vec<Arg>, Vec<String>) {
        let mut words = Vec::new();
        let mut fed = Vec::new();
        let chars: Vec<char> = stage.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i >= chars.len() {
                break;
            }
            let mut text = String::new();
            let mut dynamic = false;
            while i < chars.len() && !chars[i].is_whitespace() {
                let c = chars[i];
                match c {
                    '\'' => {
                        let end = find_close(&chars, i + 1, '\'');
                        text.extend(span(&chars, i + 1, end));
                        i = end + 1;
                    }
                    '"' => {
                        let end = find_close(&chars, i + 1, '"');
                        let inner: String = span(&chars, i + 1, end).iter().collect();
                        let (value, d) = self.ps_expand(&inner, &mut fed);
                        text.push_str(&value);
                        dynamic |= d;
                        i = end + 1;
                    }
                    '(' | '{' => {
                        let close = if c == '(' { ')' } else { '}' };
                        let end = find_matching(&chars, i, c, close);
                        let inner: String = span(&chars, i + 1, end).iter().collect();
                        let before = self.commands.len();
                        self.powershell(&inner);
                        fed.extend(self.programs_since(before));
                        dynamic = true;
                        text.push(c);
                        text.push_str(&inner);
                        text.push(close);
                        i = end + 1;
                    }
                    '$' if chars.get(i + 1) == Some(&'(') => {
                        let end = find_matching(&chars, i + 1, '(', ')');
                        let inner: String = span(&chars, i + 2, end).iter().collect();
                        let before = self.commands.len();
                        self.powershell(&inner);
                        fed.extend(self.programs_since(before));
                        dynamic = true;
                        text.push_str("$(...)");
                        i = end + 1;
                    }
                    '$' => {
                        let start = i;
                        i += 1;
                        if chars.get(i) == Some(&'{') {
                            let end = find_close(&chars, i + 1, '}');
                            i = end + 1;
                        } else {
                            while i < chars.len()
                                && (chars[i].is_alphanumeric()
                                    || chars[i] == '_'
                                    || chars[i] == ':')
                            {
                                i += 1;
                            }
                        }
                        let var: String = span(&chars, start, i).iter().collect();
                        match self.ps_variable(&var) {
                            Some(v) => text.push_str(&v),
                            None => {
                                text.push_str(&var);
                                dynamic = true;
                            }
                        }
                    }
                    '`' => {
                        if let Some(n) = chars.get(i + 1) {
                            text.push(*n);
                        }
                        i += 2;
                    }
                    '\\' => {
                        text.push('/');
                        i += 1;
                    }
                    _ => {
                        text.push(c);
                        i += 1;
                    }
                }
            }
            let home = self.home.clone();
            if let (Some(rest), Some(h)) = (text.strip_prefix('~'), home)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                text = format!("{h}{rest}");
            }
            words.push(Arg {
                glob: text.contains(['*', '?']),
                text,
                dynamic,
            });
            if words.len() > 4096 {
                break;
            }
        }
        (words, fed)
    }

    /// Expand variables inside a double-quoted PowerShell string.
    fn ps_expand(&mut self, inner: &str, fed: &mut Vec<String>) -> (String, bool) {
        let (words, sub) = self.ps_words(&inner.replace(' ', "\u{0}"));
        fed.extend(sub);
        let dynamic = words.iter().any(|w| w.dynamic);
        let text = words
            .into_iter()
            .map(|w| w.text)
            .collect::<Vec<_>>()
            .join("")
            .replace('\u{0}', " ");
        (text, dynamic)
    }

    fn ps_variable(&self, var: &str) -> Option<String> {
        let name = var
            .trim_start_matches('$')
            .trim_matches(['{', '}'])
            .to_ascii_lowercase();
        match name.as_str() {
            "home" | "env:userprofile" | "env:home" => self.home.clone(),
            "env:temp" | "env:tmp" | "env:tmpdir" => Some(self.tmpdir.clone()),
            "pwd" => self.cwd.clone(),
            _ => None,
        }
    }
}

/// Split at `seps` outside quotes, parentheses, braces; `pipes_too = false` keeps `||`.
fn split_top(code: &str, seps: &[char], statements: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '{' => depth += 1,
                ')' | '}' => depth -= 1,
                '`' => {
                    current.push(c);
                    if let Some(n) = chars.get(i + 1) {
                        current.push(*n);
                    }
                    i += 2;
                    continue;
                }
                _ if depth <= 0 && seps.contains(&c) => {
                    // `&&` and `||` (PowerShell 7) separate statements too.
                    out.push(std::mem::take(&mut current));
                    i += 1;
                    continue;
                }
                '&' | '|' if statements && depth <= 0 && chars.get(i + 1) == Some(&c) => {
                    out.push(std::mem::take(&mut current));
                    i += 2;
                    continue;
                }
                _ => {}
            },
        }
        current.push(c);
        i += 1;
    }
    out.push(current);
    out.into_iter().filter(|s| !s.trim().is_empty()).collect()
}

/// `chars[from..to]`, empty where an unclosed quote or bracket ends the text early.
fn span(chars: &[char], from: usize, to: usize) -> &[char] {
    let to = to.min(chars.len());
    &chars[from.min(to)..to]
}

fn find_close(chars: &[char], from: usize, close: char) -> usize {
    (from..chars.len())
        .find(|&j| chars[j] == close)
        .unwrap_or(chars.len())
}

fn find_matching(chars: &[char], open_at: usize, open: char, close: char) -> usize {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (j, &c) in chars.iter().enumerate().skip(open_at) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == open => depth += 1,
            None if c == close => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            None => {}
        }
    }
    chars.len()
}
