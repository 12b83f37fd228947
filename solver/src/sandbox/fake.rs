//! A recording executor for tests: no namespaces, no mounts. It records
//! every [`ExecSpec`] and runs a script that may write into the root's
//! upper directory (as if the process had written through overlayfs).

use std::sync::Mutex;

use super::{ExecSpec, Executor, OutputFn, SandboxError, Stream};

/// What the script did.
#[derive(Debug, Clone, Default)]
pub struct FakeOutcome {
    /// Exit code.
    pub exit_code: i32,
    /// Bytes "printed" to stdout.
    pub stdout: Vec<u8>,
}

/// The script type: gets the spec, may write into `spec.rootfs.upper`.
pub type FakeScript = Box<dyn Fn(&ExecSpec) -> FakeOutcome + Send + Sync>;

/// An executor that records specs and runs a script.
pub struct FakeExecutor {
    calls: Mutex<Vec<ExecSpec>>,
    script: FakeScript,
}

impl FakeExecutor {
    /// A fake whose script is `script`.
    pub fn new(script: FakeScript) -> FakeExecutor {
        FakeExecutor {
            calls: Mutex::new(Vec::new()),
            script,
        }
    }

    /// A fake that understands a tiny command language in the last
    /// argument: `write PATH CONTENT` (relative to `/`), `fail N`,
    /// `echo TEXT`; anything else succeeds doing nothing.
    pub fn scripted() -> FakeExecutor {
        FakeExecutor::new(Box::new(|spec: &ExecSpec| {
            let cmd = spec.args.last().cloned().unwrap_or_default();
            let mut out = FakeOutcome::default();
            for part in cmd.split(';') {
                let words: Vec<&str> = part.split_whitespace().collect();
                match words.as_slice() {
                    ["write", path, content @ ..] => {
                        let p = spec.rootfs.upper.join(path.trim_start_matches('/'));
                        if let Some(parent) = p.parent() {
                            let _ = std::fs::create_dir_all(parent);
                        }
                        let _ = std::fs::write(p, content.join(" "));
                    }
                    ["fail", code] => {
                        out.exit_code = code.parse().unwrap_or(1);
                        return out;
                    }
                    ["echo", text @ ..] => {
                        out.stdout.extend_from_slice(text.join(" ").as_bytes());
                        out.stdout.push(b'\n');
                    }
                    _ => {}
                }
            }
            out
        }))
    }

    /// Every spec run so far.
    pub fn calls(&self) -> Vec<ExecSpec> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

impl Executor for FakeExecutor {
    fn run(&self, spec: &ExecSpec, output: OutputFn<'_>) -> Result<i32, SandboxError> {
        if let Ok(mut c) = self.calls.lock() {
            c.push(spec.clone());
        }
        let outcome = (self.script)(spec);
        if !outcome.stdout.is_empty() {
            output(Stream::Stdout, &outcome.stdout);
        }
        Ok(outcome.exit_code)
    }

    fn name(&self) -> &str {
        "fake"
    }
}
