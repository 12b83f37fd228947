//! One module per `rfront` subcommand.

#[cfg(feature = "solver")]
pub mod build;
pub mod check;
pub mod gateway;
pub mod llb;
pub mod parse;
