//! The regular expressions of the PHI scan, compiled once per process on first use.

use regex::bytes::{Regex, RegexBuilder};
use std::sync::OnceLock;

pub(super) fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| {
        RegexBuilder::new(pattern)
            .unicode(false)
            .build()
            .expect("built-in PHI regex compiles")
    })
}

pub(super) static PATIENT_WORD: OnceLock<Regex> = OnceLock::new();
pub(super) static SSN_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static SSN_NEAR_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static SSN_BARE_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static LABELLED_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static MRN_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static BARE_MEMBER_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static DOB_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static AGE_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static NAME_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static SCRIPT_NAME_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static DX_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static PHONE_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static EMAIL_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static ADDRESS_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static HL7_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static FHIR_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static FHIR_FIELD_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static LIFE_SPAN_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static STAFF_REFERENCE_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static FHIR_SUBJECT_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static ID_LIST_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static X12_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static FIELD_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static REDIS_PAIR_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static VISTA_PATIENT_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static SSN_LAST4_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static DICOM_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static NAME_DATE_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static INSERT_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static POSITIONAL_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static URL_ID_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static CARD_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static PATIENT_CALL_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static DATE_CALL_RE: OnceLock<Regex> = OnceLock::new();
pub(super) static QUOTED_RE: OnceLock<Regex> = OnceLock::new();
