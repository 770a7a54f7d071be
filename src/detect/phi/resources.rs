//! What a FHIR resource says of the people in it: a resource about staff, places or
//! organisations names no patient, and the clinicians a resource references by name are
//! not its patient.

use super::patterns::{STAFF_REFERENCE_RE, re};

/// A FHIR resource about staff, places or organisations: its people are clinicians, its
/// addresses and phones work ones, and its birth dates a clinician's (the scan keeps only
/// strong identifiers there). A Person may be a patient's: only unlabelled facts skip it.
pub(super) fn directory_resource(b: &[u8]) -> bool {
    resource_type_in(b, STAFF_RESOURCES)
}

const STAFF_RESOURCES: &[&[u8]] = &[
    b"Practitioner\"",
    b"PractitionerRole\"",
    b"Organization\"",
    b"Location\"",
    b"HealthcareService\"",
    b"Endpoint\"",
];

/// The people and places a FHIR resource references as its staff (`"requester":
/// {"reference": "Practitioner/f007", "display": "Patrick Pump"}`): the same name in its
/// narrative or beside its medications is a clinician's, not the patient's. At most 64.
pub(super) fn staff_displays(b: &[u8]) -> Vec<&[u8]> {
    if memchr::memmem::find(b, b"\"resourceType\"").is_none() {
        return Vec::new();
    }
    re(
        &STAFF_REFERENCE_RE,
        r#""reference"\s*:\s*"(?:Practitioner|PractitionerRole|Organization|Location|HealthcareService|Device)/[^"]{0,80}"\s*,\s*"display"\s*:\s*"([^"]{2,80})""#,
    )
    .captures_iter(b)
    .filter_map(|c| c.get(1).map(|d| d.as_bytes()))
    .take(64)
    .collect()
}

/// Whether `name` is one of `staff`, or begins one (`Harold Hippocrates` of `Harold
/// Hippocrates, MD`).
pub(super) fn is_staff_name(staff: &[&[u8]], name: &[u8]) -> bool {
    staff.iter().any(|d| {
        d.starts_with(name) && d.get(name.len()).is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

/// Whether the text is a FHIR resource (its `resourceType` near the start) of one of `types`
/// (each with its closing quote).
pub(super) fn resource_type_in(b: &[u8], types: &[&[u8]]) -> bool {
    let head = &b[..b.len().min(256)];
    let Some(at) = memchr::memmem::find(head, b"\"resourceType\"") else {
        return false;
    };
    let rest = &head[at + 14..];
    let value = rest
        .iter()
        .position(|c| *c == b'"')
        .map(|q| &rest[q + 1..])
        .unwrap_or_default();
    types.iter().any(|t| value.starts_with(t))
}
