//! Where data goes within one command line. Each command's output is labelled with what it
//! holds: `database` (rows or a dump; the effect's `sql` says from where), `env:NAME` (a
//! variable's value expanded in its words or printed by name), `environment` (every
//! variable: `env`, `export -p`, `/proc/PID/environ`). Labels travel through pipes (every
//! stage before a command, transitively), substitutions, and files written earlier in the
//! line and read back. A network or write effect then carries what its command's input
//! holds (`Effect::carries`), so a rule can say "data from a production database reaches the
//! network" whatever program moved it.

use super::{Analyzer, Arg, Command};
use crate::normalize::effects::{DbTarget, Effect, Kind, Sql, SqlKind, Target};
use std::collections::{BTreeSet, HashMap};

/// Labels kept per command: enough for any real line, bounded for a hostile one.
const MAX_LABELS: usize = 32;

/// What one command's output holds.
#[derive(Debug, Clone, Default)]
struct Holds {
    labels: BTreeSet<String>,
    databases: Vec<DbTarget>,
}

impl Holds {
    fn add(&mut self, label: String) {
        if self.labels.len() < MAX_LABELS {
            self.labels.insert(label);
        }
    }

    /// Merge `other` in; whether anything was new.
    fn absorb(&mut self, other: &Holds) -> bool {
        let before = (self.labels.len(), self.databases.len());
        for l in &other.labels {
            self.add(l.clone());
        }
        for d in &other.databases {
            if self.databases.len() < MAX_LABELS && !self.databases.contains(d) {
                self.databases.push(d.clone());
            }
        }
        before != (self.labels.len(), self.databases.len())
    }
}

/// Names of the variables a word expands (`$X`, `${X:0:9}`, `"$X"`); `${!v}` (indirect)
/// may be any variable.
pub(super) fn expanded_variables(word: &str) -> Vec<String> {
    let bytes = word.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() && out.len() < MAX_LABELS {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        i += 1;
        if bytes.get(i) == Some(&b'{') {
            i += 1;
            if bytes.get(i) == Some(&b'!') {
                out.push("*".to_string());
                continue;
            }
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let name = &word[start..i];
        if !name.is_empty() && !name.as_bytes()[0].is_ascii_digit() {
            out.push(name.to_string());
        }
    }
    out
}

fn is_variable_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `/proc/self/environ`, `/proc/$PPID/environ`, `/proc/*/task/*/environ`.
fn is_process_environment(path: &str) -> bool {
    path.starts_with("/proc/") && path.ends_with("/environ")
}

impl Analyzer {
    /// Label what each command prints and mark the effects that carry it (see the module
    /// overview). Runs once, when the whole line is known.
    pub(super) fn flow(&mut self) {
        let n = self.commands.len();
        if n == 0 {
            return;
        }
        let mut own: Vec<Holds> = vec![Holds::default(); n];
        let mut environ_reads: Vec<usize> = Vec::new();
        for e in &self.effects {
            let Some(i) = e.command.filter(|i| *i < n) else {
                continue;
            };
            match (&e.kind, &e.target, &e.sql) {
                (Kind::Sql, _, Some(sql)) if sql.kinds.contains(&SqlKind::Read) => {
                    own[i].add("database".into());
                    own[i].absorb(&Holds {
                        labels: BTreeSet::new(),
                        databases: sql.targets.clone(),
                    });
                }
                (Kind::Read, Target::Path(p) | Target::Glob(p) | Target::Unknown(p), _)
                    if is_process_environment(p) =>
                {
                    own[i].add("environment".into());
                    environ_reads.push(i);
                }
                // Code that reads variables (`os.environ['X']` in a one-liner).
                (Kind::Credential, Target::Name(name), _)
                    if name.starts_with("env:") || name == "environment" =>
                {
                    own[i].add(name.clone());
                }
                _ => {}
            }
        }
        let mut printed: Vec<(usize, String)> = Vec::new();
        for (i, cmd) in self.commands.iter().enumerate() {
            // awk's `ENVIRON`, jq's `env` and `$ENV`: the program text reads variables.
            let reads_code = matches!(
                cmd.program.as_str(),
                "awk" | "gawk" | "mawk" | "nawk" | "jq" | "gojq" | "jaq"
            );
            if reads_code {
                for arg in cmd.args.iter().filter(|a| !a.text.starts_with('-')) {
                    let jq_env = cmd.program.contains('j')
                        && (arg.text == "env"
                            || arg.text.contains("$ENV")
                            || arg.text.contains("env."));
                    if jq_env {
                        own[i].add("environment".into());
                    }
                    for label in super::literals::environment_reads(&arg.text) {
                        own[i].add(label);
                    }
                    if arg.text.contains(" in ENVIRON") {
                        own[i].add("environment".into());
                    }
                }
            }
            for word in cmd
                .args
                .iter()
                .chain(cmd.redirects.iter().map(|r| &r.target))
            {
                if !word.dynamic {
                    continue;
                }
                for name in expanded_variables(&word.text) {
                    own[i].add(if name == "*" {
                        "environment".into()
                    } else {
                        format!("env:{name}")
                    });
                }
            }
            let prints = self
                .programs
                .get(&cmd.program)
                .and_then(|s| s.prints.as_deref().map(|p| (p, &s.dump_flags)));
            match prints {
                Some(("operands", _)) => {
                    for label in &own[i].labels {
                        if label.starts_with("env:") || label == "environment" {
                            printed.push((i, label.clone()));
                        }
                    }
                }
                Some(("environment", dump_flags)) => {
                    for label in environment_printed(cmd, dump_flags) {
                        printed.push((i, label.clone()));
                        own[i].add(label);
                    }
                }
                _ => {}
            }
        }
        let out = self.propagate(own);
        for e in self.effects.iter_mut() {
            let Some(i) = e.command.filter(|i| *i < n) else {
                continue;
            };
            if !matches!(e.kind, Kind::Net | Kind::Write) || out[i].labels.is_empty() {
                continue;
            }
            for label in &out[i].labels {
                if !e.carries.contains(label) {
                    e.carries.push(label.clone());
                }
            }
            if e.kind == Kind::Net && out[i].labels.contains("database") && e.sql.is_none() {
                e.sql = Some(Sql {
                    kinds: vec![SqlKind::Read],
                    targets: out[i].databases.clone(),
                });
            }
        }
        // A variable's value printed for the agent to read is a credential shown, when its
        // name says it is one (the rules decide which names do).
        for i in environ_reads {
            let e = Effect::new(
                Kind::Credential,
                Target::Name("process-environment".into()),
                "reads /proc/PID/environ",
            );
            self.push_effect(i, e);
        }
        for (i, label) in printed {
            let via = format!("{} prints", self.commands[i].program);
            let e = Effect::new(Kind::Credential, Target::Name(label), via);
            self.push_effect(i, e);
        }
    }

    /// Each command's output: its own labels, those of every command feeding it, and those
    /// of files it reads that an earlier command wrote. A few rounds reach a fixed point for
    /// any line (each round follows one more hop through a file).
    fn propagate(&self, own: Vec<Holds>) -> Vec<Holds> {
        let mut out = own;
        for _ in 0..4 {
            let mut by_program: HashMap<&str, Holds> = HashMap::new();
            for (i, cmd) in self.commands.iter().enumerate() {
                by_program
                    .entry(cmd.program.as_str())
                    .or_default()
                    .absorb(&out[i]);
            }
            let mut files: HashMap<&str, (usize, Holds)> = HashMap::new();
            for e in &self.effects {
                if let (Kind::Write, Target::Path(p), Some(i)) = (&e.kind, &e.target, e.command)
                    && i < out.len()
                    && !out[i].labels.is_empty()
                {
                    let entry = files.entry(p.as_str()).or_insert((i, Holds::default()));
                    entry.0 = entry.0.min(i);
                    entry.1.absorb(&out[i]);
                }
            }
            let mut changed = false;
            for (i, cmd) in self.commands.iter().enumerate() {
                let mut incoming = Holds::default();
                for feeder in &cmd.fed_by {
                    if let Some(h) = by_program.get(feeder.as_str()) {
                        incoming.absorb(h);
                    }
                }
                for e in self.effects.iter().filter(|e| e.command == Some(i)) {
                    if let (Kind::Read, Target::Path(p)) = (&e.kind, &e.target)
                        && let Some((writer, h)) = files.get(p.as_str())
                        && *writer < i
                    {
                        incoming.absorb(h);
                    }
                }
                changed |= out[i].absorb(&incoming);
            }
            if !changed {
                break;
            }
        }
        out
    }
}

/// What an environment printer shows: every variable (`env`, `export -p`, `declare -x`,
/// `set` alone), or the ones it names (`printenv TOKEN`, `declare -p TOKEN`).
fn environment_printed(cmd: &Command, dump_flags: &[String]) -> Vec<String> {
    let (flags, operands): (Vec<&Arg>, Vec<&Arg>) =
        cmd.args.iter().partition(|a| a.text.starts_with('-'));
    if operands.is_empty() {
        let dump = flags.is_empty() || flags.iter().all(|f| dump_flags.contains(&f.text));
        return if dump {
            vec!["environment".into()]
        } else {
            Vec::new()
        };
    }
    operands
        .iter()
        .filter(|a| !a.dynamic && is_variable_name(&a.text))
        .map(|a| format!("env:{}", a.text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_expanded_in_a_word() {
        assert_eq!(expanded_variables("$GITHUB_TOKEN"), ["GITHUB_TOKEN"]);
        assert_eq!(
            expanded_variables("k=${AWS_SECRET_ACCESS_KEY:0:20}.$X.y"),
            ["AWS_SECRET_ACCESS_KEY", "X"]
        );
        assert_eq!(expanded_variables("${!v}"), ["*"]);
        assert!(expanded_variables("$1 $$ plain").is_empty());
    }
}
