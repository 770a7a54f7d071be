//! `toolgate lint`: load a policy and its packs, compile every pattern, run every example;
//! report every problem at once.

use crate::exit;
use crate::normalize::Context;
use crate::pack::{Diagnostic, validate};
use crate::policy::{self, Gate};
use std::path::Path;

pub fn run(policy_file: Option<&Path>) -> u8 {
    let path = policy::locate(policy_file);
    let gate = match Gate::load(path.as_deref(), Context::example(), true) {
        Ok(g) => g,
        Err(diagnostics) => {
            super::print_diagnostics(&diagnostics);
            return exit::FAILURE;
        }
    };
    let mut diagnostics = Vec::new();
    for r in validate::run_examples(&gate, &[]) {
        if !r.passed {
            diagnostics.push(Diagnostic {
                file: r.location.file.clone(),
                line: r.location.line,
                column: r.location.column,
                message: format!(
                    "rule `{}`: {} example `{}`: {}",
                    r.rule,
                    r.kind,
                    crate::sanitize::safe(&r.summary),
                    r.detail
                ),
            });
        }
    }
    if !diagnostics.is_empty() {
        super::print_diagnostics(&diagnostics);
        return exit::FAILURE;
    }
    let rules: usize = gate.engine.packs.iter().map(|p| p.rules.len()).sum();
    let source = path
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "built-in defaults".into());
    println!(
        "ok: {source}: {} packs, {rules} rules",
        gate.engine.packs.len()
    );
    exit::NO_OBJECTION
}
