//! Identifiers with checksums or issuing rules: SSN, MBI, NPI, DEA, MRN, card numbers,
//! each with the context that makes it a patient's.

use super::finding::*;
use super::patterns::*;

/// Numbers the Social Security Administration never issues, and well-known specimens.
pub fn ssn_valid(nine: &[u32]) -> bool {
    if nine.len() != 9 {
        return false;
    }
    let area = nine[0] * 100 + nine[1] * 10 + nine[2];
    let group = nine[3] * 10 + nine[4];
    let serial = nine[5] * 1000 + nine[6] * 100 + nine[7] * 10 + nine[8];
    let all_same = nine.iter().all(|d| *d == nine[0]);
    let text: String = nine
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect();
    const SPECIMENS: &[&str] = &[
        "078051120",
        "219099999",
        "457555462",
        "123456789",
        "987654320",
    ];
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !all_same
        && !SPECIMENS.contains(&text.as_str())
}

pub(super) const SSN_CONTEXT: &[&str] = &[
    "ssn",
    "social",
    "security",
    "ss#",
    "taxpayer",
    "tin",
    "patient",
    "member",
    "claim",
    "beneficiar",
    "insured",
    "dob",
];

/// Is there a `ddd-dd-dddd` / `ddd dd dddd` shape anywhere? A byte scan, so the regex is
/// only compiled (about 0.1 ms per process) for text that can hold one.
pub(super) fn maybe_dashed_ssn(b: &[u8]) -> bool {
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..b.len().saturating_sub(10)).any(|i| {
        let sep = b[i + 3];
        (sep == b'-' || sep == b' ')
            && b[i + 6] == sep
            && d(i)
            && d(i + 1)
            && d(i + 2)
            && d(i + 4)
            && d(i + 5)
            && d(i + 7)
            && d(i + 8)
            && d(i + 9)
            && d(i + 10)
    })
}

/// A digit 1-9 followed by an upper-case letter: where every MBI starts.
pub(super) fn maybe_mbi(b: &[u8]) -> bool {
    b.windows(2)
        .any(|w| (b'1'..=b'9').contains(&w[0]) && w[1].is_ascii_uppercase())
}

/// `labelled`: the text has a word an SSN label starts with (`ssn`, `social`, `ss#`).
pub(super) fn ssn(b: &[u8], labelled: bool, out: &mut Vec<Finding>) {
    // Dashed or spaced 3-2-4 with one separator kind, not inside a longer number.
    let dashed = if maybe_dashed_ssn(b) {
        re(&SSN_RE, r"\d{3}([- ])\d{2}[- ]\d{4}")
            .find_iter(b)
            .collect()
    } else {
        Vec::new()
    };
    for m in dashed {
        let s = m.as_bytes();
        let consistent = s[3] == s[6];
        let before = m.start().checked_sub(1).map(|i| b[i]);
        let after = b.get(m.end()).copied();
        let bounded = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-');
        if consistent && bounded && ssn_valid(&digits(s)) {
            // A valid 3-2-4 number is strong next to a word that says what it is; alone it
            // could be a part or flight number, so it needs a second signal.
            // Quoted on its own (`grep -r '330-43-3715'`, `= '330-43-3715'`) it is a value
            // someone is looking for or storing, not part of a longer code.
            let around = &b[m.start().saturating_sub(60)..(m.end() + 60).min(b.len())];
            let quoted = matches!(
                (before, after),
                (Some(b'\''), Some(b'\'')) | (Some(b'"'), Some(b'"'))
            ) && s[3] == b'-';
            let strong = quoted || contains_ci(around, SSN_CONTEXT);
            out.push(Finding {
                kind: PhiKind::Ssn,
                range: m.range(),
                strong,
            });
        }
    }
    // Nine bare digits only right after an SSN label.
    if !labelled {
        return;
    }
    for c in re(
        &SSN_BARE_RE,
        r"(?i)\b(?:ssn|social security(?: number| no\.?| #)?|ss#)\s*[:#=]?\s*(\d{9})\b",
    )
    .captures_iter(b)
    {
        if let Some(m) = c.get(1)
            && ssn_valid(&digits(m.as_bytes()))
        {
            out.push(Finding {
                kind: PhiKind::Ssn,
                range: m.range(),
                strong: true,
            });
        }
    }
    // Further along the sentence that names SSNs (`the SSN has no dashes, e.g. 540228173
    // for ...`) nine digits are one too, but weak: they count beside a name.
    for c in re(
        &SSN_NEAR_RE,
        r"(?i)\b(?:ssns?|social security(?: numbers?)?)\b[^\n;]{1,60}?[^0-9A-Za-z.-](\d{9})\b",
    )
    .captures_iter(b)
    {
        if let Some(m) = c.get(1)
            && ssn_valid(&digits(m.as_bytes()))
            && !out.iter().any(|f| f.range == m.range())
        {
            out.push(Finding {
                kind: PhiKind::Ssn,
                range: m.range(),
                strong: false,
            });
        }
    }
}

/// Medicare Beneficiary Identifier: 11 positions with a restricted alphabet. Strong with
/// its label or its printed dashes; weak otherwise (random upper-case ids can look alike).
pub(super) fn mbi(b: &[u8], out: &mut Vec<Finding>) {
    if !maybe_mbi(b) {
        return;
    }
    // CMS's published sample MBI.
    const SPECIMENS: &[&[u8]] = &[b"1EG4-TE5-MK73", b"1EG4TE5MK73"];
    for range in mbi_shapes(b) {
        let m = &b[range.clone()];
        if SPECIMENS.contains(&m) {
            continue;
        }
        let dashed = m.contains(&b'-');
        let context = window_before(b, range.start, 40);
        let labelled = contains_ci(context, &["mbi", "medicare", "beneficiary"]);
        out.push(Finding {
            kind: PhiKind::Mbi,
            range,
            strong: labelled || dashed,
        });
    }
}

/// The MBI shape standing alone, as `\b[1-9]L A[0-9]-?L A[0-9]-?L L[0-9]{2}\b` finds it
/// (L: an MBI letter, A: an MBI letter or a digit). Written out because that regex took
/// 3 ms over a 1 MiB log; two matches cannot overlap (inside one, only letters follow a
/// non-word byte), so a left-to-right scan finds what the regex finds.
pub(super) fn mbi_shapes(b: &[u8]) -> Vec<std::ops::Range<usize>> {
    fn letter(c: u8) -> bool {
        c.is_ascii_uppercase() && !matches!(c, b'B' | b'I' | b'L' | b'O' | b'S' | b'Z')
    }
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    // After the first digit. L: an MBI letter, A: one or a digit, D: a digit, -: a dash
    // or nothing.
    const SHAPE: &[u8] = b"LAD-LAD-LLDD";
    let shape_at = |start: usize| -> Option<usize> {
        let mut at = start + 1;
        for &token in SHAPE {
            let c = b.get(at).copied();
            match token {
                b'-' => {
                    at += usize::from(c == Some(b'-'));
                    continue;
                }
                b'L' if c.is_some_and(letter) => {}
                b'A' if c.is_some_and(|c| letter(c) || c.is_ascii_digit()) => {}
                b'D' if c.is_some_and(|c| c.is_ascii_digit()) => {}
                _ => return None,
            }
            at += 1;
        }
        (!b.get(at).is_some_and(|c| word(*c))).then_some(at)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'1'..=b'9')
            && (i == 0 || !word(b[i - 1]))
            && let Some(end) = shape_at(i)
        {
            out.push(i..end);
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// NPI (Luhn over 80840 + the number) and DEA (checksum) numbers, only after their labels.
/// They identify providers, so they are weak: PHI only with a patient signal.
pub(super) fn labelled_numbers(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &LABELLED_RE,
        r"(?i)\b(npi|dea)(?:\s*(?:number|no\.?|#))?\s*[:#=]?\s*([A-Z0-9]{9,10})\b",
    );
    for c in r.captures_iter(b) {
        let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let v = value.as_bytes();
        let is_npi = label.as_bytes().eq_ignore_ascii_case(b"npi");
        if is_npi && v.len() == 10 && v.iter().all(u8::is_ascii_digit) && npi_valid(&digits(v)) {
            out.push(Finding {
                kind: PhiKind::Npi,
                range: value.range(),
                strong: false,
            });
        } else if !is_npi && dea_valid(v) {
            out.push(Finding {
                kind: PhiKind::Dea,
                range: value.range(),
                strong: false,
            });
        }
    }
}

/// Luhn over the digits `80840` followed by the NPI.
pub fn npi_valid(ten: &[u32]) -> bool {
    if ten.len() != 10 {
        return false;
    }
    let mut all = vec![8, 0, 8, 4, 0];
    all.extend_from_slice(ten);
    luhn(&all)
}

pub fn luhn(d: &[u32]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Two letters and seven digits; the last digit checks the other six.
pub fn dea_valid(v: &[u8]) -> bool {
    if v.len() != 9 || !v[0].is_ascii_uppercase() || !(v[1].is_ascii_uppercase() || v[1] == b'9') {
        return false;
    }
    if !b"ABCDEFGHJKLMPRSTUX".contains(&v[0]) || !v[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d = digits(&v[2..]);
    let check = (d[0] + d[2] + d[4]) + 2 * (d[1] + d[3] + d[5]);
    check % 10 == d[6]
}

pub(super) fn is_placeholder_id(v: &[u8]) -> bool {
    let distinct = {
        let mut s: Vec<u8> = v
            .iter()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(u8::to_ascii_uppercase)
            .collect();
        s.sort();
        s.dedup();
        s.len()
    };
    distinct <= 1
        || !v.iter().any(u8::is_ascii_digit)
        || contains_ci(v, &["xxxx", "1234567", "example", "sample"])
}

/// Record numbers with their labels: MRN and patient or member ids are strong; account
/// numbers and `MR =` are weak.
pub(super) fn mrn(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &MRN_RE,
        r"(?i)\b(mrn|medical record (?:number|no\.?|#)|patient (?:id|number|no\.?|#)|member (?:id|number|no\.?|#)|subscriber id|account (?:number|no\.?|#)|acct\.? ?#?|(?-i:MR)\s*[:#=])\s*[:#=]?\s*([A-Z0-9][A-Z0-9-]{4,19})\b",
    );
    for c in r.captures_iter(b) {
        let (Some(label), Some(value)) = (c.get(1), c.get(2)) else {
            continue;
        };
        if is_placeholder_id(value.as_bytes()) {
            continue;
        }
        // An account number, or HL7's `MR` code written as a label (`MR = 123457`), which
        // also abbreviates other things: weak, so a name beside it makes it a record.
        let weak = contains_ci(label.as_bytes(), &["acc"])
            || (label.as_bytes().starts_with(b"MR")
                && !label.as_bytes().get(2).is_some_and(u8::is_ascii_alphabetic));
        out.push(Finding {
            kind: PhiKind::Mrn,
            range: value.range(),
            strong: !weak,
        });
    }
    // A bare `member` or `subscriber` (`subscriber W284710593 (Ngozi Eze)`, `Aetna member
    // W284710993`), or a state Medicaid program's id by its name (`ProviderOne 1824032845`,
    // `Medi-Cal 91234567A`): an id shape with six or more digits, weak (the words have other
    // senses), so the name beside it makes it a record.
    let bare = re(
        &BARE_MEMBER_RE,
        r"(?i)\b(?:member|subscriber|medicaid(?: id)?|providerone(?: id)?|medi-cal(?: id)?|masshealth(?: id)?)\s+#?\s*([A-Z]{0,3}[0-9]{6,12}[A-Z]{0,2})\b",
    );
    for c in bare.captures_iter(b) {
        let Some(value) = c.get(1) else { continue };
        if is_placeholder_id(value.as_bytes())
            || out
                .iter()
                .any(|f| f.range.start <= value.start() && value.end() <= f.range.end)
        {
            continue;
        }
        out.push(Finding {
            kind: PhiKind::Mrn,
            range: value.range(),
            strong: false,
        });
    }
}

/// A list of record numbers under their label (`mrn IN ('67034331', '64530789')`,
/// `mrns E5069099,E8257607`, `member_id IN (...)`): each is a patient's identifier.
pub(super) fn id_lists(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &ID_LIST_RE,
        r#"(?i)(?:\b|_)(?:mrns?|member_?ids?|patient_?ids?|subscriber_?ids?|medical record numbers?)(?:\b|_)[^\n0-9(]{0,12}\(?\s*['"]?([A-Z]{0,3}[0-9]{6,12})['"]?((?:\s*,\s*['"]?[A-Z]{0,3}[0-9]{6,12}['"]?)+)"#,
    );
    for c in r.captures_iter(b) {
        let (Some(first), Some(rest)) = (c.get(1), c.get(2)) else {
            continue;
        };
        if is_placeholder_id(first.as_bytes()) {
            continue;
        }
        out.push(Finding {
            kind: PhiKind::Mrn,
            range: first.start()..rest.end(),
            strong: true,
        });
    }
}

/// A bare list of record numbers in a text about patients (`pull the discharge summaries
/// for these: 86372009, 65360606, 27579179`, one per line): three or more numbers of one
/// length, 7 to 10 digits, with only separators between them. Strong: a medical record
/// number identifies a patient alone.
pub(super) fn number_lists(b: &[u8], out: &mut Vec<Finding>) {
    let separator = |c: u8| matches!(c, b',' | b' ' | b'\n' | b'\r' | b'\t' | b';' | b'\'' | b'"');
    let boundary = |c: Option<&u8>| {
        c.is_none_or(|c| separator(*c) || matches!(c, b'(' | b')' | b':' | b'[' | b']'))
    };
    let mut run: Vec<std::ops::Range<usize>> = Vec::new();
    let flush = |run: &mut Vec<std::ops::Range<usize>>, out: &mut Vec<Finding>| {
        if run.len() >= 3 {
            out.push(Finding {
                kind: PhiKind::Mrn,
                range: run[0].start..run[run.len() - 1].end,
                strong: true,
            });
        }
        run.clear();
    };
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let len = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let token = i..i + len;
        let alone = (i == 0 || boundary(b.get(i - 1))) && boundary(b.get(i + len));
        let continues = run.last().is_some_and(|last| {
            last.len() == len && i - last.end <= 6 && b[last.end..i].iter().all(|c| separator(*c))
        });
        if !continues {
            flush(&mut run, out);
        }
        if alone && (7..=10).contains(&len) {
            run.push(token);
        } else {
            flush(&mut run, out);
        }
        i += len;
    }
    flush(&mut run, out);
}

/// "the last four of the SSN is 4821": a partial SSN, weak (it needs a name with it).
pub(super) fn ssn_last_four(b: &[u8], out: &mut Vec<Finding>) {
    let r = re(
        &SSN_LAST4_RE,
        r"(?i)\blast (?:four|4)(?: digits)?(?: of)?(?: (?:the|their|his|her|patient's|member's))? (?:ssn|social(?: security(?: number)?)?)\b[^0-9\n]{0,20}\b(\d{4})\b",
    );
    for c in r.captures_iter(b) {
        if let Some(v) = c.get(1) {
            out.push(Finding {
                kind: PhiKind::Ssn,
                range: v.range(),
                strong: false,
            });
        }
    }
}

/// Published test card numbers (Stripe, Braintree, PayPal docs): never a real card.
pub(super) const TEST_CARDS: &[&str] = &[
    "4242424242424242",
    "4111111111111111",
    "4000056655665556",
    "4012888888881881",
    "4222222222222",
    "5555555555554444",
    "5105105105105100",
    "5200828282828210",
    "2223003122003222",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "3566002020360505",
    "6200000000000005",
];

/// A plausible payment card: 13-19 digits, a card network's first digit, Luhn-valid, not a
/// test number and not one digit repeated.
pub(super) fn card_number(d: &[u32]) -> bool {
    let text: String = d.iter().map(|n| char::from(b'0' + *n as u8)).collect();
    (13..=19).contains(&d.len())
        && matches!(d[0], 2..=6)
        && luhn(d)
        && !TEST_CARDS.contains(&text.as_str())
        && !d.iter().all(|n| *n == d[0])
}

/// Words that say a number is a card.
pub(super) const CARD_CONTEXT: &[&str] = &[
    "card",
    "visa",
    "mastercard",
    "amex",
    "discover",
    "paid",
    "pay",
    "billing",
    "charge",
    "credit",
    "debit",
    "cc",
    "pan",
];

/// Card numbers written in groups (`4708 0592 5633 3009`) or whole, with a word that says
/// what they are shortly before. Weak: a card is PHI here beside a patient's name.
/// `worded`: the text has a word of [`CARD_CONTEXT`] (every grouped card number needs one
/// before it; a bare run of 13 or more digits is looked at regardless).
pub(super) fn cards(b: &[u8], worded: bool, out: &mut Vec<Finding>) {
    let longest = longest_digit_run(b, if worded { 4 } else { 13 });
    if longest < 13 && !(worded && longest >= 4) {
        return;
    }
    let r = re(
        &CARD_RE,
        r"(?:^|[^0-9A-Za-z_-])(\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{5}|\d{13,19})(?:[^0-9A-Za-z_-]|$)",
    );
    for c in r.captures_iter(b) {
        let Some(v) = c.get(1) else { continue };
        if !card_number(&digits(v.as_bytes())) {
            continue;
        }
        if contains_ci(window_before(b, v.start(), 40), CARD_CONTEXT) {
            out.push(Finding {
                kind: PhiKind::Card,
                range: v.range(),
                strong: false,
            });
        }
    }
}
