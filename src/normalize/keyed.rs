//! Structured data that keeps a field's name apart from its value, read with the two
//! together: `{"key": "family", "value": "Tuiasosopo"}` as `{"family": "Tuiasosopo"}`, a
//! segment sent as `{"id": "NM1", "elements": [...]}` as the line `NM1*IL*1*...~`, and a date
//! given in parts (`{"y": 2003, "m": 2, "d": 27}`) as `2003-02-27`. The detectors read
//! labels (`"family":`, `NM1*IL`) only where they see them beside the value.

use serde_json::{Map, Value};

/// Members that name the field of a pair.
const LABEL_KEYS: &[&str] = &[
    "key",
    "name",
    "field",
    "part",
    "label",
    "attribute",
    "column",
];
/// Members that hold the pair's value.
const VALUE_KEYS: &[&str] = &["value", "text", "val", "valuestring"];
/// Members that hold a segment's elements, and those that name the segment.
const ELEMENT_KEYS: &[&str] = &["elements", "fields", "values"];
const SEGMENT_KEYS: &[&str] = &["id", "segment", "tag"];
/// How deep the rewrite goes: deeper data is left as it is.
const MAX_DEPTH: usize = 32;

/// `value` with its pairs, segments and date parts joined, or `None` when it has none.
pub fn keyed(value: &Value) -> Option<Value> {
    let mut changed = false;
    let out = rewrite(value, 0, &mut changed);
    changed.then_some(out)
}

fn rewrite(value: &Value, depth: usize, changed: &mut bool) -> Value {
    if depth > MAX_DEPTH {
        return value.clone();
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| rewrite(i, depth + 1, changed))
                .collect(),
        ),
        Value::Object(map) => {
            if let Some(joined) = pair(map).or_else(|| segment(map)).or_else(|| date(map)) {
                *changed = true;
                return joined;
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), rewrite(v, depth + 1, changed)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// A member named (case-insensitively) one of `names`.
fn member<'a>(map: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
        .map(|(_, v)| v)
}

/// `{"key": "family", "value": "Tuiasosopo"}` as `{"family": "Tuiasosopo"}`.
fn pair(map: &Map<String, Value>) -> Option<Value> {
    if !(2..=4).contains(&map.len()) {
        return None;
    }
    let label = member(map, LABEL_KEYS)?.as_str()?;
    let value = member(map, VALUE_KEYS)?;
    let plain = label.len() <= 40
        && label
            .chars()
            .all(|c| c.is_alphanumeric() || "_-. ".contains(c));
    if !plain || !(value.is_string() || value.is_number()) {
        return None;
    }
    let mut out = Map::new();
    out.insert(label.to_string(), value.clone());
    Some(Value::Object(out))
}

/// `{"id": "NM1", "elements": ["IL", "1", "ITTA"]}` as the X12 line `NM1*IL*1*ITTA~`.
fn segment(map: &Map<String, Value>) -> Option<Value> {
    let id = member(map, SEGMENT_KEYS)?.as_str()?;
    let is_segment_id = (2..=3).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_uppercase())
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let Value::Array(elements) = member(map, ELEMENT_KEYS)? else {
        return None;
    };
    if !is_segment_id || elements.is_empty() {
        return None;
    }
    let mut line = id.to_string();
    for e in elements {
        line.push('*');
        match e {
            Value::String(s) => line.push_str(s),
            Value::Number(n) => line.push_str(&n.to_string()),
            Value::Null => {}
            _ => return None,
        }
    }
    line.push('~');
    Some(Value::String(line))
}

/// `{"y": 2003, "m": 2, "d": 27}` (or `year`, `month`, `day`) as `2003-02-27`.
fn date(map: &Map<String, Value>) -> Option<Value> {
    if map.len() != 3 {
        return None;
    }
    let part = |names: &[&str]| -> Option<u64> {
        let v = member(map, names)?;
        v.as_u64().or_else(|| v.as_str()?.parse().ok())
    };
    let (y, m, d) = (
        part(&["y", "year"])?,
        part(&["m", "month"])?,
        part(&["d", "day"])?,
    );
    let valid = (1850..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
    valid.then(|| Value::String(format!("{y:04}-{m:02}-{d:02}")))
}

#[cfg(test)]
mod tests {
    use super::keyed;
    use serde_json::json;

    #[test]
    fn pairs_segments_and_date_parts_are_joined() {
        let got = keyed(&json!({"fields": [
            {"key": "family", "value": "Tuiasosopo"},
            {"key": "birthDate", "value": "1972-10-30"},
        ]}))
        .unwrap();
        assert_eq!(
            got,
            json!({"fields": [{"family": "Tuiasosopo"}, {"birthDate": "1972-10-30"}]})
        );
        let got = keyed(&json!({"segments": [
            {"id": "NM1", "elements": ["IL", "1", "ITTA", "ELIZABETH", "", "MI", "7700412093"]},
        ]}))
        .unwrap();
        assert_eq!(
            got,
            json!({"segments": ["NM1*IL*1*ITTA*ELIZABETH**MI*7700412093~"]})
        );
        let got = keyed(&json!({"name": [{"part": "given", "text": "Minji"}], "born": {"y": 2003, "m": 2, "d": 27}})).unwrap();
        assert_eq!(
            got,
            json!({"name": [{"given": "Minji"}], "born": "2003-02-27"})
        );
    }

    #[test]
    fn data_without_pairs_is_left_alone() {
        // A FHIR identifier has a system and a value, no label: nothing to join.
        assert_eq!(
            keyed(&json!({"identifier": [{"system": "urn:mrn", "value": "123"}]})),
            None
        );
        assert_eq!(keyed(&json!({"a": {"y": 1, "m": 2, "d": 3}})), None);
        assert_eq!(
            keyed(&json!({"key": "a long label with: punctuation!", "value": "x"})),
            None
        );
    }
}
