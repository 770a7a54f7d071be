//! Checking the chain: every record's hash matches its contents, each record follows the
//! one before it, no numbers are missing (except where a prune record says so), nothing was
//! cut from the end (the chain head and an optional off-host anchor say where it ended).
//!
//! Two kinds of finding: a problem (the journal was altered: an edited, removed, inserted or
//! reordered record, a missing head, an anchor that does not match) and damage (markers the
//! journal wrote itself when it found a torn write, a missing head, an unreadable database or
//! records that could be written nowhere). Damage is reported until `journal repair`
//! acknowledges it with a marker of its own; a problem is never acknowledged away.

use super::Paths;
use super::error::Error;
use super::query::all_in_order;
use super::record::PruneMark;
use super::record::{DAMAGE_EVENTS, GENESIS, Record, SealKey, next_seal_key, seal_of};
use rusqlite::Connection;

/// What verification found.
#[derive(Debug, Default)]
pub struct Report {
    pub records: u64,
    pub first_seq: Option<i64>,
    pub last: Option<(i64, String)>,
    /// The first problem, if any.
    pub problem: Option<String>,
    /// Damage markers no repair has acknowledged yet: (sequence number, what was found).
    pub damage: Vec<(i64, String)>,
    /// Damage markers a `journal repair` record acknowledged.
    pub acknowledged: usize,
    /// Whether the head file was there to check the end of the chain against.
    pub head_checked: bool,
    /// Records whose seal was checked against an administrator's key.
    pub sealed: u64,
}

/// An administrator's sealing key, as `journal seal` wrote it: the first record it seals.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SealKeyFile {
    pub journal: String,
    pub from_seq: i64,
    /// The first key, hex.
    pub key: String,
}

impl SealKeyFile {
    pub fn key(&self) -> Option<SealKey> {
        super::record::seal_key_from_hex(&self.key)
    }
}

/// Each sealed record's key, derived forward from the administrator's first keys.
struct Sealer {
    /// (first record sealed, first key), by first record.
    keys: Vec<(i64, SealKey)>,
    /// Where the derivation stands: key index, record number, its key.
    at: Option<(usize, i64, SealKey)>,
}

impl Sealer {
    fn key_for(&mut self, seq: i64) -> Option<SealKey> {
        let index = self.keys.iter().rposition(|(from, _)| *from <= seq)?;
        let (from, first) = self.keys[index];
        let (mut at, mut key) = match self.at {
            Some((i, at, key)) if i == index && at <= seq => (at, key),
            _ => (from, first),
        };
        while at < seq {
            key = next_seal_key(&key);
            at += 1;
        }
        self.at = Some((index, at, key));
        Some(key)
    }
}

pub fn verify(
    conn: &Connection,
    paths: &Paths,
    anchor: Option<(i64, String)>,
    seal_keys: &[(i64, SealKey)],
) -> Result<Report, Error> {
    let mut report = Report::default();
    let mut keys = seal_keys.to_vec();
    keys.sort_by_key(|(from, _)| *from);
    let mut sealer = Sealer { keys, at: None };
    let mut previous: Option<Record> = None;
    let mut first: Option<Record> = None;
    let mut prune_marks: Vec<PruneMark> = Vec::new();
    let mut anchor_seen = false;
    // Where a restart marker says the chain resumes after records the database no longer
    // has (it was replaced), the gap is damage, reported through the marker, not a deletion.
    let mut resumes: Vec<(i64, String)> = Vec::new();
    {
        let mut stmt = conn.prepare(
            "SELECT input_redacted FROM decisions WHERE event = 'journal-restart' AND cwd IS NULL AND session_id IS NULL AND tool_name IS NULL",
        )?;
        let marks = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for m in marks {
            if let Ok(mark) = serde_json::from_str::<PruneMark>(&m?) {
                resumes.push((mark.through_seq, mark.through_hash));
            }
        }
    }
    all_in_order(conn, |r| {
        report.records += 1;
        if r.is_marker() {
            if (r.event == "prune" || r.event == "journal-restart")
                && let Ok(mark) = serde_json::from_str::<PruneMark>(&r.input_redacted)
            {
                prune_marks.push(mark);
            }
            if DAMAGE_EVENTS.contains(&r.event.as_str()) {
                report.damage.push((r.seq, r.reason.clone()));
            }
            if r.event == "journal-repair" {
                report.acknowledged += report.damage.len();
                report.damage.clear();
            }
        }
        if let Some((seq, hash)) = &anchor
            && r.seq == *seq
        {
            anchor_seen = true;
            if r.hash != *hash && report.problem.is_none() {
                report.problem = Some(format!(
                    "record #{seq} does not match the anchor's hash (the chain was rewritten)"
                ));
            }
        }
        if report.problem.is_none()
            && let Some(key) = sealer.key_for(r.seq)
        {
            report.sealed += 1;
            match &r.seal {
                Some(seal) if *seal == seal_of(&key, &r.hash) => {}
                Some(_) => {
                    report.problem = Some(format!(
                        "record #{} does not carry the seal the administrator's key gives it: it was rewritten after it was sealed",
                        r.seq
                    ))
                }
                None => {
                    report.problem = Some(format!(
                        "record #{} carries no seal, though the administrator's key seals every record from #{}",
                        r.seq,
                        sealer.keys[sealer.at.map_or(0, |a| a.0)].0
                    ))
                }
            }
        }
        if report.problem.is_none() {
            let resumed = resumes
                .iter()
                .any(|(seq, hash)| *seq == r.seq - 1 && *hash == r.prev_hash);
            report.problem = check(&r, previous.as_ref(), resumed);
        }
        if first.is_none() {
            first = Some(r.clone());
        }
        previous = Some(r);
    })?;
    report.first_seq = first.as_ref().map(|r| r.seq);
    report.last = previous.as_ref().map(|r| (r.seq, r.hash.clone()));
    if let Some(f) = &first
        && report.problem.is_none()
    {
        let explained = (f.seq == 1 && f.prev_hash == GENESIS)
            || prune_marks
                .iter()
                .any(|m| m.through_seq == f.seq - 1 && m.through_hash == f.prev_hash);
        if !explained {
            report.problem = Some(format!(
                "the journal starts at record #{} but no prune record accounts for the records before it (deleted)",
                f.seq
            ));
        }
    }
    if report.problem.is_none()
        && let Some((seq, _)) = &anchor
        && !anchor_seen
    {
        let last = report.last.as_ref().map_or(0, |l| l.0);
        report.problem = Some(if *seq > last {
            format!(
                "the anchor names record #{seq} but the journal ends at #{last}: records were removed from the end"
            )
        } else {
            format!("the anchor's record #{seq} is missing")
        });
    }
    let head = super::store::chain_head(paths);
    report.head_checked = head.is_some();
    if report.problem.is_none() && head.is_none() && anchor.is_none() && report.records > 0 {
        report.problem = Some(format!(
            "the chain head file {} is missing or unreadable, so records cut from the end cannot be ruled out (give --anchor to check the end against an anchor kept off the host)",
            paths.head.display()
        ));
    }
    if report.problem.is_none()
        && let Some((seq, hash)) = &head
    {
        let (seq, hash) = (*seq, hash.as_str());
        match &report.last {
            Some((last, last_hash)) if *last == seq && last_hash != hash => {
                report.problem = Some(format!(
                    "record #{last} does not match the chain head (the last record was replaced)"
                ));
            }
            Some((last, _)) if *last < seq => {
                report.problem = Some(format!(
                    "the chain head says record #{seq} was written but the journal ends at #{last}: records were removed from the end"
                ));
            }
            Some((last, _)) if *last > seq => {
                report.problem = Some(format!(
                    "the journal holds records after #{seq}, where the chain head ends: #{} to #{last} were added outside toolgate",
                    seq + 1
                ));
            }
            None if seq > 0 => {
                report.problem = Some(format!(
                    "the chain head says record #{seq} was written but the journal is empty"
                ));
            }
            _ => {}
        }
    }
    Ok(report)
}

/// The first thing wrong with `r` given the record before it.
fn check(r: &Record, previous: Option<&Record>, resumed: bool) -> Option<String> {
    if r.compute_hash() != r.hash {
        return Some(format!(
            "record #{} was edited: its hash does not match its contents",
            r.seq
        ));
    }
    let p = previous?;
    if resumed && r.seq > p.seq {
        return None;
    }
    if r.seq != p.seq + 1 && r.prev_hash != p.hash {
        return Some(format!(
            "records #{} to #{} are missing (deleted)",
            p.seq + 1,
            r.seq - 1
        ));
    }
    if r.prev_hash != p.hash {
        return Some(format!(
            "record #{} does not follow record #{} (inserted or reordered)",
            r.seq, p.seq
        ));
    }
    if r.seq != p.seq + 1 {
        return Some(format!(
            "record #{} carries the wrong sequence number after #{}",
            r.seq, p.seq
        ));
    }
    None
}
