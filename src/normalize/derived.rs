//! Texts a credential hides in on its way out, derived from the texts of a call so the
//! detectors see it whole: string literals joined (`'ghp_abc' + 'def'`, `"AKIA" \`-newline
//! `"..."`), and base64 or hex runs decoded when they decode to printable text (a hash or
//! a binary blob does not). Bounded: only texts up to `MAX_TEXT` bytes, at most
//! `MAX_RUNS` decoded runs each.

use regex::bytes::Regex;
use std::sync::OnceLock;

const MAX_TEXT: usize = 256 * 1024;
const MAX_RUNS: usize = 32;
/// Shortest run worth decoding: 24 base64 characters are 18 bytes, about the shortest
/// provider token.
const MIN_BASE64: usize = 24;
const MIN_HEX: usize = 32;

static JOIN_RE: OnceLock<Regex> = OnceLock::new();
static RUN_RE: OnceLock<Regex> = OnceLock::new();

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        regex::bytes::RegexBuilder::new(pattern)
            .unicode(false)
            .build()
            .expect("built-in regex compiles")
    })
}

/// The derived texts of `text`, none when it has nothing to join or decode.
pub fn derive(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if text.len() > MAX_TEXT {
        return out;
    }
    if let Some(joined) = join_literals(text) {
        out.push(joined);
    }
    out.extend(decoded_runs(text));
    out
}

/// Adjacent string literals joined: the quote, `+`/`.`/`..`/whitespace/line continuation
/// and the next quote are removed (`'ab' + 'cd'` becomes `'abcd'`).
fn join_literals(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if !b
        .windows(2)
        .any(|w| matches!(w, [b'\'' | b'"', b' ' | b'+' | b'\\' | b'.']))
    {
        return None;
    }
    let r = re(
        &JOIN_RE,
        r#"(["'])(?:[ \t]*(?:\+|\.\.?|\\\r?\n)[ \t]*|[ \t]*\\?\r?\n[ \t]*|[ \t]+)(["'])"#,
    );
    if !r.is_match(b) {
        return None;
    }
    let joined = r.replace_all(b, &b""[..]);
    let joined = String::from_utf8(joined.into_owned()).ok()?;
    (joined != text).then_some(joined)
}

/// Base64 and hex runs that decode to printable text.
fn decoded_runs(text: &str) -> Vec<String> {
    let r = re(&RUN_RE, r"[A-Za-z0-9+/_-]{24,}={0,2}");
    let mut out = Vec::new();
    for m in r.find_iter(text.as_bytes()).take(MAX_RUNS * 4) {
        if out.len() >= MAX_RUNS {
            break;
        }
        let Ok(run) = std::str::from_utf8(m.as_bytes()) else {
            continue;
        };
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
                .all(|c| (0x20..0x7f).contains(c) || matches!(c, b'\n' | b'\t'))
            && let Ok(s) = String::from_utf8(bytes)
        {
            out.push(s);
        }
    }
    out
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
    fn literals_join_across_plus_dot_and_continuations() {
        assert_eq!(derive("t = 'ghp_abc' + 'def';"), ["t = 'ghp_abcdef';"]);
        assert_eq!(
            derive("k = \"AKIA\" \\\n    \"QQQ\"\n"),
            ["k = \"AKIAQQQ\"\n"]
        );
        assert_eq!(derive("$t = 'a' . 'b';"), ["$t = 'ab';"]);
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

    #[test]
    fn large_texts_are_left_alone() {
        let big = format!("'a' + 'b'{}", " ".repeat(MAX_TEXT));
        assert!(derive(&big).is_empty());
    }
}
