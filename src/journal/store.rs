//! Writing the journal: the locked segment the hook appends to, the spool for when that
//! fails, and folding both into SQLite.
//!
//! Durability: an appended record is in the kernel once `append` returns, so it survives the
//! process crashing; a power loss can drop the last records that were not yet written back
//! (seconds). With `[journal] fsync = true` every append is synced before the hook answers
//! (strict mode, slower).

use super::Paths;
use super::record::{GENESIS, Record, rfc3339};
use rusqlite::{Connection, OptionalExtension, params};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};

/// Longest the hook waits for the journal lock before spooling instead.
pub const HOOK_LOCK_WAIT: Duration = Duration::from_millis(150);
/// Longest a reader waits for the lock.
pub const READER_LOCK_WAIT: Duration = Duration::from_secs(10);
/// A segment larger than this is folded by the hook that crossed it.
pub const FOLD_THRESHOLD: u64 = 512 * 1024;

/// 2: `role` (the policy role of the user). 3: `ignored_env` (variables a managed
/// deployment ignored).
pub const SCHEMA_VERSION: i64 = 3;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY,
    time_us INTEGER NOT NULL,
    time TEXT NOT NULL,
    event TEXT NOT NULL,
    session_id TEXT,
    tool_use_id TEXT,
    agent_id TEXT,
    permission_mode TEXT,
    user TEXT,
    host TEXT,
    cwd TEXT,
    tool_name TEXT,
    decision TEXT NOT NULL CHECK (decision IN ('allow', 'ask', 'deny', 'error')),
    rules TEXT NOT NULL,
    reason TEXT NOT NULL,
    policy_revision TEXT NOT NULL,
    toolgate_version TEXT NOT NULL,
    input_redacted TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    redactions TEXT NOT NULL,
    eval_us INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    -- Added in schema 2 and 3 (last, as ALTER TABLE adds them to older journals).
    role TEXT,
    ignored_env TEXT
);
CREATE INDEX IF NOT EXISTS decisions_time ON decisions (time_us);
CREATE INDEX IF NOT EXISTS decisions_decision_time ON decisions (decision, time_us);
CREATE INDEX IF NOT EXISTS decisions_session ON decisions (session_id);
CREATE INDEX IF NOT EXISTS decisions_tool_use ON decisions (tool_use_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

#[derive(Debug)]
pub enum Error {
    Io(String),
    Sqlite(String),
    Locked,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::Sqlite(e) => write!(f, "SQLite: {e}"),
            Self::Locked => write!(f, "the journal is locked by another process"),
        }
    }
}

impl From<Error> for String {
    fn from(e: Error) -> Self {
        e.to_string()
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e.to_string())
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// In the journal, with this sequence number.
    Written(i64),
    /// In the spool; the next fold imports it.
    Spooled,
    /// Neither could be written.
    Lost(String),
}

/// An exclusive `flock` on the lock file, released on drop.
struct Lock(File);

impl Lock {
    fn acquire(paths: &Paths, wait: Duration) -> Result<Lock, Error> {
        ensure_dir(&paths.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&paths.lock)?;
        let deadline = Instant::now() + wait;
        let mut pause = 1u64;
        loop {
            // SAFETY: flock on a file descriptor we own.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(Lock(file));
            }
            if Instant::now() >= deadline {
                return Err(Error::Locked);
            }
            // Short jittered back-off: many hooks run at once.
            let jitter = (super::record::now_us() as u64 ^ std::process::id() as u64) % 3;
            std::thread::sleep(Duration::from_millis(pause + jitter));
            pause = (pause * 2).min(8);
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // SAFETY: unlocking our own descriptor.
        unsafe {
            libc::flock(self.0.as_raw_fd(), libc::LOCK_UN);
        }
    }
}

/// Create the journal folder with mode 0700 if it is missing.
pub fn ensure_dir(dir: &std::path::Path) -> Result<(), Error> {
    if !dir.exists() {
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The chain head: the last sequence number and hash, in the journal or its segment.
fn read_head(paths: &Paths) -> Option<(i64, String)> {
    let text = fs::read_to_string(&paths.head).ok()?;
    let (seq, hash) = text.trim().split_once(' ')?;
    Some((seq.parse().ok()?, hash.to_string()))
}

/// Overwritten in place under the journal lock, at a fixed width so every write covers the
/// last one: no temporary file and rename per call (a tenth of a short hook call). One
/// small write at offset 0 lands whole or not at all in practice; a head that does not
/// read is recovered from the segment, and a wrong one breaks the chain where `journal
/// verify` reports it.
fn write_head(paths: &Paths, seq: i64, hash: &str, fsync: bool) -> Result<(), Error> {
    use std::os::unix::fs::FileExt;
    let line = format!("{seq:020} {hash}\n");
    let f = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .mode(0o600)
        .open(&paths.head)?;
    f.write_all_at(line.as_bytes(), 0)?;
    if f.metadata()?.len() != line.len() as u64 {
        f.set_len(line.len() as u64)?;
    }
    if fsync {
        f.sync_all()?;
    }
    Ok(())
}

/// The head when the head file is missing: the segment's last line, else the database.
fn recover_head(paths: &Paths) -> Result<(i64, String), Error> {
    if let Ok(f) = File::open(&paths.segment) {
        let last = BufReader::new(f)
            .lines()
            .map_while(Result::ok)
            .filter(|l| !l.trim().is_empty())
            .last();
        if let Some(r) = last.and_then(|l| serde_json::from_str::<Record>(&l).ok()) {
            return Ok((r.seq, r.hash));
        }
    }
    if paths.db.exists() {
        let conn = open_db(paths)?;
        let last: Option<(i64, String)> = conn
            .query_row(
                "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some(last) = last {
            return Ok(last);
        }
    }
    Ok((0, GENESIS.to_string()))
}

/// The hook path: chain the record onto the segment, or spool it.
pub fn append(paths: &Paths, mut record: Record, fsync: bool) -> Outcome {
    let written = (|| -> Result<i64, Error> {
        let _lock = Lock::acquire(paths, HOOK_LOCK_WAIT)?;
        append_locked(paths, &mut record, fsync)
    })();
    match written {
        Ok(seq) => Outcome::Written(seq),
        Err(first) => match spool(paths, &record) {
            Ok(()) => Outcome::Spooled,
            Err(second) => {
                note_lost(paths);
                Outcome::Lost(format!("{first}; spool: {second}"))
            }
        },
    }
}

/// Chain the record onto the segment; the caller holds the lock.
fn append_locked(paths: &Paths, record: &mut Record, fsync: bool) -> Result<i64, Error> {
    let (seq, hash) = match read_head(paths) {
        Some(head) => head,
        None => recover_head(paths)?,
    };
    record.chain_after(seq, &hash);
    let mut line = serde_json::to_string(&record).map_err(|e| Error::Io(e.to_string()))?;
    line.push('\n');
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&paths.segment)?;
    f.write_all(line.as_bytes())?;
    if fsync {
        f.sync_all()?;
    }
    write_head(paths, record.seq, &record.hash, fsync)?;
    if f.metadata().map(|m| m.len()).unwrap_or(0) > FOLD_THRESHOLD {
        // Best effort: a failed fold leaves the segment for the next one.
        let _ = fold_locked(paths);
    }
    Ok(record.seq)
}

/// Longest a call charged to a rate cap waits for the journal: it cannot be spooled (the
/// count would be wrong), so it waits longer, then is refused.
pub const COUNTED_LOCK_WAIT: Duration = Duration::from_secs(2);

/// The hook path for a call charged to rate caps: under the journal lock, fold, count the
/// user's earlier charged calls, let `over` turn the record into a refusal, and append it.
/// Returns the outcome and the refusal reason, if the caps were used up. A journal that
/// cannot be counted refuses the call (the caps would otherwise not hold).
pub fn append_counted(
    paths: &Paths,
    mut record: Record,
    fsync: bool,
    over: impl FnOnce(&dyn crate::rate::Counter) -> Result<Option<String>, String>,
) -> (Outcome, Result<Option<String>, String>) {
    let _lock = match Lock::acquire(paths, COUNTED_LOCK_WAIT) {
        Ok(lock) => lock,
        Err(e) => {
            return (
                Outcome::Lost(e.to_string()),
                Err(format!(
                    "the journal could not be locked to count the call ({e})"
                )),
            );
        }
    };
    let verdict = match fold_locked(paths) {
        Ok(conn) => over(&SqlCounter(&conn)),
        Err(e) => Err(format!(
            "the journal could not be read to count the call ({e})"
        )),
    };
    if let Ok(Some(reason)) | Err(reason) = &verdict {
        record.decision = "deny".into();
        record.rules.retain(|r| !r.starts_with("rate:"));
        record.rules.push("policy.rate-cap".into());
        record.reason = format!("toolgate blocked this call: {reason}.");
    }
    let outcome = match append_locked(paths, &mut record, fsync) {
        Ok(seq) => Outcome::Written(seq),
        Err(e) => Outcome::Lost(e.to_string()),
    };
    (outcome, verdict)
}

struct SqlCounter<'c>(&'c Connection);

impl crate::rate::Counter for SqlCounter<'_> {
    fn charged_since(&self, user: &str, marker: &str, since_us: i64) -> Result<Vec<i64>, String> {
        // `rules` is a JSON list of strings; the marker is matched as a whole element.
        let pattern = format!(
            "%{}%",
            serde_json::to_string(marker)
                .unwrap_or_default()
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let mut stmt = self
            .0
            .prepare_cached(
                "SELECT time_us FROM decisions WHERE time_us >= ?1 AND user = ?2 AND decision IN ('allow', 'ask') AND rules LIKE ?3 ESCAPE '\\'",
            )
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map(params![since_us, user, pattern], |r| r.get::<_, i64>(0))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())
    }
}

/// Count a record that could be written nowhere: one line appended (no lock needed) to a
/// file beside the journal, which the next fold adds to `counters.lost`. Best effort: if
/// even this fails, nothing on this machine can record it.
fn note_lost(paths: &Paths) {
    if let Ok(mut f) = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(lost_file(paths))
    {
        let _ = f.write_all(b"1\n");
    }
}

fn lost_file(paths: &Paths) -> std::path::PathBuf {
    paths.head.with_extension("lost")
}

fn spool(paths: &Paths, record: &Record) -> Result<(), Error> {
    ensure_dir(&paths.spool)?;
    let name = format!(
        "{:020}-{}-{}.json",
        record.time_us,
        std::process::id(),
        super::record::now_us() % 1_000_000
    );
    let mut unchained = record.clone();
    unchained.seq = 0;
    unchained.prev_hash.clear();
    unchained.hash.clear();
    let mut f = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(paths.spool.join(name))?;
    f.write_all(
        serde_json::to_string(&unchained)
            .map_err(|e| Error::Io(e.to_string()))?
            .as_bytes(),
    )?;
    Ok(())
}

/// Open the database, creating or migrating the schema. A file that is not a database is
/// kept aside (`<db>.corrupt-<time>`) and a fresh journal started; the note says so.
pub fn open_db(paths: &Paths) -> Result<Connection, Error> {
    open_or_recover(paths).map(|(conn, _)| conn)
}

/// Like [`open_db`]; also says where a corrupt file was kept, if it was.
fn open_or_recover(paths: &Paths) -> Result<(Connection, Option<std::path::PathBuf>), Error> {
    ensure_dir(&paths.dir)?;
    match try_open(paths) {
        Ok(conn) => Ok((conn, None)),
        Err(Error::Sqlite(msg)) if msg.contains("not a database") || msg.contains("malformed") => {
            let kept = paths
                .db
                .with_extension(format!("db.corrupt-{}", super::record::now_us()));
            fs::rename(&paths.db, &kept)?;
            for suffix in ["-wal", "-shm"] {
                let side = std::path::PathBuf::from(format!("{}{suffix}", paths.db.display()));
                let _ = fs::rename(&side, format!("{}{suffix}", kept.display()));
            }
            let mut note = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(paths.dir.join("journal-recovery.log"))?;
            writeln!(
                note,
                "{} {} was not a valid database ({msg}); kept as {}",
                rfc3339(super::record::now_us()),
                paths.db.display(),
                kept.display()
            )?;
            eprintln!(
                "toolgate: {} was not a valid database ({msg}); kept it as {} and started a fresh journal",
                paths.db.display(),
                kept.display()
            );
            let conn = try_open(paths)?;
            conn.execute(
                "INSERT INTO counters (name, value) VALUES ('restarts', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                [],
            )?;
            Ok((conn, Some(kept)))
        }
        Err(e) => Err(e),
    }
}

fn try_open(paths: &Paths) -> Result<Connection, Error> {
    let fresh = !paths.db.exists();
    let conn = Connection::open(&paths.db)?;
    conn.busy_timeout(Duration::from_secs(2))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(Error::Sqlite(format!(
            "the journal's schema version {version} is newer than this toolgate understands ({SCHEMA_VERSION})"
        )));
    }
    if version < SCHEMA_VERSION {
        conn.execute_batch(SCHEMA)?;
        if version == 1 {
            conn.execute_batch("ALTER TABLE decisions ADD COLUMN role TEXT")?;
        }
        if (1..=2).contains(&version) {
            conn.execute_batch("ALTER TABLE decisions ADD COLUMN ignored_env TEXT")?;
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    if fresh {
        let _ = fs::set_permissions(&paths.db, fs::Permissions::from_mode(0o600));
    }
    Ok(conn)
}

/// Fold the segment and the spool into SQLite. Readers call this before reading.
pub fn fold(paths: &Paths) -> Result<Connection, Error> {
    let _lock = Lock::acquire(paths, READER_LOCK_WAIT)?;
    fold_locked(paths)
}

fn fold_locked(paths: &Paths) -> Result<Connection, Error> {
    let (mut conn, recovered) = open_or_recover(paths)?;
    let mut records: Vec<Record> = Vec::new();
    if let Ok(f) = File::open(&paths.segment) {
        for line in BufReader::new(f).lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(&line) {
                Ok(r) => records.push(r),
                // A torn last line (a crash mid-append) is skipped; verify reports the gap.
                Err(_) => continue,
            }
        }
    }
    let (mut seq, mut hash) = match read_head(paths) {
        Some(h) => h,
        None => recover_head(paths)?,
    };
    let mut spooled_files = Vec::new();
    if let Ok(entries) = fs::read_dir(&paths.spool) {
        let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let Ok(text) = fs::read_to_string(&file) else {
                continue;
            };
            let Ok(mut r) = serde_json::from_str::<Record>(&text) else {
                continue;
            };
            r.chain_after(seq, &hash);
            seq = r.seq;
            hash = r.hash.clone();
            records.push(r);
            spooled_files.push(file);
        }
    }
    let mut chain_moved = !spooled_files.is_empty();
    if let Some(kept) = recovered {
        // The new file starts mid-chain: say where the earlier records are, in the chain.
        let (through_seq, through_hash) = match records.first() {
            Some(r) => (r.seq - 1, r.prev_hash.clone()),
            None => (seq, hash.clone()),
        };
        let mark = super::verify::PruneMark {
            before: rfc3339(super::record::now_us()),
            through_seq,
            through_hash,
        };
        let mut r = Record {
            time_us: super::record::now_us(),
            event: "journal-restart".into(),
            decision: "error".into(),
            reason: format!(
                "the journal file was corrupt; records up to #{through_seq} are in {}",
                kept.display()
            ),
            toolgate_version: env!("CARGO_PKG_VERSION").into(),
            input_redacted: serde_json::to_string(&mark).unwrap_or_default(),
            ..Default::default()
        };
        r.chain_after(seq, &hash);
        seq = r.seq;
        hash = r.hash.clone();
        records.push(r);
        chain_moved = true;
    }
    let tx = immediate(&mut conn)?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO decisions (seq, time_us, time, event, session_id, tool_use_id, agent_id,
             permission_mode, user, host, cwd, tool_name, decision, rules, reason, policy_revision,
             toolgate_version, input_redacted, input_sha256, redactions, eval_us, prev_hash, hash, role,
             ignored_env)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
        )?;
        for r in &records {
            insert.execute(params![
                r.seq,
                r.time_us,
                rfc3339(r.time_us),
                r.event,
                r.session_id,
                r.tool_use_id,
                r.agent_id,
                r.permission_mode,
                r.user,
                r.host,
                r.cwd,
                r.tool_name,
                r.decision,
                serde_json::to_string(&r.rules).unwrap_or_default(),
                r.reason,
                r.policy_revision,
                r.toolgate_version,
                r.input_redacted,
                r.input_sha256,
                serde_json::to_string(&r.redactions).unwrap_or_default(),
                r.eval_us,
                r.prev_hash,
                r.hash,
                r.role,
                r.ignored_env,
            ])?;
        }
    }
    if !spooled_files.is_empty() {
        tx.execute(
            "INSERT INTO counters (name, value) VALUES ('spooled', ?1) ON CONFLICT(name) DO UPDATE SET value = value + ?1",
            [spooled_files.len() as i64],
        )?;
    }
    let lost = fs::read(lost_file(paths))
        .map(|b| b.iter().filter(|c| **c == b'\n').count())
        .unwrap_or(0);
    if lost > 0 {
        tx.execute(
            "INSERT INTO counters (name, value) VALUES ('lost', ?1) ON CONFLICT(name) DO UPDATE SET value = value + ?1",
            [lost as i64],
        )?;
    }
    tx.commit()?;
    if lost > 0 {
        let _ = fs::remove_file(lost_file(paths));
    }
    if chain_moved {
        write_head(paths, seq, &hash, true)?;
    }
    if !spooled_files.is_empty() {
        for f in spooled_files {
            let _ = fs::remove_file(f);
        }
    }
    if paths.segment.exists() {
        OpenOptions::new()
            .write(true)
            .open(&paths.segment)?
            .set_len(0)?;
    }
    Ok(conn)
}

/// `BEGIN IMMEDIATE`: take the write lock up front (a deferred transaction that upgrades
/// later fails with SQLITE_BUSY under contention); the busy timeout waits for other clients.
fn immediate(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, Error> {
    Ok(conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
}

/// Add one to a named counter (e.g. `lost`), best effort.
pub fn bump(conn: &Connection, name: &str) {
    let _ = conn.execute(
        "INSERT INTO counters (name, value) VALUES (?1, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
        [name],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head is rewritten in place: a longer head from an older toolgate, or any earlier
    /// head, must never leave bytes behind that change what is read back.
    #[test]
    fn the_head_is_overwritten_in_place_and_reads_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(&dir.path().join("j.db"));
        fs::write(
            &paths.head,
            format!("7 {}\n{}\n", "a".repeat(64), "x".repeat(200)),
        )
        .unwrap();
        write_head(&paths, 12, &"b".repeat(64), false).unwrap();
        assert_eq!(read_head(&paths), Some((12, "b".repeat(64))));
        write_head(&paths, 9_000_000_000_000, &"c".repeat(64), true).unwrap();
        assert_eq!(read_head(&paths), Some((9_000_000_000_000, "c".repeat(64))));
        let fresh = Paths::new(&dir.path().join("k.db"));
        write_head(&fresh, 1, &"d".repeat(64), false).unwrap();
        let mode = fs::metadata(&fresh.head).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
