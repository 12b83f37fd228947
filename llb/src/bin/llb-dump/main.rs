//! `llb-dump`: print a serialized LLB Definition.
//!
//! ```text
//! llb-dump [FILE|-] [--format json|dot|tree]   # default json, FILE default stdin
//! llb-dump diff A B                           # which ops differ, and why
//! ```
//!
//! `json` prints exactly what `buildctl debug dump-llb` prints. `diff` exits
//! 0 when the Definitions have the same ops, 1 when they differ, 2 on error;
//! the dump exits 1 on error. (A file named `diff` must be given as `./diff`.)

use std::io::{self, IoSlice, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[cfg(target_os = "linux")]
mod mapped;

/// Huge pages: llb-dump's working set is a few MiB, faulted in 2 MiB at a time.
#[global_allocator]
static ALLOCATOR: llb::alloc::Arena = llb::alloc::Arena::new(true);

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use llb::definition::{DecodedDefinition, decode_definition_bytes};
use llb::dump;

#[derive(Parser)]
#[command(
    name = "llb-dump",
    version,
    about = "Print a BuildKit LLB Definition as JSON (like buildctl debug dump-llb), DOT or a tree",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    /// Definition file (binary pb.Definition); `-` or nothing reads stdin.
    file: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Json)]
    format: Format,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Report the ops that differ between two Definitions and the cause.
    ///
    /// Ops are paired from the output op down (same input role, such as a
    /// mount destination, then same position), then by progress name. For
    /// each pair that differs: the first differing field, or the input
    /// chain that carried a change from below. Unpaired ops are listed as
    /// only in A or only in B; unchanged ops are not named. Exit status: 0
    /// no differences, 1 differences, 2 error.
    Diff {
        /// The "before" Definition (`-` for stdin).
        a: PathBuf,
        /// The "after" Definition.
        b: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One JSON object per op per line, as `buildctl debug dump-llb`.
    Json,
    /// A Graphviz digraph.
    Dot,
    /// An indented tree from the root down.
    Tree,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Diff { a, b }) => match run_diff(&a, &b) {
            Ok(same) => ExitCode::from(if same { 0 } else { 1 }),
            Err(e) => report(&e, 2),
        },
        None => match run_dump(cli.file.as_deref(), cli.format) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => report(&e, 1),
        },
    }
}

/// Prints an error (quietly succeeding on a closed stdout, e.g. `| head`).
fn report(e: &anyhow::Error, code: u8) -> ExitCode {
    let broken_pipe = e
        .downcast_ref::<io::Error>()
        .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe);
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("llb-dump: {e:#}");
    ExitCode::from(code)
}

/// Reads a whole file, or stdin for `None` or `-`; returns the bytes and a
/// name for messages.
fn read_input(path: Option<&Path>) -> anyhow::Result<(Vec<u8>, String)> {
    let mut bytes = Vec::new();
    let name = match path {
        Some(p) if p != Path::new("-") => {
            bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            p.display().to_string()
        }
        _ => {
            io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("reading stdin")?;
            "stdin".to_string()
        }
    };
    Ok((bytes, name))
}

/// A named regular file, mapped (see `mapped`); `None` for stdin or when it cannot be mapped.
fn mapped_input(path: Option<&Path>) -> Option<(prost::bytes::Bytes, String)> {
    let path = path.filter(|p| *p != Path::new("-"))?;
    #[cfg(target_os = "linux")]
    {
        mapped::map(path).map(|b| (b, path.display().to_string()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

/// Reads and validates one Definition.
fn load(path: Option<&Path>) -> anyhow::Result<DecodedDefinition> {
    let (bytes, name) = read_input(path)?;
    decode_definition_bytes(bytes.into())
        .with_context(|| format!("{name}: not a valid LLB definition"))
}

fn run_dump(path: Option<&Path>, format: Format) -> anyhow::Result<()> {
    let out = match format {
        Format::Json => {
            let (bytes, name) = match mapped_input(path) {
                Some(mapped) => mapped,
                None => {
                    let (bytes, name) = read_input(path)?;
                    (bytes.into(), name)
                }
            };
            let context = || format!("{name}: not a valid LLB definition");
            // Kept to be forgotten: the input is not unmapped before exit.
            let input = bytes.clone();
            let rendered = dump::json::render_definition(bytes).with_context(context)?;
            let mut stdout = io::stdout().lock();
            write_all_vectored(&mut stdout, &rendered.slices())?;
            stdout.flush()?;
            // The process ends right after: skip freeing the output and
            // unmapping the input.
            std::mem::forget((rendered, input));
            return Ok(());
        }
        Format::Dot => dump::dot::to_dot(&load(path)?).into_bytes(),
        Format::Tree => dump::tree::to_tree(&load(path)?).into_bytes(),
    };
    write_stdout(&out)
}

fn run_diff(a: &Path, b: &Path) -> anyhow::Result<bool> {
    let (da, db) = (load(Some(a))?, load(Some(b))?);
    let report = dump::diff::diff(&da, &db);
    write_stdout(report.to_string().as_bytes())?;
    Ok(report.is_empty())
}

/// Writes all of `chunks`, in as few system calls as `out` allows.
fn write_all_vectored(out: &mut impl Write, chunks: &[&[u8]]) -> io::Result<()> {
    let mut slices: Vec<IoSlice> = chunks.iter().map(|c| IoSlice::new(c)).collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match out.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One write of the whole output to locked stdout.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()?;
    Ok(())
}
