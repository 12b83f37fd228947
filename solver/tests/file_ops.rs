//! FileOp copy flags and path safety, solved through the public API (no
//! process runs; the fake executor is never called).

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use llb::pb;
use llb::pb::file_action::Action;
use solver::sandbox::fake::FakeExecutor;

struct Case {
    env: Env,
}

impl Case {
    fn new() -> Case {
        let env = Env::new();
        let c = env.context();
        write(&c, "a.txt", "A");
        write(&c, "b.txt", "B");
        write(&c, "c.log", "C");
        write(&c, "dir/x.txt", "X");
        write(&c, "dir/sub/y.txt", "Y");
        write(&c, "dir/sub/z.log", "Z");
        std::os::unix::fs::symlink("a.txt", c.join("link-to-a")).unwrap();
        std::os::unix::fs::symlink("dir", c.join("link-to-dir")).unwrap();
        Case { env }
    }

    /// Copies from the context onto a base with /etc/passwd, returns the tree.
    fn copy(&self, cp: pb::FileActionCopy) -> Result<PathBuf, String> {
        let mut g = Graph::new();
        let ctx = g.local("context");
        let base = g.file(
            &[],
            vec![
                action(-1, -1, -1, mkdir("/etc", 0o755, false)),
                action(
                    0,
                    -1,
                    -1,
                    mkfile(
                        "/etc/passwd",
                        "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
                        0o644,
                    ),
                ),
                action(
                    1,
                    -1,
                    -1,
                    mkfile("/etc/group", "root:x:0:\nstaff:x:50:\n", 0o644),
                ),
                action(2, -1, -1, mkdir("/existing", 0o700, false)),
                action(3, -1, 0, mkfile("/existing/file", "old", 0o600)),
            ],
            "base",
        );
        let f = g.file(
            &[&base, &ctx],
            vec![action(0, 1, 0, Action::Copy(cp))],
            "COPY",
        );
        let s = self
            .env
            .solver(self.env.opts(), Arc::new(FakeExecutor::scripted()));
        let out = s
            .solve_bytes(&g.definition(&f))
            .map_err(|e| e.to_string())?;
        Ok(out.result.snapshot().unwrap().dir.clone())
    }
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn mode(p: PathBuf) -> u32 {
    std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

#[test]
fn dir_contents_vs_dir_itself() {
    let c = Case::new();
    let t = c.copy(copy("/dir", "/out")).unwrap();
    assert_eq!(read(t.join("out/x.txt")), "X");
    assert_eq!(read(t.join("out/sub/y.txt")), "Y");
    let mut cp = copy("/dir", "/existing");
    cp.dir_copy_contents = false;
    let t = c.copy(cp).unwrap();
    assert_eq!(read(t.join("existing/dir/x.txt")), "X");
}

#[test]
fn file_into_dir_or_as_name() {
    let c = Case::new();
    let t = c.copy(copy("/a.txt", "/new/")).unwrap();
    assert_eq!(read(t.join("new/a.txt")), "A");
    let t = c.copy(copy("/a.txt", "/renamed")).unwrap();
    assert_eq!(read(t.join("renamed")), "A");
    let t = c.copy(copy("/a.txt", "/existing")).unwrap();
    assert_eq!(read(t.join("existing/a.txt")), "A");
    assert_eq!(read(t.join("existing/file")), "old");
}

#[test]
fn wildcards() {
    let c = Case::new();
    let t = c.copy(copy("/*.txt", "/w/")).unwrap();
    assert_eq!(read(t.join("w/a.txt")), "A");
    assert_eq!(read(t.join("w/b.txt")), "B");
    assert!(!t.join("w/c.log").exists());
    let t = c.copy(copy("/nomatch*", "/w/")).unwrap();
    assert!(!t.join("w").exists());
    let mut cp = copy("/nomatch*", "/w/");
    cp.allow_empty_wildcard = false;
    assert!(c.copy(cp).unwrap_err().contains("not found"));
    let err = c.copy(copy("/missing.txt", "/w/")).unwrap_err();
    assert!(err.contains("\"/missing.txt\": not found"), "{err}");
}

#[test]
fn create_dest_path_off_needs_parent() {
    let c = Case::new();
    let mut cp = copy("/a.txt", "/no/such/dir/a.txt");
    cp.create_dest_path = false;
    assert!(c.copy(cp).unwrap_err().contains("failed to stat"));
}

#[test]
fn include_exclude_and_parents() {
    let c = Case::new();
    let mut cp = copy("/dir", "/inc");
    cp.exclude_patterns = vec!["**/*.log".into()];
    let t = c.copy(cp).unwrap();
    assert!(t.join("inc/sub/y.txt").exists());
    assert!(!t.join("inc/sub/z.log").exists());
    // COPY --parents ./dir/**/y.txt /p/  →  src "/", include "dir/**/y.txt"
    let mut cp = copy("/", "/p/");
    cp.include_patterns = vec!["dir/**/y.txt".into()];
    let t = c.copy(cp).unwrap();
    assert_eq!(read(t.join("p/dir/sub/y.txt")), "Y");
    assert!(!t.join("p/dir/x.txt").exists());
    assert!(!t.join("p/a.txt").exists());
    let mut cp = copy("/", "/p/");
    cp.required_paths = vec!["/nope".into()];
    assert!(c.copy(cp).unwrap_err().contains("not found"));
}

#[test]
fn numeric_and_symbolic_modes() {
    let c = Case::new();
    let mut cp = copy("/dir", "/m");
    cp.mode = 0o751;
    let t = c.copy(cp).unwrap();
    assert_eq!(mode(t.join("m/x.txt")), 0o751);
    assert_eq!(mode(t.join("m/sub")), 0o751);
    let mut cp = copy("/dir", "/s");
    cp.mode_str = "u=rwX,go=rX".into();
    cp.mode = 0; // ignored when a symbolic mode is given
    let t = c.copy(cp).unwrap();
    assert_eq!(mode(t.join("s/x.txt")), 0o644);
    assert_eq!(mode(t.join("s/sub")), 0o755);
    assert_eq!(
        mode(t.join("s")),
        0o755,
        "the created destination keeps 0755"
    );
    let mut cp = copy("/a.txt", "/bad");
    cp.mode_str = "u+q".into();
    assert!(c.copy(cp).unwrap_err().contains("invalid mode"));
}

#[test]
fn owners_by_id_and_name_and_default_root() {
    if !is_root() {
        return;
    }
    let c = Case::new();
    let t = c.copy(copy("/a.txt", "/def")).unwrap();
    let m = std::fs::metadata(t.join("def")).unwrap();
    assert_eq!(
        (m.uid(), m.gid()),
        (0, 0),
        "context files are owned by root"
    );
    let mut cp = copy("/dir", "/own");
    cp.owner = Some(pb::ChownOpt {
        user: Some(pb::UserOpt {
            user: Some(pb::user_opt::User::ByName(pb::NamedUserOpt {
                name: "app".into(),
                input: 0,
            })),
        }),
        group: Some(pb::UserOpt {
            user: Some(pb::user_opt::User::ByName(pb::NamedUserOpt {
                name: "staff".into(),
                input: 0,
            })),
        }),
    });
    let t = c.copy(cp).unwrap();
    for p in ["own", "own/x.txt", "own/sub/y.txt"] {
        let m = std::fs::metadata(t.join(p)).unwrap();
        assert_eq!((m.uid(), m.gid()), (1000, 50), "{p}");
    }
    let mut cp = copy("/a.txt", "/byid/");
    cp.owner = Some(pb::ChownOpt {
        user: Some(pb::UserOpt {
            user: Some(pb::user_opt::User::ById(42)),
        }),
        group: None,
    });
    let t = c.copy(cp).unwrap();
    let m = std::fs::metadata(t.join("byid/a.txt")).unwrap();
    assert_eq!((m.uid(), m.gid()), (42, 42));
    let m = std::fs::metadata(t.join("byid")).unwrap();
    assert_eq!(
        (m.uid(), m.gid()),
        (42, 42),
        "created dest dir gets the owner"
    );
}

#[test]
fn timestamps_and_symlinks() {
    let c = Case::new();
    let mut cp = copy("/dir", "/ts");
    cp.timestamp = 1_000_000_000 * 1_000_000_000;
    let t = c.copy(cp).unwrap();
    for p in ["ts", "ts/x.txt", "ts/sub"] {
        assert_eq!(
            std::fs::symlink_metadata(t.join(p)).unwrap().mtime(),
            1_000_000_000,
            "{p}"
        );
    }
    let t = c.copy(copy("/link-to-a", "/followed")).unwrap();
    assert!(
        std::fs::symlink_metadata(t.join("followed"))
            .unwrap()
            .is_file()
    );
    let mut cp = copy("/link-to-a", "/kept");
    cp.follow_symlink = false;
    let t = c.copy(cp).unwrap();
    assert_eq!(
        std::fs::read_link(t.join("kept")).unwrap(),
        PathBuf::from("a.txt")
    );
}

#[test]
fn always_replace_existing_paths() {
    let c = Case::new();
    // /existing/file is a file; copying a directory named "file" over it.
    write(&c.env.context(), "src/file/inner", "I");
    let mut cp = copy("/src", "/existing");
    cp.always_replace_existing_dest_paths = true;
    let t = c.copy(cp).unwrap();
    assert_eq!(read(t.join("existing/file/inner")), "I");
    let cp = copy("/src", "/existing");
    assert!(
        c.copy(cp)
            .unwrap_err()
            .contains("cannot copy to non-directory")
    );
}

#[test]
fn paths_never_escape_the_root() {
    let c = Case::new();
    let outside = c.env.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    // A source symlink pointing outside resolves inside the context.
    std::os::unix::fs::symlink(&outside, c.env.context().join("evil")).unwrap();
    std::fs::write(outside.join("secret"), "S").unwrap();
    let err = c.copy(copy("/evil/secret", "/got")).unwrap_err();
    assert!(err.contains("not found"), "{err}");
    // A destination through `..` stays in the root.
    let t = c.copy(copy("/a.txt", "/../../../../escaped.txt")).unwrap();
    assert_eq!(read(t.join("escaped.txt")), "A");
    assert!(!c.env.dir.path().join("escaped.txt").exists());
}

#[test]
fn add_unpacks_archives() {
    let c = Case::new();
    let tgz = c.env.context().join("arch.tar.gz");
    {
        let f = std::fs::File::create(&tgz).unwrap();
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(2);
        b.append_data(&mut h, "inside/hello", &b"hi"[..]).unwrap();
        b.into_inner().unwrap().finish().unwrap();
    }
    let mut cp = copy("/arch.tar.gz", "/unpacked/");
    cp.attempt_unpack_docker_compatibility = true;
    let t = c.copy(cp).unwrap();
    assert_eq!(read(t.join("unpacked/inside/hello")), "hi");
    let t = c.copy(copy("/arch.tar.gz", "/plain/")).unwrap();
    assert!(t.join("plain/arch.tar.gz").is_file());
}

#[test]
fn dockerignore_style_local_excludes() {
    let env = Env::new();
    let ctx = env.context();
    write(&ctx, "keep.txt", "K");
    write(&ctx, "node_modules/m.js", "M");
    let mut g = Graph::new();
    let l = g.source(
        "local://context",
        &[("local.excludepatterns", r#"["node_modules"]"#)],
        "ctx",
    );
    let f = g.file(
        &[&l],
        vec![copy_action("/", "/app/", 0, -1, 0)],
        "COPY . /app/",
    );
    let s = env.solver(env.opts(), Arc::new(FakeExecutor::scripted()));
    let out = s.solve_bytes(&g.definition(&f)).unwrap();
    let t = out.result.snapshot().unwrap().dir.clone();
    assert!(t.join("app/keep.txt").exists());
    assert!(!t.join("app/node_modules").exists());
    // Changing an excluded file does not invalidate the copy.
    write(&ctx, "node_modules/m.js", "changed");
    let s = env.solver(env.opts(), Arc::new(FakeExecutor::scripted()));
    assert!(
        s.solve_bytes(&g.definition(&f))
            .unwrap()
            .report
            .executed()
            .is_empty()
    );
}
