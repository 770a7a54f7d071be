//! What a PHI scan reports (the kinds, one finding) and the byte helpers every part uses.

use std::ops::Range;

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

pub(super) fn digits(b: &[u8]) -> Vec<u32> {
    b.iter()
        .filter(|c| c.is_ascii_digit())
        .map(|c| (c - b'0') as u32)
        .collect()
}

/// The longest run of ASCII digits, or `enough` as soon as a run that long is seen.
pub(super) fn longest_digit_run(b: &[u8], enough: usize) -> usize {
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

pub(super) fn window_before(b: &[u8], at: usize, len: usize) -> &[u8] {
    &b[at.saturating_sub(len)..at]
}

pub(super) fn contains_ci(haystack: &[u8], needles: &[&str]) -> bool {
    needles
        .iter()
        .any(|n| crate::detect::contains_ci(haystack, n.as_bytes()))
}
