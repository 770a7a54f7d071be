//! Can two globs match a common path? A command's word `~/.ss?/id_rsa` or `.e*` is a shell
//! glob; a rule's pattern `{HOME}/.ssh/id_*` or `**/.env` is a glob too. The shell would
//! expand the word to whatever exists; toolgate does not look at the file system, so the
//! word counts as matching the rule when some path could match both.
//!
//! Each glob becomes a small NFA over characters; the intersection is non-empty when the
//! product automaton reaches both accepting states. Linear in the product of the lengths.
//!
//! The same automata match literal paths ([`Matcher`]): built once per process without a
//! regex compiler (globset's compile cost about 0.8 ms per call on the hook path for the
//! credential patterns alone), with a literal prefilter so most patterns are skipped with
//! one substring search.

/// Longest glob compiled; longer ones are assumed to overlap (fail towards stopping).
const MAX_GLOB: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
enum Chars {
    One(char),
    /// Any character but `/`.
    NonSlash,
    /// Any character but `/` and `.` (a shell wildcard at the start of a name skips dotfiles).
    NonSlashNonDot,
    /// Any character at all (`**`).
    Any,
    Class {
        ranges: Vec<(char, char)>,
        negated: bool,
    },
}

impl Chars {
    fn contains(&self, c: char) -> bool {
        match self {
            Chars::One(x) => *x == c,
            Chars::NonSlash => c != '/',
            Chars::NonSlashNonDot => c != '/' && c != '.',
            Chars::Any => true,
            Chars::Class { ranges, negated } => {
                c != '/' && (ranges.iter().any(|(a, b)| *a <= c && c <= *b) != *negated)
            }
        }
    }

    fn samples(&self, out: &mut Vec<char>) {
        match self {
            Chars::One(c) => out.push(*c),
            Chars::Class { ranges, .. } => {
                for (a, b) in ranges {
                    out.push(*a);
                    out.push(*b);
                }
            }
            _ => {}
        }
    }
}

fn intersect(a: &Chars, b: &Chars) -> bool {
    let mut candidates = vec!['a', 'Z', '0', '_', '-', '.', '/', '~', '\u{e000}'];
    a.samples(&mut candidates);
    b.samples(&mut candidates);
    candidates.iter().any(|c| a.contains(*c) && b.contains(*c))
}

#[derive(Debug, Default, Clone)]
pub struct Nfa {
    trans: Vec<Vec<(Chars, usize)>>,
    eps: Vec<Vec<usize>>,
    accept: usize,
    /// Each state's epsilon closure, computed once.
    closures: Vec<Vec<usize>>,
}

impl Nfa {
    fn state(&mut self) -> usize {
        self.trans.push(Vec::new());
        self.eps.push(Vec::new());
        self.trans.len() - 1
    }

    /// Build from a glob. `shell`: wildcards at the start of a name do not match a dot
    /// (bash without dotglob); rule patterns (globset) do not have that rule.
    fn build(glob: &str, shell: bool) -> Nfa {
        let mut nfa = Nfa::default();
        let mut at = nfa.state();
        let chars: Vec<char> = glob.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let name_start = i == 0 || chars[i - 1] == '/';
            match c {
                '*' if chars.get(i + 1) == Some(&'*') && name_start => {
                    let next = nfa.state();
                    let lp = nfa.state();
                    if chars.get(i + 2) == Some(&'/') {
                        // `**/`: zero or more whole names.
                        nfa.eps[at].push(next);
                        nfa.trans[at].push((Chars::Any, lp));
                        nfa.trans[lp].push((Chars::Any, lp));
                        nfa.trans[lp].push((Chars::One('/'), next));
                        i += 3;
                    } else {
                        // `/**` at the end (or a bare `**`): one or more characters.
                        nfa.trans[at].push((Chars::Any, lp));
                        nfa.trans[lp].push((Chars::Any, lp));
                        nfa.eps[lp].push(next);
                        i += 2;
                        while chars.get(i) == Some(&'*') {
                            i += 1;
                        }
                    }
                    at = next;
                    continue;
                }
                '*' => {
                    let next = nfa.state();
                    if shell && name_start {
                        let lp = nfa.state();
                        nfa.eps[at].push(next);
                        nfa.trans[at].push((Chars::NonSlashNonDot, lp));
                        nfa.trans[lp].push((Chars::NonSlash, lp));
                        nfa.eps[lp].push(next);
                    } else {
                        nfa.trans[at].push((Chars::NonSlash, at));
                        nfa.eps[at].push(next);
                    }
                    while chars.get(i + 1) == Some(&'*') {
                        i += 1;
                    }
                    at = next;
                }
                '?' => {
                    let next = nfa.state();
                    let set = if shell && name_start {
                        Chars::NonSlashNonDot
                    } else {
                        Chars::NonSlash
                    };
                    nfa.trans[at].push((set, next));
                    at = next;
                }
                '[' => {
                    let (class, end) = parse_class(&chars, i);
                    let next = nfa.state();
                    nfa.trans[at].push((class, next));
                    at = next;
                    i = end;
                }
                '\\' if i + 1 < chars.len() => {
                    let next = nfa.state();
                    nfa.trans[at].push((Chars::One(chars[i + 1]), next));
                    at = next;
                    i += 1;
                }
                _ => {
                    let next = nfa.state();
                    nfa.trans[at].push((Chars::One(c), next));
                    at = next;
                }
            }
            i += 1;
        }
        nfa.accept = at;
        nfa.closures = (0..nfa.trans.len())
            .map(|s| {
                let mut out = Vec::new();
                let mut stack = vec![s];
                while let Some(x) = stack.pop() {
                    if !out.contains(&x) {
                        out.push(x);
                        stack.extend(nfa.eps[x].iter().copied());
                    }
                }
                out
            })
            .collect();
        nfa
    }

    /// A shell word as an automaton, to compare with many patterns.
    pub fn word(word: &str) -> Nfa {
        Nfa::build(word, true)
    }
}

/// `[abc]`, `[a-z]`, `[!x]`, `[^x]`; returns the class and the index of `]`. An unclosed
/// `[` is a literal.
fn parse_class(chars: &[char], open: usize) -> (Chars, usize) {
    let mut i = open + 1;
    let negated = matches!(chars.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let start = i;
    while i < chars.len() && (chars[i] != ']' || i == start) {
        if i + 2 < chars.len() && chars[i + 1] == '-' && chars[i + 2] != ']' {
            ranges.push((chars[i], chars[i + 2]));
            i += 3;
        } else {
            ranges.push((chars[i], chars[i]));
            i += 1;
        }
    }
    if i >= chars.len() {
        return (Chars::One('['), open);
    }
    (Chars::Class { ranges, negated }, i)
}

/// `{a,b}` alternatives in a rule pattern, expanded (globset syntax).
fn alternatives(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_string()];
    };
    let Some(close) = pattern[open..].find('}').map(|c| open + c) else {
        return vec![pattern.to_string()];
    };
    let (head, body, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let mut out = Vec::new();
    for alt in body.split(',') {
        for rest in alternatives(tail) {
            if out.len() < 64 {
                out.push(format!("{head}{alt}{rest}"));
            }
        }
    }
    out
}

/// One rule pattern (globset syntax), compiled for matching paths and words.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// One per `{a,b}` alternative.
    alternatives: Vec<Alternative>,
    /// `**/NAME...`: compared name by name from the end (see [`overlaps`]).
    tail: Option<Lazy<Vec<Nfa>>>,
    too_long: bool,
    /// The literal text after the pattern's last wildcard: every match ends with it.
    literal_end: String,
}

/// The text after a glob's last special character: every path it matches ends with it.
fn literal_end(glob: &str) -> &str {
    glob.rfind(['*', '?', '[', ']', '{', '}', '\\'])
        .map_or(glob, |i| &glob[i + 1..])
}

/// One alternative of a pattern: the literal every match contains and the fixed text every
/// match starts with decide most calls; the automaton is built only when they pass (a
/// built-in policy has hundreds of path patterns, and a call reaches few of them).
#[derive(Debug, Clone)]
struct Alternative {
    nfa: Lazy<Nfa>,
    literal: String,
    prefix: String,
}

/// A glob and what it compiles to, compiled on first use.
#[derive(Debug, Clone)]
struct Lazy<T> {
    glob: String,
    built: std::sync::OnceLock<T>,
}

impl<T> Lazy<T> {
    fn new(glob: &str) -> Self {
        Self {
            glob: glob.to_string(),
            built: std::sync::OnceLock::new(),
        }
    }
}

impl Lazy<Nfa> {
    fn get(&self) -> &Nfa {
        self.built.get_or_init(|| Nfa::build(&self.glob, false))
    }
}

impl Lazy<Vec<Nfa>> {
    fn get(&self) -> &[Nfa] {
        self.built
            .get_or_init(|| self.glob.split('/').map(|c| Nfa::build(c, false)).collect())
    }

    fn components(&self) -> usize {
        self.glob.split('/').count()
    }
}

impl Matcher {
    pub fn new(pattern: &str) -> Self {
        let too_long = pattern.len() > MAX_GLOB;
        let alternatives = if too_long {
            Vec::new()
        } else {
            alternatives(pattern)
                .iter()
                .map(|p| Alternative {
                    nfa: Lazy::new(p),
                    literal: longest_literal(p),
                    prefix: fixed_prefix(p).to_string(),
                })
                .collect()
        };
        let tail = match pattern.strip_prefix("**/") {
            Some(t) if !too_long && !t.contains("**") && !t.contains('{') => Some(Lazy::new(t)),
            _ => None,
        };
        Self {
            alternatives,
            tail,
            too_long,
            literal_end: literal_end(pattern).to_string(),
        }
    }

    /// Does the literal path `text` match?
    pub fn matches(&self, text: &str) -> bool {
        self.alternatives.iter().any(|a| {
            text.starts_with(a.prefix.as_str())
                && text.contains(a.literal.as_str())
                && a.nfa.get().accepts(text)
        })
    }

    /// Could the shell glob `word` expand to a path this pattern matches? `nfa` is
    /// [`Nfa::word`] of it, built once for all patterns.
    pub fn overlaps(&self, word: &str, nfa: &Nfa) -> bool {
        if self.too_long || word.len() > MAX_GLOB {
            return true;
        }
        // A path both reach ends with both literal ends, so one ends the other (ASCII case
        // ignored, which only widens the test): `**/*.pyc` never meets `**/.env`, and no
        // automaton is built to say so.
        self.ends_can_meet(word) && self.overlaps_by_automata(word, nfa)
    }

    fn ends_can_meet(&self, word: &str) -> bool {
        // Compared within the last name only: paths are matched name by name, so a
        // trailing or doubled `/` does not count (`/*/` reaches `**/A`).
        let last_name = |end: &str| {
            let end = end.trim_end_matches('/');
            end.rsplit('/').next().unwrap_or(end).to_string()
        };
        let (a, b) = (last_name(&self.literal_end), last_name(literal_end(word)));
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        long[long.len() - short.len()..].eq_ignore_ascii_case(short)
    }

    fn overlaps_by_automata(&self, word: &str, nfa: &Nfa) -> bool {
        if let Some(tail) = &self.tail {
            let have: Vec<&str> = word.split('/').filter(|c| !c.is_empty()).collect();
            if have.len() < tail.components() {
                return false;
            }
            return tail
                .get()
                .iter()
                .rev()
                .zip(have.iter().rev())
                .all(|(w, h)| !h.contains("**") && product_accepts(w, &Nfa::build(h, true)));
        }
        // Two globs can only meet if one's fixed start is a prefix of the other's.
        let word_prefix = fixed_prefix(word);
        self.alternatives.iter().any(|a| {
            (word_prefix.starts_with(a.prefix.as_str()) || a.prefix.starts_with(word_prefix))
                && product_accepts(a.nfa.get(), nfa)
        })
    }
}

/// The text before a glob's first wildcard or escape.
fn fixed_prefix(glob: &str) -> &str {
    let end = glob.find(['*', '?', '[', '{', '\\']).unwrap_or(glob.len());
    &glob[..end]
}

/// The longest run of plain characters in a glob: every path it matches contains it.
fn longest_literal(pattern: &str) -> String {
    let mut best = String::new();
    let mut current = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' | '[' | '{' | '}' | ']' => {
                if current.len() > best.len() {
                    best = std::mem::take(&mut current);
                }
                current.clear();
                if c == '[' {
                    for d in chars.by_ref() {
                        if d == ']' {
                            break;
                        }
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            _ => current.push(c),
        }
    }
    if current.len() > best.len() {
        best = current;
    }
    best
}

impl Nfa {
    /// Does the automaton accept the literal `text`?
    fn accepts(&self, text: &str) -> bool {
        let n = self.trans.len();
        let mut current = vec![false; n];
        let mut next = vec![false; n];
        for &s in &self.closures[0] {
            current[s] = true;
        }
        for c in text.chars() {
            next.iter_mut().for_each(|x| *x = false);
            let mut any = false;
            for (s, _) in current.iter().enumerate().filter(|(_, on)| **on) {
                for (set, to) in &self.trans[s] {
                    if set.contains(c) {
                        for &t in &self.closures[*to] {
                            next[t] = true;
                            any = true;
                        }
                    }
                }
            }
            if !any {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
        }
        current[self.accept]
    }
}

/// Could some path match both the rule `pattern` (globset syntax) and the shell glob
/// `word` (an absolute path with wildcards)?
///
/// A pattern that starts with `**/` names files wherever they are (`**/.env`); it is
/// compared with the word's last names only, and a `**` in the word supplies none: `src/**/
/// *.ts` does not reach `**/.ssh/id_*` just because some folder under src could be called
/// `.ssh`. Recursive effects on a folder are matched with anchored patterns instead.
pub fn overlaps(pattern: &str, word: &str) -> bool {
    Matcher::new(pattern).overlaps(word, &Nfa::word(word))
}

fn product_accepts(a: &Nfa, b: &Nfa) -> bool {
    let width = b.trans.len();
    let mut seen = vec![false; a.trans.len() * width];
    let mut stack = Vec::new();
    for &x in &a.closures[0] {
        for &y in &b.closures[0] {
            stack.push((x, y));
        }
    }
    while let Some((x, y)) = stack.pop() {
        if std::mem::replace(&mut seen[x * width + y], true) {
            continue;
        }
        if x == a.accept && y == b.accept {
            return true;
        }
        for (ta, na) in &a.trans[x] {
            for (tb, nb) in &b.trans[y] {
                if intersect(ta, tb) {
                    for &p in &a.closures[*na] {
                        for &q in &b.closures[*nb] {
                            if !seen[p * width + q] {
                                stack.push((p, q));
                            }
                        }
                    }
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_globs_that_can_reach_a_protected_path_overlap() {
        assert!(overlaps("/home/dev/.ssh/id_*", "/home/dev/.ss?/id_rsa"));
        assert!(overlaps("/home/dev/.ssh/id_*", "/home/dev/.ssh/*"));
        assert!(overlaps(
            "/home/dev/.ssh/id_*",
            "/home/dev/.ss[h]/id_ed25519"
        ));
        assert!(overlaps("**/.env", "/home/dev/project/.e*"));
        assert!(overlaps("**/.env.*", "/home/dev/project/.env*"));
        assert!(overlaps("/home/dev/*", "/home/dev/*"));
        assert!(overlaps("/home/dev/.ssh/id_*", "/home/dev/**"));
        assert!(overlaps("**/.ssh/id_*", "/home/dev/.ss?/id_rsa"));
        assert!(overlaps(
            "/home/dev/{.aws,.azure}/**",
            "/home/dev/.a*/credentials"
        ));
    }

    #[test]
    fn globs_that_cannot_meet_do_not_overlap() {
        // A leading `*` does not match dotfiles in the shell.
        assert!(!overlaps("**/.env", "/home/dev/project/*"));
        assert!(!overlaps("**/*.key", "/home/dev/project/src/**/*.ts"));
        assert!(!overlaps("/*", "/tmp/*"));
        assert!(!overlaps("/home/dev/*", "/home/dev/project/**"));
        assert!(!overlaps("/home/dev/.ssh/id_*", "/home/dev/.ssh/*.pub/x"));
        assert!(!overlaps("/etc/*", "/tmp/[ab]*"));
        // A `**` in the word supplies no names for `**/NAME` patterns.
        assert!(!overlaps("**/.ssh/id_*", "/home/dev/project/src/**/*.ts"));
        assert!(!overlaps("**/.git", "/home/dev/project/**"));
    }

    fn glob() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let part = prop_oneof![
            Just("a"),
            Just("b"),
            Just("."),
            Just("/"),
            Just("*"),
            Just("?"),
            Just("**/"),
            Just("[ab]"),
            Just("{a,.b}"),
            Just("A"),
        ];
        proptest::collection::vec(part, 1..8).prop_map(|p| format!("/{}", p.concat()))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The literal-end test only rules out what the automata would rule out.
        #[test]
        fn ends_that_cannot_meet_never_overlap(pattern in glob(), word in glob()) {
            let m = Matcher::new(&pattern);
            let nfa = Nfa::word(&word);
            if !m.ends_can_meet(&word) {
                proptest::prop_assert!(!m.overlaps_by_automata(&word, &nfa), "{pattern} {word}");
            }
            let tail = format!("**{pattern}");
            let m = Matcher::new(&tail);
            if !m.ends_can_meet(&word) {
                proptest::prop_assert!(!m.overlaps_by_automata(&word, &nfa), "{tail} {word}");
            }
        }
    }

    #[test]
    fn classes_and_escapes() {
        assert!(overlaps("/x/[a-c]", "/x/b"));
        assert!(!overlaps("/x/[a-c]", "/x/[!a-c]"));
        assert!(overlaps("/x/\\*", "/x/*"));
    }
}
