//! `toolgate hook`: one hook event in, one answer out. Every path ends in exit 0 or 2.

use super::failsafe;
use crate::exit;
use crate::normalize::Context;
use crate::pack::Decision;
use crate::policy::{self, Gate, Limits};
use crate::protocol::{self, EventKind};
use crate::sanitize;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// Longest reason written to stderr.
const MAX_REASON: usize = 4000;

pub fn run(policy: Option<&Path>) -> u8 {
    let env_deadline = std::env::var("TOOLGATE_DEADLINE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok());
    let gate = Gate::load(
        policy::locate(policy).as_deref(),
        Context::from_env(),
        false,
    );
    let limits = gate.as_ref().map(|g| g.policy.limits).unwrap_or_default();
    let deadline = env_deadline.unwrap_or(limits.deadline_ms).clamp(1, 600_000);
    failsafe::start_watchdog(Duration::from_millis(deadline));
    crate::normalize::shell::parse_inline();
    failsafe::inject_test_fault();
    let gate = match gate {
        Ok(gate) => gate,
        Err(diagnostics) => {
            let first = diagnostics
                .first()
                .map(|d| d.to_string())
                .unwrap_or_default();
            let more = diagnostics.len().saturating_sub(1);
            let extra = if more > 0 {
                format!(" (and {more} more; run `toolgate lint`)")
            } else {
                String::new()
            };
            return block(&format!(
                "toolgate: the policy does not load: {first}{extra}. The call was blocked because toolgate fails closed."
            ));
        }
    };
    decide(&gate, limits)
}

fn decide(gate: &Gate, limits: Limits) -> u8 {
    let event = match protocol::read_event(&mut std::io::stdin().lock(), limits.max_input_bytes) {
        Ok(event) => event,
        Err(e) => {
            return block(&format!(
                "toolgate: {e}. The call was blocked because toolgate could not check it (it fails closed)."
            ));
        }
    };
    let (subject, verdict) = gate.decide(&event);
    let reason = verdict.reason(&subject.tool);
    match (&event.kind, verdict.decision) {
        (EventKind::PreToolUse, Some(Decision::Deny)) => block(&reason),
        (EventKind::PreToolUse, Some(Decision::Ask)) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{}",
                protocol::ask_json(&sanitize::excerpt(&reason, MAX_REASON))
            );
            let _ = out.flush();
            exit::NO_OBJECTION
        }
        // A prompt cannot be "asked" about: when in doubt it is held back, with the reason
        // shown to the user, who can rephrase.
        (EventKind::UserPromptSubmit, Some(Decision::Deny | Decision::Ask)) => block(&reason),
        _ => exit::NO_OBJECTION,
    }
}

fn block(reason: &str) -> u8 {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", sanitize::excerpt(reason, MAX_REASON));
    let _ = err.flush();
    exit::BLOCK
}
