//! `rfront check [--format text|json] [-f DOCKERFILE] [--build-arg K=V]… [--target T]
//! [--platform P] [--image-config REF=FILE]… [--explain RULE] [CONTEXT]`: the build checks
//! BuildKit's `--call check` runs. Base images resolve offline (empty configs) unless given
//! with `--image-config`.
//!
//! `json` prints the document `docker buildx build --call check,format=json` prints;
//! `text` prints compiler-style diagnostics. The exit status is 1 when anything was found
//! (a warning or an error), as upstream's `result.statuscode`. `--explain RULE` prints a
//! rule's documentation instead (`--explain all` lists the rules).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use frontend::convert::{ConvertOptions, FileResolver, OfflineResolver, Platform};
use frontend::gateway::dockerignore;
use frontend::lint::{check_with_resolver, render_text};
use syntax::lint::{RuleMeta, rules};

/// Output formats of `rfront check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Compiler-style diagnostics.
    Text,
    /// The lint result document (`--call check,format=json`).
    Json,
}

/// Run the build checks (lint) on a Dockerfile.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The Dockerfile (default: CONTEXT/Dockerfile; `-` reads standard input).
    #[arg(short = 'f', long = "file", value_name = "DOCKERFILE")]
    pub file: Option<PathBuf>,
    /// A build argument, `K=V` (or `K` to take the value from the environment).
    #[arg(long = "build-arg", value_name = "K=V")]
    pub build_args: Vec<String>,
    /// Check only this stage and the stages it needs (default: every stage).
    #[arg(long)]
    pub target: Option<String>,
    /// The target platform, e.g. `linux/arm64` (default: the build platform).
    #[arg(long)]
    pub platform: Option<String>,
    /// Resolve image REF to the config JSON in FILE (other images resolve offline, to an
    /// empty `linux/amd64` config).
    #[arg(long = "image-config", value_name = "REF=FILE")]
    pub image_configs: Vec<String>,
    /// Print the documentation of a rule (`all` lists the rules) and exit.
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,
    /// The build context (for `.dockerignore`).
    #[arg(default_value = ".")]
    pub context: PathBuf,
}

/// Runs `rfront check`.
#[inline(never)] // kept out of `main`: see its `Command`
pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    if let Some(rule) = &args.explain {
        print(&explain(rule)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let file = args
        .file
        .clone()
        .unwrap_or_else(|| args.context.join("Dockerfile"));
    let data = if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("reading standard input")?;
        buf
    } else {
        std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?
    };
    let target_platforms = match &args.platform {
        None => Vec::new(),
        Some(p) => {
            let parsed = llb::state::Platform::parse(p)
                .map_err(|e| anyhow::anyhow!("invalid platform {p}: {e}"))?;
            vec![Platform {
                os: parsed.os,
                architecture: parsed.architecture,
                variant: parsed.variant,
                os_version: parsed.os_version,
            }]
        }
    };
    let mut configs = Vec::new();
    for spec in &args.image_configs {
        let (r, f) = spec
            .split_once('=')
            .with_context(|| format!("--image-config wants REF=FILE, got {spec}"))?;
        configs.push((r.to_string(), PathBuf::from(f)));
    }
    let resolver = FileResolver::new(configs, Some(Box::new(OfflineResolver)))?;
    let opts = ConvertOptions {
        target: args.target.clone(),
        target_platforms,
        build_args: build_args(&args.build_args),
        dockerfile_name: file
            .file_name()
            .filter(|n| *n != "-")
            .map_or_else(|| "Dockerfile".into(), |n| n.to_string_lossy().into_owned()),
        excludes: read_dockerignore(&file, &args.context)?,
        // One conversion, then the process exits.
        skip_teardown: true,
        ..ConvertOptions::default()
    };
    let results = check_with_resolver(&data, &opts, &resolver)?;
    let text = match args.format {
        Format::Json => results.to_json_string() + "\n",
        Format::Text => render_text(&results),
    };
    print(&text)?;
    Ok(if results.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `K=V` pairs; a bare `K` takes its value from the environment (skipped when unset).
fn build_args(raw: &[String]) -> BTreeMap<String, String> {
    raw.iter()
        .filter_map(|a| match a.split_once('=') {
            Some((k, v)) => Some((k.to_string(), v.to_string())),
            None => std::env::var(a).ok().map(|v| (a.clone(), v)),
        })
        .collect()
}

/// The ignore patterns: `<Dockerfile>.dockerignore` next to the Dockerfile when it exists,
/// else `CONTEXT/.dockerignore`, else none.
fn read_dockerignore(dockerfile: &Path, context: &Path) -> anyhow::Result<Vec<String>> {
    let mut specific = dockerfile.as_os_str().to_owned();
    specific.push(".dockerignore");
    for candidate in [PathBuf::from(specific), context.join(".dockerignore")] {
        match std::fs::read(&candidate) {
            Ok(data) => return Ok(dockerignore::parse(&data)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", candidate.display())),
        }
    }
    Ok(Vec::new())
}

/// The `--explain` text for `rule` (case-insensitive), or the list of rules for `all`.
fn explain(rule: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    if rule == "all" {
        for r in rules::ALL {
            let exp = if r.experimental {
                " (experimental)"
            } else {
                ""
            };
            let _ = writeln!(out, "{}{exp}\n    {}", r.name, r.description);
        }
        return Ok(out);
    }
    let Some(r) = rules::find_ignore_case(rule) else {
        let names: Vec<&str> = rules::ALL.iter().map(|r| r.name).collect();
        bail!("unknown rule {rule:?}; known rules: {}", names.join(", "));
    };
    write_rule(&mut out, r);
    Ok(out)
}

fn write_rule(out: &mut String, r: &RuleMeta) {
    let _ = writeln!(out, "{}", r.name);
    let _ = writeln!(out, "{}\n", "=".repeat(r.name.len()));
    let _ = writeln!(out, "{}\n", r.description);
    if r.experimental {
        let _ = writeln!(
            out,
            "Experimental: enable with `# check=experimental={}`.\n",
            r.name
        );
    }
    if !r.url.is_empty() {
        let _ = writeln!(out, "Documentation: {}\n", r.url);
    }
    out.push_str(r.docs);
}

/// Writes to standard output; a closed pipe is not an error.
fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("writing standard output")
        }
        _ => Ok(()),
    }
}
