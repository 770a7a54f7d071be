//! Code in other languages that programs run, as the program table describes it: arguments
//! or input lines with a prefix (`sqlite3 '.shell CMD'`, psql's `\! CMD`, gdb's `shell CMD`
//! and `python CODE`), standard input that is the program's code (`tclsh`, `jshell`), and
//! source files written earlier in the line and then built or run (`go run`, `gcc && ./a.out`).

use super::{Analyzer, Command, Written};
use crate::normalize::path;

impl Analyzer {
    pub(super) fn follow_sources(&mut self, cmd: &Command, index: usize) {
        // Most programs have none of this: no copy of their entry then. The deepest
        // subcommand's entry speaks (`go run`, `dotnet fsi`).
        let runs_code = |s: &crate::normalize::programs::ProgramSpec| {
            !s.code_prefixes.is_empty()
                || !s.lang_prefixes.is_empty()
                || s.lang_stdin
                || s.runs_source
                || !s.config_options.is_empty()
                || !s.code_files.is_empty()
        };
        let table = self.programs.clone();
        // Read the arguments only for a program that may say something here.
        if !table
            .get(&cmd.program)
            .is_some_and(|s| s.subcommands || runs_code(s))
        {
            return;
        }
        let parsed = table.read_written(cmd);
        let spec = match table
            .get(&parsed.spec_name)
            .or_else(|| table.get(&cmd.program))
        {
            Some(s) if runs_code(s) => s.clone(),
            _ => return,
        };
        let via = format!("{} code", cmd.program);
        if !spec.code_prefixes.is_empty() || !spec.lang_prefixes.is_empty() {
            let words = cmd
                .args
                .iter()
                .map(|a| (a.text.clone(), a.dynamic))
                .chain(cmd.stdin_text.lines().map(|l| (l.to_string(), false)))
                .collect::<Vec<_>>();
            for (word, dynamic) in words.iter().take(256) {
                let text = word.trim_start();
                if let Some(code) = spec
                    .code_prefixes
                    .iter()
                    .find_map(|p| text.strip_prefix(p.as_str()))
                {
                    self.code_or_hidden(&(code.to_string(), *dynamic), &via);
                }
                if let Some(code) = spec
                    .lang_prefixes
                    .iter()
                    .find_map(|p| text.strip_prefix(p.as_str()))
                {
                    self.interpreter_code(index, code, &via);
                }
            }
        }
        if spec.lang_stdin && !cmd.stdin_text.is_empty() {
            let code = cmd.stdin_text.clone();
            self.interpreter_code(index, &code, &via);
        }
        let code_files: Vec<(String, bool)> = parsed
            .values_of(&spec.code_files)
            .filter(|v| !matches!(v.text.as_str(), "NONE" | "NORC" | "DEFAULTS"))
            .map(|v| (v.text.clone(), v.dynamic))
            .collect();
        for (file, dynamic) in code_files {
            let resolved = (!dynamic)
                .then(|| path::resolve(&file, cmd.cwd.as_deref(), self.home.as_deref()))
                .flatten();
            // The user's own init and session files are everyday; one in a temporary
            // folder (or named at run time) is code someone just put there.
            let temporary = resolved.as_deref().is_none_or(|r| {
                ["/tmp/", "/var/tmp/", "/dev/shm/"]
                    .iter()
                    .any(|t| r.starts_with(t))
                    || r.starts_with(&format!("{}/", self.tmpdir.trim_end_matches('/')))
            });
            match resolved.as_deref().and_then(|r| self.written_at(r)) {
                Some(Written::Text(code)) => self.interpreter_code(index, &code, &via),
                _ if !temporary => {}
                _ => self.note(
                    super::NoteKind::HiddenCode,
                    format!(
                        "`{}` runs the code in {file}, which is not visible here",
                        cmd.program
                    ),
                ),
            }
        }
        for (option, stands_for) in &spec.config_options {
            let files: Vec<String> = parsed
                .values_of(std::slice::from_ref(option))
                .filter(|v| !v.dynamic)
                .filter_map(|v| path::resolve(&v.text, cmd.cwd.as_deref(), self.home.as_deref()))
                .collect();
            let Some(as_path) = path::resolve(stands_for, Some("/"), self.home.as_deref()) else {
                continue;
            };
            for file in files {
                if let Some(Written::Text(text)) = self.written_at(&file) {
                    for code in crate::normalize::planted::code_in(&as_path, &text).code {
                        self.script(
                            &code,
                            Some(&format!("{} {option} {file}", cmd.program)),
                            true,
                        );
                    }
                }
            }
        }
        if spec.runs_source {
            let files: Vec<String> = parsed
                .operands
                .iter()
                .filter(|a| !a.dynamic && !a.text.starts_with('-'))
                .filter_map(|a| path::resolve(&a.text, cmd.cwd.as_deref(), self.home.as_deref()))
                .collect();
            for file in files.into_iter().take(16) {
                if let Some(Written::Text(code)) = self.written_at(&file) {
                    self.interpreter_code(
                        index,
                        &code,
                        &format!("{} {file} (written earlier)", cmd.program),
                    );
                }
            }
            // `gcc -x c -`: the source arrives on standard input.
            if cmd.args.iter().any(|a| a.text == "-") && !cmd.stdin_text.is_empty() {
                let code = cmd.stdin_text.clone();
                self.interpreter_code(index, &code, &via);
            }
        }
    }
}

impl Analyzer {
    /// `cmd.exe /c LINE` from WSL: cmd's line read as a command line, its `\` paths as `/`
    /// (Windows paths resolve to their `/mnt/DRIVE` mounts) and `%USERPROFILE%` as any
    /// Windows home.
    pub(super) fn follow_cmd(&mut self, cmd: &Command) {
        // `/c`, however a path-minded rewrite spells it (`//c`, `/./c`, `/[c]`): cmd reads
        // its switches loosely, so any of them may be taken as one.
        let switch = |text: &str| {
            let plain = text.replace(['[', ']'], "").to_ascii_lowercase();
            let plain = path::resolve(&plain, Some("/"), None).unwrap_or(plain);
            matches!(plain.as_str(), "/c" | "/k" | "/r")
        };
        let Some(at) = cmd.args.iter().position(|a| switch(&a.text)) else {
            return;
        };
        let (line, dynamic) = super::wrappers::join_args(&cmd.args[at + 1..]);
        let line = line
            .replace("%USERPROFILE%", "C:/Users/*")
            .replace("%HOMEDRIVE%%HOMEPATH%", "C:/Users/*")
            .replace("%APPDATA%", "C:/Users/*/AppData/Roaming")
            .replace("%LOCALAPPDATA%", "C:/Users/*/AppData/Local")
            .replace('\\', "/");
        // cmd's switches (`/s`, `/q`) read as options (`-s`): cmd paths here are `C:/...`.
        let line = line
            .split(' ')
            .map(|w| match w.strip_prefix('/') {
                Some(rest)
                    if (1..=3).contains(&rest.len())
                        && rest.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    format!("-{rest}")
                }
                _ => w.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ");
        // cmd's `type FILE` prints the file (bash's `type` names a command).
        let line = match line.trim_start().strip_prefix("type ") {
            Some(rest) => format!("cat {rest}"),
            None => line,
        };
        self.code_or_hidden(&(line, dynamic), "cmd /c");
    }
}
