//! Messages addressed to a patient about their own care: an appointment reminder, a
//! results notice, a refill text (`Hi Hodan, … your appointment with Dr. Okafor`,
//! `Agnieszka, your MRI follow-up …`, `María Guadalupe Hernández, su cita de control
//! prenatal …`, `Your visit summary is ready, Darlene Begay.`). A first name alone
//! identifies little, but a message sent to a named person about their appointment, their
//! results or their prescription says that person is a patient, and what for. Read only
//! where the text speaks to someone of their care (`your appointment`, `su cita`); the name
//! is a known given name (or a longer name with one) in the place a message addresses its
//! reader: after a greeting, at the start of the message, or closing its sentence.

use super::finding::*;
use super::name_reader::is_honorific;
use super::patterns::re;
use super::signals::{capitalised, placeholder_name};
use regex::bytes::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// How far (bytes) the care phrase may stand from the name that is addressed.
const NEAR: usize = 160;
const MAX_PHRASES: usize = 64;

static CARE: OnceLock<Regex> = OnceLock::new();

/// Words that open a message to someone.
const GREETINGS: &[&str] = &[
    "Hi",
    "Hello",
    "Dear",
    "Hey",
    "Hola",
    "Estimado",
    "Estimada",
    "Querido",
    "Querida",
    "Bonjour",
    "Morning",
    "Afternoon",
    "Evening",
];

/// The name a message addresses and its care phrase, when the text holds both.
pub(super) fn addressed(text: &str, words: &[(usize, &str)], out: &mut Vec<Finding>) {
    let b = text.as_bytes();
    // Every phrase starts with `your`, `su` or `tu`: most texts have none of them.
    if !has_second_person(b) {
        return;
    }
    let care = re(
        &CARE,
        r"(?i)\b(?:your|su|tu)\s+(?:[a-z0-9'/-]+\s+){0,4}?(?:after-|pre-|post-)?(?:appointments?|appt|visits?|follow-?ups?|follow up|results?|prescriptions?|refills?|procedures?|surgery|screening|vaccines?|vaccinations?|dose|mri|ct scan|scan|biopsy|labs?|lab work|infusion|therapy|check-?up|medications?|cita|consulta|receta|resultados?|vacuna|control)\b",
    );
    let phrases: Vec<Range<usize>> = care
        .find_iter(b)
        .take(MAX_PHRASES)
        .map(|m| m.range())
        .collect();
    if phrases.is_empty() {
        return;
    }
    let mut k = 0;
    while k < words.len() {
        let Some(name) = addressed_name(text, words, k) else {
            k += 1;
            continue;
        };
        let close = phrases.iter().find(|p| {
            let gap = if p.start >= name.span.end {
                p.start - name.span.end
            } else {
                name.span.start.saturating_sub(p.end)
            };
            gap <= NEAR && (p.start >= name.span.end || name.closing)
        });
        if let Some(phrase) = close {
            out.push(Finding {
                kind: PhiKind::Name,
                range: name.span.clone(),
                strong: false,
            });
            // What the message says of their care, not an identifier: empty, so masking
            // keeps the words.
            out.push(Finding {
                kind: PhiKind::Diagnosis,
                range: phrase.start..phrase.start,
                strong: false,
            });
        }
        k = name.next_word;
    }
}

fn has_second_person(b: &[u8]) -> bool {
    ["your ", "Your ", "YOUR ", " su ", "Su ", " tu ", "Tu "]
        .iter()
        .any(|w| memchr::memmem::find(b, w.as_bytes()).is_some())
}

struct Addressed {
    span: Range<usize>,
    /// It closes its sentence (`…, Darlene Begay.`): its care phrase stands before it.
    closing: bool,
    next_word: usize,
}

/// The name starting at word `k` when it stands where a message addresses its reader.
fn addressed_name(text: &str, words: &[(usize, &str)], k: usize) -> Option<Addressed> {
    let (at, first) = words[k];
    // `Ms. Faleolo`, `Mr Pierre-Louis`: a title says the next word is a person's name.
    let titled = is_honorific(first)
        && words.get(k + 1).is_some_and(|(next_at, next)| {
            capitalised(next) && matches!(&text[at + first.len()..*next_at], ". " | " ")
        });
    if !titled && (!capitalised(first) || GREETINGS.contains(&first)) {
        return None;
    }
    // Up to three capitalised words, one space apart (`María Guadalupe Hernández`).
    let mut last = if titled { k + 1 } else { k };
    while last + 1 < words.len() && last - k < 2 + usize::from(titled) {
        let (next_at, next) = words[last + 1];
        let (prev_at, prev) = words[last];
        if &text[prev_at + prev.len()..next_at] != " " || !capitalised(next) {
            break;
        }
        last += 1;
    }
    let end = words[last].0 + words[last].1.len();
    let span = at..end;
    let parts = &words[k..=last];
    let given = crate::detect::names::is_given;
    let surname = crate::detect::names::is_surname;
    // One word must be a known given name: a single word, the first of several.
    let known = titled
        || (given(first)
            && (parts.len() == 1 || parts[1..].iter().any(|p| surname(p.1) || given(p.1))));
    if !known || placeholder_name(&text[span.clone()]) {
        return None;
    }
    let after = text[end..].chars().next();
    let before = text[..at].trim_end_matches([' ', '\t']);
    let greeted = k > 0 && GREETINGS.contains(&words[k - 1].1) && {
        let gap = &text[words[k - 1].0 + words[k - 1].1.len()..at];
        gap == " " || gap == ", "
    };
    let opens = before.is_empty() || before.ends_with(['\n', '\'', '"', ':', '>']);
    let next_word = last + 1;
    if matches!(after, Some(',' | '!' | ':')) && (greeted || opens) {
        return Some(Addressed {
            span,
            closing: false,
            next_word,
        });
    }
    // `…, Darlene Begay.` closes the sentence that spoke to them.
    if matches!(after, Some('.' | '!')) && before.ends_with(',') && (parts.len() >= 2 || titled) {
        return Some(Addressed {
            span,
            closing: true,
            next_word,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(PhiKind, String)> {
        let mut out = Vec::new();
        addressed(
            text,
            &super::super::signals::words_of(text, 20_000),
            &mut out,
        );
        out.iter()
            .map(|f| (f.kind, text[f.range.clone()].to_string()))
            .collect()
    }

    #[test]
    fn messages_to_a_named_patient_about_their_care() {
        for (text, name) in [
            (
                "Hi Hodan, this is Cedar Valley Health reminding you of your appointment with Dr. Okafor on Thu 3/21",
                "Hodan",
            ),
            (
                "VALUES ('+17735550148', 'Agnieszka, your MRI follow-up with Neuro-Oncology is Mon 3/25')",
                "Agnieszka",
            ),
            (
                "'Recordatorio: María Guadalupe Hernández, su cita de control prenatal es el martes'",
                "María Guadalupe Hernández",
            ),
            (
                "Original message: Your Cedar Valley Health visit summary is ready, Darlene Begay.",
                "Darlene Begay",
            ),
            (
                "Dear Priya, your lab results are ready in the portal.",
                "Priya",
            ),
            (
                "Hello Ms. Faleolo, your refill is ready for pickup",
                "Ms. Faleolo",
            ),
        ] {
            let got = found(text);
            assert_eq!(
                got.first(),
                Some(&(PhiKind::Name, name.to_string())),
                "{text}: {got:?}"
            );
            assert_eq!(got.get(1).map(|f| f.0), Some(PhiKind::Diagnosis), "{text}");
        }
    }

    #[test]
    fn no_name_or_no_care_is_no_message_to_a_patient() {
        for text in [
            "Hi {{first_name}}, your appointment is on {{date}}",
            "Hi team, your appointment slots are live",
            "Hi there, your appointment is confirmed",
            "Hi Hodan, your build is green",
            "Hodan said your appointment view is broken",
            "Your visit summary is ready, Cedar Valley.",
            "Hi John Doe, your appointment is tomorrow",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }
}
