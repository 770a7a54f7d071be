//! Records in the shapes SIEMs ingest: OCSF 1.5 API Activity (class 6003, Security Control
//! profile), Elastic Common Schema, and RFC 5424 syslog messages carrying the OCSF event.
//!
//! Every event carries the record's chain hash as its id, so a SIEM can drop the duplicate
//! that a resumed export or ship may send after a crash.

use super::record::{Record, rfc3339};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";
const API_ACTIVITY: i64 = 6003;
const APPLICATION: i64 = 6;
/// RFC 5424 SD-ID. 32473 is the IANA enterprise number reserved for examples (RFC 5612);
/// toolgate has none of its own, and collectors match on the name before the `@`.
pub const SD_ID: &str = "toolgate@32473";

/// Rule id to its severity (`low`, `medium`, `high`, `critical`), from the loaded packs.
#[derive(Debug, Default, Clone)]
pub struct Severities(pub HashMap<String, &'static str>);

impl Severities {
    /// OCSF severity_id: the highest severity among the record's rules; a rule the packs
    /// no longer know (or a policy mark such as `rate:*`) counts by the decision instead.
    pub fn ocsf_id(&self, r: &Record) -> i64 {
        let by_name = |s: &str| match s {
            "low" => 2,
            "medium" => 3,
            "high" => 4,
            "critical" => 5,
            _ => 0,
        };
        let from_rules = r
            .rules
            .iter()
            .filter_map(|id| self.0.get(id))
            .map(|s| by_name(s))
            .max();
        from_rules.unwrap_or(match r.decision.as_str() {
            "deny" | "error" => 4,
            "ask" => 3,
            _ => 1,
        })
    }
}

fn name_of(id: i64) -> &'static str {
    match id {
        1 => "Informational",
        2 => "Low",
        3 => "Medium",
        4 => "High",
        5 => "Critical",
        _ => "Unknown",
    }
}

/// API Activity's CRUD verb for a tool: reading tools read, writing tools create or update,
/// prune deletes; shell commands and MCP calls could be anything.
fn activity(r: &Record) -> (i64, &'static str) {
    if r.event == "prune" {
        return (4, "Delete");
    }
    match r.tool_name.as_deref() {
        Some("Read" | "Grep" | "Glob" | "WebFetch" | "WebSearch" | "LS") => (2, "Read"),
        Some("Write" | "NotebookEdit") => (1, "Create"),
        Some("Edit" | "MultiEdit") => (3, "Update"),
        _ => (99, "Other"),
    }
}

/// (action_id, action, disposition_id, disposition, status_id, status) per decision.
fn outcome(decision: &str) -> (i64, &'static str, i64, &'static str, i64, &'static str) {
    match decision {
        "allow" => (1, "Allowed", 1, "Allowed", 1, "Success"),
        "deny" => (2, "Denied", 2, "Blocked", 1, "Success"),
        // The user is asked to confirm: neither allowed nor denied yet.
        "ask" => (99, "Ask", 23, "Challenge", 1, "Success"),
        // toolgate could not decide and failed closed.
        _ => (2, "Denied", 27, "Error", 2, "Failure"),
    }
}

fn input_value(r: &Record) -> Value {
    serde_json::from_str(&r.input_redacted)
        .unwrap_or_else(|_| Value::String(r.input_redacted.clone()))
}

/// The product that made the call; records from before agents were told apart are Claude
/// Code's.
fn app_name(r: &Record) -> &'static str {
    r.agent
        .as_deref()
        .and_then(crate::protocol::Agent::parse)
        .unwrap_or_default()
        .product()
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        map.insert(key.into(), v.into());
    }
}

/// One OCSF API Activity event.
pub fn ocsf(r: &Record, severities: &Severities) -> Value {
    let (activity_id, activity_name) = activity(r);
    let (action_id, action, disposition_id, disposition, status_id, status) = outcome(&r.decision);
    let severity_id = severities.ocsf_id(r);
    let mut user = Map::new();
    put(&mut user, "name", r.user.as_deref());
    let mut actor = Map::new();
    actor.insert("user".into(), user.into());
    actor.insert("app_name".into(), app_name(r).into());
    if let Some(s) = &r.session_id {
        actor.insert("session".into(), json!({ "uid": s }));
    }
    let mut request = Map::new();
    // request.uid is required: a call without a tool_use_id (a prompt) is named by its record.
    request.insert(
        "uid".into(),
        r.tool_use_id
            .clone()
            .unwrap_or_else(|| r.hash.clone())
            .into(),
    );
    request.insert("data".into(), input_value(r));
    let mut src = Map::new();
    put(&mut src, "hostname", r.host.as_deref());
    let mut unmapped = Map::new();
    unmapped.insert("hash".into(), r.hash.clone().into());
    unmapped.insert("prev_hash".into(), r.prev_hash.clone().into());
    unmapped.insert("event".into(), r.event.clone().into());
    unmapped.insert("rules".into(), json!(r.rules));
    unmapped.insert("redactions".into(), json!(r.redactions));
    unmapped.insert("input_hmac_sha256".into(), r.input_sha256.clone().into());
    put(&mut unmapped, "cwd", r.cwd.as_deref());
    put(
        &mut unmapped,
        "permission_mode",
        r.permission_mode.as_deref(),
    );
    put(&mut unmapped, "agent_id", r.agent_id.as_deref());
    put(&mut unmapped, "coding_agent", r.agent.as_deref());
    put(&mut unmapped, "role", r.role.as_deref());
    put(&mut unmapped, "ignored_env", r.ignored_env.as_deref());
    let mut event = json!({
        "class_uid": API_ACTIVITY,
        "class_name": "API Activity",
        "category_uid": APPLICATION,
        "category_name": "Application Activity",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": API_ACTIVITY * 100 + activity_id,
        "type_name": format!("API Activity: {activity_name}"),
        "time": r.time_us / 1000,
        "time_dt": rfc3339(r.time_us),
        "severity_id": severity_id,
        "severity": name_of(severity_id),
        "action_id": action_id,
        "action": action,
        "disposition_id": disposition_id,
        "disposition": disposition,
        "is_alert": r.decision == "deny" || r.decision == "error",
        "status_id": status_id,
        "status": status,
        "status_detail": r.reason,
        "message": format!("{} {}", r.decision, r.tool_name.as_deref().unwrap_or(&r.event)),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "toolgate",
                "vendor_name": "toolgate",
                "version": r.toolgate_version,
            },
            "profiles": ["security_control", "datetime"],
            "uid": r.hash,
            "sequence": r.seq,
            "log_name": "toolgate-journal",
        },
        "actor": actor,
        "api": { "operation": r.tool_name.as_deref().unwrap_or(&r.event), "request": request },
        "src_endpoint": src,
        "unmapped": unmapped,
    });
    if let Some(rule) = r.rules.first() {
        event["policy"] = json!({
            "uid": rule,
            "name": rule,
            "version": r.policy_revision,
            "is_applied": true,
        });
    }
    event
}

/// The same facts in Elastic Common Schema field names.
pub fn ecs(r: &Record, severities: &Severities) -> Value {
    let outcome = match r.decision.as_str() {
        "allow" => "success",
        "deny" | "error" => "failure",
        _ => "unknown",
    };
    let command_line = serde_json::from_str::<Value>(&r.input_redacted)
        .ok()
        .and_then(|v| v.get("command").and_then(Value::as_str).map(str::to_string));
    let mut event = json!({
        "@timestamp": rfc3339(r.time_us),
        "ecs": { "version": "8.11.0" },
        "message": r.reason,
        "event": {
            "kind": if r.decision == "allow" { "event" } else { "alert" },
            "category": ["process", "intrusion_detection"],
            "type": [if r.decision == "allow" { "allowed" } else { "denied" }],
            "action": r.decision,
            "outcome": outcome,
            "severity": severities.ocsf_id(r),
            "id": r.hash,
            "sequence": r.seq,
            "hash": r.hash,
            "dataset": "toolgate.journal",
            "provider": r.event,
            "reason": r.reason,
        },
        "user": { "name": r.user, "roles": r.role.iter().collect::<Vec<_>>() },
        "host": { "name": r.host },
        "agent": { "type": "toolgate", "version": r.toolgate_version },
        "toolgate": {
            "tool_name": r.tool_name,
            "tool_use_id": r.tool_use_id,
            "session_id": r.session_id,
            "input_redacted": input_value(r),
            "input_hmac_sha256": r.input_sha256,
            "redactions": r.redactions,
            "rules": r.rules,
            "prev_hash": r.prev_hash,
            "policy_revision": r.policy_revision,
            "role": r.role,
            "coding_agent": r.agent,
            "ignored_env": r.ignored_env,
            "cwd": r.cwd,
        },
    });
    if let Some(rule) = r.rules.first() {
        event["rule"] = json!({
            "id": rule,
            "name": rule,
            "ruleset": rule.split('.').next().unwrap_or(rule),
            "version": r.policy_revision,
        });
    }
    if let Some(line) = command_line {
        event["process"] = json!({ "command_line": line });
    }
    event
}

/// Syslog facility by name (RFC 5424 table 1).
pub fn facility(name: &str) -> Option<u8> {
    Some(match name {
        "auth" => 4,
        "authpriv" => 10,
        "local0" => 16,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        _ => return None,
    })
}

/// PRINTUSASCII only, bounded, `-` when empty (RFC 5424 header fields).
fn header_field(value: Option<&str>, max: usize) -> String {
    let clean: String = value
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if clean.is_empty() { "-".into() } else { clean }
}

/// A structured-data parameter value: `"`, `\` and `]` escaped (RFC 5424 section 6.3.3).
fn sd_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars().filter(|c| !c.is_control()).take(256) {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One RFC 5424 message: the header, a `toolgate@32473` SD element (decision, rules, record
/// id, sequence, and what was cut), and the OCSF event as a UTF-8 body. Bounded to `max`
/// bytes: the request data is cut first, then the reason; `metadata.is_truncated` and the
/// `truncated` parameter say so.
/// The chain's anchor after a shipped batch, as one RFC 5424 message (MSGID `anchor`,
/// severity notice): the last record's sequence number and hash, and how many records the
/// journal holds up to it. Kept off the host, it is what `journal verify --anchor SEQ:HASH`
/// checks the journal against (records cut from the end, or a chain rewritten whole).
pub fn anchor_message(
    seq: i64,
    hash: &str,
    records: i64,
    host: Option<&str>,
    facility: u8,
) -> Vec<u8> {
    format!(
        "<{}>1 {} {} toolgate - anchor [{SD_ID} anchor=\"{seq}:{hash}\" seq=\"{seq}\" hash=\"{hash}\" records=\"{records}\"] \u{FEFF}{{\"anchor\":\"{seq}:{hash}\",\"records\":{records}}}",
        u32::from(facility) * 8 + 5,
        rfc3339(super::record::now_us()),
        header_field(host, 255),
    )
    .into_bytes()
}

pub fn syslog_message(r: &Record, severities: &Severities, facility: u8, max: usize) -> Vec<u8> {
    let severity = match r.decision.as_str() {
        "error" => 3,
        "deny" => 4,
        "ask" => 5,
        _ => 6,
    };
    let header = format!(
        "<{}>1 {} {} toolgate - {}",
        u32::from(facility) * 8 + severity,
        rfc3339(r.time_us),
        header_field(r.host.as_deref(), 255),
        header_field(Some(&r.decision), 32),
    );
    let mut event = ocsf(r, severities);
    let mut cut: Vec<&str> = Vec::new();
    loop {
        let mut sd = format!(
            "[{SD_ID} decision=\"{}\" record=\"{}\" seq=\"{}\"",
            sd_value(&r.decision),
            r.hash,
            r.seq
        );
        for rule in r.rules.iter().take(8) {
            sd.push_str(&format!(" rule=\"{}\"", sd_value(rule)));
        }
        if !cut.is_empty() {
            sd.push_str(&format!(" truncated=\"{}\"", cut.join(",")));
        }
        sd.push(']');
        let body = event.to_string();
        let mut message = Vec::with_capacity(header.len() + sd.len() + body.len() + 8);
        message.extend_from_slice(header.as_bytes());
        message.push(b' ');
        message.extend_from_slice(sd.as_bytes());
        message.push(b' ');
        message.extend_from_slice(b"\xEF\xBB\xBF");
        message.extend_from_slice(body.as_bytes());
        if message.len() <= max {
            return message;
        }
        let over = message.len() - max;
        let untruncated = event["metadata"]
            .get("untruncated_size")
            .and_then(Value::as_u64)
            .unwrap_or(message.len() as u64);
        event["metadata"]["is_truncated"] = true.into();
        event["metadata"]["untruncated_size"] = untruncated.into();
        // Cut the largest field first; each pass leaves room for the markers.
        let data = event["api"]["request"]["data"].to_string();
        if data.len() > 64 {
            let keep = data.len().saturating_sub(over + 64);
            event["api"]["request"]["data"] = format!("{}…[cut]", prefix(&data, keep)).into();
            if !cut.contains(&"api.request.data") {
                cut.push("api.request.data");
            }
            continue;
        }
        let detail = event["status_detail"].as_str().unwrap_or("").to_string();
        if detail.len() > 64 {
            let keep = detail.len().saturating_sub(over + 64);
            event["status_detail"] = format!("{}…[cut]", prefix(&detail, keep)).into();
            if !cut.contains(&"status_detail") {
                cut.push("status_detail");
            }
            continue;
        }
        // Nothing large is left to cut: the header and ids alone exceed the bound.
        message.truncate(max);
        return message;
    }
}

/// The longest prefix of `s` of at most `n` bytes that ends on a character boundary.
fn prefix(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(decision: &str, input: &str) -> Record {
        let mut r = Record {
            time_us: 1_764_095_000_123_456,
            event: "PreToolUse".into(),
            tool_name: Some("Bash".into()),
            tool_use_id: Some("toolu_1".into()),
            user: Some("alice".into()),
            host: Some("ws 1".into()),
            decision: decision.into(),
            rules: vec!["fs.rm-critical".into()],
            reason: "rm -rf of a critical path".into(),
            input_redacted: input.into(),
            ..Default::default()
        };
        r.chain_after(0, super::super::record::GENESIS);
        r
    }

    #[test]
    fn ocsf_maps_decisions_to_actions_and_dispositions() {
        let sev = Severities([("fs.rm-critical".to_string(), "critical")].into());
        let deny = ocsf(&record("deny", r#"{"command":"rm -rf /"}"#), &sev);
        assert_eq!(deny["action_id"], 2);
        assert_eq!(deny["disposition_id"], 2);
        assert_eq!(deny["severity_id"], 5);
        assert_eq!(deny["type_uid"], 600399);
        assert_eq!(deny["api"]["request"]["data"]["command"], "rm -rf /");
        let ask = ocsf(&record("ask", "{}"), &Severities::default());
        assert_eq!(ask["disposition_id"], 23);
        assert_eq!(ask["severity_id"], 3, "unknown rule: by decision");
    }

    #[test]
    fn syslog_messages_escape_and_bound() {
        let mut r = record(
            "deny",
            &format!(r#"{{"command":"{}"}}"#, "x".repeat(20_000)),
        );
        r.rules = vec!["a\"]\\b".into()];
        let m = syslog_message(&r, &Severities::default(), 10, 4096);
        assert!(m.len() <= 4096, "{}", m.len());
        let text = String::from_utf8(m).unwrap();
        assert!(text.starts_with("<84>1 2025-11-25T18:23:20.123456Z ws1 toolgate - deny ["));
        assert!(text.contains(r#"rule="a\"\]\\b""#), "{text}");
        assert!(text.contains(r#"truncated="api.request.data""#));
        let body = &text[text.find('\u{feff}').unwrap() + 3..];
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["metadata"]["is_truncated"], true);
        assert!(event["metadata"]["untruncated_size"].as_u64().unwrap() > 20_000);
    }
}
