//! Every rule's examples, run through the whole pipeline (decode, normalise, match, decide)
//! exactly as a hook call would. (Patterns are compiled while reading, in strict mode.)

use super::{Example, Rule};
use crate::policy::Gate;
use crate::protocol;

/// What happened to one example.
#[derive(Debug, Clone)]
pub struct ExampleResult {
    pub rule: String,
    pub pack: String,
    pub kind: &'static str,
    pub summary: String,
    pub passed: bool,
    pub detail: String,
    pub location: super::Location,
}

/// Run the examples of every rule whose pack id or file is in `only` (all when empty).
pub fn run_examples(gate: &Gate, only: &[String]) -> Vec<ExampleResult> {
    let mut out = Vec::new();
    for pack in &gate.engine.packs {
        let selected = only.is_empty()
            || only
                .iter()
                .any(|o| *o == pack.id || pack.file.ends_with(o.as_str()));
        if !selected {
            continue;
        }
        for rule in &pack.rules {
            for e in &rule.examples.hit {
                out.push(check(gate, &pack.id, rule, e, "hit", true, None));
            }
            for e in &rule.examples.miss {
                out.push(check(gate, &pack.id, rule, e, "miss", false, None));
            }
            for (e, why) in &rule.examples.known_miss {
                out.push(check(
                    gate,
                    &pack.id,
                    rule,
                    e,
                    "known miss",
                    false,
                    Some(why),
                ));
            }
        }
    }
    out
}

/// The hook event JSON an example stands for.
pub fn example_event(e: &Example) -> serde_json::Value {
    let cwd = e.cwd.clone().unwrap_or_else(|| "/home/dev/project".into());
    if e.tool == "UserPromptSubmit" {
        let prompt = e.input.get("prompt").cloned().unwrap_or_default();
        return serde_json::json!({
            "session_id": "example", "hook_event_name": "UserPromptSubmit", "cwd": cwd, "prompt": prompt,
        });
    }
    serde_json::json!({
        "session_id": "example", "hook_event_name": "PreToolUse", "cwd": cwd,
        "tool_name": e.tool, "tool_input": e.input, "tool_use_id": "example",
    })
}

fn check(
    gate: &Gate,
    pack: &str,
    rule: &Rule,
    e: &Example,
    kind: &'static str,
    expect_hit: bool,
    why: Option<&String>,
) -> ExampleResult {
    let bytes = example_event(e).to_string();
    let (passed, detail) = match protocol::decode(bytes.as_bytes()) {
        Err(err) => (
            false,
            format!("the example is not a valid hook event: {err}"),
        ),
        Ok(event) => {
            let (_, verdict) = gate.decide(&event);
            let hit = verdict.hits.iter().find(|h| h.rule == rule.id);
            match (expect_hit, hit, verdict.error.as_ref()) {
                (_, _, Some(err)) => (false, format!("evaluation failed: {err}")),
                (true, Some(_), _) => (true, String::new()),
                (true, None, _) => (false, "expected the rule to hit; it did not".into()),
                (false, None, _) => (true, String::new()),
                (false, Some(h), _) => {
                    let what = if why.is_some() {
                        "listed as a known miss but now hits: move it to `hit`"
                    } else {
                        "expected the rule not to hit; it did"
                    };
                    (false, format!("{what} ({})", h.matched))
                }
            }
        }
    };
    ExampleResult {
        rule: rule.id.clone(),
        pack: pack.to_string(),
        kind,
        summary: e.summary(),
        passed,
        detail,
        location: e.location.clone(),
    }
}
