//! One gateway build from start to `Return`: options, inputs, the Dockerfile, forwarding to
//! another `# syntax` frontend, subrequests, `.dockerignore`, one conversion and Solve per target
//! platform, and the result metadata.

use std::collections::BTreeMap;
use std::sync::Arc;

use llb::pb;

use crate::convert::{ConvertOptions, ConvertResult, Platform};

use super::client::{BridgeClient, SolveOptions};
use super::compiler::Compiler;
use super::dockerfile::{self, DockerfileSource};
use super::error::GatewayError;
use super::opts::{BuildConfig, FrontendOpts, parse_config};
use super::platform;
use super::proto::bridge;
use super::resolver::GatewayResolver;
use super::result::{self, PlatformResult};
use super::subrequest;
use super::warn;

/// What the daemon told this process through its environment.
#[derive(Debug, Clone, Default)]
pub struct GatewayEnv {
    /// `BUILDKIT_FRONTEND_OPT_*`.
    pub opts: FrontendOpts,
    /// `BUILDKIT_SESSION_ID`.
    pub session_id: Option<String>,
    /// The build platforms from `BUILDKIT_WORKERS` (first worker's platforms).
    pub worker_platforms: Vec<Platform>,
    /// `BUILDKIT_EXPORTEDPRODUCT`.
    pub product: String,
}

impl GatewayEnv {
    /// Reads the environment of this process.
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        GatewayEnv {
            opts: FrontendOpts::from_env(),
            session_id: var("BUILDKIT_SESSION_ID"),
            worker_platforms: var("BUILDKIT_WORKERS")
                .map(|j| worker_platforms(&j))
                .unwrap_or_default(),
            product: var("BUILDKIT_EXPORTEDPRODUCT").unwrap_or_default(),
        }
    }
}

/// The platforms of the first worker in a `BUILDKIT_WORKERS` JSON array.
pub fn worker_platforms(json: &str) -> Vec<Platform> {
    let Ok(serde_json::Value::Array(workers)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return Vec::new();
    };
    let Some(first) = workers.first() else {
        return Vec::new();
    };
    let field = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    first
        .get("platforms")
        .and_then(serde_json::Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    platform::normalize(Platform {
                        os: field(p, "os"),
                        architecture: field(p, "architecture"),
                        variant: field(p, "variant"),
                        os_version: field(p, "os.version"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The outcome of a build: the Return payload, or an error plus the Dockerfile (for source
/// excerpts) when it had been read.
pub struct Outcome {
    /// The result or the error.
    pub result: Result<bridge::Result, GatewayError>,
    /// The Dockerfile, when it was read before the end.
    pub dockerfile: Option<DockerfileSource>,
}

/// Runs one build against a pinged client.
pub async fn build<C: Compiler>(
    client: &BridgeClient,
    env: &GatewayEnv,
    compiler: Arc<C>,
) -> Outcome {
    let mut dockerfile = None;
    let result = build_inner(client, env, compiler, &mut dockerfile).await;
    Outcome { result, dockerfile }
}

async fn build_inner<C: Compiler>(
    client: &BridgeClient,
    env: &GatewayEnv,
    compiler: Arc<C>,
    dockerfile_slot: &mut Option<DockerfileSource>,
) -> Result<bridge::Result, GatewayError> {
    let cfg = parse_config(&env.opts)?;
    super::caps::require_llb_cap(client.llb_caps(), "file.base", client.server())
        .map_err(|e| GatewayError::Unsupported(format!("needs BuildKit 0.5 or later: {e}")))?;
    if let Some(url) = &cfg.remote_context {
        return Err(GatewayError::Unsupported(format!(
            "rfront does not support git or http build contexts yet: {url}"
        )));
    }

    let mut inputs = client.inputs().await?;
    // Named `input:` contexts may name any input, the Dockerfile's included.
    let all_inputs = inputs.clone();
    let dockerfile_input = if cfg.force_local_dockerfile {
        None
    } else {
        inputs.remove(&cfg.dockerfile_local)
    };
    if inputs.contains_key("context") {
        return Err(GatewayError::Unsupported(
            "rfront does not support a build context passed as a frontend input yet".into(),
        ));
    }

    let session = env.session_id.as_deref();
    // For a build, the context's .dockerignore is fetched alongside the Dockerfile (each is a
    // transfer from the client); it is used unless the Dockerfile has its own. Subrequests
    // fetch it only when they need it (lint).
    let (src, context_ignore) = if cfg.request_id.is_none() {
        let (src, ignore) = tokio::join!(
            dockerfile::read_dockerfile(client, &cfg, session, dockerfile_input),
            dockerfile::context_dockerignore(client, &cfg, session)
        );
        (src?, Some(ignore))
    } else {
        let src = dockerfile::read_dockerfile(client, &cfg, session, dockerfile_input).await?;
        (src, None)
    };
    *dockerfile_slot = Some(src.clone());

    if let Some((source, cmdline)) = forward_target(&cfg, &src.data) {
        return forward(client, &cfg, env, source, cmdline).await;
    }

    let build_platforms = if env.worker_platforms.is_empty() {
        client
            .workers()
            .first()
            .map(|w| w.platforms.iter().map(platform::from_pb).collect())
            .unwrap_or_default()
    } else {
        env.worker_platforms.clone()
    };
    let mut base_opts = convert_options(&cfg, env, client, build_platforms);
    base_opts.inputs = all_inputs;
    base_opts.source_map = Some(src.source_map());
    let handle = tokio::runtime::Handle::current();

    if let Some(name) = &cfg.request_id {
        let answer = subrequest_answer(name, client, &cfg, &src, &base_opts, compiler, handle);
        return answer.await;
    }

    let mut opts = base_opts;
    let context_ignore = match context_ignore {
        Some(ignore) => ignore,
        None => dockerfile::context_dockerignore(client, &cfg, session).await,
    };
    opts.excludes = dockerfile::context_excludes(&src, context_ignore)?;
    opts.named_local_excludes = dockerfile::named_local_excludes(client, &cfg, session).await?;

    let targets: Vec<Option<Platform>> = if cfg.target_platforms.is_empty() {
        vec![None]
    } else {
        cfg.target_platforms.iter().cloned().map(Some).collect()
    };
    let epoch = result::source_date_epoch(&cfg.build_args);
    let mut results = Vec::new();
    for (i, target) in targets.into_iter().enumerate() {
        let mut popts = opts.clone();
        popts.target_platforms = target.iter().cloned().collect();
        let log_platform = if cfg.multi_platform {
            target.as_ref()
        } else {
            None
        };
        let resolver = GatewayResolver::new(client.clone(), handle.clone(), log_platform);
        let data = src.data.clone();
        let c = Arc::clone(&compiler);
        let (converted, warnings) = tokio::task::spawn_blocking(move || {
            // Upstream warns only from the first platform's conversion.
            if i == 0 {
                c.convert_with_warnings(&data, &popts, &resolver)
            } else {
                (c.convert(&data, &popts, &resolver), Vec::new())
            }
        })
        .await
        .map_err(|e| GatewayError::Internal(format!("conversion task failed: {e}")))?;
        warn::send_all(client, &src, &warnings).await?;
        let ConvertResult {
            definition,
            image,
            base_image,
            ..
        } = converted?;
        let solved = client
            .solve(
                Some(definition),
                SolveOptions {
                    cache_imports: cfg.cache_imports.clone(),
                    ..Default::default()
                },
            )
            .await?;
        results.push(PlatformResult {
            target,
            reference: solved.single_ref()?,
            image,
            base_image,
            epoch,
        });
    }
    result::build_result(results, cfg.multi_platform, client.ref_array())
}

/// The ConvertOptions shared by every platform of this build.
fn convert_options(
    cfg: &BuildConfig,
    env: &GatewayEnv,
    client: &BridgeClient,
    build_platforms: Vec<Platform>,
) -> ConvertOptions {
    ConvertOptions {
        target: cfg.target.clone(),
        build_args: cfg.build_args.clone(),
        labels: cfg.labels.clone(),
        target_platforms: cfg.target_platforms.clone(),
        build_platforms,
        dockerfile_name: cfg.filename.clone(),
        session_id: dockerfile::session_for(cfg, env.session_id.as_deref(), &cfg.context_local),
        local_unique_id: None,
        excludes: Vec::new(),
        named_contexts: cfg.named_contexts.clone(),
        no_cache: cfg.no_cache.clone(),
        resolve_mode: cfg.resolve_mode,
        extra_hosts: cfg.extra_hosts.clone(),
        hostname: cfg.hostname.clone(),
        shm_size: cfg.shm_size,
        ulimits: cfg.ulimits.clone(),
        cgroup_parent: cfg.cgroup_parent.clone(),
        force_network_mode: cfg.force_network_mode.clone(),
        llb_caps: Some(super::caps::effective_llb_caps(
            client.llb_caps(),
            client.server(),
        )),
        multi_platform: cfg.multi_platform,
        source_map: None,
        named_local_excludes: BTreeMap::new(),
        linux_resources: cfg.linux_resources.clone(),
        skip_teardown: false,
        build_session_id: env.session_id.clone(),
        inputs: BTreeMap::new(),
        input_metadata: cfg.input_metadata.clone(),
    }
}

/// When this process was not started by a `# syntax` forward (no `cmdline` opt) and the build
/// asks for another frontend image (`BUILDKIT_SYNTAX` or a `# syntax=` line naming an image
/// other than the one running), that image and its command line.
fn forward_target(cfg: &BuildConfig, dockerfile: &[u8]) -> Option<(String, String)> {
    if cfg.cmdline.is_some() {
        return None;
    }
    let ours = cfg.source.as_deref()?;
    let (source, cmdline) = match &cfg.syntax_arg {
        Some(arg) => {
            let cmdline = arg.trim().to_string();
            (cmdline.split(' ').next().unwrap_or("").to_string(), cmdline)
        }
        None => {
            let text = String::from_utf8_lossy(dockerfile);
            let d = syntax::parser::detect_syntax(&text)?;
            (d.value, d.cmdline)
        }
    };
    (!source.is_empty() && source != ours).then_some((source, cmdline))
}

/// Hands the whole build to another gateway frontend and returns its result unchanged.
async fn forward(
    client: &BridgeClient,
    cfg: &BuildConfig,
    env: &GatewayEnv,
    source: String,
    cmdline: String,
) -> Result<bridge::Result, GatewayError> {
    let mut frontend_opt: BTreeMap<String, String> = env.opts.as_map().clone();
    frontend_opt.insert("cmdline".into(), cmdline);
    frontend_opt.insert("source".into(), source.clone());
    let frontend_inputs: BTreeMap<String, pb::Definition> = client.inputs().await?;
    let solved = client
        .solve(
            None,
            SolveOptions {
                frontend: Some("gateway.v0".into()),
                frontend_opt,
                frontend_inputs,
                cache_imports: cfg.cache_imports.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| match e {
            GatewayError::Rpc { status, .. } => {
                GatewayError::rpc(format!("failed with BUILDKIT_SYNTAX = {source}"), status)
            }
            other => other,
        })?;
    use bridge::result::Result as R;
    let result = if let Some(r) = solved.single {
        Some(if client.ref_array() {
            R::Ref(bridge::Ref {
                id: r.id,
                def: r.def,
            })
        } else {
            R::RefDeprecated(r.id)
        })
    } else if !solved.refs.is_empty() {
        Some(if client.ref_array() {
            R::Refs(bridge::RefMap {
                refs: solved
                    .refs
                    .into_iter()
                    .map(|(k, r)| {
                        (
                            k,
                            bridge::Ref {
                                id: r.id,
                                def: r.def,
                            },
                        )
                    })
                    .collect(),
            })
        } else {
            R::RefsDeprecated(bridge::RefMapDeprecated {
                refs: solved.refs.into_iter().map(|(k, r)| (k, r.id)).collect(),
            })
        })
    } else {
        None
    };
    Ok(bridge::Result {
        result,
        metadata: solved.metadata,
    })
}

async fn subrequest_answer<C: Compiler>(
    name: &str,
    client: &BridgeClient,
    cfg: &BuildConfig,
    src: &DockerfileSource,
    base: &ConvertOptions,
    compiler: Arc<C>,
    handle: tokio::runtime::Handle,
) -> Result<bridge::Result, GatewayError> {
    if name == subrequest::DESCRIBE {
        let have = compiler.subrequests();
        return Ok(result::metadata_only(subrequest::describe(
            have.contains(&subrequest::OUTLINE),
            have.contains(&subrequest::TARGETS),
        )));
    }
    if !compiler.subrequests().contains(&name) {
        return Err(subrequest::unsupported(name));
    }
    let data = src.data.clone();
    let mut opts = base.clone();
    if name == subrequest::LINT {
        // The CopyIgnoredFile rule needs the .dockerignore patterns.
        let context_ignore = match &src.dockerignore {
            Some(_) => Ok(Vec::new()),
            None => dockerfile::context_dockerignore(client, cfg, opts.session_id.as_deref()).await,
        };
        opts.excludes = dockerfile::context_excludes(src, context_ignore)?;
    }
    let resolver = GatewayResolver::new(client.clone(), handle, None);
    let src_info = src.source_info();
    let name_owned = name.to_string();
    let md = tokio::task::spawn_blocking(move || -> Result<_, GatewayError> {
        let c = compiler;
        Ok(match name_owned.as_str() {
            subrequest::OUTLINE => subrequest::outline(&c.outline(&data, &opts, &resolver)?),
            subrequest::TARGETS => subrequest::targets(&c.targets(&data, &opts)?),
            subrequest::LINT => {
                let mut answer = c.lint(&data, &opts, &resolver)?;
                with_source_definition(&mut answer.json, &src_info);
                subrequest::lint(&answer)
            }
            other => return Err(subrequest::unsupported(other)),
        })
    })
    .await
    .map_err(|e| GatewayError::Internal(format!("subrequest task failed: {e}")))??;
    Ok(result::metadata_only(md))
}

/// Sets `definition` on the lint JSON's source that is the Dockerfile, as upstream records the
/// LLB that loaded it.
fn with_source_definition(json: &mut serde_json::Value, info: &pb::SourceInfo) {
    let Some(sources) = json
        .get_mut("sources")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    let Some(def) = &info.definition else { return };
    for s in sources {
        let same = s.get("filename").and_then(serde_json::Value::as_str) == Some(&info.filename);
        if let (true, Some(obj)) = (same, s.as_object_mut()) {
            obj.insert("definition".into(), super::error::definition_json(def));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_env_gives_build_platforms() {
        let j = r#"[{"id":"w","labels":{},"platforms":[{"architecture":"arm64","os":"linux"},{"architecture":"amd64","os":"linux"}]}]"#;
        let ps = worker_platforms(j);
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].architecture, "arm64");
        assert!(worker_platforms("not json").is_empty());
        assert!(worker_platforms("[]").is_empty());
    }

    fn cfg(pairs: &[(&str, &str)]) -> BuildConfig {
        parse_config(&FrontendOpts::from_pairs(pairs.iter().copied())).unwrap()
    }

    #[test]
    fn forwarding_rules() {
        let us = "ourorg/rfront:dev";
        // Started by a forward: never forward again.
        let c = cfg(&[
            ("cmdline", us),
            ("source", us),
            ("build-arg:BUILDKIT_SYNTAX", "other/fe"),
        ]);
        assert_eq!(forward_target(&c, b""), None);
        // BUILDKIT_SYNTAX naming us is ignored.
        let c = cfg(&[("source", us), ("build-arg:BUILDKIT_SYNTAX", us)]);
        assert_eq!(forward_target(&c, b"# syntax=other/fe\nFROM x\n"), None);
        // Naming another image forwards, with the whole value as cmdline.
        let c = cfg(&[
            ("source", us),
            ("build-arg:BUILDKIT_SYNTAX", "other/fe arg"),
        ]);
        assert_eq!(
            forward_target(&c, b""),
            Some(("other/fe".to_string(), "other/fe arg".to_string()))
        );
        // The directive counts when there is no build arg.
        let c = cfg(&[("source", us)]);
        assert_eq!(
            forward_target(&c, b"# syntax=docker/dockerfile:1\nFROM x\n"),
            Some((
                "docker/dockerfile:1".to_string(),
                "docker/dockerfile:1".to_string()
            ))
        );
        assert_eq!(
            forward_target(&c, format!("# syntax={us}\nFROM x\n").as_bytes()),
            None
        );
    }
}
