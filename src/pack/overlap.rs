//! Can two globs match a common path? A command's word `~/.ss?/id_rsa` or `.e*` is a shell
//! glob; a rule's pattern `{HOME}/.ssh/id_*` or `**/.env` is a glob too. The shell would
//! expand the word to whatever exists; toolgate does not look at the file system, so the
//! word counts as matching the rule when some path could match both.
//!
//! Each glob becomes a small NFA over characters; the intersection is non-empty when the
//! product automaton reaches both accepting states. Linear in the product of the lengths.

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

#[derive(Debug, Default)]
struct Nfa {
    trans: Vec<Vec<(Chars, usize)>>,
    eps: Vec<Vec<usize>>,
    accept: usize,
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
        nfa
    }

    fn closure(&self, start: usize, out: &mut Vec<usize>) {
        let mut stack = vec![start];
        while let Some(s) = stack.pop() {
            if out.contains(&s) {
                continue;
            }
            out.push(s);
            stack.extend(self.eps[s].iter().copied());
        }
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

/// Could some path match both the rule `pattern` (globset syntax) and the shell glob
/// `word` (an absolute path with wildcards)?
///
/// A pattern that starts with `**/` names files wherever they are (`**/.env`); it is
/// compared with the word's last names only, and a `**` in the word supplies none: `src/**/
/// *.ts` does not reach `**/.ssh/id_*` just because some folder under src could be called
/// `.ssh`. Recursive effects on a folder are matched with anchored patterns instead.
pub fn overlaps(pattern: &str, word: &str) -> bool {
    if pattern.len() > MAX_GLOB || word.len() > MAX_GLOB {
        return true;
    }
    alternatives(pattern)
        .iter()
        .any(|p| match p.strip_prefix("**/") {
            Some(tail) if !tail.contains("**") => tail_overlaps(tail, word),
            _ => product_accepts(&Nfa::build(p, false), &Nfa::build(word, true)),
        })
}

/// The names of `tail` against the last names of `word`, one by one from the end.
fn tail_overlaps(tail: &str, word: &str) -> bool {
    let want: Vec<&str> = tail.split('/').collect();
    let have: Vec<&str> = word.split('/').filter(|c| !c.is_empty()).collect();
    if have.len() < want.len() {
        return false;
    }
    want.iter().rev().zip(have.iter().rev()).all(|(w, h)| {
        !h.contains("**") && product_accepts(&Nfa::build(w, false), &Nfa::build(h, true))
    })
}

fn product_accepts(a: &Nfa, b: &Nfa) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut stack = Vec::new();
    let (mut ca, mut cb) = (Vec::new(), Vec::new());
    a.closure(0, &mut ca);
    b.closure(0, &mut cb);
    for x in &ca {
        for y in &cb {
            stack.push((*x, *y));
        }
    }
    while let Some((x, y)) = stack.pop() {
        if !seen.insert((x, y)) {
            continue;
        }
        if x == a.accept && y == b.accept {
            return true;
        }
        for (ta, na) in &a.trans[x] {
            for (tb, nb) in &b.trans[y] {
                if intersect(ta, tb) {
                    let (mut ea, mut eb) = (Vec::new(), Vec::new());
                    a.closure(*na, &mut ea);
                    b.closure(*nb, &mut eb);
                    for p in &ea {
                        for q in &eb {
                            if !seen.contains(&(*p, *q)) {
                                stack.push((*p, *q));
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

    #[test]
    fn classes_and_escapes() {
        assert!(overlaps("/x/[a-c]", "/x/b"));
        assert!(!overlaps("/x/[a-c]", "/x/[!a-c]"));
        assert!(overlaps("/x/\\*", "/x/*"));
    }
}
