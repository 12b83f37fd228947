//! Errors of the typed-instruction layer; messages are upstream's, word for word.

use crate::mount::MountError;
use crate::parser::{Node, Range, Span, line_ranges};

use super::duration::time_quote;
use crate::parser::gostr::quote as go_quote;

fn did_you_mean(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean {s}?)"),
        None => String::new(),
    }
}

/// Why a `--flag` list was refused (upstream's `BFlags.Parse`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    /// A word that does not start with `--`.
    #[error("arg should start with -- : {0}")]
    NotAFlag(String),
    /// A flag the instruction does not know.
    #[error("unknown flag: {flag}{}", did_you_mean(suggestion))]
    Unknown {
        /// The flag as written up to `=` (`--mont`).
        flag: String,
        /// The closest known flag name, if any is close.
        suggestion: Option<String>,
    },
    /// A single-valued flag given twice.
    #[error("duplicate flag specified: {0}")]
    Duplicate(String),
    /// `--flag=` with nothing after `=`, or a value-taking flag without `=`.
    #[error("missing a value on flag: {0}")]
    MissingValue(String),
    /// A boolean flag with a value other than true/false.
    #[error("expecting boolean value for flag {flag}, not: {value}")]
    NotBool {
        /// The flag as written.
        flag: String,
        /// The value given.
        value: String,
    },
}

/// Why a `--device` value was refused (upstream's `ParseDevice`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// The value is not one CSV record.
    #[error("failed to parse csv devices: {0}")]
    Csv(String),
    /// A second name.
    #[error("device name already set to {0}")]
    NameAlreadySet(String),
    /// A bare word after the name.
    #[error("invalid field '{0}' must be a key=value pair")]
    NotKeyValue(String),
    /// `required=` with a non-boolean.
    #[error("invalid value for {key}: {value}")]
    InvalidValue {
        /// The key (lower-cased).
        key: String,
        /// The value.
        value: String,
    },
    /// An unknown key.
    #[error("unexpected key '{key}' in '{field}'{}", did_you_mean(suggestion))]
    UnknownKey {
        /// The key (lower-cased).
        key: String,
        /// The whole field.
        field: String,
        /// The closest known key.
        suggestion: Option<String>,
    },
}

/// What is wrong with an instruction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstructionErrorKind {
    /// A keyword that is no instruction.
    #[error("unknown instruction: {instruction}{}", did_you_mean(suggestion))]
    UnknownInstruction {
        /// The keyword as written.
        instruction: String,
        /// The closest instruction name, cased like the input.
        suggestion: Option<String>,
    },
    /// A bad `--flag`.
    #[error(transparent)]
    Flag(#[from] FlagError),
    /// A bad `RUN --mount` value.
    #[error(transparent)]
    Mount(#[from] MountError),
    /// A bad `RUN --device` value.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// No arguments where some are needed.
    #[error("{0} requires at least one argument")]
    AtLeastOneArgument(&'static str),
    /// Not exactly one argument.
    #[error("{0} requires exactly one argument")]
    ExactlyOneArgument(&'static str),
    /// COPY/ADD with a single argument.
    #[error(
        "{0} requires at least two arguments, but only one was provided. Destination could not be determined"
    )]
    NoDestination(&'static str),
    /// A heredoc where it cannot be used.
    #[error("{instruction} cannot accept a heredoc as {what}")]
    BadHeredoc {
        /// `COPY` or `ADD`.
        instruction: &'static str,
        /// What the heredoc was used as (`a destination`).
        what: &'static str,
    },
    /// ENV/LABEL/ARG with an empty name.
    #[error("{0} names can not be blank")]
    BlankNames(&'static str),
    /// ENV/LABEL arguments not in key/value/separator triples.
    #[error("Bad input to {0}, too many arguments")]
    TooManyArguments(&'static str),
    /// `FROM x AS <bad name>`.
    #[error(
        "invalid name for build stage: {}, name can't start with a number or contain symbols",
        go_quote(.0)
    )]
    InvalidStageName(String),
    /// FROM with two or more than three arguments.
    #[error("FROM requires either one or three arguments")]
    FromArguments,
    /// `ONBUILD ONBUILD`.
    #[error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")]
    OnbuildChaining,
    /// `ONBUILD FROM` / `ONBUILD MAINTAINER`.
    #[error("{0} isn't allowed as an ONBUILD trigger")]
    OnbuildTrigger(String),
    /// `HEALTHCHECK NONE something`.
    #[error("HEALTHCHECK NONE takes no arguments")]
    HealthcheckNoneArguments,
    /// `HEALTHCHECK CMD` without a command.
    #[error("Missing command after HEALTHCHECK CMD")]
    HealthcheckMissingCommand,
    /// `HEALTHCHECK <type>` other than CMD/NONE.
    #[error("Unknown type {} in HEALTHCHECK (try CMD)", go_quote(.0))]
    HealthcheckType(String),
    /// A HEALTHCHECK duration below one millisecond.
    #[error("Interval {} cannot be less than 1ms", go_quote(.0))]
    IntervalTooShort(&'static str),
    /// A HEALTHCHECK duration that does not parse (Go's `time.ParseDuration` texts).
    #[error("{0}")]
    Duration(DurationError),
    /// `--retries` that is not a 32-bit integer (Go's `strconv.ParseInt` texts).
    #[error("strconv.ParseInt: parsing {}: {}", go_quote(value), if *out_of_range { "value out of range" } else { "invalid syntax" })]
    ParseInt {
        /// The text.
        value: String,
        /// Out of range rather than not a number.
        out_of_range: bool,
    },
    /// `--retries` below zero.
    #[error("--retries cannot be negative ({0})")]
    NegativeRetries(i64),
    /// `VOLUME ""`.
    #[error("VOLUME specified can not be an empty string")]
    EmptyVolume,
    /// SHELL not in JSON form.
    #[error("{0} requires the arguments to be in JSON form")]
    NotJson(&'static str),
    /// `RUN --network=<bad>`.
    #[error("invalid network mode {}", go_quote(.0))]
    InvalidNetwork(String),
    /// `RUN --security=<bad>`.
    #[error("security {} is not valid", go_quote(.0))]
    InvalidSecurity(String),
    /// FROM where a command is expected (upstream prints the Go type).
    #[error("*instructions.Stage is not a command type")]
    NotACommand,
    /// An instruction before the first FROM (other than ARG).
    #[error("no build stage in current context")]
    NoBuildStage,
}

/// Go's `time.ParseDuration` failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Malformed or overflowing.
    Invalid(String),
    /// A number without unit.
    MissingUnit(String),
    /// An unknown unit.
    UnknownUnit {
        /// The unit text.
        unit: String,
        /// The whole duration text.
        text: String,
    },
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::Invalid(s) => write!(f, "time: invalid duration {}", time_quote(s)),
            DurationError::MissingUnit(s) => {
                write!(f, "time: missing unit in duration {}", time_quote(s))
            }
            DurationError::UnknownUnit { unit, text } => write!(
                f,
                "time: unknown unit {} in duration {}",
                time_quote(unit),
                time_quote(text)
            ),
        }
    }
}

/// An instruction-level error with its location (upstream's error wrapped in a
/// `LocationError`).
///
/// Display is upstream's message; from [`super::parse`] it carries upstream's
/// `dockerfile parse error on line N: ` prefix (except for "no build stage in current
/// context", which upstream does not prefix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", self.prefix())]
pub struct InstructionError {
    /// What went wrong.
    pub kind: InstructionErrorKind,
    /// First line (1-based) of the instruction.
    pub start_line: usize,
    /// Last line of the instruction.
    pub end_line: usize,
    /// Byte span of the instruction.
    pub span: Span,
    /// Display with upstream's `dockerfile parse error on line N: ` prefix.
    pub line_prefix: bool,
}

impl InstructionError {
    pub(crate) fn at(kind: impl Into<InstructionErrorKind>, node: &Node) -> Self {
        InstructionError {
            kind: kind.into(),
            start_line: node.start_line,
            end_line: node.end_line,
            span: node.span,
            line_prefix: false,
        }
    }

    fn prefix(&self) -> String {
        if self.line_prefix {
            format!("dockerfile parse error on line {}: ", self.start_line)
        } else {
            String::new()
        }
    }

    /// The message without the line prefix.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// Upstream's location: one range per line of the instruction.
    pub fn ranges(&self) -> Vec<Range> {
        line_ranges(self.start_line, self.end_line)
    }
}
