//! The `# syntax=` gateway frontend: rfront running inside BuildKit as a frontend image.
//!
//! BuildKit starts the image's entrypoint (`rfront gateway`) with the build's options in
//! `BUILDKIT_FRONTEND_OPT_*` and speaks gRPC (LLBBridge) with it over stdin/stdout, the
//! frontend being the client. A build: Ping for caps → read the Dockerfile from the
//! `dockerfile` local → (subrequest answer | convert per platform → Solve) → `Return` with the
//! refs and image config, or with a `google.rpc.Status` whose typed details let buildx show the
//! Dockerfile excerpt. Logs go to stderr only.
//!
//! Modules, one concern each: [`transport`] (h2c over stdio), [`proto`] (generated types),
//! [`client`] (typed RPC wrapper), [`opts`] (frontend options), [`platform`], [`caps`]
//! (cap sets and the cap → BuildKit version check), [`local_source`] and [`dockerfile`]
//! (loading the Dockerfile and `.dockerignore`), [`dockerignore`], [`resolver`] (images over
//! `ResolveImageConfig`), [`compiler`] (the seam to `frontend::convert`), [`flow`] (one build),
//! [`result`] (Return metadata), [`subrequest`] + [`tabwriter`], [`warn`], [`error`].

pub mod caps;
pub mod client;
pub mod compiler;
pub mod dockerfile;
pub mod dockerignore;
pub mod error;
pub mod flow;
pub mod local_source;
pub mod opts;
pub mod platform;
pub mod probe;
pub mod proto;
pub mod resolver;
pub mod result;
pub mod subrequest;
pub mod tabwriter;
pub mod transport;
pub mod warn;

#[cfg(test)]
mod fake_daemon;
#[cfg(test)]
mod session_tests;

use std::sync::Arc;

use tonic::transport::Channel;

pub use compiler::{Compiler, DockerfileCompiler};
pub use error::GatewayError;
pub use flow::GatewayEnv;

use client::BridgeClient;

/// How a gateway session ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// The build succeeded and its result was returned.
    Returned,
    /// The build failed; the error was returned to the daemon (and is given here for the log).
    ReturnedError(GatewayError),
}

/// Runs one build over `channel`: Ping, build, Return. `Err` means nothing could be returned
/// (the connection or the Return itself failed).
pub async fn serve<C: Compiler>(
    channel: Channel,
    env: &GatewayEnv,
    compiler: Arc<C>,
) -> Result<SessionEnd, GatewayError> {
    let client = BridgeClient::connect(channel, &env.product).await?;
    let outcome = flow::build(&client, env, compiler).await;
    match outcome.result {
        Ok(result) => {
            client.return_result(result).await?;
            Ok(SessionEnd::Returned)
        }
        Err(e) => {
            let info = outcome
                .dockerfile
                .as_ref()
                .map(dockerfile::DockerfileSource::source_info);
            client.return_error(e.to_rpc_status(info.as_ref())).await?;
            Ok(SessionEnd::ReturnedError(e))
        }
    }
}

/// The whole gateway process: reads the environment, connects over stdin/stdout, runs one
/// build with `compiler`. Returns the process exit code (0 when the build succeeded).
pub fn run_stdio<C: Compiler>(compiler: C) -> std::process::ExitCode {
    use std::process::ExitCode;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rfront gateway: failed to start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let env = GatewayEnv::from_process();
    let compiler = Arc::new(compiler);
    let end = runtime.block_on(async move {
        let channel = transport::connect_stdio().await?;
        serve(channel, &env, compiler).await
    });
    // Once Return is answered nothing is left to do, but a blocking read of stdin is: waiting
    // for it (as dropping the runtime would) until the daemon closes the pipe delays the end
    // of the build by tens of milliseconds. Leave the remaining tasks to process exit.
    runtime.shutdown_background();
    match end {
        Ok(SessionEnd::Returned) => ExitCode::SUCCESS,
        Ok(SessionEnd::ReturnedError(e)) => {
            eprintln!("rfront gateway: build failed: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("rfront gateway: {e}");
            ExitCode::FAILURE
        }
    }
}
