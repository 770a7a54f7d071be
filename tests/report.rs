//! The compliance report through the real binary and a real browser: headless Chromium
//! renders it without errors or blocked loads, the chart has bars, and a screenshot and a
//! printed PDF are left under target/ for a person to look at.

use assert_cmd::Command;
use serde_json::json;
use std::path::{Path, PathBuf};

const CHROMIUM: &str = "/usr/bin/chromium";

fn toolgate(dir: &Path) -> Command {
    let policy = dir.join("policy.toml");
    if !policy.exists() {
        std::fs::write(&policy, "").unwrap();
    }
    let mut cmd = Command::cargo_bin("toolgate").unwrap();
    cmd.env("TOOLGATE_POLICY", policy)
        .env("TOOLGATE_JOURNAL", dir.join("journal.db"))
        .env("TOOLGATE_CLAUDE_SETTINGS", dir.join("no-settings"))
        .env("HOME", "/home/dev")
        .env_remove("TOOLGATE_USER_POLICY")
        .env_remove("CLAUDE_PROJECT_DIR");
    cmd
}

fn journal_with_calls(dir: &Path) {
    let calls = [
        ("Bash", json!({"command": "rm -rf /"})),
        ("Bash", json!({"command": "ls -la"})),
        ("Bash", json!({"command": "git push --force origin main"})),
        ("Read", json!({"file_path": "/home/dev/.ssh/id_rsa"})),
        (
            "Bash",
            json!({"command": "echo '<script>alert(1)</script>' && rm -rf ~"}),
        ),
        (
            "Write",
            json!({"file_path": "/home/dev/p/notes.txt",
                         "content": "patient Maria Lopez, DOB 04/12/1961, MRN 00482913"}),
        ),
    ];
    for (n, (tool, input)) in calls.into_iter().enumerate() {
        let code = toolgate(dir)
            .arg("hook")
            .write_stdin(
                json!({"hook_event_name": "PreToolUse", "session_id": "s", "tool_use_id": format!("t{n}"),
                       "cwd": "/home/dev/p", "tool_name": tool, "tool_input": input})
                .to_string(),
            )
            .output()
            .unwrap();
        // The gate's two answers only; a crash or any other code fails the test.
        assert!(matches!(code.status.code(), Some(0 | 2)), "{code:?}");
    }
}

fn report(dir: &Path) -> (PathBuf, String) {
    let html = dir.join("report.html");
    let out = toolgate(dir)
        .args(["journal", "report", "--html"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&html).unwrap();
    (html, text)
}

#[test]
fn report_is_self_contained_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    journal_with_calls(dir.path());
    let (_, html) = report(dir.path());
    for external in [
        "<script",
        "<link",
        "src=\"http",
        "url(",
        "@import",
        "href=\"http",
    ] {
        assert!(!html.contains(external), "external reference `{external}`");
    }
    assert!(html.contains("default-src 'none'"));
    assert!(
        html.contains("&lt;script&gt;alert(1)"),
        "journal text is escaped"
    );
    assert!(html.contains("Chain verified"));
    assert!(html.contains("fs.rm-critical"));
    for value in ["04/12/1961", "00482913"] {
        assert!(!html.contains(value), "{value} reached the report");
    }
    assert!(html.contains("phi:"), "findings by kind are listed");
}

#[test]
fn report_states_its_filters_the_chain_head_and_what_it_cut() {
    let dir = tempfile::tempdir().unwrap();
    journal_with_calls(dir.path());
    // More denials than the report lists.
    for n in 0..27 {
        toolgate(dir.path())
            .arg("hook")
            .write_stdin(
                json!({"hook_event_name": "PreToolUse", "session_id": "s", "tool_use_id": format!("d{n}"),
                       "cwd": "/home/dev/p", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}})
                .to_string(),
            )
            .assert()
            .code(2);
    }
    let anchor = toolgate(dir.path())
        .args(["journal", "anchor"])
        .output()
        .unwrap();
    let anchor: serde_json::Value = serde_json::from_slice(&anchor.stdout).unwrap();
    let html = dir.path().join("filtered.html");
    toolgate(dir.path())
        .args(["journal", "report", "--tool", "Bash", "--html"])
        .arg(&html)
        .assert()
        .success();
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        text.contains("<b>tool</b> = <code>Bash</code>"),
        "the filter is stated"
    );
    assert!(
        text.contains("The journal holds records from"),
        "the full period"
    );
    let head = format!("record <b>#{}</b>", anchor["seq"]);
    assert!(text.contains(&head) && text.contains(anchor["hash"].as_str().unwrap()));
    assert!(
        text.contains("The latest 25 of 30 denials are shown"),
        "the cut list says so"
    );
    assert!(text.contains("Chain verified"));

    // Patient data counted by call as well as by kind (the Write call holds three kinds).
    let all = dir.path().join("all.html");
    toolgate(dir.path())
        .args(["journal", "report", "--html"])
        .arg(&all)
        .assert()
        .success();
    let text = std::fs::read_to_string(&all).unwrap();
    let by_call = text.split("id=\"findings-by-event\"").nth(1).unwrap();
    assert!(
        by_call.contains("<td>phi</td><td class=\"n\">1</td>"),
        "{by_call}"
    );

    // Damage nobody acknowledged: the report does not say "verified".
    std::fs::remove_file(dir.path().join("journal.db.head")).unwrap();
    toolgate(dir.path())
        .arg("hook")
        .write_stdin(json!({"hook_event_name": "PreToolUse", "cwd": "/", "tool_name": "Bash", "tool_input": {"command": "ls"}}).to_string())
        .assert()
        .code(0);
    toolgate(dir.path())
        .args(["journal", "report", "--html"])
        .arg(&all)
        .assert()
        .success();
    let text = std::fs::read_to_string(&all).unwrap();
    assert!(
        !text.contains("Chain verified"),
        "damage is not a verified chain"
    );
    assert!(text.contains("damage not yet acknowledged") && text.contains("head file was missing"));
}

#[test]
fn report_shows_a_broken_chain() {
    let dir = tempfile::tempdir().unwrap();
    journal_with_calls(dir.path());
    // Fold the segment, then edit a record behind the gate's back.
    toolgate(dir.path())
        .args(["journal", "stats"])
        .assert()
        .success();
    let conn = rusqlite::Connection::open(dir.path().join("journal.db")).unwrap();
    conn.execute("UPDATE decisions SET decision = 'allow' WHERE seq = 1", [])
        .unwrap();
    drop(conn);
    let (_, html) = report(dir.path());
    assert!(html.contains("Chain verification FAILED"), "{html}");
    assert!(html.contains("record #1"));
}

#[test]
fn report_renders_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("TOOLGATE_REQUIRE_SERVICES").is_none(),
            "chromium is required (TOOLGATE_REQUIRE_SERVICES is set) but not installed"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    journal_with_calls(dir.path());
    let (html, _) = report(dir.path());
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let screenshot = out_dir.join("toolgate-report.png");
    let pdf = out_dir.join("toolgate-report.pdf");
    let _ = std::fs::remove_file(&screenshot);
    let _ = std::fs::remove_file(&pdf);
    let chromium = |extra: &[String]| {
        let profile = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1100,1600",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", html.display()))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "chromium failed: {stderr}");
        for problem in ["Refused to", "Uncaught", "Failed to load resource", "ERR_"] {
            assert!(!stderr.contains(problem), "{problem}: {stderr}");
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dom = chromium(&["--dump-dom".to_string()]);
    assert!(dom.contains("toolgate compliance report"));
    let bars: Vec<(i64, f64)> = dom
        .split("<rect class=\"bar\"")
        .skip(1)
        .map(|rect| {
            let attr = |name: &str| {
                let start = rect.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                rect[start..start + rect[start..].find('"').unwrap()].to_string()
            };
            (
                attr("data-count").parse().unwrap(),
                attr("height").parse().unwrap(),
            )
        })
        .collect();
    assert!(!bars.is_empty(), "the chart has bars");
    assert!(bars.iter().any(|(n, h)| *n > 0 && *h > 10.0), "{bars:?}");
    chromium(&[format!("--screenshot={}", screenshot.display())]);
    let png = std::fs::read(&screenshot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    chromium(&[
        format!("--print-to-pdf={}", pdf.display()),
        "--no-pdf-header-footer".into(),
    ]);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    eprintln!("screenshot: {}", screenshot.display());
}
