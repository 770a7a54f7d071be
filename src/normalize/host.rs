//! Host names as a client connects to them, and which of them are this machine: one
//! canonical form for the network allowlist, the BI bridge and the shell's remote paths.

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

/// This machine: `localhost` and names under it, 127.0.0.0/8 in any numeric form, `::1`,
/// and `0.0.0.0` (which connects to this machine).
pub fn is_loopback(host: &str) -> bool {
    let host = normalize_host(host);
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host == "0.0.0.0"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_this_machine_is_loopback() {
        for host in [
            "localhost",
            "LOCALHOST.",
            "api.localhost",
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0x7f.1",
            "::1",
            "[::1]",
            "0.0.0.0",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "localhost.example.com",
            "128.0.0.1",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
