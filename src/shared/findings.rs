//! Findings: what a rule asks for ([`Decision`]), how grave it is ([`Severity`]), and one
//! rule that matched a call ([`Hit`]). Every layer from the packs up speaks these.

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Decision {
    Allow,
    Ask,
    Deny,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Ask => "ask",
            Self::Deny => "deny",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// One rule that matched.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: String,
    pub decision: Decision,
    pub severity: Severity,
    /// False when the match went through something unknown (see [`Tri::Maybe`]).
    pub certain: bool,
    /// What matched, terminal-safe: `command: rm -rf /`, `file_path: /home/u/.ssh/id_rsa`.
    pub matched: String,
    pub message: String,
    pub remediation: String,
}

impl Hit {
    /// The decision this hit asks for: uncertain deny and ask become ask; uncertain allow
    /// proves nothing and counts for nothing.
    pub fn effective(&self) -> Option<Decision> {
        match (self.certain, self.decision) {
            (true, d) => Some(d),
            (false, Decision::Allow) => None,
            (false, _) => Some(Decision::Ask),
        }
    }
}
