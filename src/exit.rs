//! Every exit code toolgate uses, and nowhere else.
//!
//! Claude Code reads the hook's exit status: 0 means "no objection" (stdout may carry an
//! `ask` JSON), 2 means "blocked", and ANY other status means "the hook broke, run the tool".
//! So the hook path may only ever end in [`NO_OBJECTION`] or [`BLOCK`]. Codex, Cursor and
//! Gemini read the two the same way; GitHub Copilot CLI only warns on exit 2, so its block
//! is exit 0 with a deny on stdout (`crate::protocol::reply` writes every agent's answer).

use std::process::ExitCode;

/// The call may go ahead (possibly after the user answers an `ask`).
pub const NO_OBJECTION: u8 = 0;
/// The call is blocked; stderr says why. Also every fail-closed error on the hook path.
pub const BLOCK: u8 = 2;
/// A command for people (test, lint) found problems. Never used on the hook path.
pub const FAILURE: u8 = 1;

/// Convert one of the constants above into an [`ExitCode`].
pub fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}
