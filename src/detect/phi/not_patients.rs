//! The people a text names who are not its patients, read once per scan and only when
//! asked: the clinicians a FHIR resource references by name and the specifications' own
//! example patients. Both the fact pairing and the final filters ask.

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

    /// Whether the name at `range` is a referenced clinician's or only an example's words.
    pub(super) fn named_at(&self, range: Range<usize>) -> bool {
        let staff = self.staff();
        let examples = self.examples();
        (!staff.is_empty() && is_staff_name(staff, &self.text.as_bytes()[range.clone()]))
            || (!examples.is_empty() && only_example_words(examples, &self.text[range]))
    }
}
