//! Arbitrary bytes as a hook event: decoding, normalising and matching must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use toolgate::normalize::Context;
use toolgate::gate::Gate;

fuzz_target!(|data: &[u8]| {
    static GUARD: std::sync::Once = std::sync::Once::new();
    GUARD.call_once(toolgate::normalize::shell::guard_parser_panics);
    static GATE: OnceLock<Gate> = OnceLock::new();
    let gate = GATE.get_or_init(|| Gate::load(None, Context::example(), false).expect("built-in packs load"));
    if let Ok(event) = toolgate::protocol::decode(data) {
        let _ = gate.decide(&event);
    }
});
