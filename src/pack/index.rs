//! Rules decoded only when a call could reach them.
//!
//! A cached pack (see [`super::cache`]) keeps most of its rules as undecoded bytes, with an
//! index of what each could match: the tools it names, the programs its command blocks
//! name, the kinds of effect it looks at, the literals its regexes need. Once a call is
//! normalised, [`Deferred::candidates`] picks the rules whose keys the call has; only those
//! are decoded and evaluated, so a policy of 3,000 rules costs about what one of 300 does.
//!
//! Each key is the engine's own first test of its block, so a rule left out would have
//! been "no match", without an error, had it been decoded and tried:
//! - a command block naming programs exactly: no command runs one of them;
//! - a command or text condition with required literals: none is in the call's texts or
//!   commands' joined words (the regex is not compiled without one, so it cannot fail);
//! - an effect block: the call has no effect of its kinds; a file, URL or note block: the
//!   call has none;
//! - the rule's tools, exact names only: the call's tool is not among them.
//!
//! Rules whose keys cannot be stated are decoded with the pack: secret and PHI detectors
//! (other stages list them all), blocks whose first test is something else, globs that do
//! not compile (their error must surface on every call, as it does for a decoded rule).
//!
//! The section is read in place: offsets into one buffer, checked once when it is opened,
//! and no allocation per rule, since opening it is on every call's path.

use super::{Block, Rule, TextCondition};
use std::sync::OnceLock;

/// Tools a rule's tool names can be told apart by; the last bit is "any other name".
const TOOLS: [&str; 15] = [
    "bash",
    "read",
    "write",
    "edit",
    "multiedit",
    "notebookedit",
    "webfetch",
    "websearch",
    "grep",
    "glob",
    "userpromptsubmit",
    "task",
    "agent",
    "powershell",
    "apply_patch",
];
const OTHER_TOOL: u16 = 1 << 15;

/// What a call offers the index: its tool, which kinds of thing it has, the programs its
/// commands run and the 3-byte sequences of its texts.
pub struct Probe<'a> {
    tool: u16,
    has: u16,
    programs: Vec<String>,
    /// `None`: the texts are too large for the sketch, every literal may be there.
    grams: Option<&'a Grams>,
}

impl<'a> Probe<'a> {
    pub fn new(tool: &str, grams: Option<&'a Grams>) -> Self {
        Probe {
            tool: tool_bit(tool),
            has: 0,
            programs: Vec::new(),
            grams,
        }
    }

    /// The call has an effect of this kind.
    pub fn effect(&mut self, kind: crate::normalize::effects::Kind) {
        self.has |= kind_bit(kind);
    }

    pub fn files(&mut self) {
        self.has |= FILES;
    }

    pub fn urls(&mut self) {
        self.has |= URLS;
    }

    pub fn notes(&mut self) {
        self.has |= NOTES;
    }

    /// A command of the call runs `program`.
    pub fn program(&mut self, program: &str) {
        self.programs.push(program.to_ascii_lowercase());
    }
}

fn tool_bit(tool: &str) -> u16 {
    TOOLS
        .iter()
        .position(|t| t.eq_ignore_ascii_case(tool))
        .map_or(OTHER_TOOL, |i| 1 << i)
}

const FILES: u16 = 1 << 10;
const URLS: u16 = 1 << 11;
const NOTES: u16 = 1 << 12;

fn kind_bit(kind: crate::normalize::effects::Kind) -> u16 {
    let i = crate::normalize::effects::Kind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0);
    1 << i
}

/// Which 3-byte sequences (ASCII case folded) occur in a set of texts, as a 64 Kibit
/// sketch: a literal with a sequence missing is not in any of them.
pub struct Grams(Box<[u64; 1024]>);

/// Texts longer than this together fill most of the sketch: it would rule nothing out.
pub const GRAM_TEXT_LIMIT: usize = 64 * 1024;

impl Grams {
    pub fn new() -> Self {
        Grams(Box::new([0; 1024]))
    }

    pub fn add(&mut self, text: &[u8]) {
        for w in text.windows(3) {
            let h = gram_hash(w[0], w[1], w[2]);
            self.0[usize::from(h >> 6)] |= 1 << (h & 63);
        }
    }

    fn has(&self, h: u16) -> bool {
        self.0[usize::from(h >> 6)] & (1 << (h & 63)) != 0
    }
}

impl Default for Grams {
    fn default() -> Self {
        Self::new()
    }
}

fn gram_hash(a: u8, b: u8, c: u8) -> u16 {
    let g = u32::from(a.to_ascii_lowercase())
        | u32::from(b.to_ascii_lowercase()) << 8
        | u32::from(c.to_ascii_lowercase()) << 16;
    (g.wrapping_mul(0x9E37_79B1) >> 16) as u16
}

/// Up to four sequences spread over a literal (at least 3 bytes long), as sketch hashes.
fn literal_hashes(literal: &[u8]) -> [u16; 4] {
    let last = literal.len() - 3;
    let at = [0, last / 3, 2 * last / 3, last];
    at.map(|i| gram_hash(literal[i], literal[i + 1], literal[i + 2]))
}

/// What one block needs before its first test can pass.
#[derive(Default)]
struct Key {
    has: u16,
    programs: Vec<String>,
    literals: Vec<Vec<u8>>,
}

/// The rule's keys, or `None` when it must be decoded with the pack.
fn rule_key(rule: &Rule) -> Option<(u16, Key)> {
    rule.tools.check().ok()?;
    let tools = match rule.tools.exact_only() {
        Some(names) => names.iter().fold(0, |bits, n| bits | tool_bit(n)),
        None => OTHER_TOOL,
    };
    let mut key = Key::default();
    for block in &rule.blocks {
        block_key(block, &mut key)?;
    }
    Some((tools, key))
}

fn block_key(block: &Block, key: &mut Key) -> Option<()> {
    let literals_of = |c: &TextCondition| -> Option<Vec<Vec<u8>>> {
        let set = c.regex.required()?;
        (!set.is_empty() && set.iter().all(|l| l.len() >= 3)).then(|| set.to_vec())
    };
    match block {
        Block::Effect(b) => {
            for k in &b.kinds {
                key.has |= match k {
                    super::EffectKind::Kind(kind) => kind_bit(*kind),
                    super::EffectKind::Overwrite => {
                        kind_bit(crate::normalize::effects::Kind::Write)
                    }
                };
            }
        }
        Block::Command(b) => match b.program.as_ref().and_then(|p| p.exact_only()) {
            Some(names) => key.programs.extend(names.iter().cloned()),
            None => {
                // Tested before the text conditions, on every command: their globs must
                // not fail where the decoded rule would have failed.
                if let Some(p) = &b.program {
                    p.check().ok()?;
                }
                if let Some(p) = &b.program_except {
                    p.check().ok()?;
                }
                if let Some(p) = &b.fed_by {
                    p.check().ok()?;
                }
                key.literals.extend(literals_of(b.text.first()?)?);
            }
        },
        Block::Text(conditions) => {
            let first = conditions.first()?;
            if let Some(g) = &first.fields {
                g.check().ok()?;
            }
            key.literals.extend(literals_of(first)?);
        }
        Block::File(_) => key.has |= FILES,
        Block::Url(_) => key.has |= URLS,
        Block::Note(_) => key.has |= NOTES,
        Block::Secret(..) | Block::Phi(..) => return None,
    }
    Some(())
}

const SLOT: usize = 24;
const PROGRAM: usize = 12;
const LITERAL: usize = 12;
const HEAD: usize = 16;

/// Split a pack's rules: the positions of those decoded with the pack, and the section
/// holding the others (empty when every rule is decoded with the pack).
pub fn build(rules: &[Rule]) -> (Vec<u32>, Vec<u8>) {
    let all = || ((0..rules.len() as u32).collect(), Vec::new());
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    // Duplicate ids are reported across the packs by id; keep them where that check sees them.
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return all();
    }
    let mut eager = Vec::new();
    let mut deferred = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        match rule_key(rule) {
            Some((tools, key)) => deferred.push((i as u32, tools, key, rule)),
            None => eager.push(i as u32),
        }
    }
    if deferred.is_empty() {
        return all();
    }
    let mut programs: Vec<(&str, u32)> = Vec::new();
    let mut literals: Vec<(u32, [u16; 4])> = Vec::new();
    for (slot, (_, _, key, _)) in deferred.iter().enumerate() {
        programs.extend(key.programs.iter().map(|p| (p.as_str(), slot as u32)));
        literals.extend(
            key.literals
                .iter()
                .map(|l| (slot as u32, literal_hashes(l))),
        );
    }
    programs.sort_unstable();
    programs.dedup();
    let n = deferred.len();
    let data_at = HEAD + n * SLOT + programs.len() * PROGRAM + literals.len() * LITERAL;
    let mut bodies = Vec::with_capacity(n);
    for (_, _, _, rule) in &deferred {
        match postcard::to_stdvec(rule) {
            Ok(body) => bodies.push(body),
            Err(_) => return all(),
        }
    }
    // Ids and program names, then the bodies: a reader keeps the part before the bodies
    // in memory and reads each body when it is needed (see `super::cache`).
    let strings_len: usize = deferred.iter().map(|d| d.3.id.len()).sum::<usize>()
        + programs.iter().map(|p| p.0.len()).sum::<usize>();
    let bodies_at = data_at + strings_len;
    let mut tables = Vec::with_capacity(bodies_at);
    let mut strings: Vec<u8> = Vec::with_capacity(strings_len);
    let mut string = |bytes: &[u8]| -> (u32, u32) {
        let at = (data_at + strings.len()) as u32;
        strings.extend_from_slice(bytes);
        (at, bytes.len() as u32)
    };
    let u32s = |out: &mut Vec<u8>, values: &[u32]| {
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    };
    u32s(
        &mut tables,
        &[
            n as u32,
            programs.len() as u32,
            literals.len() as u32,
            bodies_at as u32,
        ],
    );
    let mut body_at = bodies_at;
    for ((position, tools, key, rule), body) in deferred.iter().zip(&bodies) {
        let (id_at, id_len) = string(rule.id.as_bytes());
        u32s(
            &mut tables,
            &[*position, body_at as u32, body.len() as u32, id_at, id_len],
        );
        body_at += body.len();
        tables.extend_from_slice(&key.has.to_le_bytes());
        tables.extend_from_slice(&tools.to_le_bytes());
    }
    for (name, slot) in &programs {
        let (at, len) = string(name.as_bytes());
        u32s(&mut tables, &[at, len, *slot]);
    }
    for (slot, hashes) in &literals {
        u32s(&mut tables, &[*slot]);
        for h in hashes {
            tables.extend_from_slice(&h.to_le_bytes());
        }
    }
    debug_assert_eq!(tables.len(), data_at);
    tables.extend_from_slice(&strings);
    for body in bodies {
        tables.extend_from_slice(&body);
    }
    (eager, tables)
}

/// Where the bytes past the part kept in memory are: none (all in memory), or the entry's
/// file, read at an offset (a large entry's bodies, which a call mostly never needs).
pub enum Rest {
    None,
    File(std::fs::File),
}

/// Where a section's rule bodies begin, given its first [`HEAD`] bytes.
pub fn bodies_at(head: &[u8]) -> Option<usize> {
    Some(u32::from_le_bytes(head.get(12..16)?.try_into().ok()?) as usize)
}

/// The rules of a pack not decoded yet, with their index.
pub struct Deferred {
    /// The cache entry read (at least up to the rule bodies); the section starts at `base`.
    entry: Vec<u8>,
    base: usize,
    /// Where the bytes past `entry` are.
    rest: Rest,
    slots: usize,
    programs: usize,
    literals: usize,
    /// Where each rule decoded with the pack stands among all of them (`Pack::rules`).
    pub eager_positions: Vec<u32>,
    /// Slots the policy turned off (`disable_rules`).
    disabled: Vec<bool>,
    /// Every deferred rule, decoded when something needs them all (`toolgate explain`).
    all: OnceLock<Result<Vec<Rule>, String>>,
    /// Substituted into path globs as rules are decoded (they are kept as written).
    places: crate::shared::matcher::Places,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Deferred({} rules)", self.slots)
    }
}

impl Deferred {
    /// Open a section written by [`build`]; `None` when any offset is out of place.
    /// `entry` holds the section from `base` at least up to its bodies; the section is
    /// `len` bytes long, the rest in `rest`.
    pub fn open(
        entry: Vec<u8>,
        base: usize,
        len: usize,
        rest: Rest,
        eager_positions: Vec<u32>,
        places: crate::shared::matcher::Places,
    ) -> Option<Deferred> {
        let bytes = entry.get(base..)?;
        let at = |i: usize| -> Option<usize> {
            let b = bytes.get(i..i + 4)?;
            Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
        };
        let (slots, programs, literals, bodies_at) = (at(0)?, at(4)?, at(8)?, at(12)?);
        let data_at = HEAD
            .checked_add(slots.checked_mul(SLOT)?)?
            .checked_add(programs.checked_mul(PROGRAM)?)?
            .checked_add(literals.checked_mul(LITERAL)?)?;
        let in_memory = bytes.len() == len;
        if data_at > bodies_at || bodies_at > bytes.len() || bytes.len() > len {
            return None;
        }
        if !in_memory && matches!(rest, Rest::None) {
            return None;
        }
        let within = |start: usize, len: usize| {
            start >= data_at && start.checked_add(len).is_some_and(|end| end <= bodies_at)
        };
        let body_within = |start: usize, size: usize| {
            start >= bodies_at && start.checked_add(size).is_some_and(|end| end <= len)
        };
        let mut last_position = None;
        for s in 0..slots {
            let o = HEAD + s * SLOT;
            let position = at(o)?;
            if last_position.is_some_and(|p| p >= position)
                || !body_within(at(o + 4)?, at(o + 8)?)
                || !within(at(o + 12)?, at(o + 16)?)
            {
                return None;
            }
            last_position = Some(position);
        }
        let programs_at = HEAD + slots * SLOT;
        let mut previous: Option<&[u8]> = None;
        for p in 0..programs {
            let o = programs_at + p * PROGRAM;
            let (start, len) = (at(o)?, at(o + 4)?);
            if !within(start, len) || at(o + 8)? >= slots {
                return None;
            }
            let name = &bytes[start..start + len];
            if previous.is_some_and(|prev| prev > name) {
                return None;
            }
            previous = Some(name);
        }
        let literals_at = programs_at + programs * PROGRAM;
        for l in 0..literals {
            if at(literals_at + l * LITERAL)? >= slots {
                return None;
            }
        }
        Some(Deferred {
            entry,
            base,
            rest,
            slots,
            programs,
            literals,
            eager_positions,
            disabled: Vec::new(),
            all: OnceLock::new(),
            places,
        })
    }

    /// The section's bytes.
    fn bytes(&self) -> &[u8] {
        &self.entry[self.base..]
    }

    fn u32_at(&self, i: usize) -> usize {
        u32::from_le_bytes(self.bytes()[i..i + 4].try_into().unwrap_or_default()) as usize
    }

    fn u16_at(&self, i: usize) -> u16 {
        u16::from_le_bytes(self.bytes()[i..i + 2].try_into().unwrap_or_default())
    }

    pub fn len(&self) -> usize {
        self.slots
    }

    pub fn is_empty(&self) -> bool {
        self.slots == 0
    }

    /// Where the rule in `slot` stands among all the pack's rules.
    pub fn position(&self, slot: usize) -> u32 {
        self.u32_at(HEAD + slot * SLOT) as u32
    }

    /// The id of the rule in `slot` (checked as UTF-8 when the rule was written; a damaged
    /// entry fails its checksum first).
    pub fn id(&self, slot: usize) -> &str {
        let o = HEAD + slot * SLOT;
        let (at, len) = (self.u32_at(o + 12), self.u32_at(o + 16));
        std::str::from_utf8(&self.bytes()[at..at + len]).unwrap_or("")
    }

    /// Ids of the rules still on.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        (0..self.slots).filter(|s| self.on(*s)).map(|s| self.id(s))
    }

    fn on(&self, slot: usize) -> bool {
        !self.disabled.get(slot).copied().unwrap_or(false)
    }

    /// Turn off the rules `keep` says no to.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let disabled: Vec<bool> = (0..self.slots).map(|s| !keep(self.id(s))).collect();
        if disabled.iter().any(|d| *d) {
            self.disabled = disabled;
            self.all = OnceLock::new();
        }
    }

    /// Decode the rule in `slot`.
    pub fn decode(&self, slot: usize) -> Result<Rule, String> {
        let o = HEAD + slot * SLOT;
        let (at, len) = (self.u32_at(o + 4), self.u32_at(o + 8));
        let fail =
            |e: String| format!("a cached rule does not decode ({e}); remove the pack cache");
        let mut rule: Rule = match (self.bytes().get(at..at + len), &self.rest) {
            (Some(body), _) => postcard::from_bytes(body).map_err(|e| fail(e.to_string()))?,
            (None, Rest::File(file)) => {
                use std::os::unix::fs::FileExt as _;
                let mut body = vec![0; len];
                file.read_exact_at(&mut body, (self.base + at) as u64)
                    .map_err(|e| fail(e.to_string()))?;
                postcard::from_bytes(&body).map_err(|e| fail(e.to_string()))?
            }
            (None, Rest::None) => return Err(fail("out of bounds".into())),
        };
        for block in &mut rule.blocks {
            block.place(&self.places);
        }
        Ok(rule)
    }

    /// Every rule still on, decoded once, with its slot.
    pub fn all(&self) -> Result<&[Rule], String> {
        self.all
            .get_or_init(|| {
                (0..self.slots)
                    .filter(|s| self.on(*s))
                    .map(|s| self.decode(s))
                    .collect()
            })
            .as_deref()
            .map_err(Clone::clone)
    }

    /// Every rule still on, with where it stands among all the pack's rules.
    pub fn all_with_positions(&self) -> Result<Vec<(u32, &Rule)>, String> {
        let rules = self.all()?;
        let positions = (0..self.slots)
            .filter(|s| self.on(*s))
            .map(|s| self.position(s));
        Ok(positions.zip(rules).collect())
    }

    /// The slots of the rules still on that `probe`'s call may match, in order.
    pub fn candidates(&self, probe: &Probe) -> Vec<usize> {
        let mut chosen = vec![false; self.slots];
        for (s, chosen) in chosen.iter_mut().enumerate() {
            *chosen = self.u16_at(HEAD + s * SLOT + 20) & probe.has != 0;
        }
        let programs_at = HEAD + self.slots * SLOT;
        let name = |p: usize| {
            let o = programs_at + p * PROGRAM;
            let (at, len) = (self.u32_at(o), self.u32_at(o + 4));
            &self.bytes()[at..at + len]
        };
        for program in &probe.programs {
            let wanted = program.as_bytes();
            let first = partition_point(self.programs, |p| name(p) < wanted);
            for p in first..self.programs {
                if name(p) != wanted {
                    break;
                }
                chosen[self.u32_at(programs_at + p * PROGRAM + 8)] = true;
            }
        }
        let literals_at = programs_at + self.programs * PROGRAM;
        for l in 0..self.literals {
            let o = literals_at + l * LITERAL;
            let slot = self.u32_at(o);
            if chosen[slot] {
                continue;
            }
            chosen[slot] = match probe.grams {
                None => true,
                Some(grams) => (0..4).all(|i| grams.has(self.u16_at(o + 4 + 2 * i))),
            };
        }
        (0..self.slots)
            .filter(|s| {
                chosen[*s]
                    && self.on(*s)
                    && self.u16_at(HEAD + s * SLOT + 22) & (probe.tool | OTHER_TOOL) != 0
            })
            .collect()
    }
}

/// The first index in `0..n` for which `before` is false (`before` true, then false).
fn partition_point(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> Vec<Rule> {
        let mut text = String::from("[pack]\nid = \"t\"\ndescription = \"t\"\n");
        for i in 0..20 {
            text.push_str(&format!(
                "[[rule]]\nname = \"r{i}\"\ndecision = \"deny\"\ntools = [\"Bash\"]\n\
                 message = \"m\"\nremediation = \"r\"\n[[rule.match]]\nprogram = \"tool{i}\"\n\
                 [[rule.match]]\ntext = [{{ on = [\"args\"], regex = 'word{i}x' }}]\n"
            ));
        }
        let (pack, d) = crate::pack::schema::read_example_pack("t.toml", &text);
        assert!(d.is_empty(), "{d:?}");
        pack.unwrap().rules
    }

    #[test]
    fn programs_and_literals_pick_their_rules_only() {
        let rules = rules();
        let (eager, section) = build(&rules);
        assert!(eager.is_empty());
        let len = section.len();
        let d = Deferred::open(section, 0, len, Rest::None, eager, Default::default()).unwrap();
        assert_eq!(d.len(), 20);
        let mut grams = Grams::new();
        grams.add(b"echo WORD7X and word1");
        let mut probe = Probe::new("Bash", Some(&grams));
        probe.program("TOOL3");
        assert_eq!(d.candidates(&probe), vec![3, 7]);
        assert_eq!(d.decode(7).unwrap().id, "t.r7");
        // Another tool: none apply.
        let probe = Probe::new("Write", Some(&grams));
        assert!(d.candidates(&probe).is_empty());
        // Texts too large for the sketch: every literal may be there.
        let probe = Probe::new("Bash", None);
        assert_eq!(d.candidates(&probe).len(), 20);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// A damaged section is refused when opened, or read without a panic.
        #[test]
        fn damaged_sections_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
            let rules = rules();
            let (eager, mut section) = build(&rules);
            for (at, bits) in flips {
                let i = at % section.len();
                section[i] ^= bits;
            }
            section.truncate(section.len() - cut % 64);
            let len = section.len();
            if let Some(d) = Deferred::open(section, 0, len, Rest::None, eager, Default::default()) {
                let mut grams = Grams::new();
                grams.add(b"tool1 word2x word13x");
                let mut probe = Probe::new("Bash", Some(&grams));
                probe.program("tool5");
                for slot in d.candidates(&probe) {
                    let _ = d.decode(slot);
                    let _ = d.id(slot);
                }
                let _ = d.all();
            }
        }
    }
}
