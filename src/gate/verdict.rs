//! Precedence and fail-closed policy, in one place.
//!
//! Across all hits: deny > ask > allow; no hit is "no objection". An uncertain hit of a deny
//! or ask rule asks. Errors anywhere on the hook path deny (see [`Verdict::error`]).

use crate::engine::Hit;
use crate::pack::Decision;
use crate::sanitize;

/// The outcome for one call.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// `None`: no rule objected (Claude Code's own permission flow continues).
    pub decision: Option<Decision>,
    pub hits: Vec<Hit>,
    /// Set when the verdict comes from a failure rather than a rule.
    pub error: Option<String>,
    /// Rate caps the call counts against if it goes ahead (checked against the journal).
    pub charges: Vec<crate::policy::rate::Charge>,
    /// What a lower policy layer tried and was refused (ignored; journaled).
    pub refused: Vec<String>,
    /// Set when what the agent can express changed the answer (`agent.ask-denied`): recorded
    /// among the rules.
    pub adapted: Option<&'static str>,
}

impl Verdict {
    pub fn from_hits(mut hits: Vec<Hit>) -> Self {
        // Most serious first, so the reason leads with what decided.
        hits.sort_by(|a, b| {
            b.effective()
                .cmp(&a.effective())
                .then(b.severity.cmp(&a.severity))
                .then(b.certain.cmp(&a.certain))
        });
        let decision = hits.iter().filter_map(Hit::effective).max();
        Self {
            decision,
            hits,
            error: None,
            charges: Vec::new(),
            refused: Vec::new(),
            adapted: None,
        }
    }

    /// Fail closed: anything that stops toolgate from deciding blocks the call.
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            decision: Some(Decision::Deny),
            hits: Vec::new(),
            error: Some(message.into()),
            charges: Vec::new(),
            refused: Vec::new(),
            adapted: None,
        }
    }

    /// The rules that produced the decision.
    pub fn deciding(&self) -> impl Iterator<Item = &Hit> {
        self.hits
            .iter()
            .filter(move |h| h.effective() == self.decision && self.decision.is_some())
    }

    /// One paragraph: which rule, what matched, why, what to do instead.
    pub fn reason(&self, tool: &str) -> String {
        if let Some(error) = &self.error {
            return format!(
                "toolgate: {error}. The call was blocked because toolgate could not check it (it fails closed)."
            );
        }
        let Some(decision) = self.decision else {
            return String::new();
        };
        let verb = match decision {
            Decision::Deny => "blocked",
            Decision::Ask => "wants confirmation for",
            Decision::Allow => "allowed",
        };
        let Some(first) = self.deciding().next() else {
            return String::new();
        };
        let mut out = format!(
            "toolgate {verb} this {} call. Rule {} matched {}: {}",
            sanitize::safe(tool),
            first.rule,
            first.matched,
            first.message.trim_end()
        );
        if !first.certain {
            out.push_str(&format!(
                " (Part of the call is only known at run time, so rule {} might apply: asking instead of {}.)",
                first.rule,
                first.decision.name()
            ));
        }
        if !first.remediation.is_empty() {
            out.push_str(&format!(" Instead: {}", first.remediation.trim_end()));
        }
        let others: Vec<String> = self
            .hits
            .iter()
            .filter(|h| h.rule != first.rule)
            .filter_map(|h| h.effective().map(|d| format!("{} ({})", h.rule, d.name())))
            .collect();
        if !others.is_empty() {
            out.push_str(&format!(" Also matched: {}.", others.join(", ")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::Severity;

    fn hit(rule: &str, decision: Decision, certain: bool) -> Hit {
        Hit {
            rule: rule.into(),
            decision,
            severity: Severity::Medium,
            certain,
            matched: "command: x".into(),
            message: "why".into(),
            remediation: "instead".into(),
        }
    }

    #[test]
    fn deny_beats_ask_beats_allow() {
        let v = Verdict::from_hits(vec![
            hit("a.allow", Decision::Allow, true),
            hit("a.ask", Decision::Ask, true),
            hit("a.deny", Decision::Deny, true),
        ]);
        assert_eq!(v.decision, Some(Decision::Deny));
        assert_eq!(
            v.deciding().map(|h| h.rule.as_str()).collect::<Vec<_>>(),
            ["a.deny"]
        );
        let v = Verdict::from_hits(vec![
            hit("a.allow", Decision::Allow, true),
            hit("a.ask", Decision::Ask, true),
        ]);
        assert_eq!(v.decision, Some(Decision::Ask));
    }

    #[test]
    fn uncertain_deny_asks_and_uncertain_allow_counts_for_nothing() {
        let v = Verdict::from_hits(vec![hit("a.deny", Decision::Deny, false)]);
        assert_eq!(v.decision, Some(Decision::Ask));
        assert!(v.reason("Bash").contains("might apply"));
        let v = Verdict::from_hits(vec![hit("a.allow", Decision::Allow, false)]);
        assert_eq!(v.decision, None);
    }

    #[test]
    fn no_hits_is_no_objection_and_errors_deny() {
        assert_eq!(Verdict::from_hits(vec![]).decision, None);
        let v = Verdict::error("boom");
        assert_eq!(v.decision, Some(Decision::Deny));
        assert!(v.reason("Bash").starts_with("toolgate: boom."));
    }
}
