//! BuildKit LLB for rfront: protobuf types, Go-identical encoding,
//! Definition decoding, and dump views.
//!
//! - [`pb`]: the `pb` protobuf package of BuildKit v0.32 (`Op`, `ExecOp`,
//!   `Definition`, …). Encoding an op gives the bytes Go's deterministic
//!   marshal gives, so digests equal BuildKit's.
//! - [`apicaps`]: `moby.buildkit.v1.apicaps.APICap` (`ApiCap`), for gateway Ping.
//! - [`digest::Digest`]: the `sha256:…` op name.
//! - [`definition`]: [`decode_definition`](definition::decode_definition)
//!   (validating), [`encode_op`](definition::encode_op),
//!   [`op_digest`](definition::op_digest).
//! - [`dump`]: the views of `llb-dump`: [`dump::json`] (what
//!   `buildctl debug dump-llb` prints), [`dump::dot`], [`dump::tree`] and
//!   [`dump::diff`].
//! - [`state`] — the immutable LLB builder ([`state::State`], sources,
//!   exec, file, merge, diff, constraints); [`marshal`] turns a State into
//!   a `pb::Definition` with Go-identical digests; [`source_map`] attaches
//!   source locations.

pub mod apicaps;
pub mod definition;
pub mod digest;
pub mod dump;
pub mod marshal;
pub mod pb;
pub mod source_map;
pub mod state;
