//! A build SIGKILLed in the middle of a step leaves no process, no mount and
//! no corrupt cache entry: the rerun gives the right result, reusing what
//! finished before the kill (gated: root and RFRONT_TEST_REGISTRY).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use solver::sandbox::linux::NamespaceExecutor;

const MARK: &str = "rfront-sigkill-marker-5150";

fn graph(reg: &str) -> (Graph, Out) {
    let mut g = Graph::new();
    let img = g.image(&format!("{reg}/busybox:local"));
    let first = g.exec(
        Some(&img),
        &["/bin/sh", "-c", "echo first > /first"],
        vec![],
        "RUN first",
    );
    let slow = g.exec(
        Some(&first),
        &[
            "/bin/sh",
            "-c",
            &format!("echo {MARK} > /started; sleep 4; echo done > /done"),
        ],
        vec![],
        "RUN slow",
    );
    (g, slow)
}

/// Runs the build in a child process (re-executed test binary).
#[test]
fn sigkill_helper() {
    let (Ok(cache), Ok(reg)) = (
        std::env::var("RFRONT_SIGKILL_CACHE"),
        std::env::var("RFRONT_TEST_REGISTRY"),
    ) else {
        return;
    };
    let (g, root) = graph(&reg);
    let opts = solver::SolveOptions::new(cache);
    let s = solver::Solver::new(
        opts,
        Arc::new(NamespaceExecutor::new()),
        Arc::new(solver::progress::QuietProgress),
    )
    .unwrap();
    s.solve_bytes(&g.definition(&root)).unwrap();
}

fn mark_running() -> bool {
    std::process::Command::new("pgrep")
        .args(["-f", MARK])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false)
}

#[test]
fn sigkill_mid_build_then_rerun() {
    if !is_root() {
        return;
    }
    let Ok(reg) = std::env::var("RFRONT_TEST_REGISTRY") else {
        return;
    };
    let env = Env::new();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "sigkill_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RFRONT_SIGKILL_CACHE", env.cache())
        .spawn()
        .unwrap();
    // Wait until the slow step's process is running.
    let start = Instant::now();
    let mut seen = false;
    while start.elapsed() < Duration::from_secs(120) {
        if mark_running() {
            seen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(seen, "slow step never started");
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: signalling our own child by pid.
    unsafe {
        libc_kill(child.id() as i32, 9);
    }
    let status = child.wait().unwrap();
    assert!(!status.success());
    // The sandbox dies with it (PDEATHSIG) and leaves no mount behind.
    std::thread::sleep(Duration::from_millis(500));
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(
        !mounts.contains(env.cache().to_str().unwrap()),
        "leftover mount"
    );
    assert!(!mark_running(), "sandboxed process survived");

    // Rerun: the first step is reused, the killed one runs again, result right.
    let (g, root) = graph(&reg);
    let s = env.solver(env.opts(), Arc::new(NamespaceExecutor::new()));
    let out = s.solve_bytes(&g.definition(&root)).unwrap();
    assert_eq!(out.report.executed_names(), vec!["RUN slow"]);
    let t = out.result.snapshot().unwrap().dir.clone();
    assert_eq!(std::fs::read_to_string(t.join("first")).unwrap(), "first\n");
    assert_eq!(std::fs::read_to_string(t.join("done")).unwrap(), "done\n");
    // The killed build's scratch is gone.
    let tmp_entries: Vec<_> = std::fs::read_dir(env.cache().join("tmp"))
        .unwrap()
        .flatten()
        .collect();
    assert!(tmp_entries.len() <= 2, "{tmp_entries:?}");
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}
