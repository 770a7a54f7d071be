//! Writing the journal: the locked segment the hook appends to, the spool for when that
//! fails, and folding both into SQLite.
//!
//! Every record enters the chain by one path ([`write_record`]): appended to the segment
//! under the lock, after the last record that is durably there. The head file only caches
//! where that is; when it disagrees with the segment, the writer reads the segment (and, if
//! it is empty, the database) instead, cuts a torn tail, and chains a `journal-gap` marker for
//! anything it cannot explain. Spooled records and counts of lost ones also enter through
//! the segment, so the database never holds a record the segment and head do not account
//! for, and a crash at any step repeats work without losing or duplicating a record.
//!
//! Durability: an appended record is in the kernel once `append` returns, so it survives the
//! process crashing; a power loss can drop the last records that were not yet written back
//! (seconds). With `[journal] fsync = true` every append is synced before the hook answers
//! (strict mode, slower).

use super::Paths;
use super::record::{GENESIS, Record, SealKey, next_seal_key, rfc3339, seal_key_from_hex, seal_of};
use rusqlite::{Connection, OptionalExtension, params};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
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
/// deployment ignored). 4: `origin` (spooled or fail-closed records). 5: `seal`.
/// 6: `agent` (which coding agent made the call).
pub const SCHEMA_VERSION: i64 = 6;

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
    ignored_env TEXT,
    -- Schema 4, 5 and 6.
    origin TEXT,
    seal TEXT,
    agent TEXT
);
CREATE INDEX IF NOT EXISTS decisions_time ON decisions (time_us);
CREATE INDEX IF NOT EXISTS decisions_decision_time ON decisions (decision, time_us);
CREATE INDEX IF NOT EXISTS decisions_session ON decisions (session_id);
CREATE INDEX IF NOT EXISTS decisions_tool_use ON decisions (tool_use_id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

pub use super::error::Error;

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
    Ok(crate::shared::fs::ensure_private_dir(dir)?)
}

/// The chain head as the head file records it: the last sequence number and hash, and the
/// segment's length right after that record was appended (absent in heads written before
/// toolgate 0.x kept it).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    seq: i64,
    hash: String,
    segment_len: Option<u64>,
    /// The sealing key for the next record, once `journal seal` has started sealing.
    seal_key: Option<SealKey>,
}

/// Where the head file says the chain ends (for `journal verify`).
pub fn chain_head(paths: &Paths) -> Option<(i64, String)> {
    read_head(paths).map(|h| (h.seq, h.hash))
}

fn read_head(paths: &Paths) -> Option<Head> {
    let text = fs::read_to_string(&paths.head).ok()?;
    let mut parts = text.split_whitespace();
    let seq = parts.next()?.parse().ok()?;
    let hash = parts.next()?.to_string();
    if hash.len() != 64 {
        return None;
    }
    let segment_len = parts.next().and_then(|n| n.parse().ok());
    let seal_key = parts.next().and_then(seal_key_from_hex);
    Some(Head {
        seq,
        hash,
        segment_len,
        seal_key,
    })
}

/// Overwritten in place under the journal lock, at a fixed width so every write covers the
/// last one: no temporary file and rename per call (a tenth of a short hook call). The head
/// is a cache, never the authority: a head whose segment length does not match the segment
/// sends the next writer to [`recover`], which reads what is durably there.
fn write_head(paths: &Paths, tip: &Tip, fsync: bool) -> Result<(), Error> {
    use std::os::unix::fs::FileExt;
    let key = tip
        .seal_key
        .map_or_else(|| "-".to_string(), |k| super::hex(&k));
    let line = format!("{:020} {} {:020} {key}\n", tip.seq, tip.hash, tip.len);
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

/// Where the chain ends: the last record's number and hash, and the segment's length.
#[derive(Debug, Clone)]
struct Tip {
    seq: i64,
    hash: String,
    len: u64,
    seal_key: Option<SealKey>,
}

/// The segment, opened for appending, and where the chain ends. The caller holds the lock.
fn open_segment(paths: &Paths, fsync: bool) -> Result<(File, Tip), Error> {
    ensure_dir(&paths.dir)?;
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&paths.segment)?;
    let len = f.metadata()?.len();
    if let Some(head) = read_head(paths)
        && head.segment_len == Some(len)
    {
        let tip = Tip {
            seq: head.seq,
            hash: head.hash,
            len,
            seal_key: head.seal_key,
        };
        return Ok((f, tip));
    }
    let tip = recover(paths, &mut f, fsync)?;
    Ok((f, tip))
}

/// The complete records in the segment, and the length of the part they fill (anything
/// after the last complete record is a torn write).
fn read_segment(paths: &Paths) -> Result<(Vec<Record>, u64), Error> {
    let mut text = Vec::new();
    match File::open(&paths.segment) {
        Ok(mut f) => {
            f.read_to_end(&mut text)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    let mut records = Vec::new();
    let mut good = 0;
    let mut start = 0;
    while let Some(end) = text[start..].iter().position(|b| *b == b'\n') {
        let line = &text[start..start + end];
        if let Ok(r) = serde_json::from_slice::<Record>(line) {
            records.push(r);
            good = start + end + 1;
        }
        start += end + 1;
    }
    Ok((records, good as u64))
}

/// The last record of the database, read without writing anything.
fn db_last(paths: &Paths) -> Result<Option<(i64, String)>, Error> {
    if !paths.db.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(&paths.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(Duration::from_millis(200))?;
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The head did not match the segment (a crash between appending and updating the head, a
/// fold interrupted after its commit, a torn write, or someone removed files): find where
/// the chain durably ends, cut a torn tail, and put anything unexplained into the chain as a
/// `journal-gap` marker, which `journal verify` reports until `journal repair`.
fn recover(paths: &Paths, f: &mut File, fsync: bool) -> Result<Tip, Error> {
    let (records, good) = read_segment(paths)?;
    let len = f.metadata()?.len();
    let mut notes: Vec<String> = Vec::new();
    let mut detail = serde_json::Map::new();
    if len > good {
        f.set_len(good)?;
        notes.push(format!(
            "{} bytes of a torn write were cut from the end of the segment (a crash or a full disk mid-append; the record may be in the spool)",
            len - good
        ));
        detail.insert("torn_bytes".into(), (len - good).into());
    }
    let head = read_head(paths);
    let (seq, hash) = match (records.last(), &head) {
        (Some(last), Some(head)) => {
            if head.seq > last.seq {
                notes.push(format!(
                    "the chain head named record #{} but the journal's segment ends at #{}: records were removed",
                    head.seq, last.seq
                ));
            } else if head.seq == last.seq && head.hash != last.hash {
                notes.push(format!(
                    "record #{} does not match the chain head: it was replaced",
                    last.seq
                ));
            }
            (last.seq, last.hash.clone())
        }
        (Some(last), None) => {
            let fresh = records[0].seq == 1 && records[0].prev_hash == GENESIS;
            if !fresh || paths.db.exists() {
                notes.push(format!(
                    "the chain head file was missing; the chain was resumed after record #{} from the segment",
                    last.seq
                ));
            }
            (last.seq, last.hash.clone())
        }
        (None, Some(head)) => (head.seq, head.hash.clone()),
        (None, None) => match db_last(paths)? {
            Some((seq, hash)) => {
                notes.push(format!(
                    "the chain head file was missing; the chain was resumed after record #{seq}, the database's last"
                ));
                (seq, hash)
            }
            None => (0, GENESIS.to_string()),
        },
    };
    if let Some(head) = &head {
        detail.insert("head_seq".into(), head.seq.into());
    }
    detail.insert("resumed_after".into(), seq.into());
    // Records appended after the head was written were sealed with the head's key and the
    // keys after it; where the head is gone or ahead of the records, the key is lost and
    // sealing stops (until `journal seal` starts it again).
    let seal_key = head.as_ref().and_then(|h| {
        let mut key = h.seal_key?;
        for _ in 0..usize::try_from(seq.checked_sub(h.seq)?).ok()? {
            key = next_seal_key(&key);
        }
        Some(key)
    });
    if seal_key.is_none() && head.as_ref().is_some_and(|h| h.seal_key.is_some()) {
        notes.push("the sealing key could not be carried on: records from here are not sealed until `journal seal` is run again".into());
    }
    let mut tip = Tip {
        seq,
        hash,
        len: good,
        seal_key,
    };
    if notes.is_empty() {
        write_head(paths, &tip, fsync)?;
    } else {
        let mut marker = Record::marker(
            "journal-gap",
            notes.join("; "),
            serde_json::Value::Object(detail),
        );
        write_record(paths, f, &mut marker, &mut tip, true)?;
    }
    Ok(tip)
}

/// Chain `record` after `tip`, append it to the segment and move the head. A failed write is
/// cut back, so the segment never keeps half a line that the next record would be glued to.
fn write_record(
    paths: &Paths,
    f: &mut File,
    record: &mut Record,
    tip: &mut Tip,
    fsync: bool,
) -> Result<i64, Error> {
    record.chain_after(tip.seq, &tip.hash);
    record.seal = tip.seal_key.map(|k| seal_of(&k, &record.hash));
    let mut line = serde_json::to_vec(&record).map_err(|e| Error::Io(e.to_string()))?;
    line.push(b'\n');
    if test_fault("torn-append") {
        f.write_all(&line[..line.len() / 2])?;
        return Err(Error::Io("injected torn write (test fault)".into()));
    }
    if let Err(e) = f.write_all(&line) {
        let _ = f.set_len(tip.len);
        return Err(e.into());
    }
    if fsync {
        f.sync_data()?;
    }
    crash_at("crash-after-append");
    *tip = Tip {
        seq: record.seq,
        hash: record.hash.clone(),
        len: tip.len + line.len() as u64,
        seal_key: tip.seal_key.map(|k| next_seal_key(&k)),
    };
    // The record is durable in the segment now; a head that cannot be written is rebuilt
    // from the segment by the next writer.
    let _ = write_head(paths, tip, fsync);
    Ok(record.seq)
}

/// Debug builds only: `TOOLGATE_TEST_FAULT=<name>` is one of the fault points the journal's
/// tests use to crash or fail at each write step.
fn test_fault(name: &str) -> bool {
    cfg!(debug_assertions)
        && crate::deployment::current()
            .var("TOOLGATE_TEST_FAULT")
            .is_some_and(|v| v == name)
}

/// A fault point that kills the process the way `kill -9` or the OOM killer would.
fn crash_at(name: &str) {
    if test_fault(name) {
        // SAFETY: signalling ourselves.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

/// The hook path: chain the record onto the segment, or spool it.
pub fn append(paths: &Paths, mut record: Record, fsync: bool) -> Outcome {
    let written = (|| -> Result<i64, Error> {
        let _lock = Lock::acquire(paths, HOOK_LOCK_WAIT)?;
        append_locked(paths, &mut record, fsync)
    })();
    match written {
        Ok(seq) => Outcome::Written(seq),
        Err(first) => match spool(paths, &record, fsync) {
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
    let (mut f, mut tip) = open_segment(paths, fsync)?;
    write_record(paths, &mut f, record, &mut tip, fsync)
}

/// `journal seal`: from the next record on, seal every record with a key derived from
/// `key`, and chain a `journal-seal` marker (the first record sealed). Returns its number.
pub fn start_sealing(paths: &Paths, key: SealKey) -> Result<i64, Error> {
    let _lock = Lock::acquire(paths, READER_LOCK_WAIT)?;
    let (mut f, mut tip) = open_segment(paths, true)?;
    tip.seal_key = Some(key);
    let mut marker = Record::marker(
        "journal-seal",
        format!(
            "sealing starts at record #{}: every record from here carries a seal the administrator's key checks",
            tip.seq + 1
        ),
        serde_json::json!({ "from_seq": tip.seq + 1 }),
    );
    write_record(paths, &mut f, &mut marker, &mut tip, true)
}

/// Whether the segment has grown past [`FOLD_THRESHOLD`] and nobody has been asked to fold
/// it yet (or the last request is older than a minute: its folder died). Claims the request.
pub fn fold_due(paths: &Paths) -> bool {
    if fs::metadata(&paths.segment).map_or(0, |m| m.len()) <= FOLD_THRESHOLD {
        return false;
    }
    let stale = fs::metadata(&paths.fold_request)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(60));
    if stale {
        let _ = fs::remove_file(&paths.fold_request);
    }
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(&paths.fold_request)
        .is_ok()
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
    over: impl FnOnce(&dyn Counter) -> Result<Option<String>, String>,
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
    let verdict = match fold_locked(paths, COUNTED_LOCK_WAIT) {
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

/// Times (UTC microseconds) of a user's earlier calls charged to one rate key, as the
/// journal holds them: what rate caps are counted against.
pub trait Counter {
    fn charged_since(&self, user: &str, marker: &str, since_us: i64) -> Result<Vec<i64>, String>;
}

impl Counter for SqlCounter<'_> {
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
/// file in the spool folder (another filesystem than the journal's, usually), else beside the
/// journal. The next fold turns the count into a `journal-lost` marker in the chain. If even
/// this fails, nothing on this machine can record it.
fn note_lost(paths: &Paths) {
    let line = format!("{}\n", super::record::now_us());
    let in_spool = private_dir(&paths.spool_root, true)
        .and_then(|()| private_dir(&paths.spool, true))
        .and_then(|()| append_line(&paths.spool.join("lost"), &line));
    if in_spool.is_err() {
        let _ = append_line(&lost_file(paths), &line);
    }
}

fn append_line(path: &std::path::Path, line: &str) -> Result<(), Error> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(line.as_bytes())?;
    Ok(())
}

fn lost_file(paths: &Paths) -> std::path::PathBuf {
    paths.head.with_extension("lost")
}

/// Make sure `dir` is a folder of ours that nobody else can read or write: a real folder
/// (not a link), owned by this user, mode 0700 or tighter. Created 0700 when missing and
/// `create` is set. A folder in `/tmp` that another account made first is refused, never
/// used: it could delete or plant records.
pub fn private_dir(dir: &std::path::Path, create: bool) -> Result<(), Error> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            match fs::DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e.into()),
            }
            fs::symlink_metadata(dir)?
        }
        other => other?,
    };
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    if !meta.file_type().is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(Error::Io(format!(
            "the spool folder {} is not a private folder of this user (owner uid {}, mode {:o}{}); it was not used",
            dir.display(),
            meta.uid(),
            meta.mode() & 0o7777,
            if meta.file_type().is_symlink() {
                ", a symbolic link"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// The spool folder, checked (and created when `create` is set).
fn spool_dir(paths: &Paths, create: bool) -> Result<&std::path::Path, Error> {
    private_dir(&paths.spool_root, create)?;
    private_dir(&paths.spool, create)?;
    Ok(&paths.spool)
}

fn spool(paths: &Paths, record: &Record, fsync: bool) -> Result<(), Error> {
    let dir = spool_dir(paths, true)?;
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
    unchained.origin.get_or_insert_with(|| "spool".into());
    let mut f = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(dir.join(name))?;
    f.write_all(
        serde_json::to_string(&unchained)
            .map_err(|e| Error::Io(e.to_string()))?
            .as_bytes(),
    )?;
    if fsync {
        f.sync_all()?;
    }
    Ok(())
}

/// A new file name in the spool for the fail-closed path's record (created and checked
/// now: the fail-closed path can only open and write).
pub fn failsafe_spool_file(paths: &Paths) -> Option<std::path::PathBuf> {
    let dir = spool_dir(paths, true).ok()?;
    Some(dir.join(format!(
        "{:020}-{}-failsafe.json",
        super::record::now_us(),
        std::process::id()
    )))
}

/// Move the spool into the chain (under the lock): each spooled record is appended to the
/// segment, then its file removed. A crash in between leaves the file, and the record is
/// recognised in the segment and not imported twice. Counts of records written nowhere
/// become one `journal-lost` marker.
fn import_spool(
    paths: &Paths,
    seg: &mut File,
    tip: &mut Tip,
    records: &mut Vec<Record>,
) -> Result<(), Error> {
    let identity = |r: &Record| {
        (
            r.time_us,
            r.input_sha256.clone(),
            r.tool_use_id.clone(),
            r.event.clone(),
        )
    };
    let mut done: Vec<std::path::PathBuf> = Vec::new();
    let mut unreadable = 0usize;
    if spool_dir(paths, false).is_ok() {
        let seen: std::collections::HashSet<_> = records.iter().map(identity).collect();
        let mut files: Vec<_> = fs::read_dir(&paths.spool)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let regular = fs::symlink_metadata(&file).is_ok_and(|m| m.file_type().is_file());
            let parsed = regular
                .then(|| fs::read(&file).ok())
                .flatten()
                .and_then(|b| serde_json::from_slice::<Record>(&b).ok());
            match parsed {
                Some(r) if seen.contains(&identity(&r)) => {}
                Some(mut r) => {
                    r.origin.get_or_insert_with(|| "spool".into());
                    write_record(paths, seg, &mut r, tip, false)?;
                    records.push(r);
                }
                None => unreadable += 1,
            }
            done.push(file);
        }
    }
    let lost_files = [paths.spool.join("lost"), lost_file(paths)];
    let lost: usize = lost_files
        .iter()
        .map(|f| fs::read(f).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count()))
        .sum::<usize>()
        + unreadable;
    if lost > 0 {
        let mut marker = Record::marker(
            "journal-lost",
            format!(
                "{lost} record(s) could be written neither to the journal nor to the spool{}",
                if unreadable > 0 {
                    format!(" ({unreadable} spooled record(s) were unreadable)")
                } else {
                    String::new()
                }
            ),
            serde_json::json!({ "records": lost }),
        );
        write_record(paths, seg, &mut marker, tip, false)?;
        records.push(marker);
    }
    if !done.is_empty() || lost > 0 {
        seg.sync_data()?;
    }
    crash_at("crash-after-spool-import");
    for f in done {
        let _ = fs::remove_file(f);
    }
    for f in lost_files {
        if lost > 0 {
            let _ = fs::remove_file(f);
        }
    }
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
        if (1..=3).contains(&version) {
            conn.execute_batch("ALTER TABLE decisions ADD COLUMN origin TEXT")?;
        }
        if (1..=4).contains(&version) {
            conn.execute_batch("ALTER TABLE decisions ADD COLUMN seal TEXT")?;
        }
        if (1..=5).contains(&version) {
            conn.execute_batch("ALTER TABLE decisions ADD COLUMN agent TEXT")?;
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    if fresh {
        let _ = fs::set_permissions(&paths.db, fs::Permissions::from_mode(0o600));
    }
    Ok(conn)
}

/// Fold the segment and the spool into SQLite. Readers call this before reading.
///
/// The journal lock is held only while the database can be written at once: when another
/// client holds SQLite's write lock (a long transaction, an administrator's `sqlite3`), the
/// fold lets go of the journal lock and tries again, so hooks keep appending meanwhile.
pub fn fold(paths: &Paths) -> Result<Connection, Error> {
    let deadline = Instant::now() + READER_LOCK_WAIT;
    loop {
        let lock = Lock::acquire(paths, deadline.saturating_duration_since(Instant::now()))?;
        match fold_locked(paths, FOLD_BUSY_TRY) {
            Err(Error::Sqlite(msg)) if msg.contains("locked") && Instant::now() < deadline => {
                drop(lock);
                std::thread::sleep(Duration::from_millis(100));
            }
            done => return done,
        }
    }
}

/// How long a fold waits for SQLite's write lock while it holds the journal lock.
const FOLD_BUSY_TRY: Duration = Duration::from_millis(50);

fn fold_locked(paths: &Paths, busy: Duration) -> Result<Connection, Error> {
    let (mut seg, mut tip) = open_segment(paths, true)?;
    let (mut conn, recovered) = open_or_recover(paths)?;
    // SQLite's write lock first: a database held by another client costs `busy`, not a
    // read of the whole segment.
    conn.busy_timeout(busy)?;
    let tx = immediate(&mut conn)?;
    let (mut records, _) = read_segment(paths)?;
    import_spool(paths, &mut seg, &mut tip, &mut records)?;
    if let Some(kept) = recovered {
        // The new file starts mid-chain: say where the earlier records are, in the chain.
        let (through_seq, through_hash) = match records.first() {
            Some(r) => (r.seq - 1, r.prev_hash.clone()),
            None => (tip.seq, tip.hash.clone()),
        };
        let mark = super::record::PruneMark {
            before: rfc3339(super::record::now_us()),
            through_seq,
            through_hash,
        };
        let mut r = Record::marker(
            "journal-restart",
            format!(
                "the journal's database was not readable; records up to #{through_seq} are in {}",
                kept.display()
            ),
            serde_json::to_value(&mark).unwrap_or_default(),
        );
        write_record(paths, &mut seg, &mut r, &mut tip, true)?;
        records.push(r);
    } else if let Some(mut r) = replaced_database(&tx, &records, &tip)? {
        write_record(paths, &mut seg, &mut r, &mut tip, true)?;
        records.push(r);
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO decisions (seq, time_us, time, event, session_id, tool_use_id, agent_id,
             permission_mode, user, host, cwd, tool_name, decision, rules, reason, policy_revision,
             toolgate_version, input_redacted, input_sha256, redactions, eval_us, prev_hash, hash, role,
             ignored_env, origin, seal, agent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
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
                r.origin,
                r.seal,
                r.agent,
            ])?;
        }
    }
    tx.commit()?;
    conn.busy_timeout(Duration::from_secs(2))?;
    crash_at("crash-after-fold-commit");
    seg.set_len(0)?;
    tip.len = 0;
    write_head(paths, &tip, true)?;
    let _ = fs::remove_file(&paths.fold_request);
    Ok(conn)
}

/// The record the segment continues from must be in the database: when the database is
/// empty, or holds another record under that number, it was reinitialised or replaced since
/// the last fold. A `journal-restart` marker says so and accounts for where the chain
/// resumes; it is damage until acknowledged. (A database that ends early is left to
/// verification: records were cut from its end.)
fn replaced_database(
    conn: &Connection,
    segment: &[Record],
    tip: &Tip,
) -> Result<Option<Record>, Error> {
    let (seq, hash) = match segment.first() {
        Some(r) => (r.seq - 1, r.prev_hash.clone()),
        None => (tip.seq, tip.hash.clone()),
    };
    if seq <= 0 {
        return Ok(None);
    }
    let found: Option<String> = conn
        .query_row("SELECT hash FROM decisions WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .optional()?;
    let last: Option<i64> = conn.query_row("SELECT max(seq) FROM decisions", [], |r| r.get(0))?;
    // A database that merely ends early had records cut from its end: that is tampering,
    // which verification reports as such, never damage an administrator could acknowledge.
    let replaced = match &found {
        Some(other) => *other != hash,
        None => last.is_none(),
    };
    if !replaced {
        return Ok(None);
    }
    let mark = super::record::PruneMark {
        before: rfc3339(super::record::now_us()),
        through_seq: seq,
        through_hash: hash,
    };
    Ok(Some(Record::marker(
        "journal-restart",
        format!(
            "the journal's database was replaced or reinitialised: record #{seq}, folded into it earlier, {} (the database {})",
            if found.is_some() {
                "is another record there"
            } else {
                "is not in it"
            },
            match last {
                Some(last) => format!("ends at #{last}"),
                None => "is empty".into(),
            }
        ),
        serde_json::to_value(&mark).unwrap_or_default(),
    )))
}

/// A journal in use has its side files (segment or lock) beside the database; a
/// database alone is a copy (evidence handed to an auditor) and is only ever read.
pub fn is_live(paths: &Paths) -> bool {
    paths.segment.exists() || paths.lock.exists()
}

/// Open a copy of the journal without writing anything to it or beside it (read-only media,
/// another user's file, an evidence copy). Older schemas get the newer columns as NULL
/// through a temporary view, so every reader works on them unchanged.
pub fn open_read_only(paths: &Paths) -> Result<Connection, Error> {
    use rusqlite::OpenFlags;
    if !paths.db.is_file() {
        return Err(Error::Io(format!("{} does not exist", paths.db.display())));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
    let usable = |conn: &Connection| -> Result<i64, rusqlite::Error> {
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
    };
    // `immutable` reads the file as it stands and creates nothing beside it. Only a copy
    // that came with a write-ahead log needs SQLite's read-only mode, which reads the log
    // (and needs its index file, which read-only media cannot hold: then the log is skipped).
    let immutable = format!("file:{}?immutable=1", uri_path(&paths.db));
    let wal = std::path::PathBuf::from(format!("{}-wal", paths.db.display()));
    let with_log = fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let first = if with_log {
        Connection::open_with_flags(&paths.db, flags)
    } else {
        Connection::open_with_flags(&immutable, flags)
    }?;
    let (conn, version) = match usable(&first) {
        Ok(v) => (first, v),
        Err(_) if with_log => {
            drop(first);
            let conn = Connection::open_with_flags(&immutable, flags)?;
            let v = usable(&conn)?;
            eprintln!(
                "toolgate journal: {} cannot be read on this medium; records only in it are not shown",
                wal.display()
            );
            (conn, v)
        }
        Err(e) => return Err(e.into()),
    };
    if version > SCHEMA_VERSION {
        return Err(Error::Sqlite(format!(
            "the journal's schema version {version} is newer than this toolgate understands ({SCHEMA_VERSION})"
        )));
    }
    if version < SCHEMA_VERSION {
        let mut extra = Vec::new();
        if version < 2 {
            extra.push("NULL AS role");
        }
        if version < 3 {
            extra.push("NULL AS ignored_env");
        }
        if version < 4 {
            extra.push("NULL AS origin");
        }
        if version < 5 {
            extra.push("NULL AS seal");
        }
        extra.push("NULL AS agent");
        conn.execute_batch(&format!(
            "CREATE TEMP VIEW decisions AS SELECT *, {} FROM main.decisions",
            extra.join(", ")
        ))?;
    }
    Ok(conn)
}

/// A path as the path part of an SQLite `file:` URI.
fn uri_path(path: &std::path::Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in absolute.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
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
        let tip = |seq, hash: &str, len, seal_key| Tip {
            seq,
            hash: hash.to_string(),
            len,
            seal_key,
        };
        let head = |seq, hash: &str, len, seal_key| {
            Some(Head {
                seq,
                hash: hash.to_string(),
                segment_len: Some(len),
                seal_key,
            })
        };
        write_head(&paths, &tip(12, &"b".repeat(64), 300, Some([9; 32])), false).unwrap();
        assert_eq!(
            read_head(&paths),
            head(12, &"b".repeat(64), 300, Some([9; 32]))
        );
        write_head(
            &paths,
            &tip(9_000_000_000_000, &"c".repeat(64), 0, None),
            true,
        )
        .unwrap();
        assert_eq!(
            read_head(&paths),
            head(9_000_000_000_000, &"c".repeat(64), 0, None)
        );
        let fresh = Paths::new(&dir.path().join("k.db"));
        write_head(&fresh, &tip(1, &"d".repeat(64), 7, None), false).unwrap();
        let mode = fs::metadata(&fresh.head).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
