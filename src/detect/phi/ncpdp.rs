//! NCPDP Telecommunication (D.0) claims, a pharmacy's record of a patient: fields named by
//! two-letter ids, pasted as `310-CA=Chidi 311-CB=Eze 304-C4=19930117`, as a fixture's
//! `CA=Ximena` lines, or after the field separator, raw (`\x1cCAXIMENA`), as a dump writes
//! it (`\\x1c`, `<FS>`, `␜`) or as a flat file's `|` beside a segment's id. A patient's name
//! field (CA first name, CB last name) beside their birth date (C4), id (CY, C2), street
//! (CM) or phone (CQ) is their record.

use super::finding::*;
use super::patterns::re;
use super::signals::{placeholder_name, placeholder_value, plausible_date};
use regex::bytes::Regex;
use std::sync::OnceLock;

static FIELD_RE: OnceLock<Regex> = OnceLock::new();

/// Whether the text may hold such fields at all: one memchr-speed search each.
fn may_hold(b: &[u8]) -> bool {
    [
        &b"CA="[..],
        b"CB=",
        b"\x1cCA",
        b"\x1cCB",
        b"\\x1cCA",
        b"\\x1cCB",
        b"<FS>CA",
        b"<FS>CB",
        "\u{241c}CA".as_bytes(),
        "\u{241c}CB".as_bytes(),
    ]
    .iter()
    .any(|k| memchr::memmem::find(b, k).is_some())
        || pipe_separated(b)
}

/// Fields a log or a flat file separates with `|` (`AM01|C419970801|CAAGNES|CBWARSAME`):
/// counted only beside a segment's id (AM01 patient, AM04 insurance, AM07 claim), as `|CA`
/// also starts ordinary cells (`|CAMPBELL`).
fn pipe_separated(b: &[u8]) -> bool {
    let find = |k: &[u8]| memchr::memmem::find(b, k).is_some();
    (find(b"AM01|") || find(b"AM04|") || find(b"AM07|")) && (find(b"|CA") || find(b"|CB"))
}

pub(super) fn claims(b: &[u8], out: &mut Vec<Finding>) {
    if !may_hold(b) {
        return;
    }
    let r = re(
        &FIELD_RE,
        r"(?:(?:^|[\s;,|])(?:[0-9]{3}-)?(C[ABMQY24])[ \t]*=[ \t]*|(?:\x1c|\\x1c|<FS>|\xe2\x90\x9c|\|)(C[ABMQY24]))([^\s\x1c\x1e|;,=\\<\xe2]{1,40})",
    );
    let (mut names, mut facts) = (Vec::new(), Vec::new());
    for c in r.captures_iter(b).take(200) {
        let (Some(id), Some(value)) = (c.get(1).or(c.get(2)), c.get(3)) else {
            continue;
        };
        let v = value.as_bytes();
        if placeholder_value(v) {
            continue;
        }
        match id.as_bytes() {
            b"CA" | b"CB" => {
                let name = v.len() >= 2
                    && v.iter()
                        .all(|c| c.is_ascii_alphabetic() || matches!(c, b'\'' | b'-'))
                    && v[0].is_ascii_uppercase()
                    && !placeholder_name(std::str::from_utf8(v).unwrap_or(""));
                if name {
                    names.push(value.range());
                }
            }
            b"C4" => {
                if v.len() == 8 && v.iter().all(u8::is_ascii_digit) {
                    let dashed = [&v[..4], b"-", &v[4..6], b"-", &v[6..]].concat();
                    if plausible_date(&dashed) {
                        facts.push((PhiKind::Dob, value.range()));
                    }
                }
            }
            b"CY" | b"C2" => {
                if v.len() >= 5 && v.iter().any(u8::is_ascii_digit) {
                    facts.push((PhiKind::Mrn, value.range()));
                }
            }
            b"CM" => {
                if v.iter().any(u8::is_ascii_digit) {
                    facts.push((PhiKind::Contact, value.range()));
                }
            }
            _ => {
                if v.iter().filter(|c| c.is_ascii_digit()).count() >= 10 {
                    facts.push((PhiKind::Contact, value.range()));
                }
            }
        }
    }
    if names.is_empty() || facts.is_empty() {
        return;
    }
    for range in names {
        out.push(Finding {
            kind: PhiKind::Name,
            range,
            strong: true,
        });
    }
    for (kind, range) in facts {
        out.push(Finding {
            kind,
            range,
            strong: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        claims(text.as_bytes(), &mut out);
        out.iter().map(|f| &text[f.range.clone()]).collect()
    }

    #[test]
    fn a_name_field_beside_a_birth_date_or_an_id_is_a_claim() {
        assert_eq!(
            found("fields: 302-C2=CSH605512894 310-CA=Chidi 311-CB=Eze 304-C4=19930117 305-C5=1"),
            ["Chidi", "Eze", "CSH605512894", "19930117"]
        );
        assert_eq!(
            found("AM01\nCY=KB0772196\nC4=19871108\nCA=Ximena\nCB=Lucero Vargas\n"),
            ["Ximena", "Lucero", "KB0772196", "19871108"]
        );
        assert_eq!(
            found("\x1eAM01\x1cCAXIMENA\x1cCBLUCERO\x1cC419871108"),
            ["XIMENA", "LUCERO", "19871108"]
        );
    }

    #[test]
    fn names_alone_placeholders_and_other_ids_are_not() {
        assert!(found("310-CA=Chidi 311-CB=Eze 305-C5=1").is_empty());
        assert!(found("310-CA=<first> 311-CB=<last> 304-C4=YYYYMMDD").is_empty());
        assert!(found("export CA=Chidi C4=1993").is_empty());
        assert!(found("CA=/etc/ssl/ca.pem CB=19930117").is_empty());
    }
}
