//! `toolgate hook`: one hook event in, one answer out, one journal record. Every path ends
//! in exit 0 or 2.

use super::failsafe;
use crate::exit;
use crate::gate::verdict::Verdict;
use crate::gate::{Gate, record};
use crate::journal::Paths;
use crate::journal::store::{self, Outcome};
use crate::normalize::Context;
use crate::pack::Decision;
use crate::protocol::{self, EventKind, HookEvent};
use crate::sanitize;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Longest reason written to stderr.
const MAX_REASON: usize = 4000;

pub fn run(policy: Option<&Path>, journal: Option<&Path>) -> u8 {
    let started = Instant::now();
    let env_deadline = crate::deployment::current()
        .var("TOOLGATE_DEADLINE_MS")
        .and_then(|v| v.into_string().ok()?.parse::<u64>().ok());
    let journal_flag = journal;
    let journal = Paths::locate(journal);
    if let Some(paths) = &journal {
        arm_failsafe_record(paths, None, None);
    }
    let gate = Gate::load_located(policy, Context::with_journal(journal_flag), false);
    let limits = gate.as_ref().map(|g| g.policy.limits).unwrap_or_default();
    let deadline = env_deadline.unwrap_or(limits.deadline_ms).clamp(1, 600_000);
    failsafe::start_watchdog(Duration::from_millis(deadline));
    failsafe::cap_memory();
    crate::normalize::shell::parse_inline();
    let gate: &'static Gate = match gate {
        // Leaked: the process exits right after the answer, and freeing the compiled
        // packs cost more than a tenth of a short call.
        Ok(gate) => Box::leak(Box::new(gate)),
        Err(diagnostics) => {
            let first = diagnostics
                .first()
                .map(|d| d.to_string())
                .unwrap_or_default();
            let more = diagnostics.len().saturating_sub(1);
            let extra = if more > 0 {
                format!(" (and {more} more; run `toolgate lint`)")
            } else {
                String::new()
            };
            let reason = format!(
                "toolgate: the policy does not load: {first}{extra}. The call was blocked because toolgate fails closed."
            );
            let (bytes, post) = read_stdin(limits.max_input_bytes);
            record_failure(journal.as_ref(), &bytes, &reason, started);
            if post {
                return withhold_output(&reason);
            }
            return block(&reason);
        }
    };
    let (bytes, post) = read_stdin(limits.max_input_bytes);
    if post {
        failsafe::screening_output();
    }
    let event = match bytes
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|b| protocol::decode(b))
    {
        Ok(event) => event,
        Err(e) => {
            let reason = format!(
                "toolgate: {e}. The call was blocked because toolgate could not check it (it fails closed)."
            );
            record_failure(journal.as_ref(), &bytes, &reason, started);
            if post {
                return withhold_output(&format!("toolgate could not scan this tool output ({e})"));
            }
            return block(&reason);
        }
    };
    if let Some(paths) = &journal {
        arm_failsafe_record(paths, Some(&event), Some(gate));
    }
    // After the event is read, so a failure on a PostToolUse event is tested too.
    failsafe::inject_test_fault();
    if event.kind == EventKind::PostToolUse {
        let size = bytes.as_ref().map_or(0, Vec::len);
        return post_tool_use(gate, journal.as_ref(), &event, size, started);
    }
    let size = bytes.as_ref().map_or(0, Vec::len);
    let (subject, verdict, digest) = decide_and_digest(gate, journal.as_ref(), &event, size);
    let mut reason = verdict.reason(&subject.tool);
    if journal.is_none() && gate.policy.journal.required {
        return block(
            "toolgate: this call could not be recorded (no journal location: set TOOLGATE_JOURNAL or HOME) and the policy requires every call to be journaled.",
        );
    }
    if !verdict.charges.is_empty() {
        return counted(
            gate,
            journal.as_ref(),
            &event,
            &verdict,
            reason,
            started,
            digest,
        );
    }
    if let Some(paths) = &journal {
        let record = record::decided(gate, paths, &event, &verdict, &reason, started, digest);
        let outcome = store::append(paths, record, gate.policy.journal.fsync);
        recorded(paths);
        match outcome {
            Outcome::Written(seq) if !reason.is_empty() => {
                reason.push_str(&format!(" (journal #{seq})"))
            }
            Outcome::Lost(why) if gate.policy.journal.required => {
                return block(&format!(
                    "toolgate: this call could not be recorded ({why}) and the policy requires every call to be journaled. Fix the journal location or permissions."
                ));
            }
            _ => {}
        }
    }
    answer(&event, &verdict, &reason)
}

/// Where the reason goes in the fail-closed record's JSON.
const REASON_SLOT: &str = "\u{1}toolgate-reason\u{1}";

/// Arm the record the fail-closed path writes if this call ends in a deadline, a panic or an
/// abort: in the spool, with what is known of the call so far (nothing of its input, which
/// was not checked).
fn arm_failsafe_record(paths: &Paths, event: Option<&HookEvent>, gate: Option<&Gate>) {
    let Some(file) = store::failsafe_spool_file(paths) else {
        return;
    };
    let template = record::fail_closed(event, gate, REASON_SLOT);
    if let Ok(json) = serde_json::to_string(&template) {
        let slot = serde_json::to_string(REASON_SLOT).unwrap_or_default();
        let slot = slot.trim_matches('"');
        failsafe::arm_record(&file, &json, slot);
    }
}

/// The call's record is in the journal (or the spool): the deadline is disarmed, and when
/// the segment has grown large a fold is started in the background, outside any call's
/// deadline (a database held locked by a reader delays the fold, never an answer).
fn recorded(paths: &Paths) {
    failsafe::stop_watchdog();
    if store::fold_due(paths) {
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};
        if let Ok(exe) = std::env::current_exe() {
            let _ = Command::new(exe)
                .arg("--journal")
                .arg(&paths.db)
                .args(["journal", "fold"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn();
        }
    }
}

/// Inputs this large have their journal digest computed on another core while the call is
/// decided: serialising and hashing 1 MiB costs about 2 ms, starting a thread about 0.05.
const DIGEST_ASIDE_BYTES: usize = 256 * 1024;

fn decide_and_digest(
    gate: &Gate,
    journal: Option<&Paths>,
    event: &HookEvent,
    size: usize,
) -> (crate::normalize::Subject, Verdict, Option<String>) {
    let Some(paths) = journal.filter(|_| size >= DIGEST_ASIDE_BYTES) else {
        let (subject, verdict) = gate.decide(event);
        return (subject, verdict, None);
    };
    std::thread::scope(|s| {
        let digest = s.spawn(|| record::input_digest(paths, &event.input));
        let (subject, verdict) = gate.decide(event);
        // A panic there is re-raised here and ends in the hook's fail-closed handler.
        let digest = digest
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (subject, verdict, Some(digest))
    })
}

/// A call charged to rate caps: counted and recorded under the journal lock, refused when a
/// cap is used up or the journal cannot be counted.
fn counted(
    gate: &Gate,
    journal: Option<&Paths>,
    event: &HookEvent,
    verdict: &Verdict,
    mut reason: String,
    started: Instant,
    digest: Option<String>,
) -> u8 {
    let Some(paths) = journal else {
        return block(
            "toolgate: this call counts against a rate cap, caps are counted in the journal, and there is no journal location (set TOOLGATE_JOURNAL or HOME).",
        );
    };
    let record = record::decided(gate, paths, event, verdict, &reason, started, digest);
    let user = record.user.clone().unwrap_or_default();
    let now = record.time_us;
    let (outcome, over) = store::append_counted(paths, record, gate.policy.journal.fsync, |c| {
        crate::policy::rate::exceeded(c, &user, &verdict.charges, now)
    });
    recorded(paths);
    let seq = match &outcome {
        Outcome::Written(seq) => format!(" (journal #{seq})"),
        _ => String::new(),
    };
    match over {
        Ok(None) => {
            if let Outcome::Lost(why) = &outcome {
                return block(&format!(
                    "toolgate: this call counts against a rate cap and could not be recorded ({why}), so it was blocked."
                ));
            }
            if !reason.is_empty() {
                reason.push_str(&seq);
            }
            answer(event, verdict, &reason)
        }
        Ok(Some(why)) | Err(why) => block(&format!("toolgate blocked this call: {why}.{seq}")),
    }
}

fn answer(event: &HookEvent, verdict: &Verdict, reason: &str) -> u8 {
    match (&event.kind, verdict.decision) {
        (EventKind::PreToolUse, Some(Decision::Deny)) => block(reason),
        (EventKind::PreToolUse, Some(Decision::Ask)) => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{}",
                protocol::ask_json(&sanitize::excerpt(reason, MAX_REASON))
            );
            let _ = out.flush();
            exit::NO_OBJECTION
        }
        // A prompt cannot be "asked" about: when in doubt it is held back, with the reason
        // shown to the user, who can rephrase.
        (EventKind::UserPromptSubmit, Some(Decision::Deny | Decision::Ask)) => block(reason),
        // Exit 2 keeps the settings file as it was (managed settings always apply).
        (EventKind::ConfigChange, Some(Decision::Deny)) => block(reason),
        _ => exit::NO_OBJECTION,
    }
}

/// The event's bytes (at most `max`), and whether they are a PostToolUse event, read from
/// their start so an oversized or malformed one is still known for what it is.
fn read_stdin(max: usize) -> (Result<Vec<u8>, protocol::ProtocolError>, bool) {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin()
        .lock()
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
    {
        let post = crate::policy::output::looks_like_post_tool_use(&bytes);
        return (Err(protocol::ProtocolError::Io(e.to_string())), post);
    }
    let post = crate::policy::output::looks_like_post_tool_use(&bytes);
    if bytes.len() > max {
        return (Err(protocol::ProtocolError::TooLarge { limit: max }), post);
    }
    (Ok(bytes), post)
}

/// Record a call that could not be decided (bad input, policy that does not load).
fn record_failure(
    paths: Option<&Paths>,
    bytes: &Result<Vec<u8>, protocol::ProtocolError>,
    reason: &str,
    started: Instant,
) {
    let Some(paths) = paths else { return };
    let raw: &[u8] = bytes.as_deref().unwrap_or(&[]);
    let _ = store::append(paths, record::undecided(paths, raw, reason, started), false);
    recorded(paths);
}

/// PostToolUse: screen what the tool returned; mask, withhold or pass it, and journal
/// what kinds were found (never the values). Always exit 0: the tool has already run, and
/// the replacement JSON is what keeps its output from the model.
fn post_tool_use(
    gate: &Gate,
    journal: Option<&Paths>,
    event: &HookEvent,
    size: usize,
    started: Instant,
) -> u8 {
    use crate::policy::output::{self, Screen};
    let tool = event.tool.as_ref().map_or("", |t| t.name.as_str());
    let response = event
        .tool_response
        .as_ref()
        .unwrap_or(&serde_json::Value::Null);
    let screened = output::screen(&gate.engine, &gate.policy.output, response, size);
    let (rule, decision, kinds, reason) = match &screened {
        Screen::Clean { passed } if passed.is_empty() => (None, None, Vec::new(), String::new()),
        Screen::Clean { passed } => (
            Some("output.pass"),
            None,
            passed.clone(),
            format!("the policy passes {} in tool output", passed.join(", ")),
        ),
        Screen::Masked { kinds, .. } => (
            Some("output.mask"),
            None,
            kinds.clone(),
            format!("masked {} in the tool output", kinds.join(", ")),
        ),
        Screen::Blocked { kinds } => (
            Some("output.block"),
            Some(Decision::Deny),
            kinds.clone(),
            format!("withheld the tool output: it holds {}", kinds.join(", ")),
        ),
        Screen::Withheld { why } => (
            Some("output.withheld"),
            Some(Decision::Deny),
            Vec::new(),
            format!("withheld the tool output: {why}"),
        ),
    };
    if let Some(paths) = journal {
        let verdict = Verdict {
            decision,
            ..Verdict::from_hits(Vec::new())
        };
        let mut record = record::decided(gate, paths, event, &verdict, &reason, started, None);
        record.rules = rule.map(|r| vec![r.to_string()]).unwrap_or_default();
        record
            .redactions
            .extend(kinds.iter().map(|k| format!("output:{k}")));
        record.redactions.sort();
        record.redactions.dedup();
        let outcome = store::append(paths, record, gate.policy.journal.fsync);
        recorded(paths);
        if let Outcome::Lost(why) = outcome
            && gate.policy.journal.required
        {
            return withhold_output(&format!(
                "this tool output could not be recorded ({why}) and the policy requires every call to be journaled"
            ));
        }
    }
    if let Some(answer) = output::answer(tool, &screened) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
    exit::NO_OBJECTION
}

/// A PostToolUse event that could not be screened: the output is replaced by a notice.
fn withhold_output(why: &str) -> u8 {
    let screen = crate::policy::output::Screen::Withheld {
        why: sanitize::excerpt(why, MAX_REASON),
    };
    // Named as an MCP tool so both replacement fields are set: the tool is not known.
    if let Some(answer) = crate::policy::output::answer("mcp__unknown", &screen) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
    exit::NO_OBJECTION
}

fn block(reason: &str) -> u8 {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", sanitize::excerpt(reason, MAX_REASON));
    let _ = err.flush();
    exit::BLOCK
}
