//! `gateway_probe`: the gateway with the [`ProbeCompiler`] instead of the Dockerfile compiler,
//! packaged by `ci/build-image.sh --probe` as a `# syntax=` image to test the gateway against a
//! real BuildKit (transport, Ping, ReadFile, ResolveImageConfig, Solve, Warn, Return, errors)
//! independently of the compiler.

use std::process::ExitCode;

use frontend::gateway::probe::ProbeCompiler;

fn main() -> ExitCode {
    frontend::gateway::run_stdio(ProbeCompiler::default())
}
