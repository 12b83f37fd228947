//! Dockerfile → LLB conversion (upstream's `dockerfile2llb`).
//!
//! The entry point is [`convert`]; images are resolved through [`ImageResolver`], so the same
//! conversion runs offline (`rfront llb --offline`), against files (`--image-config`), and
//! inside BuildKit (the gateway resolves through `ResolveImageConfig`). [`outline`] and
//! [`targets`] answer the `frontend.outline` and `frontend.targets` subrequests.
//!
//! Layout: [`converter`] runs the pipeline; [`graph`] builds the stage graph; [`resolve`]
//! resolves base images; [`dispatch`] dispatches a stage's commands, one module per
//! instruction family ([`run`], [`workdir`], [`arg`], [`expose`], [`metadata`]; `COPY`/`ADD`
//! in [`copy`], RUN mounts in [`run_mount`], [`secrets`], [`ssh`], [`device`]).

mod api;
mod arg;
mod args;
mod context;
mod converter;
mod copy;
mod device;
mod dispatch;
mod env;
mod error;
mod expand;
mod expose;
mod graph;
mod history;
mod image_config;
mod metadata;
mod named_context;
mod naming;
mod outline;
mod paths;
mod platform;
mod resolve;
mod resolvers;
mod run;
mod run_mount;
mod secrets;
mod ssh;
mod stage;
mod suggest;
mod windows_paths;
mod workdir;

use converter::Purpose;
use syntax::lint::Linter;

pub use api::*;
pub(crate) use converter::build_linter;
pub use error::ConvertError;
pub(crate) use named_context::is_git_context;
pub use outline::{outline, targets};
pub use resolvers::{FileResolver, OfflineResolver};

/// Converts a Dockerfile to LLB for one target platform: the marshalled Definition of the
/// target stage, its image config and its base image's config.
///
/// Build checks run as in an upstream build (configured by `BUILDKIT_DOCKERFILE_CHECK` or
/// the `# check=` directive): with `error=true`, any finding fails the conversion with
/// `lint violation found for rules: …`. Use [`convert_with_linter`] to get the findings.
pub fn convert(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
) -> Result<ConvertResult, ConvertError> {
    convert_marshalled(dockerfile, opts, resolver, llb::marshal::marshal)
}

/// [`convert`] reporting build-check findings to `linter` (whose configuration decides
/// which rules run and whether findings fail the conversion).
pub fn convert_with_linter(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
    linter: &mut Linter,
) -> Result<ConvertResult, ConvertError> {
    build_and_marshal(dockerfile, opts, resolver, linter, llb::marshal::marshal)
}

/// [`convert`] with the Definition written as bytes (what
/// [`encode_definition`](llb::definition::encode_definition) writes for it), straight from
/// the marshalled ops: its maps are never built.
pub fn convert_to_bytes(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
) -> Result<ConvertResult<Vec<u8>>, ConvertError> {
    convert_marshalled(dockerfile, opts, resolver, llb::marshal::marshal_to_bytes)
}

/// [`convert_to_bytes`] with the bytes written to `out` as they are encoded (the whole
/// Definition is never held in memory). Nothing is written when the conversion fails; a
/// failed write is a conversion error.
pub fn convert_to_writer(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
    out: &mut dyn std::io::Write,
) -> Result<ConvertResult<()>, ConvertError> {
    convert_marshalled(dockerfile, opts, resolver, |state, mopts| {
        llb::marshal::marshal_to_writer(state, mopts, out)
    })
}

/// How the target's LLB is marshalled: to a `pb::Definition`, straight to its bytes, or to
/// a writer.
pub(crate) trait Marshal<D>:
    FnOnce(&llb::state::State, &llb::marshal::MarshalOptions) -> Result<D, llb::marshal::MarshalError>
{
}

impl<D, F> Marshal<D> for F where
    F: FnOnce(
        &llb::state::State,
        &llb::marshal::MarshalOptions,
    ) -> Result<D, llb::marshal::MarshalError>
{
}

/// A build conversion with the linter its options and directives configure.
fn convert_marshalled<D>(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
    marshal: impl Marshal<D>,
) -> Result<ConvertResult<D>, ConvertError> {
    if dockerfile.is_empty() {
        return Err(ConvertError::msg("the Dockerfile cannot be empty"));
    }
    let mut linter = converter::build_linter(dockerfile, opts)?;
    build_and_marshal(dockerfile, opts, resolver, &mut linter, marshal)
}

/// Dispatches the target's stages and marshals its LLB with `marshal`.
fn build_and_marshal<D>(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
    linter: &mut Linter,
    marshal: impl Marshal<D>,
) -> Result<ConvertResult<D>, ConvertError> {
    converter::with_dispatched(dockerfile, opts, resolver, linter, Purpose::BUILD, |p| {
        p.finish(marshal)
    })
}

/// Upstream's `DockerfileLint` conversion: everything a build does up to the result image —
/// every stage when `opts.target` is `None` — reporting the conversion-time rules to
/// `linter`. The first conversion error is returned (findings made before it stay in
/// `linter`); with `error=true` configured, findings fail it with `lint violation found for
/// rules: …`. Nothing is marshalled.
pub fn lint(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
    linter: &mut Linter,
) -> Result<(), ConvertError> {
    if dockerfile.is_empty() {
        return Err(ConvertError::msg("the Dockerfile cannot be empty"));
    }
    let all_stages = opts.target.as_deref().is_none_or(str::is_empty);
    let purpose = Purpose::lint(all_stages);
    converter::with_dispatched(dockerfile, opts, resolver, linter, purpose, |p| {
        p.finalize_image()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With a source map, every Dockerfile op points at its instruction's lines.
    #[test]
    fn source_locations() {
        let df = b"FROM alpine\nRUN echo hi \\\n  there\n";
        let opts = ConvertOptions {
            source_map: Some(llb::source_map::SourceMap::new(
                "Dockerfile",
                "Dockerfile",
                df.to_vec(),
            )),
            local_unique_id: Some("x".into()),
            ..ConvertOptions::default()
        };
        let r = convert(df, &opts, &OfflineResolver).expect("convert");
        let source = r.definition.source.expect("source");
        assert_eq!(source.infos.len(), 1);
        assert_eq!(source.infos[0].filename, "Dockerfile");
        let mut lines: Vec<(i32, i32)> = source
            .locations
            .values()
            .flat_map(|l| l.locations.iter())
            .flat_map(|l| l.ranges.iter())
            .map(|r| {
                let line = |p: &Option<llb::pb::Position>| p.as_ref().map_or(0, |p| p.line);
                (line(&r.start), line(&r.end))
            })
            .collect();
        lines.sort();
        assert_eq!(lines, vec![(1, 1), (2, 2), (3, 3)]);
    }

    /// Leaving the working state to the process exit changes nothing in the result, on the
    /// first pass and on the retry with the context paths found (a variable COPY source).
    #[test]
    fn skip_teardown_gives_the_same_result() {
        for df in [
            &b"FROM alpine AS a\nRUN echo a > /a\nFROM scratch\nCOPY --from=a /a /\n"[..],
            &b"FROM alpine\nARG SRC=src\nCOPY $SRC /dst\nRUN ls /dst\n"[..],
        ] {
            let opts = ConvertOptions {
                local_unique_id: Some("x".into()),
                ..ConvertOptions::default()
            };
            let kept = convert(df, &opts, &OfflineResolver).expect("convert");
            let skipped = ConvertOptions {
                skip_teardown: true,
                ..opts
            };
            let leaked = convert(df, &skipped, &OfflineResolver).expect("convert");
            assert_eq!(
                llb::definition::encode_definition(&kept.definition),
                llb::definition::encode_definition(&leaked.definition)
            );
            assert_eq!(kept.image, leaked.image);
        }
    }

    /// Without one (the goldens), there are no locations.
    #[test]
    fn no_source_map() {
        let r = convert(
            b"FROM alpine\nRUN true\n",
            &ConvertOptions::default(),
            &OfflineResolver,
        )
        .expect("convert");
        let source = r.definition.source.unwrap_or_default();
        assert!(source.infos.is_empty());
        assert!(source.locations.values().all(|l| l.locations.is_empty()));
    }
}
