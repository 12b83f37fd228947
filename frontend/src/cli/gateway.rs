//! `rfront gateway`: run as a BuildKit gateway frontend (the entrypoint of the `# syntax=`
//! image). Speaks gRPC over stdin/stdout, so it prints nothing on stdout; logs go to stderr.

use std::process::ExitCode;

use clap::Args;
use frontend::gateway::{DockerfileCompiler, run_stdio};

// No arguments: everything comes from the environment BuildKit sets.
/// Run as a BuildKit gateway frontend over stdin/stdout (the `# syntax=` image entrypoint).
#[derive(Debug, Args)]
pub struct GatewayArgs {}

/// Runs one gateway build and returns the exit code.
#[inline(never)] // kept out of `main`: see its `Command`
pub fn run(_args: &GatewayArgs) -> anyhow::Result<ExitCode> {
    Ok(run_stdio(DockerfileCompiler))
}
