//! Arbitrary text as a policy file: reading it (packs, vars, allowlists, MCP server rules,
//! the BI bridge, roles, rates) must never panic, only report diagnostics.
//! Seed: `mkdir -p fuzz/corpus/policy && cp examples/enterprise.toml fuzz/corpus/policy/`, then
//! `cargo +nightly fuzz run policy` (run from fuzz/).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = toolgate::policy::read_policy(std::path::Path::new("/fuzz/policy.toml"), text);
    }
});
