//! JSON of the ops that combine inputs: `pb.BuildOp`, `pb.MergeOp`,
//! `pb.DiffOp`, `pb.PassthroughOp`.

use super::metadata::definition;
use super::writer::{Obj, write_str};
use crate::pb;

/// `pb.BuildOp`.
pub(super) fn build_op(out: &mut Vec<u8>, v: &pb::BuildOp) {
    let mut obj = Obj::open(out);
    obj.int("builder", v.builder);
    obj.map("inputs", &v.inputs, |out, i| input_only(out, i.input));
    obj.msg("def", v.def.as_ref(), definition);
    obj.map("attrs", &v.attrs, |out, s| write_str(out, s));
    obj.close();
}

/// `pb.MergeOp`.
pub(super) fn merge_op(out: &mut Vec<u8>, v: &pb::MergeOp) {
    let mut obj = Obj::open(out);
    obj.list("inputs", &v.inputs, |out, i| input_only(out, i.input));
    obj.close();
}

/// `pb.DiffOp`.
pub(super) fn diff_op(out: &mut Vec<u8>, v: &pb::DiffOp) {
    let mut obj = Obj::open(out);
    obj.msg("lower", v.lower.as_ref(), |out, l| input_only(out, l.input));
    obj.msg("upper", v.upper.as_ref(), |out, u| input_only(out, u.input));
    obj.close();
}

/// `pb.PassthroughOp`.
pub(super) fn passthrough_op(out: &mut Vec<u8>, v: &pb::PassthroughOp) {
    let mut obj = Obj::open(out);
    obj.str("id", &v.id);
    obj.nums("outputs", &v.outputs);
    obj.close();
}

/// The one-field messages `BuildInput`, `MergeInput`, `LowerDiffInput`,
/// `UpperDiffInput`: `{"input":N}`, `{}` for input 0.
fn input_only(out: &mut Vec<u8>, input: i64) {
    let mut obj = Obj::open(out);
    obj.int("input", input);
    obj.close();
}
