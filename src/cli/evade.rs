//! `toolgate evade`: search meaning-preserving rewrites of a call the policy stops and
//! report every one that slips through (exit 1), in text or JSON.

use crate::evade;
use crate::exit;
use crate::normalize::Context;
use crate::sanitize::safe;
use std::path::Path;

pub struct Args {
    pub tool: String,
    pub cwd: Option<String>,
    pub command: Option<String>,
    pub args: Vec<String>,
    pub rule: Option<String>,
    pub budget: usize,
    pub json: bool,
}

pub fn run(policy: Option<&Path>, a: Args) -> u8 {
    let gate = match super::load_gate(policy, Context::from_env()) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let cwd = a.cwd.unwrap_or_else(|| {
        std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "/".into())
    });
    let words: Vec<String> = match a.command {
        Some(line) => vec![line],
        None => a.args,
    };
    let event = match super::check::build_event(&a.tool, &cwd, &words) {
        Ok(e) => e,
        Err(message) => {
            eprintln!("toolgate evade: {message}");
            return exit::FAILURE;
        }
    };
    let input = event["tool_input"].clone();
    let report = evade::search(&gate, &a.tool, &input, &cwd, a.rule.as_deref(), a.budget);
    if report.decision == "allow" {
        eprintln!(
            "toolgate evade: the policy does not stop `{}`: there is nothing to evade",
            safe(&report.command)
        );
        return exit::FAILURE;
    }
    if let Some(rule) = &a.rule
        && report.stopped_by.is_empty()
        && report.slipped.len() == report.tried
        && report.tried > 0
    {
        eprintln!(
            "toolgate evade: rule `{}` stops none of the variants",
            safe(rule)
        );
    }
    if a.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        println!(
            "{}: {} ({}); tried {} variants, {} slipped, {} weakened to ask",
            a.tool,
            safe(&report.command),
            report.decision,
            report.tried,
            report.slipped.len(),
            report.weakened.len()
        );
        for (title, list) in [("slipped", &report.slipped), ("weakened", &report.weakened)] {
            for f in list {
                println!(
                    "  {title} [{}] {}: {} ({})",
                    f.decision,
                    f.technique,
                    safe(&f.variant),
                    f.equivalence
                );
            }
        }
        let mut by: Vec<_> = report.stopped_by.iter().collect();
        by.sort_by(|a, b| b.1.cmp(a.1));
        let stopped: Vec<String> = by.iter().map(|(r, n)| format!("{r} {n}")).collect();
        println!("  stopped by: {}", stopped.join(", "));
    }
    if report.slipped.is_empty() {
        exit::NO_OBJECTION
    } else {
        exit::FAILURE
    }
}
