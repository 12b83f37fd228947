//! States over an already marshalled Definition (Go's `llb.NewDefinitionOp`), e.g. a
//! frontend input: [`State::from_definition`].
//!
//! Every (digest, output index) an op of the Definition is reached by becomes one node; the
//! State points at what the Definition's last (output-only) op names. Marshalling such a
//! node writes the op's original bytes and its original metadata (the marshal options and
//! constraints add nothing), and its source locations, whose maps are rebuilt from
//! `Definition.source` (a map's own Definition becomes a State again). Problems upstream
//! reports only when marshalling (an input digest naming no op, an op without metadata)
//! are [`MarshalError`]s there too.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use prost::Message;

use crate::digest::Digest;
use crate::marshal::MarshalError;
use crate::pb;
use crate::source_map::{SourceLocation, SourceMap};

use super::State;
use super::constraints::Constraints;
use super::node::{OpKind, OpNode, Output};

/// Why a Definition does not give a State (messages are upstream's).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefinitionOpError {
    /// No Definition, or one without metadata.
    #[error("invalid nil input definition to definition op")]
    Nil,
    /// An element of `def` is not a `pb.Op`.
    #[error("failed to parse llb proto op: {0}")]
    Op(#[source] prost::DecodeError),
    /// A location names a source map that `source.infos` does not have.
    #[error("failed to find source map with index {0}")]
    SourceIndex(i32),
    /// The last op names no result (upstream indexes its inputs regardless).
    #[error("invalid LLB with no inputs on last vertex")]
    NoRootInput,
}

/// The payload of a node standing for one op of a marshalled Definition.
#[derive(Debug)]
pub(crate) struct DefinitionOp {
    /// The digest the op was reached by.
    digest: String,
    /// The op's digest and bytes; `None` when the Definition has no op with `digest`.
    op: Option<(Digest, Arc<Vec<u8>>)>,
    /// The op's metadata in the Definition.
    metadata: Option<pb::OpMetadata>,
    /// How many ops and metadata entries the whole Definition has.
    counts: (usize, usize),
    /// The output index this node stands for.
    index: i64,
    /// Where the op comes from.
    locations: Vec<SourceLocation>,
    /// The outputs the op reads.
    pub(crate) inputs: Vec<Output>,
}

impl DefinitionOp {
    /// Upstream's `DefinitionOp.Validate` + `Marshal`: the digest, bytes and metadata to
    /// write.
    pub(crate) fn parts(&self) -> Result<(&Digest, &[u8], &pb::OpMetadata), MarshalError> {
        if self.digest.is_empty() {
            return Err(MarshalError::EmptyDefinitionOp);
        }
        let (ops, metas) = self.counts;
        if ops == 0 || metas == 0 {
            return Err(MarshalError::DefinitionWithoutOps { ops, metas });
        }
        let Some((digest, bytes)) = &self.op else {
            return Err(MarshalError::DefinitionUnknownOp(self.digest.clone()));
        };
        let Some(metadata) = &self.metadata else {
            return Err(MarshalError::DefinitionUnknownMetadata(self.digest.clone()));
        };
        if self.index < 0 {
            return Err(MarshalError::DefinitionInvalidIndex);
        }
        Ok((digest, bytes, metadata))
    }

    /// Where the op comes from.
    pub(crate) fn locations(&self) -> &[SourceLocation] {
        &self.locations
    }
}

/// The ops of a Definition by digest, and what is shared by every node made from it.
struct Parsed {
    ops: HashMap<String, (Digest, Arc<Vec<u8>>, pb::Op)>,
    metadata: BTreeMap<String, pb::OpMetadata>,
    locations: HashMap<String, Vec<SourceLocation>>,
    counts: (usize, usize),
}

impl State {
    /// The State a marshalled Definition stands for (Go's
    /// `llb.NewState(llb.NewDefinitionOp(def))`): working directory `/`, no platform
    /// value (the Definition's ops keep theirs).
    pub fn from_definition(def: &pb::Definition) -> Result<State, DefinitionOpError> {
        if def.metadata.is_empty() {
            return Err(DefinitionOpError::Nil);
        }
        let mut ops = HashMap::with_capacity(def.def.len());
        let mut last = None;
        for bytes in &def.def {
            let op = pb::Op::decode(bytes.as_slice()).map_err(DefinitionOpError::Op)?;
            let digest = Digest::of(bytes);
            last = Some(digest.as_str().to_string());
            ops.insert(
                digest.as_str().to_string(),
                (digest, Arc::new(bytes.clone()), op),
            );
        }
        let locations = source_locations(def.source.as_ref())?;
        let parsed = Parsed {
            counts: (ops.len(), def.metadata.len()),
            ops,
            metadata: def.metadata.clone(),
            locations,
        };
        let (root_digest, root_index) = match &last {
            None => (String::new(), 0),
            Some(d) => {
                let input = parsed
                    .ops
                    .get(d)
                    .and_then(|(_, _, op)| op.inputs.first())
                    .ok_or(DefinitionOpError::NoRootInput)?;
                (input.digest.clone(), input.index)
            }
        };
        let root = build_nodes(&parsed, &root_digest, root_index);
        Ok(State::from_output(Some(Output::new(&root, root_index))))
    }
}

/// The source locations of every op digest, their maps rebuilt from `source.infos`.
fn source_locations(
    source: Option<&pb::Source>,
) -> Result<HashMap<String, Vec<SourceLocation>>, DefinitionOpError> {
    let mut out = HashMap::new();
    let Some(source) = source else {
        return Ok(out);
    };
    let mut maps = Vec::with_capacity(source.infos.len());
    for info in &source.infos {
        let mut map = SourceMap::new(
            info.filename.clone(),
            info.language.clone(),
            info.data.clone(),
        );
        if let Some(d) = &info.definition {
            map = map.with_state(State::from_definition(d)?);
        }
        maps.push(map);
    }
    for (digest, locs) in &source.locations {
        let entry: &mut Vec<SourceLocation> = out.entry(digest.clone()).or_default();
        for loc in &locs.locations {
            let map = usize::try_from(loc.source_index)
                .ok()
                .and_then(|i| maps.get(i))
                .ok_or(DefinitionOpError::SourceIndex(loc.source_index))?;
            entry.push(map.location(loc.ranges.clone()));
        }
    }
    Ok(out)
}

/// The node for (`digest`, `index`) and all it depends on, each (digest, index) built once
/// (upstream's input cache), without recursion.
fn build_nodes(parsed: &Parsed, digest: &str, index: i64) -> Arc<OpNode> {
    type Key = (String, i64);
    let mut built: HashMap<Key, Arc<OpNode>> = HashMap::new();
    let inputs_of = |d: &str| -> Vec<Key> {
        parsed
            .ops
            .get(d)
            .map(|(_, _, op)| {
                op.inputs
                    .iter()
                    .map(|i| (i.digest.clone(), i.index))
                    .collect()
            })
            .unwrap_or_default()
    };
    let root: Key = (digest.to_string(), index);
    let mut stack: Vec<(Key, bool)> = vec![(root.clone(), false)];
    // Keys being expanded: a cycle (only in a malformed Definition) is not followed again.
    let mut visiting: HashSet<Key> = HashSet::new();
    while let Some((key, expanded)) = stack.pop() {
        if built.contains_key(&key) {
            continue;
        }
        let deps = inputs_of(&key.0);
        if !expanded {
            if !visiting.insert(key.clone()) {
                continue;
            }
            stack.push((key, true));
            for dep in deps.into_iter().rev() {
                if !built.contains_key(&dep) {
                    stack.push((dep, false));
                }
            }
            continue;
        }
        let inputs = deps
            .iter()
            .filter_map(|dep| built.get(dep).map(|n| Output::new(n, dep.1)))
            .collect();
        let node = OpNode::new(
            OpKind::Definition(DefinitionOp {
                digest: key.0.clone(),
                op: parsed
                    .ops
                    .get(&key.0)
                    .map(|(d, b, _)| (d.clone(), Arc::clone(b))),
                metadata: parsed.metadata.get(&key.0).cloned(),
                counts: parsed.counts,
                index: key.1,
                locations: parsed.locations.get(&key.0).cloned().unwrap_or_default(),
                inputs,
            }),
            Constraints::default(),
        );
        built.insert(key, node);
    }
    // The root was built last; the fallback is unreachable but keeps this total.
    built.remove(&root).unwrap_or_else(|| {
        OpNode::new(
            OpKind::Definition(DefinitionOp {
                digest: String::new(),
                op: None,
                metadata: None,
                counts: parsed.counts,
                index,
                locations: Vec::new(),
                inputs: Vec::new(),
            }),
            Constraints::default(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marshal::MarshalOptions;
    use crate::source_map::range;
    use crate::state::{Image, Local, Platform};

    /// An image, a local, and an exec over both with a custom name and a source location.
    fn sample() -> pb::Definition {
        let map = SourceMap::new("Dockerfile", "Dockerfile", b"FROM alpine\nRUN x\n".to_vec())
            .with_state(Local::new("dockerfile").build());
        let base = Image::new("alpine").build();
        let ctx = Local::new("context").build();
        let st = base
            .exec()
            .args(["/bin/sh", "-c", "x"])
            .mount("/ctx", crate::state::Mount::bind(&ctx))
            .constraints(
                Constraints::new()
                    .custom_name("RUN x")
                    .location(map.location(vec![range(2, 0, 2, 0)])),
            )
            .run()
            .root();
        let opts = MarshalOptions::new()
            .platform(Platform::linux_amd64())
            .local_unique_id("u1");
        st.marshal(&opts).unwrap()
    }

    #[test]
    fn remarshals_to_the_same_definition() {
        let def = sample();
        let st = State::from_definition(&def).unwrap();
        assert_eq!(st.get_dir(), "/");
        assert!(st.get_platform().is_none());
        // Other options change nothing: the ops keep their bytes, metadata and locations.
        let other = MarshalOptions::new()
            .platform(Platform::host())
            .local_unique_id("u2");
        let again = st.marshal(&other).unwrap();
        assert_eq!(again.def, def.def);
        assert_eq!(again.metadata, def.metadata);
        let (a, b) = (again.source.unwrap(), def.source.clone().unwrap());
        assert_eq!(a.locations, b.locations);
        assert_eq!(a.infos.len(), 1);
        assert_eq!(a.infos[0].filename, "Dockerfile");
        assert_eq!(a.infos[0].definition, b.infos[0].definition);
    }

    #[test]
    fn new_ops_build_on_the_input() {
        let def = sample();
        let st = State::from_definition(&def).unwrap();
        let next = st
            .exec()
            .args(["true"])
            .run()
            .root()
            .marshal(&MarshalOptions::new().platform(Platform::linux_amd64()))
            .unwrap();
        // Every op but the old output-only one is kept, then the new exec and output ops.
        let old_ops = &def.def[..def.def.len() - 1];
        assert_eq!(&next.def[..old_ops.len()], old_ops);
        assert_eq!(next.def.len(), old_ops.len() + 2);
        let exec = pb::Op::decode(next.def[old_ops.len()].as_slice()).unwrap();
        let head = pb::Op::decode(def.def[def.def.len() - 1].as_slice()).unwrap();
        assert_eq!(exec.inputs[0], head.inputs[0]);
    }

    #[test]
    fn bad_definitions() {
        assert_eq!(
            State::from_definition(&pb::Definition::default()).unwrap_err(),
            DefinitionOpError::Nil
        );
        let mut def = sample();
        def.def[0] = vec![0xff, 0xff];
        assert!(matches!(
            State::from_definition(&def),
            Err(DefinitionOpError::Op(_))
        ));
        let mut def = sample();
        if let Some(src) = def.source.as_mut() {
            for locs in src.locations.values_mut() {
                for l in &mut locs.locations {
                    l.source_index = 7;
                }
            }
        }
        assert_eq!(
            State::from_definition(&def).unwrap_err().to_string(),
            "failed to find source map with index 7"
        );
    }

    #[test]
    fn errors_upstream_gives_when_marshalling() {
        let mut def = sample();
        let head = def.def.len() - 1;
        let missing = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
        def.def[head] = crate::definition::encode_op(&pb::Op {
            inputs: vec![pb::Input {
                digest: missing.to_string(),
                index: 0,
            }],
            ..Default::default()
        });
        let st = State::from_definition(&def).unwrap();
        let err = st.marshal(&MarshalOptions::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid definition op with unknown op \"{missing}\"")
        );
        let mut def = sample();
        let exec_digest = pb::Op::decode(def.def[def.def.len() - 1].as_slice())
            .unwrap()
            .inputs[0]
            .digest
            .clone();
        def.metadata.remove(&exec_digest);
        let st = State::from_definition(&def).unwrap();
        let err = st.marshal(&MarshalOptions::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid definition op with unknown metas \"{exec_digest}\"")
        );
    }
}
