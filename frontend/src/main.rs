//! `rfront`: the command-line face of the Dockerfile frontend. One module per subcommand
//! under `cli/`; this file only dispatches.

mod cli;

/// Size-class free lists in one reserved range (see `llb::alloc`): far fewer instructions per
/// allocation than glibc's malloc. With transparent huge pages: a page fault costs microseconds
/// in a VM, and 2 MiB pages make a conversion's few MiB a handful of faults (mixed-200: 27 ->
/// 18 ms, for 3 MiB more resident memory).
#[global_allocator]
static GLOBAL: llb::alloc::Arena = llb::alloc::Arena::new(true);

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// rfront: a Dockerfile frontend and LLB toolkit for BuildKit.
#[derive(Debug, Parser)]
#[command(name = "rfront", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Parse a Dockerfile and print its AST.
    Parse(cli::parse::ParseArgs),
    /// Run the build checks (lint) on a Dockerfile.
    Check(cli::check::CheckArgs),
    /// Build with the standalone solver (no BuildKit needed).
    #[cfg(feature = "solver")]
    Build(cli::build::BuildArgs),
    /// Compile a Dockerfile to LLB (binary Definition, or dump-llb JSON with --json).
    Llb(cli::llb::LlbArgs),
    /// Print the build arguments, secrets and SSH ids a target uses (`--call outline`).
    Outline(cli::llb::OutlineArgs),
    /// List the stages a Dockerfile can build (`--call targets`).
    Targets(cli::llb::TargetsArgs),
    /// Run as a BuildKit gateway frontend over stdin/stdout (the `# syntax=` image entrypoint).
    Gateway(cli::gateway::GatewayArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(args) => cli::parse::run(&args),
        Command::Gateway(args) => cli::gateway::run(&args),
        Command::Llb(args) => cli::llb::run(&args),
        Command::Outline(args) => cli::llb::run_outline(&args),
        Command::Targets(args) => cli::llb::run_targets(&args),
        Command::Check(args) => cli::check::run(&args),
        #[cfg(feature = "solver")]
        Command::Build(args) => cli::build::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rfront: {e:#}");
            ExitCode::FAILURE
        }
    }
}
