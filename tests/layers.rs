//! The house keeps its shape: every `crate::` and `super::` path in `src/` is read (comments
//! and test code left out: `#[cfg(test)]` modules and `tests.rs`/`*_tests.rs` files), and
//! the test fails when a module imports one of a higher layer (or another of its own
//! layer), when files import each other in a circle, or when a file grows past 1,500 lines.
//! The layers, lowest first, are the ones `src/lib.rs` lists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module's layer: a module may use modules of lower layers only.
const LAYERS: &[(&str, u32)] = &[
    ("exit", 0),
    ("sanitize", 0),
    ("shared", 0),
    ("protocol", 1),
    ("identity", 1),
    ("deployment", 2),
    ("detect", 3),
    ("normalize", 4),
    ("pack", 5),
    ("journal", 5),
    ("engine", 6),
    ("policy", 7),
    ("gate", 8),
    ("evade", 9),
    ("cli", 10),
];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            source_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are module `a::b`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code without comments and without its `#[cfg(test)]` module.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        let mut quotes = 0;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        for i in 0..bytes.len() {
            match bytes[i] {
                b'"' if i == 0 || bytes[i - 1] != b'\\' => quotes += 1,
                b'/' if quotes % 2 == 0 && bytes.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// Every path after `crate::` or `super::` (a `{...}` tree expanded), as segments, the
/// `super`s resolved against `module`.
fn paths_in(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let rest = &code[i..];
        let starts_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let (base, skip) = if starts_word && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if starts_word && rest.starts_with("super::") {
            // The parent of this module (a `mod.rs` is its folder's module).
            let mut base = module.to_vec();
            let mut r = rest;
            let mut skip = 0;
            while r.starts_with("super::") {
                base.pop();
                r = &r["super::".len()..];
                skip += "super::".len();
            }
            (base, skip)
        } else {
            i += 1;
            continue;
        };
        let (trees, used) = parse_tree(&code[i + skip..]);
        for t in trees {
            let mut full = base.clone();
            full.extend(t);
            out.push(full);
        }
        i += skip + used.max(1);
    }
    out
}

/// A use tree: `a::b`, `a::{b, c::d}`, `{a, b}`, `a::b as c`; returns the paths and the
/// bytes read.
fn parse_tree(s: &str) -> (Vec<Vec<String>>, usize) {
    let b = s.as_bytes();
    let mut segs: Vec<String> = Vec::new();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'{') {
            return group(s, i + 1, &segs);
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        if i > start {
            segs.push(s[start..i].to_string());
        }
        if s[i..].starts_with("::") {
            i += 2;
            continue;
        }
        return (vec![segs], i);
    }
}

/// The inside of `{...}` from byte `i`, each tree after `prefix`.
fn group(s: &str, mut i: usize, prefix: &[String]) -> (Vec<Vec<String>>, usize) {
    let b = s.as_bytes();
    let mut all = Vec::new();
    loop {
        while i < b.len() && (b[i] as char).is_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] == b'}' {
            i += 1;
            break;
        }
        let (inner, used) = parse_tree(&s[i..]);
        for t in inner {
            let mut p = prefix.to_vec();
            p.extend(t);
            all.push(p);
        }
        i += used.max(1);
        while i < b.len() && b[i] != b',' && b[i] != b'}' {
            i += 1;
        }
        if i < b.len() && b[i] == b',' {
            i += 1;
        }
    }
    (all, i.min(s.len()))
}

struct House {
    /// file -> module
    modules: BTreeMap<PathBuf, Vec<String>>,
    /// module -> file
    files: BTreeMap<Vec<String>, PathBuf>,
}

impl House {
    fn read() -> House {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut all = Vec::new();
        source_files(&src, &mut all);
        let mut modules = BTreeMap::new();
        let mut files = BTreeMap::new();
        for f in all {
            let m = module_of(&src, &f);
            files.insert(m.clone(), f.clone());
            modules.insert(f, m);
        }
        House { modules, files }
    }

    /// The file a path lands in: its longest prefix that is a module.
    fn file_of(&self, path: &[String]) -> Option<&PathBuf> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.files.get(&path[..n]))
    }

    /// file -> the files it uses, and the names by which it does.
    fn edges(&self) -> BTreeMap<PathBuf, BTreeMap<PathBuf, BTreeSet<String>>> {
        let mut out: BTreeMap<PathBuf, BTreeMap<PathBuf, BTreeSet<String>>> = BTreeMap::new();
        for (file, module) in &self.modules {
            let name = file.file_name().unwrap().to_string_lossy();
            // Test modules in files of their own (`tests.rs`, `*_tests.rs`) are test code.
            if name == "main.rs"
                || name == "lib.rs"
                || name == "tests.rs"
                || name.ends_with("_tests.rs")
            {
                continue;
            }
            let code = code_of(&std::fs::read_to_string(file).unwrap());
            for path in paths_in(&code, module) {
                if let Some(target) = self.file_of(&path)
                    && target != file
                    && !module.starts_with(&self.modules[target])
                {
                    out.entry(file.clone())
                        .or_default()
                        .entry(target.clone())
                        .or_default()
                        .insert(path.join("::"));
                }
            }
        }
        out
    }
}

fn layer(module: &[String]) -> Option<u32> {
    let top = module.first()?;
    LAYERS.iter().find(|(m, _)| m == top).map(|(_, l)| *l)
}

#[test]
fn no_module_uses_one_of_its_own_or_a_higher_layer() {
    let house = House::read();
    let mut wrong = Vec::new();
    for (module, file) in &house.files {
        if module.len() == 1 && module[0] != "main" && layer(module).is_none() {
            wrong.push(format!(
                "{} is in no layer: add it to LAYERS and to src/lib.rs",
                file.display()
            ));
        }
    }
    for (from, targets) in house.edges() {
        let fm = &house.modules[&from];
        for (to, names) in targets {
            let tm = &house.modules[&to];
            if fm.first() == tm.first() {
                continue;
            }
            let (Some(lf), Some(lt)) = (layer(fm), layer(tm)) else {
                continue;
            };
            if lt >= lf {
                wrong.push(format!(
                    "{} (layer {lf}) uses {} (layer {lt}): {}",
                    from.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap()
                        .display(),
                    to.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap()
                        .display(),
                    names.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} imports against the layers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let house = House::read();
    let edges = house.edges();
    // Tarjan's strongly connected components.
    struct Walk<'a> {
        edges: &'a BTreeMap<PathBuf, BTreeMap<PathBuf, BTreeSet<String>>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on: BTreeSet<&'a PathBuf>,
        next: usize,
        circles: Vec<Vec<&'a PathBuf>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a PathBuf) {
        w.index.insert(v, w.next);
        w.low.insert(v, w.next);
        w.next += 1;
        w.stack.push(v);
        w.on.insert(v);
        if let Some(targets) = w.edges.get(v) {
            for t in targets.keys() {
                if !w.index.contains_key(t) {
                    visit(w, t);
                    let l = w.low[t].min(w.low[v]);
                    w.low.insert(v, l);
                } else if w.on.contains(t) {
                    let l = w.index[t].min(w.low[v]);
                    w.low.insert(v, l);
                }
            }
        }
        if w.low[v] == w.index[v] {
            let mut component = Vec::new();
            while let Some(x) = w.stack.pop() {
                w.on.remove(x);
                component.push(x);
                if x == v {
                    break;
                }
            }
            if component.len() > 1 {
                w.circles.push(component);
            }
        }
    }
    let mut w = Walk {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        circles: Vec::new(),
    };
    for f in house.modules.keys() {
        if !w.index.contains_key(f) {
            visit(&mut w, f);
        }
    }
    let root = env!("CARGO_MANIFEST_DIR");
    let described: Vec<String> = w
        .circles
        .iter()
        .map(|c| {
            let names: BTreeSet<&PathBuf> = c.iter().copied().collect();
            let mut lines = Vec::new();
            for f in &names {
                for (t, via) in edges.get(*f).into_iter().flatten() {
                    if names.contains(t) {
                        lines.push(format!(
                            "  {} -> {}: {}",
                            f.strip_prefix(root).unwrap().display(),
                            t.strip_prefix(root).unwrap().display(),
                            via.iter().cloned().collect::<Vec<_>>().join(", ")
                        ));
                    }
                }
            }
            format!("a circle of {} files:\n{}", c.len(), lines.join("\n"))
        })
        .collect();
    assert!(described.is_empty(), "{}", described.join("\n"));
}

/// A file this long is several things: split it along its seams.
const MAX_LINES: usize = 1500;

#[test]
fn no_source_file_is_over_1500_lines() {
    let house = House::read();
    let long: Vec<String> = house
        .modules
        .keys()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} has {n} lines", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}

#[test]
fn the_scanner_reads_use_trees_and_resolves_super() {
    let module = vec!["journal".to_string(), "store".to_string()];
    let code = code_of(
        "use crate::{a::b, c::{d, e::f}};\nuse super::record::Record; // crate::x::y\nfn f() { crate::g::h(); }\n#[cfg(test)]\nmod tests { use crate::z; }\n",
    );
    let paths: Vec<String> = paths_in(&code, &module)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        paths,
        ["a::b", "c::d", "c::e::f", "journal::record::Record", "g::h"]
    );
}
