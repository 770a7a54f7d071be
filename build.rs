//! Build-time work the hook would otherwise repeat on every call: the built-in packs are
//! stripped of their examples, and the program table's entries and aliases are indexed into
//! sorted static tables (binary search at run time, nothing to build per process).

#[path = "src/pack/text.rs"]
#[allow(dead_code)]
mod text;

use std::fmt::Write as _;
use std::path::Path;

fn main() {
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
