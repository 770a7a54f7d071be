//! The organisation's allowlists, from the policy: which MCP servers may be called and which
//! hosts may be reached. A network effect to any other host (WebFetch, curl, wget, nc, ssh,
//! scp, rsync, git clone, `/dev/tcp`...) and a call to any other MCP server is denied.
//! Hosts are compared the way clients resolve them: lower-case, IDNA, numeric IPv4 forms
//! (`2130706433`, `0x7f.1`) as dotted quads. The machine itself (loopback) is always allowed.

use crate::engine::Hit;
use crate::normalize::Subject;
use crate::normalize::effects::{Kind, Target};
use crate::pack::{Decision, Severity};
use crate::sanitize;

/// `[network] allow` and `[mcp] allow` of the policy.
#[derive(Debug, Clone, Default)]
pub struct Allowlists {
    /// Hosts: exact (`github.com`) or subdomains (`*.githubusercontent.com`).
    pub hosts: Option<Vec<String>>,
    /// MCP server names (`mcp__<server>__<tool>`).
    pub mcp_servers: Option<Vec<String>>,
}

impl Allowlists {
    pub fn is_empty(&self) -> bool {
        self.hosts.is_none() && self.mcp_servers.is_none()
    }

    /// A deny hit for each server or host off the lists.
    pub fn check(&self, subject: &Subject) -> Vec<Hit> {
        let mut hits = Vec::new();
        if let (Some(servers), Some(rest)) = (&self.mcp_servers, subject.tool.strip_prefix("mcp__"))
        {
            let server = rest.split("__").next().unwrap_or(rest);
            if !servers.iter().any(|s| s.eq_ignore_ascii_case(server)) {
                hits.push(hit(
                    "policy.mcp-allowlist",
                    format!("MCP server {}", sanitize::safe(server)),
                    "This MCP server is not on the organisation's list of approved servers.",
                    "Use an approved MCP server, or ask an administrator to approve this one.",
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
                    "This reaches a host that is not on the organisation's network allowlist.",
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

/// The host as a client connects to it: IDNA to ASCII, numeric IPv4 forms to dotted quads,
/// brackets off IPv6, a trailing dot dropped.
pub fn normalize_host(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    match url::Url::parse(&format!("http://{trimmed}/")) {
        Ok(u) => u
            .host_str()
            .map(|h| h.trim_matches(['[', ']']).to_string())
            .unwrap_or(trimmed),
        Err(_) => trimmed,
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

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
