//! `rfront build` against `docker buildx build` on the same Dockerfiles
//! (tests/build_cases/<case>/, `FROM BASE` replaced by each builder's base
//! image): the exported filesystems must be equal (names, types, contents,
//! modes, owners, link targets). Gated on root, RFRONT_TEST_DOCKER=1 and
//! RFRONT_TEST_REGISTRY; cases the compiler cannot compile yet are skipped
//! with a note.
#![cfg(feature = "solver")]

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn gated() -> Option<(String, String)> {
    // SAFETY: getuid has no preconditions.
    if unsafe { getuid() } != 0 || std::env::var("RFRONT_TEST_DOCKER").ok().as_deref() != Some("1")
    {
        eprintln!("skipped: needs root and RFRONT_TEST_DOCKER=1");
        return None;
    }
    let reg = std::env::var("RFRONT_TEST_REGISTRY")
        .ok()
        .filter(|r| !r.is_empty())?;
    let base = std::env::var("RFRONT_TEST_BASE_IMAGE").unwrap_or_else(|_| "busybox:local".into());
    Some((reg, base))
}

unsafe extern "C" {
    fn getuid() -> u32;
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/build_cases")
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let p = e.path();
        let t = dst.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

fn prepare(case: &Path, into: &Path, base: &str) {
    copy_dir(case, into);
    let df = std::fs::read_to_string(case.join("Dockerfile")).unwrap();
    std::fs::write(
        into.join("Dockerfile"),
        df.replace("FROM BASE", &format!("FROM {base}")),
    )
    .unwrap();
}

/// name → (kind, mode, uid, gid, content or link target)
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for p in names {
        let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let m = std::fs::symlink_metadata(&p).unwrap();
        let ft = m.file_type();
        let detail = if ft.is_symlink() {
            format!("link {}", std::fs::read_link(&p).unwrap().display())
        } else if ft.is_file() {
            let data = std::fs::read(&p).unwrap();
            format!(
                "file {:o} {}:{} {}",
                m.mode() & 0o7777,
                m.uid(),
                m.gid(),
                String::from_utf8_lossy(&data)
            )
        } else if ft.is_dir() {
            format!("dir {:o} {}:{}", m.mode() & 0o7777, m.uid(), m.gid())
        } else {
            format!("other {:o}", m.mode())
        };
        out.insert(rel, detail);
        if ft.is_dir() {
            walk(root, &p, out);
        }
    }
}

#[test]
fn rfront_build_matches_buildx() {
    let Some((reg, base)) = gated() else { return };
    let tmp = tempfile_dir();
    let cache = tmp.join("cache");
    let mut compared = 0;
    let mut names: Vec<_> = std::fs::read_dir(cases_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for case in names {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let r_ctx = tmp.join(format!("{name}-rfront"));
        let b_ctx = tmp.join(format!("{name}-buildx"));
        prepare(&case, &r_ctx, &format!("{reg}/busybox:local"));
        prepare(&case, &b_ctx, &base);
        let r_out = tmp.join(format!("{name}-rfront-out"));
        let b_out = tmp.join(format!("{name}-buildx-out"));
        let r = Command::new(env!("CARGO_BIN_EXE_rfront"))
            .args(["build", "--progress", "plain", "--cache-dir"])
            .arg(&cache)
            .arg("-o")
            .arg(format!("type=local,dest={}", r_out.display()))
            .arg(&r_ctx)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&r.stderr);
        if !r.status.success() && stderr.contains("not implemented") {
            eprintln!("{name}: skipped, compiler: {}", stderr.trim());
            continue;
        }
        assert!(r.status.success(), "{name}: rfront build failed:\n{stderr}");
        let b = Command::new("docker")
            .args(["buildx", "build", "--progress", "plain", "-o"])
            .arg(format!("type=local,dest={}", b_out.display()))
            .arg(&b_ctx)
            .output()
            .unwrap();
        assert!(
            b.status.success(),
            "{name}: buildx failed:\n{}",
            String::from_utf8_lossy(&b.stderr)
        );
        let (rs, bs) = (snapshot(&r_out), snapshot(&b_out));
        let mut diffs = Vec::new();
        for k in rs
            .keys()
            .chain(bs.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            if rs.get(k) != bs.get(k) {
                diffs.push(format!(
                    "{k}:\n  rfront: {:?}\n  buildx: {:?}",
                    rs.get(k),
                    bs.get(k)
                ));
            }
        }
        assert!(
            diffs.is_empty(),
            "{name}: exported trees differ:\n{}",
            diffs.join("\n")
        );
        compared += 1;
    }
    eprintln!("compared {compared} cases with buildx");
    assert!(compared >= 2, "at least the RUN-only cases must compile");
}

fn tempfile_dir() -> PathBuf {
    let p = std::env::temp_dir().join(format!("rfront-build-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[test]
fn secrets_stay_out_of_image_cache_and_logs() {
    let Some((reg, _)) = gated() else { return };
    let tmp = tempfile_dir().join("secret");
    std::fs::create_dir_all(&tmp).unwrap();
    let value = "rfront-cli-secret-0xC0FFEE";
    std::fs::write(tmp.join("secret.txt"), value).unwrap();
    std::fs::write(
        tmp.join("Dockerfile"),
        format!(
            "FROM {reg}/busybox:local\nRUN --mount=type=secret,id=tok wc -c /run/secrets/tok && cp /run/secrets/tok /tmp/leak-check && rm /tmp/leak-check\nRUN --mount=type=secret,id=tok,env=TOK echo env-len=${{#TOK}}\n"
        ),
    )
    .unwrap();
    let cache = tmp.join("cache");
    let image = tmp.join("image.tar");
    let out = Command::new(env!("CARGO_BIN_EXE_rfront"))
        .args(["build", "--progress", "plain", "--cache-dir"])
        .arg(&cache)
        .arg("--secret")
        .arg(format!("id=tok,src={}", tmp.join("secret.txt").display()))
        .arg("-o")
        .arg(format!(
            "type=docker,dest={},name=rfront-secret-test:1",
            image.display()
        ))
        .arg(&tmp)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("not implemented") {
        eprintln!("skipped, compiler: {}", stderr.trim());
        return;
    }
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("env-len={}", value.len())),
        "{stderr}"
    );
    assert!(!stderr.contains(value), "secret in the progress log");
    // Nowhere in the cache directory nor in the image (layers are gzip: unpack them).
    let grep = Command::new("grep")
        .args(["-r", "-l", value])
        .arg(&cache)
        .output()
        .unwrap();
    assert!(
        grep.stdout.is_empty(),
        "secret in cache: {}",
        String::from_utf8_lossy(&grep.stdout)
    );
    let unpacked = tmp.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    assert!(
        Command::new("tar")
            .arg("xf")
            .arg(&image)
            .arg("-C")
            .arg(&unpacked)
            .status()
            .unwrap()
            .success()
    );
    let zgrep = Command::new("sh")
        .arg("-c")
        .arg(format!("for f in {}/blobs/sha256/*; do (gzip -dc \"$f\" 2>/dev/null || cat \"$f\") | grep -c {value}; done", unpacked.display()))
        .output()
        .unwrap();
    let counts = String::from_utf8_lossy(&zgrep.stdout);
    assert!(
        counts.lines().all(|c| c.trim() == "0"),
        "secret in image: {counts}"
    );
}
