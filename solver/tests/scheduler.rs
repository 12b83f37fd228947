//! Scheduler and cache behaviour with the recording fake executor (no root
//! needed): what runs, what is cached, invalidation, parallel branches,
//! --no-cache, ignore_cache, failures, secrets kept out of the cache.

mod common;

use std::sync::Arc;

use common::*;
use llb::pb;
use solver::sandbox::fake::FakeExecutor;
use solver::{Ref, SecretSource};

/// local → COPY a.txt → RUN (fake) writes /out
fn graph(cmd: &str) -> (Graph, Out) {
    let mut g = Graph::new();
    let ctx = g.local("context");
    let copied = g.file(
        &[&ctx],
        vec![copy_action("/a.txt", "/app/", 0, -1, 0)],
        "COPY a.txt /app/",
    );
    let run = g.exec(Some(&copied), &["/bin/sh", "-c", cmd], vec![], "RUN step");
    (g, run)
}

fn tree(r: &Ref) -> std::path::PathBuf {
    r.snapshot().expect("snapshot").dir.clone()
}

#[test]
fn cached_rebuild_runs_nothing_and_one_change_reruns_dependants_only() {
    let env = Env::new();
    write(&env.context(), "a.txt", "one");
    write(&env.context(), "b.txt", "unrelated");
    let (g, root) = graph("write /out hello");
    let def = g.definition(&root);

    let exec = Arc::new(FakeExecutor::scripted());
    let s = env.solver(env.opts(), exec.clone());
    let out = s.solve_bytes(&def).unwrap();
    assert_eq!(
        out.report.executed_names(),
        vec!["COPY a.txt /app/", "RUN step"]
    );
    let t = tree(&out.result);
    assert_eq!(std::fs::read_to_string(t.join("app/a.txt")).unwrap(), "one");
    assert_eq!(std::fs::read_to_string(t.join("out")).unwrap(), "hello");
    drop(s);

    // A new solver on the same cache dir (a restart): nothing runs.
    let s = env.solver(env.opts(), exec.clone());
    let out = s.solve_bytes(&def).unwrap();
    assert!(out.report.executed().is_empty(), "{:?}", out.report);
    assert_eq!(exec.calls().len(), 1);
    drop(s);

    // Changing a file the COPY does not read changes nothing.
    write(&env.context(), "b.txt", "changed");
    let s = env.solver(env.opts(), exec.clone());
    assert!(s.solve_bytes(&def).unwrap().report.executed().is_empty());
    drop(s);

    // Changing the copied file re-runs the copy and the RUN after it.
    write(&env.context(), "a.txt", "two");
    let s = env.solver(env.opts(), exec.clone());
    let out = s.solve_bytes(&def).unwrap();
    assert_eq!(
        out.report.executed_names(),
        vec!["COPY a.txt /app/", "RUN step"]
    );
    assert_eq!(
        std::fs::read_to_string(tree(&out.result).join("app/a.txt")).unwrap(),
        "two"
    );
}

#[test]
fn changing_a_command_reruns_only_that_step() {
    let env = Env::new();
    write(&env.context(), "a.txt", "one");
    let exec = Arc::new(FakeExecutor::scripted());
    let (g, root) = graph("write /out 1");
    env.solver(env.opts(), exec.clone())
        .solve_bytes(&g.definition(&root))
        .unwrap();
    let (g, root) = graph("write /out 2");
    let out = env
        .solver(env.opts(), exec.clone())
        .solve_bytes(&g.definition(&root))
        .unwrap();
    assert_eq!(out.report.executed_names(), vec!["RUN step"]);
    assert_eq!(
        std::fs::read_to_string(tree(&out.result).join("out")).unwrap(),
        "2"
    );
}

#[test]
fn no_cache_and_ignore_cache() {
    let env = Env::new();
    write(&env.context(), "a.txt", "one");
    let exec = Arc::new(FakeExecutor::scripted());
    let (g, root) = graph("write /out x");
    let def = g.definition(&root);
    env.solver(env.opts(), exec.clone())
        .solve_bytes(&def)
        .unwrap();
    let mut o = env.opts();
    o.no_cache = true;
    let out = env.solver(o, exec.clone()).solve_bytes(&def).unwrap();
    assert_eq!(out.report.executed().len(), 2);

    let (mut g, root) = graph("write /out x");
    g.ignore_cache(&root.0);
    let out = env
        .solver(env.opts(), exec.clone())
        .solve_bytes(&g.definition(&root))
        .unwrap();
    assert_eq!(out.report.executed_names(), vec!["RUN step"]);
}

#[test]
fn independent_branches_all_run_and_merge() {
    let env = Env::new();
    let exec = Arc::new(FakeExecutor::scripted());
    let mut g = Graph::new();
    let a = g.exec(None, &["x", "write /a A"], vec![], "A");
    let b = g.exec(None, &["x", "write /b B"], vec![], "B");
    let c = g.exec(None, &["x", "write /c C"], vec![], "C");
    let m = g.merge(&[&a, &b, &c]);
    let out = env
        .solver(env.opts(), exec.clone())
        .solve_bytes(&g.definition(&m))
        .unwrap();
    let mut names = out.report.executed_names();
    names.sort();
    assert_eq!(names, vec!["A", "B", "C", "merge"]);
    let t = tree(&out.result);
    for (f, v) in [("a", "A"), ("b", "B"), ("c", "C")] {
        assert_eq!(std::fs::read_to_string(t.join(f)).unwrap(), v);
    }
}

#[test]
fn failing_step_reports_exit_code_and_name() {
    let env = Env::new();
    let exec = Arc::new(FakeExecutor::scripted());
    let mut g = Graph::new();
    let a = g.exec(None, &["/bin/sh", "-c", "fail 3"], vec![], "[2/3] RUN fail");
    let err = env
        .solver(env.opts(), exec)
        .solve_bytes(&g.definition(&a))
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("[2/3] RUN fail"), "{msg}");
    assert!(
        msg.contains("process \"/bin/sh -c fail 3\" did not complete successfully: exit code: 3"),
        "{msg}"
    );
}

#[test]
fn exec_spec_has_user_env_cwd_and_network() {
    let env = Env::new();
    let exec = Arc::new(FakeExecutor::scripted());
    let mut g = Graph::new();
    let base = g.file(
        &[],
        vec![
            action(-1, -1, -1, mkdir("/etc", 0o755, false)),
            action(
                0,
                -1,
                0,
                mkfile(
                    "/etc/passwd",
                    "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
                    0o644,
                ),
            ),
        ],
        "base",
    );
    let r = g.exec_full(Some(&base), &["run"], vec![], "RUN", |e| {
        let m = e.meta.as_mut().unwrap();
        m.user = "app".into();
        m.cwd = "/work".into();
        m.hostname = "myhost".into();
        m.env = vec!["A=1".into()];
        e.network = pb::NetMode::None as i32;
    });
    env.solver(env.opts(), exec.clone())
        .solve_bytes(&g.definition(&r))
        .unwrap();
    let spec = &exec.calls()[0];
    assert_eq!((spec.uid, spec.gid), (1000, 1000));
    assert_eq!(spec.cwd, "/work");
    assert_eq!(spec.hostname, "myhost");
    assert_eq!(spec.network, solver::sandbox::Network::None);
    assert!(spec.env.contains(&"A=1".to_string()));
    assert!(spec.env.iter().any(|e| e.starts_with("PATH=")));
    assert!(spec.env.contains(&"HOME=/home/app".to_string()));
    // /etc/hosts is missing in this root: a stub removed after the run.
    assert!(spec.stubs.iter().any(|(p, d)| p == "etc/hosts" && !*d));
}

#[test]
fn secrets_never_reach_cache_or_logs() {
    let env = Env::new();
    let secret = "s3cr3t-VALUE-42";
    let exec = Arc::new(FakeExecutor::new(Box::new(|spec| {
        // The secret file is mounted; pretend the process copied nothing.
        let m = spec
            .mounts
            .iter()
            .find(|m| m.dest == "/run/secrets/tok")
            .expect("secret mount");
        if let solver::sandbox::MountKind::Bind { src, readonly } = &m.kind {
            assert!(readonly);
            assert_eq!(std::fs::read_to_string(src).unwrap(), "s3cr3t-VALUE-42");
        }
        assert!(spec.env.contains(&"TOKEN=s3cr3t-VALUE-42".to_string()));
        std::fs::write(spec.rootfs.upper.join("done"), "ok").unwrap();
        solver::sandbox::fake::FakeOutcome::default()
    })));
    let mut g = Graph::new();
    let r = g.exec_full(
        None,
        &["x"],
        vec![(
            None,
            pb::Mount {
                dest: "/run/secrets/tok".into(),
                mount_type: pb::MountType::Secret as i32,
                output: -1,
                secret_opt: Some(pb::SecretOpt {
                    id: "tok".into(),
                    mode: 0o400,
                    ..Default::default()
                }),
                ..Default::default()
            },
        )],
        "RUN --mount=type=secret",
        |e| {
            e.secretenv.push(pb::SecretEnv {
                id: "tok".into(),
                name: "TOKEN".into(),
                optional: false,
            })
        },
    );
    let mut o = env.opts();
    o.secrets.insert(
        "tok".into(),
        SecretSource::Value(secret.as_bytes().to_vec()),
    );
    let s = env.solver(o, exec.clone());
    let out = s.solve_bytes(&g.definition(&r)).unwrap();
    assert_eq!(out.report.executed().len(), 1);
    // Nowhere in the cache dir (snapshots, keys, layers).
    s.store()
        .layer_chain(out.result.snapshot().unwrap())
        .unwrap();
    let mut hits = Vec::new();
    grep_tree(&env.cache(), secret.as_bytes(), &mut hits);
    assert!(hits.is_empty(), "secret found in {hits:?}");
    assert!(!String::from_utf8_lossy(&env.progress.logs()).contains(secret));
    // The mount stub for the secret does not stay in the result.
    assert!(!tree(&out.result).join("run").exists());
    // A missing required secret is an error naming it (when the step runs;
    // like BuildKit, the secret is not part of the cache key).
    let mut o = env.opts();
    o.no_cache = true;
    let err = env
        .solver(o, exec)
        .solve_bytes(&g.definition(&r))
        .unwrap_err();
    assert!(err.to_string().contains("secret tok: not found"), "{err}");
}

fn grep_tree(dir: &std::path::Path, needle: &[u8], hits: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let m = std::fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            grep_tree(&p, needle, hits);
        } else if m.is_file() {
            let data = std::fs::read(&p).unwrap_or_default();
            if data.windows(needle.len()).any(|w| w == needle) {
                hits.push(p);
            }
        }
    }
}

#[test]
fn two_solvers_on_one_cache_dir_concurrently() {
    let env = Env::new();
    write(&env.context(), "a.txt", "one");
    let exec = Arc::new(FakeExecutor::new(Box::new(|spec| {
        std::thread::sleep(std::time::Duration::from_millis(200));
        std::fs::write(spec.rootfs.upper.join("out"), "x").unwrap();
        Default::default()
    })));
    let (g, root) = graph("whatever");
    let def = g.definition(&root);
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let def = def.clone();
            let opts = env.opts();
            let exec = exec.clone();
            std::thread::spawn(move || {
                let s = solver::Solver::new(opts, exec, Arc::new(solver::progress::QuietProgress))
                    .unwrap();
                s.solve_bytes(&def).unwrap().report
            })
        })
        .collect();
    let reports: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // The RUN ran exactly once across both builds.
    assert_eq!(exec.calls().len(), 1);
    let runs: usize = reports
        .iter()
        .map(|r| {
            r.executed_names()
                .iter()
                .filter(|n| *n == "RUN step")
                .count()
        })
        .sum();
    assert_eq!(runs, 1);
}

#[test]
fn file_op_chain_mkdir_mkfile_rm_symlink_and_outputs() {
    let env = Env::new();
    let exec = Arc::new(FakeExecutor::scripted());
    let mut g = Graph::new();
    let f = g.file(
        &[],
        vec![
            action(-1, -1, -1, mkdir("/a/b", 0o750, true)),
            action(0, -1, -1, mkfile("/a/b/f", "data", 0o640)),
            action(1, -1, -1, mkfile("/a/gone", "x", 0o644)),
            action(
                2,
                -1,
                -1,
                pb::file_action::Action::Rm(pb::FileActionRm {
                    path: "/a/gone".into(),
                    allow_not_found: false,
                    allow_wildcard: false,
                }),
            ),
            action(
                3,
                -1,
                0,
                pb::file_action::Action::Symlink(pb::FileActionSymlink {
                    oldpath: "b/f".into(),
                    newpath: "/a/link".into(),
                    owner: None,
                    timestamp: -1,
                }),
            ),
        ],
        "files",
    );
    let out = env
        .solver(env.opts(), exec)
        .solve_bytes(&g.definition(&f))
        .unwrap();
    let t = tree(&out.result);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(t.join("a/b")).unwrap().mode() & 0o777,
        0o750
    );
    assert_eq!(
        std::fs::metadata(t.join("a/b/f")).unwrap().mode() & 0o777,
        0o640
    );
    assert!(!t.join("a/gone").exists());
    assert_eq!(std::fs::read_to_string(t.join("a/link")).unwrap(), "data");
}

#[test]
fn diff_and_merge_layers() {
    let env = Env::new();
    let exec = Arc::new(FakeExecutor::scripted());
    let mut g = Graph::new();
    let base = g.exec(None, &["x", "write /base B"], vec![], "base");
    let up = g.exec(Some(&base), &["x", "write /new N"], vec![], "up");
    let d = g.diff(&base, &up);
    let other = g.exec(None, &["x", "write /other O"], vec![], "other");
    let m = g.merge(&[&other, &d]);
    let s = env.solver(env.opts(), exec);
    let out = s.solve_bytes(&g.definition(&m)).unwrap();
    let t = tree(&out.result);
    assert!(t.join("other").exists());
    assert!(t.join("new").exists());
    assert!(!t.join("base").exists(), "diff drops the lower's content");
    let chain = s
        .store()
        .layer_chain(out.result.snapshot().unwrap())
        .unwrap();
    assert_eq!(chain.len(), 2, "other's layer + the diff's layer");
}

#[test]
fn cached_result_survives_restart_and_sigkill_leftovers_are_cleaned() {
    let env = Env::new();
    let exec = Arc::new(FakeExecutor::scripted());
    let mut g = Graph::new();
    let a = g.exec(None, &["x", "write /f 1"], vec![], "A");
    env.solver(env.opts(), exec.clone())
        .solve_bytes(&g.definition(&a))
        .unwrap();
    // Simulate what a SIGKILLed build leaves: a scratch dir with an unheld lock
    // and a half-written temp record next to the real ones.
    let stale = env.cache().join("tmp/424242-dead");
    std::fs::create_dir_all(stale.join("0-snap/fs")).unwrap();
    std::fs::write(env.cache().join("tmp/424242-dead.lock"), "").unwrap();
    let keys = env.cache().join("keys");
    let sub = std::fs::read_dir(&keys)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(sub.join(".tmp-deadbeef"), "{\"outp").unwrap();
    let out = env
        .solver(env.opts(), exec.clone())
        .solve_bytes(&g.definition(&a))
        .unwrap();
    assert!(out.report.executed().is_empty());
    assert!(!stale.exists());
}
