//! Wrappers stripped and code followed: what turns `sudo env X=1 timeout 5 bash -c '...'`
//! into the commands that actually run.

use super::{Analyzer, Arg, Command, NoteKind, path, program_name};

/// How a wrapper's options take values.
struct Opts {
    /// Short letters that take a value (attached `-uroot` or next word `-u root`).
    short_value: &'static str,
    /// Short letters whose value can only be attached (`xargs -i{}`).
    short_optional: &'static str,
    /// Long names (without `--`) that take the next word when no `=` is given.
    long_value: &'static [&'static str],
}

const NO_OPTS: Opts = Opts {
    short_value: "",
    short_optional: "",
    long_value: &[],
};

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

fn has(seen: &[SeenOption], names: &[&str]) -> bool {
    seen.iter().any(|(n, _)| names.contains(&n.as_str()))
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "rbash",
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
    /// Strip wrappers, record the command, then follow any code it runs.
    pub(super) fn emit(&mut self, mut cmd: Command) {
        cmd.via = self.via.clone();
        if let Some(pipe) = &self.pipe {
            cmd.fed_by.extend(pipe.programs.iter().cloned());
            if let Some(text) = &pipe.text {
                cmd.stdin_text.push_str(text);
            }
        }
        for _ in 0..32 {
            let Some(first) = cmd.args.first() else {
                return;
            };
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
        cmd.cwd = self.cwd.clone();
        if cmd.program == "find" {
            self.find_exec(&mut cmd);
        }
        let index = self.commands.len();
        self.commands.push(cmd);
        self.follow_code(index);
    }

    fn strip(&mut self, name: &str, cmd: &mut Command) -> Strip {
        let args = &cmd.args[1..];
        let (start, seen) = match name {
            "sudo" => skip_options(
                args,
                &Opts {
                    short_value: "ugCDhprtTU",
                    short_optional: "",
                    long_value: &[
                        "user",
                        "group",
                        "chdir",
                        "prompt",
                        "role",
                        "type",
                        "host",
                        "close-from",
                        "command-timeout",
                        "other-user",
                        "login-class",
                        "auth-type",
                    ],
                },
            ),
            "doas" => skip_options(
                args,
                &Opts {
                    short_value: "uC",
                    ..NO_OPTS
                },
            ),
            "command" | "builtin" | "nohup" | "setsid" | "noglob" | "exec" | "time" | "nice"
            | "stdbuf" | "ionice" => skip_options(
                args,
                &match name {
                    "exec" => Opts {
                        short_value: "a",
                        ..NO_OPTS
                    },
                    "time" => Opts {
                        short_value: "fo",
                        long_value: &["format", "output"],
                        ..NO_OPTS
                    },
                    "nice" => Opts {
                        short_value: "n",
                        long_value: &["adjustment"],
                        ..NO_OPTS
                    },
                    "stdbuf" => Opts {
                        short_value: "ioe",
                        long_value: &["input", "output", "error"],
                        ..NO_OPTS
                    },
                    "ionice" => Opts {
                        short_value: "cnp",
                        long_value: &["class", "classdata"],
                        ..NO_OPTS
                    },
                    _ => NO_OPTS,
                },
            ),
            "timeout" | "chrt" | "taskset" => {
                let opts = match name {
                    "timeout" => Opts {
                        short_value: "sk",
                        long_value: &["signal", "kill-after"],
                        ..NO_OPTS
                    },
                    _ => NO_OPTS,
                };
                let (start, seen) = skip_options(args, &opts);
                if name == "chrt" && has(&seen, &["-p", "--pid"]) {
                    return Strip::Program;
                }
                // The duration, priority or CPU mask comes before the command.
                (start + 1, seen)
            }
            "env" => return self.strip_env(cmd),
            "busybox" => (0, Vec::new()),
            "xargs" => return self.strip_xargs(cmd),
            "parallel" => return self.strip_parallel(cmd),
            "watch" => {
                let (start, _) = skip_options(
                    args,
                    &Opts {
                        short_value: "nqd",
                        long_value: &["interval"],
                        ..NO_OPTS
                    },
                );
                let code = join_args(&args[start.min(args.len())..]);
                if code.0.is_empty() {
                    return Strip::Program;
                }
                self.code_or_hidden(&code, "watch");
                return Strip::Done;
            }
            _ => return Strip::Program,
        };
        let start = start.min(args.len());
        if start >= args.len() {
            return Strip::Program;
        }
        if name == "sudo" {
            // `sudo VAR=value cmd`
            let mut at = start;
            while at < args.len() && is_assignment(&args[at].text) {
                let (n, v) = args[at].text.split_once('=').unwrap_or_default();
                cmd.assignments.push((
                    n.to_string(),
                    Arg {
                        text: v.to_string(),
                        dynamic: args[at].dynamic,
                    },
                ));
                at += 1;
            }
            if at >= args.len() {
                return Strip::Program;
            }
            cmd.args.drain(..1 + at);
            return Strip::Unwrapped;
        }
        let _ = seen;
        cmd.args.drain(..1 + start);
        Strip::Unwrapped
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
            } else if is_assignment(&text) {
                let (n, v) = text.split_once('=').unwrap_or_default();
                cmd.assignments.push((
                    n.to_string(),
                    Arg {
                        text: v.to_string(),
                        dynamic: args[i].dynamic,
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
        let token = replace.unwrap_or_else(|| "{}".into());
        for arg in &mut cmd.args {
            if arg.text.contains(&token) {
                arg.dynamic = true;
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

    /// Move `find -exec CMD ... ;` segments out of find's arguments into commands of their own.
    fn find_exec(&mut self, cmd: &mut Command) {
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
                    segment.push(Arg {
                        text: inner.text,
                        dynamic,
                    });
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
                    ..Default::default()
                });
            }
        }
        self.via.pop();
        self.pipe = saved_pipe;
    }

    /// Follow code that the command at `index` runs: shells, eval, ssh, interpreters.
    fn follow_code(&mut self, index: usize) {
        let cmd = self.commands[index].clone();
        let program = cmd.program.as_str();
        match program {
            "cd" | "pushd" => {
                let target = cmd
                    .args
                    .iter()
                    .find(|a| !a.text.starts_with('-') || a.text == "-");
                self.cwd = match target {
                    None => self.home.clone(),
                    Some(a) if a.dynamic || a.text == "-" => None,
                    Some(a) => path::resolve(&a.text, self.cwd.as_deref(), self.home.as_deref()),
                };
            }
            p if SHELLS.contains(&p) => self.follow_shell(&cmd),
            "eval" => {
                let code = join_args(&cmd.args);
                self.code_or_hidden(&code, "eval");
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
            "ssh" => {
                let (start, _) = skip_options(
                    &cmd.args,
                    &Opts {
                        short_value: "bcDEeFIiJLlmOopQRSWw",
                        ..NO_OPTS
                    },
                );
                if start + 1 < cmd.args.len() {
                    let code = join_args(&cmd.args[start + 1..]);
                    let saved = self.cwd.take();
                    self.code_or_hidden(&code, "ssh (remote)");
                    self.cwd = saved;
                }
            }
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
            p if is_interpreter(p) => self.follow_interpreter(&cmd),
            _ => {}
        }
    }

    fn follow_shell(&mut self, cmd: &Command) {
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
                Some(script) => self.code_or_hidden(&(script.text.clone(), script.dynamic), &via),
                None if cmd.args_from_stdin => {
                    self.note(
                        NoteKind::HiddenCode,
                        format!("`{via}` runs code that arrives at run time"),
                    );
                }
                None => {}
            }
            return;
        }
        if operand.is_some() && !reads_stdin {
            return; // a script file: its contents are not visible here
        }
        if !cmd.stdin_text.is_empty() {
            let text = cmd.stdin_text.clone();
            self.script(&text, Some(&format!("{} <stdin", cmd.program)), false);
        } else if !cmd.fed_by.is_empty() || cmd.args_from_stdin {
            self.note(
                NoteKind::HiddenCode,
                format!(
                    "`{}` runs code from a pipe whose contents are not visible",
                    cmd.program
                ),
            );
        }
    }

    fn follow_interpreter(&mut self, cmd: &Command) {
        let flags: &[&str] = match cmd.program.as_str() {
            p if p.starts_with("python") => &["-c"],
            "node" | "nodejs" | "deno" | "bun" => &["-e", "--eval", "-p", "--print"],
            "php" => &["-r"],
            _ => &["-e", "-E"],
        };
        let mut code = None;
        for (i, arg) in cmd.args.iter().enumerate() {
            let t = arg.text.as_str();
            let short_cluster_ends = flags.iter().any(|f| {
                f.len() == 2 && t.starts_with('-') && !t.starts_with("--") && t.ends_with(&f[1..])
            });
            if flags.contains(&t) || short_cluster_ends {
                code = cmd.args.get(i + 1);
                break;
            }
        }
        let Some(code) = code.cloned() else { return };
        if code.dynamic {
            return;
        }
        let via = format!("{} one-liner", cmd.program);
        // The code itself (a one-liner can be plain shell, e.g. `node -e "rm -rf /"` fails, but
        // the strings it passes to system()/exec are what would run).
        self.script(&code.text, Some(&via), true);
        for literal in string_literals(&code.text) {
            self.script(&literal, Some(&via), true);
        }
    }

    /// Parse `code` unless it is only known at run time.
    fn code_or_hidden(&mut self, code: &(String, bool), via: &str) {
        let (text, dynamic) = code;
        if *dynamic {
            self.note(
                NoteKind::HiddenCode,
                format!("`{via}` runs code that is only known at run time"),
            );
            return;
        }
        self.script(text, Some(via), false);
    }
}

fn is_interpreter(program: &str) -> bool {
    program.starts_with("python")
        || matches!(
            program,
            "perl" | "ruby" | "node" | "nodejs" | "php" | "deno" | "bun" | "lua"
        )
}

fn is_assignment(text: &str) -> bool {
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
fn join_args(args: &[Arg]) -> (String, bool) {
    let text = args
        .iter()
        .map(|a| a.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    (text, args.iter().any(|a| a.dynamic))
}

/// String literals in interpreter code (`'...'`, `"..."`), with simple escapes undone.
fn string_literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let mut literal = String::new();
        let mut escaped = false;
        for d in chars.by_ref() {
            if escaped {
                literal.push(d);
                escaped = false;
            } else if d == '\\' {
                escaped = true;
            } else if d == c {
                break;
            } else {
                literal.push(d);
            }
        }
        if literal.contains(' ') && out.len() < 64 {
            out.push(literal);
        }
    }
    out
}
