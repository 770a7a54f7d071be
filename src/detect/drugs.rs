//! Drug names for the PHI detector: is a word a medication a patient could be on? The list
//! is DrugBank's generic names and MedlinePlus drugs' brand names (data/drugs/README.md),
//! without ordinary English words or people's names, built into the binary as sorted lines
//! and searched in place like the name lists.

static DRUGS: &[u8] = include_bytes!("../../data/drugs/drugs.txt");

/// Longest entry of the list.
const LONGEST: usize = 24;

/// Whether `word` (any case) is a drug's name.
pub fn is_drug(word: &str) -> bool {
    let b = word.as_bytes();
    if !(5..=LONGEST).contains(&b.len()) || !b.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut lower = [0u8; LONGEST];
    for (to, from) in lower.iter_mut().zip(b) {
        *to = from.to_ascii_lowercase();
    }
    super::names::sorted_lines_contain(DRUGS, &lower[..b.len()])
}

#[cfg(test)]
mod tests {
    use super::is_drug;

    #[test]
    fn generics_and_brands_any_case_but_not_words_or_names() {
        for drug in [
            "tacrolimus",
            "Ticagrelor",
            "TACROLIMUS",
            "apixaban",
            "Lipitor",
        ] {
            assert!(is_drug(drug), "{drug}");
        }
        for word in [
            "copper",
            "yeast",
            "Summer",
            "patient",
            "tacrolimuses",
            "tac",
            "",
        ] {
            assert!(!is_drug(word), "{word}");
        }
    }
}
