//! What runs before and around the parser: inputs refused before parsing (too long, too
//! deeply nested, hazardous heredocs and fd numbers), the parser itself on a bounded thread
//! with its panics caught, and the repair of an input it could not read.

use super::*;

pub(super) fn refuse_before_parsing(script: &str) -> Option<Note> {
    let too_complex = |detail: String| {
        Some(Note {
            kind: NoteKind::TooComplex,
            detail,
        })
    };
    if script.len() > MAX_SCRIPT_BYTES {
        return too_complex(format!("command is longer than {MAX_SCRIPT_BYTES} bytes"));
    }
    let parens = paren_depth(script);
    if parens > MAX_PAREN_NESTING {
        return too_complex(format!(
            "command nests parentheses {parens} deep (limit {MAX_PAREN_NESTING})"
        ));
    }
    let depth = nesting_depth(script);
    if depth > MAX_NESTING {
        return too_complex(format!(
            "command nests {depth} levels deep (limit {MAX_NESTING})"
        ));
    }
    if has_hazardous_heredoc(script) {
        return too_complex("heredoc delimiter that the parser cannot handle safely".into());
    }
    if has_oversized_fd_number(script) {
        return too_complex("a redirection's file descriptor number is too large".into());
    }
    None
}

/// `99999999999>x`: brush-parser 0.4.0 unwraps the fd number as an i32 and panics (found by
/// cargo fuzz). Bash itself rejects such numbers.
pub(super) fn has_oversized_fd_number(script: &str) -> bool {
    let bytes = script.as_bytes();
    let mut run = 0usize;
    for &b in bytes {
        if b.is_ascii_digit() {
            run += 1;
        } else {
            if run > 9 && (b == b'<' || b == b'>') {
                return true;
            }
            run = 0;
        }
    }
    false
}

/// Quote-aware upper estimate of nesting: groups, substitutions and compound commands.
pub fn nesting_depth(script: &str) -> usize {
    scan_nesting(script).0
}

/// Deepest nesting of `(` alone: brush-parser's time grows about twofold per level (it
/// tries arithmetic and subshell readings; found by cargo fuzz), so this bound is tighter.
pub fn paren_depth(script: &str) -> usize {
    scan_nesting(script).1
}

pub(super) fn scan_nesting(script: &str) -> (usize, usize) {
    let bytes = script.as_bytes();
    let mut max_paren = 0usize;
    // Contexts: b'(' paren/substitution, b'{' brace, b'"' double quote, b'`' backtick,
    // b'k' compound keyword (if/while/until/for/case/select).
    let mut stack: Vec<u8> = Vec::new();
    let mut max = 0usize;
    let mut command_position = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let in_double = stack.last() == Some(&b'"');
        if in_double {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'`' => stack.push(b'`'),
                b'$' if matches!(bytes.get(i + 1), Some(b'(') | Some(b'{')) => {
                    stack.push(bytes[i + 1]);
                    i += 1;
                }
                _ => {}
            }
        } else {
            match b {
                b'\\' => i += 1,
                b'\'' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'\'' {
                        i += 1;
                    }
                }
                b'"' => stack.push(b'"'),
                b'(' | b'{' => {
                    stack.push(b);
                    command_position = true;
                }
                b')' | b'}' => {
                    let open = if b == b')' { b'(' } else { b'{' };
                    if stack.last() == Some(&open) {
                        stack.pop();
                    }
                }
                b'`' => {
                    if stack.last() == Some(&b'`') {
                        stack.pop();
                    } else {
                        stack.push(b'`');
                    }
                }
                b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    command_position = true;
                }
                b';' | b'&' | b'|' | b'\n' => command_position = true,
                b if b.is_ascii_whitespace() => {}
                _ => {
                    let start = i;
                    while i < bytes.len()
                        && !bytes[i].is_ascii_whitespace()
                        && !b";&|()<>'\"`\\{}".contains(&bytes[i])
                    {
                        i += 1;
                    }
                    if i == start {
                        // A redirection or other operator byte.
                        i += 1;
                        command_position = false;
                        continue;
                    }
                    // Bytes, not str: a backslash may have skipped into the middle of a
                    // multi-byte character (found by fuzzing).
                    let word = &bytes[start..i];
                    if command_position {
                        match word {
                            b"if" | b"while" | b"until" | b"for" | b"case" | b"select" => {
                                stack.push(b'k')
                            }
                            b"fi" | b"done" | b"esac" if stack.last() == Some(&b'k') => {
                                stack.pop();
                            }
                            _ => {}
                        }
                    }
                    command_position = matches!(
                        word,
                        b"then"
                            | b"do"
                            | b"else"
                            | b"elif"
                            | b"if"
                            | b"while"
                            | b"until"
                            | b"!"
                            | b"time"
                    );
                    max = max.max(stack.len());
                    continue;
                }
            }
        }
        max = max.max(stack.len());
        max_paren = max_paren.max(stack.iter().filter(|c| **c == b'(').count());
        i += 1;
    }
    (max, max_paren)
}

/// `<<""`, `<<''` and `<<$(` make brush-parser 0.4.0 loop forever while allocating.
pub(super) fn has_hazardous_heredoc(script: &str) -> bool {
    let bytes = script.as_bytes();
    let mut from = 0;
    while let Some(pos) = script[from..].find("<<") {
        let mut i = from + pos + 2;
        from = i;
        if bytes.get(i) == Some(&b'<') {
            from = i + 1;
            continue;
        }
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        while matches!(bytes.get(i), Some(b' ') | Some(b'\t')) {
            i += 1;
        }
        let rest = &script[i.min(script.len())..];
        if rest.starts_with("\"\"") || rest.starts_with("''") {
            return true;
        }
        // A delimiter is a plain word (`EOF`, `'EOF'`, `"EOF"`, `\EOF`); anything else
        // (`$(`, control characters, operators, nothing at all) has made the parser loop
        // forever (found by cargo fuzz: `<<\r<\r#...`).
        let plain = rest.bytes().next().is_some_and(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\'' | b'"' | b'\\' | b'-' | b'.')
        });
        if !plain {
            return true;
        }
    }
    false
}

pub(super) fn parser_options() -> brush_parser::ParserOptions {
    brush_parser::ParserOptions::default()
}

pub(super) fn parse(code: &str) -> Result<ast::Program, String> {
    if let Some(at) = substitution_in_heredoc_tag(code) {
        return Err(format!(
            "a here-document delimiter at byte {at} holds a command substitution (not parsed: the parser does not end on it)"
        ));
    }
    guarded(|| {
        let mut parser = brush_parser::Parser::new(std::io::Cursor::new(code), &parser_options());
        parser.parse_program().map_err(|e| e.to_string())
    })
    .unwrap_or_else(|| Err(PARSER_PANIC.to_string()))
}

/// Where a here-document's delimiter word (`<<TAG`, `<<-TAG`) holds `$(` or a backtick.
/// brush-parser 0.4.0 allocates without end on `cat <<A$( (#` (about 1 GB a second, found
/// by cargo fuzz); no real delimiter looks like that, so such text is left unparsed.
pub(super) fn substitution_in_heredoc_tag(code: &str) -> Option<usize> {
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(found) = code[i..].find("<<") {
        let start = i + found + 2;
        i = start;
        if bytes.get(start) == Some(&b'<') {
            i += 1;
            continue;
        }
        let mut j = start;
        if bytes.get(j) == Some(&b'-') {
            j += 1;
        }
        while matches!(bytes.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        let tag_end = code[j..]
            .find([' ', '\t', '\n', ';', '&', '|', '<', '>'])
            .map_or(code.len(), |e| j + e);
        let tag = &code[j..tag_end];
        if tag.contains("$(") || tag.contains('`') {
            return Some(start - 2);
        }
    }
    None
}

/// What a caught parser panic is reported as.
pub(super) const PARSER_PANIC: &str = "the shell parser failed on this input";

thread_local! {
    static IN_PARSER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run a brush-parser call, turning a panic inside it into `None`. brush-parser 0.4.0
/// unwraps numbers it parsed (`888…8>x`, `~555…5`, found by cargo fuzz); a panic there
/// must not take the gate down.
pub(super) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    IN_PARSER.with(|flag| flag.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_PARSER.with(|flag| flag.set(false));
    result.ok()
}

/// Is this thread inside a guarded parser call? Panic hooks stay quiet then.
pub fn in_parser() -> bool {
    IN_PARSER.with(|flag| flag.get())
}

/// Wrap the current panic hook so panics inside guarded parser calls are left to
/// `catch_unwind` (no message, no exit). Call after installing any other hook.
pub fn guard_parser_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !in_parser() {
            previous(info);
        }
    }));
}

/// A command cut short (an unterminated quote, a missing `fi`) still shows what it would
/// run: close what is open and parse again.
pub(super) fn repair(code: &str) -> Option<ast::Program> {
    for suffix in ["'", "\"", ")", "'\"", "\"'", "}", "\nfi", "\ndone", "`"] {
        if let Ok(program) = parse(&format!("{code}{suffix}")) {
            return Some(program);
        }
    }
    None
}
