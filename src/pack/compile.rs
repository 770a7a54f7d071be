//! Matchers built on first use. A hook call compiles only the globs and regexes of the rules
//! it actually reaches; `validate` forces them all so bad patterns are caught at lint time.
//! Regexes are linear-time (the regex crate has no backtracking) and ASCII-only unless a
//! pattern opts in with `(?u)`, which keeps compilation cheap.

use super::overlap::Matcher;
use globset::GlobBuilder;
use std::sync::OnceLock;

/// Cap on a compiled regex, so a hostile policy cannot make the hook allocate without bound.
const REGEX_SIZE_LIMIT: usize = 4 * 1024 * 1024;

/// A list of globs (`*` stays within one path component, `**` crosses them). Matching uses
/// small automata built once per process ([`super::overlap::Matcher`]); globset checks the
/// syntax so lint reports bad patterns the way users know them.
#[derive(Debug)]
pub struct Globs {
    patterns: Vec<String>,
    matchers: OnceLock<Vec<Matcher>>,
}

impl Globs {
    pub fn new(patterns: Vec<String>) -> Self {
        Self {
            patterns,
            matchers: OnceLock::new(),
        }
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    fn matchers(&self) -> &[Matcher] {
        self.matchers
            .get_or_init(|| self.patterns.iter().map(|p| Matcher::new(p)).collect())
    }

    /// Check the syntax now; the error names the bad pattern.
    pub fn check(&self) -> Result<(), String> {
        for p in &self.patterns {
            GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| format!("bad glob `{p}`: {}", e.kind()))?;
        }
        Ok(())
    }

    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        Ok(self.matchers().iter().any(|m| m.matches(text)))
    }

    /// The patterns that match `text`.
    pub fn matching(&self, text: &str) -> Result<Vec<&str>, String> {
        Ok(self
            .matchers()
            .iter()
            .zip(&self.patterns)
            .filter(|(m, _)| m.matches(text))
            .map(|(_, p)| p.as_str())
            .collect())
    }

    /// Could the shell glob `glob` (an absolute path with wildcards) expand to a path
    /// these patterns match? (See [`super::overlap`].)
    pub fn overlaps(&self, glob: &str) -> bool {
        let nfa = super::overlap::Nfa::word(glob);
        self.matchers().iter().any(|m| m.overlaps(glob, &nfa))
    }

    /// Could something under `dir` (a recursive effect) match? Only patterns with a fixed
    /// start count: `**/.env` would match under every folder.
    pub fn under(&self, dir: &str) -> bool {
        let escaped: String = dir
            .chars()
            .flat_map(|c| {
                let esc = matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\');
                esc.then_some('\\').into_iter().chain(std::iter::once(c))
            })
            .collect();
        let below = format!("{}/**", escaped.trim_end_matches('/'));
        let nfa = super::overlap::Nfa::word(&below);
        self.matchers()
            .iter()
            .zip(&self.patterns)
            .filter(|(_, p)| !p.starts_with('*'))
            .any(|(m, _)| m.overlaps(&below, &nfa))
    }
}

/// Program or tool names: exact (case-insensitive) or globs (`mkfs.*`, `mcp__*`).
#[derive(Debug)]
pub struct Names {
    exact: Vec<String>,
    globs: Option<Globs>,
    /// As written, for display.
    written: Vec<String>,
}

impl Names {
    pub fn new(names: Vec<String>) -> Self {
        let written = names.clone();
        let (globbed, exact): (Vec<String>, Vec<String>) = names.into_iter().partition(|n| {
            n.contains(['*', '?']) || (n.len() > 1 && n.contains('[') && n.contains(']'))
        });
        Self {
            exact: exact.into_iter().map(|n| n.to_ascii_lowercase()).collect(),
            globs: (!globbed.is_empty()).then(|| {
                Globs::new(
                    globbed
                        .into_iter()
                        .map(|g| g.to_ascii_lowercase())
                        .collect(),
                )
            }),
            written,
        }
    }

    pub fn check(&self) -> Result<(), String> {
        self.globs.as_ref().map_or(Ok(()), Globs::check)
    }

    pub fn matches(&self, name: &str) -> Result<bool, String> {
        let lower = name.to_ascii_lowercase();
        if self.exact.contains(&lower) {
            return Ok(true);
        }
        match &self.globs {
            Some(g) => g.is_match(&lower),
            None => Ok(false),
        }
    }

    pub fn display(&self) -> String {
        self.written.join(", ")
    }
}

/// A match's whole range and its secret's range.
pub type WholeAndSecret = (std::ops::Range<usize>, std::ops::Range<usize>);

/// A regex over bytes.
#[derive(Debug)]
pub struct Pattern {
    source: String,
    regex: OnceLock<Result<regex::bytes::Regex, String>>,
}

impl Pattern {
    pub fn new(source: String) -> Self {
        Self {
            source,
            regex: OnceLock::new(),
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    fn compiled(&self) -> &Result<regex::bytes::Regex, String> {
        self.regex.get_or_init(|| {
            regex::bytes::RegexBuilder::new(&self.source)
                .unicode(false)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| {
                    let text = e.to_string();
                    let detail = text
                        .lines()
                        .last()
                        .unwrap_or("")
                        .trim_start_matches("error: ")
                        .to_string();
                    format!("bad regex `{}`: {detail}", self.source)
                })
        })
    }

    pub fn check(&self) -> Result<(), String> {
        self.compiled().as_ref().map(|_| ()).map_err(Clone::clone)
    }

    /// Every match: (whole match, the secret) where the secret is the group named `secret`,
    /// else group 1, else the whole match.
    pub fn captures(&self, text: &[u8]) -> Result<Vec<WholeAndSecret>, String> {
        let re = match self.compiled() {
            Ok(re) => re,
            Err(e) => return Err(e.clone()),
        };
        Ok(re
            .captures_iter(text)
            .filter_map(|c| {
                let whole = c.get(0)?;
                let secret = c.name("secret").or_else(|| c.get(1)).unwrap_or(whole);
                Some((whole.range(), secret.range()))
            })
            .collect())
    }

    /// The first match, as a byte range.
    pub fn find(&self, text: &str) -> Result<Option<std::ops::Range<usize>>, String> {
        match self.compiled() {
            Ok(re) => Ok(re.find(text.as_bytes()).map(|m| m.range())),
            Err(e) => Err(e.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_keep_star_within_a_component() {
        let g = Globs::new(vec!["/home/dev/*".into(), "**/.env".into()]);
        assert_eq!(g.is_match("/home/dev/projects"), Ok(true));
        assert_eq!(g.is_match("/home/dev/projects/x"), Ok(false));
        assert_eq!(g.is_match("/a/b/.env"), Ok(true));
    }

    #[test]
    fn names_are_case_insensitive_and_may_glob() {
        let n = Names::new(vec!["rm".into(), "mkfs.*".into()]);
        assert_eq!(n.matches("RM"), Ok(true));
        assert_eq!(n.matches("mkfs.ext4"), Ok(true));
        assert_eq!(n.matches("rmdir"), Ok(false));
    }

    #[test]
    fn bad_patterns_report_their_source() {
        let p = Pattern::new("(unclosed".into());
        assert!(p.check().unwrap_err().contains("(unclosed"));
        let g = Globs::new(vec!["a[".into()]);
        assert!(g.check().unwrap_err().contains("a["));
    }
}

#[cfg(test)]
mod matcher_parity {
    //! The hand-written matcher must agree with globset (the documented syntax) on every
    //! path pattern of the built-in packs.
    use crate::pack::Block;
    use crate::policy::Gate;

    const PATHS: &[&str] = &[
        "/",
        "/etc",
        "/etc/passwd",
        "/etc/ssh/sshd_config",
        "/usr",
        "/usr/lib",
        "/usr/lib/x.so",
        "/home/dev",
        "/home/dev/project",
        "/home/dev/project/.env",
        "/home/dev/project/.env.local",
        "/home/dev/project/.env.example",
        "/home/dev/project/src/.env.ts",
        "/home/dev/project/a/b/.env",
        "/home/dev/.ssh",
        "/home/dev/.ssh/id_rsa",
        "/home/dev/.ssh/id_rsa.pub",
        "/home/dev/.ssh/config",
        "/home/dev/.aws",
        "/home/dev/.aws/credentials",
        "/home/dev/.bashrc",
        "/home/dev/.config/fish/config.fish",
        "/tmp",
        "/tmp/x",
        "/tmp/a/b",
        "/var/tmp/x",
        "/dev/sda",
        "/dev/sda1",
        "/dev/null",
        "/root/.ssh/id_rsa",
        "/home/dev/project/certs/ca.pem",
        "/home/dev/project/server.pem",
        "/home/dev/project/key.pem",
        "/home/dev/project/.git",
        "/home/dev/project/.git/hooks/pre-commit",
        "/home/dev/project/terraform.tfstate",
        "/home/dev/.cache/pip/x",
        "/etc/cron.d/x",
        "/var/spool/cron/crontabs/dev",
        "/home/dev/.gnupg/private-keys-v1.d/a.key",
    ];

    #[test]
    fn matcher_agrees_with_globset_on_built_in_patterns() {
        let gate = Gate::load(None, crate::normalize::Context::example(), true).unwrap();
        let mut patterns: Vec<String> = Vec::new();
        for rule in gate.engine.rules() {
            for block in &rule.blocks {
                match block {
                    Block::Effect(b) => {
                        for g in [&b.path, &b.path_except].into_iter().flatten() {
                            patterns.extend(g.patterns().iter().cloned());
                        }
                    }
                    Block::Command(b) => {
                        if let Some(p) = &b.path {
                            for g in [&p.any, &p.except].into_iter().flatten() {
                                patterns.extend(g.patterns().iter().cloned());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        assert!(patterns.len() > 100, "{}", patterns.len());
        for pattern in &patterns {
            let reference = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .unwrap()
                .compile_matcher();
            let ours = super::Matcher::new(pattern);
            for path in PATHS {
                assert_eq!(
                    ours.matches(path),
                    reference.is_match(path),
                    "pattern {pattern:?} on {path:?}"
                );
            }
        }
    }
}
