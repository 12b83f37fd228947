//! Generates the gateway client (and, for in-process tests, server) from `proto/`.
//!
//! `gateway.proto` reuses the LLB types of the `llb` crate: the `pb` and
//! `moby.buildkit.v1.apicaps` packages map to `::llb::pb` and `::llb::apicaps` with
//! `extern_path`, so a `pb::Definition` built by the compiler goes into a `SolveRequest`
//! unchanged (and with Go's byte layout). All maps are `BTreeMap`s for deterministic output.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let own = manifest.join("proto");
    let llb_protos = manifest.join("..").join("llb").join("proto");
    let protos = [
        own.join("gateway.proto"),
        own.join("google/rpc/status.proto"),
        own.join("fsutil/stat.proto"),
        own.join("buildkit/worker.proto"),
    ];
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }
    for name in ["ops.proto", "caps.proto"] {
        println!("cargo:rerun-if-changed={}", llb_protos.join(name).display());
    }

    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .btree_map(".")
        .extern_path(".pb", "::llb::pb")
        .extern_path(".moby.buildkit.v1.apicaps", "::llb::apicaps")
        .include_file("gateway_proto.rs")
        .emit_rerun_if_changed(false)
        .compile_with_config(config, &protos, &[own, llb_protos])?;
    Ok(())
}
