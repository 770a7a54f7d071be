//! Health written in clinicians' shorthand: a result by its test's short name and a number
//! (`k+ came back 6.4`, `A1c 11.2`, `viral load is up to 48k`), and a pregnancy's gravida
//! and para (`G3P2`). Each is a fact about a patient's health, like a condition.

use super::finding::contains_ci;
use super::signals::HEALTH_WORDS;
use std::ops::Range;

/// A pregnancy written the way labour boards and notes do: gravida and para (`G3P2`,
/// `G2P1001`) are the patient's obstetric history, in a text about care or birth (elsewhere
/// the shape is a model's or a release's name).
pub(super) fn gravida_para(b: &[u8], room: usize) -> Vec<Range<usize>> {
    const BIRTH_WORDS: &[&str] = &[
        "l&d",
        "ldr",
        "labor",
        "labour",
        "deliver",
        "pregnan",
        "gestation",
        "obstet",
        "srom",
        "gbs",
        "edd",
        "prenatal",
        "postpartum",
        "antepartum",
        "midwi",
    ];
    let mut out = Vec::new();
    let mut about_care = None;
    let digits = |s: &[u8], max: usize| {
        let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
        (1..=max).contains(&n).then_some(n)
    };
    for at in memchr::memchr_iter(b'G', b) {
        if out.len() >= room {
            break;
        }
        if at > 0 && b[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let read = || {
            let rest = &b[at + 1..];
            let g = digits(rest, 2)?;
            let rest = rest[g..].strip_prefix(b"P")?;
            let p = digits(rest, 4)?;
            let end = at + 1 + g + 1 + p;
            (!b.get(end).is_some_and(u8::is_ascii_alphanumeric)).then_some(end)
        };
        let Some(end) = read() else { continue };
        if *about_care
            .get_or_insert_with(|| contains_ci(b, BIRTH_WORDS) || contains_ci(b, HEALTH_WORDS))
        {
            out.push(at..end);
        }
    }
    out
}

pub(super) fn lab_values(text: &str, words: &[(usize, &str)], room: usize) -> Vec<Range<usize>> {
    /// Tests and scores by their short names, lower case, sorted; `k`, `na`, `a`, `spo`,
    /// `cd`, `phq` and `viral` only with what completes them (below). Not `inr` (`INR 500`
    /// rupees; the acronym is a condition's already) nor `sats` (SAT scores).
    const TESTS: &[&str] = &[
        "a", "bnp", "cd", "ciwa", "cows", "creat", "egfr", "gcs", "glucose", "hct", "hgb", "k",
        "lactate", "na", "phq", "plt", "spo", "trop", "tsh", "viral", "wbc",
    ];
    let b = text.as_bytes();
    let mut out = Vec::new();
    for &(at, w) in words {
        if out.len() >= room {
            break;
        }
        if w.len() > 7 {
            continue;
        }
        let mut lower = [0u8; 7];
        for (to, from) in lower.iter_mut().zip(w.bytes()) {
            *to = from.to_ascii_lowercase();
        }
        let Ok(name) = std::str::from_utf8(&lower[..w.len()]) else {
            continue;
        };
        if TESTS.binary_search(&name).is_err() {
            continue;
        }
        let rest = &b[at + w.len()..];
        // What completes a short name: `k+`, `Na+` (or `K 5.9` in capitals), `A1c`, `SpO2`,
        // `CD4`, `PHQ-9`, `viral load`.
        let completion: &[&[u8]] = match name {
            // Not `NA 12` (not applicable).
            _ if matches!(w, "K" | "Na") => &[b"+", b""],
            "k" | "na" => &[b"+"],
            "a" => &[b"1c", b"1C"],
            "spo" => &[b"2"],
            "cd" => &[b"4"],
            "phq" => &[b"-9", b"9"],
            "viral" => &[b" load"],
            _ => &[b""],
        };
        let Some(tail) = completion.iter().find(|c| rest.starts_with(c)) else {
            continue;
        };
        let after = &rest[tail.len()..];
        // At most two short words (`came back`, `is up to`) before the number.
        let lead = after
            .iter()
            .take(20)
            .take_while(|c| {
                c.is_ascii_alphabetic() || matches!(c, b' ' | b':' | b'=' | b'<' | b'>')
            })
            .count();
        let spaces = after[..lead].iter().filter(|c| **c == b' ').count();
        let number = after.get(lead).is_some_and(u8::is_ascii_digit);
        let separated = after.first().is_some_and(|c| !c.is_ascii_alphanumeric());
        // `K+7.3`: the sign ends the name.
        let glued = tail.ends_with(b"+") && lead == 0;
        if number && spaces <= 4 && (separated && lead > 0 || glued) {
            out.push(at..at + w.len() + tail.len());
        }
    }
    out
}
