//! Content detectors: secrets and patient data (PHI) in text fields.
//!
//! Both are built to be left on, so precision matters as much as recall: secrets are found
//! by keyword-prefiltered, linear-time regexes with entropy floors, checksums and allow-lists
//! (the rules themselves live in `rules/secrets.toml`); PHI is found by validated
//! identifiers scored with their context (`phi`). The journal's redaction (DESIGN.md) uses
//! these same detectors.

pub mod drugs;
pub mod names;
pub mod phi;
pub mod redact;
pub mod secrets;
pub mod structured;

/// The secret detectors in force (those of the loaded packs), for masking: the engine that
/// holds the packs provides them, and scans a text for their keywords once for both the
/// decision and the mask.
pub trait SecretSource {
    /// Every detector, with the id of its rule.
    fn secret_detectors(&self) -> Vec<(&str, &secrets::SecretBlock)>;
    /// Which detector keywords occur in `text` (lower-case).
    fn keywords_in(&self, text: &str) -> std::collections::HashSet<String>;
}

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

pub use crate::shared::matcher::contains_ci;

/// Which byte pairs (ASCII case folded) occur in a text: a needle with a pair the text
/// lacks is not in it. One pass over a short text answers hundreds of keyword tests that
/// would each scan it.
pub struct Pairs(Box<[u64; 1024]>);

impl Pairs {
    pub fn of(text: &[u8]) -> Self {
        let mut bits = Box::new([0u64; 1024]);
        for w in text.windows(2) {
            let i = Self::index(w[0], w[1]);
            bits[i >> 6] |= 1 << (i & 63);
        }
        Pairs(bits)
    }

    fn index(a: u8, b: u8) -> usize {
        (usize::from(a.to_ascii_lowercase()) << 8) | usize::from(b.to_ascii_lowercase())
    }

    /// False only when `needle` cannot be in the text (case ignored).
    pub fn may_contain(&self, needle: &[u8]) -> bool {
        needle.windows(2).all(|w| {
            let i = Self::index(w[0], w[1]);
            self.0[i >> 6] & (1 << (i & 63)) != 0
        })
    }
}

/// A matched value as a reason shows it: its length only. A reason reaches the agent and
/// its terminal (Codex appends the command to it), so it never carries any of the value: a
/// password's first characters are part of the password.
pub fn mask(value: &str) -> String {
    format!("[{} chars redacted]", value.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn pairs_never_rule_out_a_needle_that_is_there(
            haystack in "[abAB:_ -]{0,30}",
            needle in "[abAB:_]{1,4}",
        ) {
            let pairs = Pairs::of(haystack.as_bytes());
            if contains_ci(haystack.as_bytes(), needle.as_bytes()) {
                proptest::prop_assert!(pairs.may_contain(needle.as_bytes()));
            }
        }

        /// The memchr scan answers what a window-by-window comparison answers.
        #[test]
        fn contains_ci_agrees_with_a_naive_scan(
            haystack in proptest::collection::vec(proptest::sample::select(b"aAbB-1 ".to_vec()), 0..40),
            needle in proptest::collection::vec(proptest::sample::select(b"aAbB-1".to_vec()), 0..4),
        ) {
            let naive = !needle.is_empty()
                && haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(&needle));
            proptest::prop_assert_eq!(contains_ci(&haystack, &needle), naive);
        }
    }

    #[test]
    fn entropy_orders_random_above_repetitive() {
        assert_eq!(entropy(""), 0.0);
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert!(entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCY1234567890") > 4.0);
    }

    #[test]
    fn masks_keep_only_a_prefix() {
        assert_eq!(mask("ghp_abcdefgh"), "[12 chars redacted]");
    }
}
