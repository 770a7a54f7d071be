//! Wrappers stripped and code followed: what turns `sudo env X=1 timeout 5 bash -c '...'`
//! into the commands that actually run.

use super::{Analyzer, Arg, Command, NoteKind, Written, path, program_name};
use crate::normalize::effects::{Effect, Kind, Source, Target};

/// How a wrapper's options take values.
struct Opts {
    /// Short letters that take a value (attached `-uroot` or next word `-u root`).
    short_value: &'static str,
    /// Short letters whose value can only be attached (`xargs -i{}`).
    short_optional: &'static str,
    /// Long names (without `--`) that take the next word when no `=` is given.
    long_value: &'static [&'static str],
}

/// One option seen while skipping: its name (`-u`, `--user`) and value.
type SeenOption = (String, Option<String>);

/// Skip leading options; returns the index of the first operand and the options seen.
fn skip_options(args: &[Arg], opts: &Opts) -> (usize, Vec<SeenOption>) {
    let mut seen = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let text = args[i].text.as_str();
        if text == "--" {
            return (i + 1, seen);
        }
        if let Some(long) = text.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => seen.push((format!("--{name}"), Some(value.to_string()))),
                None if opts.long_value.contains(&long) => {
                    seen.push((text.to_string(), args.get(i + 1).map(|a| a.text.clone())));
                    i += 1;
                }
                None => seen.push((text.to_string(), None)),
            }
            i += 1;
            continue;
        }
        if text.len() < 2 || !text.starts_with('-') || args[i].dynamic {
            return (i, seen);
        }
        for (pos, c) in text[1..].char_indices() {
            let rest = &text[1 + pos + c.len_utf8()..];
            if opts.short_value.contains(c) {
                if rest.is_empty() {
                    seen.push((format!("-{c}"), args.get(i + 1).map(|a| a.text.clone())));
                    i += 1;
                } else {
                    seen.push((format!("-{c}"), Some(rest.to_string())));
                }
                break;
            }
            if opts.short_optional.contains(c) {
                seen.push((
                    format!("-{c}"),
                    (!rest.is_empty()).then(|| rest.to_string()),
                ));
                break;
            }
            seen.push((format!("-{c}"), None));
        }
        i += 1;
    }
    (i, seen)
}

/// `localhost`, `127.0.0.1`, `::1`, `user@localhost`, `ssh://localhost:22`: this machine.
fn is_loopback_host(word: &str) -> bool {
    let host = word.trim_start_matches("ssh://");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.split_once(']'))
        .map_or_else(|| host.split(':').next().unwrap_or(host), |(h, _)| h);
    crate::normalize::host::is_loopback(host)
}

pub(super) const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "rbash", "csh", "tcsh", "yash",
    "posh", "oksh", "loksh",
];

/// What stripping one wrapper did.
enum Strip {
    /// `cmd.args` now starts with the wrapped program.
    Unwrapped,
    /// The first word is the real program.
    Program,
    /// The wrapper's work was done here (its code was followed); nothing left to push.
    Done,
}

impl Analyzer {
    /// Strip wrappers, record the command and its effects, then follow any code it runs.
    pub(super) fn emit(&mut self, mut cmd: Command) {
        cmd.via = self.via.clone();
        cmd.remote.extend(self.remote.iter().cloned());
        cmd.speculative |= self.speculative;
        if let Some(pipe) = &self.pipe {
            cmd.fed_by.extend(pipe.programs.iter().cloned());
            if let Some(text) = &pipe.text {
                cmd.stdin_text.push_str(text);
            }
            cmd.fed_source = cmd.fed_source.max(pipe.source);
        }
        for _ in 0..32 {
            let Some(first) = cmd.args.first() else {
                return;
            };
            // `/usr/bin/[r]m`, `/bin/r?`: the program is whichever file the glob matches.
            // One program the table or the shell list knows: read it as that one; several or
            // none: only known at run time.
            // `[ -n "$X" ]`: a `[` with no `]` after it is no pattern; bash runs `[` (test).
            let unclosed = match (first.text.rfind('['), first.text.rfind(']')) {
                (Some(open), Some(close)) => open > close,
                (Some(_), None) => true,
                _ => false,
            };
            if first.glob && unclosed && !first.text.contains(['*', '?']) {
                cmd.args[0].glob = false;
                continue;
            }
            if first.glob && !first.dynamic {
                let pattern = first
                    .text
                    .rsplit('/')
                    .next()
                    .unwrap_or(&first.text)
                    .to_string();
                let matched = self.programs_matching(&pattern);
                let arg = &mut cmd.args[0];
                match matched.as_slice() {
                    [one] => {
                        let dir_len = arg.text.len() - pattern.len();
                        arg.text = format!("{}{one}", &arg.text[..dir_len]);
                        arg.glob = false;
                    }
                    _ => arg.dynamic = true,
                }
                continue;
            }
            if first.dynamic {
                let shown = first.text.clone();
                self.note(
                    NoteKind::DynamicProgram,
                    format!("the program name `{shown}` is only known at run time"),
                );
                cmd.program = shown;
                cmd.args.remove(0);
                cmd.cwd = self.cwd.clone();
                self.commands.push(cmd);
                return;
            }
            // `1A=2 git reset --hard`: not a valid assignment, so bash would look for a
            // program called `1A=2`. Read it the way it was surely meant (conservative).
            if first.text.contains('=') && !first.text.contains('/') && cmd.args.len() > 1 {
                cmd.args.remove(0);
                continue;
            }
            let name = program_name(&first.text);
            match self.strip(&name, &mut cmd) {
                Strip::Unwrapped => cmd.wrappers.push(name),
                Strip::Program => break,
                Strip::Done => return,
            }
        }
        let first = cmd.args.remove(0);
        cmd.program = program_name(&first.text);
        // Not in code of another language read as shell (`print(urlopen('https://...'))`,
        // a string literal): there a URL in program position is not run.
        let url_program = !self.quiet
            && (first.text.starts_with("http://") || first.text.starts_with("https://"));
        if first.text.contains('/') {
            cmd.program_path =
                path::resolve(&first.text, self.cwd.as_deref(), self.home.as_deref());
        }
        cmd.cwd = self.cwd.clone();
        self.script_runner(&mut cmd);
        if cmd.program == "find" {
            self.find_exec(&mut cmd);
        }
        // xargs' arguments are what the pipe prints, unless it reads them from a file.
        let from_file = cmd
            .redirects
            .iter()
            .any(|r| r.kind == super::RedirectKind::Read);
        if cmd.args_from_stdin && cmd.placeholder.is_empty() && !from_file {
            cmd.placeholder = self
                .pipe
                .as_ref()
                .map(|p| p.paths.clone())
                .unwrap_or_default();
        }
        // Paths through a link made earlier in the line (`ln -s /etc l && chmod -R 777 l/`)
        // are the link's target, for every rule that reads the words.
        if !self.links.is_empty() {
            let cwd = cmd.cwd.clone();
            for arg in cmd
                .args
                .iter_mut()
                .chain(cmd.redirects.iter_mut().map(|r| &mut r.target))
            {
                if arg.dynamic || arg.text.starts_with('-') {
                    continue;
                }
                let plain = path::resolve(&arg.text, cwd.as_deref(), self.home.as_deref());
                let through = self.resolve_path(arg, cwd.as_deref());
                if let (Some(plain), Some(through)) = (plain, through)
                    && plain != through
                {
                    arg.text = through;
                }
            }
        }
        cmd.inherited = self.inherited();
        let index = self.commands.len();
        self.commands.push(cmd);
        if url_program {
            // `npx https://host/pkg.tgz`: a program fetched and run.
            let effect = Effect::new(
                Kind::Exec,
                Target::Name(first.text.clone()),
                "run from a URL",
            )
            .from_source(Source::Network);
            self.push_effect(index, effect);
        }
        self.command_effects(index);
        let saved_remote = std::mem::replace(&mut self.remote, self.commands[index].remote.clone());
        self.follow_code(index);
        self.remote = saved_remote;
        self.speculate(index);
    }

    /// Known program names a glob matches (`[r]m` -> rm), sorted, at most a few.
    fn programs_matching(&self, pattern: &str) -> Vec<String> {
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        else {
            return Vec::new();
        };
        let matcher = glob.compile_matcher();
        let mut names: Vec<String> = self
            .programs
            .names()
            .chain(SHELLS.iter().copied())
            .filter(|n| matcher.is_match(n))
            .map(str::to_string)
            .take(8)
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// `python -m twine upload`, `python manage.py flush`, `php artisan db:wipe`: the module
    /// or script is the program that matters, when the table knows it.
    fn script_runner(&self, cmd: &mut Command) {
        let interpreter = is_interpreter(&cmd.program);
        if !interpreter {
            return;
        }
        let Some(first) = cmd.args.first() else {
            return;
        };
        if cmd.program.starts_with("python") && first.text == "-m" && cmd.args.len() > 1 {
            let module = cmd.args[1].text.to_ascii_lowercase();
            if self.programs.contains(&module) {
                cmd.wrappers.push(format!("{} -m", cmd.program));
                cmd.program = module;
                cmd.args.drain(..2);
            }
            return;
        }
        let script = program_name(&first.text);
        // Only script files (`manage.py`, `artisan`): `python3 rm` runs a file named rm.
        let script_file = script.contains('.') || script == "artisan";
        if !first.dynamic && script_file && self.programs.contains(&script) {
            cmd.wrappers.push(cmd.program.clone());
            cmd.program = script;
            cmd.args.remove(0);
        }
    }

    fn strip(&mut self, name: &str, cmd: &mut Command) -> Strip {
        match name {
            "env" => return self.strip_env(cmd),
            "xargs" => return self.strip_xargs(cmd),
            "parallel" => return self.strip_parallel(cmd),
            _ => {}
        }
        let table = self.programs.clone();
        let Some(runner) = table.runner(name, &cmd.args[1..]) else {
            return Strip::Program;
        };
        // A runner whose command is one line of code (`ssh host 'cmd'`, `watch 'cmd'`) is a
        // command of its own; `follow_code` parses the line.
        if runner.spec.joined {
            return Strip::Program;
        }
        let mut start = 1 + runner.start;
        if runner.spec.assignments {
            while start < cmd.args.len() && is_assignment(&cmd.args[start].text) {
                let (n, v) = cmd.args[start].text.split_once('=').unwrap_or_default();
                let value = Arg {
                    text: v.to_string(),
                    ..cmd.args[start].clone()
                };
                cmd.assignments.push((n.to_string(), value));
                start += 1;
            }
        }
        if start >= cmd.args.len() {
            return Strip::Program;
        }
        if runner.spec.remote {
            // `docker run -v ~:/h img CMD`, `kubectl exec -n prod POD -- CMD`: the runner is a
            // command of its own (its mounts, its target), and CMD runs there.
            cmd.remote
                .push(format!("{name} {}", runner.context.join(" ")));
            let own = Command {
                program: name.to_string(),
                args: cmd.args[1..start].to_vec(),
                cwd: self.cwd.clone(),
                via: cmd.via.clone(),
                speculative: cmd.speculative,
                ..Default::default()
            };
            let mut own = own;
            own.inherited = self.inherited();
            let index = self.commands.len();
            self.commands.push(own);
            self.command_effects(index);
        }
        cmd.args.drain(..start);
        Strip::Unwrapped
    }

    /// An unknown program followed by words that read as a known command (`with-retry rm
    /// -rf ~`): it may well run them, so they are analysed as a command whose effects are
    /// uncertain (a deny rule asks).
    fn speculate(&mut self, index: usize) {
        let cmd = &self.commands[index];
        if self.programs.contains(&cmd.program)
            || BUILTINS.contains(&cmd.program.as_str())
            || cmd.program.is_empty()
        {
            return;
        }
        let Some(first) = cmd.args.first() else {
            return;
        };
        if first.dynamic || first.text.starts_with('-') {
            return;
        }
        let next = program_name(&first.text);
        if !self.programs.contains(&next) {
            return;
        }
        let inner = Command {
            args: cmd.args.clone(),
            assignments: cmd.assignments.clone(),
            speculative: true,
            ..Default::default()
        };
        let saved = (self.pipe.take(), self.speculative);
        self.speculative = true;
        self.via.push(format!("{} (unknown program)", cmd.program));
        self.emit(inner);
        self.via.pop();
        (self.pipe, self.speculative) = saved;
    }

    fn strip_env(&mut self, cmd: &mut Command) -> Strip {
        let mut args: Vec<Arg> = cmd.args[1..].to_vec();
        let mut i = 0;
        while i < args.len() {
            let text = args[i].text.clone();
            let value_of = |attached: &str, i: &mut usize, args: &[Arg]| -> Option<String> {
                if attached.is_empty() {
                    *i += 1;
                    args.get(*i).map(|a| a.text.clone())
                } else {
                    Some(attached.to_string())
                }
            };
            if text == "--" {
                i += 1;
                break;
            } else if text == "-"
                || text == "-i"
                || text == "-0"
                || text == "-v"
                || text == "--ignore-environment"
            {
                i += 1;
            } else if let Some(rest) = text
                .strip_prefix("--chdir=")
                .or_else(|| text.strip_prefix("-C"))
            {
                let dir = value_of(rest, &mut i, &args);
                self.cwd =
                    dir.and_then(|d| path::resolve(&d, self.cwd.as_deref(), self.home.as_deref()));
                i += 1;
            } else if let Some(rest) = text
                .strip_prefix("--split-string=")
                .or_else(|| text.strip_prefix("-S"))
            {
                let split = value_of(rest, &mut i, &args).unwrap_or_default();
                let words: Vec<Arg> = split.split_whitespace().map(Arg::literal).collect();
                args.splice(i + 1..i + 1, words);
                i += 1;
            } else if text.starts_with("--unset=") || text.starts_with("--") {
                if text == "--unset" || text == "--chdir" {
                    i += 1;
                }
                i += 1;
            } else if let Some(rest) = text.strip_prefix("-u").or_else(|| text.strip_prefix("-P")) {
                value_of(rest, &mut i, &args);
                i += 1;
            } else if text.starts_with('-') && text.len() > 1 {
                i += 1;
            } else if is_assignment(&text) || is_exported_function(&text) {
                let (n, v) = text.split_once('=').unwrap_or_default();
                cmd.assignments.push((
                    n.to_string(),
                    Arg {
                        text: v.to_string(),
                        dynamic: args[i].dynamic,
                        glob: false,
                    },
                ));
                i += 1;
            } else {
                break;
            }
        }
        if i >= args.len() {
            return Strip::Program;
        }
        cmd.args = args.split_off(i);
        Strip::Unwrapped
    }

    fn strip_xargs(&mut self, cmd: &mut Command) -> Strip {
        let (start, seen) = skip_options(
            &cmd.args[1..],
            &Opts {
                short_value: "aEILnPsdJR",
                short_optional: "iel",
                long_value: &[
                    "arg-file",
                    "delimiter",
                    "max-args",
                    "max-procs",
                    "max-chars",
                    "process-slot-var",
                ],
            },
        );
        let start = 1 + start;
        if start >= cmd.args.len() {
            return Strip::Program;
        }
        // `xargs -a FILE cmd` reads its arguments from FILE, like `xargs cmd < FILE`.
        for (name, value) in &seen {
            if matches!(name.as_str(), "-a" | "--arg-file")
                && let Some(file) = value
            {
                cmd.redirects.push(super::Redirect {
                    kind: super::RedirectKind::Read,
                    target: Arg::literal(file.clone()),
                });
            }
        }
        let replace: Option<String> = seen.iter().find_map(|(n, v)| match n.as_str() {
            "-I" | "-J" | "--replace" => Some(
                v.clone()
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| "{}".into()),
            ),
            "-i" => Some(v.clone().unwrap_or_else(|| "{}".into())),
            _ => None,
        });
        cmd.args.drain(..start);
        // `echo / | xargs chmod -R 777`: the words a literal stage prints become arguments,
        // exactly as xargs appends them (globs the echo expanded kept as globs).
        let plain_xargs = replace.is_none()
            && seen.iter().all(|(n, _)| {
                matches!(n.as_str(), "-r" | "--no-run-if-empty" | "-t" | "--verbose")
            });
        if plain_xargs
            && let Some(text) = self.pipe.as_ref().and_then(|p| p.text.as_ref())
            && text.split_whitespace().count() <= 64
        {
            let words: Vec<Arg> = text
                .split_whitespace()
                .map(|w| Arg {
                    glob: w.contains(['*', '?', '[']),
                    ..Arg::literal(w)
                })
                .collect();
            cmd.args.extend(words);
            return Strip::Unwrapped;
        }
        let token = replace.unwrap_or_else(|| "{}".into());
        for arg in &mut cmd.args {
            if arg.text.contains(&token) {
                arg.dynamic = true;
                arg.text = arg.text.replace(&token, "{}");
            }
        }
        cmd.args_from_stdin = true;
        Strip::Unwrapped
    }

    fn strip_parallel(&mut self, cmd: &mut Command) -> Strip {
        let (start, _) = skip_options(
            &cmd.args[1..],
            &Opts {
                short_value: "jSaCdIENnL",
                short_optional: "",
                long_value: &[
                    "jobs",
                    "sshlogin",
                    "arg-file",
                    "colsep",
                    "delimiter",
                    "results",
                    "joblog",
                    "timeout",
                    "delay",
                    "max-args",
                    "max-lines",
                    "workdir",
                    "tmpdir",
                    "env",
                    "memfree",
                    "load",
                    "basefile",
                    "return",
                    "tag-string",
                    "halt",
                    "retries",
                    "sshloginfile",
                    "replace",
                ],
            },
        );
        let rest: Vec<Arg> = cmd.args[1 + start.min(cmd.args.len() - 1)..].to_vec();
        let separator = rest.iter().position(|a| a.text.starts_with(":::"));
        let (words, inputs, inputs_known) = match separator {
            Some(pos) => {
                let known = rest[pos].text == ":::" || rest[pos].text == ":::+";
                let inputs: Vec<Arg> = rest[pos + 1..]
                    .iter()
                    .filter(|a| !a.text.starts_with(":::"))
                    .cloned()
                    .collect();
                (rest[..pos].to_vec(), inputs, known)
            }
            None => (rest, Vec::new(), false),
        };
        if words.is_empty() {
            // Without a command, each input is itself a command line.
            if !inputs.is_empty() && inputs_known {
                for input in &inputs {
                    self.code_or_hidden(&(input.text.clone(), input.dynamic), "parallel");
                }
            } else if let Some(text) = self.pipe.as_ref().and_then(|p| p.text.clone()) {
                self.code_or_hidden(&(text, false), "parallel");
            } else if (separator.is_some() && !inputs.is_empty())
                || (separator.is_none() && self.pipe.is_some())
            {
                self.note(
                    NoteKind::HiddenCode,
                    "parallel runs command lines that arrive at run time",
                );
            }
            return Strip::Done;
        }
        let mut words = words;
        let placeholder = words
            .iter()
            .any(|a| a.text.contains('{') && a.text.contains('}'));
        for arg in &mut words {
            if arg.text.contains('{') && arg.text.contains('}') {
                arg.dynamic = true;
            }
        }
        if inputs_known && !placeholder && !inputs.is_empty() {
            words.extend(inputs);
        } else {
            cmd.args_from_stdin = true;
        }
        cmd.args = words;
        Strip::Unwrapped
    }

    /// Move `find -exec CMD ... ;` segments out of find's arguments into commands of their
    /// own, with `{}` standing for everything under find's starting points.
    fn find_exec(&mut self, cmd: &mut Command) {
        let starts = super::find_targets(cmd);
        let mut kept = Vec::with_capacity(cmd.args.len());
        let mut segments: Vec<Vec<Arg>> = Vec::new();
        let mut args = std::mem::take(&mut cmd.args).into_iter();
        while let Some(arg) = args.next() {
            if matches!(arg.text.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") {
                let mut segment = Vec::new();
                for inner in args.by_ref() {
                    if !inner.dynamic && (inner.text == ";" || inner.text == "+") {
                        break;
                    }
                    let dynamic = inner.dynamic || inner.text.contains("{}");
                    segment.push(Arg { dynamic, ..inner });
                }
                // Keep the predicate itself so rules can see that find runs commands.
                kept.push(arg);
                segments.push(segment);
            } else {
                kept.push(arg);
            }
        }
        cmd.args = kept;
        let saved_pipe = self.pipe.take();
        self.via.push("find -exec".into());
        for segment in segments {
            if !segment.is_empty() {
                self.emit(Command {
                    args: segment,
                    placeholder: starts.clone(),
                    ..Default::default()
                });
            }
        }
        self.via.pop();
        self.pipe = saved_pipe;
    }

    /// Follow code that the command at `index` runs: shells, eval, ssh, interpreters, and
    /// the programs that take code in an argument (see `code.rs`).
    fn follow_code(&mut self, index: usize) {
        let cmd = self.commands[index].clone();
        let program = cmd.program.as_str();
        match program {
            "cd" | "pushd" => {
                let target = cmd
                    .args
                    .iter()
                    .find(|a| !a.text.starts_with('-') || a.text == "-");
                let cdpath = cmd.assignments.iter().rev().find(|(n, _)| n == "CDPATH");
                let saved = cdpath.map(|(_, v)| {
                    let known = (!v.dynamic).then(|| v.text.clone());
                    self.vars.insert("CDPATH".into(), known)
                });
                self.cwd = match target {
                    None => self.home.clone(),
                    Some(a) if a.dynamic || a.text == "-" => None,
                    Some(a) => self.cd_target(&a.text),
                };
                // `CDPATH=/ cd etc`: the assignment lasts for this command only.
                match saved {
                    Some(Some(old)) => {
                        self.vars.insert("CDPATH".into(), old);
                    }
                    Some(None) => {
                        self.vars.remove("CDPATH");
                    }
                    None => {}
                }
            }
            "export" | "declare" | "typeset" | "local" | "readonly" => {
                for arg in cmd.args.iter().filter(|a| !a.text.starts_with('-')) {
                    if let Some((name, value)) = arg.text.split_once('=')
                        && is_assignment(&arg.text)
                    {
                        let known = (!arg.dynamic).then(|| value.to_string());
                        self.vars.insert(name.to_string(), known);
                    }
                }
            }
            p if SHELLS.contains(&p) => self.follow_shell(&cmd, index),
            "eval" => {
                let code = join_args(&cmd.args);
                if code.1 {
                    self.exec_from_pipe(index, "eval");
                }
                self.code_or_hidden(&code, "eval");
            }
            "source" | "." => {
                if let Some(file) = cmd.args.first() {
                    self.exec_file(index, file, program);
                }
            }
            "su" => {
                // su takes options before and after the user name: look at every word.
                let mut i = 0;
                while i < cmd.args.len() {
                    let text = cmd.args[i].text.as_str();
                    let code = if matches!(text, "-c" | "--command" | "--session-command") {
                        i += 1;
                        cmd.args.get(i).map(|a| (a.text.clone(), a.dynamic))
                    } else if let Some(v) = text.strip_prefix("--command=") {
                        Some((v.to_string(), cmd.args[i].dynamic))
                    } else {
                        None
                    };
                    if let Some(code) = code {
                        self.code_or_hidden(&code, "su -c");
                    }
                    i += 1;
                }
            }
            "cmd" => self.follow_cmd(&cmd),
            "trap" => {
                if let Some(first) = cmd.args.first().filter(|a| !a.text.starts_with('-')) {
                    self.code_or_hidden(&(first.text.clone(), first.dynamic), "trap");
                }
            }
            "alias" => {
                for arg in &cmd.args {
                    if let Some((_, value)) = arg.text.split_once('=') {
                        self.code_or_hidden(&(value.to_string(), arg.dynamic), "alias");
                    }
                }
            }
            p if is_interpreter(p) => self.follow_interpreter(&cmd, index),
            _ => self.follow_program_code(&cmd, index),
        }
        if let Some(path) = cmd.program_path.clone() {
            self.exec_file(index, &Arg::literal(path), "run");
        }
        self.follow_table_code(&cmd, index);
        self.follow_env_code(&cmd, index);
        self.follow_sources(&cmd, index);
    }

    /// Code the table says a program runs: a joined command line (`ssh host CMD`, `watch
    /// CMD`) and option values that are code (`script -c`, `flock -c`).
    fn follow_table_code(&mut self, cmd: &Command, index: usize) {
        let table = self.programs.clone();
        if let Some(runner) = table.runner(&cmd.program, &cmd.args)
            && runner.spec.joined
        {
            let code = join_args(&cmd.args[runner.start.min(cmd.args.len())..]);
            let saved = self.cwd.clone();
            // `ssh localhost CMD` runs CMD on this machine, in the home directory.
            let here = matches!(cmd.program.as_str(), "ssh" | "mosh")
                && runner.context.iter().any(|w| is_loopback_host(w));
            let remote = runner.spec.remote && !here;
            if remote {
                self.remote
                    .push(format!("{} {}", cmd.program, runner.context.join(" ")));
                self.cwd = None;
            } else if here {
                self.cwd = self.home.clone();
            }
            self.code_or_hidden(&code, &format!("{} (command line)", cmd.program));
            if here {
                self.cwd = saved.clone();
            }
            if remote {
                self.remote.pop();
                self.cwd = saved;
            }
        }
        let parsed = table.parse(&cmd.program, &cmd.args);
        let spec = table.spec_of(&parsed);
        if !spec.code_options.is_empty() {
            let codes: Vec<Arg> = parsed.values_of(&spec.code_options).cloned().collect();
            for code in codes {
                self.code_or_hidden(&(code.text, code.dynamic), &format!("{} -c", cmd.program));
            }
        }
        let mut codes: Vec<(String, bool, String)> = Vec::new();
        for (option, prefixes) in &spec.code_values {
            for value in parsed.values_of(std::slice::from_ref(option)) {
                let lower = value.text.to_ascii_lowercase();
                if let Some(p) = prefixes
                    .iter()
                    .find(|p| lower.starts_with(&p.to_ascii_lowercase()))
                {
                    let via = format!(
                        "{} {option} {}",
                        cmd.program,
                        p.trim_end_matches(['=', ' '])
                    );
                    codes.push((value.text[p.len()..].to_string(), value.dynamic, via));
                }
            }
        }
        for (code, dynamic, via) in codes {
            self.code_or_hidden(&(code, dynamic), &via);
        }
        let lang: Vec<Arg> = parsed.values_of(&spec.lang_options).cloned().collect();
        for code in lang {
            let via = format!("{} code", cmd.program);
            self.interpreter_code(index, &code.text, &via);
        }
    }

    /// `cd DIR`, also through CDPATH: a relative name is looked up there first (the first
    /// entry is taken; the file system is not consulted).
    fn cd_target(&self, dir: &str) -> Option<String> {
        let plain = !dir.starts_with(['/', '.', '~']);
        if plain && let Some(Some(cdpath)) = self.vars.get("CDPATH") {
            if let Some(first) = cdpath.split(':').find(|p| !p.is_empty()) {
                let base = path::resolve(first, self.cwd.as_deref(), self.home.as_deref())?;
                return path::resolve(dir, Some(&base), self.home.as_deref());
            }
        } else if plain && matches!(self.vars.get("CDPATH"), Some(None)) {
            return None;
        }
        path::resolve(dir, self.cwd.as_deref(), self.home.as_deref())
    }

    fn follow_shell(&mut self, cmd: &Command, index: usize) {
        let mut has_c = false;
        let mut reads_stdin = false;
        let mut i = 0;
        while i < cmd.args.len() {
            let text = cmd.args[i].text.as_str();
            if text == "--" || text == "-" {
                i += 1;
                break;
            }
            if (text.starts_with('-') || text.starts_with('+'))
                && text.len() > 1
                && !cmd.args[i].dynamic
            {
                if text.starts_with("--") {
                    if matches!(text, "--rcfile" | "--init-file") {
                        i += 1;
                    }
                } else {
                    let letters = &text[1..];
                    has_c |= letters.contains('c');
                    reads_stdin |= letters.contains('s');
                    if letters.contains('o') || letters.contains('O') {
                        i += 1;
                    }
                }
                i += 1;
                continue;
            }
            break;
        }
        let operand = cmd.args.get(i);
        let via = format!("{} -c", cmd.program);
        if has_c {
            match operand {
                Some(script) if script.dynamic => {
                    self.exec_from_pipe(index, &via);
                    self.code_or_hidden(&(script.text.clone(), true), &via);
                }
                Some(script) => {
                    self.script(&script.text, Some(&via), false);
                }
                None if cmd.args_from_stdin && !cmd.stdin_text.is_empty() => {
                    // `echo 'cmd' | xargs -0 sh -c`: the code is the known input.
                    let text = cmd.stdin_text.clone();
                    self.script(&text, Some(&via), false);
                }
                None if cmd.args_from_stdin => {
                    self.exec_from_pipe(index, &via);
                    self.note(
                        NoteKind::HiddenCode,
                        format!("`{via}` runs code that arrives at run time"),
                    );
                }
                None => {}
            }
            return;
        }
        let stdin_file =
            operand.is_some_and(|o| matches!(o.text.as_str(), "/dev/stdin" | "/dev/fd/0"));
        if let Some(script) = operand
            && !reads_stdin
            && !stdin_file
        {
            self.exec_file(index, script, &cmd.program);
            return;
        }
        // Code on standard input: a heredoc, a pipe, a redirected file.
        if let Some(file) = cmd
            .redirects
            .iter()
            .find(|r| r.kind == super::RedirectKind::Read)
            .map(|r| r.target.clone())
        {
            self.exec_file(index, &file, &cmd.program);
        }
        if !cmd.stdin_text.is_empty() {
            let text = cmd.stdin_text.clone();
            self.script(&text, Some(&format!("{} <stdin", cmd.program)), false);
            self.exec_from_pipe(index, &cmd.program);
        } else if (!cmd.fed_by.is_empty() || cmd.args_from_stdin)
            && !self.exec_from_pipe(index, &cmd.program)
        {
            self.note(
                NoteKind::HiddenCode,
                format!(
                    "`{}` runs code from a pipe whose contents are not visible",
                    cmd.program
                ),
            );
        }
    }

    /// The command at `index` runs code fed to it (a pipe, a substitution, a process
    /// substitution): an exec effect when that code comes from the network or a decoder.
    /// Returns whether it did.
    pub(super) fn exec_from_pipe(&mut self, index: usize, via: &str) -> bool {
        let cmd = &self.commands[index];
        let source = cmd.fed_source.max(self.classify(&cmd.fed_by));
        match source {
            Some(s @ (Source::Network | Source::Decoded)) => {
                let effect = Effect::new(Kind::Exec, Target::None, via).from_source(s);
                self.push_effect(index, effect);
                true
            }
            _ => false,
        }
    }

    /// What the output of these programs is, by the table's `output` (curl: network).
    pub(super) fn classify(&self, programs: &[String]) -> Option<Source> {
        programs
            .iter()
            .filter_map(|p| self.programs.get(p).and_then(|s| s.output))
            .max()
    }

    /// A file the command at `index` runs (`sh f`, `. f`, `./f`): its code is analysed
    /// when this command line wrote it; otherwise an exec effect records where it came from.
    pub(super) fn exec_file(&mut self, index: usize, file: &Arg, via: &str) {
        if file.dynamic {
            if !self.exec_from_pipe(index, via) {
                let effect = Effect::new(Kind::Exec, Target::Unknown(file.text.clone()), via)
                    .from_source(Source::File);
                self.push_effect(index, effect);
            }
            return;
        }
        let Some(resolved) = path::resolve(&file.text, self.cwd.as_deref(), self.home.as_deref())
        else {
            return;
        };
        if matches!(resolved.as_str(), "/dev/stdin" | "/dev/fd/0") {
            self.exec_from_pipe(index, via);
            return;
        }
        match self.written_at(&resolved) {
            Some(Written::Text(code)) => {
                let via = format!("{via} {} (written earlier)", resolved);
                self.script(&code, Some(&via), false);
            }
            Some(Written::From(source)) => {
                let effect =
                    Effect::new(Kind::Exec, Target::Path(resolved), via).from_source(source);
                self.push_effect(index, effect);
            }
            None => {
                self.code_on_disk(index, &resolved, via);
                let effect =
                    Effect::new(Kind::Exec, Target::Path(resolved), via).from_source(Source::File);
                self.push_effect(index, effect);
            }
        }
    }

    /// A script already on disk that this command runs (`sh x.sh`, `./x`, `python3 x.py`,
    /// `. ~/.profile`): its code is analysed as if it were in the command line, where the
    /// call may look at the disk. Shell scripts by the program that runs them or their
    /// `#!` line; interpreter scripts as one-liners of that language.
    fn code_on_disk(&mut self, index: usize, path: &str, via: &str) {
        /// Largest script read.
        const MAX_SCRIPT: u64 = 64 * 1024;
        // Run by its own path, a file runs only with an execute bit (and a `#!` or as a
        // shell script); a data file named in code is not a script.
        if via == "run" && !self.disk.is_executable(path) {
            return;
        }
        let Some(Ok(code)) = self.disk.read_file(path, MAX_SCRIPT) else {
            return;
        };
        let shebang = code
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("#!"))
            .map(|l| {
                let mut words = l.split_whitespace();
                let first = words.next().unwrap_or("").rsplit('/').next().unwrap_or("");
                match first {
                    "env" => words
                        .find(|w| !w.starts_with('-'))
                        .unwrap_or("")
                        .to_string(),
                    other => other.to_string(),
                }
            });
        let runner = match via {
            "run" => shebang.unwrap_or_else(|| "sh".into()),
            other => other.to_string(),
        };
        let label = format!("{via} {path} (on disk)");
        if SHELLS.contains(&runner.as_str()) || matches!(runner.as_str(), "source" | ".") {
            self.script(&code, Some(&label), true);
        } else if is_interpreter(&runner) {
            self.interpreter_code(index, &code, &label);
        }
    }

    /// What this command line wrote at `path` (or into a folder holding it: `git clone`).
    pub(super) fn written_at(&self, path: &str) -> Option<Written> {
        if let Some(w) = self.written.get(path) {
            return Some(w.clone());
        }
        self.written.iter().find_map(|(dir, w)| {
            (matches!(w, Written::From(_)) && path::is_within(path, dir) && path != dir)
                .then(|| w.clone())
        })
    }

    fn follow_interpreter(&mut self, cmd: &Command, index: usize) {
        if cmd.program.starts_with("python") {
            self.python_module(cmd, index);
        }
        let flags: &[&str] = match cmd.program.as_str() {
            p if p.starts_with("python") => &["-c"],
            "node" | "nodejs" => &["-e", "--eval", "-p", "--print"],
            "bun" => &["-e", "--eval", "-p", "--print", "eval"],
            // `deno eval CODE`.
            "deno" => &["-e", "--eval", "-p", "--print", "eval"],
            "php" => &["-r"],
            "lua" | "luajit" => &["-e"],
            _ => &["-e", "-E"],
        };
        let mut code = None;
        let mut script = None;
        let mut i = 0;
        while i < cmd.args.len() {
            let arg = &cmd.args[i];
            let t = arg.text.as_str();
            // `-Sc`, `-ne`: a cluster of short options ending in the code flag (not
            // `-MFile::Path=rmtree`, which ends in an e by chance).
            let short_cluster_ends = flags.iter().any(|f| {
                f.len() == 2
                    && t.starts_with('-')
                    && !t.starts_with("--")
                    && t.len() <= 5
                    && t[1..].chars().all(|c| c.is_ascii_alphabetic())
                    && t.ends_with(&f[1..])
            });
            if flags.contains(&t) || short_cluster_ends {
                code = cmd.args.get(i + 1);
                break;
            }
            if t == "-" || t == "/dev/stdin" {
                break;
            }
            if !t.starts_with('-') || arg.dynamic {
                script = Some(arg);
                break;
            }
            // Options that take a value: skip it (`-m module`, `-W error`, `-r module`).
            if matches!(t, "-m" | "-W" | "-X" | "-r" | "-I" | "--require" | "-M") {
                if t == "-m" {
                    return;
                }
                i += 1;
            }
            i += 1;
        }
        // `perl -pe '' ~/.ssh/id_rsa`, `python3 -c '...' FILE`: what follows the code is the
        // files (or arguments) it works on.
        if code.is_some() {
            let cwd = cmd.cwd.clone();
            for operand in cmd
                .args
                .iter()
                .skip(i + 2)
                .filter(|a| !a.text.starts_with('-'))
            {
                if let Some(t) = self.target(operand, cwd.as_deref()) {
                    let via = format!("{} one-liner input", cmd.program);
                    self.push_effect(index, Effect::new(Kind::Read, t, via));
                }
            }
        }
        match (code.cloned(), script.cloned()) {
            (Some(code), _) if code.dynamic => {
                self.exec_from_pipe(index, &cmd.program);
            }
            (Some(code), _) => {
                let via = format!("{} one-liner", cmd.program);
                self.interpreter_code(index, &code.text, &via);
                // `perl -MExtUtils::Command -e rm_rf DIR`, `ruby -run -e rm -- -rf DIR`: a
                // module's command-line function, given the remaining words.
                let function = code.text.trim();
                // un.rb's commands, however `-r un` is spelled (`-run`, `-r un`, `-nur`).
                let ruby_un = cmd.program == "ruby"
                    && matches!(
                        function,
                        "rm" | "cp"
                            | "mv"
                            | "ln"
                            | "mkdir"
                            | "rmdir"
                            | "touch"
                            | "install"
                            | "chmod"
                    )
                    && cmd.args.iter().any(|a| {
                        a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('r')
                    });
                let module_commands = ruby_un
                    || cmd
                        .args
                        .iter()
                        .any(|a| a.text.starts_with("-MExtUtils::Command"));
                if module_commands
                    && !function.is_empty()
                    && function
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    let at = cmd
                        .args
                        .iter()
                        .position(|a| a.text == code.text)
                        .unwrap_or(0);
                    let mut args = vec![Arg::literal(function)];
                    args.extend(
                        cmd.args[at + 1..]
                            .iter()
                            .filter(|a| a.text != "--")
                            .cloned(),
                    );
                    self.via.push(format!("{} module function", cmd.program));
                    self.depth += 1;
                    self.emit(Command {
                        args,
                        cwd: cmd.cwd.clone(),
                        ..Default::default()
                    });
                    self.depth -= 1;
                    self.via.pop();
                }
            }
            (None, Some(script)) => {
                if matches!(cmd.program.as_str(), "deno" | "bun") && script.text == "run" {
                    if let Some(target) = cmd
                        .args
                        .iter()
                        .skip(i + 1)
                        .find(|a| !a.text.starts_with('-') || a.text == "-")
                    {
                        self.exec_url_or_file(index, target, &cmd.program);
                    }
                    return;
                }
                self.exec_url_or_file(index, &script, &cmd.program);
            }
            (None, None) => {
                // Code on standard input.
                if !cmd.stdin_text.is_empty() {
                    let via = format!("{} <stdin", cmd.program);
                    let text = cmd.stdin_text.clone();
                    self.interpreter_code(index, &text, &via);
                }
                self.exec_from_pipe(index, &cmd.program);
            }
        }
    }

    /// `python3 -m tarfile -e ARCHIVE [DIR]`, `-m zipfile -e ARCHIVE DIR`, `-m json.tool IN
    /// OUT`: standard-library modules that write files.
    fn python_module(&mut self, cmd: &Command, index: usize) {
        let Some(at) = cmd.args.iter().position(|a| a.text == "-m") else {
            return;
        };
        let Some(module) = cmd.args.get(at + 1) else {
            return;
        };
        let rest: Vec<&Arg> = cmd.args[at + 2..]
            .iter()
            .filter(|a| !a.text.starts_with('-'))
            .collect();
        let extracting = cmd.args[at + 2..]
            .iter()
            .any(|a| matches!(a.text.as_str(), "-e" | "--extract"));
        let (target, whole) = match module.text.as_str() {
            "tarfile" | "zipfile" if extracting => (
                rest.get(1)
                    .map(|a| (*a).clone())
                    .unwrap_or_else(|| Arg::literal(".")),
                true,
            ),
            "json.tool" if rest.len() >= 2 => (rest[1].clone(), false),
            _ => return,
        };
        if let Some(t) = self.target(&target, cmd.cwd.as_deref()) {
            let via = format!("{} -m {}", cmd.program, module.text);
            let e = Effect::new(Kind::Write, t, via)
                .recursive(whole)
                .truncating(true);
            self.push_effect(index, e);
        }
    }

    /// `deno run https://...`: a script given as a URL is code from the network.
    fn exec_url_or_file(&mut self, index: usize, target: &Arg, via: &str) {
        if matches!(target.text.as_str(), "-" | "/dev/stdin") {
            self.exec_from_pipe(index, via);
        } else if target.text.starts_with("http://") || target.text.starts_with("https://") {
            let effect = Effect::new(Kind::Exec, Target::Name(target.text.clone()), via)
                .from_source(Source::Network);
            self.push_effect(index, effect);
        } else {
            self.exec_file(index, target, via);
        }
    }

    /// Parse `code` unless it is only known at run time.
    pub(super) fn code_or_hidden(&mut self, code: &(String, bool), via: &str) {
        let (text, dynamic) = code;
        if *dynamic {
            self.note(
                NoteKind::HiddenCode,
                format!("`{via}` runs code that is only known at run time"),
            );
            return;
        }
        // A hook that runs a script file (`--checkpoint-action=exec=./x.sh`, `CC=/tmp/cc`):
        // what it does is in the file, not in the call.
        let word = text.trim();
        if word.contains('/') && !word.contains(char::is_whitespace) && !word.contains("://") {
            self.note(
                NoteKind::HiddenCode,
                format!(
                    "`{via}` runs the file {}, whose code is not visible here",
                    word
                ),
            );
        }
        self.script(text, Some(via), false);
    }
}

/// Shell builtins and keywords: not unknown programs.
const BUILTINS: &[&str] = &[
    "if",
    "then",
    "else",
    "fi",
    "for",
    "while",
    "do",
    "done",
    "case",
    "esac",
    "function",
    "!",
    "[[",
    "]]",
    "{",
    "}",
    ":",
    "true",
    "false",
    "set",
    "unset",
    "shift",
    "return",
    "break",
    "continue",
    "wait",
    "jobs",
    "fg",
    "bg",
    "disown",
    "ulimit",
    "umask",
    "hash",
    "type",
    "getopts",
    "read",
    "mapfile",
    "readarray",
    "shopt",
    "let",
    "popd",
    "dirs",
    "history",
    "kill",
    "pwd",
    "exit",
    "logout",
    "printf",
    "echo",
    "test",
    "[",
];

pub(super) fn is_interpreter(program: &str) -> bool {
    program.starts_with("python")
        || matches!(
            program,
            "perl"
                | "ruby"
                | "node"
                | "nodejs"
                | "php"
                | "deno"
                | "bun"
                | "lua"
                | "luajit"
                | "julia"
                | "Rscript"
                | "rscript"
        )
}

/// `BASH_FUNC_ls%%=() { ...; }`: an exported function, which env passes to bash.
fn is_exported_function(text: &str) -> bool {
    text.split_once('=')
        .is_some_and(|(name, _)| name.starts_with("BASH_FUNC_") && name.ends_with("%%"))
}

pub(super) fn is_assignment(text: &str) -> bool {
    match text.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// Join words into one command line; dynamic if any word is.
pub(super) fn join_args(args: &[Arg]) -> (String, bool) {
    let text = args
        .iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    (text, args.iter().any(|a| a.dynamic))
}

/// String literals in interpreter code (`'...'`, `"..."`) that look like shell code, with
/// simple escapes undone.
pub(super) fn string_literals(code: &str) -> Vec<String> {
    // Words alone are names, not commands; shell syntax makes a literal worth reading
    // (`"((((true))))"` nests as deep as any command line).
    quoted_literals(code, &['\'', '"'])
        .into_iter()
        .filter(|l| l.contains([' ', ';', '|', '&', '(', '$', '<', '>', '`', '\n']))
        .take(64)
        .collect()
}

/// Every literal between matching `quotes` (at most 64), backslash escapes undone: `"a\nb"`
/// is two lines to the shell it is handed to.
pub(super) fn quoted_literals(code: &str, quotes: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars();
    while out.len() < 64 {
        let Some(quote) = chars.by_ref().find(|c| quotes.contains(c)) else {
            break;
        };
        let mut literal = String::new();
        let mut escaped = false;
        for d in chars.by_ref() {
            if escaped {
                literal.push(match d {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
                escaped = false;
            } else if d == '\\' {
                escaped = true;
            } else if d == quote {
                break;
            } else {
                literal.push(d);
            }
        }
        out.push(literal);
    }
    out
}
