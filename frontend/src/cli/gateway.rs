//! `rfront gateway`: run as a BuildKit gateway frontend (the entrypoint of the `# syntax=`
//! image). Speaks gRPC over stdin/stdout, so it prints nothing on stdout; logs go to stderr.

use std::process::ExitCode;

use clap::Args;
use frontend::gateway::{DockerfileCompiler, run_stdio};

/// Arguments of `rfront gateway` (none: everything comes from the environment BuildKit sets).
#[derive(Debug, Args)]
pub struct GatewayArgs {}

/// Runs one gateway build and returns the exit code.
pub fn run(_args: &GatewayArgs) -> anyhow::Result<ExitCode> {
    Ok(run_stdio(DockerfileCompiler))
}
