//! The command-line surface: argument parsing and one module per subcommand. Only this
//! module and its children print; the hook's stdout is the protocol, so nothing else does.

mod agent_install;
mod check;
mod doctor;
mod evade;
mod explain;
pub mod failsafe;
mod hook;
mod install;
mod journal;
mod lint;
mod packs;
mod policy_cmd;
mod settings_file;
mod test;

use crate::exit;
use crate::gate::Gate;
use crate::normalize::Context;
use crate::pack::Diagnostic;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// toolgate: a policy gate for coding agents' tool calls.
///
/// Claude Code (or Codex, Cursor, GitHub Copilot CLI, Gemini CLI: `hook --agent NAME`) runs
/// `toolgate hook` before every tool call. toolgate reads the call on stdin, matches it
/// against rule packs and answers in the agent's convention; for Claude Code: exit 0 (no
/// objection), exit 0 with an `ask` JSON (the user confirms), or exit 2 (blocked, with the
/// reason on stderr).
#[derive(Parser, Debug)]
#[command(name = "toolgate", version = VERSION)]
pub struct Cli {
    /// Policy file to use instead of the managed default (/etc/toolgate/policy.toml).
    /// Also TOOLGATE_POLICY, except in a managed deployment.
    #[arg(long, global = true, value_name = "PATH")]
    pub policy: Option<PathBuf>,

    /// Journal database (default: $XDG_STATE_HOME/toolgate/journal.db). Also
    /// TOOLGATE_JOURNAL, except in a managed deployment.
    #[arg(long, global = true, value_name = "PATH")]
    pub journal: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read one hook event (JSON) on stdin, decide, and answer the agent. Register this.
    Hook {
        /// The agent that runs the hook: claude, codex, cursor, copilot or gemini (default:
        /// recognised from the event). Each gets its answer in its own convention.
        #[arg(long, value_name = "NAME")]
        agent: Option<String>,
    },
    /// Evaluate a command or path by hand: `toolgate check -- rm -rf /`.
    Check {
        /// Tool to evaluate as: Bash, Read, Write, Edit, Glob, Grep, WebFetch, UserPromptSubmit, ...
        #[arg(long, default_value = "Bash")]
        tool: String,
        /// Working directory of the call (default: the current directory).
        #[arg(long, value_name = "DIR")]
        cwd: Option<String>,
        /// A Bash command line, exactly as the hook would receive it.
        #[arg(long, value_name = "STRING", conflicts_with = "args")]
        command: Option<String>,
        /// Bash: one argument is a command line; several are words, quoted back into one.
        /// File tools: the path (then content). WebFetch: the URL. Others: the text.
        #[arg(last = true, required_unless_present = "command", value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Search meaning-preserving rewrites of a stopped call for ones that slip through:
    /// `toolgate evade -- rm -rf ~`. Exit 1 if any variant gets past the policy.
    Evade {
        /// Tool of the call: Bash (default), Read, Write, Edit, Grep, Glob, NotebookEdit.
        #[arg(long, default_value = "Bash")]
        tool: String,
        /// Working directory of the call (default: the current directory).
        #[arg(long, value_name = "DIR")]
        cwd: Option<String>,
        /// Count a variant as stopped only when this rule stops it.
        #[arg(long, value_name = "ID")]
        rule: Option<String>,
        /// Most variants to try.
        #[arg(long, default_value_t = 1000)]
        budget: usize,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// A Bash command line, exactly as the hook would receive it.
        #[arg(long, value_name = "STRING", conflicts_with = "args")]
        command: Option<String>,
        /// As for `check`: one argument is a command line, several are words.
        #[arg(last = true, required_unless_present = "command", value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Show how a hook event is seen: parsed commands, paths, which rules looked and hit.
    Explain {
        /// Hook event JSON file, or `-` for stdin (default).
        #[arg(default_value = "-")]
        file: String,
    },
    /// Run every rule's examples through the real pipeline; non-zero exit on any failure.
    Test {
        /// Pack ids or pack files to test (default: all).
        packs: Vec<String>,
        /// Also report rules without hit or miss examples, examples other rules hit too,
        /// rules shadowed by another on all their examples, and example counts per pack.
        #[arg(long)]
        coverage: bool,
        /// With --coverage: text (default) or json.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Validate a policy and its packs; every problem is reported at once.
    Lint {
        /// Policy file (default: --policy, TOOLGATE_POLICY, or the managed default).
        policy_file: Option<PathBuf>,
    },
    /// List packs and their rules.
    Packs,
    /// Query, export, verify and prune the decision journal.
    Journal {
        #[command(subcommand)]
        command: journal::JournalCommand,
    },
    /// Check that the gate is really on: hook registration, managed settings, binary,
    /// policy and signature, journal. Exit 1 on any failure.
    Doctor {
        /// Claude Code settings files to check (default: the managed settings and
        /// ~/.claude/settings.json). Repeat for several.
        #[arg(long, value_name = "PATH")]
        settings: Vec<PathBuf>,
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
        /// Check another agent's hook registration: codex, cursor, copilot, gemini (default:
        /// Claude Code's). `--settings` then names that agent's hook files.
        #[arg(long, default_value = "claude", value_parser = ["claude", "codex", "cursor", "copilot", "gemini"])]
        agent: String,
    },
    /// Register the hook in a Claude Code settings file (merged; idempotent; backed up).
    Install(install::Target),
    /// Remove exactly the entries `install` adds.
    Uninstall(install::Target),
    /// Sign the managed policy and check signatures: keygen, sign, verify.
    Policy {
        #[command(subcommand)]
        command: policy_cmd::PolicyCommand,
    },
}

/// `toolgate --version`: the version, the commit, static or dynamic, the profile.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("TOOLGATE_BUILD"), ")");

/// Parse arguments and run. Errors in the arguments exit 2 (clap's usage status), which on
/// the hook path is also "blocked".
pub fn run() -> ExitCode {
    let is_hook = std::env::args_os().nth(1).is_some_and(|a| a == "hook");
    if is_hook {
        failsafe::install();
    }
    // Panics inside the shell parser are caught and reported as a parser failure (deny);
    // every other panic still reaches the hook installed above (exit 2) or the default.
    crate::normalize::shell::guard_parser_panics();
    // The two invocations that run on every call skip building the parser, whose full
    // command tree costs about 0.1 ms: `toolgate hook` as installed, and `--version`. They
    // mean exactly what the parser would make of them.
    if is_hook && std::env::args_os().len() == 4 {
        // `toolgate hook --agent NAME` as `install` writes it: a bad name is refused in the
        // agent's own convention, never by the parser's exit 2 (which Copilot ignores).
        let args: Vec<_> = std::env::args_os().collect();
        if args[2] == "--agent" {
            return exit::code(hook::run(None, None, Some(&args[3].to_string_lossy())));
        }
    }
    if std::env::args_os().len() == 2 {
        if is_hook {
            return exit::code(hook::run(None, None, None));
        }
        if std::env::args_os()
            .nth(1)
            .is_some_and(|a| a == "--version" || a == "-V")
        {
            println!("toolgate {VERSION}");
            return ExitCode::SUCCESS;
        }
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return exit::code(if e.use_stderr() {
                exit::BLOCK
            } else {
                exit::NO_OBJECTION
            });
        }
    };
    // Only the flag here: `policy::locate` adds `TOOLGATE_POLICY` (outside a managed
    // deployment) and the managed default.
    let policy = cli.policy;
    if !matches!(cli.command, Command::Hook { .. }) {
        // `toolgate explain ev.json | head`: a closed pipe ends the command quietly, as for
        // any Unix tool. (The hook keeps ignoring SIGPIPE: it must always exit 0 or 2.)
        // SAFETY: restoring the default disposition of a signal at start-up.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let status = match cli.command {
        Command::Hook { agent } => {
            hook::run(policy.as_deref(), cli.journal.as_deref(), agent.as_deref())
        }
        Command::Check {
            tool,
            cwd,
            command,
            args,
        } => check::run(policy.as_deref(), &tool, cwd, command, &args),
        Command::Evade {
            tool,
            cwd,
            rule,
            budget,
            format,
            command,
            args,
        } => evade::run(
            policy.as_deref(),
            evade::Args {
                tool,
                cwd,
                command,
                args,
                rule,
                budget,
                json: format == "json",
            },
        ),
        Command::Explain { file } => explain::run(policy.as_deref(), &file),
        Command::Test {
            packs,
            coverage,
            format,
        } => test::run(policy.as_deref(), &packs, coverage, format == "json"),
        Command::Lint { policy_file } => lint::run(policy_file.as_deref().or(policy.as_deref())),
        Command::Packs => packs::run(policy.as_deref()),
        Command::Journal { command } => {
            journal::run(policy.as_deref(), cli.journal.as_deref(), command)
        }
        Command::Policy { command } => policy_cmd::run(command),
        Command::Install(target) => install::run(true, &target),
        Command::Uninstall(target) => install::run(false, &target),
        Command::Doctor {
            settings,
            format,
            agent,
        } => doctor::run(
            policy.as_deref(),
            &settings,
            format == "json",
            crate::protocol::Agent::parse(&agent).unwrap_or_default(),
        ),
    };
    exit::code(status)
}

/// Load the gate for a human-facing command, printing diagnostics on failure.
fn load_gate(policy: Option<&std::path::Path>, ctx: Context) -> Result<Gate, u8> {
    Gate::load_located(policy, ctx, true).map_err(|diagnostics| {
        print_diagnostics(&diagnostics);
        exit::FAILURE
    })
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{}", crate::sanitize::excerpt(&d.to_string(), 1000));
    }
    eprintln!("{} error(s)", diagnostics.len());
}
