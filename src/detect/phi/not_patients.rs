//! The people a text names who are not its patients, read once per scan and only when
//! asked: the clinicians a FHIR resource references by name, the specifications' own
//! example patients, and people who died long ago. Both the fact pairing and the final
//! filters ask.

use super::patterns::{LIFE_SPAN_RE, re};
use super::resources::{is_staff_name, staff_displays};
use super::spec_examples::{Example, named_examples, only_example_words};
use std::cell::OnceCell;
use std::ops::Range;

pub(super) struct NotPatients<'a> {
    text: &'a str,
    staff: OnceCell<Vec<&'a [u8]>>,
    examples: OnceCell<Vec<&'static Example>>,
}

impl<'a> NotPatients<'a> {
    pub(super) fn of(text: &'a str) -> Self {
        NotPatients {
            text,
            staff: OnceCell::new(),
            examples: OnceCell::new(),
        }
    }

    /// The names the resource references as its staff.
    pub(super) fn staff(&self) -> &[&'a [u8]] {
        self.staff
            .get_or_init(|| staff_displays(self.text.as_bytes()))
    }

    /// The specification examples the text names.
    pub(super) fn examples(&self) -> &[&'static Example] {
        self.examples.get_or_init(|| named_examples(self.text))
    }

    /// Whether the name at `range` is a referenced clinician's, only an example's words, or
    /// a person's who died long ago.
    pub(super) fn named_at(&self, range: Range<usize>) -> bool {
        let staff = self.staff();
        let examples = self.examples();
        (!staff.is_empty() && is_staff_name(staff, &self.text.as_bytes()[range.clone()]))
            || (!examples.is_empty() && only_example_words(examples, &self.text[range.clone()]))
            || self.dead_long_ago(range)
    }

    /// Whether the name at `range` has a life span after it that ended more than fifty years
    /// ago (`Juliette Gordon Low (1860-1927)`, one more word of the name may stand between):
    /// HIPAA protects a decedent's health information for fifty years, and after that a cause
    /// of death is history.
    pub(super) fn dead_long_ago(&self, range: Range<usize>) -> bool {
        let b = self.text.as_bytes();
        let after = &b[range.end.min(b.len())..b.len().min(range.end + 64)];
        if !after.contains(&b'(') {
            return false;
        }
        let span = re(
            &LIFE_SPAN_RE,
            r"^(?:\s+[A-Z][A-Za-z'.-]*){0,2}\s*\((?:b\.\s*|c\.\s*)?([12][0-9]{3})\s*(?:-|\xe2\x80\x93|\xe2\x80\x94)\s*(?:d\.\s*|c\.\s*)?([12][0-9]{3})\)",
        );
        let Some(c) = span.captures(after) else {
            return false;
        };
        let year = |i: usize| {
            std::str::from_utf8(&c[i])
                .ok()
                .and_then(|y| y.parse::<i32>().ok())
        };
        let (Some(born), Some(died)) = (year(1), year(2)) else {
            return false;
        };
        born < died
            && died - born <= 120
            && died + DECEDENT_YEARS < time::OffsetDateTime::now_utc().year()
    }
}

/// How long HIPAA protects a decedent's health information (45 CFR 160.103, "protected
/// health information" excludes information about a person dead more than 50 years).
const DECEDENT_YEARS: i32 = 50;
