//! Making the hook fail closed: a panic, an abort (stack overflow, out of memory) or a
//! deadline overrun all end the process with exit 2 and a `toolgate: ...` message, never
//! with 101 or a signal (which Claude Code treats as "run the tool").

use crate::exit;
use std::io::Write;
use std::time::Duration;

/// For a PostToolUse event the tool has already run: failing closed means its output is
/// replaced (exit 0 with this JSON), since exit 2 would not keep it from the model.
static SCREENING_OUTPUT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
const WITHHELD_JSON: &[u8] = b"{\"hookSpecificOutput\":{\"hookEventName\":\"PostToolUse\",\"updatedToolOutput\":\"[toolgate: the output was withheld: toolgate failed while scanning it]\",\"updatedMCPToolOutput\":\"[toolgate: the output was withheld: toolgate failed while scanning it]\",\"additionalContext\":\"toolgate failed while scanning this tool output, so it was withheld.\"},\"decision\":\"block\",\"reason\":\"toolgate failed while scanning this tool output, so it was withheld.\"}\n";

/// The failure answers in the convention of the agent being answered (Copilot ignores exit
/// 2; Gemini replaces an output only on a deny): written to stdout, then the exit status.
struct AgentAnswers {
    before: Vec<u8>,
    before_exit: u8,
    after: Vec<u8>,
}

static ANSWERS: std::sync::atomic::AtomicPtr<AgentAnswers> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Arm the failure answers for an agent other than Claude Code: `before` (stdout, exit) for
/// a call not yet run, `after` (stdout, exit 0) for a tool's output.
pub fn arm_answers(before: (Option<String>, u8), after: Option<String>) {
    let line = |s: Option<String>| s.map(|s| format!("{s}\n").into_bytes()).unwrap_or_default();
    let answers = Box::new(AgentAnswers {
        before: line(before.0),
        before_exit: before.1,
        after: line(after),
    });
    // The earlier one is leaked, as in `arm_record`.
    ANSWERS.store(Box::into_raw(answers), std::sync::atomic::Ordering::SeqCst);
}

/// From here on, a failure withholds the tool output instead of exiting 2.
pub fn screening_output() {
    SCREENING_OUTPUT.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// The record the fail-closed path writes to the spool: a file name made and checked ahead,
/// and the record's JSON before and after its reason, so writing it needs only open(2),
/// write(2) and close(2), which are async-signal-safe.
struct PendingRecord {
    path: std::ffi::CString,
    before_reason: Vec<u8>,
    after_reason: Vec<u8>,
}

static PENDING: std::sync::atomic::AtomicPtr<PendingRecord> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Arm (or re-arm, with more detail) the record a failure writes. `json` is the record with
/// `slot` where the reason goes.
pub fn arm_record(path: &std::path::Path, json: &str, slot: &str) {
    use std::os::unix::ffi::OsStrExt;
    let (Some(at), Ok(path)) = (
        json.find(slot),
        std::ffi::CString::new(path.as_os_str().as_bytes()),
    ) else {
        return;
    };
    let pending = Box::new(PendingRecord {
        path,
        before_reason: json.as_bytes()[..at].to_vec(),
        after_reason: json.as_bytes()[at + slot.len()..].to_vec(),
    });
    // The earlier one is leaked: a handler may be reading it, and the process is short-lived.
    PENDING.store(Box::into_raw(pending), std::sync::atomic::Ordering::SeqCst);
}

/// Async-signal-safe: write the armed record with `reason` (JSON-safe text), if one is armed.
fn write_record(reason: &[u8]) {
    let pending = PENDING.load(std::sync::atomic::Ordering::SeqCst);
    if pending.is_null() {
        return;
    }
    // SAFETY: the pointer came from Box::into_raw and is never freed; open/write/close are
    // async-signal-safe.
    unsafe {
        let p = &*pending;
        let fd = libc::open(
            p.path.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_CLOEXEC | libc::O_NOFOLLOW,
            0o600,
        );
        if fd < 0 {
            return;
        }
        for part in [&p.before_reason[..], reason, &p.after_reason[..]] {
            libc::write(fd, part.as_ptr().cast(), part.len());
        }
        libc::close(fd);
    }
}

/// After the call's own record is written, the deadline no longer applies: what is left is
/// writing the answer the record states.
pub fn stop_watchdog() {
    let off = libc::itimerval {
        it_interval: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        it_value: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
    };
    // SAFETY: a valid struct; a zero value disarms the timer.
    unsafe {
        libc::setitimer(libc::ITIMER_REAL, &off, std::ptr::null_mut());
    }
}

/// Async-signal-safe: record the failure, give the failure answer for the event being
/// handled, then exit.
fn fail_closed(message: &[u8]) -> ! {
    let reason = message.strip_suffix(b"\n").unwrap_or(message);
    write_record(reason);
    // SAFETY: write(2) and _exit(2) are async-signal-safe; the statics are 'static bytes,
    // and the armed answers are never freed.
    unsafe {
        let answers = ANSWERS.load(std::sync::atomic::Ordering::SeqCst);
        if !answers.is_null() {
            let a = &*answers;
            if SCREENING_OUTPUT.load(std::sync::atomic::Ordering::SeqCst) {
                libc::write(1, a.after.as_ptr().cast(), a.after.len());
                libc::_exit(exit::NO_OBJECTION as i32);
            }
            libc::write(1, a.before.as_ptr().cast(), a.before.len());
            libc::write(2, message.as_ptr().cast(), message.len());
            libc::_exit(a.before_exit as i32);
        }
        if SCREENING_OUTPUT.load(std::sync::atomic::Ordering::SeqCst) {
            libc::write(1, WITHHELD_JSON.as_ptr().cast(), WITHHELD_JSON.len());
            libc::_exit(exit::NO_OBJECTION as i32);
        }
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::_exit(exit::BLOCK as i32);
    }
}

const ABORT_MESSAGE: &[u8] =
    b"toolgate: internal failure (aborted); the call was blocked because toolgate fails closed.\n";
const DEADLINE_MESSAGE: &[u8] =
    b"toolgate: the check took longer than its deadline; the call was blocked because toolgate fails closed.\n";

/// Install the panic hook and the abort handler. Call once, first thing on the hook path.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // JSON-safe (it goes into the record as is): a file name could hold a quote.
        let place: String = place
            .chars()
            .filter(|c| !matches!(c, '"' | '\\') && !c.is_control())
            .collect();
        let message = format!(
            "toolgate: internal error{place}; the call was blocked because toolgate fails closed.\n"
        );
        let _ = std::io::stderr().flush();
        fail_closed(message.as_bytes());
    }));
    // SAFETY: the handler only calls async-signal-safe functions (write, _exit).
    unsafe {
        libc::signal(libc::SIGABRT, on_abort as *const () as libc::sighandler_t);
    }
}

extern "C" fn on_abort(_signal: libc::c_int) {
    fail_closed(ABORT_MESSAGE);
}

/// Most memory the hook may map for data (heap, thread stacks). A pathological input can
/// make a dependency allocate without end (brush-parser 0.4.0 on `cat <<A$( (#` grows by
/// about 1 GB a second, found by cargo fuzz); left alone the kernel's OOM killer ends the
/// process with a signal, which Claude Code treats as no objection. With the cap an
/// allocation fails, Rust aborts, and the abort handler fails closed. A 1 MiB Write uses
/// about 25 MiB.
pub const MEMORY_CAP: u64 = 512 << 20;

/// Apply [`MEMORY_CAP`] to this process (RLIMIT_DATA: private writable mappings only, so
/// the binary's own pages do not count).
pub fn cap_memory() {
    let limit = libc::rlimit {
        rlim_cur: MEMORY_CAP,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit reads a valid rlimit; a failure leaves the process as it was.
    unsafe {
        libc::setrlimit(libc::RLIMIT_DATA, &limit);
    }
    keep_freed_memory();
}

/// Large buffers (a 1 MiB input is copied a few times on its way through) come from the
/// heap and freed memory stays mapped for the next one: by default each is a fresh
/// mapping whose pages fault in one by one, which cost more than the copies themselves.
/// The process lives for one call, so nothing is given back to the system early.
fn keep_freed_memory() {
    // SAFETY: mallopt only tunes the allocator; an unknown parameter is refused with 0.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// End the process with exit 2 if it is still running after `deadline`. A real-time
/// interval timer and a SIGALRM handler, not a thread: starting a thread costs more than the
/// rest of a typical call.
pub fn start_watchdog(deadline: Duration) {
    let timer = libc::itimerval {
        it_interval: libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        it_value: libc::timeval {
            tv_sec: deadline.as_secs() as libc::time_t,
            tv_usec: deadline.subsec_micros() as libc::suseconds_t,
        },
    };
    // SAFETY: the handler only calls async-signal-safe functions; setitimer with a valid
    // struct has no other preconditions.
    unsafe {
        libc::signal(
            libc::SIGALRM,
            on_deadline as *const () as libc::sighandler_t,
        );
        libc::setitimer(libc::ITIMER_REAL, &timer, std::ptr::null_mut());
    }
}

extern "C" fn on_deadline(_signal: libc::c_int) {
    // _exit (in fail_closed) skips destructors that could block on locks the stuck code holds.
    fail_closed(DEADLINE_MESSAGE);
}

/// Debug builds only: `TOOLGATE_TEST_FAULT` makes the hook fail on purpose, so the tests can
/// prove each failure still exits 2.
pub fn inject_test_fault() {
    if !cfg!(debug_assertions) {
        return;
    }
    let fault = crate::deployment::current().var("TOOLGATE_TEST_FAULT");
    match fault.as_ref().and_then(|f| f.to_str()) {
        Some("panic") => panic!("injected test fault"),
        Some("abort") => std::process::abort(),
        // Memory that grows without end: the cap must stop it (as an abort).
        Some("grow") => {
            let mut held: Vec<Vec<u8>> = Vec::new();
            loop {
                held.push(vec![1u8; 1 << 20]);
                std::hint::black_box(&held);
            }
        }
        Some("overflow") => {
            fn recurse(n: u64) -> u64 {
                let buf = [n; 64];
                std::hint::black_box(&buf);
                if n == u64::MAX {
                    0
                } else {
                    recurse(n + 1) + buf[0]
                }
            }
            std::hint::black_box(recurse(0));
        }
        Some("hang") => loop {
            std::thread::sleep(Duration::from_secs(60));
        },
        _ => {}
    }
}
