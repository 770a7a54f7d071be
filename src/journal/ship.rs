//! Shipping records to a syslog collector: RFC 5424 messages (see [`super::siem`]), octet-
//! counted on TCP (RFC 6587) and TLS (RFC 5425), one datagram each on UDP (RFC 5426).
//!
//! Delivery on TCP and TLS is confirmed per batch: after writing a batch toolgate closes
//! its side (TLS close_notify, then a TCP half-close) and waits for the collector to close
//! its own, which it does only once it has read everything sent. Only then does the cursor move. A collector that goes away
//! mid-batch makes the batch fail; it is sent again (same record ids) after a back-off,
//! so nothing is lost. UDP has no confirmation: what the network drops is gone.

use super::cursor::{Cursor, Position};
use super::query::{self, Filter};
use super::record::Record;
use super::siem::{self, Severities};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

/// Where records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Tcp(String),
    Udp(String),
    Tls(String),
}

impl Destination {
    /// `tcp://HOST:PORT` or `udp://HOST:PORT`.
    pub fn parse(url: &str) -> Result<Destination, String> {
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            format!("`{url}` is not a syslog URL: use tcp://HOST:PORT or udp://HOST:PORT")
        })?;
        let rest = rest.trim_end_matches('/');
        if rest
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok())
            .is_none()
        {
            return Err(format!("`{url}` needs a port: {scheme}://HOST:PORT"));
        }
        match scheme {
            "tcp" => Ok(Destination::Tcp(rest.into())),
            "udp" => Ok(Destination::Udp(rest.into())),
            "tls" => Ok(Destination::Tls(rest.into())),
            other => Err(format!(
                "unknown scheme `{other}`: use tcp://, tls:// or udp://"
            )),
        }
    }

    fn address(&self) -> &str {
        match self {
            Destination::Tcp(a) | Destination::Udp(a) | Destination::Tls(a) => a,
        }
    }

    pub fn url(&self) -> String {
        match self {
            Destination::Tcp(a) => format!("tcp://{a}"),
            Destination::Udp(a) => format!("udp://{a}"),
            Destination::Tls(a) => format!("tls://{a}"),
        }
    }

    /// The host part, for checking the collector's certificate.
    fn host(&self) -> &str {
        let address = self.address();
        let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
        host.trim_start_matches('[').trim_end_matches(']')
    }
}

/// How to trust the collector (and, for mutual TLS, who we are).
#[derive(Debug, Clone, Default)]
pub struct TlsFiles {
    /// PEM certificates to trust; default: the system bundle.
    pub ca: Option<std::path::PathBuf>,
    pub cert: Option<std::path::PathBuf>,
    pub key: Option<std::path::PathBuf>,
}

/// The system's trusted certificates (Debian, Fedora, Alpine, macOS Homebrew layouts).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

impl TlsFiles {
    /// A client configuration, or an error naming the file that is missing or unreadable.
    pub fn client_config(&self) -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let bundle = match &self.ca {
            Some(p) => p.clone(),
            None => SYSTEM_BUNDLES
                .iter()
                .map(std::path::PathBuf::from)
                .find(|p| p.exists())
                .ok_or("no system certificate bundle found: name the collector's CA with --ca")?,
        };
        let read_certs = |path: &std::path::Path| -> Result<Vec<CertificateDer<'static>>, String> {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("cannot read certificates from {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!("{} holds no PEM certificate", path.display()));
            }
            Ok(certs)
        };
        let mut roots = rustls::RootCertStore::empty();
        for cert in read_certs(&bundle)? {
            roots
                .add(cert)
                .map_err(|e| format!("{}: {e}", bundle.display()))?;
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots);
        let config = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                let chain = read_certs(cert)?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| format!("cannot read the private key {}: {e}", key.display()))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("client certificate: {e}"))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err("--cert and --key go together".into()),
        };
        Ok(std::sync::Arc::new(config))
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub facility: u8,
    /// Largest message, in bytes (rsyslog's default limit is 8 KiB).
    pub max_message: usize,
    /// Records per confirmed batch.
    pub batch: usize,
    /// Attempts per batch after the first, with doubling back-off.
    pub retries: u32,
    pub timeout: Duration,
    /// First back-off; doubled per retry, at most 8 s.
    pub backoff: Duration,
    /// For tls://.
    pub tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

/// What a run did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub destination: String,
    pub sent: u64,
    pub pending: u64,
    /// Messages whose request data or reason were cut to fit `max_message`.
    pub truncated: u64,
    pub retries: u32,
    pub last_error: Option<String>,
    pub cursor: Option<i64>,
}

/// Send every record after the cursor, batch by batch.
pub fn ship(
    conn: &rusqlite::Connection,
    destination: &Destination,
    cursor: &mut Cursor,
    severities: &Severities,
    options: &Options,
) -> Result<Report, String> {
    let mut report = Report {
        destination: destination.url(),
        ..Default::default()
    };
    let mut after = cursor.after(conn)?;
    let batch_filter = Filter {
        limit: Some(options.batch.max(1)),
        ..Default::default()
    };
    loop {
        let mut batch: Vec<Record> = Vec::new();
        query::each_after(conn, &batch_filter, after, |r| {
            batch.push(r);
            Ok::<(), String>(())
        })?;
        let Some(last) = batch.last() else { break };
        let last = Position {
            seq: last.seq,
            hash: last.hash.clone(),
        };
        let mut messages: Vec<Vec<u8>> = batch
            .iter()
            .map(|r| siem::syslog_message(r, severities, options.facility, options.max_message))
            .collect();
        // Every batch ends with the chain's anchor, so the collector always holds the latest.
        let records: i64 = conn
            .query_row(
                "SELECT count(*) FROM decisions WHERE seq <= ?1",
                [last.seq],
                |r| r.get(0),
            )
            .map_err(|e| e.to_string())?;
        messages.push(siem::anchor_message(
            last.seq,
            &last.hash,
            records,
            super::record::host_name().as_deref(),
            options.facility,
        ));
        let truncated = messages
            .iter()
            .filter(|m| m.windows(11).any(|w| w == b" truncated="))
            .count() as u64;
        let mut attempt = 0;
        loop {
            match send(destination, &messages, options) {
                Ok(()) => break,
                Err(e) => {
                    report.last_error = Some(e);
                    if attempt >= options.retries {
                        report.pending = pending(conn, after)?;
                        report.cursor = Some(after);
                        return Ok(report);
                    }
                    let pause = options.backoff.saturating_mul(1 << attempt.min(6));
                    std::thread::sleep(pause.min(Duration::from_secs(8)));
                    attempt += 1;
                    report.retries += 1;
                }
            }
        }
        cursor.advance(last.clone())?;
        after = last.seq;
        report.sent += batch.len() as u64;
        report.truncated += truncated;
    }
    report.cursor = Some(after);
    report.pending = pending(conn, after)?;
    Ok(report)
}

fn pending(conn: &rusqlite::Connection, after: i64) -> Result<u64, String> {
    conn.query_row(
        "SELECT count(*) FROM decisions WHERE seq > ?1",
        [after],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
    .map_err(|e| e.to_string())
}

fn resolve(address: &str) -> Result<Vec<SocketAddr>, String> {
    let all: Vec<SocketAddr> = address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {address}: {e}"))?
        .collect();
    if all.is_empty() {
        return Err(format!("{address} resolves to no address"));
    }
    Ok(all)
}

/// One batch: confirmed on TCP by the collector closing after reading it all.
fn send(destination: &Destination, messages: &[Vec<u8>], options: &Options) -> Result<(), String> {
    let addresses = resolve(destination.address())?;
    let address = addresses[0];
    let fail = |what: &str, e: std::io::Error| format!("{what} {}: {e}", destination.address());
    // Every address the name resolves to, in order (`localhost` may be ::1 first).
    let connect = || -> Result<TcpStream, String> {
        let mut last = None;
        let stream = addresses
            .iter()
            .find_map(|a| {
                TcpStream::connect_timeout(a, options.timeout)
                    .map_err(|e| last = Some(e))
                    .ok()
            })
            .ok_or_else(|| {
                fail(
                    "cannot connect to",
                    last.unwrap_or_else(|| std::io::ErrorKind::NotFound.into()),
                )
            })?;
        stream
            .set_write_timeout(Some(options.timeout))
            .and_then(|()| stream.set_read_timeout(Some(options.timeout)))
            .map_err(|e| fail("cannot set timeouts for", e))?;
        Ok(stream)
    };
    let frames = || {
        let mut frames = Vec::with_capacity(messages.iter().map(|m| m.len() + 8).sum());
        for m in messages {
            frames.extend_from_slice(format!("{} ", m.len()).as_bytes());
            frames.extend_from_slice(m);
        }
        frames
    };
    match destination {
        Destination::Tls(_) => {
            let config = options
                .tls
                .clone()
                .ok_or("tls:// needs a TLS configuration")?;
            let name = rustls::pki_types::ServerName::try_from(destination.host().to_string())
                .map_err(|e| format!("`{}` is not a server name: {e}", destination.host()))?;
            let session = rustls::ClientConnection::new(config, name)
                .map_err(|e| format!("TLS to {address}: {e}"))?;
            let mut tls = rustls::StreamOwned::new(session, connect()?);
            tls.write_all(&frames())
                .and_then(|()| tls.flush())
                .map_err(|e| fail("cannot send to", e))?;
            tls.conn.send_close_notify();
            while tls.conn.wants_write() {
                tls.conn
                    .write_tls(&mut tls.sock)
                    .map_err(|e| fail("cannot finish the batch to", e))?;
            }
            tls.sock
                .shutdown(Shutdown::Write)
                .map_err(|e| fail("cannot finish the batch to", e))?;
            closed_by_peer(&mut tls).map_err(|e| fail("no confirmation from", e))
        }
        Destination::Tcp(_) => {
            let mut stream = connect()?;
            let frames = frames();
            stream
                .write_all(&frames)
                .and_then(|()| stream.flush())
                .map_err(|e| fail("cannot send to", e))?;
            stream
                .shutdown(Shutdown::Write)
                .map_err(|e| fail("cannot finish the batch to", e))?;
            closed_by_peer(&mut stream).map_err(|e| fail("no confirmation from", e))
        }
        Destination::Udp(_) => {
            let local: SocketAddr = if address.is_ipv4() {
                "0.0.0.0:0".parse().unwrap_or(address)
            } else {
                "[::]:0".parse().unwrap_or(address)
            };
            let socket = UdpSocket::bind(local).map_err(|e| fail("cannot open a socket for", e))?;
            socket
                .connect(address)
                .map_err(|e| fail("cannot reach", e))?;
            for m in messages {
                socket.send(m).map_err(|e| fail("cannot send to", e))?;
            }
            Ok(())
        }
    }
}

/// Wait for the collector to close its side, which it does after reading all we sent. A
/// TLS collector that closes without its own close_notify (rsyslog does) has read it too:
/// unread data would have made the close a reset.
fn closed_by_peer(conn: &mut impl Read) -> std::io::Result<()> {
    let mut buf = [0u8; 512];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_parse_with_clear_errors() {
        assert_eq!(
            Destination::parse("tcp://127.0.0.1:514"),
            Ok(Destination::Tcp("127.0.0.1:514".into()))
        );
        assert_eq!(
            Destination::parse("udp://[::1]:514"),
            Ok(Destination::Udp("[::1]:514".into()))
        );
        assert!(
            Destination::parse("tcp://host")
                .unwrap_err()
                .contains("needs a port")
        );
        assert!(
            Destination::parse("host:514")
                .unwrap_err()
                .contains("not a syslog URL")
        );
        assert!(
            Destination::parse("http://h:1")
                .unwrap_err()
                .contains("unknown scheme")
        );
    }
}
