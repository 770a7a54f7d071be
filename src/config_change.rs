//! ConfigChange: Claude Code reports a settings file that changed mid-session, and exit 2
//! blocks the change (managed `policy_settings` always apply). A change that switches hooks
//! off, or alters hooks, permissions or MCP servers, is blocked: the same keys the
//! self-protection pack guards against the agent's own writes.

use crate::engine::Hit;
use crate::pack::{Decision, Severity};
use crate::protocol::ConfigChange;
use crate::sanitize;
use serde_json::Value;

/// The settings that decide whether the gate runs and what is permitted.
pub const PROTECTED_KEYS: &[&str] = &[
    "hooks",
    "disableAllHooks",
    "allowManagedHooksOnly",
    "allowManagedPermissionRulesOnly",
    "permissions",
    "mcpServers",
    "enabledMcpjsonServers",
    "disabledMcpjsonServers",
    "enableAllProjectMcpServers",
    "allowedMcpServers",
    "deniedMcpServers",
    "allowManagedMcpServersOnly",
    "env",
    "apiKeyHelper",
    "statusLine",
];

/// Largest settings file read back when the event does not carry the new configuration.
const MAX_SETTINGS_BYTES: u64 = 1024 * 1024;

pub const RULE: &str = "self-protection.config-change";

/// A hit when the change must be blocked.
pub fn judge(change: &ConfigChange) -> Option<Hit> {
    if change.source == "policy_settings" {
        return None;
    }
    let new = change
        .new
        .clone()
        .or_else(|| read_settings(change.file_path.as_deref()))?;
    let changed: Vec<&str> = match &change.previous {
        Some(previous) => PROTECTED_KEYS
            .iter()
            .copied()
            .filter(|k| new.get(*k) != previous.get(*k))
            .collect(),
        // Without the previous configuration, only what plainly switches the gate off.
        None => (new.get("disableAllHooks") == Some(&Value::Bool(true)))
            .then_some(vec!["disableAllHooks"])
            .unwrap_or_default(),
    };
    if changed.is_empty() {
        return None;
    }
    let file = change
        .file_path
        .as_deref()
        .map(|f| format!(" in {}", sanitize::safe(f)))
        .unwrap_or_default();
    Some(Hit {
        rule: RULE.into(),
        decision: Decision::Deny,
        severity: Severity::Critical,
        certain: true,
        matched: format!(
            "{} settings{file}: {}",
            sanitize::safe(&change.source),
            changed.join(", ")
        ),
        message: "This settings change alters hooks, permissions or MCP servers (or switches hooks off), which would weaken or switch off the gate.".into(),
        remediation: "Make such changes through the managed settings an administrator deploys.".into(),
    })
}

fn read_settings(path: Option<&str>) -> Option<Value> {
    use std::io::Read;
    let file = std::fs::File::open(path?).ok()?;
    let mut text = String::new();
    file.take(MAX_SETTINGS_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(source: &str, previous: Option<Value>, new: Option<Value>) -> ConfigChange {
        ConfigChange {
            source: source.into(),
            file_path: None,
            previous,
            new,
        }
    }

    #[test]
    fn changes_to_hooks_or_permissions_are_blocked() {
        let before = json!({"hooks": {"PreToolUse": []}, "model": "a"});
        let hit = judge(&change(
            "local_settings",
            Some(before.clone()),
            Some(json!({"model": "a"})),
        ));
        assert!(hit.unwrap().matched.contains("hooks"));
        assert!(
            judge(&change(
                "user_settings",
                Some(before.clone()),
                Some(json!({"hooks": {"PreToolUse": []}, "model": "b"}))
            ))
            .is_none()
        );
        assert!(
            judge(&change(
                "project_settings",
                None,
                Some(json!({"disableAllHooks": true}))
            ))
            .is_some()
        );
        assert!(judge(&change("policy_settings", Some(before), Some(json!({})))).is_none());
        assert!(judge(&change("user_settings", None, None)).is_none());
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    /// Without `new_config`, the changed file is read back (bounded) and judged.
    #[test]
    fn the_changed_file_is_read_when_the_event_does_not_carry_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.local.json");
        std::fs::write(&file, r#"{"disableAllHooks": true}"#).unwrap();
        let change = ConfigChange {
            source: "local_settings".into(),
            file_path: Some(file.display().to_string()),
            previous: None,
            new: None,
        };
        assert!(judge(&change).is_some());
        std::fs::write(&file, r#"{"model": "x"}"#).unwrap();
        assert!(judge(&change).is_none());
        std::fs::write(&file, "not json").unwrap();
        assert!(judge(&change).is_none());
    }
}
