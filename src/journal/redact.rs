//! Masking before anything reaches disk. The same detectors as the content rules (one
//! implementation): every secret detector of the loaded packs, the PHI identifiers, and
//! passwords inside URLs. Each masked span becomes `[REDACTED:<kind>]`.

use crate::detect::phi;
use crate::engine::Engine;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ops::Range;

/// Redact every string in `value`; returns the masked value and the kinds masked.
pub fn redact_json(engine: &Engine, value: &Value) -> (Value, Vec<String>) {
    let mut kinds = BTreeSet::new();
    let out = walk(engine, value, &mut kinds, 0);
    (out, kinds.into_iter().collect())
}

fn walk(engine: &Engine, value: &Value, kinds: &mut BTreeSet<String>, depth: usize) -> Value {
    match value {
        Value::String(s) => Value::String(redact_text(engine, s, kinds)),
        Value::Array(items) if depth < 64 => Value::Array(
            items
                .iter()
                .map(|v| walk(engine, v, kinds, depth + 1))
                .collect(),
        ),
        Value::Object(map) if depth < 64 => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), walk(engine, v, kinds, depth + 1)))
                .collect(),
        ),
        Value::Array(_) | Value::Object(_) => Value::String("[REDACTED:too-deep]".into()),
        other => other.clone(),
    }
}

/// Mask secrets and patient identifiers in one string.
pub fn redact_text(engine: &Engine, text: &str, kinds: &mut BTreeSet<String>) -> String {
    let mut spans: Vec<(Range<usize>, String)> = Vec::new();
    for (rule, detector) in engine.secret_detectors() {
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
        out.push_str(&format!("[REDACTED:{kind}]"));
        kinds.insert(kind);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}
