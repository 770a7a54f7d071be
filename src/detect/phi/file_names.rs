//! Patients named in file and object names: scanners, fax gateways and upload forms name
//! files after the patient (`OKONKWO_CHUKWUEMEKA_19571102_consent.pdf`,
//! `40318350-kowalczyk-agnieszka-lesion.jpg`). A name's two parts, both known names, in
//! one path component with a birth date or a record number beside them is a record, in any
//! letter case.

use super::{Finding, PhiKind, placeholder_name, plausible_date};
use crate::detect::names::{is_given, is_surname};
use std::ops::Range;

/// Longest path token read; longer runs are data, not names.
const MAX_TOKEN: usize = 512;
const MAX_FINDINGS: usize = 200;
/// Birth dates are older than this; later 8-digit dates in file names are scan dates.
const BIRTH_YEAR_BEFORE: u32 = 2007;

pub(super) fn file_names(text: &str, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    let path_byte = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/');
    let mut found = 0;
    let mut next = 0;
    // Only tokens with a `_` or `-` can hold a name's two parts: start from those bytes.
    for sep in memchr::memchr2_iter(b'_', b'-', b) {
        if sep < next || found >= MAX_FINDINGS {
            continue;
        }
        // A name's parts meet at a separator with letters on both sides (`kowalczyk-agnieszka`,
        // `ADEYEMI_CHUKWUEMEKA`); dates and versions (`2026-12-03`) are passed over at once.
        let letter = |k: usize| b.get(k).is_some_and(u8::is_ascii_alphabetic);
        if sep == 0 || !letter(sep - 1) || !letter(sep + 1) {
            continue;
        }
        let from = sep.saturating_sub(MAX_TOKEN);
        let start = b[from..sep]
            .iter()
            .rposition(|c| !path_byte(c))
            .map(|p| from + p + 1);
        let to = b.len().min(sep + MAX_TOKEN);
        let end = b[sep..to]
            .iter()
            .position(|c| !path_byte(c))
            .map(|p| sep + p);
        let (Some(start), Some(end)) = (
            start.or((from == 0).then_some(0)),
            end.or((to == b.len()).then_some(to)),
        ) else {
            // Longer than any file name: data, skipped whole.
            next = b[sep..]
                .iter()
                .position(|c| !path_byte(c))
                .map_or(b.len(), |p| sep + p);
            continue;
        };
        next = end;
        let token = &b[start..end];
        if (token.contains(&b'_') || has_inner_dash(token)) && token.iter().any(u8::is_ascii_digit)
        {
            found += component_records(text, start..end, out);
        }
    }
}

/// A dash between letters (`kowalczyk-agnieszka`), not only in numbers or flags.
fn has_inner_dash(t: &[u8]) -> bool {
    t.windows(3)
        .any(|w| w[0].is_ascii_alphabetic() && w[1] == b'-' && w[2].is_ascii_alphanumeric())
}

/// The records in one token's path components; how many were found.
fn component_records(text: &str, token: Range<usize>, out: &mut Vec<Finding>) -> usize {
    let mut found = 0;
    let mut at = token.start;
    for component in text[token.clone()].split('/') {
        let range = at..at + component.len();
        at = range.end + 1;
        if !component.bytes().any(|c| c.is_ascii_digit()) {
            continue;
        }
        let parts = parts_of(component, range.start);
        // The identifier first: it is a byte test, the name a search of the lists.
        let Some((kind, id)) = parts
            .iter()
            .find_map(|(r, p)| identifier(p).map(|k| (k, r.clone())))
        else {
            continue;
        };
        let Some(name) = name_pair(text, &parts) else {
            continue;
        };
        out.push(Finding {
            kind: PhiKind::Name,
            range: name,
            strong: false,
        });
        out.push(Finding {
            kind,
            range: id,
            strong: false,
        });
        found += 1;
    }
    found
}

/// The parts of a component between `_`, `-` and `.`, with where each starts in the text.
fn parts_of(component: &str, offset: usize) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut at = offset;
    for part in component.split(['_', '-', '.']) {
        out.push((at..at + part.len(), part));
        at += part.len() + 1;
    }
    out
}

/// Two neighbouring parts that are a surname and a given name, in either order (a
/// hyphenated surname may take two parts: `okonkwo-adeyemi_chukwuemeka`).
fn name_pair(text: &str, parts: &[(Range<usize>, &str)]) -> Option<Range<usize>> {
    let word = |p: &str| p.len() >= 2 && p.bytes().all(|c| c.is_ascii_alphabetic());
    for (i, pair) in parts.windows(2).enumerate() {
        let ((ra, a), (rb, b)) = (&pair[0], &pair[1]);
        if !word(a) || !word(b) {
            continue;
        }
        let named = (is_surname(a) && is_given(b)) || (is_given(a) && is_surname(b));
        let hyphenated = || {
            parts
                .get(i + 2)
                .is_some_and(|(_, c)| word(c) && is_surname(a) && is_surname(b) && is_given(c))
        };
        let range = if named {
            ra.start..rb.end
        } else if hyphenated() {
            ra.start..parts[i + 2].0.end
        } else {
            continue;
        };
        if !placeholder_name(&text[range.clone()].replace(['_', '-', '.'], " ")) {
            return Some(range);
        }
    }
    None
}

/// A birth date (`19571102`, `DOB19480719`) or a record number (6 to 10 digits, not a
/// recent date).
fn identifier(part: &str) -> Option<PhiKind> {
    let digits = part
        .strip_prefix("DOB")
        .or_else(|| part.strip_prefix("dob"))
        .unwrap_or(part);
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = digits.as_bytes();
    let date = d.len() == 8
        && matches!(&d[..2], b"19" | b"20")
        && plausible_date(&[&d[..4], b"-", &d[4..6], b"-", &d[6..]].concat());
    if date {
        let year: u32 = digits[..4].parse().unwrap_or(u32::MAX);
        return (year < BIRTH_YEAR_BEFORE).then_some(PhiKind::Dob);
    }
    ((6..=10).contains(&d.len()) && digits.len() == part.len()).then_some(PhiKind::Mrn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<PhiKind> {
        let mut out = Vec::new();
        file_names(text, &mut out);
        out.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn names_with_a_birth_date_or_record_number() {
        for text in [
            "aws s3 cp s3://docs/2024/03/OKONKWO-ADEYEMI_CHUKWUEMEKA_19571102_consent.pdf .",
            "crashed on /mnt/faxes/2024-03-18/Wisniewski_Krzysztof_DOB19480719_referral.tiff",
            "path: uploads/derm/40318350-kowalczyk-agnieszka-left-forearm-lesion.jpg",
        ] {
            let found = kinds(text);
            assert!(found.contains(&PhiKind::Name), "{text}: {found:?}");
            assert!(found.len() == 2, "{text}: {found:?}");
        }
    }

    #[test]
    fn files_without_a_person_or_identifier_are_not_records() {
        for text in [
            "backup_2024-03-18_mysql_dump.sql.gz",
            "reports/charles_river_20240318.csv",
            "scans/john_doe_19700101.pdf",
            "src/main_window_123456.rs",
            "logs/kowalczyk-agnieszka-notes.txt",
            "release-1.2.3_build-20240101",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }
}
