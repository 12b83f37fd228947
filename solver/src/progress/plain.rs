//! `--progress plain`: numbered lines like buildx prints.
//!
//! ```text
//! #3 [2/2] RUN echo hi
//! #3 0.215 hi
//! #3 DONE 0.3s
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

use super::{Event, ProgressSink};

struct State {
    numbers: HashMap<String, usize>,
    started: HashMap<String, Instant>,
    /// Partial log lines per vertex.
    partial: HashMap<String, Vec<u8>>,
    last: Option<String>,
}

/// Writes buildx-style plain progress to a writer.
pub struct PlainProgress<W: Write + Send> {
    out: Mutex<W>,
    state: Mutex<State>,
}

impl<W: Write + Send> PlainProgress<W> {
    /// Plain progress into `out` (usually stderr).
    pub fn new(out: W) -> PlainProgress<W> {
        PlainProgress {
            out: Mutex::new(out),
            state: Mutex::new(State {
                numbers: HashMap::new(),
                started: HashMap::new(),
                partial: HashMap::new(),
                last: None,
            }),
        }
    }

    /// Consumes the renderer, returning the writer.
    pub fn into_inner(self) -> Option<W> {
        self.out.into_inner().ok()
    }
}

fn number(st: &mut State, id: &str) -> (usize, bool) {
    let next = st.numbers.len() + 1;
    let mut fresh = false;
    let n = *st.numbers.entry(id.to_string()).or_insert_with(|| {
        fresh = true;
        next
    });
    (n, fresh)
}

impl<W: Write + Send> ProgressSink for PlainProgress<W> {
    fn event(&self, event: Event) {
        let (Ok(mut st), Ok(mut out)) = (self.state.lock(), self.out.lock()) else {
            return;
        };
        let id = match &event {
            Event::Started { id, .. }
            | Event::Cached { id, .. }
            | Event::Done { id, .. }
            | Event::Failed { id, .. }
            | Event::Log { id, .. }
            | Event::Status { id, .. } => id.clone(),
        };
        let (n, fresh) = number(&mut st, &id);
        let switching = st.last.as_deref() != Some(id.as_str());
        if switching && st.last.is_some() && fresh {
            let _ = writeln!(out);
        }
        st.last = Some(id.clone());
        let header = |out: &mut W, name: &str| {
            if fresh {
                let _ = writeln!(out, "#{n} {name}");
            }
        };
        match event {
            Event::Started { name, .. } => {
                header(&mut out, &name);
                st.started.insert(id, Instant::now());
            }
            Event::Cached { name, .. } => {
                header(&mut out, &name);
                let _ = writeln!(out, "#{n} CACHED");
            }
            Event::Done { name, elapsed, .. } => {
                header(&mut out, &name);
                if let Some(rest) = st.partial.remove(&id).filter(|p| !p.is_empty()) {
                    let t = st
                        .started
                        .get(&id)
                        .map(|s| s.elapsed().as_secs_f64())
                        .unwrap_or(0.0);
                    let _ = writeln!(out, "#{n} {t:.3} {}", String::from_utf8_lossy(&rest));
                }
                let _ = writeln!(out, "#{n} DONE {:.1}s", elapsed.as_secs_f64());
            }
            Event::Failed { name, error, .. } => {
                header(&mut out, &name);
                let _ = writeln!(out, "#{n} ERROR: {error}");
            }
            Event::Status { name, message, .. } => {
                header(&mut out, &name);
                let _ = writeln!(out, "#{n} {message}");
            }
            Event::Log { name, data, .. } => {
                header(&mut out, &name);
                let t = st
                    .started
                    .get(&id)
                    .map(|s| s.elapsed().as_secs_f64())
                    .unwrap_or(0.0);
                let buf = st.partial.entry(id.clone()).or_default();
                buf.extend_from_slice(&data);
                while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=pos).collect();
                    let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                    let _ = writeln!(out, "#{n} {t:.3} {text}");
                }
            }
        }
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Stream;
    use std::time::Duration;

    #[test]
    fn buildx_like_lines() {
        let p = PlainProgress::new(Vec::new());
        let ev = |e| p.event(e);
        ev(Event::Cached {
            id: "a".into(),
            name: "[1/2] FROM x".into(),
        });
        ev(Event::Started {
            id: "b".into(),
            name: "[2/2] RUN echo hi".into(),
        });
        ev(Event::Log {
            id: "b".into(),
            name: "".into(),
            stream: Stream::Stdout,
            data: b"hi\npart".to_vec(),
        });
        ev(Event::Done {
            id: "b".into(),
            name: "".into(),
            elapsed: Duration::from_millis(300),
        });
        let out = String::from_utf8(p.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "#1 [1/2] FROM x");
        assert_eq!(lines[1], "#1 CACHED");
        assert_eq!(lines[2], "");
        assert_eq!(lines[3], "#2 [2/2] RUN echo hi");
        assert!(
            lines[4].starts_with("#2 0.") && lines[4].ends_with(" hi"),
            "{}",
            lines[4]
        );
        assert!(lines[5].ends_with(" part"));
        assert_eq!(lines[6], "#2 DONE 0.3s");
    }
}
