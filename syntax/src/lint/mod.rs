//! Build checks ("lint"): the rule registry, the check configuration, the [`Linter`] that
//! collects [`Finding`]s, the checks that need only the parse result, and the hooks the
//! Dockerfile compiler calls for the checks that need conversion state — upstream BuildKit's
//! `frontend/dockerfile/linter` and the rule calls spread over its parser and converter.
//!
//! * [`rules`]: one module per rule; each rule is a [`Rule`] value (name, description, URL,
//!   experimental flag, detail formatter) documented by its own rustdoc, which is also
//!   [`RuleMeta::docs`] at run time.
//! * [`LintConfig`]: `# check=skip=…;error=…;experimental=…`, the
//!   `BUILDKIT_DOCKERFILE_CHECK` build argument, and per-instruction `# check=` comments.
//! * [`Linter`]: reports [`Finding`]s in call order; [`Linter::error`] gives the
//!   `error=true` build error.
//! * [`check_parsed`]: what runs before conversion (empty continuation lines, instruction
//!   parsing with its rules, stage names, keyword casing).
//! * [`hooks`]: one function per conversion-time check site, for the compiler.
//!
//! ```
//! use syntax::lint::{check_parsed, LintConfig, Linter};
//! let parsed = syntax::parse("FROM alpine as Build\nmaintainer me\n").unwrap();
//! let mut linter = Linter::new(LintConfig::default());
//! let df = check_parsed(&parsed, &mut linter).unwrap();
//! assert_eq!(df.stages[0].name, "build");
//! let shorts: Vec<String> = linter.findings().iter().map(|f| f.short()).collect();
//! assert_eq!(shorts, [
//!     "StageNameCasing: Stage name 'Build' should be lowercase (line 1)",
//!     "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
//!     "MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)",
//!     "ConsistentInstructionCasing: Command 'maintainer' should match the case of the command majority (uppercase) (line 2)",
//! ]);
//! ```

mod config;
pub mod hooks;
mod ignore;
mod linter;
mod rule;
pub mod rules;
mod static_checks;

pub use config::{ConfigError, LintConfig};
pub use ignore::{IgnoreMatcher, IgnorePatternError};
pub use linter::{Finding, Level, LintScope, Linter};
pub use rule::{Format0, Format1, Format2, Format3, Rule, RuleMeta};
pub use static_checks::check_parsed;
