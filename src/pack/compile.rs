//! Matchers built on first use. A hook call compiles only the globs and regexes of the rules
//! it actually reaches; `validate` forces them all so bad patterns are caught at lint time.
//! Regexes are linear-time (the regex crate has no backtracking) and ASCII-only unless a
//! pattern opts in with `(?u)`, which keeps compilation cheap.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::sync::OnceLock;

/// Cap on a compiled regex, so a hostile policy cannot make the hook allocate without bound.
const REGEX_SIZE_LIMIT: usize = 4 * 1024 * 1024;

/// A list of globs (`*` stays within one path component, `**` crosses them).
#[derive(Debug)]
pub struct Globs {
    patterns: Vec<String>,
    set: OnceLock<Result<GlobSet, String>>,
}

impl Globs {
    pub fn new(patterns: Vec<String>) -> Self {
        Self {
            patterns,
            set: OnceLock::new(),
        }
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    fn compiled(&self) -> &Result<GlobSet, String> {
        self.set.get_or_init(|| {
            let mut builder = GlobSetBuilder::new();
            for p in &self.patterns {
                let glob = GlobBuilder::new(p)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| format!("bad glob `{p}`: {}", e.kind()))?;
                builder.add(glob);
            }
            builder.build().map_err(|e| e.to_string())
        })
    }

    /// Compile now; the error names the bad pattern.
    pub fn check(&self) -> Result<(), String> {
        self.compiled().as_ref().map(|_| ()).map_err(Clone::clone)
    }

    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        match self.compiled() {
            Ok(set) => Ok(set.is_match(text)),
            Err(e) => Err(e.clone()),
        }
    }

    /// Could the shell glob `glob` (an absolute path with wildcards) expand to a path
    /// these patterns match? (See [`super::overlap`].)
    pub fn overlaps(&self, glob: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| super::overlap::overlaps(p, glob))
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
        self.patterns
            .iter()
            .filter(|p| !p.starts_with('*'))
            .any(|p| super::overlap::overlaps(p, &below))
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
