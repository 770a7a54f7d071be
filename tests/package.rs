//! The Debian package a fleet installs: built by scripts/build-deb from the binary under
//! test, installed with dpkg into a scratch root (never the machine's own), run from there,
//! and removed with its conffile kept. Skipped, saying so, where dpkg is not installed.

use assert_cmd::Command;
use std::path::Path;
use std::process::Command as Process;

fn have(program: &str) -> bool {
    Process::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn dpkg(root: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Process::new("dpkg");
    cmd.arg(format!("--root={}", root.display())).args([
        "--force-script-chrootless",
        // The scratch root has no libc6 package to satisfy `Depends`.
        "--force-depends",
        "--log=/dev/null",
    ]);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        cmd.arg("--force-not-root");
    }
    cmd.args(args).output().unwrap()
}

#[test]
fn the_debian_package_installs_runs_and_keeps_its_conffile() {
    if !have("dpkg-deb") || !have("dpkg") {
        // CI sets this: there, a missing dpkg is a failure, not a skip.
        assert!(
            std::env::var_os("TOOLGATE_REQUIRE_SERVICES").is_none(),
            "dpkg is not installed"
        );
        eprintln!("skipped: dpkg is not installed on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("toolgate");
    let out = Process::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/build-deb"))
        .arg("--binary")
        .arg(&binary)
        .arg("--out")
        .arg(dir.path())
        // The debug binary is large; compressing it would be most of the test's time.
        .args(["--compress", "none"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deb = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(deb.ends_with(".deb"), "{deb}");

    let listing = Process::new("dpkg-deb")
        .args(["-c", &deb])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let line = |path: &str| {
        listing
            .lines()
            .find(|l| l.ends_with(path))
            .unwrap_or_else(|| panic!("{path} not in the package:\n{listing}"))
            .to_string()
    };
    // Root-owned, and only root may change the binary or the policy.
    assert!(line("./usr/bin/toolgate").starts_with("-rwxr-xr-x root/root"));
    assert!(line("./etc/toolgate/policy.toml").starts_with("-rw-r--r-- root/root"));
    line("./usr/share/doc/toolgate/agents.md");
    line("./usr/share/doc/toolgate/examples/enterprise.toml");
    let info = Process::new("dpkg-deb")
        .args(["-f", &deb])
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Package: toolgate"), "{info}");
    assert!(
        info.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{info}"
    );

    let root = dir.path().join("root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    let installed = dpkg(&root, &["-i", &deb]);
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let status = dpkg(&root, &["-s", "toolgate"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("Status: install ok installed"));

    // The installed gate answers: its version names the build, and it blocks.
    let gate = root.join("usr/bin/toolgate");
    let version = Process::new(&gate).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains("(commit "));
    let policy = root.join("etc/toolgate/policy.toml");
    let answer = Command::new(&gate)
        .arg("--policy")
        .arg(&policy)
        .args(["--journal"])
        .arg(dir.path().join("journal.db"))
        .arg("hook")
        .env("HOME", "/home/dev")
        .write_stdin(r#"{"hook_event_name":"PreToolUse","cwd":"/tmp","tool_name":"Bash","tool_input":{"command":"rm -rf ~"}}"#)
        .output()
        .unwrap();
    assert_eq!(answer.status.code(), Some(2));

    // Removed: the binary goes, the administrator's policy stays (a conffile).
    std::fs::write(&policy, "serial = 7\n").unwrap();
    let removed = dpkg(&root, &["-r", "toolgate"]);
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert!(!gate.exists());
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), "serial = 7\n");
}
