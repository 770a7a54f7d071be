//! Build-time work the hook would otherwise repeat on every call: the built-in packs are
//! stripped of their examples, and the program table's entries and aliases are indexed into
//! sorted static tables (binary search at run time, nothing to build per process). Also what
//! `--version` says about the build.

#[path = "src/pack/text.rs"]
#[allow(dead_code)]
mod text;

use std::fmt::Write as _;
use std::path::Path;

/// What `toolgate --version` says besides the version, so a help desk can tell builds
/// apart: the commit built, how the C library is linked (a static build reads accounts
/// through NSS modules only if they match it: see the README), and the profile.
fn build_description() {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // Rebuilt when the checked-out commit changes (HEAD, or the branch it points to).
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let dir = Path::new(&dir);
        println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", dir.join(head).display());
        }
    }
    println!("cargo:rerun-if-env-changed=TOOLGATE_COMMIT");
    let commit = std::env::var("TOOLGATE_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".into());
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let linking = if features.split(',').any(|f| f == "crt-static") {
        "static"
    } else {
        "dynamic"
    };
    let profile = std::env::var("PROFILE").unwrap_or_default();
    println!("cargo:rustc-env=TOOLGATE_BUILD=commit {commit}, {linking}, {profile}");
}

fn main() {
    build_description();
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/pack/text.rs");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut files: Vec<String> = std::fs::read_dir("rules")
        .expect("rules/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    let mut code = String::from(
        "/// A built-in pack's text without its examples (stripped at build time).\n\
         pub fn lean_builtin(file: &str) -> Option<&'static str> {\n    match file {\n",
    );
    for name in &files {
        let text = std::fs::read_to_string(Path::new("rules").join(name)).expect("pack text");
        let lean = text::strip_examples(&text);
        let out = Path::new(&out_dir).join(format!("lean-{name}"));
        std::fs::write(&out, lean.as_bytes()).expect("OUT_DIR is writable");
        writeln!(
            code,
            "        \"rules/{name}\" => Some(include_str!({:?})),",
            out.display().to_string()
        )
        .unwrap();
    }
    code.push_str("        _ => None,\n    }\n}\n");

    let programs = std::fs::read_to_string("rules/programs.toml").expect("program table");
    let mut entries = text::split_entries(&programs);
    // In file order, so the first entry naming an alias wins, as when the table is read whole.
    let mut aliases: Vec<(String, String)> = Vec::new();
    for (name, range) in &entries {
        for alias in text::entry_aliases(name, &programs[range.clone()]) {
            aliases.push((alias, name.clone()));
        }
    }
    aliases.sort_by(|a, b| a.0.cmp(&b.0));
    aliases.dedup_by(|later, first| later.0 == first.0);
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.dedup_by(|later, first| later.0 == first.0);
    code.push_str(
        "/// rules/programs.toml's entries: (lower-case name, byte range), sorted by name.\n\
         pub const PROGRAM_ENTRIES: &[(&str, u32, u32)] = &[\n",
    );
    for (name, range) in &entries {
        writeln!(code, "    ({name:?}, {}, {}),", range.start, range.end).unwrap();
    }
    code.push_str(
        "];\n/// (alias as looked up, canonical name), sorted by alias.\n\
         pub const PROGRAM_ALIASES: &[(&str, &str)] = &[\n",
    );
    for (alias, name) in &aliases {
        writeln!(code, "    ({alias:?}, {name:?}),").unwrap();
    }
    code.push_str("];\n");
    std::fs::write(Path::new(&out_dir).join("builtin.rs"), code).expect("OUT_DIR is writable");
}
