//! `toolgate journal ...`: what compliance staff run. Every read first folds the hooks'
//! segment and spool into SQLite, so it sees every record written so far.

use crate::exit;
use crate::journal::query::{self, Filter};
use crate::journal::record::{Record, now_us, rfc3339};
use crate::journal::store::{self, Outcome};
use crate::journal::verify::{self, PruneMark};
use crate::journal::{Paths, record};
use crate::sanitize::{excerpt, safe};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::Path;

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
    /// Every matching record, for an auditor or a SIEM (JSON Lines by default).
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value_t = Format::Json)]
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
    },
    /// Print the chain's latest sequence number and hash, to keep off the host.
    Anchor,
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
    /// Text in the (redacted) input or the reason.
    #[arg(long)]
    grep: Option<String>,
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
    Ok(Filter {
        since_us: time(&args.since)?,
        until_us: time(&args.until)?,
        decision: args.decision.clone(),
        tool: args.tool.clone(),
        rule: args.rule.clone(),
        session: args.session.clone(),
        user: args.user.clone(),
        grep: args.grep.clone(),
        limit,
    })
}

pub fn run(journal: Option<&Path>, command: JournalCommand) -> u8 {
    let Some(paths) = Paths::locate(journal) else {
        eprintln!("toolgate journal: no journal location: set --journal, TOOLGATE_JOURNAL or HOME");
        return exit::FAILURE;
    };
    let conn = match store::fold(&paths) {
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
        JournalCommand::Export { filter: f, format } => filter(&f, None)
            .and_then(|f| query::query(&conn, &f).map_err(|e| e.to_string()))
            .map(|rows| print_rows(&rows, format)),
        JournalCommand::Stats { filter: f, format } => filter(&f, None)
            .and_then(|f| query::stats(&conn, &f).map_err(|e| e.to_string()))
            .map(|s| print_stats(&s, format)),
        JournalCommand::Verify { anchor } => {
            return verify_command(&conn, &paths, anchor.as_deref());
        }
        JournalCommand::Anchor => verify::verify(&conn, &paths, None)
            .map_err(|e| e.to_string())
            .map(|r| {
                let (seq, hash) = r.last.unwrap_or((0, record::GENESIS.to_string()));
                println!(
                    "{}",
                    serde_json::json!({ "seq": seq, "hash": hash, "time": rfc3339(now_us()) })
                );
            }),
        JournalCommand::Prune { before } => return prune(&paths, &before),
    };
    match result {
        Ok(()) => exit::NO_OBJECTION,
        Err(e) => {
            eprintln!("toolgate journal: {e}");
            exit::FAILURE
        }
    }
}

fn verify_command(conn: &rusqlite::Connection, paths: &Paths, anchor: Option<&str>) -> u8 {
    let anchor = match anchor.map(|a| {
        a.split_once(':')
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
    match verify::verify(conn, paths, anchor) {
        Ok(report) => match report.problem {
            None => {
                let last = report
                    .last
                    .map(|(s, h)| format!("#{s} {h}"))
                    .unwrap_or_else(|| "(empty)".into());
                println!(
                    "ok: {} records verify; chain ends at {last}",
                    report.records
                );
                exit::NO_OBJECTION
            }
            Some(problem) => {
                println!("FAILED: {problem}");
                exit::FAILURE
            }
        },
        Err(e) => {
            eprintln!("toolgate journal verify: {e}");
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
        let record = Record {
            time_us: now_us(),
            event: "prune".into(),
            user: Some(crate::identity::Identity::current().name),
            host: record::host_name(),
            decision: "allow".into(),
            reason: format!(
                "pruned records #1 to #{through_seq} (before {})",
                rfc3339(cutoff)
            ),
            toolgate_version: env!("CARGO_PKG_VERSION").into(),
            input_redacted: serde_json::to_string(&mark).map_err(|e| e.to_string())?,
            ..Default::default()
        };
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

fn print_rows(rows: &[Record], format: Format) {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            for r in rows {
                let _ = writeln!(out, "{}", json_row(r));
            }
        }
        Format::Csv => {
            let _ = writeln!(
                out,
                "seq,time,event,session_id,tool_use_id,user,host,cwd,tool_name,decision,rules,reason,policy_revision,input_redacted,redactions,eval_us,hash"
            );
            for r in rows {
                let cells = [
                    r.seq.to_string(),
                    rfc3339(r.time_us),
                    r.event.clone(),
                    r.session_id.clone().unwrap_or_default(),
                    r.tool_use_id.clone().unwrap_or_default(),
                    r.user.clone().unwrap_or_default(),
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
                ];
                let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
                let _ = writeln!(out, "{}", line.join(","));
            }
        }
        Format::Table => {
            let _ = writeln!(
                out,
                "{:>7}  {:<19}  {:<5}  {:<14}  {:<28}  what",
                "seq", "time (UTC)", "dec", "tool", "rules"
            );
            for r in rows {
                let time = rfc3339(r.time_us).replace('T', " ");
                let what = if r.input_redacted.is_empty() || r.input_redacted == "null" {
                    r.reason.clone()
                } else {
                    r.input_redacted.clone()
                };
                let _ = writeln!(
                    out,
                    "{:>7}  {:<19}  {:<5}  {:<14}  {:<28}  {}",
                    r.seq,
                    &time[..19.min(time.len())],
                    r.decision,
                    excerpt(r.tool_name.as_deref().unwrap_or(&r.event), 14),
                    excerpt(&r.rules.join(","), 28),
                    excerpt(&what, 40)
                );
            }
            let _ = writeln!(out, "{} records", rows.len());
        }
    }
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
        ("counters", &s.counters),
    ] {
        println!("{title}:");
        for (k, v) in map {
            println!("  {:<40} {v}", safe(k));
        }
    }
}
