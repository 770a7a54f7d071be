//! Per-stage cost of one decision: decode, normalise (shell parse), evaluate, and the whole
//! pipeline including loading the built-in packs (what every hook process pays).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use toolgate::gate::Gate;
use toolgate::normalize::{self, Context};
use toolgate::protocol;

const EVENTS: &[(&str, &str)] = &[
    (
        "bash_simple",
        r#"{"hook_event_name":"PreToolUse","cwd":"/home/dev/project","tool_name":"Bash","tool_input":{"command":"ls -la"}}"#,
    ),
    (
        "bash_compound",
        r#"{"hook_event_name":"PreToolUse","cwd":"/home/dev/project","tool_name":"Bash","tool_input":{"command":"cd src && git status && cargo build --release 2>&1 | tail -20; echo done"}}"#,
    ),
    (
        "bash_deny",
        r#"{"hook_event_name":"PreToolUse","cwd":"/home/dev/project","tool_name":"Bash","tool_input":{"command":"sudo env X=1 bash -c 'rm -rf /'"}}"#,
    ),
    (
        "read",
        r#"{"hook_event_name":"PreToolUse","cwd":"/home/dev/project","tool_name":"Read","tool_input":{"file_path":"/home/dev/project/src/main.rs"}}"#,
    ),
];

fn stages(c: &mut Criterion) {
    let ctx = Context::example();
    let gate = Gate::load(None, ctx.clone(), false).expect("built-in packs load");
    for (name, json) in EVENTS {
        c.bench_function(&format!("decode/{name}"), |b| {
            b.iter(|| protocol::decode(black_box(json.as_bytes())).unwrap())
        });
        let event = protocol::decode(json.as_bytes()).unwrap();
        c.bench_function(&format!("normalize/{name}"), |b| {
            b.iter(|| normalize::normalize(black_box(&event), &ctx, &gate.engine.programs))
        });
        let subject = normalize::normalize(&event, &ctx, &gate.engine.programs);
        c.bench_function(&format!("evaluate/{name}"), |b| {
            b.iter(|| gate.engine.evaluate(black_box(&subject)).unwrap())
        });
    }
    // A 1 MiB Write of source-like text, with a token at the end: every content detector
    // (secrets and PHI) runs over it.
    let line =
        "    let total = items.iter().map(|i| i.price * i.quantity).sum::<u64>(); // order 4821\n";
    let mut content = line.repeat((1 << 20) / line.len());
    content.push_str("GITHUB_TOKEN=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\n");
    let big = serde_json::json!({
        "hook_event_name": "PreToolUse", "cwd": "/home/dev/project", "tool_name": "Write",
        "tool_input": { "file_path": "/home/dev/project/src/big.rs", "content": content },
    });
    let event = protocol::decode(big.to_string().as_bytes()).unwrap();
    let subject = normalize::normalize(&event, &ctx, &gate.engine.programs);
    assert!(
        gate.engine
            .evaluate(&subject)
            .unwrap()
            .iter()
            .any(|h| h.rule == "secrets.github-token")
    );
    c.bench_function("evaluate/write_1MiB", |b| {
        b.iter(|| gate.engine.evaluate(black_box(&subject)).unwrap())
    });

    c.bench_function("load_builtin_packs", |b| {
        b.iter(|| Gate::load(None, ctx.clone(), false).unwrap())
    });
    // The hook's case: every pack read from the pack cache (the first iteration fills it).
    let cache_dir = std::env::temp_dir().join(format!("toolgate-bench-{}", std::process::id()));
    let mut cached = ctx.clone();
    cached.pack_cache = Some(cache_dir.join("pack-cache").display().to_string());
    c.bench_function("load_builtin_packs_cached", |b| {
        b.iter(|| Gate::load(None, cached.clone(), false).unwrap())
    });
    let _ = std::fs::remove_dir_all(&cache_dir);
    let (_, deny) = EVENTS[2];
    c.bench_function("whole/load+decide bash_deny", |b| {
        b.iter(|| {
            let gate = Gate::load(None, ctx.clone(), false).unwrap();
            let event = protocol::decode(deny.as_bytes()).unwrap();
            gate.decide(&event).1
        })
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
