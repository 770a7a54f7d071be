//! Arbitrary text as a Bash command, through the same guards the hook uses (length and
//! nesting bounds, hazardous heredocs refused): the analysis must never panic or overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use toolgate::normalize::shell;

fuzz_target!(|data: &[u8]| {
    static GUARD: std::sync::Once = std::sync::Once::new();
    GUARD.call_once(toolgate::normalize::shell::guard_parser_panics);
    let Ok(script) = std::str::from_utf8(data) else { return };
    let env = shell::Env { cwd: Some("/p".into()), home: Some("/h".into()), tmpdir: "/tmp".into(), programs: toolgate::pack::builtin_programs(), disk: Default::default() };
    shell::parse_inline();
    let _ = shell::analyze(script, &env);
    // The effect model's other readers (issue 8).
    let _ = shell::analyze_powershell(script, &env);
    let _ = toolgate::normalize::planted::code_in("/h/.git/config", script);
    let _ = toolgate::normalize::planted::code_in("/p/package.json", script);
    if let Some((a, b)) = script.split_once('\n') {
        let _ = toolgate::pack::overlap::overlaps(a, b);
    }
});
