//! Invariants, checked on generated inputs:
//! - rewrites that keep a command's meaning never turn a stop (deny or ask) into an allow;
//! - no input makes the decoder or the shell analysis panic.

use proptest::prelude::*;
use std::sync::OnceLock;
use toolgate::gate::Gate;
use toolgate::normalize::{Context, shell};
use toolgate::pack::Decision;
use toolgate::protocol;

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| Gate::load(None, Context::example(), false).expect("built-in packs load"))
}

fn decide(command: &str) -> Option<Decision> {
    let event = serde_json::json!({
        "hook_event_name": "PreToolUse", "cwd": "/home/dev/project", "tool_name": "Bash",
        "tool_input": { "command": command },
    });
    let event = protocol::decode(event.to_string().as_bytes()).unwrap();
    gate().decide(&event).1.decision
}

/// Commands that must stop, as words.
const STOPPED: &[&[&str]] = &[
    &["rm", "-rf", "/"],
    &["rm", "-r", "-f", "~"],
    &["git", "push", "--force", "origin", "main"],
    &["git", "reset", "--hard"],
    &["dd", "if=/dev/zero", "of=/dev/sda"],
    &["cat", "~/.ssh/id_rsa"],
    &["chmod", "-R", "777", "/"],
    &["find", "/", "-delete"],
    &["npm", "publish"],
    &["git", "clean", "-fdx"],
];

#[derive(Debug, Clone)]
enum WordRewrite {
    SingleQuote(usize),
    DoubleQuote(usize),
    SplitQuote(usize),
    Backslash(usize),
    ExtraSpaces,
    SplitFlags,
}

#[derive(Debug, Clone)]
enum LineRewrite {
    Wrapper(&'static str),
    AfterAnd,
    AfterSemicolon,
    BashC,
    Subshell,
    Group,
}

fn word_rewrite() -> impl Strategy<Value = WordRewrite> {
    prop_oneof![
        (0usize..6).prop_map(WordRewrite::SingleQuote),
        (0usize..6).prop_map(WordRewrite::DoubleQuote),
        (0usize..6).prop_map(WordRewrite::SplitQuote),
        (0usize..6).prop_map(WordRewrite::Backslash),
        Just(WordRewrite::ExtraSpaces),
        Just(WordRewrite::SplitFlags),
    ]
}

fn line_rewrite() -> impl Strategy<Value = LineRewrite> {
    prop_oneof![
        prop::sample::select(vec![
            "sudo",
            "env",
            "nice",
            "nohup",
            "timeout 5",
            "command",
            "env X=1",
            "sudo -u root",
            "time",
            "stdbuf -o0"
        ])
        .prop_map(LineRewrite::Wrapper),
        Just(LineRewrite::AfterAnd),
        Just(LineRewrite::AfterSemicolon),
        Just(LineRewrite::BashC),
        Just(LineRewrite::Subshell),
        Just(LineRewrite::Group),
    ]
}

/// Apply word rewrites; `~` is left unquoted (quoting it changes its meaning).
fn rewrite_words(words: &[&str], rewrites: &[WordRewrite]) -> (Vec<String>, String) {
    let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let mut separator = " ".to_string();
    for r in rewrites {
        let pick = |i: &usize, words: &Vec<String>| i % words.len();
        match r {
            WordRewrite::SingleQuote(i) => {
                let i = pick(i, &words);
                if !words[i].contains(['~', '\'', '"', '\\']) {
                    words[i] = format!("'{}'", words[i]);
                }
            }
            WordRewrite::DoubleQuote(i) => {
                let i = pick(i, &words);
                if !words[i].contains(['~', '\'', '"', '\\']) {
                    words[i] = format!("\"{}\"", words[i]);
                }
            }
            WordRewrite::SplitQuote(i) => {
                let i = pick(i, &words);
                let w = words[i].clone();
                if w.len() >= 2 && w.is_ascii() && !w.contains(['~', '\'', '"', '\\']) {
                    words[i] = format!("{}''{}", &w[..1], &w[1..]);
                }
            }
            WordRewrite::Backslash(i) => {
                let i = pick(i, &words);
                let w = words[i].clone();
                if w.starts_with(|c: char| c.is_ascii_alphabetic())
                    && !w.contains(['\'', '"', '\\'])
                {
                    words[i] = format!("\\{w}");
                }
            }
            WordRewrite::ExtraSpaces => separator = "   ".into(),
            WordRewrite::SplitFlags => {
                words = words
                    .into_iter()
                    .flat_map(|w| {
                        let cluster = w.len() > 2
                            && w.len() <= 4
                            && w.starts_with('-')
                            && !w.starts_with("--")
                            && w[1..].chars().all(|c| c.is_ascii_alphabetic());
                        if cluster {
                            w[1..].chars().map(|c| format!("-{c}")).collect()
                        } else {
                            vec![w]
                        }
                    })
                    .collect();
            }
        }
    }
    let line = words.join(&separator);
    (words, line)
}

fn rewrite_line(mut line: String, rewrites: &[LineRewrite]) -> String {
    for r in rewrites {
        line = match r {
            // A wrapper runs a program, not a `( )` or `{ }` group.
            LineRewrite::Wrapper(_) if line.starts_with(['(', '{']) => line,
            LineRewrite::Wrapper(w) => format!("{w} {line}"),
            LineRewrite::AfterAnd => format!("true && {line}"),
            LineRewrite::AfterSemicolon => format!("echo start; {line}"),
            LineRewrite::BashC if !line.contains('\'') => format!("bash -c '{line}'"),
            LineRewrite::BashC => line,
            LineRewrite::Subshell => format!("( {line} )"),
            LineRewrite::Group => format!("{{ {line}; }}"),
        };
    }
    line
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn meaning_preserving_rewrites_never_allow(
        base in 0usize..STOPPED.len(),
        words in prop::collection::vec(word_rewrite(), 0..4),
        lines in prop::collection::vec(line_rewrite(), 0..3),
    ) {
        let original = STOPPED[base].join(" ");
        let before = decide(&original);
        prop_assert!(matches!(before, Some(Decision::Deny | Decision::Ask)), "{original} should stop");
        let (_, line) = rewrite_words(STOPPED[base], &words);
        let rewritten = rewrite_line(line, &lines);
        let after = decide(&rewritten);
        prop_assert!(matches!(after, Some(Decision::Deny | Decision::Ask)),
            "{original:?} ({before:?}) became {after:?} as {rewritten:?}");
        if before == Some(Decision::Deny) {
            prop_assert_eq!(after, Some(Decision::Deny), "a deny weakened: {:?}", rewritten);
        }
    }

    #[test]
    fn and_or_semicolon_are_equivalent_for_the_gate(base in 0usize..STOPPED.len()) {
        let cmd = STOPPED[base].join(" ");
        let with_and = decide(&format!("ls && {cmd}"));
        let with_semicolon = decide(&format!("ls; {cmd}"));
        let with_or = decide(&format!("false || {cmd}"));
        prop_assert_eq!(with_and, with_semicolon);
        prop_assert_eq!(with_and, with_or);
    }

    #[test]
    fn shell_analysis_never_panics(script in "[a-z \\-/'\"$(){}|&;<>`\\\\\\n*?=~#!\\[\\]]{0,80}") {
        let env = shell::Env { cwd: Some("/p".into()), home: Some("/h".into()), tmpdir: "/tmp".into(), programs: toolgate::pack::builtin_programs(), disk: Default::default() };
        let _ = shell::analyze(&script, &env);
    }

    /// The effect model's other readers: PowerShell, planted files, glob overlap, SQL
    /// classification, interpreter code (issue 8). Arbitrary text, any Unicode.
    #[test]
    fn effect_readers_never_panic(text in "\\PC{0,120}", path in "[/a-z.~*?\\[\\]{}!]{0,24}") {
        let env = shell::Env { cwd: Some("/p".into()), home: Some("/h".into()), tmpdir: "/tmp".into(), programs: toolgate::pack::builtin_programs(), disk: Default::default() };
        let _ = shell::analyze_powershell(&text, &env);
        let _ = shell::analyze_planted(&text, "planted in /h/.bashrc", &env);
        let _ = toolgate::normalize::planted::code_in(&format!("/h/{path}"), &text);
        let _ = toolgate::normalize::planted::code_in("/p/package.json", &text);
        let _ = toolgate::normalize::planted::code_in("/etc/cron.d/x", &text);
        let _ = toolgate::pack::overlap::overlaps(&path, &text);
        let _ = toolgate::pack::overlap::overlaps(&text, &path);
        let _ = shell::analyze(&format!("python3 -c {text:?}; awk {text:?}; sed {text:?} f"), &env);
        // Issue 30's readers: folded concatenations and argument lists in other languages,
        // cmd's lines, variables that run code, shell escapes, settings files that plant.
        let _ = shell::analyze(
            &format!("node -e {text:?}; perl -e {text:?}; cmd.exe /c {text:?}; gdb -ex {text:?}; NODE_OPTIONS={text:?} PERL5OPT={text:?} LESSOPEN={text:?} less x; env {text:?}"),
            &env,
        );
        for file in [
            "/h/.local/lib/python3/site-packages/x.pth",
            "/p/.devcontainer/devcontainer.json",
            "/p/.github/workflows/ci.yml",
            "/h/.aws/config",
            "/p/.npmrc",
            "/h/.local/bin/git",
            "/p/conftest.py",
        ] {
            let _ = toolgate::normalize::planted::code_in(file, &text);
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = protocol::decode(&bytes);
    }

    #[test]
    fn decoding_arbitrary_json_never_panics(json in "[{}\\[\\]\":,a-z0-9 _]{0,120}") {
        let _ = protocol::decode(json.as_bytes());
    }
}
