//! Generates the LLB protobuf types from `proto/*.proto` with prost-build.
//!
//! Messages whose Go encoding prost cannot reproduce (maps that must always
//! write key and value, and `Op`, whose oneof Go writes after field 11) are
//! mapped with `extern_path` to hand-written types in `src/pb/`.

use std::path::PathBuf;

/// Messages implemented by hand in `src/pb/`; everything else is generated.
const HAND_WRITTEN: &[&str] = &[
    "Op",
    "SourceOp",
    "BuildOp",
    "OpMetadata",
    "Definition",
    "Source",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest.join("proto");
    let protos = [proto_dir.join("ops.proto"), proto_dir.join("caps.proto")];
    for proto in &protos {
        println!("cargo:rerun-if-changed={}", proto.display());
    }

    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    config.btree_map(["."]);
    for name in HAND_WRITTEN {
        config.extern_path(format!(".pb.{name}"), format!("crate::pb::{name}"));
    }
    config.compile_protos(&protos, &[proto_dir])?;
    Ok(())
}
