//! Build checks on a whole Dockerfile: what `docker build --check` /
//! `--call check` reports (upstream's `dockerfile2llb.DockerfileLint`), as a
//! [`LintResults`] document for the CLI (`rfront check`) and the gateway's `frontend.lint`
//! subrequest and build warnings.
//!
//! A check reads the configuration (`BUILDKIT_DOCKERFILE_CHECK` build argument, else the
//! `# check=` directive) and runs the conversion in lint mode ([`crate::convert::lint`]):
//! parsing with the pre-conversion rules of [`syntax::lint::check_parsed`], then every
//! stage, the compiler reporting the conversion-time rules through [`syntax::lint::hooks`].
//! The first error stops the check and becomes [`LintResults::build_error`]; findings made
//! before it stay.
//!
//! ```
//! use frontend::convert::ConvertOptions;
//! let results = frontend::lint::check(b"from alpine AS Base\nRUN true\n", &ConvertOptions::default()).unwrap();
//! let rules: Vec<&str> = results.warnings.iter().map(|w| w.rule_name.as_str()).collect();
//! assert_eq!(rules, ["StageNameCasing", "FromAsCasing", "ConsistentInstructionCasing"]);
//! assert!(results.failed());
//! ```

mod render;
mod results;

pub use render::render_text;
pub use results::{BuildError, LANGUAGE, LintResults, SourceInfo, Warning};

use syntax::lint::{ConfigError, LintConfig, Linter};
use syntax::parser::{Range, parse_directive};

use crate::convert::{ConvertError, ConvertOptions, ConvertResult, ImageResolver, OfflineResolver};

/// The build argument that overrides the `# check=` directive.
pub const CHECK_BUILD_ARG: &str = "BUILDKIT_DOCKERFILE_CHECK";

/// Why no check could run at all (upstream fails the whole request for these).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// `BUILDKIT_DOCKERFILE_CHECK` does not parse.
    #[error("failed to parse build-arg:{CHECK_BUILD_ARG}: {0}")]
    BuildArg(ConfigError),
}

/// The lint configuration a build uses: the `BUILDKIT_DOCKERFILE_CHECK` build argument
/// when given (it replaces the directive), else `Ok(None)` — read the `# check=` directive.
pub fn config_from_build_args(opts: &ConvertOptions) -> Result<Option<LintConfig>, CheckError> {
    opts.build_args
        .get(CHECK_BUILD_ARG)
        .map(|v| LintConfig::parse(v).map_err(CheckError::BuildArg))
        .transpose()
}

/// Checks `dockerfile` (upstream's `DockerfileLint`) with base images resolved offline
/// (empty configs, see [`OfflineResolver`]): [`check_with_resolver`] for the CLI.
pub fn check(dockerfile: &[u8], opts: &ConvertOptions) -> Result<LintResults, CheckError> {
    check_with_resolver(dockerfile, opts, &OfflineResolver)
}

/// Checks `dockerfile` (upstream's `DockerfileLint`), every stage when `opts.target` is
/// `None`, resolving base images with `resolver` (their environment, shell and platform
/// feed `UndefinedVar`, `JSONArgsRecommended` and `InvalidBaseImagePlatform`). The result's
/// single source is the Dockerfile, named `opts.dockerfile_name` (`Dockerfile` when empty).
pub fn check_with_resolver(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
) -> Result<LintResults, CheckError> {
    let build_arg_config = config_from_build_args(opts)?;
    let mut results = LintResults::default();
    let filename = if opts.dockerfile_name.is_empty() {
        "Dockerfile".to_string()
    } else {
        opts.dockerfile_name.clone()
    };
    let source = results.add_source(SourceInfo {
        filename,
        language: LANGUAGE.to_string(),
        data: dockerfile.to_vec(),
        definition: None,
    });
    let mut linter = Linter::disabled();
    let outcome = run(dockerfile, opts, resolver, build_arg_config, &mut linter);
    results.add_findings(linter.into_findings(), source);
    if let Err((message, ranges)) = outcome {
        results.build_error = Some(BuildError {
            message,
            source_index: source,
            ranges,
        });
    }
    Ok(results)
}

/// A build's conversion ([`crate::convert::convert`]) with the findings it reports as
/// warnings (upstream's `Dockerfile2LLB` calling `opt.Warn`): only the stages the target
/// needs are resolved and dispatched, with base images resolved by `resolver`. Findings made
/// before a conversion error are kept. A lint configuration that does not parse fails the
/// conversion, with no findings.
pub fn convert_with_warnings(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
) -> (Result<ConvertResult, ConvertError>, Vec<Warning>) {
    let mut linter = match crate::convert::build_linter(dockerfile, opts) {
        Ok(linter) => linter,
        Err(e) => return (Err(e), Vec::new()),
    };
    let result = crate::convert::convert_with_linter(dockerfile, opts, resolver, &mut linter);
    let mut results = LintResults::default();
    results.add_findings(linter.into_findings(), 0);
    (result, results.warnings)
}

/// An error that stops the check: its message and location.
type Stop = (String, Vec<Range>);

/// The lint configuration: `build_arg_config` when the build argument gave one, else the
/// `# check=` directive's.
pub(crate) fn configuration(
    dockerfile: &[u8],
    build_arg_config: Option<LintConfig>,
) -> Result<LintConfig, Stop> {
    match build_arg_config {
        Some(c) => Ok(c),
        None => {
            // `from_utf8`'s fast path first: `from_utf8_lossy` walks valid text several times
            // slower.
            let text = match std::str::from_utf8(dockerfile) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(dockerfile),
            };
            let value = parse_directive("check", &text).map(|d| d.value);
            LintConfig::parse(value.as_deref().unwrap_or_default())
                .map_err(|e| (format!("failed to parse check options: {e}"), Vec::new()))
        }
    }
}

/// Upstream's `DockerfileLint`: the linter configuration, then the conversion
/// ([`crate::convert::lint`]: parse, pre-conversion rules, every stage dispatched with the
/// conversion-time rules, `error=true`).
fn run(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
    config: Option<LintConfig>,
    linter: &mut Linter,
) -> Result<(), Stop> {
    if dockerfile.is_empty() {
        return Err(("the Dockerfile cannot be empty".to_string(), Vec::new()));
    }
    *linter = Linter::new(configuration(dockerfile, config)?);
    crate::convert::lint(dockerfile, opts, resolver, linter)
        .map_err(|e| (e.to_string(), merge_locations(e.locations())))
}

/// Upstream's `mergeLocations`: all ranges, sorted by start line, overlapping ones joined.
fn merge_locations(locations: Vec<Vec<Range>>) -> Vec<Range> {
    let mut all: Vec<Range> = locations.into_iter().flatten().collect();
    if all.len() <= 1 {
        return all;
    }
    all.sort_by_key(|r| r.start.line);
    let mut merged: Vec<Range> = Vec::new();
    let mut current = all[0];
    for r in &all[1..] {
        if r.start.line <= current.end.line {
            current.end.line = current.end.line.max(r.end.line);
        } else {
            merged.push(current);
            current = *r;
        }
    }
    merged.push(current);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntax::parser::line_ranges;

    /// A build warns about the stages its target needs only; a check about every stage.
    #[test]
    fn build_warnings_cover_the_target_stages_only() {
        let df = b"FROM alpine AS unused\nENV A=$UNDEF_UNUSED\nFROM alpine\nENV B=$UNDEF_USED\n";
        let opts = ConvertOptions::default();
        let details = |ws: Vec<Warning>| ws.into_iter().map(|w| w.detail).collect::<Vec<_>>();
        let (converted, warnings) =
            convert_with_warnings(df, &opts, &crate::convert::OfflineResolver);
        assert_eq!(
            details(warnings),
            ["Usage of undefined variable '$UNDEF_USED'"]
        );
        // The same conversion a build without warnings makes.
        let plain = crate::convert::convert(df, &opts, &OfflineResolver).expect("convert");
        assert_eq!(
            converted.expect("convert with warnings").definition,
            plain.definition
        );
        let checked = check(df, &opts).expect("check");
        assert_eq!(
            details(checked.warnings),
            [
                "Usage of undefined variable '$UNDEF_UNUSED'",
                "Usage of undefined variable '$UNDEF_USED'"
            ]
        );
    }

    /// A lint configuration that does not parse fails the build's conversion.
    #[test]
    fn build_with_a_bad_check_directive_fails() {
        let df = b"# check=skip=;error=maybe\nFROM alpine\n";
        let (converted, warnings) =
            convert_with_warnings(df, &ConvertOptions::default(), &OfflineResolver);
        let err = converted.expect_err("bad check directive");
        assert!(
            err.to_string()
                .starts_with("failed to parse check options: "),
            "{err}"
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn merges_locations() {
        let merged = merge_locations(vec![line_ranges(3, 4), line_ranges(3, 3), vec![]]);
        assert_eq!(merged, line_ranges(3, 4));
        let joined = merge_locations(vec![
            vec![syntax::parser::Range::lines(2, 5)],
            line_ranges(4, 6),
        ]);
        // As upstream's mergeLocations: overlapping ranges merge, merely adjacent ones do not.
        assert_eq!(
            joined,
            vec![
                syntax::parser::Range::lines(2, 5),
                syntax::parser::Range::lines(6, 6)
            ]
        );
        assert!(merge_locations(Vec::new()).is_empty());
    }
}
