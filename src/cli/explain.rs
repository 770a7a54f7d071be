//! `toolgate explain`: how a hook event is seen, step by step.

use crate::engine::Tri;
use crate::exit;
use crate::normalize::Context;
use crate::pack::Decision;
use crate::protocol;
use crate::sanitize::safe;
use std::io::Read;
use std::path::Path;

pub fn run(policy: Option<&Path>, file: &str) -> u8 {
    let gate = match super::load_gate(policy, Context::from_env()) {
        Ok(g) => g,
        Err(status) => return status,
    };
    let bytes = if file == "-" {
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin()
            .take(protocol::DEFAULT_MAX_INPUT_BYTES as u64 + 1)
            .read_to_end(&mut buf)
        {
            eprintln!("toolgate explain: cannot read stdin: {e}");
            return exit::FAILURE;
        }
        buf
    } else {
        match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("toolgate explain: cannot read {}: {e}", safe(file));
                return exit::FAILURE;
            }
        }
    };
    let event = match protocol::decode(&bytes) {
        Ok(e) => e,
        Err(e) => {
            println!("decision: deny (fail closed)\nreason: toolgate: {e}");
            return exit::BLOCK;
        }
    };
    let (subject, mut verdict) = gate.decide(&event);
    let mut reason = verdict.reason(&subject.tool);
    super::hook::adapt(&gate, &event, &mut verdict, &mut reason);
    println!("event: {}", safe(event.kind.name()));
    if event.agent != protocol::Agent::Claude {
        println!(
            "agent: {} ({})",
            event.agent.product(),
            safe(&event.agent_event)
        );
    }
    println!("tool: {}", safe(&subject.tool));
    println!("cwd: {}", safe(&subject.cwd));
    if let Some(analysis) = &subject.shell {
        println!("shell commands:");
        for (i, cmd) in analysis.commands.iter().enumerate() {
            println!("  [{}] {}", i + 1, safe(&cmd.display()));
            let parsed = gate.engine.parse_args(cmd);
            let mut facts = Vec::new();
            if !parsed.subcommands.is_empty() {
                facts.push(format!(
                    "subcommand={}",
                    safe(&parsed.subcommands.join(" "))
                ));
            }
            if !parsed.flags.is_empty() {
                facts.push(format!("flags={}", safe(&parsed.flags.join(","))));
            }
            if !parsed.operands.is_empty() {
                let ops: Vec<String> = parsed
                    .operands
                    .iter()
                    .map(|o| {
                        if o.dynamic {
                            format!("{}(dynamic)", o.text)
                        } else {
                            o.text.clone()
                        }
                    })
                    .collect();
                facts.push(format!("operands={}", safe(&ops.join(","))));
            }
            if !cmd.wrappers.is_empty() {
                facts.push(format!("wrappers={}", cmd.wrappers.join(",")));
            }
            if !cmd.via.is_empty() {
                facts.push(format!("via={}", safe(&cmd.via.join(" > "))));
            }
            if !cmd.fed_by.is_empty() {
                facts.push(format!("fed_by={}", safe(&cmd.fed_by.join(","))));
            }
            if cmd.args_from_stdin {
                facts.push("more args at run time".into());
            }
            match &cmd.cwd {
                Some(cwd) if *cwd != subject.cwd => facts.push(format!("cwd={}", safe(cwd))),
                None => facts.push("cwd=unknown".into()),
                _ => {}
            }
            if !cmd.remote.is_empty() {
                facts.push(format!("runs on={}", safe(&cmd.remote.join("; "))));
            }
            if cmd.speculative {
                facts.push("inferred from an unknown program's arguments".into());
            }
            if !facts.is_empty() {
                println!("      {}", facts.join("  "));
            }
            for effect in analysis.effects.iter().filter(|e| e.command == Some(i)) {
                println!("      effect {}", safe(&effect.to_string()));
            }
        }
        for note in &analysis.notes {
            println!("  note {}: {}", note.kind.id(), safe(&note.detail));
        }
    }
    for effect in &subject.effects {
        println!("effect {}", safe(&effect.to_string()));
    }
    for f in &subject.files {
        println!("file {} ({}): {}", f.field, f.access.name(), safe(&f.path));
    }
    for u in &subject.urls {
        println!(
            "url {}: host={} path={}",
            u.field,
            safe(u.host.as_deref().unwrap_or("?")),
            safe(&u.path)
        );
    }
    for t in &subject.texts {
        println!("text {}: {} bytes", safe(&t.field), t.text.len());
    }
    let (keywords, run, skipped) = gate.engine.prefilter(&subject);
    println!(
        "prefilter: keywords found: {}; secret rules run: {}; skipped: {}",
        if keywords.is_empty() {
            "none".into()
        } else {
            safe(&keywords.join(", "))
        },
        if run.is_empty() {
            "none".into()
        } else {
            run.join(", ")
        },
        skipped.len()
    );
    println!("rules considered:");
    let layer_of = |rule: &str| {
        gate.engine
            .packs
            .iter()
            .find(|p| p.rules.iter().any(|r| r.id == rule))
            .filter(|p| p.layer != "built-in")
            .map(|p| format!(" [{} layer: {}]", p.layer, safe(&p.file)))
            .unwrap_or_default()
    };
    let mut shown = Vec::new();
    match gate.engine.trace(&subject) {
        Ok(traces) => {
            for t in traces {
                let mark = match t.outcome {
                    Tri::Yes => "HIT  ",
                    Tri::Maybe => "MAYBE",
                    Tri::No => "-    ",
                };
                let layer = layer_of(&t.rule);
                match t.matched {
                    Some(m) => println!("  {mark} {}{layer}  {m}", t.rule),
                    None => {
                        // Why not: what its blocks look for, none of which this call has.
                        let mut wants: Vec<String> = gate
                            .engine
                            .rules()
                            .find(|r| r.id == t.rule)
                            .map(|r| r.blocks.iter().map(|b| b.wants()).collect())
                            .unwrap_or_default();
                        wants.dedup();
                        println!(
                            "  {mark} {}{layer}  (looks for {})",
                            t.rule,
                            safe(&wants.join("; or "))
                        );
                    }
                }
                shown.push(t.rule);
            }
        }
        Err(e) => println!("  error: {}", safe(&e)),
    }
    // Hits from the policy's allowlists, Claude Code's managed settings and the project's
    // layer, which are checked outside the packs above.
    for hit in verdict.hits.iter().filter(|h| !shown.contains(&h.rule)) {
        println!("  HIT   {}  {}", hit.rule, hit.matched);
    }
    let label = match verdict.decision {
        Some(Decision::Deny) => "deny (exit 2)",
        Some(Decision::Ask) => "ask (exit 0, ask JSON)",
        _ => "no objection (exit 0)",
    };
    println!("decision: {label}");
    if !reason.is_empty() {
        println!("reason: {reason}");
    }
    exit::NO_OBJECTION
}
