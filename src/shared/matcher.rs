//! Matchers built on first use. A hook call compiles only the globs and regexes of the rules
//! it actually reaches; `validate` forces them all so bad patterns are caught at lint time.
//! Regexes are linear-time (the regex crate has no backtracking) and ASCII-only unless a
//! pattern opts in with `(?u)`, which keeps compilation cheap.

use super::overlap::Matcher;
use globset::GlobBuilder;
use std::sync::OnceLock;

/// Cap on a compiled regex, so a hostile policy cannot make the hook allocate without bound.
const REGEX_SIZE_LIMIT: usize = 4 * 1024 * 1024;

/// Names path globs may use for places on this machine (`{HOME}`, `{TMPDIR}`, toolgate's own
/// folders), each with its value here (`None`: this machine has no such place).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Places(std::sync::Arc<[(&'static str, Option<String>)]>);

impl Places {
    pub fn new(places: Vec<(&'static str, Option<String>)>) -> Self {
        Self(places.into())
    }

    /// Each place's value, in order.
    pub fn values(&self) -> impl Iterator<Item = Option<&str>> {
        self.0.iter().map(|(_, v)| v.as_deref())
    }

    /// The place named at the start of `text`.
    fn at(&self, text: &str) -> Option<&(&'static str, Option<String>)> {
        self.0.iter().find(|(name, _)| text.starts_with(name))
    }

    // Both run on every path glob of every rule a call decodes: one pass over the braces.
    fn named_in(&self, pattern: &str) -> bool {
        memchr::memchr_iter(b'{', pattern.as_bytes()).any(|i| self.at(&pattern[i..]).is_some())
    }

    /// `pattern` with every place replaced (values are not read again for places); `None`
    /// when it names one this machine lacks.
    fn substitute(&self, pattern: &str) -> Option<String> {
        let mut out = String::with_capacity(pattern.len() + 32);
        let mut rest = pattern;
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            match self.at(rest) {
                Some((name, value)) => {
                    out.push_str(value.as_deref()?);
                    rest = &rest[name.len()..];
                }
                None => {
                    out.push('{');
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        Some(out)
    }
}

/// A list of globs (`*` stays within one path component, `**` crosses them). Matching uses
/// small automata built once per process ([`super::overlap::Matcher`]); globset checks the
/// syntax so lint reports bad patterns the way users know them.
#[derive(Debug)]
pub struct Globs {
    patterns: Vec<String>,
    /// The patterns as written, when they name places (`{HOME}`) substituted into
    /// `patterns`: what a cached pack keeps, so its entry holds for any user and folder.
    written: Option<Vec<String>>,
    /// Built one by one, when a pattern's cheap tests cannot settle a path.
    matchers: Vec<OnceLock<Matcher>>,
    /// For each `**/a/b/c` pattern, its folder prefixes `**/a` and `**/a/b`: a recursive
    /// effect on a folder they match reaches the pattern.
    floating_dirs: OnceLock<Vec<Matcher>>,
}

impl Globs {
    pub fn new(patterns: Vec<String>) -> Self {
        Self {
            matchers: patterns.iter().map(|_| OnceLock::new()).collect(),
            patterns,
            written: None,
            floating_dirs: OnceLock::new(),
        }
    }

    /// Patterns naming places (`{HOME}`), each replaced by its value here; a pattern naming
    /// a place this machine does not have is dropped.
    pub fn placed(written: Vec<String>, places: &Places) -> Self {
        if !written.iter().any(|p| places.named_in(p)) {
            return Self::new(written);
        }
        let patterns = written
            .iter()
            .filter_map(|p| places.substitute(p))
            .collect();
        Self {
            written: Some(written),
            ..Self::new(patterns)
        }
    }

    /// Substitute places into patterns read back as written (from a cached pack).
    pub fn place(&mut self, places: &Places) {
        if self.written.is_none() && self.patterns.iter().any(|p| places.named_in(p)) {
            let written = std::mem::take(&mut self.patterns);
            *self = Self::placed(written, places);
        }
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    fn matcher(&self, i: usize) -> &Matcher {
        self.matchers[i].get_or_init(|| Matcher::new(&self.patterns[i]))
    }

    /// A pattern's fixed start: what every path it matches begins with.
    fn fixed_start(&self, i: usize) -> &str {
        let p = self.patterns[i].as_str();
        &p[..p.find(['*', '?', '[', '{', '\\']).unwrap_or(p.len())]
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
        Ok((0..self.patterns.len()).any(|i| self.matches_one(i, text)))
    }

    /// The patterns that match `text`.
    pub fn matching(&self, text: &str) -> Result<Vec<&str>, String> {
        Ok((0..self.patterns.len())
            .filter(|i| self.matches_one(*i, text))
            .map(|i| self.patterns[i].as_str())
            .collect())
    }

    /// Does pattern `i` match the literal path `text`? A pattern without wildcards is
    /// compared as it is, one whose fixed start `text` lacks cannot match, and a `**/name`
    /// is a suffix: most of a rule's patterns are settled without building its automaton
    /// (building every pattern of the self-protection pack cost a tenth of a 1 KiB call).
    fn matches_one(&self, i: usize, text: &str) -> bool {
        let pattern = self.patterns[i].as_str();
        let special = |c: char| matches!(c, '*' | '?' | '[' | '{' | '\\');
        match pattern.find(special) {
            None => return pattern == text,
            Some(at) if !text.starts_with(&pattern[..at]) => return false,
            _ => {}
        }
        if let Some(name) = pattern.strip_prefix("**/")
            && !name.contains(special)
        {
            // `**` stands for at least one component here (`**/.env` is not `/.env`).
            return text.len() > name.len() + 1 && text.ends_with(&pattern[2..]);
        }
        self.matcher(i).matches(text)
    }

    /// Could the shell glob `glob` (an absolute path with wildcards) expand to a path
    /// these patterns match? (See [`super::overlap`].)
    pub fn overlaps(&self, glob: &str) -> bool {
        // Two globs can only meet where one's fixed start begins the other's.
        let word_start = &glob[..glob.find(['*', '?', '[', '{', '\\']).unwrap_or(glob.len())];
        let mut nfa = None;
        (0..self.patterns.len()).any(|i| {
            let start = self.fixed_start(i);
            (word_start.starts_with(start) || start.starts_with(word_start))
                && self.matcher(i).overlaps(
                    glob,
                    nfa.get_or_insert_with(|| super::overlap::Nfa::word(glob)),
                )
        })
    }

    /// Could something under `dir` (a recursive effect) match? Patterns with a fixed start
    /// count, and `**/a/b` patterns when `dir` is an `a` folder: `**/.env` alone would match
    /// under every folder, but `git checkout REV -- x/.claude` reaches `**/.claude/settings.json`.
    pub fn under(&self, dir: &str) -> bool {
        let dir_trimmed = dir.trim_end_matches('/');
        if self
            .floating_dirs
            .get_or_init(|| {
                self.patterns
                    .iter()
                    .filter_map(|p| p.strip_prefix("**/"))
                    .flat_map(|tail| {
                        let parts: Vec<&str> = tail.split('/').collect();
                        (1..parts.len())
                            .map(|k| Matcher::new(&format!("**/{}", parts[..k].join("/"))))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .iter()
            .any(|m| m.matches(dir_trimmed))
        {
            return true;
        }
        let escaped: String = dir
            .chars()
            .flat_map(|c| {
                let esc = matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\');
                esc.then_some('\\').into_iter().chain(std::iter::once(c))
            })
            .collect();
        let below = format!("{}/**", escaped.trim_end_matches('/'));
        let mut nfa = None;
        let dir_start = dir.trim_end_matches('/');
        (0..self.patterns.len()).any(|i| {
            let start = self.fixed_start(i);
            !self.patterns[i].starts_with('*')
                && (start.starts_with(dir_start) || dir_start.starts_with(start))
                && self.matcher(i).overlaps(
                    &below,
                    nfa.get_or_insert_with(|| super::overlap::Nfa::word(&below)),
                )
        })
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
        // Exact names are stored lower-case; no allocation for the common case (every rule
        // asks this of the tool name, and command rules of every command's program).
        if self.exact.iter().any(|e| e.eq_ignore_ascii_case(name)) {
            return Ok(true);
        }
        match &self.globs {
            Some(g) => g.is_match(&name.to_ascii_lowercase()),
            None => Ok(false),
        }
    }

    pub fn display(&self) -> String {
        self.written.join(", ")
    }

    /// The names, lower-case, when none is a glob: what a name must equal (ASCII case
    /// ignored) for [`Names::matches`] to say yes.
    pub fn exact_only(&self) -> Option<&[String]> {
        self.globs.is_none().then_some(self.exact.as_slice())
    }
}

/// A match's whole range and its secret's range.
pub type WholeAndSecret = (std::ops::Range<usize>, std::ops::Range<usize>);

/// A regex over bytes.
#[derive(Debug)]
pub struct Pattern {
    source: String,
    regex: OnceLock<Result<regex::bytes::Regex, String>>,
    /// Literals one of which every match contains (lower-case), when the pattern has any:
    /// a text without them is answered without compiling the regex.
    required: OnceLock<Option<Vec<Vec<u8>>>>,
}

impl Pattern {
    pub fn new(source: String) -> Self {
        Self {
            source,
            regex: OnceLock::new(),
            required: OnceLock::new(),
        }
    }

    /// Can `text` hold a match at all? False only when none of the literals every match
    /// contains is in it (ASCII case ignored, which only widens the test).
    fn may_match(&self, text: &[u8]) -> bool {
        let required = self
            .required
            .get_or_init(|| required_literals(&self.source));
        match required {
            Some(literals) => literals.iter().any(|l| contains_ci(text, l)),
            None => true,
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Literals one of which every match contains (lower-case; ASCII case is ignored when
    /// they are looked for), when the pattern has a set worth testing.
    pub fn required(&self) -> Option<&[Vec<u8>]> {
        self.required
            .get_or_init(|| required_literals(&self.source))
            .as_deref()
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
        // As `find`: a text without any literal every match needs is not compiled for.
        if !self.may_match(text) {
            return Ok(Vec::new());
        }
        let re = match self.compiled() {
            Ok(re) => re,
            Err(e) => return Err(e.clone()),
        };
        // The next search starts where the secret ends, not where the match ends: a pattern
        // that ends on a delimiter (`...(?:[\s,;]|$)`) would otherwise eat the newline the
        // next line's match starts on (`A_SECRET=...\nB_SECRET=...` found only `A`).
        let mut out = Vec::new();
        let mut at = 0;
        while at <= text.len() {
            let Some(c) = re.captures_at(text, at) else {
                break;
            };
            let Some(whole) = c.get(0) else { break };
            let secret = c.name("secret").or_else(|| c.get(1)).unwrap_or(whole);
            out.push((whole.range(), secret.range()));
            at = if secret.end() > whole.start() {
                secret.end()
            } else {
                whole.end()
            }
            .max(whole.start() + 1);
        }
        Ok(out)
    }

    /// The first match, as a byte range.
    pub fn find(&self, text: &str) -> Result<Option<std::ops::Range<usize>>, String> {
        if !self.may_match(text.as_bytes()) {
            return Ok(None);
        }
        match self.compiled() {
            Ok(re) => Ok(re.find(text.as_bytes()).map(|m| m.range())),
            Err(e) => Err(e.clone()),
        }
    }
}

// Cached packs (see `super::cache`) keep what was written; matchers are built on first use
// as for a pack read from TOML. A pattern keeps its required literals, so a cached pack
// does not parse its regexes again.
impl serde::Serialize for Globs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.written.as_ref().unwrap_or(&self.patterns).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Globs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Globs::new)
    }
}

impl serde::Serialize for Names {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.written.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Names {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Names::new)
    }
}

impl serde::Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let required = self
            .required
            .get_or_init(|| required_literals(&self.source));
        (&self.source, required).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (source, required) = <(String, Option<Vec<Vec<u8>>>)>::deserialize(d)?;
        Ok(Self {
            source,
            regex: OnceLock::new(),
            required: OnceLock::from(required),
        })
    }
}

/// Shortest literal worth testing for: shorter ones are in most texts anyway.
const MIN_REQUIRED: usize = 3;

/// What a sub-pattern says about literals: it matches exactly this text (ASCII case
/// ignored), or every match contains one of these, or nothing is known.
enum Literals {
    Exact(Vec<u8>),
    OneOf(Vec<Vec<u8>>),
    Unknown,
}

/// The literals one of which every match of `source` contains, lower-case; `None` when
/// there is no such set of useful length (or the pattern does not parse: compiling it
/// reports that). Parsing is a small part of compiling, so this is cheap to ask first.
fn required_literals(source: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .nest_limit(100)
        .build()
        .parse(source)
        .ok()?;
    let set = match literals_of(&hir) {
        Literals::Exact(l) => vec![l],
        Literals::OneOf(set) => set,
        Literals::Unknown => return None,
    };
    (set.iter().all(|l| l.len() >= MIN_REQUIRED)).then_some(set)
}

fn literals_of(hir: &regex_syntax::hir::Hir) -> Literals {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Literals::Exact(Vec::new()),
        HirKind::Literal(l) => Literals::Exact(l.0.to_ascii_lowercase()),
        HirKind::Class(class) => {
            // One byte, or an ASCII letter in both cases (what `(?i)` makes of a letter).
            let bytes: Vec<u8> = match class {
                Class::Bytes(c) => c
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .take(3)
                    .collect(),
                Class::Unicode(c) => c
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .take(3)
                    .map(|ch| u8::try_from(ch).unwrap_or(0x80))
                    .collect(),
            };
            match bytes.as_slice() {
                [b] if b.is_ascii() => Literals::Exact(vec![b.to_ascii_lowercase()]),
                [upper, lower]
                    if upper.is_ascii_uppercase() && *lower == upper.to_ascii_lowercase() =>
                {
                    Literals::Exact(vec![*lower])
                }
                _ => Literals::Unknown,
            }
        }
        HirKind::Capture(c) => literals_of(&c.sub),
        HirKind::Repetition(r) if r.min == 0 => Literals::Unknown,
        HirKind::Repetition(r) => match literals_of(&r.sub) {
            Literals::Exact(l) if r.max == Some(1) => Literals::Exact(l),
            Literals::Exact(l) => Literals::OneOf(vec![l]),
            other => other,
        },
        HirKind::Alternation(alternatives) => {
            let mut set = Vec::new();
            for alternative in alternatives {
                match literals_of(alternative) {
                    Literals::Exact(l) => set.push(l),
                    Literals::OneOf(more) => set.extend(more),
                    Literals::Unknown => return Literals::Unknown,
                }
            }
            Literals::OneOf(set)
        }
        HirKind::Concat(items) => {
            // Runs of exact items join into one literal; the best candidate is the run or
            // item set whose shortest literal is longest.
            let mut candidates: Vec<Vec<Vec<u8>>> = Vec::new();
            let (mut run, mut all_exact) = (Vec::new(), true);
            for item in items {
                match literals_of(item) {
                    Literals::Exact(l) => run.extend(l),
                    other => {
                        all_exact = false;
                        if !run.is_empty() {
                            candidates.push(vec![std::mem::take(&mut run)]);
                        }
                        if let Literals::OneOf(set) = other {
                            candidates.push(set);
                        }
                    }
                }
            }
            if all_exact {
                return Literals::Exact(run);
            }
            if !run.is_empty() {
                candidates.push(vec![run]);
            }
            let shortest = |set: &Vec<Vec<u8>>| set.iter().map(Vec::len).min().unwrap_or(0);
            match candidates.into_iter().max_by_key(shortest) {
                Some(best) if shortest(&best) > 0 => Literals::OneOf(best),
                _ => Literals::Unknown,
            }
        }
    }
}

/// Does `haystack` contain `needle`, ignoring ASCII case?
pub fn contains_ci(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return false;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    // memchr finds the first byte (either case) in SIMD strides; a window-by-window
    // comparison cost 40% of a 1 MiB Write's time.
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lower, upper, &haystack[..=last_start])
        .any(|i| haystack[i + 1..i + needle.len()].eq_ignore_ascii_case(rest))
}

#[cfg(test)]
mod fast_match_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcuts answer as the automaton does, for the shapes rules are written in.
        #[test]
        fn shortcuts_agree_with_the_automaton(
            // Components as lexically normal paths have them: never `.` or `..`; dot files too.
            dirs in proptest::collection::vec("\\.?[a-c][a-c.]{0,2}", 1..5),
            pattern_kind in 0usize..5,
            cut in 0usize..5,
        ) {
            let text = format!("/{}", dirs.join("/"));
            let parts: Vec<&str> = dirs.iter().map(String::as_str).collect();
            let k = cut.min(parts.len());
            let pattern = match pattern_kind {
                0 => format!("/{}", parts[..k].join("/")),
                1 => format!("/{}/**", parts[..k].join("/")),
                2 => format!("**/{}", parts[k.min(parts.len() - 1)..].join("/")),
                3 => format!("/{}/*", parts[..k].join("/")),
                _ => format!("**/{}*", parts[parts.len() - 1]),
            };
            let globs = Globs::new(vec![pattern.clone()]);
            let automaton = Matcher::new(&pattern).matches(&text);
            prop_assert_eq!(globs.is_match(&text).unwrap(), automaton, "{} against {}", pattern, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (session 21): a match that ends on its delimiter left the next line's
    /// assignment unfound (`A_SECRET=...\nB_SECRET=...` gave only `A`).
    #[test]
    fn captures_after_a_match_that_ate_its_delimiter() {
        let p = Pattern::new(r"(?:^|\s)[A-Z_]+=(?P<secret>[a-z0-9]+)(?:\s|$)".into());
        let text = b"A_KEY=one1\nB_SECRET=two2\nC=three3";
        let secrets: Vec<&[u8]> = p
            .captures(text)
            .unwrap()
            .into_iter()
            .map(|(_, s)| &text[s])
            .collect();
        assert_eq!(secrets, [&b"one1"[..], b"two2", b"three3"]);
    }

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
    fn required_literals_are_what_every_match_contains() {
        let lits = |s: &str| {
            required_literals(s).map(|set| {
                set.into_iter()
                    .map(|l| String::from_utf8(l).unwrap())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            lits(r"(?i)\bsecretword00012\b"),
            Some(vec!["secretword00012".into()])
        );
        assert_eq!(
            lits(r"\b(?:DROP|truncate)\s+TABLE"),
            Some(vec!["table".into()])
        );
        assert_eq!(
            lits(r"(?:curl|wget)\s+\S+"),
            Some(vec!["curl".into(), "wget".into()])
        );
        assert_eq!(lits(r"(ab)+cd"), None, "`ab` and `cd` are too short");
        assert_eq!(lits(r"a.*b"), None);
        assert_eq!(lits(r"(?:foo)?bar?"), None);
        assert_eq!(lits("(unclosed"), None);
    }

    proptest::proptest! {
        /// A text the literal test rules out never holds a match.
        #[test]
        fn ruled_out_texts_never_match(
            pattern in r"(\(\?i\))?((abc|xyz)|[a-c]|\.|\+|\?|\||\\b|\\s|ab|bca){1,8}",
            text in r"[abcxyzABCXYZ .\n]{0,40}",
        ) {
            if let Ok(re) = regex::bytes::RegexBuilder::new(&pattern).unicode(false).build() {
                let p = Pattern::new(pattern.clone());
                if !p.may_match(text.as_bytes()) {
                    proptest::prop_assert!(!re.is_match(text.as_bytes()));
                }
            }
        }
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
    use crate::gate::Gate;
    use crate::pack::Block;

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
