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

struct Example {
    /// Words that all stand in a text that copies the example (case as published).
    marks: &'static [&'static str],
    /// Every word of the example's identifying values, lower case.
    words: &'static [&'static str],
}

const EXAMPLES: &[Example] = &[
    Example {
        marks: &["Chalmers", "Peter"],
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
        marks: &["Donald", "Duck"],
        words: &["654321", "corporation", "disney", "donald", "duck", "walt"],
    },
    Example {
        marks: &["EVERYMAN", "ADAM"],
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
        marks: &["EVERYWOMAN", "EVE"],
        words: &[
            "121",
            "153",
            "196203520",
            "20030520",
            "206",
            "3345232",
            "35292",
            "4444",
            "44",
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
            "jones",
            "l",
            "oh",
            "statesville",
        ],
    },
];

/// Drops the findings that only repeat a specification's example patient named in `text`.
pub(super) fn drop_spec_examples(text: &str, out: &mut Vec<Finding>) {
    if out.is_empty() {
        return;
    }
    let named: Vec<&Example> = EXAMPLES
        .iter()
        .filter(|e| e.marks.iter().all(|m| text.contains(m)))
        .collect();
    if named.is_empty() {
        return;
    }
    let before = out.len();
    out.retain(|f| {
        let Some(found) = text.get(f.range.clone()) else {
            return true;
        };
        let mut words = found
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .peekable();
        if words.peek().is_none() {
            return true;
        }
        !words.all(|w| {
            let w = w.to_lowercase();
            named.iter().any(|e| e.words.contains(&w.as_str()))
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
