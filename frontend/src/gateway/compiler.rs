//! The seam between the gateway and the Dockerfile compiler: the [`Compiler`] trait the build
//! flow calls, and [`DockerfileCompiler`], the production implementation over
//! [`crate::convert`] (conversion, outline, targets) and [`crate::lint`] (checks).

use llb::pb;
use serde_json::Value;

use crate::convert::{ConvertError, ConvertOptions, ConvertResult, ImageResolver};

use super::error::GatewayError;
use super::subrequest::{self, LintAnswer};
use super::warn::LintWarning;

/// What the gateway needs from a Dockerfile compiler. A subrequest not listed by
/// [`Compiler::subrequests`] is unsupported and not described.
pub trait Compiler: Send + Sync + 'static {
    /// Compiles the Dockerfile for one target platform.
    fn convert(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> Result<ConvertResult, GatewayError>;

    /// [`Compiler::convert`], with the lint findings the conversion made, which a build sends
    /// as warnings (none by default).
    fn convert_with_warnings(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> (Result<ConvertResult, GatewayError>, Vec<LintWarning>) {
        (self.convert(dockerfile, opts, resolver), Vec::new())
    }

    /// The subrequests this compiler answers (`frontend.outline`, `frontend.targets`,
    /// `frontend.lint`); describe is always answered by the gateway.
    fn subrequests(&self) -> &'static [&'static str] {
        &[]
    }

    /// `frontend.outline`: the outline JSON.
    fn outline(
        &self,
        _dockerfile: &[u8],
        _opts: &ConvertOptions,
        _resolver: &dyn ImageResolver,
    ) -> Result<Value, GatewayError> {
        Err(subrequest::unsupported(subrequest::OUTLINE))
    }

    /// `frontend.targets`: the targets JSON.
    fn targets(&self, _dockerfile: &[u8], _opts: &ConvertOptions) -> Result<Value, GatewayError> {
        Err(subrequest::unsupported(subrequest::TARGETS))
    }

    /// `frontend.lint`: the lint JSON, its text report and whether it found anything.
    fn lint(
        &self,
        _dockerfile: &[u8],
        _opts: &ConvertOptions,
        _resolver: &dyn ImageResolver,
    ) -> Result<LintAnswer, GatewayError> {
        Err(subrequest::unsupported(subrequest::LINT))
    }
}

/// The production compiler: [`crate::convert`] and [`crate::lint`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DockerfileCompiler;

/// A Dockerfile range in the LLB form.
pub fn range_to_pb(r: &syntax::parser::Range) -> pb::Range {
    let n = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
    pb::Range {
        start: Some(pb::Position {
            line: n(r.start.line),
            character: n(r.start.character),
        }),
        end: Some(pb::Position {
            line: n(r.end.line),
            character: n(r.end.character),
        }),
    }
}

impl From<ConvertError> for GatewayError {
    fn from(e: ConvertError) -> Self {
        let locations = e
            .locations()
            .iter()
            .map(|l| l.iter().map(range_to_pb).collect())
            .collect();
        GatewayError::Dockerfile {
            message: e.to_string(),
            locations,
        }
    }
}

impl Compiler for DockerfileCompiler {
    fn convert(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> Result<ConvertResult, GatewayError> {
        Ok(crate::convert::convert(dockerfile, opts, resolver)?)
    }

    fn convert_with_warnings(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> (Result<ConvertResult, GatewayError>, Vec<LintWarning>) {
        let (result, warnings) = crate::lint::convert_with_warnings(dockerfile, opts, resolver);
        let warnings = warnings
            .into_iter()
            .map(|w| LintWarning {
                rule_name: w.rule_name,
                description: w.description,
                url: w.url,
                message: w.detail,
                ranges: w.ranges.iter().map(range_to_pb).collect(),
            })
            .collect();
        (result.map_err(GatewayError::from), warnings)
    }

    fn subrequests(&self) -> &'static [&'static str] {
        &[subrequest::OUTLINE, subrequest::TARGETS, subrequest::LINT]
    }

    fn outline(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> Result<Value, GatewayError> {
        Ok(crate::convert::outline(dockerfile, opts, resolver)?)
    }

    fn targets(&self, dockerfile: &[u8], _opts: &ConvertOptions) -> Result<Value, GatewayError> {
        Ok(crate::convert::targets(dockerfile)?)
    }

    fn lint(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> Result<LintAnswer, GatewayError> {
        let results =
            crate::lint::check_with_resolver(dockerfile, opts, resolver).map_err(|e| {
                GatewayError::Dockerfile {
                    message: e.to_string(),
                    locations: Vec::new(),
                }
            })?;
        Ok(LintAnswer {
            json: results.to_json(),
            text: crate::lint::render_text(&results),
            failed: results.failed(),
        })
    }
}
