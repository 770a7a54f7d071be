//! toolgate: a policy gate for AI coding agents.
//!
//! Data flows one way, up the layers below: a hook event is decoded, normalised into
//! commands, paths, URLs and text, matched against the rule packs, decided with the
//! organisation's policy, and recorded. Each module uses only modules of lower layers
//! (`tests/layers.rs` keeps it so, and fails on any import circle).
//!
//! | layer | module | what it is |
//! |---|---|---|
//! | 0 | [`shared`] | the vocabulary: findings, diagnostics, digests, matchers |
//! | 0 | [`exit`], [`sanitize`] | every exit code; untrusted text made safe to print |
//! | 1 | [`protocol`] | the hook event as Claude Code sends it |
//! | 1 | [`identity`] | who is calling: the OS account and its groups |
//! | 2 | [`deployment`] | where the gate's configuration and journal live; managed or not |
//! | 3 | [`detect`] | content detectors (secrets, patient data) and redaction |
//! | 4 | [`normalize`] | the event as facts: shell analysis, effects, paths, settings |
//! | 5 | [`pack`] | rule packs read, checked and cached |
//! | 5 | [`journal`] | the hash-chained decision journal, its reports and exports |
//! | 6 | [`engine`] | facts matched against every rule: hits |
//! | 7 | [`policy`] | the organisation's layer: the policy file and what it configures |
//! | 8 | [`gate`] | the front door: load, decide, the verdict, rule examples |
//! | 9 | [`evade`] | an attacker in a box: bypass search against the gate |
//! | 10 | [`cli`] | arguments and printing only |
//!
//! Where new work goes: a rule in `rules/*.toml` (or, for a rule that needs code, the
//! policy module it configures); a new agent's event format in [`protocol`] and
//! [`normalize`]; a new export in [`journal`]; a new command in [`cli`].

pub mod cli;
pub mod deployment;
pub mod detect;
pub mod engine;
pub mod evade;
pub mod exit;
pub mod gate;
pub mod identity;
pub mod journal;
pub mod normalize;
pub mod pack;
pub mod policy;
pub mod protocol;
pub mod sanitize;
pub mod shared;
