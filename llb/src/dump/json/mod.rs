//! `buildctl debug dump-llb` output: one JSON object per op per line,
//! `{"Op":…,"Digest":"sha256:…","OpMetadata":…}`, in Definition order.
//!
//! The bytes are those of Go's `encoding/json` on BuildKit's protobuf-go
//! structs: field names from their json tags (the proto field names), zero
//! values left out (`omitempty`), enums and 64-bit integers as numbers,
//! `bytes` as base64, a set but empty message as `{}`, maps as objects with
//! sorted keys. BuildKit's hand-written JSON forms apply to three messages:
//! `Op` puts its payload under `"Op":{"exec":…}` (always present, `{}` for
//! the output-only op); `FileAction` always writes `input`,
//! `secondaryInput` and `output` and nests the action as
//! `"Action":{"copy":…}` (a symlink action prints as `"Action":{}`, as
//! upstream's JSON form has no symlink field); `UserOpt` is
//! `{"User":{"byName":…}}` or `{"User":{"byId":N}}`. `OpMetadata` is always
//! an object, `{}` for an op without metadata.

mod exec;
mod exec_view;
mod fast;
mod file;
mod file_view;
mod graph_ops;
mod metadata;
mod metadata_view;
mod op_view;
mod source;
mod source_view;
#[cfg(test)]
mod view_oracle;
mod wire;
mod writer;

use crate::definition::{DecodedDefinition, Vertex};
use crate::pb;

use writer::Obj;

pub use fast::{JsonDump, WriteError, render_definition};

/// Appends the whole dump of `def` (one line per op, each ending in `\n`).
pub fn write_definition(def: &DecodedDefinition, out: &mut Vec<u8>) {
    for vertex in &def.vertices {
        write_vertex_line(vertex, def.metadata(vertex.digest.as_str()), out);
    }
}

/// The whole dump of `def` as a string.
pub fn definition_to_string(def: &DecodedDefinition) -> String {
    let mut out = Vec::new();
    write_definition(def, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `def` as Go's `encoding/json` writes a `pb.Definition` (inside a SourceInfo, a lint
/// result or an error detail): `def` as base64 strings, `metadata` by digest, then `Source`
/// (under that name, as protobuf-go's struct tag has it) with every op's locations.
pub fn definition_json(def: &pb::Definition) -> Vec<u8> {
    let mut out = Vec::new();
    metadata::definition(&mut out, def);
    out
}

/// Go's `json.Marshal` of a list of strings, e.g. `["a","b\u003c"]` (HTML characters and
/// U+2028/U+2029 escaped as `\uXXXX`), as BuildKit writes `local.followpaths`.
pub fn go_string_list(items: &[String]) -> String {
    let mut out = Vec::with_capacity(2 + items.iter().map(|i| i.len() + 3).sum::<usize>());
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        writer::write_str(&mut out, item);
    }
    out.push(b']');
    // Only whole UTF-8 strings and ASCII were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends one `{"Op":…,"Digest":…,"OpMetadata":…}` line for `vertex`.
pub fn write_vertex_line(vertex: &Vertex, metadata: Option<&pb::OpMetadata>, out: &mut Vec<u8>) {
    write_line(&vertex.op, vertex.digest.as_str(), metadata, out);
}

/// Appends the line of `op`, whose digest is `digest`.
fn write_line(
    op_value: &pb::Op,
    digest: &str,
    metadata: Option<&pb::OpMetadata>,
    out: &mut Vec<u8>,
) {
    write_line_with(
        out,
        |out| op(out, op_value),
        digest,
        |out| {
            let empty = pb::OpMetadata::default();
            metadata::op_metadata(out, metadata.unwrap_or(&empty));
        },
    );
}

/// Appends a dump line whose `"Op"` and `"OpMetadata"` objects `op` and
/// `metadata` write.
fn write_line_with(
    out: &mut Vec<u8>,
    op: impl FnOnce(&mut Vec<u8>),
    digest: &str,
    metadata: impl FnOnce(&mut Vec<u8>),
) {
    let mut obj = Obj::open(out);
    op(obj.key("Op"));
    writer::write_str(obj.key("Digest"), digest);
    metadata(obj.key("OpMetadata"));
    obj.close();
    out.push(b'\n');
}

/// The JSON of one op alone, as in the `"Op"` field of a dump line.
pub fn op_to_string(value: &pb::Op) -> String {
    let mut out = Vec::new();
    op(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

/// `pb.Op` in BuildKit's JSON form.
fn op(out: &mut Vec<u8>, value: &pb::Op) {
    op_json(
        out,
        &value.inputs,
        |i| (&i.digest, i.index),
        |payload| payload_json(payload, value.op.as_ref()),
        value.platform.as_ref().map(|p| PlatformRef {
            architecture: &p.architecture,
            os: &p.os,
            variant: &p.variant,
            os_version: &p.os_version,
            os_features: &p.os_features,
        }),
        value.constraints.as_ref().map(|c| c.filter.as_slice()),
    );
}

/// An op's JSON from its parts: the inputs (each giving its digest and
/// output index), the payload (written into the `"Op"` object by
/// `payload`), the platform and the constraints' filters.
fn op_json<T>(
    out: &mut Vec<u8>,
    inputs: &[T],
    input_of: impl Fn(&T) -> (&str, i64),
    payload: impl FnOnce(&mut Obj<'_>),
    platform_value: Option<PlatformRef<'_>>,
    filter: Option<&[String]>,
) {
    let mut obj = Obj::open(out);
    obj.list("inputs", inputs, |out, i| {
        let (digest, index) = input_of(i);
        input(out, digest, index);
    });
    {
        let mut payload_obj = Obj::open(obj.key("Op"));
        payload(&mut payload_obj);
        payload_obj.close();
    }
    obj.msg("platform", platform_value.as_ref(), platform);
    obj.msg("constraints", filter, |out, filter| {
        let mut obj = Obj::open(out);
        obj.strs("filter", filter);
        obj.close();
    });
    obj.close();
}

/// The member of `pb.Op`'s payload oneof, if any, in the `"Op"` object
/// `payload`: `"exec":{…}` and so on.
fn payload_json(payload: &mut Obj<'_>, value: Option<&pb::op::Op>) {
    use pb::op::Op as P;
    match value {
        Some(P::Exec(v)) => exec::exec_op(payload.key("exec"), v),
        Some(P::Source(v)) => source::source_op(payload.key("source"), v),
        Some(P::File(v)) => file::file_op(payload.key("file"), v),
        Some(P::Build(v)) => graph_ops::build_op(payload.key("build"), v),
        Some(P::Merge(v)) => graph_ops::merge_op(payload.key("merge"), v),
        Some(P::Diff(v)) => graph_ops::diff_op(payload.key("diff"), v),
        Some(P::Passthrough(v)) => graph_ops::passthrough_op(payload.key("passthrough"), v),
        None => {}
    }
}

/// `pb.Input`.
fn input(out: &mut Vec<u8>, digest: &str, index: i64) {
    let mut obj = Obj::open(out);
    obj.str("digest", digest);
    obj.int("index", index);
    obj.close();
}

/// The fields of a `pb.Platform`, borrowed.
#[derive(Default, Clone)]
struct PlatformRef<'a> {
    architecture: &'a str,
    os: &'a str,
    variant: &'a str,
    os_version: &'a str,
    os_features: &'a [String],
}

/// `pb.Platform`.
fn platform(out: &mut Vec<u8>, value: &PlatformRef<'_>) {
    let mut obj = Obj::open(out);
    obj.str("Architecture", value.architecture);
    obj.str("OS", value.os);
    obj.str("Variant", value.variant);
    obj.str("OSVersion", value.os_version);
    obj.strs("OSFeatures", value.os_features);
    obj.close();
}
