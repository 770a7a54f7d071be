//! The safety-net peer corpus (tests/corpus/safety-net-cases.tsv, from
//! kenryu42/claude-code-safety-net v0.9.0, MIT): score toolgate on its untagged rows.
//! A `block` row is caught when toolgate denies or asks; an `allow` row must pass silently.
//! Targets (issue 3): at least 97% of block rows caught, at most 3% of allow rows stopped.
//!
//! Scored with `git.push` disabled: asking before every push is this organisation's policy,
//! not a judgement the peer corpus makes (it lets `git push origin main` pass). Rows where
//! toolgate deliberately differs are listed in the packs' headers and in README.md.

mod common;
use common::unescape;
use toolgate::normalize::Context;
use toolgate::policy::Gate;
use toolgate::protocol;

struct Row {
    expected_block: bool,
    category: String,
    command: String,
}

fn rows() -> Vec<Row> {
    let text = include_str!("corpus/safety-net-cases.tsv");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.splitn(4, '\t').collect();
            let [_, expected, category, command] = cols[..] else {
                return None;
            };
            let tagged = ["[cwd-specific]", "[env:", "[custom-rules-config]"]
                .iter()
                .any(|t| category.contains(t));
            if tagged {
                return None;
            }
            let command = if category.contains("[escaped]") {
                command.replace("\\n", "\n")
            } else {
                command.to_string()
            };
            Some(Row {
                expected_block: expected == "block",
                category: category.to_string(),
                command,
            })
        })
        .collect()
}

fn stopped(gate: &Gate, command: &str) -> bool {
    let event = serde_json::json!({
        "hook_event_name": "PreToolUse", "cwd": "/home/dev/project", "tool_name": "Bash",
        "tool_input": { "command": command },
    });
    let event = protocol::decode(event.to_string().as_bytes()).expect("valid event");
    gate.decide(&event)
        .1
        .decision
        .is_some_and(|d| d != toolgate::pack::Decision::Allow)
}

#[test]
fn safety_net_corpus_scores_beat_the_peer() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[packs]\ndisable_rules = [\"git.push\"]\n").unwrap();
    let gate = Gate::load(Some(&policy), Context::example(), true).expect("policy loads");
    let rows = rows();
    let (mut blocks, mut caught, mut allows, mut false_stops) = (0, 0, 0, 0);
    let mut report = Vec::new();
    for row in &rows {
        let stop = stopped(&gate, &row.command);
        if row.expected_block {
            blocks += 1;
            if stop {
                caught += 1;
            } else {
                report.push(format!("MISSED block [{}] {:?}", row.category, row.command));
            }
        } else {
            allows += 1;
            if stop {
                false_stops += 1;
                report.push(format!(
                    "STOPPED allow [{}] {:?}",
                    row.category, row.command
                ));
            }
        }
    }
    let recall = caught as f64 / blocks as f64;
    let false_rate = false_stops as f64 / allows as f64;
    eprintln!("{}", report.join("\n"));
    eprintln!(
        "safety-net corpus: caught {caught}/{blocks} block rows ({:.1}%), stopped {false_stops}/{allows} allow rows ({:.1}%)",
        recall * 100.0,
        false_rate * 100.0
    );
    assert!(
        blocks > 200 && allows > 100,
        "corpus rows went missing: {blocks} block, {allows} allow"
    );
    assert!(
        recall >= 0.97,
        "caught only {:.1}% of block rows",
        recall * 100.0
    );
    assert!(
        false_rate <= 0.03,
        "stopped {:.1}% of allow rows",
        false_rate * 100.0
    );
}

/// tests/corpus/evasions.tsv: every evasion technique toolgate claims to see through, and
/// data that must not be mistaken for code. `deny` must deny, `stop` must deny or ask,
/// `pass` must pass silently. Built-in packs, default policy.
#[test]
fn evasion_corpus() {
    let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
    let text = include_str!("corpus/evasions.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        let [expect, technique, command] = cols[..] else {
            panic!("bad corpus line: {line}")
        };
        let command = unescape(command);
        let event = serde_json::json!({
            "hook_event_name": "PreToolUse", "cwd": "/home/dev/project", "tool_name": "Bash",
            "tool_input": { "command": command },
        });
        let event = protocol::decode(event.to_string().as_bytes()).unwrap();
        let decision = gate.decide(&event).1.decision;
        use toolgate::pack::Decision::*;
        let ok = match expect {
            "deny" => decision == Some(Deny),
            "stop" => matches!(decision, Some(Deny | Ask)),
            "pass" => decision.is_none() || decision == Some(Allow),
            other => panic!("unknown expectation {other}"),
        };
        count += 1;
        if !ok {
            failures.push(format!(
                "{expect:>4} got {decision:?} [{technique}] {command:?}"
            ));
        }
    }
    assert!(count >= 150, "the evasion corpus shrank to {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} evasion cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
