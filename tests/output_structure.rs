//! Masking keeps the output usable (issue 31): FHIR JSON and XML, CDA, HL7 v2, X12, CSV,
//! MCP `structuredContent`, identifiers given as JSON numbers, a configuration with
//! secrets and a specification page, through the real binary as a tool's output. Every
//! identifier listed in the corpus manifest must be gone, every listed key, segment name
//! and ordinary word kept, and the output must still parse with every line and separator.
//! tests/corpus/output was written by a helper from the issue alone (and tuned against);
//! tests/corpus/output-holdout by another, scored only as a whole and never tuned against.

use assert_cmd::Command;
use serde_json::{Value, json};

#[derive(Default, Debug)]
struct Score {
    vanish: usize,
    left: usize,
    keep: usize,
    lost: usize,
    broken: Vec<String>,
}

fn masked(event: Value) -> Option<Value> {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("toolgate")
        .unwrap()
        .env("HOME", "/home/dev")
        .env("TOOLGATE_JOURNAL", dir.path().join("j.db"))
        .env_remove("TOOLGATE_POLICY")
        .arg("hook")
        .write_stdin(event.to_string())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    (!text.trim().is_empty()).then(|| {
        serde_json::from_str::<Value>(text.trim()).unwrap()["hookSpecificOutput"]
            ["updatedToolOutput"]
            .clone()
    })
}

/// Per line, the separators a format keeps: HL7 `|` and `^`, X12 `*` and `~`, CSV columns.
fn separators(format: &str, line: &str) -> Vec<usize> {
    match format {
        "hl7" => vec![line.matches('|').count(), line.matches('^').count()],
        "x12" => vec![line.matches('*').count(), line.matches('~').count()],
        "csv" => {
            let (mut cols, mut quoted) = (1, false);
            for c in line.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => cols += 1,
                    _ => {}
                }
            }
            vec![cols]
        }
        _ => Vec::new(),
    }
}

/// Tags open and close in order (a masked value never touches a tag).
fn xml_balanced(text: &str) -> bool {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            return false;
        };
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        if tag.starts_with('?') || tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name = tag.split_whitespace().next().unwrap_or("").to_string();
        match name.strip_prefix('/') {
            Some(closing) => {
                if stack.pop().as_deref() != Some(closing) {
                    return false;
                }
            }
            None => stack.push(name),
        }
    }
    stack.is_empty()
}

fn score(set: &str) -> Score {
    let dir = format!("{}/tests/corpus/{set}", env!("CARGO_MANIFEST_DIR"));
    let manifest: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/manifest.json")).unwrap())
            .unwrap();
    let mut s = Score::default();
    for m in &manifest {
        let file = m["file"].as_str().unwrap();
        let format = m["format"].as_str().unwrap();
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
        let mut shapes = vec![(
            "cat",
            json!({
                "hook_event_name": "PostToolUse", "cwd": "/home/dev/project", "tool_name": "Bash",
                "tool_input": {"command": format!("cat {file}")},
                "tool_response": {"stdout": text, "stderr": "", "interrupted": false},
            }),
        )];
        if format == "json" {
            shapes.push((
                "mcp",
                json!({
                    "hook_event_name": "PostToolUse", "cwd": "/home/dev/project",
                    "tool_name": "mcp__ehr__fetch", "tool_input": {},
                    "tool_response": serde_json::from_str::<Value>(&text).unwrap(),
                }),
            ));
        }
        for (shape, event) in shapes {
            let original = event["tool_response"].clone();
            let out = masked(event).unwrap_or(original);
            let seen = if shape == "cat" {
                out["stdout"].as_str().unwrap_or_default().to_string()
            } else {
                out.to_string()
            };
            for v in m["must_vanish"].as_array().unwrap() {
                s.vanish += 1;
                if seen.contains(v.as_str().unwrap()) {
                    s.left += 1;
                }
            }
            let source = if shape == "cat" {
                text.clone()
            } else {
                serde_json::from_str::<Value>(&text).unwrap().to_string()
            };
            for k in m["must_keep"].as_array().unwrap() {
                let k = k.as_str().unwrap();
                if !source.contains(k) {
                    continue;
                }
                s.keep += 1;
                if !seen.contains(k) {
                    s.lost += 1;
                }
            }
            let parses = match (shape, format) {
                ("cat", "json") => serde_json::from_str::<Value>(&seen).is_ok(),
                ("cat", "xml") => xml_balanced(&seen),
                ("cat", "hl7" | "x12" | "csv") => {
                    let before: Vec<&str> = text.lines().collect();
                    let after: Vec<&str> = seen.lines().collect();
                    before.len() == after.len()
                        && before
                            .iter()
                            .zip(&after)
                            .all(|(b, a)| separators(format, b) == separators(format, a))
                }
                _ => true,
            };
            if !parses {
                s.broken.push(format!("{file} ({shape})"));
            }
        }
    }
    s
}

#[test]
fn masked_outputs_keep_their_structure_and_lose_every_identifier() {
    let s = score("output");
    eprintln!("built set: {s:?}");
    assert!(s.vanish >= 200 && s.keep >= 200, "{s:?}");
    assert_eq!(s.left, 0, "identifiers left: {s:?}");
    assert_eq!(s.lost, 0, "kept strings masked: {s:?}");
    assert!(s.broken.is_empty(), "{s:?}");
}

/// The holdout, scored as a whole. Measured when it was written: 71 of 165 identifiers left,
/// 15 kept strings masked and 6 outputs broken before structure-aware masking; 20, 5 and 0
/// after; 16 identifiers left after session 18's readers. These floors keep it from sliding
/// back.
#[test]
fn the_holdout_keeps_its_floor() {
    let s = score("output-holdout");
    eprintln!(
        "holdout: {} of {} identifiers left, {} of {} kept strings masked, {} broken",
        s.left,
        s.vanish,
        s.lost,
        s.keep,
        s.broken.len()
    );
    assert!(s.vanish >= 150, "{}", s.vanish);
    assert!(s.left <= 16, "{} identifiers left", s.left);
    assert!(s.lost <= 5, "{} kept strings masked", s.lost);
    assert!(s.broken.is_empty(), "{} outputs broken", s.broken.len());
}
