//! The live terminal view: one spinner line per running vertex with its
//! elapsed time and last output line; finished vertices stay as a summary
//! line (`✔ name 0.3s`, `CACHED`, `ERROR`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Event, ProgressSink};

/// indicatif-based live view on stderr.
pub struct TtyProgress {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
    counter: Mutex<usize>,
}

impl Default for TtyProgress {
    fn default() -> Self {
        TtyProgress::new()
    }
}

impl TtyProgress {
    /// A live view drawing on stderr.
    pub fn new() -> TtyProgress {
        TtyProgress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
            counter: Mutex::new(0),
        }
    }

    fn bar(&self, id: &str, name: &str) -> ProgressBar {
        let Ok(mut bars) = self.bars.lock() else {
            return ProgressBar::hidden();
        };
        if let Some(b) = bars.get(id) {
            return b.clone();
        }
        let n = match self.counter.lock() {
            Ok(mut c) => {
                *c += 1;
                *c
            }
            Err(_) => 0,
        };
        let b = self.multi.add(ProgressBar::new_spinner());
        b.set_style(
            ProgressStyle::with_template("{spinner:.blue} #{prefix} {wide_msg} {elapsed:>4}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.set_prefix(n.to_string());
        b.set_message(name.to_string());
        b.enable_steady_tick(Duration::from_millis(120));
        bars.insert(id.to_string(), b.clone());
        b
    }

    fn finish_bar(&self, b: &ProgressBar, line: String) {
        b.set_style(
            ProgressStyle::with_template("{msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        b.finish_with_message(line);
    }
}

impl ProgressSink for TtyProgress {
    fn event(&self, event: Event) {
        match event {
            Event::Started { id, name } => {
                self.bar(&id, &name);
            }
            Event::Cached { id, name } => {
                let b = self.bar(&id, &name);
                self.finish_bar(&b, format!("  #{} {name} CACHED", b.prefix()));
            }
            Event::Done { id, name, elapsed } => {
                let b = self.bar(&id, &name);
                let name = if name.is_empty() { b.message() } else { name };
                self.finish_bar(
                    &b,
                    format!("✔ #{} {name} {:.1}s", b.prefix(), elapsed.as_secs_f64()),
                );
            }
            Event::Failed { id, name, error } => {
                let b = self.bar(&id, &name);
                let name = if name.is_empty() { b.message() } else { name };
                self.finish_bar(&b, format!("✘ #{} {name} ERROR: {error}", b.prefix()));
            }
            Event::Status { id, name, message } => {
                let b = self.bar(&id, &name);
                b.set_message(format!("{name} — {message}"));
            }
            Event::Log { id, name, data, .. } => {
                let b = self.bar(&id, &name);
                let text = String::from_utf8_lossy(&data);
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    let _ = self.multi.println(format!("  #{} {line}", b.prefix()));
                }
            }
        }
    }

    fn finish(&self) {
        if let Ok(bars) = self.bars.lock() {
            for b in bars.values() {
                if !b.is_finished() {
                    b.finish();
                }
            }
        }
    }
}
