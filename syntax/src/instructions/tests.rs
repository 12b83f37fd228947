//! Behaviour of the typed instructions on small Dockerfiles (upstream's parse tests).

use super::*;
use crate::parser::parse as parse_ast;

fn df(src: &str) -> Dockerfile {
    parse(&parse_ast(src).unwrap().ast).unwrap()
}

fn one(src: &str) -> Command {
    let d = df(&format!("FROM a\n{src}"));
    d.stages[0].commands[0].clone()
}

#[test]
fn comments_detection() {
    let d = df(
        "# foo sets foo\nARG foo=bar\n\n# base defines first stage\nFROM busybox AS base\n# this is irrelevant\nARG foo\n# bar defines bar\n# baz is something else\nARG bar baz=123\n",
    );
    assert_eq!(d.stages[0].doc_comment, "defines first stage");
    assert_eq!(d.meta_args[0].args[0].key, "foo");
    assert_eq!(d.meta_args[0].args[0].doc_comment, "sets foo");
    let Command::Arg(a0) = &d.stages[0].commands[0] else {
        panic!()
    };
    assert_eq!(
        (a0.args[0].key.as_str(), a0.args[0].doc_comment.as_str()),
        ("foo", "")
    );
    let Command::Arg(a1) = &d.stages[0].commands[1] else {
        panic!()
    };
    assert_eq!(a1.args[0].doc_comment, "defines bar");
    assert_eq!(
        (a1.args[1].key.as_str(), a1.args[1].value.as_deref()),
        ("baz", Some("123"))
    );
    assert_eq!(a1.args[1].doc_comment, "is something else");
    assert_eq!(a1.args[0].value, None);
}

#[test]
fn stages_and_meta_args() {
    let d = df(
        "ARG A=1\nARG B\nFROM --platform=$BUILDPLATFORM golang AS Build\nRUN x\nfrom build\nCOPY --from=build /a /b\n",
    );
    assert_eq!(d.meta_args.len(), 2);
    assert_eq!(d.stages.len(), 2);
    let s = &d.stages[0];
    assert_eq!(
        (s.name.as_str(), s.base_name.as_str(), s.platform.as_str()),
        ("build", "golang", "$BUILDPLATFORM")
    );
    assert_eq!(s.orig_cmd, "FROM");
    assert_eq!(
        s.source_code(),
        "FROM --platform=$BUILDPLATFORM golang AS Build"
    );
    assert_eq!((s.meta.start_line, s.meta.end_line), (3, 3));
    assert_eq!(d.stages[1].orig_cmd, "from");
    assert_eq!(d.stages[1].name, "");
    assert_eq!(d.stages[1].commands[0].keyword(), Keyword::Copy);
}

#[test]
fn run_flags_and_forms() {
    let Command::Run(r) = one("RUN --mount=type=tmpfs,target=/foo/ echo hello") else {
        panic!()
    };
    assert_eq!(r.flags_used, vec!["mount"]);
    assert_eq!(r.mounts, vec!["type=tmpfs,target=/foo/"]);
    assert_eq!(r.cmd.cmd_line, Some(vec!["echo hello".to_string()]));
    assert!(r.cmd.prepend_shell);
    assert_eq!(
        (r.network, r.security),
        (NetworkMode::Default, Security::Sandbox)
    );

    let Command::Run(r) = one(
        "run --network=none --security=insecure --device=vendor.com/gpu=0,required [\"a\", \"b\"]",
    ) else {
        panic!()
    };
    assert_eq!(r.meta.name, "run");
    assert_eq!(r.cmd.cmd_line, Some(vec!["a".to_string(), "b".to_string()]));
    assert!(!r.cmd.prepend_shell);
    assert_eq!(
        (r.network, r.security),
        (NetworkMode::None, Security::Insecure)
    );
    assert_eq!(
        r.devices,
        vec![Device {
            name: "vendor.com/gpu=0".into(),
            required: true
        }]
    );
    assert_eq!(r.flags_used, vec!["network", "security", "device"]);

    let Command::Run(r) = one("RUN <<-EOF bash\n\techo hi\nEOF\n") else {
        panic!()
    };
    assert_eq!(
        r.cmd.files,
        vec![ShellInlineFile {
            name: "EOF".into(),
            data: "\techo hi\n".into(),
            chomp: true
        }]
    );
    assert_eq!(r.meta.code, "RUN <<-EOF bash");
    assert_eq!((r.meta.start_line, r.meta.end_line), (2, 4));
}

#[test]
fn literal_mounts_are_parsed_once() {
    let literal = |src: &str| -> Option<Vec<crate::mount::Mount>> {
        let Command::Run(r) = one(src) else { panic!() };
        r.literal_mounts
    };
    let expand = |w: &str| Ok::<String, crate::shell::ShellError>(format!("<{w}>"));
    // Nothing to expand: parsed as any expander would parse it, each value in order.
    let values = [
        "type=cache,target=/root/.cache,id=c0,sharing=locked",
        "type=secret,id=tok",
    ];
    let parsed = literal(&format!(
        "RUN --mount={} --mount={} true",
        values[0], values[1]
    ));
    let want: Vec<_> = values
        .iter()
        .map(|v| crate::mount::parse_mount(v, Some(&mut |w: &str| Ok(w.to_owned()))).unwrap())
        .collect();
    assert_eq!(parsed.as_deref(), Some(&want[..]));
    assert_eq!(want[0].target, "/root/.cache");
    assert_eq!(literal("RUN true"), Some(Vec::new()));
    // A variable, quote or escape in any value: every value is left to the compiler.
    for src in [
        "RUN --mount=type=cache,target=/a --mount=type=cache,target=$HOME true",
        "RUN --mount=type=bind,source=a\\$b true",
        "RUN --mount=type=bind,\"source=a'b\" true",
    ] {
        let Command::Run(r) = one(src) else { panic!() };
        assert_eq!(r.literal_mounts, None, "{src}: {:?}", r.mounts);
    }
    // A literal value upstream refuses only at dispatch still parses here.
    assert_eq!(literal("RUN --mount=type=bind,size=1 true"), None);
    assert!(crate::mount::parse_mount("type=bind,size=1", Some(&mut |w: &str| expand(w))).is_err());
}

#[test]
fn cmd_and_entrypoint_nil_vs_empty() {
    let Command::Cmd(c) = one("CMD []") else {
        panic!()
    };
    assert_eq!(c.cmd.cmd_line, Some(vec![]));
    let Command::Entrypoint(e) = one("ENTRYPOINT []") else {
        panic!()
    };
    assert_eq!(e.cmd.cmd_line, None);
    let Command::Entrypoint(e) = one("ENTRYPOINT top -b") else {
        panic!()
    };
    assert_eq!(e.cmd.args(), ["top -b"]);
}

#[test]
fn healthcheck() {
    let Command::Healthcheck(h) = one("HEALTHCHECK CMD hello world") else {
        panic!()
    };
    assert_eq!(h.health.test, vec!["CMD-SHELL", "hello world"]);
    let Command::Healthcheck(h) = one(
        "HEALTHCHECK --interval=5s --timeout=3s --start-period=1m --start-interval=0s --retries=3 CMD [\"curl\", \"-f\"]",
    ) else {
        panic!()
    };
    assert_eq!(h.health.test, vec!["CMD", "curl", "-f"]);
    assert_eq!(h.health.interval, std::time::Duration::from_secs(5));
    assert_eq!(h.health.timeout, std::time::Duration::from_secs(3));
    assert_eq!(h.health.start_period, std::time::Duration::from_secs(60));
    assert_eq!(h.health.start_interval, std::time::Duration::ZERO);
    assert_eq!(h.health.retries, 3);
    let Command::Healthcheck(h) = one("HEALTHCHECK --interval=bogus none") else {
        panic!()
    };
    assert_eq!(h.health.test, vec!["NONE"]);
}

#[test]
fn copy_and_add() {
    let Command::Copy(c) = one(
        "COPY --from=build --chown=1:1 --chmod=755 --link --parents --exclude=*.md --exclude=x a b /dst/",
    ) else {
        panic!()
    };
    assert_eq!(c.from, "build");
    assert_eq!((c.chown.as_str(), c.chmod.as_str()), ("1:1", "755"));
    assert!(c.link && c.parents);
    assert_eq!(c.exclude_patterns, vec!["*.md", "x"]);
    assert_eq!(c.sources.source_paths, vec!["a", "b"]);
    assert_eq!(c.sources.dest_path, "/dst/");

    let Command::Copy(c) = one("COPY <<-A <<'B' x /dst\n\tone\nA\n$two\nB\n") else {
        panic!()
    };
    assert_eq!(c.sources.source_paths, vec!["x"]);
    assert_eq!(
        c.sources.source_contents,
        vec![
            SourceContent {
                path: "A".into(),
                data: "one\n".into(),
                expand: true
            },
            SourceContent {
                path: "B".into(),
                data: "$two\n".into(),
                expand: false
            },
        ]
    );

    let Command::Add(a) =
        one("ADD --keep-git-dir=false --checksum=sha256:x --unpack https://x/y.tgz /z")
    else {
        panic!()
    };
    assert_eq!((a.keep_git_dir, a.unpack), (Some(false), Some(true)));
    assert_eq!(a.checksum, "sha256:x");
    let Command::Add(a) = one("ADD a b") else {
        panic!()
    };
    assert_eq!((a.keep_git_dir, a.unpack, a.link), (None, None, false));
}

#[test]
fn key_values() {
    let Command::Env(e) = one("ENV a=1 b=\"2 3\"") else {
        panic!()
    };
    assert_eq!(
        e.env,
        vec![
            KeyValuePair {
                key: "a".into(),
                value: "1".into(),
                no_delim: false
            },
            KeyValuePair {
                key: "b".into(),
                value: "\"2 3\"".into(),
                no_delim: false
            },
        ]
    );
    let Command::Env(e) = one("ENV a b c") else {
        panic!()
    };
    assert_eq!(
        e.env,
        vec![KeyValuePair {
            key: "a".into(),
            value: "b c".into(),
            no_delim: true
        }]
    );
    let Command::Label(l) = one("LABEL \"x\"=y") else {
        panic!()
    };
    assert_eq!(
        (l.labels[0].key.as_str(), l.labels[0].value.as_str()),
        ("\"x\"", "y")
    );
}

#[test]
fn metadata() {
    let Command::Expose(e) = one("EXPOSE 8080 443/tcp 80") else {
        panic!()
    };
    assert_eq!(e.ports, vec!["443/tcp", "80", "8080"]);
    let Command::Volume(v) = one("VOLUME [\" /a \", \"/b\"]") else {
        panic!()
    };
    assert_eq!(v.volumes, vec!["/a", "/b"]);
    let Command::Workdir(w) = one("WORKDIR /a b") else {
        panic!()
    };
    assert_eq!(w.path, "/a b");
    let Command::User(u) = one("USER 1000:1000") else {
        panic!()
    };
    assert_eq!(u.user, "1000:1000");
    // STOPSIGNAL and ARG parse no flags upstream: written flags are ignored.
    let Command::StopSignal(s) = one("STOPSIGNAL --x=1 SIGTERM") else {
        panic!()
    };
    assert_eq!(s.signal, "SIGTERM");
    let Command::Arg(a) = one("ARG --x=1 y") else {
        panic!()
    };
    assert_eq!(a.args[0].key, "y");
    let Command::Maintainer(m) = one("MAINTAINER me <me@x>") else {
        panic!()
    };
    assert_eq!(m.maintainer, "me <me@x>");
    let Command::Shell(s) = one("SHELL [\"pwsh\", \"-c\"]") else {
        panic!()
    };
    assert_eq!(s.shell, vec!["pwsh", "-c"]);
}

#[test]
fn onbuild() {
    let Command::Onbuild(o) = one("ONBUILD RUN echo hi") else {
        panic!()
    };
    assert_eq!(o.expression, "RUN echo hi");
    let Command::Onbuild(o) = one("onbuild  COPY <<EOF /x\nbody\nEOF\n") else {
        panic!()
    };
    assert_eq!(o.expression, "COPY <<EOF /x\nbody\nEOF");
}

#[test]
fn keywords() {
    assert_eq!(Keyword::parse("rUn"), Some(Keyword::Run));
    assert_eq!(Keyword::parse("WOR\u{212a}DIR"), Some(Keyword::Workdir));
    assert_eq!(Keyword::parse("runn"), None);
    assert_eq!(Keyword::parse("healthcheckx"), None);
    assert_eq!(Keyword::parse(""), None);
    // Every keyword, in any ASCII casing, and nothing else of its length.
    for k in Keyword::ALL {
        assert_eq!(Keyword::parse(k.as_str()), Some(k));
        assert_eq!(Keyword::parse(&k.as_str().to_uppercase()), Some(k));
        assert_eq!(Keyword::parse(&format!("{}x", k.as_str())), None);
    }
    assert_eq!(
        parse_instruction(&parse_ast("FROM a").unwrap().ast.children[0])
            .map(|i| matches!(i, Instruction::Stage(_))),
        Ok(true)
    );
    let e = parse_command(&parse_ast("FROM a").unwrap().ast.children[0]).unwrap_err();
    assert_eq!(e.to_string(), "*instructions.Stage is not a command type");
}
