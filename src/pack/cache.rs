//! Packs as the hook last read them, so a call does not parse TOML again: each pack that
//! read without a problem is kept in a compact binary form (postcard) in `pack-cache/`
//! beside the journal, in a file named by a SHA-256 over everything that shaped it
//! (toolgate's version and binary, the pack's file name and text, the policy's variables).
//! Path globs are kept as written (`{HOME}`) and substituted as an entry is decoded, so an
//! entry does not depend on the account or folder that wrote it.
//!
//! A changed pack, policy variable or binary has another key, so a stale entry is never
//! read. A file is written to a temporary name and renamed, so readers see a whole entry
//! or none. An entry that is short, corrupt or of another key is ignored and the pack is
//! read from its text (and the entry written again). The folder is used only when it
//! belongs to this user and nobody else can write to it; the self-protection pack keeps
//! the agent out of it, as it does for the journal.
//!
//! Whoever can write the folder can forge an entry, so an entry stands in for a pack only
//! when this user could replace the pack's source anyway (see [`Source::may_be_cached`]),
//! and never for a signed policy, whose files are checked against the signature on every
//! call. A root-owned install (binary, managed policy) is served by the **system folder**
//! (`/var/cache/toolgate`) instead: root owns it and alone writes it, and root could
//! replace every source anyway. Root's `toolgate install --scope managed` makes and fills
//! it and root's `toolgate doctor` refills it (root's own hook calls keep to root's own
//! folder); every account reads it.

use super::Pack;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"TGPACK3\n";
/// Where an entry's payload starts: magic, key, CRC-32.
const PAYLOAD: usize = 8 + 32 + 4;
/// Entries up to this size are read whole; larger ones keep their rule bodies in the file.
const STREAMED: usize = 128 << 10;
/// Larger entries are not read: a generated policy of 3,000 rules is about 0.5 MiB.
const MAX_ENTRY: u64 = 32 << 20;
/// Entries kept; beyond this the oldest are removed when a new one is written.
const MAX_ENTRIES: usize = 64;

/// How this process's packs were read: from this user's folder, from the system folder,
/// or from their text (for `toolgate doctor`).
static TALLY: [std::sync::atomic::AtomicUsize; 3] =
    [const { std::sync::atomic::AtomicUsize::new(0) }; 3];

/// Count a pack read from `from` (`None`: from its text).
pub fn tally(from: Option<&Cache>) {
    let i = from.map_or(2, |c| usize::from(c.is_system()));
    TALLY[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// Packs read so far: (from this user's folder, from the system folder, from their text).
pub fn tallied() -> (usize, usize, usize) {
    let n = |i: usize| TALLY[i].load(std::sync::atomic::Ordering::Relaxed);
    (n(0), n(1), n(2))
}

/// Where a pack's text came from, which decides whether a cached form may stand in for it.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// Compiled into the binary.
    BuiltIn,
    /// A pack file.
    File(&'a Path),
}

impl Source<'_> {
    /// A cache entry can be forged by whoever can write the cache folder: this user. So
    /// it may stand in for a pack only when this user could replace the pack's source
    /// anyway (the binary for a built-in pack, the file otherwise). A root-owned install
    /// (binary, managed policy) is served by the system folder, or read from its source.
    pub fn may_be_cached(self) -> bool {
        match self {
            Source::BuiltIn => {
                static BINARY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
                *BINARY.get_or_init(|| {
                    std::env::current_exe().is_ok_and(|exe| replaceable_by_user(&exe))
                })
            }
            Source::File(path) => replaceable_by_user(path),
        }
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Can this user write `path`, or replace it through its folder?
fn replaceable_by_user(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let writable = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            // SAFETY: a valid NUL-terminated path; access has no other preconditions.
            .is_ok_and(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
    };
    writable(path) || path.parent().is_some_and(writable)
}

/// Set when this process fills the system folder (root's `install` and `doctor`).
static FILL_SYSTEM: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// From now on, read and write every pack through the system folder (run as root; `make`
/// creates the folder, mode 0755, when missing). The folder must be root's and writable by
/// root alone, or nobody will use it.
pub fn fill_system_dir(make: bool) -> Result<PathBuf, String> {
    let dir = crate::deployment::system_cache_dir();
    let shown = dir.display();
    if !is_root() {
        return Err(format!("only root writes {shown}"));
    }
    if make {
        match std::fs::DirBuilder::new().mode(0o755).create(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(format!("cannot make {shown}: {e}"));
            }
            _ => {}
        }
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_dir() || meta.uid() != 0 || meta.permissions().mode() & 0o022 != 0 {
        return Err(format!(
            "{shown} must be a folder owned by root and writable by root alone (chown root {shown}; chmod 755 {shown})"
        ));
    }
    FILL_SYSTEM.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(dir)
}

/// The cache folder of one context.
pub struct Cache {
    dir: PathBuf,
    /// What every key starts with: version, binary and the policy's variables.
    salt: Vec<u8>,
    /// This context's places, substituted into path globs as entries are decoded.
    places: crate::shared::matcher::Places,
    /// False for the system folder read by a user other than its owner.
    writable: bool,
    /// Entries of the system folder are read by every account.
    mode: u32,
}

/// What goes into every key besides the pack itself.
pub struct Salt<'a> {
    pub ctx: &'a crate::normalize::Context,
    pub vars: &'a std::collections::HashMap<String, std::collections::HashMap<String, String>>,
}

impl Cache {
    /// The folder whose entries may stand in for a pack from `source`: this user's, for a
    /// source this user could replace anyway; else the system folder, which may stand in
    /// for any source, since only root writes it and root could replace them all. Root
    /// writes it only when asked ([`fill_system_dir`]): its own hook calls keep to its own
    /// folder.
    pub fn for_source(salt: &Salt, source: Source) -> Option<Cache> {
        if FILL_SYSTEM.load(std::sync::atomic::Ordering::Relaxed) && is_root() {
            return Cache::system(salt);
        }
        match source.may_be_cached() {
            // Root's own calls keep to its own folder (the system one is filled on request).
            true if is_root() => Cache::open(salt),
            true => Cache::open(salt).or_else(|| Cache::system(salt)),
            false => Cache::system(salt),
        }
    }

    /// The system folder, when root owns it, only root can write it, and this user cannot
    /// replace it through its parent.
    fn system(salt: &Salt) -> Option<Cache> {
        let dir = crate::deployment::system_cache_dir();
        let meta = std::fs::symlink_metadata(&dir).ok()?;
        let root_only = meta.is_dir() && meta.uid() == 0 && meta.permissions().mode() & 0o022 == 0;
        let root = is_root();
        if !root_only || (!root && dir.parent().is_none_or(replaceable_by_user)) {
            return None;
        }
        Some(Cache {
            dir,
            salt: salt_bytes(salt),
            places: crate::pack::schema::places(salt.ctx),
            writable: root,
            mode: 0o644,
        })
    }

    /// The context's cache folder (beside the journal), when it has one that is safe to use.
    fn open(salt: &Salt) -> Option<Cache> {
        let dir = PathBuf::from(salt.ctx.pack_cache.as_deref()?);
        if std::fs::symlink_metadata(&dir).is_err() {
            // The journal's folder, made as the journal makes it (mode 0700).
            crate::shared::fs::ensure_private_dir(dir.parent()?).ok()?;
            let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        }
        let meta = std::fs::symlink_metadata(&dir).ok()?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let private = meta.is_dir() && meta.uid() == me && meta.permissions().mode() & 0o022 == 0;
        private.then(|| Cache {
            dir,
            salt: salt_bytes(salt),
            places: crate::pack::schema::places(salt.ctx),
            writable: true,
            mode: 0o600,
        })
    }

    /// The key of a pack read from `file` whose text has this SHA-256 (empty for a
    /// built-in pack: the binary is in every key).
    pub fn key(&self, file: &str, text_digest: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&self.salt);
        for part in [file.as_bytes(), text_digest] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.finalize().into()
    }

    /// The key of a pack file by what the file system says of it, so an unchanged file is
    /// neither read nor hashed (a 3,000-rule pack is about 0.8 MiB of text). Any write
    /// changes the change time, which no user can set; an entry under this key is written
    /// only when that time is old enough that a write in the same clock tick is past (see
    /// [`settled`]).
    pub fn stat_key(&self, file: &str, meta: &std::fs::Metadata) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&self.salt);
        h.update(b"stat");
        h.update((file.len() as u64).to_le_bytes());
        h.update(file.as_bytes());
        for n in [
            meta.dev(),
            meta.ino(),
            meta.len(),
            meta.mtime() as u64,
            meta.mtime_nsec() as u64,
            meta.ctime() as u64,
            meta.ctime_nsec() as u64,
        ] {
            h.update(n.to_le_bytes());
        }
        h.finalize().into()
    }

    /// The system folder (root's, read by every account)?
    pub fn is_system(&self) -> bool {
        self.mode != 0o600
    }

    fn path(&self, key: &[u8; 32]) -> PathBuf {
        self.dir
            .join(format!("{}.pack", crate::shared::digest::hex(key)))
    }

    /// The pack stored under `key` and the SHA-256 of its text, if a whole, uncorrupted
    /// entry is there.
    pub fn get(&self, key: &[u8; 32]) -> Option<(Pack, [u8; 32])> {
        let (front, len, rest) = self.read_checked(key, true)?;
        decode(front, len, rest, &self.places)
    }

    /// A whole entry stored under `key`, checked.
    fn read_entry(&self, key: &[u8; 32]) -> Option<Vec<u8>> {
        self.read_checked(key, false).map(|(bytes, ..)| bytes)
    }

    /// The entry stored under `key`, checked whole (a CRC-32 finds a damaged entry; a
    /// forged one needs write access to the folder, which this user has anyway: see the
    /// overview). With `lean`, a large entry is checked as it streams through a small buffer
    /// and only the part before its rule bodies is kept: the bodies stay in the file, read
    /// when a call needs one (a 3,000-rule entry is about 0.5 MiB, and copying it into fresh
    /// memory was most of what such a policy cost over one of 300).
    fn read_checked(
        &self,
        key: &[u8; 32],
        lean: bool,
    ) -> Option<(Vec<u8>, usize, super::index::Rest)> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(self.path(key)).ok()?;
        let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
        if len as u64 > MAX_ENTRY || len < PAYLOAD {
            return None;
        }
        let mut front = Vec::new();
        let mut crc = crc32fast::Hasher::new();
        let mut keep = None;
        if !lean || len <= STREAMED {
            (&mut file).take(MAX_ENTRY).read_to_end(&mut front).ok()?;
            crc.update(front.get(PAYLOAD..)?);
        } else {
            // Read until the part before the bodies is known and in, straight into `front`
            // (`read_to_end` fills spare capacity without zeroing it); then the bodies only
            // pass through a small buffer for the checksum.
            let mut want = 16 << 10;
            let k = loop {
                let have = front.len();
                front.reserve_exact(want - have);
                let n = (&mut file)
                    .take((want - have) as u64)
                    .read_to_end(&mut front)
                    .ok()?;
                if let Some(k) = kept_part(&front, len) {
                    break k;
                }
                if n < want - have || want >= len {
                    return None;
                }
                want = (want * 2).min(len);
            };
            if k > front.len() {
                let more = k - front.len();
                front.reserve_exact(more);
                (&mut file).take(more as u64).read_to_end(&mut front).ok()?;
            }
            crc.update(front.get(PAYLOAD..)?);
            let mut at = front.len();
            let mut buffer = vec![0; 32 << 10];
            loop {
                let n = file.read(&mut buffer).ok()?;
                if n == 0 {
                    break;
                }
                crc.update(&buffer[..n]);
                at += n;
            }
            if at != len {
                return None;
            }
            keep = Some(k);
        }
        let stored_key = front.get(8..40)?;
        let checksum = front.get(40..PAYLOAD)?;
        if !front.starts_with(MAGIC)
            || stored_key != key
            || checksum != crc.finalize().to_le_bytes()
        {
            return None;
        }
        match keep {
            Some(k) if k < len => {
                front.truncate(k);
                Some((front, len, super::index::Rest::File(file)))
            }
            _ => Some((front, len, super::index::Rest::None)),
        }
    }

    /// Store `pack` (whose text has SHA-256 `digest`) under `key`. Failures are ignored:
    /// the next call reads the text again.
    pub fn put(&self, key: &[u8; 32], pack: &Pack, digest: &[u8; 32]) {
        if !self.writable {
            return;
        }
        if let Some(payload) = encode(pack, digest) {
            self.write_entry(key, &payload);
        }
    }

    /// Store the entry of `from` under `to` as well (a pack read from the cache has rules
    /// not decoded, so it is copied rather than written again).
    pub fn copy(&self, from: &[u8; 32], to: &[u8; 32]) {
        if !self.writable {
            return;
        }
        if let Some(entry) = self.read_entry(from) {
            self.write_entry(to, &entry[PAYLOAD..]);
        }
    }

    fn write_entry(&self, key: &[u8; 32], payload: &[u8]) {
        let mut entry = Vec::with_capacity(PAYLOAD + payload.len());
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(key);
        entry.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        entry.extend_from_slice(payload);
        let target = self.path(key);
        let temporary = target.with_extension(format!("tmp{}", std::process::id()));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(self.mode)
            .open(&temporary)
            .and_then(|mut f| f.write_all(&entry));
        if written.is_err() || std::fs::rename(&temporary, &target).is_err() {
            let _ = std::fs::remove_file(&temporary);
            return;
        }
        self.prune();
    }

    /// Keep the newest `MAX_ENTRIES` entries (old policies and binaries leave theirs).
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let modified = e.metadata().ok()?.modified().ok()?;
                Some((modified, e.path()))
            })
            .collect();
        if files.len() <= MAX_ENTRIES {
            return;
        }
        files.sort();
        for (_, path) in &files[..files.len() - MAX_ENTRIES] {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Has the file not changed since well before now? Only then may it be found by
/// [`Cache::stat_key`]: a write in the same tick as the one read would keep its times.
pub fn settled(before: &std::fs::Metadata, after: &std::fs::Metadata) -> bool {
    let same = |m: &std::fs::Metadata| {
        (
            m.dev(),
            m.ino(),
            m.len(),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        )
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    same(before) == same(after) && after.ctime() < now - 2
}

/// The pack's head (what is decoded on every call) as written.
#[derive(serde::Serialize)]
struct HeadOut<'a> {
    digest: &'a [u8; 32],
    id: &'a str,
    description: &'a str,
    file: &'a str,
    programs: &'a [super::ProgramSpec],
    /// The rules decoded with the pack, and where each stands among all of them.
    rules: Vec<&'a super::Rule>,
    positions: &'a [u32],
}

#[derive(serde::Deserialize)]
struct HeadIn {
    digest: [u8; 32],
    id: String,
    description: String,
    file: String,
    programs: Vec<super::ProgramSpec>,
    rules: Vec<super::Rule>,
    positions: Vec<u32>,
}

/// An entry's payload: the head's length, the head, then the deferred rules' section
/// (`super::index`).
fn encode(pack: &Pack, digest: &[u8; 32]) -> Option<Vec<u8>> {
    let (positions, section) = super::index::build(&pack.rules);
    let head = HeadOut {
        digest,
        id: &pack.id,
        description: &pack.description,
        file: &pack.file,
        programs: &pack.programs,
        rules: positions.iter().map(|p| &pack.rules[*p as usize]).collect(),
        positions: &positions,
    };
    let head = postcard::to_stdvec(&head).ok()?;
    let mut payload = Vec::with_capacity(4 + head.len() + section.len());
    payload.extend_from_slice(&u32::try_from(head.len()).ok()?.to_le_bytes());
    payload.extend_from_slice(&head);
    payload.extend_from_slice(&section);
    Some(payload)
}

/// How much of an entry `len` bytes long to keep in memory, once `front` holds enough of
/// it to tell: everything before the deferred rules' bodies.
fn kept_part(front: &[u8], len: usize) -> Option<usize> {
    let head = u32::from_le_bytes(front.get(PAYLOAD..PAYLOAD + 4)?.try_into().ok()?) as usize;
    let section_at = PAYLOAD + 4 + head;
    if section_at >= len {
        return Some(len);
    }
    let bodies_at = super::index::bodies_at(front.get(section_at..)?)?;
    Some(section_at.saturating_add(bodies_at).min(len))
}

/// A checked entry's pack (`entry` holds at least the part before the rule bodies, the
/// entry is `len` bytes long); the deferred rules keep the entry's bytes (no copy).
fn decode(
    entry: Vec<u8>,
    total: usize,
    rest: super::index::Rest,
    places: &crate::shared::matcher::Places,
) -> Option<(Pack, [u8; 32])> {
    let payload = entry.get(PAYLOAD..)?;
    let (head_len, after) = payload.split_first_chunk::<4>()?;
    let head_len = u32::from_le_bytes(*head_len) as usize;
    let mut head: HeadIn = postcard::from_bytes(after.get(..head_len)?).ok()?;
    for block in head.rules.iter_mut().flat_map(|r| r.blocks.iter_mut()) {
        block.place(places);
    }
    if head.positions.len() != head.rules.len() {
        return None;
    }
    let section_at = PAYLOAD + 4 + head_len;
    let deferred = match total > section_at {
        true => Some(super::index::Deferred::open(
            entry,
            section_at,
            total - section_at,
            rest,
            head.positions,
            places.clone(),
        )?),
        false => None,
    };
    let pack = Pack {
        id: head.id,
        description: head.description,
        layer: "built-in",
        file: head.file,
        rules: head.rules,
        programs: head.programs,
        deferred,
    };
    Some((pack, head.digest))
}

fn salt_bytes(salt: &Salt) -> Vec<u8> {
    let mut out = Vec::new();
    let mut part = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    part(b"toolgate pack cache 2");
    part(env!("CARGO_PKG_VERSION").as_bytes());
    // The binary itself: a rebuilt toolgate of the same version may lay packs out otherwise,
    // and built-in packs are keyed by their file name alone (their text is in the binary).
    // Without a binary to name, built-in packs are not cached (`Source::may_be_cached`).
    static BINARY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let binary = BINARY.get_or_init(|| {
        std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| {
                let (dev, ino, len) = (m.dev(), m.ino(), m.len());
                format!("{dev} {ino} {len} {}.{:09}", m.mtime(), m.mtime_nsec())
            })
            .unwrap_or_default()
    });
    part(binary.as_bytes());
    // The context's places are not in the key: entries keep path globs as written and
    // substitute them when decoded, so root's entries serve every account.
    let mut vars: Vec<(&String, Vec<(&String, &String)>)> = salt
        .vars
        .iter()
        .map(|(pack, values)| {
            let mut values: Vec<_> = values.iter().collect();
            values.sort();
            (pack, values)
        })
        .collect();
    vars.sort();
    for (pack, values) in vars {
        part(pack.as_bytes());
        part(&(values.len() as u64).to_le_bytes());
        for (k, v) in values {
            part(k.as_bytes());
            part(v.as_bytes());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_pack_survives_the_round_trip() {
        for (file, text) in crate::pack::BUILTIN {
            let (pack, d) = crate::pack::schema::read_example_pack(file, text);
            assert!(d.is_empty(), "{file}: {d:?}");
            let pack = pack.unwrap();
            let bytes = postcard::to_stdvec(&pack).unwrap();
            let back: Pack = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(postcard::to_stdvec(&back).unwrap(), bytes, "{file}");
            let ids = |p: &Pack| p.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&back), ids(&pack), "{file}");
            assert_eq!(back.programs.len(), pack.programs.len(), "{file}");
        }
    }

    #[test]
    fn only_sources_this_user_could_replace_may_be_cached() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("pack.toml");
        std::fs::write(&mine, "x").unwrap();
        assert!(Source::File(&mine).may_be_cached());
        let nowhere = Path::new("/nonexistent-toolgate-folder/pack.toml");
        assert!(!Source::File(nowhere).may_be_cached());
    }

    #[test]
    fn keys_differ_by_file_text_and_variables() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = crate::normalize::Context::example();
        ctx.pack_cache = Some(dir.path().join("pack-cache").display().to_string());
        let none = std::collections::HashMap::new();
        let mut some = std::collections::HashMap::new();
        some.insert(
            "db-prod".to_string(),
            [("hosts".to_string(), "a".to_string())].into(),
        );
        let plain = Cache::open(&Salt {
            ctx: &ctx,
            vars: &none,
        })
        .unwrap();
        let with_vars = Cache::open(&Salt {
            ctx: &ctx,
            vars: &some,
        })
        .unwrap();
        let key = plain.key("a.toml", b"x");
        assert_eq!(key, plain.key("a.toml", b"x"));
        assert_ne!(key, plain.key("b.toml", b"x"));
        assert_ne!(key, plain.key("a.toml", b"y"));
        assert_ne!(key, with_vars.key("a.toml", b"x"));
        // Length-prefixed parts: moving bytes between file name and text changes the key.
        assert_ne!(plain.key("a.tom", b"lx"), key);
    }
}
