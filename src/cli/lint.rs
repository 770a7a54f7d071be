//! `toolgate lint`: load a policy and its packs, compile every pattern, run every example;
//! report every problem at once.

use crate::exit;
use crate::gate::Gate;
use crate::gate::examples as validate;
use crate::normalize::Context;
use crate::pack::Diagnostic;
use crate::policy;
use std::path::Path;

pub fn run(policy_file: Option<&Path>) -> u8 {
    let path = match policy::locate(policy_file) {
        Ok(path) => path,
        Err(d) => {
            super::print_diagnostics(&[d]);
            return exit::FAILURE;
        }
    };
    let gate = match Gate::load(path.as_deref(), Context::example(), true) {
        Ok(g) => g,
        Err(diagnostics) => {
            super::print_diagnostics(&diagnostics);
            return exit::FAILURE;
        }
    };
    // Lower layers: what they may not do is reported (it is ignored at run time).
    let mut diagnostics = gate.lower_refused.clone();
    let here = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    if let Some(project) = crate::policy::layers::project_policy_path(&here) {
        let ctx = Context::example();
        let vars = std::collections::HashMap::new();
        let options = crate::pack::schema::Options {
            ctx: &ctx,
            strict: true,
            vars: &vars,
        };
        let taken = gate.engine.packs.iter().map(|p| p.id.clone()).collect();
        diagnostics
            .extend(crate::policy::layers::read(&project, "project", &options, &taken).refused);
    }
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
