//! Masking before anything reaches disk. The same detectors as the content rules (one
//! implementation): every secret detector of the loaded packs, the PHI identifiers, and
//! passwords inside URLs. Each masked span becomes `[REDACTED:<kind>]` in the journal, and
//! `[PHI:<kind>]` or `[SECRET:<kind>]` in a tool output shown to the model.

use crate::detect::phi;
use crate::engine::Engine;
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
pub fn redact_json(engine: &Engine, value: &Value) -> (Value, Vec<String>) {
    mask_json(engine, value, Marker::Journal)
}

/// Mask every string in `value`; returns the masked value and the kinds masked.
pub fn mask_json(engine: &Engine, value: &Value, marker: Marker) -> (Value, Vec<String>) {
    let mut kinds = BTreeSet::new();
    let out = walk(engine, value, &mut kinds, 0, marker, None);
    (out, kinds.into_iter().collect())
}

/// Mask only findings of the `only` kinds.
pub fn mask_json_only(engine: &Engine, value: &Value, marker: Marker, only: &[String]) -> Value {
    walk(engine, value, &mut BTreeSet::new(), 0, marker, Some(only))
}

fn walk(
    engine: &Engine,
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
pub fn redact_text(engine: &Engine, text: &str, kinds: &mut BTreeSet<String>) -> String {
    mask_text(engine, text, kinds, Marker::Journal, None)
}

fn mask_text(
    engine: &Engine,
    text: &str,
    kinds: &mut BTreeSet<String>,
    marker: Marker,
    only: Option<&[String]>,
) -> String {
    let mut spans: Vec<(Range<usize>, String)> = Vec::new();
    // One keyword pass for all detectors, as the decision does: a detector none of whose
    // keywords occur is skipped (each running its own prefilter over 1 MiB cost 25 ms).
    let present = engine.keywords_in(text);
    for (rule, detector) in engine.secret_detectors() {
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
    for f in phi::candidates(text) {
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
