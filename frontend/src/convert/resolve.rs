//! Base images (upstream's `resolveBaseImage`): reference normalization, resolution through
//! the [`ImageResolver`](super::ImageResolver), the `docker-image://` source with its
//! progress name; named contexts replacing a stage or its base image.

use llb::state::image_ref::parse_normalized_named;
use llb::state::{Constraints, Http, Image as ImageSource, Local, Platform, State};

use syntax::lint::hooks::{self, PlatformText};

use super::api::{NamedContext, ResolveRequest, ResolvedImage, ResolverKind};
use super::converter::Converter;
use super::env::NoKeys;
use super::error::{ConvertError, Result};
use super::history::go_quote;
use super::image_config::{
    auto_detect_platform, image_platform, is_scratch_image, parse_image_config,
};
use super::named_context;
use super::naming::{df_cmd, prefix_command};
use super::platform::{format_all, to_api};
use super::stage::StageId;
use super::suggest;

/// Images suggested when a base image does not resolve.
const COMMON_IMAGES: [&str; 7] = [
    "alpine", "busybox", "centos", "debian", "golang", "ubuntu", "fedora",
];

impl Converter<'_> {
    /// Resolves stage `id`'s base image (only normalizes the reference when the stage is
    /// not reachable).
    pub(crate) fn resolve_base_image(&mut self, id: StageId, reachable: bool) -> Result<()> {
        let result = self.resolve_base_image_inner(id, reachable);
        let d = &mut self.stages.states[id];
        if d.unregistered {
            d.dispatched = true;
        }
        result.map_err(|e| e.with_location(&self.stages.states[id].location))
    }

    fn resolve_base_image_inner(&mut self, id: StageId, reachable: bool) -> Result<()> {
        let orig = self.stages.states[id].stage.base_name.clone();
        let named = parse_normalized_named(&orig).map_err(|e| {
            ConvertError::msg(format!(
                "failed to parse stage name {}: {e}",
                go_quote(&orig)
            ))
        })?;
        let mut platform = self.stages.states[id]
            .platform
            .clone()
            .unwrap_or_else(|| self.settings.target_platform.clone());
        let mut base_name = named.clone().tag_name_only().to_string();
        self.stages.states[id].stage.base_name = base_name.clone();

        let mut is_scratch = false;
        if reachable {
            if let Some(nc) = self.stages.states[id].named_context.clone() {
                return self.load_stage_named_context(id, &nc);
            }
            if let Some(nc) = self.named_context_for(&base_name, Some(&platform))? {
                return self.load_base_named_context(id, &nc, &platform);
            }
            let key = (base_name.clone(), platform.clone());
            let (resolved_ref, digest, config) = match self.resolved.get(&key) {
                Some(hit) => hit.clone(),
                None => {
                    let resolved = self
                        .resolver
                        .resolve(&base_name, &to_api(&platform), self.opts.resolve_mode)
                        .map_err(|e| {
                            let mut options = self.stages.names();
                            options.extend(common_image_names());
                            ConvertError::msg(suggest::wrap(
                                format!("{orig}: {e}"),
                                &orig,
                                &options,
                                true,
                            ))
                        })?;
                    let img = std::sync::Arc::new(parse_image_config(&resolved.config)?);
                    let hit = (resolved.reference, resolved.digest, img);
                    self.resolved.insert(key, hit.clone());
                    hit
                }
            };
            let mut reference = named.clone();
            if resolved_ref != named.to_string() {
                reference = parse_normalized_named(&resolved_ref).map_err(|e| {
                    ConvertError::msg(format!(
                        "failed to parse ref {}: {e}",
                        go_quote(&resolved_ref)
                    ))
                })?;
            }
            let mut img = (*config).clone();
            let d = &mut self.stages.states[id];
            d.base_image = Some(config);
            img.created = None;
            if d.platform.is_none() && self.platforms.implicit_target {
                platform = auto_detect_platform(&img, &platform, &self.platforms.build);
            }
            if let Some(dgst) = digest.as_deref().filter(|d| !d.is_empty()) {
                reference.digest = Some(dgst.to_string());
            }
            base_name = reference.to_string();
            d.stage.base_name = base_name.clone();
            is_scratch = is_scratch_image(&img);
            d.image = img;
        }
        let d = &mut self.stages.states[id];
        if is_scratch {
            d.state = State::scratch();
        } else {
            let multi = self.settings.multi_platform;
            let name = prefix_command(
                d,
                &format!("FROM {base_name}"),
                multi,
                Some(&platform),
                &NoKeys,
            );
            let mut c = df_cmd(Constraints::new(), d.stage.source_code()).custom_name(name);
            c = self.settings.with_location(c, &d.location);
            if reachable {
                let expected = platform.clone().normalize();
                let actual = image_platform(&d.image).normalize();
                let (ef, af) = (format_all(&expected), format_all(&actual));
                hooks::base_image_platform(
                    &mut *self.linter,
                    &orig,
                    PlatformText {
                        os: &platform.os,
                        architecture: &platform.architecture,
                        formatted: &ef,
                    },
                    PlatformText {
                        os: &d.image.os,
                        architecture: &d.image.architecture,
                        formatted: &af,
                    },
                    &d.location,
                );
            }
            d.state = ImageSource::new(base_name)
                .platform(platform.clone())
                .resolve_mode(llb_resolve_mode(self.opts.resolve_mode))
                .constraints(c)
                .build();
        }
        d.platform = Some(platform);
        Ok(())
    }

    /// Upstream's `namedContextFunc` + `Client.NamedContext`: the named context for `name`
    /// (`name::platform` first), if the build has one. `platform` is the stage's or the
    /// requested one; the build platform when neither is known.
    pub(crate) fn named_context_for(
        &self,
        name: &str,
        platform: Option<&Platform>,
    ) -> Result<Option<FoundContext>> {
        if self.opts.named_contexts.is_empty()
            || name.eq_ignore_ascii_case("scratch")
            || name.eq_ignore_ascii_case("context")
        {
            return Ok(None);
        }
        let named = parse_normalized_named(name)
            .map_err(|e| ConvertError::msg(format!("invalid context name {name}: {e}")))?;
        let mut familiar = named.familiar_name();
        if let Some(t) = &named.tag {
            familiar.push(':');
            familiar.push_str(t);
        }
        if let Some(d) = &named.digest {
            familiar.push('@');
            familiar.push_str(d);
        }
        let short = familiar
            .strip_suffix(":latest")
            .unwrap_or(&familiar)
            .to_string();
        let requested = platform
            .cloned()
            .or_else(|| (!self.platforms.implicit_target).then(|| self.platforms.target.clone()));
        let p = requested
            .clone()
            .unwrap_or_else(|| self.platforms.build[0].clone())
            .normalize();
        let with_platform = format!("{short}::{}", format_all(&p));
        for key in [with_platform, short.clone()] {
            if let Some(context) = self.opts.named_contexts.get(&key) {
                return Ok(Some(FoundContext {
                    context: context.clone(),
                    name: short,
                    key,
                    platform: requested,
                }));
            }
        }
        Ok(None)
    }

    /// A named context replacing a whole stage (`--build-context <stage>=…`).
    fn load_stage_named_context(&mut self, id: StageId, nc: &FoundContext) -> Result<()> {
        let loaded = self.load_named_context(nc)?;
        let d = &mut self.stages.states[id];
        d.dispatched = true;
        d.state = loaded.state;
        d.named_local = loaded.local.map(Box::new);
        if let Some(mut img) = loaded.image {
            img.created = None;
            if !img.architecture.is_empty() && !img.os.is_empty() {
                d.platform = Some(image_platform(&img));
            }
            d.image = img;
        }
        Ok(())
    }

    /// A named context replacing a stage's base image (`FROM <name>`).
    fn load_base_named_context(
        &mut self,
        id: StageId,
        nc: &FoundContext,
        platform: &Platform,
    ) -> Result<()> {
        let mut nc = nc.clone();
        nc.platform = Some(platform.clone());
        let loaded = self.load_named_context(&nc)?;
        let mut img = loaded
            .image
            .unwrap_or_else(|| super::image_config::empty_image(platform));
        let d = &mut self.stages.states[id];
        d.base_image = Some(std::sync::Arc::new(img.clone()));
        img.created = None;
        d.image = img;
        d.state = loaded.state.platform(platform.clone());
        d.named_local = loaded.local.map(|mut l| {
            l.platform = Some(platform.clone());
            Box::new(l)
        });
        d.platform = Some(platform.clone());
        Ok(())
    }

    /// Resolves `reference` for a named context (on its platform, else the target's), logged
    /// as `[context KEY] load metadata for SHOWN`.
    pub(super) fn resolve_context_image(
        &self,
        nc: &FoundContext,
        reference: String,
        kind: ResolverKind,
        shown: &str,
    ) -> Result<ResolvedImage> {
        let platform = nc
            .platform
            .clone()
            .unwrap_or_else(|| self.settings.target_platform.clone());
        self.resolver
            .resolve_request(&ResolveRequest {
                reference,
                platform: to_api(&platform),
                mode: self.opts.resolve_mode,
                kind,
                log_name: Some(format!("[context {}] load metadata for {shown}", nc.key)),
            })
            .map_err(|e| ConvertError::msg(e.to_string()))
    }

    /// Upstream's `NamedContext.Load`: the State (and image config, for images) of a named
    /// context.
    fn load_named_context(&self, nc: &FoundContext) -> Result<LoadedContext> {
        let key = &nc.key;
        match &nc.context {
            NamedContext::Image(reference) => {
                if reference == "scratch" {
                    return Ok(LoadedContext::state(State::scratch()));
                }
                let named = parse_normalized_named(reference)
                    .map_err(|e| ConvertError::msg(e.to_string()))?
                    .tag_name_only();
                let resolved = self.resolve_context_image(
                    nc,
                    named.to_string(),
                    ResolverKind::Registry,
                    reference,
                )?;
                let mut img = parse_image_config(&resolved.config)?;
                img.created = None;
                let mut source = ImageSource::new(resolved.reference.clone()).constraints(
                    Constraints::new().custom_name(format!("[context {key}] {reference}")),
                );
                if let Some(p) = &nc.platform {
                    source = source.platform(p.clone());
                }
                let state = source
                    .build()
                    .with_image_config(&resolved.config)
                    .map_err(|e| ConvertError::msg(e.to_string()))?;
                Ok(LoadedContext {
                    state,
                    image: Some(img),
                    local: None,
                })
            }
            NamedContext::Http(url) => {
                let state = Http::new(url.clone())
                    .filename("context")
                    .constraints(Constraints::new().custom_name(format!("[context {key}] {url}")))
                    .build();
                Ok(LoadedContext::state(state))
            }
            NamedContext::Local(name) => {
                let local = NamedLocal {
                    name: name.clone(),
                    key: key.clone(),
                    excludes: self
                        .opts
                        .named_local_excludes
                        .get(name)
                        .cloned()
                        .unwrap_or_default(),
                    platform: None,
                };
                Ok(LoadedContext {
                    state: local.build(self.opts.session_id.as_deref(), &[]),
                    image: None,
                    local: Some(local),
                })
            }
            NamedContext::Git(value) => Ok(LoadedContext::state(named_context::load_git(value)?)),
            NamedContext::OciLayout(spec) => {
                let (state, image) = self.load_oci_layout(nc, spec)?;
                Ok(LoadedContext {
                    state,
                    image,
                    local: None,
                })
            }
            NamedContext::Input(name) => {
                let (state, image) = self.load_input(nc, name)?;
                Ok(LoadedContext {
                    state,
                    image,
                    local: None,
                })
            }
        }
    }
}

/// A named context found for a stage or base image name.
#[derive(Debug, Clone)]
pub(crate) struct FoundContext {
    /// What it points at.
    pub context: NamedContext,
    /// The name it was looked up by, familiar and without `:latest` (upstream's `name`).
    pub name: String,
    /// The key it was found under (`name::platform` or `name`; upstream's
    /// `nameWithPlatform`).
    pub key: String,
    /// The platform to load it for, when known.
    pub platform: Option<Platform>,
}

/// A loaded named context.
struct LoadedContext {
    state: State,
    image: Option<crate::image::Image>,
    local: Option<NamedLocal>,
}

impl LoadedContext {
    fn state(state: State) -> LoadedContext {
        LoadedContext {
            state,
            image: None,
            local: None,
        }
    }
}

/// A named `local:` context: rebuilt once the paths used from it are known (upstream's
/// `asyncLocalOutput`).
#[derive(Debug, Clone)]
pub(crate) struct NamedLocal {
    /// The client directory's name.
    pub name: String,
    /// The context's key (`nameWithPlatform`).
    pub key: String,
    /// Its `.dockerignore` patterns.
    pub excludes: Vec<String>,
    /// The platform value set on the State (a base image replacement).
    pub platform: Option<Platform>,
}

impl NamedLocal {
    /// The `local://` source with `follow_paths`.
    pub(crate) fn build(&self, session: Option<&str>, follow_paths: &[String]) -> State {
        let mut local = Local::new(self.name.clone());
        if let Some(s) = session {
            local = local.session_id(s);
        }
        let st = local
            .shared_key_hint(format!("context:{}-", self.key))
            .exclude_patterns(self.excludes.iter().cloned())
            .follow_paths(follow_paths.iter().cloned())
            .constraints(
                Constraints::new().custom_name(format!("[context {}] load from client", self.key)),
            )
            .build();
        match &self.platform {
            Some(p) => st.platform(p.clone()),
            None => st,
        }
    }
}

/// The `resolve-mode` option as the LLB image source attribute.
pub(crate) fn llb_resolve_mode(mode: super::api::ResolveMode) -> llb::state::ResolveMode {
    match mode {
        super::api::ResolveMode::Default => llb::state::ResolveMode::Default,
        super::api::ResolveMode::Pull => llb::state::ResolveMode::ForcePull,
        super::api::ResolveMode::Local => llb::state::ResolveMode::PreferLocal,
    }
}

/// Upstream's `commonImageNames` (including its missing `/` in `docker.io/library`).
fn common_image_names() -> Vec<String> {
    let mut out = Vec::with_capacity(COMMON_IMAGES.len() * 4);
    for name in COMMON_IMAGES {
        out.push(name.to_string());
        out.push(format!("docker.io/library{name}"));
        out.push(format!("{name}:latest"));
        out.push(format!("docker.io/library{name}:latest"));
    }
    out
}
