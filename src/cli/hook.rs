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
use crate::protocol::reply::{self, Answer, CanAsk, OutputAction, Reply};
use crate::protocol::{self, Agent, EventKind, HookEvent};
use crate::sanitize;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Longest reason written to stderr.
const MAX_REASON: usize = 4000;

/// Who is asking before the event is decoded: the agent named by `--agent` (a name toolgate
/// does not know is refused in the convention of the agent the payload looks like), else
/// the one the payload looks like.
struct Asker {
    agent: Option<Agent>,
    bad_name: Option<String>,
}

pub fn run(policy: Option<&Path>, journal: Option<&Path>, agent: Option<&str>) -> u8 {
    let started = Instant::now();
    let asker = match agent.map(|name| (name, Agent::parse(name))) {
        None => Asker {
            agent: None,
            bad_name: None,
        },
        Some((_, Some(agent))) => Asker {
            agent: Some(agent),
            bad_name: None,
        },
        Some((name, None)) => Asker {
            agent: None,
            bad_name: Some(sanitize::excerpt(name, 40)),
        },
    };
    let env_deadline = crate::deployment::current()
        .var("TOOLGATE_DEADLINE_MS")
        .and_then(|v| v.into_string().ok()?.parse::<u64>().ok());
    if let Some(agent) = asker.agent {
        arm_failsafe_answers(agent, "");
    }
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
            let (bytes, post, agent) = read_stdin(limits.max_input_bytes, &asker);
            record_failure(journal.as_ref(), agent, &bytes, &reason, started);
            if post {
                return withhold_output(agent, "", &reason);
            }
            return refuse(agent, "", &reason);
        }
    };
    let (bytes, post, agent) = read_stdin(limits.max_input_bytes, &asker);
    arm_failsafe_answers(agent, "");
    if post {
        failsafe::screening_output();
    }
    let decoded = match (&asker.bad_name, bytes.as_ref()) {
        (Some(name), _) => Err(format!(
            "`toolgate hook --agent {name}` names no agent toolgate speaks to ({}); fix the hook's registration",
            Agent::names().join(", ")
        )),
        // The agent named, else the one the event's top-level fields say (the guess from
        // raw bytes is only for events that do not decode).
        (None, Ok(b)) => protocol::decode_as(b, asker.agent).map_err(|e| e.to_string()),
        (None, Err(e)) => Err(e.to_string()),
    };
    let event = match decoded {
        Ok(event) => event,
        Err(e) => {
            let reason = format!(
                "toolgate: {e}. The call was blocked because toolgate could not check it (it fails closed)."
            );
            record_failure(journal.as_ref(), agent, &bytes, &reason, started);
            if post {
                return withhold_output(
                    agent,
                    "",
                    &format!("toolgate could not scan this tool output ({e})"),
                );
            }
            return refuse(agent, "", &reason);
        }
    };
    if let Some(paths) = &journal {
        arm_failsafe_record(paths, Some(&event), Some(gate));
    }
    arm_failsafe_answers(event.agent, &event.agent_event);
    // After the event is read, so a failure on a PostToolUse event is tested too.
    failsafe::inject_test_fault();
    if event.kind == EventKind::PostToolUse {
        let size = bytes.as_ref().map_or(0, Vec::len);
        return post_tool_use(gate, journal.as_ref(), &event, size, started);
    }
    let size = bytes.as_ref().map_or(0, Vec::len);
    let (subject, mut verdict, digest) = decide_and_digest(gate, journal.as_ref(), &event, size);
    let mut reason = verdict.reason(&subject.tool);
    adapt(gate, &event, &mut verdict, &mut reason);
    // A pack rule's message and remediation are the policy's words, never the call's; the
    // policy's built-in checks (the BI bridge, MCP arguments) may quote the call in theirs.
    let fixed: Vec<&str> = verdict
        .hits
        .iter()
        .filter(|h| gate.engine.rule_says(&h.rule, &h.message, &h.remediation))
        .flat_map(|h| [h.message.as_str(), h.remediation.as_str()])
        .collect();
    let mut reason = record::Reason::mask_except(gate, &reason, &fixed);
    if journal.is_none() && gate.policy.journal.required {
        return refuse(
            event.agent,
            &event.agent_event,
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
            Outcome::Written(seq) if !reason.text.is_empty() => {
                reason.text.push_str(&format!(" (journal #{seq})"))
            }
            Outcome::Lost(why) if gate.policy.journal.required => {
                return refuse(
                    event.agent,
                    &event.agent_event,
                    &format!(
                        "toolgate: this call could not be recorded ({why}) and the policy requires every call to be journaled. Fix the journal location or permissions."
                    ),
                );
            }
            _ => {}
        }
    }
    answer(&event, &verdict, &reason.text)
}

/// A failure from here on (deadline, panic, abort) answers in the agent's convention.
fn arm_failsafe_answers(agent: Agent, event: &str) {
    if agent == Agent::Claude {
        return;
    }
    let why =
        "toolgate failed while checking this call; it was blocked because toolgate fails closed.";
    let before = reply::before(agent, event, Answer::Deny(why));
    let after = reply::after(
        agent,
        output_event(agent, event),
        "mcp__unknown",
        OutputAction::Withhold,
        None,
        None,
        "toolgate failed while scanning this tool output, so it was withheld.",
    );
    failsafe::arm_answers((before.stdout, before.exit), after.stdout);
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
    mut reason: record::Reason,
    started: Instant,
    digest: Option<String>,
) -> u8 {
    let Some(paths) = journal else {
        return refuse(
            event.agent,
            &event.agent_event,
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
                return refuse(
                    event.agent,
                    &event.agent_event,
                    &format!(
                        "toolgate: this call counts against a rate cap and could not be recorded ({why}), so it was blocked."
                    ),
                );
            }
            if !reason.text.is_empty() {
                reason.text.push_str(&seq);
            }
            answer(event, verdict, &reason.text)
        }
        Ok(Some(why)) | Err(why) => refuse(
            event.agent,
            &event.agent_event,
            &format!("toolgate blocked this call: {why}.{seq}"),
        ),
    }
}

fn answer(event: &HookEvent, verdict: &Verdict, reason: &str) -> u8 {
    let reason = sanitize::excerpt(reason, MAX_REASON);
    let answer = match (&event.kind, verdict.decision) {
        (EventKind::PreToolUse, Some(Decision::Deny)) => Answer::Deny(&reason),
        (EventKind::PreToolUse, Some(Decision::Ask)) => Answer::Ask(&reason),
        // A prompt cannot be "asked" about: when in doubt it is held back, with the reason
        // shown to the user, who can rephrase.
        (EventKind::UserPromptSubmit, Some(Decision::Deny | Decision::Ask)) => {
            Answer::Deny(&reason)
        }
        // Exit 2 keeps the settings file as it was (managed settings always apply).
        (EventKind::ConfigChange, Some(Decision::Deny)) => Answer::Deny(&reason),
        _ => Answer::Allow,
    };
    speak(reply::before(event.agent, &event.agent_event, answer))
}

/// What the agent can express changes the answer: a file's text sent before the read is
/// screened, and an ask the agent cannot put to the user is decided by policy. `explain`
/// shows the same.
pub(super) fn adapt(gate: &Gate, event: &HookEvent, verdict: &mut Verdict, reason: &mut String) {
    screen_content(gate, event, verdict, reason);
    fit_to_agent(gate, event, verdict, reason);
}

/// Cursor sends a file's text with `beforeReadFile` and has no way to mask it once read:
/// text the output policy would mask or withhold keeps the read from happening.
fn screen_content(gate: &Gate, event: &HookEvent, verdict: &mut Verdict, reason: &mut String) {
    use crate::policy::output::{self, Screen};
    let Some(content) = &event.file_content else {
        return;
    };
    if verdict.decision == Some(Decision::Deny) {
        return;
    }
    let text = serde_json::Value::String(content.clone());
    let why = match output::screen(&gate.engine, &gate.policy.output, &text, content.len()) {
        Screen::Clean { .. } => return,
        Screen::Masked { kinds, .. } | Screen::Blocked { kinds } => {
            format!("the file holds {}", kinds.join(", "))
        }
        Screen::Withheld { why } => why,
    };
    verdict.decision = Some(Decision::Deny);
    verdict.adapted = Some("output.read-withheld");
    *reason = format!(
        "toolgate blocked this read: {why}, and {} cannot show a file masked, so the model would see the values. Ask the user for what you need from it.",
        event.agent.product()
    );
}

/// What the policy makes of an ask the agent cannot put to the user (Claude Code's own
/// events keep their answers: it can ask about tool calls, and a prompt is held back).
fn fit_to_agent(gate: &Gate, event: &HookEvent, verdict: &mut Verdict, reason: &mut String) {
    if event.agent == Agent::Claude || verdict.decision != Some(Decision::Ask) {
        return;
    }
    let tool = event.tool.as_ref().map(|t| t.name.as_str());
    let product = event.agent.product();
    match reply::can_ask(event.agent, &event.agent_event, tool) {
        CanAsk::Yes => {}
        CanAsk::Elsewhere => {
            verdict.decision = None;
            verdict.adapted = Some("agent.ask-elsewhere");
            reason.push_str(&format!(
                " ({product} cannot ask here; its shell or MCP hook asks about the same call.)"
            ));
        }
        CanAsk::No if gate.policy.ask_allowed.contains(&event.agent) => {
            verdict.decision = None;
            verdict.adapted = Some("agent.ask-allowed");
            reason.push_str(&format!(
                " ({product} cannot ask the user; the policy lets such calls run.)"
            ));
        }
        CanAsk::No => {
            verdict.decision = Some(Decision::Deny);
            verdict.adapted = Some("agent.ask-denied");
            reason.push_str(&format!(
                " {product} cannot ask the user, so toolgate's policy blocks what it would have asked about: ask the user to run it, or to confirm another way."
            ));
        }
    }
}

/// Write a reply and return its exit status.
fn speak(reply: Reply) -> u8 {
    if let Some(text) = reply.stdout {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
    if let Some(text) = reply.stderr {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}", sanitize::excerpt(&text, MAX_REASON));
        let _ = err.flush();
    }
    reply.exit
}

/// The event's bytes (at most `max`), whether they are an event about a tool's output, and
/// the agent that sent them (named, else guessed from the bytes), read from their start so
/// an oversized or malformed event is still refused in its agent's convention.
fn read_stdin(
    max: usize,
    asker: &Asker,
) -> (Result<Vec<u8>, protocol::ProtocolError>, bool, Agent) {
    let mut bytes = Vec::new();
    let read = std::io::stdin()
        .lock()
        .take(max as u64 + 1)
        .read_to_end(&mut bytes);
    let post = protocol::agent::looks_like_output_event(&bytes);
    let agent = asker
        .agent
        .unwrap_or_else(|| protocol::agent::recognise_bytes(&bytes));
    if let Err(e) = read {
        return (Err(protocol::ProtocolError::Io(e.to_string())), post, agent);
    }
    if bytes.len() > max {
        return (
            Err(protocol::ProtocolError::TooLarge { limit: max }),
            post,
            agent,
        );
    }
    (Ok(bytes), post, agent)
}

/// Record a call that could not be decided (bad input, policy that does not load).
fn record_failure(
    paths: Option<&Paths>,
    agent: Agent,
    bytes: &Result<Vec<u8>, protocol::ProtocolError>,
    reason: &str,
    started: Instant,
) {
    let Some(paths) = paths else { return };
    let raw: &[u8] = bytes.as_deref().unwrap_or(&[]);
    let record = record::undecided(paths, agent, raw, reason, started);
    let _ = store::append(paths, record, false);
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
    // Gemini and Codex send the output to screen; Cursor's and Copilot's events are screened
    // for the record even where nothing can be changed.
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
        let plain = record::Reason::plain(reason.clone());
        let mut record = record::decided(gate, paths, event, &verdict, &plain, started, None);
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
            return withhold_output(
                event.agent,
                &event.agent_event,
                &format!(
                    "this tool output could not be recorded ({why}) and the policy requires every call to be journaled"
                ),
            );
        }
    }
    let claude_answer = output::answer(tool, &screened);
    let (action, masked) = match &screened {
        Screen::Clean { .. } => return exit::NO_OBJECTION,
        Screen::Masked { value, .. } => (OutputAction::Replace, Some(value)),
        Screen::Blocked { .. } | Screen::Withheld { .. } => (OutputAction::Withhold, None),
    };
    let notice = output_notice(event.agent, &event.agent_event, tool, &reason);
    speak(reply::after(
        event.agent,
        &event.agent_event,
        tool,
        action,
        claude_answer.as_ref(),
        masked,
        &notice,
    ))
}

/// What the model is told about an output toolgate found something in, where the agent
/// cannot replace the output with a masked one.
fn output_notice(agent: Agent, event: &str, tool: &str, reason: &str) -> String {
    if reply::can_replace_output(agent, event, tool) {
        format!("toolgate {reason}.")
    } else {
        format!(
            "toolgate: this tool output holds values the policy keeps from the model ({reason}) and {} cannot mask it: do not repeat, store or act on those values.",
            agent.product()
        )
    }
}

/// An output event that could not be screened: the output is replaced by a notice where
/// the agent allows it.
fn withhold_output(agent: Agent, event: &str, why: &str) -> u8 {
    let why = sanitize::excerpt(why, MAX_REASON);
    let screen = crate::policy::output::Screen::Withheld { why: why.clone() };
    // Named as an MCP tool so both replacement fields are set: the tool is not known.
    let claude_answer = crate::policy::output::answer("mcp__unknown", &screen);
    speak(reply::after(
        agent,
        output_event(agent, event),
        "mcp__unknown",
        OutputAction::Withhold,
        claude_answer.as_ref(),
        None,
        &format!("toolgate withheld the tool output: {why}"),
    ))
}

/// An output event not decoded (its name unknown) is answered as the agent's main one.
fn output_event(agent: Agent, event: &str) -> &str {
    match (event, agent) {
        ("", Agent::Gemini) => "AfterTool",
        ("", Agent::Cursor) => "postToolUse",
        (event, _) => event,
    }
}

/// Block in the agent's convention.
fn refuse(agent: Agent, event: &str, reason: &str) -> u8 {
    let reason = sanitize::excerpt(reason, MAX_REASON);
    speak(reply::before(agent, event, Answer::Deny(&reason)))
}
