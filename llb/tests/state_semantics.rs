//! Behaviour of `llb::state` and `llb::marshal` that upstream's
//! `client/llb` defines: State values, exec mounts and outputs, file-action
//! indexes, merge/diff shortcuts, dedup, metadata and source maps, errors.

use std::net::IpAddr;

use llb::digest::Digest;
use llb::marshal::{MarshalError, MarshalOptions};
use llb::pb;
use llb::source_map::{SourceMap, range};
use llb::state::caps;
use llb::state::{
    CapSet, ChownOpt, Constraints, CopyOptions, ExecError, FileAction, Git, Http, Image, Local,
    MkdirOptions, MkfileOptions, Mount, OciLayout, Platform, ResolveMode, RmOptions, SshSocket,
    State, SymlinkOptions, UserOpt, diff, merge,
};

fn options() -> MarshalOptions {
    MarshalOptions::new()
        .platform(Platform::linux_amd64())
        .local_unique_id("rfront-test")
}

fn ops(def: &pb::Definition) -> Vec<pb::Op> {
    def.def
        .iter()
        .map(|b| prost::Message::decode(b.as_slice()).expect("op decodes"))
        .collect()
}

/// The op the Definition's result points at.
fn head(def: &pb::Definition) -> (pb::Op, String) {
    let all = ops(def);
    let root = all.last().expect("root op");
    let digest = root.inputs[0].digest.clone();
    let pos = def
        .def
        .iter()
        .position(|b| Digest::of(b).as_str() == digest)
        .expect("head op in def");
    (all[pos].clone(), digest)
}

fn exec_of(op: &pb::Op) -> &pb::ExecOp {
    match &op.op {
        Some(pb::op::Op::Exec(e)) => e,
        other => panic!("not an exec: {other:?}"),
    }
}

fn file_of(op: &pb::Op) -> &pb::FileOp {
    match &op.op {
        Some(pb::op::Op::File(f)) => f,
        other => panic!("not a file op: {other:?}"),
    }
}

fn source_of(op: &pb::Op) -> &pb::SourceOp {
    match &op.op {
        Some(pb::op::Op::Source(s)) => s,
        other => panic!("not a source: {other:?}"),
    }
}

fn alpine() -> State {
    Image::new("alpine")
        .platform(Platform::linux_amd64())
        .build()
}

fn head_metadata(def: &pb::Definition) -> pb::OpMetadata {
    let (_, d) = head(def);
    def.metadata[&d].clone()
}

#[test]
fn env_and_dir_values() {
    let st = State::scratch()
        .add_env("A", "1")
        .add_env("B", "2")
        .add_env("A", "3")
        .dir("work")
        .dir("../x/./y");
    assert_eq!(st.env().to_array(), ["B=2", "A=3"]);
    assert_eq!(st.get_env("A"), Some("3"));
    assert_eq!(st.get_dir(), "/x/y");
    assert_eq!(st.del_env("B").env().to_array(), ["A=3"]);
    // Values are per State: the original is unchanged.
    assert_eq!(st.add_env("C", "4").env().len(), 3);
    assert_eq!(st.env().len(), 2);
}

#[test]
fn a_new_state_takes_its_outputs_platform() {
    let arm = Platform::parse("linux/arm64/v8").unwrap();
    let img = Image::new("alpine").platform(arm.clone()).build();
    let fresh = State::from_output(img.output().cloned());
    assert_eq!(fresh.get_platform(), Some(&arm.clone().normalize()));
    assert_eq!(fresh.get_dir(), "/");
    // The same values as setting them one by one on scratch.
    let by_steps = State::scratch().with_output(img.output().cloned());
    assert_eq!(fresh.meta(), by_steps.meta());
    assert_eq!(State::from_output(None).get_platform(), None);
}

#[test]
fn meta_mut_changes_only_this_state() {
    let st = State::scratch().add_env("A", "1");
    let mut changed = st.clone();
    changed.meta_mut().env.add_or_replace("B", "2");
    changed.meta_mut().env.add_or_replace("A", "3");
    assert_eq!(changed.env().to_array(), ["B=2", "A=3"]);
    // The State it was cloned from keeps its own values.
    assert_eq!(st.env().to_array(), ["A=1"]);
    // The same as the State-returning calls.
    assert_eq!(
        changed.env().to_array(),
        st.add_env("B", "2").add_env("A", "3").env().to_array()
    );
}

#[test]
fn exec_values_do_not_leak_into_the_result() {
    let base = alpine().user("app").dir("/w");
    let run = base
        .exec()
        .args(["true"])
        .user("root")
        .add_env("ONLY_IN_EXEC", "1")
        .dir("sub")
        .run();
    let root = run.root();
    assert_eq!(root.get_user(), "app");
    assert_eq!(root.get_dir(), "/w");
    assert_eq!(root.get_env("ONLY_IN_EXEC"), None);
    let def = root.marshal(&options()).unwrap();
    let (op, _) = head(&def);
    let meta = exec_of(&op).meta.clone().unwrap();
    assert_eq!(meta.user, "root");
    assert_eq!(meta.cwd, "/w/sub");
    assert_eq!(meta.env, ["ONLY_IN_EXEC=1"]);
    assert!(meta.remove_mount_stubs_recursive);
    assert_eq!(op.platform.unwrap().architecture, "amd64");
}

#[test]
fn mounts_are_sorted_and_outputs_numbered() {
    let data = alpine().dir("/data");
    let run = alpine()
        .exec()
        .args(["true"])
        .mount("/b", Mount::bind(&State::scratch()))
        .mount("/a", Mount::bind(&data))
        .mount("/c", Mount::bind(&data).readonly())
        .mount("/t", Mount::tmpfs(0))
        .mount("/k", Mount::cache("k", pb::CacheSharingOpt::Private))
        .mount("/n", Mount::bind(&data).force_no_output())
        .run();
    let def = run.get_mount("/b").unwrap().marshal(&options()).unwrap();
    let (op, _) = head(&def);
    let e = exec_of(&op);
    let dests: Vec<(&str, i64, i64)> = e
        .mounts
        .iter()
        .map(|m| (m.dest.as_str(), m.input, m.output))
        .collect();
    assert_eq!(
        dests,
        [
            ("/", 0, 0),
            ("/a", 0, 1),
            ("/b", -1, 2),
            ("/c", 0, -1),
            ("/k", -1, -1),
            ("/n", 0, -1),
            ("/t", -1, -1),
        ]
    );
    // Both alpine States are the same op: one input.
    assert_eq!(op.inputs.len(), 1);
    // The /b mount's State is output 2 of the exec.
    let root_input = ops(&def).last().unwrap().inputs[0].clone();
    assert_eq!(root_input.index, 2);
    assert_eq!(
        e.mounts[4].cache_opt.as_ref().unwrap().sharing,
        pb::CacheSharingOpt::Private as i32
    );
    let md = head_metadata(&def);
    for cap in [
        caps::EXEC_META_BASE,
        caps::EXEC_MOUNT_BIND,
        caps::EXEC_MOUNT_CACHE,
        caps::EXEC_MOUNT_CACHE_SHARING,
        caps::EXEC_MOUNT_TMPFS,
    ] {
        assert!(md.caps.contains_key(cap), "{cap}");
    }
    assert!(!md.caps.contains_key(caps::EXEC_MOUNT_TMPFS_SIZE));

    assert_eq!(
        run.get_mount("/t").unwrap_err().to_string(),
        "tmpfs mount for /t can't be used as a parent"
    );
    assert_eq!(
        run.get_mount("/n").unwrap_err().to_string(),
        "mount marked no-output and /n can't be used as a parent"
    );
    assert_eq!(
        run.get_mount("/k").unwrap_err(),
        ExecError::InvalidMount("/k".into())
    );
    assert!(matches!(
        run.get_mount("/zz"),
        Err(ExecError::NoSuchMount(_))
    ));
    // A read-only mount gives its source back.
    let c = run.get_mount("/c").unwrap();
    assert!(c.output().unwrap().same(data.output().unwrap()));
}

#[test]
fn default_path_depends_on_daemon_caps() {
    let st = alpine().exec().args(["sh"]);
    let env_of = |opts: &MarshalOptions| {
        let def = st.clone().run().root().marshal(opts).unwrap();
        let (op, _) = head(&def);
        (exec_of(&op).meta.clone().unwrap().env, head_metadata(&def))
    };
    let (env, md) = env_of(&options());
    assert!(env.is_empty());
    assert!(!md.caps.contains_key(caps::EXEC_META_SETS_DEFAULT_PATH));
    let (env, md) = env_of(&options().caps(CapSet::all()));
    assert!(env.is_empty());
    assert!(md.caps.contains_key(caps::EXEC_META_SETS_DEFAULT_PATH));
    let (env, _) = env_of(&options().caps(CapSet::new()));
    assert_eq!(
        env,
        ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    );
    let windows = options()
        .caps(CapSet::new())
        .platform(Platform::new("windows", "amd64"));
    let (env, _) = env_of(&windows);
    assert!(env.is_empty());
}

#[test]
fn ssh_sockets_and_meta_caps() {
    let def = alpine()
        .exec()
        .args(["ssh-add"])
        .ssh(SshSocket::new())
        .ssh(SshSocket::new().id("other").target("/s"))
        .network(pb::NetMode::None)
        .add_extra_host("h", "::ffff:10.1.2.3".parse::<IpAddr>().unwrap())
        .add_ulimit("nofile", 10, 20)
        .valid_exit_codes(&[0, 1])
        .hostname("box")
        .cgroup_parent("cg")
        .proxy_env(pb::ProxyEnv {
            http_proxy: "http://p".into(),
            ..Default::default()
        })
        .cdi_device("vendor.com/x=y", false)
        .run()
        .root()
        .marshal(&options())
        .unwrap();
    let (op, _) = head(&def);
    let e = exec_of(&op);
    let meta = e.meta.clone().unwrap();
    assert_eq!(meta.env, ["SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0"]);
    assert_eq!(meta.extra_hosts[0].ip, "10.1.2.3");
    assert_eq!(meta.valid_exit_codes, [0, 1]);
    assert_eq!(meta.hostname, "box");
    assert_eq!(meta.cgroup_parent, "cg");
    let ssh: Vec<&str> = e.mounts[1..].iter().map(|m| m.dest.as_str()).collect();
    assert_eq!(ssh, ["/run/buildkit/ssh_agent.0", "/s"]);
    assert_eq!(e.mounts[1].ssh_opt.as_ref().unwrap().mode, 0o600);
    assert_eq!(e.network, pb::NetMode::None as i32);
    let md = head_metadata(&def);
    for cap in [
        caps::EXEC_MOUNT_SSH,
        caps::EXEC_META_NETWORK,
        caps::EXEC_META_ULIMIT,
        caps::EXEC_VALID_EXIT_CODE,
        caps::EXEC_META_PROXY,
        caps::EXEC_META_CDI,
    ] {
        assert!(md.caps.contains_key(cap), "{cap}");
    }
}

#[test]
fn exec_errors() {
    let no_args = alpine().exec().run().root().marshal(&options());
    assert_eq!(no_args.unwrap_err(), MarshalError::NoArgs);
    assert_eq!(MarshalError::NoArgs.to_string(), "arguments are required");
    let tmpfs = alpine()
        .exec()
        .args(["x"])
        .mount("/t", Mount::tmpfs(0).source(&alpine()))
        .run()
        .root()
        .marshal(&options());
    assert_eq!(
        tmpfs.unwrap_err().to_string(),
        "tmpfs mounts must use scratch"
    );
    let bad = Image::new("Alpine").build().marshal(&options());
    assert_eq!(
        bad.unwrap_err().to_string(),
        "invalid reference format: repository name (library/Alpine) must be lowercase"
    );
}

#[test]
fn readonly_rootfs_keeps_the_input() {
    let base = alpine();
    let run = base
        .exec()
        .args(["x"])
        .readonly_rootfs()
        .mount("/out", Mount::bind(&State::scratch()))
        .run();
    assert!(run.root().output().unwrap().same(base.output().unwrap()));
    let out = run.get_mount("/out").unwrap();
    assert_eq!(out.output().unwrap().index(), 0);
    let def = out.marshal(&options()).unwrap();
    let (op, _) = head(&def);
    let e = exec_of(&op);
    assert!(e.mounts[0].readonly);
    assert_eq!(e.mounts[0].output, -1);
}

#[test]
fn file_action_chain_indexes() {
    let base = alpine().dir("/work");
    let other = alpine().dir("/src").add_env("X", "1");
    let ctx = Local::new("context").build();
    let prepared = FileAction::mkdir("gen", 0o755, MkdirOptions::default()).then(
        FileAction::mkfile("gen/f", 0o644, "data", MkfileOptions::default()),
    );
    let chain = FileAction::mkdir(
        "d",
        0o1755,
        MkdirOptions {
            make_parents: true,
            chown: Some(ChownOpt::parse("app")),
            created_time: Some(1_000),
        },
    )
    .then(FileAction::copy(
        &ctx,
        "a/../b/",
        "dst/.",
        CopyOptions::default(),
    ))
    .then(FileAction::copy(
        prepared.with_state(&other),
        "gen",
        "/gen/",
        CopyOptions::default(),
    ))
    .then(FileAction::rm("d", RmOptions::default()))
    .then(FileAction::symlink(
        "rel/target",
        "link",
        SymlinkOptions::default(),
    ));
    let st = base.file(chain, Constraints::new());
    let def = st.marshal(&options()).unwrap();
    let (op, _) = head(&def);
    let f = file_of(&op);
    // Inputs: alpine (both bases are the same op), then the context.
    assert_eq!(op.inputs.len(), 2);
    assert!(op.platform.is_none());
    let shape: Vec<(i64, i64, i64)> = f
        .actions
        .iter()
        .map(|a| (a.input, a.secondary_input, a.output))
        .collect();
    assert_eq!(
        shape,
        [
            (0, -1, -1), // 0: mkdir d on alpine
            (2, 1, -1),  // 1: copy from context onto action 0
            (0, -1, -1), // 2: mkdir gen on alpine (the bound chain)
            (4, -1, -1), // 3: mkfile gen/f onto action 2
            (3, 5, -1),  // 4: copy action 3's result onto action 1
            (6, -1, -1), // 5: rm
            (7, -1, 0),  // 6: symlink, the only output
        ]
    );
    use pb::file_action::Action;
    let paths: Vec<String> = f
        .actions
        .iter()
        .map(|a| match a.action.as_ref().unwrap() {
            Action::Mkdir(m) => m.path.clone(),
            Action::Mkfile(m) => m.path.clone(),
            Action::Copy(c) => format!("{} -> {}", c.src, c.dest),
            Action::Rm(r) => r.path.clone(),
            Action::Symlink(s) => format!("{} <- {}", s.oldpath, s.newpath),
        })
        .collect();
    assert_eq!(
        paths,
        [
            "/work/d",
            "/b -> /work/dst/.",
            "/src/gen",
            "/src/gen/f",
            "/src/gen -> /gen/",
            "/work/d",
            "rel/target <- link",
        ]
    );
    let Some(Action::Mkdir(m)) = &f.actions[0].action else {
        panic!()
    };
    assert_eq!(m.mode, 0o755);
    assert_eq!(m.timestamp, 1_000);
    assert_eq!(
        m.owner.as_ref().unwrap().user.as_ref().unwrap().user,
        Some(pb::user_opt::User::ByName(pb::NamedUserOpt {
            name: "app".into(),
            input: 0
        }))
    );
    assert_eq!(
        ChownOpt::parse("app").user,
        Some(UserOpt::Name("app".into()))
    );
    // Only file.base is recorded unless asked for the action caps.
    let md = head_metadata(&def);
    assert_eq!(md.caps.keys().collect::<Vec<_>>(), ["file.base"]);
    let mut strict = options();
    strict.record_file_action_caps = true;
    let md = head_metadata(&st.marshal(&strict).unwrap());
    assert!(md.caps.contains_key(caps::FILE_SYMLINK_CREATE));
}

#[test]
fn merge_and_diff_shortcuts() {
    let a = alpine();
    assert!(merge(&[], Constraints::new()).is_scratch());
    assert!(merge(&[State::scratch(), State::scratch()], Constraints::new()).is_scratch());
    let single = merge(&[State::scratch(), a.clone()], Constraints::new());
    assert!(single.output().unwrap().same(a.output().unwrap()));
    assert!(diff(&State::scratch(), &State::scratch(), Constraints::new()).is_scratch());
    let up = diff(&State::scratch(), &a, Constraints::new());
    assert!(up.output().unwrap().same(a.output().unwrap()));

    let d = diff(&a, &State::scratch(), Constraints::new());
    let def = d.marshal(&options()).unwrap();
    let (op, digest) = head(&def);
    let Some(pb::op::Op::Diff(dop)) = &op.op else {
        panic!("not a diff")
    };
    assert_eq!(dop.lower.as_ref().unwrap().input, 0);
    assert_eq!(dop.upper.as_ref().unwrap().input, -1);
    assert!(def.metadata[&digest].caps.contains_key(caps::DIFF_OP));

    let m = merge(&[a.clone(), a.clone()], Constraints::new());
    let def = m.marshal(&options()).unwrap();
    let (op, _) = head(&def);
    assert_eq!(op.inputs.len(), 2);
    assert!(op.platform.is_none());
}

#[test]
fn equal_ops_collapse_and_metadata_merges() {
    let a = Image::new("alpine")
        .constraints(Constraints::new().description("k1", "v1"))
        .build();
    let b = Image::new("docker.io/library/alpine:latest")
        .constraints(Constraints::new().description("k2", "v2").ignore_cache())
        .build();
    let m = merge(&[a, b], Constraints::new().export_cache(true));
    let def = m.marshal(&options()).unwrap();
    // image (once), merge, root
    assert_eq!(def.def.len(), 3);
    let image_digest = &ops(&def)[1].inputs[0].digest;
    let md = &def.metadata[image_digest];
    assert_eq!(md.description.len(), 2);
    assert!(md.ignore_cache);
    let root = Digest::of(def.def.last().unwrap());
    let root_caps: Vec<&String> = def.metadata[root.as_str()].caps.keys().collect();
    assert_eq!(
        root_caps,
        [
            "constraints",
            "meta.description",
            "meta.exportcache",
            "meta.ignorecache",
            "platform"
        ]
    );
}

#[test]
fn scratch_marshals_to_an_empty_definition() {
    let def = State::scratch().marshal(&options()).unwrap();
    assert_eq!(def, pb::Definition::default());
}

#[test]
fn source_maps_and_locations() {
    let sm = SourceMap::new("Dockerfile", "Dockerfile", b"FROM alpine\nRUN x\n".to_vec());
    let same = SourceMap::new("Dockerfile", "Dockerfile", b"FROM alpine\nRUN x\n".to_vec());
    let other = SourceMap::new("other", "", Vec::new()).with_state(State::scratch());
    let base = Image::new("alpine")
        .constraints(Constraints::new().location(sm.location(vec![range(1, 0, 1, 11)])))
        .build();
    let st = base
        .exec()
        .args(["x"])
        .constraints(
            Constraints::new()
                .location(same.location(vec![range(2, 0, 2, 5)]))
                .location(other.location(vec![])),
        )
        .run()
        .root();
    let def = st.marshal(&options()).unwrap();
    let source = def.source.clone().unwrap();
    assert_eq!(source.infos.len(), 2);
    assert_eq!(source.infos[0].filename, "Dockerfile");
    assert_eq!(source.infos[0].definition, None);
    assert_eq!(source.infos[1].definition, Some(pb::Definition::default()));
    // Both ops have entries; the root op has none.
    assert_eq!(source.locations.len(), 2);
    let exec_digest = ops(&def).last().unwrap().inputs[0].digest.clone();
    let locs = &source.locations[&exec_digest].locations;
    assert_eq!(
        locs.iter().map(|l| l.source_index).collect::<Vec<_>>(),
        [0, 1]
    );
    assert_eq!(locs[0].ranges[0].start.as_ref().unwrap().line, 2);
}

#[test]
fn local_unique_and_session() {
    let def = Local::new("context")
        .constraints(Constraints::new().local_unique_id("mine"))
        .build()
        .marshal(&options())
        .unwrap();
    let (op, digest) = head(&def);
    assert_eq!(source_of(&op).attrs["local.unique"], "mine");
    assert!(
        def.metadata[&digest]
            .caps
            .contains_key(caps::SOURCE_LOCAL_UNIQUE)
    );
    let def = Local::new("context")
        .session_id("s1")
        .include_patterns(["a<b"])
        .build()
        .marshal(&options())
        .unwrap();
    let (op, digest) = head(&def);
    let attrs = &source_of(&op).attrs;
    assert!(!attrs.contains_key("local.unique"));
    assert_eq!(attrs["local.session"], "s1");
    assert_eq!(attrs["local.includepattern"], r#"["a\u003cb"]"#);
    assert!(op.platform.is_none());
    assert!(
        def.metadata[&digest]
            .caps
            .contains_key(caps::SOURCE_LOCAL_SESSION_ID)
    );
}

#[test]
fn image_attrs_and_platform() {
    let st = Image::new("busybox:1.36")
        .resolve_mode(ResolveMode::ForcePull)
        .layer_limit(2)
        .checksum("sha256:abc")
        .mark_internal()
        .platform(Platform::new("linux", "aarch64"))
        .build();
    assert_eq!(st.get_platform(), Some(&Platform::linux_arm64()));
    let def = st.marshal(&options()).unwrap();
    let (op, digest) = head(&def);
    let s = source_of(&op);
    assert_eq!(
        s.identifier,
        "docker-image://docker.io/library/busybox:1.36"
    );
    assert_eq!(s.attrs["image.resolvemode"], "pull");
    assert_eq!(s.attrs["image.layerlimit"], "2");
    assert_eq!(s.attrs["image.recordtype"], "internal");
    assert_eq!(op.platform.unwrap().architecture, "arm64");
    let md = &def.metadata[&digest];
    for cap in [
        caps::SOURCE_IMAGE,
        caps::SOURCE_IMAGE_RESOLVE_MODE,
        caps::SOURCE_IMAGE_LAYER_LIMIT,
        caps::SOURCE_IMAGE_CHECKSUM,
    ] {
        assert!(md.caps.contains_key(cap), "{cap}");
    }
    // An exec on it runs for the image's platform.
    let def = st
        .exec()
        .args(["x"])
        .run()
        .root()
        .marshal(&options())
        .unwrap();
    assert_eq!(head(&def).0.platform.unwrap().architecture, "arm64");
    // An image without a platform constraint uses the marshal default.
    let def = Image::new("busybox").build().marshal(&options()).unwrap();
    assert_eq!(head(&def).0.platform.unwrap().architecture, "amd64");
}

#[test]
fn git_forms() {
    let ssh = Git::new("git@github.com:moby/buildkit.git")
        .git_ref("main")
        .subdir("docs")
        .auth_token_secret("TOK")
        .build();
    let def = ssh.marshal(&options()).unwrap();
    let (op, digest) = head(&def);
    let s = source_of(&op);
    assert_eq!(s.identifier, "git://github.com/moby/buildkit.git#main:docs");
    assert_eq!(s.attrs["git.fullurl"], "git@github.com:moby/buildkit.git");
    assert_eq!(s.attrs["git.mountsshsock"], "default");
    assert_eq!(s.attrs["git.authtokensecret"], "TOK");
    assert_eq!(s.attrs["git.authheadersecret"], "GIT_AUTH_HEADER");
    let md = &def.metadata[&digest];
    for cap in [
        caps::SOURCE_GIT,
        caps::SOURCE_GIT_HTTP_AUTH,
        caps::SOURCE_GIT_KNOWN_SSH_HOSTS,
        caps::SOURCE_GIT_MOUNT_SSH_SOCK,
    ] {
        assert!(md.caps.contains_key(cap), "{cap}");
    }
    let frag = Git::with_fragment("https://example.com/r.git", "v1:/a/../b/").build();
    let def = frag.marshal(&options()).unwrap();
    assert_eq!(
        source_of(&head(&def).0).identifier,
        "git://example.com/r.git#v1:b"
    );
}

#[test]
fn http_and_oci_layout_attrs() {
    let def = Http::new("https://example.com/f")
        .chmod(0o644)
        .chown(1, 2)
        .header("text/plain", "")
        .build()
        .marshal(&options())
        .unwrap();
    let (op, digest) = head(&def);
    let attrs = &source_of(&op).attrs;
    assert_eq!(attrs["http.perm"], "0644");
    assert_eq!(attrs["http.uid"], "1");
    assert_eq!(attrs["http.gid"], "2");
    assert_eq!(attrs["http.header.accept"], "text/plain");
    assert!(!attrs.contains_key("http.header.user-agent"));
    assert!(
        def.metadata[&digest]
            .caps
            .contains_key("soruce.http.uidgid")
    );
    let def = OciLayout::new("store@sha256:abc")
        .store("sess", "store")
        .layer_limit(1)
        .build()
        .marshal(&options())
        .unwrap();
    let (op, _) = head(&def);
    assert_eq!(source_of(&op).identifier, "oci-layout://store@sha256:abc");
    assert!(op.platform.is_some());
}

#[test]
fn image_config_and_reset() {
    let config = br#"{"architecture":"arm64","os":"linux","variant":"v8",
        "config":{"Env":["PATH=/bin","EMPTY","=skip","K=a=b"],"WorkingDir":"/srv"}}"#;
    let st = State::scratch().with_image_config(config).unwrap();
    assert_eq!(st.env().to_array(), ["PATH=/bin", "EMPTY=", "K=a=b"]);
    assert_eq!(st.get_dir(), "/srv");
    assert_eq!(st.get_platform(), Some(&Platform::linux_arm64()));
    assert!(State::scratch().with_image_config(b"{").is_err());

    let other = State::scratch().dir("/o").user("u");
    let plain = State::scratch().file(
        FileAction::mkdir("/x", 0o755, MkdirOptions::default()),
        Constraints::new(),
    );
    let reset = plain.reset(&other);
    assert_eq!(reset.get_user(), "u");
    assert_eq!(reset.get_dir(), "/");
    let with_platform = alpine().reset(&other);
    assert_eq!(with_platform.get_dir(), "/o");
    assert_eq!(with_platform.get_platform(), Some(&Platform::linux_amd64()));
}

/// Equal ops built separately merge their metadata under one digest (later description
/// values win, flags and caps add up); `marshal_to_bytes` writes exactly the Definition
/// `marshal` builds, base metadata from the options included.
#[test]
fn merged_metadata_and_marshal_to_bytes_agree() {
    let a = Image::new("alpine")
        .constraints(
            Constraints::new()
                .custom_name("first")
                .description("only.a", "1")
                .ignore_cache(),
        )
        .build();
    let b = Image::new("alpine")
        .constraints(
            Constraints::new()
                .custom_name("second")
                .export_cache(true)
                .progress_group("g", "group", false),
        )
        .build();
    let m = merge(&[a, b], Constraints::new());
    let opts = options().constraints(Constraints::new().description("from.options", "x"));
    let def = m.marshal(&opts).unwrap();
    let bytes = llb::marshal::marshal_to_bytes(&m, &opts).unwrap();
    assert_eq!(bytes, llb::definition::encode_definition(&def));
    // One image op: both States marshal to it.
    let image = def
        .def
        .iter()
        .find(|b| prost::Message::decode(b.as_slice()).is_ok_and(|op: pb::Op| op.inputs.is_empty()))
        .map(|b| Digest::of(b).as_str().to_string())
        .expect("image op");
    let md = &def.metadata[&image];
    assert!(md.ignore_cache);
    assert_eq!(md.export_cache, Some(pb::ExportCache { value: true }));
    assert_eq!(md.description["llb.customname"], "second");
    assert_eq!(md.description["only.a"], "1");
    assert_eq!(md.description["from.options"], "x");
    assert_eq!(md.progress_group.as_ref().map(|g| g.id.as_str()), Some("g"));
    assert!(md.caps.contains_key(caps::SOURCE_IMAGE));
    // The root op records the meta caps any op needs.
    let root = Digest::of(def.def.last().unwrap()).as_str().to_string();
    let root_caps: Vec<&str> = def.metadata[&root]
        .caps
        .keys()
        .map(String::as_str)
        .collect();
    for cap in [
        caps::CONSTRAINTS,
        caps::PLATFORM,
        caps::META_IGNORE_CACHE,
        caps::META_DESCRIPTION,
        caps::META_EXPORT_CACHE,
    ] {
        assert!(root_caps.contains(&cap), "{cap} in {root_caps:?}");
    }
    // Scratch marshals to nothing either way.
    let scratch = State::scratch();
    assert!(
        llb::marshal::marshal_to_bytes(&scratch, &opts)
            .unwrap()
            .is_empty()
    );
    assert_eq!(scratch.marshal(&opts).unwrap(), pb::Definition::default());
}

/// A writer that records each write and can be made to fail.
struct Recorder {
    bytes: Vec<u8>,
    writes: usize,
    fail: bool,
}

impl std::io::Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.fail {
            return Err(std::io::Error::other("disk full"));
        }
        self.writes += 1;
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `marshal_to_writer` writes exactly `marshal_to_bytes`'s bytes, in several writes when the
/// Definition is larger than its buffer; nothing for scratch; a failed write is an error.
#[test]
fn marshal_to_writer_streams_the_same_bytes() {
    // 600 distinct mkfile ops with a 200-byte payload each: ~160 KB of Definition.
    let mut state = State::scratch();
    for i in 0..600 {
        let data = format!("{i:0>200}");
        state = state.file(
            FileAction::mkfile(format!("/f{i}"), 0o644, data, MkfileOptions::default()),
            Constraints::new().custom_name(format!("step {i}")),
        );
    }
    let opts = options();
    let bytes = llb::marshal::marshal_to_bytes(&state, &opts).unwrap();
    assert!(bytes.len() > 128 << 10, "{} bytes", bytes.len());
    let mut out = Recorder {
        bytes: Vec::new(),
        writes: 0,
        fail: false,
    };
    llb::marshal::marshal_to_writer(&state, &opts, &mut out).unwrap();
    assert_eq!(out.bytes, bytes);
    assert!(out.writes >= 3, "{} writes", out.writes);

    let mut empty = Recorder {
        bytes: Vec::new(),
        writes: 0,
        fail: false,
    };
    llb::marshal::marshal_to_writer(&State::scratch(), &opts, &mut empty).unwrap();
    assert_eq!(empty.writes, 0);

    let mut failing = Recorder {
        bytes: Vec::new(),
        writes: 0,
        fail: true,
    };
    assert_eq!(
        llb::marshal::marshal_to_writer(&state, &opts, &mut failing),
        Err(MarshalError::Write("disk full".into()))
    );
}

/// `new_id` gives 25 base-36 characters, never the same twice in a process.
#[test]
fn new_ids_are_base36_and_distinct() {
    let ids: std::collections::BTreeSet<String> =
        (0..10_000).map(|_| llb::marshal::new_id()).collect();
    assert_eq!(ids.len(), 10_000);
    for id in &ids {
        assert_eq!(id.len(), 25, "{id}");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
            "{id}"
        );
    }
}
