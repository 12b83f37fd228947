//! BuildKit LLB for rfront: protobuf types, Go-identical encoding,
//! Definition decoding, and dump views.
//!
//! - [`pb`] — the `pb` protobuf package of BuildKit v0.32 (`Op`, `ExecOp`,
//!   `Definition`, …). Encoding an op gives the bytes Go's deterministic
//!   marshal gives, so digests equal BuildKit's.
//! - [`apicaps`] — `moby.buildkit.v1.apicaps.APICap` (`ApiCap`), for
//!   gateway Ping.
//! - [`digest::Digest`] — the `sha256:…` op name.
//! - [`definition`] — [`decode_definition`](definition::decode_definition)
//!   (validating), [`encode_op`](definition::encode_op),
//!   [`op_digest`](definition::op_digest), [`rewrite`](definition::rewrite).
//! - [`dump`] — the views of `llb-dump`: [`dump::json`] (what
//!   `buildctl debug dump-llb` prints), [`dump::dot`], [`dump::tree`] and
//!   [`dump::diff`].
//!
//! ```
//! use llb::definition::{decode_definition, encode_definition, encode_op, op_digest};
//! use llb::pb;
//!
//! // A local source and the output-only op that names it as the result.
//! let source = pb::Op {
//!     op: Some(pb::op::Op::Source(pb::SourceOp {
//!         identifier: "local://context".into(),
//!         attrs: [("local.unique".to_string(), String::new())].into(),
//!     })),
//!     constraints: Some(pb::WorkerConstraints::default()),
//!     ..Default::default()
//! };
//! let head = op_digest(&source); // sha256 of Go-identical bytes
//! let output = pb::Op {
//!     inputs: vec![pb::Input { digest: head.to_string(), index: 0 }],
//!     ..Default::default()
//! };
//! let bytes = encode_definition(&pb::Definition {
//!     def: vec![encode_op(&source), encode_op(&output)],
//!     ..Default::default()
//! });
//! let def = decode_definition(&bytes).expect("valid");
//! assert_eq!(def.head().map(|(v, _)| &v.digest), Some(&head));
//! print!("{}", llb::dump::tree::to_tree(&def));
//! ```
//! - [`state`] — the immutable LLB builder ([`state::State`], sources,
//!   exec, file, merge, diff, constraints); [`marshal`] turns a State into
//!   a `pb::Definition` with Go-identical digests; [`source_map`] attaches
//!   source locations.

pub mod alloc;
pub mod apicaps;
pub mod definition;
pub mod digest;
pub mod dump;
pub mod marshal;
pub mod pb;
pub mod source_map;
pub mod state;
