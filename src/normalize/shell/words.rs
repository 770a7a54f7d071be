//! Pure functions of words and text: brace expansion, escapes (`$'...'`, printf), decoders
//! (base64, hex, `tr`), program names, and rough splitting where the parser gave up.

use super::*;

/// Backslash escapes as printf's format and `echo -e` read them: `\n`, `\x72`, `\162`,
/// `\0162`, `\u0072`.
pub fn decode_printf_escapes(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    // printf also takes `\0NNN`; bash's $'...' takes `\NNN`: read a leading 0 as part of up
    // to three more octal digits.
    let mut normalized = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        normalized.push(c);
        if c == '\\' {
            match chars.peek() {
                Some('0') => {
                    chars.next();
                    let mut digits = String::new();
                    while digits.len() < 3 && chars.peek().is_some_and(|d| d.is_digit(8)) {
                        digits.push(chars.next().unwrap_or('0'));
                    }
                    if digits.is_empty() {
                        normalized.push('0');
                    } else {
                        normalized.push_str(&format!("{:03}", digits));
                    }
                }
                Some('\\') => {
                    normalized.push('\\');
                    chars.next();
                }
                _ => {}
            }
        }
    }
    decode_ansi_c(&normalized)
}

/// `~name`: the home directory of another user. The own user's name maps to HOME; root's
/// home is /root; others are assumed under the same parent as HOME (`/home/NAME`).
pub(super) fn user_home(user: &str, home: Option<&str>) -> String {
    if user == "root" {
        return "/root".into();
    }
    match home.and_then(|h| h.rsplit_once('/')) {
        Some((parent, name)) if name == user => format!("{parent}/{name}"),
        Some((parent, _)) if !parent.is_empty() => format!("{parent}/{user}"),
        _ => format!("/home/{user}"),
    }
}

/// Last resort for text that does not parse: split on operators and blanks, drop quotes.
pub(super) fn rough_split(code: &str) -> Vec<Vec<Arg>> {
    let mut commands = Vec::new();
    let normalized = code
        .replace("&&", "\n")
        .replace("||", "\n")
        .replace(['|', ';', '&', '(', ')', '{', '}', '`'], "\n")
        .replace("$(", "\n");
    for line in normalized.lines() {
        let words: Vec<Arg> = line
            .split_whitespace()
            .map(|w| Arg::literal(w.replace(['\'', '"'], "")))
            .filter(|a| !a.text.is_empty())
            .skip_while(|a| {
                matches!(
                    a.text.as_str(),
                    "do" | "then" | "else" | "elif" | "if" | "while" | "until" | "!" | "time"
                )
            })
            .collect();
        if !words.is_empty() {
            commands.push(words);
        }
    }
    commands
}

/// Most words one brace expansion may produce before it is left unexpanded.
pub(super) const MAX_BRACE_WORDS: usize = 256;

/// Bash brace expansion on a raw word (`{rm,-rf,/}`, `/{etc,usr}`, `{1..3}`), skipping
/// quoted text and `${...}`. Returns the word itself when there is nothing to expand.
pub fn brace_expand(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    expand_into(raw, &mut out, 0);
    if out.len() > MAX_BRACE_WORDS || out.is_empty() {
        return vec![raw.to_string()];
    }
    out
}

pub(super) fn expand_into(raw: &str, out: &mut Vec<String>, depth: usize) {
    if depth > 8 || out.len() > MAX_BRACE_WORDS {
        out.push(raw.to_string());
        return;
    }
    let Some((open, close, alternatives)) = find_brace(raw) else {
        out.push(raw.to_string());
        return;
    };
    let (prefix, suffix) = (&raw[..open], &raw[close + 1..]);
    for alt in alternatives {
        expand_into(&format!("{prefix}{alt}{suffix}"), out, depth + 1);
    }
}

/// The first unquoted `{...}` holding a top-level comma or a `a..b` sequence.
pub(super) fn find_brace(raw: &str) -> Option<(usize, usize, Vec<String>)> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    let (mut single, mut double) = (false, false);
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\\' if !single => i += 1,
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'{' if !single && !double && (i == 0 || bytes[i - 1] != b'$') => {
                let mut depth = 0;
                let mut commas = Vec::new();
                let mut j = i;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' => j += 1,
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        b',' if depth == 1 => commas.push(j),
                        _ => {}
                    }
                    j += 1;
                }
                if j < bytes.len() {
                    let inner = &raw[i + 1..j];
                    if !commas.is_empty() {
                        let mut parts = Vec::new();
                        let mut start = i + 1;
                        for c in commas {
                            parts.push(raw[start..c].to_string());
                            start = c + 1;
                        }
                        parts.push(raw[start..j].to_string());
                        return Some((i, j, parts));
                    }
                    if let Some(seq) = sequence(inner) {
                        return Some((i, j, seq));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `1..5`, `a..e` (small ranges only).
pub(super) fn sequence(inner: &str) -> Option<Vec<String>> {
    let (a, b) = inner.split_once("..")?;
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        if (x - y).abs() >= MAX_BRACE_WORDS as i64 {
            return None;
        }
        let range: Vec<i64> = if x <= y {
            (x..=y).collect()
        } else {
            (y..=x).rev().collect()
        };
        return Some(range.into_iter().map(|n| n.to_string()).collect());
    }
    let (x, y) = (a.chars().next()?, b.chars().next()?);
    if a.len() == 1 && b.len() == 1 && x.is_ascii_alphabetic() && y.is_ascii_alphabetic() {
        let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
        return Some((lo..=hi).map(String::from).collect());
    }
    None
}

/// Bodies of `$(...)` and backticks inside opaque text, outermost first.
pub fn extract_substitutions(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'(') && bytes.get(i + 2) != Some(&b'(') {
            let start = i + 2;
            let mut depth = 1;
            let mut j = start;
            while j < bytes.len() && depth > 0 {
                match bytes[j] {
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            let end = if depth == 0 { j - 1 } else { j };
            out.push(text[start..end].to_string());
            i = j;
        } else if bytes[i] == b'`' {
            let start = i + 1;
            let end = text[start..].find('`').map_or(text.len(), |p| start + p);
            out.push(text[start..end].to_string());
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Decode the body of `$'...'` (bash's ANSI-C quoting), which brush-parser leaves encoded.
pub fn decode_ansi_c(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        let mut take_digits = |radix: u32, max: usize| {
            let mut value = 0u32;
            let mut n = 0;
            while n < max {
                match chars.peek().and_then(|d| d.to_digit(radix)) {
                    Some(d) => {
                        value = value * radix + d;
                        chars.next();
                        n += 1;
                    }
                    None => break,
                }
            }
            (value, n)
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'x' => {
                let (v, n) = take_digits(16, 2);
                if n == 0 {
                    out.push_str("\\x");
                } else {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                }
            }
            'u' | 'U' => {
                let (v, n) = take_digits(16, if e == 'u' { 4 } else { 8 });
                if n == 0 {
                    out.push('\\');
                    out.push(e);
                } else {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                }
            }
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            'c' => {
                if let Some(ctl) = chars.next() {
                    out.push(char::from_u32((ctl as u32) & 0x1f).unwrap_or('\u{fffd}'));
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

/// The program's basename as matched by rules.
pub fn program_name(word: &str) -> String {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    let lower = base.to_ascii_lowercase();
    let name = lower
        .strip_suffix(".exe")
        .map(str::to_string)
        .unwrap_or(lower);
    // `lua5.4`, `tclsh8.6`, `ruby3.2`: a runtime's versioned name is the runtime.
    let unversioned = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if unversioned.len() < name.len() && VERSIONED_RUNTIMES.contains(&unversioned) {
        return unversioned.to_string();
    }
    name
}

/// Runtimes installed under versioned names (python's are matched by prefix elsewhere).
const VERSIONED_RUNTIMES: &[&str] = &[
    "lua", "luajit", "tclsh", "wish", "ruby", "perl", "php", "node", "guile", "julia", "pypy",
];

pub(crate) fn resolve_arg(arg: &Arg, cwd: Option<&str>, home: Option<&str>) -> Option<String> {
    if arg.dynamic {
        return None;
    }
    path::resolve(&arg.text, cwd, home)
}

/// Filters whose output is (a transformation of) their input.
pub(super) fn passes_through(program: &str) -> bool {
    matches!(
        program,
        "cat"
            | "tee"
            | "dd"
            | "sed"
            | "tr"
            | "head"
            | "tail"
            | "sort"
            | "uniq"
            | "grep"
            | "cut"
            | "awk"
            | "pv"
    )
}

/// Words of a short command line, quotes removed (git alias definitions).
pub(super) fn rough_words(text: &str) -> Vec<Arg> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                any = true;
            }
            None if c.is_whitespace() => {
                if !current.is_empty() || any {
                    words.push(Arg::literal(std::mem::take(&mut current)));
                }
                any = false;
            }
            None => current.push(c),
        }
    }
    if !current.is_empty() || any {
        words.push(Arg::literal(current));
    }
    words
}

/// Standard or URL-safe base64, padding and line breaks optional; None if it is not base64.
pub(crate) fn decode_base64_bytes(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.split_whitespace().collect();
    if compact.len() < 2 {
        return None;
    }
    crate::detect::secrets::base64url_decode(&compact)
}

/// Base64 text that decodes to text (UTF-8 without control characters but whitespace).
pub(crate) fn decode_base64(text: &str) -> Option<String> {
    let bytes = decode_base64_bytes(text.trim())?;
    let s = String::from_utf8(bytes).ok()?;
    s.chars()
        .all(|c| !c.is_control() || c.is_whitespace())
        .then_some(s)
}

pub(super) fn decode_hex(text: &str) -> Option<String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// `tr SET1 SET2` with ranges (`A-Za-z` -> `N-ZA-Mn-za-m` is rot13).
pub(super) fn tr_map(text: &str, from: &str, to: &str) -> Option<String> {
    let expand = |set: &str| -> Vec<char> {
        let chars: Vec<char> = set.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if i + 2 < chars.len() && chars[i + 1] == '-' && chars[i] <= chars[i + 2] {
                out.extend(chars[i]..=chars[i + 2]);
                i += 3;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    };
    let (a, b) = (expand(from), expand(to));
    if a.is_empty() || b.is_empty() || a.len() > 512 {
        return None;
    }
    Some(
        text.chars()
            .map(|c| match a.iter().position(|x| *x == c) {
                Some(i) => *b.get(i).or(b.last()).unwrap_or(&c),
                None => c,
            })
            .collect(),
    )
}
