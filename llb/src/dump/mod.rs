//! Views of a Definition for people and tools, as used by `llb-dump`.
//!
//! - [`json`]: exactly what `buildctl debug dump-llb` prints
//!   ([`json::definition_to_string`] for a decoded Definition,
//!   [`json::JsonDump`] straight from bytes, the path `llb-dump` uses).
//! - [`dot`]: a Graphviz digraph.
//! - [`tree`]: an indented view from the root down.
//! - [`diff`]: which ops differ between two Definitions, and why.

pub mod describe;
pub mod diff;
pub mod dot;
pub mod json;
pub mod tree;
