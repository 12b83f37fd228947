//! `rfront`: the command-line face of the Dockerfile frontend. One module per subcommand
//! under `cli/`; this file only dispatches.
//!
//! The binary starts at its own C `main` rather than through std's runtime (`no_main`). That
//! runtime's start finds the main thread's stack to guard it, and glibc finds it by reading
//! /proc/self/maps through fopen and sscanf: on every run a file read and over 50 KiB of code
//! touched for nothing else (some 5% of the code a conversion runs). What else it did is done
//! here: SIGPIPE ignored (so a closed pipe is an error the commands report or ignore, not a
//! kill) and stdout flushed at exit (`process::exit` does that). The arguments still reach
//! `std::env::args`, which glibc hands over before `main`. A stack overflow is a plain
//! SIGSEGV, without std's message.

// Test builds keep the test harness's own main.
#![cfg_attr(not(test), no_main)]

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

/// The subcommands. A run executes, and keeps resident, only its own subcommand's code:
/// - each one's arguments are declared to clap only when it is the one run (`defer`). Each
///   arguments struct's doc comment is therefore its subcommand's help title (the variant's
///   shows in `rfront --help`): the two are the same;
/// - each one's `run` is never inlined into [`run`], which would otherwise hold them all.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
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

/// The process entry point, called by glibc's start code; see the module documentation.
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // SAFETY: setting a standard signal's disposition to "ignore" installs no handler and
    // touches no memory of this program.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let code = run();
    // process::exit runs std's cleanup, which flushes stdout, as the runtime does after main.
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 })
}

/// Parses the command line and runs the subcommand.
#[cfg_attr(test, allow(dead_code))]
fn run() -> ExitCode {
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
