//! Policy layers below the managed one: the user's (`$XDG_CONFIG_HOME/toolgate/policy.toml`)
//! and the project's (`.toolgate.toml` at the project root, found from the call's working
//! directory). They may only ADD restrictions: more pack files (more rules), a required or
//! synced journal. Anything that would disable, weaken or shadow what a higher layer set
//! (`disable`, `disable_rules`, `[vars]`, `[limits]`, allowlists, program descriptions, a
//! pack id already in use) is refused: ignored at run time and reported by `toolgate lint`.
//! A project policy is written by whoever controls the repository, which may be the agent.

use crate::pack::schema::{self, Doc, Table};
use crate::pack::{Diagnostic, Pack};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What a lower layer adds, and what it tried that was refused.
#[derive(Debug, Default)]
pub struct Lower {
    pub packs: Vec<Pack>,
    pub refused: Vec<Diagnostic>,
    pub journal_required: bool,
    pub journal_fsync: bool,
}

/// The user policy: `TOOLGATE_USER_POLICY`, else `$XDG_CONFIG_HOME/toolgate/policy.toml`,
/// else `~/.config/toolgate/policy.toml`; only if it exists.
pub fn user_policy_path() -> Option<PathBuf> {
    let path = crate::deployment::current()
        .var("TOOLGATE_USER_POLICY")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CONFIG_HOME")
                .filter(|v| !v.is_empty())
                .map(|c| PathBuf::from(c).join("toolgate/policy.toml"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/toolgate/policy.toml"))
        })?;
    path.is_file().then_some(path)
}

/// The project policy: `.toolgate.toml` in `cwd` or the nearest folder above it.
pub fn project_policy_path(cwd: &str) -> Option<PathBuf> {
    let mut dir = Some(Path::new(cwd));
    for _ in 0..64 {
        let d = dir?;
        let candidate = d.join(".toolgate.toml");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Read a lower layer: `kind` is `user` or `project`; `taken` are the pack ids in use.
pub fn read(
    file: &Path,
    kind: &'static str,
    options: &schema::Options,
    taken: &HashSet<String>,
) -> Lower {
    let mut out = Lower::default();
    let name = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            out.refused.push(refusal(
                &name,
                0,
                format!("cannot read the {kind} policy: {e}"),
            ));
            return out;
        }
    };
    let mut doc = Doc::new(&name, &text);
    let Some(root) = doc.parse() else {
        out.refused.extend(doc.diagnostics);
        return out;
    };
    let top = Table::new(root.get_ref(), root.span(), "the top level");
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files: Vec<PathBuf> = Vec::new();
    for (key, value) in top.entries() {
        let line = doc.location(&value.span()).line;
        let ignored = |what: &str| {
            refusal(
                &name,
                line,
                format!(
                    "a {kind} policy may only add restrictions: {what} is ignored (only the managed policy can set it)"
                ),
            )
        };
        match key {
            "packs" => {
                let toml::de::DeValue::Table(t) = value.get_ref() else {
                    continue;
                };
                for (k, v) in t.iter() {
                    match k.get_ref().as_ref() {
                        "files" => {
                            if let Some(list) = schema::strings_of(&mut doc, "files", v) {
                                files.extend(list.into_iter().map(|f| base.join(f)));
                            }
                        }
                        other => out.refused.push(ignored(&format!("`[packs] {other}`"))),
                    }
                }
            }
            "journal" => {
                let toml::de::DeValue::Table(t) = value.get_ref() else {
                    continue;
                };
                for (k, v) in t.iter() {
                    let on = matches!(v.get_ref(), toml::de::DeValue::Boolean(true));
                    match (k.get_ref().as_ref(), on) {
                        ("required", true) => out.journal_required = true,
                        ("fsync", true) => out.journal_fsync = true,
                        (other, _) => out
                            .refused
                            .push(ignored(&format!("`[journal] {other}` other than true"))),
                    }
                }
            }
            other => out.refused.push(ignored(&format!("`{other}`"))),
        }
    }
    out.refused.extend(doc.diagnostics);
    for pack_file in files {
        let pack_name = pack_file.display().to_string();
        let Ok(text) = std::fs::read_to_string(&pack_file) else {
            out.refused.push(refusal(
                &pack_name,
                0,
                format!("cannot read pack file of the {kind} policy"),
            ));
            continue;
        };
        let source = crate::pack::cache::Source::File(&pack_file);
        let (pack, diagnostics) =
            crate::pack::load::read_pack_lean(&pack_name, &text, options, source);
        if !diagnostics.is_empty() {
            out.refused.extend(diagnostics);
            continue;
        }
        let Some(mut pack) = pack else { continue };
        if taken.contains(&pack.id) || out.packs.iter().any(|p| p.id == pack.id) {
            out.refused.push(refusal(
                &pack_name,
                1,
                format!(
                    "pack id `{}` is already in use: a {kind} pack cannot replace it (ignored)",
                    pack.id
                ),
            ));
            continue;
        }
        if !pack.programs.is_empty() {
            out.refused.push(refusal(
                &pack_name,
                1,
                format!("a {kind} pack cannot describe programs (they decide what commands do): its [programs] are ignored"),
            ));
            pack.programs.clear();
        }
        pack.layer = kind;
        out.packs.push(pack);
    }
    out
}

fn refusal(file: &str, line: usize, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line,
        column: 1,
        message,
    }
}
