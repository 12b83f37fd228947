//! Sources other than local: OCI layout (round trip through the OCI
//! exporter), git (a local repository through the git CLI), http(s) with
//! checksum (a loopback server), and registry mirrors (gated).

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use common::*;
use solver::export::ExportSpec;
use solver::sandbox::fake::FakeExecutor;

fn fake() -> Arc<FakeExecutor> {
    Arc::new(FakeExecutor::scripted())
}

#[test]
fn oci_layout_round_trip() {
    let env = Env::new();
    let mut g = Graph::new();
    let f = g.file(
        &[],
        vec![
            action(-1, -1, -1, mkdir("/data", 0o755, false)),
            action(0, -1, 0, mkfile("/data/hello", "from-oci", 0o644)),
        ],
        "files",
    );
    let s = env.solver(env.opts(), fake());
    let out = s.solve_bytes(&g.definition(&f)).unwrap();
    let tarball = env.dir.path().join("img.tar");
    s.export(
        &out.result,
        &ExportSpec::Oci {
            dest: tarball.clone(),
            name: Some("x:1".into()),
            epoch: Some(0),
        },
        None,
    )
    .unwrap();
    let layout = env.dir.path().join("layout");
    tar::Archive::new(std::fs::File::open(&tarball).unwrap())
        .unpack(&layout)
        .unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    drop(s);

    let mut g = Graph::new();
    let src = g.source(&format!("oci-layout://store@{digest}"), &[], "FROM oci");
    let mut o = env.opts();
    o.oci_layouts.insert("store".into(), layout.clone());
    let out = env
        .solver(o, fake())
        .solve_bytes(&g.definition(&src))
        .unwrap();
    let t = out.result.snapshot().unwrap().dir.clone();
    assert_eq!(
        std::fs::read_to_string(t.join("data/hello")).unwrap(),
        "from-oci"
    );
}

#[test]
fn git_source_from_local_repository() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        return;
    }
    let env = Env::new();
    let repo = env.dir.path().join("repo");
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    std::fs::write(repo.join("sub/file"), "v1").unwrap();
    std::fs::write(repo.join("top"), "t").unwrap();
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&repo)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    git(&["tag", "v1"]);
    let url = format!("file://{}", repo.display());
    let mut g = Graph::new();
    let src = g.source(
        "git://example.invalid/repo#v1:sub",
        &[("git.fullurl", &url)],
        "git",
    );
    let s = env.solver(env.opts(), fake());
    let out = s.solve_bytes(&g.definition(&src)).unwrap();
    let t = out.result.snapshot().unwrap().dir.clone();
    assert_eq!(std::fs::read_to_string(t.join("file")).unwrap(), "v1");
    assert!(!t.join("top").exists() && !t.join(".git").exists());
    drop(s);
    // Same tag, same commit: cached. A new commit on a branch ref re-fetches.
    let out = env
        .solver(env.opts(), fake())
        .solve_bytes(&g.definition(&src))
        .unwrap();
    assert!(out.report.executed().is_empty());
    std::fs::write(repo.join("sub/file"), "v2").unwrap();
    git(&["commit", "-qam", "two"]);
    let mut g = Graph::new();
    let src = g.source(
        "git://example.invalid/repo#main:sub",
        &[("git.fullurl", &url)],
        "git",
    );
    let out = env
        .solver(env.opts(), fake())
        .solve_bytes(&g.definition(&src))
        .unwrap();
    let t = out.result.snapshot().unwrap().dir.clone();
    assert_eq!(std::fs::read_to_string(t.join("file")).unwrap(), "v2");
}

/// Serves `body` to every request on a loopback port; returns the URL base.
fn serve(body: &'static [u8], hits: Arc<std::sync::atomic::AtomicUsize>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming().take(20) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nLast-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body);
        }
    });
    format!("http://{addr}")
}

#[test]
fn http_source_with_checksum_filename_perm() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let base = serve(b"payload", hits.clone());
    let sum = "sha256:239f59ed55e737c77147cf55ad0c1b030b6d7ee748a7426952f9b852d5a935e5";
    let mut g = Graph::new();
    let src = g.source(
        &format!("{base}/dl/file.bin"),
        &[
            ("http.checksum", sum),
            ("http.filename", "renamed"),
            ("http.perm", "0755"),
        ],
        "ADD url",
    );
    let s = env.solver(env.opts(), fake());
    let out = s.solve_bytes(&g.definition(&src)).unwrap();
    let t = out.result.snapshot().unwrap().dir.clone();
    assert_eq!(
        std::fs::read_to_string(t.join("renamed")).unwrap(),
        "payload"
    );
    let m = std::fs::metadata(t.join("renamed")).unwrap();
    assert_eq!(m.mode() & 0o777, 0o755);
    assert_eq!(m.mtime(), 1445412480);
    drop(s);
    // With a checksum the key needs no download: a rebuild makes no request.
    let before = hits.load(std::sync::atomic::Ordering::SeqCst);
    let out = env
        .solver(env.opts(), fake())
        .solve_bytes(&g.definition(&src))
        .unwrap();
    assert!(out.report.executed().is_empty());
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), before);
    // A wrong checksum fails.
    let mut g = Graph::new();
    let bad = format!("sha256:{}", "0".repeat(64));
    let src = g.source(&format!("{base}/x"), &[("http.checksum", &bad)], "ADD url");
    let err = env
        .solver(env.opts(), fake())
        .solve_bytes(&g.definition(&src))
        .unwrap_err();
    assert!(err.to_string().contains("digest mismatch"), "{err}");
}

#[test]
fn registry_mirror_for_docker_hub_names() {
    let Ok(reg) = std::env::var("RFRONT_TEST_REGISTRY") else {
        return;
    };
    if std::env::var("RFRONT_TEST_DOCKER").ok().as_deref() != Some("1") {
        return;
    }
    // A Docker Hub mirror serves `library/<name>`: publish busybox:local that way.
    let base = std::env::var("RFRONT_TEST_BASE_IMAGE").unwrap_or_else(|_| "busybox:local".into());
    let mirrored = format!("{reg}/library/busybox:local");
    for args in [
        vec!["tag", base.as_str(), mirrored.as_str()],
        vec!["push", "-q", mirrored.as_str()],
    ] {
        let o = std::process::Command::new("docker")
            .args(&args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let env = Env::new();
    let mut g = Graph::new();
    let img = g.image("busybox:local");
    let mut o = env.opts();
    o.registry
        .mirrors
        .insert("docker.io".into(), vec![format!("http://{reg}")]);
    let out = env
        .solver(o, fake())
        .solve_bytes(&g.definition(&img))
        .unwrap();
    assert!(
        out.result
            .snapshot()
            .unwrap()
            .dir
            .join("bin/busybox")
            .exists()
    );
}
