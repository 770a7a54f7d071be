//! Journal queries on a million records: time range and decision, as compliance staff run
//! them. The table is filled once (synthetic records) before measuring.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use toolgate::journal::query::{self, Filter};
use toolgate::journal::record::now_us;
use toolgate::journal::{Paths, store};

const ROWS: i64 = 1_000_000;

fn fill(paths: &Paths) {
    let mut conn = store::open_db(paths).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO decisions (seq, time_us, time, event, session_id, tool_use_id, user, host, cwd, tool_name,
                 decision, rules, reason, policy_revision, toolgate_version, input_redacted, input_sha256, redactions,
                 eval_us, prev_hash, hash) VALUES (?1, ?2, '', 'PreToolUse', ?3, 'toolu', 'alice', 'host', '/p', ?4, ?5, ?6,
                 'reason', 'rev', '0.1.0', '{\"command\":\"ls\"}', 'x', '[]', 100, 'p', 'h')",
            )
            .unwrap();
        let start = now_us() - 90 * 86_400_000_000;
        let step = 90 * 86_400_000_000 / ROWS;
        for i in 0..ROWS {
            let (decision, rules) = match i % 50 {
                0 => ("deny", "[\"fs.rm-critical\"]"),
                1..=3 => ("ask", "[\"git.push\"]"),
                _ => ("allow", "[]"),
            };
            let tool = if i % 3 == 0 { "Read" } else { "Bash" };
            insert
                .execute(rusqlite::params![
                    i + 1,
                    start + i * step,
                    format!("s{}", i / 200),
                    tool,
                    decision,
                    rules
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn queries(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(&dir.path().join("journal.db"));
    fill(&paths);
    let conn = store::open_db(&paths).unwrap();
    let day = 86_400_000_000;
    let last_day_denies = Filter {
        since_us: Some(now_us() - day),
        decision: Some("deny".into()),
        limit: Some(100),
        ..Default::default()
    };
    c.bench_function("journal/1M: deny in the last 24h (limit 100)", |b| {
        b.iter(|| query::query(&conn, black_box(&last_day_denies)).unwrap())
    });
    let week = Filter {
        since_us: Some(now_us() - 7 * day),
        until_us: Some(now_us() - 6 * day),
        limit: Some(100),
        ..Default::default()
    };
    c.bench_function("journal/1M: one day a week ago (limit 100)", |b| {
        b.iter(|| query::query(&conn, black_box(&week)).unwrap())
    });
    let month_denies = Filter {
        since_us: Some(now_us() - 30 * day),
        decision: Some("deny".into()),
        ..Default::default()
    };
    c.bench_function("journal/1M: every deny in 30 days (export)", |b| {
        b.iter(|| query::query(&conn, black_box(&month_denies)).unwrap())
    });
    let stats = Filter {
        since_us: Some(now_us() - 7 * day),
        ..Default::default()
    };
    c.bench_function("journal/1M: stats for 7 days", |b| {
        b.iter(|| query::stats(&conn, black_box(&stats)).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = queries
}
criterion_main!(benches);
