//! ConfigChange: Claude Code reports a settings file that changed mid-session, and exit 2
//! blocks the change (managed `policy_settings` always apply). A change to a protected key
//! (hooks, permissions, MCP servers, commands that run; the same list the self-protection
//! pack guards against the agent's own writes, [`settings::PROTECTED_KEYS`]) is blocked.
//!
//! What the file was before: `previous_config` when Claude Code sends it, else the snapshot
//! the gate kept of the file's protected keys the last time it let a change through (beside
//! the journal, where the agent may not write). With neither, a new configuration that sets
//! any protected key is blocked: the gate cannot tell that it did not change it.

use crate::engine::Hit;
use crate::normalize::Context;
use crate::normalize::settings;
use crate::pack::{Decision, Severity};
use crate::protocol::ConfigChange;
use crate::sanitize;
use serde_json::Value;
use std::path::PathBuf;

/// Largest settings file read back when the event does not carry the new configuration.
const MAX_SETTINGS_BYTES: u64 = 1024 * 1024;

pub const RULE: &str = "self-protection.config-change";

/// A hit when the change must be blocked. An allowed change becomes the snapshot the next
/// change is compared with.
pub fn judge(change: &ConfigChange, ctx: &Context) -> Option<Hit> {
    if change.source == "policy_settings" {
        return None;
    }
    let new = change
        .new
        .clone()
        .or_else(|| read_settings(ctx, change.file_path.as_deref()))?;
    let snapshot = snapshot_path(ctx, change);
    let before = change
        .previous
        .as_ref()
        .map(settings::protected_part)
        .or_else(|| {
            let text = std::fs::read_to_string(snapshot.as_ref()?).ok()?;
            serde_json::from_str::<Value>(&text).ok()
        });
    let (changed, unknown): (Vec<String>, bool) = match &before {
        Some(before) => {
            let now = settings::protected_part(&new);
            (settings::changed_keys_of_parts(before, &now), false)
        }
        None => (settings::protected_keys(&new), true),
    };
    if changed.is_empty() {
        if let Some(path) = &snapshot {
            remember(path, &settings::protected_part(&new));
        }
        return None;
    }
    let file = change
        .file_path
        .as_deref()
        .map(|f| format!(" in {}", sanitize::safe(f)))
        .unwrap_or_default();
    let mut names: Vec<&str> = changed.iter().map(|k| settings::key_name(k)).collect();
    names.dedup();
    let (matched, message) = if unknown {
        (
            format!(
                "{} settings{file} set {} and what they were before is not known",
                sanitize::safe(&change.source),
                names.join(", ")
            ),
            "This settings change sets hooks, permissions, MCP servers or commands that run, and toolgate cannot tell what they were before (Claude Code sent no previous configuration and the gate kept no snapshot): it may weaken or switch off the gate.",
        )
    } else {
        (
            format!(
                "{} settings{file}: {}",
                sanitize::safe(&change.source),
                names.join(", ")
            ),
            "This settings change alters hooks, permissions, MCP servers or commands that run (or switches hooks off), which would weaken or switch off the gate.",
        )
    };
    Some(Hit {
        rule: RULE.into(),
        decision: Decision::Deny,
        severity: Severity::Critical,
        certain: true,
        matched,
        message: message.into(),
        remediation: "Make such changes through the managed settings an administrator deploys, or restart Claude Code after editing settings yourself.".into(),
    })
}

/// Where the protected part of this settings file was last seen allowed.
fn snapshot_path(ctx: &Context, change: &ConfigChange) -> Option<PathBuf> {
    let state = ctx.serial_store.as_deref()?;
    let key = change.file_path.as_deref().unwrap_or(&change.source);
    let digest = crate::journal::sha256_hex(key.as_bytes());
    Some(PathBuf::from(state).join(format!("settings-snapshot-{}.json", &digest[..16])))
}

fn remember(path: &std::path::Path, part: &Value) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(".settings-snapshot.{}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(part.to_string().as_bytes()));
    if written.is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

fn read_settings(ctx: &Context, path: Option<&str>) -> Option<Value> {
    let text = ctx.read_file(path?, MAX_SETTINGS_BYTES)?.ok()?;
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

    fn ctx() -> (Context, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::example();
        ctx.serial_store = Some(dir.path().display().to_string());
        ctx.disk = crate::normalize::Disk::Real;
        (ctx, dir)
    }

    #[test]
    fn changes_to_hooks_or_permissions_are_blocked() {
        let (ctx, _dir) = ctx();
        let before = json!({"hooks": {"PreToolUse": []}, "model": "a"});
        let hit = judge(
            &change(
                "local_settings",
                Some(before.clone()),
                Some(json!({"model": "a"})),
            ),
            &ctx,
        );
        assert!(hit.unwrap().matched.contains("hooks"));
        assert!(
            judge(
                &change(
                    "user_settings",
                    Some(before.clone()),
                    Some(json!({"hooks": {"PreToolUse": []}, "model": "b"}))
                ),
                &ctx
            )
            .is_none()
        );
        assert!(
            judge(
                &change(
                    "project_settings",
                    None,
                    Some(json!({"disableAllHooks": true}))
                ),
                &ctx
            )
            .is_some()
        );
        assert!(
            judge(
                &change("policy_settings", Some(before), Some(json!({}))),
                &ctx
            )
            .is_none()
        );
        assert!(judge(&change("user_settings", None, None), &ctx).is_none());
    }

    /// Keys the first list missed (issue 27): an `env` block, `permissions.allow`, plugins
    /// and marketplaces, helper commands.
    #[test]
    fn every_protected_key_is_judged_without_a_previous_configuration() {
        let (ctx, _dir) = ctx();
        for new in [
            json!({"env": {"TOOLGATE_POLICY": "/dev/null"}}),
            json!({"permissions": {"allow": ["Bash(*)"]}}),
            json!({"enabledPlugins": {"x@m": true}}),
            json!({"extraKnownMarketplaces": {"m": {}}}),
            json!({"sandbox": {"enabled": false}}),
            json!({"otelHeadersHelper": "/tmp/x.sh"}),
            json!({"fileSuggestion": {"command": "x"}}),
        ] {
            let hit = judge(&change("user_settings", None, Some(new.clone())), &ctx);
            assert!(
                hit.is_some_and(|h| h.matched.contains("not known")),
                "{new}"
            );
        }
        assert!(
            judge(
                &change("user_settings", None, Some(json!({"model": "x"}))),
                &ctx
            )
            .is_none()
        );
    }

    /// An allowed change is the snapshot the next one is compared with.
    #[test]
    fn an_allowed_change_becomes_the_snapshot() {
        let (ctx, _dir) = ctx();
        let with_hooks = json!({"hooks": {"PreToolUse": [1]}, "model": "a"});
        let mut c = change(
            "user_settings",
            Some(with_hooks.clone()),
            Some(with_hooks.clone()),
        );
        c.file_path = Some("/home/dev/.claude/settings.json".into());
        assert!(judge(&c, &ctx).is_none());
        // Later, without previous_config: the snapshot stands in.
        c.previous = None;
        c.new = Some(json!({"hooks": {"PreToolUse": [1]}, "model": "b"}));
        assert!(judge(&c, &ctx).is_none(), "only the model changed");
        c.new = Some(json!({"model": "b"}));
        let hit = judge(&c, &ctx).expect("hooks removed");
        assert!(hit.matched.contains("hooks") && !hit.matched.contains("not known"));
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
        let mut ctx = Context::example();
        ctx.disk = crate::normalize::Disk::Real;
        assert!(judge(&change, &ctx).is_some());
        std::fs::write(&file, r#"{"model": "x"}"#).unwrap();
        assert!(judge(&change, &ctx).is_none());
        std::fs::write(&file, "not json").unwrap();
        assert!(judge(&change, &ctx).is_none());
    }
}
