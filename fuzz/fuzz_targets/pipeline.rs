//! The whole pipeline under structured mutation: a denied example of a built-in pack,
//! rewritten up to three times by `toolgate evade`'s exact (meaning-preserving) rewrites
//! chosen by the fuzzer, must still be stopped. Arbitrary tool input must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;
use toolgate::normalize::Context;
use toolgate::pack::Decision;
use toolgate::gate::Gate;

struct Setup {
    gate: Gate,
    denied: Vec<(String, Value, String)>,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        toolgate::normalize::shell::guard_parser_panics();
        // Strict: the examples are kept (the hook path drops them).
        let gate = Gate::load(None, Context::example(), true).expect("built-in packs load");
        let mut denied = Vec::new();
        for rule in gate.engine.rules().filter(|r| r.decision == Decision::Deny) {
            for e in &rule.examples.hit {
                let cwd = e.cwd.clone().unwrap_or_else(|| "/home/dev/project".into());
                if toolgate::evade::evaluate(&gate, &e.tool, &e.input, &cwd).decision == "deny" {
                    denied.push((e.tool.clone(), e.input.clone(), cwd));
                }
            }
        }
        Setup { gate, denied }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 1 {
        // Arbitrary input for a tool the fuzzer picks: no panic, one of the three answers.
        const TOOLS: [&str; 8] = ["Bash", "Read", "Write", "Edit", "Grep", "Glob", "WebFetch", "mcp__x__y"];
        let tool = TOOLS[(mode as usize >> 1) % TOOLS.len()];
        if let Ok(input) = serde_json::from_slice::<Value>(rest) {
            let o = toolgate::evade::evaluate(&s.gate, tool, &input, "/home/dev/project");
            assert!(matches!(o.decision, "allow" | "ask" | "deny"));
        }
        return;
    }
    let [a, b, choices @ ..] = rest else { return };
    let index = ((*a as usize) << 8 | *b as usize) % s.denied.len();
    let (mut tool, mut input, cwd) = s.denied[index].clone();
    let mut path = Vec::new();
    for &choice in choices.iter().take(3) {
        let exact: Vec<_> = toolgate::evade::variants(&tool, &input, &cwd, "/home/dev", &s.gate.engine.programs)
            .into_iter()
            .filter(|v| v.assumes.is_none() && v.cwd == cwd)
            .collect();
        if exact.is_empty() {
            break;
        }
        let v = &exact[choice as usize % exact.len()];
        path.push(v.technique);
        tool = v.tool.clone();
        input = v.input.clone();
    }
    let outcome = toolgate::evade::evaluate(&s.gate, &tool, &input, &cwd);
    assert!(
        outcome.decision != "allow",
        "slipped after {path:?}: {tool} {input}"
    );
});
