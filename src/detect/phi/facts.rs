//! Facts written beside a person's name without any label: a bare date (`Hope Church,
//! 3/4/1939`), a phone number, a street address, a personal e-mail, an age as notes write it
//! (`81 y/o`), a condition, a medication or a dose (`Fatima Al-Sayed started on tamoxifen`,
//! `tacrolimus 2 mg`). Each fact counts only on the same line as a name and close to it, and
//! only where it says something about a patient: a date when it is old enough to be a birth
//! date or the text is about health care, contact details and ages when the text is about
//! health care, conditions and medications always (they are health care). A name its label
//! calls a patient's (`Patient: Faleolo, Tavita`) puts the text about health care, and its
//! conditions count wherever they stand; a whole known name so labelled is PHI alone. A fact
//! may also stand at the start of the line under a name that ends its own line (a label, a
//! list). Clinicians (`Dr.`, `, MD`) and public figures whose
//! health is public record are not patients. Hand-written scans: this runs on every text.

use super::finding::*;
use super::name_reader::{Name, STAFF_WORDS, STREET_TYPES, lower_names, names, patient_labelled};
use super::not_patients::NotPatients;
use super::resources::{directory_resource, resource_type_in};
use super::signals::{
    HEALTH_WORDS, NOT_NAMES, capitalised, placeholder_phone, plausible_date, words_of,
};
use super::terms::{CONDITION_ACRONYMS, is_health_term};
use std::ops::Range;

/// How far (bytes, same line) a fact may stand from the name it belongs to.
const NEAR: usize = 64;
/// A text without a capitalised word is read for lower-case names up to this long (a chat
/// message, a prompt); a longer one is a log or data, and reading every word of it would
/// cost a 1 MiB output about a sixth more.
const LOWER_ONLY_BYTES: usize = 16 * 1024;
/// Dates this old are birth dates more often than events (releases, commits, meetings).
const BIRTH_YEAR_BEFORE: u32 = 2007;
const MAX_WORDS: usize = 20_000;
const MAX_FACTS: usize = 2_000;

#[derive(Debug, Clone)]
struct Fact {
    kind: PhiKind,
    range: Range<usize>,
    /// A fact that needs the text to be about health care (contact details, recent dates).
    needs_health: bool,
    /// A whole mailing address, which may stand on the lines under its name (a label or a
    /// letter's head) as well as beside it.
    postal: bool,
}

/// Names with an unlabelled fact beside them.
pub(super) fn named_facts(text: &str, others: &NotPatients, out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    // A name needs a capital then a small letter, or is written in capitals as `SURNAME
    // GIVEN`, `SURNAME, GIVEN` or `SURNAME^GIVEN`: without any (log lines, commands in
    // capitals) there is nothing to read.
    // One pass for a capital then a small letter, or two words in capitals side by side
    // (`WISNIEWSKI KRZYSZTOF`): this runs on every text, most of which have neither.
    let upper = |k: usize| b.get(k).is_some_and(u8::is_ascii_uppercase);
    let capitalised_word = (1..b.len()).any(|i| {
        let c = b[i];
        (c.is_ascii_lowercase() && b[i - 1].is_ascii_uppercase())
            || (c == b' ' && i >= 2 && upper(i - 1) && upper(i - 2) && {
                // Fixed-width rows pad the first name's field with blanks.
                let pad = b[i..].iter().take(25).take_while(|c| **c == b' ').count();
                upper(i + pad) && upper(i + pad + 1)
            })
    });
    // `SURNAME, GIVEN`, HL7's `SURNAME^GIVEN`, a row's cells `SURNAME,GIVEN` / `|` / `;`.
    // (memchr finds the separators: a byte loop over a 1 MiB log costs a tenth of its scan.)
    let capitals_pair = || {
        let pair = |i: usize| {
            let next = if b[i] == b',' && b.get(i + 1) == Some(&b' ') {
                i + 2
            } else {
                i + 1
            };
            i >= 2
                && b[i - 1].is_ascii_uppercase()
                && b[i - 2].is_ascii_uppercase()
                && b.get(next).is_some_and(u8::is_ascii_uppercase)
        };
        memchr::memchr3_iter(b',', b'^', b'|', b).any(pair)
            || memchr::memchr2_iter(b';', b'\t', b).any(pair)
    };
    // Chats write names in lower case too (`yesenia pettigrew`): those are read only beside
    // a condition, a medication or a result, which is all such a text is searched for.
    let lower_only = !capitalised_word && !capitals_pair();
    if (lower_only && (b.len() > LOWER_ONLY_BYTES || !english_prose(b)))
        || directory_resource(b)
        || resource_type_in(b, &[b"Person\""])
    {
        return;
    }
    let words = words_of(text, MAX_WORDS);
    let mut facts = Vec::new();
    if !lower_only {
        super::addressed::addressed(text, &words, out);
        facts = numeric_facts(b);
        month_dates(text, &words, &mut facts);
        emails(text, &mut facts);
        streets(text, &words, &mut facts);
        unnamed_streets(text, &words, &mut facts);
    }
    health_terms(text, &words, &mut facts);
    ages_and_doses(b, &mut facts);
    // Results by their tests' short names (`k+ 6.4`), a pregnancy's gravida and para.
    let room = MAX_FACTS.saturating_sub(facts.len());
    let shorthand = super::shorthand::lab_values(text, &words, room)
        .into_iter()
        .chain(super::shorthand::gravida_para(b, room));
    facts.extend(shorthand.take(room).map(|range| Fact {
        kind: PhiKind::Diagnosis,
        range,
        needs_health: false,
        postal: false,
    }));
    let mut names = if lower_only {
        Vec::new()
    } else {
        names(text, &words)
    };
    let mut conditions: Vec<Range<usize>> = facts
        .iter()
        .filter(|f| f.kind == PhiKind::Diagnosis)
        .map(|f| f.range.clone())
        .collect();
    conditions.sort_by_key(|r| r.start);
    if !conditions.is_empty() {
        names.extend(lower_names(text, &words, &conditions, 2 * NEAR));
    }
    // A name its label says is a patient's (`Patient: Faleolo, Tavita`) has its facts beside
    // it too; other labelled names (a FHIR publisher's `"name"`) keep the checks above.
    let patient_label =
        |f: &&Finding| f.kind == PhiKind::Name && patient_labelled(b, f.range.start);
    names.extend(
        out.iter()
            .filter(patient_label)
            .map(|f| Name::sure(f.range.clone(), false, true)),
    );
    // That a person is a patient is itself health information: a whole known name its label
    // calls a patient's (`patient="Tou Xiong"`, `your patient Lakshmi Iyer`) is enough.
    for n in names.iter_mut().filter(|n| n.whole && !n.patient) {
        if patient_labelled(b, n.range.start) {
            n.patient = true;
            out.push(Finding {
                kind: PhiKind::Name,
                range: n.range.clone(),
                strong: true,
            });
        }
    }
    // A clinician the resource references, or a specification's example patient, is no
    // patient whose facts these are.
    names.retain(|n| !others.named_at(n.range.clone()));
    names.sort_by_key(|n| n.range.start);
    if names.is_empty() {
        return;
    }
    drugs_near(&words, &names, &mut facts);
    ids_beside(b, &names, &mut facts);
    if facts.is_empty() {
        return;
    }
    // A name inside an address is its street's or its city's (`..., Eau Claire WI 54701`).
    names.retain(|n| {
        !facts
            .iter()
            .any(|f| f.postal && f.range.start <= n.range.start && n.range.end <= f.range.end)
    });
    // A name labelled a patient's puts the text about health care by itself.
    let health = contains_ci(b, HEALTH_WORDS)
        || facts.iter().any(|f| f.kind == PhiKind::Diagnosis)
        || names.iter().any(|n| n.patient);
    // A staff directory or an on-call list gives clinicians' work numbers, not patients'.
    let patients = contains_ci(b, PATIENT_WORDS);
    let directory = contains_ci(b, STAFF_WORDS) && !patients;
    // Contact details need a text about health care, except a phone or e-mail right beside
    // a whole known name (`Xiong, Tou 651-774-2093`): a person's own is theirs to keep from
    // the agent whatever the text is about (below).
    let beside_only = |f: &Fact| {
        !health
            && f.needs_health
            && f.kind == PhiKind::Contact
            && phone_or_email(&b[f.range.clone()])
    };
    facts.retain(|f| {
        (health || !f.needs_health || beside_only(f)) && !(directory && f.kind == PhiKind::Contact)
    });
    if facts.is_empty() {
        return;
    }
    let resource = memchr::memmem::find(b, b"\"resourceType\"").is_some();
    let mut found = Vec::new();
    for fact in facts.iter().take(MAX_FACTS) {
        // A resource's generated narrative is full of capitalised headings beside its
        // conditions and dates ("Primary Cancer Condition", "Oral Form 2015-01-15"): there
        // a fact needs a name that is surely one.
        let Some(name) = names
            .iter()
            .filter(|n| n.sure || (!resource && (fact.kind != PhiKind::Diagnosis || n.known)))
            .filter(|n| !n.lower || fact.kind == PhiKind::Diagnosis)
            // A table's row gives a patient's address, phone or condition only where the
            // text names patients: otherwise it may be a staff table's (`'Osei', 'Samuel',
            // 'Oncology', '414-805-3120'`), whose specialty reads like a condition, and
            // whose recent dates are start dates. A birth date is a person's wherever it
            // stands.
            .filter(|n| {
                !(n.quoted_cells && !patients && (fact.kind != PhiKind::Dob || fact.needs_health))
            })
            .filter(|n| !beside_only(fact) || (n.whole && !n.quoted_cells))
            .find(|n| {
                // The label said this is a patient: what the text says of their health is
                // theirs, wherever it stands.
                if n.patient && fact.kind == PhiKind::Diagnosis {
                    return true;
                }
                if beside_only(fact) {
                    return near(text, &n.range, &fact.range, NEAR / 2);
                }
                // A sentence about a named person's condition runs longer than a record's
                // fields: a surely-named person's condition counts up to twice the distance
                // (not in a FHIR resource, whose narrative names practitioners too).
                let limit = match (fact.kind, n.sure && !resource, n.known) {
                    (PhiKind::Diagnosis, true, _) => 2 * NEAR,
                    (_, _, true) => NEAR,
                    _ => NEAR / 2,
                };
                near(text, &n.range, &fact.range, limit)
                    || heads(text, &n.range, &fact.range, fact.postal)
                    || same_record(text, &n.range, &fact.range)
            })
        else {
            continue;
        };
        found.push(Finding {
            kind: PhiKind::Name,
            range: name.range.clone(),
            strong: false,
        });
        // A condition or a medication is what makes the name a patient's, not an
        // identifier: its finding is empty (where the word starts), so masking keeps it.
        let range = if fact.kind == PhiKind::Diagnosis {
            fact.range.start..fact.range.start
        } else {
            fact.range.clone()
        };
        found.push(Finding {
            kind: fact.kind,
            range,
            strong: false,
        });
    }
    found.sort_by_key(|f| (f.range.start, f.range.end));
    found.dedup();
    out.extend(found);
}

/// A record number written right after a name, in brackets or as the next column
/// (`Crystal Fisher (683222)`, `Sunny Stone (M09336768)`, `Moody,Arnold  M03710836`): six to
/// twelve digits, after at most three capitals. It needs a text about health care, where
/// a number beside a person's name is their chart's.
fn ids_beside(b: &[u8], names: &[Name], out: &mut Vec<Fact>) {
    for name in names.iter().take(MAX_FACTS) {
        let rest = &b[name.range.end..b.len().min(name.range.end + 24)];
        let gap = rest
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'(' | b'#' | b',' | b'|'))
            .count();
        let bracket = rest[..gap].contains(&b'(');
        let id = &rest[gap..];
        let letters = id.iter().take_while(|c| c.is_ascii_uppercase()).count();
        let digits = id[letters..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let end = letters + digits;
        let closes = match id.get(end) {
            None => true,
            Some(b')') => bracket,
            Some(c) => !bracket && matches!(c, b' ' | b'\t' | b',' | b'|' | b'\n' | b'\r'),
        };
        if gap == 0 || letters > 3 || !(6..=12).contains(&digits) || !closes {
            continue;
        }
        let start = name.range.end + gap;
        out.push(Fact {
            kind: PhiKind::Mrn,
            range: start..start + end,
            needs_health: true,
            postal: false,
        });
    }
}

/// A phone number (ten digits or more) or an e-mail address, not a street.
fn phone_or_email(b: &[u8]) -> bool {
    b.contains(&b'@') || b.iter().filter(|c| c.is_ascii_digit()).count() >= 10
}

/// Whether a fact stands close enough to a name: the same line, within `NEAR` bytes (half
/// that when neither word of the name is a known name).
fn near(text: &str, name: &Range<usize>, fact: &Range<usize>, limit: usize) -> bool {
    let (from, to) = if fact.start >= name.end {
        (name.end, fact.start)
    } else if name.start >= fact.end {
        (fact.end, name.start)
    } else {
        return false;
    };
    to - from <= limit && !text[from..to].contains(['\n', '\r'])
}

/// Are the name and the fact values of one record written a field to a line (an INI
/// section, a YAML mapping, `key=value` fixtures): every line from the name's to the fact's
/// is a `key=` or `key:` line, with no blank line between and at most eight lines apart.
fn same_record(text: &str, name: &Range<usize>, fact: &Range<usize>) -> bool {
    let (first, last) = if fact.start >= name.end {
        (name, fact)
    } else if name.start >= fact.end {
        (fact, name)
    } else {
        return false;
    };
    // `get`: a finding's bounds are byte offsets; a bad one is no record, never a panic.
    let (Some(before), Some(after)) = (text.get(..first.start), text.get(last.end..)) else {
        return false;
    };
    let from = before.rfind('\n').map_or(0, |i| i + 1);
    let to = after.find('\n').map_or(text.len(), |i| last.end + i);
    let Some(block) = text.get(from..to) else {
        return false;
    };
    let lines: Vec<&str> = block.split('\n').collect();
    (2..=8).contains(&lines.len()) && lines.iter().all(|line| keyed_line(line))
}

/// `  key = value`, `key: value`: a short key of letters, digits, `_`, `-` or `.`.
fn keyed_line(line: &str) -> bool {
    let line = line.trim_start();
    let line = line.strip_prefix("- ").unwrap_or(line);
    let key = line
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
        .count();
    let rest = line[key..].trim_start_matches([' ', '\t']);
    (1..=32).contains(&key)
        && line.as_bytes()[0].is_ascii_alphabetic()
        && (rest.starts_with('=') || rest.starts_with(": ") || rest.starts_with(":\t"))
}

/// Does the name head its fact, as on a label, a letter or a list: the name ends its line
/// (a comma or quote may follow) and the fact stands on the next, where a mailing address
/// starts it and anything else is within `NEAR` of its start (`SUBRAMANIAN, VENKATESH` /
/// `TACROLIMUS 1MG CAPSULE`, `- name: Sina Tuiasosopo` / `  med: insulin glargine`)?
fn heads(text: &str, name: &Range<usize>, fact: &Range<usize>, postal: bool) -> bool {
    let Some(next) = text
        .get(name.end..fact.start)
        .map(|between| between.trim_start_matches([',', ' ', '\r', '"', '\'']))
        .and_then(|between| between.strip_prefix('\n'))
    else {
        return false;
    };
    if postal {
        next.bytes().all(|c| c == b' ' || c == b'\t')
    } else {
        next.len() <= NEAR && !next.contains('\n')
    }
}

/// Words that put a patient in a text, whatever else it lists.
pub(super) const PATIENT_WORDS: &[&str] =
    &["patient", "paciente", "chart", "mrn", "member id", "dob"];

/// Dates written with a month's name (`March 4, 1939`, `4 Mar 1939`, `Mar. 4 1939`),
/// counted only when old enough to be a birth date: with a name's name, a recent date is
/// a release, a meeting or a start date far more often than a patient's visit.
fn month_dates(text: &str, words: &[(usize, &str)], out: &mut Vec<Fact>) {
    const MONTHS: &[&str] = &[
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let b = text.as_bytes();
    let number_at = |k: usize| -> (usize, u32) {
        let n = b[k.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (n, number(&b[k..k + n]))
    };
    let skip = |mut k: usize, chars: &[u8]| {
        while k < b.len() && chars.contains(&b[k]) {
            k += 1;
        }
        k
    };
    for &(at, w) in words {
        if out.len() >= MAX_FACTS {
            break;
        }
        // A date's day stands right before or after its month: test that (one byte or
        // two) before comparing the word with every month.
        let digit_near = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
        let after_word = at + w.len();
        let near_day = digit_near(after_word + 1)
            || digit_near(after_word + 2)
            || (at >= 2 && digit_near(at - 2));
        if !near_day
            || !(3..=9).contains(&w.len())
            || !MONTHS.iter().any(|m| w.eq_ignore_ascii_case(m))
        {
            continue;
        }
        let after = at + w.len();
        // Month D, YYYY
        let k = skip(after, b". ");
        let (n, day) = number_at(k);
        if (1..=2).contains(&n) && (1..=31).contains(&day) {
            // An ordinal day, as people say it: `November 2nd 1979`.
            let ordinal = b
                .get(k + n..k + n + 2)
                .is_some_and(|s| matches!(s, b"st" | b"nd" | b"rd" | b"th"));
            let k2 = skip(k + n + if ordinal { 2 } else { 0 }, b", ");
            let (m, year) = number_at(k2);
            if m == 4 && (1900..BIRTH_YEAR_BEFORE).contains(&year) && k2 > k + n {
                out.push(Fact {
                    kind: PhiKind::Dob,
                    range: at..k2 + 4,
                    needs_health: false,
                    postal: false,
                });
                continue;
            }
        }
        // D Month YYYY
        let before = &b[..at];
        let day_len = before
            .iter()
            .rev()
            .skip(1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if before.last() == Some(&b' ') && (1..=2).contains(&day_len) {
            let start = at - 1 - day_len;
            let k2 = skip(after, b"., ");
            let (m, year) = number_at(k2);
            if m == 4 && k2 > after && (1900..BIRTH_YEAR_BEFORE).contains(&year) {
                out.push(Fact {
                    kind: PhiKind::Dob,
                    range: start..k2 + 4,
                    needs_health: false,
                    postal: false,
                });
            }
        }
    }
}

/// Dates and phone numbers, read from the digits: `3/4/1939`, `1957-08-22`, `11.23.1979`,
/// `(608) 884-2210`, `773-429-1187`, `608.833.1042`, `+16082694417`, `2137904412`.
fn numeric_facts(b: &[u8]) -> Vec<Fact> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_FACTS {
        let starts = (b[i].is_ascii_digit() || b[i] == b'(' || b[i] == b'+')
            && (i == 0
                || !(b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'.' | b'/' | b'-')));
        if !starts {
            i += 1;
            continue;
        }
        let (end, fact) = numeric_at(b, i);
        if let Some(fact) = fact {
            out.push(fact);
        }
        i = end.max(i + 1);
    }
    out
}

/// The numeric token at `i` and what it is; returns where it ends.
fn numeric_at(b: &[u8], i: usize) -> (usize, Option<Fact>) {
    let digits = |k: usize| b[k..].iter().take_while(|c| c.is_ascii_digit()).count();
    let at = |k: usize| b.get(k).copied();
    let ends = |k: usize| {
        at(k).is_none_or(|c| {
            !c.is_ascii_alphanumeric()
                && c != b'/'
                && !(c == b'-' && at(k + 1).is_some_and(|d| d.is_ascii_digit()))
        })
    };
    let phone = |range: Range<usize>| {
        if placeholder_phone(&b[range.clone()]) {
            return None;
        }
        Some(Fact {
            kind: PhiKind::Contact,
            range,
            needs_health: true,
            postal: false,
        })
    };
    // (608) 884-2210
    if b[i] == b'(' {
        if digits(i + 1) == 3 && at(i + 4) == Some(b')') {
            let mut k = i + 5;
            if at(k) == Some(b' ') {
                k += 1;
            }
            if digits(k) == 3
                && matches!(at(k + 3), Some(b'-' | b'.'))
                && digits(k + 4) == 4
                && ends(k + 8)
            {
                return (k + 8, phone(i..k + 8));
            }
        }
        return (i + 1, None);
    }
    // +16082694417, +1 608 269 4417
    if b[i] == b'+' {
        let run: Vec<u8> = b[i + 1..]
            .iter()
            .copied()
            .take(16)
            .take_while(|c| c.is_ascii_digit() || *c == b' ' || *c == b'-')
            .collect();
        let count = run.iter().filter(|c| c.is_ascii_digit()).count();
        let len = run.len() - run.iter().rev().take_while(|c| !c.is_ascii_digit()).count();
        if b.get(i + 1) == Some(&b'1') && count == 11 && ends(i + 1 + len) {
            return (i + 1 + len, phone(i..i + 1 + len));
        }
        return (i + 1, None);
    }
    let g1 = digits(i);
    let sep = at(i + g1);
    if matches!(sep, Some(b'/' | b'.' | b'-')) {
        let s = sep.unwrap_or_default();
        let g2 = digits(i + g1 + 1);
        if g2 > 0 && at(i + g1 + 1 + g2) == Some(s) {
            let g3_at = i + g1 + g2 + 2;
            let g3 = digits(g3_at);
            let end = g3_at + g3;
            if !ends(end) {
                return (end, None);
            }
            let value = &b[i..end];
            let date = ((1..=2).contains(&g1) && (1..=2).contains(&g2) && g3 == 4)
                || (g1 == 4 && (1..=2).contains(&g2) && (1..=2).contains(&g3) && s == b'-');
            // 3/4/39: a two-digit year could be any century; only in a text about health.
            let short_year = (1..=2).contains(&g1) && (1..=2).contains(&g2) && g3 == 2 && s == b'/';
            if short_year && plausible_date(value) {
                return (
                    end,
                    Some(Fact {
                        kind: PhiKind::Dob,
                        range: i..end,
                        needs_health: true,
                        postal: false,
                    }),
                );
            }
            if date && plausible_date(value) {
                let year = if g1 == 4 {
                    number(&b[i..i + 4])
                } else {
                    number(&b[g3_at..end])
                };
                return (
                    end,
                    Some(Fact {
                        kind: PhiKind::Dob,
                        range: i..end,
                        needs_health: year >= BIRTH_YEAR_BEFORE,
                        postal: false,
                    }),
                );
            }
            if g1 == 3 && g2 == 3 && g3 == 4 && s != b'/' {
                return (end, phone(i..end));
            }
            return (end, None);
        }
    }
    // 19791123: a compact date, as a field of a row (`|19791123|`, `,19640312,`).
    // Also a word of a line (`'WISNIEWSKI KRZYSZTOF 19480719'`).
    let field_end = |c: u8| {
        matches!(
            c,
            b'|' | b',' | b';' | b'^' | b'\t' | b' ' | b'\n' | b'\'' | b'"'
        )
    };
    // Or a fixed-width field, followed by the sex code (`19571102M60615`), which a
    // diagnosis code may follow (`19860527MQ90.9`).
    let sex_code = |c: u8| {
        let code_follows = at(i + 9).is_some_and(|d| d.is_ascii_uppercase())
            && at(i + 10).is_some_and(|d| d.is_ascii_digit());
        matches!(c, b'M' | b'F' | b'U')
            && (!at(i + 9).is_some_and(|d| d.is_ascii_alphabetic()) || code_follows)
    };
    if g1 == 8 && sep.is_none_or(|c| field_end(c) || sex_code(c)) {
        let field_before = i == 0
            || matches!(
                b[i - 1],
                b'|' | b',' | b';' | b'^' | b'\t' | b' ' | b'\'' | b'"' | b'\n'
            );
        let d = &b[i..i + 8];
        if field_before && matches!(&d[..2], b"19" | b"20") {
            let dashed = [&d[..4], b"-", &d[4..6], b"-", &d[6..]].concat();
            if plausible_date(&dashed) {
                let year = number(&d[..4]);
                return (
                    i + 8,
                    Some(Fact {
                        kind: PhiKind::Dob,
                        range: i..i + 8,
                        needs_health: year >= BIRTH_YEAR_BEFORE,
                        postal: false,
                    }),
                );
            }
        }
    }
    // 608 555 1234: groups separated by spaces.
    if g1 == 3
        && at(i + 3) == Some(b' ')
        && digits(i + 4) == 3
        && at(i + 7) == Some(b' ')
        && digits(i + 8) == 4
        && ends(i + 12)
        && (b'2'..=b'9').contains(&b[i])
    {
        return (i + 12, phone(i..i + 12));
    }
    // 2137904412: ten digits shaped like a North American number.
    if g1 == 10
        && ends(i + 10)
        && (b'2'..=b'9').contains(&b[i])
        && (b'2'..=b'9').contains(&b[i + 3])
    {
        return (i + 10, phone(i..i + 10));
    }
    (i + g1.max(1), None)
}

/// The value of a run of ASCII digits.
pub(super) fn number(d: &[u8]) -> u32 {
    d.iter().fold(0u32, |n, c| {
        n.saturating_mul(10).saturating_add(u32::from(c - b'0'))
    })
}

/// E-mail addresses at the mail services people use for themselves.
fn emails(text: &str, out: &mut Vec<Fact>) {
    const PERSONAL: &[&str] = &[
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "protonmail.com",
        "proton.me",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "hanmail.net",
        "daum.net",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "terra.com.br",
        "uol.com.br",
        "rediffmail.com",
        "yahoo.co.in",
        "yahoo.es",
        "hotmail.es",
        "live.com.mx",
        "prodigy.net.mx",
    ];
    let b = text.as_bytes();
    for at in memchr::memchr_iter(b'@', b).take(MAX_FACTS) {
        let local = b[..at]
            .iter()
            .rev()
            .take_while(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
            })
            .count();
        let domain = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-'))
            .count();
        let domain_text = text[at + 1..at + 1 + domain].trim_end_matches('.');
        if local == 0 || domain_text.is_empty() {
            continue;
        }
        if PERSONAL.iter().any(|p| domain_text.eq_ignore_ascii_case(p)) {
            out.push(Fact {
                kind: PhiKind::Contact,
                range: at - local..at + 1 + domain_text.len(),
                needs_health: true,
                postal: false,
            });
        }
    }
}

/// `7721 S Kedzie Ave`, `44 Maple Ct`, `PO Box 412`: a house number, up to four capitalised
/// words or compass points, and a street type.
fn streets(text: &str, words: &[(usize, &str)], out: &mut Vec<Fact>) {
    const POINTS: &[&str] = &["N", "S", "E", "W", "NE", "NW", "SE", "SW"];
    let b = text.as_bytes();
    for (k, &(at, w)) in words.iter().enumerate() {
        if out.len() >= MAX_FACTS {
            break;
        }
        if w == "Box" && k > 0 && matches!(words[k - 1].1, "PO" | "O") {
            let rest = &b[at + 3..];
            let gap = rest.iter().take_while(|c| **c == b' ').count();
            let n = rest[gap..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if gap > 0 && n > 0 {
                let start =
                    words[k - 1]
                        .0
                        .saturating_sub(if words[k - 1].1 == "O" { 2 } else { 0 });
                out.push(street_fact(b, start..at + 3 + gap + n));
            }
            continue;
        }
        // Street types are capitalised and short: most words fail that before the list.
        if k == 0
            || w.len() > 9
            || !w.as_bytes()[0].is_ascii_uppercase()
            || !STREET_TYPES.contains(&w)
        {
            continue;
        }
        // Walk back over the street's words to its house number.
        let mut first = k;
        let mut count = 0;
        while first > 0 && count < 4 {
            let (p_at, p) = words[first - 1];
            let gap = &text[p_at + p.len()..words[first].0];
            if gap != " " || !(capitalised(p) || POINTS.contains(&p) || NOT_NAMES.contains(&p)) {
                break;
            }
            first -= 1;
            count += 1;
        }
        if count == 0 {
            continue;
        }
        let start = words[first].0;
        let before = &b[..start];
        if before.last() != Some(&b' ') {
            continue;
        }
        let n = before[..before.len() - 1]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let number_at = start - 1 - n;
        if (1..=6).contains(&n) && (number_at == 0 || !b[number_at - 1].is_ascii_alphanumeric()) {
            out.push(street_fact(b, number_at..at + w.len()));
        }
    }
}

/// A mailing address whose street has no street type (`88 Bowery Fl 3, New York, NY 10013`,
/// `1 Main, Dayton, OH 45402`): the city, state and ZIP code after it say it is one. Read back
/// from each state code with a ZIP code: the city, a comma, then a house number and a few
/// words on the same line.
fn unnamed_streets(text: &str, words: &[(usize, &str)], out: &mut Vec<Fact>) {
    let b = text.as_bytes();
    for (k, &(at, w)) in words.iter().enumerate() {
        if out.len() >= MAX_FACTS {
            break;
        }
        let Ok(state) = <&[u8; 2]>::try_from(w.as_bytes()) else {
            continue;
        };
        if k < 2 || STATES.binary_search(&state).is_err() {
            continue;
        }
        // The city: one to three capitalised words, a comma before them.
        let city_word = |w: &str| w.starts_with(|c: char| c.is_uppercase());
        let mut first = k - 1;
        while first > 0
            && k - first < 3
            && text[words[first - 1].0 + words[first - 1].1.len()..words[first].0] == *" "
            && city_word(words[first - 1].1)
        {
            first -= 1;
        }
        let city_at = words[first].0;
        if !city_word(words[first].1) {
            continue;
        }
        let Some(comma) = b[..city_at].iter().rposition(|c| *c != b' ') else {
            continue;
        };
        if b[comma] != b',' {
            continue;
        }
        let Some(tail_end) = postal_tail(b, city_at) else {
            continue;
        };
        if tail_end > at + 16 {
            continue;
        }
        // The street: a house number, then words, digits and unit marks up to the comma.
        let line_at = b[..comma]
            .iter()
            .rposition(|c| *c == b'\n')
            .map_or(0, |n| n + 1);
        let from = comma.saturating_sub(48).max(line_at);
        let street = &b[from..comma];
        let Some(number_at) = (0..street.len()).find(|&i| {
            (i == 0 || !street[i - 1].is_ascii_alphanumeric()) && street[i].is_ascii_digit() && {
                let n = street[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                n <= 6
                    && street.get(i + n) == Some(&b' ')
                    && street.get(i + n + 1).is_some_and(u8::is_ascii_uppercase)
                    && street[i + n..].iter().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b' ' | b'#' | b'.' | b'-')
                    })
            }
        }) else {
            continue;
        };
        out.push(Fact {
            kind: PhiKind::Contact,
            range: from + number_at..tail_end,
            needs_health: false,
            postal: true,
        });
    }
}

/// A street (or post box) as a fact: a contact detail needing a text about health care,
/// unless its city, state and ZIP code follow, making a whole mailing address.
fn street_fact(b: &[u8], street: Range<usize>) -> Fact {
    match postal_tail(b, street.end) {
        Some(end) => Fact {
            kind: PhiKind::Contact,
            range: street.start..end,
            needs_health: false,
            postal: true,
        },
        None => Fact {
            kind: PhiKind::Contact,
            range: street,
            needs_health: true,
            postal: false,
        },
    }
}

/// US state and territory codes, sorted.
const STATES: &[&[u8; 2]] = &[
    b"AK", b"AL", b"AR", b"AS", b"AZ", b"CA", b"CO", b"CT", b"DC", b"DE", b"FL", b"GA", b"GU",
    b"HI", b"IA", b"ID", b"IL", b"IN", b"KS", b"KY", b"LA", b"MA", b"MD", b"ME", b"MI", b"MN",
    b"MO", b"MS", b"MT", b"NC", b"ND", b"NE", b"NH", b"NJ", b"NM", b"NV", b"NY", b"OH", b"OK",
    b"OR", b"PA", b"PR", b"RI", b"SC", b"SD", b"TN", b"TX", b"UT", b"VA", b"VI", b"VT", b"WA",
    b"WI", b"WV", b"WY",
];

/// Where a street's `City, ST 12345` ends, when it follows on the street's line (after a
/// unit such as `Apt 2`) or on the next: the street is then a whole mailing address.
fn postal_tail(b: &[u8], from: usize) -> Option<usize> {
    let end = b.len().min(from + 72);
    let mut lines = 0;
    for i in from..end.saturating_sub(7) {
        if b[i] == b'\n' {
            lines += 1;
            if lines > 1 {
                return None;
            }
        }
        // `<city>, ST 12345`, `<city> ST 12345` or `<city>,ST,12345`: a letter, a
        // separator, the state code, one or two spaces (or a comma), five digits, then no
        // more digits (or a ZIP+4).
        let state: &[u8; 2] = b[i..i + 2].try_into().ok()?;
        if !state[0].is_ascii_uppercase() || STATES.binary_search(&state).is_err() {
            continue;
        }
        let city_end = match b[..i]
            .strip_suffix(b", ")
            .or_else(|| b[..i].strip_suffix(b" "))
            .or_else(|| b[..i].strip_suffix(b","))
        {
            Some(before) => before.len(),
            None => continue,
        };
        if city_end <= from || !b[city_end - 1].is_ascii_alphabetic() {
            continue;
        }
        let mut z = i + 2;
        // A CSV row puts a comma between them (`Honolulu,HI,96819`).
        let spaces = match b.get(z) {
            Some(b',') => 1,
            _ => b[z..].iter().take_while(|c| **c == b' ').count(),
        };
        z += spaces;
        let digits = b[z..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=2).contains(&spaces) || digits != 5 {
            continue;
        }
        z += 5;
        if b.get(z) == Some(&b'-')
            && b[z + 1..].iter().take_while(|c| c.is_ascii_digit()).count() == 4
        {
            z += 5;
        }
        if b.get(z).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        return Some(z);
    }
    None
}

/// Conditions and medications, by word.
fn health_terms(text: &str, words: &[(usize, &str)], out: &mut Vec<Fact>) {
    for &(at, w) in words {
        if out.len() >= MAX_FACTS {
            break;
        }
        let acronym = w.len() >= 2 && w.bytes().all(|c| c.is_ascii_uppercase());
        let hit = if acronym {
            CONDITION_ACRONYMS.binary_search(&w).is_ok() && !rupees(w, &text[at + w.len()..])
        } else {
            (4..=16).contains(&w.len()) && is_health_term(w)
        };
        if hit {
            out.push(Fact {
                kind: PhiKind::Diagnosis,
                range: at..at + w.len(),
                needs_health: false,
                postal: false,
            });
        }
    }
}

/// Whether the text holds English sentences (two of its commonest words between blanks):
/// a lower-case name is read only there, and a command line or a log seldom has them.
fn english_prose(b: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b" is ", b" on ", b" the ", b" and ", b" for ", b" to ", b" in ",
    ];
    WORDS
        .iter()
        .filter(|w| memchr::memmem::find(b, w).is_some())
        .take(2)
        .count()
        >= 2
}

/// `INR 5000` is an amount in Indian rupees: a ratio of clotting times is under 20.
fn rupees(word: &str, after: &str) -> bool {
    let digits = after
        .trim_start()
        .bytes()
        .take_while(|c| c.is_ascii_digit() || *c == b',')
        .count();
    word == "INR" && digits >= 3
}

/// Laboratory results and clinical scores written as notes and chats do (`k+ came back
/// 6.4`, `A1c 9.2`, `viral load is up to 48k`, `ciwa 19`): a test's short name, at most two
/// words, then its number. A result beside a name is that person's health.
/// Medications from the long drug list (data/drugs), looked up only for words close to a
/// name: most words of a long text are near none, and the list is searched per word.
fn drugs_near(words: &[(usize, &str)], names: &[Name], out: &mut Vec<Fact>) {
    let mut next = 0;
    for &(at, w) in words {
        if out.len() >= MAX_FACTS {
            break;
        }
        // Names come in text order: skip those that end too far before this word.
        while next < names.len() && names[next].range.end + 2 * NEAR < at {
            next += 1;
        }
        let close = names[next..]
            .iter()
            .take_while(|n| n.range.start <= at + 2 * NEAR)
            .any(|n| !n.range.contains(&at));
        if close && !is_health_term(w) && crate::detect::drugs::is_drug(w) {
            out.push(Fact {
                kind: PhiKind::Diagnosis,
                range: at..at + w.len(),
                needs_health: false,
                postal: false,
            });
        }
    }
}

/// Ages written the way notes do (`38M`, `81 y/o`, `62-year-old`) and doses (`2 mg`,
/// `24 units`, `10MG/ML`, `8-2 mg`), read in one pass over the text's numbers: an age
/// counts beside a name in a text about health care; a dose says a medication is taken,
/// whatever the drug's name.
fn ages_and_doses(b: &[u8], out: &mut Vec<Fact>) {
    const UNITS: &[&[u8]] = &[b"mcg", b"mg", b"ml", b"units", b"unit", b"iu"];
    const AGES: &[&[u8]] = &[
        b" y/o",
        b"y/o",
        b" yo",
        b"yo",
        b"-year-old",
        b" year old",
        b" year-old",
    ];
    let digits_at = |k: usize| {
        b[k.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut i = 0;
    while i < b.len() && out.len() < MAX_FACTS {
        let Some(p) = b[i..].iter().position(u8::is_ascii_digit) else {
            break;
        };
        let start = i + p;
        let run = start + digits_at(start);
        i = run;
        // Part of a word or an identifier (`v2mg`, `ab12`): neither.
        if start > 0
            && (b[start - 1].is_ascii_alphanumeric() || matches!(b[start - 1], b'.' | b'-' | b'/'))
        {
            continue;
        }
        let rest = &b[run..];
        let age = if run - start > 3 {
            None
        } else if rest.starts_with(b"M") || rest.starts_with(b"F") {
            // `38M,` or `38F)`, not `38M rows` or `38MB`.
            rest.get(1)
                .is_none_or(|c| matches!(c, b',' | b')' | b';' | b'\n'))
                .then_some(1)
        } else {
            AGES.iter().find(|s| followed_by(rest, s)).map(|s| s.len())
        };
        if let Some(n) = age {
            out.push(Fact {
                kind: PhiKind::Age,
                range: start..run + n,
                needs_health: true,
                postal: false,
            });
            continue;
        }
        // A dose's number may be a decimal or a pair (`0.5`, `8-2`, `1/2`).
        let mut end = run;
        while matches!(b.get(end), Some(b'.' | b'-' | b'/')) && digits_at(end + 1) > 0 {
            end += 1 + digits_at(end + 1);
        }
        let unit_at = if b.get(end) == Some(&b' ') {
            end + 1
        } else {
            end
        };
        if let Some(unit) = UNITS
            .iter()
            .find(|u| followed_by(&b[unit_at.min(b.len())..], u))
        {
            out.push(Fact {
                kind: PhiKind::Diagnosis,
                range: start..unit_at + unit.len(),
                needs_health: false,
                postal: false,
            });
        }
        i = end.max(run);
    }
}

/// Whether `rest` starts with `word` (any case) and the word ends there.
fn followed_by(rest: &[u8], word: &[u8]) -> bool {
    rest.len() >= word.len()
        && rest[..word.len()].eq_ignore_ascii_case(word)
        && rest
            .get(word.len())
            .is_none_or(|c| !c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any text, in any script, is read without a panic (a panic fails the call closed,
        /// but a gate that denies every call with an accented name is broken).
        #[test]
        fn any_text_is_read_without_panicking(
            text in "([A-Za-z\u{e1}\u{1ec5}\u{4e2d}@.,/()+ -]|[0-9]{1,4}|Ave|Box|PO|Dr|\n){0,60}"
        ) {
            let mut out = Vec::new();
            named_facts(&text, &NotPatients::of(&text), &mut out);
            for f in out {
                proptest::prop_assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
            }
        }
    }

    #[test]
    fn doses_and_drug_names_beside_a_name() {
        for text in [
            "Sina Tuiasosopo: insulin glargine 24 units qhs",
            "Robert Kowalczyk on buprenorphine-naloxone 8-2 mg SL film",
            "curl -d '{\"patient\":\"Venkatesh Subramanian\",\"med\":\"tacrolimus\"}'",
            "SUBRAMANIAN, VENKATESH  TACROLIMUS 1MG CAPSULE",
        ] {
            assert_eq!(kinds(text), [PhiKind::Name, PhiKind::Diagnosis], "{text}");
        }
        for text in [
            "Venkatesh Subramanian bumped the image to v2mg",
            "Venkatesh Subramanian set the limit to 512 MB",
            "Venkatesh Subramanian reviewed build 4.2-1 mgmt tools",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn a_drug_known_by_its_stem_beside_a_name() {
        assert_eq!(
            kinds("Darnell Begay, 22, reports improved sleep on mirtazapine 15mg"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
    }

    fn kinds(text: &str) -> Vec<PhiKind> {
        let mut out = Vec::new();
        named_facts(text, &NotPatients::of(text), &mut out);
        let mut k: Vec<PhiKind> = out.iter().map(|f| f.kind).collect();
        k.sort();
        k.dedup();
        k
    }

    #[test]
    fn a_name_with_a_fact_beside_it() {
        assert_eq!(
            kinds("Hope Church, 3/4/1939 - pull her last three A1c results"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert_eq!(
            kinds("text Adaeze Nwosu at 414-372-9915 about her appointment"),
            [PhiKind::Name, PhiKind::Contact]
        );
        assert_eq!(
            kinds("Fatima Al-Sayed started on tamoxifen 20 mg last week"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
        assert_eq!(
            kinds("Lee Min-jung moved to 415 N Alvarado St Apt 9, update her chart"),
            [PhiKind::Name, PhiKind::Contact]
        );
        assert_eq!(
            kinds("portal invite for Padraig Murphy - paddy.cork@outlook.com - bounced"),
            [PhiKind::Name, PhiKind::Contact]
        );
        assert_eq!(
            kinds("Kim Soo-yeon came in overnight with DKA"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
        assert_eq!(
            kinds("April May, 5/1/1948 - weight up 4 lb"),
            [PhiKind::Dob, PhiKind::Name]
        );
    }

    #[test]
    fn a_condition_later_in_the_sentence() {
        assert_eq!(
            kinds(
                "Guadalupe Ramirez reports worsening shortness of breath for five days and new edema"
            ),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
        assert_eq!(
            kinds("La Sra. Guadalupe Ramirez acudio por dolor toracico. Antecedentes: demencia"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
    }

    #[test]
    fn other_ways_of_writing_names_dates_and_phones() {
        assert_eq!(
            kinds("LOPEZ, MARIA 07/19/1962 - merge the charts"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert_eq!(
            kinds("Hope Church 3/4/39 chart review"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert!(kinds("Release 1.2 on 3/4/24 by Maria Lopez").is_empty());
        assert_eq!(kinds("Maria Lopez 1939-3-4"), [PhiKind::Dob, PhiKind::Name]);
        assert_eq!(
            kinds("call Adaeze Nwosu at 414 372 9915 about her appointment"),
            [PhiKind::Name, PhiKind::Contact]
        );
        assert!(kinds("NEW YORK 07/19/1962 CONFERENCE").is_empty());
    }

    #[test]
    fn dates_with_month_names() {
        assert_eq!(
            kinds("Caller: it's Chukwuemeka Obi, November 2nd 1979."),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert_eq!(
            kinds("Hope Church, March 4, 1939 - pull her A1c"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert_eq!(
            kinds("Meron Alemu 9 Apr 1992"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert!(
            kinds("Siobhan Castillo (since April 21, 2023) can't log in to the portal").is_empty()
        );
    }

    #[test]
    fn rows_of_fields() {
        assert_eq!(
            kinds("Nowak;Malgorzata;21.11.1958;G47.33;Pneumologie"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert_eq!(
            kinds("00918273,Zielinska,Agnieszka,12/31/1966,F,414-302-8817"),
            [PhiKind::Dob, PhiKind::Name, PhiKind::Contact]
        );
        assert!(kinds("build|Release|Notes|20240611|ok").is_empty());
    }

    #[test]
    fn names_in_any_script_and_language() {
        assert_eq!(
            kinds("El paciente José Luis Fernández (nac. 14/05/1979) no ha recogido su Biktarvy"),
            [PhiKind::Dob, PhiKind::Name, PhiKind::Diagnosis]
        );
    }

    #[test]
    fn a_whole_mailing_address_under_or_beside_a_name() {
        // A whole address (street, city, state and ZIP) says who a person is without a
        // text about health care, on the name's line or under it (a label, a letter).
        let label = "SHIP TO:\nMarta Quispe\n1207 E Walnut Ave Apt 3\nDes Moines, IA 50316\n";
        assert_eq!(kinds(label), [PhiKind::Name, PhiKind::Contact]);
        assert_eq!(
            kinds("Dear Mr. Yusuf Demir,\nPO Box 77\nTuba City, AZ 86045\n\nThank you."),
            [PhiKind::Name, PhiKind::Contact]
        );
        assert_eq!(
            kinds("returned: Ines Varga, 88 W Lake St, Oak Park IL 60302-1144, no forwarding"),
            [PhiKind::Name, PhiKind::Contact]
        );
        // A street alone still needs a text about health care; a name two lines up or
        // with words after it on its line does not head the address.
        assert!(kinds("Ines Varga lives at 88 W Lake St now").is_empty());
        assert!(kinds("Ines Varga\n\n88 W Lake St\nOak Park, IL 60302").is_empty());
        assert!(kinds("Ines Varga wrote:\n88 W Lake St\nOak Park, IL 60302").is_empty());
        // A practice's address is not a person's.
        assert!(kinds("Lakeside Family Clinic\n400 N Main St\nRacine, WI 53402").is_empty());
    }

    #[test]
    fn not_a_patient() {
        assert!(
            kinds("On-call this weekend: Marcus Feld (608) 869-3881, Ana Ruiz 608-798-8799")
                .is_empty()
        );
        assert!(kinds("| Helen Brandt (NP) | Cardiology | 414-874-8774 |").is_empty());
        assert!(kinds("Sunny Day Pediatrics, 1200 Grand Ave, Wausau WI 54403 - new referring practice, fax 715-842-0199").is_empty());
        assert!(kinds(r#"{"resourceType":"Practitioner","text":{"div":"Adam Careful, 534 Erewhon St, born 1980-02-27"}}"#).is_empty());
        assert!(kinds("Maria Lopez merged this on 3/4/2024").is_empty());
        assert!(kinds("Dr. Helen Brandt, Cardiology, (414) 555-0100, clinic hours").is_empty());
        assert!(kinds("Lou Gehrig was diagnosed with ALS in 1939").is_empty());
        assert!(kinds("Contact Sam Reyes at sam.reyes@example.com for access").is_empty());
        assert!(kinds("Jane Doe, 01/01/1970").is_empty());
        assert!(kinds("Release 2.3 by Ana Silva (joined 01/14/2026)").is_empty());
        // A phone right beside a whole known name counts whatever the text is about
        // (session 18): `Call Sam Reyes at 414-372-9915 about the build` is now PHI.
        assert!(kinds("Call Sam at 414-372-9915 about the build").is_empty());
        // A site's name and the street named for a person (session 19).
        assert!(kinds("MS03,Mount Sinai Annex,1500 S Fairfield Ave").is_empty());
        assert!(kinds("RH01,Rose Hill Clinic,1200 Rose Hill Dr").is_empty());
        assert!(
            kinds(
                "- Eau Claire Regional, 900 W Clairemont Ave, Eau Claire WI 54701 - 715-555-0180"
            )
            .is_empty()
        );
        // A connection string's value and its next key.
        assert!(
            kinds("2024-06-12 GET /health/db?cs=Server=sql02;Database=Portal;User Id=api;")
                .is_empty()
        );
        // Dead for more than 50 years: history (HIPAA's limit), not a patient.
        assert!(kinds("Ada Bramble (1920–1951) was treated for cervical cancer").is_empty());
        assert!(kinds("cervical cancer cells from Johns Hopkins, 1951").is_empty());
    }

    #[test]
    fn nicknames_hyphens_capitals_and_conditions_by_their_ending() {
        assert_eq!(
            kinds("Bobby (Robert) Kowalczyk on buprenorphine-naloxone 8-2 mg SL film"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
        assert_eq!(
            kinds("Margaret 'Peggy' Olsen, admitted with cholecystitis"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
        assert_eq!(
            kinds("import fails on\nOYELARAN,JOHN,1990-02-28,F,KB2201945,MEDICAID"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert_eq!(
            kinds("Rocco D'Angelo finished his 6th cycle of FOLFOX today"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
        assert_eq!(
            kinds("Mary-Kate Okonkwo-Adeyemi has thrombocytopenia again"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
        // Lived until recently: still protected.
        assert_eq!(
            kinds("Ada Bramble (1950–2001) was treated for cervical cancer"),
            [PhiKind::Name, PhiKind::Diagnosis]
        );
    }
}
