//! Marshalling a [`State`] into a `pb.Definition`, as Go's
//! `State.Marshal` does:
//!
//! 1. ops are visited depth-first, inputs before the op (in the order each
//!    op kind lists them), each distinct node once;
//! 2. each op is encoded deterministically, written field by field straight
//!    from its State (the private `wire` module) to the bytes its `pb::Op` would encode to
//!    (debug builds check each one against that encoding); its digest is
//!    sha256 of the bytes; `def` gets the bytes once per distinct digest
//!    (equal ops built separately collapse into one);
//! 3. `metadata[digest]` merges the metadata of every node with that digest
//!    (caps, description, progress group, …);
//! 4. a last, output-only op `Op{inputs: [result]}` is appended; its
//!    metadata has caps `constraints` and `platform`, plus
//!    `meta.ignorecache` / `meta.description` / `meta.exportcache` when
//!    any op uses them;
//! 5. `source` holds the source maps and, for every op digest, its
//!    locations.
//!
//! Marshalling scratch gives an empty Definition. Use
//! [`crate::definition::encode_definition`] for the bytes.

use std::borrow::Cow;
use std::collections::HashSet;
use std::convert::Infallible;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::io::Write;

use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint};

use crate::digest::{Digest, DigestHasher, DigestMap};
use crate::pb;
use crate::source_map::{SourceLocation, SourceMapCollector};
use crate::state::caps::{self, CapSet};
use crate::state::constraints::{Constraints, OpMeta};
use crate::state::definition::DefinitionOp;
use crate::state::image_ref::ReferenceError;
use crate::state::node::{OpKind, OpNode, Output};
use crate::state::{Platform, State};

mod metadata;
pub(crate) mod wire;

use metadata::MergedMeta;
use wire::{delimited_len, put_bytes, put_message, put_str};

/// Why a State does not marshal (messages are upstream's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarshalError {
    /// A source with an empty identifier.
    #[error("source identifier can't be empty")]
    EmptySourceIdentifier,
    /// An image reference that does not parse.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// An exec without arguments.
    #[error("arguments are required")]
    NoArgs,
    /// An exec without a working directory.
    #[error("working directory is required")]
    NoWorkingDir,
    /// A tmpfs mount with a source.
    #[error("tmpfs mounts must use scratch")]
    TmpfsWithSource,
    /// A merge of fewer than two inputs.
    #[error("merge must have at least 2 inputs")]
    MergeTooFewInputs,
    /// A Definition-backed State with no op.
    #[error("cannot marshal empty definition op")]
    EmptyDefinitionOp,
    /// A Definition-backed op from a Definition without ops or metadata.
    #[error("invalid definition op with no ops {ops} {metas}")]
    DefinitionWithoutOps {
        /// How many ops the Definition has.
        ops: usize,
        /// How many metadata entries it has.
        metas: usize,
    },
    /// A Definition-backed op whose digest names no op of its Definition.
    #[error("invalid definition op with unknown op {0:?}")]
    DefinitionUnknownOp(String),
    /// A Definition-backed op without metadata in its Definition.
    #[error("invalid definition op with unknown metas {0:?}")]
    DefinitionUnknownMetadata(String),
    /// A Definition-backed op reached through a negative output index.
    #[error("invalid definition op with invalid index")]
    DefinitionInvalidIndex,
    /// An op was marshalled before one of its inputs (a bug).
    #[error("internal error: input of an op marshalled out of order")]
    InputOutOfOrder,
    /// [`marshal_to_writer`] could not write the Definition (the I/O error's message).
    #[error("writing the Definition: {0}")]
    Write(String),
}

/// Marshal-wide settings (Go's `Marshal` constraint options).
#[derive(Clone, Debug)]
pub struct MarshalOptions {
    /// Base constraints layered under every op's: the default platform
    /// (ops without one of their own use it), worker constraints and
    /// metadata added to every op, and the default `local.unique`.
    pub constraints: Constraints,
    /// The daemon's capabilities, when known (Go's `WithCaps`); decides
    /// between recording `exec.meta.setsdefaultpath` and adding a default
    /// `PATH` to execs.
    pub caps: Option<CapSet>,
    /// Also record the file-action caps of [`FileAction::required_caps`]
    /// (upstream does not; off by default for identical metadata).
    ///
    /// [`FileAction::required_caps`]: crate::state::FileAction::required_caps
    pub record_file_action_caps: bool,
}

impl Default for MarshalOptions {
    fn default() -> MarshalOptions {
        MarshalOptions::new()
    }
}

impl MarshalOptions {
    /// The host platform as default, a fresh random `local.unique` (as Go's
    /// `NewConstraints`), no daemon caps.
    pub fn new() -> MarshalOptions {
        MarshalOptions {
            constraints: Constraints::new()
                .platform(Platform::host())
                .local_unique_id(new_id()),
            caps: None,
            record_file_action_caps: false,
        }
    }

    /// Sets the default platform.
    pub fn platform(mut self, platform: Platform) -> MarshalOptions {
        self.constraints.platform = Some(platform);
        self
    }

    /// Sets the default `local.unique` id.
    pub fn local_unique_id(mut self, id: impl Into<String>) -> MarshalOptions {
        self.constraints.local_unique_id = Some(id.into());
        self
    }

    /// Sets the daemon's capabilities.
    pub fn caps(mut self, caps: CapSet) -> MarshalOptions {
        self.caps = Some(caps);
        self
    }

    /// Replaces the base constraints (keeping the platform and
    /// `local.unique` when the new ones have none).
    pub fn constraints(mut self, constraints: Constraints) -> MarshalOptions {
        let old = std::mem::replace(&mut self.constraints, constraints);
        if self.constraints.platform.is_none() {
            self.constraints.platform = old.platform;
        }
        if self.constraints.local_unique_id.is_none() {
            self.constraints.local_unique_id = old.local_unique_id;
        }
        self
    }
}

/// A random 25-character base-36 id, like BuildKit's `identity.NewID`.
///
/// The process draws one random seed (from std's hasher keys, the time and the process id);
/// each id is then the next two numbers of a counter from that seed, each scrambled by
/// splitmix64, a bijection: ids never repeat within a process.
pub fn new_id() -> String {
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(t.as_nanos());
        }
        h.write_u32(std::process::id());
        h.finish()
    });
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let word = |i: u64| u128::from(splitmix64(seed.wrapping_add(n.wrapping_mul(2) + i)));
    let mut value = (word(0) << 64) | word(1);
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; 25];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value % 36) as usize];
        value /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// splitmix64's output function: a bijection of `u64` that scrambles its bits.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Field number of `pb.Op`'s `exec` payload.
pub(crate) const OP_EXEC: u32 = 2;
/// Field number of `pb.Op`'s `source` payload.
pub(crate) const OP_SOURCE: u32 = 3;
/// Field number of `pb.Op`'s `file` payload.
pub(crate) const OP_FILE: u32 = 4;
/// Field number of `pb.Op`'s `merge` payload.
pub(crate) const OP_MERGE: u32 = 6;
/// Field number of `pb.Op`'s `diff` payload.
pub(crate) const OP_DIFF: u32 = 7;

/// One input edge of the op being marshalled (a `pb.Input`): an output of an op already
/// marshalled, by its digest.
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct OpInput<'a> {
    /// The digest of the op.
    pub(crate) digest: &'a Digest,
    /// The output's index.
    pub(crate) index: i64,
}

impl OpInput<'_> {
    /// Writes this input as field 1 (`inputs`) of a `pb.Op`.
    fn write(&self, buf: &mut Vec<u8>) {
        wire::message(buf, 1, |b| {
            wire::string(b, 1, self.digest.as_str());
            wire::int64(b, 2, self.index);
        });
    }
}

/// What one op kind contributes to its `pb.Op`, besides the payload's body, which the kind
/// writes to the buffer its `marshal` is given.
pub(crate) struct OpParts<'a> {
    /// The op's inputs.
    pub(crate) inputs: Vec<OpInput<'a>>,
    /// The payload's field number in `pb.Op` (its member of the `op` oneof).
    pub(crate) tag: u32,
    /// The op's own platform, before the marshal default.
    pub(crate) platform: Option<&'a Platform>,
    /// Whether the op is written with a platform.
    pub(crate) keep_platform: bool,
    /// Caps the payload needs, besides those in the op's constraints.
    pub(crate) caps: Vec<&'static str>,
}

/// What an op kind can see while marshalling: the options and the digests
/// of ops already marshalled.
pub(crate) struct OpContext<'a> {
    /// Marshal-wide settings.
    pub(crate) options: &'a MarshalOptions,
    digests: &'a DigestMap<usize, Digest>,
}

impl<'a> OpContext<'a> {
    /// The input naming `output`.
    pub(crate) fn input(&self, output: &Output) -> Result<OpInput<'a>, MarshalError> {
        let digest = self
            .digests
            .get(&output.node_key())
            .ok_or(MarshalError::InputOutOfOrder)?;
        Ok(OpInput {
            digest,
            index: output.index(),
        })
    }

    /// The position of `output`'s input in `inputs`, added at the end when it is not there
    /// yet: execs and file ops list each distinct input (digest and index) once.
    pub(crate) fn input_index(
        &self,
        inputs: &mut Vec<OpInput<'a>>,
        output: &Output,
    ) -> Result<i64, MarshalError> {
        let input = self.input(output)?;
        let at = match inputs.iter().position(|i| *i == input) {
            Some(at) => at,
            None => {
                inputs.push(input);
                inputs.len() - 1
            }
        };
        Ok(at as i64)
    }
}

/// Marshals `state` (see the module docs).
pub fn marshal(state: &State, options: &MarshalOptions) -> Result<pb::Definition, MarshalError> {
    Ok(match Marshaller::run(state, options)? {
        Some(m) => m.into_pb(),
        None => pb::Definition::default(),
    })
}

/// The bytes of [`marshal`]'s Definition, as
/// [`encode_definition`](crate::definition::encode_definition) writes them, encoded straight
/// from the marshalled ops: the Definition's maps are never built.
pub fn marshal_to_bytes(state: &State, options: &MarshalOptions) -> Result<Vec<u8>, MarshalError> {
    Ok(match Marshaller::run(state, options)? {
        Some(m) => m.encode(),
        None => Vec::new(),
    })
}

/// How many encoded bytes [`marshal_to_writer`] collects before each write.
const WRITE_BUFFER: usize = 64 << 10;

/// [`marshal_to_bytes`]'s bytes, written to `out` as they are encoded, `WRITE_BUFFER` (64 KiB)
/// at a time: the whole Definition is never held in memory (otherwise a conversion's largest
/// allocation), and its size is never summed beforehand. Nothing is written when the State
/// does not marshal; a write error is [`MarshalError::Write`].
pub fn marshal_to_writer(
    state: &State,
    options: &MarshalOptions,
    out: &mut dyn Write,
) -> Result<(), MarshalError> {
    let Some(m) = Marshaller::run(state, options)? else {
        return Ok(());
    };
    let mut buf = Vec::with_capacity(WRITE_BUFFER);
    m.write(&mut buf, m.source_len(), |buf| {
        if buf.len() >= WRITE_BUFFER {
            out.write_all(buf)?;
            buf.clear();
        }
        Ok(())
    })
    .and_then(|()| out.write_all(&buf))
    .map_err(|e: std::io::Error| MarshalError::Write(e.to_string()))
}

/// The metadata of one digest, as contributed so far.
enum EntryMeta<'a> {
    /// Nothing yet.
    Empty,
    /// One op (the usual case), merged only when written: the marshal options' metadata, the
    /// op's own, then the caps its payload needs.
    Op(&'a OpNode, Vec<&'static str>),
    /// Several contributions, merged as they came (boxed: rare, and an inline `OpMeta`
    /// would make every entry several times larger).
    Merged(Box<OpMeta>),
}

impl<'a> EntryMeta<'a> {
    /// Adds `view`'s contributions (on top of what `view` holds).
    fn fill<'v>(&'v self, base: &'v OpMeta, view: &mut MergedMeta<'v>) {
        match self {
            EntryMeta::Empty => {}
            EntryMeta::Op(node, caps) => {
                view.merge(base);
                view.merge(&node.constraints.metadata);
                for cap in caps {
                    view.add_cap(cap);
                }
            }
            EntryMeta::Merged(meta) => view.merge(meta),
        }
    }

    /// The merged metadata, owned.
    fn to_owned_meta(&self, base: &OpMeta) -> OpMeta {
        let mut view = MergedMeta::default();
        self.fill(base, &mut view);
        view.to_op_meta()
    }

    /// Whether the merged metadata sets `ignore_cache`, has a description, sets
    /// `export_cache`.
    fn flags(&self, base: &OpMeta) -> (bool, bool, bool) {
        let of = |m: &OpMeta| {
            (
                m.ignore_cache,
                !m.description.is_empty(),
                m.export_cache.is_some(),
            )
        };
        match self {
            EntryMeta::Empty => (false, false, false),
            EntryMeta::Op(node, _) => {
                let (a, b) = (of(base), of(&node.constraints.metadata));
                (a.0 || b.0, a.1 || b.1, a.2 || b.2)
            }
            EntryMeta::Merged(meta) => of(meta),
        }
    }
}

/// One distinct op digest.
struct Entry<'a> {
    digest: Digest,
    /// [`Digest::head`], kept beside it: sorting compares it without reading the text.
    head: u64,
    meta: EntryMeta<'a>,
    /// `Source.locations` of the digest; `None` for the output-only root op.
    locations: Option<Vec<pb::Location>>,
}

struct Marshaller<'a> {
    options: &'a MarshalOptions,
    /// Digest of every node marshalled, by node identity.
    digests: DigestMap<usize, Digest>,
    /// Position in `entries` (and in `def`) of each distinct digest.
    index: DigestMap<Digest, usize>,
    /// Each distinct op, in `def` order.
    entries: Vec<Entry<'a>>,
    def: Vec<Vec<u8>>,
    sources: SourceMapCollector,
    /// Scratch for the payload body of the op being marshalled.
    body: Vec<u8>,
    /// Scratch for the fields written before the payload.
    head: Vec<u8>,
}

/// A marshalled graph before it is written: ops in `def` order, entries sorted by digest.
struct Marshalled<'a> {
    base: &'a OpMeta,
    def: Vec<Vec<u8>>,
    entries: Vec<Entry<'a>>,
    infos: Vec<pb::SourceInfo>,
}

impl<'a> Marshaller<'a> {
    /// Marshals every op reachable from `state` and the output-only root op; `None` for
    /// scratch.
    fn run(
        state: &'a State,
        options: &'a MarshalOptions,
    ) -> Result<Option<Marshalled<'a>>, MarshalError> {
        let Some(root) = state.output() else {
            return Ok(None);
        };
        // Every table gets its final size at once: grown by doubling, the copies each left
        // behind would add up to about as much again as the tables (the allocator keeps freed
        // blocks for their own size).
        let order = post_order(&root.node);
        let n = order.len() + 1;
        let mut m = Marshaller {
            options,
            digests: DigestMap::with_capacity_and_hasher(n, Default::default()),
            index: DigestMap::with_capacity_and_hasher(n, Default::default()),
            entries: Vec::with_capacity(n),
            def: Vec::with_capacity(n),
            sources: SourceMapCollector::default(),
            body: Vec::new(),
            head: Vec::new(),
        };
        for node in order {
            m.emit(node)?;
        }
        m.add_root(root)?;
        let mut entries = m.entries;
        entries.sort_unstable_by(|a, b| a.head.cmp(&b.head).then_with(|| a.digest.cmp(&b.digest)));
        Ok(Some(Marshalled {
            base: &options.constraints.metadata,
            def: m.def,
            entries,
            infos: m.sources.finish(options)?,
        }))
    }

    /// The last, output-only op `Op{inputs: [root]}`: caps `constraints` and `platform`,
    /// plus the `meta.*` caps of what any op's metadata uses.
    fn add_root(&mut self, root: &Output) -> Result<(), MarshalError> {
        let root_input = OpContext {
            options: self.options,
            digests: &self.digests,
        }
        .input(root)?;
        // `pb.Op{inputs: [root]}`: nothing else is set.
        let mut bytes = Vec::new();
        root_input.write(&mut bytes);
        #[cfg(debug_assertions)]
        check_canonical(&bytes);
        let digest = Digest::of(&bytes);
        let base = &self.options.constraints.metadata;
        let mut md = match self.index.get(&digest) {
            Some(&i) => self.entries[i].meta.to_owned_meta(base),
            None => OpMeta::default(),
        };
        md.caps = vec![
            Cow::Borrowed(caps::CONSTRAINTS),
            Cow::Borrowed(caps::PLATFORM),
        ];
        for e in &self.entries {
            let (ignore_cache, description, export_cache) = e.meta.flags(base);
            if ignore_cache {
                md.add_cap(Cow::Borrowed(caps::META_IGNORE_CACHE));
            }
            if description {
                md.add_cap(Cow::Borrowed(caps::META_DESCRIPTION));
            }
            if export_cache {
                md.add_cap(Cow::Borrowed(caps::META_EXPORT_CACHE));
            }
        }
        let slot = self.slot(digest, bytes);
        self.entries[slot].meta = EntryMeta::Merged(Box::new(md));
        Ok(())
    }

    /// The position of `digest`'s entry; a digest seen for the first time gets an empty
    /// entry and its op `bytes` go to `def`.
    fn slot(&mut self, digest: Digest, bytes: Vec<u8>) -> usize {
        match self.index.entry(digest) {
            std::collections::hash_map::Entry::Occupied(seen) => *seen.get(),
            std::collections::hash_map::Entry::Vacant(new) => {
                let i = self.entries.len();
                self.entries.push(Entry {
                    digest: new.key().clone(),
                    head: new.key().head(),
                    meta: EntryMeta::Empty,
                    locations: None,
                });
                new.insert(i);
                self.def.push(bytes);
                i
            }
        }
    }

    /// Adds `more` to the metadata of entry `slot` (Go merges each op's into the digest's).
    fn contribute(&mut self, slot: usize, more: EntryMeta<'a>) {
        let base = &self.options.constraints.metadata;
        let entry = &mut self.entries[slot];
        entry.meta = match std::mem::replace(&mut entry.meta, EntryMeta::Empty) {
            EntryMeta::Empty => more,
            have => {
                let mut view = MergedMeta::default();
                have.fill(base, &mut view);
                more.fill(base, &mut view);
                EntryMeta::Merged(Box::new(view.to_op_meta()))
            }
        };
    }

    /// Records `locations` for entry `slot` (the entry exists even when there are none).
    fn locate(&mut self, slot: usize, locations: &[SourceLocation]) {
        let list = self.entries[slot].locations.get_or_insert_with(Vec::new);
        self.sources.add(list, locations);
    }

    /// Go's `DefinitionOp.Marshal`: the original bytes, metadata and locations; neither the
    /// marshal options nor constraints add anything.
    fn emit_definition(
        &mut self,
        node: &'a OpNode,
        d: &'a DefinitionOp,
    ) -> Result<(), MarshalError> {
        let (digest, bytes, metadata) = d.parts()?;
        let slot = self.slot(digest.clone(), bytes.to_vec());
        self.contribute(slot, EntryMeta::Merged(Box::new(OpMeta::from_pb(metadata))));
        self.locate(slot, d.locations());
        self.digests.insert(node_key(node), digest.clone());
        Ok(())
    }

    /// Marshals one node whose inputs are all marshalled.
    fn emit(&mut self, node: &'a OpNode) -> Result<(), MarshalError> {
        let ctx = OpContext {
            options: self.options,
            digests: &self.digests,
        };
        let body = &mut self.body;
        body.clear();
        let OpParts {
            inputs,
            tag,
            platform,
            keep_platform,
            caps,
        } = match &node.kind {
            OpKind::Source(s) => s.marshal(&node.constraints, &ctx, body)?,
            OpKind::Exec(e) => e.marshal(&node.constraints, &ctx, body)?,
            OpKind::File(f) => f.marshal(&ctx, body)?,
            OpKind::Merge(m) => m.marshal(&ctx, body)?,
            OpKind::Diff(d) => d.marshal(&ctx, body)?,
            OpKind::Definition(d) => return self.emit_definition(node, d),
        };
        // Go's MarshalConstraints, without building the layered constraints: the op's own
        // platform (as its kind decided) over the marshal default, the base's worker filters
        // then the op's; the metadata (base, then op, then the payload's caps: what merging
        // the layered metadata gives) is merged into the digest's entry when written.
        let base = &self.options.constraints;
        let host;
        let platform = match (keep_platform, platform.or(base.platform.as_ref())) {
            (false, _) => None,
            (true, Some(p)) => Some(p),
            (true, None) => {
                host = Platform::host();
                Some(&host)
            }
        };
        // The `pb.Op` fields in Go's order: inputs (1), platform (10), constraints (11), then
        // the payload.
        let head = &mut self.head;
        head.clear();
        for input in &inputs {
            input.write(head);
        }
        if let Some(p) = platform {
            wire::message(head, 10, |b| {
                wire::string(b, 1, &p.architecture);
                wire::string(b, 2, &p.os);
                wire::string(b, 3, &p.variant);
                wire::string(b, 4, &p.os_version);
                wire::strings(b, 5, &p.os_features);
            });
        }
        wire::message(head, 11, |b| {
            wire::strings(b, 1, &base.worker_constraints);
            wire::strings(b, 1, &node.constraints.worker_constraints);
        });
        let body = &self.body;
        let mut bytes = Vec::with_capacity(head.len() + delimited_len(tag, body.len()));
        bytes.extend_from_slice(head);
        put_bytes(&mut bytes, tag, body);
        #[cfg(debug_assertions)]
        check_canonical(&bytes);
        let digest = Digest::of(&bytes);
        let slot = self.slot(digest.clone(), bytes);
        self.locate(slot, &node.constraints.source_locations);
        self.contribute(slot, EntryMeta::Op(node, caps));
        self.digests.insert(node_key(node), digest);
        Ok(())
    }
}

impl Marshalled<'_> {
    /// The Definition.
    fn into_pb(self) -> pb::Definition {
        let base = self.base;
        let metadata = self
            .entries
            .iter()
            .map(|e| {
                let mut view = MergedMeta::default();
                e.meta.fill(base, &mut view);
                (e.digest.as_str().to_string(), view.to_op_meta().into_pb())
            })
            .collect();
        let locations = self
            .entries
            .into_iter()
            .filter_map(|e| {
                let locations = e.locations?;
                Some((String::from(e.digest), pb::Locations { locations }))
            })
            .collect();
        pb::Definition {
            def: self.def,
            metadata,
            source: Some(pb::Source {
                locations,
                infos: self.infos,
            }),
        }
    }

    /// The Definition's bytes: their size is summed first (each digest's metadata merged
    /// to be measured), then they are written into a buffer of exactly that size (the
    /// metadata merged again to be written; cheaper than growing the buffer).
    fn encode(&self) -> Vec<u8> {
        let mut view = MergedMeta::default();
        let mut total: usize = self.def.iter().map(|d| delimited_len(1, d.len())).sum();
        for e in &self.entries {
            view.clear();
            e.meta.fill(self.base, &mut view);
            total += delimited_len(2, metadata_entry_len(e, view.encoded_len()));
        }
        let source_len = self.source_len();
        total += delimited_len(3, source_len);

        let mut buf = Vec::with_capacity(total);
        let Ok(()) = self.write(&mut buf, source_len, |_| Ok::<(), Infallible>(()));
        debug_assert_eq!(buf.len(), total);
        buf
    }

    /// Appends the Definition's bytes to `buf` (`source_len` being [`Self::source_len`]),
    /// handing `buf` to `spill` after each op, metadata entry and location list: it may
    /// pass the bytes on and clear `buf`.
    fn write<E>(
        &self,
        buf: &mut Vec<u8>,
        source_len: usize,
        mut spill: impl FnMut(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        for d in &self.def {
            put_bytes(buf, 1, d);
            spill(buf)?;
        }
        let mut view = MergedMeta::default();
        for e in &self.entries {
            view.clear();
            e.meta.fill(self.base, &mut view);
            let len = view.encoded_len();
            encode_key(2, WireType::LengthDelimited, buf);
            encode_varint(metadata_entry_len(e, len) as u64, buf);
            put_str(buf, 1, e.digest.as_str());
            encode_key(2, WireType::LengthDelimited, buf);
            encode_varint(len as u64, buf);
            view.encode(buf);
            spill(buf)?;
        }
        encode_key(3, WireType::LengthDelimited, buf);
        encode_varint(source_len as u64, buf);
        for e in &self.entries {
            let Some(list) = &e.locations else { continue };
            let body = locations_len(list);
            encode_key(1, WireType::LengthDelimited, buf);
            encode_varint(
                (delimited_len(1, e.digest.as_str().len()) + delimited_len(2, body)) as u64,
                buf,
            );
            put_str(buf, 1, e.digest.as_str());
            encode_key(2, WireType::LengthDelimited, buf);
            encode_varint(body as u64, buf);
            for loc in list {
                put_message(buf, 1, loc);
            }
            spill(buf)?;
        }
        for info in &self.infos {
            put_message(buf, 2, info);
            spill(buf)?;
        }
        Ok(())
    }

    /// The length of the encoded `pb.Source`.
    fn source_len(&self) -> usize {
        let locations: usize = self
            .entries
            .iter()
            .filter_map(|e| {
                let list = e.locations.as_ref()?;
                let entry = delimited_len(1, e.digest.as_str().len())
                    + delimited_len(2, locations_len(list));
                Some(delimited_len(1, entry))
            })
            .sum();
        let infos: usize = self
            .infos
            .iter()
            .map(|i| delimited_len(2, i.encoded_len()))
            .sum();
        locations + infos
    }
}

/// Checks (in debug builds) that `bytes`, an op written field by field, are exactly what
/// encoding its `pb::Op` gives: no field out of order, no zero value written, none left out.
#[cfg(debug_assertions)]
fn check_canonical(bytes: &[u8]) {
    let op = pb::Op::decode(bytes).expect("a written op decodes");
    assert_eq!(
        crate::definition::encode_op(&op),
        bytes,
        "an op written field by field differs from its message's encoding: {op:?}"
    );
}

/// The nodes reachable from `root`, each once, every one after its inputs (in the order
/// each op kind lists them): depth-first, without recursion.
fn post_order(root: &OpNode) -> Vec<&OpNode> {
    let mut done: HashSet<usize, BuildHasherDefault<DigestHasher>> = HashSet::default();
    let mut order = Vec::new();
    let mut stack: Vec<(&OpNode, bool)> = vec![(root, false)];
    while let Some((node, expanded)) = stack.pop() {
        if done.contains(&node_key(node)) {
            continue;
        }
        if expanded {
            done.insert(node_key(node));
            order.push(node);
            continue;
        }
        // The node goes under its inputs: it comes once they have. The inputs go on in
        // reverse, so the first is taken first.
        stack.push((node, true));
        let at = stack.len();
        node.for_each_dependency(|dep| {
            if !done.contains(&dep.node_key()) {
                stack.push((&dep.node, false));
            }
        });
        stack[at..].reverse();
    }
    order
}

/// A node's identity while marshalling: its address, as [`Output::node_key`] gives it.
fn node_key(node: &OpNode) -> usize {
    std::ptr::from_ref(node) as usize
}

/// The body of a `metadata` map entry whose value encodes to `value_len` bytes.
fn metadata_entry_len(e: &Entry<'_>, value_len: usize) -> usize {
    delimited_len(1, e.digest.as_str().len()) + delimited_len(2, value_len)
}

/// The body of a `pb.Locations` holding `list`.
fn locations_len(list: &[pb::Location]) -> usize {
    list.iter().map(|l| delimited_len(1, l.encoded_len())).sum()
}
