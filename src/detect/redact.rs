//! Masking before anything reaches disk. The same detectors as the content rules (one
//! implementation): every secret detector of the loaded packs, the PHI identifiers, and
//! passwords inside URLs. Each masked span becomes `[REDACTED:<kind>]` in the journal, and
//! `[PHI:<kind>]` or `[SECRET:<kind>]` in a tool output shown to the model.

use super::SecretSource;
use super::phi;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ops::Range;

/// How a masked span is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// `[REDACTED:phi:ssn]`, in journal records.
    Journal,
    /// `[PHI:ssn]`, `[SECRET:github-token]`, in tool output the model reads.
    Output,
}

impl Marker {
    fn render(self, kind: &str) -> String {
        match (self, kind.split_once(':')) {
            (Marker::Journal, _) => format!("[REDACTED:{kind}]"),
            (Marker::Output, Some(("phi", k))) => format!("[PHI:{k}]"),
            (Marker::Output, Some(("secret", k))) => format!("[SECRET:{k}]"),
            (Marker::Output, _) => format!("[SECRET:{kind}]"),
        }
    }
}

/// Redact every string in `value` for the journal; returns the masked value and the kinds.
pub fn redact_json(engine: &dyn SecretSource, value: &Value) -> (Value, Vec<String>) {
    mask_json(engine, value, Marker::Journal)
}

/// A journaled input larger than this keeps an excerpt of each long string, not the whole.
const INPUT_KEEP: usize = 64 * 1024;
/// How much of each long string an excerpt keeps.
const STRING_KEEP: usize = 4 * 1024;

/// A redacted input cut to size for the journal: when its strings add up to more than
/// `INPUT_KEEP` bytes, each longer than `STRING_KEEP` keeps its start and says how much
/// was left out (the record's `input_sha256` still covers the whole input). Returns
/// whether anything was cut. Cutting after redaction keeps the masks of the whole text.
pub fn excerpt_large(value: &mut Value) -> bool {
    fn total(v: &Value, depth: usize) -> usize {
        match v {
            Value::String(s) => s.len(),
            Value::Array(items) if depth < 64 => items.iter().map(|i| total(i, depth + 1)).sum(),
            Value::Object(map) if depth < 64 => {
                map.iter().map(|(k, v)| k.len() + total(v, depth + 1)).sum()
            }
            _ => 0,
        }
    }
    fn cut(v: &mut Value, depth: usize) -> bool {
        match v {
            Value::String(s) if s.len() > STRING_KEEP => {
                let mut end = STRING_KEEP;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let left = s.len() - end;
                s.truncate(end);
                s.push_str(&format!(
                    "…[{left} more bytes not kept in the journal; input_sha256 covers the whole input]"
                ));
                true
            }
            Value::Array(items) if depth < 64 => items
                .iter_mut()
                .fold(false, |any, i| cut(i, depth + 1) | any),
            Value::Object(map) if depth < 64 => map
                .values_mut()
                .fold(false, |any, i| cut(i, depth + 1) | any),
            _ => false,
        }
    }
    total(value, 0) > INPUT_KEEP && cut(value, 0)
}

/// Mask every string in `value`; returns the masked value and the kinds masked.
pub fn mask_json(engine: &dyn SecretSource, value: &Value, marker: Marker) -> (Value, Vec<String>) {
    let mut kinds = BTreeSet::new();
    let out = walk(engine, value, &mut kinds, marker, None);
    (out, kinds.into_iter().collect())
}

/// Mask only findings of the `only` kinds.
pub fn mask_json_only(
    engine: &dyn SecretSource,
    value: &Value,
    marker: Marker,
    only: &[String],
) -> Value {
    walk(engine, value, &mut BTreeSet::new(), marker, Some(only))
}

fn walk(
    engine: &dyn SecretSource,
    value: &Value,
    kinds: &mut BTreeSet<String>,
    marker: Marker,
    only: Option<&[String]>,
) -> Value {
    // Values are read with their keys (`"ssn": 512348765`, a name's `given` and `family`);
    // every other string goes through the free-text detectors.
    let found = std::cell::RefCell::new(std::mem::take(kinds));
    let out = super::structured::walk_json(
        value,
        &mut |kind| {
            if only.is_some_and(|o| !o.iter().any(|k| k == kind)) {
                return None;
            }
            found.borrow_mut().insert(kind.to_string());
            Some(marker.render(kind))
        },
        &mut |s| mask_text(engine, s, &mut found.borrow_mut(), marker, only),
    );
    *kinds = found.into_inner();
    out
}

/// Mask secrets and patient identifiers in one string, for the journal.
pub fn redact_text(engine: &dyn SecretSource, text: &str, kinds: &mut BTreeSet<String>) -> String {
    mask_text(engine, text, kinds, Marker::Journal, None)
}

/// JSON text with JSON inside its strings (an MCP result that repeats its structured
/// content as text): read as a value, masked by its keys at every level, and written back
/// (pretty when it was on several lines). `None` for anything else.
fn nested_json(
    engine: &dyn SecretSource,
    text: &str,
    kinds: &mut BTreeSet<String>,
    marker: Marker,
    only: Option<&[String]>,
) -> Option<String> {
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) || !text.contains("\\\"") {
        return None;
    }
    let value: Value = serde_json::from_str(text).ok()?;
    let masked = walk(engine, &value, kinds, marker, only);
    let out = if text.trim_end().contains('\n') {
        serde_json::to_string_pretty(&masked)
    } else {
        serde_json::to_string(&masked)
    };
    out.ok()
}

/// `password=...`, `AccountKey=...`, `api_key: ...` inside any text (a JDBC URL, a
/// properties file, a connection string): the value is masked whatever it looks like. A
/// byte scan from each `=` and `:` (no pattern to compile on every call).
fn labelled_secrets(text: &str) -> Vec<Range<usize>> {
    const LABELS: [&str; 9] = [
        "password",
        "passwd",
        "pwd",
        "secret",
        "apikey",
        "accountkey",
        "sharedaccesskey",
        "token",
        "accesskey",
    ];
    let b = text.as_bytes();
    let in_label = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-');
    let mut out = Vec::new();
    for sep in memchr::memchr2_iter(b'=', b':', b) {
        let mut end = sep;
        while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        if end > 0 && matches!(b[end - 1], b'"' | b'\'') {
            end -= 1;
        }
        let mut start = end;
        while start > end.saturating_sub(48) && in_label(b[start - 1]) {
            start -= 1;
        }
        if start == end {
            continue;
        }
        // The label lower-cased without `_` and `-`, on the stack (this runs at every `=`).
        let mut label = [0u8; 48];
        let mut n = 0;
        for &c in &b[start..end] {
            if !matches!(c, b'_' | b'-') {
                label[n] = c.to_ascii_lowercase();
                n += 1;
            }
        }
        if !LABELS.iter().any(|l| label[..n].ends_with(l.as_bytes())) {
            continue;
        }
        let mut v = sep + 1;
        while v < b.len() && matches!(b[v], b' ' | b'\t' | b'"' | b'\'') {
            v += 1;
        }
        let mut e = v;
        while e < b.len()
            && e - v < 200
            && !b[e].is_ascii_whitespace()
            && !matches!(b[e], b';' | b'&' | b'"' | b'\'' | b',' | b'}' | b'<' | b'>')
        {
            e += 1;
        }
        if e - v < 6 || !text.is_char_boundary(v) || !text.is_char_boundary(e) {
            continue;
        }
        let value = &text[v..e];
        let lower = value.to_ascii_lowercase();
        let reference = value.starts_with(['$', '%', '[', '{'])
            || phi::placeholder(value)
            || [
                "changeme", "password", "redacted", "required", "optional", "string",
            ]
            .contains(&lower.as_str());
        if !reference {
            out.push(v..e);
        }
    }
    out
}

/// A patient's name or id found once (in a field, a segment, beside a label) is masked
/// wherever else the same text names them (`Mr. Al-Hashimi was admitted` after
/// `<family>Al-Hashimi</family>`).
fn repeated_values(text: &str, spans: &mut Vec<(Range<usize>, String)>) {
    let mut seen = std::collections::HashSet::new();
    let mut values: Vec<(&str, String)> = Vec::new();
    for (r, kind) in spans.iter() {
        if values.len() >= 500 {
            break;
        }
        if !matches!(
            kind.as_str(),
            "phi:name" | "phi:mrn" | "phi:ssn" | "phi:contact" | "phi:dob"
        ) {
            continue;
        }
        let v = &text[r.clone()];
        let long_enough = if kind == "phi:name" {
            v.chars().count() >= 3 && v.chars().next().is_some_and(char::is_uppercase)
        } else {
            v.len() >= 6
        };
        if long_enough && seen.insert(v) {
            values.push((v, kind.clone()));
        }
    }
    if values.is_empty() {
        return;
    }
    let Ok(ac) = aho_corasick::AhoCorasick::new(values.iter().map(|(v, _)| v)) else {
        return;
    };
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
    let mut more = Vec::new();
    for m in ac.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        // The places already masked come again: overlaps are merged when the text is
        // written.
        if !word(before) && !word(after) {
            more.push((m.start()..m.end(), values[m.pattern().as_usize()].1.clone()));
        }
    }
    spans.extend(more);
}

/// A name found across a delimiter (`Ingrid,Haugland` in a CSV row) is masked word by word:
/// the delimiter stays.
fn split_at_delimiters(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let piece = &text[range.clone()];
    if !piece.contains([',', '|', '\t', ';', '^', '~', '\n', '\r']) {
        return vec![range];
    }
    let mut out = Vec::new();
    let mut start = range.start;
    for (i, c) in piece.char_indices() {
        if matches!(c, ',' | '|' | '\t' | ';' | '^' | '~' | '\n' | '\r') {
            push_trimmed(text, start..range.start + i, &mut out);
            start = range.start + i + c.len_utf8();
        }
    }
    push_trimmed(text, start..range.end, &mut out);
    out
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[r.clone()];
    let lead = s.len() - s.trim_start().len();
    let t = s.trim();
    if !t.is_empty() {
        out.push(r.start + lead..r.start + lead + t.len());
    }
}

fn mask_text(
    engine: &dyn SecretSource,
    text: &str,
    kinds: &mut BTreeSet<String>,
    marker: Marker,
    only: Option<&[String]>,
) -> String {
    if let Some(out) = nested_json(engine, text, kinds, marker, only) {
        return out;
    }
    let mut spans: Vec<(Range<usize>, String)> = Vec::new();
    // A document read by its structure (JSON text, HL7, X12): values by their keys and
    // positions; the record-container findings inside it are superseded by those.
    let (structured, read) = super::structured::text_spans(text);
    let mut quoted: Vec<Range<usize>> = Vec::new();
    for s in structured {
        if s.quote {
            quoted.push(s.range.clone());
        }
        spans.push((s.range, s.kind));
    }
    // One keyword pass for all detectors, as the decision does: a detector none of whose
    // keywords occur is skipped (each running its own prefilter over 1 MiB cost 25 ms).
    // A large text is scanned for PHI on a second core meanwhile.
    let (phi_found, secret_spans) = phi::candidates_alongside(text, || {
        let mut spans = Vec::new();
        let present = engine.keywords_in(text);
        for (rule, detector) in engine.secret_detectors() {
            let rule: &str = rule;
            if !detector.keywords.iter().any(|k| present.contains(k)) {
                continue;
            }
            if let Ok(found) = detector.find(text) {
                for f in found {
                    spans.push((
                        f.secret,
                        format!("secret:{}", rule.rsplit('.').next().unwrap_or(rule)),
                    ));
                }
            }
        }
        spans
    });
    spans.extend(secret_spans);
    // An empty finding is context (a medication beside a name), not something to mask.
    for f in phi_found.into_iter().filter(|f| !f.range.is_empty()) {
        let container = matches!(
            f.kind,
            phi::PhiKind::Hl7 | phi::PhiKind::Fhir | phi::PhiKind::X12
        );
        if container
            && read
                .iter()
                .any(|r| r.start < f.range.end && f.range.start < r.end)
        {
            continue;
        }
        if f.kind == phi::PhiKind::Name {
            for r in split_at_delimiters(text, f.range) {
                spans.push((r, "phi:name".to_string()));
            }
        } else {
            spans.push((f.range, format!("phi:{}", f.kind.id())));
        }
    }
    spans.extend(
        labelled_secrets(text)
            .into_iter()
            .map(|r| (r, "secret:password".to_string())),
    );
    // A password in a URL, whatever it looks like (dev passwords the detector lets pass).
    spans.extend(
        crate::sanitize::url_password_spans(text)
            .into_iter()
            .map(|r| (r, "url-password".to_string())),
    );
    repeated_values(text, &mut spans);
    if let Some(only) = only {
        spans.retain(|(_, kind)| only.contains(kind));
    }
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, kind) in spans {
        if range.end <= at
            || !text.is_char_boundary(range.start.max(at))
            || !text.is_char_boundary(range.end)
        {
            continue;
        }
        let start = range.start.max(at);
        out.push_str(&text[at..start]);
        if quoted.contains(&range) {
            // A JSON number: its marker is a string, so the text stays JSON.
            out.push('"');
            out.push_str(&marker.render(&kind));
            out.push('"');
        } else {
            out.push_str(&marker.render(&kind));
        }
        kinds.insert(kind);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_inputs_keep_an_excerpt_of_each_long_string() {
        let small = serde_json::json!({"file_path": "a.txt", "content": "x".repeat(10_000)});
        let mut unchanged = small.clone();
        assert!(
            !excerpt_large(&mut unchanged),
            "under the cap nothing is cut"
        );
        assert_eq!(unchanged, small);

        let body = "é".repeat(300_000);
        let mut large = serde_json::json!({"file_path": "a.txt", "content": body, "n": 1});
        assert!(excerpt_large(&mut large));
        let kept = large["content"].as_str().unwrap();
        assert!(kept.len() < STRING_KEEP + 200, "{}", kept.len());
        assert!(kept.starts_with("éé"));
        assert!(kept.ends_with(&format!(
            "…[{} more bytes not kept in the journal; input_sha256 covers the whole input]",
            600_000 - STRING_KEEP
        )));
        assert_eq!(large["file_path"], "a.txt", "short strings stay whole");
        assert_eq!(large["n"], 1);
    }
}
