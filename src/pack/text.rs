//! Text-level reading of pack files that needs no TOML parser: dropping `[rule.examples]`
//! tables (the hook never runs examples) and indexing the program table's entries.
//!
//! Plain `std` only: build.rs includes this file too, so the built-in packs are stripped
//! and the program table indexed once at build time instead of on every hook call.

/// A pack without its `[rule.examples]` tables. A table ends at the next line that opens
/// any other table. Stripping is refused (the text comes back whole) when an examples table
/// holds a multi-line string, whose lines could look like headers; the caller parses the
/// whole text again if the stripped one does not read cleanly.
pub fn strip_examples(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("[rule.examples]") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() / 2);
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        let head = line.trim();
        if head == "[rule.examples]" {
            skipping = true;
            continue;
        }
        if skipping && head.starts_with('[') {
            skipping = false;
        }
        if skipping {
            if line.contains("\"\"\"") || line.contains("'''") {
                return std::borrow::Cow::Borrowed(text);
            }
            continue;
        }
        out.push_str(line);
    }
    std::borrow::Cow::Owned(out)
}

/// `[programs.NAME]` / `[programs."NAME"]` entries of a table file, by lower-case name,
/// each with its byte range (header included) up to the next header.
pub fn split_entries(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed.starts_with('[') {
            if let Some((name, start)) = current.take() {
                out.push((name, start..offset));
            }
            if let Some(name) = trimmed
                .strip_prefix("[programs.")
                .and_then(|r| r.strip_suffix(']'))
            {
                current = Some((name.trim_matches('"').to_ascii_lowercase(), offset));
            }
        }
        offset += line.len();
    }
    if let Some((name, start)) = current {
        out.push((name, start..text.len()));
    }
    out
}

/// The `aliases = [...]` of an entry, without parsing the rest, each as the full name a
/// command is looked up by (`npm pub` for alias `pub` of `npm publish`).
pub fn entry_aliases(name: &str, entry: &str) -> Vec<String> {
    let parent = name.rsplit_once(' ').map(|(parent, _)| parent);
    entry
        .lines()
        .filter_map(|l| l.trim().strip_prefix("aliases"))
        .filter_map(|r| r.trim_start().strip_prefix('='))
        .flat_map(|list| {
            list.split('"')
                .skip(1)
                .step_by(2)
                .map(|w| w.to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .map(|alias| match parent {
            Some(parent) => format!("{parent} {alias}"),
            None => alias,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_examples_table_ends_at_any_other_table() {
        let pack = "[[rule]]\nname = \"a\"\n[rule.examples]\nhit = [\"x\"]\n[[rule.match]]\nprogram = \"rm\"\n";
        assert_eq!(
            strip_examples(pack),
            "[[rule]]\nname = \"a\"\n[[rule.match]]\nprogram = \"rm\"\n"
        );
    }

    #[test]
    fn a_multi_line_string_in_examples_keeps_the_text_whole() {
        let pack = "[[rule]]\n[rule.examples]\nhit = [\"\"\"\n[[rule.match]]\n\"\"\"]\n";
        assert!(matches!(
            strip_examples(pack),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn entries_and_aliases_are_indexed_by_full_name() {
        let table = "[pack]\nid = \"p\"\n[programs.\"NPM publish\"]\naliases = [\"pub\"]\n[programs.rm]\nflags = []\n";
        let entries = split_entries(table);
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["npm publish", "rm"]);
        assert!(table[entries[0].1.clone()].starts_with("[programs.\"NPM publish\"]"));
        assert!(table[entries[1].1.clone()].ends_with("flags = []\n"));
        assert_eq!(
            entry_aliases("npm publish", &table[entries[0].1.clone()]),
            ["npm pub"]
        );
    }
}
