//! Builds, with `llb::state`, the graphs upstream's Dockerfile frontend
//! produced for corpus cases, and checks the marshalled Definition against
//! the golden `definition.pb`: the same op bytes (so the same digests) in
//! the same order, the same metadata and the same source-map section.
//!
//! The goldens live in `$RFRONT_SHARED/corpus/llb/<case>/` (default
//! `<workspace>/../shared`); they were made for linux/amd64 with
//! `local.unique=rfront-test` and every daemon cap enabled.

use std::path::PathBuf;

use llb::definition::decode_definition;
use llb::digest::Digest;
use llb::marshal::MarshalOptions;
use llb::pb;
use llb::state::meta::DEFAULT_PATH_ENV_UNIX;
use llb::state::{
    CapSet, ChmodOpt, ChownOpt, Constraints, CopyOptions, FileAction, Git, Http, Image, Local,
    MkdirOptions, MkfileOptions, Mount, Platform, Secret, SshSocket, State, merge,
};
use pretty_assertions::assert_eq;

const COMMAND_KEY: &str = "com.docker.dockerfile.v1.command";

fn shared_dir() -> PathBuf {
    match std::env::var_os("RFRONT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn golden(case: &str) -> pb::Definition {
    let path = shared_dir()
        .join("corpus/llb")
        .join(case)
        .join("definition.pb");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode_definition(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_pb()
}

fn options() -> MarshalOptions {
    MarshalOptions::new()
        .platform(Platform::linux_amd64())
        .local_unique_id("rfront-test")
        .caps(CapSet::all())
}

fn digests(def: &pb::Definition) -> Vec<String> {
    def.def
        .iter()
        .map(|b| Digest::of(b).as_str().to_string())
        .collect()
}

/// The whole Definition equals the golden one.
fn assert_golden(case: &str, state: &State) {
    let mine = state.marshal(&options()).expect("marshal");
    let bytes = llb::marshal::marshal_to_bytes(state, &options()).expect("marshal to bytes");
    assert_eq!(
        bytes,
        llb::definition::encode_definition(&mine),
        "{case}: marshal_to_bytes"
    );
    let mut written = Vec::new();
    llb::marshal::marshal_to_writer(state, &options(), &mut written).expect("marshal to writer");
    assert_eq!(written, bytes, "{case}: marshal_to_writer");
    let want = golden(case);
    assert_eq!(digests(&mine), digests(&want), "{case}: op digests");
    assert_eq!(mine.def, want.def, "{case}: op bytes");
    assert_eq!(mine.metadata, want.metadata, "{case}: metadata");
    assert_eq!(mine.source, want.source, "{case}: source");
}

/// Metadata of a Dockerfile instruction: command text and progress name.
fn named(command: &str, name: &str) -> Constraints {
    Constraints::new()
        .description(COMMAND_KEY, command)
        .custom_name(name)
}

fn image(reference: &str, command: &str, name: &str) -> State {
    Image::new(reference)
        .platform(Platform::linux_amd64())
        .constraints(named(command, name))
        .build()
        .add_env("PATH", DEFAULT_PATH_ENV_UNIX)
}

fn context(follow: &[&str]) -> State {
    Local::new("context")
        .follow_paths(follow.iter().copied())
        .shared_key_hint("context")
        .constraints(Constraints::new().custom_name("[internal] load build context"))
        .build()
}

fn sh(cmd: &str) -> [String; 3] {
    ["/bin/sh".into(), "-c".into(), cmd.into()]
}

/// `RUN <cmd>` with the frontend's naming.
fn run(state: &State, cmd: &str, name: &str, mounts: Vec<(&str, Mount)>) -> State {
    let command = format!("RUN {}", name.split_once("RUN ").map_or("", |(_, c)| c));
    let mut exec = state.exec().args(sh(cmd));
    for (target, mount) in mounts {
        exec = exec.mount(target, mount);
    }
    exec.constraints(named(&command, name)).run().root()
}

/// COPY's usual options.
fn copy_opts() -> CopyOptions {
    CopyOptions {
        follow_symlinks: true,
        copy_dir_contents_only: true,
        create_dest_path: true,
        allow_wildcard: true,
        allow_empty_wildcard: true,
        ..CopyOptions::default()
    }
}

fn named_only(name: &str) -> Constraints {
    Constraints::new().custom_name(name)
}

#[test]
fn run_mount_cache() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[stage-0 1/4] FROM docker.io/library/alpine:latest",
    );
    let s1 = run(
        &base,
        "apk add git",
        "[stage-0 2/4] RUN --mount=type=cache,target=/var/cache/apk apk add git",
        vec![(
            "/var/cache/apk",
            Mount::cache("//var/cache/apk", pb::CacheSharingOpt::Shared),
        )],
    );
    let perms = State::scratch().file(
        FileAction::mkdir(
            "/cache",
            0o700,
            MkdirOptions {
                chown: Some(ChownOpt::ids(1000, 1000)),
                ..MkdirOptions::default()
            },
        ),
        named_only("[internal] setting cache mount permissions"),
    );
    let s2 = run(
        &s1,
        "ls /go/pkg/mod",
        "[stage-0 3/4] RUN --mount=type=cache,id=gomod,target=/go/pkg/mod,sharing=locked,uid=1000,gid=1000,mode=0700 ls /go/pkg/mod",
        vec![(
            "/go/pkg/mod",
            Mount::cache("/gomod", pb::CacheSharingOpt::Locked)
                .source(&perms)
                .selector("/cache"),
        )],
    );
    let s3 = run(
        &s2,
        "ls /ro",
        "[stage-0 4/4] RUN --mount=type=cache,target=/ro,ro ls /ro",
        vec![(
            "/ro",
            Mount::cache("//ro", pb::CacheSharingOpt::Shared).readonly(),
        )],
    );
    assert_golden("run-mount-cache", &s3);
}

#[test]
fn copy_link() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[stage-0 1/4] FROM docker.io/library/alpine:latest",
    );
    let ctx = context(&["a", "b"]);
    let group = |id: &str, name: &str, weak: bool| named_only(name).progress_group(id, name, weak);
    let name2 = "[stage-0 2/4] COPY --link a /a";
    let layer = State::scratch().file(
        FileAction::copy(&ctx, "a", "/a", copy_opts()),
        group("o7mn2ke4bktkkpehtkvcf7veq", name2, true),
    );
    let linked = merge(
        &[base.clone(), layer],
        named_only("[stage-0 2/4] LINK COPY --link a /a").progress_group(
            "o7mn2ke4bktkkpehtkvcf7veq",
            name2,
            false,
        ),
    );
    let chmod = linked.file(
        FileAction::copy(
            &ctx,
            "b",
            "/b",
            CopyOptions {
                mode: Some(ChmodOpt::octal(0o755)),
                ..copy_opts()
            },
        ),
        named_only("[stage-0 3/4] COPY --link --chmod=755 b /b"),
    );
    let busybox = Image::new("busybox")
        .platform(Platform::linux_amd64())
        .constraints(named("", "FROM docker.io/library/busybox:latest"))
        .build();
    let name4 = "[stage-0 4/4] COPY --link --from=busybox /bin/busybox /bb";
    let layer = State::scratch().file(
        FileAction::copy(&busybox, "/bin/busybox", "/bb", copy_opts()),
        group("ukws4u10a6ysy74w0bzdzbivv", name4, true),
    );
    let last = merge(
        &[chmod, layer],
        named_only("[stage-0 4/4] LINK COPY --link --from=busybox /bin/busybox /bb")
            .progress_group("ukws4u10a6ysy74w0bzdzbivv", name4, false),
    );
    assert_golden("copy-link", &last);
}

#[test]
fn chown() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[1/5] FROM docker.io/library/alpine:latest",
    );
    let ctx = context(&["a", "b", "c", "d"]);
    let steps = [
        ("a", "1000:1000", false, "[2/5] COPY --chown=1000:1000 a /a"),
        ("b", "app:staff", false, "[3/5] COPY --chown=app:staff b /b"),
        ("c", "55", false, "[4/5] COPY --chown=55 c /c"),
        ("d", "bin", true, "[5/5] ADD --chown=bin d /d"),
    ];
    let mut st = base;
    for (file, owner, unpack, name) in steps {
        let opts = CopyOptions {
            chown: Some(ChownOpt::parse(owner)),
            attempt_unpack: unpack,
            ..copy_opts()
        };
        st = st.file(
            FileAction::copy(&ctx, file, format!("/{file}"), opts),
            named_only(name),
        );
    }
    assert_golden("chown", &st);
}

#[test]
fn workdir_user() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[1/6] FROM docker.io/library/alpine:latest",
    );
    let mkdir = |st: &State, dir: &str, chown: Option<ChownOpt>, name: &str| {
        let st = st.dir(dir);
        let opts = MkdirOptions {
            make_parents: true,
            chown,
            ..MkdirOptions::default()
        };
        let path = st.get_dir().to_string();
        st.file(FileAction::mkdir(path, 0o755, opts), named_only(name))
    };
    let st = mkdir(&base, "app", None, "[2/6] WORKDIR app");
    let st = mkdir(&st, "sub", None, "[3/6] WORKDIR sub");
    assert_eq!(st.get_dir(), "/app/sub");
    let st = st.user("nobody");
    let st = run(&st, "pwd", "[4/6] RUN pwd", vec![]);
    let st = st.user("1000:1000");
    let st = mkdir(
        &st,
        "/abs",
        Some(ChownOpt::parse(st.get_user())),
        "[5/6] WORKDIR /abs",
    );
    let st = run(&st, "id", "[6/6] RUN id", vec![]);
    assert_golden("workdir-user", &st);
}

#[test]
fn from_variants() {
    let zero = "0".repeat(64);
    let pinned = image(
        &format!("alpine@sha256:{zero}"),
        &format!("FROM alpine@sha256:{zero} AS pinned"),
        &format!("[pinned 1/1] FROM docker.io/library/alpine@sha256:{zero}"),
    );
    let full = image(
        "docker.io/library/alpine:3.19",
        "FROM docker.io/library/alpine:3.19 AS full",
        "[full 1/1] FROM docker.io/library/alpine:3.19",
    );
    let ghcr = image(
        "ghcr.io/org/image:tag",
        "FROM ghcr.io/org/image:tag AS ghcr",
        "[ghcr 1/1] FROM ghcr.io/org/image:tag",
    );
    let local = image(
        "localhost:5000/x",
        "FROM localhost:5000/x AS local",
        "[local 1/1] FROM localhost:5000/x:latest",
    );
    let mut st = full;
    for (from, name, dest, n) in [
        (&pinned, "pinned", "/p", 1),
        (&ghcr, "ghcr", "/g", 2),
        (&local, "local", "/l", 3),
    ] {
        st = st.file(
            FileAction::copy(from, "/", dest, copy_opts()),
            named_only(&format!("[stage-4 {n}/3] COPY --from={name} / {dest}")),
        );
    }
    assert_golden("from-variants", &st);
}

#[test]
fn run_mount_secret_ssh() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[stage-0 1/5] FROM docker.io/library/alpine:latest",
    );
    let s1 = base
        .exec()
        .args(sh("cat /root/.aws/credentials"))
        .secret(Secret::file("aws", "/root/.aws/credentials").optional())
        .constraints(named(
            "RUN --mount=type=secret,id=aws,target=/root/.aws/credentials cat /root/.aws/credentials",
            "[stage-0 2/5] RUN --mount=type=secret,id=aws,target=/root/.aws/credentials cat /root/.aws/credentials",
        ))
        .run()
        .root();
    let s2 = s1
        .exec()
        .args(sh("echo $TOKEN"))
        .secret(Secret::env("token", "TOKEN"))
        .constraints(named(
            "RUN --mount=type=secret,id=token,env=TOKEN,required=true echo $TOKEN",
            "[stage-0 3/5] RUN --mount=type=secret,id=token,env=TOKEN,required=true echo ****",
        ))
        .run()
        .root();
    let s3 = s2
        .exec()
        .args(sh("ssh-add -l"))
        .ssh(SshSocket::new().optional())
        .constraints(named(
            "RUN --mount=type=ssh ssh-add -l",
            "[stage-0 4/5] RUN --mount=type=ssh ssh-add -l",
        ))
        .run()
        .root();
    let s4 = s3
        .exec()
        .args(sh("true"))
        .ssh(SshSocket::new().id("gh").socket_opt("", 1, 0, 0o600))
        .constraints(named(
            "RUN --mount=type=ssh,id=gh,required=true,mode=0600,uid=1 true",
            "[stage-0 5/5] RUN --mount=type=ssh,id=gh,required=true,mode=0600,uid=1 true",
        ))
        .run()
        .root();
    assert_golden("run-mount-secret-ssh", &s4);
}

#[test]
fn add_forms() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[1/6] FROM docker.io/library/alpine:latest",
    );
    let ctx = context(&["app.tar.gz", "b.tar"]);
    let st = base.file(
        FileAction::copy(
            &ctx,
            "app.tar.gz",
            "/opt/",
            CopyOptions {
                attempt_unpack: true,
                ..copy_opts()
            },
        ),
        named_only("[2/6] ADD app.tar.gz /opt/"),
    );
    let st = st.file(
        FileAction::copy(&ctx, "b.tar", "/b/", copy_opts()),
        named_only("[3/6] ADD --unpack=false b.tar /b/"),
    );
    let http_copy = CopyOptions {
        create_dest_path: true,
        ..CopyOptions::default()
    };
    let name = "[4/6] ADD https://example.com/file.txt /f.txt";
    let file = Http::new("https://example.com/file.txt")
        .filename("file.txt")
        .constraints(named("", name))
        .build();
    let st = st.file(
        FileAction::copy(&file, "file.txt", "/f.txt", http_copy.clone()),
        named_only(name),
    );
    let sum = "sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d";
    let name = format!("[5/6] ADD --checksum={sum} https://example.com/x /x");
    let x = Http::new("https://example.com/x")
        .checksum(sum)
        .filename("x")
        .constraints(named("", &name))
        .build();
    let st = st.file(
        FileAction::copy(&x, "x", "/x", http_copy.clone()),
        named_only(&name),
    );
    let name = "[6/6] ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /bk";
    let repo = Git::with_fragment("https://github.com/moby/buildkit.git", "v0.10.1")
        .keep_git_dir()
        .constraints(named_only(name))
        .build();
    let st = st.file(
        FileAction::copy(&repo, "/", "/bk", http_copy),
        named_only(name),
    );
    assert_golden("add-forms", &st);
}

#[test]
fn heredoc_run_copy() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[1/6] FROM docker.io/library/alpine:latest",
    );
    let s1 = base
        .exec()
        .args(sh("set -e\necho one > /one\n"))
        .constraints(named("RUN <<EOT", "[2/6] RUN <<EOT (set -e...)"))
        .run()
        .root();
    let s2 = s1
        .exec()
        .args(sh("<<EOT bash\necho bash\nEOT"))
        .constraints(named("RUN <<EOT bash", "[3/6] RUN <<EOT bash"))
        .run()
        .root();
    let inline = |data: &str, mode: u32| {
        State::scratch().file(
            FileAction::mkfile("/EOT", mode, data, MkfileOptions::default()),
            named_only("[internal] preparing inline document"),
        )
    };
    let script = inline("#!/usr/bin/env python3\nprint(\"shebang\")\n", 0o755);
    let s3 = s2
        .exec()
        .args(sh("/dev/pipes/EOT"))
        .mount("/dev/pipes/", Mount::bind(&script).selector("/").readonly())
        .constraints(named(
            "RUN <<'EOT'",
            "[4/6] RUN <<'EOT' (#!/usr/bin/env python3...)",
        ))
        .run()
        .root();
    let heredoc_copy = CopyOptions {
        create_dest_path: true,
        ..CopyOptions::default()
    };
    let conf = inline("key=\n", 0o644);
    let s4 = s3.file(
        FileAction::copy(&conf, "/EOT", "/etc/conf", heredoc_copy.clone()),
        named_only("[5/6] COPY <<EOT /etc/conf"),
    );
    let literal = inline("literal $HOME\n", 0o644);
    let s5 = s4.file(
        FileAction::copy(&literal, "/EOT", "/etc/literal", heredoc_copy),
        named_only("[6/6] COPY <<-EOT /etc/literal"),
    );
    assert_golden("heredoc-run-copy", &s5);
}

#[test]
fn run_mount_bind() {
    let src = image(
        "alpine",
        "FROM alpine AS src",
        "[src 1/2] FROM docker.io/library/alpine:latest",
    );
    let src = run(&src, "mkdir /data", "[src 2/2] RUN mkdir /data", vec![]);
    let base = image(
        "alpine",
        "FROM alpine",
        "[stage-1 1/4] FROM docker.io/library/alpine:latest",
    );
    let ctx = Local::new("context")
        .shared_key_hint("context")
        .constraints(named_only("[internal] load build context"))
        .build();
    let s1 = run(
        &base,
        "ls /ctx",
        "[stage-1 2/4] RUN --mount=type=bind,target=/ctx ls /ctx",
        vec![("/ctx", Mount::bind(&ctx).readonly())],
    );
    let s2 = run(
        &s1,
        "touch /mnt/x",
        "[stage-1 3/4] RUN --mount=type=bind,from=src,source=/data,target=/mnt,rw touch /mnt/x",
        vec![(
            "/mnt",
            Mount::bind(&src).selector("/data").force_no_output(),
        )],
    );
    let busybox = Image::new("busybox")
        .platform(Platform::linux_amd64())
        .constraints(named("", "FROM docker.io/library/busybox:latest"))
        .build();
    let s3 = run(
        &s2,
        "ls /bb",
        "[stage-1 4/4] RUN --mount=from=busybox,src=/bin,dst=/bb ls /bb",
        vec![("/bb", Mount::bind(&busybox).selector("/bin").readonly())],
    );
    assert_golden("run-mount-bind", &s3);
}

#[test]
fn run_network_security_device_tmpfs() {
    let base = image(
        "alpine",
        "FROM alpine",
        "[1/5] FROM docker.io/library/alpine:latest",
    );
    let step = |st: &State, cmd: &str, flags: &str, n: u32| {
        let text = format!("RUN {flags} {cmd}");
        (
            st.exec().args(sh(cmd)),
            named(&text, &format!("[{n}/5] {text}")),
        )
    };
    let (e, c) = step(&base, "echo offline", "--network=none", 2);
    let s = e.network(pb::NetMode::None).constraints(c).run().root();
    let (e, c) = step(&s, "echo host", "--network=host", 3);
    let s = e.network(pb::NetMode::Host).constraints(c).run().root();
    let (e, c) = step(&s, "echo insecure", "--security=insecure", 4);
    let s = e
        .security(pb::SecurityMode::Insecure)
        .constraints(c)
        .run()
        .root();
    let (e, c) = step(&s, "echo sandbox", "--security=sandbox", 5);
    let s = e.constraints(c).run().root();
    assert_golden("run-network-security", &s);

    let base = image(
        "alpine",
        "FROM alpine",
        "[1/3] FROM docker.io/library/alpine:latest",
    );
    let d1 = "RUN --device=nvidia.com/gpu=all nvidia-smi";
    let s = base
        .exec()
        .args(sh("nvidia-smi"))
        .cdi_device("nvidia.com/gpu=all", true)
        .constraints(named(d1, &format!("[2/3] {d1}")))
        .run()
        .root();
    let d2 = "RUN --device=name=vendor.com/dev=0,required ls /dev";
    let s = s
        .exec()
        .args(sh("ls /dev"))
        .cdi_device("vendor.com/dev=0", false)
        .constraints(named(d2, &format!("[3/3] {d2}")))
        .run()
        .root();
    assert_golden("run-device", &s);

    let base = image(
        "alpine",
        "FROM alpine",
        "[stage-0 1/2] FROM docker.io/library/alpine:latest",
    );
    let s = run(
        &base,
        "ls /tmp",
        "[stage-0 2/2] RUN --mount=type=tmpfs,target=/tmp,size=64m ls /tmp",
        vec![("/tmp", Mount::tmpfs(64 << 20))],
    );
    assert_golden("run-mount-tmpfs", &s);
}

#[test]
fn chmod_symbolic_and_copy_patterns() {
    let b = image(
        "alpine",
        "FROM alpine AS b",
        "[b 1/2] FROM docker.io/library/alpine:latest",
    );
    let b = run(
        &b,
        "mkdir -p /out/bin && touch /out/bin/tool",
        "[b 2/2] RUN mkdir -p /out/bin && touch /out/bin/tool",
        vec![],
    );
    let ctx = context(&["a", "run.sh"]);
    let sym = |m: &str| CopyOptions {
        mode: Some(ChmodOpt::symbolic(m)),
        ..copy_opts()
    };
    let st = State::scratch().file(
        FileAction::copy(&b, "/out/", "/o/", sym("u=rwX,go=rX")),
        named_only("[stage-1 1/3] COPY --from=b --chmod=u=rwX,go=rX /out/ /o/"),
    );
    let st = st.file(
        FileAction::copy(&ctx, "run.sh", "/run.sh", sym("go-w,u+x")),
        named_only("[stage-1 2/3] COPY --chmod=go-w,u+x run.sh /run.sh"),
    );
    let st = st.file(
        FileAction::copy(&ctx, "a", "/a", sym("g=u")),
        named_only("[stage-1 3/3] COPY --chmod=g=u a /a"),
    );
    assert_golden("chmod-symbolic", &st);

    let ctx = context(&["src", "x/**/*.txt"]);
    let st = State::scratch().file(
        FileAction::copy(
            &ctx,
            "/",
            "/p/",
            CopyOptions {
                include_patterns: vec!["x/**/*.txt".into()],
                ..copy_opts()
            },
        ),
        named_only("[1/2] COPY --parents ./x/**/*.txt /p/"),
    );
    let st = st.file(
        FileAction::copy(
            &ctx,
            "src/",
            "/s/",
            CopyOptions {
                exclude_patterns: vec!["*.log".into(), "tmp/".into()],
                ..copy_opts()
            },
        ),
        named_only("[2/2] COPY --exclude=*.log --exclude=tmp/ src/ /s/"),
    );
    assert_golden("copy-parents-exclude", &st);
}
