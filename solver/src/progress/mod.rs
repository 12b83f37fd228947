//! Progress events of a solve and their renderers: `plain` lines like
//! `docker buildx build --progress plain`, a live terminal view, quiet, and
//! a recorder for tests.

pub mod plain;
pub mod tty;

use std::sync::Mutex;
use std::time::Duration;

use crate::sandbox::Stream;

/// One progress event. `id` is the vertex digest, `name` its display name.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A vertex started working.
    Started {
        /// Vertex digest.
        id: String,
        /// Display name.
        name: String,
    },
    /// A vertex was satisfied from the cache.
    Cached {
        /// Vertex digest.
        id: String,
        /// Display name.
        name: String,
    },
    /// A vertex finished.
    Done {
        /// Vertex digest.
        id: String,
        /// Display name.
        name: String,
        /// How long it ran.
        elapsed: Duration,
    },
    /// A vertex failed.
    Failed {
        /// Vertex digest.
        id: String,
        /// Display name.
        name: String,
        /// The error message.
        error: String,
    },
    /// Output of a running process.
    Log {
        /// Vertex digest.
        id: String,
        /// Display name.
        name: String,
        /// stdout or stderr.
        stream: Stream,
        /// Raw bytes.
        data: Vec<u8>,
    },
    /// A status line of a vertex (e.g. a layer being pulled).
    Status {
        /// Vertex digest.
        id: String,
        /// Display name.
        name: String,
        /// The message.
        message: String,
    },
}

/// Receives progress events (from several threads).
pub trait ProgressSink: Send + Sync {
    /// Handles one event.
    fn event(&self, event: Event);
    /// Called once when the solve (and export) is over.
    fn finish(&self) {}
}

/// Discards everything.
#[derive(Debug, Default)]
pub struct QuietProgress;

impl ProgressSink for QuietProgress {
    fn event(&self, _event: Event) {}
}

/// Keeps every event (for tests and for failure reports).
#[derive(Debug, Default)]
pub struct RecordingProgress {
    events: Mutex<Vec<Event>>,
}

impl RecordingProgress {
    /// A new recorder.
    pub fn new() -> RecordingProgress {
        RecordingProgress::default()
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// All log bytes, concatenated.
    pub fn logs(&self) -> Vec<u8> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Log { data, .. } => Some(data),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

impl ProgressSink for RecordingProgress {
    fn event(&self, event: Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event);
        }
    }
}

/// Sends every event to several sinks.
pub struct Tee(pub Vec<std::sync::Arc<dyn ProgressSink>>);

impl ProgressSink for Tee {
    fn event(&self, event: Event) {
        for s in &self.0 {
            s.event(event.clone());
        }
    }
    fn finish(&self) {
        for s in &self.0 {
            s.finish();
        }
    }
}
