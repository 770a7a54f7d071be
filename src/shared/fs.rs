//! Files toolgate keeps for itself.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Create a folder only its owner can use (mode 0700), with its parents, when it is missing.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
