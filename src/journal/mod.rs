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
//! - [`redact`]: masking secrets and patient identifiers before anything reaches disk.
//! - [`query`]: filters, listing, stats, export.
//! - [`cursor`]: resumable export and shipping.
//! - [`siem`]: OCSF, ECS and RFC 5424 syslog renderings of a record.
//! - [`ship`]: sending records to a syslog collector, resumably.
//! - [`verify`]: checking the chain and anchors.
//! - [`report`]: the self-contained HTML report for compliance staff.

pub mod cursor;
pub mod query;
pub mod record;
pub mod redact;
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

/// Hex of a byte slice.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 as hex.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(data))
}

/// HMAC-SHA256 (RFC 2104) as hex.
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    use sha2::Digest;
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sha2::Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = sha2::Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = sha2::Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    hex(&outer.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_published_vectors() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // RFC 4231 test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

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
