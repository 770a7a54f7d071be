//! Every rule's examples, run through the whole pipeline (decode, normalise, match, decide)
//! exactly as a hook call would. (Patterns are compiled while reading, in strict mode.)

use crate::gate::Gate;
use crate::pack::{Example, Location, Pack, Rule};
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
    pub location: Location,
}

/// Run the examples of every rule whose pack id or file is in `only` (all when empty).
pub fn run_examples(gate: &Gate, only: &[String]) -> Vec<ExampleResult> {
    let mut out = Vec::new();
    for pack in &gate.engine.packs {
        if !selected(pack, only) {
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

/// Whether `only` (pack ids or file names; empty for all) selects the pack.
fn selected(pack: &Pack, only: &[String]) -> bool {
    only.is_empty()
        || only
            .iter()
            .any(|o| *o == pack.id || pack.file.ends_with(o.as_str()))
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

/// What `toolgate test --coverage` reports about the examples as a whole.
#[derive(Debug, Default, serde::Serialize)]
pub struct Coverage {
    /// Per pack: rules, hit examples, miss examples.
    pub packs: Vec<PackCoverage>,
    /// Rules with no example that must hit.
    pub no_hit_example: Vec<String>,
    /// Rules with no example that must not hit.
    pub no_miss_example: Vec<String>,
    /// Hit examples that other rules hit too (overlap is normal: severities layer).
    pub also_hit_by_others: usize,
    /// A rule's hit example decided by another rule: (rule, example, the decider).
    pub decided_by_other: Vec<(String, String, String)>,
    /// Rules that never decide their own hit examples: (rule, the rule that decides them).
    pub shadowed: Vec<(String, String)>,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct PackCoverage {
    pub pack: String,
    pub rules: usize,
    pub hit_examples: usize,
    pub miss_examples: usize,
}

/// Coverage of the selected packs' examples (all when `only` is empty).
pub fn coverage(gate: &Gate, only: &[String]) -> Coverage {
    let mut out = Coverage::default();
    for pack in &gate.engine.packs {
        if !selected(pack, only) {
            continue;
        }
        let mut pc = PackCoverage {
            pack: pack.id.clone(),
            rules: pack.rules.len(),
            ..Default::default()
        };
        for rule in &pack.rules {
            pc.hit_examples += rule.examples.hit.len();
            pc.miss_examples += rule.examples.miss.len();
            if rule.examples.hit.is_empty() {
                out.no_hit_example.push(rule.id.clone());
            }
            if rule.examples.miss.is_empty() {
                out.no_miss_example.push(rule.id.clone());
            }
            let mut deciders: Vec<Option<String>> = Vec::new();
            for e in &rule.examples.hit {
                let Ok(event) = protocol::decode(example_event(e).to_string().as_bytes()) else {
                    continue;
                };
                let (_, verdict) = gate.decide(&event);
                if verdict.hits.iter().any(|h| h.rule != rule.id) {
                    out.also_hit_by_others += 1;
                }
                // Hits are sorted most serious first: the first one decided the call.
                let decider = verdict.hits.first().map(|h| h.rule.clone());
                if let Some(d) = &decider
                    && *d != rule.id
                {
                    out.decided_by_other
                        .push((rule.id.clone(), e.summary(), d.clone()));
                }
                deciders.push(decider);
            }
            if let Some(Some(first)) = deciders.first()
                && *first != rule.id
                && deciders
                    .iter()
                    .all(|d| d.as_deref() == Some(first.as_str()))
            {
                out.shadowed.push((rule.id.clone(), first.clone()));
            }
        }
        out.packs.push(pc);
    }
    out
}
