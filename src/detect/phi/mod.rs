//! Patient health information (PHI): validated identifiers scored with their context.
//!
//! In the spirit of Presidio (pattern, validator, context window) but stricter: text counts
//! as PHI when it holds one validated strong identifier (an SSN that passes the SSA rules,
//! an MRN or member id with its label, a Medicare MBI with its label, a patient record
//! container, a whole known name its label calls a patient's: being a patient is health
//! information), or a weak identifier plus a second, different signal (a patient name, a date
//! of birth, a diagnosis code, another identifier). Code that handles PHI (regexes, masks
//! like XXX-XX-XXXX, invalid test values, value sets, placeholders like "John Doe") is not.

mod addressed;
mod facts;
mod file_names;
mod finding;
mod ids;
mod name_reader;
mod ncpdp;
mod not_patients;
mod patterns;
mod records;
mod resources;
mod shorthand;
mod signals;
mod spec_examples;
mod terms;
#[cfg(test)]
mod tests;

use finding::*;
pub use finding::{Finding, PhiKind};
use ids::*;
use not_patients::NotPatients;
use patterns::*;
use records::*;
use signals::*;
use std::sync::OnceLock;

/// The findings that make `text` PHI, or nothing when it is not.
pub fn scan(text: &str) -> Vec<Finding> {
    score(candidates(text))
}

/// What a value under a field label holds (`"dob": 19610412`, `"family": "Okonkwo"`), when
/// the label names an identifying field and the value is what the label says; for masking
/// structured data by its keys.
pub fn labelled_value(label: &str, value: &str) -> Option<PhiKind> {
    let field = field_class(label.as_bytes())?;
    classify(field, value.as_bytes(), 0..value.len()).map(|f| f.kind)
}

/// Whether a label names an identifying field (`dob`, `family`, `member_id`).
pub fn is_field_label(label: &str) -> bool {
    field_class(label.as_bytes()).is_some()
}

/// Whether a value is a placeholder (`<MRN>`, `XXX-XX-XXXX`, `{{patient.name}}`, `n/a`).
pub fn placeholder(value: &str) -> bool {
    placeholder_value(value.as_bytes()) || placeholder_name(value)
}

/// Label printers' ZPL writes each field as `^FD<data>^FS`: the command's letters, glued to
/// the data, hide its first word (`^FDEZE, NGOZI`, `^FDMRN 40318291`). The scan reads a copy
/// with the commands blanked (from the line's or the last field's end up to `^FD`, and each
/// `^FS`), of the same length, so every finding's range holds for the original and each
/// field reads as a line of its own (a name above its medication).
fn zpl_blanked(text: &str) -> Option<String> {
    let b = text.as_bytes();
    memchr::memmem::find(b, b"^FD")?;
    let mut out = b.to_vec();
    let mut field_end = 0;
    for at in memchr::memmem::find_iter(b, b"^FD") {
        let line_start = b[..at]
            .iter()
            .rposition(|c| *c == b'\n')
            .map_or(0, |n| n + 1);
        let from = line_start.max(field_end).min(at);
        out[from..at + 3].fill(b' ');
        field_end = memchr::memmem::find(&b[at..], b"^FS").map_or(at + 3, |e| at + e + 3);
    }
    for at in memchr::memmem::find_iter(b, b"^FS") {
        out[at..at + 3].fill(b' ');
    }
    // Only ASCII bytes were replaced, by ASCII blanks: the copy stays UTF-8.
    String::from_utf8(out).ok()
}

/// Texts at least this long have their findings kept for the next call on the same text
/// (the decision and the journal's redaction both ask): comparing and copying a few hundred
/// bytes costs less than the scan, which reads every word since issue 31.
const MEMO_BYTES: usize = 256;

/// Every identifier and signal, before scoring (redaction masks strong identifiers even
/// when the text as a whole is not PHI).
pub fn candidates(text: &str) -> Vec<Finding> {
    if let Some(blanked) = zpl_blanked(text) {
        return candidates(&blanked);
    }
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
    if let Some(blanked) = zpl_blanked(text) {
        return candidates_alongside(&blanked, other);
    }
    if text.len() < ALONGSIDE_BYTES {
        let found = candidates(text);
        return (found, other());
    }
    if let Some(found) = memo_get(text) {
        return (found, other());
    }
    let bytes = text.as_bytes();
    if !enough_digits(bytes) {
        let mut out = Vec::new();
        let others = NotPatients::of(text);
        facts::named_facts(text, &others, &mut out);
        drop_spec_examples(text, &others, &mut out);
        return (out, other());
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
        let others = NotPatients::of(text);
        facts::named_facts(text, &others, &mut out);
        finish(text, &mut out);
        staff_only(bytes, &mut out);
        names_of_others(bytes, &others, &mut out);
        drop_spec_examples(text, &others, &mut out);
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
        // A name with a condition or a medication needs no digits, nor does a resource's
        // subject (`<patient><display value="Brenda Kowalczyk"/>`).
        let others = NotPatients::of(text);
        facts::named_facts(text, &others, &mut out);
        records::fhir_subjects(bytes, &mut out);
        drop_spec_examples(text, &others, &mut out);
        return out;
    }
    let present = keywords_present(bytes);
    let (mut shapes, mut late) = (Vec::new(), Vec::new());
    gated_early(bytes, present, &mut out);
    shapes_anywhere(text, &mut shapes);
    gated_late(text, present, &mut late);
    out.append(&mut shapes);
    out.append(&mut late);
    let others = NotPatients::of(text);
    facts::named_facts(text, &others, &mut out);
    finish(text, &mut out);
    staff_only(bytes, &mut out);
    names_of_others(bytes, &others, &mut out);
    drop_spec_examples(text, &others, &mut out);
    out
}

/// A name a resource references as its practitioner's or its organisation's, or a person's
/// who died long ago, is no patient's: other readers' weak findings of it go.
fn names_of_others(bytes: &[u8], others: &NotPatients, out: &mut Vec<Finding>) {
    let staff = others.staff();
    out.retain(|f| {
        f.strong
            || f.kind != PhiKind::Name
            || !((!staff.is_empty() && resources::is_staff_name(staff, &bytes[f.range.clone()]))
                || others.dead_long_ago(f.range.clone()))
    });
}

/// Drops what only repeats a specification's example patient (read only when something
/// was found).
fn drop_spec_examples(text: &str, others: &NotPatients, out: &mut Vec<Finding>) {
    if !out.is_empty() {
        spec_examples::drop_spec_examples(text, others.examples(), out);
    }
}

/// A staff or organisation resource keeps only its strong identifiers (an SSN is one
/// anywhere); its names, dates and phones are a clinician's or an office's.
fn staff_only(bytes: &[u8], out: &mut Vec<Finding>) {
    if resources::directory_resource(bytes) {
        out.retain(|f| f.strong);
    }
    // NPI and DEA numbers name providers: in a text that names no patient (a referral
    // directory, an on-call list) a name beside one is a clinician's.
    if out
        .iter()
        .any(|f| matches!(f.kind, PhiKind::Npi | PhiKind::Dea))
        && !contains_ci(bytes, facts::PATIENT_WORDS)
    {
        out.retain(|f| !matches!(f.kind, PhiKind::Npi | PhiKind::Dea));
    }
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
        id_lists(bytes, out);
        number_lists(bytes, out);
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
    if has(Group::Name) && !bytes.is_ascii() {
        script_names(bytes, out);
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
    redis_pairs(bytes, out);
    if memchr::memmem::find(bytes, b"^DPT(").is_some() {
        vista_patients(bytes, out);
    }
    option_fields(bytes, out);
    if memchr::memmem::find(bytes, b"VCARD").is_some()
        || memchr::memmem::find(bytes, b"vcard").is_some()
    {
        vcards(text, out);
    }
    if bytes.contains(&b'<') {
        xml_fields(bytes, out);
    }
    csv_columns(text, out);
    person_rows(text, out);
    ncpdp::claims(bytes, out);
    file_names::file_names(text, out);
}

fn gated_late(text: &str, present: u32, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let has = |group: Group| present & (1 << group as u32) != 0;
    if has(Group::Record) {
        patient_constructors(text, out);
    }
    if has(Group::Insert) {
        sql_inserts(text, out);
        sql_positional(text, out);
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
    ("medicaid", Group::Record),
    ("providerone", Group::Record),
    ("medi-cal", Group::Record),
    ("masshealth", Group::Record),
    ("account", Group::Record),
    ("acct", Group::Record),
    ("chart", Group::Record),
    ("pts", Group::Record),
    ("discharge", Group::Record),
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
    ("decedent", Group::Name),
    ("decedent", Group::Record),
    ("dx", Group::Diagnosis),
    ("diagnos", Group::Diagnosis),
    ("icd", Group::Diagnosis),
    ("pid|", Group::Container),
    ("nk1|", Group::Container),
    ("gt1|", Group::Container),
    ("in1|", Group::Container),
    ("patientrole", Group::Container),
    ("<patient>", Group::Container),
    ("<subject>", Group::Container),
    ("\"subject\"", Group::Container),
    ("resourcetype", Group::Container),
    ("nm1*", Group::Container),
    ("nm1|", Group::Container),
    ("nm1^", Group::Container),
    ("nm1!", Group::Container),
    ("(0010,", Group::Container),
    ("\"00100010\"", Group::Container),
    ("\"00100020\"", Group::Container),
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
        .chain(tagged(&["insert", "replace into"], Group::Insert))
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
