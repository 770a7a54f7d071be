//! Reading and writing the agents' settings and hook files for `install` and `uninstall`:
//! bounded reads, a backup of the old file, and an atomic replacement.

use std::path::Path;

/// Largest settings file read.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// A settings file's text (at most 4 MiB): `None` when it does not exist.
pub fn read_text(path: &Path) -> Result<Option<String>, String> {
    use std::io::Read;
    let mut text = String::new();
    match std::fs::File::open(path) {
        Ok(f) => {
            f.take(MAX_BYTES)
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Ok(Some(text))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// A JSON settings file: `None` when it does not exist, `{}` when it is empty.
pub fn read_json(path: &Path) -> Result<Option<serde_json::Value>, String> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    if text.trim().is_empty() {
        return Ok(Some(serde_json::json!({})));
    }
    serde_json::from_str(&text).map(Some).map_err(|e| {
        format!(
            "{} is not valid JSON ({e}); it was left as it is",
            path.display()
        )
    })
}

/// Back up the old file as `<file>.toolgate-backup`, then replace it atomically (keeping
/// its permissions: a managed file stays readable by every user).
pub fn write_text(path: &Path, old_exists: bool, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let beside = |suffix: &str| {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        path.with_file_name(name)
    };
    if old_exists {
        let backup = beside(".toolgate-backup");
        std::fs::copy(path, &backup)
            .map_err(|e| format!("cannot back up to {}: {e}", backup.display()))?;
    }
    let tmp = beside(".toolgate-tmp");
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()))
}
