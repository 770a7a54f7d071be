//! Where the gate's configuration comes from: one answer per process, decided before
//! anything is read.
//!
//! A **managed deployment** is one an administrator set up: the build names it, the managed
//! policy folder (`/etc/toolgate`) exists, or Claude Code's managed settings register
//! toolgate as a hook. In a managed deployment the managed policy is the only source of
//! truth: `TOOLGATE_*` variables that choose files or limits are ignored (the agent can
//! plant them for the next session in a dozen files the gate cannot all watch), the journal
//! lives under the account's home from the account database (not `$HOME` or
//! `$XDG_STATE_HOME`), and a managed policy that is missing or unreadable fails closed.
//! Command-line flags still apply: they live in the hook entry, which the managed settings
//! protect. Outside a managed deployment (a developer's own install, the tests) the
//! variables work as documented.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The variables that choose toolgate's files or limits. Ignored in a managed deployment.
pub const VARIABLES: &[&str] = &[
    "TOOLGATE_POLICY",
    "TOOLGATE_JOURNAL",
    "TOOLGATE_CLAUDE_SETTINGS",
    "TOOLGATE_USER_POLICY",
    "TOOLGATE_DEADLINE_MS",
    "TOOLGATE_TEST_FAULT",
];

/// The managed policy's folder: the build's choice, else the platform's.
pub fn managed_dir() -> PathBuf {
    if let Some(dir) = option_env!("TOOLGATE_MANAGED_DIR") {
        return PathBuf::from(dir);
    }
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/toolgate")
    } else {
        PathBuf::from("/etc/toolgate")
    }
}

/// Where root keeps compiled packs for every account (see `pack::cache`).
pub fn system_cache_dir() -> PathBuf {
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Caches/toolgate")
    } else {
        PathBuf::from("/var/cache/toolgate")
    }
}

/// The managed policy's default location.
pub fn managed_policy() -> PathBuf {
    managed_dir().join("policy.toml")
}

/// Claude Code's managed settings folder on this platform.
pub fn claude_managed_dir() -> PathBuf {
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/ClaudeCode")
    } else {
        PathBuf::from("/etc/claude-code")
    }
}

/// Claude Code's managed settings files: the main file, then the drop-ins (sorted).
pub fn claude_managed_files() -> Vec<PathBuf> {
    let dir = claude_managed_dir();
    let mut out = vec![dir.join("managed-settings.json")];
    if let Ok(entries) = std::fs::read_dir(dir.join("managed-settings.d")) {
        let mut extra: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        extra.sort();
        out.extend(extra);
    }
    out
}

/// Why a deployment is managed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// This build was made for an organisation (a managed folder or a policy key compiled in).
    Build,
    /// The managed policy folder exists.
    Folder(PathBuf),
    /// Claude Code's managed settings run toolgate as a hook.
    ClaudeSettings(PathBuf),
}

impl std::fmt::Display for Marker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Marker::Build => write!(f, "this toolgate build is made for a managed deployment"),
            Marker::Folder(p) => write!(f, "the managed policy folder {} exists", p.display()),
            Marker::ClaudeSettings(p) => {
                write!(
                    f,
                    "Claude Code's managed settings {} run toolgate",
                    p.display()
                )
            }
        }
    }
}

/// What this process found out about its deployment.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// Set when the deployment is managed.
    pub marker: Option<Marker>,
    /// Variables from [`VARIABLES`] that are set (to anything) in this process's
    /// environment. In a managed deployment they are ignored, and the journal says so.
    pub set: Vec<&'static str>,
}

impl Deployment {
    /// Look at the build, the file system and the environment.
    pub fn detect() -> Deployment {
        let set = VARIABLES
            .iter()
            .copied()
            .filter(|v| std::env::var_os(v).is_some())
            .collect();
        Deployment {
            marker: find_marker(&managed_dir(), &claude_managed_files()),
            set,
        }
    }

    pub fn managed(&self) -> bool {
        self.marker.is_some()
    }

    /// A file-choosing variable, unless the deployment is managed.
    pub fn var(&self, name: &str) -> Option<OsString> {
        debug_assert!(
            VARIABLES.contains(&name),
            "{name} is not a deployment variable"
        );
        if self.managed() {
            return None;
        }
        std::env::var_os(name)
    }

    /// The variables this deployment ignored (set, in a managed deployment).
    pub fn ignored(&self) -> &[&'static str] {
        if self.managed() { &self.set } else { &[] }
    }

    /// Which policy file applies: an explicit one (a flag, or the variable outside a managed
    /// deployment), else the managed policy. In a managed deployment that file must exist:
    /// `Err` says why the call must fail closed.
    pub fn policy(&self, flag: Option<&Path>) -> Result<Option<PathBuf>, String> {
        if let Some(p) = flag {
            return Ok(Some(p.to_path_buf()));
        }
        if let Some(p) = self.var("TOOLGATE_POLICY") {
            return Ok(Some(PathBuf::from(p)));
        }
        let managed = managed_policy();
        match (&self.marker, managed.exists()) {
            (_, true) => Ok(Some(managed)),
            (None, false) => Ok(None),
            (Some(marker), false) => Err(format!(
                "the managed policy {} is missing, and this is a managed deployment ({marker}): an administrator must restore it (an empty policy file means the built-in packs only)",
                managed.display()
            )),
        }
    }

    /// The home folder toolgate's own files hang from: the account database's in a managed
    /// deployment (the environment's `HOME` can be planted), else `$HOME`.
    pub fn home(&self) -> Option<String> {
        if self.managed() {
            // SAFETY: getuid has no preconditions.
            let uid = unsafe { libc::getuid() };
            if let Some(home) = crate::identity::home_dir(uid) {
                return Some(home);
            }
        }
        std::env::var("HOME").ok().filter(|h| h.starts_with('/'))
    }

    /// The journal database: the `--journal` flag, else `TOOLGATE_JOURNAL` (outside a
    /// managed deployment), else `$XDG_STATE_HOME/toolgate/journal.db` (likewise), else
    /// `~/.local/state/toolgate/journal.db`. Absolute (relative to the current folder).
    pub fn journal(&self, flag: Option<&Path>) -> Option<PathBuf> {
        let chosen = flag.map(Path::to_path_buf).or_else(|| {
            self.var("TOOLGATE_JOURNAL")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
        });
        let path = match chosen {
            Some(p) => p,
            None => {
                let xdg = (!self.managed())
                    .then(|| std::env::var("XDG_STATE_HOME").ok())
                    .flatten()
                    .filter(|p| p.starts_with('/'))
                    .map(PathBuf::from);
                let state =
                    xdg.or_else(|| self.home().map(|h| PathBuf::from(h).join(".local/state")))?;
                state.join("toolgate/journal.db")
            }
        };
        if path.is_absolute() {
            return Some(path);
        }
        std::env::current_dir().ok().map(|d| d.join(path))
    }
}

/// This process's deployment, detected once.
pub fn current() -> &'static Deployment {
    static CURRENT: OnceLock<Deployment> = OnceLock::new();
    CURRENT.get_or_init(Deployment::detect)
}

/// The first marker of a managed deployment, looking at `folder` and Claude Code's managed
/// settings `files`.
pub fn find_marker(folder: &Path, files: &[PathBuf]) -> Option<Marker> {
    if option_env!("TOOLGATE_MANAGED_DIR").is_some()
        || option_env!("TOOLGATE_POLICY_PUBLIC_KEY").is_some()
    {
        return Some(Marker::Build);
    }
    // A dangling link still counts: the folder was there.
    if folder.symlink_metadata().is_ok() {
        return Some(Marker::Folder(folder.to_path_buf()));
    }
    files
        .iter()
        .find(|f| registers_toolgate(f))
        .map(|f| Marker::ClaudeSettings(f.clone()))
}

/// Whether a managed settings file runs toolgate as a hook (a `command` naming toolgate).
fn registers_toolgate(file: &Path) -> bool {
    use std::io::Read;
    // A regular file only: opening a FIFO would wait for a writer.
    if !std::fs::metadata(file).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(f) = std::fs::File::open(file) else {
        return false;
    };
    let mut text = String::new();
    if f.take(1 << 20).read_to_string(&mut text).is_err() || !text.contains("toolgate") {
        return false;
    }
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        // Unreadable managed settings that mention toolgate: take them at their word.
        return true;
    };
    let Some(hooks) = value.get("hooks").and_then(|h| h.as_object()) else {
        return false;
    };
    hooks
        .values()
        .filter_map(|groups| groups.as_array())
        .flatten()
        .filter_map(|group| group.get("hooks").and_then(|h| h.as_array()))
        .flatten()
        .filter_map(|hook| hook.get("command").and_then(|c| c.as_str()))
        .any(|command| command.contains("toolgate"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_or_managed_settings_running_toolgate_mark_a_managed_deployment() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("toolgate");
        let settings = dir.path().join("managed-settings.json");
        assert_eq!(find_marker(&folder, std::slice::from_ref(&settings)), None);
        std::fs::write(&settings, r#"{"hooks": {}, "model": "toolgate-fan"}"#).unwrap();
        assert_eq!(
            find_marker(&folder, std::slice::from_ref(&settings)),
            None,
            "a mention that is not a hook command"
        );
        std::fs::write(
            &settings,
            r#"{"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "/usr/local/bin/toolgate", "args": ["hook"]}]}]}}"#,
        )
        .unwrap();
        assert_eq!(
            find_marker(&folder, std::slice::from_ref(&settings)),
            Some(Marker::ClaudeSettings(settings.clone()))
        );
        std::os::unix::fs::symlink(dir.path().join("gone"), &folder).unwrap();
        assert_eq!(
            find_marker(&folder, &[]),
            Some(Marker::Folder(folder.clone())),
            "a dangling link to the folder still marks it"
        );
    }

    #[test]
    fn a_managed_deployment_ignores_the_variables_and_needs_its_policy() {
        let managed = Deployment {
            marker: Some(Marker::Folder("/nonexistent/toolgate".into())),
            set: vec!["TOOLGATE_POLICY"],
        };
        assert_eq!(managed.var("TOOLGATE_POLICY"), None);
        assert_eq!(managed.ignored(), ["TOOLGATE_POLICY"]);
        let flag = Path::new("/opt/policy.toml");
        assert_eq!(managed.policy(Some(flag)).unwrap().as_deref(), Some(flag));
        if !managed_policy().exists() {
            let err = managed.policy(None).unwrap_err();
            assert!(err.contains("managed deployment"), "{err}");
            assert!(err.contains("missing"), "{err}");
            let unmanaged = Deployment::default();
            assert_eq!(unmanaged.policy(None).unwrap(), None);
            assert!(unmanaged.ignored().is_empty());
        }
    }
}
