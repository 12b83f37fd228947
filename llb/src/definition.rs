//! Decoding and validating a serialized `pb.Definition`, and encoding ops
//! the way Go does (so digests match BuildKit's).
//!
//! [`decode_definition`] checks what BuildKit's solver checks when it loads
//! LLB (`solver/llbsolver/vertex.go`), with the same messages: a non-empty
//! `def`, every op decodable, no negative output index, at least two
//! distinct ops, a last (output-only) op with an input, and every input
//! digest naming an op of the Definition. It never panics on bad bytes.

use std::collections::{BTreeMap, HashMap};

use prost::Message;
use prost::bytes::Bytes;
use prost::encoding::{self, DecodeContext};

use crate::digest::{Digest, DigestMap};
use crate::pb;

/// Why bytes are not a valid Definition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefinitionError {
    /// The outer `pb.Definition` message does not decode.
    #[error("failed to parse definition: {0}")]
    Decode(#[source] prost::DecodeError),
    /// A `metadata` value does not decode as `pb.OpMetadata`.
    #[error("failed to parse metadata of {digest}: {source}")]
    Metadata {
        /// The metadata key.
        digest: String,
        /// What prost reported.
        #[source]
        source: prost::DecodeError,
    },
    /// `def` has no ops.
    #[error("invalid empty definition")]
    Empty,
    /// One element of `def` does not decode as a `pb.Op`.
    #[error("failed to parse llb proto op {index}: {source}")]
    Op {
        /// Position in `def`.
        index: usize,
        /// What prost reported.
        #[source]
        source: prost::DecodeError,
    },
    /// An input refers to a negative output index.
    #[error("invalid input {input} output index {output} (op {op})")]
    NegativeOutputIndex {
        /// Digest of the op holding the input.
        op: Digest,
        /// Position of the input in `inputs`.
        input: usize,
        /// The negative output index.
        output: i64,
    },
    /// Fewer than two distinct ops (a graph needs a vertex plus the output op).
    #[error("invalid LLB with {0} vertexes")]
    TooFewOps(usize),
    /// The last op, which names the result, has no input.
    #[error("invalid LLB with no inputs on last vertex")]
    NoRootInput,
    /// An input digest that is not the digest of any op in `def`.
    #[error("invalid missing input digest {digest} (input {input} of op {op})")]
    MissingInput {
        /// The unknown digest, as written in the input.
        digest: String,
        /// Digest of the op holding the input.
        op: Digest,
        /// Position of the input in `inputs`.
        input: usize,
    },
}

/// One decoded op with its digest and original bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Vertex {
    /// sha256 of [`Vertex::bytes`].
    pub digest: Digest,
    /// The decoded op.
    pub op: pb::Op,
    /// The op's bytes exactly as found in the Definition (shares the
    /// buffer the Definition was decoded from).
    pub bytes: Bytes,
}

/// A validated Definition: ops in their original order plus lookups.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedDefinition {
    /// Ops in `def` order; the last one is the output-only root.
    pub vertices: Vec<Vertex>,
    /// `Definition.metadata`, keyed by op digest string.
    pub metadata: BTreeMap<String, pb::OpMetadata>,
    /// `Definition.Source` (source maps), if present.
    pub source: Option<pb::Source>,
    /// First position in `vertices` of each digest.
    index: DigestMap<Digest, usize>,
}

impl DecodedDefinition {
    /// The last op: output-only, whose first input is the result. (A
    /// decoded Definition always has one; should `vertices` have been
    /// emptied since, this is an empty op.)
    pub fn root(&self) -> &Vertex {
        static NONE: std::sync::LazyLock<Vertex> = std::sync::LazyLock::new(|| Vertex {
            digest: Digest::of(b""),
            op: pb::Op::default(),
            bytes: Bytes::new(),
        });
        self.vertices.last().unwrap_or(&NONE)
    }

    /// The op the root points at, with the output index used.
    pub fn head(&self) -> Option<(&Vertex, i64)> {
        let input = self.root().op.inputs.first()?;
        Some((self.get(&input.digest)?, input.index))
    }

    /// The vertex with this digest.
    pub fn get(&self, digest: &str) -> Option<&Vertex> {
        self.index.get(digest).and_then(|&i| self.vertices.get(i))
    }

    /// Position in `vertices` of the op with this digest.
    pub fn position(&self, digest: &str) -> Option<usize> {
        self.index.get(digest).copied()
    }

    /// Metadata of the op with this digest.
    pub fn metadata(&self, digest: &str) -> Option<&pb::OpMetadata> {
        self.metadata.get(digest)
    }

    /// The vertices an op's inputs point at, in input order.
    pub fn inputs<'a>(&'a self, vertex: &'a Vertex) -> impl Iterator<Item = &'a Vertex> + 'a {
        vertex.op.inputs.iter().filter_map(|i| self.get(&i.digest))
    }

    /// Re-assembles a `pb.Definition` (ops keep their original bytes).
    pub fn to_pb(&self) -> pb::Definition {
        pb::Definition {
            def: self.vertices.iter().map(|v| v.bytes.to_vec()).collect(),
            metadata: self.metadata.clone(),
            source: self.source.clone(),
        }
    }
}

/// Serializes an op exactly as Go's `proto.MarshalOptions{Deterministic:
/// true}` does, so [`op_digest`] equals BuildKit's vertex digest.
pub fn encode_op(op: &pb::Op) -> Vec<u8> {
    op.encode_to_vec()
}

/// The digest of an op: `sha256:` + hex sha256 of [`encode_op`].
pub fn op_digest(op: &pb::Op) -> Digest {
    Digest::of(&encode_op(op))
}

/// Serializes a Definition with every map in key order (see
/// [`pb::Definition`] on how that relates to Go's bytes).
pub fn encode_definition(def: &pb::Definition) -> Vec<u8> {
    def.encode_to_vec()
}

/// Decodes and validates a serialized `pb.Definition`.
pub fn decode_definition(bytes: &[u8]) -> Result<DecodedDefinition, DefinitionError> {
    decode_definition_bytes(Bytes::copy_from_slice(bytes))
}

/// [`decode_definition`] without copying: ops keep slices of `bytes`.
pub fn decode_definition_bytes(bytes: Bytes) -> Result<DecodedDefinition, DefinitionError> {
    let raw = scan_definition(bytes)?;
    let vertices = decode_ops(raw.def, 0)?;
    let index = owned_index(&vertices)?;
    let mut metadata = BTreeMap::new();
    for (digest, value) in raw.metadata {
        match pb::OpMetadata::decode(value) {
            Ok(meta) => {
                metadata.insert(digest, meta);
            }
            Err(source) => return Err(DefinitionError::Metadata { digest, source }),
        }
    }
    let source = if raw.source.is_empty() {
        None
    } else {
        let mut source = pb::Source::default();
        for chunk in raw.source {
            source.merge(chunk).map_err(DefinitionError::Decode)?;
        }
        Some(source)
    };
    Ok(DecodedDefinition {
        vertices,
        metadata,
        source,
        index,
    })
}

/// Validates an already decoded `pb.Definition` (see [`decode_definition`]).
pub fn from_pb(def: pb::Definition) -> Result<DecodedDefinition, DefinitionError> {
    let vertices = decode_ops(def.def.into_iter().map(Bytes::from).collect(), 0)?;
    let index = owned_index(&vertices)?;
    Ok(DecodedDefinition {
        vertices,
        metadata: def.metadata,
        source: def.source,
        index,
    })
}

/// A `pb.Definition` split into its parts without decoding them: the op
/// bytes, each metadata value's bytes, and the `Source` field's bytes. All
/// share the buffer they were read from.
#[derive(Debug, Clone, Default)]
pub struct RawDefinition {
    /// Field 1, the serialized ops.
    pub def: Vec<Bytes>,
    /// Field 2, `(op digest, OpMetadata bytes)` in wire order; of entries
    /// with the same key, the last one counts.
    pub metadata: Vec<(String, Bytes)>,
    /// Every occurrence of field 3 (`Source`), to be merged in order.
    pub source: Vec<Bytes>,
}

/// One `Definition.metadata` map entry with the value left undecoded.
#[derive(Clone, PartialEq, prost::Message)]
struct MetadataEntry {
    /// The op digest.
    #[prost(string, tag = "1")]
    key: String,
    /// `OpMetadata` bytes.
    #[prost(bytes = "bytes", tag = "2")]
    value: Bytes,
}

/// Splits a serialized Definition into [`RawDefinition`] parts.
pub fn scan_definition(mut bytes: Bytes) -> Result<RawDefinition, DefinitionError> {
    let mut raw = RawDefinition::default();
    let ctx = DecodeContext::default();
    let buf = &mut bytes;
    let scan = |raw: &mut RawDefinition, buf: &mut Bytes| -> Result<(), prost::DecodeError> {
        while !buf.is_empty() {
            let (tag, wire_type) = encoding::decode_key(buf)?;
            match tag {
                1 => encoding::bytes::merge_repeated(wire_type, &mut raw.def, buf, ctx.clone())?,
                2 => {
                    let mut entry = MetadataEntry::default();
                    encoding::message::merge(wire_type, &mut entry, buf, ctx.clone())?;
                    raw.metadata.push((entry.key, entry.value));
                }
                3 => {
                    let mut chunk = Bytes::new();
                    encoding::bytes::merge(wire_type, &mut chunk, buf, ctx.clone())?;
                    raw.source.push(chunk);
                }
                _ => encoding::skip_field(wire_type, tag, buf, ctx.clone())?,
            }
        }
        Ok(())
    };
    scan(&mut raw, buf).map_err(DefinitionError::Decode)?;
    Ok(raw)
}

/// Decodes every op, digests it, and checks the graph the way BuildKit's
/// solver does. Returns the vertices and the first position of each digest.
pub fn decode_vertices(def: Vec<Bytes>) -> Result<Vec<Vertex>, DefinitionError> {
    let vertices = decode_ops(def, 0)?;
    check_graph(&vertices)?;
    Ok(vertices)
}

/// Decodes and digests ops (`first` is the position of `def[0]` in the
/// whole Definition, for error messages) and rejects negative output
/// indexes. Graph checks are [`check_graph`]'s.
pub fn decode_ops(def: Vec<Bytes>, first: usize) -> Result<Vec<Vertex>, DefinitionError> {
    let mut vertices = Vec::with_capacity(def.len());
    for (i, bytes) in def.into_iter().enumerate() {
        let op = pb::Op::decode(bytes.as_ref()).map_err(|source| DefinitionError::Op {
            index: first + i,
            source,
        })?;
        let digest = Digest::of(&bytes);
        if let Some((input, bad)) = op.inputs.iter().enumerate().find(|(_, inp)| inp.index < 0) {
            return Err(DefinitionError::NegativeOutputIndex {
                op: digest,
                input,
                output: bad.index,
            });
        }
        vertices.push(Vertex { digest, op, bytes });
    }
    Ok(vertices)
}

/// Checks the graph of decoded ops: non-empty, at least two distinct ops,
/// a last op with an input, every input digest known.
pub fn check_graph(vertices: &[Vertex]) -> Result<(), DefinitionError> {
    graph_index(vertices).map(|_| ())
}

/// [`check_graph`], returning the first position of each digest.
pub(crate) fn graph_index(vertices: &[Vertex]) -> Result<DigestMap<&str, usize>, DefinitionError> {
    let Some(last) = vertices.last() else {
        return Err(DefinitionError::Empty);
    };
    let mut index = DigestMap::with_capacity_and_hasher(vertices.len(), Default::default());
    for (i, vertex) in vertices.iter().enumerate() {
        index.entry(vertex.digest.as_str()).or_insert(i);
    }
    if index.len() < 2 {
        return Err(DefinitionError::TooFewOps(index.len()));
    }
    if last.op.inputs.is_empty() {
        return Err(DefinitionError::NoRootInput);
    }
    for vertex in vertices {
        for (i, input) in vertex.op.inputs.iter().enumerate() {
            if !index.contains_key(input.digest.as_str()) {
                return Err(DefinitionError::MissingInput {
                    digest: input.digest.clone(),
                    op: vertex.digest.clone(),
                    input: i,
                });
            }
        }
    }
    Ok(index)
}

/// Owned index of validated vertices.
fn owned_index(vertices: &[Vertex]) -> Result<DigestMap<Digest, usize>, DefinitionError> {
    let index = graph_index(vertices)?;
    Ok(index
        .into_values()
        .map(|i| (vertices[i].digest.clone(), i))
        .collect())
}

/// Rebuilds a Definition after editing ops, re-digesting every op that
/// depends on an edited one.
///
/// `edit(position, op, metadata)` is called once per position of `def`,
/// inputs first, with the op's input digests already updated to follow
/// earlier edits; it may change anything. Ops keep their positions;
/// metadata and source-map locations move to the new digests.
pub fn rewrite(
    def: &DecodedDefinition,
    mut edit: impl FnMut(usize, &mut pb::Op, &mut pb::OpMetadata),
) -> pb::Definition {
    let n = def.vertices.len();
    let mut renamed: HashMap<String, String> = HashMap::with_capacity(n);
    let mut new_bytes: Vec<Option<Vec<u8>>> = vec![None; n];
    let mut metadata = BTreeMap::new();
    for i in post_order(def) {
        let vertex = &def.vertices[i];
        let mut op = vertex.op.clone();
        for input in &mut op.inputs {
            if let Some(new) = renamed.get(&input.digest) {
                input.digest.clone_from(new);
            }
        }
        let mut meta = def
            .metadata(vertex.digest.as_str())
            .cloned()
            .unwrap_or_default();
        let had_meta = def.metadata(vertex.digest.as_str()).is_some();
        edit(i, &mut op, &mut meta);
        let bytes = encode_op(&op);
        let digest = Digest::of(&bytes);
        if had_meta || meta != pb::OpMetadata::default() {
            metadata.insert(digest.to_string(), meta);
        }
        renamed.insert(vertex.digest.to_string(), digest.into());
        new_bytes[i] = Some(bytes);
    }
    let source = def.source.clone().map(|mut source| {
        source.locations = std::mem::take(&mut source.locations)
            .into_iter()
            .map(|(k, v)| (renamed.get(&k).cloned().unwrap_or(k), v))
            .collect();
        source
    });
    pb::Definition {
        def: new_bytes
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect(),
        metadata,
        source,
    }
}

/// Positions of `def.vertices`, every op after the ops it takes as input
/// (iterative depth-first post-order; each position exactly once).
fn post_order(def: &DecodedDefinition) -> Vec<usize> {
    let n = def.vertices.len();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if done[start] {
            continue;
        }
        // (position, next input to visit)
        let mut stack = vec![(start, 0usize)];
        done[start] = true;
        while let Some((at, next)) = stack.pop() {
            let inputs = &def.vertices[at].op.inputs;
            if let Some(input) = inputs.get(next) {
                stack.push((at, next + 1));
                if let Some(child) = def.position(&input.digest)
                    && !done[child]
                {
                    done[child] = true;
                    stack.push((child, 0));
                }
            } else {
                order.push(at);
            }
        }
    }
    order
}
