//! Code inside other programs' arguments: interpreter one-liners (their paths, file,
//! network, decoding and exec APIs, and the commands they pass to the shell), awk's
//! `system()`, sed's `e`, vim's `:!`, osascript's `do shell script`, PowerShell's
//! `-EncodedCommand`, makefiles on stdin, crontabs, git's settings that run commands, and
//! code planted in files that run later.

use super::fold::HOME_MARK;
use super::literals::{
    environment_reads, is_ip_literal, literal_lists, looks_like_path, path_literals,
    with_home_literals, written_value,
};
use super::wrappers::{join_args, quoted_literals, string_literals};
use super::{Analyzer, Arg, Command, NoteKind, Written};
use crate::normalize::effects::{Effect, Kind, Source, Target};
use crate::normalize::planted;

/// Calls that evaluate code given as a string.
const EVAL_APIS: &[&str] = &[
    "exec(",
    "eval(",
    "eval ",
    "eval)",
    "(eval",
    "new function",
    "function(",
    "instance_eval",
    "runpy",
    "compile(",
    "load(",
    // R's `source("https://...")` runs a remote script.
    "source(",
    "iex ",
    "invoke-expression",
];
/// Calls that run a process.
const SPAWN_APIS: &[&str] = &[
    "system(",
    "system ",
    "popen",
    "subprocess",
    "spawn",
    "execsync",
    "exec_command",
    "child_process",
    "os.execute",
    "passthru",
    "shell_exec",
    "proc_open",
    "pty.spawn",
    "kernel.exec",
    "%x",
    "execfile",
    "exec sprintf",
    "exec(\"/bin",
    "exec \"/bin",
    "runtime.getruntime",
    "process.start",
    "os.exec",
];
/// Calls that fetch from the network.
const NET_APIS: &[&str] = &[
    "urlopen",
    "urllib",
    "requests.",
    "httpx",
    "http.client",
    "http.get",
    "https.get",
    "fetch(",
    "axios",
    "net::http",
    "open-uri",
    "uri.open",
    "lwp",
    "http::tiny",
    "get(\"http",
    "get('http",
    "curl_exec",
    "file_get_contents(\"http",
    "file_get_contents('http",
    "wget",
    "invoke-webrequest",
    "webclient",
    "downloadstring",
];
/// Calls that decode hidden text.
const DECODE_APIS: &[&str] = &[
    "b64decode",
    "base64",
    "atob(",
    "decode_base64",
    "fromhex",
    "codecs.decode",
    "decompress",
    "marshal.loads",
    "pickle.loads",
    "rot13",
    "rot_13",
    "hex2bin",
    "gzinflate",
    "unhexlify",
    "'hex'",
    "\"hex\"",
    "unpack(",
];
/// Database clients opened in code.
const DB_APIS: &[&str] = &[
    "psycopg2.connect",
    "psycopg.connect",
    "pymysql.connect",
    "mysql.connector.connect",
    "sqlalchemy.create_engine",
    "create_engine(",
    "pymongo.mongoclient",
    "mongoclient(",
    "asyncpg.connect",
    "new pg.client",
    "new client({",
    "mysql.createconnection",
    "dbi->connect",
    "pg.connect",
];
/// Sockets: with a spawned shell or fd duplication, a reverse shell.
const SOCKET_APIS: &[&str] = &[
    "socket",
    "fsockopen",
    "tcpsocket",
    "net.connect",
    "net.socket",
    "io::socket",
    "/dev/tcp",
    "websocket",
    "tcpclient",
];
/// Recursive deletes.
const RMTREE_APIS: &[&str] = &[
    "rmtree",
    "rmsync",
    "rm_rf",
    "rm_r",
    "remove_tree",
    "removedirs",
    "rimraf",
    "fileutils.rm",
    "fs.rm(",
    "remove_dir",
    "rmdirsync",
    "rmdir(",
    "deltree",
    "remove-item",
    "removeall",
    "removesync",
    "deno.remove(",
    "delete-directory",
    "directory.delete(",
    "recursive=true",
    "recursive = true",
];
/// Single-file deletes.
const UNLINK_APIS: &[&str] = &[
    "unlink",
    "os.remove",
    "remove(",
    ".delete(",
    "file.delete",
    "truncate(",
];
/// Writes of whole trees: copies and archive extraction into a folder.
const TREE_WRITE_APIS: &[&str] = &[
    "copytree",
    "symlink",
    "linksync",
    "os.link",
    "mklink",
    ".x({",
    "tar.x(",
    "extract(",
    "extractall",
    "unpack_archive",
    "cp_r",
    "copy_entry",
    "fs.cp(",
    "cpsync",
    "copy-item",
];
/// Writes.
const WRITE_APIS: &[&str] = &[
    "copyfile",
    "copy2",
    "shutil.copy",
    "shutil.move",
    "os.replace",
    "os.rename",
    "symlink",
    "os.link",
    "sqlite3.connect",
    "dbi->connect",
    "chmod",
    "chown",
    "write",
    "file_put_contents",
    "appendfile",
    "fopen",
    "print f",
    "syswrite",
    "set-content",
    "out-file",
    "add-content",
];

/// `open(path, 'w')`, `open(p, mode="a")`, `File.open(p, "w+")`: an `open(` call whose
/// arguments name a mode that writes. A bare `open(p)` reads.
fn opens_for_writing(lower: &str) -> bool {
    lower.match_indices("open(").any(|(at, _)| {
        let args = &lower[at + 5..];
        let end = args.find(')').unwrap_or(args.len()).min(300);
        let args = &args[..end];
        args.split(',').skip(1).any(|a| {
            let a = a
                .trim()
                .trim_start_matches("mode=")
                .trim_matches(['\'', '"', ' ']);
            !a.is_empty() && a.len() <= 4 && a.starts_with(['w', 'a', 'x'])
                || a.contains('+') && a.len() <= 4
        }) || args.contains(">") && args.contains(['"', '\''])
    }) || (lower.contains("open")
        && [
            "\">\"", "'>'", "\">>\"", "'>>'", "\"+<\"", "'+<'", "\"+>\"", "'+>'",
        ]
        .iter()
        .any(|m| lower.contains(m)))
}

/// The recipe lines (tab-led) of `targets` in a Makefile, and of the targets they depend on
/// (the first target when none is named). Rules are `name [name...]: deps`; variables,
/// patterns and conditionals are not evaluated, so an unknown target yields nothing.
fn recipes_of(makefile: &str, targets: &[String]) -> String {
    let mut rules: Vec<(Vec<&str>, Vec<&str>, Vec<&str>)> = Vec::new();
    for line in makefile.lines().take(10_000) {
        if let Some(recipe) = line.strip_prefix('\t') {
            if let Some(rule) = rules.last_mut() {
                rule.2.push(recipe);
            }
        } else if let Some((names, deps)) = line.split_once(':')
            && !names.contains('=')
            && !deps.starts_with('=')
            && !line.starts_with([' ', '#'])
        {
            rules.push((
                names.split_whitespace().collect(),
                deps.split(';')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect(),
                Vec::new(),
            ));
        }
    }
    let mut wanted: Vec<String> = targets.to_vec();
    if wanted.is_empty()
        && let Some(first) = rules
            .iter()
            .flat_map(|r| r.0.iter())
            .find(|n| !n.starts_with('.'))
    {
        wanted.push(first.to_string());
    }
    let mut out = String::new();
    let mut seen = std::collections::HashSet::new();
    while let Some(target) = wanted.pop() {
        if !seen.insert(target.clone()) || seen.len() > 256 {
            continue;
        }
        for (names, deps, recipe) in &rules {
            if names.iter().any(|n| *n == target) {
                wanted.extend(deps.iter().map(|d| d.to_string()));
                for line in recipe {
                    out.push('\t');
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Files a sed script writes with its `w FILE` command or the `s///w FILE` flag (the file
/// name runs to the end of the line).
fn sed_written_files(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.lines() {
        for command in line.split(';') {
            let t = command.trim_start();
            // An address first: a line number, `$`, or a /regex/.
            let t = t.trim_start_matches(|c: char| c.is_ascii_digit() || c == '$' || c == ',');
            let t = match t.strip_prefix('/') {
                Some(rest) => rest.split_once('/').map_or("", |(_, after)| after),
                None => t,
            }
            .trim_start();
            let file = if let Some(rest) = t.strip_prefix('w').or_else(|| t.strip_prefix('W')) {
                rest.strip_prefix([' ', '\t']).map(str::trim)
            } else if t.starts_with('s') && t.len() > 2 {
                // `s/a/b/gw FILE`: after the third delimiter, flags then `w`.
                let delim = t[1..].chars().next().unwrap_or('/');
                let parts: Vec<&str> = t[1 + delim.len_utf8()..].splitn(3, delim).collect();
                parts.get(2).and_then(|flags| {
                    let at = flags.find('w')?;
                    flags[..at]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric())
                        .then(|| flags[at + 1..].trim())
                })
            } else {
                None
            };
            if let Some(f) = file.filter(|f| !f.is_empty() && out.len() < 16) {
                out.push(f.to_string());
            }
        }
    }
    out
}

impl Analyzer {
    /// Effects and commands of interpreter code (a one-liner, or code on stdin).
    pub(super) fn interpreter_code(&mut self, index: usize, code: &str, via: &str) {
        let lower = code.to_ascii_lowercase();
        let has = |apis: &[&str]| apis.iter().any(|a| lower.contains(a));
        // `json.load(`, `tomllib.load(` parse data; other `load(`s may run code.
        let eval = EVAL_APIS.iter().any(|a| {
            lower.match_indices(a).any(|(at, _)| {
                *a != "load("
                    || !["json.", "tomllib.", "toml.", "csv.", "yaml.safe_"]
                        .iter()
                        .any(|data| lower[..at].ends_with(data))
            })
        });
        let spawn = has(SPAWN_APIS);
        let network = has(NET_APIS);
        let url = lower.contains("http://") || lower.contains("https://");
        let decode = has(DECODE_APIS);
        let socket = has(SOCKET_APIS);
        let shell_literal = lower.contains("/bin/sh")
            || lower.contains("/bin/bash")
            || lower.contains("\"sh\"")
            || lower.contains("'sh'");
        if eval && (network || url) {
            self.exec_effect(index, via, Source::Network);
        }
        if socket
            && (lower.contains("dup2")
                || lower.contains("pty")
                || ((spawn || eval) && shell_literal)
                || lower.contains("exec(\"/bin")
                || lower.contains("exec \"/bin")
                || lower.contains("<&3"))
        {
            self.exec_effect(index, via, Source::Network);
        }
        if (eval || spawn) && decode {
            self.exec_effect(index, via, Source::Decoded);
        }
        // A database client in the code: its rows are what the code prints or sends, and the
        // literals naming hosts and databases say which database (`psycopg2.connect(host=...)`).
        if DB_APIS.iter().any(|a| lower.contains(a)) {
            let targets: Vec<crate::normalize::effects::DbTarget> =
                quoted_literals(code, &['\'', '"'])
                    .into_iter()
                    .filter(|l| !l.is_empty() && l.len() < 256 && !l.contains(char::is_whitespace))
                    .take(16)
                    .map(|text| crate::normalize::effects::DbTarget {
                        text,
                        dynamic: false,
                        from: format!("{via} connection"),
                    })
                    .collect();
            let mut e = Effect::new(Kind::Sql, Target::None, via);
            e.sql = Some(crate::normalize::effects::Sql {
                kinds: vec![crate::normalize::effects::SqlKind::Read],
                targets,
            });
            self.push_effect(index, e);
        }
        // Environment variables the code reads, by name or all at once: what its output
        // and its connections may hold (shell/flow.rs follows them).
        let env = environment_reads(code);
        for name in &env {
            let e = Effect::new(
                Kind::Credential,
                Target::Name(name.clone()),
                format!("{via} reads"),
            );
            self.push_effect(index, e);
        }
        if network || socket {
            let mut hosts: Vec<String> = quoted_literals(code, &['\'', '"', '`'])
                .iter()
                .filter_map(|l| {
                    if l.contains("://") {
                        super::effects::url_host(l)
                    } else {
                        is_ip_literal(l).then(|| l.clone())
                    }
                })
                .collect();
            hosts.dedup();
            if hosts.is_empty() && !env.is_empty() {
                hosts.push("(a host named at run time)".into());
            }
            for host in hosts.into_iter().take(8) {
                let mut net = Effect::new(Kind::Net, Target::Name(host), via);
                net.send = !env.is_empty();
                self.push_effect(index, net);
            }
        }
        let recursive = has(RMTREE_APIS);
        let unlink = has(UNLINK_APIS);
        let mut deleted_literal = false;
        let tree_write = has(TREE_WRITE_APIS);
        let write = has(WRITE_APIS) || tree_write || opens_for_writing(&lower);
        let cwd = self.commands[index].cwd.clone();
        let literals = path_literals(code);
        // What a one-file write puts there, when the code says it in a literal.
        let value = (write && !tree_write && literals.len() == 1)
            .then(|| written_value(code))
            .flatten();
        for literal in literals {
            let arg = Arg {
                glob: literal.contains(['*', '?']),
                ..Arg::literal(literal)
            };
            let Some(target) = self.target(&arg, cwd.as_deref()) else {
                continue;
            };
            self.push_effect(index, Effect::new(Kind::Read, target.clone(), via));
            if recursive || unlink {
                deleted_literal = true;
                let e = Effect::new(Kind::Delete, target.clone(), via).recursive(recursive);
                self.push_effect(index, e);
            }
            if write {
                let mut e = Effect::new(Kind::Write, target, via).recursive(tree_write);
                if let Some((text, replaces)) = &value {
                    e = e.with_content(text).truncating(*replaces);
                }
                self.push_effect(index, e);
            }
        }
        // A tree deleted whose path the code computes (`os.RemoveAll(h)`): only known when
        // it runs.
        if recursive && !deleted_literal && code.contains('(') {
            let target = Target::Unknown("a path the code computes".into());
            let e = Effect::new(Kind::Delete, target, via).recursive(true);
            self.push_effect(index, e);
        }
        // The commands it hands to a shell: string literals, and literal argument lists
        // (`subprocess.run(['rm', '-rf', '/'])`, `system "rm", "-rf", $ENV{HOME}`).
        let normalized = with_home_literals(code);
        // The code itself read as shell, home expressions as `~` (`exec rm -rf $env(HOME)`).
        let as_shell = normalized
            .replace(&format!("'{HOME_MARK}'"), "~")
            .replace(HOME_MARK, "~");
        self.script(&as_shell, Some(via), true);
        // Literals as written: the shell expands `$HOME` in them itself.
        let mut lines: Vec<String> = string_literals(code);
        lines.extend(literal_lists(&normalized));
        for decoded in decoded_literals(&normalized) {
            lines.push(decoded);
        }
        // Backtick strings (ruby, perl, julia, bun's `$`): commands, with interpolations
        // unknown or `~`.
        for literal in quoted_literals(&normalized, &['`']).into_iter().take(16) {
            lines.push(super::fold::with_unknown_interpolations(&literal).replace(HOME_MARK, "~"));
        }
        // Strings built by concatenation, with unknown parts unknown (fold.rs).
        lines.extend(
            super::fold::folded_strings(&normalized, false)
                .into_iter()
                .map(|s| s.replace(HOME_MARK, "~")),
        );
        if super::fold::runs_unknown_command(&normalized) {
            self.note(
                NoteKind::HiddenCode,
                format!("the {via} runs a command that is only known at run time"),
            );
        }
        for line in lines.into_iter().take(64) {
            self.script(&line, Some(via), true);
        }
    }

    fn exec_effect(&mut self, index: usize, via: &str, source: Source) {
        let effect = Effect::new(Kind::Exec, Target::None, via).from_source(source);
        self.push_effect(index, effect);
    }

    /// Programs that take code in an argument or on stdin.
    pub(super) fn follow_program_code(&mut self, cmd: &Command, index: usize) {
        match cmd.program.as_str() {
            "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk" => self.follow_awk(cmd, index),
            "sed" | "gsed" => self.follow_sed(cmd, index),
            // ed's `!cmd` lines are vim's `:!cmd`.
            "vim" | "vi" | "nvim" | "ex" | "view" | "gvim" | "ed" | "red" => {
                self.follow_vim(cmd, index)
            }
            "osascript" => {
                for pair in cmd.args.windows(2) {
                    if pair[0].text == "-e" {
                        for code in between(&pair[1].text, "do shell script \"", "\"") {
                            self.script(&code, Some("osascript do shell script"), false);
                        }
                    }
                }
            }
            "pwsh" | "powershell" | "pwsh-preview" => self.follow_pwsh(cmd, index),
            "make" | "gmake" => self.follow_make(cmd),
            "at" | "batch" => {
                if !cmd.stdin_text.is_empty() {
                    let text = cmd.stdin_text.clone();
                    self.script(&text, Some("at (scheduled)"), false);
                } else if !self.exec_from_pipe(index, "at") && !cmd.fed_by.is_empty() {
                    self.note(
                        NoteKind::HiddenCode,
                        "`at` schedules code from a pipe whose contents are not visible",
                    );
                }
            }
            "crontab" => self.follow_crontab(cmd, index),
            "git" => self.follow_git(cmd, index),
            "npm" | "pnpm" | "yarn" => self.follow_npm_pkg(cmd, index),
            "systemctl" => {
                let parsed = self.programs.parse(&cmd.program, &cmd.args);
                if matches!(
                    parsed.subcommand(),
                    Some("enable" | "link" | "preset" | "reenable")
                ) {
                    for unit in parsed.operands.iter() {
                        let mut e =
                            Effect::new(Kind::Config, Target::Name("systemd".into()), "systemctl");
                        e.key = Some("enable".into());
                        e.value = Some(unit.text.clone());
                        self.push_effect(index, e);
                    }
                }
            }
            "ztcp" => self.exec_effect(index, "ztcp (shell on a socket)", Source::Network),
            "sqlite3" => {
                // Dot-commands read files: `.read FILE`, `.import FILE TABLE`.
                let cwd = cmd.cwd.clone();
                let lines: Vec<String> = cmd
                    .args
                    .iter()
                    .skip(1)
                    .map(|a| a.text.clone())
                    .chain(cmd.stdin_text.lines().map(str::to_string))
                    .collect();
                for line in lines {
                    let mut words = line.split_whitespace();
                    if matches!(words.next(), Some(".read" | ".import"))
                        && let Some(file) = words.next()
                    {
                        let file = file.trim_matches(['"', '\'']);
                        if let Some(t) = self.target(&Arg::literal(file), cwd.as_deref()) {
                            self.push_effect(index, Effect::new(Kind::Read, t, "sqlite3 .read"));
                        }
                    }
                }
            }
            "sftp" | "ftp" | "lftp" => {
                // Batch commands on stdin: `put FILE` uploads it.
                let cwd = cmd.cwd.clone();
                for line in cmd.stdin_text.lines() {
                    let mut words = line.split_whitespace();
                    if matches!(words.next(), Some("put" | "mput" | "reput")) {
                        for file in words.take(1) {
                            if let Some(t) = self.target(&Arg::literal(file), cwd.as_deref()) {
                                self.push_effect(
                                    index,
                                    Effect::new(Kind::Read, t, format!("{} put", cmd.program)),
                                );
                            }
                        }
                    }
                }
            }
            "invoke-expression" => {
                // PowerShell's eval: literal code is read as PowerShell, fed code by its source.
                match cmd.args.iter().find(|a| !a.text.starts_with('-')) {
                    Some(code) if !code.dynamic => {
                        let code = code.text.clone();
                        self.powershell(&code);
                    }
                    _ => {
                        if !self.exec_from_pipe(index, "Invoke-Expression") {
                            self.note(
                                NoteKind::HiddenCode,
                                "Invoke-Expression runs code that is only known at run time",
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn follow_awk(&mut self, cmd: &Command, index: usize) {
        let mut i = 0;
        let mut program = None;
        while i < cmd.args.len() {
            let t = cmd.args[i].text.as_str();
            if t == "-f" {
                return;
            }
            if matches!(t, "-F" | "-v") {
                i += 2;
                continue;
            }
            if !t.starts_with('-') || cmd.args[i].dynamic {
                program = Some(cmd.args[i].clone());
                break;
            }
            i += 1;
        }
        let Some(program) = program else { return };
        // `print > "file"`, `printf ... >> "file"`: awk writes the file itself.
        for (at, _) in program.text.match_indices('>') {
            let rest = program.text[at + 1..].trim_start_matches('>').trim_start();
            if let Some(path) = rest.strip_prefix('"').and_then(|r| r.split('"').next())
                && !path.is_empty()
                && let Some(target) = self.target(&Arg::literal(path), cmd.cwd.as_deref())
            {
                self.push_effect(index, Effect::new(Kind::Write, target, "awk print >"));
            }
        }
        if program.text.contains("/inet/") {
            self.exec_effect(index, "awk /inet/ socket", Source::Network);
        }
        let runs = program.text.contains("system(")
            || program.text.contains("| \"")
            || program.text.contains("|\"")
            || program.text.contains("|&")
            || program.text.contains("| getline")
            || program.text.contains("|getline");
        // Files it reads with `getline < FILE` (names built from ENVIRON are folded).
        let normalized = with_home_literals(&program.text);
        if program.text.contains("getline") {
            let cwd = cmd.cwd.clone();
            for path in super::fold::folded_strings(&normalized, true)
                .into_iter()
                .chain(quoted_literals(&normalized, &['"']))
                .map(|p| p.replace(HOME_MARK, "~"))
                .filter(|p| looks_like_path(p))
                .take(16)
            {
                if let Some(target) = self.target(&Arg::literal(path), cwd.as_deref()) {
                    self.push_effect(index, Effect::new(Kind::Read, target, "awk getline <"));
                }
            }
        }
        if !runs {
            return;
        }
        // awk strings are double-quoted with backslash escapes (`system("sh -c \"...\"")`).
        for literal in quoted_literals(&program.text, &['"']) {
            self.script(&literal, Some("awk system()"), true);
        }
        // `"rm -rf " ENVIRON["HOME"]`: awk joins adjacent strings.
        for folded in super::fold::folded_strings(&normalized, true) {
            self.script(&folded.replace(HOME_MARK, "~"), Some("awk system()"), true);
        }
        let computed = program
            .text
            .match_indices("system(")
            .any(|(at, _)| !program.text[at + 7..].trim_start().starts_with('"'));
        if computed {
            self.note(
                NoteKind::HiddenCode,
                "awk runs its input lines as commands (system($0))",
            );
        }
    }

    fn follow_sed(&mut self, cmd: &Command, index: usize) {
        let mut scripts: Vec<&Arg> = Vec::new();
        let mut i = 0;
        let mut explicit = false;
        while i < cmd.args.len() {
            let t = cmd.args[i].text.as_str();
            if matches!(t, "-e" | "--expression") {
                if let Some(s) = cmd.args.get(i + 1) {
                    scripts.push(s);
                }
                explicit = true;
                i += 2;
                continue;
            }
            if !t.starts_with('-') && !explicit && scripts.is_empty() {
                scripts.push(&cmd.args[i]);
            }
            i += 1;
        }
        for script in scripts {
            for code in sed_exec_code(&script.text) {
                self.script(&code, Some("sed e"), false);
            }
            for file in sed_written_files(&script.text) {
                if let Some(target) = self.target(&Arg::literal(&file), cmd.cwd.as_deref()) {
                    self.push_effect(index, Effect::new(Kind::Write, target, "sed w"));
                }
            }
        }
    }

    fn follow_vim(&mut self, cmd: &Command, index: usize) {
        let mut codes = Vec::new();
        let mut embedded = Vec::new();
        for (i, arg) in cmd.args.iter().enumerate() {
            let text = arg.text.as_str();
            // `-c CMD`, and a cluster ending in it (`ex -sc CMD`).
            let takes_command = matches!(text, "-c" | "--cmd")
                || (text.starts_with('-') && !text.starts_with("--") && text.ends_with('c'));
            let command = if takes_command {
                cmd.args.get(i + 1).map(|a| a.text.as_str())
            } else {
                text.strip_prefix('+')
            };
            if let Some(c) = command {
                // `:source FILE` from a temporary folder: code someone just put there.
                if let Some(file) = c
                    .trim_start_matches(':')
                    .strip_prefix("source ")
                    .or_else(|| c.trim_start_matches(':').strip_prefix("so "))
                    && ["/tmp/", "/var/tmp/", "/dev/shm/"]
                        .iter()
                        .any(|t| file.trim().starts_with(t))
                {
                    self.note(
                        NoteKind::HiddenCode,
                        format!(
                            "the editor runs {}, whose code is not visible here",
                            file.trim()
                        ),
                    );
                }
                // Vim script itself runs commands too (`call system("...")`): read it like
                // a one-liner.
                if c.contains("system") || c.contains("execute") || c.contains("jobstart") {
                    embedded.push(c.to_string());
                }
                let c = c.trim_start_matches(':').trim_start();
                let c = c
                    .strip_prefix("silent!")
                    .or_else(|| c.strip_prefix("silent"))
                    .map_or(c, str::trim_start);
                // `:py3 ...`, `:python3 ...`, `:lua ...`, `:perl ...`: vim's own interpreters.
                for lang in [
                    "py3 ", "python3 ", "python ", "py ", "pythonx ", "lua ", "perl ", "ruby ",
                ] {
                    if let Some(code) = c.strip_prefix(lang) {
                        embedded.push(code.to_string());
                    }
                }
                if let Some(code) = c
                    .strip_prefix('!')
                    .or_else(|| c.strip_prefix("r !"))
                    .or_else(|| c.strip_prefix("w !"))
                {
                    codes.push(code.to_string());
                }
            }
        }
        for line in cmd.stdin_text.lines() {
            if let Some(code) = line.trim_start_matches(':').strip_prefix('!') {
                codes.push(code.to_string());
            }
        }
        for code in embedded {
            self.interpreter_code(index, &code, "vim embedded code");
        }
        for code in codes {
            // `:w !sh`: the buffer, which is not visible here, runs as a script.
            if super::wrappers::SHELLS.contains(&code.trim()) {
                self.note(
                    NoteKind::HiddenCode,
                    "the editor pipes a file it opened to a shell",
                );
            }
            self.script(&code, Some("vim :!"), false);
        }
    }

    fn follow_pwsh(&mut self, cmd: &Command, index: usize) {
        let mut i = 0;
        while i < cmd.args.len() {
            let t = cmd.args[i].text.to_ascii_lowercase();
            let value = cmd.args.get(i + 1);
            if matches!(
                t.as_str(),
                "-encodedcommand" | "-enc" | "-e" | "-ec" | "-en" | "-encoded"
            ) {
                if let Some(v) = value
                    && let Some(code) = decode_utf16_base64(&v.text)
                {
                    self.exec_effect(index, "pwsh -EncodedCommand", Source::Decoded);
                    self.powershell(&code);
                }
                return;
            }
            if matches!(t.as_str(), "-command" | "-c" | "-com" | "-comm") {
                let code = join_args(&cmd.args[i + 1..]);
                if code.1 {
                    self.exec_from_pipe(index, "pwsh -Command");
                } else {
                    self.via.push("pwsh -Command".into());
                    self.powershell(&code.0);
                    self.via.pop();
                }
                return;
            }
            if matches!(t.as_str(), "-file" | "-f") {
                if let Some(f) = value {
                    let f = f.clone();
                    self.exec_file(index, &f, "pwsh -File");
                }
                return;
            }
            if t == "-" {
                self.exec_from_pipe(index, "pwsh");
                return;
            }
            i += 1;
        }
        if !cmd.stdin_text.is_empty() {
            let text = cmd.stdin_text.clone();
            self.powershell(&text);
        } else {
            self.exec_from_pipe(index, "pwsh");
        }
    }

    /// `make -f -` reads its makefile from stdin; a Makefile written earlier in the same
    /// command line is read too. Recipe lines (tab-indented) are shell code.
    fn follow_make(&mut self, cmd: &Command) {
        let stdin_file = cmd.args.windows(2).any(|w| {
            matches!(w[0].text.as_str(), "-f" | "--file" | "--makefile")
                && matches!(w[1].text.as_str(), "-" | "/dev/stdin")
        });
        let text = if stdin_file {
            cmd.stdin_text.clone()
        } else {
            let named = cmd.args.windows(2).find_map(|w| {
                matches!(w[0].text.as_str(), "-f" | "--file" | "--makefile")
                    .then(|| w[1].text.clone())
            });
            let makefile = cmd.cwd.as_deref().and_then(|c| {
                let name = named.unwrap_or_else(|| "Makefile".into());
                crate::normalize::path::resolve(&name, Some(c), self.home.as_deref())
            });
            match makefile
                .as_deref()
                .and_then(|m| self.written.get(m).cloned())
            {
                Some(Written::Text(t)) => t,
                // The Makefile already on disk: the recipes of the targets asked for.
                _ => match makefile.and_then(|m| self.disk.read_file(&m, 256 * 1024)) {
                    Some(Ok(t)) => {
                        let targets: Vec<String> = cmd
                            .args
                            .iter()
                            .filter(|a| !a.text.starts_with('-') && !a.text.contains('='))
                            .map(|a| a.text.clone())
                            .collect();
                        recipes_of(&t, &targets)
                    }
                    _ => return,
                },
            }
        };
        for line in text.lines() {
            if let Some(recipe) = line.strip_prefix('\t') {
                let recipe = recipe
                    .trim_start_matches(['@', '-', '+'])
                    .replace("$(HOME)", "$HOME")
                    .replace("${HOME}", "$HOME");
                self.script(&recipe, Some("make recipe"), false);
            }
        }
    }

    fn follow_crontab(&mut self, cmd: &Command, index: usize) {
        let parsed = self.programs.parse(&cmd.program, &cmd.args);
        if parsed.has("-l") {
            return;
        }
        let file = parsed.operands.first().filter(|o| o.text != "-");
        let text = match file {
            Some(f) => match self
                .resolve_path(f, cmd.cwd.as_deref())
                .and_then(|p| self.written.get(&p).cloned())
            {
                Some(Written::Text(t)) => Some(t),
                _ => None,
            },
            None => (!cmd.stdin_text.is_empty()).then(|| cmd.stdin_text.clone()),
        };
        let store = Target::Path("/var/spool/cron/crontabs".into());
        let kind = if parsed.has("-r") {
            Kind::Delete
        } else {
            Kind::Write
        };
        self.push_effect(index, Effect::new(kind, store, "crontab"));
        if let Some(text) = text {
            for line in planted::code_in("/var/spool/cron/crontabs/user", &text).code {
                self.script(&line, Some("crontab entry"), true);
            }
        } else if file.is_none() && !cmd.fed_by.is_empty() {
            self.exec_from_pipe(index, "crontab");
        }
    }

    /// git's own code execution: `-c` settings that run commands, aliases (`!cmd` or
    /// another git command), settings written with `git config`, GIT_* variables.
    fn follow_git(&mut self, cmd: &Command, index: usize) {
        let table = self.programs.clone();
        let parsed = table.parse("git", &cmd.args);
        let mut transient: Vec<(String, String)> = Vec::new();
        for (flag, value) in &parsed.values {
            if flag == "-c"
                && let Some((k, v)) = value.text.split_once('=')
            {
                transient.push((k.to_ascii_lowercase(), v.to_string()));
            }
        }
        for (name, value) in &cmd.assignments {
            let code_var = matches!(
                name.as_str(),
                "GIT_SSH_COMMAND"
                    | "GIT_SSH"
                    | "GIT_PAGER"
                    | "GIT_EDITOR"
                    | "GIT_SEQUENCE_EDITOR"
                    | "GIT_EXTERNAL_DIFF"
                    | "GIT_ASKPASS"
                    | "GIT_PROXY_COMMAND"
            );
            if code_var {
                self.code_or_hidden(
                    &(value.text.clone(), value.dynamic),
                    &format!("{name} (git runs it)"),
                );
            }
        }
        // `ext::CMD` remotes run CMD (`% ` is a space) when the transport is allowed.
        for op in parsed
            .operands
            .iter()
            .filter(|o| o.text.starts_with("ext::"))
        {
            let code = op.text["ext::".len()..]
                .replace("% ", " ")
                .replace("%%", "%");
            self.code_or_hidden(&(code, op.dynamic), "git ext:: remote");
        }
        // `-c core.hooksPath=DIR`: git runs the hooks it finds there.
        for (_, dir) in transient.iter().filter(|(k, _)| k == "core.hookspath") {
            self.note(
                NoteKind::HiddenCode,
                format!("git runs hooks from {dir}, whose code is not visible here"),
            );
        }
        // `-c http.proxy=URL`, `http.<url>.proxy`: git's connections go through that host.
        let proxy_key = |k: &str| k.starts_with("http") && k.ends_with(".proxy");
        for (key, value) in transient.iter().filter(|(k, _)| proxy_key(k)) {
            if let Some(host) = super::effects::url_host(value) {
                let via = format!("git -c {key}");
                self.push_effect(index, Effect::new(Kind::Net, Target::Name(host), via));
            }
        }
        // `-c` settings last for this one command: no persistence, but their code runs now.
        for (key, value) in &transient {
            if let Some(code) = planted::git_code_value(key, value) {
                self.script(&code, Some(&format!("git -c {key}")), false);
            }
        }
        // `git config [--global] KEY VALUE`, `git config set KEY VALUE`, `--add KEY VALUE`.
        if parsed.subcommand() == Some("config") {
            let ops: Vec<&Arg> = parsed.operands.iter().collect();
            let ops: Vec<&Arg> = match ops.first().map(|a| a.text.as_str()) {
                Some("set") | Some("add") => ops[1..].to_vec(),
                _ => ops,
            };
            if let [key, value, ..] = ops.as_slice() {
                let key_l = key.text.to_ascii_lowercase();
                let mut e = Effect::new(Kind::Config, Target::Name("git".into()), "git config");
                e.key = Some(key_l.clone());
                e.value = Some(value.text.clone());
                self.push_effect(index, e);
                if proxy_key(&key_l)
                    && let Some(host) = super::effects::url_host(&value.text)
                {
                    let via = format!("git config {key_l}");
                    self.push_effect(index, Effect::new(Kind::Net, Target::Name(host), via));
                }
                if let Some(alias) = key_l.strip_prefix("alias.") {
                    self.git_aliases
                        .insert(alias.to_string(), value.text.clone());
                }
                if let Some(code) = planted::git_code_value(&key_l, &value.text) {
                    self.script(&code, Some(&format!("git config {key_l}")), true);
                }
            }
            return;
        }
        // An alias used as the subcommand runs its definition.
        let Some(sub) = parsed.subcommands.first().cloned() else {
            return;
        };
        let definition = transient
            .iter()
            .rev()
            .find(|(k, _)| *k == format!("alias.{sub}"))
            .map(|(_, v)| v.clone())
            .or_else(|| self.git_aliases.get(&sub).cloned());
        let Some(definition) = definition else { return };
        let position = cmd
            .args
            .iter()
            .position(|a| a.text.eq_ignore_ascii_case(&sub))
            .unwrap_or(0);
        let rest = join_args(&cmd.args[position + 1..]);
        let via = format!("git alias {sub}");
        if let Some(code) = definition.strip_prefix('!') {
            self.script(&format!("{code} {}", rest.0), Some(&via), false);
        } else if self.depth < super::MAX_RECURSION {
            let mut args = vec![Arg::literal("git")];
            args.extend(super::rough_words(&definition));
            args.extend(cmd.args[position + 1..].iter().cloned());
            self.via.push(via);
            self.depth += 1;
            self.emit(Command {
                args,
                ..Default::default()
            });
            self.depth -= 1;
            self.via.pop();
        }
    }

    /// `npm pkg set scripts.postinstall=...`, `npm set-script NAME CMD`.
    fn follow_npm_pkg(&mut self, cmd: &Command, index: usize) {
        let parsed = self.programs.parse(&cmd.program, &cmd.args);
        let mut pairs: Vec<(String, String)> = Vec::new();
        match parsed.subcommands.as_slice() {
            [pkg, set, ..] if pkg == "pkg" && set == "set" => {
                for op in parsed.operands.iter() {
                    if let Some((k, v)) = op.text.split_once('=') {
                        pairs.push((k.to_string(), v.to_string()));
                    }
                }
            }
            [s, ..] if s == "set-script" => {
                if let [name, value, ..] = parsed.operands.as_slice() {
                    pairs.push((format!("scripts.{}", name.text), value.text.clone()));
                }
            }
            _ => {}
        }
        for (key, value) in pairs {
            let mut e = Effect::new(
                Kind::Config,
                Target::Name("npm".into()),
                format!("{} pkg set", cmd.program),
            );
            e.key = Some(key.to_ascii_lowercase());
            e.value = Some(value.clone());
            self.push_effect(index, e);
            if key.starts_with("scripts.") {
                self.script(&value, Some(&format!("package script {key}")), true);
            }
        }
    }

    /// Code planted by writing `text` to `path` (a shell rc file, a git hook...): analysed
    /// as if it ran now.
    pub(super) fn plant(&mut self, path: &str, text: &str) {
        let found = planted::code_in(path, text);
        for code in found.code {
            self.script(&code, Some(&format!("planted in {path}")), true);
        }
    }
}

/// Code sed executes: `s/x/CMD/e` (the replacement), `Ne CMD`, `e CMD`.
fn sed_exec_code(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.split([';', '\n']) {
        let line = line.trim();
        let body = line.trim_start_matches(|c: char| c.is_ascii_digit() || c == ',' || c == '$');
        if let Some(cmd) = body.strip_prefix("e ") {
            out.push(cmd.to_string());
            continue;
        }
        if let Some(rest) = body.strip_prefix('s') {
            let mut chars = rest.chars();
            let Some(delim) = chars.next() else { continue };
            let parts: Vec<&str> = rest[delim.len_utf8()..].splitn(3, delim).collect();
            if let [_, replacement, flags] = parts.as_slice()
                && flags.contains('e')
            {
                out.push(replacement.to_string());
            }
        }
    }
    out
}

/// Text between `open` and `close` markers.
fn between(text: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let end = after.find(close).unwrap_or(after.len());
        out.push(after[..end].to_string());
        rest = &after[end.min(after.len())..];
        if out.len() > 16 {
            break;
        }
    }
    out
}

/// Base64 literals in code that decodes them: their decoded text, when it is text.
fn decoded_literals(code: &str) -> Vec<String> {
    let lower = code.to_ascii_lowercase();
    if !DECODE_APIS.iter().any(|a| lower.contains(a)) {
        return Vec::new();
    }
    quoted_literals(code, &['\'', '"'])
        .into_iter()
        .filter(|l| l.len() >= 8 && l.len() % 4 == 0)
        .filter_map(|l| super::decode_base64(&l))
        .collect()
}

/// PowerShell's -EncodedCommand: base64 of UTF-16LE text.
fn decode_utf16_base64(text: &str) -> Option<String> {
    let bytes = super::decode_base64_bytes(text)?;
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sed_execution_is_found() {
        assert_eq!(sed_exec_code("s/x/rm -rf ~/e"), ["rm -rf ~"]);
        assert_eq!(sed_exec_code("1e touch y"), ["touch y"]);
        assert!(sed_exec_code("s/a/b/g").is_empty());
    }
}

#[cfg(test)]
mod sed_tests {
    use super::sed_written_files;

    #[test]
    fn sed_scripts_name_the_files_they_write() {
        assert_eq!(sed_written_files("w /tmp/out"), ["/tmp/out"]);
        assert_eq!(sed_written_files("1,$ W /tmp/a b"), ["/tmp/a b"]);
        assert_eq!(sed_written_files("/x/w /tmp/x"), ["/tmp/x"]);
        assert_eq!(sed_written_files("s/a/b/gw /tmp/s"), ["/tmp/s"]);
        assert_eq!(sed_written_files("s|a|b|w /tmp/p"), ["/tmp/p"]);
        assert!(sed_written_files("s/w/v/g").is_empty());
        assert!(sed_written_files("/wx/p; s/a/b/").is_empty());
    }
}
