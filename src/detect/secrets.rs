//! Secret detection for one `secret_*` match block: keywords (Aho-Corasick, ASCII
//! case-insensitive) find candidate places, the block's regex runs only in a window around
//! each keyword on large texts, and a candidate counts when it passes the entropy floor, the
//! named validator and the allow-lists.

use crate::shared::matcher::Pattern;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::ops::Range;
use std::sync::OnceLock;

/// Texts up to this size are searched whole once a keyword is present.
const WHOLE_TEXT_BYTES: usize = 8 * 1024;
/// Bytes searched before and after a keyword hit in larger texts.
const WINDOW_BEFORE: usize = 512;
const WINDOW_AFTER: usize = 1024;

/// A check in code for formats that carry one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Validator {
    /// GitHub `gh?_` tokens: the last 6 characters are the base62 CRC32 of the 30 before.
    GithubCrc32,
    /// A JWT whose header decodes to a JSON object with `alg`.
    Jwt,
    /// HTTP basic credentials: base64 of `user:password`, both printable and non-empty.
    BasicAuth,
    /// A value stored in base64 (a Kubernetes Secret's `data:`): it must decode to printable
    /// text, and the entropy floor and the allow-list judge the decoded text.
    Base64Text,
}

impl Validator {
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "github-crc32" => Some(Self::GithubCrc32),
            "jwt" => Some(Self::Jwt),
            "basic-auth" => Some(Self::BasicAuth),
            "base64-text" => Some(Self::Base64Text),
            _ => None,
        }
    }

    pub const NAMES: &'static [&'static str] =
        &["github-crc32", "jwt", "basic-auth", "base64-text"];

    fn check(self, secret: &str) -> bool {
        match self {
            Self::GithubCrc32 => github_checksum_ok(secret),
            Self::Jwt => jwt_header_ok(secret),
            Self::BasicAuth => basic_auth_ok(secret),
            Self::Base64Text => base64_text(secret).is_some(),
        }
    }
}

/// One secret detector.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SecretBlock {
    pub keywords: Vec<String>,
    pub regex: Pattern,
    pub entropy_min: Option<f64>,
    pub validate: Option<Validator>,
    /// Regexes on the secret value that mark it as fake (placeholders, documented examples).
    pub allow: Vec<Pattern>,
    /// Regexes on the whole match that mark it as fake (e.g. a dev DSN on localhost).
    pub match_allow: Vec<Pattern>,
    /// A catch-all (a password under any key name): it reports only values that no
    /// specific detector has already reported in the same text, so one secret is one hit.
    #[serde(default)]
    pub fallback: bool,
    #[serde(skip)]
    prefilter: OnceLock<Option<AhoCorasick>>,
}

/// A secret found: where the whole match and the secret value are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub whole: Range<usize>,
    pub secret: Range<usize>,
}

impl SecretBlock {
    pub fn new(
        keywords: Vec<String>,
        regex: Pattern,
        entropy_min: Option<f64>,
        validate: Option<Validator>,
        allow: Vec<Pattern>,
        match_allow: Vec<Pattern>,
    ) -> Self {
        Self {
            keywords,
            regex,
            entropy_min,
            validate,
            allow,
            match_allow,
            fallback: false,
            prefilter: OnceLock::new(),
        }
    }

    /// Mark this detector a catch-all (see [`SecretBlock::fallback`]).
    pub fn fallback(mut self, fallback: bool) -> Self {
        self.fallback = fallback;
        self
    }

    /// Compile everything now; one message per failure.
    pub fn check(&self) -> Vec<String> {
        let mut out: Vec<String> = std::iter::once(&self.regex)
            .chain(&self.allow)
            .chain(&self.match_allow)
            .filter_map(|p| p.check().err())
            .collect();
        if self.prefilter().is_none() {
            out.push("`secret_keywords` must list at least one non-empty keyword".into());
        }
        out
    }

    fn prefilter(&self) -> Option<&AhoCorasick> {
        self.prefilter
            .get_or_init(|| {
                let words: Vec<&str> = self
                    .keywords
                    .iter()
                    .map(String::as_str)
                    .filter(|k| !k.is_empty())
                    .collect();
                if words.is_empty() {
                    return None;
                }
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(words)
                    .ok()
            })
            .as_ref()
    }

    /// Does any keyword occur in `text` (ASCII case-insensitive)? For short texts a plain
    /// scan: building an automaton costs more than the scan.
    pub fn any_keyword(&self, text: &str) -> bool {
        contains_any_ci(text, &self.keywords)
    }

    /// Every secret in `text`.
    pub fn find(&self, text: &str) -> Result<Vec<Found>, String> {
        let mut windows: Vec<Range<usize>> = Vec::new();
        if text.len() <= WHOLE_TEXT_BYTES {
            if self.any_keyword(text) {
                windows.push(0..text.len());
            }
            return self.find_in(text, windows);
        }
        let Some(ac) = self.prefilter() else {
            return Ok(Vec::new());
        };
        for m in ac.find_iter(text) {
            let start = m.start().saturating_sub(WINDOW_BEFORE);
            let end = (m.end() + WINDOW_AFTER).min(text.len());
            match windows.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ => windows.push(start..end),
            }
        }
        self.find_in(text, windows)
    }

    fn find_in(&self, text: &str, windows: Vec<Range<usize>>) -> Result<Vec<Found>, String> {
        let mut found: Vec<Found> = Vec::new();
        for window in windows {
            let slice = &text.as_bytes()[window.clone()];
            for (whole, secret) in self.regex.captures(slice)? {
                let whole = whole.start + window.start..whole.end + window.start;
                let secret = secret.start + window.start..secret.end + window.start;
                if found.iter().any(|f| f.secret == secret) {
                    continue;
                }
                let (Some(value), Some(matched)) =
                    (text.get(secret.clone()), text.get(whole.clone()))
                else {
                    continue;
                };
                if self.accepts(value, matched)? {
                    found.push(Found { whole, secret });
                }
            }
        }
        Ok(found)
    }

    fn accepts(&self, value: &str, matched: &str) -> Result<bool, String> {
        // A value stored in base64 is judged by what it decodes to.
        let decoded;
        let value = if self.validate == Some(Validator::Base64Text) {
            let Some(text) = base64_text(value) else {
                return Ok(false);
            };
            decoded = text;
            decoded.as_str()
        } else {
            value
        };
        if let Some(min) = self.entropy_min
            && super::entropy(value) < min
        {
            return Ok(false);
        }
        if let Some(v) = self.validate
            && v != Validator::Base64Text
            && !v.check(value)
        {
            return Ok(false);
        }
        for p in &self.allow {
            if p.find(value)?.is_some() {
                return Ok(false);
            }
        }
        for p in &self.match_allow {
            if p.find(matched)?.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Does `text` contain any of the needles, ignoring ASCII case?
pub fn contains_any_ci(text: &str, needles: &[String]) -> bool {
    needles
        .iter()
        .any(|n| super::contains_ci(text.as_bytes(), n.as_bytes()))
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 of `n`, left-padded with `0` to `width`.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

fn github_checksum_ok(token: &str) -> bool {
    let Some((_, body)) = token.split_once('_') else {
        return false;
    };
    if body.len() != 36 || !body.is_ascii() {
        return false;
    }
    let (random, checksum) = body.split_at(30);
    base62(crc32fast::hash(random.as_bytes()) as u64, 6) == checksum
}

fn jwt_header_ok(token: &str) -> bool {
    let Some(header) = token.split('.').next() else {
        return false;
    };
    let Some(bytes) = base64url_decode(header) else {
        return false;
    };
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(map)) => map.contains_key("alg"),
        _ => false,
    }
}

/// `user:password` in base64, both parts printable, the password at least 4 characters and
/// not a placeholder word.
fn basic_auth_ok(secret: &str) -> bool {
    let Some(bytes) = base64url_decode(secret) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    let printable = |s: &str| s.chars().all(|c| !c.is_control());
    !user.is_empty()
        && password.chars().count() >= 4
        && printable(user)
        && printable(password)
        && !matches!(password, "password" | "pass" | "secret" | "changeme")
}

/// Standard or URL-safe base64 that decodes to printable text of at least 4 characters.
fn base64_text(secret: &str) -> Option<String> {
    let text = String::from_utf8(base64url_decode(secret)?).ok()?;
    (text.chars().count() >= 4 && text.chars().all(|c| !c.is_control())).then_some(text)
}

/// Decode unpadded base64url (JWT segments).
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token with a valid checksum, built the way GitHub builds them.
    fn github_token(prefix: &str, random: &str) -> String {
        format!(
            "{prefix}_{random}{}",
            base62(crc32fast::hash(random.as_bytes()) as u64, 6)
        )
    }

    #[test]
    fn github_checksums_tell_real_from_made_up() {
        let t = github_token("ghp", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0");
        assert!(github_checksum_ok(&t));
        assert!(!github_checksum_ok(
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        ));
        let mut broken = t.clone();
        broken.replace_range(5..6, "Z");
        assert!(!github_checksum_ok(&broken));
    }

    #[test]
    fn jwt_headers_must_decode() {
        assert!(jwt_header_ok("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"));
        assert!(!jwt_header_ok("eyJub3RhbGciOjF9.x.y"));
        assert!(!jwt_header_ok("eyJ!!!.x.y"));
    }

    #[test]
    fn base64_values_are_judged_by_what_they_decode_to() {
        let block = SecretBlock::new(
            vec!["pass".into()],
            Pattern::new(r"pass: (?P<secret>[A-Za-z0-9+/]+={0,2})".into()),
            Some(2.5),
            Some(Validator::Base64Text),
            vec![Pattern::new("(?i)replace[_-]?me".into())],
            vec![],
        );
        // `Granite!2021mus14`, `REPLACE_ME`, bytes that are no text.
        assert_eq!(
            block.find("pass: R3Jhbml0ZSEyMDIxbXVzMTQ=").unwrap().len(),
            1
        );
        assert!(block.find("pass: UkVQTEFDRV9NRQ==").unwrap().is_empty());
        assert!(block.find("pass: AAECAwQFBgcICQ==").unwrap().is_empty());
    }

    #[test]
    fn keywords_gate_the_regex_and_windows_find_far_apart_secrets() {
        let block = SecretBlock::new(
            vec!["akia".into()],
            Pattern::new(r"\b(AKIA[A-Z2-7]{16})\b".into()),
            None,
            None,
            vec![Pattern::new("EXAMPLE$".into())],
            vec![],
        );
        let key = "AKIAQWERTYUIOPASDFGH";
        let big = format!(
            "{key} {} {key}x AKIAIOSFODNN7EXAMPLE {}",
            "a".repeat(20_000),
            key
        );
        let found = block.find(&big).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(block.find("no keyword here").unwrap().is_empty());
    }
}
