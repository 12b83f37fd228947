//! JSON of `pb.OpMetadata`, `pb.Definition` and source maps.

use super::writer::{Obj, write_base64, write_bool, write_str};
use crate::pb;

/// `pb.OpMetadata`.
pub(super) fn op_metadata(out: &mut Vec<u8>, v: &pb::OpMetadata) {
    let mut obj = Obj::open(out);
    obj.bool("ignore_cache", v.ignore_cache);
    obj.map("description", &v.description, |out, s| write_str(out, s));
    obj.msg("export_cache", v.export_cache.as_ref(), |out, e| {
        let mut obj = Obj::open(out);
        obj.bool("Value", e.value);
        obj.close();
    });
    obj.map("caps", &v.caps, |out, b| write_bool(out, *b));
    obj.msg("progress_group", v.progress_group.as_ref(), |out, p| {
        progress_group(out, &p.id, &p.name, p.weak)
    });
    obj.msg("linux_resources", v.linux_resources.as_ref(), |out, r| {
        let mut obj = Obj::open(out);
        obj.int("memory", r.memory);
        obj.int("memorySwap", r.memory_swap);
        obj.uint("cpuShares", r.cpu_shares);
        obj.uint("cpuPeriod", r.cpu_period);
        obj.int("cpuQuota", r.cpu_quota);
        obj.str("cpusetCpus", &r.cpuset_cpus);
        obj.str("cpusetMems", &r.cpuset_mems);
        obj.close();
    });
    obj.close();
}

/// `pb.ProgressGroup`.
pub(super) fn progress_group(out: &mut Vec<u8>, id: &str, name: &str, weak: bool) {
    let mut obj = Obj::open(out);
    obj.str("id", id);
    obj.str("name", name);
    obj.bool("weak", weak);
    obj.close();
}

/// `pb.Definition` (inside a BuildOp or a SourceInfo).
pub(super) fn definition(out: &mut Vec<u8>, v: &pb::Definition) {
    let mut obj = Obj::open(out);
    obj.list("def", &v.def, |out, b| write_base64(out, b));
    obj.map("metadata", &v.metadata, op_metadata);
    obj.msg("Source", v.source.as_ref(), source);
    obj.close();
}

/// `pb.Source`.
fn source(out: &mut Vec<u8>, v: &pb::Source) {
    let mut obj = Obj::open(out);
    obj.map("locations", &v.locations, |out, l| {
        let mut obj = Obj::open(out);
        obj.list("locations", &l.locations, location);
        obj.close();
    });
    obj.list("infos", &v.infos, |out, i| {
        let mut obj = Obj::open(out);
        obj.str("filename", &i.filename);
        obj.bytes("data", &i.data);
        obj.msg("definition", i.definition.as_ref(), definition);
        obj.str("language", &i.language);
        obj.close();
    });
    obj.close();
}

/// `pb.Location`.
fn location(out: &mut Vec<u8>, v: &pb::Location) {
    let mut obj = Obj::open(out);
    obj.int("sourceIndex", i64::from(v.source_index));
    obj.list("ranges", &v.ranges, |out, r| {
        let mut obj = Obj::open(out);
        obj.msg("start", r.start.as_ref(), position);
        obj.msg("end", r.end.as_ref(), position);
        obj.close();
    });
    obj.close();
}

/// `pb.Position`.
fn position(out: &mut Vec<u8>, v: &pb::Position) {
    let mut obj = Obj::open(out);
    obj.int("line", i64::from(v.line));
    obj.int("character", i64::from(v.character));
    obj.close();
}
