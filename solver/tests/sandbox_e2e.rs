//! End-to-end solves with the real embedded sandbox and the local registry
//! (gated: root and RFRONT_TEST_REGISTRY, as ci/test.sh provides).

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use llb::pb;
use solver::export::ExportSpec;
use solver::sandbox::Executor;
use solver::sandbox::linux::NamespaceExecutor;
use solver::sandbox::runc::RuncExecutor;
use solver::{Ref, SecretSource};

fn registry() -> Option<String> {
    if !is_root() {
        eprintln!("skipped: needs root");
        return None;
    }
    match std::env::var("RFRONT_TEST_REGISTRY") {
        Ok(r) if !r.is_empty() => Some(r),
        _ => {
            eprintln!("skipped: RFRONT_TEST_REGISTRY not set");
            None
        }
    }
}

fn busybox(reg: &str) -> String {
    format!("{reg}/busybox:local")
}

fn sh(g: &mut Graph, root: &Out, cmd: &str, name: &str) -> Out {
    g.exec(Some(root), &["/bin/sh", "-c", cmd], vec![], name)
}

fn tree(r: &Ref) -> PathBuf {
    r.snapshot().expect("snapshot").dir.clone()
}

fn logs(env: &Env) -> String {
    String::from_utf8_lossy(&env.progress.logs()).into_owned()
}

fn embedded() -> Arc<dyn Executor> {
    Arc::new(NamespaceExecutor::new())
}

#[test]
fn pull_run_user_hostname_pid_namespace() {
    let Some(reg) = registry() else { return };
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = sh(
        &mut g,
        &img,
        "echo hello > /hello; echo pid=$$; hostname; id -u; ls /proc | grep -c '^[0-9]'",
        "RUN hello",
    );
    let b = g.exec_full(
        Some(&a),
        &["/bin/sh", "-c", "id -u > /tmp/whoami; pwd > /tmp/cwd"],
        vec![],
        "RUN as nobody",
        |e| {
            let m = e.meta.as_mut().unwrap();
            m.user = "nobody".into();
            m.cwd = "/tmp/work".into();
        },
    );
    let s = env.solver(env.opts(), embedded());
    let out = s.solve_bytes(&g.definition(&b)).unwrap();
    let t = tree(&out.result);
    assert_eq!(std::fs::read_to_string(t.join("hello")).unwrap(), "hello\n");
    assert_eq!(
        std::fs::read_to_string(t.join("tmp/whoami"))
            .unwrap()
            .trim(),
        "65534"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("tmp/cwd")).unwrap().trim(),
        "/tmp/work"
    );
    let l = logs(&env);
    assert!(l.contains("pid=1\n"), "{l}");
    assert!(l.contains("buildkitsandbox\n"), "{l}");
    // Only the sandbox's own processes are visible.
    let procs: usize = l
        .lines()
        .filter_map(|x| x.parse().ok())
        .rfind(|n: &usize| *n < 100)
        .unwrap_or(99);
    assert!(procs <= 4, "{l}");
    // No mount stubs left behind, /proc etc. exist in busybox anyway.
    assert!(!t.join("run/secrets").exists());
    // Rebuild: nothing runs.
    let out2 = env
        .solver(env.opts(), embedded())
        .solve_bytes(&g.definition(&b))
        .unwrap();
    assert!(out2.report.executed().is_empty(), "{:?}", out2.report);
}

#[test]
fn network_none_has_only_loopback() {
    let Some(reg) = registry() else { return };
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = g.exec_full(
        Some(&img),
        &["/bin/sh", "-c", "ls /sys/class/net > /ifaces"],
        vec![],
        "RUN none",
        |e| {
            e.network = pb::NetMode::None as i32;
        },
    );
    let out = env
        .solver(env.opts(), embedded())
        .solve_bytes(&g.definition(&a))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(tree(&out.result).join("ifaces"))
            .unwrap()
            .trim(),
        "lo"
    );
}

#[test]
fn mounts_cache_tmpfs_secret_bind() {
    let Some(reg) = registry() else { return };
    let env = Env::new();
    write(&env.context(), "data/input.txt", "from-context");
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let ctx = g.local("context");
    let cmd = "cat /run/secrets/tok > /dev/null && echo n=$(cat /cache/n 2>/dev/null) && echo x >> /cache/n; \
               cat /ctx/input.txt > /copied; df -t tmpfs /scratch | tail -1 > /tmpfs; touch /scratch/gone; \
               touch /ctx/x 2>/dev/null || echo ro > /ctx-ro; [ -e /run/secrets/tok ] && echo secret-ok > /secret-seen";
    let r = g.exec_full(
        Some(&img),
        &["/bin/sh", "-c", cmd],
        vec![
            (
                None,
                pb::Mount {
                    dest: "/cache".into(),
                    mount_type: pb::MountType::Cache as i32,
                    output: -1,
                    cache_opt: Some(pb::CacheOpt {
                        id: "c1".into(),
                        sharing: pb::CacheSharingOpt::Locked as i32,
                    }),
                    ..Default::default()
                },
            ),
            (
                Some(&ctx),
                pb::Mount {
                    dest: "/ctx".into(),
                    selector: "/data".into(),
                    readonly: true,
                    output: -1,
                    ..Default::default()
                },
            ),
            (
                None,
                pb::Mount {
                    dest: "/scratch".into(),
                    mount_type: pb::MountType::Tmpfs as i32,
                    output: -1,
                    tmpfs_opt: Some(pb::TmpfsOpt { size: 1 << 20 }),
                    ..Default::default()
                },
            ),
            (
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
            ),
        ],
        "RUN mounts",
        |_| {},
    );
    let mut o = env.opts();
    o.secrets
        .insert("tok".into(), SecretSource::Value(b"TOPSECRET-xyz".to_vec()));
    let out = env
        .solver(o.clone(), embedded())
        .solve_bytes(&g.definition(&r))
        .unwrap();
    let t = tree(&out.result);
    assert_eq!(
        std::fs::read_to_string(t.join("copied")).unwrap(),
        "from-context"
    );
    assert!(
        std::fs::read_to_string(t.join("tmpfs"))
            .unwrap()
            .contains("1024"),
        "tmpfs size"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("ctx-ro")).unwrap().trim(),
        "ro"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("secret-seen"))
            .unwrap()
            .trim(),
        "secret-ok"
    );
    assert!(
        !t.join("scratch/gone").exists() && !t.join("scratch").exists(),
        "tmpfs content and stub gone"
    );
    assert!(!t.join("run/secrets/tok").exists(), "secret stub removed");
    assert!(!t.join("cache").exists(), "cache mount stub removed");
    assert!(logs(&env).contains("n=\n"));
    // Second run (no cache for the step): the cache mount kept its content.
    let mut o2 = o.clone();
    o2.no_cache = true;
    env.solver(o2, embedded())
        .solve_bytes(&g.definition(&r))
        .unwrap();
    assert!(logs(&env).contains("n=x\n"), "{}", logs(&env));
    // The secret is nowhere in the cache directory.
    let out = std::process::Command::new("grep")
        .args(["-r", "-l", "TOPSECRET-xyz"])
        .arg(env.cache())
        .output()
        .unwrap();
    assert!(
        out.stdout.is_empty(),
        "secret found in {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn failed_run_reports_exit_code() {
    let Some(reg) = registry() else { return };
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = sh(&mut g, &img, "echo before-fail; exit 7", "[2/2] RUN exit 7");
    let err = env
        .solver(env.opts(), embedded())
        .solve_bytes(&g.definition(&a))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[2/2] RUN exit 7") && err.contains("exit code: 7"),
        "{err}"
    );
    assert!(logs(&env).contains("before-fail"));
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = g.exec(Some(&img), &["/does/not/exist"], vec![], "RUN missing");
    let err = env
        .solver(env.opts(), embedded())
        .solve_bytes(&g.definition(&a))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/does/not/exist"), "{err}");
}

#[test]
fn cdi_device_env_is_injected() {
    let Some(reg) = registry() else { return };
    let Ok(dev) = std::env::var("RFRONT_TEST_CDI_DEVICE") else {
        return;
    };
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = g.exec_full(
        Some(&img),
        &["/bin/sh", "-c", "env > /env"],
        vec![],
        "RUN --device",
        |e| {
            e.cdi_devices.push(pb::CdiDevice {
                name: dev.clone(),
                optional: false,
            });
        },
    );
    let out = env
        .solver(env.opts(), embedded())
        .solve_bytes(&g.definition(&a))
        .unwrap();
    let envs = std::fs::read_to_string(tree(&out.result).join("env")).unwrap();
    assert!(envs.contains("RFRONT_FAKE_DEVICE=dev0"), "{envs}");
}

#[test]
fn runc_runtime_runs_the_same_spec() {
    let Some(reg) = registry() else { return };
    if !std::path::Path::new("/usr/sbin/runc").exists() {
        return;
    }
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = g.exec_full(
        Some(&img),
        &[
            "/bin/sh",
            "-c",
            "echo via-runc > /tmp/r; id -u > /tmp/u; hostname",
        ],
        vec![],
        "RUN runc",
        |e| {
            e.meta.as_mut().unwrap().user = "nobody".into();
        },
    );
    let out = env
        .solver(env.opts(), Arc::new(RuncExecutor::new("/usr/sbin/runc")))
        .solve_bytes(&g.definition(&a))
        .unwrap();
    let t = tree(&out.result);
    assert_eq!(
        std::fs::read_to_string(t.join("tmp/r")).unwrap(),
        "via-runc\n"
    );
    assert_eq!(
        std::fs::read_to_string(t.join("tmp/u")).unwrap().trim(),
        "65534"
    );
    assert!(logs(&env).contains("buildkitsandbox"));
}

#[test]
fn docker_export_loads_and_runs() {
    let Some(reg) = registry() else { return };
    if std::env::var("RFRONT_TEST_DOCKER").ok().as_deref() != Some("1") {
        return;
    }
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = sh(&mut g, &img, "echo exported-ok > /msg", "RUN msg");
    let s = env.solver(env.opts(), embedded());
    let out = s.solve_bytes(&g.definition(&a)).unwrap();
    let dest = env.dir.path().join("img.tar");
    let name = format!("rfront-solver-test:{}", std::process::id());
    let cfg = br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["cat","/msg"]},"history":[{"created_by":"RUN msg","comment":"buildkit.dockerfile.v0"}]}"#;
    s.export(
        &out.result,
        &ExportSpec::Docker {
            dest: dest.clone(),
            name: Some(name.clone()),
            epoch: Some(0),
        },
        Some(cfg),
    )
    .unwrap();
    let load = std::process::Command::new("docker")
        .arg("load")
        .arg("-i")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(
        load.status.success(),
        "{}",
        String::from_utf8_lossy(&load.stderr)
    );
    let run = std::process::Command::new("docker")
        .args(["run", "--rm", &name])
        .output()
        .unwrap();
    let _ = std::process::Command::new("docker")
        .args(["rmi", "-f", &name])
        .output();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "exported-ok\n",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn oci_tar_and_local_exports() {
    let Some(reg) = registry() else { return };
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image(&busybox(&reg));
    let a = sh(&mut g, &img, "mkdir -p /out && echo x > /out/f", "RUN x");
    let s = env.solver(env.opts(), embedded());
    let out = s.solve_bytes(&g.definition(&a)).unwrap();
    let local = env.dir.path().join("local");
    s.export(
        &out.result,
        &ExportSpec::Local {
            dest: local.clone(),
        },
        None,
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(local.join("out/f")).unwrap(), "x\n");
    assert!(local.join("bin/busybox").exists());
    let tarf = env.dir.path().join("fs.tar");
    s.export(&out.result, &ExportSpec::Tar { dest: tarf.clone() }, None)
        .unwrap();
    let list = std::process::Command::new("tar")
        .arg("tf")
        .arg(&tarf)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&list.stdout)
            .lines()
            .any(|l| l == "out/f")
    );
    let oci = env.dir.path().join("oci.tar");
    s.export(
        &out.result,
        &ExportSpec::Oci {
            dest: oci.clone(),
            name: Some("x:1".into()),
            epoch: Some(0),
        },
        None,
    )
    .unwrap();
    let list = std::process::Command::new("tar")
        .arg("tf")
        .arg(&oci)
        .output()
        .unwrap();
    let names = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(
        names.contains("index.json") && names.contains("oci-layout"),
        "{names}"
    );
    // The base image's layer(s) plus one for the RUN.
    let chain = s
        .store()
        .layer_chain(out.result.snapshot().unwrap())
        .unwrap();
    assert!(chain.len() >= 2);
}
