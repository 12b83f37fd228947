//! `moby.buildkit.v1.apicaps` protobuf types (generated from
//! `llb/proto/caps.proto`): [`ApiCap`] (`APICap` upstream), the capability records a BuildKit
//! gateway returns from Ping. A gateway client can map the package here
//! with `extern_path(".moby.buildkit.v1.apicaps", "::llb::apicaps")`.

#[allow(missing_docs, clippy::all, clippy::pedantic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/moby.buildkit.v1.apicaps.rs"));
}

pub use generated::*;
