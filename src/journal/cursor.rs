//! Resumable reading: a cursor file names the last record a consumer has completely
//! received (`{"seq": N, "hash": "..."}`). Readers emit only records after it and advance it
//! atomically (write, sync, rename) once their output is complete, so a crash repeats
//! records (with the same ids) and never skips one.

use super::query;
use rusqlite::{Connection, OptionalExtension};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub seq: i64,
    pub hash: String,
}

/// A cursor file and where it stands (`None`: nothing read yet).
#[derive(Debug)]
pub struct Cursor {
    pub path: PathBuf,
    pub at: Option<Position>,
}

impl Cursor {
    /// Read the cursor file; a missing file starts from the beginning. A file that cannot be
    /// read is an error naming it: guessing a position could skip or repeat the whole journal.
    pub fn open(path: &Path) -> Result<Cursor, String> {
        let at = match fs::read_to_string(path) {
            Ok(text) => Some(serde_json::from_str::<Position>(text.trim()).map_err(|e| {
                format!(
                    "cursor file {} is not a toolgate cursor ({e}); move it aside to start over",
                    path.display()
                )
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read cursor file {}: {e}", path.display())),
        };
        Ok(Cursor {
            path: path.to_path_buf(),
            at,
        })
    }

    /// The sequence number to read after, once the cursor is checked against this journal:
    /// the record it names must still carry its hash (or have been pruned), so a cursor
    /// from another journal is refused instead of silently skipping records.
    pub fn after(&self, conn: &Connection) -> Result<i64, String> {
        let Some(at) = &self.at else { return Ok(0) };
        let found: Option<String> = conn
            .query_row("SELECT hash FROM decisions WHERE seq = ?1", [at.seq], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| e.to_string())?;
        match found {
            Some(hash) if hash == at.hash => Ok(at.seq),
            Some(_) => Err(format!(
                "cursor {} names record #{} with a different hash: it belongs to another journal",
                self.path.display(),
                at.seq
            )),
            None => {
                let last = query::last(conn).map_err(|e| e.to_string())?;
                match last {
                    Some((max, _)) if max > at.seq => Ok(at.seq), // pruned since
                    _ => Err(format!(
                        "cursor {} is at record #{}, beyond the end of this journal",
                        self.path.display(),
                        at.seq
                    )),
                }
            }
        }
    }

    /// Move the cursor: a temporary file beside it, synced, renamed over it, folder synced.
    pub fn advance(&mut self, to: Position) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("cannot write cursor {}: {e}", self.path.display());
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "cursor".into())
        ));
        let text = serde_json::to_string(&to).map_err(|e| e.to_string())?;
        let mut f = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(fail)?;
        f.write_all(format!("{text}\n").as_bytes()).map_err(fail)?;
        f.sync_all().map_err(fail)?;
        fs::rename(&tmp, &self.path).map_err(fail)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        self.at = Some(to);
        Ok(())
    }
}
