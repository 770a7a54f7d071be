//! The decision journal: every hook call is one record, hash-chained, redacted, in a local
//! SQLite file that compliance staff can query (docs/journal.md documents the schema).
//!
//! The hook path never opens SQLite in the common case: it appends one line to a segment
//! file under an exclusive lock (about 0.1 ms) and advances the chain head. Whoever reads
//! the journal next (or a hook whose append crosses the size threshold) folds the segment
//! into SQLite with `BEGIN IMMEDIATE`. If the journal cannot be locked or written in time,
//! the record goes to a spool that the next fold imports; nothing is dropped silently.
//!
//! - [`record`]: the record, its canonical encoding and hash.
//! - [`store`]: locking, the segment, the spool, folding into SQLite, corruption recovery.
//! - [`query`]: filters, listing, stats, export.
//! - [`cursor`]: resumable export and shipping.
//! - [`siem`]: OCSF, ECS and RFC 5424 syslog renderings of a record.
//! - [`ship`]: sending records to a syslog collector, resumably.
//! - [`verify`]: checking the chain and anchors.
//! - [`report`]: the self-contained HTML report for compliance staff.

pub mod cursor;
pub mod error;
pub mod query;
pub mod record;
pub mod report;
pub mod ship;
pub mod siem;
pub mod store;
pub mod verify;

use std::path::{Path, PathBuf};

/// Where the journal lives: the SQLite file and the files beside it.
#[derive(Debug, Clone)]
pub struct Paths {
    pub db: PathBuf,
    pub dir: PathBuf,
    pub segment: PathBuf,
    pub head: PathBuf,
    pub lock: PathBuf,
    pub key: PathBuf,
    /// Records that could not be appended in time: a private folder per journal inside
    /// [`Paths::spool_root`], so one journal never imports another's.
    pub spool: PathBuf,
    /// `$TMPDIR/toolgate-spool-<uid>`: created 0700 and checked before every use.
    pub spool_root: PathBuf,
    /// Present while a background fold has been asked for.
    pub fold_request: PathBuf,
}

impl Paths {
    pub fn new(db: &Path) -> Self {
        let dir = db
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let name = db
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "journal.db".into());
        let beside = |suffix: &str| dir.join(format!("{name}.{suffix}"));
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let tmp = std::env::var_os("TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let spool_root = tmp.join(format!("toolgate-spool-{uid}"));
        // Named after the journal's absolute path: the same journal always finds its spool.
        let absolute = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
        let id = sha256_hex(absolute.as_os_str().as_encoded_bytes());
        Self {
            segment: beside("segment"),
            head: beside("head"),
            lock: beside("lock"),
            key: beside("key"),
            fold_request: beside("fold-requested"),
            spool: spool_root.join(&id[..16]),
            spool_root,
            db: db.to_path_buf(),
            dir,
        }
    }

    /// `--journal`, else `TOOLGATE_JOURNAL`, else `$XDG_STATE_HOME/toolgate/journal.db`
    /// (`~/.local/state/toolgate/journal.db`). In a managed deployment the variables are
    /// ignored and the home folder is the account's ([`crate::deployment`]).
    pub fn locate(explicit: Option<&Path>) -> Option<Self> {
        crate::deployment::current()
            .journal(explicit)
            .map(|db| Self::new(&db))
    }
}

/// The per-journal key for input digests (`input_sha256`), created on first use.
pub fn input_key(paths: &Paths) -> Vec<u8> {
    use std::io::{Read, Write};
    if let Ok(key) = std::fs::read(&paths.key)
        && key.len() >= 32
    {
        return key;
    }
    let mut key = vec![0u8; 32];
    if let Ok(mut random) = std::fs::File::open("/dev/urandom") {
        let _ = random.read_exact(&mut key);
    }
    if crate::shared::fs::ensure_private_dir(&paths.dir).is_ok() {
        use std::os::unix::fs::OpenOptionsExt;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .mode(0o600)
            .open(&paths.key)
        {
            let _ = f.write_all(&key);
        } else if let Ok(existing) = std::fs::read(&paths.key) {
            return existing; // another hook created it first
        }
    }
    key
}

pub use crate::shared::digest::{hex, hmac_sha256_hex, sha256_hex};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_files_sit_beside_the_database() {
        let p = Paths::new(Path::new("/x/j.db"));
        assert_eq!(p.segment, Path::new("/x/j.db.segment"));
        assert_eq!(p.dir, Path::new("/x"));
        let other = Paths::new(Path::new("/y/j.db"));
        assert_eq!(p.spool_root, other.spool_root);
        assert_ne!(p.spool, other.spool, "each journal has its own spool");
    }
}
