//! `toolgate test`: every rule's examples through the real pipeline, with a per-pack summary.

use crate::exit;
use crate::gate::examples as validate;
use crate::normalize::Context;
use crate::sanitize::safe;
use std::collections::BTreeMap;
use std::path::Path;

pub fn run(policy: Option<&Path>, only: &[String], coverage: bool, json: bool) -> u8 {
    let gate = match super::load_gate(policy, Context::example()) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let known: Vec<&str> = gate.engine.packs.iter().map(|p| p.id.as_str()).collect();
    for o in only {
        if !gate
            .engine
            .packs
            .iter()
            .any(|p| p.id == *o || p.file.ends_with(o.as_str()))
        {
            eprintln!(
                "toolgate test: no pack `{}` (packs: {})",
                safe(o),
                known.join(", ")
            );
            return exit::FAILURE;
        }
    }
    let results = validate::run_examples(&gate, only);
    let mut per_pack: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for r in &results {
        let entry = per_pack.entry(r.pack.as_str()).or_default();
        if r.passed {
            entry.0 += 1;
        } else {
            entry.1 += 1;
            println!(
                "FAIL {} {} example at {}:{}: `{}`: {}",
                r.rule,
                r.kind,
                r.location.file,
                r.location.line,
                safe(&r.summary),
                r.detail
            );
        }
        if r.kind == "known miss" {
            entry.2 += 1;
        }
    }
    for (pack, (passed, failed, known_miss)) in &per_pack {
        let rules = gate
            .engine
            .packs
            .iter()
            .find(|p| p.id == *pack)
            .map_or(0, |p| p.rules.len());
        println!(
            "{pack}: {rules} rules, {passed} passed, {failed} failed, {known_miss} known misses"
        );
    }
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed;
    if coverage {
        let c = validate::coverage(&gate, only);
        if json {
            println!("{}", serde_json::to_string(&c).unwrap_or_default());
        } else {
            print_coverage(&c);
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        exit::FAILURE
    } else {
        exit::NO_OBJECTION
    }
}

fn print_coverage(c: &validate::Coverage) {
    println!("coverage:");
    for p in &c.packs {
        println!(
            "  {:<18} {:>3} rules  {:>4} hit examples  {:>4} miss examples",
            p.pack, p.rules, p.hit_examples, p.miss_examples
        );
    }
    let list = |title: &str, items: &[String]| {
        println!(
            "  {title}: {}",
            if items.is_empty() {
                "none".into()
            } else {
                items.join(", ")
            }
        );
    };
    list("rules with no hit example", &c.no_hit_example);
    list("rules with no miss example", &c.no_miss_example);
    println!("  shadowed rules (another rule decides every one of their examples):");
    if c.shadowed.is_empty() {
        println!("    none");
    }
    for (rule, by) in &c.shadowed {
        println!("    {rule} by {by}");
    }
    println!(
        "  hit examples also hit by other rules: {}; decided by another rule: {}",
        c.also_hit_by_others,
        c.decided_by_other.len()
    );
    for (rule, example, by) in c.decided_by_other.iter().take(50) {
        println!("    {rule}: `{}` decided by {by}", safe(example));
    }
    if c.decided_by_other.len() > 50 {
        println!(
            "    ... {} more (--format json for all)",
            c.decided_by_other.len() - 50
        );
    }
}
