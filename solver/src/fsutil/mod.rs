//! Filesystem helpers with no knowledge of LLB: safe in-root path
//! resolution, patterns, symbolic modes, users, metadata, tree copies and
//! content hashes.

pub mod chmod;
pub mod hash;
pub mod meta;
pub mod pattern;
pub mod safepath;
pub mod tree;
pub mod users;
