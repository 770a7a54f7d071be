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
    let out = walk(engine, value, &mut kinds, 0, marker, None);
    (out, kinds.into_iter().collect())
}

/// Mask only findings of the `only` kinds.
pub fn mask_json_only(
    engine: &dyn SecretSource,
    value: &Value,
    marker: Marker,
    only: &[String],
) -> Value {
    walk(engine, value, &mut BTreeSet::new(), 0, marker, Some(only))
}

fn walk(
    engine: &dyn SecretSource,
    value: &Value,
    kinds: &mut BTreeSet<String>,
    depth: usize,
    marker: Marker,
    only: Option<&[String]>,
) -> Value {
    match value {
        Value::String(s) => Value::String(mask_text(engine, s, kinds, marker, only)),
        Value::Array(items) if depth < 64 => Value::Array(
            items
                .iter()
                .map(|v| walk(engine, v, kinds, depth + 1, marker, only))
                .collect(),
        ),
        Value::Object(map) if depth < 64 => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), walk(engine, v, kinds, depth + 1, marker, only)))
                .collect(),
        ),
        Value::Array(_) | Value::Object(_) => {
            kinds.insert("too-deep".into());
            Value::String(marker.render("too-deep"))
        }
        other => other.clone(),
    }
}

/// Mask secrets and patient identifiers in one string, for the journal.
pub fn redact_text(engine: &dyn SecretSource, text: &str, kinds: &mut BTreeSet<String>) -> String {
    mask_text(engine, text, kinds, Marker::Journal, None)
}

fn mask_text(
    engine: &dyn SecretSource,
    text: &str,
    kinds: &mut BTreeSet<String>,
    marker: Marker,
    only: Option<&[String]>,
) -> String {
    let mut spans: Vec<(Range<usize>, String)> = Vec::new();
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
    for f in phi_found {
        spans.push((f.range, format!("phi:{}", f.kind.id())));
    }
    // A password in a URL, whatever it looks like (dev passwords the detector lets pass).
    spans.extend(
        crate::sanitize::url_password_spans(text)
            .into_iter()
            .map(|r| (r, "url-password".to_string())),
    );
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
        out.push_str(&marker.render(&kind));
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
