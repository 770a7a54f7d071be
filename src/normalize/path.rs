//! Paths made absolute and lexically normal, so `./a/../../etc/passwd`, `~/x` and `x` all
//! compare by what they name. No file system access: the file may not exist yet and the
//! working directory may be another machine's (ssh).

/// Resolve `path` against `cwd` and `home`; `None` when it depends on something unknown.
pub fn resolve(path: &str, cwd: Option<&str>, home: Option<&str>) -> Option<String> {
    let joined = if path == "~" {
        home?.to_string()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{}/{rest}", home?)
    } else if path.starts_with('~') {
        // `~user`: another account's home; where it lives is not knowable here.
        return None;
    } else if path.starts_with('/') {
        path.to_string()
    } else if let Some(windows) = wsl_path(path) {
        windows
    } else {
        format!("{}/{path}", cwd?)
    };
    let normal = lexical(&joined);
    Some(through_proc(&normal, cwd).unwrap_or(normal))
}

/// `C:\Users\dev` (or `C:/Users/dev`) is `/mnt/c/Users/dev` from WSL, where Windows
/// programs (`cmd.exe`, `powershell.exe`) run beside Linux ones.
fn wsl_path(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let drive = *bytes.first()?;
    let mount = drive.is_ascii_alphabetic()
        && bytes.get(1) == Some(&b':')
        && matches!(bytes.get(2), Some(b'\\' | b'/') | None);
    if !mount {
        return None;
    }
    let rest = path[2..].replace('\\', "/");
    Some(format!(
        "/mnt/{}/{}",
        (drive as char).to_ascii_lowercase(),
        rest.trim_start_matches('/')
    ))
}

/// `/proc/self/root/x` is `/x` and `/proc/self/cwd/x` is `x` in the working directory (for
/// this process, a numbered one or the thread): the same file by another name.
fn through_proc(path: &str, cwd: Option<&str>) -> Option<String> {
    let rest = path.strip_prefix("/proc/")?;
    let (who, rest) = rest.split_once('/')?;
    if !(who == "self" || who == "thread-self" || who.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let (link, rest) = rest.split_once('/').unwrap_or((rest, ""));
    match link {
        "root" => Some(lexical(&format!("/{rest}"))),
        "cwd" => Some(lexical(&format!("{}/{rest}", cwd?))),
        _ => None,
    }
}

#[cfg(test)]
mod proc_tests {
    use super::*;

    #[test]
    fn windows_paths_are_their_wsl_mounts() {
        assert_eq!(
            resolve("C:\\Users\\dev\\.ssh", None, None).as_deref(),
            Some("/mnt/c/Users/dev/.ssh")
        );
        assert_eq!(resolve("D:", None, None).as_deref(), Some("/mnt/d"));
        assert_eq!(
            resolve("C:x", Some("/p"), None).as_deref(),
            Some("/p/C:x"),
            "a drive-relative path is not a mount path"
        );
    }

    #[test]
    fn proc_self_root_and_cwd_name_the_file_they_lead_to() {
        let cwd = Some("/home/dev/project");
        assert_eq!(
            resolve("/proc/self/root/home/dev/.claude/settings.json", cwd, None).unwrap(),
            "/home/dev/.claude/settings.json"
        );
        assert_eq!(
            resolve("/proc/self/cwd/.claude/settings.json", cwd, None).unwrap(),
            "/home/dev/project/.claude/settings.json"
        );
        assert_eq!(
            resolve("/proc/1234/root/etc/passwd", cwd, None).unwrap(),
            "/etc/passwd"
        );
        assert_eq!(
            resolve("/proc/self/status", cwd, None).unwrap(),
            "/proc/self/status"
        );
    }
}

/// Collapse `//`, `.` and `..` without touching the file system. `..` at the root stays at
/// the root, as the kernel does.
pub fn lexical(absolute: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in absolute.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(absolute.len());
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    out
}

/// Is `path` the directory `dir` or inside it? Both must be lexically normal.
pub fn is_within(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    path == dir || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_home_and_dots() {
        let r = |p| resolve(p, Some("/home/dev/project"), Some("/home/dev"));
        assert_eq!(r("src/../../x").as_deref(), Some("/home/dev/x"));
        assert_eq!(r("~/.ssh/id_rsa").as_deref(), Some("/home/dev/.ssh/id_rsa"));
        assert_eq!(r("/tmp/../../..").as_deref(), Some("/"));
        assert_eq!(r(".").as_deref(), Some("/home/dev/project"));
        assert_eq!(r("//etc///passwd/").as_deref(), Some("/etc/passwd"));
        assert_eq!(r("~other/x"), None);
        assert_eq!(resolve("x", None, None), None);
    }

    #[test]
    fn within_respects_component_boundaries() {
        assert!(is_within("/home/dev/project/a", "/home/dev/project"));
        assert!(is_within("/home/dev/project", "/home/dev/project"));
        assert!(!is_within("/home/dev/project2", "/home/dev/project"));
        assert!(is_within("/x", "/"));
    }
}
