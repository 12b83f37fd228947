//! JSON of `pb.SourceOp`.

use super::writer::{Obj, write_str};
use crate::pb;

/// `pb.SourceOp`.
pub(super) fn source_op(out: &mut Vec<u8>, v: &pb::SourceOp) {
    let mut obj = Obj::open(out);
    obj.str("identifier", &v.identifier);
    obj.map("attrs", &v.attrs, |out, s| write_str(out, s));
    obj.close();
}
