//! toolgate: a policy gate for AI coding agents.
//!
//! Data flows one way: [`protocol`] decodes the hook event, [`normalize`] turns it into
//! commands, paths, URLs and text, [`engine`] matches it against the [`pack`]s, and
//! [`decision`] picks deny / ask / no objection. [`policy`] loads what is enabled, [`cli`] is
//! the command-line surface, [`journal`] records every decision, [`exit`] holds every exit
//! code and [`sanitize`] makes untrusted text safe to print.

pub mod cli;
pub mod deployment;
pub mod detect;
pub mod engine;
pub mod evade;
pub mod exit;
pub mod gate;
pub mod identity;
pub mod journal;
pub mod normalize;
pub mod pack;
pub mod policy;
pub mod protocol;
pub mod sanitize;
pub mod shared;
