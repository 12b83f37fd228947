//! `rfront llb`, `rfront outline`, `rfront targets`: the Dockerfile compiler on the command
//! line.
//!
//! `llb` writes the Definition of the target stage on stdout — binary protobuf, or with
//! `--json` one `buildctl debug dump-llb` JSON line per op — and with `--image-out FILE` the
//! image config. Base images come from `--image-config REF=FILE` files and, with
//! `--offline`, a synthetic config for every other image (how the LLB goldens were made).
//! `outline` and `targets` print the `--call outline|targets` answers (text, or
//! `--format json`).
//!
//! Errors print `DOCKERFILE:LINE: message` (or just the message when it has no line) and exit
//! with status 1.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use frontend::convert::{
    self, ConvertError, ConvertOptions, FileResolver, ImageResolver, OfflineResolver, Platform,
};
use frontend::gateway::{dockerignore, subrequest};

/// Options shared by `llb` and `outline`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The Dockerfile (default: `CONTEXT/Dockerfile`; `-` for standard input).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// The stage to build (default: the last one).
    #[arg(long)]
    pub target: Option<String>,
    /// A build argument `KEY=VALUE` (`KEY` alone takes the environment's value).
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// The target platform, e.g. `linux/arm64`.
    #[arg(long)]
    pub platform: Option<String>,
    /// The value of `local.unique` on the context source.
    #[arg(long = "local-unique-id", value_name = "ID")]
    pub local_unique_id: Option<String>,
    /// Resolve every image without a registry, to a synthetic config.
    #[arg(long)]
    pub offline: bool,
    /// Use the config JSON in FILE for image REF.
    #[arg(long = "image-config", value_name = "REF=FILE")]
    pub image_configs: Vec<String>,
    /// The build context directory (its `.dockerignore` is applied).
    #[arg(default_value = ".")]
    pub context: PathBuf,
}

/// Compile a Dockerfile to LLB (binary Definition, or dump-llb JSON with --json).
#[derive(Debug, Args)]
pub struct LlbArgs {
    /// What to compile.
    #[command(flatten)]
    pub compile: CompileArgs,
    /// Print dump-llb JSON lines instead of the binary Definition.
    #[arg(long)]
    pub json: bool,
    /// Write the image config JSON to FILE.
    #[arg(long = "image-out", value_name = "FILE")]
    pub image_out: Option<PathBuf>,
}

/// Output format of `outline` and `targets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The table BuildKit prints.
    Text,
    /// The JSON answer.
    Json,
}

/// Print the build arguments, secrets and SSH ids a target uses (`--call outline`).
#[derive(Debug, Args)]
pub struct OutlineArgs {
    /// What to compile.
    #[command(flatten)]
    pub compile: CompileArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// List the stages a Dockerfile can build (`--call targets`).
#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// The Dockerfile (default: `CONTEXT/Dockerfile`; `-` for standard input).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The build context directory.
    #[arg(default_value = ".")]
    pub context: PathBuf,
}

/// Run `rfront llb`.
#[inline(never)] // kept out of `main`: see its `Command`
pub fn run(args: &LlbArgs) -> anyhow::Result<ExitCode> {
    let input = Input::load(&args.compile)?;
    let resolver = resolver(&args.compile)?;
    let mut out = std::io::stdout().lock();
    let converted = if args.json {
        convert::convert_to_bytes(&input.dockerfile, &input.opts, resolver.as_ref())
            .map(|r| (Some(r.definition), r.image))
    } else {
        // Streamed: the Definition is written as it is encoded, never held whole.
        convert::convert_to_writer(&input.dockerfile, &input.opts, resolver.as_ref(), &mut out)
            .map(|r| (None, r.image))
    };
    let (bytes, image) = match converted {
        Ok(r) => r,
        Err(e) => return Ok(report(&input.name, &e)),
    };
    if let Some(bytes) = &bytes {
        let decoded = llb::definition::decode_definition(bytes)
            .context("decoding the Definition for --json")?;
        out.write_all(llb::dump::json::definition_to_string(&decoded).as_bytes())?;
        // The process exits next: leave the Definition to it.
        std::mem::forget(decoded);
    }
    out.flush()?;
    if let Some(path) = &args.image_out {
        let json = serde_json::to_vec_pretty(&image)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    // The process exits next: leave the Definition and the image to it.
    std::mem::forget((bytes, image));
    Ok(ExitCode::SUCCESS)
}

/// Run `rfront outline`.
#[inline(never)] // kept out of `main`: see its `Command`
pub fn run_outline(args: &OutlineArgs) -> anyhow::Result<ExitCode> {
    let input = Input::load(&args.compile)?;
    let resolver = resolver(&args.compile)?;
    let json = match convert::outline(&input.dockerfile, &input.opts, resolver.as_ref()) {
        Ok(v) => v,
        Err(e) => return Ok(report(&input.name, &e)),
    };
    print_answer(subrequest::outline(&json), args.format)
}

/// Run `rfront targets`.
#[inline(never)] // kept out of `main`: see its `Command`
pub fn run_targets(args: &TargetsArgs) -> anyhow::Result<ExitCode> {
    let (name, dockerfile) = read_dockerfile(args.file.as_deref(), &args.context)?;
    let json = match convert::targets(&dockerfile) {
        Ok(v) => v,
        Err(e) => return Ok(report(&name, &e)),
    };
    print_answer(subrequest::targets(&json), args.format)
}

fn print_answer(answer: subrequest::Metadata, format: Format) -> anyhow::Result<ExitCode> {
    let key = match format {
        Format::Text => "result.txt",
        Format::Json => "result.json",
    };
    let mut out = std::io::stdout().lock();
    out.write_all(answer.get(key).map_or(&[][..], Vec::as_slice))?;
    if format == Format::Json {
        out.write_all(b"\n")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a conversion error as `FILE:LINE: message`.
fn report(name: &str, e: &ConvertError) -> ExitCode {
    match e.line() {
        Some(line) if line > 0 => eprintln!("{name}:{line}: {e}"),
        _ => eprintln!("{name}: {e}"),
    }
    ExitCode::FAILURE
}

/// The Dockerfile and the conversion options from the command line.
struct Input {
    name: String,
    dockerfile: Vec<u8>,
    opts: ConvertOptions,
}

impl Input {
    fn load(args: &CompileArgs) -> anyhow::Result<Input> {
        let (name, dockerfile) = read_dockerfile(args.file.as_deref(), &args.context)?;
        let mut build_args = BTreeMap::new();
        for a in &args.build_args {
            match a.split_once('=') {
                Some((k, v)) => {
                    build_args.insert(k.to_string(), v.to_string());
                }
                None => {
                    if let Ok(v) = std::env::var(a) {
                        build_args.insert(a.clone(), v);
                    }
                }
            }
        }
        let target_platforms = match &args.platform {
            None => Vec::new(),
            Some(p) => {
                let list: Vec<&str> = p.split(',').map(str::trim).collect();
                if list.len() > 1 {
                    bail!("rfront llb compiles for one platform at a time (got {p})");
                }
                let parsed = llb::state::Platform::parse(list[0])
                    .with_context(|| format!("invalid platform {p}"))?;
                vec![Platform {
                    os: parsed.os,
                    architecture: parsed.architecture,
                    variant: parsed.variant,
                    os_version: parsed.os_version,
                }]
            }
        };
        let ignore = args.context.join(".dockerignore");
        let excludes = match std::fs::read(&ignore) {
            Ok(data) => dockerignore::parse(&data),
            Err(_) => Vec::new(),
        };
        let opts = ConvertOptions {
            target: args.target.clone(),
            build_args,
            target_platforms,
            dockerfile_name: name.clone(),
            local_unique_id: args.local_unique_id.clone(),
            excludes,
            // One conversion, then the process exits.
            skip_teardown: true,
            ..ConvertOptions::default()
        };
        Ok(Input {
            name,
            dockerfile,
            opts,
        })
    }
}

fn read_dockerfile(file: Option<&Path>, context: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let path = match file {
        Some(p) => p.to_path_buf(),
        None => context.join("Dockerfile"),
    };
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("reading standard input")?;
        return Ok(("<stdin>".to_string(), buf));
    }
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok((path.display().to_string(), bytes))
}

fn resolver(args: &CompileArgs) -> anyhow::Result<Box<dyn ImageResolver>> {
    let fallback: Option<Box<dyn ImageResolver>> = if args.offline {
        Some(Box::new(OfflineResolver))
    } else {
        None
    };
    let mut configs = Vec::new();
    for spec in &args.image_configs {
        let (r, f) = spec
            .split_once('=')
            .with_context(|| format!("--image-config wants REF=FILE, got {spec}"))?;
        configs.push((r.to_string(), PathBuf::from(f)));
    }
    Ok(Box::new(FileResolver::new(configs, fallback)?))
}
