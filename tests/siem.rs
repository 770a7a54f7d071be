//! Compliance exports and SIEM shipping through the real binary: OCSF and ECS field lists,
//! the export cursor across a crash, syslog framing against a listener written here, and a
//! real rsyslog collector stopped and restarted mid-run.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

struct Journal {
    _dir: tempfile::TempDir,
    db: PathBuf,
    policy: PathBuf,
}

fn journal() -> Journal {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "").unwrap();
    Journal {
        db: dir.path().join("state/journal.db"),
        policy,
        _dir: dir,
    }
}

impl Journal {
    fn toolgate(&self) -> Command {
        let mut cmd = Command::cargo_bin("toolgate").unwrap();
        cmd.env("TOOLGATE_POLICY", &self.policy)
            .env("TOOLGATE_JOURNAL", &self.db)
            .env("TOOLGATE_CLAUDE_SETTINGS", self.db.with_extension("none"))
            .env("HOME", "/home/dev")
            .env_remove("TOOLGATE_USER_POLICY")
            .env_remove("CLAUDE_PROJECT_DIR");
        cmd
    }

    fn hook(&self, event: Value) -> i32 {
        self.toolgate()
            .arg("hook")
            .write_stdin(event.to_string())
            .output()
            .unwrap()
            .status
            .code()
            .unwrap()
    }

    fn bash(&self, n: usize, command: &str) {
        self.hook(json!({
            "hook_event_name": "PreToolUse", "session_id": "sess-1",
            "tool_use_id": format!("toolu_{n}"), "cwd": "/home/dev/project",
            "tool_name": "Bash", "tool_input": {"command": command}
        }));
    }

    /// One call of each decision, and a few tool shapes.
    fn varied(&self) {
        self.bash(1, "ls -la");
        self.bash(2, "rm -rf /");
        self.bash(3, "git push origin main");
        self.hook(json!({
            "hook_event_name": "PreToolUse", "session_id": "sess-1", "tool_use_id": "toolu_4",
            "cwd": "/home/dev/project", "tool_name": "Read",
            "tool_input": {"file_path": "/home/dev/project/README.md"}
        }));
        self.hook(json!({
            "hook_event_name": "UserPromptSubmit", "session_id": "sess-1",
            "cwd": "/home/dev/project", "prompt": "patient Maria Lopez SSN 412-67-3391 please"
        }));
        let garbage = self
            .toolgate()
            .arg("hook")
            .write_stdin("not json")
            .output()
            .unwrap();
        assert_eq!(garbage.status.code(), Some(2));
    }

    fn export(&self, args: &[&str]) -> (Vec<Value>, String) {
        let out = self
            .toolgate()
            .args(["journal", "export"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (lines, stderr)
    }
}

/// Value kinds of OCSF types: integer_t/long_t/timestamp_t are integers, string_t and
/// hostname_t strings, json_t anything, objects objects.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Int,
    Str,
    Bool,
    Obj,
    Any,
}

fn kind_ok(v: &Value, k: Kind) -> bool {
    match k {
        Kind::Int => v.is_i64() || v.is_u64(),
        Kind::Str => v.is_string(),
        Kind::Bool => v.is_boolean(),
        Kind::Obj => v.is_object(),
        Kind::Any => true,
    }
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// OCSF 1.5.0, class API Activity (6003): the attributes required by the class and the
/// base event, then the recommended and Security Control profile attributes toolgate fills
/// (written down from events/application/api_activity.json, events/base_event.json,
/// profiles/security_control.json and the objects they name).
const OCSF_REQUIRED: &[(&str, Kind)] = &[
    ("activity_id", Kind::Int),
    ("category_uid", Kind::Int),
    ("class_uid", Kind::Int),
    ("metadata", Kind::Obj),
    ("metadata.product", Kind::Obj),
    ("metadata.version", Kind::Str),
    ("severity_id", Kind::Int),
    ("time", Kind::Int),
    ("type_uid", Kind::Int),
    ("actor", Kind::Obj),
    ("api", Kind::Obj),
    ("api.operation", Kind::Str),
    ("src_endpoint", Kind::Obj),
];
const OCSF_FILLED: &[(&str, Kind)] = &[
    ("action_id", Kind::Int),
    ("disposition_id", Kind::Int),
    ("status_id", Kind::Int),
    ("status_detail", Kind::Str),
    ("is_alert", Kind::Bool),
    ("metadata.product.name", Kind::Str),
    ("metadata.product.vendor_name", Kind::Str),
    ("metadata.product.version", Kind::Str),
    ("metadata.uid", Kind::Str),
    ("metadata.sequence", Kind::Int),
    ("metadata.log_name", Kind::Str),
    ("actor.user.name", Kind::Str),
    ("actor.app_name", Kind::Str),
    ("api.request.uid", Kind::Str),
    ("api.request.data", Kind::Any),
    ("src_endpoint.hostname", Kind::Str),
    ("unmapped.hash", Kind::Str),
];
/// Every top-level attribute class 6003 allows with the security_control and datetime
/// profiles: anything else is a typo a SIEM's schema validation would reject.
const OCSF_TOP_LEVEL: &[&str] = &[
    "activity_id",
    "activity_name",
    "category_name",
    "category_uid",
    "class_name",
    "class_uid",
    "count",
    "duration",
    "end_time",
    "enrichments",
    "message",
    "metadata",
    "observables",
    "raw_data",
    "raw_data_hash",
    "raw_data_size",
    "severity",
    "severity_id",
    "start_time",
    "status",
    "status_code",
    "status_detail",
    "status_id",
    "time",
    "timezone_offset",
    "type_name",
    "type_uid",
    "unmapped",
    "action",
    "action_id",
    "attacks",
    "authorizations",
    "confidence",
    "confidence_id",
    "confidence_score",
    "disposition",
    "disposition_id",
    "firewall_rule",
    "is_alert",
    "malware",
    "malware_scan_info",
    "policy",
    "risk_details",
    "risk_level",
    "risk_level_id",
    "risk_score",
    "actor",
    "api",
    "dst_endpoint",
    "http_request",
    "http_response",
    "resources",
    "src_endpoint",
    "time_dt",
];

#[test]
fn ocsf_export_follows_the_api_activity_class() {
    let j = journal();
    j.varied();
    let (events, _) = j.export(&["--format", "ocsf"]);
    assert_eq!(events.len(), 6);
    for e in &events {
        for (path, kind) in OCSF_REQUIRED.iter().chain(OCSF_FILLED) {
            let v = at(e, path).unwrap_or_else(|| panic!("{path} missing in {e}"));
            assert!(kind_ok(v, *kind), "{path} is not {kind:?}: {v}");
        }
        for key in e.as_object().unwrap().keys() {
            assert!(
                OCSF_TOP_LEVEL.contains(&key.as_str()),
                "unknown attribute {key}"
            );
        }
        assert_eq!(e["class_uid"], 6003);
        assert_eq!(e["category_uid"], 6);
        let activity = e["activity_id"].as_i64().unwrap();
        assert!([0, 1, 2, 3, 4, 99].contains(&activity));
        assert_eq!(e["type_uid"].as_i64().unwrap(), 600_300 + activity);
        assert!([0, 1, 2, 3, 4, 5, 6, 99].contains(&e["severity_id"].as_i64().unwrap()));
        assert!([0, 1, 2, 99].contains(&e["action_id"].as_i64().unwrap()));
        assert!([0, 1, 2, 99].contains(&e["status_id"].as_i64().unwrap()));
        assert!(
            e["time"].as_i64().unwrap() > 1_700_000_000_000,
            "milliseconds"
        );
    }
    let by_tool = |tool: &str, n: usize| {
        events
            .iter()
            .filter(|e| e["api"]["operation"] == tool)
            .nth(n)
            .unwrap()
    };
    let (allow, deny, ask) = (by_tool("Bash", 0), by_tool("Bash", 1), by_tool("Bash", 2));
    assert_eq!(
        (allow["action_id"].clone(), allow["disposition_id"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        (deny["action_id"].clone(), deny["disposition_id"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(deny["severity_id"], 5, "fs.rm-critical is critical");
    assert_eq!(deny["policy"]["uid"], "fs.rm-critical");
    assert!(deny["policy"]["version"].as_str().unwrap().len() >= 8);
    assert_eq!(deny["api"]["request"]["data"]["command"], "rm -rf /");
    assert_eq!(deny["api"]["request"]["uid"], "toolu_2");
    assert_eq!(deny["actor"]["session"]["uid"], "sess-1");
    assert_eq!(ask["disposition_id"], 23, "an ask is a challenge");
    assert_eq!(by_tool("Read", 0)["activity_id"], 2);
    let prompt = by_tool("UserPromptSubmit", 0);
    let data = prompt["api"]["request"]["data"].to_string();
    assert!(!data.contains("412-67-3391"), "{data}");
    let error = events.iter().find(|e| e["disposition_id"] == 27).unwrap();
    assert_eq!(error["status_id"], 2);
    // Record ids are the chain hashes; sequence numbers follow the chain.
    let seqs: Vec<i64> = events
        .iter()
        .map(|e| e["metadata"]["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=6).collect::<Vec<_>>());
    assert_eq!(
        events[1]["unmapped"]["prev_hash"],
        events[0]["metadata"]["uid"]
    );
}

#[test]
fn ecs_export_carries_the_same_facts() {
    let j = journal();
    j.varied();
    let (docs, _) = j.export(&["--format", "ecs"]);
    let (records, _) = j.export(&[]);
    assert_eq!(docs.len(), records.len());
    for (d, r) in docs.iter().zip(&records) {
        for path in [
            "@timestamp",
            "event.action",
            "event.outcome",
            "event.kind",
            "event.hash",
            "user.name",
            "host.name",
        ] {
            assert!(
                at(d, path).is_some_and(|v| !v.is_null()),
                "{path} missing in {d}"
            );
        }
        assert!(d["event"]["category"].is_array());
        assert_eq!(d["event"]["action"], r["decision"]);
        assert_eq!(d["event"]["hash"], r["hash"]);
        assert_eq!(d["@timestamp"], r["time"]);
        assert_eq!(d["user"]["name"], r["user"]);
        if let Some(rule) = r["rules"].get(0) {
            assert_eq!(&d["rule"]["id"], rule);
            assert!(d["rule"]["name"].is_string());
        }
    }
    let (prompts, _) = j.export(&["--event", "UserPromptSubmit"]);
    assert_eq!(prompts.len(), 1);
    assert_eq!(prompts[0]["event"], "UserPromptSubmit");
    let deny = docs
        .iter()
        .find(|d| d["rule"]["id"] == "fs.rm-critical")
        .unwrap();
    assert_eq!(deny["event"]["outcome"], "failure");
    assert_eq!(deny["process"]["command_line"], "rm -rf /");
}

#[test]
fn export_cursor_repeats_after_a_crash_and_never_skips() {
    let j = journal();
    // Records large enough that the export outgrows the pipe and the writer's buffer.
    let filler = "lorem ipsum dolor sit amet ".repeat(400);
    for n in 0..40 {
        j.hook(json!({
            "hook_event_name": "PreToolUse", "session_id": "s", "tool_use_id": format!("w{n}"),
            "cwd": "/home/dev/project", "tool_name": "Write",
            "tool_input": {"file_path": format!("/home/dev/project/f{n}.txt"), "content": filler}
        }));
    }
    let dir = j.db.parent().unwrap().parent().unwrap();
    let cursor = dir.join("siem.cursor");
    // The consumer reads one event and goes away: the export dies of SIGPIPE mid-write.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("toolgate"))
        .args(["journal", "export", "--format", "ocsf", "--cursor"])
        .arg(&cursor)
        .env("TOOLGATE_POLICY", &j.policy)
        .env("TOOLGATE_JOURNAL", &j.db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the export must not complete");
    assert!(
        !cursor.exists(),
        "a crashed export leaves the cursor where it was"
    );
    let first: Value = serde_json::from_str(&first).unwrap();

    let cursor_arg = cursor.to_str().unwrap();
    let (events, stderr) = j.export(&["--format", "ocsf", "--cursor", cursor_arg]);
    assert_eq!(events.len(), 40, "{stderr}");
    assert_eq!(
        events[0]["metadata"]["uid"], first["metadata"]["uid"],
        "the duplicate keeps its id"
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    assert_eq!(saved["seq"], 40);
    assert_eq!(saved["hash"], events[39]["metadata"]["uid"]);
    assert_eq!(
        std::fs::metadata(&cursor).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let (again, stderr) = j.export(&["--format", "ocsf", "--cursor", cursor_arg]);
    assert!(again.is_empty());
    assert!(stderr.contains("nothing new"), "{stderr}");
    j.bash(99, "rm -rf /");
    j.bash(100, "ls");
    let (more, _) = j.export(&["--format", "jsonl", "--cursor", cursor_arg]);
    let seqs: Vec<i64> = more.iter().map(|r| r["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [41, 42]);

    // A cursor from another journal is refused, not trusted.
    let other = journal();
    other.bash(1, "ls");
    let out = other
        .toolgate()
        .args(["journal", "export", "--cursor", cursor_arg])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("beyond the end"));
    std::fs::write(&cursor, "garbage").unwrap();
    let out = j
        .toolgate()
        .args(["journal", "export", "--cursor", cursor_arg])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a toolgate cursor"));
}

use std::os::unix::fs::PermissionsExt;

/// Split an octet-counted stream (RFC 6587 3.4.1) into messages.
fn frames(mut data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let space = data
            .iter()
            .position(|b| *b == b' ')
            .expect("length then space");
        let len: usize = std::str::from_utf8(&data[..space])
            .unwrap()
            .parse()
            .unwrap();
        out.push(String::from_utf8(data[space + 1..space + 1 + len].to_vec()).unwrap());
        data = &data[space + 1 + len..];
    }
    out
}

/// A chain anchor `journal ship` sends after each batch (MSGID `anchor`).
fn is_anchor(message: &str) -> bool {
    message.split(' ').nth(5) == Some("anchor")
}

fn sd_param<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    let start = message.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = message[start..].find('"')? + start;
    Some(&message[start..end])
}

#[test]
fn ship_frames_rfc5424_over_tcp_and_confirms_each_batch() {
    let j = journal();
    j.varied();
    j.bash(7, &format!("echo {}", "x".repeat(3000)));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // First connection: the collector reads a little and drops it, as if it crashed.
    // Then it reads every batch to the end and closes, as a collector does.
    let server = std::thread::spawn(move || {
        let mut received = Vec::new();
        let (mut first, _) = listener.accept().unwrap();
        let mut some = [0u8; 10];
        let _ = first.read(&mut some);
        drop(first);
        listener.set_nonblocking(false).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let records = |r: &Vec<String>| r.iter().filter(|m| !is_anchor(m)).count();
        while records(&received) < 7 && Instant::now() < deadline {
            let (mut conn, _) = listener.accept().unwrap();
            let mut data = Vec::new();
            conn.read_to_end(&mut data).unwrap();
            received.extend(frames(&data));
        }
        received
    });
    let out = j
        .toolgate()
        .args([
            "journal",
            "ship",
            "--syslog",
            &format!("tcp://127.0.0.1:{port}"),
        ])
        .args([
            "--batch",
            "3",
            "--facility",
            "local3",
            "--max-message",
            "2048",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "{report}");
    assert_eq!(report["sent"], 7);
    assert_eq!(report["pending"], 0);
    assert!(report["truncated"].as_u64().unwrap() >= 1, "{report}");
    assert!(
        report["retries"].as_u64().unwrap() >= 1,
        "the dropped batch was retried"
    );
    let (anchors, received): (Vec<String>, Vec<String>) = server
        .join()
        .unwrap()
        .into_iter()
        .partition(|m| is_anchor(m));
    // Each confirmed batch ends with the chain's anchor, the last one the journal's own.
    assert_eq!(anchors.len(), 3, "{anchors:?}");
    let anchor: Value = serde_json::from_slice(
        &j.toolgate()
            .args(["journal", "anchor"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(
        sd_param(anchors.last().unwrap(), "anchor"),
        anchor["anchor"].as_str()
    );
    assert_eq!(sd_param(anchors.last().unwrap(), "records"), Some("7"));
    let seqs: Vec<&str> = received
        .iter()
        .map(|m| sd_param(m, "seq").unwrap())
        .collect();
    assert_eq!(
        seqs,
        ["1", "2", "3", "4", "5", "6", "7"],
        "each once, in order"
    );
    for m in &received {
        assert!(m.len() <= 2048);
        // <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG
        let fields: Vec<&str> = m.splitn(7, ' ').collect();
        let pri: u32 = fields[0]
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(pri / 8, 19, "local3");
        assert!(fields[0].ends_with(">1"));
        assert!(fields[1].ends_with('Z'));
        assert_eq!(fields[3], "toolgate");
        assert_eq!(fields[4], "-");
        assert!(["allow", "ask", "deny", "error"].contains(&fields[5]));
        assert!(fields[6].starts_with("[toolgate@32473 decision=\""));
        let body = &m[m.find('\u{feff}').unwrap() + 3..];
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["class_uid"], 6003);
        assert_eq!(sd_param(m, "record").unwrap(), event["metadata"]["uid"]);
    }
    let long = &received[6];
    assert_eq!(sd_param(long, "truncated"), Some("api.request.data"));
    // Nothing left: a second run sends nothing.
    let out = j
        .toolgate()
        .args([
            "journal",
            "ship",
            "--syslog",
            &format!("tcp://127.0.0.1:{port}"),
            "--retries",
            "0",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("shipped 0 records"));
}

#[test]
fn ship_reports_pending_when_the_collector_is_down() {
    let j = journal();
    j.bash(1, "ls");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = j
        .toolgate()
        .args([
            "journal",
            "ship",
            "--syslog",
            &format!("tcp://127.0.0.1:{port}"),
            "--retries",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("shipped 0 records") && text.contains("1 pending"),
        "{text}"
    );
    assert!(text.contains("cannot connect"), "{text}");
    for (args, message) in [
        (
            vec!["--syslog", "tls://h:1", "--ca", "/nonexistent.pem"],
            "cannot read certificates",
        ),
        (
            vec!["--syslog", "tcp://h:1", "--ca", "/etc/hosts"],
            "tls:// destinations only",
        ),
        (vec!["--syslog", "tcp://h"], "needs a port"),
        (
            vec!["--syslog", "tcp://h:1", "--facility", "mail"],
            "--facility",
        ),
        (
            vec!["--syslog", "udp://h:1", "--max-message", "70000"],
            "--max-message",
        ),
    ] {
        let out = j
            .toolgate()
            .args(["journal", "ship"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}"
        );
    }
}

/// rsyslogd on a loopback port, writing what it parses to a file.
struct Rsyslog {
    dir: PathBuf,
    port: u16,
    child: Option<std::process::Child>,
}

impl Rsyslog {
    fn available() -> bool {
        let found = Path::new("/usr/sbin/rsyslogd").exists();
        if !found {
            assert!(
                std::env::var_os("TOOLGATE_REQUIRE_SERVICES").is_none(),
                "rsyslogd is required (TOOLGATE_REQUIRE_SERVICES is set) but not installed"
            );
            eprintln!("skipped: rsyslogd is not installed (apt-get install rsyslog)");
        }
        found
    }

    /// With `tls`, the listener speaks TLS (gtls) with the certificate in `dir`.
    fn new(dir: &Path, tls: bool) -> Rsyslog {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (global_tls, module_tls) = if tls {
            (
                format!(
                    r#" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="{d}/ca.pem" DefaultNetstreamDriverCertFile="{d}/server.pem" DefaultNetstreamDriverKeyFile="{d}/server.key""#,
                    d = dir.display()
                ),
                r#" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon""#,
            )
        } else {
            (String::new(), "")
        };
        let conf = format!(
            r#"global(workDirectory="{dir}" maxMessageSize="64k"{global_tls})
module(load="imtcp"{module_tls})
template(name="fields" type="string" string="%app-name%\t%msgid%\t%structured-data%\t%msg%\n")
ruleset(name="in") {{ action(type="omfile" file="{dir}/received.log" template="fields") }}
input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="in")
"#,
            dir = dir.display()
        );
        std::fs::write(dir.join("rsyslog.conf"), conf).unwrap();
        let mut r = Rsyslog {
            dir: dir.to_path_buf(),
            port,
            child: None,
        };
        r.start();
        r
    }

    fn start(&mut self) {
        let child = std::process::Command::new("/usr/sbin/rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(self.dir.join("rsyslog.conf"))
            .arg("-i")
            .arg(self.dir.join("rsyslog.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "rsyslogd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM: rsyslog flushes what it received, then exits.
            // SAFETY: signalling our own child.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            child.wait().unwrap();
        }
    }

    /// Record lines received so far (anchors left out), once `n` have arrived (or the wait
    /// runs out).
    fn received(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(self.dir.join("received.log")).unwrap_or_default();
            let lines: Vec<String> = text
                .lines()
                .filter(|l| l.split('\t').nth(1) != Some("anchor"))
                .map(str::to_string)
                .collect();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn ship_to_rsyslog_survives_a_collector_restart_exactly_once() {
    if !Rsyslog::available() {
        return;
    }
    let j = journal();
    let dir = tempfile::tempdir().unwrap();
    let mut collector = Rsyslog::new(dir.path(), false);
    let url = format!("tcp://127.0.0.1:{}", collector.port);
    let ship = |extra: &[&str]| {
        j.toolgate()
            .args(["journal", "ship", "--syslog", &url, "--batch", "4"])
            .args(extra)
            .output()
            .unwrap()
    };
    for n in 0..10 {
        j.bash(n, if n % 3 == 0 { "rm -rf /" } else { "ls" });
    }
    let out = ship(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(collector.received(10).len(), 10);

    // The collector goes down; more calls are journaled; ship starts while it is down and
    // keeps retrying; the collector comes back mid-run.
    collector.stop();
    for n in 10..25 {
        j.bash(
            n,
            if n % 4 == 0 {
                "git push --force origin main"
            } else {
                "pwd"
            },
        );
    }
    let background = std::process::Command::new(assert_cmd::cargo::cargo_bin("toolgate"))
        .args([
            "journal",
            "ship",
            "--syslog",
            &url,
            "--batch",
            "4",
            "--retries",
            "12",
            "--format",
            "json",
        ])
        .env("TOOLGATE_POLICY", &j.policy)
        .env("TOOLGATE_JOURNAL", &j.db)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    collector.start();
    let out = background.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "{report}");
    assert_eq!(report["sent"], 15);
    assert!(report["retries"].as_u64().unwrap() >= 1, "{report}");
    assert!(ship(&[]).status.success());

    collector.stop();
    let lines = collector.received(25);
    let mut seqs = Vec::new();
    let (records, _) = j.export(&[]);
    for line in &lines {
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        assert_eq!(
            fields[0], "toolgate",
            "rsyslog parsed the RFC 5424 header: {line}"
        );
        assert!(["allow", "ask", "deny"].contains(&fields[1]));
        let seq: i64 = sd_param(fields[2], "seq").unwrap().parse().unwrap();
        let body = fields[3].trim_start_matches('\u{feff}');
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["metadata"]["sequence"], seq);
        assert_eq!(event["metadata"]["uid"], records[seq as usize - 1]["hash"]);
        assert_eq!(fields[1], records[seq as usize - 1]["decision"]);
        seqs.push(seq);
    }
    assert_eq!(
        seqs,
        (1..=25).collect::<Vec<_>>(),
        "every record once, in order"
    );
}

/// A CA and a server certificate for localhost, written as PEM into `dir`.
fn certificates(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
}

const GTLS: &str = "/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so";

#[test]
fn ship_over_tls_to_rsyslog_checks_the_collector_certificate() {
    if !Rsyslog::available() {
        return;
    }
    if !Path::new(GTLS).exists() {
        assert!(
            std::env::var_os("TOOLGATE_REQUIRE_SERVICES").is_none(),
            "rsyslog-gnutls is required (TOOLGATE_REQUIRE_SERVICES is set) but not installed"
        );
        eprintln!("skipped: rsyslog-gnutls is not installed");
        return;
    }
    let j = journal();
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    let collector = Rsyslog::new(dir.path(), true);
    for n in 0..6 {
        j.bash(n, if n % 2 == 0 { "rm -rf /" } else { "ls" });
    }
    let url = format!("tls://localhost:{}", collector.port);
    let ca = dir.path().join("ca.pem");
    // The system bundle does not trust the test CA: nothing is sent, everything pending.
    let out = j
        .toolgate()
        .args(["journal", "ship", "--syslog", &url, "--retries", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("6 pending") && text.contains("certificate"),
        "{text}"
    );
    let out = j
        .toolgate()
        .args(["journal", "ship", "--syslog", &url, "--batch", "4", "--ca"])
        .arg(&ca)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines = collector.received(6);
    let seqs: Vec<i64> = lines
        .iter()
        .map(|l| {
            sd_param(l.split('\t').nth(2).unwrap(), "seq")
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (1..=6).collect::<Vec<_>>());
}

#[test]
fn csv_and_udp_carry_every_record() {
    let j = journal();
    j.varied();
    let out = j
        .toolgate()
        .args(["journal", "export", "--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for column in [
        "seq",
        "time",
        "user",
        "role",
        "host",
        "tool_name",
        "decision",
        "rules",
        "reason",
        "input_redacted",
        "hash",
    ] {
        assert!(header.contains(&column), "{column} missing from {header:?}");
    }
    assert_eq!(lines.count(), 6, "one line per record, newlines escaped");

    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let port = socket.local_addr().unwrap().port();
    let out = j
        .toolgate()
        .args([
            "journal",
            "ship",
            "--syslog",
            &format!("udp://127.0.0.1:{port}"),
            "--facility",
            "auth",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut seqs = Vec::new();
    let mut buf = vec![0u8; 65_536];
    for _ in 0..6 {
        let n = socket.recv(&mut buf).unwrap();
        let message = String::from_utf8(buf[..n].to_vec()).unwrap();
        assert!(
            message.starts_with('<'),
            "one message per datagram, no octet count"
        );
        let pri: u32 = message[1..message.find('>').unwrap()].parse().unwrap();
        assert_eq!(pri / 8, 4, "auth");
        seqs.push(sd_param(&message, "seq").unwrap().to_string());
    }
    assert_eq!(seqs, ["1", "2", "3", "4", "5", "6"]);
}

#[test]
fn journal_rules_finds_approved_asks_and_denials_worked_around() {
    let j = journal();
    for n in 0..4 {
        j.bash(n, "git push origin main"); // asks
    }
    // The user approved three of the four: Claude Code ran them and reported back.
    for n in 0..3 {
        j.hook(json!({
            "hook_event_name": "PostToolUse", "session_id": "sess-1", "tool_use_id": format!("toolu_{n}"),
            "cwd": "/home/dev/project", "tool_name": "Bash",
            "tool_input": {"command": "git push origin main"}, "tool_response": {"stdout": "ok"}
        }));
    }
    j.bash(10, "rm -rf /"); // denied
    j.bash(11, "ls /"); // then something of the same tool passed
    let out = j
        .toolgate()
        .args(["journal", "rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = |id: &str| {
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {report}"))
            .clone()
    };
    let push = rule("git.push");
    assert_eq!(
        (push["asked"].clone(), push["approved"].clone()),
        (json!(4), json!(3))
    );
    let rm = rule("fs.rm-critical");
    assert_eq!(rm["denied"], 1);
    assert_eq!(rm["denied_then_allowed"], 1);
    let never = report["never_fired"].as_array().unwrap();
    assert!(never.iter().any(|r| r == "secrets.github-token"));
    assert!(!never.iter().any(|r| r == "git.push"));

    let out = j.toolgate().args(["journal", "rules"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("candidates to relax (asks nearly always approved): none"),
        "{text}"
    );
    assert!(text.contains("candidates to tighten (a denial then a passing call of the same tool): fs.rm-critical (1 of 1 denials)"), "{text}");
}
