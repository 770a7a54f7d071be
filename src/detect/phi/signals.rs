//! The weaker signals that make an identifier a patient's: names, dates of birth, ages,
//! diagnosis codes, contact details.

use super::finding::*;
use super::ids::*;
use super::patterns::*;
use std::ops::Range;

pub(super) fn plausible_date(d: &[u8]) -> bool {
    let parts: Vec<u32> = d
        .split(|c| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| std::str::from_utf8(p).ok()?.parse().ok())
        .collect();
    let (y, m, day) = match parts[..] {
        [y, m, day] if y > 1000 => (y, m, day),
        // Day first (18/10/1938) where the first number cannot be a month.
        [day, m, y] if day > 12 => (if y < 100 { 1900 + y } else { y }, m, day),
        [m, day, y] => (if y < 100 { 1900 + y } else { y }, m, day),
        [day, y] => (y, 1, day),
        _ => return false,
    };
    // 1 January 1900 is what registration systems store when the date is unknown.
    (1900..=2030).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&day)
        && (y, m, day) != (1900, 1, 1)
}

/// A phone number nobody has: one digit repeated (`555-555-5555`, `000-000-0000`) or
/// counted out (`123-456-7890`), after an optional country code 1.
pub(super) fn placeholder_phone(v: &[u8]) -> bool {
    let digits: Vec<u8> = v.iter().copied().filter(u8::is_ascii_digit).collect();
    let national = match digits.as_slice() {
        [b'1', rest @ ..] if rest.len() == 10 => rest,
        all => all,
    };
    national.len() >= 7 && (national.iter().all(|d| *d == national[0]) || national == b"1234567890")
}

pub(super) fn dob(b: &[u8], out: &mut Vec<Finding>) {
    // A noun label may stand a few words before its date ("DOB for Thanh Nguyen should be
    // 12/23/1980"); a verb or "birthday" only right before it.
    let r = re(
        &DOB_RE,
        r"(?i)(?:\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|fecha de nacimiento|date de naissance|data de nascimento|geburtsdatum)\)?(?:\s*[:=]?\s*|[^0-9\n.;:=]{1,48}?)|\b(?:born(?: on)?|birthday(?: is)?|naci(?:o|\xC3\xB3) el|nacid[oa] el)\s*[:=]?\s*)(\d{8}\b|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{4}|\d{1,2} de (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|sept?iembre|octubre|noviembre|diciembre) de \d{4})",
    );
    for c in r.captures_iter(b) {
        let Some(v) = c.get(1) else { continue };
        // Compact (19480722) is year, month, day.
        let compact;
        let value = if v.len() == 8 && v.as_bytes().iter().all(u8::is_ascii_digit) {
            let d = v.as_bytes();
            compact = [&d[..4], b"-", &d[4..6], b"-", &d[6..]].concat();
            &compact[..]
        } else {
            v.as_bytes()
        };
        if plausible_date(value) {
            out.push(Finding {
                kind: PhiKind::Dob,
                range: v.range(),
                strong: false,
            });
        }
    }
}

/// HIPAA names ages over 89 as identifying.
pub(super) fn age(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &AGE_RE,
        r"(?i)\b(?:aged?\s*[:=]?\s*(9\d|1[01]\d)\b|(9\d|1[01]\d)[- ]?(?:years?[- ]old|y/?o)\b)",
    );
    for c in r.captures_iter(b) {
        if let Some(v) = c.get(1).or_else(|| c.get(2)) {
            out.push(Finding {
                kind: PhiKind::Age,
                range: v.range(),
                strong: false,
            });
        }
    }
}

pub(super) const PLACEHOLDER_NAMES: &[&str] = &[
    "john doe",
    "jane doe",
    "doe",
    "test patient",
    "patient test",
    "first last",
    "firstname lastname",
    "foo bar",
    "john smith",
    "jane smith",
    "example patient",
    "sample patient",
    "lorem ipsum",
    "redacted",
    // A field's value alone (`'first_name': 'Test'`).
    "test",
    "patient",
    "sample",
    "dummy",
    "demo",
];

pub(super) fn names(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &NAME_RE,
        r"(?:(?i:patient(?:'s)? name|patient|decedent|pt name|pt|name|member name|subscriber)\s*[:=]?\s*)([A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:[ ,]+[A-Z]\.?)?(?:[ ,]+[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?){1,2})\b",
    );
    for c in r.captures_iter(b) {
        let Some(v) = c.get(1) else { continue };
        let Some(whole) = c.get(0) else { continue };
        // "name" alone needs a colon (`name: Ann Lee`); "patient" may run on (`patient Ann Lee`).
        let label = &b[whole.start()..v.start()];
        let has_colon = label.contains(&b':') || label.contains(&b'=');
        if contains_ci(label, &["name"])
            && !contains_ci(label, &["patient", "pt", "member", "subscriber"])
            && !has_colon
        {
            continue;
        }
        // "Patient Identification Segment", "patient In Progress": record words, not a name.
        let shown = String::from_utf8_lossy(v.as_bytes());
        if shown
            .split([' ', ','])
            .any(|w| NOT_NAMES.contains(&w.trim_end_matches('.')))
        {
            continue;
        }
        let lower = String::from_utf8_lossy(v.as_bytes())
            .to_ascii_lowercase()
            .replace(',', "");
        let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
        if PLACEHOLDER_NAMES
            .iter()
            .any(|p| lower == *p || lower.ends_with(" doe"))
        {
            continue;
        }
        out.push(Finding {
            kind: PhiKind::Name,
            range: v.range(),
            strong: false,
        });
    }
}

/// A labelled name written in a script other than Latin (`Patient 류명숙`,
/// `"patient": "谭霞"`, `Patient السيد زين الشايقية`): the Latin detector above reads capitals,
/// which most scripts do not have. Only a value that starts with a non-ASCII letter.
pub(super) fn script_names(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &SCRIPT_NAME_RE,
        r#"(?i:patient(?:'s)? name|patient|decedent|pt name|member name|subscriber|paciente|nombre)["']?\s*[:=]?\s*["']?((?u:[\p{L}\p{M}][\p{L}\p{M}'\x{2019}.-]*)(?:[ ](?u:[\p{L}\p{M}][\p{L}\p{M}'\x{2019}.-]*)){0,3})"#,
    );
    for c in r.captures_iter(b) {
        let Some(v) = c.get(1) else { continue };
        // Starting with a letter outside ASCII, it is no template slot (`<MRN>`, `{{name}}`).
        if v.as_bytes()[0] < 0x80 {
            continue;
        }
        out.push(Finding {
            kind: PhiKind::Name,
            range: v.range(),
            strong: false,
        });
    }
}

pub(super) fn diagnosis(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &DX_RE,
        r"(?i:\b(?:dx|diagnos[ie]s|icd-?10(?:-cm)?|icd)\b)[^\n]{0,40}?\b([A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?)\b",
    );
    for c in r.captures_iter(b) {
        if let Some(v) = c.get(1) {
            out.push(Finding {
                kind: PhiKind::Diagnosis,
                range: v.range(),
                strong: false,
            });
        }
    }
}

/// Phone numbers, e-mail and street addresses, counted only in text about a patient.
pub(super) fn contact(b: &[u8], out: &mut Vec<Finding>) {
    for m in re(&PHONE_RE, r"\(?\b\d{3}\)?[-. ]\d{3}[-.]\d{4}\b").find_iter(b) {
        if ssn_valid(&digits(m.as_bytes())) && m.as_bytes().len() == 11 {
            continue; // an SSN, already counted
        }
        out.push(Finding {
            kind: PhiKind::Contact,
            range: m.range(),
            strong: false,
        });
    }
    let street = r"\b\d{1,5} (?:[A-Z][a-z]+ ){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Ct|Court|Way|Pl|Place|Ter|Terrace)\b";
    for m in re(&ADDRESS_RE, street).find_iter(b) {
        out.push(Finding {
            kind: PhiKind::Contact,
            range: m.range(),
            strong: false,
        });
    }
    for m in re(
        &EMAIL_RE,
        r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b",
    )
    .find_iter(b)
    {
        if !contains_ci(m.as_bytes(), &["example.", "@test.", "noreply"]) {
            out.push(Finding {
                kind: PhiKind::Contact,
                range: m.range(),
                strong: false,
            });
        }
    }
}

pub(super) const PLACEHOLDER_VALUES: &[&str] = &[
    "novalueavailable",
    "anonymous",
    "anonymized",
    "redacted",
    "xxxx",
    "doe^john",
    "doe^jane",
    "test^patient",
    "patient^test",
];

pub(super) fn placeholder_value(v: &[u8]) -> bool {
    let trimmed: Vec<u8> = v
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    // A template's slot: `<MRN>`, `[patient name]`, `{{patient.dob}}`.
    let wrapped = |open: &[u8], close: &[u8]| {
        trimmed.len() > open.len() + close.len()
            && trimmed.starts_with(open)
            && trimmed.ends_with(close)
    };
    trimmed.iter().all(|c| !c.is_ascii_alphanumeric())
        || contains_ci(&trimmed, PLACEHOLDER_VALUES)
        || test_patient(&trimmed)
        || wrapped(b"<", b">")
        // (`[Lopez^Maria]` is how DICOM dumps print a name: a value, not a slot.)
        || (wrapped(b"[", b"]") && !trimmed.contains(&b'^'))
        || wrapped(b"{{", b"}}")
        // `{last}`, `{dob_yyyymmdd}`: a format string's slot.
        || (wrapped(b"{", b"}")
            && trimmed[1..trimmed.len() - 1]
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')))
        // HL7 components, each a slot or empty: `{last}^{first}^{middle}`, `[NAME]^[NAME]`.
        || (trimmed.contains(&b'^')
            && trimmed
                .split(|c| matches!(c, b'^' | b'&'))
                .all(|part| part.is_empty() || placeholder_value(part)))
}

/// Capitalised words often next to a name that are not one.
pub(super) const NOT_NAMES: &[&str] = &[
    "The",
    "This",
    "That",
    "These",
    "Those",
    "Thanks",
    "Thank",
    "Hi",
    "Hello",
    "Dear",
    "Dr",
    "Mr",
    "Mrs",
    "Ms",
    "Can",
    "Could",
    "Would",
    "Please",
    "Patient",
    "Member",
    "Pull",
    "Request",
    "New",
    "Ask",
    "Open",
    "Add",
    "Fix",
    "Merge",
    "Update",
    "Author",
    "Date",
    "Name",
    "Born",
    "For",
    "From",
    "With",
    "And",
    "Or",
    "If",
    "When",
    "Why",
    "How",
    "What",
    "Who",
    "Is",
    "Are",
    "Was",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "North",
    "South",
    "East",
    "West",
    "United",
    "States",
    "Street",
    "Avenue",
    "Road",
    "Main",
    "Team",
    "Platform",
    "Support",
    "Service",
    "Inc",
    // Words of records and specifications ("Patient Identifier List", "In Progress",
    // "Hospital Course"): capitalised beside identifiers, never a person's name.
    "In",
    "Progress",
    "Identifier",
    "Identifiers",
    "Identification",
    "List",
    "Segment",
    "Number",
    "Record",
    "Records",
    "Table",
    "Status",
    "Resource",
    "Section",
    "Summary",
    "Course",
    "History",
    "Report",
    "Notes",
    "Result",
    "Results",
    "Visit",
    "Element",
    "Message",
    "Version",
    "Display",
    "Reference",
    "Hospital",
    "Discharge",
    "Admission",
    "Medication",
    "Medications",
    "Procedure",
    "Procedures",
    "Allergies",
    "Information",
    "Encounter",
    "Observation",
    "Birth",
    "Time",
];

/// Whether word `i` is followed by a capitalised word after one space (a third word of a
/// name: `Ray Two Bulls`, `Mary Little Bear`).
pub(super) fn runs_on(text: &str, words: &[(usize, &str)], i: usize) -> bool {
    let (Some(&(at, w)), Some(&(next_at, next))) = (words.get(i), words.get(i + 1)) else {
        return false;
    };
    text.get(at + w.len()..next_at) == Some(" ") && capitalised(next)
}

/// Is `w` shaped like a name: an upper-case letter, then lower case, with upper case allowed
/// only after an apostrophe or hyphen or in `Mc`/`Mac` (`O'Connor`, `García-Márquez`,
/// `McAllister`), and not a word often capitalised next to one.
pub(super) fn capitalised(w: &str) -> bool {
    let mut prev = None;
    let mut lower = 0;
    for (i, c) in w.chars().enumerate() {
        if i == 0 {
            if !c.is_uppercase() {
                return false;
            }
        } else if c.is_uppercase() {
            let after_mark = matches!(prev, Some('\'' | '-' | '\u{2019}'));
            let mc = (i == 2 && w.starts_with("Mc")) || (i == 3 && w.starts_with("Mac"));
            if !after_mark && !mc {
                return false;
            }
        } else if c.is_lowercase() {
            lower += 1;
        }
        prev = Some(c);
    }
    lower >= 1 && !NOT_NAMES.contains(&w.trim_end_matches("'s"))
}

/// Words of `text` (letters with inner apostrophes and hyphens) and where each starts.
pub(super) fn words_of(text: &str, max: usize) -> Vec<(usize, &str)> {
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let part = c.is_alphabetic() || (start.is_some() && matches!(c, '\'' | '-' | '\u{2019}'));
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let word = text[s..i].trim_end_matches(['\'', '-', '\u{2019}']);
                words.push((s, word));
                start = None;
                if words.len() >= max {
                    break;
                }
            }
            _ => {}
        }
    }
    words
}

/// Names written without a label: a known given name before a capitalised word, a
/// capitalised word before a known surname, `Surname, Given`, or any two capitalised words
/// on the same line as another signal and close to it (a name beside a birth date or an
/// SSN is the record, whatever the name). Weak: run only when the text already holds
/// another signal, since a name alone is not PHI.
pub(super) fn person_names(text: &str, out: &mut Vec<Finding>) {
    const MAX_WORDS: usize = 20_000;
    const NEAR: usize = 60;
    let signals: Vec<Range<usize>> = out
        .iter()
        .filter(|f| f.kind != PhiKind::Name)
        .map(|f| f.range.clone())
        .take(1_000)
        .collect();
    let near_signal = |span: &Range<usize>| {
        signals.iter().any(|s| {
            let (from, to) = if s.start >= span.end {
                (span.end, s.start)
            } else if span.start >= s.end {
                (s.end, span.start)
            } else {
                return false;
            };
            to - from <= NEAR && !text[from..to].contains('\n')
        })
    };
    let words = words_of(text, MAX_WORDS);
    let long = |w: &str, n: usize| w.chars().count() >= n;
    for (i, pair) in words.windows(2).enumerate() {
        let ((a_at, a), (b_at, b)) = (pair[0], pair[1]);
        if !capitalised(a) || !capitalised(b) {
            continue;
        }
        let bare = b.trim_end_matches("'s");
        let span = a_at..b_at + bare.len();
        let between = &text[a_at + a.len()..b_at];
        let plain = crate::detect::names::is_plain_word;
        let name = match between {
            // Ordinary words make a heading or a product (`Oral Form`, `Acme Healthcare`),
            // and words no list knows are a name beside a signal only when neither is an
            // ordinary word (`Tavita Faleolo`, not `Blood Agar`).
            " " if crate::detect::names::is_phrase(a, bare)
                && !(crate::detect::names::is_given(a) && runs_on(text, &words, i + 1)) =>
            {
                false
            }
            " " => {
                (crate::detect::names::is_given(a) && long(bare, 2))
                    || (crate::detect::names::is_surname(bare) && long(a, 3))
                    || (long(a, 2)
                        && long(bare, 2)
                        && !plain(a)
                        && !plain(bare)
                        && near_signal(&span))
            }
            ", " => {
                crate::detect::names::is_surname(a)
                    && (crate::detect::names::is_given(b) || long(b, 3) || near_signal(&span))
            }
            _ => false,
        };
        if name && !placeholder_name(&text[span.clone()]) && !public_figure(a, bare) {
            out.push(Finding {
                kind: PhiKind::Name,
                range: span,
                strong: false,
            });
        }
    }
}

/// Words that put a text in a health or patient setting.
pub(super) const HEALTH_WORDS: &[&str] = &[
    "patient",
    "member",
    "subscriber",
    "beneficiar",
    "chart",
    "mrn",
    "medical",
    "health",
    "clinic",
    "hospital",
    "intake",
    "insur",
    "claim",
    "eligib",
    "visit",
    "admit",
    "admission",
    "discharge",
    "referr",
    "appointment",
    "diagnos",
    "prescri",
    "pharmac",
    "portal",
    "dob",
    "birth",
    "doctor",
    "dr.",
    "nurse",
    "physician",
    "provider",
    "ehr",
    "emr",
    "encounter",
    // Care as chat writes it (`due for 2 mo shots`, `allergic to pcn`, `refill`).
    "vaccin",
    "immuniz",
    " shots",
    "allerg",
    "appt",
    "refill",
    "prenatal",
    "medicaid",
    "medicare",
    "f/u",
];

/// `Maria Lopez (03/12/1984)`: a full date in brackets right after a name is that person's
/// date (HIPAA counts every date tied to a patient, not only the birth date) in a text about
/// health care; elsewhere it is a commit, a release or a meeting.
pub(super) fn named_dates(text: &str, out: &mut Vec<Finding>) {
    if !contains_ci(text.as_bytes(), HEALTH_WORDS) {
        return;
    }
    let r = re(
        &NAME_DATE_RE,
        r"((?u:\p{Lu})(?u:[\p{L}'-])+) ((?u:\p{Lu})(?u:[\p{L}'-])+) \((\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\)",
    );
    for c in r.captures_iter(text.as_bytes()) {
        let (Some(first), Some(last), Some(date)) = (c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        let (Ok(a), Ok(b)) = (
            std::str::from_utf8(first.as_bytes()),
            std::str::from_utf8(last.as_bytes()),
        ) else {
            continue;
        };
        let span = first.start()..last.end();
        if capitalised(a)
            && capitalised(b)
            && plausible_date(date.as_bytes())
            && !placeholder_name(&text[span.clone()])
        {
            out.push(Finding {
                kind: PhiKind::Name,
                range: span,
                strong: false,
            });
            out.push(Finding {
                kind: PhiKind::Dob,
                range: date.range(),
                strong: false,
            });
        }
    }
}

pub(super) fn placeholder_name(value: &str) -> bool {
    let lower = value.to_lowercase().replace(',', "");
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    PLACEHOLDER_NAMES
        .iter()
        .any(|p| lower == *p || lower.ends_with(" doe"))
        || test_patient(lower.as_bytes())
}

/// Test patients as EHRs name them: a name starting `ZZ` sorts them last in every list
/// (`ZZTEST^ADTONE`, `Zztest, Mychart`); no one's surname starts so.
fn test_patient(v: &[u8]) -> bool {
    v.len() >= 3 && v[..2].eq_ignore_ascii_case(b"zz") && v[2].is_ascii_alphabetic()
}

/// A public figure whose health is public record, written either way round (`Florence
/// Nightingale`, `'Nightingale', 'Florence'`): history, not a patient's chart.
pub(super) fn public_figure(given: &str, family: &str) -> bool {
    const PUBLIC: &[(&str, &str)] = &[
        ("Franklin", "Roosevelt"),
        ("Lou", "Gehrig"),
        ("Henrietta", "Lacks"),
        ("John", "Kennedy"),
        ("George", "Washington"),
        ("Phineas", "Gage"),
        ("Stephen", "Hawking"),
        ("Abraham", "Lincoln"),
        ("Ronald", "Reagan"),
        ("Steve", "Jobs"),
        ("Michael", "Fox"),
        ("Muhammad", "Ali"),
        ("Frida", "Kahlo"),
        ("Helen", "Keller"),
        ("Typhoid", "Mary"),
        ("Mary", "Mallon"),
        ("Winston", "Churchill"),
        ("Ludwig", "Beethoven"),
        ("Vincent", "Gogh"),
        ("Charles", "Darwin"),
        ("Florence", "Nightingale"),
        ("Marie", "Curie"),
        ("Albert", "Einstein"),
        ("Henry", "Molaison"),
        ("Woodrow", "Wilson"),
        ("Dwight", "Eisenhower"),
        ("Ulysses", "Grant"),
        ("Babe", "Ruth"),
        ("Magic", "Johnson"),
        ("Arthur", "Ashe"),
        ("Rock", "Hudson"),
        ("Ryan", "White"),
        ("Terri", "Schiavo"),
        ("Karen", "Quinlan"),
        ("Serena", "Williams"),
        ("Selena", "Gomez"),
        ("Bruce", "Willis"),
        ("Celine", "Dion"),
        // People hospitals are named after: in a text about care, the institution.
        ("Johns", "Hopkins"),
        ("Sloan", "Kettering"),
        ("Dana", "Farber"),
        ("Cedars", "Sinai"),
        ("Kaiser", "Permanente"),
        ("Ronald", "McDonald"),
    ];
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    PUBLIC
        .iter()
        .any(|(g, f)| (same(g, given) && same(f, family)) || (same(g, family) && same(f, given)))
}
