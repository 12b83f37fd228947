//! The generated gateway protobuf types and gRPC stubs (from `frontend/proto/`, see `build.rs`).
//!
//! LLB types (`Definition`, `Platform`, `SourceInfo`, `Range`, …) are the `llb` crate's
//! [`llb::pb`] types, and `APICap` is [`llb::apicaps::ApiCap`].

#[allow(missing_docs, clippy::all, clippy::pedantic, unreachable_pub)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/gateway_proto.rs"));
}

/// `fsutil.types.Stat`: file metadata from ReadDir and StatFile.
pub use generated::fsutil::types::Stat;
/// `google.rpc.Status`: the gRPC error model carried by `ReturnRequest.error`.
pub use generated::google::rpc::Status as RpcStatus;
/// `moby.buildkit.v1.frontend`: the LLBBridge service and its messages.
pub use generated::moby::buildkit::v1::frontend as bridge;
/// `moby.buildkit.v1.types`: worker records returned by Ping.
pub use generated::moby::buildkit::v1::types as worker;
