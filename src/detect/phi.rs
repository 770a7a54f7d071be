//! Patient health information (PHI): validated identifiers scored with their context.
//!
//! In the spirit of Presidio (pattern, validator, context window) but stricter: text counts
//! as PHI when it holds one validated strong identifier (an SSN that passes the SSA rules,
//! an MRN or member id with its label, a Medicare MBI with its label, a patient record
//! container), or a weak identifier plus a second, different signal (a patient name, a date
//! of birth, a diagnosis code, another identifier). Code that handles PHI (regexes, masks
//! like XXX-XX-XXXX, invalid test values, value sets, placeholders like "John Doe") is not.

use regex::bytes::{Regex, RegexBuilder};
use std::ops::Range;
use std::sync::OnceLock;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum PhiKind {
    Ssn,
    Mbi,
    Npi,
    Dea,
    Mrn,
    Dob,
    Age,
    Name,
    Contact,
    Diagnosis,
    Hl7,
    Fhir,
    X12,
    Dicom,
    /// A payment card number (Luhn-valid, not a published test number); weak, it is PHI
    /// beside a patient's name.
    Card,
}

impl PhiKind {
    pub const ALL: [PhiKind; 15] = [
        Self::Ssn,
        Self::Mbi,
        Self::Npi,
        Self::Dea,
        Self::Mrn,
        Self::Dob,
        Self::Age,
        Self::Name,
        Self::Contact,
        Self::Diagnosis,
        Self::Hl7,
        Self::Fhir,
        Self::X12,
        Self::Dicom,
        Self::Card,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::Ssn => "ssn",
            Self::Mbi => "mbi",
            Self::Npi => "npi",
            Self::Dea => "dea",
            Self::Mrn => "mrn",
            Self::Dob => "dob",
            Self::Age => "age",
            Self::Name => "name",
            Self::Contact => "contact",
            Self::Diagnosis => "diagnosis",
            Self::Hl7 => "hl7",
            Self::Fhir => "fhir",
            Self::X12 => "x12",
            Self::Dicom => "dicom",
            Self::Card => "card",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }
}

/// One piece of PHI evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: PhiKind,
    /// The identifier or record itself (what redaction masks).
    pub range: Range<usize>,
    /// Enough on its own; weak findings need a second, different signal.
    pub strong: bool,
}

/// The findings that make `text` PHI, or nothing when it is not.
pub fn scan(text: &str) -> Vec<Finding> {
    score(candidates(text))
}

/// Texts at least this long have their findings kept for the next call on the same text.
const MEMO_BYTES: usize = 16 * 1024;

/// Every identifier and signal, before scoring (redaction masks strong identifiers even
/// when the text as a whole is not PHI).
pub fn candidates(text: &str) -> Vec<Finding> {
    if text.len() < MEMO_BYTES {
        return scan_candidates(text);
    }
    if let Some(found) = memo_get(text) {
        return found;
    }
    let found = scan_candidates(text);
    memo_set(text, &found);
    found
}

// The decision and the journal's redaction both read a large input: the second reader gets
// the first one's findings (a comparison costs far less than a scan). Shared by threads.
static LAST: std::sync::Mutex<Option<(String, Vec<Finding>)>> = std::sync::Mutex::new(None);

fn memo_get(text: &str) -> Option<Vec<Finding>> {
    let last = LAST.lock().ok()?;
    let (t, found) = last.as_ref()?;
    (t == text).then(|| found.clone())
}

fn memo_set(text: &str, found: &[Finding]) {
    if let Ok(mut last) = LAST.lock() {
        *last = Some((text.to_string(), found.to_vec()));
    }
}

/// Texts this long are scanned for PHI on both cores while the caller runs the secret
/// detectors over the same text: on 1 MiB each pass costs a few milliseconds, a thread
/// about 0.05.
pub const ALONGSIDE_BYTES: usize = 256 * 1024;

/// [`candidates`] of `text` and the result of `other`, run at the same time when the text
/// is large: a second thread runs the keyword pass and the detectors it gates, this one
/// runs `other` and then the structure scans that need no keywords. The findings are the
/// same, in the same order, as [`candidates`] gives (a test holds it to that). A panic on
/// either side reaches the caller (the hook fails closed on it).
pub fn candidates_alongside<T>(text: &str, other: impl FnOnce() -> T) -> (Vec<Finding>, T) {
    if text.len() < ALONGSIDE_BYTES {
        let found = candidates(text);
        return (found, other());
    }
    if let Some(found) = memo_get(text) {
        return (found, other());
    }
    let bytes = text.as_bytes();
    if !enough_digits(bytes) {
        return (Vec::new(), other());
    }
    let (found, theirs) = std::thread::scope(|s| {
        let keyed = s.spawn(|| {
            let present = keywords_present(bytes);
            let (mut early, mut late) = (Vec::new(), Vec::new());
            gated_early(bytes, present, &mut early);
            gated_late(text, present, &mut late);
            (early, late)
        });
        let theirs = other();
        let mut shapes = Vec::new();
        shapes_anywhere(text, &mut shapes);
        let (mut out, mut late) = keyed
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        out.append(&mut shapes);
        out.append(&mut late);
        finish(text, &mut out);
        (out, theirs)
    });
    memo_set(text, &found);
    (found, theirs)
}

/// [`scan`]'s scoring over findings from [`candidates`].
pub fn score(all: Vec<Finding>) -> Vec<Finding> {
    let has_strong = all.iter().any(|f| f.strong);
    let mut kinds: Vec<PhiKind> = all.iter().map(|f| f.kind).collect();
    kinds.sort();
    kinds.dedup();
    if has_strong || kinds.len() >= 2 {
        all
    } else {
        Vec::new()
    }
}

fn scan_candidates(text: &str) -> Vec<Finding> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    if !enough_digits(bytes) {
        return out;
    }
    let present = keywords_present(bytes);
    let (mut shapes, mut late) = (Vec::new(), Vec::new());
    gated_early(bytes, present, &mut out);
    shapes_anywhere(text, &mut shapes);
    gated_late(text, present, &mut late);
    out.append(&mut shapes);
    out.append(&mut late);
    finish(text, &mut out);
    out
}

/// Every identifier and signal has at least two digits (an age over 89, a diagnosis code);
/// text with fewer cannot hold PHI as defined here.
fn enough_digits(bytes: &[u8]) -> bool {
    bytes.iter().filter(|b| b.is_ascii_digit()).take(2).count() >= 2
}

/// The digit patterns (SSN, MBI), which always run, and the labelled detectors, which run
/// only when the one keyword pass found their words (this keeps a 1 MiB text to a few
/// milliseconds).
fn gated_early(bytes: &[u8], present: u32, out: &mut Vec<Finding>) {
    let has = |group: Group| present & (1 << group as u32) != 0;
    ssn(bytes, has(Group::SsnWord), out);
    mbi(bytes, out);
    if has(Group::Labels) {
        labelled_numbers(bytes, out);
    }
    if has(Group::Record) {
        mrn(bytes, out);
    }
    if has(Group::Birth) {
        dob(bytes, out);
    }
    if has(Group::Age) {
        age(bytes, out);
    }
    // Each gate below is a byte test for something its regex cannot match without, so a
    // command line does not pay for compiling patterns it cannot reach (about 2 ms in all).
    if has(Group::Name) && capital_then_lower(bytes) {
        names(bytes, out);
    }
    if has(Group::Diagnosis) {
        diagnosis(bytes, out);
    }
    if has(Group::Container) {
        containers(bytes, out);
    }
}

/// Structure read without keywords: fields, XML elements, CSV columns, person rows.
fn shapes_anywhere(text: &str, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    fields(bytes, out);
    if bytes.contains(&b'<') {
        xml_fields(bytes, out);
    }
    csv_columns(text, out);
    person_rows(text, out);
}

fn gated_late(text: &str, present: u32, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let has = |group: Group| present & (1 << group as u32) != 0;
    if has(Group::Record) {
        patient_constructors(text, out);
    }
    if has(Group::Insert) {
        sql_inserts(text, out);
    }
    if has(Group::UrlRecord) {
        ids_in_url_paths(bytes, out);
    }
    cards(bytes, has(Group::CardWord), out);
    if memchr::memchr_iter(b'(', bytes).any(|i| bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
        named_dates(text, out);
    }
    if has(Group::Birth) || has(Group::SsnWord) {
        ssn_last_four(bytes, out);
    }
}

/// What depends on the other findings: a name without a label counts only next to another
/// signal (it is not PHI alone), and contact details only once something was found.
fn finish(text: &str, out: &mut Vec<Finding>) {
    if out.iter().any(|f| f.kind != PhiKind::Name) {
        person_names(text, out);
    }
    if !out.is_empty()
        && re(&PATIENT_WORD, r"(?i)\b(patient|member|beneficiary|pt)\b").is_match(text.as_bytes())
    {
        contact(text.as_bytes(), out);
    }
}

/// Keyword groups that gate the labelled detectors: one pass over the text tells which
/// detectors can find anything (a 1 MiB text paid about 2 ms for one scan per gate).
#[derive(Clone, Copy)]
enum Group {
    Labels,
    Record,
    Birth,
    Age,
    Name,
    Diagnosis,
    Container,
    Insert,
    UrlRecord,
    SsnWord,
    CardWord,
}

const GROUPS: u32 = 11;

const KEYWORDS: &[(&str, Group)] = &[
    ("npi", Group::Labels),
    ("dea", Group::Labels),
    ("mrn", Group::Record),
    ("medical record", Group::Record),
    ("patient", Group::Record),
    ("member", Group::Record),
    ("subscriber", Group::Record),
    ("account", Group::Record),
    ("acct", Group::Record),
    ("dob", Group::Birth),
    ("d.o.b", Group::Birth),
    ("birth", Group::Birth),
    ("born", Group::Birth),
    // Spanish, French, Portuguese, German labels for a date of birth.
    ("nacimiento", Group::Birth),
    ("naci", Group::Birth),
    ("naissance", Group::Birth),
    ("nascimento", Group::Birth),
    ("geburtsdatum", Group::Birth),
    ("age", Group::Age),
    ("year", Group::Age),
    ("y/o", Group::Age),
    ("yo", Group::Age),
    ("patient", Group::Name),
    ("pt", Group::Name),
    ("name", Group::Name),
    ("member", Group::Name),
    ("subscriber", Group::Name),
    ("dx", Group::Diagnosis),
    ("diagnos", Group::Diagnosis),
    ("icd", Group::Diagnosis),
    ("pid|", Group::Container),
    ("resourcetype", Group::Container),
    ("nm1*", Group::Container),
    ("(0010,", Group::Container),
];

/// Words an SSN label starts with.
const SSN_WORDS: &[&str] = &["ssn", "social", "ss#"];

/// Every gating keyword with its group: [`KEYWORDS`] plus the word lists the detectors
/// also use near a candidate.
fn all_keywords() -> impl Iterator<Item = (&'static str, Group)> {
    let tagged = |words: &'static [&'static str], group| words.iter().map(move |w| (*w, group));
    KEYWORDS
        .iter()
        .copied()
        .chain(tagged(&["insert"], Group::Insert))
        .chain(tagged(URL_RECORD_WORDS, Group::UrlRecord))
        .chain(tagged(SSN_WORDS, Group::SsnWord))
        .chain(tagged(CARD_CONTEXT, Group::CardWord))
}

fn keywords_present(b: &[u8]) -> u32 {
    static TABLE: OnceLock<Vec<(&str, Group)>> = OnceLock::new();
    let table = TABLE.get_or_init(|| all_keywords().collect());
    if b.len() <= 8 * 1024 {
        // Short texts: a direct scan is cheaper than building the automaton.
        let mut present = 0u32;
        for (k, group) in table {
            if present & (1 << *group as u32) == 0 && contains_ci(b, &[k]) {
                present |= 1 << *group as u32;
            }
        }
        return present;
    }
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let ac = AC.get_or_init(|| {
        aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(table.iter().map(|(k, _)| k))
            .expect("built-in PHI keywords compile")
    });
    let mut present = 0u32;
    for m in ac.find_overlapping_iter(b) {
        present |= 1 << table[m.pattern().as_usize()].1 as u32;
        if present == (1 << GROUPS) - 1 {
            break;
        }
    }
    present
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        RegexBuilder::new(pattern)
            .unicode(false)
            .build()
            .expect("built-in PHI regex compiles")
    })
}

static PATIENT_WORD: OnceLock<Regex> = OnceLock::new();
static SSN_RE: OnceLock<Regex> = OnceLock::new();
static SSN_BARE_RE: OnceLock<Regex> = OnceLock::new();
static LABELLED_RE: OnceLock<Regex> = OnceLock::new();
static MRN_RE: OnceLock<Regex> = OnceLock::new();
static DOB_RE: OnceLock<Regex> = OnceLock::new();
static AGE_RE: OnceLock<Regex> = OnceLock::new();
static NAME_RE: OnceLock<Regex> = OnceLock::new();
static DX_RE: OnceLock<Regex> = OnceLock::new();
static PHONE_RE: OnceLock<Regex> = OnceLock::new();
static EMAIL_RE: OnceLock<Regex> = OnceLock::new();
static ADDRESS_RE: OnceLock<Regex> = OnceLock::new();
static HL7_RE: OnceLock<Regex> = OnceLock::new();
static FHIR_RE: OnceLock<Regex> = OnceLock::new();
static FHIR_FIELD_RE: OnceLock<Regex> = OnceLock::new();
static X12_RE: OnceLock<Regex> = OnceLock::new();
static FIELD_RE: OnceLock<Regex> = OnceLock::new();
static SSN_LAST4_RE: OnceLock<Regex> = OnceLock::new();
static DICOM_RE: OnceLock<Regex> = OnceLock::new();
static NAME_DATE_RE: OnceLock<Regex> = OnceLock::new();
static INSERT_RE: OnceLock<Regex> = OnceLock::new();
static URL_ID_RE: OnceLock<Regex> = OnceLock::new();
static CARD_RE: OnceLock<Regex> = OnceLock::new();
static PATIENT_CALL_RE: OnceLock<Regex> = OnceLock::new();
static DATE_CALL_RE: OnceLock<Regex> = OnceLock::new();
static QUOTED_RE: OnceLock<Regex> = OnceLock::new();

fn digits(b: &[u8]) -> Vec<u32> {
    b.iter()
        .filter(|c| c.is_ascii_digit())
        .map(|c| (c - b'0') as u32)
        .collect()
}

/// Numbers the Social Security Administration never issues, and well-known specimens.
pub fn ssn_valid(nine: &[u32]) -> bool {
    if nine.len() != 9 {
        return false;
    }
    let area = nine[0] * 100 + nine[1] * 10 + nine[2];
    let group = nine[3] * 10 + nine[4];
    let serial = nine[5] * 1000 + nine[6] * 100 + nine[7] * 10 + nine[8];
    let all_same = nine.iter().all(|d| *d == nine[0]);
    let text: String = nine
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect();
    const SPECIMENS: &[&str] = &[
        "078051120",
        "219099999",
        "457555462",
        "123456789",
        "987654320",
    ];
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !all_same
        && !SPECIMENS.contains(&text.as_str())
}

const SSN_CONTEXT: &[&str] = &[
    "ssn",
    "social",
    "security",
    "ss#",
    "taxpayer",
    "tin",
    "patient",
    "member",
    "claim",
    "beneficiar",
    "insured",
    "dob",
];

/// Is there a `ddd-dd-dddd` / `ddd dd dddd` shape anywhere? A byte scan, so the regex is
/// only compiled (about 0.1 ms per process) for text that can hold one.
fn maybe_dashed_ssn(b: &[u8]) -> bool {
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..b.len().saturating_sub(10)).any(|i| {
        let sep = b[i + 3];
        (sep == b'-' || sep == b' ')
            && b[i + 6] == sep
            && d(i)
            && d(i + 1)
            && d(i + 2)
            && d(i + 4)
            && d(i + 5)
            && d(i + 7)
            && d(i + 8)
            && d(i + 9)
            && d(i + 10)
    })
}

/// A digit 1-9 followed by an upper-case letter: where every MBI starts.
fn maybe_mbi(b: &[u8]) -> bool {
    b.windows(2)
        .any(|w| (b'1'..=b'9').contains(&w[0]) && w[1].is_ascii_uppercase())
}

/// `labelled`: the text has a word an SSN label starts with (`ssn`, `social`, `ss#`).
fn ssn(b: &[u8], labelled: bool, out: &mut Vec<Finding>) {
    // Dashed or spaced 3-2-4 with one separator kind, not inside a longer number.
    let dashed = if maybe_dashed_ssn(b) {
        re(&SSN_RE, r"\d{3}([- ])\d{2}[- ]\d{4}")
            .find_iter(b)
            .collect()
    } else {
        Vec::new()
    };
    for m in dashed {
        let s = m.as_bytes();
        let consistent = s[3] == s[6];
        let before = m.start().checked_sub(1).map(|i| b[i]);
        let after = b.get(m.end()).copied();
        let bounded = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-');
        if consistent && bounded && ssn_valid(&digits(s)) {
            // A valid 3-2-4 number is strong next to a word that says what it is; alone it
            // could be a part or flight number, so it needs a second signal.
            // Quoted on its own (`grep -r '330-43-3715'`, `= '330-43-3715'`) it is a value
            // someone is looking for or storing, not part of a longer code.
            let around = &b[m.start().saturating_sub(60)..(m.end() + 60).min(b.len())];
            let quoted = matches!(
                (before, after),
                (Some(b'\''), Some(b'\'')) | (Some(b'"'), Some(b'"'))
            ) && s[3] == b'-';
            let strong = quoted || contains_ci(around, SSN_CONTEXT);
            out.push(Finding {
                kind: PhiKind::Ssn,
                range: m.range(),
                strong,
            });
        }
    }
    // Nine bare digits only right after an SSN label.
    if !labelled {
        return;
    }
    for c in re(
        &SSN_BARE_RE,
        r"(?i)\b(?:ssn|social security(?: number| no\.?| #)?|ss#)\s*[:#=]?\s*(\d{9})\b",
    )
    .captures_iter(b)
    {
        if let Some(m) = c.get(1)
            && ssn_valid(&digits(m.as_bytes()))
        {
            out.push(Finding {
                kind: PhiKind::Ssn,
                range: m.range(),
                strong: true,
            });
        }
    }
}

/// Medicare Beneficiary Identifier: 11 positions with a restricted alphabet. Strong with
/// its label or its printed dashes; weak otherwise (random upper-case ids can look alike).
fn mbi(b: &[u8], out: &mut Vec<Finding>) {
    if !maybe_mbi(b) {
        return;
    }
    // CMS's published sample MBI.
    const SPECIMENS: &[&[u8]] = &[b"1EG4-TE5-MK73", b"1EG4TE5MK73"];
    for range in mbi_shapes(b) {
        let m = &b[range.clone()];
        if SPECIMENS.contains(&m) {
            continue;
        }
        let dashed = m.contains(&b'-');
        let context = window_before(b, range.start, 40);
        let labelled = contains_ci(context, &["mbi", "medicare", "beneficiary"]);
        out.push(Finding {
            kind: PhiKind::Mbi,
            range,
            strong: labelled || dashed,
        });
    }
}

/// The MBI shape standing alone, as `\b[1-9]L A[0-9]-?L A[0-9]-?L L[0-9]{2}\b` finds it
/// (L: an MBI letter, A: an MBI letter or a digit). Written out because that regex took
/// 3 ms over a 1 MiB log; two matches cannot overlap (inside one, only letters follow a
/// non-word byte), so a left-to-right scan finds what the regex finds.
fn mbi_shapes(b: &[u8]) -> Vec<std::ops::Range<usize>> {
    fn letter(c: u8) -> bool {
        c.is_ascii_uppercase() && !matches!(c, b'B' | b'I' | b'L' | b'O' | b'S' | b'Z')
    }
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // After the first digit. L: an MBI letter, A: one or a digit, D: a digit, -: a dash
    // or nothing.
    const SHAPE: &[u8] = b"LAD-LAD-LLDD";
    let shape_at = |start: usize| -> Option<usize> {
        let mut at = start + 1;
        for &token in SHAPE {
            let c = b.get(at).copied();
            match token {
                b'-' => {
                    at += usize::from(c == Some(b'-'));
                    continue;
                }
                b'L' if c.is_some_and(letter) => {}
                b'A' if c.is_some_and(|c| letter(c) || c.is_ascii_digit()) => {}
                b'D' if c.is_some_and(|c| c.is_ascii_digit()) => {}
                _ => return None,
            }
            at += 1;
        }
        (!b.get(at).is_some_and(|c| word(*c))).then_some(at)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'1'..=b'9')
            && (i == 0 || !word(b[i - 1]))
            && let Some(end) = shape_at(i)
        {
            out.push(i..end);
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// NPI (Luhn over 80840 + the number) and DEA (checksum) numbers, only after their labels.
/// They identify providers, so they are weak: PHI only with a patient signal.
fn labelled_numbers(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &LABELLED_RE,
        r"(?i)\b(npi|dea)(?:\s*(?:number|no\.?|#))?\s*[:#=]?\s*([A-Z0-9]{9,10})\b",
    );
    for c in r.captures_iter(b) {
        let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let v = value.as_bytes();
        let is_npi = label.as_bytes().eq_ignore_ascii_case(b"npi");
        if is_npi && v.len() == 10 && v.iter().all(u8::is_ascii_digit) && npi_valid(&digits(v)) {
            out.push(Finding {
                kind: PhiKind::Npi,
                range: value.range(),
                strong: false,
            });
        } else if !is_npi && dea_valid(v) {
            out.push(Finding {
                kind: PhiKind::Dea,
                range: value.range(),
                strong: false,
            });
        }
    }
}

/// Luhn over the digits `80840` followed by the NPI.
pub fn npi_valid(ten: &[u32]) -> bool {
    if ten.len() != 10 {
        return false;
    }
    let mut all = vec![8, 0, 8, 4, 0];
    all.extend_from_slice(ten);
    luhn(&all)
}

pub fn luhn(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Two letters and seven digits; the last digit checks the other six.
pub fn dea_valid(v: &[u8]) -> bool {
    if v.len() != 9 || !v[0].is_ascii_uppercase() || !(v[1].is_ascii_uppercase() || v[1] == b'9') {
        return false;
    }
    if !b"ABCDEFGHJKLMPRSTUX".contains(&v[0]) || !v[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d = digits(&v[2..]);
    let check = (d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5]);
    check % 10 == d[6]
}

fn is_placeholder_id(v: &[u8]) -> bool {
    let distinct = {
        let mut s: Vec<u8> = v
            .iter()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(u8::to_ascii_uppercase)
            .collect();
        s.sort();
        s.dedup();
        s.len()
    };
    distinct <= 1
        || !v.iter().any(u8::is_ascii_digit)
        || contains_ci(v, &["xxxx", "1234567", "example", "sample"])
}

/// Record numbers with their labels: MRN and patient or member ids are strong; account
/// numbers are weak.
fn mrn(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &MRN_RE,
        r"(?i)\b(mrn|medical record (?:number|no\.?|#)|patient (?:id|number|no\.?|#)|member (?:id|number|no\.?|#)|subscriber id|account (?:number|no\.?|#)|acct\.? ?#?)\s*[:#=]?\s*([A-Z0-9][A-Z0-9-]{4,19})\b",
    );
    for c in r.captures_iter(b) {
        let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        if is_placeholder_id(value.as_bytes()) {
            continue;
        }
        let weak = contains_ci(label.as_bytes(), &["acc"]);
        out.push(Finding {
            kind: PhiKind::Mrn,
            range: value.range(),
            strong: !weak,
        });
    }
}

fn plausible_date(d: &[u8]) -> bool {
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
    (1900..=2030).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&day)
}

fn dob(b: &[u8], out: &mut Vec<Finding>) {
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
fn age(b: &[u8], out: &mut Vec<Finding>) {
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

const PLACEHOLDER_NAMES: &[&str] = &[
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
];

fn names(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &NAME_RE,
        r"(?:(?i:patient(?:'s)? name|patient|pt name|pt|name|member name|subscriber)\s*[:=]?\s*)([A-Z][a-z]+(?:[ ,]+[A-Z]\.?)?(?:[ ,]+[A-Z][a-z]+){1,2})\b",
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

fn diagnosis(b: &[u8], out: &mut Vec<Finding>) {
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
fn contact(b: &[u8], out: &mut Vec<Finding>) {
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

const PLACEHOLDER_VALUES: &[&str] = &[
    "anonymous",
    "anonymized",
    "redacted",
    "xxxx",
    "doe^john",
    "doe^jane",
    "test^patient",
    "patient^test",
];

fn placeholder_value(v: &[u8]) -> bool {
    let trimmed: Vec<u8> = v
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    trimmed.iter().all(|c| !c.is_ascii_alphanumeric()) || contains_ci(&trimmed, PLACEHOLDER_VALUES)
}

/// Patient record formats: HL7 v2 PID segments, FHIR Patient resources, X12 member loops,
/// DICOM patient tags. Strong when they carry a real value.
fn containers(b: &[u8], out: &mut Vec<Finding>) {
    // Segments end in \r (or \n in pasted text); a PID may also sit inside a sentence.
    for m in re(&HL7_RE, r"(?:^|[^A-Za-z0-9])PID\|[^\r\n]*").find_iter(b) {
        let fields: Vec<&[u8]> = m.as_bytes().split(|c| *c == b'|').collect();
        let id = fields
            .get(3)
            .is_some_and(|f| f.iter().any(u8::is_ascii_digit) && !placeholder_value(f));
        let name = fields
            .get(5)
            .is_some_and(|f| f.iter().any(u8::is_ascii_alphabetic) && !placeholder_value(f));
        if id || name {
            out.push(Finding {
                kind: PhiKind::Hl7,
                range: m.range(),
                strong: true,
            });
        }
    }
    if let Some(m) = re(&FHIR_RE, r#""resourceType"\s*:\s*"Patient""#).find(b) {
        let field = re(
            &FHIR_FIELD_RE,
            r#""(?:birthDate|family|value)"\s*:\s*"([^"]{2,})""#,
        );
        let real = field.captures_iter(b).filter_map(|c| c.get(1)).any(|v| {
            !placeholder_value(v.as_bytes()) && !contains_ci(v.as_bytes(), &["example", "<", "{{"])
        });
        if real {
            out.push(Finding {
                kind: PhiKind::Fhir,
                range: m.range(),
                strong: true,
            });
        }
    }
    for m in re(
        &X12_RE,
        r"NM1\*(?:IL|QC)\*1\*(?u:\p{L})(?u:[\p{L}' -])*\*(?u:\p{L})[^~*\r\n]*",
    )
    .find_iter(b)
    {
        if !placeholder_value(m.as_bytes()) && !contains_ci(m.as_bytes(), &["*DOE*", "*TEST*"]) {
            out.push(Finding {
                kind: PhiKind::X12,
                range: m.range(),
                strong: true,
            });
        }
    }
    for c in re(
        &DICOM_RE,
        r"\(0010,00(10|20|30)\)[^\r\n]*?(?:\[([^\]\r\n]*)\]|\s(?:PN|LO|DA)\s+([^\r\n]+))",
    )
    .captures_iter(b)
    {
        let Some(value) = c.get(2).or_else(|| c.get(3)) else {
            continue;
        };
        let tag = c.get(1).map(|t| t.as_bytes()).unwrap_or_default();
        if placeholder_value(value.as_bytes()) || value.as_bytes().trim_ascii().is_empty() {
            continue;
        }
        let strong = tag != b"30";
        out.push(Finding {
            kind: if strong { PhiKind::Dicom } else { PhiKind::Dob },
            range: value.range(),
            strong,
        });
    }
}

/// What a labelled field holds, by its label (`first_name`, `"birthDate"`, `ssn`, a CSV
/// column): the vocabulary the field, CSV and SQL readers share. Labels are compared
/// lower-case without `_`, `-`, `.` and spaces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    /// A whole name (`name`, `patient`): two or more capitalised words.
    FullName,
    /// One part (`first_name`, `family`): one capitalised word is enough.
    NamePart,
    Dob,
    Ssn,
    /// Record, member and beneficiary ids.
    Id,
    Phone,
    Age,
    Card,
}

fn field_class(label: &[u8]) -> Option<Field> {
    let key: Vec<u8> = label
        .iter()
        .filter(|c| !matches!(c, b'_' | b'-' | b'.' | b' ' | b'"' | b'\''))
        .map(u8::to_ascii_lowercase)
        .collect();
    let key = key.as_slice();
    Some(match key {
        b"name" | b"fullname" | b"patientname" | b"patient" | b"membername" | b"subscriber"
        | b"subscribername" | b"beneficiary" | b"insured" | b"insuredname" | b"ptname"
        | b"billingname" | b"cardholder" | b"guarantor" => Field::FullName,
        b"firstname" | b"first" | b"givenname" | b"given" | b"lastname" | b"last"
        | b"familyname" | b"family" | b"surname" | b"fname" | b"lname" | b"middlename" => {
            Field::NamePart
        }
        b"dob" | b"dateofbirth" | b"birthdate" | b"birthday" | b"born" | b"bornon" | b"bdate" => {
            Field::Dob
        }
        b"ssn" | b"socialsecuritynumber" | b"socialsecurity" | b"subscriberssn" | b"ssnumber" => {
            Field::Ssn
        }
        b"mrn"
        | b"medicalrecordnumber"
        | b"patientid"
        | b"memberid"
        | b"subscriberid"
        | b"medicareid"
        | b"mbi"
        | b"insuranceid"
        | b"memberno"
        | b"membernumber"
        | b"policynumber" => Field::Id,
        b"phone" | b"phonenumber" | b"mobile" | b"cell" | b"telephone" | b"tel" | b"homephone" => {
            Field::Phone
        }
        b"age" => Field::Age,
        b"card" | b"cardnumber" | b"ccnumber" | b"cc" | b"pan" | b"creditcard"
        | b"creditcardnumber" | b"cardno" | b"ccnum" => Field::Card,
        _ => return None,
    })
}

/// Capitalised words of a person's name (letters, apostrophes, hyphens; any script).
fn name_words(value: &str) -> Option<Vec<&str>> {
    let words: Vec<&str> = value.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let shaped = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-' | '.'))
            && w.chars().any(char::is_lowercase)
    };
    (!words.is_empty() && words.len() <= 4 && words.iter().all(|w| shaped(w))).then_some(words)
}

fn placeholder_name(value: &str) -> bool {
    let lower = value.to_lowercase().replace(',', "");
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    PLACEHOLDER_NAMES
        .iter()
        .any(|p| lower == *p || lower.ends_with(" doe"))
}

/// The finding a labelled value makes, if the value is what its label says.
fn classify(field: Field, value: &[u8], range: Range<usize>) -> Option<Finding> {
    let text = std::str::from_utf8(value).ok()?.trim();
    let range = {
        let lead = std::str::from_utf8(value).ok()?.len()
            - std::str::from_utf8(value).ok()?.trim_start().len();
        range.start + lead..range.start + lead + text.len()
    };
    let found = |kind, strong| {
        Some(Finding {
            kind,
            range: range.clone(),
            strong,
        })
    };
    let digits_of = digits(text.as_bytes());
    let spaced;
    let text = if matches!(field, Field::FullName | Field::NamePart)
        && (text.contains('+') || text.contains("%20"))
    {
        spaced = text.replace("%20", " ").replace('+', " ");
        spaced.as_str()
    } else {
        text
    };
    match field {
        Field::FullName => {
            let words = name_words(text)?;
            (words.len() >= 2 && !placeholder_name(text)).then_some(())?;
            found(PhiKind::Name, false)
        }
        Field::NamePart => {
            let words = name_words(text)?;
            (!placeholder_name(text)).then_some(())?;
            let known = words
                .iter()
                .any(|w| super::names::is_given(w) || super::names::is_surname(w));
            (words.len() >= 2 || known || words[0].chars().count() >= 3).then_some(())?;
            found(PhiKind::Name, false)
        }
        Field::Dob => {
            let compact = text.len() == 8 && digits_of.len() == 8;
            let date = if compact {
                format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..])
            } else {
                text.to_string()
            };
            (digits_of.len() >= 4 && plausible_date(date.as_bytes())).then_some(())?;
            found(PhiKind::Dob, false)
        }
        Field::Ssn => {
            (digits_of.len() == 9 && ssn_valid(&digits_of)).then_some(())?;
            found(PhiKind::Ssn, true)
        }
        Field::Id => {
            let plain = text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-');
            (plain && (5..=20).contains(&text.len()) && digits_of.len() >= 4).then_some(())?;
            (!is_placeholder_id(text.as_bytes())).then_some(())?;
            found(PhiKind::Mrn, true)
        }
        Field::Phone => {
            (10..=15).contains(&digits_of.len()).then_some(())?;
            found(PhiKind::Contact, false)
        }
        Field::Age => {
            let n: u32 = text.parse().ok()?;
            (90..=120).contains(&n).then_some(())?;
            found(PhiKind::Age, false)
        }
        Field::Card => {
            let plain = text
                .bytes()
                .all(|c| c.is_ascii_digit() || matches!(c, b' ' | b'-'));
            (plain && card_number(&digits_of)).then_some(())?;
            found(PhiKind::Card, false)
        }
    }
}

/// `label: value` and `label = value` in any notation: JSON and YAML fields, SQL `WHERE` and
/// `SET` clauses, URL query parameters, environment lines, object literals.
fn fields(b: &[u8], out: &mut Vec<Finding>) {
    if any_known_label(b) {
        fields_scan(b, out);
    }
}

/// Could `fields` find anything: does a label it knows end right before a separator
/// (`label`, an optional quote, blanks, then `=` or `:`)? A byte scan that spares most
/// texts the field regex's compilation (about a quarter of a short command's time).
fn any_known_label(b: &[u8]) -> bool {
    let in_label = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-');
    memchr::memchr2_iter(b'=', b':', b).any(|sep| {
        let mut end = sep;
        while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        if end > 0 && matches!(b[end - 1], b'"' | b'\'') {
            end -= 1;
        }
        // Labels are at most 41 bytes: looking further back cannot find one.
        let mut start = end;
        while start > end.saturating_sub(41) && in_label(b[start - 1]) {
            start -= 1;
        }
        // A label starts at the run's start or after a `.` or `-` inside it.
        (start..end).any(|at| {
            (at == start || matches!(b[at - 1], b'.' | b'-'))
                && b[at].is_ascii_alphabetic()
                && field_class(&b[at..end]).is_some()
        })
    })
}

fn fields_scan(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &FIELD_RE,
        r#"(?i)(?:^|[^a-z0-9_])["']?([a-z][a-z0-9_.-]{1,40})["']?[ \t]*(?:=>|==|=|:)[ \t]*\[?[ \t]*["']?((?:[^"'\n,;&{}\[\]()|]|'\w|\(\d{3}\)){1,80})"#,
    );
    // A label that names nothing known must not swallow the next one (`https://host/x?dob=`
    // reads `https` as a label), so the search resumes right after each unknown label.
    let mut at = 0;
    while at < b.len() {
        let Some(c) = r.captures_at(b, at) else {
            break;
        };
        let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
            break;
        };
        let Some(field) = field_class(label.as_bytes()) else {
            at = label.end();
            continue;
        };
        if let Some(f) = classify(field, value.as_bytes(), value.range()) {
            out.push(f);
        }
        at = value.end().max(label.end());
    }
}

/// XML elements named like a known field: `<birthDate value="1950-01-02"/>` (FHIR's XML
/// form) and `<dob>1950-01-02</dob>`. A namespace prefix (`fhir:`) is ignored.
fn xml_fields(b: &[u8], out: &mut Vec<Finding>) {
    let is_name = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b':');
    for open in memchr::memchr_iter(b'<', b) {
        let start = open + 1;
        if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
            continue;
        }
        let mut end = start;
        while end < b.len() && end - start <= 40 && is_name(b[end]) {
            end += 1;
        }
        let tag = &b[start..end];
        let local = tag.rsplit(|&c| c == b':').next().unwrap_or(tag);
        let Some(field) = field_class(local) else {
            continue;
        };
        let rest = &b[end..b.len().min(end + 200)];
        let value = match rest.first() {
            Some(b'>') => {
                let v = &rest[1..];
                let len = v.iter().position(|&c| c == b'<').filter(|&n| n <= 80);
                len.filter(|&n| v[n..].starts_with(b"</"))
                    .map(|n| end + 1..end + 1 + n)
            }
            Some(c) if c.is_ascii_whitespace() => {
                let tag_end = rest.iter().position(|&c| c == b'>').unwrap_or(rest.len());
                let attrs = &rest[..tag_end];
                attrs
                    .windows(7)
                    .position(|w| w == b"value=\"")
                    .and_then(|at| {
                        let v = &attrs[at + 7..];
                        let n = v.iter().position(|&c| c == b'"')?;
                        (n <= 80).then(|| end + at + 7..end + at + 7 + n)
                    })
            }
            _ => None,
        };
        if let Some(range) = value
            && let Some(f) = classify(field, &b[range.clone()], range)
        {
            out.push(f);
        }
    }
}

/// Cells of one delimited line, with simple double quoting.
fn cells(line: &str, delimiter: char) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == delimiter && !quoted {
            out.push((start, &line[start..i]));
            start = i + 1;
        }
    }
    out.push((start, &line[start..]));
    out.into_iter()
        .map(|(at, cell)| {
            let trimmed = cell.trim().trim_matches('"');
            let offset = cell.find(trimmed).unwrap_or(0);
            (at + offset, trimmed)
        })
        .collect()
}

/// CSV and TSV with a header row naming the columns: each row's values are read by their
/// column's label. A header alone is a schema, not data.
fn csv_columns(text: &str, out: &mut Vec<Finding>) {
    const MAX_ROWS: usize = 500;
    let mut offset = 0;
    let mut header: Option<(char, Vec<Option<Field>>)> = None;
    for (row, line) in text.split_inclusive('\n').enumerate() {
        let at = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        if row > MAX_ROWS {
            break;
        }
        match &header {
            None => {
                let Some(delimiter) = ['\t', ',', ';', '|']
                    .into_iter()
                    .find(|d| line.matches(*d).count() >= 1)
                else {
                    continue;
                };
                let columns: Vec<Option<Field>> = cells(line, delimiter)
                    .iter()
                    .map(|(_, c)| field_class(c.as_bytes()))
                    .collect();
                if columns.len() >= 2 && columns.iter().any(Option::is_some) {
                    header = Some((delimiter, columns));
                }
            }
            Some((delimiter, columns)) => {
                let values = cells(line, *delimiter);
                if values.len() != columns.len() {
                    continue;
                }
                for ((start, value), field) in values.iter().zip(columns) {
                    if let Some(field) = field
                        && let Some(f) = classify(
                            *field,
                            value.as_bytes(),
                            at + start..at + start + value.len(),
                        )
                    {
                        out.push(f);
                    }
                }
            }
        }
    }
}

/// Rows without a header that are plainly about a person: two adjacent name cells (one a
/// known given name or surname), a date, and a sex or phone cell
/// (`Okafor,Chidi,1948-07-22,M,(617) 555-0199`). The name and the date are weak findings
/// that together make PHI.
fn person_rows(text: &str, out: &mut Vec<Finding>) {
    const MAX_ROWS: usize = 500;
    let name_cell = |c: &str| {
        name_words(c).is_some_and(|w| w.len() == 1)
            && !placeholder_name(c)
            && c.chars().count() >= 2
    };
    let known = |c: &str| super::names::is_given(c) || super::names::is_surname(c);
    let mut offset = 0;
    for line in text.split_inclusive('\n').take(MAX_ROWS) {
        let at = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        // A person's row is short; a long line (minified JSON) is not one.
        if line.len() > 1024 {
            continue;
        }
        let Some(delimiter) = [',', '\t', '|', ';']
            .into_iter()
            .find(|d| line.matches(*d).count() >= 3)
        else {
            continue;
        };
        let row = cells(line, delimiter);
        let names = row.windows(2).find(|pair| {
            name_cell(pair[0].1) && name_cell(pair[1].1) && (known(pair[0].1) || known(pair[1].1))
        });
        let date = row.iter().find(|(_, c)| {
            c.bytes().filter(u8::is_ascii_digit).count() >= 6
                && c.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'/' | b'.'))
                && plausible_date(c.as_bytes())
        });
        let person = row.iter().any(|(_, c)| {
            matches!(
                c.to_ascii_lowercase().as_str(),
                "m" | "f" | "male" | "female"
            ) || (10..=15).contains(&c.bytes().filter(u8::is_ascii_digit).count())
                && c.bytes()
                    .all(|b| b.is_ascii_digit() || b" ()+-.".contains(&b))
        });
        if let (Some(pair), Some((date_at, date)), true) = (names, date, person) {
            let (first, second) = (pair[0], pair[1]);
            out.push(Finding {
                kind: PhiKind::Name,
                range: at + first.0..at + second.0 + second.1.len(),
                strong: false,
            });
            out.push(Finding {
                kind: PhiKind::Dob,
                range: at + date_at..at + date_at + date.len(),
                strong: false,
            });
        }
    }
}

/// A patient built in code from positional values: `new Patient("Chidi", "Okafor",
/// LocalDate.of(1948, 7, 22))`, `Member('Okafor', 'Chidi', date(1948, 7, 22))`. Names are
/// name-shaped string arguments (the callee says they are a person's, so the name lists
/// are not asked: many patients' names are not in them), the date a date constructor or
/// a quoted date.
fn patient_constructors(text: &str, out: &mut Vec<Finding>) {
    let call = re(
        &PATIENT_CALL_RE,
        r"\b(?:Patient|Member|Subscriber|Beneficiary|Person)[A-Za-z]*\s*\(([^()]*(?:\([^()]*\)[^()]*){0,4})\)",
    );
    let date_call = re(
        &DATE_CALL_RE,
        r"(?:\bLocalDate\.of|\bdatetime\.date|\bdate|\bDateOnly|\bnew Date|\bDate\.new|\bDate\.civil)\s*\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)",
    );
    let quoted = re(&QUOTED_RE, r#"["']([^"'\n]{1,60})["']"#);
    let bytes = text.as_bytes();
    for c in call.captures_iter(bytes).take(200) {
        let Some(args) = c.get(1) else { continue };
        let arg_text = &bytes[args.range()];
        let mut names = Vec::new();
        let mut date = None;
        for q in quoted.captures_iter(arg_text) {
            let Some(v) = q.get(1) else { continue };
            let Ok(value) = std::str::from_utf8(v.as_bytes()) else {
                continue;
            };
            let range = args.start() + v.start()..args.start() + v.end();
            if name_words(value).is_some() {
                names.push((range, value));
            } else if value.bytes().filter(u8::is_ascii_digit).count() >= 6
                && plausible_date(v.as_bytes())
            {
                date = Some(range);
            }
        }
        if let Some(d) = date_call.captures_iter(arg_text).next()
            && let Some(whole) = d.get(0)
        {
            let parts = format!(
                "{}-{}-{}",
                String::from_utf8_lossy(&d[1]),
                String::from_utf8_lossy(&d[2]),
                String::from_utf8_lossy(&d[3])
            );
            if plausible_date(parts.as_bytes()) {
                date = Some(args.start() + whole.start()..args.start() + whole.end());
            }
        }
        let joined: Vec<&str> = names.iter().map(|(_, v)| *v).collect();
        if let Some(date) = date
            && !names.is_empty()
            && !placeholder_name(&joined.join(" "))
        {
            for (range, _) in names {
                out.push(Finding {
                    kind: PhiKind::Name,
                    range,
                    strong: false,
                });
            }
            out.push(Finding {
                kind: PhiKind::Dob,
                range: date,
                strong: false,
            });
        }
    }
}

/// "the last four of the SSN is 4821": a partial SSN, weak (it needs a name with it).
fn ssn_last_four(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &SSN_LAST4_RE,
        r"(?i)\blast (?:four|4)(?: digits)?(?: of)?(?: (?:the|their|his|her|patient's|member's))? (?:ssn|social(?: security(?: number)?)?)\b[^0-9\n]{0,20}\b(\d{4})\b",
    );
    for c in r.captures_iter(b) {
        if let Some(v) = c.get(1) {
            out.push(Finding {
                kind: PhiKind::Ssn,
                range: v.range(),
                strong: false,
            });
        }
    }
}

/// Capitalised words often next to a name that are not one.
const NOT_NAMES: &[&str] = &[
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
];

/// Is `w` shaped like a name: an upper-case letter, then lower case, with upper case allowed
/// only after an apostrophe or hyphen or in `Mc`/`Mac` (`O'Connor`, `García-Márquez`,
/// `McAllister`), and not a word often capitalised next to one.
fn capitalised(w: &str) -> bool {
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
fn words_of(text: &str, max: usize) -> Vec<(usize, &str)> {
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
fn person_names(text: &str, out: &mut Vec<Finding>) {
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
    for pair in words.windows(2) {
        let ((a_at, a), (b_at, b)) = (pair[0], pair[1]);
        if !capitalised(a) || !capitalised(b) {
            continue;
        }
        let bare = b.trim_end_matches("'s");
        let span = a_at..b_at + bare.len();
        let between = &text[a_at + a.len()..b_at];
        let name = match between {
            " " => {
                (super::names::is_given(a) && long(bare, 2))
                    || (super::names::is_surname(bare) && long(a, 3))
                    || (long(a, 2) && long(bare, 2) && near_signal(&span))
            }
            ", " => {
                super::names::is_surname(a)
                    && (super::names::is_given(b) || long(b, 3) || near_signal(&span))
            }
            _ => false,
        };
        if name && !placeholder_name(&text[span.clone()]) {
            out.push(Finding {
                kind: PhiKind::Name,
                range: span,
                strong: false,
            });
        }
    }
}

/// Words that put a text in a health or patient setting.
const HEALTH_WORDS: &[&str] = &[
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
];

/// `Maria Lopez (03/12/1984)`: a full date in brackets right after a name is that person's
/// date (HIPAA counts every date tied to a patient, not only the birth date) in a text about
/// health care; elsewhere it is a commit, a release or a meeting.
fn named_dates(text: &str, out: &mut Vec<Finding>) {
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

/// Values of one SQL tuple body (after its `(`): each value with where it starts, and
/// where the tuple ends. A quote closes only before `,` or `)`, so `'O'Connor'` reads as
/// one value, as a person pasting it meant.
fn sql_tuple(text: &str, from: usize) -> (Vec<(usize, &str)>, usize) {
    const MAX_VALUES: usize = 64;
    let b = text.as_bytes();
    let mut values = Vec::new();
    let mut i = from;
    while i < b.len() && values.len() < MAX_VALUES {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        let end;
        if b.get(i) == Some(&b'\'') {
            let mut j = i + 1;
            loop {
                match b.get(j) {
                    None => {
                        end = j;
                        break;
                    }
                    Some(b'\'') => {
                        let mut k = j + 1;
                        while k < b.len() && b[k] == b' ' {
                            k += 1;
                        }
                        if matches!(b.get(k), Some(b',' | b')') | None) {
                            end = j;
                            i = k;
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            values.push((start + 1, &text[start + 1..end.max(start + 1)]));
        } else {
            while i < b.len() && !matches!(b[i], b',' | b')') {
                i += 1;
            }
            values.push((start, text[start..i].trim_end()));
        }
        match b.get(i) {
            Some(b',') => i += 1,
            _ => return (values, i + 1),
        }
    }
    (values, i)
}

/// `INSERT INTO t (first_name, dob) VALUES ('Maria', '1984-03-12'), (...)`: each value read
/// by the column it goes into.
fn sql_inserts(text: &str, out: &mut Vec<Finding>) {
    const MAX_TUPLES: usize = 500;
    let r = re(
        &INSERT_RE,
        r#"(?i)\binsert\s+into\s+[\w."`\[\]]+\s*\(([^)]{1,600})\)\s*values\s*\("#,
    );
    for c in r.captures_iter(text.as_bytes()) {
        let (Some(columns), Some(whole)) = (c.get(1), c.get(0)) else {
            continue;
        };
        let columns: Vec<Option<Field>> = text[columns.range()]
            .split(',')
            .map(|c| field_class(c.trim().trim_matches(['"', '`', '[', ']']).as_bytes()))
            .collect();
        if columns.iter().all(Option::is_none) {
            continue;
        }
        let mut at = whole.end();
        for _ in 0..MAX_TUPLES {
            let (values, end) = sql_tuple(text, at);
            for ((start, value), field) in values.iter().zip(&columns) {
                if let Some(field) = field
                    && let Some(f) =
                        classify(*field, value.as_bytes(), *start..*start + value.len())
                {
                    out.push(f);
                }
            }
            // Another tuple follows only after `,` and `(`.
            let rest = text.get(end..).unwrap_or("");
            let next = rest.trim_start();
            let Some(after_comma) = next.strip_prefix(',') else {
                break;
            };
            let after = after_comma.trim_start();
            let Some(body) = after.strip_prefix('(') else {
                break;
            };
            at = text.len() - body.len();
        }
    }
}

/// `/patients/4839201/chart`, `/members/XK649824587`: a record id in a URL path under a
/// segment that names whose it is. Weak: it needs a name or a date with it.
/// The path words [`ids_in_url_paths`] looks for, with their slash.
const URL_RECORD_WORDS: &[&str] = &[
    "/patient",
    "/member",
    "/chart",
    "/mrn",
    "/subscriber",
    "/beneficiar",
    "/encounter",
    "/person",
];

/// An ASCII capital followed by a lower-case letter: where every labelled name starts.
fn capital_then_lower(b: &[u8]) -> bool {
    b.windows(2)
        .any(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_lowercase())
}

fn ids_in_url_paths(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &URL_ID_RE,
        r"(?i)/(?:patients?|members?|charts?|mrns?|subscribers?|beneficiar(?:y|ies)|encounters?|persons?)/([a-z]{0,3}\d{5,12})\b",
    );
    for c in r.captures_iter(b) {
        if let Some(v) = c.get(1)
            && !is_placeholder_id(v.as_bytes())
        {
            out.push(Finding {
                kind: PhiKind::Mrn,
                range: v.range(),
                strong: false,
            });
        }
    }
}

/// Published test card numbers (Stripe, Braintree, PayPal docs): never a real card.
const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4111111111111111",
    "4000056655665556",
    "4012888888881881",
    "4222222222222",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "3566002020360505",
    "6200000000000005",
];

/// A plausible payment card: 13-19 digits, a card network's first digit, Luhn-valid, not a
/// test number and not one digit repeated.
fn card_number(d: &[u32]) -> bool {
    let text: String = d.iter().map(|n| char::from(b'0' + *n as u8)).collect();
    (13..=19).contains(&d.len())
        && matches!(d[0], 2..=6)
        && luhn(d)
        && !TEST_CARDS.contains(&text.as_str())
        && !d.iter().all(|n| *n == d[0])
}

/// Words that say a number is a card.
const CARD_CONTEXT: &[&str] = &[
    "card",
    "visa",
    "mastercard",
    "amex",
    "discover",
    "paid",
    "pay",
    "billing",
    "charge",
    "credit",
    "debit",
    "cc",
    "pan",
];

/// Card numbers written in groups (`4708 0592 5633 3009`) or whole, with a word that says
/// what they are shortly before. Weak: a card is PHI here beside a patient's name.
/// `worded`: the text has a word of [`CARD_CONTEXT`] (every grouped card number needs one
/// before it; a bare run of 13 or more digits is looked at regardless).
fn cards(b: &[u8], worded: bool, out: &mut Vec<Finding>) {
    let longest = longest_digit_run(b, if worded { 4 } else { 13 });
    if longest < 13 && !(worded && longest >= 4) {
        return;
    }
    let r = re(
        &CARD_RE,
        r"(?:^|[^0-9A-Za-z_-])(\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{5}|\d{13,19})(?:[^0-9A-Za-z_-]|$)",
    );
    for c in r.captures_iter(b) {
        let Some(v) = c.get(1) else { continue };
        if !card_number(&digits(v.as_bytes())) {
            continue;
        }
        if contains_ci(window_before(b, v.start(), 40), CARD_CONTEXT) {
            out.push(Finding {
                kind: PhiKind::Card,
                range: v.range(),
                strong: false,
            });
        }
    }
}

/// The longest run of ASCII digits, or `enough` as soon as a run that long is seen.
fn longest_digit_run(b: &[u8], enough: usize) -> usize {
    let (mut run, mut longest) = (0, 0);
    for c in b {
        if c.is_ascii_digit() {
            run += 1;
            if run >= enough {
                return run;
            }
        } else {
            longest = longest.max(run);
            run = 0;
        }
    }
    longest.max(run)
}

fn window_before(b: &[u8], at: usize, len: usize) -> &[u8] {
    &b[at.saturating_sub(len)..at]
}

fn contains_ci(haystack: &[u8], needles: &[&str]) -> bool {
    needles
        .iter()
        .any(|n| super::contains_ci(haystack, n.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_elements_are_read_as_fields() {
        let kinds = |text: &str| {
            let mut out = Vec::new();
            super::xml_fields(text.as_bytes(), &mut out);
            out.iter()
                .map(|f| (f.kind, text[f.range.clone()].to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(r#"<birthDate value="1948-07-22"/>"#),
            [(super::PhiKind::Dob, "1948-07-22".to_string())]
        );
        assert_eq!(
            kinds("<fhir:birthDate value=\"1948-07-22\"/><dob>03/14/1961</dob>"),
            [
                (super::PhiKind::Dob, "1948-07-22".to_string()),
                (super::PhiKind::Dob, "03/14/1961".to_string())
            ]
        );
        assert!(kinds("<version>3.14.0</version><dob>{{dob}}</dob>").is_empty());
        assert!(kinds("<dob>unclosed 1948-07-22").is_empty());
    }

    /// What one detector finds in `text`: each finding's kind and text.
    fn found_by(detector: fn(&str, &mut Vec<Finding>), text: &str) -> Vec<(PhiKind, String)> {
        let mut out = Vec::new();
        detector(text, &mut out);
        out.iter()
            .map(|f| (f.kind, text[f.range.clone()].to_string()))
            .collect()
    }

    #[test]
    fn patients_built_from_positional_values() {
        let found = |text: &str| found_by(super::patient_constructors, text);
        assert_eq!(
            found(r#"Patient p = new Patient("Priya", "Nwosu", LocalDate.of(2012, 12, 23));"#),
            [
                (PhiKind::Name, "Priya".to_string()),
                (PhiKind::Name, "Nwosu".to_string()),
                (PhiKind::Dob, "LocalDate.of(2012, 12, 23)".to_string())
            ]
        );
        assert_eq!(
            found("m = Member('Okafor', 'Chidi', '1948-07-22')").len(),
            3
        );
        // Not a person, no known name, or no date.
        assert!(found(r#"new Release("Nwosu", LocalDate.of(2012, 12, 23))"#).is_empty());
        assert!(found(r#"new Patient("Jane", "Doe", LocalDate.of(2012, 12, 23))"#).is_empty());
        assert!(found(r#"new Patient("Priya", "Nwosu")"#).is_empty());
    }

    #[test]
    fn person_rows_without_a_header() {
        let found = |text: &str| found_by(super::person_rows, text);
        assert_eq!(
            found("Okafor,Chidi,1948-07-22,M,(617) 555-0199\n"),
            [
                (PhiKind::Name, "Okafor,Chidi".to_string()),
                (PhiKind::Dob, "1948-07-22".to_string())
            ]
        );
        assert_eq!(found("Chidi\tOkafor\t07/22/1948\t617-555-0199").len(), 2);
        // A log row, a row without a person marker, a row of unknown words.
        assert!(found("api,2024-03-04,123,ok\n").is_empty());
        assert!(found("Okafor,Chidi,1948-07-22,platform\n").is_empty());
        assert!(found("Build,Deploy,2024-03-04,M\n").is_empty());
    }

    #[test]
    fn mbi_shapes_stand_alone_with_or_without_dashes() {
        let text =
            b"mbi 1EG4-TE5-MK74, 1EG4TE5MK74 x1EG4TE5MK74 1EG4TE5MK745 1EB4TE5MK74 1EG4-TE5MK74";
        let found: Vec<&[u8]> = super::mbi_shapes(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(
            found,
            [&b"1EG4-TE5-MK74"[..], b"1EG4TE5MK74", b"1EG4-TE5MK74"]
        );
    }

    #[test]
    fn day_first_dates_are_plausible_when_the_day_cannot_be_a_month() {
        assert!(super::plausible_date(b"18/10/1938"));
        assert!(super::plausible_date(b"10/18/1938"));
        assert!(!super::plausible_date(b"18/18/1938"));
    }
    proptest::proptest! {
        /// The label gate only skips texts the field regex finds nothing in.
        #[test]
        fn label_gate_loses_no_field(
            text in r#"([a-zA-Z_ .:="'\t\n-]|dob|DOB|ssn|patient|Member_Id|123-45-6789|1980-01-02|1 ){0,30}"#
        ) {
            let (mut gated, mut full) = (Vec::new(), Vec::new());
            super::fields(text.as_bytes(), &mut gated);
            super::fields_scan(text.as_bytes(), &mut full);
            proptest::prop_assert_eq!(gated, full);
        }

        /// One keyword pass answers every gate as a scan per word list would, on the short
        /// path and on the automaton a large text takes.
        #[test]
        fn keyword_pass_matches_a_scan_per_word(
            text in r#"([a-z /#(,|*.]|SSN|Social|card|pay|/Patient|insert|dob|pid\||nm1\*|\(0010,){0,40}"#
        ) {
            let large = format!("{}{text}", " ".repeat(9 * 1024));
            for t in [text.as_bytes(), large.as_bytes()] {
                let present = super::keywords_present(t);
                let mut expected = 0u32;
                for (word, group) in super::all_keywords() {
                    if super::super::contains_ci(t, word.as_bytes()) {
                        expected |= 1 << group as u32;
                    }
                }
                proptest::prop_assert_eq!(present, expected);
            }
        }

        #[test]
        fn mbi_scan_finds_what_the_regex_found(text in "([1-9AEGKMTBZ_ -]|1EG4|TE5|MK73){0,12}") {
            let regex = regex::bytes::RegexBuilder::new(
                r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]-?[AC-HJKMNP-RT-Y]{2}[0-9]{2}\b",
            )
            .unicode(false)
            .build()
            .unwrap();
            let expected: Vec<_> = regex.find_iter(text.as_bytes()).map(|m| m.range()).collect();
            proptest::prop_assert_eq!(super::mbi_shapes(text.as_bytes()), expected);
        }

        #[test]
        fn digit_run_is_the_longest_or_enough(text in "[0-9a ]{0,40}", enough in 1usize..15) {
            let longest = text.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
            let got = super::longest_digit_run(text.as_bytes(), enough);
            proptest::prop_assert_eq!(got.min(enough), longest.min(enough));
            proptest::prop_assert!(got <= longest);
        }
    }

    use super::*;

    fn kinds(text: &str) -> Vec<PhiKind> {
        let mut k: Vec<PhiKind> = scan(text).iter().map(|f| f.kind).collect();
        k.sort();
        k.dedup();
        k
    }

    /// The split scan of a large text finds what the sequential one finds, in order.
    #[test]
    fn a_large_text_scanned_on_two_threads_finds_the_same() {
        let rows = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/realistic.tsv"
        ))
        .unwrap();
        let mut text = String::new();
        for (i, line) in rows.lines().skip(1).enumerate() {
            let body = line
                .splitn(3, '\t')
                .nth(2)
                .unwrap_or("")
                .replace("\\n", "\n");
            text.push_str(&body);
            text.push('\n');
            if i % 7 == 0 {
                text.push_str(&"let total = items.len(); // order 4821\n".repeat(40));
            }
        }
        while text.len() < super::ALONGSIDE_BYTES {
            text.push_str(&text.clone());
        }
        let sequential = super::scan_candidates(&text);
        assert!(sequential.len() > 100, "{}", sequential.len());
        let (split, other) = super::candidates_alongside(&text, || 7);
        assert_eq!(other, 7);
        assert_eq!(split, sequential);
    }

    #[test]
    fn large_texts_reuse_findings_only_for_the_same_text() {
        let filler = "let total = items.len(); // order 4821\n".repeat(600);
        let with = format!("{filler}patient SSN 234-56-7891\n");
        let without = format!("{filler}patient SSN none on file\n");
        assert!(with.len() >= MEMO_BYTES);
        let first = candidates(&with);
        assert!(first.iter().any(|f| f.kind == PhiKind::Ssn), "{first:?}");
        assert_eq!(candidates(&with), first);
        assert!(!candidates(&without).iter().any(|f| f.kind == PhiKind::Ssn));
        assert_eq!(candidates(&with), first);
    }

    #[test]
    fn ssn_rules_follow_the_ssa() {
        assert!(ssn_valid(&digits(b"234-56-7891")));
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "912-12-3456",
            "234-00-3456",
            "234-56-0000",
            "078-05-1120",
            "123-45-6789",
            "111-11-1111",
        ] {
            assert!(!ssn_valid(&digits(bad.as_bytes())), "{bad}");
        }
        assert_eq!(kinds("SSN on file: 234-56-7891"), [PhiKind::Ssn]);
        assert!(kinds("order 234567891 shipped").is_empty());
        assert_eq!(kinds("ssn: 234567891"), [PhiKind::Ssn]);
        assert!(kinds("let re = /\\d{3}-\\d{2}-\\d{4}/; mask = 'XXX-XX-XXXX'").is_empty());
        assert!(kinds("version 1.234-56-7891").is_empty());
    }

    #[test]
    fn checksums_for_npi_and_dea() {
        assert!(npi_valid(&digits(b"1234567893")));
        assert!(!npi_valid(&digits(b"1234567890")));
        assert!(dea_valid(b"AB1234563"));
        assert!(!dea_valid(b"AB1234567"));
    }

    #[test]
    fn weak_signals_need_a_second_kind() {
        assert!(kinds("DOB: 1984-03-12").is_empty());
        assert_eq!(
            kinds("Patient: Maria Lopez, DOB: 03/12/1984"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert!(kinds("Patient: John Doe, DOB: 03/12/1984").is_empty());
        assert!(kinds("ICD-10 codes: E11.9, I10, J45.909").is_empty());
    }

    #[test]
    fn labels_are_read_in_sql_urls_and_after_unknown_labels() {
        assert_eq!(
            kinds(
                "INSERT INTO patients (first_name, last_name, dob) VALUES ('Keisha', 'O'Connor', '1961-03-24'), ('Ana', 'Eze', '1970-01-02');"
            ),
            [PhiKind::Dob, PhiKind::Name]
        );
        // `https:` is not a label and must not swallow `dob=`.
        assert_eq!(
            kinds("curl https://claims.internal/v2/members/XK649824587/eligibility?dob=2009-02-15"),
            [PhiKind::Mrn, PhiKind::Dob]
        );
        assert_eq!(
            kinds("wget 'https://portal/lookup?patient=Emeka%20Castillo&dob=06/25/1942'"),
            [PhiKind::Dob, PhiKind::Name]
        );
        assert!(kinds("INSERT INTO t (first_name, dob) VALUES ('first', 'unknown')").is_empty());
        assert!(kinds("curl https://api/patients/{id}/chart?name=test").is_empty());
    }

    #[test]
    fn names_of_any_origin_count_beside_another_signal() {
        for text in [
            "Patient Aaliyah O'Connor, DOB 01/16/2003, needs a summary",
            "Can you pull Siobhán García-Márquez, born December 24, 1987?",
            "Nguyen, Hiroshi -- DOB: 2001-03-06",
            "the intake form for Fatima Abernathy (12/01/1953) is wrong",
            "INSERT INTO subscribers VALUES (345, 'Priya Mwangi', '873-56-3018');",
        ] {
            assert!(kinds(text).contains(&PhiKind::Name), "{text}");
        }
        // A name beside a date that is not about them is not a record.
        assert!(kinds("git log --author='Maria Lopez' --since=2024-05-01").is_empty());
        assert!(kinds("Thanks Maria Lopez for the review on 2024-05-01").is_empty());
    }

    #[test]
    fn cards_need_luhn_context_and_a_name() {
        assert_eq!(
            kinds("patient Keisha Subramanian paid with 4708 0592 5633 3009 but it failed"),
            [PhiKind::Name, PhiKind::Card]
        );
        assert_eq!(
            kinds("billing_name=Dmitri Kowalczyk\ncard_number=5639129097239458\n"),
            [PhiKind::Name, PhiKind::Card]
        );
        // Luhn fails, a test card, no name.
        assert!(kinds("patient Keisha Subramanian paid with 4708 0592 5633 3008").is_empty());
        assert!(kinds("patient Keisha Subramanian paid with 4242 4242 4242 4242").is_empty());
        assert!(kinds("card_number=5639129097239458").is_empty());
    }

    #[test]
    fn a_quoted_ssn_alone_is_a_value() {
        assert_eq!(kinds("grep -r '330-43-3715' exports/"), [PhiKind::Ssn]);
        assert!(kinds("flight LH 400-12-3456").is_empty());
        assert!(kinds("grep -r '900-43-3715' exports/").is_empty());
    }

    #[test]
    fn record_containers_are_strong() {
        assert_eq!(
            kinds("PID|1||483921^^^HOSP^MR||Lopez^Maria||19840312|F"),
            [PhiKind::Hl7]
        );
        assert!(kinds("PID|1||||||").is_empty());
        // The labelled birth date is found as well, by the field reader.
        assert_eq!(
            kinds(r#"{"resourceType":"Patient","birthDate":"1984-03-12"}"#),
            [PhiKind::Dob, PhiKind::Fhir]
        );
        assert_eq!(
            kinds("NM1*IL*1*LOPEZ*MARIA****MI*W123456789~"),
            [PhiKind::X12]
        );
        assert_eq!(kinds("(0010,0010) PN [Lopez^Maria]"), [PhiKind::Dicom]);
    }
}
