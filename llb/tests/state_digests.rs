//! Single ops built with `llb::state`, each pinned to the digest upstream
//! BuildKit gave the same op in the corpus goldens (the case is named next
//! to each). Self-contained: the digests are literals.

use llb::definition::decode_definition;
use llb::definition::encode_definition;
use llb::marshal::MarshalOptions;
use llb::pb;
use llb::state::meta::DEFAULT_PATH_ENV_UNIX;
use llb::state::{
    CapSet, ChmodOpt, ChownOpt, CopyOptions, FileAction, Git, Http, Image, Local, MkdirOptions,
    Mount, Platform, Secret, State, merge,
};

fn options() -> MarshalOptions {
    MarshalOptions::new()
        .platform(Platform::linux_amd64())
        .local_unique_id("rfront-test")
        .caps(CapSet::all())
}

/// Digest of the op `state` points at, and of the output-only root op.
fn digests(state: &State) -> (String, String) {
    let def = state.marshal(&options()).expect("marshal");
    let decoded = decode_definition(&encode_definition(&def)).expect("valid definition");
    let (head, _) = decoded.head().expect("head");
    (
        head.digest.as_str().to_string(),
        decoded.root().digest.as_str().to_string(),
    )
}

fn head(state: &State) -> String {
    digests(state).0
}

fn alpine() -> State {
    Image::new("alpine")
        .platform(Platform::linux_amd64())
        .build()
        .add_env("PATH", DEFAULT_PATH_ENV_UNIX)
}

fn context(follow: &[&str]) -> State {
    Local::new("context")
        .follow_paths(follow.iter().copied())
        .shared_key_hint("context")
        .build()
}

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

fn sh(cmd: &str) -> Vec<String> {
    vec!["/bin/sh".into(), "-c".into(), cmd.into()]
}

#[test]
fn image_source() {
    // every case: FROM alpine
    assert_eq!(
        head(&alpine()),
        "sha256:a7f9733e307dd352c82d43053b783dd17bb2ec2c36214908ce393e41545c8b51"
    );
    // from-variants: FROM ghcr.io/org/image:tag
    let ghcr = Image::new("ghcr.io/org/image:tag")
        .platform(Platform::linux_amd64())
        .build();
    assert_eq!(
        head(&ghcr),
        "sha256:a16880e0df7e025df5e3f78fd4d7f37308018583f1c51328233f09485ab4e6e3"
    );
}

#[test]
fn local_source() {
    // copy-link: the build context with follow paths a, b
    assert_eq!(
        head(&context(&["a", "b"])),
        "sha256:816ce568719214aaff75673e8c951949f4820b60f79553583ac8ff27c8f869c6"
    );
    // run-mount-bind: the whole context
    let whole = Local::new("context").shared_key_hint("context").build();
    assert_eq!(
        head(&whole),
        "sha256:99aa8185b5478af65246e88a47cd994d425b7852822c49d3448598b99481e77d"
    );
}

#[test]
fn http_and_git_sources() {
    // add-forms
    let http = Http::new("https://example.com/file.txt")
        .filename("file.txt")
        .build();
    assert_eq!(
        head(&http),
        "sha256:7d97fa5a45902cdb14422ab04d3c0ea5ac728d8bf989c8e3d98ef0c1f1306dea"
    );
    let git = Git::with_fragment("https://github.com/moby/buildkit.git", "v0.10.1")
        .keep_git_dir()
        .build();
    assert_eq!(
        head(&git),
        "sha256:db95978db62bfe68b3715f42df4870322e1fd5e68a75a9f4a797484ab6d777f3"
    );
    // The same repository named without a scheme gets https://.
    let bare = Git::new("github.com/moby/buildkit.git")
        .git_ref("v0.10.1")
        .keep_git_dir()
        .build();
    assert_eq!(head(&bare), head(&git));
}

#[test]
fn exec_with_cache_mount() {
    // run-mount-cache, step 2, and the output-only op of the case
    let st = alpine()
        .exec()
        .args(sh("apk add git"))
        .mount(
            "/var/cache/apk",
            Mount::cache("//var/cache/apk", pb::CacheSharingOpt::Shared),
        )
        .run()
        .root();
    assert_eq!(
        head(&st),
        "sha256:c23d41f4fe83a8827a167ab6a19db269ab23649971e90abaef51a1fb14139285"
    );
}

#[test]
fn mkdir_for_cache_mount() {
    // run-mount-cache: [internal] setting cache mount permissions
    let st = State::scratch().file(
        FileAction::mkdir(
            "/cache",
            0o700,
            MkdirOptions {
                chown: Some(ChownOpt::ids(1000, 1000)),
                ..MkdirOptions::default()
            },
        ),
        Default::default(),
    );
    assert_eq!(
        head(&st),
        "sha256:8a9f81e264cef58894aa0760223f09de312bc7ffc4b57d0ec58edc3555501fe4"
    );
}

#[test]
fn exec_with_secret_mount() {
    // run-mount-secret-ssh, step 2
    let st = alpine()
        .exec()
        .args(sh("cat /root/.aws/credentials"))
        .secret(Secret::file("aws", "/root/.aws/credentials").optional())
        .run()
        .root();
    assert_eq!(
        head(&st),
        "sha256:9f951f16909d54763d2ec83ec7b09744d1f9472f8ba531172cac9273c5f37b88"
    );
}

#[test]
fn file_copies() {
    // chmod-octal: COPY --chmod=755 app.sh /app/ onto scratch
    let ctx = context(&["app.sh"]);
    let st = State::scratch().file(
        FileAction::copy(
            &ctx,
            "app.sh",
            "/app/",
            CopyOptions {
                mode: Some(ChmodOpt::octal(0o755)),
                ..copy_opts()
            },
        ),
        Default::default(),
    );
    assert_eq!(
        head(&st),
        "sha256:141ce84579e53d7c44e78deee3b50f579612ad8ab8178432b1992fee244ce96a"
    );
    // chown: COPY --chown=1000:1000 a /a onto alpine, then --chown=app:staff
    let ctx = context(&["a", "b", "c", "d"]);
    let owned = |st: &State, f: &str, owner: &str| {
        st.file(
            FileAction::copy(
                &ctx,
                f,
                format!("/{f}"),
                CopyOptions {
                    chown: Some(ChownOpt::parse(owner)),
                    ..copy_opts()
                },
            ),
            Default::default(),
        )
    };
    let a = owned(&alpine(), "a", "1000:1000");
    assert_eq!(
        head(&a),
        "sha256:9ed248d2ccf46e358c96793d988aac0e14bc61470ba3254ea0e2fbf57c7f5f27"
    );
    let b = owned(&a, "b", "app:staff");
    assert_eq!(
        head(&b),
        "sha256:23780ffff80bfc909bf124b37940071568233f53887469618087cc360b218345"
    );
}

#[test]
fn merge_of_copy_link() {
    // copy-link: COPY --link a /a = merge(alpine, scratch + copy)
    let ctx = context(&["a", "b"]);
    let layer = State::scratch().file(
        FileAction::copy(&ctx, "a", "/a", copy_opts()),
        Default::default(),
    );
    assert_eq!(
        head(&layer),
        "sha256:16da78b5ac12e91fdc46e59ac88b5af6fe006564705f92e923296fd93cf750b7"
    );
    let merged = merge(&[alpine(), State::scratch(), layer], Default::default());
    assert_eq!(
        head(&merged),
        "sha256:7a15667bdc1a7adc8dc8c73b01c945af9e7b972c23bb1c54df2564c339288ee2"
    );
}

#[test]
fn trailing_output_op() {
    // run-mount-cache: the last exec and the output-only op after it
    let perms = State::scratch().file(
        FileAction::mkdir(
            "/cache",
            0o700,
            MkdirOptions {
                chown: Some(ChownOpt::ids(1000, 1000)),
                ..MkdirOptions::default()
            },
        ),
        Default::default(),
    );
    let s1 = alpine()
        .exec()
        .args(sh("apk add git"))
        .mount(
            "/var/cache/apk",
            Mount::cache("//var/cache/apk", pb::CacheSharingOpt::Shared),
        )
        .run()
        .root();
    let s2 = s1
        .exec()
        .args(sh("ls /go/pkg/mod"))
        .mount(
            "/go/pkg/mod",
            Mount::cache("/gomod", pb::CacheSharingOpt::Locked)
                .source(&perms)
                .selector("/cache"),
        )
        .run()
        .root();
    assert_eq!(
        head(&s2),
        "sha256:0e17546bbed69ce3bb82fc44017fdb121eb4c3a8d12e113411ef62d3e060e67e"
    );
    let s3 = s2
        .exec()
        .args(sh("ls /ro"))
        .mount(
            "/ro",
            Mount::cache("//ro", pb::CacheSharingOpt::Shared).readonly(),
        )
        .run()
        .root();
    assert_eq!(
        digests(&s3),
        (
            "sha256:ab707c877684904bd535e372bc39775a2573c2be28f6f2bdbfcd2022605ae459".to_string(),
            "sha256:9dd4a76ba277ebb5b2e6699f1ded448f763e526173c5d23f0a0844b786033e58".to_string()
        )
    );
}
