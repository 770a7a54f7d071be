//! Shipping records to a syslog collector: RFC 5424 messages (see [`super::siem`]), octet-
//! counted on TCP (RFC 6587), one datagram each on UDP (RFC 5426).
//!
//! Delivery on TCP is confirmed per batch: after writing a batch toolgate half-closes the
//! connection and waits for the collector to close its side, which it does only once it
//! has read everything sent. Only then does the cursor move. A collector that goes away
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
            "tls" => Err(
                "tls:// is not built in yet: ship over tcp:// to a collector on the same host, \
                 which forwards with TLS (rsyslog omfwd with StreamDriver gtls, or stunnel)"
                    .into(),
            ),
            other => Err(format!("unknown scheme `{other}`: use tcp:// or udp://")),
        }
    }

    fn address(&self) -> &str {
        match self {
            Destination::Tcp(a) | Destination::Udp(a) => a,
        }
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
        destination: match destination {
            Destination::Tcp(a) => format!("tcp://{a}"),
            Destination::Udp(a) => format!("udp://{a}"),
        },
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
        let messages: Vec<Vec<u8>> = batch
            .iter()
            .map(|r| siem::syslog_message(r, severities, options.facility, options.max_message))
            .collect();
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

fn resolve(address: &str) -> Result<SocketAddr, String> {
    address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {address}: {e}"))?
        .next()
        .ok_or_else(|| format!("{address} resolves to no address"))
}

/// One batch: confirmed on TCP by the collector closing after reading it all.
fn send(destination: &Destination, messages: &[Vec<u8>], options: &Options) -> Result<(), String> {
    let address = resolve(destination.address())?;
    let fail = |what: &str, e: std::io::Error| format!("{what} {address}: {e}");
    match destination {
        Destination::Tcp(_) => {
            let mut stream = TcpStream::connect_timeout(&address, options.timeout)
                .map_err(|e| fail("cannot connect to", e))?;
            stream
                .set_write_timeout(Some(options.timeout))
                .and_then(|()| stream.set_read_timeout(Some(options.timeout)))
                .map_err(|e| fail("cannot set timeouts for", e))?;
            let mut frames = Vec::with_capacity(messages.iter().map(|m| m.len() + 8).sum());
            for m in messages {
                frames.extend_from_slice(format!("{} ", m.len()).as_bytes());
                frames.extend_from_slice(m);
            }
            stream
                .write_all(&frames)
                .and_then(|()| stream.flush())
                .map_err(|e| fail("cannot send to", e))?;
            stream
                .shutdown(Shutdown::Write)
                .map_err(|e| fail("cannot finish the batch to", e))?;
            let mut buf = [0u8; 512];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => return Ok(()),
                    Ok(_) => continue,
                    Err(e) => return Err(fail("no confirmation from", e)),
                }
            }
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
