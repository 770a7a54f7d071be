//! Claude Code's own managed permission rules, enforced again by the gate, deeper. Claude
//! Code's `permissions.deny` / `permissions.ask` are bypassed in known ways (chaining,
//! wrappers, `$()`, some VS Code extension versions ignore them), so toolgate reads the same
//! managed settings files and applies each rule with Claude Code's semantics (wildcards, the
//! trailing ` *` word boundary and `:*`, compound commands split and each part matched,
//! gitignore-style paths) PLUS its own analysis: a denied `Read(~/.ssh/*)` also denies
//! `cat ~/.ssh/id_rsa` and a Grep over `~/.ssh` (they are read effects), a denied
//! `Bash(curl * | bash)` also denies `bash <(curl ...)` (code from the network).
//! `permissions.disableBypassPermissionsMode` denies calls made in bypass mode.

use crate::engine::Hit;
use crate::normalize::Subject;
use crate::normalize::effects::{Kind, Source, Target};
use crate::normalize::programs::ProgramTable;
use crate::normalize::shell::{Arg, Command, ParsedArgs};
use crate::pack::compile::Globs;
use crate::pack::{Decision, Severity};
use crate::protocol::HookEvent;
use crate::sanitize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Largest settings file read.
const MAX_BYTES: u64 = 1024 * 1024;

/// The platform's managed settings files: the main file and the drop-in folder (sorted).
pub fn default_paths() -> Vec<PathBuf> {
    crate::deployment::claude_managed_files()
}

/// One permission rule as written: `Bash(git push *)`, `Read(~/.ssh/*)`, `mcp__x`.
#[derive(Debug)]
struct PermissionRule {
    text: String,
    decision: Decision,
    file: String,
    matcher: RuleMatcher,
}

#[derive(Debug)]
enum RuleMatcher {
    /// A whole tool (`WebFetch`, `Bash`) or an MCP server/tool prefix.
    Tool(String),
    Bash {
        spec: String,
        network_to_shell: bool,
        /// The specifier as a command, when it is one (no wildcard but a trailing ` *`, no
        /// shell operators): compared by meaning with each command the call runs.
        words: Option<SpecCommand>,
    },
    /// Read: read effects; Edit: write effects (Edit rules cover Write, MultiEdit, NotebookEdit).
    Path {
        kind: Kind,
        globs: Globs,
    },
    Domain(String),
}

/// `rm -rf *` read as a command: the program, its words, and whether more may follow.
#[derive(Debug)]
struct SpecCommand {
    program: String,
    args: Vec<Arg>,
    open: bool,
}

impl SpecCommand {
    fn read(spec: &str) -> Option<Self> {
        let mut words: Vec<&str> = spec.split_whitespace().collect();
        let open = words.last() == Some(&"*");
        if open {
            words.pop();
        }
        let special = |w: &&str| {
            w.contains([
                '*', '?', '[', '|', '&', ';', '<', '>', '(', ')', '$', '`', '"', '\'',
            ])
        };
        if words.is_empty() || words.iter().any(special) {
            return None;
        }
        Some(Self {
            program: crate::normalize::shell::program_name(words[0]),
            args: words[1..].iter().map(|w| Arg::literal(*w)).collect(),
            open,
        })
    }

    /// Does `cmd` do what the specifier says, however it spells it: the same program and
    /// subcommands, every option of the specifier under any of its spellings (`-fr`, `-r -f`,
    /// `--recursive --force`), the specifier's operands first. A closed specifier (no
    /// trailing ` *`) allows nothing more.
    fn matches(&self, cmd: &Command, programs: &ProgramTable) -> bool {
        if cmd.program != self.program {
            return false;
        }
        let want = programs.parse(&self.program, &self.args);
        let have = programs.read_run_time(cmd);
        if !have.subcommands.starts_with(&want.subcommands) {
            return false;
        }
        let canon = |parsed: &ParsedArgs| -> std::collections::BTreeSet<String> {
            parsed
                .flags
                .iter()
                .chain(parsed.values.iter().map(|(o, _)| o))
                .map(|f| programs.canonical_flag(&parsed.spec_name, f).to_string())
                .collect()
        };
        let (want_flags, have_flags) = (canon(&want), canon(&have));
        let values_given = want.values.iter().all(|(o, v)| {
            let o = programs.canonical_flag(&want.spec_name, o);
            have.values.iter().any(|(h, hv)| {
                programs.canonical_flag(&have.spec_name, h) == o && hv.text == v.text
            })
        });
        let operands_first = have.operands.len() >= want.operands.len()
            && want
                .operands
                .iter()
                .zip(&have.operands)
                .all(|(w, h)| !h.dynamic && same_operand(&self.program, &w.text, &h.text));
        let closed_fits =
            self.open || (have.operands.len() == want.operands.len() && have_flags == want_flags);
        want_flags.is_subset(&have_flags) && values_given && operands_first && closed_fits
    }
}

/// The managed settings toolgate enforces.
#[derive(Debug, Default)]
pub struct ClaudeSettings {
    rules: Vec<PermissionRule>,
    /// Files that set `disableBypassPermissionsMode`.
    no_bypass: Vec<String>,
    /// Files that were read.
    pub files: Vec<String>,
    /// `allowedMcpServers[].serverName`, when any file lists them.
    pub mcp_servers: Option<Vec<String>>,
    /// The file that sets `allowManagedMcpServersOnly`.
    pub mcp_only: Option<String>,
    /// `sandbox.network.allowedDomains`, when any file lists them.
    pub domains: Option<Vec<String>>,
    /// The file that sets `sandbox.network.allowManagedDomainsOnly`.
    pub domains_only: Option<String>,
}

impl ClaudeSettings {
    /// Read the files that exist (a missing file is not an error; a malformed one is).
    pub fn load(paths: &[PathBuf], home: Option<&str>) -> Result<Self, String> {
        let mut out = Self::default();
        for p in paths {
            let text = match read_bounded(p) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(format!(
                        "cannot read Claude Code settings {}: {e}",
                        p.display()
                    ));
                }
            };
            let json: Value = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "Claude Code settings {} is not valid JSON: {e}",
                    p.display()
                )
            })?;
            out.add(p, &json, home);
        }
        Ok(out)
    }

    fn add(&mut self, file: &Path, json: &Value, home: Option<&str>) {
        let name = file.display().to_string();
        self.files.push(name.clone());
        let base = file
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let permissions = json.get("permissions");
        for (key, decision) in [("deny", Decision::Deny), ("ask", Decision::Ask)] {
            let list = permissions
                .and_then(|p| p.get(key))
                .and_then(Value::as_array);
            for text in list
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .take(4096)
            {
                if let Some(matcher) = parse_rule(text, &base, home) {
                    self.rules.push(PermissionRule {
                        text: text.to_string(),
                        decision,
                        file: name.clone(),
                        matcher,
                    });
                }
            }
        }
        let nested = permissions.and_then(|p| p.get("disableBypassPermissionsMode"));
        let dotted = json.get("permissions.disableBypassPermissionsMode");
        if [nested, dotted]
            .into_iter()
            .flatten()
            .any(|v| v.as_str() == Some("disable") || v == &Value::Bool(true))
        {
            self.no_bypass.push(name.clone());
        }
        if let Some(list) = json.get("allowedMcpServers").and_then(Value::as_array) {
            let names = list
                .iter()
                .filter_map(|e| e.get("serverName").and_then(Value::as_str))
                .map(str::to_string);
            self.mcp_servers.get_or_insert_with(Vec::new).extend(names);
        }
        if is_true(json.get("allowManagedMcpServersOnly")) {
            self.mcp_only.get_or_insert(name.clone());
        }
        let network = json.get("sandbox").and_then(|s| s.get("network"));
        if let Some(list) = network
            .and_then(|n| n.get("allowedDomains"))
            .and_then(Value::as_array)
        {
            let names = list.iter().filter_map(Value::as_str).map(str::to_string);
            self.domains.get_or_insert_with(Vec::new).extend(names);
        }
        let dotted = json.get("sandbox.network.allowManagedDomainsOnly");
        if is_true(network.and_then(|n| n.get("allowManagedDomainsOnly"))) || is_true(dotted) {
            self.domains_only.get_or_insert(name);
        }
    }

    /// How many permission rules are enforced.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    pub fn bypass_disabled(&self) -> bool {
        !self.no_bypass.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.no_bypass.is_empty()
    }

    /// Hits for the call: each managed rule that matches, bypass mode where disabled.
    pub fn check(&self, event: &HookEvent, subject: &Subject, programs: &ProgramTable) -> Vec<Hit> {
        let mut hits = Vec::new();
        if event.permission_mode.as_deref() == Some("bypassPermissions")
            && let Some(file) = self.no_bypass.first()
        {
            hits.push(Hit {
                rule: "claude-settings.bypass-disabled".into(),
                decision: Decision::Deny,
                severity: Severity::High,
                certain: true,
                matched: format!("permission_mode: bypassPermissions ({})", sanitize::safe(file)),
                message: "The managed settings disable bypass-permissions mode (permissions.disableBypassPermissionsMode).".into(),
                remediation: "Run Claude Code in a permission mode the organisation allows.".into(),
            });
        }
        for rule in &self.rules {
            if let Some(what) = rule_matches(&rule.matcher, subject, programs) {
                hits.push(Hit {
                    rule: "claude-settings.permissions".into(),
                    decision: rule.decision,
                    severity: Severity::High,
                    certain: true,
                    matched: format!(
                        "{} from {} ({what})",
                        sanitize::safe(&rule.text),
                        sanitize::safe(&rule.file)
                    ),
                    message: format!(
                        "The organisation's managed Claude Code settings {} this: permissions.{}.",
                        if rule.decision == Decision::Deny {
                            "deny"
                        } else {
                            "ask about"
                        },
                        if rule.decision == Decision::Deny {
                            "deny"
                        } else {
                            "ask"
                        }
                    ),
                    remediation: "Follow the organisation's policy, or ask an administrator."
                        .into(),
                });
            }
        }
        hits
    }
}

/// Claude Code reads an invalid value of a managed-only switch as on.
fn is_true(v: Option<&Value>) -> bool {
    v.is_some_and(|v| v != &Value::Bool(false) && !v.is_null())
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_BYTES)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// `Tool` or `Tool(specifier)`.
fn parse_rule(text: &str, settings_dir: &str, home: Option<&str>) -> Option<RuleMatcher> {
    let text = text.trim();
    let (tool, spec) = match text.split_once('(') {
        Some((tool, rest)) => (tool.trim(), Some(rest.strip_suffix(')')?.trim())),
        None => (text, None),
    };
    match (tool, spec) {
        (t, _) if t.starts_with("mcp__") => {
            Some(RuleMatcher::Tool(t.trim_end_matches("__*").to_string()))
        }
        (t, None) => Some(RuleMatcher::Tool(t.to_string())),
        ("Bash", Some(spec)) => {
            let spec = match spec.strip_suffix(":*") {
                Some(prefix) => format!("{prefix} *"),
                None => spec.to_string(),
            };
            let first = spec.split_whitespace().next().unwrap_or("");
            let network_to_shell = matches!(first, "curl" | "wget")
                && spec.split('|').skip(1).any(|stage| {
                    matches!(
                        stage.split_whitespace().next(),
                        Some("sh" | "bash" | "zsh" | "dash")
                    )
                });
            let words = SpecCommand::read(&spec);
            Some(RuleMatcher::Bash {
                spec,
                network_to_shell,
                words,
            })
        }
        ("Read" | "Edit" | "Write", Some(spec)) => {
            let kind = if tool == "Read" {
                Kind::Read
            } else {
                Kind::Write
            };
            Some(RuleMatcher::Path {
                kind,
                globs: Globs::new(vec![gitignore_glob(spec, settings_dir, home)?]),
            })
        }
        ("WebFetch", Some(spec)) => spec
            .strip_prefix("domain:")
            .map(|d| RuleMatcher::Domain(d.trim().to_ascii_lowercase())),
        (t, Some(_)) => Some(RuleMatcher::Tool(t.to_string())),
    }
}

/// A permission path as an absolute glob: `//abs`, `~/x`, `/x` (the settings file's
/// folder), `./x` or `x` (anywhere below the working directory: `**/x`).
fn gitignore_glob(spec: &str, settings_dir: &str, home: Option<&str>) -> Option<String> {
    if let Some(abs) = spec.strip_prefix("//") {
        return Some(format!("/{abs}"));
    }
    if let Some(rest) = spec.strip_prefix("~/") {
        return Some(format!("{}/{rest}", home?));
    }
    if let Some(rest) = spec.strip_prefix('/') {
        return Some(format!("{}/{rest}", settings_dir.trim_end_matches('/')));
    }
    let rest = spec.strip_prefix("./").unwrap_or(spec);
    Some(format!("**/{rest}"))
}

/// What matched, or None.
fn rule_matches(
    matcher: &RuleMatcher,
    subject: &Subject,
    programs: &ProgramTable,
) -> Option<String> {
    match matcher {
        RuleMatcher::Tool(name) => {
            let edit_family = name == "Edit"
                && matches!(
                    subject.tool.as_str(),
                    "Write" | "MultiEdit" | "NotebookEdit" | "apply_patch"
                );
            (subject.tool == *name
                || edit_family
                || (name.starts_with("mcp__") && subject.tool.starts_with(&format!("{name}__"))))
            .then(|| format!("tool {}", sanitize::safe(&subject.tool)))
        }
        RuleMatcher::Bash {
            spec,
            network_to_shell,
            words,
        } => {
            if *network_to_shell
                && subject
                    .all_effects()
                    .any(|e| e.kind == Kind::Exec && e.source == Some(Source::Network))
            {
                return Some("code from the network run by a shell".into());
            }
            let analysis = subject.shell.as_ref()?;
            let whole = subject
                .texts
                .iter()
                .find(|t| t.field == "command")
                .map(|t| t.text.as_str());
            if whole.is_some_and(|w| bash_spec_matches(spec, w.trim())) {
                return Some("the command".into());
            }
            analysis.commands.iter().find_map(|cmd| {
                let mut line = cmd.program.clone();
                for a in &cmd.args {
                    line.push(' ');
                    line.push_str(&a.text);
                }
                let same = bash_spec_matches(spec, &line)
                    || words.as_ref().is_some_and(|w| w.matches(cmd, programs));
                same.then(|| format!("`{}`", sanitize::excerpt(&line, 80)))
            })
        }
        RuleMatcher::Path { kind, globs } => subject.all_effects().find_map(|e| {
            if e.kind != *kind {
                return None;
            }
            let hit = match &e.target {
                Target::Path(p) => {
                    globs.is_match(p).unwrap_or(false) || (e.recursive && globs.under(p))
                }
                Target::Glob(g) => globs.overlaps(g),
                _ => false,
            };
            hit.then(|| sanitize::safe(&e.to_string()).to_string())
        }),
        RuleMatcher::Domain(domain) => subject.all_effects().find_map(|e| {
            let Target::Name(host) = &e.target else {
                return None;
            };
            let ok = e.kind == Kind::Net && crate::policy::allowlist::host_matches(domain, host);
            ok.then(|| format!("host {}", sanitize::safe(host)))
        }),
    }
}

/// Two operands that mean the same to the program: chmod's `777`, `0777`, `a+rwx` and
/// `u=rwx,g=rwx,o=rwx` grant the same.
fn same_operand(program: &str, a: &str, b: &str) -> bool {
    a == b || (program == "chmod" && chmod_bits(a).is_some() && chmod_bits(a) == chmod_bits(b))
}

/// The permission bits a chmod mode grants from none: octal, or symbolic clauses
/// (`u=rwx,go+rx`, `a+rwx`) applied to 000.
fn chmod_bits(mode: &str) -> Option<u32> {
    if !mode.is_empty() && mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return u32::from_str_radix(mode, 8).ok().map(|m| m & 0o777);
    }
    let mut bits = 0u32;
    for clause in mode.split(',') {
        let at = clause.find(['+', '=', '-'])?;
        let (who, rest) = clause.split_at(at);
        let (op, perms) = rest.split_at(1);
        let mut mask = 0u32;
        for w in if who.is_empty() { "a" } else { who }.chars() {
            mask |= match w {
                'u' => 0o700,
                'g' => 0o070,
                'o' => 0o007,
                'a' => 0o777,
                _ => return None,
            };
        }
        let mut granted = 0u32;
        for p in perms.chars() {
            granted |= match p {
                'r' => 0o444,
                'w' => 0o222,
                'x' | 'X' => 0o111,
                _ => return None,
            };
        }
        match op {
            "+" => bits |= granted & mask,
            "=" => bits = (bits & !mask) | (granted & mask),
            _ => bits &= !(granted & mask),
        }
    }
    Some(bits)
}

/// Claude Code's Bash specifier: `*` matches anything (spaces too); a trailing ` *` also
/// matches the bare prefix (`ls *` matches `ls` and `ls -la`, not `lsof`).
fn bash_spec_matches(spec: &str, line: &str) -> bool {
    let line = strip_assignments(line);
    if let Some(prefix) = spec.strip_suffix(" *") {
        return crate::normalize::programs::wildcard(prefix, line)
            || crate::normalize::programs::wildcard(&format!("{prefix} *"), line);
    }
    crate::normalize::programs::wildcard(spec, line)
}

/// `VAR=value cmd ...` -> `cmd ...` (deny rules match past leading assignments).
fn strip_assignments(line: &str) -> &str {
    let mut rest = line;
    while let Some((word, after)) = rest.split_once(' ') {
        if word.contains('=') && !word.starts_with('=') && !word.contains('/') {
            rest = after.trim_start();
        } else {
            break;
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chmod_modes_compare_by_the_bits_they_grant() {
        for same in [
            "777",
            "0777",
            "a+rwx",
            "ugo+rwx",
            "u=rwx,g=rwx,o=rwx",
            "+rwx",
        ] {
            assert_eq!(chmod_bits(same), Some(0o777), "{same}");
        }
        assert_eq!(chmod_bits("755"), Some(0o755));
        assert_eq!(chmod_bits("u+x"), Some(0o100));
        assert_eq!(chmod_bits("--recursive"), None);
        assert!(!same_operand("chmod", "777", "755"));
        assert!(!same_operand("cp", "0777", "777"));
    }

    #[test]
    fn bash_specifiers_follow_claude_code() {
        assert!(bash_spec_matches("ls *", "ls -la"));
        assert!(bash_spec_matches("ls *", "ls"));
        assert!(!bash_spec_matches("ls *", "lsof"));
        assert!(bash_spec_matches("git push *", "git push origin main"));
        assert!(bash_spec_matches("rm -rf *", "X=1 rm -rf /"));
        assert!(bash_spec_matches("curl * | bash", "curl -s x | bash"));
        assert!(!bash_spec_matches("npm publish *", "npm install"));
    }

    #[test]
    fn permission_paths_are_gitignore_style() {
        assert_eq!(
            gitignore_glob("~/.ssh/*", "/etc/claude-code", Some("/home/dev")).unwrap(),
            "/home/dev/.ssh/*"
        );
        assert_eq!(
            gitignore_glob("//etc/passwd", "/x", None).unwrap(),
            "/etc/passwd"
        );
        assert_eq!(
            gitignore_glob("/secrets/**", "/etc/claude-code", None).unwrap(),
            "/etc/claude-code/secrets/**"
        );
        assert_eq!(gitignore_glob("*.env*", "/x", None).unwrap(), "**/*.env*");
    }
}
