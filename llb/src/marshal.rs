//! Marshalling a [`State`] into a `pb.Definition`, as Go's
//! `State.Marshal` does:
//!
//! 1. ops are visited depth-first, inputs before the op (in the order each
//!    op kind lists them), each distinct node once;
//! 2. each op is encoded deterministically; its digest is sha256 of the
//!    bytes; `def` gets the bytes once per distinct digest (equal ops built
//!    separately collapse into one);
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

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use crate::definition::encode_op;
use crate::digest::{Digest, DigestMap};
use crate::pb;
use crate::source_map::SourceMapCollector;
use crate::state::caps::{self, CapSet};
use crate::state::constraints::{Constraints, OpMeta, merge_metadata};
use crate::state::definition::DefinitionOp;
use crate::state::image_ref::ReferenceError;
use crate::state::node::{OpKind, OpNode, Output};
use crate::state::{Platform, State};

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
pub fn new_id() -> String {
    let state = std::collections::hash_map::RandomState::new();
    let mut value: u128 = 0;
    for salt in 0..2u64 {
        let mut h = state.build_hasher();
        h.write_u64(salt);
        if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(t.as_nanos());
        }
        h.write_u32(std::process::id());
        value = (value << 64) | u128::from(h.finish());
    }
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; 25];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(value % 36) as usize];
        value /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// What one op kind contributes to its `pb.Op`.
pub(crate) struct OpParts {
    /// The op's inputs.
    pub(crate) inputs: Vec<pb::Input>,
    /// The payload.
    pub(crate) op: pb::op::Op,
    /// The op's own platform, before the marshal default.
    pub(crate) platform: Option<Platform>,
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

impl OpContext<'_> {
    /// The `pb.Input` naming `output`.
    pub(crate) fn input(&self, output: &Output) -> Result<pb::Input, MarshalError> {
        let digest = self
            .digests
            .get(&output.node_key())
            .ok_or(MarshalError::InputOutOfOrder)?;
        Ok(pb::Input {
            digest: digest.as_str().to_string(),
            index: output.index(),
        })
    }
}

/// Marshals `state` (see the module docs).
pub fn marshal(state: &State, options: &MarshalOptions) -> Result<pb::Definition, MarshalError> {
    let Some(root) = state.output() else {
        return Ok(pb::Definition::default());
    };
    let mut m = Marshaller {
        options,
        digests: DigestMap::default(),
        index: DigestMap::default(),
        entries: Vec::new(),
        def: Vec::new(),
        sources: SourceMapCollector::default(),
    };
    m.visit(root)?;
    let root_input = OpContext {
        options,
        digests: &m.digests,
    }
    .input(root)?;
    let root_op = pb::Op {
        inputs: vec![root_input],
        ..Default::default()
    };
    let bytes = encode_op(&root_op);
    let digest = Digest::of(&bytes);
    let mut md = match m.index.get(&digest) {
        Some(&i) => m.entries[i].1.clone(),
        None => pb::OpMetadata::default(),
    };
    md.caps = BTreeMap::from([
        (caps::CONSTRAINTS.to_string(), true),
        (caps::PLATFORM.to_string(), true),
    ]);
    for (_, other) in &m.entries {
        if other.ignore_cache {
            md.caps.insert(caps::META_IGNORE_CACHE.to_string(), true);
        }
        if !other.description.is_empty() {
            md.caps.insert(caps::META_DESCRIPTION.to_string(), true);
        }
        if other.export_cache.is_some() {
            md.caps.insert(caps::META_EXPORT_CACHE.to_string(), true);
        }
    }
    let slot = m.slot(digest, bytes);
    m.entries[slot].1 = md;
    // Sorted once at the end: a BTreeMap built from sorted entries is built in one pass.
    let mut entries = m.entries;
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let source = m.sources.finish(options)?;
    Ok(pb::Definition {
        def: m.def,
        metadata: entries
            .into_iter()
            .map(|(digest, md)| (String::from(digest), md))
            .collect(),
        source: Some(source),
    })
}

struct Marshaller<'a> {
    options: &'a MarshalOptions,
    /// Digest of every node marshalled, by node identity.
    digests: DigestMap<usize, Digest>,
    /// Position in `entries` (and in `def`) of each distinct digest.
    index: DigestMap<Digest, usize>,
    /// Each distinct op's digest and merged metadata, in `def` order.
    entries: Vec<(Digest, pb::OpMetadata)>,
    def: Vec<Vec<u8>>,
    sources: SourceMapCollector,
}

impl Marshaller<'_> {
    /// The position of `digest`'s entry; a digest seen for the first time gets an empty
    /// entry and its op `bytes` go to `def`.
    fn slot(&mut self, digest: Digest, bytes: Vec<u8>) -> usize {
        if let Some(&i) = self.index.get(&digest) {
            return i;
        }
        let i = self.entries.len();
        self.index.insert(digest.clone(), i);
        self.entries.push((digest, pb::OpMetadata::default()));
        self.def.push(bytes);
        i
    }

    /// Post-order traversal from `root`, without recursion.
    fn visit(&mut self, root: &Output) -> Result<(), MarshalError> {
        let mut stack: Vec<(Arc<OpNode>, bool)> = vec![(Arc::clone(&root.node), false)];
        while let Some((node, expanded)) = stack.pop() {
            let key = Arc::as_ptr(&node) as usize;
            if self.digests.contains_key(&key) {
                continue;
            }
            if expanded {
                self.emit(&node)?;
                continue;
            }
            let deps = node.dependencies();
            stack.push((node, true));
            for dep in deps.iter().rev() {
                if !self.digests.contains_key(&dep.node_key()) {
                    stack.push((Arc::clone(&dep.node), false));
                }
            }
        }
        Ok(())
    }

    /// Go's `DefinitionOp.Marshal`: the original bytes, metadata and locations; neither the
    /// marshal options nor constraints add anything.
    fn emit_definition(
        &mut self,
        node: &Arc<OpNode>,
        d: &DefinitionOp,
    ) -> Result<(), MarshalError> {
        let (digest, bytes, metadata) = d.parts()?;
        let slot = self.slot(digest.clone(), bytes.to_vec());
        merge_metadata(&mut self.entries[slot].1, &OpMeta::from_pb(metadata));
        self.sources.add(digest.as_str(), d.locations());
        self.digests
            .insert(Arc::as_ptr(node) as usize, digest.clone());
        Ok(())
    }

    /// Marshals one node whose inputs are all marshalled.
    fn emit(&mut self, node: &Arc<OpNode>) -> Result<(), MarshalError> {
        let ctx = OpContext {
            options: self.options,
            digests: &self.digests,
        };
        let parts = match &node.kind {
            OpKind::Source(s) => s.marshal(&node.constraints, &ctx)?,
            OpKind::Exec(e) => e.marshal(&node.constraints, &ctx)?,
            OpKind::File(f) => f.marshal(&ctx)?,
            OpKind::Merge(m) => m.marshal(&ctx)?,
            OpKind::Diff(d) => d.marshal(&ctx)?,
            OpKind::Definition(d) => return self.emit_definition(node, d),
        };
        // Go's MarshalConstraints, without building the layered constraints: the op's own
        // platform (as its kind decided) over the marshal default, the base's worker filters
        // then the op's, and the metadata merged straight into the digest's entry (base, then
        // op, then the payload's caps: what merging the layered metadata would give).
        let base = &self.options.constraints;
        let platform = match (parts.keep_platform, &parts.platform, &base.platform) {
            (false, _, _) => None,
            (true, Some(p), _) | (true, None, Some(p)) => Some(p.to_pb()),
            (true, None, None) => Some(Platform::host().to_pb()),
        };
        let mut filters = base.worker_constraints.clone();
        filters.extend(node.constraints.worker_constraints.iter().cloned());
        let op = pb::Op {
            inputs: parts.inputs,
            op: Some(parts.op),
            platform,
            constraints: Some(pb::WorkerConstraints { filter: filters }),
        };
        let bytes = encode_op(&op);
        let digest = Digest::of(&bytes);
        self.sources
            .add(digest.as_str(), &node.constraints.source_locations);
        let slot = self.slot(digest.clone(), bytes);
        let entry = &mut self.entries[slot].1;
        merge_metadata(entry, &base.metadata);
        merge_metadata(entry, &node.constraints.metadata);
        for cap in &parts.caps {
            if !entry.caps.contains_key(*cap) {
                entry.caps.insert((*cap).to_string(), true);
            }
        }
        self.digests.insert(Arc::as_ptr(node) as usize, digest);
        Ok(())
    }
}
