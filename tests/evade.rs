//! `toolgate evade` over every deny example of the built-in packs: no meaning-preserving
//! rewrite of a denied call may get through (at most 400 rewrites per example). Each
//! bypass this found is fixed and kept as a row in tests/corpus/evasions.tsv.

use toolgate::gate::Gate;
use toolgate::normalize::Context;
use toolgate::pack::Decision;

#[test]
fn no_rewrite_of_a_denied_example_slips_through() {
    let gate = Gate::load(None, Context::example(), true).unwrap();
    let mut slips = Vec::new();
    let mut tried = 0;
    let mut examples = 0;
    for rule in gate.engine.rules().filter(|r| r.decision == Decision::Deny) {
        for e in &rule.examples.hit {
            let cwd = e.cwd.clone().unwrap_or_else(|| "/home/dev/project".into());
            let report = toolgate::evade::search(&gate, &e.tool, &e.input, &cwd, None, 400);
            if report.decision != "deny" {
                continue;
            }
            examples += 1;
            tried += report.tried;
            for s in report.slipped {
                slips.push(format!(
                    "{} || {} || {} || {}",
                    s.technique,
                    rule.id,
                    e.summary().replace('\n', "\\n"),
                    s.variant.replace('\n', "\\n")
                ));
            }
        }
    }
    eprintln!(
        "{examples} denied examples, {tried} variants, {} slipped",
        slips.len()
    );
    assert!(
        examples > 100 && tried > 10_000,
        "{examples} examples, {tried} variants"
    );
    assert!(
        slips.is_empty(),
        "{} slipped:\n{}",
        slips.len(),
        slips.join("\n")
    );
}
