//! Name knowledge for the PHI detector: is a word a known given name or surname? The lists
//! are public-domain US name files (the 1990 and 2010 Census, the SSA's baby names;
//! data/names/README.md), built into the binary as sorted lines and searched in place (no
//! table built per process). Words are folded first: upper case, common accents dropped
//! (`José` is `JOSE`), apostrophes removed (`O'Connor` is `OCONNOR`); a hyphenated word is
//! known when each part is.

static GIVEN: &[u8] = include_bytes!("../../data/names/given.txt");
static SURNAMES: &[u8] = include_bytes!("../../data/names/surnames.txt");

pub fn is_given(word: &str) -> bool {
    known(GIVEN, word)
}

pub fn is_surname(word: &str) -> bool {
    known(SURNAMES, word)
}

/// Names that are also ordinary lower-case English words (`will`, `gold`, `story`).
static ORDINARY: &[u8] = include_bytes!("../../data/names/ordinary.txt");

/// Whether a name is also an ordinary word: in lower case it says nothing of a person.
pub fn is_ordinary_word(word: &str) -> bool {
    known(ORDINARY, word)
}

/// Every lower-case word of an English dictionary (SCOWL), names among them.
static WORDS: &[u8] = include_bytes!("../../data/names/words.txt");

/// Whether a word is an ordinary English word (`tablet`, `careful`, `acme`), in any case.
pub fn is_english_word(word: &str) -> bool {
    known(WORDS, word)
}

/// Whether a capitalised word is an ordinary word and no known name (`Oral`, `Careful`,
/// `Healthcare`): beside another such word it is a heading, a product or a company.
pub fn is_plain_word(word: &str) -> bool {
    is_english_word(word) && !is_given(word) && !is_surname(word)
}

/// Whether two capitalised words are a phrase of ordinary words rather than a person:
/// both ordinary words and the first no known name (`Oral Form`, `Chest Wall`, `Funded
/// Billing`), or an ordinary word no list knows as a name after either (`Acme Healthcare`,
/// `Adam Careful`). Names that are words (`Hope Church`, `Will Branch`) are names.
pub fn is_phrase(first: &str, second: &str) -> bool {
    (is_plain_word(second) && (is_plain_word(first) || is_given(first)))
        || (is_plain_word(first) && is_english_word(second))
}

/// Longest word looked up: no name in the lists is longer (a hyphenated pair at most).
const LONGEST: usize = 48;

fn known(list: &[u8], word: &str) -> bool {
    let mut buffer = [0u8; LONGEST];
    let Some(folded) = fold(word, &mut buffer) else {
        return false;
    };
    !folded.is_empty()
        && folded
            .split(|&c| c == b'-')
            .all(|part| !part.is_empty() && sorted_lines_contain(list, part))
}

/// Upper-case ASCII, accents folded and apostrophes dropped, into `out` (this runs for
/// many words of every text: no allocation); `None` when the word holds anything else
/// (digits, symbols, scripts the lists do not cover) or is longer than any name.
fn fold<'a>(word: &str, out: &'a mut [u8; LONGEST]) -> Option<&'a [u8]> {
    let mut len = 0;
    for c in word.chars() {
        let base = match c {
            'a'..='z' | 'A'..='Z' | '-' => c,
            '\'' | '\u{2019}' => continue,
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                'a'
            }
            'ç' | 'Ç' | 'č' | 'Č' | 'ć' | 'Ć' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' | 'ę' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
            'ñ' | 'Ñ' | 'ń' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => {
                'o'
            }
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
            'ý' | 'ÿ' | 'Ý' => 'y',
            'š' | 'Š' | 'ś' => 's',
            'ž' | 'Ž' | 'ź' | 'ż' => 'z',
            'ł' | 'Ł' => 'l',
            _ => return None,
        };
        *out.get_mut(len)? = base.to_ascii_uppercase() as u8;
        len += 1;
    }
    Some(&out[..len])
}

/// Binary search over newline-separated lines sorted bytewise.
pub(super) fn sorted_lines_contain(list: &[u8], word: &[u8]) -> bool {
    let (mut lo, mut hi) = (0, list.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = list[..mid]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1);
        let end = list[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(list.len(), |p| start + p);
        match list[start..end].cmp(word) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => lo = end + 1,
            std::cmp::Ordering::Greater => hi = start,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_is_found_and_others_are_not() {
        for list in [GIVEN, SURNAMES, ORDINARY] {
            let text = std::str::from_utf8(list).unwrap();
            assert!(text.lines().count() > 4000);
            for line in text.lines().step_by(7) {
                assert!(sorted_lines_contain(list, line.as_bytes()), "{line}");
                let missing = format!("{line}QQ");
                assert!(!sorted_lines_contain(list, missing.as_bytes()), "{missing}");
            }
        }
        assert!(!sorted_lines_contain(GIVEN, b""));
        assert!(!sorted_lines_contain(GIVEN, b"AAAAAAA"));
        assert!(!sorted_lines_contain(GIVEN, b"ZZZZZZZ"));
        assert!(
            is_ordinary_word("will") && is_ordinary_word("Gold") && !is_ordinary_word("yesenia")
        );
    }

    #[test]
    fn words_are_folded_before_lookup() {
        assert!(is_given("José") && is_given("maria") && is_given("MARIA"));
        assert!(is_surname("O'Connor") && is_surname("Hernández") && is_surname("García-Márquez"));
        assert!(!is_surname("Lopez2") && !is_given("J0hn") && !is_surname("-"));
    }
}
