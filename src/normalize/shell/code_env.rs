//! Environment variables that make a program run code: the loader's (`LD_PRELOAD`), the
//! shells' (`BASH_ENV`, `ENV`, exported functions `BASH_FUNC_name%%`, `PROMPT_COMMAND`),
//! interpreters' (`NODE_OPTIONS=--require`, `PERL5OPT`, `PERL5DB`, `PYTHONSTARTUP`), git's
//! settings given as variables (`GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n`,
//! `GIT_CONFIG_PARAMETERS`), and the ones a program's table entry names (`code_env`: `PAGER`
//! for man, `CC` for make). Their formats are these runtimes' own conventions, so they are
//! read here; per-program variables live in rules/programs.toml.

use super::{Analyzer, Arg, Command, NoteKind};
use crate::normalize::effects::{Effect, Kind, Target};
use crate::normalize::{path, planted};

/// Variables that send a program's connections elsewhere: proxies, package registries,
/// API hosts.
const NET_ENV: &[&str] = &[
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "all_proxy",
    "ftp_proxy",
    "FTP_PROXY",
    "npm_config_proxy",
    "npm_config_https_proxy",
    "npm_config_registry",
    "NPM_CONFIG_REGISTRY",
    "NPM_CONFIG_HTTPS_PROXY",
    "YARN_REGISTRY",
    "YARN_NPM_REGISTRY_SERVER",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_PROXY",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "POETRY_REPOSITORIES_URL",
    "GOPROXY",
    "GONOSUMDB",
    "CARGO_HTTP_PROXY",
    "GH_HOST",
    "GITHUB_API_URL",
    "GEM_SOURCE",
];

/// One variable the command sees: its name, value, and whether the value is only known at
/// run time.
struct Var {
    name: String,
    value: String,
    dynamic: bool,
}

impl Analyzer {
    /// Code the command runs because of its environment (see the module overview).
    pub(super) fn follow_env_code(&mut self, cmd: &Command, index: usize) {
        let vars: Vec<Var> = cmd
            .assignments
            .iter()
            .map(|(name, arg)| Var {
                name: name.clone(),
                value: arg.text.clone(),
                dynamic: arg.dynamic,
            })
            .chain(cmd.inherited.iter().map(|(name, value)| Var {
                name: name.clone(),
                value: value.clone(),
                dynamic: false,
            }))
            .collect();
        let table_env = self
            .programs
            .get(&cmd.program)
            .map(|s| s.code_env.clone())
            .unwrap_or_default();
        // `make CC='...'`: make takes variables as arguments too.
        let vars: Vec<Var> = vars
            .into_iter()
            .chain(cmd.args.iter().filter_map(|a| {
                let (name, value) = a.text.split_once('=')?;
                table_env.iter().any(|e| e == name).then(|| Var {
                    name: name.to_string(),
                    value: value.to_string(),
                    dynamic: a.dynamic,
                })
            }))
            .collect();
        for var in vars.iter().filter(|v| NET_ENV.contains(&v.name.as_str())) {
            // `HTTPS_PROXY=http://proxy:3128 curl ...`: the connection goes there.
            for word in var
                .value
                .split([',', ' '])
                .filter(|w| !w.is_empty())
                .take(8)
            {
                if let Some(host) = super::effects::url_host(word) {
                    let via = format!("{} ({})", var.name, cmd.program);
                    self.push_effect(index, Effect::new(Kind::Net, Target::Name(host), via));
                }
            }
        }
        for var in &vars {
            let via = format!("{} ({} runs it)", var.name, cmd.program);
            let code = (var.value.clone(), var.dynamic);
            match var.name.as_str() {
                name if table_env.iter().any(|e| e == name) => self.code_or_hidden(&code, &via),
                "LD_PRELOAD" | "LD_AUDIT" => {
                    for file in var.value.split([':', ' ']).filter(|f| !f.is_empty()) {
                        self.hook_file(index, file, var.dynamic, &via);
                    }
                }
                // The value is expanded (a `$(...)` in it runs), then the file is sourced.
                "BASH_ENV" | "ENV" => {
                    if var.value.contains("$(") || var.value.contains('`') {
                        self.code_or_hidden(&code, &via);
                    } else {
                        self.hook_file(index, &var.value, var.dynamic, &via);
                    }
                }
                "PROMPT_COMMAND" => self.code_or_hidden(&code, &via),
                // less's input preprocessor: `|cmd %s` or `||cmd %s`.
                "LESSOPEN" | "LESSCLOSE" => {
                    let cmd_line = var.value.trim_start_matches('|').replace("%s", "file");
                    self.code_or_hidden(&(cmd_line, var.dynamic), &via);
                }
                name if name.starts_with("BASH_FUNC_") => {
                    let body = var.value.trim_start();
                    let body = body.strip_prefix("()").unwrap_or(body).trim();
                    let body = body.strip_prefix('{').unwrap_or(body);
                    let body = body.strip_suffix('}').unwrap_or(body);
                    self.code_or_hidden(&(body.to_string(), var.dynamic), &via);
                }
                "NODE_OPTIONS" => self.node_options(index, &var.value, var.dynamic, &via),
                "PERL5OPT" | "PERL5DB" => {
                    for line in perl_quoted(&var.value) {
                        self.script(&line, Some(&via), true);
                    }
                    self.interpreter_code(index, &var.value, &via);
                }
                "PYTHONSTARTUP" => self.hook_file(index, &var.value, var.dynamic, &via),
                "GIT_CONFIG_PARAMETERS" => {
                    for (key, value) in git_config_parameters(&var.value) {
                        if let Some(code) = planted::git_code_value(&key, &value) {
                            self.script(
                                &code,
                                Some(&format!("GIT_CONFIG_PARAMETERS {key}")),
                                false,
                            );
                        }
                    }
                }
                name if name.starts_with("GIT_CONFIG_KEY_") => {
                    let n = &name["GIT_CONFIG_KEY_".len()..];
                    let value_name = format!("GIT_CONFIG_VALUE_{n}");
                    if let Some(value) = vars.iter().find(|v| v.name == value_name)
                        && let Some(code) = planted::git_code_value(&var.value, &value.value)
                    {
                        let via = format!("{} {}", var.name, var.value);
                        self.code_or_hidden(&(code, value.dynamic), &via);
                    }
                }
                _ => {}
            }
        }
    }

    /// `--require FILE`, `-r FILE`, `--import URL`, `--loader X`: files node loads first, and
    /// code given inline as a `data:` URL.
    fn node_options(&mut self, index: usize, value: &str, dynamic: bool, via: &str) {
        let words: Vec<&str> = value.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            let (option, inline) = match word.split_once('=') {
                Some((o, v)) => (o, Some(v)),
                None => (word, None),
            };
            let loads = matches!(
                option,
                "--require" | "-r" | "--import" | "--loader" | "--experimental-loader"
            );
            if loads {
                let target = match inline {
                    Some(v) => v.to_string(),
                    None => {
                        i += 1;
                        words.get(i).map(|w| w.to_string()).unwrap_or_default()
                    }
                };
                // `data:text/javascript,CODE`: the rest of the variable is the code.
                if let Some((_, code)) = target
                    .split_once(',')
                    .filter(|_| target.starts_with("data:"))
                {
                    let rest = value[value.find(code).unwrap_or(0)..].to_string();
                    self.interpreter_code(index, &rest, via);
                    return;
                }
                if !target.is_empty() {
                    self.hook_file(index, &target, dynamic, via);
                }
            }
            i += 1;
        }
    }

    /// A file a variable makes a program load and run: analysed when this command line
    /// wrote it; otherwise its code is hidden (a note rules can name) and runs from a file.
    fn hook_file(&mut self, index: usize, file: &str, dynamic: bool, via: &str) {
        let resolved = (!dynamic)
            .then(|| path::resolve(file, self.cwd.as_deref(), self.home.as_deref()))
            .flatten();
        let Some(resolved) = resolved else {
            self.note(
                NoteKind::HiddenCode,
                format!("`{via}` loads a file only known at run time"),
            );
            return;
        };
        // Run like any file a command runs (its code read when this line wrote it); one
        // whose code is not in the call is hidden, which a command run by name is not.
        if self.written_at(&resolved).is_none() {
            self.note(
                NoteKind::HiddenCode,
                format!("`{via}` loads {resolved}, whose code is not visible here"),
            );
        }
        self.exec_file(index, &Arg::literal(resolved), via);
    }
}

/// The contents of perl's `q{...}` and `qq{...}` quotes (braces nest), which hold strings
/// the way quotes do.
fn perl_quoted(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("q{") {
        let body = &rest[at + 2..];
        let mut depth = 1usize;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        if out.len() < 16 {
            out.push(body[..end].to_string());
        }
        rest = &body[end + 1..];
    }
    out
}

/// `'core.pager'='less -R' 'user.name'='x'`: git's own quoting of `-c` settings passed down.
fn git_config_parameters(value: &str) -> Vec<(String, String)> {
    let quoted = super::wrappers::quoted_literals(value, &['\'']);
    quoted
        .chunks(2)
        .filter_map(|pair| match pair {
            [key, value] => Some((key.to_ascii_lowercase(), value.clone())),
            _ => None,
        })
        .take(16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_quotes_and_git_parameters() {
        assert_eq!(
            perl_quoted("-Mstrict;system(q{curl -s x|sh});"),
            ["curl -s x|sh"]
        );
        assert_eq!(
            git_config_parameters("'core.pager'='sh -c x' 'user.name'='me'"),
            [
                ("core.pager".to_string(), "sh -c x".to_string()),
                ("user.name".to_string(), "me".to_string())
            ]
        );
    }
}
