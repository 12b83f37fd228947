//! [`JsonDump`]: the fast path of `llb-dump --format json`.
//!
//! Digests come first (sha256 of each op's bytes, no decoding), then each op
//! is decoded, checked, formatted and dropped in one go, so only one op is
//! alive per thread and memory stays small. Large Definitions are digested
//! and formatted by two threads: [`JsonDump`] gives each half of the ops,
//! [`render_definition`] deals them out in batches.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, mpsc};

use prost::Message;
use prost::bytes::Bytes;

use super::metadata::op_metadata;
use super::metadata_view::MetadataView;
use super::op_view::{OpView, PayloadSlot};
use super::write_line_with;
use crate::definition::{DefinitionError, scan_definition};
use crate::digest::{Digest, DigestMap};
use crate::pb;

/// Definitions with at least this many ops are formatted by two threads.
const PARALLEL_MIN_OPS: usize = 256;

/// Size of the output chunks. The output is made of many chunks rather than
/// one buffer per thread, sized by a guess: a guess too large wastes
/// memory (and page faults), one too small copies the buffer as it grows.
const CHUNK: usize = 128 << 10;
/// A new chunk is started when less room than this is left in the current
/// one; a longer line makes its chunk grow.
const LINE_ROOM: usize = 4 << 10;
/// Ops are dealt out to the threads in batches of about this many bytes.
const BATCH_BYTES: usize = 32 << 10;

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
    /// Where the ops are split between two threads (see [`in_parts`]).
    split: Option<usize>,
}

impl JsonDump {
    /// Splits the Definition, digests every op and checks what can be
    /// checked without decoding ops.
    pub fn new(bytes: Bytes) -> Result<JsonDump, DefinitionError> {
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
        let (index, metadata) = check(&digests, raw.metadata)?;
        drop(index);
        Ok(JsonDump {
            def: raw.def,
            digests,
            metadata,
            split,
        })
    }

    /// Decodes, checks and formats every op; the chunks, concatenated, are
    /// the dump.
    pub fn render(&self) -> Result<Vec<Vec<u8>>, DefinitionError> {
        let n = self.def.len();
        let index = first_positions(&self.digests);
        let ops = Ops {
            digests: &self.digests,
            metadata: &self.metadata,
            index: &index,
        };
        let parts = in_parts(n, self.split, |range| {
            ops.render(range.start, &self.def[range])
        });
        let mut chunks = Vec::new();
        for part in parts {
            chunks.extend(part?);
        }
        Ok(chunks)
    }

    /// Formats everything, then writes it to `out` (nothing is written
    /// when the Definition is invalid).
    pub fn write_to(&self, out: &mut impl io::Write) -> Result<(), WriteError> {
        for chunk in self.render()? {
            out.write_all(&chunk)?;
        }
        Ok(())
    }
}

/// What [`JsonDump::new`] then [`JsonDump::render`] print, made with one
/// helper thread for both steps instead of one for each. The ops are dealt
/// out in batches to whichever thread is free, so a helper that starts
/// late, or gets no CPU, leaves more of the work to this thread instead of
/// making it wait.
pub fn render_definition(bytes: Bytes) -> Result<Rendered, DefinitionError> {
    let raw = scan_definition(bytes)?;
    if raw.def.is_empty() {
        return Err(DefinitionError::Empty);
    }
    if split_point(&raw.def).is_none() {
        let digests: Vec<Digest> = raw.def.iter().map(|b| Digest::of(b)).collect();
        let (index, metadata) = check(&digests, raw.metadata)?;
        let ops = Ops {
            digests: &digests,
            metadata: &metadata,
            index: &index,
        };
        let mut sink = Sink::new();
        let extent = ops.render_into(0, &raw.def, &mut sink)?;
        return Ok(Rendered {
            parts: vec![sink],
            order: vec![(0, extent)],
        });
    }
    let def = &raw.def;
    let batches = &batches(def);
    let next_digest = &AtomicUsize::new(0);
    let next_render = &AtomicUsize::new(0);
    // Set by this thread, read by the helper once told to go on.
    let all_digests: OnceLock<Vec<Digest>> = OnceLock::new();
    let checked: OnceLock<Checked> = OnceLock::new();
    let (shared_digests, shared_checks) = (&all_digests, &checked);
    // The next batch for this thread, if any is left.
    let take = |next: &AtomicUsize| {
        let b = next.fetch_add(1, Ordering::Relaxed);
        batches.get(b).map(|range| (b, range.clone()))
    };
    // Formats batches until none is left or one fails (with the batch's
    // number, to report the first failure in op order).
    let render = move |ops: &Ops<'_>| -> Result<Batches, (usize, DefinitionError)> {
        let mut sink = Sink::new();
        let mut done = Vec::new();
        while let Some((b, range)) = take(next_render) {
            let extent = ops
                .render_into(range.start, &def[range], &mut sink)
                .map_err(|e| (b, e))?;
            done.push((b, extent));
        }
        Ok((sink, done))
    };
    let (mine, theirs) = std::thread::scope(|s| {
        // Dropped, so hung up, when this closure returns early.
        let (digests_tx, digests_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::sync_channel(1);
        let helper = s.spawn(move || {
            while let Some((b, range)) = take(next_digest) {
                let digests: Vec<Digest> = def[range].iter().map(|b| Digest::of(b)).collect();
                if digests_tx.send((b, digests)).is_err() {
                    return Ok(None);
                }
            }
            drop(digests_tx);
            // Fails when this thread gave up on an invalid Definition.
            if go_rx.recv().is_err() {
                return Ok(None);
            }
            let (Some(digests), Some((index, metadata))) =
                (shared_digests.get(), shared_checks.get())
            else {
                return Ok(None);
            };
            let ops = Ops {
                digests,
                metadata,
                index,
            };
            render(&ops).map(Some)
        });
        let mut by_batch: Vec<Option<Vec<Digest>>> = vec![None; batches.len()];
        while let Some((b, range)) = take(next_digest) {
            by_batch[b] = Some(def[range].iter().map(|b| Digest::of(b)).collect());
        }
        // Batches the helper took may still be under way.
        let mut missing = by_batch.iter().filter(|d| d.is_none()).count();
        while missing > 0 {
            match digests_rx.recv() {
                Ok((b, digests)) => {
                    by_batch[b] = Some(digests);
                    missing -= 1;
                }
                // The helper ended without sending them: it panicked.
                Err(_) => return Ok((join(helper), Ok(None))),
            }
        }
        let mut digests = Vec::with_capacity(def.len());
        digests.extend(by_batch.into_iter().flatten().flatten());
        let digests = all_digests.get_or_init(|| digests);
        let (index, metadata) = check(digests, raw.metadata)?;
        let (index, metadata) = checked.get_or_init(|| (index, metadata));
        // The helper is waiting, or has ended: either way, no need to know.
        let _ = go_tx.send(());
        let ops = Ops {
            digests,
            metadata,
            index,
        };
        let mine = render(&ops).map(Some);
        Ok((mine, join(helper)))
    })?;
    // The first failure in op order, else both threads' lines in op order.
    match (mine, theirs) {
        (Err((a, e)), Err((b, _))) if a <= b => Err(e),
        (_, Err((_, e))) | (Err((_, e)), _) => Err(e),
        (Ok(mine), Ok(theirs)) => Ok(Rendered::merge(mine.into_iter().chain(theirs))),
    }
}

/// The dump as made by [`render_definition`]: the lines of each thread in
/// its own chunks, and where the lines of each batch of ops lie.
pub struct Rendered {
    parts: Vec<Sink>,
    /// In op order: the part holding a run of lines, and where in it.
    order: Vec<(usize, Extent)>,
}

/// One thread's lines, and the number and extent of each batch it formatted.
type Batches = (Sink, Vec<(usize, Extent)>);

impl Rendered {
    /// The dump as slices to write one after the other.
    pub fn slices(&self) -> Vec<&[u8]> {
        let mut slices = Vec::new();
        for &(part, (start, end)) in &self.order {
            let Some(sink) = self.parts.get(part) else {
                continue;
            };
            for (c, chunk) in sink.chunks.iter().enumerate().take(end.0 + 1).skip(start.0) {
                let from = if c == start.0 { start.1 } else { 0 };
                let to = if c == end.0 { end.1 } else { chunk.len() };
                if let Some(slice) = chunk.get(from..to).filter(|s| !s.is_empty()) {
                    slices.push(slice);
                }
            }
        }
        slices
    }

    /// The whole dump in one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        self.slices().concat()
    }

    /// The threads' batches put in op order.
    fn merge(parts: impl Iterator<Item = Batches>) -> Rendered {
        let mut sinks = Vec::new();
        let mut batches = Vec::new();
        for (p, (sink, done)) in parts.enumerate() {
            sinks.push(sink);
            batches.extend(done.into_iter().map(|(b, extent)| (b, p, extent)));
        }
        batches.sort_unstable_by_key(|&(b, _, _)| b);
        Rendered {
            parts: sinks,
            order: batches
                .into_iter()
                .map(|(_, p, extent)| (p, extent))
                .collect(),
        }
    }
}

/// Where a run of lines lies in a [`Sink`]: from (chunk, offset) to
/// (chunk, offset), the end excluded.
type Extent = ((usize, usize), (usize, usize));

/// Lines in chunks of [`CHUNK`] bytes, each filled to within [`LINE_ROOM`]
/// bytes; never empty.
struct Sink {
    chunks: Vec<Vec<u8>>,
}

impl Sink {
    fn new() -> Sink {
        Sink {
            chunks: vec![Vec::with_capacity(CHUNK)],
        }
    }

    /// Where the next line goes.
    fn end(&self) -> (usize, usize) {
        let last = self.chunks.len() - 1;
        (last, self.chunks[last].len())
    }

    /// The chunk to append the next line to: a new one when the current
    /// one has less than [`LINE_ROOM`] left.
    fn line_buffer(&mut self) -> &mut Vec<u8> {
        let last = self.chunks.len() - 1;
        if self.chunks[last].len() > CHUNK - LINE_ROOM {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        let last = self.chunks.len() - 1;
        &mut self.chunks[last]
    }
}

/// Consecutive ops of about [`BATCH_BYTES`] input bytes each.
fn batches(def: &[Bytes]) -> Vec<std::ops::Range<usize>> {
    let mut batches = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, op) in def.iter().enumerate() {
        size += op.len();
        if size >= BATCH_BYTES {
            batches.push(start..i + 1);
            (start, size) = (i + 1, 0);
        }
    }
    if start < def.len() {
        batches.push(start..def.len());
    }
    batches
}

/// An op read in place, or decoded in full.
enum ReadOp<'a> {
    View(OpView<'a>),
    /// Boxed: the rare case, and a large value.
    Decoded(Box<pb::Op>),
}

/// Everything needed to format any op: the digests and metadata of all
/// ops, by position, and the first position of each digest.
struct Ops<'a> {
    digests: &'a [Digest],
    metadata: &'a [Option<Bytes>],
    index: &'a DigestMap<&'a str, usize>,
}

impl Ops<'_> {
    /// Decodes, checks and formats `ops`, the ops from position `first`
    /// on, in chunks of about [`CHUNK`] bytes.
    fn render(&self, first: usize, ops: &[Bytes]) -> Result<Vec<Vec<u8>>, DefinitionError> {
        let mut sink = Sink::new();
        self.render_into(first, ops, &mut sink)?;
        Ok(sink.chunks)
    }

    /// Decodes, checks and appends the lines of `ops`, the ops from
    /// position `first` on, to `sink`; returns where they lie.
    fn render_into(
        &self,
        first: usize,
        ops: &[Bytes],
        sink: &mut Sink,
    ) -> Result<Extent, DefinitionError> {
        let start = sink.end();
        // The payload of the op and its metadata read in place, reused
        // from op to op.
        let mut payload = PayloadSlot::default();
        let mut meta_view = MetadataView::default();
        for (i, bytes) in (first..).zip(ops) {
            let digest = &self.digests[i];
            let out = sink.line_buffer();
            // Ops and metadata as Dockerfile builds write them are read in
            // place; anything else is decoded in full.
            let op = match OpView::read(bytes, &mut payload) {
                Some(view) => ReadOp::View(view),
                None => ReadOp::Decoded(Box::new(
                    pb::Op::decode(bytes.as_ref())
                        .map_err(|source| DefinitionError::Op { index: i, source })?,
                )),
            };
            match &op {
                ReadOp::View(view) => self.check_inputs(i, digest, view.inputs.iter().copied()),
                ReadOp::Decoded(op) => self.check_inputs(
                    i,
                    digest,
                    op.inputs.iter().map(|x| (x.digest.as_str(), x.index)),
                ),
            }?;
            let write_op = |out: &mut Vec<u8>| match &op {
                ReadOp::View(view) => view.write(out, &payload),
                ReadOp::Decoded(op) => super::op(out, op),
            };
            let raw_meta = self.metadata[i].as_deref();
            match raw_meta.map(|b| meta_view.reread(b)) {
                Some(true) => {
                    write_line_with(out, write_op, digest.as_str(), |out| meta_view.write(out));
                }
                _ => {
                    let meta = match raw_meta {
                        Some(b) => Some(pb::OpMetadata::decode(b).map_err(|source| {
                            DefinitionError::Metadata {
                                digest: digest.to_string(),
                                source,
                            }
                        })?),
                        None => None,
                    };
                    let empty = pb::OpMetadata::default();
                    let meta = meta.as_ref().unwrap_or(&empty);
                    write_line_with(out, write_op, digest.as_str(), |out| op_metadata(out, meta));
                }
            }
            if let ReadOp::View(view) = op {
                payload.recycle(view);
            }
        }
        Ok((start, sink.end()))
    }
}

impl Ops<'_> {
    /// The checks of op `i`'s inputs: output indexes not negative, input
    /// digests known, and the last op has an input.
    fn check_inputs<'i>(
        &self,
        i: usize,
        digest: &Digest,
        inputs: impl ExactSizeIterator<Item = (&'i str, i64)>,
    ) -> Result<(), DefinitionError> {
        let none = inputs.len() == 0;
        for (n, (input, index)) in inputs.enumerate() {
            if index < 0 {
                return Err(DefinitionError::NegativeOutputIndex {
                    op: digest.clone(),
                    input: n,
                    output: index,
                });
            }
            if !self.index.contains_key(input) {
                return Err(DefinitionError::MissingInput {
                    digest: input.to_string(),
                    op: digest.clone(),
                    input: n,
                });
            }
        }
        if i == self.digests.len() - 1 && none {
            return Err(DefinitionError::NoRootInput);
        }
        Ok(())
    }
}

/// What [`check`] returns: the first position of each digest, and the raw
/// metadata of each op by position.
type Checked<'a> = (DigestMap<&'a str, usize>, Vec<Option<Bytes>>);

/// Checks the ops' digests and metadata entries: at least two distinct
/// ops, every metadata value decodes. Returns the first position of each
/// digest and the raw metadata of each op, by position (a repeated op
/// shares the metadata of its first occurrence).
fn check(
    digests: &[Digest],
    raw_metadata: Vec<(String, Bytes)>,
) -> Result<Checked<'_>, DefinitionError> {
    let index = first_positions(digests);
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
    for (digest, value) in raw_metadata {
        match index.get(digest.as_str()) {
            Some(&i) => {
                if let Some(replaced) = metadata[i].replace(value) {
                    check(&digest, replaced)?;
                }
            }
            None => check(&digest, value)?,
        }
    }
    for (i, d) in digests.iter().enumerate() {
        if let Some(&first) = index.get(d.as_str())
            && first != i
        {
            metadata[i] = metadata[first].clone();
        }
    }
    Ok((index, metadata))
}

/// Waits for a helper thread, passing on its panic.
fn join<T>(helper: std::thread::ScopedJoinHandle<'_, T>) -> T {
    helper
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
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
        let helper = s.spawn(|| work(mid..n));
        let head = work(0..mid);
        vec![head, join(helper)]
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

#[cfg(test)]
pub(super) mod tests {
    use std::path::PathBuf;

    use super::*;

    /// `$RFRONT_SHARED`, else the `shared` directory beside the workspace.
    pub(in crate::dump::json) fn shared_dir() -> PathBuf {
        std::env::var_os("RFRONT_SHARED").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
            PathBuf::from,
        )
    }

    /// The perf Definitions (large enough for two threads) and every golden case's.
    pub(in crate::dump::json) fn corpus() -> Vec<PathBuf> {
        let mut files = Vec::new();
        for dir in ["corpus/perf", "corpus/llb"] {
            let dir = shared_dir().join(dir);
            for entry in std::fs::read_dir(&dir).expect("corpus directory") {
                let path = entry.expect("directory entry").path();
                let def = if path.is_dir() {
                    path.join("definition.pb")
                } else {
                    path
                };
                if def.to_string_lossy().ends_with("definition.pb") && def.is_file() {
                    files.push(def);
                }
            }
        }
        files.sort();
        files
    }

    /// Both ways of printing, as one string each, or the error's text.
    fn both(bytes: &[u8]) -> (Result<Vec<u8>, String>, Result<Vec<u8>, String>) {
        let two_steps = JsonDump::new(bytes.to_vec().into())
            .and_then(|d| d.render())
            .map(|c| c.concat())
            .map_err(|e| e.to_string());
        let one_go = render_definition(bytes.to_vec().into())
            .map(|r| r.to_vec())
            .map_err(|e| e.to_string());
        (two_steps, one_go)
    }

    #[test]
    fn render_definition_prints_what_new_and_render_print() {
        let files = corpus();
        assert!(files.len() > 30, "{files:?}");
        let mut split = 0;
        for path in files {
            let bytes = std::fs::read(&path).expect("readable definition");
            let raw = scan_definition(bytes.clone().into()).expect("valid definition");
            split += usize::from(split_point(&raw.def).is_some());
            let (two_steps, one_go) = both(&bytes);
            assert!(two_steps.is_ok(), "{}", path.display());
            assert_eq!(one_go, two_steps, "{}", path.display());
        }
        assert!(split >= 2, "the perf Definitions use two threads");
    }

    #[test]
    fn chunks_are_filled_and_never_outgrow_their_buffer() {
        let path = shared_dir().join("corpus/perf/mixed-200.definition.pb");
        let bytes = std::fs::read(path).expect("readable definition");
        let rendered = render_definition(bytes.into()).expect("valid definition");
        // A thread that got no batch (the other took them all first) keeps its one empty
        // chunk, which writes nothing.
        let chunks: Vec<&Vec<u8>> = rendered
            .parts
            .iter()
            .filter(|p| p.chunks.iter().any(|c| !c.is_empty()))
            .flat_map(|p| &p.chunks)
            .collect();
        assert!(chunks.len() > 4, "{}", chunks.len());
        // Each thread's last chunk may be short.
        let short = chunks
            .iter()
            .filter(|c| c.len() <= CHUNK - LINE_ROOM)
            .count();
        assert!(short <= 2, "{short} short chunks");
        for chunk in chunks {
            assert_eq!(chunk.capacity(), CHUNK);
            assert_eq!(chunk.last(), Some(&b'\n'));
        }
        // Every batch is there, in order, once.
        let batches = batches(
            &scan_definition(
                std::fs::read(shared_dir().join("corpus/perf/mixed-200.definition.pb"))
                    .expect("readable")
                    .into(),
            )
            .expect("valid")
            .def,
        );
        assert!(batches.len() > 8);
        assert_eq!(rendered.order.len(), batches.len());
    }

    #[test]
    fn render_definition_fails_as_new_and_render_fail() {
        let path = shared_dir().join("corpus/perf/mixed-200.definition.pb");
        let bytes = std::fs::read(path).expect("readable definition");
        let def = pb::Definition::decode(bytes.as_slice()).expect("valid definition");
        let n = def.def.len();
        assert!(
            split_point(&def.def.iter().cloned().map(Bytes::from).collect::<Vec<_>>()).is_some()
        );
        // An op gone, early or late: whoever uses it misses an input.
        for gone in [0, n / 2, n - 2] {
            let mut broken = def.clone();
            broken.def.remove(gone);
            let (two_steps, one_go) = both(&broken.encode_to_vec());
            assert!(two_steps.is_err(), "without op {gone}");
            assert_eq!(one_go, two_steps, "without op {gone}");
        }
        // Garbage as an op, early or late.
        for bad in [1, n - 3] {
            let mut broken = def.clone();
            broken.def[bad] = vec![0xff; 3];
            let (two_steps, one_go) = both(&broken.encode_to_vec());
            assert!(two_steps.is_err(), "garbage op {bad}");
            assert_eq!(one_go, two_steps, "garbage op {bad}");
        }
        // The same op over and over: too few distinct ops.
        let mut same = def.clone();
        same.def = vec![def.def[0].clone(); n];
        let (two_steps, one_go) = both(&same.encode_to_vec());
        assert!(two_steps.is_err());
        assert_eq!(one_go, two_steps);
    }
}
