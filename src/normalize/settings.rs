//! Claude Code settings files: what a write really changes in them.
//!
//! Self-protection judges a settings write by the keys it touches (`hooks`, `permissions`,
//! MCP servers, commands that run). Matching the written text alone is wrong both ways: a
//! Write that keeps `hooks` exactly as they are contains `"hooks":` (a false deny), and a
//! Write of `{}` over a file with hooks contains nothing at all (a miss), nor does a key
//! spelled with a JSON escape (`"disable\u0041llHooks"`). So the write is compared with the
//! file on disk: the effect's content becomes what changes, protected keys named only when
//! their value changes (`"hooks": "changed"`), everything else as written. Where the file
//! cannot be read (no disk access, an unreadable file), the written JSON is decoded so
//! escapes cannot hide a key.

use super::Context;
use serde_json::{Map, Value};

/// Keys that decide which hooks run, what is permitted, which MCP servers, plugins and
/// helper commands start. One list: `config_change` judges with it, and the self-protection
/// pack's `sensitive` pattern names exactly these (a test keeps them equal).
pub const PROTECTED_KEYS: &[&str] = &[
    "hooks",
    "disableAllHooks",
    "allowManagedHooksOnly",
    "allowManagedPermissionRulesOnly",
    "permissions",
    "defaultMode",
    "allow",
    "deny",
    "ask",
    "additionalDirectories",
    "allowedTools",
    "mcpServers",
    "enabledMcpjsonServers",
    "disabledMcpjsonServers",
    "enableAllProjectMcpServers",
    "allowedMcpServers",
    "deniedMcpServers",
    "allowManagedMcpServersOnly",
    "hasTrustDialogAccepted",
    "env",
    "apiKeyHelper",
    "statusLine",
    "subagentStatusLine",
    "fileSuggestion",
    "otelHeadersHelper",
    "awsAuthRefresh",
    "awsCredentialExport",
    "gcpAuthRefresh",
    "sandbox",
    "enabledPlugins",
    "extraKnownMarketplaces",
    "strictKnownMarketplaces",
    "command",
    "args",
];

/// Largest settings file read from disk.
const MAX_BYTES: u64 = 1024 * 1024;

/// Whether `path` is a Claude Code settings file (any level) or `~/.claude.json`.
pub fn is_settings_path(path: &str, home: Option<&str>) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let parent = path.rsplit('/').nth(1).unwrap_or("");
    if matches!(name, "settings.json" | "settings.local.json") && parent == ".claude" {
        return true;
    }
    if let Some(h) = home
        && path == format!("{h}/.claude.json")
    {
        return true;
    }
    let managed = crate::deployment::claude_managed_dir();
    path.strip_prefix(managed.to_str().unwrap_or("\0"))
        .is_some_and(|rest| rest.starts_with('/') && rest.ends_with(".json"))
}

/// Whether a shell glob could name a settings file (`~/.claude/s*.json`, `.claude/*`).
pub fn may_name_settings(glob: &str) -> bool {
    let name = glob.rsplit('/').next().unwrap_or(glob);
    // `[d]` stands for one character, as `?` does (close enough to ask, not to miss).
    let mut pattern = String::with_capacity(name.len());
    let mut in_class = false;
    for c in name.chars() {
        match (c, in_class) {
            ('[', false) => in_class = true,
            (']', true) => {
                in_class = false;
                pattern.push('?');
            }
            (_, true) => {}
            (c, false) => pattern.push(c),
        }
    }
    let names = [
        "settings.json",
        "settings.local.json",
        ".claude.json",
        "managed-settings.json",
    ];
    names.iter().any(|n| super::programs::wildcard(&pattern, n))
}

/// How a write changes a settings file.
pub enum Change<'a> {
    /// The whole file is replaced by this text.
    Replace(&'a str),
    /// This text is added at the end (`>>`).
    Append(&'a str),
    /// Each `(old, new)` replaces the first occurrence of `old` (Edit, MultiEdit).
    Edit(&'a [(&'a str, &'a str)]),
}

/// The file as it was before the write.
enum Prior {
    /// Its text (a missing file reads as `{}`).
    Known(String),
    /// It could not be looked at.
    Unknown,
}

fn prior(ctx: &Context, path: &str, change: &Change) -> Prior {
    match ctx.read_file(path, MAX_BYTES) {
        Some(Ok(text)) => Prior::Known(text),
        // A new file starts empty; an edit of a file that is not there is not what it says.
        Some(Err(std::io::ErrorKind::NotFound)) if !matches!(change, Change::Edit(_)) => {
            Prior::Known("{}".into())
        }
        _ => Prior::Unknown,
    }
}

/// What the write changes, as the effect's content.
pub fn summarize(ctx: &Context, path: &str, change: Change) -> String {
    let before = match prior(ctx, path, &change) {
        Prior::Known(text) => text,
        Prior::Unknown => return decoded_fragments(&change),
    };
    let after = match &change {
        Change::Replace(text) => Some(text.to_string()),
        Change::Append(text) => Some(format!("{before}{text}")),
        Change::Edit(edits) => {
            let mut text = before.clone();
            let mut applied = true;
            for (old, new) in edits.iter() {
                match text.find(old) {
                    Some(at) if !old.is_empty() => text.replace_range(at..at + old.len(), new),
                    // Claude Code refuses an edit whose old text is not there.
                    _ => applied = false,
                }
            }
            applied.then_some(text)
        }
    };
    // An edit whose old text is not in the file as read: judge what it says (Claude Code
    // may match text this exact search does not).
    let Some(after) = after else {
        return decoded_fragments(&change);
    };
    let old = serde_json::from_str::<Value>(&before).ok();
    let new = serde_json::from_str::<Value>(&after).ok();
    let (old_keys, new_keys) = (
        old.as_ref().map(protected).unwrap_or_default(),
        new.as_ref().map(protected).unwrap_or_default(),
    );
    let changed: Vec<String> = match (&old, &new) {
        // Claude Code cannot read the new file: every protected key in it is lost, and
        // what the text says is all there is to go on.
        (_, None) => {
            let lost: String = old_keys
                .keys()
                .map(|k| format!("\"{}\": \"changed\"\n", key_name(k)))
                .collect();
            return lost + &decoded_fragments(&change);
        }
        _ => differing(&old_keys, &new_keys),
    };
    let mut out: String = changed
        .iter()
        .map(|k| format!("\"{}\": \"changed\"\n", key_name(k)))
        .collect();
    if let Some(mut new) = new {
        strip_protected(&mut new);
        out.push_str(&new.to_string());
    }
    out
}

/// The protected keys whose values differ between two settings documents, by path
/// (`hooks`, `projects./home/dev/app.allowedTools`).
pub fn changed_keys(old: &Value, new: &Value) -> Vec<String> {
    differing(&protected(old), &protected(new))
}

/// As [`changed_keys`], for two results of [`protected_part`].
pub fn changed_keys_of_parts(old: &Value, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let part = |v: &Value| match v {
        Value::Object(m) => m.clone(),
        _ => empty.clone(),
    };
    differing(&part(old), &part(new))
}

/// The protected keys a settings document sets, by path.
pub fn protected_keys(value: &Value) -> Vec<String> {
    protected(value).keys().cloned().collect()
}

/// The protected part of a settings document (for a later comparison).
pub fn protected_part(value: &Value) -> Value {
    Value::Object(protected(value))
}

/// A key path's last name (`projects./x.allowedTools` -> `allowedTools`).
pub fn key_name(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn differing(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<String> {
    let mut changed: Vec<String> = new
        .iter()
        .filter(|(k, v)| !only_tightens(k, old.get(*k), v))
        .map(|(k, _)| k.clone())
        .chain(old.keys().filter(|k| !new.contains_key(*k)).cloned())
        .collect();
    changed.sort();
    changed.dedup();
    changed
}

/// Whether `new` is `old`, or `old` with only more permission rules that deny or ask (a
/// developer adding `Read(./secrets/**)` to `deny` tightens the gate; removing one, or any
/// `allow`, `defaultMode` or other change, does not).
fn only_tightens(path: &str, old: Option<&Value>, new: &Value) -> bool {
    if old == Some(new) {
        return true;
    }
    let name = key_name(path);
    match (name, old, new) {
        ("deny" | "ask", old, Value::Array(new_rules)) => {
            let old_rules = match old {
                Some(Value::Array(rules)) => rules.as_slice(),
                None => &[],
                Some(_) => return false,
            };
            old_rules.iter().all(|r| new_rules.contains(r))
        }
        ("permissions", old, Value::Object(new_map)) => {
            let empty = Map::new();
            let old_map = match old {
                Some(Value::Object(m)) => m,
                None => &empty,
                Some(_) => return false,
            };
            let keys = old_map.keys().chain(new_map.keys());
            keys.into_iter().all(|k| match new_map.get(k) {
                Some(v) => only_tightens(k, old_map.get(k), v),
                None => false,
            })
        }
        _ => false,
    }
}

/// Without the file on disk: the written text with JSON escapes decoded, so
/// `"disable\u0041llHooks"` reads as the key it is.
fn decoded_fragments(change: &Change) -> String {
    let texts: Vec<&str> = match change {
        Change::Replace(t) | Change::Append(t) => vec![t],
        Change::Edit(edits) => edits.iter().flat_map(|(o, n)| [*o, *n]).collect(),
    };
    texts
        .into_iter()
        .map(|t| match serde_json::from_str::<Value>(t) {
            Ok(v) => v.to_string(),
            Err(_) => decode_escapes(t),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `\uXXXX` (and surrogate pairs) read as characters; other text unchanged.
pub fn decode_escapes(text: &str) -> String {
    if !text.contains("\\u") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u") {
        out.push_str(&rest[..at]);
        let hex = rest
            .get(at + 2..at + 6)
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        let low = rest
            .get(at + 6..at + 8)
            .filter(|s| *s == "\\u")
            .and_then(|_| rest.get(at + 8..at + 12))
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match (hex, low) {
            (Some(hi @ 0xD800..=0xDBFF), Some(lo @ 0xDC00..=0xDFFF)) => {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                out.extend(char::from_u32(c));
                rest = &rest[at + 12..];
            }
            (Some(c), _) if char::from_u32(c).is_some() => {
                out.extend(char::from_u32(c));
                rest = &rest[at + 6..];
            }
            _ => {
                out.push_str("\\u");
                rest = &rest[at + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every protected key at any depth (not inside another protected one), by its path.
fn protected(value: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    collect(value, "", &mut out, 0);
    out
}

fn collect(value: &Value, at: &str, out: &mut Map<String, Value>, depth: usize) {
    if depth > 32 || out.len() > 4096 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                if PROTECTED_KEYS.contains(&k.as_str()) {
                    out.insert(path, v.clone());
                } else {
                    collect(v, &path, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect(v, &format!("{at}[{i}]"), out, depth + 1);
            }
        }
        _ => {}
    }
}

fn strip_protected(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !PROTECTED_KEYS.contains(&k.as_str()));
            map.values_mut().for_each(strip_protected);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_protected),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Disk;

    fn ctx_with(files: &[(&str, &str)]) -> (Context, tempfile::TempDir) {
        let root = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = root.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let mut ctx = Context::example();
        ctx.disk = Disk::Under(root.path().display().to_string());
        (ctx, root)
    }

    const SETTINGS: &str = "/home/dev/.claude/settings.json";
    const INSTALLED: &str = r#"{"model": "a", "hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "/usr/local/bin/toolgate", "args": ["hook"]}]}]}, "permissions": {"deny": ["Read(~/.ssh/*)"]}}"#;

    #[test]
    fn a_write_that_keeps_the_protected_keys_names_none() {
        let (ctx, _root) = ctx_with(&[(SETTINGS, INSTALLED)]);
        let kept = INSTALLED.replace("\"a\"", "\"b\"");
        let out = summarize(&ctx, SETTINGS, Change::Replace(&kept));
        assert!(
            !out.contains("hooks") && !out.contains("permissions"),
            "{out}"
        );
        assert!(out.contains("\"model\":\"b\""), "{out}");
        let out = summarize(&ctx, SETTINGS, Change::Edit(&[("\"a\"", "\"b\"")]));
        assert!(!out.contains("hooks"), "{out}");
    }

    #[test]
    fn dropping_or_changing_a_protected_key_names_it() {
        let (ctx, _root) = ctx_with(&[(SETTINGS, INSTALLED)]);
        let out = summarize(&ctx, SETTINGS, Change::Replace("{}"));
        assert!(
            out.contains("\"hooks\": \"changed\"") && out.contains("\"permissions\""),
            "{out}"
        );
        let out = summarize(
            &ctx,
            SETTINGS,
            Change::Edit(&[("/usr/local/bin/toolgate", "true")]),
        );
        assert!(out.contains("\"hooks\": \"changed\""), "{out}");
        let out = summarize(&ctx, SETTINGS, Change::Replace("not json"));
        assert!(
            out.contains("\"hooks\": \"changed\""),
            "a broken file loses its hooks: {out}"
        );
        let out = summarize(&ctx, SETTINGS, Change::Append("\n{}"));
        assert!(out.contains("\"hooks\": \"changed\""), "{out}");
        let escaped = r#"{"model": "a", "disable\u0041llHooks": true}"#;
        let out = summarize(&ctx, SETTINGS, Change::Replace(escaped));
        assert!(out.contains("\"disableAllHooks\": \"changed\""), "{out}");
    }

    /// More deny or ask rules tighten the gate: an ordinary edit. Fewer, or an allow rule,
    /// loosen it.
    #[test]
    fn adding_deny_rules_is_not_weakening() {
        let (ctx, _root) = ctx_with(&[(SETTINGS, INSTALLED)]);
        let tighter = INSTALLED.replace(
            r#"["Read(~/.ssh/*)"]"#,
            r#"["Read(~/.ssh/*)", "Read(./secrets/**)"]"#,
        );
        let out = summarize(&ctx, SETTINGS, Change::Replace(&tighter));
        assert!(!out.contains("changed"), "{out}");
        let asks = INSTALLED.replace(r#""deny""#, r#""ask": ["Bash(git push *)"], "deny""#);
        assert!(!summarize(&ctx, SETTINGS, Change::Replace(&asks)).contains("changed"));
        let looser = INSTALLED.replace(r#"["Read(~/.ssh/*)"]"#, "[]");
        assert!(
            summarize(&ctx, SETTINGS, Change::Replace(&looser))
                .contains("\"permissions\": \"changed\"")
        );
        let allow = INSTALLED.replace(r#""deny""#, r#""allow": ["Bash(*)"], "deny""#);
        assert!(
            summarize(&ctx, SETTINGS, Change::Replace(&allow))
                .contains("\"permissions\": \"changed\"")
        );
    }

    #[test]
    fn a_missing_file_is_empty_settings() {
        let (ctx, _root) = ctx_with(&[]);
        let out = summarize(&ctx, SETTINGS, Change::Replace(r#"{"theme": "dark"}"#));
        assert!(!out.contains("changed"), "{out}");
        let out = summarize(&ctx, SETTINGS, Change::Replace(r#"{"env": {"X": "1"}}"#));
        assert!(out.contains("\"env\": \"changed\""), "{out}");
    }

    #[test]
    fn without_the_disk_escapes_are_decoded() {
        let ctx = Context::example();
        let out = summarize(
            &ctx,
            SETTINGS,
            Change::Edit(&[("{", "{\"disable\\u0041llHooks\": true,")]),
        );
        assert!(out.contains("\"disableAllHooks\":"), "{out}");
        assert_eq!(
            decode_escapes(r"\ud83d\ude00 \u0041 \uZZZZ"),
            "😀 A \\uZZZZ"
        );
    }

    #[test]
    fn settings_paths_at_every_level() {
        let home = Some("/home/dev");
        for p in [
            "/home/dev/.claude/settings.json",
            "/home/dev/project/.claude/settings.local.json",
            "/home/dev/.claude.json",
            "/etc/claude-code/managed-settings.json",
            "/etc/claude-code/managed-settings.d/10-org.json",
        ] {
            assert!(is_settings_path(p, home), "{p}");
        }
        for p in [
            "/home/dev/settings.json",
            "/home/dev/project/.claude/notes.md",
        ] {
            assert!(!is_settings_path(p, home), "{p}");
        }
    }

    /// The self-protection pack's `sensitive` pattern names exactly these keys.
    #[test]
    fn the_pack_names_the_same_keys() {
        let pack = include_str!("../../rules/self-protection.toml");
        let line = pack
            .lines()
            .find(|l| l.starts_with("sensitive = "))
            .expect("the sensitive pattern");
        let inner = line
            .split_once("\"(")
            .unwrap()
            .1
            .split_once(")\"")
            .unwrap()
            .0;
        let mut in_pack: Vec<&str> = inner.split('|').collect();
        let mut here: Vec<&str> = PROTECTED_KEYS.to_vec();
        in_pack.sort();
        here.sort();
        assert_eq!(in_pack, here);
    }
}
