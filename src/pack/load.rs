//! Reading packs for the hook: from the pack cache when it holds the text, else without
//! their examples when that reads cleanly, else whole; and the checks across a set of packs.

use super::schema;
use super::{Diagnostic, Location, Pack};
use sha2::{Digest, Sha256};
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
    let cache = crate::pack::cache::Cache::for_source(&salt, source);
    let Some(cache) = cache else {
        crate::pack::cache::tally(None);
        return read_pack_text(file, text, options);
    };
    let (key, digest) = match source {
        // Compiled into the binary, whose identity is in every key: hashing the text again
        // (about 0.1 ms for the built-in packs) would add nothing.
        crate::pack::cache::Source::BuiltIn => (cache.key(file, b""), [0; 32]),
        crate::pack::cache::Source::File(_) => {
            let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
            (cache.key(file, &digest), digest)
        }
    };
    if let Some((pack, _)) = cache.get(&key) {
        crate::pack::cache::tally(Some(&cache));
        return (Some(pack), Vec::new());
    }
    crate::pack::cache::tally(None);
    let (pack, d) = read_pack_text(file, text, options);
    if let Some(pack) = &pack
        && d.is_empty()
    {
        cache.put(&key, pack, &digest);
    }
    (pack, d)
}

/// A pack file read for a policy: the pack, its problems and the SHA-256 of its text (for
/// the policy's revision). An unchanged file is found in the pack cache by its file-system
/// times, without reading or hashing it; otherwise by its text's digest, as
/// [`read_pack_lean`] does. `Err` when the file cannot be read.
pub fn read_pack_file(
    path: &std::path::Path,
    options: &schema::Options,
) -> std::io::Result<(Option<Pack>, Vec<Diagnostic>, [u8; 32])> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let source = crate::pack::cache::Source::File(path);
    let cache = (!options.strict)
        .then(|| {
            crate::pack::cache::Cache::for_source(
                &crate::pack::cache::Salt {
                    ctx: options.ctx,
                    vars: options.vars,
                },
                source,
            )
        })
        .flatten();
    let mut file = std::fs::File::open(path)?;
    let before = file.metadata()?;
    let stat_key = cache.as_ref().map(|c| c.stat_key(&name, &before));
    if let (Some(cache), Some(key)) = (&cache, &stat_key)
        && let Some((pack, digest)) = cache.get(key)
    {
        crate::pack::cache::tally(Some(cache));
        return Ok((Some(pack), Vec::new(), digest));
    }
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    let Some(cache) = cache else {
        let (pack, d) = match options.strict {
            true => schema::read_pack(&name, &text, options),
            false => {
                crate::pack::cache::tally(None);
                read_pack_text(&name, &text, options)
            }
        };
        return Ok((pack, d, digest));
    };
    let key = cache.key(&name, &digest);
    let settled = || {
        file.metadata()
            .is_ok_and(|after| crate::pack::cache::settled(&before, &after))
    };
    if let Some((pack, _)) = cache.get(&key) {
        crate::pack::cache::tally(Some(&cache));
        if let Some(stat_key) = stat_key
            && settled()
        {
            cache.copy(&key, &stat_key);
        }
        return Ok((Some(pack), Vec::new(), digest));
    }
    crate::pack::cache::tally(None);
    let (pack, d) = read_pack_text(&name, &text, options);
    if let Some(pack) = &pack
        && d.is_empty()
    {
        cache.put(&key, pack, &digest);
        if let Some(stat_key) = stat_key
            && settled()
        {
            cache.put(&stat_key, pack, &digest);
        }
    }
    Ok((pack, d, digest))
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
    // A rule's id starts with its pack's, and a pack's deferred rules were checked among
    // themselves when it was cached: they can clash only when two packs share an id.
    let mut seen = std::collections::HashSet::new();
    let pack_ids_clash = !packs.iter().all(|p| seen.insert(p.id.as_str()));
    for pack in packs {
        if let Some(first) = pack_ids.insert(&pack.id, &pack.file) {
            out.push(Diagnostic {
                file: pack.file.clone(),
                line: 1,
                column: 1,
                message: format!("pack id `{}` is already used by {first}", pack.id),
            });
        }
        let deferred = match &pack.deferred {
            Some(d) if pack_ids_clash => d.all().unwrap_or_default(),
            _ => &[],
        };
        for rule in pack.rules.iter().chain(deferred) {
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
