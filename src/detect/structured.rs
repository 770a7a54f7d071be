//! Masking that keeps a document's structure. In JSON (a parsed value or JSON text), HL7 v2
//! and X12, an identifier is told by where it sits (its key and the object around it, its
//! segment and field, its element) and masked value by value: never a key, a delimiter, a
//! segment name or a resource type, and a number becomes a string, so the masked output
//! still parses, keeps every line, and says what was there. The free-text detectors still
//! read every value; these spans come first.

use super::phi;
use serde_json::Value;
use std::ops::Range;

/// One value to mask in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub range: Range<usize>,
    /// `phi:name`, `phi:ssn`, `secret:password`, ...
    pub kind: String,
    /// A JSON number: its marker is written as a JSON string.
    pub quote: bool,
}

/// Deepest nesting read; deeper documents are left to the free-text detectors.
const MAX_DEPTH: usize = 64;

/// Keys under which a value is a secret, compared lower-case without `_`, `-`, `.`.
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "secretkey",
    "clientsecret",
    "apikey",
    "apisecret",
    "accesstoken",
    "refreshtoken",
    "authtoken",
    "token",
    "privatekey",
    "secretaccesskey",
    "accountkey",
    "sharedaccesskey",
];

/// Keys read with the object around them (FHIR's `value`, `display`, `text`), and address
/// and e-mail keys.
const KEYED: &[&str] = &[
    "value",
    "display",
    "text",
    "given",
    "family",
    "prefix",
    "line",
    "street",
    "streetaddress",
    "address1",
    "address2",
    "addressline1",
    "email",
    "emailaddress",
    "mail",
    "correo",
];

/// Longest value read by its key (a private key fits; a file does not).
const MAX_VALUE: usize = 8 * 1024;

fn normalised(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a key says its value is, with the object around it: `sibling(k)` reads another
/// string member of the same object, `parent` is the key the object sits under.
pub fn value_kind(
    key: &str,
    parent: Option<&str>,
    sibling: &dyn Fn(&str) -> Option<String>,
    value: &str,
) -> Option<&'static str> {
    // The key first: most values sit under keys that name nothing, and a value may be a
    // whole file (a tool's `stdout`).
    let k = normalised(key);
    let secret = SECRET_KEYS
        .iter()
        .any(|s| k == *s || (s.len() >= 6 && k.ends_with(s)));
    if !secret && !KEYED.contains(&k.as_str()) && !phi::is_field_label(key) {
        return None;
    }
    let value = value.trim();
    if value.is_empty() || value.len() > MAX_VALUE || phi::placeholder(value) {
        return None;
    }
    let parent = parent.map(normalised).unwrap_or_default();
    // A secret's last segment names it (`spring.datasource.password`, `db_password`).
    if secret {
        let lower = value.to_ascii_lowercase();
        let reference = value.starts_with("${")
            || value.starts_with('$')
            || value.starts_with('%')
            || ["changeme", "password", "secret", "redacted", "none", "null"]
                .contains(&lower.as_str());
        return (!reference && value.len() >= 6).then_some("secret:password");
    }
    if let Some(kind) = phi::labelled_value(key, value) {
        return Some(person_kind(kind));
    }
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    match k.as_str() {
        // FHIR Identifier and ContactPoint: the system says what the value is.
        "value" => {
            let system = sibling("system").unwrap_or_default().to_ascii_lowercase();
            if system.contains("ssn") {
                Some("phi:ssn")
            } else if matches!(system.as_str(), "phone" | "email" | "fax" | "sms" | "pager") {
                Some("phi:contact")
            } else if (parent == "identifier"
                || system.contains("mrn")
                || system.contains("patient"))
                && digits >= 4
            {
                Some("phi:mrn")
            } else {
                None
            }
        }
        // A reference's readable name, when it refers to a person.
        "display" => {
            let reference = sibling("reference").unwrap_or_default();
            let person = [
                "subject",
                "patient",
                "beneficiary",
                "subscriber",
                "insured",
                "individual",
            ]
            .contains(&parent.as_str())
                || reference.starts_with("Patient/")
                || reference.starts_with("RelatedPerson/");
            person.then_some("phi:name")
        }
        "text" if parent == "name" => Some("phi:name"),
        "given" | "family" | "prefix" if parent == "name" => Some("phi:name"),
        "line" | "street" | "streetaddress" | "address1" | "address2" | "addressline1" => {
            (digits >= 1 && value.contains(' ')).then_some("phi:contact")
        }
        "email" | "emailaddress" | "mail" | "correo" => {
            value.contains('@').then_some("phi:contact")
        }
        _ => None,
    }
}

fn person_kind(kind: phi::PhiKind) -> &'static str {
    match kind {
        phi::PhiKind::Name => "phi:name",
        phi::PhiKind::Dob => "phi:dob",
        phi::PhiKind::Ssn => "phi:ssn",
        phi::PhiKind::Mrn => "phi:mrn",
        phi::PhiKind::Contact => "phi:contact",
        phi::PhiKind::Age => "phi:age",
        phi::PhiKind::Card => "phi:card",
        _ => "phi:id",
    }
}

/// The text form of a JSON scalar, as a key would be read against it.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Walk a parsed JSON value: `mask(kind)` is what replaces a value the keys identify (`None`
/// keeps it: a kind the caller does not mask); `text` masks every other string (the
/// free-text detectors). Numbers under identifying keys become strings.
pub fn walk_json(
    value: &Value,
    mask: &mut dyn FnMut(&str) -> Option<String>,
    text: &mut dyn FnMut(&str) -> String,
) -> Value {
    walk(value, None, None, &|_: &str| None, mask, text, 0)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    value: &Value,
    key: Option<&str>,
    parent: Option<&str>,
    sibling: &dyn Fn(&str) -> Option<String>,
    mask: &mut dyn FnMut(&str) -> Option<String>,
    text: &mut dyn FnMut(&str) -> String,
    depth: usize,
) -> Value {
    if depth > MAX_DEPTH {
        return Value::String(mask("too-deep").unwrap_or_default());
    }
    match value {
        Value::String(s) => match key
            .and_then(|k| value_kind(k, parent, sibling, s))
            .and_then(&mut *mask)
        {
            Some(masked) => Value::String(masked),
            None => Value::String(text(s)),
        },
        Value::Number(n) => match key
            .and_then(|k| value_kind(k, parent, sibling, &n.to_string()))
            .and_then(&mut *mask)
        {
            Some(masked) => Value::String(masked),
            None => value.clone(),
        },
        // An array's items are read under the array's key (`"given": ["Ana", "Maria"]`).
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| walk(v, key, parent, sibling, mask, text, depth + 1))
                .collect(),
        ),
        Value::Object(map) => {
            let members = |k: &str| map.get(k).and_then(scalar_text);
            Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            walk(v, Some(k), key, &members, mask, text, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// Spans for a text in a structure this module reads (JSON, HL7 v2, X12), and the ranges
/// it read: a record-container finding inside one is superseded by these value spans.
pub fn text_spans(text: &str) -> (Vec<Span>, Vec<Range<usize>>) {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Some(spans) = json_text_spans(text)
    {
        let whole: Range<usize> = 0..text.len();
        return (spans, std::iter::once(whole).collect());
    }
    let mut spans = Vec::new();
    let mut read = Vec::new();
    if trimmed.starts_with('<') {
        xml_spans(text, &mut spans);
    }
    hl7_spans(text, &mut spans, &mut read);
    x12_spans(text, &mut spans, &mut read);
    (spans, read)
}

/// What an XML element's value is, by the element and the one around it (FHIR's XML form,
/// CDA): `<value value="..."/>` in an `identifier`, `<id extension="..."/>` of a patient,
/// `<family>` in a `name`, `<birthTime value="..."/>`.
fn xml_kind(element: &str, parent: &str, value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.is_empty() || phi::placeholder(value) {
        return None;
    }
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let lower = |s: &str| s.to_ascii_lowercase();
    let (e, p) = (lower(element), lower(parent));
    match e.as_str() {
        "family" | "given" if p == "name" || p == "humanname" => Some("phi:name"),
        "birthtime" | "birthdate" if digits >= 4 => Some("phi:dob"),
        "value" if p == "identifier" && digits >= 4 => Some("phi:mrn"),
        "value" if p == "telecom" => Some("phi:contact"),
        "telecom" if value.contains("tel:") || value.contains("mailto:") => Some("phi:contact"),
        "id" if [
            "patientrole",
            "patient",
            "recordtarget",
            "guardian",
            "subject",
        ]
        .contains(&p.as_str())
            && digits >= 4 =>
        {
            Some("phi:mrn")
        }
        "display" if ["subject", "patient", "beneficiary", "subscriber"].contains(&p.as_str()) => {
            Some("phi:name")
        }
        "line" | "streetaddressline" if digits >= 1 => Some("phi:contact"),
        "text" if p == "name" => Some("phi:name"),
        // An organisation's or a practitioner's name is not a patient's.
        "name"
            if !["patient", "person", "guardianperson", "guardian", "subject"]
                .contains(&p.as_str()) =>
        {
            None
        }
        _ => phi::labelled_value(element, value).map(person_kind),
    }
}

/// XML read tag by tag: attribute values (`value`, `extension`) and element text, each with
/// its element and the element around it.
fn xml_spans(text: &str, spans: &mut Vec<Span>) {
    let b = text.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut at = 0;
    while let Some(open) = memchr::memchr(b'<', &b[at..]).map(|i| at + i) {
        let Some(close) = memchr::memchr(b'>', &b[open..]).map(|i| open + i) else {
            break;
        };
        let tag = &text[open + 1..close];
        at = close + 1;
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = local(name.trim());
            if let Some(i) = stack.iter().rposition(|n| *n == name) {
                stack.truncate(i);
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let element = local(&tag[..name_end]).to_string();
        let parent = stack.last().cloned().unwrap_or_default();
        // Attribute values: `value="..."`, `extension="..."`.
        for attr in ["value", "extension"] {
            let needle = format!(" {attr}=\"");
            if let Some(i) = tag.find(&needle) {
                let v_start = open + 1 + i + needle.len();
                if let Some(len) = text[v_start..close].find('"')
                    && let Some(kind) = xml_kind(&element, &parent, &text[v_start..v_start + len])
                {
                    spans.push(Span {
                        range: v_start..v_start + len,
                        kind: kind.to_string(),
                        quote: false,
                    });
                }
            }
        }
        if self_closing {
            continue;
        }
        // Element text up to the next tag.
        let t_end = memchr::memchr(b'<', &b[at..]).map_or(b.len(), |i| at + i);
        let content = &text[at..t_end];
        if !content.trim().is_empty()
            && let Some(kind) = xml_kind(&element, &parent, content)
        {
            let lead = content.len() - content.trim_start().len();
            spans.push(Span {
                range: at + lead..at + lead + content.trim().len(),
                kind: kind.to_string(),
                quote: false,
            });
        }
        stack.push(element);
        if stack.len() > 256 {
            return;
        }
    }
}

/// An element or attribute name without its namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// A scalar of JSON text: where it is, its key, and the key of the object around it.
struct Scalar {
    range: Range<usize>,
    /// The index of the object it is a member of (into `objects`).
    object: usize,
    key: Option<String>,
    value: String,
    number: bool,
}

/// JSON text read for its scalars' places; `None` when it is not JSON.
fn json_text_spans(text: &str) -> Option<Vec<Span>> {
    let b = text.as_bytes();
    let mut at = 0;
    let mut scalars = Vec::new();
    // Per object: the key it sits under.
    let mut objects: Vec<Option<String>> = vec![None];
    // The stack: (is object, object index, key of the member being read).
    let mut stack: Vec<(bool, usize, Option<String>)> = Vec::new();
    let mut expect_key = false;
    let skip_ws = |at: &mut usize| {
        while *at < b.len() && b[*at].is_ascii_whitespace() {
            *at += 1;
        }
    };
    loop {
        skip_ws(&mut at);
        if at >= b.len() {
            break;
        }
        match b[at] {
            b'{' => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                let under = stack.last().and_then(|(_, _, k)| k.clone());
                objects.push(under);
                stack.push((true, objects.len() - 1, None));
                expect_key = true;
                at += 1;
            }
            b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                // Items of an array are read under its key, in the object around it.
                let (object, key) = stack
                    .last()
                    .map(|(_, o, k)| (*o, k.clone()))
                    .unwrap_or((0, None));
                stack.push((false, object, key));
                expect_key = false;
                at += 1;
            }
            b'}' | b']' => {
                stack.pop()?;
                at += 1;
                expect_key = false;
            }
            b',' => {
                at += 1;
                if let Some((true, _, key)) = stack.last_mut() {
                    *key = None;
                    expect_key = true;
                }
            }
            b':' => {
                at += 1;
                expect_key = false;
            }
            b'"' => {
                let start = at;
                at += 1;
                let mut value = String::new();
                loop {
                    match b.get(at)? {
                        b'"' => break,
                        b'\\' => {
                            value.push(*b.get(at + 1)? as char);
                            at += 2;
                        }
                        _ => {
                            let ch_len = utf8_len(b[at]);
                            value.push_str(text.get(at..at + ch_len)?);
                            at += ch_len;
                        }
                    }
                }
                let end = at;
                at += 1;
                let frame = stack.last_mut()?;
                if frame.0 && expect_key {
                    frame.2 = Some(value);
                    expect_key = false;
                } else {
                    scalars.push(Scalar {
                        range: start + 1..end,
                        object: frame.1,
                        key: frame.2.clone(),
                        value,
                        number: false,
                    });
                }
            }
            c if c == b'-' || c.is_ascii_digit() => {
                let start = at;
                while at < b.len()
                    && (b[at].is_ascii_digit() || matches!(b[at], b'-' | b'+' | b'.' | b'e' | b'E'))
                {
                    at += 1;
                }
                let frame = stack.last()?;
                scalars.push(Scalar {
                    range: start..at,
                    object: frame.1,
                    key: frame.2.clone(),
                    value: text[start..at].to_string(),
                    number: true,
                });
            }
            b't' | b'f' | b'n' => {
                while at < b.len() && b[at].is_ascii_alphabetic() {
                    at += 1;
                }
            }
            _ => return None,
        }
    }
    if !stack.is_empty() {
        return None;
    }
    let mut spans = Vec::new();
    // Members by object and key, so a sibling is found at once in a large document.
    let mut members: std::collections::HashMap<(usize, &str), usize> = Default::default();
    for (i, s) in scalars.iter().enumerate() {
        if let Some(k) = &s.key {
            members.entry((s.object, k.as_str())).or_insert(i);
        }
    }
    for s in &scalars {
        let Some(key) = &s.key else { continue };
        let sibling = |k: &str| {
            members
                .get(&(s.object, k))
                .map(|&i| scalars[i].value.clone())
        };
        let parent = objects.get(s.object).cloned().flatten();
        if let Some(kind) = value_kind(key, parent.as_deref(), &sibling, &s.value) {
            spans.push(Span {
                range: s.range.clone(),
                kind: kind.to_string(),
                quote: s.number,
            });
        }
    }
    Some(spans)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// How an HL7 field is masked.
#[derive(Clone, Copy)]
enum Hl7 {
    /// An identifier (CX): its first component.
    Id,
    /// A name (XPN): family, given, middle.
    Name,
    /// An address (XAD): street, other designation, postal code.
    Address,
    /// A date of birth: its first component.
    Date,
    /// Every component (telephone numbers, SSNs).
    Whole(&'static str),
}

/// Segments and fields that identify a person (HL7 v2.5 numbering).
fn hl7_fields(segment: &str) -> &'static [(usize, Hl7)] {
    use Hl7::*;
    match segment {
        "PID" => &[
            (2, Id),
            (3, Id),
            (4, Id),
            (5, Name),
            (6, Name),
            (7, Date),
            (9, Name),
            (11, Address),
            (13, Whole("phi:contact")),
            (14, Whole("phi:contact")),
            (18, Id),
            (19, Whole("phi:ssn")),
            (20, Id),
            (21, Id),
        ],
        "NK1" => &[
            (2, Name),
            (4, Address),
            (5, Whole("phi:contact")),
            (6, Whole("phi:contact")),
            (16, Date),
            (37, Whole("phi:ssn")),
        ],
        "GT1" => &[
            (2, Id),
            (3, Name),
            (4, Name),
            (5, Address),
            (6, Whole("phi:contact")),
            (7, Whole("phi:contact")),
            (8, Date),
            (12, Whole("phi:ssn")),
        ],
        "IN1" => &[(16, Name), (18, Date), (19, Address), (36, Id), (49, Id)],
        "IN2" => &[(1, Id), (2, Whole("phi:ssn"))],
        "MRG" => &[(1, Id), (2, Id), (3, Id), (4, Id), (7, Name)],
        _ => &[],
    }
}

/// Segments `hl7_fields` reads.
const HL7_SEGMENTS: [&str; 6] = ["PID", "NK1", "GT1", "IN1", "IN2", "MRG"];

fn hl7_spans(text: &str, spans: &mut Vec<Span>, read: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    // Most texts hold none of the segments: a SIMD search for each spares reading them
    // line by line.
    if !HL7_SEGMENTS
        .iter()
        .any(|s| memchr::memmem::find(b, s.as_bytes()).is_some())
    {
        return;
    }
    // Separators from MSH (`MSH|^~\&`), else the standard ones.
    let (field, component, repeat, sub) = match text.find("MSH") {
        Some(i) if b.len() > i + 7 => (b[i + 3], b[i + 4], b[i + 5], b[i + 7]),
        _ => (b'|', b'^', b'~', b'&'),
    };
    if ![field, component, repeat, sub]
        .iter()
        .all(u8::is_ascii_punctuation)
    {
        return;
    }
    let mut line_start = 0;
    for line in text.split_inclusive(['\n', '\r']) {
        let start = line_start;
        line_start += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let lb = body.as_bytes();
        if lb.len() < 4 || lb[3] != field {
            continue;
        }
        let table = hl7_fields(&body[..3]);
        if table.is_empty() {
            continue;
        }
        read.push(start..start + body.len());
        let mut fields = Vec::new();
        let mut f_start = 0;
        for (i, &c) in lb.iter().enumerate() {
            if c == field {
                fields.push(f_start..i);
                f_start = i + 1;
            }
        }
        fields.push(f_start..lb.len());
        for &(n, how) in table {
            let Some(f) = fields.get(n) else { continue };
            let mut rep_start = f.start;
            for i in f.start..=f.end {
                if i < f.end && lb[i] != repeat {
                    continue;
                }
                let mut comp = 1;
                let mut c_start = rep_start;
                for j in rep_start..=i {
                    if j < i && lb[j] != component {
                        continue;
                    }
                    let wanted = match how {
                        Hl7::Id | Hl7::Date => comp == 1,
                        Hl7::Name => (1..=3).contains(&comp),
                        Hl7::Address => matches!(comp, 1 | 2 | 5),
                        Hl7::Whole(_) => true,
                    };
                    if wanted {
                        // Subcomponents keep their `&`.
                        let mut s_start = c_start;
                        for k in c_start..=j {
                            if k < j && lb[k] != sub {
                                continue;
                            }
                            if k > s_start && lb[s_start..k].iter().any(u8::is_ascii_alphanumeric) {
                                let kind = match how {
                                    Hl7::Id => "phi:mrn",
                                    Hl7::Name => "phi:name",
                                    Hl7::Address => "phi:contact",
                                    Hl7::Date => "phi:dob",
                                    Hl7::Whole(kind) => kind,
                                };
                                spans.push(Span {
                                    range: start + s_start..start + k,
                                    kind: kind.to_string(),
                                    quote: false,
                                });
                            }
                            s_start = k + 1;
                        }
                    }
                    comp += 1;
                    c_start = j + 1;
                }
                rep_start = i + 1;
            }
        }
    }
}

/// Person entity codes in NM1 (subscriber, patient, dependent, corrected insured).
const X12_PERSONS: &[&str] = &["IL", "QC", "03", "74", "IL1"];
/// REF qualifiers that carry a person's id (SSN, member id, member's insured id, medical
/// record number, HICN).
const X12_PERSON_REFS: &[&str] = &["SY", "1W", "0F", "EA", "F6", "N5"];

fn x12_spans(text: &str, spans: &mut Vec<Span>, read: &mut Vec<Range<usize>>) {
    if !text.contains("NM1") {
        return;
    }
    let b = text.as_bytes();
    let element = match text.find("ISA") {
        Some(i) if b.len() > i + 3 => b[i + 3],
        _ => b'*',
    };
    // A separator inside a multi-byte character would cut it: not X12.
    if !element.is_ascii_punctuation() {
        return;
    }
    if !text.contains('~') {
        return;
    }
    let mut person = false;
    let mut seg_start = 0;
    for seg in text.split_inclusive('~') {
        let start = seg_start;
        seg_start += seg.len();
        let lead = seg.len() - seg.trim_start().len();
        let body = seg.trim_start().trim_end_matches('~');
        let base = start + lead;
        let mut elements: Vec<Range<usize>> = Vec::new();
        let mut e_start = 0;
        for (i, c) in body.bytes().enumerate() {
            if c == element {
                elements.push(e_start..i);
                e_start = i + 1;
            }
        }
        elements.push(e_start..body.len());
        let el = |n: usize| elements.get(n).map(|r| &body[r.clone()]).unwrap_or("");
        let mut mask = |n: usize, kind: &str| {
            if let Some(r) = elements.get(n)
                && body[r.clone()].bytes().any(|c| c.is_ascii_alphanumeric())
            {
                spans.push(Span {
                    range: base + r.start..base + r.end,
                    kind: kind.to_string(),
                    quote: false,
                });
            }
        };
        match el(0) {
            "NM1" => {
                person = X12_PERSONS.contains(&el(1)) && el(2) == "1";
                if person {
                    read.push(base..base + body.len());
                    for n in [3, 4, 5] {
                        mask(n, "phi:name");
                    }
                    mask(9, "phi:mrn");
                }
            }
            "N3" if person => {
                mask(1, "phi:contact");
                mask(2, "phi:contact");
            }
            "N4" if person => mask(3, "phi:contact"),
            "DMG" if person => mask(2, "phi:dob"),
            "REF" if person && X12_PERSON_REFS.contains(&el(1)) => mask(2, "phi:mrn"),
            "HL" | "SE" | "LX" | "CLM" => person = false,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let (mut spans, _) = text_spans(text);
        spans.sort_by_key(|s| s.range.start);
        let mut out = String::new();
        let mut at = 0;
        for s in spans {
            out.push_str(&text[at..s.range.start]);
            let marker = format!("[{}]", s.kind);
            if s.quote {
                out.push_str(&format!("\"{marker}\""));
            } else {
                out.push_str(&marker);
            }
            at = s.range.end;
        }
        out.push_str(&text[at..]);
        out
    }

    #[test]
    fn json_text_masks_values_by_key_and_stays_json() {
        let text = r#"{"resourceType": "Patient", "name": [{"family": "Okonkwo", "given": ["Adaeze", "Chinyere"]}],
            "birthDate": "1961-04-12", "identifier": [{"system": "http://hl7.org/fhir/sid/us-ssn", "value": "512-34-8765"},
            {"system": "urn:mrn", "value": "88412345"}], "telecom": [{"system": "phone", "value": "+1 614 555 0187"}],
            "ssn": 512348765, "status": "In Progress"}"#;
        let out = masked(text);
        let v: Value = serde_json::from_str(&out).expect(&out);
        assert_eq!(v["resourceType"], "Patient");
        assert_eq!(v["status"], "In Progress");
        for gone in [
            "Okonkwo",
            "Adaeze",
            "Chinyere",
            "1961-04-12",
            "512-34-8765",
            "88412345",
            "555 0187",
            "512348765",
        ] {
            assert!(!out.contains(gone), "{gone}: {out}");
        }
        assert_eq!(v["ssn"], "[phi:ssn]");
    }

    #[test]
    fn hl7_fields_are_masked_component_by_component() {
        let text = "MSH|^~\\&|ADT|HOSP|||202612060800||ADT^A01|1|P|2.5\nPID|1||00731942^^^HOSP^MR||Kowalczyk^Bartosz^Wojciech||19550830|M|||1820 Dearborn Parkway^^Chicago^IL^60610||(312)555-0142|||||||400-11-8852\nPV1|1|I|WARD^12\n";
        let out = masked(text);
        assert_eq!(out.lines().count(), 3);
        let pid = out.lines().nth(1).unwrap();
        assert_eq!(
            pid.matches('|').count(),
            text.lines().nth(1).unwrap().matches('|').count()
        );
        for gone in [
            "00731942",
            "Kowalczyk",
            "Bartosz",
            "19550830",
            "1820 Dearborn",
            "60610",
            "555-0142",
            "400-11-8852",
        ] {
            assert!(!out.contains(gone), "{gone}: {out}");
        }
        assert!(
            pid.contains("^^^HOSP^MR") && pid.contains("^^Chicago^IL^"),
            "{pid}"
        );
    }

    #[test]
    fn x12_person_loops_are_masked_element_by_element() {
        let text = "ISA*00*          *00*          *ZZ*A*ZZ*B*261206*0800*^*00501*1*0*P*:~\nNM1*IL*1*KEALOHA*MALIA*K***MI*W482917365~\nN3*5520 KALANIANAOLE HWY~\nN4*HONOLULU*HI*96821~\nDMG*D8*19890307*F~\nNM1*PR*2*ACME HEALTH*****PI*12345~\n";
        let out = masked(text);
        for gone in [
            "KEALOHA",
            "MALIA",
            "W482917365",
            "5520 KALANIANAOLE",
            "96821",
            "19890307",
        ] {
            assert!(!out.contains(gone), "{gone}: {out}");
        }
        assert!(
            out.contains("NM1*IL*1*") && out.contains("ACME HEALTH") && out.contains("HONOLULU*HI")
        );
        assert_eq!(out.matches('~').count(), text.matches('~').count());
    }

    #[test]
    fn xml_values_are_masked_by_element_and_parent() {
        let text = r#"<Patient xmlns="http://hl7.org/fhir"><identifier><system value="urn:mrn"/><value value="00731942"/></identifier><name><family value="Nakamura"/><given value="Aiko"/></name><telecom><system value="phone"/><value value="+1 503 555 0142"/></telecom><birthDate value="1984-02-29"/><gender value="female"/></Patient>"#;
        let out = masked(text);
        for gone in ["00731942", "Nakamura", "Aiko", "555 0142", "1984-02-29"] {
            assert!(!out.contains(gone), "{gone}: {out}");
        }
        assert!(
            out.contains(r#"<gender value="female"/>"#) && out.contains("urn:mrn"),
            "{out}"
        );
        let cda = "<recordTarget><patientRole><id root=\"2.16\" extension=\"44820917\"/><patient><name><given>Layla</given><family>Al-Hashimi</family></name><birthTime value=\"19780215\"/></patient></patientRole></recordTarget>";
        let out = masked(cda);
        for gone in ["44820917", "Layla", "Al-Hashimi", "19780215"] {
            assert!(!out.contains(gone), "{gone}: {out}");
        }
    }

    #[test]
    fn separators_inside_characters_are_not_read() {
        // An ISA or MSH whose separator byte sits inside a multi-byte character.
        for text in [
            "ISAé NM1éILé1éÅSEé~\nN3é1 Rd~",
            "MSHé^~\\&\nPID|1||12345||Né^B|\n",
        ] {
            let _ = text_spans(text);
        }
        proptest::proptest!(|(text in "(ISA|MSH|NM1|PID\\||[é€*|^~\n]|[a-z0-9 ]){0,40}")| {
            for s in text_spans(&text).0 {
                proptest::prop_assert!(text.is_char_boundary(s.range.start) && text.is_char_boundary(s.range.end));
            }
        });
    }

    #[test]
    fn placeholders_and_references_stay() {
        let text =
            r#"{"password": "${DB_PASSWORD}", "mrn": "<MRN>", "db_password": "Vq8#mZ2!rLp7Tw"}"#;
        let out = masked(text);
        assert!(
            out.contains("${DB_PASSWORD}") && out.contains("<MRN>"),
            "{out}"
        );
        assert!(!out.contains("Vq8#mZ2"), "{out}");
    }
}
