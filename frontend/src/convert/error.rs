//! [`ConvertError`]: why a Dockerfile does not convert, with upstream's message and the
//! Dockerfile locations upstream attaches (`parser.WithLocation`).

use syntax::instructions::InstructionError;
use syntax::parser::{ParseError, Range};

use llb::marshal::MarshalError;

/// A conversion failure. `Display` is upstream's message, word for word; the source
/// locations (one list of line ranges per `WithLocation` wrapping, innermost first) are
/// available through [`ConvertError::locations`].
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConvertError {
    /// The Dockerfile does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// An instruction is malformed (flags, argument counts, …).
    #[error(transparent)]
    Instruction(#[from] InstructionError),
    /// A conversion error with the locations it was raised at.
    #[error("{message}")]
    Dockerfile {
        /// Upstream's message.
        message: String,
        /// Locations, innermost first (upstream's `LocationError.Locations`).
        locations: Vec<Vec<Range>>,
    },
    /// A feature this build does not implement (yet).
    #[error("{0}")]
    Unsupported(String),
    /// The graph does not marshal.
    #[error(transparent)]
    Marshal(#[from] MarshalError),
}

impl ConvertError {
    /// A conversion error without a location yet.
    pub fn msg(message: impl Into<String>) -> ConvertError {
        ConvertError::Dockerfile {
            message: message.into(),
            locations: Vec::new(),
        }
    }

    /// Upstream's `parser.WithLocation`: adds `ranges` to the error's locations (an error
    /// without any becomes located). Parse and instruction errors already carry theirs and
    /// are returned unchanged.
    pub fn with_location(self, ranges: &[Range]) -> ConvertError {
        match self {
            ConvertError::Dockerfile {
                message,
                mut locations,
            } => {
                locations.push(ranges.to_vec());
                ConvertError::Dockerfile { message, locations }
            }
            ConvertError::Unsupported(message) => ConvertError::Dockerfile {
                message,
                locations: vec![ranges.to_vec()],
            },
            ConvertError::Marshal(e) => ConvertError::Dockerfile {
                message: e.to_string(),
                locations: vec![ranges.to_vec()],
            },
            other => other,
        }
    }

    /// Upstream's `parser.SetLocation`: replaces the locations with `ranges`.
    pub fn set_location(self, ranges: &[Range]) -> ConvertError {
        match self {
            ConvertError::Dockerfile { message, .. } => ConvertError::Dockerfile {
                message,
                locations: vec![ranges.to_vec()],
            },
            other => other.with_location(ranges),
        }
    }

    /// Prefixes the message (Go's `errors.Wrap(err, prefix)` → `prefix: message`).
    pub fn wrap(self, prefix: &str) -> ConvertError {
        let locations = self.locations();
        ConvertError::Dockerfile {
            message: format!("{prefix}: {self}"),
            locations,
        }
    }

    /// The Dockerfile locations of the error, innermost first; empty when it has none.
    pub fn locations(&self) -> Vec<Vec<Range>> {
        match self {
            ConvertError::Parse(e) => vec![e.ranges()],
            ConvertError::Instruction(e) => vec![e.ranges()],
            ConvertError::Dockerfile { locations, .. } => locations.clone(),
            ConvertError::Unsupported(_) | ConvertError::Marshal(_) => Vec::new(),
        }
    }

    /// The first line of the first location, when the error has one.
    pub fn line(&self) -> Option<usize> {
        self.locations()
            .first()
            .and_then(|r| r.first())
            .map(|r| r.start.line)
    }
}

impl From<syntax::shell::ShellError> for ConvertError {
    fn from(e: syntax::shell::ShellError) -> ConvertError {
        ConvertError::msg(e.to_string())
    }
}

impl From<syntax::mount::MountError> for ConvertError {
    fn from(e: syntax::mount::MountError) -> ConvertError {
        ConvertError::msg(e.to_string())
    }
}

/// `Result` with a [`ConvertError`].
pub type Result<T, E = ConvertError> = std::result::Result<T, E>;
