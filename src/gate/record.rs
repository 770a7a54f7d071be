//! The one journal record per call: what was decided, for whom, under which policy, with the
//! input masked and digested; and the records for calls that could not be decided and for
//! the fail-closed path.

use super::Gate;
use super::verdict::Verdict;
use crate::detect::redact;
use crate::journal::record::{Record, hook_event_name, host_name, now_us};
use crate::journal::{Paths, hmac_sha256_hex, input_key};
use crate::pack::Decision;
use crate::protocol::HookEvent;
use crate::sanitize;
use std::time::Instant;

/// The rule id of records the fail-closed path writes.
pub const FAIL_CLOSED_RULE: &str = "toolgate.fail-closed";

/// A decision's reason with what matched masked: it quotes the call (a command line can
/// carry a token), and the agents show it (Codex appends the raw command to it), so it is
/// masked once, for the answer and the record alike.
#[derive(Debug, Clone, Default)]
pub struct Reason {
    pub text: String,
    /// The kinds masked in it (`secret:aws-access-key-id`), for the record.
    pub masked: std::collections::BTreeSet<String>,
}

impl Reason {
    pub fn mask(gate: &Gate, text: &str) -> Reason {
        Self::mask_except(gate, text, &[])
    }

    /// [`Reason::mask`], leaving alone the rules' own texts (`fixed`: their messages and
    /// remediations, which come from the policy, never from the call). Scanning those cost
    /// more than the rest: a remediation's words select detectors whose patterns are then
    /// compiled for nothing.
    pub fn mask_except(gate: &Gate, text: &str, fixed: &[&str]) -> Reason {
        let mut masked = std::collections::BTreeSet::new();
        let mut spans: Vec<std::ops::Range<usize>> = fixed
            .iter()
            .map(|f| f.trim_end())
            .filter(|f| f.len() >= 16)
            .filter_map(|f| text.find(f).map(|at| at..at + f.len()))
            .collect();
        spans.sort_by_key(|r| r.start);
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in spans {
            if span.start < at {
                continue;
            }
            out.push_str(&Self::redacted(gate, &text[at..span.start], &mut masked));
            out.push_str(&text[span.clone()]);
            at = span.end;
        }
        out.push_str(&Self::redacted(gate, &text[at..], &mut masked));
        Reason { text: out, masked }
    }

    fn redacted(
        gate: &Gate,
        text: &str,
        masked: &mut std::collections::BTreeSet<String>,
    ) -> String {
        if text.trim().is_empty() {
            text.to_string()
        } else {
            redact::redact_text(&gate.engine, text, masked)
        }
    }

    /// A reason toolgate wrote itself, naming kinds but never values.
    pub fn plain(text: String) -> Reason {
        Reason {
            text,
            masked: Default::default(),
        }
    }
}

/// The journal's keyed digest of a call's whole input.
pub fn input_digest(paths: &Paths, input: &serde_json::Value) -> String {
    let original = serde_json::to_vec(input).unwrap_or_default();
    hmac_sha256_hex(&input_key(paths), &original)
}

/// The record of a decided call (`started`: when the call began; `digest`: the input's
/// digest when it was computed alongside the decision).
pub fn decided(
    gate: &Gate,
    paths: &Paths,
    event: &HookEvent,
    verdict: &Verdict,
    reason: &Reason,
    started: Instant,
    digest: Option<String>,
) -> Record {
    let (mut input_redacted, mut redactions) = redact::redact_json(&gate.engine, &event.input);
    if redact::excerpt_large(&mut input_redacted) {
        redactions.push("excerpt".into());
    }
    redactions.extend(
        reason
            .masked
            .iter()
            .filter(|k| !redactions.contains(k))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let reason = reason.text.clone();
    let decision = match (verdict.error.is_some(), verdict.decision) {
        (true, _) => "error",
        (_, Some(Decision::Deny)) => "deny",
        (_, Some(Decision::Ask)) => "ask",
        _ => "allow",
    };
    let mut rules: Vec<String> = verdict.deciding().map(|h| h.rule.clone()).collect();
    if rules.is_empty() {
        rules = verdict
            .hits
            .iter()
            .filter(|h| h.decision == Decision::Allow)
            .map(|h| h.rule.clone())
            .collect();
    }
    rules.extend(verdict.charges.iter().map(|c| c.marker()));
    rules.extend(verdict.adapted.map(str::to_string));
    let mut reason = reason;
    if !verdict.refused.is_empty() {
        rules.push("policy.layer-refused".into());
        let refused = verdict
            .refused
            .iter()
            .map(|r| sanitize::excerpt(r, 300))
            .collect::<Vec<_>>()
            .join("; ");
        reason = format!("{reason} [ignored from a lower policy layer: {refused}]")
            .trim_start()
            .to_string();
    }
    Record {
        time_us: now_us(),
        event: hook_event_name(event.kind.name()),
        session_id: event.session_id.clone(),
        tool_use_id: event.tool_use_id.clone(),
        agent_id: event.agent_id.clone(),
        agent: Some(event.agent.name().to_string()),
        permission_mode: event.permission_mode.clone(),
        user: Some(gate.who().name.clone()),
        role: gate.role().map(str::to_string),
        ignored_env: ignored_env(),
        host: host_name(),
        cwd: Some(event.cwd.clone()),
        tool_name: event.tool.as_ref().map(|t| t.name.clone()),
        decision: decision.into(),
        rules,
        reason,
        policy_revision: gate.policy.revision.clone(),
        toolgate_version: env!("CARGO_PKG_VERSION").into(),
        input_redacted: input_redacted.to_string(),
        input_sha256: digest.unwrap_or_else(|| input_digest(paths, &event.input)),
        redactions,
        eval_us: started.elapsed().as_micros() as i64,
        ..Default::default()
    }
}

/// The variables a managed deployment ignored for this call, for its record.
pub fn ignored_env() -> Option<String> {
    let ignored = crate::deployment::current().ignored();
    (!ignored.is_empty()).then(|| ignored.join(","))
}

/// The record of a call that could not be decided (bad input, a policy that does not load).
/// The input itself is not stored: it could not be checked, so it cannot be redacted.
pub fn undecided(
    paths: &Paths,
    agent: crate::protocol::Agent,
    raw: &[u8],
    reason: &str,
    started: Instant,
) -> Record {
    Record {
        time_us: now_us(),
        event: "unknown".into(),
        agent: Some(agent.name().to_string()),
        user: Some(crate::identity::Identity::current().name),
        ignored_env: ignored_env(),
        host: host_name(),
        decision: "error".into(),
        reason: reason.to_string(),
        toolgate_version: env!("CARGO_PKG_VERSION").into(),
        input_redacted: "null".into(),
        input_sha256: hmac_sha256_hex(&input_key(paths), raw),
        eval_us: started.elapsed().as_micros() as i64,
        ..Default::default()
    }
}

/// The record the fail-closed path writes after a deadline, a panic or an abort, with what
/// is known of the call so far (nothing of its input, which was not checked).
pub fn fail_closed(event: Option<&HookEvent>, gate: Option<&Gate>, reason: &str) -> Record {
    let user = match gate {
        Some(gate) => Some(gate.who().name.clone()),
        None => crate::identity::user_name(
            // SAFETY: getuid has no preconditions.
            unsafe { libc::getuid() },
        ),
    };
    Record {
        time_us: now_us(),
        event: event.map_or_else(|| "unknown".to_string(), |e| hook_event_name(e.kind.name())),
        session_id: event.and_then(|e| e.session_id.clone()),
        tool_use_id: event.and_then(|e| e.tool_use_id.clone()),
        agent_id: event.and_then(|e| e.agent_id.clone()),
        agent: event.map(|e| e.agent.name().to_string()),
        permission_mode: event.and_then(|e| e.permission_mode.clone()),
        user,
        role: gate.and_then(|g| g.role().map(str::to_string)),
        ignored_env: ignored_env(),
        host: host_name(),
        cwd: event.map(|e| e.cwd.clone()),
        tool_name: event.and_then(|e| e.tool.as_ref().map(|t| t.name.clone())),
        decision: "error".into(),
        rules: vec![FAIL_CLOSED_RULE.into()],
        reason: reason.into(),
        policy_revision: gate.map(|g| g.policy.revision.clone()).unwrap_or_default(),
        toolgate_version: env!("CARGO_PKG_VERSION").into(),
        input_redacted: "null".into(),
        origin: Some("failsafe".into()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The call's part of a reason is masked; the rule's own words are kept as written and
    /// not scanned.
    #[test]
    fn reasons_mask_the_call_and_keep_the_rules_words() {
        let gate = Gate::load(None, crate::normalize::Context::example(), true).unwrap();
        let message = "Keep tokens like this out of the machine's shell history.";
        let text = format!(
            "Rule x matched command: curl -H 'token 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': {message}"
        );
        let reason = Reason::mask_except(&gate, &text, &[message]);
        assert!(!reason.text.contains("ghp_26AU"), "{}", reason.text);
        assert!(reason.text.ends_with(message), "{}", reason.text);
        assert!(
            reason.masked.iter().any(|k| k.contains("github")),
            "{:?}",
            reason.masked
        );
        assert_eq!(Reason::mask(&gate, &text).text, reason.text);
    }
}
