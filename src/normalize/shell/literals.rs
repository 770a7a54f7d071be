//! What interpreter code says in its literals: paths built from home expressions and
//! joined pieces (`Path.home() / '.ssh'`), literal argument lists handed to a process
//! (`["rm", "-rf", dir]`, `spawn("rm", [...])`, Perl's bare lists), IP addresses given to
//! sockets, and the environment variables it reads. Language-agnostic heuristics, used by
//! `code.rs` for one-liners and for code planted in files.

use super::fold::HOME_MARK;

/// Expressions that mean the home directory, in the languages one-liners are written in.
const HOME_EXPRESSIONS: &[&str] = &[
    "os.path.expanduser('~')",
    "os.path.expanduser(\"~\")",
    "pathlib.Path.home()",
    "Path.home()",
    "require('os').homedir()",
    "require(\"os\").homedir()",
    "os.homedir()",
    "homedir()",
    "Dir.home",
    "ENV['HOME']",
    "ENV[\"HOME\"]",
    "$ENV{HOME}",
    "$ENV{'HOME'}",
    "$ENV{\"HOME\"}",
    "os.environ['HOME']",
    "os.environ[\"HOME\"]",
    "os.environ.get('HOME')",
    "os.environ.get(\"HOME\")",
    "os.getenv('HOME')",
    "os.getenv(\"HOME\")",
    "getenv('HOME')",
    "getenv(\"HOME\")",
    "process.env.HOME",
    "process.env['HOME']",
    "process.env[\"HOME\"]",
    "Deno.env.get(\"HOME\")",
    "Deno.env.get('HOME')",
    "os.UserHomeDir()",
    "ENVIRON[\"HOME\"]",
    "System.getProperty(\"user.home\")",
    "std::env::var(\"HOME\")",
    "env::var(\"HOME\")",
    "Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)",
    "Sys.getenv(\"HOME\")",
    "Sys.getenv('HOME')",
    "ENV[\"HOME\"]",
    "$env(HOME)",
    "$HOME",
    "$env:USERPROFILE",
    "$env:HOME",
];

/// Home-directory expressions replaced by a quoted `~` literal marker, so path literals
/// built from them can be joined.
pub(super) fn with_home_literals(code: &str) -> String {
    let mut out = code.to_string();
    for expr in HOME_EXPRESSIONS {
        if out.contains(expr) {
            out = out.replace(expr, &format!("'{HOME_MARK}'"));
        }
    }
    // Inside a string literal (`"$ENV{HOME}/.netrc"`) the quotes would break the literal.
    out.replace(&format!("\"'{HOME_MARK}'"), &format!("\"{HOME_MARK}"))
        .replace(&format!("'{HOME_MARK}'/"), &format!("'{HOME_MARK}'+'/'+"))
}

/// Path-like strings in interpreter code: literals joined by `+`, `.`, `/` or a join call's
/// commas, with home expressions as `~`.
pub(super) fn path_literals(code: &str) -> Vec<String> {
    let normalized = with_home_literals(code);
    let mut out = Vec::new();
    let bytes = normalized.as_bytes();
    let mut i = 0;
    let mut chain: Vec<String> = Vec::new();
    let mut joiner = "";
    let flush = |chain: &mut Vec<String>, out: &mut Vec<String>, joiner: &str| {
        if !chain.is_empty() {
            let sep = if joiner == "/" || joiner == "," {
                "/"
            } else {
                ""
            };
            let joined = chain.join(sep).replace("//", "/").replace(HOME_MARK, "~");
            if looks_like_path(&joined) && out.len() < 64 {
                out.push(joined);
            }
            chain.clear();
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\'' || b == b'"' || b == b'`' {
            let quote = b;
            let mut j = i + 1;
            let mut lit = String::new();
            while j < bytes.len() && bytes[j] != quote {
                if bytes[j] == b'\\' && j + 1 < bytes.len() {
                    j += 1;
                }
                lit.push(bytes[j] as char);
                j += 1;
            }
            // Keep multi-byte text intact.
            let lit = normalized
                .get(i + 1..j.min(normalized.len()))
                .map(|s| s.replace("\\\\", "\\"))
                .unwrap_or(lit);
            chain.push(lit);
            i = j + 1;
            // What joins this literal to the next one?
            let mut k = i;
            while k < bytes.len() && bytes[k] == b' ' {
                k += 1;
            }
            match bytes.get(k) {
                // `+`, `.`, Lua's `..`, Julia's `*`.
                Some(b'+') | Some(b'.') | Some(b'*') => {
                    joiner = "+";
                    i = k + 1;
                    if bytes.get(i) == Some(&b'.') {
                        i += 1;
                    }
                }
                Some(b'/') => {
                    joiner = "/";
                    i = k + 1;
                }
                Some(b',')
                    if normalized[..i]
                        .rfind("join(")
                        .is_some_and(|p| !normalized[p..i].contains(')')) =>
                {
                    joiner = ",";
                    i = k + 1;
                }
                _ => {
                    flush(&mut chain, &mut out, joiner);
                    joiner = "";
                }
            }
            continue;
        }
        if !b.is_ascii_whitespace() && !chain.is_empty() {
            flush(&mut chain, &mut out, joiner);
            joiner = "";
        }
        i += 1;
    }
    flush(&mut chain, &mut out, joiner);
    out
}

pub(super) fn looks_like_path(s: &str) -> bool {
    if s.is_empty() || s.len() > 4096 || s.contains(['\n', ' ']) && !s.starts_with('/') {
        return false;
    }
    if s.contains("://") {
        return false;
    }
    s.starts_with('/')
        || s.starts_with('~')
        || s.starts_with("./")
        || s.starts_with("../")
        || (s.starts_with('.') && s.len() > 1 && !s.contains(' '))
        || (s.contains('/') && !s.contains(' '))
}

/// Literal argument lists handed to a process: `['rm', '-rf', '/']`, `"rm", "-rf", x`.
pub(super) fn literal_lists(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lists: Vec<&str> = Vec::new();
    for (open, close) in [('[', ']'), ('(', ')')] {
        let mut rest = code;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + 1..];
            let end = after.find(close).unwrap_or(after.len());
            lists.push(&after[..end]);
            rest = &after[end.min(after.len())..];
            if lists.len() > 64 {
                break;
            }
        }
    }
    // A program named first and its arguments in a list later in the call:
    // `spawn("rm", ["-rf", dir])`, `new Deno.Command("rm", {args: ["-rf", dir]})`.
    let mut program_lists: Vec<(String, &str)> = Vec::new();
    for (at, _) in code.match_indices(['(']).take(64) {
        let rest = code[at + 1..].trim_start();
        let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
            continue;
        };
        let Some(end) = rest[1..].find(quote) else {
            continue;
        };
        let program = &rest[1..1 + end];
        let after = &rest[1 + end + 1..];
        let mut call_end = after.find(')').unwrap_or(after.len()).min(300);
        while !after.is_char_boundary(call_end) {
            call_end -= 1;
        }
        if let Some(open) = after[..call_end].find('[')
            && let Some(close) = after[open..].find(']')
            && !program.is_empty()
            && !program.contains(char::is_whitespace)
        {
            program_lists.push((program.to_string(), &after[open + 1..open + close]));
        }
    }
    for (program, list) in program_lists {
        let mut words = vec![shell_quote(&program.replace(HOME_MARK, "~"))];
        for item in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let q = item.chars().next().unwrap_or(' ');
            words.push(
                if (q == '\'' || q == '"') && item.len() >= 2 && item.ends_with(q) {
                    shell_quote(&item[1..item.len() - 1].replace(HOME_MARK, "~"))
                } else {
                    super::fold::UNKNOWN_PART.to_string()
                },
            );
        }
        out.push(words.join(" "));
    }
    // Perl and Ruby take the list bare: `exec "rm", "-rf", $ENV{HOME}`.
    for keyword in ["system ", "exec "] {
        for (at, _) in code.match_indices(keyword).take(16) {
            let rest = &code[at + keyword.len()..];
            if rest.starts_with(['"', '\'']) {
                let end = rest.find([';', '\n', ')']).unwrap_or(rest.len());
                lists.push(&rest[..end]);
            }
        }
    }
    for inner in lists {
        // Each item a literal, or a part known only at run time (never dropped: `["rm",
        // "-rf", path]` deletes something).
        let words: Vec<Option<String>> = inner
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| {
                let q = w.chars().next()?;
                ((q == '\'' || q == '"') && w.len() >= 2 && w.ends_with(q))
                    .then(|| w[1..w.len() - 1].replace(HOME_MARK, "~"))
            })
            .collect();
        if words.len() >= 2 && words[0].is_some() {
            out.push(
                words
                    .iter()
                    .map(|w| match w {
                        Some(w) => shell_quote(w),
                        None => super::fold::UNKNOWN_PART.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        // `Process.Start("bash", "-c \"rm -rf ~\"")`: a program and its whole argument line.
        if let [Some(program), Some(line)] = words.as_slice()
            && line.contains(' ')
        {
            out.push(format!("{program} {}", line.replace("\\\"", "\"")));
        }
        if out.len() > 32 {
            break;
        }
    }
    out
}

fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./~=:@%+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `198.51.100.5`: a dotted IPv4 address given as a string to a socket call.
pub(super) fn is_ip_literal(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Calls that read one environment variable, by the text before its name.
const ENV_BY_NAME: &[&str] = &[
    "environ[",
    "environ.get(",
    "getenv(",
    "process.env.",
    "process.env[",
    "env[",
    "env.fetch(",
    "$env{",
    "deno.env.get(",
    "system.getenv(",
    "$env:",
];
/// Expressions that hold every environment variable.
const ENV_WHOLE: &[&str] = &[
    "dict(os.environ)",
    "os.environ)",
    "os.environ.items",
    "os.environ.copy",
    "str(os.environ",
    "json.dumps(os.environ",
    "stringify(process.env)",
    "process.env)",
    "env.to_h",
    "env.to_a",
    "env.each",
    "env.inspect",
    "%env",
    "in environ",
    "deno.env.toobject",
    "system.getenv()",
    "sys.getenv()",
    "get-childitem env:",
    "gci env:",
    "ls env:",
];

/// The environment labels (`env:NAME`, `environment`) a piece of code reads. A test of
/// whether a variable is set (`Boolean(process.env.X)`, `bool(os.environ.get('X'))`) reads
/// no value.
pub(super) fn environment_reads(code: &str) -> Vec<String> {
    let lower = code.to_ascii_lowercase();
    let mut out: Vec<String> = Vec::new();
    if ENV_WHOLE.iter().any(|w| lower.contains(w)) {
        out.push("environment".into());
    }
    for marker in ENV_BY_NAME {
        for (at, _) in lower.match_indices(marker) {
            let mut from = at.saturating_sub(24);
            while !lower.is_char_boundary(from) {
                from += 1;
            }
            let before = &lower[from..at];
            if ["boolean(", "bool(", "!!", "len(", "is_set("]
                .iter()
                .any(|t| before.contains(t))
            {
                continue;
            }
            let rest = &code[at + marker.len()..];
            let rest = rest.trim_start_matches(['\'', '"', ' ']);
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let label = format!("env:{name}");
            if !name.is_empty() && !out.contains(&label) && out.len() < 16 {
                out.push(label);
            }
        }
    }
    out
}

/// Calls that write one value to a file, where the value is in their arguments: the
/// position of the value, and whether the file's old content goes (`.write(` replaces only
/// when the `open(` mode is `w`).
const VALUE_WRITES: &[(&str, usize, Option<bool>)] = &[
    (".write(", 0, None),
    (".write_text(", 0, Some(true)),
    ("writeFileSync(", 1, Some(true)),
    ("appendFileSync(", 1, Some(false)),
    ("File.write(", 1, Some(true)),
];

/// The one literal value interpreter code writes to a file, and whether it replaces the
/// file's content: `open(p, 'w').write('v')`, `Path(p).write_text('v')`,
/// `fs.writeFileSync(p, 'v')`, `File.write(p, 'v')`. `None` when the code writes more than
/// once, writes something computed (`'v' + x`, an f-string), or the mode is not known.
pub(super) fn written_value(code: &str) -> Option<(String, bool)> {
    let mut calls = VALUE_WRITES.iter().flat_map(|&(call, position, replaces)| {
        code.match_indices(call)
            .map(move |(at, _)| (at + call.len(), position, replaces))
    });
    let (start, position, replaces) = calls.next()?;
    if calls.next().is_some() {
        return None;
    }
    let mut args = &code[start..];
    for _ in 0..position {
        // The path before the value: a literal or a name, no nested call.
        let comma = args.find([',', '(', ')'])?;
        if args.as_bytes()[comma] != b',' {
            return None;
        }
        args = &args[comma + 1..];
    }
    let (value, rest) = quoted_value(args.trim_start())?;
    if !rest.trim_start().starts_with([')', ',']) {
        return None;
    }
    let replaces = match replaces {
        Some(r) => r,
        None => open_mode(&code[..start])?,
    };
    Some((value, replaces))
}

/// Whether the `open(` before a `.write(` replaces the file (`'w'`) or appends (`'a'`).
fn open_mode(before: &str) -> Option<bool> {
    let at = before.rfind("open(")?;
    let args = &before[at + 5..];
    let mode = args
        .split([',', ')'])
        .skip(1)
        .map(|a| {
            a.trim()
                .trim_start_matches("mode=")
                .trim_matches(['\'', '"'])
        })
        .find(|a| !a.is_empty() && a.len() <= 3)?;
    match mode.as_bytes()[0] {
        b'w' => Some(true),
        b'a' => Some(false),
        _ => None,
    }
}

/// A quoted literal at the start of `text` (`'...'` or `"..."`, backslash escapes undone)
/// and what follows it.
fn quoted_value(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let mut value = String::new();
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        if escaped {
            value.push(match c {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                other => other,
            });
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some((value, &text[i + 1..]));
        } else {
            value.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_literals_join_home_expressions() {
        assert_eq!(
            path_literals("open(os.path.expanduser('~/.ssh/id_rsa'))"),
            ["~/.ssh/id_rsa"]
        );
        assert_eq!(
            path_literals("(Path.home() / '.ssh' / 'id_rsa').read_text()"),
            ["~/.ssh/id_rsa"]
        );
        assert_eq!(
            path_literals("readFileSync(require('os').homedir() + '/.aws/credentials')"),
            ["~/.aws/credentials"]
        );
        assert_eq!(
            path_literals("open(F, \"$ENV{HOME}/.netrc\")"),
            ["~/.netrc"]
        );
        assert_eq!(
            path_literals("shutil.rmtree('/home/' + 'dev')"),
            ["/home/dev"]
        );
        assert_eq!(path_literals("FileUtils.rm_rf(Dir.home)"), ["~"]);
        assert_eq!(
            path_literals("os.path.join(os.environ['HOME'], '.aws', 'credentials')"),
            ["~/.aws/credentials"]
        );
        assert!(path_literals("print('hello world')").is_empty());
    }

    #[test]
    fn literal_lists_become_command_lines() {
        assert_eq!(
            literal_lists("subprocess.run(['rm', '-rf', '/home/dev'])"),
            ["rm -rf /home/dev"]
        );
    }

    #[test]
    fn the_one_literal_value_code_writes() {
        assert_eq!(
            written_value("open('config/master.key', 'w').write('42e6\\n')"),
            Some(("42e6\n".to_string(), true))
        );
        assert_eq!(
            written_value("open(p, mode=\"a\").write(\"x\")"),
            Some(("x".to_string(), false))
        );
        assert_eq!(
            written_value("require('fs').writeFileSync('/root/.vault-token', 'Kq8v')"),
            Some(("Kq8v".to_string(), true))
        );
        assert_eq!(
            written_value("Path('t').write_text('v', encoding='utf-8')"),
            Some(("v".to_string(), true))
        );
        // Computed, twice, or in a mode not given: not one known value.
        assert_eq!(written_value("open('k', 'w').write('a' + key)"), None);
        assert_eq!(written_value("open('k', 'w').write(f'{key}')"), None);
        assert_eq!(
            written_value("f=open('k','w'); f.write('a'); f.write('b')"),
            None
        );
        assert_eq!(written_value("sys.stdout.write('x')"), None);
        assert_eq!(
            written_value("fs.writeFileSync(path.join(a, b), 'v')"),
            None
        );
    }
}
