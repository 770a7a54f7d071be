//! Texts a credential hides in on its way out, derived from the texts of a call so the
//! detectors see it whole: string literals joined (`'ghp_abc' + 'def'`, `"AKIA" \`-newline
//! `"..."`), and base64 or hex runs decoded when they decode to printable text (a hash or
//! a binary blob does not). Bounded: only texts up to `MAX_TEXT` bytes, at most
//! `MAX_RUNS` decoded runs each.

const MAX_TEXT: usize = 256 * 1024;
const MAX_RUNS: usize = 32;
/// Shortest run worth decoding: 24 base64 characters are 18 bytes, about the shortest
/// provider token.
const MIN_BASE64: usize = 24;
const MIN_HEX: usize = 32;

/// The derived texts of `text`, none when it has nothing to join or decode.
pub fn derive(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if text.len() > MAX_TEXT {
        return out;
    }
    if let Some(joined) = join_literals(text) {
        out.push(joined);
    }
    out.extend(assembled(text));
    out.extend(decoded_runs(text));
    out.extend(percent_decoded(text));
    out.extend(escaped_segments(text));
    out
}

/// An HL7 v2 message a log wrote with its segment breaks escaped (`...\rPID|1||M0095...`,
/// `\nNK1|`): the text with `\r` and `\n` made breaks again, so each segment is read as
/// one.
fn escaped_segments(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let segment_after = |i: usize| {
        b.get(i + 2..i + 6).is_some_and(|s| {
            s[0].is_ascii_uppercase()
                && s[1..3]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && s[3] == b'|'
        })
    };
    let escaped = memchr::memchr_iter(b'\\', b)
        .any(|i| matches!(b.get(i + 1), Some(b'r' | b'n')) && segment_after(i));
    if !escaped {
        return None;
    }
    Some(text.replace("\\r", "\r").replace("\\n", "\n"))
}

/// The text with its percent-escapes decoded, when it holds the escapes of the characters
/// a connection string or a URL's credentials are written with (`%3A`, `%3D`, `%40`, `%2F`,
/// `%3B`): `cs=Server%3Dsql02%3BPassword%3D...`, `oracle%3A%2F%2Fuser%3Apass%40db`.
fn percent_decoded(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let escapes = memchr::memchr_iter(b'%', b)
        .filter(|&i| {
            b.get(i + 1..i + 3).is_some_and(|h| {
                matches!(
                    [h[0], h[1].to_ascii_uppercase()],
                    [b'3', b'A' | b'D' | b'B'] | [b'4', b'0'] | [b'2', b'F']
                )
            })
        })
        .take(2)
        .count();
    if escapes < 2 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |k: usize| (b.get(k).copied()).and_then(|c| (c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Literals put together by code rather than written side by side: a list joined
/// (`"".join(["ghp_", "abc"])`, `['xoxb', '1'].join('-')`), a builder's appends
/// (`new StringBuilder("sk_").append("live")`), and interpolations of names assigned a
/// literal in the same text (`f"{part1}.{part2}"`, `` `${prefix}-${body}` ``). Each
/// shape's regex is compiled only when the text holds its marker, so ordinary commands
/// pay one substring search per shape.
fn assembled(text: &str) -> Vec<String> {
    use regex::Regex;
    use std::sync::OnceLock;
    static LITERAL: OnceLock<Regex> = OnceLock::new();
    static PY_JOIN: OnceLock<Regex> = OnceLock::new();
    static JS_JOIN: OnceLock<Regex> = OnceLock::new();
    static APPEND: OnceLock<Regex> = OnceLock::new();
    static ASSIGN: OnceLock<Regex> = OnceLock::new();
    static SLOT: OnceLock<Regex> = OnceLock::new();
    static TUPLE: OnceLock<Regex> = OnceLock::new();
    static SUM: OnceLock<Regex> = OnceLock::new();
    static NAMED_JOIN: OnceLock<Regex> = OnceLock::new();
    static FORMAT: OnceLock<Regex> = OnceLock::new();
    let compile = |cell: &'static OnceLock<Regex>, pattern: &str| -> &'static Regex {
        cell.get_or_init(|| Regex::new(pattern).expect("derived-text pattern"))
    };
    let literals = |list: &str| -> Vec<String> {
        compile(&LITERAL, r#"["']([^"'\n]*)["']"#)
            .captures_iter(list)
            .map(|c| c[1].to_string())
            .collect()
    };
    let mut out = Vec::new();
    if text.contains(".join(") {
        let py = compile(
            &PY_JOIN,
            r#"(["'])([^"'\n]{0,8})["']\s*\.join\(\s*[\[(]([^\])]{1,2000})[\])]"#,
        );
        for c in py.captures_iter(text).take(MAX_RUNS) {
            out.push(named(
                text,
                c.get(0).map_or(0, |m| m.start()),
                literals(&c[3]).join(&c[2]),
            ));
        }
        let js = compile(
            &JS_JOIN,
            r#"\[([^\]]{1,2000})\]\s*\.join\(\s*(?:["']([^"'\n]{0,8})["'])?\s*\)"#,
        );
        for c in js.captures_iter(text).take(MAX_RUNS) {
            let separator = c.get(2).map_or(",", |m| m.as_str());
            let at = c.get(0).map_or(0, |m| m.start());
            out.push(named(text, at, literals(&c[1]).join(separator)));
        }
        // A list assigned to a name, joined by that name: `parts.join('')`,
        // `"".join(parts)`.
        let by_name = compile(
            &NAMED_JOIN,
            r#"(?-u:\b)([A-Za-z_][A-Za-z0-9_]{0,63})\.join\(\s*(?:["']([^"'\n]{0,8})["'])?\s*\)|(["'])([^"'\n]{0,8})["']\.join\(\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\)"#,
        );
        for c in by_name.captures_iter(text).take(MAX_RUNS) {
            let (name, separator) = match (c.get(1), c.get(5)) {
                (Some(name), _) => (name.as_str(), c.get(2).map_or(",", |m| m.as_str())),
                (None, Some(name)) => (name.as_str(), c.get(4).map_or("", |m| m.as_str())),
                _ => continue,
            };
            if let Some(list) = assigned_list(text, name) {
                out.push(literals(list).join(separator));
            }
        }
    }
    // A format call filled with literals: `fmt.Sprintf("%s.%s", "SG", "U4Dm")`,
    // `"{}{}".format("ghp_", "abc")`, `String.format("%s%s", ...)`.
    if text.contains("printf(") || text.contains("format(") {
        let call = compile(
            &FORMAT,
            r#"(?:printf|format)\(\s*"([^"\n]{0,200})"\s*,\s*((?:"[^"\n]*"\s*,?\s*){1,16})\)|"([^"\n]{0,200})"\s*\.format\(\s*((?:"[^"\n]*"\s*,?\s*){1,16})\)"#,
        );
        for c in call.captures_iter(text).take(MAX_RUNS) {
            let (Some(template), Some(args)) = (c.get(1).or(c.get(3)), c.get(2).or(c.get(4)))
            else {
                continue;
            };
            let values = literals(args.as_str());
            let mut filled = String::new();
            let (mut rest, mut next) = (template.as_str(), values.iter());
            while let Some(at) = rest.find(['%', '{']) {
                filled.push_str(&rest[..at]);
                let slot = ["%s", "%v", "{}"]
                    .iter()
                    .find(|s| rest[at..].starts_with(**s));
                match (slot, next.next()) {
                    (Some(slot), Some(value)) => {
                        filled.push_str(value);
                        rest = &rest[at + slot.len()..];
                    }
                    _ => break,
                }
            }
            filled.push_str(rest);
            out.push(filled);
        }
    }
    if text.contains(".append(") {
        let append = compile(&APPEND, r#"["']\s*\)\s*\.append\(\s*["']"#);
        if let std::borrow::Cow::Owned(joined) = append.replace_all(text, "") {
            out.push(joined);
        }
    }
    let slots = text.contains("${") || text.contains("f\"") || text.contains("f'");
    let sums = text.contains(" + ");
    let assigns = ["=\"", "='", "= \"", "= '"]
        .iter()
        .any(|a| text.contains(a));
    if (slots || sums) && assigns {
        let mut names: std::collections::HashMap<&str, String> = compile(
            &ASSIGN,
            r#"(?m)(?-u:\b)([A-Za-z_][A-Za-z0-9_]{0,63})\s*:?=\s*((?:["'][^"'\n]{1,200}["'][ \t]*\+[ \t]*){0,7}["'][^"'\n]{1,200}["'])"#,
        )
        .captures_iter(text)
        .take(MAX_RUNS * 2)
        // A name may be assigned literals added up (`_K = "2IDG" + "2cYo"`).
        .filter_map(|c| Some((c.get(1)?.as_str(), literals(c.get(2)?.as_str()).concat())))
        .collect();
        // Several names assigned at once: `team, bot, secret = "5014", "6262", "FPwS"`.
        if text.contains(", ") {
            let tuple = compile(
                &TUPLE,
                r#"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_]*(?:[ \t]*,[ \t]*[A-Za-z_][A-Za-z0-9_]*){1,7})[ \t]*=[ \t]*(["'][^"'\n]*["'](?:[ \t]*,[ \t]*["'][^"'\n]*["']){1,7})"#,
            );
            for c in tuple.captures_iter(text).take(MAX_RUNS) {
                let (Some(left), Some(right)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                let values: Vec<&str> = compile(&LITERAL, r#"["']([^"'\n]*)["']"#)
                    .captures_iter(right.as_str())
                    .filter_map(|v| v.get(1).map(|m| m.as_str()))
                    .collect();
                let left: Vec<&str> = left.as_str().split(',').map(str::trim).collect();
                if left.len() == values.len() {
                    names.extend(left.into_iter().zip(values.into_iter().map(String::from)));
                }
            }
        }
        // Names assigned literals, added up: `part1 + part2 + part3`.
        if sums && !names.is_empty() {
            let sum = compile(
                &SUM,
                r"[A-Za-z_][A-Za-z0-9_]*(?:[ \t]*\+[ \t]*[A-Za-z_][A-Za-z0-9_]*)+",
            );
            for m in sum.find_iter(text).take(MAX_RUNS) {
                let parts: Option<Vec<&str>> = m
                    .as_str()
                    .split('+')
                    .map(|name| names.get(name.trim()).map(String::as_str))
                    .collect();
                if let Some(parts) = parts {
                    out.push(named(text, m.start(), parts.concat()));
                }
            }
        }
        if slots && !names.is_empty() {
            let slot = compile(&SLOT, r"\$?\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}");
            let filled = slot.replace_all(text, |c: &regex::Captures| {
                names
                    .get(&c[1])
                    .map_or_else(|| c[0].to_string(), String::clone)
            });
            if let std::borrow::Cow::Owned(filled) = filled
                && filled != text
            {
                out.push(filled);
            }
        }
    }
    out
}

/// `value` under the name it is assigned to on its line (`DD_APP_KEY = "".join([...])`
/// becomes `DD_APP_KEY = "9bbb..."`), so detectors that need a key's name see it; the bare
/// value when the line assigns nothing.
fn named(text: &str, at: usize, value: String) -> String {
    let line = &text[text[..at].rfind('\n').map_or(0, |n| n + 1)..at];
    let left = line.trim_end();
    let Some(left) = left.strip_suffix(":=").or_else(|| left.strip_suffix('=')) else {
        return value;
    };
    let name_start = left
        .trim_end()
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &left.trim_end()[name_start..];
    if name.is_empty() || name.len() > 64 || name.as_bytes()[0].is_ascii_digit() {
        return value;
    }
    format!("{name} = \"{value}\"")
}

/// The list literal assigned to `name` in `text` (`const parts = ['sk_', 'live'];`,
/// `PARTS = ("ghp_", "abc")`), the last one when there are several.
fn assigned_list<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let mut found = None;
    for (at, _) in text.match_indices(name).take(MAX_RUNS) {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = text[at + name.len()..].trim_start();
        let Some(value) = rest
            .strip_prefix('=')
            .or_else(|| rest.strip_prefix(":="))
            .map(str::trim_start)
        else {
            continue;
        };
        let close = match value.chars().next() {
            Some('[') => ']',
            Some('(') => ')',
            _ => continue,
        };
        if let Some(end) = value[1..].find(close).filter(|e| *e <= 2000) {
            found = Some(&value[1..1 + end]);
        }
    }
    found
}

/// Adjacent string literals joined: the quote, `+`/`.`/`..`/whitespace/line continuation
/// and the next quote are removed (`'ab' + 'cd'` becomes `'abcd'`).
fn join_literals(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if !b.windows(2).any(|w| {
        matches!(
            w,
            [b'\'' | b'"', b' ' | b'+' | b'\\' | b'.' | b'\n' | b'\r']
        )
    }) {
        return None;
    }
    // Hand-written rather than a regex: this runs on every command, and compiling
    // `(["'])(separator)(["'])` cost more than the rest of the call's text work.
    let mut out = Vec::with_capacity(b.len());
    let (mut i, mut joined) = (0, false);
    while i < b.len() {
        if matches!(b[i], b'\'' | b'"')
            && let Some(end) = separator_then_quote(b, i + 1)
        {
            i = end;
            joined = true;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    if !joined {
        return None;
    }
    let joined = String::from_utf8(out).ok()?;
    (joined != text).then_some(joined)
}

/// Where a literal separator starting at `i` and the next opening quote end: `+`, `.`,
/// `..` or a line continuation, padded with blanks; a bare newline (optionally after
/// `\\`); or blanks alone.
fn separator_then_quote(b: &[u8], i: usize) -> Option<usize> {
    let at = |k: usize| b.get(k).copied();
    let blanks = |mut k: usize| {
        while matches!(at(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        k
    };
    let newline = |k: usize| match (at(k), at(k + 1)) {
        (Some(b'\n'), _) => Some(k + 1),
        (Some(b'\r'), Some(b'\n')) => Some(k + 2),
        _ => None,
    };
    let quote = |k: usize| matches!(at(k), Some(b'\'' | b'"')).then_some(k + 1);
    let start = blanks(i);
    let after_operator = match at(start) {
        Some(b'+') => Some(start + 1),
        Some(b'.') if at(start + 1) == Some(b'.') => Some(start + 2),
        Some(b'.') => Some(start + 1),
        Some(b'\\') => newline(start + 1),
        _ => None,
    };
    if let Some(k) = after_operator.and_then(|k| quote(blanks(k))) {
        return Some(k);
    }
    let after_slash = if at(start) == Some(b'\\') {
        start + 1
    } else {
        start
    };
    if let Some(k) = newline(after_slash).and_then(|k| quote(blanks(k))) {
        return Some(k);
    }
    (start > i).then(|| quote(start)).flatten()
}

/// Base64 and hex runs that decode to printable text.
fn decoded_runs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(text).take(MAX_RUNS * 4) {
        if out.len() >= MAX_RUNS {
            break;
        }
        let hex = run.len() >= MIN_HEX
            && run.len().is_multiple_of(2)
            && run.bytes().all(|c| c.is_ascii_hexdigit());
        let decoded = if hex {
            decode_hex(run)
        } else if run.len() >= MIN_BASE64 {
            super::shell::decode_base64_bytes(run)
        } else {
            None
        };
        if let Some(bytes) = decoded
            && bytes.len() >= 16
            && bytes
                .iter()
                .all(|c| (0x20..0x7f).contains(c) || matches!(c, b'\n' | b'\t' | b'\r'))
            && let Ok(s) = String::from_utf8(bytes)
        {
            out.push(s);
        }
    }
    out
}

/// Maximal runs of base64/base64url characters, at least `MIN_BASE64` long, with up to two
/// `=` of padding (what `[A-Za-z0-9+/_-]{24,}={0,2}` finds, without compiling it).
fn runs(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let in_run = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'_' | b'-');
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let start = i;
            while i < b.len() && in_run(b[i]) {
                i += 1;
            }
            if i - start >= MIN_BASE64 {
                let mut end = i;
                while end < b.len() && end - i < 2 && b[end] == b'=' {
                    end += 1;
                }
                i = end;
                // Run characters are ASCII, so the slice falls on character boundaries.
                return Some(&text[start..end]);
            }
            i = i.max(start + 1);
        }
        None
    })
}

fn decode_hex(run: &str) -> Option<Vec<u8>> {
    run.as_bytes()
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_decoded_when_they_hide_a_connection_string() {
        let got = derive(
            "GET /health/db?cs=Server%3Dsql02%3BUser%20Id%3Dapi%3BPassword%3DCorn%212019%3B 200",
        );
        assert!(
            got.iter()
                .any(|d| d.contains("Server=sql02;User Id=api;Password=Corn!2019;")),
            "{got:?}"
        );
        // One escape is a URL's, not a hidden string; a malformed escape stays as it is.
        assert!(derive("https://example.org/search?q=a%20b").is_empty());
        assert!(derive("x%3Ay%3Dz%4").iter().any(|d| d == "x:y=z%4"));
    }

    #[test]
    fn escaped_segment_breaks_are_made_breaks_again() {
        let logged = r"563:SCH|7489518|||||BHFU\rPID|1||M009560758||NAGEAK^LIJON^||19451015|F";
        let derived = derive(logged);
        assert!(
            derived
                .iter()
                .any(|t| t.contains("BHFU\rPID|1||M009560758"))
        );
        assert!(derive(r"C:\new\readme.txt and a|b").is_empty());
    }

    #[test]
    fn base64_of_an_hl7_message_is_decoded_with_its_carriage_returns() {
        let got = derive("TVNIfF5+XCZ8RVBJQ3xQTEh8fHwyMDI0MDMwMQ1QSUR8MXx8NjY4MTUwNzc=");
        assert!(
            got.iter().any(|d| d.contains("\rPID|1||6681507")),
            "{got:?}"
        );
    }

    #[test]
    fn literals_put_together_by_code_are_assembled() {
        let has = |text: &str, want: &str| {
            let got = derive(text);
            assert!(
                got.iter().any(|d| d.contains(want)),
                "{text:?} gave {got:?}"
            );
        };
        has(r#"TOKEN = "".join(["ghp_", "abc", "def"])"#, "ghp_abcdef");
        has("k = ['xoxb', '81', 'TMS'].join('-');", "xoxb-81-TMS");
        has(
            r#"String k = new StringBuilder("sk_live_").append("Lh").append("nq").toString();"#,
            "sk_live_Lhnq",
        );
        has(
            "const prefix = 'glpat';\nconst body = 'Myw';\nconst T = `${prefix}-${body}`;",
            "glpat-Myw",
        );
        has(
            "part1 = \"SG.p2J\"\npart2 = \"UqX\"\nkey = f\"{part1}.{part2}\"\n",
            "SG.p2J.UqX",
        );
        has(
            "team, bot, secret = \"5014\", \"6262\", \"FPwS\"\nT = f\"xoxb-{team}-{bot}-{secret}\"\n",
            "xoxb-5014-6262-FPwS",
        );
        has(
            "const part1 = \"sk_live_51P\";\nconst part2 = \"vmSC\";\nmodule.exports.K = part1 + part2;\n",
            "sk_live_51PvmSC",
        );
        has(
            "const parts = ['sk_live_51hK', 't1FD', '2Z2p'];\nconst k = parts.join('');\n",
            "sk_live_51hKt1FD2Z2p",
        );
        has(
            "PARTS = (\"ghp_\", \"hj1g\", \"A9Zh\")\nTOKEN = \"\".join(PARTS)\n",
            "ghp_hj1gA9Zh",
        );
        has(
            "var apiKey = fmt.Sprintf(\"%s.%s.%s\", \"SG\", \"U4Dm\", \"aPR2\")\n",
            "SG.U4Dm.aPR2",
        );
        has("k = \"{}_{}\".format(\"sk\", \"live\")", "sk_live");
        // The name a join or a sum is assigned to stays with its value, for detectors that
        // need a key's name; a name may itself be a sum of literals.
        has(
            "DD_APP_KEY = \"\".join([\"9bbb\", \"a049\"])\n",
            "DD_APP_KEY = \"9bbba049\"",
        );
        has(
            "const apiKey = ['k7Qz', 'LmP9'].join('');",
            "apiKey = \"k7QzLmP9\"",
        );
        has(
            "_P = \"ghp_\"\n_K = \"2IDG\" + \"2cYo\" + \"c54U\"\nGITHUB_TOKEN = _P + _K\n",
            "GITHUB_TOKEN = \"ghp_2IDG2cYoc54U\"",
        );
        assert_eq!(named("x = ", 4, "v".into()), "x = \"v\"");
        assert_eq!(named("print(", 6, "v".into()), "v");
        assert_eq!(named("a == ", 5, "v".into()), "v");
        // A sum with a name not assigned a literal is not put together.
        assert!(
            !derive("const a = \"sk_live_\";\nconst k = a + b;\n")
                .iter()
                .any(|d| d.contains("sk_live_b"))
        );
        assert!(derive("fn main() { let x = 1; }").is_empty());
        assert!(derive("echo '{}' | jq .").is_empty());
    }

    #[test]
    fn literals_join_across_plus_dot_and_continuations() {
        assert_eq!(derive("t = 'ghp_abc' + 'def';"), ["t = 'ghp_abcdef';"]);
        assert_eq!(
            derive("k = \"AKIA\" \\\n    \"QQQ\"\n"),
            ["k = \"AKIAQQQ\"\n"]
        );
        assert_eq!(derive("$t = 'a' . 'b';"), ["$t = 'ab';"]);
        // Python's implicit concatenation inside parentheses, one literal per line.
        assert_eq!(
            derive("U = (\n    \"https://a\"\n    \"?sig=b\"\n)"),
            ["U = (\n    \"https://a?sig=b\"\n)"]
        );
        assert!(derive("print('a', 'b')").is_empty());
    }

    #[test]
    fn runs_decode_only_to_printable_text() {
        let token = "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";
        let b64 = "Z2hwXzI2QVVjalA4Q2haTHFld0hUOG5jMXdEM241Mm93VDRkdjhUeg==";
        assert_eq!(derive(&format!("echo {b64} | base64 -d")), [token]);
        let hex: String = token.bytes().map(|c| format!("{c:02x}")).collect();
        assert_eq!(derive(&format!("T={hex}")), [token]);
        // A git SHA and a SHA-512 integrity string decode to bytes, not text.
        assert!(derive("git checkout 2f1e9c4b7a3d5e6f8091a2b3c4d5e6f708192a3b").is_empty());
        assert!(derive("integrity: sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==").is_empty());
    }

    /// The regexes the hand-written scanners replace, for the equivalence property.
    fn regex_join(text: &str) -> Option<String> {
        let r = regex::bytes::Regex::new(
            r#"(["'])(?:[ \t]*(?:\+|\.\.?|\\\r?\n)[ \t]*|[ \t]*\\?\r?\n[ \t]*|[ \t]+)(["'])"#,
        )
        .unwrap();
        let joined = r.replace_all(text.as_bytes(), &b""[..]);
        let joined = String::from_utf8(joined.into_owned()).ok()?;
        (joined != text).then_some(joined)
    }

    fn regex_runs(text: &str) -> Vec<&str> {
        let r = regex::Regex::new(r"[A-Za-z0-9+/_-]{24,}={0,2}").unwrap();
        r.find_iter(text).map(|m| m.as_str()).collect()
    }

    proptest::proptest! {
        #[test]
        fn scanners_agree_with_the_regexes(
            text in r#"([ab'" \t+.\\\r\n=_-]|AAAAAAAAAAAAAAAAAAAAAAA|é){0,40}"#
        ) {
            let gated = text
                .as_bytes()
                .windows(2)
                .any(|w| matches!(w, [b'\'' | b'"', b' ' | b'+' | b'\\' | b'.' | b'\n' | b'\r']));
            let expected = if gated { regex_join(&text) } else { None };
            proptest::prop_assert_eq!(join_literals(&text), expected);
            proptest::prop_assert_eq!(runs(&text).collect::<Vec<_>>(), regex_runs(&text));
        }
    }

    #[test]
    fn large_texts_are_left_alone() {
        let big = format!("'a' + 'b'{}", " ".repeat(MAX_TEXT));
        assert!(derive(&big).is_empty());
    }
}
