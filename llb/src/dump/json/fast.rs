//! [`JsonDump`]: the fast path of `llb-dump --format json`.
//!
//! Digests come first (sha256 of each op's bytes, no decoding), then each op
//! is decoded, checked, formatted and dropped in one go, so only one op is
//! alive per thread and memory stays small. Large Definitions are digested
//! and formatted by two threads, each taking half of the ops.

use std::io;

use prost::Message;
use prost::bytes::Bytes;

use super::write_line;
use crate::definition::{DefinitionError, scan_definition};
use crate::digest::{Digest, DigestMap};
use crate::pb;

/// Definitions with at least this many ops are formatted by two threads.
const PARALLEL_MIN_OPS: usize = 256;

/// A Definition checked for printing as JSON lines.
///
/// Together, [`JsonDump::new`] and [`JsonDump::render`] accept exactly the
/// Definitions [`decode_definition`](crate::definition::decode_definition)
/// accepts, except that source maps (which the dump does not show) are not
/// decoded; when several things are wrong, which error is reported may
/// differ. Nothing is written when anything is wrong.
pub struct JsonDump {
    def: Vec<Bytes>,
    digests: Vec<Digest>,
    /// Raw `OpMetadata` bytes of each op, by position.
    metadata: Vec<Option<Bytes>>,
    /// Size of the input, to size output buffers.
    input_len: usize,
    /// Where the ops are split between two threads (see [`in_parts`]).
    split: Option<usize>,
}

impl JsonDump {
    /// Splits the Definition, digests every op and checks what can be
    /// checked without decoding ops.
    pub fn new(bytes: Bytes) -> Result<JsonDump, DefinitionError> {
        let input_len = bytes.len();
        let raw = scan_definition(bytes)?;
        if raw.def.is_empty() {
            return Err(DefinitionError::Empty);
        }
        let split = split_point(&raw.def);
        let digests: Vec<Digest> = in_parts(raw.def.len(), split, |range| {
            raw.def[range]
                .iter()
                .map(|b| Digest::of(b))
                .collect::<Vec<_>>()
        })
        .concat();
        let index = first_positions(&digests);
        if index.len() < 2 {
            return Err(DefinitionError::TooFewOps(index.len()));
        }
        let mut metadata = vec![None; digests.len()];
        // Values that will not be printed (metadata of no op, or replaced by
        // a later entry with the same key) must still decode, as in Go.
        let check = |digest: &str, value: Bytes| {
            pb::OpMetadata::decode(value)
                .map(drop)
                .map_err(|source| DefinitionError::Metadata {
                    digest: digest.to_string(),
                    source,
                })
        };
        for (digest, value) in raw.metadata {
            match index.get(digest.as_str()) {
                Some(&i) => {
                    if let Some(replaced) = metadata[i].replace(value) {
                        check(&digest, replaced)?;
                    }
                }
                None => check(&digest, value)?,
            }
        }
        // A repeated op shares the metadata of its first occurrence.
        for (i, d) in digests.iter().enumerate() {
            if let Some(&first) = index.get(d.as_str())
                && first != i
            {
                metadata[i] = metadata[first].clone();
            }
        }
        drop(index);
        Ok(JsonDump {
            def: raw.def,
            digests,
            metadata,
            input_len,
            split,
        })
    }

    /// Decodes, checks and formats every op; the chunks, concatenated, are
    /// the dump.
    pub fn render(&self) -> Result<Vec<Vec<u8>>, DefinitionError> {
        let n = self.def.len();
        let index = first_positions(&self.digests);
        let estimate = self.input_len * 3 / 2;
        in_parts(n, self.split, |range| {
            let share = if range.len() == n {
                estimate
            } else {
                estimate / 2
            };
            let mut out = Vec::with_capacity(share);
            self.render_range(range, &index, &mut out).map(|()| out)
        })
        .into_iter()
        .collect()
    }

    /// Formats everything, then writes it to `out` (nothing is written
    /// when the Definition is invalid).
    pub fn write_to(&self, out: &mut impl io::Write) -> Result<(), WriteError> {
        for chunk in self.render()? {
            out.write_all(&chunk)?;
        }
        Ok(())
    }

    /// Decodes, checks and appends the lines of the ops in `range`.
    fn render_range(
        &self,
        range: std::ops::Range<usize>,
        index: &DigestMap<&str, usize>,
        out: &mut Vec<u8>,
    ) -> Result<(), DefinitionError> {
        let last = self.def.len() - 1;
        for i in range {
            let bytes = &self.def[i];
            let digest = &self.digests[i];
            let op = pb::Op::decode(bytes.as_ref())
                .map_err(|source| DefinitionError::Op { index: i, source })?;
            for (n, input) in op.inputs.iter().enumerate() {
                if input.index < 0 {
                    return Err(DefinitionError::NegativeOutputIndex {
                        op: digest.clone(),
                        input: n,
                        output: input.index,
                    });
                }
                if !index.contains_key(input.digest.as_str()) {
                    return Err(DefinitionError::MissingInput {
                        digest: input.digest.clone(),
                        op: digest.clone(),
                        input: n,
                    });
                }
            }
            if i == last && op.inputs.is_empty() {
                return Err(DefinitionError::NoRootInput);
            }
            let meta = match &self.metadata[i] {
                Some(b) => Some(pb::OpMetadata::decode(b.clone()).map_err(|source| {
                    DefinitionError::Metadata {
                        digest: digest.to_string(),
                        source,
                    }
                })?),
                None => None,
            };
            write_line(&op, digest.as_str(), meta.as_ref(), out);
        }
        Ok(())
    }
}

/// Where to split the ops between two threads: `None` below [`PARALLEL_MIN_OPS`], else the
/// first op past half of the bytes (ops differ in size by orders of magnitude, so halving the
/// count can leave one thread idle).
fn split_point(def: &[Bytes]) -> Option<usize> {
    if def.len() < PARALLEL_MIN_OPS {
        return None;
    }
    let total: usize = def.iter().map(Bytes::len).sum();
    let mut seen = 0;
    for (i, op) in def.iter().enumerate() {
        seen += op.len();
        if seen * 2 >= total {
            return Some((i + 1).min(def.len() - 1).max(1));
        }
    }
    Some(def.len() / 2)
}

/// Runs `work` over the ops `0..n`: in one go without a split, else over `0..mid` on this
/// thread and `mid..n` on a second one. The results come in op order. A panic in the second
/// thread is passed on.
fn in_parts<T: Send>(
    n: usize,
    split: Option<usize>,
    work: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    let Some(mid) = split else {
        return vec![work(0..n)];
    };
    std::thread::scope(|s| {
        let worker = s.spawn(|| work(mid..n));
        let head = work(0..mid);
        let tail = worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        vec![head, tail]
    })
}

/// First position of each digest.
fn first_positions(digests: &[Digest]) -> DigestMap<&str, usize> {
    let mut index = DigestMap::with_capacity_and_hasher(digests.len(), Default::default());
    for (i, d) in digests.iter().enumerate() {
        index.entry(d.as_str()).or_insert(i);
    }
    index
}

/// Why [`JsonDump::write_to`] failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The Definition is invalid.
    #[error(transparent)]
    Definition(#[from] DefinitionError),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Io(#[from] io::Error),
}
