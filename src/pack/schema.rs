//! Reading pack files. The TOML is parsed with spans and walked by hand (not deserialised)
//! so that every problem is reported at once, each with file:line:column, and unknown keys
//! are errors that list the keys allowed there.

use super::*;
use crate::detect::secrets::Validator;
use crate::normalize::Context;
use crate::normalize::programs::{ArgSel, EffectSpec, RunSpec, SqlSpec};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A TOML document being read, collecting diagnostics.
pub struct Doc<'t> {
    pub file: String,
    text: &'t str,
    line_starts: Vec<usize>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'t> Doc<'t> {
    pub fn new(file: &str, text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file: file.to_string(),
            text,
            line_starts,
            diagnostics: Vec::new(),
        }
    }

    pub fn location(&self, span: &Range<usize>) -> Location {
        let offset = span.start.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let column = self.text[self.line_starts[line - 1]..offset]
            .chars()
            .count()
            + 1;
        Location {
            file: self.file.clone(),
            line,
            column,
        }
    }

    pub fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let d = self.location(span).diagnostic(message);
        self.diagnostics.push(d);
    }

    /// Parse the text; syntax errors become diagnostics (all of them).
    pub fn parse(&mut self) -> Option<Spanned<DeTable<'t>>> {
        let (table, errors) = DeTable::parse_recoverable(self.text);
        let failed = !errors.is_empty();
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            self.error(&span, format!("TOML syntax: {}", e.message().trim()));
        }
        (!failed).then_some(table)
    }
}

/// One TOML table being read: remembers which keys were asked for, to reject the rest.
pub struct Table<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Range<usize>,
    name: String,
    asked: Vec<&'static str>,
}

pub type Value<'a, 'i> = &'a Spanned<DeValue<'i>>;

impl<'a, 'i> Table<'a, 'i> {
    pub fn new(table: &'a DeTable<'i>, span: Range<usize>, name: impl Into<String>) -> Self {
        Self {
            table,
            span,
            name: name.into(),
            asked: Vec::new(),
        }
    }

    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    pub fn get(&mut self, key: &'static str) -> Option<Value<'a, 'i>> {
        self.asked.push(key);
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    pub fn string(&mut self, doc: &mut Doc, key: &'static str) -> Option<String> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                doc.error(
                    &v.span(),
                    format!("`{key}` must be a string, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub fn required_string(&mut self, doc: &mut Doc, key: &'static str) -> Option<String> {
        let present = self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key);
        if !present {
            self.asked.push(key);
            doc.error(&self.span, format!("{} is missing `{key}`", self.name));
            return None;
        }
        self.string(doc, key)
    }

    /// A string or an array of strings.
    pub fn strings(&mut self, doc: &mut Doc, key: &'static str) -> Option<Vec<String>> {
        let v = self.get(key)?;
        strings_of(doc, key, v)
    }

    /// A string that must be one of `allowed`; the error points at the value.
    pub fn choice(
        &mut self,
        doc: &mut Doc,
        key: &'static str,
        allowed: &[&'static str],
    ) -> Option<&'static str> {
        let v = self.get(key)?;
        let found = match v.get_ref() {
            DeValue::String(s) => s.to_string(),
            other => other.type_str().to_string(),
        };
        let choice = allowed.iter().find(|a| **a == found).copied();
        if choice.is_none() {
            doc.error(
                &v.span(),
                format!(
                    "`{key}` must be one of {}; found `{found}`",
                    allowed.join(", ")
                ),
            );
        }
        choice
    }

    pub fn boolean(&mut self, doc: &mut Doc, key: &'static str) -> Option<bool> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                doc.error(
                    &v.span(),
                    format!("`{key}` must be true or false, found {}", other.type_str()),
                );
                None
            }
        }
    }

    pub fn number(&mut self, doc: &mut Doc, key: &'static str) -> Option<f64> {
        let v = self.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            DeValue::Integer(i) => i.as_str().parse::<f64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            doc.error(&v.span(), format!("`{key}` must be a number"));
        }
        parsed
    }

    pub fn integer(&mut self, doc: &mut Doc, key: &'static str) -> Option<u64> {
        let v = self.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            _ => None,
        };
        match parsed {
            Some(n) if n >= 0 => Some(n as u64),
            _ => {
                doc.error(&v.span(), format!("`{key}` must be a non-negative integer"));
                None
            }
        }
    }

    pub fn table(&mut self, doc: &mut Doc, key: &'static str) -> Option<Table<'a, 'i>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Table::new(t, v.span(), format!("[{}{key}]", self.prefix()))),
            other => {
                doc.error(
                    &v.span(),
                    format!("`{key}` must be a table, found {}", other.type_str()),
                );
                None
            }
        }
    }

    /// `[[key]]`: an array of tables.
    pub fn tables(&mut self, doc: &mut Doc, key: &'static str) -> Vec<Table<'a, 'i>> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        let name = format!("[[{}{key}]]", self.prefix());
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::Table(t) => Some(Table::new(t, item.span(), name.clone())),
                    other => {
                        doc.error(
                            &item.span(),
                            format!("each `{key}` must be a table, found {}", other.type_str()),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                doc.error(
                    &v.span(),
                    format!(
                        "`{key}` must be an array of tables, found {}",
                        other.type_str()
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Every entry of a table whose keys are free-form (`[programs.NAME]`).
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Value<'a, 'i>)> {
        self.table.iter().map(|(k, v)| (k.get_ref().as_ref(), v))
    }

    fn prefix(&self) -> String {
        let inner = self.name.trim_matches(|c| c == '[' || c == ']');
        if inner.is_empty() || inner.contains(' ') {
            String::new()
        } else {
            format!("{inner}.")
        }
    }

    /// Report every key that was never asked for.
    pub fn finish(self, doc: &mut Doc) {
        for (key, _) in self.table.iter() {
            let k = key.get_ref().as_ref();
            if !self.asked.contains(&k) {
                let mut allowed = self.asked.clone();
                allowed.dedup();
                doc.error(
                    &key.span(),
                    format!(
                        "unknown key `{k}` in {}; expected one of: {}",
                        self.name,
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
}

pub fn strings_of(doc: &mut Doc, key: &str, v: Value) -> Option<Vec<String>> {
    match v.get_ref() {
        DeValue::String(s) => Some(vec![s.to_string()]),
        DeValue::Array(items) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match item.get_ref() {
                    DeValue::String(s) => out.push(s.to_string()),
                    other => doc.error(
                        &item.span(),
                        format!("`{key}` must hold strings, found {}", other.type_str()),
                    ),
                }
            }
            Some(out)
        }
        other => {
            doc.error(
                &v.span(),
                format!(
                    "`{key}` must be a string or an array of strings, found {}",
                    other.type_str()
                ),
            );
            None
        }
    }
}

/// Convert a TOML value to JSON (examples become tool inputs).
pub fn to_json(v: &DeValue) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map(J::from)
            .unwrap_or(J::Null),
        DeValue::Float(f) => f.as_str().parse::<f64>().map(J::from).unwrap_or(J::Null),
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(items) => J::Array(items.iter().map(|i| to_json(i.get_ref())).collect()),
        DeValue::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), to_json(v.get_ref())))
                .collect(),
        ),
    }
}

/// Settings that change how a pack compiles.
pub struct Options<'c> {
    pub ctx: &'c Context,
    /// Compile every pattern while reading, so bad ones are reported with the rest (lint,
    /// test). The hook leaves this off and compiles only what it reaches.
    pub strict: bool,
    /// `{{name}}` values from the policy, by pack id.
    pub vars: &'c HashMap<String, HashMap<String, String>>,
}

/// A pack read as the hook reads it, with the example context and no variables (tests).
#[cfg(test)]
pub fn read_example_pack(file: &str, text: &str) -> (Option<Pack>, Vec<Diagnostic>) {
    let ctx = Context::example();
    let vars = HashMap::new();
    let options = Options {
        ctx: &ctx,
        strict: false,
        vars: &vars,
    };
    read_pack(file, text, &options)
}

/// Read one pack file. `None` if it could not be read at all; diagnostics either way.
pub fn read_pack(file: &str, text: &str, options: &Options) -> (Option<Pack>, Vec<Diagnostic>) {
    let mut doc = Doc::new(file, text);
    let Some(root) = doc.parse() else {
        return (None, doc.diagnostics);
    };
    let mut top = Table::new(root.get_ref(), root.span(), "the top level");
    let mut pack = Pack {
        id: String::new(),
        description: String::new(),
        layer: "built-in",
        file: file.to_string(),
        rules: Vec::new(),
        programs: Vec::new(),
        deferred: None,
    };
    if let Some(mut header) = top.table(&mut doc, "pack") {
        pack.id = header.required_string(&mut doc, "id").unwrap_or_default();
        pack.description = header.string(&mut doc, "description").unwrap_or_default();
        if !pack.id.is_empty() && !is_id(&pack.id) {
            doc.error(
                &header.span(),
                format!(
                    "pack id `{}` must be lower-case letters, digits and `-`",
                    pack.id
                ),
            );
        }
        header.finish(&mut doc);
    } else {
        doc.error(&(0..0), "missing [pack] table with `id`");
    }
    let mut vars: HashMap<String, String> = HashMap::new();
    if let Some(table) = top.table(&mut doc, "vars") {
        for (key, value) in table.entries() {
            match value.get_ref() {
                DeValue::String(s) => {
                    vars.insert(key.to_string(), s.to_string());
                }
                _ => doc.error(&value.span(), format!("var `{key}` must be a string")),
            }
        }
    }
    if let Some(overrides) = options.vars.get(&pack.id) {
        for (k, v) in overrides {
            vars.insert(k.clone(), v.clone());
        }
    }
    if let Some(programs) = top.table(&mut doc, "programs") {
        for (name, value) in programs.entries() {
            let DeValue::Table(t) = value.get_ref() else {
                doc.error(
                    &value.span(),
                    format!("[programs.\"{name}\"] must be a table"),
                );
                continue;
            };
            let table = Table::new(t, value.span(), format!("[programs.\"{name}\"]"));
            pack.programs.push(read_program(&mut doc, name, table));
        }
    }
    let reader = RuleReader {
        pack_id: pack.id.clone(),
        vars,
        places: places(options.ctx),
        strict: options.strict,
    };
    for table in top.tables(&mut doc, "rule") {
        if let Some(rule) = reader.read(&mut doc, table) {
            pack.rules.push(rule);
        }
    }
    top.finish(&mut doc);
    (Some(pack), doc.diagnostics)
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// One `[programs."NAME"]` entry given as its own text (the hook reads the built-in table
/// entry by entry, on first use). `None` if it does not read cleanly; `toolgate test` and
/// `lint` read the whole file strictly, so built-in entries always do.
pub fn read_program_text(name: &str, text: &str) -> Option<ProgramSpec> {
    let mut doc = Doc::new("rules/programs.toml", text);
    let root = doc.parse()?;
    let (_, programs) = root
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref() == "programs")?;
    let DeValue::Table(programs) = programs.get_ref() else {
        return None;
    };
    let (key, value) = programs.iter().next()?;
    let DeValue::Table(t) = value.get_ref() else {
        return None;
    };
    let table = Table::new(t, value.span(), format!("[programs.\"{}\"]", key.get_ref()));
    let spec = read_program(&mut doc, name, table);
    doc.diagnostics.is_empty().then_some(spec)
}

fn read_program(doc: &mut Doc, name: &str, mut t: Table) -> ProgramSpec {
    use crate::normalize::effects::Source;
    let mut spec = ProgramSpec {
        name: name.to_ascii_lowercase(),
        location: doc.location(&t.span()),
        ..Default::default()
    };
    spec.aliases = lower(t.strings(doc, "aliases").unwrap_or_default());
    spec.value_options = t.strings(doc, "value_options").unwrap_or_default();
    spec.flags = t.strings(doc, "flags").unwrap_or_default();
    spec.synonyms = t
        .strings(doc, "synonyms")
        .unwrap_or_default()
        .iter()
        .map(|group| group.split('|').map(str::to_string).collect())
        .collect();
    spec.prints = t
        .choice(doc, "prints", &["operands", "environment"])
        .map(str::to_string);
    spec.dump_flags = t.strings(doc, "dump_flags").unwrap_or_default();
    if let Some(values) = t.table(doc, "code_values") {
        for (option, value) in values.entries() {
            if let Some(prefixes) = strings_of(doc, option, value) {
                spec.code_values.insert(option.to_string(), prefixes);
            }
        }
    }
    spec.lang_options = t.strings(doc, "lang_options").unwrap_or_default();
    spec.code_env = t.strings(doc, "code_env").unwrap_or_default();
    spec.code_prefixes = t.strings(doc, "code_prefixes").unwrap_or_default();
    spec.lang_prefixes = t.strings(doc, "lang_prefixes").unwrap_or_default();
    spec.lang_stdin = t.boolean(doc, "lang_stdin").unwrap_or(false);
    spec.runs_source = t.boolean(doc, "runs_source").unwrap_or(false);
    spec.code_files = t.strings(doc, "code_files").unwrap_or_default();
    if let Some(options) = t.table(doc, "config_options") {
        for (option, value) in options.entries() {
            match value.get_ref() {
                DeValue::String(stands_for) => {
                    spec.config_options
                        .insert(option.to_string(), stands_for.to_string());
                }
                other => doc.error(
                    &value.span(),
                    format!(
                        "`config_options` values are settings file paths, found {}",
                        other.type_str()
                    ),
                ),
            }
        }
    }
    spec.subcommands = t.boolean(doc, "subcommands").unwrap_or(false);
    spec.single_dash_long = t.boolean(doc, "single_dash_long").unwrap_or(false);
    spec.bundled_first = t.boolean(doc, "bundled_first").unwrap_or(false);
    spec.code_options = t.strings(doc, "code_options").unwrap_or_default();
    spec.chdir_options = t.strings(doc, "chdir_options").unwrap_or_default();
    spec.remote_paths = t.boolean(doc, "remote_paths").unwrap_or(false);
    spec.writes = match t.choice(doc, "writes", &["none", "last", "all"]) {
        Some("last") => Writes::Last,
        Some("all") => Writes::All,
        _ => Writes::None,
    };
    spec.output = t
        .choice(doc, "output", &["network", "decoded"])
        .and_then(Source::from_id);
    if let Some(opt) = t.table(doc, "optional_values") {
        for (option, value) in opt.entries() {
            if let Some(words) = strings_of(doc, option, value) {
                spec.optional_values.insert(option.to_string(), words);
            }
        }
    }
    if let Some(v) = t.get("effects") {
        let mut effects = Vec::new();
        match v.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::Table(e) => {
                            let table = Table::new(
                                e,
                                item.span(),
                                format!("an effect of [programs.\"{name}\"]"),
                            );
                            effects.push(read_effect_spec(doc, table));
                        }
                        other => doc.error(
                            &item.span(),
                            format!("each effect is a table, found {}", other.type_str()),
                        ),
                    }
                }
            }
            other => doc.error(
                &v.span(),
                format!(
                    "`effects` must be an array of tables, found {}",
                    other.type_str()
                ),
            ),
        }
        spec.effects = Some(effects);
    }
    if let Some(mut r) = t.table(doc, "runs") {
        spec.runs = Some(RunSpec {
            skip: r.integer(doc, "skip").unwrap_or(0) as usize,
            assignments: r.boolean(doc, "assignments").unwrap_or(false),
            joined: r.boolean(doc, "joined").unwrap_or(false),
            unless: r.strings(doc, "unless").unwrap_or_default(),
            when: r.strings(doc, "when").unwrap_or_default(),
            remote: r.boolean(doc, "remote").unwrap_or(false),
        });
        r.finish(doc);
    }
    if let Some(mut q) = t.table(doc, "sql") {
        let implicit = q.string(doc, "implicit");
        if let Some(k) = &implicit
            && crate::normalize::effects::SqlKind::from_id(k).is_none()
        {
            doc.error(
                &q.span(),
                format!("`implicit` must be a statement kind, not `{k}`"),
            );
        }
        spec.sql = Some(SqlSpec {
            target_options: q.strings(doc, "target_options").unwrap_or_default(),
            target_operands: q.boolean(doc, "target_operands").unwrap_or(false),
            target_env: q.strings(doc, "target_env").unwrap_or_default(),
            statement_options: q.strings(doc, "statement_options").unwrap_or_default(),
            statement_operands: q.boolean(doc, "statement_operands").unwrap_or(false),
            file_options: q.strings(doc, "file_options").unwrap_or_default(),
            stdin: q.boolean(doc, "stdin").unwrap_or(false),
            implicit,
            tasks: q.strings(doc, "tasks").unwrap_or_default(),
            read_options: q.strings(doc, "read_options").unwrap_or_default(),
        });
        q.finish(doc);
    }
    t.finish(doc);
    spec
}

fn lower(words: Vec<String>) -> Vec<String> {
    words.into_iter().map(|w| w.to_ascii_lowercase()).collect()
}

/// The values of `key` (a string or a list), each one of the named `choices`; the error for
/// an unknown one lists them all.
fn one_of<T: Copy>(
    doc: &mut Doc,
    t: &mut Table,
    key: &'static str,
    what: &str,
    choices: &[(&str, T)],
) -> Vec<T> {
    let mut out = Vec::new();
    for word in t.strings(doc, key).unwrap_or_default() {
        match choices.iter().find(|(name, _)| *name == word) {
            Some((_, value)) => out.push(*value),
            None => {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                doc.error(
                    &t.span(),
                    format!(
                        "unknown {what} `{word}`; expected one of: {}",
                        names.join(", ")
                    ),
                );
            }
        }
    }
    out
}

/// `{ kind = "delete", args = "operands", recursive_flags = ["-r"] }`
fn read_effect_spec(doc: &mut Doc, mut t: Table) -> EffectSpec {
    use crate::normalize::effects::{Kind, Source};
    let mut names: Vec<&'static str> = Kind::ALL.iter().map(|k| k.id()).collect();
    names.push("overwrite");
    let kind = t.required_string(doc, "kind");
    let mut spec = EffectSpec::default();
    match kind.as_deref() {
        Some("overwrite") => {
            spec.kind = Some(Kind::Write);
            spec.truncate = true;
        }
        Some(k) => match Kind::from_id(k) {
            Some(kind) => spec.kind = Some(kind),
            None => doc.error(
                &t.span(),
                format!(
                    "unknown effect kind `{k}`; expected one of: {}",
                    names.join(", ")
                ),
            ),
        },
        None => {}
    }
    spec.args = t
        .choice(doc, "args", ArgSel::NAMES)
        .and_then(ArgSel::from_name)
        .unwrap_or_default();
    spec.options = t.strings(doc, "options").unwrap_or_default();
    spec.prefix = t.string(doc, "prefix");
    spec.when = t.strings(doc, "when").unwrap_or_default();
    spec.unless = t.strings(doc, "unless").unwrap_or_default();
    spec.when_operand = t.strings(doc, "when_operand").unwrap_or_default();
    spec.recursive = t.boolean(doc, "recursive").unwrap_or(false);
    spec.recursive_flags = t.strings(doc, "recursive_flags").unwrap_or_default();
    spec.source = t
        .choice(
            doc,
            "source",
            &["literal", "file", "stdin", "decoded", "network"],
        )
        .and_then(Source::from_id);
    spec.send = t.boolean(doc, "send").unwrap_or(false);
    spec.name = t.string(doc, "name");
    spec.basename = t.boolean(doc, "basename").unwrap_or(false);
    spec.field = t.integer(doc, "field").map(|f| f as usize);
    if !spec.options.is_empty() && t.entries().all(|(k, _)| k != "args") {
        // Effects on option values only: `{ kind = "read", options = ["-T"] }`.
        spec.args = ArgSel::None;
    }
    t.finish(doc);
    spec
}

struct RuleReader {
    strict: bool,
    pack_id: String,
    vars: HashMap<String, String>,
    places: crate::shared::matcher::Places,
}

impl RuleReader {
    fn read(&self, doc: &mut Doc, mut t: Table) -> Option<Rule> {
        let location = doc.location(&t.span());
        let name = t.required_string(doc, "name");
        if let Some(n) = &name
            && !is_id(n)
        {
            doc.error(
                &t.span(),
                format!("rule name `{n}` must be lower-case letters, digits and `-`"),
            );
        }
        if !t.entries().any(|(k, _)| k == "decision") {
            doc.error(&t.span(), "rule is missing `decision`");
        }
        let decision = match t.choice(doc, "decision", &["deny", "ask", "allow"]) {
            Some("deny") => Some(Decision::Deny),
            Some("ask") => Some(Decision::Ask),
            Some("allow") => Some(Decision::Allow),
            _ => None,
        };
        let has_severity = t.entries().any(|(k, _)| k == "severity");
        let severity = match t.choice(doc, "severity", &["low", "medium", "high", "critical"]) {
            Some("low") => Some(Severity::Low),
            Some("high") => Some(Severity::High),
            Some("critical") => Some(Severity::Critical),
            Some(_) => Some(Severity::Medium),
            None if !has_severity => Some(Severity::Medium),
            None => None,
        };
        let tools = t.strings(doc, "tools");
        if tools.is_none() {
            doc.error(
                &t.span(),
                "rule is missing `tools` (the tool names it applies to)",
            );
        }
        let message = t.required_string(doc, "message").unwrap_or_default();
        let remediation = t.required_string(doc, "remediation").unwrap_or_default();
        let mut blocks = Vec::new();
        let block_tables = t.tables(doc, "match");
        if block_tables.is_empty() {
            doc.error(&t.span(), "rule has no [[rule.match]] block");
        }
        for block in block_tables {
            let span = block.span();
            if let Some(b) = self.block(doc, block) {
                if self.strict {
                    for problem in b.check() {
                        doc.error(&span, problem);
                    }
                }
                blocks.push(b);
            }
        }
        // The hook never runs examples: skip building them unless checking (lint, test).
        let examples = match t.table(doc, "examples") {
            Some(_) if !self.strict => Examples::default(),
            Some(e) => read_examples(doc, e),
            None if !self.strict => Examples::default(),
            None => {
                doc.error(
                    &t.span(),
                    "rule has no [rule.examples]: every rule ships hit and miss examples",
                );
                Examples::default()
            }
        };
        t.finish(doc);
        Some(Rule {
            id: format!("{}.{}", self.pack_id, name?),
            // Placeholders keep the rule for later checks (duplicate ids); the errors above
            // already stop the pack from loading.
            decision: decision.unwrap_or(Decision::Deny),
            severity: severity.unwrap_or(Severity::Medium),
            tools: compile::Names::new(tools.unwrap_or_default()),
            message,
            remediation,
            blocks,
            examples,
            location,
        })
    }

    fn block(&self, doc: &mut Doc, mut t: Table) -> Option<Block> {
        const COMMAND_KEYS: &[&str] = &[
            "program",
            "program_except",
            "subcommand",
            "flags_any",
            "flags_all",
            "flags_none",
            "operands_min",
            "operands_max",
            "dashdash_operands",
            "operand_any",
            "operand_except",
            "path_any",
            "path_except",
            "path_outside_cwd",
            "path_access",
            "fed_by",
            "text",
            "text_except",
            "unknown",
        ];
        let present: Vec<&str> = t.entries().map(|(k, _)| k).collect();
        if present.contains(&"effect") {
            let block = self.effect_block(doc, &mut t);
            t.finish(doc);
            return Some(Block::Effect(Box::new(block)));
        }
        let kinds = [
            present.iter().any(|k| COMMAND_KEYS.contains(k)),
            present.contains(&"shell_note"),
            present.iter().any(|k| k.starts_with("file_")),
            present.iter().any(|k| k.starts_with("url_")),
            present.contains(&"field_text"),
            present.iter().any(|k| k.starts_with("secret_")),
            present.contains(&"phi"),
        ];
        if kinds.iter().filter(|k| **k).count() > 1 {
            doc.error(&t.span(), "a match block looks at one kind of subject: shell command keys, `shell_note`, `file_*`, `url_*`, `field_text`, `secret_*` or `phi`, not a mix");
        }
        let block = if kinds[5] {
            let regex = t.required_string(doc, "secret_regex");
            let keywords = t.strings(doc, "secret_keywords");
            if keywords.is_none() {
                doc.error(
                    &t.span(),
                    "a secret block needs `secret_keywords` (the prefilter)",
                );
            }
            let entropy = t.number(doc, "secret_entropy");
            let validate = t
                .choice(doc, "secret_validate", Validator::NAMES)
                .and_then(Validator::from_name);
            let allow = t.strings(doc, "secret_allow").unwrap_or_default();
            let match_allow = t.strings(doc, "secret_match_allow").unwrap_or_default();
            let fallback = t.boolean(doc, "secret_fallback").unwrap_or(false);
            let fields = t.strings(doc, "fields").map(Globs::new);
            let block = SecretBlock::new(
                keywords
                    .unwrap_or_default()
                    .into_iter()
                    .map(|k| k.to_ascii_lowercase())
                    .collect(),
                Pattern::new(
                    regex
                        .map(|r| self.substitute_vars(doc, &t.span(), &r))
                        .unwrap_or_default(),
                ),
                entropy,
                validate,
                allow
                    .iter()
                    .map(|a| Pattern::new(self.substitute_vars(doc, &t.span(), a)))
                    .collect(),
                match_allow
                    .iter()
                    .map(|a| Pattern::new(self.substitute_vars(doc, &t.span(), a)))
                    .collect(),
            )
            .fallback(fallback);
            Block::Secret(Box::new(block), fields)
        } else if kinds[6] {
            let mut phi_kinds = Vec::new();
            for k in t.strings(doc, "phi").unwrap_or_default() {
                match PhiKind::from_id(&k) {
                    Some(kind) => phi_kinds.push(kind),
                    None if k == "any" => {}
                    None => doc.error(
                        &t.span(),
                        format!(
                            "unknown PHI kind `{k}`; expected any or one of: {}",
                            PhiKind::ALL.map(|k| k.id()).join(", ")
                        ),
                    ),
                }
            }
            Block::Phi(phi_kinds, t.strings(doc, "fields").map(Globs::new))
        } else if kinds[1] {
            let notes = t.strings(doc, "shell_note").unwrap_or_default();
            let mut kinds_out = Vec::new();
            for n in notes {
                match NoteKind::from_id(&n) {
                    Some(k) => kinds_out.push(k),
                    None => doc.error(
                        &t.span(),
                        format!(
                            "unknown shell note `{n}`; expected one of: {}",
                            NoteKind::RULE_NOTES.map(|k| k.id()).join(", ")
                        ),
                    ),
                }
            }
            Block::Note(kinds_out)
        } else if kinds[2] {
            let any = t.strings(doc, "file_any").map(|g| self.globs(g));
            let except = t.strings(doc, "file_except").map(|g| self.globs(g));
            let mut access = Vec::new();
            for a in t
                .strings(doc, "file_access")
                .unwrap_or_else(|| vec!["read".into(), "write".into(), "search".into()])
            {
                match a.as_str() {
                    "read" => access.push(Access::Read),
                    "write" => access.push(Access::Write),
                    "search" => access.push(Access::Search),
                    other => doc.error(
                        &t.span(),
                        format!("`file_access` entries are read, write or search, not `{other}`"),
                    ),
                }
            }
            let Some(any) = any else {
                doc.error(&t.span(), "a file block needs `file_any`");
                t.finish(doc);
                return None;
            };
            Block::File(FileBlock {
                any,
                except,
                access,
            })
        } else if kinds[3] {
            Block::Url(UrlBlock {
                host: t
                    .strings(doc, "url_host")
                    .map(|h| Globs::new(h.iter().map(|s| s.to_ascii_lowercase()).collect())),
                path: t.strings(doc, "url_path").map(Globs::new),
            })
        } else if kinds[4] {
            let mut conditions = Vec::new();
            for c in t.tables(doc, "field_text") {
                if let Some(c) = self.text_condition(doc, c, true) {
                    conditions.push(c);
                }
            }
            Block::Text(conditions)
        } else {
            Block::Command(Box::new(self.command_block(doc, &mut t)))
        };
        t.finish(doc);
        Some(block)
    }

    fn effect_block(&self, doc: &mut Doc, t: &mut Table) -> EffectBlock {
        use crate::normalize::effects::{Kind, Source, SqlKind};
        let mut b = EffectBlock::default();
        let mut kinds: Vec<(&str, EffectKind)> = Kind::ALL
            .iter()
            .map(|k| (k.id(), EffectKind::Kind(*k)))
            .collect();
        kinds.push(("overwrite", EffectKind::Overwrite));
        b.kinds = one_of(doc, t, "effect", "effect", &kinds);
        b.path = t.strings(doc, "path_any").map(|g| self.globs(g));
        b.path_except = t.strings(doc, "path_except").map(|g| self.globs(g));
        b.outside_cwd = t.boolean(doc, "path_outside_cwd").unwrap_or(false);
        b.path_under = t.boolean(doc, "path_under").unwrap_or(true);
        b.recursive = t.boolean(doc, "recursive");
        b.sources = one_of(
            doc,
            t,
            "source",
            "code source",
            &Source::ALL.map(|s| (s.id(), s)),
        );
        b.name_any = t.strings(doc, "name_any").map(Names::new);
        b.name_except = t.strings(doc, "name_except").map(Names::new);
        b.key_any = t.strings(doc, "key_any").map(Names::new);
        b.send = t.boolean(doc, "send");
        b.carries = t.strings(doc, "carries").map(Names::new);
        b.carries_except = t.strings(doc, "carries_except").map(Names::new);
        b.sql = one_of(
            doc,
            t,
            "sql",
            "statement kind",
            &SqlKind::ALL.map(|k| (k.id(), k)),
        );
        let span = t.span();
        b.target = t
            .string(doc, "target")
            .map(|r| Pattern::new(format!("(?i){}", self.substitute_vars(doc, &span, &r))));
        b.target_except = t
            .string(doc, "target_except")
            .map(|r| Pattern::new(format!("(?i){}", self.substitute_vars(doc, &span, &r))));
        b.unknown_maybe = t.choice(doc, "unknown", &["ignore", "maybe"]) == Some("maybe");
        b.content_any = t
            .string(doc, "content_any")
            .map(|r| Pattern::new(self.substitute_vars(doc, &span, &r)));
        b.content_unknown = t.boolean(doc, "content_unknown").unwrap_or(false);
        if b.kinds.is_empty() {
            doc.error(
                &span,
                "an effect block needs `effect` (one or more effect kinds)",
            );
        }
        b
    }

    fn command_block(&self, doc: &mut Doc, t: &mut Table) -> CommandBlock {
        let mut b = CommandBlock {
            program: t.strings(doc, "program").map(Names::new),
            program_except: t.strings(doc, "program_except").map(Names::new),
            subcommand: t
                .strings(doc, "subcommand")
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    s.split_whitespace()
                        .map(|w| w.to_ascii_lowercase())
                        .collect()
                })
                .collect(),
            flags_any: t.strings(doc, "flags_any").unwrap_or_default(),
            flags_all: t
                .strings(doc, "flags_all")
                .unwrap_or_default()
                .iter()
                .map(|alts| alts.split('|').map(str::to_string).collect())
                .collect(),
            flags_none: t.strings(doc, "flags_none").unwrap_or_default(),
            operands_min: t.integer(doc, "operands_min").map(|n| n as usize),
            operands_max: t.integer(doc, "operands_max").map(|n| n as usize),
            dashdash_operands: t.boolean(doc, "dashdash_operands"),
            operand_any: t.strings(doc, "operand_any").map(Globs::new),
            operand_except: t.strings(doc, "operand_except").map(Globs::new),
            path: None,
            fed_by: t.strings(doc, "fed_by").map(Names::new),
            text: Vec::new(),
            text_except: Vec::new(),
            unknown_maybe: false,
        };
        b.unknown_maybe = t.choice(doc, "unknown", &["ignore", "maybe"]) == Some("maybe");
        for flag in b
            .flags_any
            .iter()
            .chain(b.flags_none.iter())
            .chain(b.flags_all.iter().flatten())
        {
            if !flag.starts_with('-') {
                doc.error(&t.span(), format!("flag `{flag}` must start with `-`"));
            }
        }
        let any = t.strings(doc, "path_any").map(|g| self.globs(g));
        let except = t.strings(doc, "path_except").map(|g| self.globs(g));
        let outside_cwd = t.boolean(doc, "path_outside_cwd").unwrap_or(false);
        let access = match t.choice(doc, "path_access", &["any", "read", "write"]) {
            Some("read") => PathAccess::Read,
            Some("write") => PathAccess::Write,
            _ => PathAccess::Any,
        };
        if any.is_some() || except.is_some() || outside_cwd {
            b.path = Some(PathCondition {
                any,
                except,
                outside_cwd,
                access,
            });
        }
        for c in t.tables(doc, "text") {
            if let Some(c) = self.text_condition(doc, c, false) {
                b.text.push(c);
            }
        }
        for c in t.tables(doc, "text_except") {
            if let Some(c) = self.text_condition(doc, c, false) {
                b.text_except.push(c);
            }
        }
        b
    }

    fn text_condition(&self, doc: &mut Doc, mut t: Table, field: bool) -> Option<TextCondition> {
        let regex = t.required_string(doc, "regex");
        let regex = regex.map(|r| self.substitute_vars(doc, &t.span(), &r));
        let condition = if field {
            let fields = t.strings(doc, "fields");
            if fields.is_none() {
                doc.error(
                    &t.span(),
                    "a field_text condition needs `fields` (e.g. [\"content\", \"new_string\"])",
                );
            }
            TextCondition {
                on: vec![TextSource::Field],
                fields: fields.map(Globs::new),
                regex: Pattern::new(regex.clone().unwrap_or_default()),
            }
        } else {
            let mut on = Vec::new();
            for source in t.strings(doc, "on").unwrap_or_else(|| vec!["args".into()]) {
                match source.as_str() {
                    "args" => on.push(TextSource::Args),
                    "env" => on.push(TextSource::Env),
                    "stdin" => on.push(TextSource::Stdin),
                    other => doc.error(
                        &t.span(),
                        format!("`on` entries are args, env or stdin, not `{other}`"),
                    ),
                }
            }
            TextCondition {
                on,
                fields: None,
                regex: Pattern::new(regex.clone().unwrap_or_default()),
            }
        };
        t.finish(doc);
        regex.map(|_| condition)
    }

    fn substitute_vars(&self, doc: &mut Doc, span: &Range<usize>, regex: &str) -> String {
        let mut out = String::with_capacity(regex.len());
        let mut rest = regex;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = after[..end].trim();
            match self.vars.get(name) {
                Some(value) => out.push_str(value),
                None => doc.error(
                    span,
                    format!("regex uses `{{{{{name}}}}}` but the pack has no such var"),
                ),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// `{HOME}`, `{TMPDIR}` and toolgate's own locations (`{TOOLGATE_STATE}`,
    /// `{TOOLGATE_BIN}`, `{TOOLGATE_CONFIG}`, `{TOOLGATE_MANAGED}`) in path globs; a
    /// pattern naming a location this machine does not have is dropped. The globs keep
    /// them as written too, so a cached pack holds for any user ([`places`]).
    fn globs(&self, patterns: Vec<String>) -> Globs {
        Globs::placed(patterns, &self.places)
    }
}

/// The places path globs may name, with their values in `ctx` (built once for every pack a
/// process reads in the same context: each cached pack decodes with them).
pub fn places(ctx: &Context) -> crate::shared::matcher::Places {
    use crate::shared::matcher::Places;
    static LAST: std::sync::Mutex<Option<Places>> = std::sync::Mutex::new(None);
    let own = &ctx.own;
    let values = [
        Some(ctx.tmpdir.as_str()),
        ctx.home.as_deref(),
        own.state.as_deref(),
        own.binary.as_deref(),
        own.config.as_deref(),
        own.managed.as_deref(),
    ];
    let names = [
        "{TMPDIR}",
        "{HOME}",
        "{TOOLGATE_STATE}",
        "{TOOLGATE_BIN}",
        "{TOOLGATE_CONFIG}",
        "{TOOLGATE_MANAGED}",
    ];
    let mut last = LAST
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(places) = last.as_ref()
        && places.values().eq(values)
    {
        return places.clone();
    }
    let places = Places::new(
        names
            .into_iter()
            .zip(values)
            .map(|(n, v)| (n, v.map(str::to_string)))
            .collect(),
    );
    *last = Some(places.clone());
    places
}

fn read_examples(doc: &mut Doc, mut t: Table) -> Examples {
    let span = t.span();
    let mut examples = Examples::default();
    for (key, list) in [("hit", &mut examples.hit), ("miss", &mut examples.miss)] {
        let Some(v) = t.get(key) else { continue };
        match v.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    if let Some(e) = read_example(doc, item) {
                        list.push(e);
                    }
                }
            }
            _ => doc.error(&v.span(), format!("`{key}` must be an array of examples")),
        }
    }
    if let Some(v) = t.get("known_miss") {
        match v.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    let DeValue::Table(entry) = item.get_ref() else {
                        doc.error(
                            &item.span(),
                            "a known_miss is { example = ..., why = \"...\" }",
                        );
                        continue;
                    };
                    let mut e = Table::new(entry, item.span(), "known_miss");
                    let why = e.required_string(doc, "why").unwrap_or_default();
                    let example = e.get("example").and_then(|x| read_example(doc, x));
                    if example.is_none() {
                        doc.error(&item.span(), "a known_miss needs `example`");
                    }
                    e.finish(doc);
                    if let Some(example) = example {
                        examples.known_miss.push((example, why));
                    }
                }
            }
            _ => doc.error(&v.span(), "`known_miss` must be an array"),
        }
    }
    t.finish(doc);
    if examples.hit.is_empty() {
        doc.error(&span, "examples need at least one `hit`");
    }
    examples
}

/// A string is a Bash command; a table names `tool` (default Bash), optional `cwd`, and the
/// tool_input fields.
fn read_example(doc: &mut Doc, v: Value) -> Option<Example> {
    let location = doc.location(&v.span());
    match v.get_ref() {
        DeValue::String(s) => Some(Example {
            tool: "Bash".into(),
            input: serde_json::json!({ "command": s.to_string() }),
            cwd: None,
            location,
        }),
        DeValue::Table(t) => {
            let mut input = serde_json::Map::new();
            let (mut tool, mut cwd) = ("Bash".to_string(), None);
            for (k, val) in t.iter() {
                match (k.get_ref().as_ref(), val.get_ref()) {
                    ("tool", DeValue::String(s)) => tool = s.to_string(),
                    ("cwd", DeValue::String(s)) => cwd = Some(s.to_string()),
                    ("tool" | "cwd", _) => {
                        doc.error(&val.span(), "`tool` and `cwd` must be strings")
                    }
                    (key, value) => {
                        input.insert(key.to_string(), to_json(value));
                    }
                }
            }
            Some(Example {
                tool,
                input: serde_json::Value::Object(input),
                cwd,
                location,
            })
        }
        other => {
            doc.error(
                &v.span(),
                format!(
                    "an example is a command string or a table, found {}",
                    other.type_str()
                ),
            );
            None
        }
    }
}
