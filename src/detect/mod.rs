//! Content detectors: secrets and patient data (PHI) in text fields.
//!
//! Both are built to be left on, so precision matters as much as recall: secrets are found
//! by keyword-prefiltered, linear-time regexes with entropy floors, checksums and allow-lists
//! (the rules themselves live in `rules/secrets.toml`); PHI is found by validated
//! identifiers scored with their context (`phi`). The journal's redaction (DESIGN.md) uses
//! these same detectors.

pub mod names;
pub mod phi;
pub mod secrets;

/// Shannon entropy of `s` in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut total = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Does `haystack` contain `needle`, ignoring ASCII case?
pub fn contains_ci(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && needle.len() <= haystack.len()
        && haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Mask a matched value for display: keep a short prefix so a person can tell which value
/// it was, never enough to use it.
pub fn mask(value: &str) -> String {
    let keep: String = value.chars().take(4).collect();
    format!("{keep}…[{} chars redacted]", value.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCY1234567890") > 4.0);
    }

    #[test]
    fn masks_keep_only_a_prefix() {
        assert_eq!(mask("ghp_abcdefgh"), "ghp_…[12 chars redacted]");
    }
}
