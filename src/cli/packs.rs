//! `toolgate packs`: the packs and rules in force.

use crate::exit;
use crate::normalize::Context;
use std::path::Path;

pub fn run(policy: Option<&Path>) -> u8 {
    let gate = match super::load_gate(policy, Context::from_env()) {
        Ok(g) => g,
        Err(status) => return status,
    };
    for pack in &gate.engine.packs {
        if pack.rules.is_empty() {
            continue;
        }
        println!("{} ({}): {}", pack.id, pack.file, pack.description.trim());
        for rule in &pack.rules {
            let summary = rule
                .message
                .split(". ")
                .next()
                .unwrap_or("")
                .trim_end_matches('.');
            println!(
                "  {:<34} {:<5} {:<8} {:<18} {}",
                rule.id,
                rule.decision.name(),
                rule.severity.name(),
                rule.tools.display(),
                summary
            );
        }
    }
    exit::NO_OBJECTION
}
