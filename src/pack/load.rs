//! Reading packs for the hook: from the pack cache when it holds the text, else without
//! their examples when that reads cleanly, else whole; and the checks across a set of packs.

use super::schema;
use super::{Diagnostic, Location, Pack};
use std::collections::HashMap;

/// A pack read for the hook: from the pack cache when it holds this text, else without its
/// examples when that reads cleanly (they can be most of the text), else whole, so
/// stripping never changes what loads or the errors reported; `strict` reads it whole.
pub fn read_pack_lean(
    file: &str,
    text: &str,
    options: &schema::Options,
    source: crate::pack::cache::Source,
) -> (Option<Pack>, Vec<Diagnostic>) {
    if options.strict {
        return schema::read_pack(file, text, options);
    }
    let salt = crate::pack::cache::Salt {
        ctx: options.ctx,
        vars: options.vars,
    };
    let cache = crate::pack::cache::Cache::open(&salt).filter(|_| source.may_be_cached());
    let Some(cache) = cache else {
        return read_pack_text(file, text, options);
    };
    let key = match source {
        // Compiled into the binary, whose identity is in every key: hashing the text again
        // (about 0.1 ms for the built-in packs) would add nothing.
        crate::pack::cache::Source::BuiltIn => cache.key(file, ""),
        crate::pack::cache::Source::File(_) => cache.key(file, text),
    };
    if let Some(pack) = cache.get(&key) {
        return (Some(pack), Vec::new());
    }
    let (pack, d) = read_pack_text(file, text, options);
    if let Some(pack) = &pack
        && d.is_empty()
    {
        cache.put(&key, pack);
    }
    (pack, d)
}

fn read_pack_text(
    file: &str,
    text: &str,
    options: &schema::Options,
) -> (Option<Pack>, Vec<Diagnostic>) {
    if !options.strict
        && let std::borrow::Cow::Owned(lean) = crate::pack::text::strip_examples(text)
    {
        let (pack, d) = schema::read_pack(file, &lean, options);
        if d.is_empty() {
            return (pack, d);
        }
    }
    schema::read_pack(file, text, options)
}

/// Pack ids, rule ids and program specs must each be defined once.
pub fn check_unique(packs: &[Pack]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut pack_ids: HashMap<&str, &str> = HashMap::new();
    let mut rule_ids: HashMap<&str, &Location> = HashMap::new();
    let mut programs: HashMap<&str, &Location> = HashMap::new();
    for pack in packs {
        if let Some(first) = pack_ids.insert(&pack.id, &pack.file) {
            out.push(Diagnostic {
                file: pack.file.clone(),
                line: 1,
                column: 1,
                message: format!("pack id `{}` is already used by {first}", pack.id),
            });
        }
        for rule in &pack.rules {
            if let Some(first) = rule_ids.insert(&rule.id, &rule.location) {
                out.push(rule.location.diagnostic(format!(
                    "duplicate rule id `{}` (first defined at {}:{})",
                    rule.id, first.file, first.line
                )));
            }
        }
        for spec in &pack.programs {
            if let Some(first) = programs.insert(&spec.name, &spec.location) {
                out.push(spec.location.diagnostic(format!(
                    "program `{}` is already described at {}:{}",
                    spec.name, first.file, first.line
                )));
            }
        }
    }
    out
}
