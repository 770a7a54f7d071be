//! `toolgate journal ...`: what compliance staff run. Every read first folds the hooks'
//! segment and spool into SQLite, so it sees every record written so far.

use crate::exit;
use crate::journal::cursor::{Cursor, Position};
use crate::journal::query::{self, Filter};
use crate::journal::record::PruneMark;
use crate::journal::record::{Record, now_us, rfc3339};
use crate::journal::siem::{self, Severities};
use crate::journal::store::{self, Outcome};
use crate::journal::verify;
use crate::journal::{Paths, record};
use crate::sanitize::{excerpt, safe};
use clap::{Args, Subcommand, ValueEnum};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum JournalCommand {
    /// List decisions: the most recent ones (--limit, default 100), in time order.
    Query {
        #[command(flatten)]
        filter: FilterArgs,
        /// How many of the most recent matching records to show.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Every matching record in chain order, for an auditor or a SIEM (JSON Lines by
    /// default; `ocsf` and `ecs` for SIEMs).
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Resume after the record this file names, and move it to the last record written
        /// once the output is complete (created if missing). A crash repeats, never skips.
        #[arg(long, value_name = "FILE")]
        cursor: Option<PathBuf>,
    },
    /// Send every record not yet shipped to a syslog collector (RFC 5424, the OCSF event as
    /// the message). Keeps its own cursor; exit 1 if records are still pending.
    Ship(ShipArgs),
    /// Write a self-contained HTML report for compliance staff (no network, prints well).
    Report {
        /// The HTML file to write (replaced atomically).
        #[arg(long, value_name = "FILE")]
        html: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Per rule: hits, denials, asks and how many the user approved (candidates to relax),
    /// denials followed by a passing call of the same tool in the same session (candidates
    /// to tighten), and the policy's rules that never fired.
    Rules {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Counts by decision, rule, tool, user and day; spooled and lost records.
    Stats {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Check the hash chain; names the first bad record. Exit 1 if it does not verify.
    Verify {
        /// An anchor kept off the host (`SEQ:HASH`, from `journal anchor`): also proves
        /// nothing was cut from the end since then.
        #[arg(long, value_name = "SEQ:HASH")]
        anchor: Option<String>,
        /// A sealing key file from `journal seal` (repeat for each time sealing was
        /// started): every record it covers must carry the seal the key gives it.
        #[arg(long, value_name = "FILE")]
        seal_key: Vec<PathBuf>,
    },
    /// Start sealing: from the next record on, every record carries a seal made with a key
    /// that changes one way after each record. The first key goes to FILE, which the
    /// administrator keeps off this host; with it `verify --seal-key FILE` detects any record
    /// rewritten after it was sealed, even when the whole chain was recomputed.
    Seal {
        /// Where to write the first key (must not exist; mode 0600).
        #[arg(long, value_name = "FILE")]
        key_out: PathBuf,
    },
    /// Print the chain's latest sequence number and hash, to keep off the host.
    Anchor,
    /// Recover from crash damage now and acknowledge the damage markers the journal wrote
    /// (torn writes, a missing head, an unreadable database, lost records), with a record of
    /// who did it. Never makes an altered journal verify. Exit 1 if it still does not.
    Repair,
    /// Fold the hooks' segment and spool into SQLite (hooks start this in the background
    /// when the segment grows large).
    #[command(hide = true)]
    Fold,
    /// Delete records older than a date, after writing a prune record into the chain.
    Prune {
        /// RFC 3339 time, date, or span back from now (`90d`).
        #[arg(long, value_name = "TIME")]
        before: String,
    },
}

#[derive(Args, Debug, Default)]
pub struct FilterArgs {
    /// From this time: RFC 3339, a date, or a span back from now (`24h`, `7d`).
    #[arg(long)]
    since: Option<String>,
    /// Up to (not including) this time.
    #[arg(long)]
    until: Option<String>,
    /// allow, ask, deny or error.
    #[arg(long)]
    decision: Option<String>,
    /// Tool name (Bash, Write, mcp__server__tool, ...).
    #[arg(long)]
    tool: Option<String>,
    /// A rule id that decided the call (`fs.rm-critical`).
    #[arg(long)]
    rule: Option<String>,
    #[arg(long)]
    session: Option<String>,
    #[arg(long)]
    user: Option<String>,
    /// Coding agent: claude, codex, cursor, copilot or gemini.
    #[arg(long)]
    agent: Option<String>,
    /// Hook event: PreToolUse, UserPromptSubmit, PostToolUse, prune, ...
    #[arg(long)]
    event: Option<String>,
    /// Text in the (redacted) input or the reason.
    #[arg(long)]
    grep: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One toolgate record per line (also `json`).
    #[value(alias = "json")]
    Jsonl,
    Csv,
    /// OCSF 1.5 API Activity events (class 6003), one per line.
    Ocsf,
    /// Elastic Common Schema documents, one per line.
    Ecs,
    Table,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

fn filter(args: &FilterArgs, limit: Option<usize>) -> Result<Filter, String> {
    let time = |t: &Option<String>| t.as_deref().map(query::parse_time).transpose();
    if let Some(d) = &args.decision
        && !record::DECISIONS.contains(&d.as_str())
    {
        return Err(format!(
            "--decision must be one of {}, not `{}`",
            record::DECISIONS.join(", "),
            safe(d)
        ));
    }
    if let Some(a) = &args.agent
        && crate::protocol::Agent::parse(a).is_none()
    {
        return Err(format!(
            "--agent must be one of {}, not `{}`",
            crate::protocol::Agent::names().join(", "),
            safe(a)
        ));
    }
    Ok(Filter {
        since_us: time(&args.since)?,
        until_us: time(&args.until)?,
        decision: args.decision.clone(),
        tool: args.tool.clone(),
        rule: args.rule.clone(),
        session: args.session.clone(),
        user: args.user.clone(),
        agent: args.agent.clone(),
        event: args.event.clone(),
        grep: args.grep.clone(),
        limit,
    })
}

pub fn run(policy: Option<&Path>, journal: Option<&Path>, command: JournalCommand) -> u8 {
    let Some(paths) = Paths::locate(journal) else {
        eprintln!("toolgate journal: no journal location: set --journal, TOOLGATE_JOURNAL or HOME");
        return exit::FAILURE;
    };
    match command {
        JournalCommand::Prune { before } => return prune(&paths, &before),
        JournalCommand::Repair => return repair(&paths),
        JournalCommand::Seal { key_out } => return seal(&paths, &key_out),
        JournalCommand::Fold => {
            return match store::fold(&paths) {
                Ok(_) => exit::NO_OBJECTION,
                Err(e) => {
                    eprintln!("toolgate journal fold: {e}");
                    exit::FAILURE
                }
            };
        }
        _ => {}
    }
    let conn = match open_for_reading(&paths) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "toolgate journal: cannot open {}: {e}",
                safe(&paths.db.display().to_string())
            );
            return exit::FAILURE;
        }
    };
    let result = match command {
        JournalCommand::Query {
            filter: f,
            limit,
            format,
        } => filter(&f, Some(limit))
            .and_then(|f| query::query(&conn, &f).map_err(|e| e.to_string()))
            .map(|rows| print_rows(&rows, format)),
        JournalCommand::Export {
            filter: f,
            format,
            cursor,
        } => filter(&f, None).and_then(|f| {
            let severities = severities(policy);
            export(&conn, &f, format, cursor.as_deref(), &severities)
        }),
        JournalCommand::Stats { filter: f, format } => filter(&f, None)
            .and_then(|f| query::stats(&conn, &f).map_err(|e| e.to_string()))
            .map(|s| print_stats(&s, format)),
        JournalCommand::Ship(options) => return ship(&conn, &paths, policy, options),
        JournalCommand::Rules { filter: f, format } => filter(&f, None)
            .and_then(|f| query::rule_use(&conn, &f).map_err(|e| e.to_string()))
            .map(|used| print_rule_use(&used, policy, format)),
        JournalCommand::Report { html, filter: f } => {
            filter(&f, None).and_then(|f| report(&conn, &paths, &f, &html))
        }
        JournalCommand::Verify { anchor, seal_key } => {
            return verify_command(&conn, &paths, anchor.as_deref(), &seal_key);
        }
        JournalCommand::Anchor => verify::verify(&conn, &paths, None, &[])
            .map_err(|e| e.to_string())
            .map(|r| {
                let (seq, hash) = r.last.unwrap_or((0, record::GENESIS.to_string()));
                println!(
                    "{}",
                    serde_json::json!({
                        "seq": seq,
                        "hash": hash,
                        "anchor": format!("{seq}:{hash}"),
                        "records": r.records,
                        "time": rfc3339(now_us()),
                    })
                );
            }),
        JournalCommand::Prune { .. }
        | JournalCommand::Repair
        | JournalCommand::Fold
        | JournalCommand::Seal { .. } => {
            unreachable!("handled before the journal is opened")
        }
    };
    match result {
        Ok(()) => exit::NO_OBJECTION,
        Err(e) => {
            eprintln!("toolgate journal: {e}");
            exit::FAILURE
        }
    }
}

fn verify_command(
    conn: &rusqlite::Connection,
    paths: &Paths,
    anchor: Option<&str>,
    seal_key_files: &[PathBuf],
) -> u8 {
    let mut seal_keys = Vec::new();
    for file in seal_key_files {
        let read = std::fs::read_to_string(file)
            .map_err(|e| e.to_string())
            .and_then(|t| {
                serde_json::from_str::<verify::SealKeyFile>(&t).map_err(|e| e.to_string())
            })
            .and_then(|k| {
                k.key()
                    .map(|key| (k.from_seq, key))
                    .ok_or_else(|| "its key is not 64 hex digits".to_string())
            });
        match read {
            Ok(k) => seal_keys.push(k),
            Err(e) => {
                eprintln!(
                    "toolgate journal verify: {} is not a sealing key file from `journal seal`: {}",
                    safe(&file.display().to_string()),
                    safe(&e)
                );
                return exit::FAILURE;
            }
        }
    }
    let anchor = match anchor.map(|a| {
        // `SEQ:HASH`, or the JSON `journal anchor` prints.
        let a = serde_json::from_str::<serde_json::Value>(a)
            .ok()
            .and_then(|v| v["anchor"].as_str().map(str::to_string))
            .unwrap_or_else(|| a.to_string());
        a.split_once(':')
            .filter(|(_, h)| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|(s, h)| Some((s.parse::<i64>().ok()?, h.to_string())))
    }) {
        Some(None) => {
            eprintln!(
                "toolgate journal verify: --anchor is SEQ:HASH (from `toolgate journal anchor`)"
            );
            return exit::FAILURE;
        }
        Some(Some(a)) => Some(a),
        None => None,
    };
    match verify::verify(conn, paths, anchor, &seal_keys) {
        Ok(report) => match (&report.problem, report.damage.first()) {
            (None, None) => {
                let last = report
                    .last
                    .map(|(s, h)| format!("#{s} {h}"))
                    .unwrap_or_else(|| "(empty)".into());
                let acknowledged = match report.acknowledged {
                    0 => String::new(),
                    n => format!(" ({n} damage marker(s) acknowledged by `journal repair`)"),
                };
                let sealed = if seal_keys.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} sealed records carry the seals the administrator's key gives them",
                        report.sealed
                    )
                };
                println!(
                    "ok: {} records verify; chain ends at {last}{acknowledged}{sealed}",
                    report.records
                );
                exit::NO_OBJECTION
            }
            (Some(problem), _) => {
                println!("FAILED: {}", safe(problem));
                exit::FAILURE
            }
            (None, Some(_)) => {
                println!(
                    "DAMAGED: the chain is intact, but the journal recorded {} damage marker(s) not yet acknowledged (crash damage or missing files, not an edit of the records):",
                    report.damage.len()
                );
                for (seq, what) in &report.damage {
                    println!("  #{seq}: {}", safe(what));
                }
                println!("Review them, then run `toolgate journal repair` to acknowledge them.");
                exit::FAILURE
            }
        },
        Err(e) => {
            eprintln!("toolgate journal verify: {e}");
            exit::FAILURE
        }
    }
}

/// The journal for a read command: folded first when it is a live journal this user can
/// write; otherwise (an evidence copy, read-only media, another account's file) opened
/// read-only, with nothing written to it or beside it.
fn open_for_reading(paths: &Paths) -> Result<rusqlite::Connection, String> {
    let fresh = !paths.db.exists();
    let live = store::is_live(paths) && writable(&paths.dir) && writable(&paths.db);
    if fresh || live {
        return store::fold(paths).map_err(|e| e.to_string());
    }
    let conn = store::open_read_only(paths).map_err(|e| e.to_string())?;
    eprintln!(
        "toolgate journal: reading {} as a read-only copy (records not yet folded into it are not shown)",
        safe(&paths.db.display().to_string())
    );
    Ok(conn)
}

fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated path.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// `journal repair`: recover now (a fold does), then acknowledge every damage marker with a
/// `journal-repair` marker naming them and who ran it. A problem (an altered journal) stays.
fn repair(paths: &Paths) -> u8 {
    let result = (|| -> Result<(verify::Report, Vec<(i64, String)>), String> {
        let conn = store::fold(paths).map_err(|e| e.to_string())?;
        let report = verify::verify(&conn, paths, None, &[]).map_err(|e| e.to_string())?;
        if report.damage.is_empty() {
            return Ok((report, Vec::new()));
        }
        let seqs: Vec<i64> = report.damage.iter().map(|(s, _)| *s).collect();
        let who = crate::identity::Identity::current().name;
        let marker = Record::marker(
            "journal-repair",
            format!(
                "{who} acknowledged {} damage marker(s): {}",
                seqs.len(),
                seqs.iter()
                    .map(|s| format!("#{s}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            serde_json::json!({ "acknowledged": seqs }),
        );
        match store::append(paths, marker, true) {
            Outcome::Written(_) => {}
            other => return Err(format!("could not write the repair record ({other:?})")),
        }
        let conn = store::fold(paths).map_err(|e| e.to_string())?;
        let after = verify::verify(&conn, paths, None, &[]).map_err(|e| e.to_string())?;
        Ok((after, report.damage))
    })();
    match result {
        Ok((report, acknowledged)) => {
            for (seq, what) in &acknowledged {
                println!("acknowledged #{seq}: {}", safe(what));
            }
            match report.problem {
                None => {
                    println!(
                        "ok: {} records verify{}",
                        report.records,
                        if acknowledged.is_empty() {
                            "; nothing to repair"
                        } else {
                            ""
                        }
                    );
                    exit::NO_OBJECTION
                }
                Some(problem) => {
                    println!(
                        "FAILED: {}\nrepair acknowledges damage the journal recorded itself; it cannot make an altered journal verify.",
                        safe(&problem)
                    );
                    exit::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("toolgate journal repair: {e}");
            exit::FAILURE
        }
    }
}

/// `journal seal`: a fresh first key, written to `key_out` (created, 0600), then sealing
/// starts with it.
fn seal(paths: &Paths, key_out: &Path) -> u8 {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let result = (|| -> Result<i64, String> {
        let mut key = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut r| r.read_exact(&mut key))
            .map_err(|e| format!("no random key: {e}"))?;
        let mut file = std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(key_out)
            .map_err(|e| {
                format!(
                    "cannot create {}: {e} (it must not exist yet)",
                    safe(&key_out.display().to_string())
                )
            })?;
        let from_seq = store::start_sealing(paths, key).map_err(|e| e.to_string())?;
        let saved = verify::SealKeyFile {
            journal: paths.db.display().to_string(),
            from_seq,
            key: crate::journal::hex(&key),
        };
        let text = serde_json::to_string_pretty(&saved).map_err(|e| e.to_string())?;
        file.write_all(format!("{text}\n").as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", safe(&key_out.display().to_string())))?;
        Ok(from_seq)
    })();
    match result {
        Ok(from) => {
            println!(
                "sealing from record #{from}; the first key is in {}. Keep it off this host (anyone who reads it can forge seals), and check with `toolgate journal verify --seal-key FILE`.",
                safe(&key_out.display().to_string())
            );
            exit::NO_OBJECTION
        }
        Err(e) => {
            eprintln!("toolgate journal seal: {e}");
            exit::FAILURE
        }
    }
}

fn prune(paths: &Paths, before: &str) -> u8 {
    let cutoff = match query::parse_time(before) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("toolgate journal prune: {e}");
            return exit::FAILURE;
        }
    };
    let result = (|| -> Result<usize, String> {
        let conn = store::fold(paths).map_err(|e| e.to_string())?;
        let last: Option<(i64, String)> = conn
            .query_row(
                "SELECT seq, hash FROM decisions WHERE seq <= (SELECT max(seq) FROM decisions WHERE time_us < ?1) ORDER BY seq DESC LIMIT 1",
                [cutoff],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let Some((through_seq, through_hash)) = last else {
            return Ok(0);
        };
        let mark = PruneMark {
            before: rfc3339(cutoff),
            through_seq,
            through_hash,
        };
        let record = Record::marker(
            "prune",
            format!(
                "pruned records #1 to #{through_seq} (before {})",
                rfc3339(cutoff)
            ),
            serde_json::to_value(&mark).map_err(|e| e.to_string())?,
        );
        // The prune record enters the chain first; only then are the old records deleted.
        match store::append(paths, record, true) {
            Outcome::Written(_) => {}
            other => {
                return Err(format!(
                    "could not write the prune record ({other:?}); nothing was deleted"
                ));
            }
        }
        let conn = store::fold(paths).map_err(|e| e.to_string())?;
        let deleted = conn
            .execute("DELETE FROM decisions WHERE seq <= ?1", [through_seq])
            .map_err(|e| e.to_string())?;
        Ok(deleted)
    })();
    match result {
        Ok(n) => {
            println!("pruned {n} records before {}", rfc3339(cutoff));
            exit::NO_OBJECTION
        }
        Err(e) => {
            eprintln!("toolgate journal prune: {e}");
            exit::FAILURE
        }
    }
}

fn report(
    conn: &rusqlite::Connection,
    paths: &Paths,
    f: &Filter,
    out: &Path,
) -> Result<(), String> {
    use crate::journal::report::{Chain, Facts, render};
    let stats = query::stats(conn, f)?;
    let denials_filter = Filter {
        decision: Some("deny".into()),
        limit: None,
        ..f.clone()
    };
    let denials_total = query::stats(conn, &denials_filter)?.total;
    let denials = query::query(
        conn,
        &Filter {
            limit: Some(25),
            ..denials_filter
        },
    )?;
    let chain = match verify::verify(conn, paths, None, &[]) {
        Ok(r) => match (r.problem, r.damage.is_empty()) {
            (Some(p), _) => Chain::Failed(p),
            (None, true) => Chain::Verified {
                records: r.records,
                head: r.last,
                acknowledged: r.acknowledged,
            },
            (None, false) => Chain::Damaged {
                records: r.records,
                head: r.last,
                damage: r.damage,
            },
        },
        Err(e) => Chain::NotRun(e.to_string()),
    };
    let journal_span = conn
        .query_row(
            "SELECT min(time_us), max(time_us) FROM decisions",
            [],
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
        )
        .map_err(|e| e.to_string())?;
    let filters: Vec<(String, String)> = [
        ("decision", &f.decision),
        ("tool", &f.tool),
        ("rule", &f.rule),
        ("session", &f.session),
        ("user", &f.user),
        ("agent", &f.agent),
        ("event", &f.event),
        ("text", &f.grep),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
    .collect();
    let html = render(&Facts {
        journal: &paths.db.display().to_string(),
        generated_us: now_us(),
        since_us: f.since_us,
        until_us: f.until_us,
        filters,
        journal_span: journal_span.0.zip(journal_span.1),
        stats: &stats,
        latest_denials: &denials,
        denials_total,
        chain,
    });
    write_private(out, html.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", safe(&out.display().to_string())))?;
    println!(
        "wrote {} ({} records, {} denied)",
        safe(&out.display().to_string()),
        stats.total,
        stats.by_decision.get("deny").copied().unwrap_or(0)
    );
    Ok(())
}

/// Write a file readable by its owner only (it holds redacted inputs), atomically.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp-toolgate");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(data)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[derive(Args, Debug)]
pub struct ShipArgs {
    /// tcp://HOST:PORT or tls://HOST:PORT (octet-counted, confirmed per batch), or
    /// udp://HOST:PORT (unconfirmed).
    #[arg(long, value_name = "URL")]
    syslog: String,
    /// tls://: PEM certificates to trust (default: the system bundle).
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// tls://: client certificate (PEM) for collectors that require one; with --key.
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// tls://: the client certificate's private key (PEM).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// auth, authpriv or local0 to local7.
    #[arg(long, default_value = "authpriv")]
    facility: String,
    /// Cursor file (default: beside the journal, one per destination).
    #[arg(long, value_name = "FILE")]
    cursor: Option<PathBuf>,
    /// Largest message in bytes; larger ones have their request data cut, and say so.
    #[arg(long, default_value_t = 8192, value_name = "BYTES")]
    max_message: usize,
    /// Records per confirmed batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Retries per batch, with doubling back-off from 250 ms (at most 8 s apart).
    #[arg(long, default_value_t = 5)]
    retries: u32,
    /// Seconds to wait for the collector to connect, read or confirm.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    timeout: u64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

fn ship(conn: &rusqlite::Connection, paths: &Paths, policy: Option<&Path>, a: ShipArgs) -> u8 {
    use crate::journal::ship::{self, Destination, Options};
    let setup = (|| -> Result<(Destination, Options, Cursor), String> {
        let destination = Destination::parse(&a.syslog)?;
        let facility = siem::facility(&a.facility).ok_or_else(|| {
            format!(
                "--facility must be auth, authpriv or local0..local7, not `{}`",
                safe(&a.facility)
            )
        })?;
        let tls = crate::journal::ship::TlsFiles {
            ca: a.ca.clone(),
            cert: a.cert.clone(),
            key: a.key.clone(),
        };
        let tls_files = tls.ca.is_some() || tls.cert.is_some() || tls.key.is_some();
        if tls_files && !matches!(destination, Destination::Tls(_)) {
            return Err("--ca, --cert and --key apply to tls:// destinations only".into());
        }
        let udp_limit = matches!(destination, Destination::Udp(_)).then_some(65_000);
        if a.max_message < 1024 || a.max_message > udp_limit.unwrap_or(1 << 20) {
            return Err(format!(
                "--max-message must be between 1024 and {} bytes",
                udp_limit.unwrap_or(1 << 20)
            ));
        }
        let cursor_path = a.cursor.clone().unwrap_or_else(|| {
            let name = paths
                .db
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            let id = &crate::journal::sha256_hex(a.syslog.as_bytes())[..12];
            paths.dir.join(format!(
                "{}.ship-{id}.cursor",
                name.unwrap_or_else(|| "journal.db".into())
            ))
        });
        let options = Options {
            facility,
            max_message: a.max_message,
            batch: a.batch.clamp(1, 10_000),
            retries: a.retries,
            timeout: std::time::Duration::from_secs(a.timeout.max(1)),
            backoff: std::time::Duration::from_millis(250),
            tls: match destination {
                Destination::Tls(_) => Some(tls.client_config()?),
                _ => None,
            },
        };
        Ok((destination, options, Cursor::open(&cursor_path)?))
    })();
    let (destination, options, mut cursor) = match setup {
        Ok(s) => s,
        Err(e) => {
            eprintln!("toolgate journal ship: {e}");
            return exit::FAILURE;
        }
    };
    let severities = severities(policy);
    match ship::ship(conn, &destination, &mut cursor, &severities, &options) {
        Ok(report) => {
            if a.format == Format::Json {
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
            } else {
                println!(
                    "shipped {} records to {} ({} truncated, {} retries); {} pending",
                    report.sent,
                    report.destination,
                    report.truncated,
                    report.retries,
                    report.pending
                );
                if let Some(e) = &report.last_error {
                    println!("last error: {}", safe(e));
                }
            }
            if report.pending == 0 {
                exit::NO_OBJECTION
            } else {
                exit::FAILURE
            }
        }
        Err(e) => {
            eprintln!("toolgate journal ship: {e}");
            exit::FAILURE
        }
    }
}

/// Rule severities from the policy's packs, for SIEM events; without a loadable policy the
/// decision stands in (and the user is told why).
pub(super) fn severities(policy: Option<&Path>) -> Severities {
    let loaded =
        crate::gate::Gate::load_located(policy, crate::normalize::Context::from_env(), false);
    match loaded {
        Ok(gate) => Severities(
            gate.engine
                .rules()
                .map(|r| (r.id.clone(), r.severity.name()))
                .collect(),
        ),
        Err(d) => {
            eprintln!(
                "toolgate journal: the policy does not load ({} error(s)); severities follow the decision",
                d.len()
            );
            Severities::default()
        }
    }
}

/// Stream matching records after the cursor, then advance it once everything is written
/// (and synced, when stdout is a file).
fn export(
    conn: &rusqlite::Connection,
    f: &Filter,
    format: ExportFormat,
    cursor: Option<&Path>,
    severities: &Severities,
) -> Result<(), String> {
    let mut cursor = cursor.map(Cursor::open).transpose()?;
    let after = match &cursor {
        Some(c) => c.after(conn)?,
        None => 0,
    };
    let io_error = |e: std::io::Error| format!("cannot write the export: {e}");
    let mut out = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match format {
        ExportFormat::Csv => writeln!(out, "{CSV_HEADER}").map_err(io_error)?,
        ExportFormat::Table => writeln!(out, "{}", table_header()).map_err(io_error)?,
        _ => {}
    }
    let mut last: Option<Position> = None;
    let mut count = 0u64;
    query::each_after(conn, f, after, |r| {
        let line = match format {
            ExportFormat::Jsonl => json_row(&r).to_string(),
            ExportFormat::Ocsf => siem::ocsf(&r, severities).to_string(),
            ExportFormat::Ecs => siem::ecs(&r, severities).to_string(),
            ExportFormat::Csv => csv_row(&r),
            ExportFormat::Table => table_row(&r),
        };
        writeln!(out, "{line}").map_err(io_error)?;
        count += 1;
        last = Some(Position {
            seq: r.seq,
            hash: r.hash,
        });
        Ok::<(), String>(())
    })?;
    if format == ExportFormat::Table {
        writeln!(out, "{count} records").map_err(io_error)?;
    }
    out.flush().map_err(io_error)?;
    drop(out);
    if let Some(cursor) = &mut cursor {
        sync_stdout()?;
        match last {
            Some(to) => {
                cursor.advance(to.clone())?;
                eprintln!(
                    "toolgate journal: exported {count} records; cursor {} at #{}",
                    safe(&cursor.path.display().to_string()),
                    to.seq
                );
            }
            None => eprintln!("toolgate journal: nothing new after the cursor"),
        }
    }
    Ok(())
}

/// fsync stdout when it is a file, so the cursor never runs ahead of what is on disk.
fn sync_stdout() -> Result<(), String> {
    // SAFETY: fsync on our own stdout descriptor.
    if unsafe { libc::fsync(1) } == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // A pipe, a terminal or a socket: nothing to sync.
        Some(libc::EINVAL | libc::EROFS | libc::ENOTSUP) => Ok(()),
        _ => Err(format!(
            "cannot sync the export: {e}; the cursor was not moved"
        )),
    }
}

fn json_row(r: &Record) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.insert("time".into(), rfc3339(r.time_us).into());
        if let Ok(input) = serde_json::from_str::<serde_json::Value>(&r.input_redacted) {
            map.insert("input_redacted".into(), input);
        }
    }
    v
}

fn csv_field(s: &str) -> String {
    let clean = safe_multiline(s);
    if clean.contains([',', '"', '\n']) {
        format!("\"{}\"", clean.replace('"', "\"\""))
    } else {
        clean
    }
}

/// Control characters escaped (a CSV cell may reach a terminal), length unbounded.
fn safe_multiline(s: &str) -> String {
    excerpt(s, usize::MAX)
}

const CSV_HEADER: &str = "seq,time,event,session_id,tool_use_id,user,role,host,cwd,tool_name,decision,rules,reason,policy_revision,input_redacted,redactions,eval_us,hash,agent";

fn csv_row(r: &Record) -> String {
    let cells = [
        r.seq.to_string(),
        rfc3339(r.time_us),
        r.event.clone(),
        r.session_id.clone().unwrap_or_default(),
        r.tool_use_id.clone().unwrap_or_default(),
        r.user.clone().unwrap_or_default(),
        r.role.clone().unwrap_or_default(),
        r.host.clone().unwrap_or_default(),
        r.cwd.clone().unwrap_or_default(),
        r.tool_name.clone().unwrap_or_default(),
        r.decision.clone(),
        r.rules.join(" "),
        r.reason.clone(),
        r.policy_revision.clone(),
        r.input_redacted.clone(),
        r.redactions.join(" "),
        r.eval_us.to_string(),
        r.hash.clone(),
        r.agent.clone().unwrap_or_default(),
    ];
    let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    line.join(",")
}

fn table_header() -> String {
    format!(
        "{:>7}  {:<19}  {:<5}  {:<14}  {:<28}  what",
        "seq", "time (UTC)", "dec", "tool", "rules"
    )
}

fn table_row(r: &Record) -> String {
    let time = rfc3339(r.time_us).replace('T', " ");
    let what = if r.input_redacted.is_empty() || r.input_redacted == "null" {
        r.reason.clone()
    } else {
        r.input_redacted.clone()
    };
    format!(
        "{:>7}  {:<19}  {:<5}  {:<14}  {:<28}  {}",
        r.seq,
        &time[..19.min(time.len())],
        r.decision,
        excerpt(r.tool_name.as_deref().unwrap_or(&r.event), 14),
        excerpt(&r.rules.join(","), 28),
        excerpt(&what, 40)
    )
}

fn print_rows(rows: &[Record], format: Format) {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            for r in rows {
                let _ = writeln!(out, "{}", json_row(r));
            }
        }
        Format::Csv => {
            let _ = writeln!(out, "{CSV_HEADER}");
            for r in rows {
                let _ = writeln!(out, "{}", csv_row(r));
            }
        }
        Format::Table => {
            let _ = writeln!(out, "{}", table_header());
            for r in rows {
                let _ = writeln!(out, "{}", table_row(r));
            }
            let _ = writeln!(out, "{} records", rows.len());
        }
    }
}

fn print_rule_use(used: &[query::RuleUse], policy: Option<&Path>, format: Format) {
    let fired: std::collections::HashSet<&str> = used.iter().map(|u| u.rule.as_str()).collect();
    let loaded =
        crate::gate::Gate::load_located(policy, crate::normalize::Context::from_env(), false);
    let never: Vec<String> = match loaded {
        Ok(gate) => gate
            .engine
            .rules()
            .map(|r| r.id.clone())
            .filter(|id| !fired.contains(id.as_str()))
            .collect(),
        Err(_) => Vec::new(),
    };
    if format == Format::Json {
        println!(
            "{}",
            serde_json::json!({ "rules": used, "never_fired": never })
        );
        return;
    }
    if format == Format::Csv {
        println!("rule,hits,denied,asked,approved,denied_then_allowed,last");
        for u in used {
            println!(
                "{},{},{},{},{},{},{}",
                csv_field(&u.rule),
                u.hits,
                u.denied,
                u.asked,
                u.approved,
                u.denied_then_allowed,
                u.last.as_deref().unwrap_or("")
            );
        }
        return;
    }
    println!(
        "{:<40} {:>6} {:>6} {:>6} {:>8} {:>13}  last",
        "rule", "hits", "denied", "asked", "approved", "deny->allow"
    );
    for u in used {
        println!(
            "{:<40} {:>6} {:>6} {:>6} {:>8} {:>13}  {}",
            safe(&u.rule),
            u.hits,
            u.denied,
            u.asked,
            u.approved,
            u.denied_then_allowed,
            u.last
                .as_deref()
                .map(|t| &t[..19.min(t.len())])
                .unwrap_or("")
        );
    }
    let relax: Vec<String> = used
        .iter()
        .filter(|u| u.asked >= 3 && u.approved * 10 >= u.asked * 9)
        .map(|u| format!("{} ({}/{} approved)", u.rule, u.approved, u.asked))
        .collect();
    let tighten: Vec<String> = used
        .iter()
        .filter(|u| u.denied_then_allowed > 0)
        .map(|u| {
            format!(
                "{} ({} of {} denials)",
                u.rule, u.denied_then_allowed, u.denied
            )
        })
        .collect();
    let show = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    println!(
        "candidates to relax (asks nearly always approved): {}",
        show(&relax)
    );
    println!(
        "candidates to tighten (a denial then a passing call of the same tool): {}",
        show(&tighten)
    );
    println!("never fired: {}", show(&never));
}

fn print_stats(s: &query::Stats, format: Format) {
    if format == Format::Json {
        println!("{}", serde_json::to_string(s).unwrap_or_default());
        return;
    }
    println!("total: {}", s.total);
    for (title, map) in [
        ("by decision", &s.by_decision),
        ("by rule", &s.by_rule),
        ("by tool", &s.by_tool),
        ("by user", &s.by_user),
        ("by day", &s.by_day),
        ("denied by day", &s.denied_by_day),
        ("findings masked, by kind", &s.by_redaction),
        ("calls with findings, by category", &s.events_by_category),
        ("by policy revision", &s.by_policy_revision),
        ("counters", &s.counters),
    ] {
        println!("{title}:");
        for (k, v) in map {
            println!("  {:<40} {v}", safe(k));
        }
    }
}
