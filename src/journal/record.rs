//! One journal record and its place in the hash chain.
//!
//! A record's hash is SHA-256 over the previous record's hash and a canonical encoding of
//! every other field (`name=<byte length>:<value>\n`, absent values as `name=-\n`), so any
//! edited field, removed record or inserted record breaks the chain at a known place.

use serde::{Deserialize, Serialize};

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Events only toolgate itself writes into the chain: prune and restart points, damage
/// found on recovery, repairs, records that could be written nowhere. A hook event with one
/// of these names is stored under another name ([`hook_event_name`]), so a tool call can
/// never pass for one.
pub const MARKER_EVENTS: [&str; 6] = [
    "prune",
    "journal-seal",
    "journal-restart",
    "journal-gap",
    "journal-lost",
    "journal-repair",
];

/// Markers that need an administrator's acknowledgement (`journal repair`) before the
/// journal verifies again: each stands for records that may be missing.
pub const DAMAGE_EVENTS: [&str; 3] = ["journal-restart", "journal-gap", "journal-lost"];

/// The name a hook event is stored under: its own, unless it collides with a marker.
pub fn hook_event_name(name: &str) -> String {
    if MARKER_EVENTS.contains(&name) {
        format!("hook:{name}")
    } else {
        name.to_string()
    }
}

/// Decisions as stored: no objection is `allow`; a failure to decide is `error`.
pub const DECISIONS: [&str; 4] = ["allow", "ask", "deny", "error"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub seq: i64,
    /// UTC, microseconds since the Unix epoch.
    pub time_us: i64,
    pub event: String,
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub agent_id: Option<String>,
    pub permission_mode: Option<String>,
    /// The OS account name (from the account database, not the environment).
    pub user: Option<String>,
    /// The role the managed policy gives the user, when it defines roles. Absent values
    /// are left out of the hash, so records written before roles existed still verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub host: Option<String>,
    /// `TOOLGATE_*` variables that were set when the call was decided and ignored, because
    /// the deployment is managed (comma-separated names). Absent values are left out of the
    /// hash, like `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored_env: Option<String>,
    pub cwd: Option<String>,
    pub tool_name: Option<String>,
    /// How the record reached the chain when not appended by the hook that decided the
    /// call: `spool` (imported from the spool) or `failsafe` (written by the fail-closed
    /// path after a deadline, panic or abort). Absent values are left out of the hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The coding agent that made the call (`claude`, `codex`, `cursor`, `copilot`,
    /// `gemini`). Absent on toolgate's own markers and on records written before agents
    /// were told apart (all Claude Code); left out of the hash when absent, like `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    pub decision: String,
    /// Every rule id that decided it.
    pub rules: Vec<String>,
    pub reason: String,
    pub policy_revision: String,
    pub toolgate_version: String,
    /// The tool input as JSON, with secrets and patient identifiers masked.
    pub input_redacted: String,
    /// Keyed SHA-256 (HMAC, per-journal key) of the original tool input: proves which
    /// input it was to whoever holds the key, without letting a copy of the database be
    /// used to guess masked values.
    pub input_sha256: String,
    /// What kinds were masked (`secret:github-token`, `phi:ssn`, ...).
    pub redactions: Vec<String>,
    pub eval_us: i64,
    pub prev_hash: String,
    pub hash: String,
    /// The forward-secure seal (`journal seal`): HMAC-SHA256 of `hash` under this record's
    /// sealing key. Not covered by `hash` (it is made from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
}

impl Record {
    /// The canonical bytes the hash covers (everything but `hash`).
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.input_redacted.len());
        let mut field = |name: &str, value: Option<&str>| {
            out.extend_from_slice(name.as_bytes());
            match value {
                Some(v) => {
                    out.extend_from_slice(format!("={}:", v.len()).as_bytes());
                    out.extend_from_slice(v.as_bytes());
                }
                None => out.extend_from_slice(b"=-"),
            }
            out.push(b'\n');
        };
        field("prev_hash", Some(&self.prev_hash));
        field("seq", Some(&self.seq.to_string()));
        field("time_us", Some(&self.time_us.to_string()));
        field("event", Some(&self.event));
        field("session_id", self.session_id.as_deref());
        field("tool_use_id", self.tool_use_id.as_deref());
        field("agent_id", self.agent_id.as_deref());
        field("permission_mode", self.permission_mode.as_deref());
        field("user", self.user.as_deref());
        if self.role.is_some() {
            field("role", self.role.as_deref());
        }
        field("host", self.host.as_deref());
        if self.ignored_env.is_some() {
            field("ignored_env", self.ignored_env.as_deref());
        }
        field("cwd", self.cwd.as_deref());
        field("tool_name", self.tool_name.as_deref());
        if self.origin.is_some() {
            field("origin", self.origin.as_deref());
        }
        if self.agent.is_some() {
            field("agent", self.agent.as_deref());
        }
        field("decision", Some(&self.decision));
        field(
            "rules",
            Some(&serde_json::to_string(&self.rules).unwrap_or_default()),
        );
        field("reason", Some(&self.reason));
        field("policy_revision", Some(&self.policy_revision));
        field("toolgate_version", Some(&self.toolgate_version));
        field("input_redacted", Some(&self.input_redacted));
        field("input_sha256", Some(&self.input_sha256));
        field(
            "redactions",
            Some(&serde_json::to_string(&self.redactions).unwrap_or_default()),
        );
        field("eval_us", Some(&self.eval_us.to_string()));
        out
    }

    /// Written by toolgate itself: a marker event, and none of a tool call's fields set
    /// (every hook record has a working folder).
    pub fn is_marker(&self) -> bool {
        MARKER_EVENTS.contains(&self.event.as_str())
            && self.cwd.is_none()
            && self.session_id.is_none()
            && self.tool_name.is_none()
    }

    /// A marker toolgate made itself, for `event`.
    pub fn marker(event: &str, reason: String, detail: serde_json::Value) -> Record {
        Record {
            time_us: now_us(),
            event: event.into(),
            user: Some(crate::identity::Identity::current().name),
            host: host_name(),
            decision: if DAMAGE_EVENTS.contains(&event) {
                "error".into()
            } else {
                "allow".into()
            },
            reason,
            toolgate_version: env!("CARGO_PKG_VERSION").into(),
            input_redacted: detail.to_string(),
            ..Default::default()
        }
    }

    pub fn compute_hash(&self) -> String {
        super::sha256_hex(&self.canonical())
    }

    /// Put the record after (`seq`, `hash`) in the chain.
    pub fn chain_after(&mut self, seq: i64, hash: &str) {
        self.seq = seq + 1;
        self.prev_hash = hash.to_string();
        self.hash = self.compute_hash();
    }
}

/// The content of a prune record's input: the last record it removed.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct PruneMark {
    pub before: String,
    pub through_seq: i64,
    pub through_hash: String,
}

/// A sealing key: each record is sealed with its own, and the key for the next record is
/// derived from it one way, after which the old one is gone from the host. Whoever holds the
/// first key (the administrator, off the host) can derive them all and check every seal;
/// whoever reads the host's current key can seal only records from then on.
pub type SealKey = [u8; 32];

/// A sealing key written as hex.
pub fn seal_key_from_hex(text: &str) -> Option<SealKey> {
    crate::shared::digest::from_hex(text)?.try_into().ok()
}

/// The key for the record after the one sealed with `key`.
pub fn next_seal_key(key: &SealKey) -> SealKey {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"toolgate seal key step\n");
    h.update(key);
    h.finalize().into()
}

/// A record's seal under its key.
pub fn seal_of(key: &SealKey, hash: &str) -> String {
    super::hmac_sha256_hex(key, hash.as_bytes())
}

/// The host name a record is attributed to.
pub fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    (unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0).then(|| {
        String::from_utf8_lossy(&buf[..buf.iter().position(|b| *b == 0).unwrap_or(0)]).into_owned()
    })
}

/// Now, as UTC microseconds.
pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// RFC 3339 with microseconds, UTC.
pub fn rfc3339(time_us: i64) -> String {
    let nanos = time_us as i128 * 1000;
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => t
            .format(&time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
            ))
            .unwrap_or_default(),
        Err(_) => time_us.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_hash() {
        let mut r = Record {
            event: "PreToolUse".into(),
            decision: "deny".into(),
            ..Default::default()
        };
        r.chain_after(0, GENESIS);
        let base = r.hash.clone();
        let mut edited = r.clone();
        edited.reason = "x".into();
        assert_ne!(edited.compute_hash(), base);
        let mut edited = r.clone();
        edited.session_id = Some(String::new());
        assert_ne!(edited.compute_hash(), base, "absent and empty differ");
        let mut edited = r.clone();
        edited.ignored_env = Some("TOOLGATE_POLICY".into());
        assert_ne!(edited.compute_hash(), base, "a noted variable is covered");
        let mut edited = r.clone();
        edited.origin = Some("spool".into());
        assert_ne!(edited.compute_hash(), base, "the origin is covered");
        let mut edited = r.clone();
        edited.agent = Some("codex".into());
        assert_ne!(edited.compute_hash(), base, "the agent is covered");
        let mut edited = r.clone();
        edited.prev_hash = "1".repeat(64);
        assert_ne!(edited.compute_hash(), base);
        assert_eq!(r.compute_hash(), base);
    }

    #[test]
    fn seal_keys_step_one_way_and_the_seal_is_outside_the_hash() {
        let k0 = [7u8; 32];
        let k1 = next_seal_key(&k0);
        assert_ne!(k0, k1);
        assert_eq!(next_seal_key(&k0), k1, "deterministic");
        let mut r = Record::default();
        r.chain_after(0, GENESIS);
        let hash = r.hash.clone();
        r.seal = Some(seal_of(&k0, &r.hash));
        assert_eq!(r.compute_hash(), hash);
        assert_ne!(seal_of(&k0, &hash), seal_of(&k1, &hash));
    }

    #[test]
    fn a_hook_event_can_never_pass_for_a_marker() {
        assert_eq!(hook_event_name("prune"), "hook:prune");
        assert_eq!(hook_event_name("PreToolUse"), "PreToolUse");
        let mut forged = Record::marker("prune", "x".into(), serde_json::json!({}));
        assert!(forged.is_marker());
        forged.cwd = Some("/tmp".into());
        assert!(
            !forged.is_marker(),
            "a record with a tool call's fields is no marker"
        );
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(
            rfc3339(1_764_095_000_123_456),
            "2025-11-25T18:23:20.123456Z"
        );
    }
}
