//! Reading the journal: filters, listing, statistics.

use super::error::Error;
use super::record::{Record, now_us};
use rusqlite::{Connection, ToSql};
use std::collections::BTreeMap;

/// Which records to read. Times are UTC microseconds.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since_us: Option<i64>,
    pub until_us: Option<i64>,
    pub decision: Option<String>,
    pub tool: Option<String>,
    pub rule: Option<String>,
    pub session: Option<String>,
    pub user: Option<String>,
    /// The coding agent (`claude`, `codex`, ...); records from before agents were told
    /// apart count as `claude`.
    pub agent: Option<String>,
    /// The hook event (`PreToolUse`, `UserPromptSubmit`, `prune`, ...).
    pub event: Option<String>,
    pub grep: Option<String>,
    /// Most recent N (in time order); `None` for all.
    pub limit: Option<usize>,
}

/// `2026-11-25T10:00:00Z` (RFC 3339), `2026-11-25` (midnight UTC), or a span back from now:
/// `30m`, `24h`, `7d`, `2w`.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Some((number, unit)) = t.split_at_checked(t.len().saturating_sub(1))
        && let Ok(n) = number.parse::<i64>()
    {
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(format!("unknown time unit in `{t}`: use s, m, h, d or w")),
        };
        return Ok(now_us() - n * seconds * 1_000_000);
    }
    if let Ok(dt) = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Ok((dt.unix_timestamp_nanos() / 1000) as i64);
    }
    if let Ok(date) = time::Date::parse(
        t,
        &time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        return Ok(date.midnight().assume_utc().unix_timestamp() * 1_000_000);
    }
    Err(format!(
        "cannot read `{t}` as a time: use RFC 3339 (2026-11-25T10:00:00Z), a date (2026-11-25) or a span (24h, 7d)"
    ))
}

fn where_clause(f: &Filter) -> (String, Vec<Box<dyn ToSql>>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Box<dyn ToSql>> = Vec::new();
    for (clause, value) in [("time_us >= ?", f.since_us), ("time_us < ?", f.until_us)] {
        if let Some(v) = value {
            clauses.push(clause);
            values.push(Box::new(v));
        }
    }
    let text_filters = [
        ("decision = ?", &f.decision),
        ("tool_name = ?", &f.tool),
        (
            "EXISTS (SELECT 1 FROM json_each(decisions.rules) WHERE value = ?)",
            &f.rule,
        ),
        ("session_id = ?", &f.session),
        ("user = ?", &f.user),
        ("event = ?", &f.event),
    ];
    for (clause, value) in text_filters {
        if let Some(v) = value {
            clauses.push(clause);
            values.push(Box::new(v.clone()));
        }
    }
    let agent_clause;
    if let Some(agent) = &f.agent {
        // Records from before agents were told apart are Claude Code's; markers are no one's.
        let markers = super::record::MARKER_EVENTS
            .iter()
            .map(|m| format!("'{m}'"))
            .collect::<Vec<_>>()
            .join(", ");
        agent_clause = format!(
            "coalesce(agent, CASE WHEN event IN ({markers}) THEN NULL ELSE 'claude' END) = ?"
        );
        clauses.push(&agent_clause);
        values.push(Box::new(agent.clone()));
    }
    // Positional `?` parameters: the text is bound once per use.
    if let Some(v) = &f.grep {
        clauses.push("(instr(input_redacted, ?) > 0 OR instr(reason, ?) > 0)");
        values.push(Box::new(v.clone()));
        values.push(Box::new(v.clone()));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (sql, values)
}

const COLUMNS: &str = "seq, time_us, event, session_id, tool_use_id, agent_id, permission_mode, user, host, cwd,
    tool_name, decision, rules, reason, policy_revision, toolgate_version, input_redacted, input_sha256,
    redactions, eval_us, prev_hash, hash, role, ignored_env, origin, seal, agent";

pub fn row_to_record(row: &rusqlite::Row) -> rusqlite::Result<Record> {
    let json_list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    Ok(Record {
        seq: row.get(0)?,
        time_us: row.get(1)?,
        event: row.get(2)?,
        session_id: row.get(3)?,
        tool_use_id: row.get(4)?,
        agent_id: row.get(5)?,
        permission_mode: row.get(6)?,
        user: row.get(7)?,
        host: row.get(8)?,
        cwd: row.get(9)?,
        tool_name: row.get(10)?,
        decision: row.get(11)?,
        rules: json_list(row.get(12)?),
        reason: row.get(13)?,
        policy_revision: row.get(14)?,
        toolgate_version: row.get(15)?,
        input_redacted: row.get(16)?,
        input_sha256: row.get(17)?,
        redactions: json_list(row.get(18)?),
        eval_us: row.get(19)?,
        prev_hash: row.get(20)?,
        hash: row.get(21)?,
        role: row.get(22)?,
        ignored_env: row.get(23)?,
        origin: row.get(24)?,
        seal: row.get(25)?,
        agent: row.get(26)?,
    })
}

/// Matching records in time order (the most recent `limit` of them).
pub fn query(conn: &Connection, f: &Filter) -> Result<Vec<Record>, Error> {
    let (clause, values) = where_clause(f);
    let limit = f.limit.map(|n| format!("LIMIT {n}")).unwrap_or_default();
    let sql = format!(
        "SELECT * FROM (SELECT {COLUMNS} FROM decisions {clause} ORDER BY time_us DESC, seq DESC {limit}) ORDER BY time_us, seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    let params: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref()).collect();
    let rows = stmt.query_map(params.as_slice(), row_to_record)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Matching records with `seq > after`, in chain order, one at a time (an export of
/// millions of records holds one in memory); with `f.limit`, the first N of them. `visit`
/// may stop the walk with an error.
pub fn each_after<E: From<Error>>(
    conn: &Connection,
    f: &Filter,
    after: i64,
    mut visit: impl FnMut(Record) -> Result<(), E>,
) -> Result<(), E> {
    let (clause, mut values) = where_clause(f);
    let clause = if clause.is_empty() {
        "WHERE seq > ?".to_string()
    } else {
        format!("{clause} AND seq > ?")
    };
    values.push(Box::new(after));
    let limit = f.limit.map(|n| format!("LIMIT {n}")).unwrap_or_default();
    let sql = format!("SELECT {COLUMNS} FROM decisions {clause} ORDER BY seq {limit}");
    let mut stmt = conn.prepare(&sql).map_err(Error::from)?;
    let params: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref()).collect();
    let mut rows = stmt.query(params.as_slice()).map_err(Error::from)?;
    while let Some(row) = rows.next().map_err(Error::from)? {
        visit(row_to_record(row).map_err(Error::from)?)?;
    }
    Ok(())
}

/// The last record's sequence number and hash.
pub fn last(conn: &Connection) -> Result<Option<(i64, String)>, Error> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Every record in sequence order, for verification.
pub fn all_in_order(conn: &Connection, mut visit: impl FnMut(Record)) -> Result<(), Error> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM decisions ORDER BY seq"))?;
    let rows = stmt.query_map([], row_to_record)?;
    for r in rows {
        visit(r?);
    }
    Ok(())
}

/// Counts for `journal stats`.
#[derive(Debug, Default, serde::Serialize)]
pub struct Stats {
    pub total: i64,
    pub by_decision: BTreeMap<String, i64>,
    pub by_rule: BTreeMap<String, i64>,
    pub by_tool: BTreeMap<String, i64>,
    pub by_user: BTreeMap<String, i64>,
    pub by_day: BTreeMap<String, i64>,
    /// Denied calls (and calls that could not be checked) per day.
    pub denied_by_day: BTreeMap<String, i64>,
    /// Masked findings by kind (`phi:ssn`, `secret:github-token`), never values: each
    /// record counts once per kind it held.
    pub by_redaction: BTreeMap<String, i64>,
    /// Records (calls) that held at least one finding of a category (`phi`, `secret`,
    /// `output:phi`, ...): one call with three kinds of patient identifier counts once.
    pub events_by_category: BTreeMap<String, i64>,
    /// Policy revisions that decided calls in the period.
    pub by_policy_revision: BTreeMap<String, i64>,
    /// `spooled`, `lost`, `restarts`.
    pub counters: BTreeMap<String, i64>,
}

pub fn stats(conn: &Connection, f: &Filter) -> Result<Stats, Error> {
    let (clause, values) = where_clause(f);
    let params: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref()).collect();
    let mut out = Stats::default();
    let group = |sql: String| -> Result<BTreeMap<String, i64>, Error> {
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params.as_slice(), |r| {
            Ok((
                r.get::<_, Option<String>>(0)?
                    .unwrap_or_else(|| "(none)".into()),
                r.get::<_, i64>(1)?,
            ))
        })?;
        Ok(rows.collect::<Result<BTreeMap<_, _>, _>>()?)
    };
    out.by_decision = group(format!(
        "SELECT decision, count(*) FROM decisions {clause} GROUP BY 1"
    ))?;
    out.by_tool = group(format!(
        "SELECT tool_name, count(*) FROM decisions {clause} GROUP BY 1"
    ))?;
    out.by_user = group(format!(
        "SELECT user, count(*) FROM decisions {clause} GROUP BY 1"
    ))?;
    out.by_day = group(format!(
        "SELECT substr(time, 1, 10), count(*) FROM decisions {clause} GROUP BY 1"
    ))?;
    let and = if clause.is_empty() { "WHERE" } else { "AND" };
    out.denied_by_day = group(format!(
        "SELECT substr(time, 1, 10), count(*) FROM decisions {clause} {and} decision IN ('deny', 'error') GROUP BY 1"
    ))?;
    out.by_redaction = group(format!(
        "SELECT j.value, count(*) FROM decisions, json_each(decisions.redactions) AS j {clause} GROUP BY 1"
    ))?;
    // The category is the kind up to its last `:` (`phi:ssn` -> `phi`, `output:phi:ssn` ->
    // `output:phi`); `excerpt` marks a shortened input and is no finding.
    out.events_by_category = group(format!(
        "SELECT c, count(*) FROM (SELECT DISTINCT decisions.seq AS s,
                CASE WHEN instr(j.value, ':') > 0
                     THEN rtrim(j.value, 'abcdefghijklmnopqrstuvwxyz0123456789-_.') ELSE j.value END AS c
            FROM decisions, json_each(decisions.redactions) AS j {clause} {and} j.value != 'excerpt')
         GROUP BY 1"
    ))?
    .into_iter()
    .map(|(k, v)| (k.trim_end_matches(':').to_string(), v))
    .collect();
    out.by_policy_revision = group(format!(
        "SELECT policy_revision, count(*) FROM decisions {clause} {and} policy_revision != '' GROUP BY 1"
    ))?;
    out.by_rule = group(format!(
        "SELECT j.value, count(*) FROM decisions, json_each(decisions.rules) AS j {clause} GROUP BY 1"
    ))?;
    out.total = out.by_decision.values().sum();
    let mut stmt = conn.prepare("SELECT name, value FROM counters")?;
    out.counters = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    // Counted from the chain itself (journals before schema 4 kept them in `counters`).
    let chained: (i64, i64, i64, i64) = conn.query_row(
        "SELECT count(*) FILTER (WHERE origin = 'spool'),
                count(*) FILTER (WHERE origin = 'failsafe'),
                coalesce(sum(json_extract(input_redacted, '$.records')) FILTER (WHERE event = 'journal-lost' AND cwd IS NULL), 0),
                count(*) FILTER (WHERE event = 'journal-restart' AND cwd IS NULL)
         FROM decisions",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    for (name, n) in [
        ("spooled", chained.0),
        ("failsafe", chained.1),
        ("lost", chained.2),
        ("restarts", chained.3),
    ] {
        *out.counters.entry(name.into()).or_insert(0) += n;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_three_forms() {
        assert_eq!(
            parse_time("2026-11-25T00:00:00Z"),
            Ok(1_795_564_800_000_000)
        );
        assert_eq!(parse_time("2026-11-25"), Ok(1_795_564_800_000_000));
        let day = parse_time("1d").unwrap();
        assert!((now_us() - day - 86_400_000_000).abs() < 5_000_000);
        assert!(parse_time("yesterday").unwrap_err().contains("cannot read"));
        assert!(parse_time("5y").unwrap_err().contains("unit"));
    }
}

/// How each rule fared over a period, for `journal rules`.
#[derive(Debug, Default, serde::Serialize)]
pub struct RuleUse {
    pub rule: String,
    pub hits: i64,
    pub denied: i64,
    pub asked: i64,
    /// Asks the user approved: the tool ran (a PostToolUse record for the same call).
    pub approved: i64,
    /// Denials followed within ten minutes, in the same session, by a call of the same tool
    /// that passed: the agent may have found another way round.
    pub denied_then_allowed: i64,
    pub last: Option<String>,
}

/// Per-rule use over the filtered records, most hits first.
pub fn rule_use(conn: &Connection, f: &Filter) -> Result<Vec<RuleUse>, Error> {
    let (clause, values) = where_clause(f);
    let params: Vec<&dyn ToSql> = values.iter().map(|v| v.as_ref()).collect();
    let and = if clause.is_empty() { "WHERE" } else { "AND" };
    let sql = format!(
        "SELECT j.value, count(*),
                sum(decision = 'deny'),
                sum(decision = 'ask'),
                sum(decision = 'ask' AND tool_use_id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM decisions p WHERE p.event = 'PostToolUse'
                    AND p.tool_use_id = decisions.tool_use_id)),
                sum(decision = 'deny' AND session_id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM decisions a WHERE a.session_id = decisions.session_id
                    AND a.seq > decisions.seq AND a.time_us <= decisions.time_us + 600000000
                    AND a.event = 'PreToolUse' AND a.decision = 'allow'
                    AND a.tool_name IS decisions.tool_name)),
                max(time)
         FROM decisions, json_each(decisions.rules) AS j {clause} {and} event != 'PostToolUse'
         GROUP BY 1 ORDER BY 2 DESC, 1"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params.as_slice(), |r| {
        Ok(RuleUse {
            rule: r.get(0)?,
            hits: r.get(1)?,
            denied: r.get(2)?,
            asked: r.get(3)?,
            approved: r.get(4)?,
            denied_then_allowed: r.get(5)?,
            last: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
