//! The content detectors against a labelled corpus (tests/corpus/content.tsv, synthetic
//! values made by tests/corpus/make_content.py): precision and recall per kind, through the
//! whole pipeline. Targets (issue 5): at least 0.95 precision and 0.95 recall overall.

use std::collections::{BTreeMap, BTreeSet};
mod common;
use common::unescape;
use toolgate::gate::Gate;
use toolgate::normalize::Context;
use toolgate::protocol;

fn event(tool: &str, text: &str) -> serde_json::Value {
    match tool {
        "Prompt" => {
            serde_json::json!({ "hook_event_name": "UserPromptSubmit", "cwd": "/home/dev/project", "prompt": text })
        }
        "Bash" => serde_json::json!({
            "hook_event_name": "PreToolUse", "cwd": "/home/dev/project", "tool_name": "Bash",
            "tool_input": { "command": text },
        }),
        _ => serde_json::json!({
            "hook_event_name": "PreToolUse", "cwd": "/home/dev/project", "tool_name": "Write",
            "tool_input": { "file_path": "/home/dev/project/notes.txt", "content": text },
        }),
    }
}

/// The detector kinds a verdict reports: secret rule names, and PHI kinds from the
/// evidence text `patient data (ssn, name)`.
fn detected(hits: &[toolgate::engine::Hit]) -> BTreeSet<String> {
    let mut kinds = BTreeSet::new();
    for h in hits {
        if let Some(name) = h.rule.strip_prefix("secrets.") {
            kinds.insert(name.to_string());
        } else if h.rule.starts_with("phi.")
            && let Some(list) = h.matched.split("patient data (").nth(1)
        {
            for k in list.trim_end_matches(')').split(", ") {
                kinds.insert(k.to_string());
            }
        }
    }
    kinds
}

const PHI_KINDS: &[&str] = &[
    "ssn",
    "mbi",
    "npi",
    "dea",
    "mrn",
    "dob",
    "age",
    "name",
    "contact",
    "diagnosis",
    "hl7",
    "fhir",
    "x12",
    "dicom",
];

#[test]
fn content_corpus_precision_and_recall() {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let text = include_str!("corpus/content.tsv");
    let mut per_kind: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new(); // tp, fp, fn
    let mut problems = Vec::new();
    let mut rows = 0;
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        let [labels, tool, body] = cols[..] else {
            panic!("bad row: {line}")
        };
        rows += 1;
        let body = unescape(body);
        let expected: BTreeSet<String> = labels
            .split(',')
            .filter(|l| *l != "none")
            .map(str::to_string)
            .collect();
        let decoded = protocol::decode(event(tool, &body).to_string().as_bytes()).unwrap();
        let mut found = detected(&gate.decide(&decoded).1.hits);
        // A row of patient data may show more kinds than it is labelled with (a FHIR
        // resource has a name and a birth date too): those are not false positives.
        let phi_row = expected.iter().any(|k| PHI_KINDS.contains(&k.as_str()));
        if phi_row {
            found.retain(|k| expected.contains(k) || !PHI_KINDS.contains(&k.as_str()));
        }
        for k in expected.union(&found) {
            let entry = per_kind.entry(k.clone()).or_default();
            match (expected.contains(k), found.contains(k)) {
                (true, true) => entry.0 += 1,
                (false, true) => {
                    entry.1 += 1;
                    problems.push(format!("false positive {k}: {body:?}"));
                }
                (true, false) => {
                    entry.2 += 1;
                    problems.push(format!("missed {k}: {body:?}"));
                }
                (false, false) => {}
            }
        }
    }
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    let mut table = String::from("kind                        tp  fp  fn  precision  recall\n");
    for (kind, (t, f, n)) in &per_kind {
        tp += t;
        fp += f;
        fneg += n;
        let p = *t as f64 / (t + f).max(1) as f64;
        let r = *t as f64 / (t + n).max(1) as f64;
        table.push_str(&format!(
            "{kind:<26} {t:>4} {f:>3} {n:>3}  {p:>9.3} {r:>7.3}\n"
        ));
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fneg) as f64;
    eprintln!(
        "{}\n{table}overall: {rows} rows, precision {precision:.3}, recall {recall:.3}",
        problems.join("\n")
    );
    assert!(rows >= 200, "corpus shrank to {rows} rows");
    // 0.95 is issue 5's target; 0.98 since one secret became one hit (catch-alls defer).
    assert!(precision >= 0.98, "precision {precision:.3} < 0.98");
    assert!(recall >= 0.95, "recall {recall:.3} < 0.95");
}

fn secret_rules(tool: &str, text: &str) -> Vec<String> {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let decoded = protocol::decode(event(tool, text).to_string().as_bytes()).unwrap();
    let mut rules: Vec<String> = gate
        .decide(&decoded)
        .1
        .hits
        .into_iter()
        .filter(|h| h.rule.starts_with("secrets."))
        .map(|h| h.rule)
        .collect();
    rules.sort();
    rules
}

/// Regression: a GitLab token under `token:` was reported by its own rule and again by the
/// catch-all password rule, and an AWS secret key needed an exception of its own. A
/// catch-all now leaves a value another rule reported to that rule; a second, different
/// secret in the same text is still its own hit.
#[test]
fn one_secret_is_one_hit() {
    assert_eq!(
        secret_rules("Write", "ci:\n  token: \"glpat-Xk3vB9qLm2Rt7Wz4Yp8N\"\n"),
        ["secrets.gitlab-token"]
    );
    assert_eq!(
        secret_rules(
            "Write",
            "[default]\naws_access_key_id = AKIAHKO6RUGA3PPMDUDC\naws_secret_access_key = 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\n"
        ),
        ["secrets.aws-access-key-id", "secrets.aws-secret-access-key"]
    );
    assert_eq!(
        secret_rules(
            "Bash",
            "huggingface-cli login --token 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"
        ),
        ["secrets.huggingface-token"]
    );
    assert_eq!(
        secret_rules(
            "Write",
            "token: \"glpat-Xk3vB9qLm2Rt7Wz4Yp8N\"\ndb_password: \"Zq8#Lm2!vX9pT4Rk\"\n"
        ),
        ["secrets.generic-password", "secrets.gitlab-token"]
    );
}
