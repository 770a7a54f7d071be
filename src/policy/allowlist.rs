//! The organisation's allowlists, from the policy: which MCP servers may be called and which
//! hosts may be reached. A network effect to any other host (WebFetch, curl, wget, nc, ssh,
//! scp, rsync, git clone, `/dev/tcp`...) and a call to any other MCP server is denied.
//! Hosts are compared the way clients resolve them: lower-case, IDNA, numeric IPv4 forms
//! (`2130706433`, `0x7f.1`) as dotted quads. The machine itself (loopback) is always allowed.
//! With a network allowlist, WebSearch must name its `allowed_domains`, all on the list.
//! Per-server rules: `[mcp.servers.NAME] paths_under` keeps every path argument inside
//! folders (relative paths are the server's, resolved against the first folder), and
//! `[mcp.servers.NAME.arguments]` lists the values an argument may take (a channel list).
//! Claude Code's managed `allowedMcpServers` and `sandbox.network.allowedDomains` join these
//! lists; `allowManagedMcpServersOnly` / `allowManagedDomainsOnly` make them mandatory.

use crate::engine::Hit;
use crate::normalize::Subject;
use crate::normalize::effects::{Kind, Target};
use crate::pack::schema::{Doc, Table};
use crate::pack::{Decision, Severity};
use crate::protocol::HookEvent;
use crate::sanitize;
use serde_json::Value;

/// `[mcp.servers.NAME]`: what one approved server's arguments may hold.
#[derive(Debug, Clone, Default)]
pub struct ServerRules {
    pub name: String,
    /// Folders every path argument must stay inside (`~` allowed).
    pub paths_under: Vec<String>,
    /// Argument name -> the values it may take.
    pub arguments: Vec<(String, Vec<String>)>,
}

/// Argument names that hold paths.
fn is_path_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "path",
        "file",
        "dir",
        "folder",
        "source",
        "destination",
        "target",
        "from",
        "to",
        "note",
    ]
    .iter()
    .any(|p| k == *p || k.ends_with(p) || k.starts_with(p))
}

impl ServerRules {
    /// Read `[mcp.servers]`.
    pub fn read_all(doc: &mut Doc, servers: Table) -> Vec<ServerRules> {
        let mut out = Vec::new();
        for (name, value) in servers.entries() {
            let toml::de::DeValue::Table(t) = value.get_ref() else {
                doc.error(
                    &value.span(),
                    format!("[mcp.servers.{name}] must be a table"),
                );
                continue;
            };
            let mut t = Table::new(t, value.span(), format!("[mcp.servers.{name}]"));
            let mut rules = ServerRules {
                name: name.to_string(),
                paths_under: t.strings(doc, "paths_under").unwrap_or_default(),
                arguments: Vec::new(),
            };
            for p in &rules.paths_under {
                if !(p.starts_with('/') || p == "~" || p.starts_with("~/")) {
                    doc.error(&t.span(), format!("[mcp.servers.{name}] `paths_under` takes absolute folders or `~/...`, not `{p}`"));
                }
            }
            if let Some(args) = t.table(doc, "arguments") {
                for (arg, v) in args.entries() {
                    if let Some(values) = crate::pack::schema::strings_of(doc, arg, v) {
                        rules.arguments.push((arg.to_string(), values));
                    }
                }
            }
            t.finish(doc);
            out.push(rules);
        }
        out
    }

    fn refuse(&self, key: &str, value: &str, message: &str, remediation: &str) -> Hit {
        let matched = format!(
            "`{}` = {} (MCP server {})",
            sanitize::safe(key),
            sanitize::excerpt(value, 120),
            sanitize::safe(&self.name)
        );
        hit("policy.mcp-arguments", matched, message, remediation)
    }

    fn check(&self, input: &Value, home: Option<&str>, hits: &mut Vec<Hit>) {
        let roots: Vec<String> = self
            .paths_under
            .iter()
            .filter_map(|r| crate::normalize::path::resolve(r, Some("/"), home))
            .collect();
        let mut leaves = Vec::new();
        string_leaves(input, "", &mut leaves, 0);
        if let Some(root) = roots.first() {
            for (key, value) in leaves.iter().filter(|(k, _)| is_path_key(k)) {
                let resolved = crate::normalize::path::resolve(value, Some(root), home);
                let inside = resolved.as_deref().is_some_and(|p| {
                    roots
                        .iter()
                        .any(|r| crate::normalize::path::is_within(p, r))
                });
                if !inside {
                    hits.push(self.refuse(
                        key,
                        value,
                        &format!(
                            "This MCP server may only be given paths inside {}.",
                            sanitize::safe(&self.paths_under.join(", "))
                        ),
                        "Use a path inside the server's approved folder.",
                    ));
                    return;
                }
            }
        }
        for (arg, allowed) in &self.arguments {
            for (key, value) in leaves.iter().filter(|(k, _)| k.eq_ignore_ascii_case(arg)) {
                if !allowed.iter().any(|a| a == value) {
                    hits.push(self.refuse(
                        key,
                        value,
                        &format!(
                            "This MCP server's `{}` must be one of the approved values.",
                            sanitize::safe(arg)
                        ),
                        &format!("Use one of: {}.", sanitize::safe(&allowed.join(", "))),
                    ));
                    return;
                }
            }
        }
    }
}

/// (key, value) for string leaves (and numbers, for ids) of an argument object; array items
/// take their parent's key.
fn string_leaves(v: &Value, key: &str, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 32 || out.len() > 4096 {
        return;
    }
    match v {
        Value::String(s) => out.push((key.to_string(), s.clone())),
        Value::Number(n) => out.push((key.to_string(), n.to_string())),
        Value::Array(items) => items
            .iter()
            .for_each(|i| string_leaves(i, key, out, depth + 1)),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, i)| string_leaves(i, k, out, depth + 1)),
        _ => {}
    }
}

/// `[network] allow` and `[mcp] allow` of the policy.
#[derive(Debug, Clone, Default)]
pub struct Allowlists {
    /// Hosts: exact (`github.com`) or subdomains (`*.githubusercontent.com`).
    pub hosts: Option<Vec<String>>,
    /// MCP server names (`mcp__<server>__<tool>`).
    pub mcp_servers: Option<Vec<String>>,
    /// Per-server argument rules.
    pub servers: Vec<ServerRules>,
    /// Which file made each list mandatory (Claude Code's managed `...Only` keys), for reasons.
    pub hosts_required_by: Option<String>,
    pub mcp_required_by: Option<String>,
}

impl Allowlists {
    pub fn is_empty(&self) -> bool {
        self.hosts.is_none() && self.mcp_servers.is_none() && self.servers.is_empty()
    }

    /// A deny hit for each server or host off the lists, and each argument a server's rules
    /// refuse.
    pub fn check(&self, event: &HookEvent, subject: &Subject, home: Option<&str>) -> Vec<Hit> {
        let mut hits = Vec::new();
        if let Some(rest) = subject.tool.strip_prefix("mcp__") {
            let server = rest.split("__").next().unwrap_or(rest);
            // Case matters, as it does to Claude Code: `Discord` is another server than
            // the approved `discord`.
            if let Some(servers) = &self.mcp_servers
                && !servers.iter().any(|s| s == server)
            {
                let why = match &self.mcp_required_by {
                    Some(file) => format!(
                        "This MCP server is not on the organisation's list of approved servers (allowManagedMcpServersOnly in {}).",
                        sanitize::safe(file)
                    ),
                    None => {
                        "This MCP server is not on the organisation's list of approved servers."
                            .into()
                    }
                };
                hits.push(hit(
                    "policy.mcp-allowlist",
                    format!("MCP server {}", sanitize::safe(server)),
                    &why,
                    "Use an approved MCP server, or ask an administrator to approve this one.",
                ));
            }
            if let Some(rules) = self.servers.iter().find(|r| r.name == server) {
                rules.check(&event.input, home, &mut hits);
            }
        }
        if let Some(allowed) = &self.hosts
            && subject.tool == "WebSearch"
        {
            let domains: Vec<&str> = event
                .input
                .get("allowed_domains")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let off: Vec<&str> = domains
                .iter()
                .copied()
                .filter(|d| {
                    let host = normalize_host(d.trim_start_matches("*."));
                    !allowed.iter().any(|a| host_matches(a, &host))
                })
                .collect();
            if domains.is_empty() || !off.is_empty() {
                hits.push(hit(
                    "policy.network-allowlist",
                    if domains.is_empty() {
                        "a web search with no allowed_domains".into()
                    } else {
                        format!("allowed_domains {}", sanitize::safe(&off.join(", ")))
                    },
                    "With a network allowlist, a web search must be limited to approved domains.",
                    "Set `allowed_domains` to domains on the organisation's allowlist.",
                ));
            }
        }
        if let Some(allowed) = &self.hosts {
            for effect in subject.all_effects().filter(|e| e.kind == Kind::Net) {
                let Target::Name(raw) = &effect.target else {
                    continue;
                };
                let host = normalize_host(raw);
                if is_loopback(&host) || allowed.iter().any(|a| host_matches(a, &host)) {
                    continue;
                }
                hits.push(hit(
                    "policy.network-allowlist",
                    format!(
                        "host {} (by {})",
                        sanitize::safe(&host),
                        sanitize::safe(&effect.via)
                    ),
                    &match &self.hosts_required_by {
                        Some(file) => format!("This reaches a host that is not on the organisation's network allowlist (allowManagedDomainsOnly in {}).", sanitize::safe(file)),
                        None => "This reaches a host that is not on the organisation's network allowlist.".into(),
                    },
                    "Use an approved host, or ask an administrator to add this one.",
                ));
                break;
            }
        }
        hits
    }
}

fn hit(rule: &str, matched: String, message: &str, remediation: &str) -> Hit {
    Hit {
        rule: rule.into(),
        decision: Decision::Deny,
        severity: Severity::High,
        certain: true,
        matched,
        message: message.into(),
        remediation: remediation.into(),
    }
}

pub use crate::normalize::host::{is_loopback, normalize_host};

/// `*.example.com` is any subdomain (not example.com itself); anything else is exact.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            let suffix = normalize_host(suffix);
            host.len() > suffix.len() + 1
                && host.ends_with(&suffix)
                && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => normalize_host(pattern) == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_compare_the_way_clients_resolve_them() {
        assert_eq!(normalize_host("2130706433"), "127.0.0.1");
        assert_eq!(normalize_host("0x7f.1"), "127.0.0.1");
        assert_eq!(normalize_host("GitHub.COM."), "github.com");
        assert_eq!(normalize_host("bücher.example"), "xn--bcher-kva.example");
        assert!(host_matches(
            "*.githubusercontent.com",
            "raw.githubusercontent.com"
        ));
        assert!(!host_matches(
            "*.githubusercontent.com",
            "githubusercontent.com"
        ));
        assert!(!host_matches(
            "*.githubusercontent.com",
            "evilgithubusercontent.com"
        ));
        assert!(host_matches("github.com", "github.com"));
        assert!(!host_matches("github.com", "github.com.evil.example"));
        assert!(is_loopback(&normalize_host("2130706433")));
    }
}
