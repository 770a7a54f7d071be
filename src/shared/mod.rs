//! The ground floor: the vocabulary every layer may use and that uses no other layer.
//!
//! - [`findings`]: `Decision`, `Severity`, `Hit`.
//! - [`diagnostic`]: `Location` and `Diagnostic` (`file:line:column: error: ...`).
//! - [`digest`]: hex, SHA-256, HMAC.
//! - [`matcher`]: name sets, globs and lazily built regexes ([`overlap`]: glob automata),
//!   and byte helpers such as `contains_ci`, used by packs and detectors alike.
//! - [`fs`]: folders toolgate keeps for itself.

pub mod diagnostic;
pub mod digest;
pub mod findings;
pub mod fs;
pub mod matcher;
pub mod overlap;
