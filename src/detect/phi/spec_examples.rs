//! The specifications' own example patients: FHIR's `Patient/example` (Peter James
//! Chalmers) and `pat1` (Donald Duck), HL7 v2's Adam Everyman and Eve Everywoman. They are
//! published, known by name, and copied into every interface project's tests and questions:
//! a copy of one is documentation, not a record (issue 31). Any other fictional patient is
//! a record: the gate cannot tell it from a real one.
//!
//! A text that names one of them keeps only the findings that say something else: a
//! finding every word of which is that example's own (its names, birth date, identifiers,
//! address and phones) is dropped, and so is the resource or message that held nothing
//! else; a real patient beside it is still found.

use super::finding::{Finding, PhiKind};

pub(super) struct Example {
    /// Words that all stand in a text that copies the example, each as published
    /// (`Chalmers`) or in capitals (`CHALMERS`, as HL7 and generated narratives write it).
    marks: &'static [[&'static str; 2]],
    /// Every word of the example's identifying values, lower case.
    words: &'static [&'static str],
}

const EXAMPLES: &[Example] = &[
    Example {
        marks: &[["Chalmers", "CHALMERS"], ["Peter", "PETER"]],
        words: &[
            "03",
            "12",
            "12345",
            "1974",
            "25",
            "3410",
            "3999",
            "534",
            "5555",
            "5613",
            "6473",
            "8834",
            "bénédicte",
            "chalmers",
            "du",
            "erewhon",
            "james",
            "jim",
            "marché",
            "peasantville",
            "peter",
            "pleasantville",
            "rainbow",
            "st",
            "vic",
            "windsor",
        ],
    },
    Example {
        marks: &[["Donald", "DONALD"], ["Duck", "DUCK"]],
        // `pat1` and its copy `pat2` (Donald D Duck, MR 123456).
        words: &[
            "123456",
            "654321",
            "corporation",
            "d",
            "disney",
            "donald",
            "duck",
            "walt",
        ],
    },
    Example {
        marks: &[["Everyman", "EVERYMAN"], ["Adam", "ADAM"]],
        words: &[
            "1020",
            "123456789",
            "19610615",
            "2222",
            "27401",
            "a",
            "adam",
            "everyman",
            "greensboro",
            "home",
            "iii",
            "nc",
            "patid1234",
            "street",
        ],
    },
    Example {
        marks: &[["Everywoman", "EVERYWOMAN"], ["Eve", "EVE"]],
        // HL7 v2's, and FHIR's `Patient/mom` (SSN 444222222, born 1973-05-31).
        words: &[
            "05",
            "121",
            "153",
            "196203520",
            "1973",
            "2003",
            "20030520",
            "206",
            "2222",
            "31",
            "3345232",
            "35292",
            "44",
            "444222222",
            "4444",
            "555",
            "67",
            "752",
            "a4335",
            "ac555444444",
            "dr",
            "e",
            "eve",
            "everywoman",
            "fernwood",
            "home",
            "jones",
            "l",
            "oh",
            "statesville",
            "street",
        ],
    },
];

/// The examples `text` names: all of an example's marks stand in it.
pub(super) fn named_examples(text: &str) -> Vec<&'static Example> {
    EXAMPLES.iter().filter(|e| e.named_in(text)).collect()
}

impl Example {
    fn named_in(&self, text: &str) -> bool {
        self.marks
            .iter()
            .all(|[as_written, capitals]| text.contains(as_written) || text.contains(capitals))
    }
}

/// Whether every word of `found` is one of the `named` examples' own values (a text with
/// no word is not).
pub(super) fn only_example_words(named: &[&Example], found: &str) -> bool {
    let mut words = found
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    words.peek().is_some()
        && words.all(|w| {
            let w = w.to_lowercase();
            named.iter().any(|e| e.words.contains(&w.as_str()))
        })
}

/// Drops the findings that only repeat a specification's example patient named in `text`.
pub(super) fn drop_spec_examples(text: &str, named: &[&Example], out: &mut Vec<Finding>) {
    if out.is_empty() || named.is_empty() {
        return;
    }
    let before = out.len();
    // A segment that holds the example's names is the example's (`PID|1||PATID1234...
    // EVERYMAN^ADAM^A^III...`), whatever else it holds.
    let example_segment = |found: &str| named.iter().any(|e| e.named_in(found));
    out.retain(|f| {
        text.get(f.range.clone()).is_none_or(|found| {
            let example = only_example_words(named, found)
                || (f.kind == PhiKind::Hl7 && example_segment(found));
            !example
        })
    });
    // A resource or a message that held only the example is the example: its container
    // (`"resourceType": "Patient"`, a PID segment) goes with it.
    let container = |f: &Finding| {
        matches!(
            f.kind,
            PhiKind::Fhir | PhiKind::Hl7 | PhiKind::X12 | PhiKind::Dicom
        )
    };
    if out.len() < before && out.iter().all(container) {
        out.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::EXAMPLES;

    #[test]
    fn example_words_are_lower_case() {
        for e in EXAMPLES {
            for w in e.words {
                assert_eq!(*w, w.to_lowercase(), "{w}");
            }
        }
    }
}
