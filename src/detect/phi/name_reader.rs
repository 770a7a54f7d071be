//! Two capitalised words that read as a person's name, for the facts written beside it
//! (`facts`): `Hope Church`, `Surname, Given`, a row's cells (`Nowak;Malgorzata`,
//! `'Subramanian','Venkatesh'`), names in capitals (`OKAFOR, CHUKWUEMEKA`, `ZHOU^MINGZHE`,
//! padded fixed-width fields). Clinicians (a title, a credential after the name),
//! organisations, streets, places, placeholders and public figures are left out. Each name
//! says how sure it is, and whether its label calls it a patient's.

use super::signals::{NOT_NAMES, capitalised, placeholder_name, public_figure, runs_on};
use super::terms::is_health_term;
use std::ops::Range;

pub(super) struct Name {
    pub(super) range: Range<usize>,
    /// One of its words is a known given name or surname.
    pub(super) known: bool,
    /// A known given name then a known name, or `Surname, Given`, neither a health term.
    pub(super) sure: bool,
    /// Its label says it is a patient's (`Patient: Faleolo, Tavita`).
    pub(super) patient: bool,
    /// Read from quoted cells (`'Osei', 'Samuel'`): a table's row, which may be staff's.
    pub(super) quoted_cells: bool,
    /// A known given name and a known surname, in either written order.
    pub(super) whole: bool,
    /// Written in lower case, as chats do (`yesenia pettigrew`): only a condition, a
    /// medication or a result beside it makes it a patient's.
    pub(super) lower: bool,
}

impl Name {
    /// A name its shape, its title or its label makes sure of (`Mrs. Horváth`, `Bobby
    /// (Robert) Kowalczyk`, `pt Bell`, `Patient: Faleolo, Tavita`).
    pub(super) fn sure(range: Range<usize>, whole: bool, patient: bool) -> Self {
        Name {
            range,
            known: true,
            sure: true,
            patient,
            quoted_cells: false,
            whole,
            lower: false,
        }
    }
}

/// Whether the label right before `at` says a patient's name follows (`Patient:`, `pt`).
pub(super) fn patient_labelled(b: &[u8], at: usize) -> bool {
    let before = &b[at.saturating_sub(32)..at];
    // `patient: `, `patient="`, `"patient": "`, `pt `.
    fn unquoted(l: &[u8]) -> &[u8] {
        let l = l.trim_ascii_end();
        l.strip_suffix(b"\"")
            .or_else(|| l.strip_suffix(b"'"))
            .unwrap_or(l)
            .trim_ascii_end()
    }
    let label = unquoted(before);
    let label = label
        .strip_suffix(b":")
        .or_else(|| label.strip_suffix(b"="))
        .unwrap_or(label);
    let label = unquoted(label);
    PATIENT_LABELS.iter().any(|l| {
        label.len() >= l.len()
            && label[label.len() - l.len()..].eq_ignore_ascii_case(l.as_bytes())
            && (label.len() == l.len() || !label[label.len() - l.len() - 1].is_ascii_alphanumeric())
    })
}

/// Two capitalised words side by side (`Hope Church`, `Park Ji-hoon`) or `Surname, Given`,
/// not a clinician's, a placeholder or a public figure's.
pub(super) fn names(text: &str, words: &[(usize, &str)]) -> Vec<Name> {
    let mut out = Vec::new();
    for (i, pair) in words.windows(2).enumerate() {
        let ((a_at, a), (b_at, b)) = (pair[0], pair[1]);
        // Records often write names in capitals (`OKAFOR, CHUKWUEMEKA`): such a pair counts
        // when both words are known names, one a surname and the other a given name.
        let capitals = |w: &str| {
            w.len() >= 2
                && w.chars()
                    .all(|c| c.is_uppercase() || matches!(c, '-' | '\''))
        };
        let (given, surname) = (given_name, surname_word);
        let between = &text[a_at + a.len()..b_at];
        // HL7 and DICOM write a person's name `SURNAME^GIVEN`: that form needs one known
        // part; fixed-width rows pad fields with blanks: there both words are known names.
        let caret = between == "^" && (surname(a) || given(b));
        // A row's cells in capitals (`OYELARAN,TOLU,1990-02-28`): a known given name second.
        let cells = matches!(between, "," | "|" | ";" | "\t") && given(b);
        let padded_gap = between.len() >= 2 && between.bytes().all(|c| c == b' ');
        let known_word = |w: &str| surname(w) || given(w);
        let given_and_surname = (surname(a) && given(b)) || (given(a) && surname(b));
        let capital_pair = capitals(a)
            && capitals(b)
            && (given_and_surname
                || caret
                || cells
                || (padded_gap && known_word(a) && known_word(b)));
        if !capital_pair && (!name_word(a) || !name_word(b)) {
            continue;
        }
        // Within a sentence, or a row's fields (`Nowak;Malgorzata`, `Haile|Tigist`); a
        // name no list knows must stand right beside its fact (see `near`).
        // Quoted cells too (`'Subramanian','Venkatesh'`, `"Al-Farsi", "Omar"`).
        let cell_gap = match between.as_bytes() {
            [q @ (b'"' | b'\''), .., e] if between.len() >= 3 && q == e => {
                &between[1..between.len() - 1]
            }
            _ => between,
        };
        let quoted = cell_gap.len() < between.len();
        let field = matches!(cell_gap, "|" | ";" | "," | "^" | "\t")
            || (quoted && matches!(cell_gap, ", " | " | "));
        // Fixed-width records pad each field with blanks: known names in capitals only.
        let padded = capital_pair && between.len() <= 24 && between.bytes().all(|c| c == b' ');
        // Place names in capitals read like names (`NEW YORK`, `SAN DIEGO`).
        if capital_pair && between.starts_with(' ') && PLACE_WORDS.contains(&a) {
            continue;
        }
        if !field && !padded && !matches!(between, " " | ", " | "  " | "   ") {
            continue;
        }
        let bare = b.trim_end_matches("'s");
        if between == ", " && !(surname(a) && given(bare)) && !capital_pair {
            continue;
        }
        // A connection string's value then its next key (`Database=Portal;User Id=api`).
        if between == ";" && key_follows(&text.as_bytes()[b_at + b.len()..]) {
            continue;
        }
        let range = a_at..b_at + bare.len();
        let word_before = |n: usize| i.checked_sub(n).map(|k| words[k].1).unwrap_or("");
        // The credential may stand in the next cell (`'Osei', 'Samuel', 'MD'`).
        let after = &text.as_bytes()[range.end..text.len().min(range.end + 24)];
        let gap = after
            .iter()
            .take(6)
            .take_while(|c| matches!(c, b' ' | b',' | b'(' | b'\'' | b'"' | b'|' | b';' | b'\t'))
            .count();
        let credential = &after[gap..];
        let clinician = clinician_title(word_before(1))
            || clinician_title(word_before(2))
            || (gap > 0
                && CREDENTIALS.iter().any(|c| {
                    credential.starts_with(c.as_bytes())
                        && !credential
                            .get(c.len())
                            .is_some_and(u8::is_ascii_alphanumeric)
                        && !state_then_zip(&credential[c.len()..])
                }));
        let next = words.get(i + 2).map(|w| w.1).unwrap_or("");
        if STREET_TYPES.contains(&a) || STREET_TYPES.contains(&bare) {
            continue;
        }
        // `1200 Rose Hill Dr`, `501 N Ella Ave`: a house number (and a direction) before,
        // a street type after: the street's name.
        if STREET_TYPES.contains(&next) && after_house_number(&text.as_bytes()[..a_at]) {
            continue;
        }
        let organisation = [next, bare, a]
            .iter()
            .any(|w| ORGANISATION_WORDS.contains(w));
        // A heading, a product or a phrase (`Oral Form`, `Rib Pain`, `Adam Careful`); a
        // given name with two more capitalised words may be a name of words (`Ray Two Bulls`).
        if crate::detect::names::is_phrase(a, bare) && !(given(a) && runs_on(text, words, i + 1)) {
            continue;
        }
        if clinician
            || organisation
            || placeholder_name(&text[range.clone()])
            || public_figure(a, bare)
            || long_dead(&text.as_bytes()[range.end..])
        {
            continue;
        }
        let known = given(a) || surname(bare) || surname(a) || given(bare);
        let term = is_health_term;
        let sure = (between == ", "
            || (field && (surname(a) || surname(bare)))
            || (given(a) && (surname(bare) || given(bare))))
            && !term(a)
            && !term(bare);
        out.push(Name {
            range,
            known,
            sure,
            patient: false,
            quoted_cells: field && quoted,
            whole: !term(a)
                && !term(bare)
                && ((given(a) && surname(bare))
                    || (surname(a) && given(bare) && (between == ", " || field))
                    || (capital_pair && given_and_surname)),
            lower: false,
        });
    }
    particle_names(text, words, &mut out);
    titled_names(text, words, &mut out);
    nicknamed_names(text, words, &mut out);
    out
}

/// Names written in lower case, as chats do (`can someone check on yesenia pettigrew`,
/// `darnell gold's viral load`), read only within `reach` bytes of the facts at `near` (sorted: a
/// condition, a medication, a result): a known given name that is not an ordinary word
/// (`will`, `mark`), then a known name, neither a health term, and no title before.
pub(super) fn lower_names(
    text: &str,
    words: &[(usize, &str)],
    near: &[Range<usize>],
    reach: usize,
) -> Vec<Name> {
    use crate::detect::names::is_ordinary_word as ordinary;
    let mut out: Vec<Name> = Vec::new();
    // The facts' neighbourhoods, merged: each word is read once however many facts it is
    // near (a long log of results has many).
    let mut windows: Vec<Range<usize>> = Vec::new();
    for fact in near {
        let window = fact.start.saturating_sub(reach)..fact.end + reach;
        match windows.last_mut() {
            Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
            _ => windows.push(window),
        }
    }
    for window in windows {
        let first = words.partition_point(|(at, _)| *at < window.start);
        for i in first..words.len().saturating_sub(1) {
            let ((a_at, a), (b_at, b)) = (words[i], words[i + 1]);
            if a_at > window.end {
                break;
            }
            let bare = b.trim_end_matches("'s");
            let lower_word =
                |w: &str| w.len() >= 3 && w.bytes().all(|c| c.is_ascii_lowercase() || c == b'-');
            if &text[a_at + a.len()..b_at] != " "
                || !lower_word(a)
                || !lower_word(bare)
                || !given_name(a)
                || ordinary(a)
                // `darnell gold's`: a possessive after a given name is a surname's.
                || (ordinary(bare) && bare.len() == b.len())
                || !(surname_word(bare) || given_name(bare))
                || is_health_term(a)
                || is_health_term(bare)
                || i.checked_sub(1)
                    .is_some_and(|k| matches!(words[k].1, "dr" | "doctor" | "nurse" | "rn" | "np"))
            {
                continue;
            }
            if !english_around(words, i, reach) {
                continue;
            }
            out.push(Name {
                range: a_at..b_at + bare.len(),
                known: true,
                sure: true,
                patient: false,
                quoted_cells: false,
                whole: surname_word(bare),
                lower: true,
            });
        }
    }
    out
}

/// Whether the words within `reach` bytes of word `i` read as English: the lists' given
/// names are rarely English words, but many are other languages' (`esta nota`, `ella`,
/// `para`, `mele`), so a lower-case name is read only where English function words
/// outnumber Spanish, French, Portuguese and Tagalog ones, and at least two stand there.
fn english_around(words: &[(usize, &str)], i: usize, reach: usize) -> bool {
    const ENGLISH: &[&str] = &[
        "about", "again", "and", "at", "back", "can", "for", "from", "has", "he", "her", "his",
        "in", "is", "it", "of", "on", "she", "that", "the", "this", "to", "up", "was", "with",
    ];
    const OTHER: &[&str] = &[
        "ang", "con", "da", "de", "del", "des", "do", "du", "el", "em", "en", "es", "est", "et",
        "la", "las", "le", "les", "los", "na", "ng", "para", "que", "sa", "um", "uma", "una", "y",
    ];
    let at = words[i].0;
    let (from, to) = (at.saturating_sub(reach), at + reach);
    let (mut english, mut other) = (0, 0);
    let first = words.partition_point(|(w_at, _)| *w_at < from);
    for (_, w) in words[first..].iter().take_while(|(w_at, _)| *w_at < to) {
        if ENGLISH.binary_search(w).is_ok() {
            english += 1;
        } else if OTHER.binary_search(w).is_ok() {
            other += 1;
        }
    }
    english >= 2 && english > other
}

/// A name its shape makes sure of (a particle, a nickname), unless a placeholder or a
/// public figure's.
fn push_sure(
    text: &str,
    range: Range<usize>,
    (first, last): (&str, &str),
    whole: bool,
    out: &mut Vec<Name>,
) {
    if placeholder_name(&text[range.clone()]) || public_figure(first, last) {
        return;
    }
    out.push(Name::sure(range, whole, false));
}

/// A name with a nickname or the formal name between its given name and its surname
/// (`Bobby (Robert) Kowalczyk`, `Robert "Bobby" Kowalczyk`, `Margaret 'Peggy' Olsen`):
/// a known given name, a capitalised word in brackets or quotes, a capitalised surname.
fn nicknamed_names(text: &str, words: &[(usize, &str)], out: &mut Vec<Name>) {
    for (i, w) in words.windows(3).enumerate() {
        let [(at, first), (nick_at, nick), (last_at, last)] = [w[0], w[1], w[2]];
        let open = &text[at + first.len()..nick_at];
        let close = &text[nick_at + nick.len()..last_at];
        let bracketed = matches!((open, close), (" (", ") ") | (" \"", "\" ") | (" '", "' "))
            || matches!(
                (open, close),
                (" \u{201c}", "\u{201d} ") | (" \u{2018}", "\u{2019} ")
            );
        if !bracketed
            || !capitalised(first)
            || !capitalised(nick)
            || !capitalised(last)
            || !given_name(first)
            || is_health_term(last)
            || i.checked_sub(1)
                .is_some_and(|k| clinician_title(words[k].1))
        {
            continue;
        }
        push_sure(
            text,
            at..last_at + last.len(),
            (first, last),
            surname_word(last),
            out,
        );
    }
}

/// A known given name, or one joined of known given names (`Jean-Baptiste`, `Mary-Kate`).
fn given_name(w: &str) -> bool {
    let is_given = crate::detect::names::is_given;
    is_given(w) || (w.contains('-') && w.split('-').all(|p| p.len() >= 2 && is_given(p)))
}

/// A known surname, or one joined of known names (`Pierre-Louis`, `Okonkwo-Adeyemi`).
fn surname_word(w: &str) -> bool {
    let known = |p: &str| crate::detect::names::is_surname(p) || crate::detect::names::is_given(p);
    crate::detect::names::is_surname(w)
        || (w.contains('-') && w.split('-').all(|p| p.len() >= 2 && known(p)))
}

/// A title that says the name after it is a clinician's, as a word (its dot dropped).
fn clinician_title(w: &str) -> bool {
    matches!(w, "Dr" | "Doctor" | "Nurse" | "Prof" | "Professor")
}

/// Titles before a surname, as words (their dot dropped): English, Spanish and Portuguese,
/// French and Haitian Creole (`Madanm Varnadoe`), German, and Vietnamese, whose `ông` and
/// `bà` stand in lower case inside a sentence (`cho ông Frost`). A `match` rather than a
/// list: every word of every text is asked, and it compiles to a length switch.
pub(super) fn is_honorific(w: &str) -> bool {
    matches!(
        w,
        "Mr" | "Mrs"
            | "Ms"
            | "Miss"
            | "Mx"
            | "Sr"
            | "Sra"
            | "Srta"
            | "Señor"
            | "Señora"
            | "Doña"
            | "Senhor"
            | "Senhora"
            | "Mme"
            | "Mlle"
            | "Madame"
            | "Monsieur"
            | "Madanm"
            | "Msye"
            | "Herr"
            | "Frau"
            | "ông"
            | "Ông"
            | "bà"
            | "Bà"
    )
}

/// A title before one to three capitalised words (`Mrs. Horváth`, `Mr Pierre-Louis`, `La
/// Sra. María José Castañeda Ruiz`): the title says they are a person's name, even alone.
/// Notes call a patient by a known surname alone too (`pt Bell dob ...`): that name is the
/// patient's.
fn titled_names(text: &str, words: &[(usize, &str)], out: &mut Vec<Name>) {
    for (k, &(at, title)) in words.iter().enumerate() {
        // `Dr. Mrs. Olasupo` is a clinician.
        let clinician = k
            .checked_sub(1)
            .is_some_and(|p| clinician_title(words[p].1));
        let patient = matches!(title, "pt" | "Pt" | "PT" | "patient" | "Patient");
        if !(is_honorific(title) || patient) || clinician {
            continue;
        }
        let Some(&(first_at, first)) = words.get(k + 1) else {
            continue;
        };
        if !capitalised(first) || !matches!(&text[at + title.len()..first_at], ". " | " ") {
            continue;
        }
        if patient {
            let alone = words.get(k + 2).is_none_or(|&(next_at, next)| {
                !capitalised(next) || next_at > first_at + first.len() + 1
            });
            if alone && surname_word(first) && !is_health_term(first) && !placeholder_name(first) {
                out.push(Name::sure(first_at..first_at + first.len(), false, true));
            }
            continue;
        }
        let mut last = k + 1;
        while last + 1 < words.len() && last - k < 3 {
            let (next_at, next) = words[last + 1];
            let (prev_at, prev) = words[last];
            if &text[prev_at + prev.len()..next_at] != " " || !capitalised(next) {
                break;
            }
            last += 1;
        }
        let range = first_at..words[last].0 + words[last].1.len();
        if placeholder_name(&text[range.clone()]) || is_health_term(first) {
            continue;
        }
        out.push(Name::sure(range, false, false));
    }
}

/// Surnames that start with a particle: a known given name, one or two particles, then a
/// capitalised word (`Marguerite de la Fontaine`, `Pieter van der Berg`, `Ines dos Santos`,
/// `LORENZO DI STEFANO`). Few things but a person's name read that way.
fn particle_names(text: &str, words: &[(usize, &str)], out: &mut Vec<Name>) {
    // A surname's first particle, then the ones that may follow it (`van der`, `de la`):
    // English words that double as particles (`do`, `ten`) are left out.
    const FIRST: &[&str] = &[
        "de", "del", "della", "di", "da", "das", "dos", "du", "la", "le", "van", "von", "bin",
        "ibn", "al", "el",
    ];
    const SECOND: &[&str] = &["la", "las", "los", "der", "den", "ter", "ten", "de"];
    // Lower case, or in capitals with a name in capitals (`LORENZO DI STEFANO`).
    let particle = |w: &str, list: &[&str]| {
        list.iter().any(|p| {
            w == *p || (w.eq_ignore_ascii_case(p) && w.bytes().all(|c| c.is_ascii_uppercase()))
        })
    };
    for (i, &(at, first)) in words.iter().enumerate() {
        if !crate::detect::names::is_given(first)
            || !(capitalised(first) || first.bytes().all(|c| c.is_ascii_uppercase()))
        {
            continue;
        }
        let titled = i
            .checked_sub(1)
            .is_some_and(|k| clinician_title(words[k].1));
        let mut end = i + 1;
        if words.get(end).is_some_and(|w| particle(w.1, FIRST)) {
            end += 1;
            if words.get(end).is_some_and(|w| particle(w.1, SECOND)) {
                end += 1;
            }
        }
        let Some(&(last_at, last)) = words.get(end) else {
            continue;
        };
        let spaced = words[i..=end]
            .windows(2)
            .all(|w| &text[w[0].0 + w[0].1.len()..w[1].0] == " ");
        let capital_last = capitalised(last)
            || (last.len() >= 2 && last.bytes().all(|c| c.is_ascii_uppercase() || c == b'-'));
        if end == i + 1 || titled || !spaced || !capital_last || is_health_term(last) {
            continue;
        }
        push_sure(text, at..last_at + last.len(), (first, last), true, out);
    }
}

/// A lifespan after a name (`Henrietta Lacks (1920–1951)`, `Ada Lovelace, 1815-1852`) that
/// ended more than 50 years ago: HIPAA stops protecting a person's health information 50
/// years after their death, and such a person is history, not a patient.
fn long_dead(after: &[u8]) -> bool {
    let after = &after[..after.len().min(24)];
    let gap = after
        .iter()
        .take_while(|c| matches!(c, b' ' | b',' | b'('))
        .count();
    let rest = &after[gap..];
    let year = |d: &[u8]| -> Option<u32> {
        (d.len() >= 4
            && d[..4].iter().all(u8::is_ascii_digit)
            && !d.get(4).is_some_and(u8::is_ascii_digit))
        .then(|| d[..4].iter().fold(0, |n, c| n * 10 + u32::from(c - b'0')))
    };
    let Some(born) = year(rest) else {
        return false;
    };
    let dash = rest[4..]
        .iter()
        .position(|c| c.is_ascii_digit())
        .filter(|&n| {
            let between = std::str::from_utf8(&rest[4..4 + n]).unwrap_or("").trim();
            matches!(between, "-" | "–" | "—" | "to")
        });
    let Some(died) = dash.and_then(|n| year(&rest[4 + n..])) else {
        return false;
    };
    born <= died && died + 50 < current_year()
}

/// This year by the system clock (a year's average length is close enough here).
fn current_year() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    1970 + (secs / 31_556_952) as u32
}

/// Whether the text after a word goes on as a key (`User Id=`, `Password=`): the word and
/// what follows name a setting.
fn key_follows(rest: &[u8]) -> bool {
    let word = rest
        .iter()
        .take(24)
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b' ' || **c == b'_')
        .count();
    rest.get(word) == Some(&b'=')
}

/// Whether the text before a word ends in a house number and maybe a direction
/// (`1200 `, `501 N `).
fn after_house_number(before: &[u8]) -> bool {
    let mut rest = before.trim_ascii_end();
    if before.len() == rest.len() {
        return false;
    }
    for direction in [&b"N"[..], b"S", b"E", b"W", b"NE", b"NW", b"SE", b"SW"] {
        if let Some(r) = rest.strip_suffix(direction)
            && r.last() == Some(&b' ')
        {
            rest = r.trim_ascii_end();
            break;
        }
    }
    let digits = rest.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    (1..=6).contains(&digits)
        && !rest[..rest.len() - digits]
            .last()
            .is_some_and(u8::is_ascii_alphanumeric)
}

/// After a two-letter cell that is also a state code (`'PA'`), a ZIP code's cell
/// (`, '19104'`) makes it an address's state, not a physician assistant's letters.
fn state_then_zip(rest: &[u8]) -> bool {
    let gap = rest
        .iter()
        .take(5)
        .take_while(|c| matches!(c, b' ' | b',' | b'\'' | b'"' | b'|' | b';' | b'\t'))
        .count();
    let zip = &rest[gap..];
    gap > 0
        && zip.len() >= 5
        && zip[..5].iter().all(u8::is_ascii_digit)
        && !zip.get(5).is_some_and(u8::is_ascii_digit)
}

/// Letters after a clinician's name (`Helen Brandt, MD`, `Ana Ruiz (NP)`).
const CREDENTIALS: &[&str] = &[
    "MD", "DO", "RN", "NP", "PA", "DNP", "CNM", "CRNA", "LPN", "LCSW", "PharmD", "PhD", "DDS",
    "APRN", "FNP",
];

/// Words of staff lists: directories, rosters, on-call schedules.
pub(super) const STAFF_WORDS: &[&str] = &[
    "directory",
    "on-call",
    "on call",
    "oncall",
    "roster",
    "pager",
    "provider list",
    "clinician",
    "npi",
    "providers",
    "physicians",
    "practitioners",
];

/// First words of place names, which in capitals pair with a name (`SAN DIEGO`).
const PLACE_WORDS: &[&str] = &[
    "NEW", "SAN", "SANTA", "SAINT", "ST", "LOS", "LAS", "EL", "FORT", "PORT", "MOUNT", "NORTH",
    "SOUTH", "EAST", "WEST", "LAKE", "GRAND", "PALM", "CAPE", "GLEN", "BAY", "LA", "DE",
];

/// Labels that say the name after them is a patient's.
const PATIENT_LABELS: &[&str] = &[
    "patient",
    "patient name",
    "pt",
    "pt name",
    "member",
    "member name",
    "subscriber",
    "paciente",
    "decedent",
    "deceased",
];

/// Street types, as addresses write them.
pub(super) const STREET_TYPES: &[&str] = &[
    "St",
    "Street",
    "Ave",
    "Avenue",
    "Rd",
    "Road",
    "Blvd",
    "Boulevard",
    "Ln",
    "Lane",
    "Dr",
    "Drive",
    "Ct",
    "Court",
    "Way",
    "Pl",
    "Place",
    "Ter",
    "Terrace",
    "Pkwy",
    "Parkway",
    "Hwy",
    "Highway",
    "Cir",
    "Circle",
    "Trl",
    "Trail",
    "Sq",
    "Square",
];

/// Words that make two capitalised words before or in them a practice, a shop or a
/// company rather than a person (`Sunny Day Pediatrics`, `Grand Family Clinic`).
const ORGANISATION_WORDS: &[&str] = &[
    "Pediatrics",
    "Clinic",
    "Clinics",
    "Hospital",
    "Pharmacy",
    "Medical",
    "Health",
    "Healthcare",
    "Center",
    "Centre",
    "Associates",
    "Inc",
    "LLC",
    "Ltd",
    "Group",
    "Practice",
    "Partners",
    "Foundation",
    "University",
    "College",
    "School",
    "Labs",
    "Laboratory",
    "Imaging",
    "Dental",
    "Care",
    "Services",
    "Company",
    "Corp",
    "Corporation",
    "Bank",
    "Hotel",
    "Annex",
    "Outpatient",
    "County",
    "Campus",
    "Pavilion",
    "Institute",
    "Infirmary",
    "Hospice",
    "Wellness",
    "Surgery",
    "Surgical",
    "Memorial",
    "Hospitals",
    "Centers",
    "Department",
    "Building",
    "Plaza",
    "Library",
    "Station",
    "Airport",
    "Regional",
    "Community",
    // Community health centres and clinics by their initials (`Yakima Valley CHC`).
    "CHC",
    "FQHC",
    "IHS",
    "VA",
    "VAMC",
    "General",
    // Specialties name departments and boards (`ABIM Internal Medicine`).
    "Medicine",
    "Cardiology",
    "Oncology",
    "Radiology",
    "Neurology",
    "Psychiatry",
    "Dermatology",
    "Orthopedics",
    "Obstetrics",
    "Gynecology",
    "Urology",
    "Nephrology",
    "Medicaid",
    "Medicare",
];

/// A word shaped like a name; month names count (`April May`, `June Rivers`).
fn name_word(w: &str) -> bool {
    const MONTHS: &[&str] = &["April", "May", "June", "July", "August"];
    let w = w.trim_end_matches("'s");
    w.chars().count() >= 2 && (capitalised(w) || (MONTHS.contains(&w) && NOT_NAMES.contains(&w)))
}
