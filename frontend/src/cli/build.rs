//! `rfront build`: compile a Dockerfile (or load a Definition with `--llb`)
//! and solve it with the standalone solver, then export the result.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use solver::export::ExportSpec;
use solver::progress::{ProgressSink, QuietProgress, plain::PlainProgress, tty::TtyProgress};
use solver::registry::{ImageRef, RegistryClient, RegistryConfig};
use solver::sandbox::Executor;
use solver::{SandboxNetwork, SecretSource, SolveOptions, Solver};

use frontend::convert;

/// Build with the standalone solver (no BuildKit needed).
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The Dockerfile (default: CONTEXT/Dockerfile).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// The stage to build.
    #[arg(long)]
    pub target: Option<String>,
    /// Build arguments `K=V`.
    #[arg(long = "build-arg")]
    pub build_args: Vec<String>,
    /// Secrets: `id=ID,src=PATH` or `id=ID,env=VAR` (a bare `id=ID` reads the variable ID).
    #[arg(long = "secret")]
    pub secrets: Vec<String>,
    /// SSH agent sockets: `default` (= $SSH_AUTH_SOCK) or `ID=PATH`.
    #[arg(long = "ssh")]
    pub ssh: Vec<String>,
    /// Output: `type=local,dest=DIR`, `type=tar,dest=FILE`, `type=oci,dest=FILE`,
    /// `type=docker,dest=FILE,name=REF`, or a directory.
    #[arg(short = 'o', long = "output")]
    pub outputs: Vec<String>,
    /// The cache directory (default `$XDG_CACHE_HOME/rfront` or ~/.cache/rfront).
    #[arg(long = "cache-dir")]
    pub cache_dir: Option<PathBuf>,
    /// Progress output: auto, plain, tty or quiet.
    #[arg(long, default_value = "auto")]
    pub progress: String,
    /// Do not use cached results.
    #[arg(long = "no-cache")]
    pub no_cache: bool,
    /// Solve this Definition file (binary protobuf) instead of compiling a Dockerfile.
    #[arg(long = "llb")]
    pub llb: Option<PathBuf>,
    /// Image config JSON for image exporters when using `--llb`.
    #[arg(long = "image-config")]
    pub image_config: Option<PathBuf>,
    /// Process runtime: `embedded` (built-in sandbox), `runc`, or a path to an OCI runtime.
    #[arg(long, default_value = "embedded")]
    pub runtime: String,
    /// Registry mirrors `HOST=URL` (e.g. `docker.io=http://127.0.0.1:5000`).
    #[arg(long = "registry-mirror")]
    pub registry_mirrors: Vec<String>,
    /// Registries reached over plain HTTP (loopback ones always are).
    #[arg(long = "insecure-registry")]
    pub insecure_registries: Vec<String>,
    /// Network of `RUN` steps in the default (sandbox) mode when there is no CNI: host or none.
    #[arg(long = "sandbox-network", default_value = "host")]
    pub sandbox_network: String,
    /// OCI image layouts for `oci-layout://` sources: `NAME=DIR`.
    #[arg(long = "oci-layout")]
    pub oci_layouts: Vec<String>,
    /// The build context directory.
    #[arg(default_value = ".")]
    pub context: PathBuf,
}

fn parse_kv(s: &str) -> Result<(String, String)> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| anyhow!("expected KEY=VALUE, got {s:?}"))
}

/// Parses `--secret` values.
pub fn parse_secret(s: &str) -> Result<(String, SecretSource)> {
    let mut id = None;
    let mut src = None;
    let mut env = None;
    for part in s.split(',') {
        let (k, v) = parse_kv(part)?;
        match k.as_str() {
            "id" => id = Some(v),
            "src" | "source" => src = Some(v),
            "env" => env = Some(v),
            "type" => {}
            other => bail!("unexpected key {other:?} in secret {s:?}"),
        }
    }
    let id = id.ok_or_else(|| anyhow!("secret {s:?} has no id"))?;
    let source = match (src, env) {
        (Some(p), _) => SecretSource::File(PathBuf::from(p)),
        (None, Some(e)) => SecretSource::Env(e),
        (None, None) => SecretSource::Env(id.clone()),
    };
    Ok((id, source))
}

/// Parses `--ssh` values.
pub fn parse_ssh(s: &str) -> Result<(String, PathBuf)> {
    match s.split_once('=') {
        Some((id, path)) => Ok((id.to_string(), PathBuf::from(path))),
        None => {
            let sock = std::env::var_os("SSH_AUTH_SOCK")
                .ok_or_else(|| anyhow!("--ssh {s}: SSH_AUTH_SOCK is not set"))?;
            Ok((s.to_string(), PathBuf::from(sock)))
        }
    }
}

fn progress_sink(mode: &str) -> Result<Arc<dyn ProgressSink>> {
    Ok(match mode {
        "quiet" => Arc::new(QuietProgress),
        "plain" => Arc::new(PlainProgress::new(std::io::stderr())),
        "tty" => Arc::new(TtyProgress::new()),
        "auto" => {
            if std::io::stderr().is_terminal() {
                Arc::new(TtyProgress::new())
            } else {
                Arc::new(PlainProgress::new(std::io::stderr()))
            }
        }
        other => bail!("unknown progress mode {other:?} (auto, plain, tty, quiet)"),
    })
}

fn executor(runtime: &str) -> Arc<dyn Executor> {
    match runtime {
        "embedded" | "" => Arc::new(solver::sandbox::linux::NamespaceExecutor::new()),
        "runc" => Arc::new(solver::sandbox::runc::RuncExecutor::new("/usr/sbin/runc")),
        path => Arc::new(solver::sandbox::runc::RuncExecutor::new(path)),
    }
}

/// Resolves base images through the registry API for the compiler.
struct RegistryResolver {
    client: RegistryClient,
}

impl convert::ImageResolver for RegistryResolver {
    fn resolve(
        &self,
        reference: &str,
        platform: &convert::Platform,
        _mode: convert::ResolveMode,
    ) -> Result<convert::ResolvedImage, convert::ResolveError> {
        let r = ImageRef::parse(reference).map_err(|e| convert::ResolveError(e.to_string()))?;
        let img = self
            .client
            .resolve(&r, &platform.os, &platform.architecture, &platform.variant)
            .map_err(|e| {
                convert::ResolveError(format!(
                    "failed to resolve source metadata for {reference}: {e}"
                ))
            })?;
        Ok(convert::ResolvedImage {
            reference: reference.to_string(),
            digest: Some(img.top_digest),
            config: img.config,
        })
    }
}

fn read_dockerignore(context: &Path) -> Vec<String> {
    std::fs::read_to_string(context.join(".dockerignore"))
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Compiles the Dockerfile: (Definition, image config JSON).
fn compile(
    args: &BuildArgs,
    dockerfile: &Path,
    registry: RegistryConfig,
) -> Result<(llb::pb::Definition, Vec<u8>)> {
    let bytes =
        std::fs::read(dockerfile).with_context(|| format!("read {}", dockerfile.display()))?;
    let mut build_args = BTreeMap::new();
    for a in &args.build_args {
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            // `--build-arg K` takes the value from the environment, like docker.
            None => (a.clone(), std::env::var(a).unwrap_or_default()),
        };
        build_args.insert(k, v);
    }
    let p = solver::host_platform();
    let platform = convert::Platform {
        os: p.os,
        architecture: p.architecture,
        variant: p.variant,
        os_version: String::new(),
    };
    let opts = convert::ConvertOptions {
        target: args.target.clone(),
        build_args,
        build_platforms: vec![platform.clone()],
        target_platforms: vec![platform],
        dockerfile_name: dockerfile
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Dockerfile".into()),
        local_unique_id: Some("rfront-build".into()),
        excludes: read_dockerignore(&args.context),
        ..Default::default()
    };
    let resolver = RegistryResolver {
        client: RegistryClient::new(registry),
    };
    let result = convert::convert(&bytes, &opts, &resolver).map_err(|e| anyhow!("{e}"))?;
    let image = serde_json::to_vec(&result.image)?;
    Ok((result.definition, image))
}

/// Runs `rfront build`.
#[inline(never)] // kept out of `main`: see its `Command`
pub fn run(args: &BuildArgs) -> Result<ExitCode> {
    let context = args.context.clone();
    if !context.is_dir() {
        bail!("context {} is not a directory", context.display());
    }
    let mut registry = RegistryConfig::default();
    for m in &args.registry_mirrors {
        let (host, url) = parse_kv(m)?;
        registry.mirrors.entry(host).or_default().push(url);
    }
    registry.insecure = args.insecure_registries.clone();

    let dockerfile = args
        .file
        .clone()
        .unwrap_or_else(|| context.join("Dockerfile"));
    let (def, image_config) = match &args.llb {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
            let cfg = match &args.image_config {
                Some(p) => Some(std::fs::read(p).with_context(|| format!("read {}", p.display()))?),
                None => None,
            };
            (llb::definition::decode_definition(&bytes)?, cfg)
        }
        None => {
            let (pbdef, cfg) = compile(args, &dockerfile, registry.clone())?;
            (llb::definition::from_pb(pbdef)?, Some(cfg))
        }
    };

    let mut opts = SolveOptions::new(
        args.cache_dir
            .clone()
            .unwrap_or_else(solver::default_cache_dir),
    );
    opts.no_cache = args.no_cache;
    opts.registry = registry;
    opts.locals.insert("context".into(), context.clone());
    let df_dir = dockerfile
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    opts.locals.insert("dockerfile".into(), df_dir);
    for s in &args.secrets {
        let (id, src) = parse_secret(s)?;
        opts.secrets.insert(id, src);
    }
    for s in &args.ssh {
        let (id, p) = parse_ssh(s)?;
        opts.ssh.insert(id, p);
    }
    for l in &args.oci_layouts {
        let (name, dir) = parse_kv(l)?;
        opts.oci_layouts.insert(name, PathBuf::from(dir));
    }
    opts.sandbox_network = match args.sandbox_network.as_str() {
        "host" => SandboxNetwork::Host,
        "none" => SandboxNetwork::None,
        other => bail!("unknown --sandbox-network {other:?} (host, none)"),
    };
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.parse::<i64>().ok());
    let exports: Vec<ExportSpec> = args
        .outputs
        .iter()
        .map(|o| ExportSpec::parse(o, epoch))
        .collect::<Result<_, _>>()?;

    let progress = progress_sink(&args.progress)?;
    let solver = Solver::new(opts, executor(&args.runtime), progress.clone())?;
    let outcome = match solver.solve(&def) {
        Ok(o) => o,
        Err(e) => {
            progress.finish();
            report_error(&def, &e);
            return Ok(ExitCode::FAILURE);
        }
    };
    for spec in &exports {
        if let Err(e) = solver.export(&outcome.result, spec, image_config.as_deref()) {
            progress.finish();
            eprintln!("ERROR: failed to export: {e}");
            return Ok(ExitCode::FAILURE);
        }
    }
    progress.finish();
    Ok(ExitCode::SUCCESS)
}

fn report_error(def: &llb::definition::DecodedDefinition, e: &solver::SolveError) {
    if let solver::SolveError::Vertex { digest, .. } = e
        && let Some(loc) = solver::solve::graph::vertex_location(def, digest)
        && let Some(snippet) = loc.snippet()
    {
        eprintln!("{snippet}");
    }
    eprintln!("ERROR: failed to solve: {e}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_forms() {
        let (id, s) = parse_secret("id=tok,src=/tmp/x").unwrap();
        assert_eq!(id, "tok");
        assert_eq!(s, SecretSource::File("/tmp/x".into()));
        let (_, s) = parse_secret("id=tok,env=MYVAR").unwrap();
        assert_eq!(s, SecretSource::Env("MYVAR".into()));
        let (_, s) = parse_secret("id=TOK").unwrap();
        assert_eq!(s, SecretSource::Env("TOK".into()));
        assert!(parse_secret("src=/x").is_err());
        assert_eq!(
            parse_ssh("key=/tmp/s").unwrap(),
            ("key".to_string(), PathBuf::from("/tmp/s"))
        );
    }
}
