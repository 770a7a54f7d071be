//! Who is calling: the OS user and their groups, read from the operating system (never from
//! the environment, the call or the project, which the agent may control). Roles are
//! assigned from this (see [`crate::policy::roles`]); journal records carry the user name.

use std::ffi::CStr;

/// The calling OS user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    /// The account name, or `uid:N` when the account database has none.
    pub name: String,
    /// Names of every group the user is in (primary and supplementary).
    pub groups: Vec<String>,
}

/// Largest buffer tried for one account database entry.
const MAX_ENTRY: usize = 1 << 20;

impl Identity {
    /// The process's real user, looked up once per call.
    pub fn current() -> Identity {
        // SAFETY: getuid/getgid have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let name = user_name(uid).unwrap_or_else(|| format!("uid:{uid}"));
        let mut gids = supplementary_groups();
        if !gids.contains(&gid) {
            gids.insert(0, gid);
        }
        let groups = gids
            .into_iter()
            .map(|g| group_name(g).unwrap_or_else(|| format!("gid:{g}")))
            .collect();
        Identity { uid, name, groups }
    }
}

/// The account name of `id` in a colon-separated database file (`/etc/passwd`,
/// `/etc/group`: name, password, id, ...), when the system reads that file first for
/// `database` (`passwd:` / `group:` in /etc/nsswitch.conf begins with `files`). Then the
/// file answers as the C library would, without its NSS machinery (a socket to nscd, a
/// module loaded), which cost a tenth of a short hook call. `None`: ask the C library.
fn from_files(database: &str, file: &str, id: u32) -> Option<String> {
    field_from_files(database, file, id, 0)
}

/// Field `index` (0: the name, 5: the home folder) of `id`'s line, as [`from_files`].
fn field_from_files(database: &str, file: &str, id: u32, index: usize) -> Option<String> {
    let conf = std::fs::read_to_string("/etc/nsswitch.conf").ok()?;
    let files_first = conf.lines().any(|line| {
        let line = line.split('#').next().unwrap_or("");
        line.strip_prefix(database)
            .and_then(|rest| rest.trim_start().strip_prefix(':'))
            .is_some_and(|sources| sources.split_whitespace().next() == Some("files"))
    });
    if !files_first {
        return None;
    }
    let id = id.to_string();
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .map(|line| line.split(':'))
        .find_map(|mut fields| {
            let name = fields.next()?;
            if fields.nth(1)? != id || name.is_empty() || name.starts_with(['+', '-']) {
                return None;
            }
            // Fields 0 to 2 are read; the next one is field 3.
            let value = if index == 0 {
                name
            } else {
                fields.nth(index - 3)?
            };
            Some(value.to_string())
        })
}

/// The account's home folder from the account database (never `$HOME`).
pub fn home_dir(uid: u32) -> Option<String> {
    let from_file = field_from_files("passwd", "/etc/passwd", uid, 5);
    from_file
        .or_else(|| nss_home(uid))
        .filter(|h| h.starts_with('/'))
}

fn nss_home(uid: u32) -> Option<String> {
    nss_passwd_field(uid, |p| p.pw_dir)
}

/// One field of `uid`'s account entry, as the C library (NSS) has it.
fn nss_passwd_field(uid: u32, field: fn(&libc::passwd) -> *mut libc::c_char) -> Option<String> {
    let mut size = 1024;
    while size <= MAX_ENTRY {
        let mut buf = vec![0 as libc::c_char; size];
        // SAFETY: zeroed passwd is a valid out-parameter for getpwuid_r.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the stated sizes; the result points into `pwd`.
        let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), size, &mut result) };
        if rc == libc::ERANGE {
            size *= 4;
            continue;
        }
        let value = field(&pwd);
        if rc != 0 || result.is_null() || value.is_null() {
            return None;
        }
        // SAFETY: the field is a NUL-terminated string inside `buf`, alive here.
        return Some(
            unsafe { CStr::from_ptr(value) }
                .to_string_lossy()
                .into_owned(),
        );
    }
    None
}

pub fn user_name(uid: u32) -> Option<String> {
    from_files("passwd", "/etc/passwd", uid).or_else(|| nss_user_name(uid))
}

fn nss_user_name(uid: u32) -> Option<String> {
    nss_passwd_field(uid, |p| p.pw_name)
}

fn group_name(gid: u32) -> Option<String> {
    from_files("group", "/etc/group", gid).or_else(|| nss_group_name(gid))
}

fn nss_group_name(gid: u32) -> Option<String> {
    let mut size = 1024;
    while size <= MAX_ENTRY {
        let mut buf = vec![0 as libc::c_char; size];
        // SAFETY: zeroed group is a valid out-parameter for getgrgid_r.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the stated sizes; the result points into `grp`.
        let rc = unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), size, &mut result) };
        if rc == libc::ERANGE {
            size *= 4;
            continue;
        }
        if rc != 0 || result.is_null() || grp.gr_name.is_null() {
            return None;
        }
        // SAFETY: gr_name is a NUL-terminated string inside `buf`, alive here.
        return Some(
            unsafe { CStr::from_ptr(grp.gr_name) }
                .to_string_lossy()
                .into_owned(),
        );
    }
    None
}

fn supplementary_groups() -> Vec<libc::gid_t> {
    // SAFETY: a zero count asks only for the number of groups.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return Vec::new();
    }
    let mut gids = vec![0 as libc::gid_t; n as usize];
    // SAFETY: the buffer holds `n` entries.
    let got = unsafe { libc::getgroups(n, gids.as_mut_ptr()) };
    gids.truncate(got.max(0) as usize);
    gids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OS answers, not the environment: `USER` set to someone else changes nothing.
    #[test]
    fn the_current_user_comes_from_the_account_database() {
        let me = Identity::current();
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        assert_eq!(me.name, String::from_utf8_lossy(&id.stdout).trim());
        let groups = std::process::Command::new("id")
            .arg("-Gn")
            .output()
            .unwrap();
        for g in String::from_utf8_lossy(&groups.stdout).split_whitespace() {
            assert!(me.groups.iter().any(|m| m == g), "{g} missing from {me:?}");
        }
    }

    /// The home folder comes from the account database, as `getent passwd` prints it.
    #[test]
    fn the_home_folder_comes_from_the_account_database() {
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let out = std::process::Command::new("getent")
            .args(["passwd", &uid.to_string()])
            .output()
            .unwrap();
        let line = String::from_utf8_lossy(&out.stdout);
        let expected = line.trim().split(':').nth(5).unwrap().to_string();
        assert_eq!(home_dir(uid), Some(expected.clone()));
        assert_eq!(nss_home(uid), Some(expected));
    }

    /// Reading the files directly answers exactly as the C library does, for every account
    /// and group on this machine.
    #[test]
    fn the_files_fast_path_agrees_with_the_c_library() {
        for (database, file) in [("passwd", "/etc/passwd"), ("group", "/etc/group")] {
            let text = std::fs::read_to_string(file).unwrap();
            let ids: Vec<u32> = text
                .lines()
                .filter_map(|l| l.split(':').nth(2)?.parse().ok())
                .collect();
            assert!(!ids.is_empty());
            for id in ids {
                let direct = from_files(database, file, id);
                let nss = match database {
                    "passwd" => nss_user_name(id),
                    _ => nss_group_name(id),
                };
                if direct.is_some() {
                    assert_eq!(direct, nss, "{file} id {id}");
                }
            }
        }
    }
}
