//! `llb-dump diff`: two Definitions built from the goldens by changing one
//! RUN command (and re-digesting what depends on it).

mod common;

use llb::definition::{DecodedDefinition, decode_definition, encode_definition, rewrite};
use llb::dump::diff::diff;
use llb::pb;

fn load(case: &str) -> DecodedDefinition {
    let path = common::shared_dir()
        .join("corpus/llb")
        .join(case)
        .join("definition.pb");
    decode_definition(&common::read(&path)).unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// `def` with the exec whose last argument is `from` running `to` instead.
fn change_run(def: &DecodedDefinition, from: &str, to: &str) -> DecodedDefinition {
    let mut hits = 0;
    let changed = rewrite(def, |_, op, _| {
        if let Some(pb::op::Op::Exec(exec)) = &mut op.op
            && let Some(meta) = &mut exec.meta
            && meta.args.last().is_some_and(|a| a == from)
        {
            *meta.args.last_mut().expect("checked above") = to.to_string();
            hits += 1;
        }
    });
    assert_eq!(hits, 1, "exactly one RUN {from:?}");
    decode_definition(&encode_definition(&changed)).expect("rewritten definition is valid")
}

#[test]
fn identical_definitions_have_no_differences() {
    let a = load("run-mount-cache");
    let report = diff(&a, &a);
    assert!(report.is_empty());
    assert_eq!(report.to_string(), "no differences (6 ops)\n");
}

#[test]
fn changed_run_is_named_with_its_dependants_and_nothing_else() {
    let a = load("run-mount-cache");
    let b = change_run(&a, "apk add git", "apk add curl");
    let report = diff(&a, &b);

    assert_eq!((report.ops_a, report.ops_b, report.unchanged), (6, 6, 2));
    assert!(
        report.only_a.is_empty() && report.only_b.is_empty(),
        "{report}"
    );

    assert_eq!(report.changed.len(), 1, "{report}");
    let change = &report.changed[0];
    assert_eq!(
        change.a.name,
        "[stage-0 2/4] RUN --mount=type=cache,target=/var/cache/apk apk add git"
    );
    assert_eq!(change.field, "exec.meta.args[2]");
    assert_eq!(change.old, "\"apk add git\"");
    assert_eq!(change.new, "\"apk add curl\"");

    let affected: Vec<&str> = report.affected.iter().map(|x| x.a.name.as_str()).collect();
    assert_eq!(affected.len(), 3, "{report}");
    assert!(affected[0].starts_with("[stage-0 3/4] RUN"), "{affected:?}");
    assert!(affected[1].starts_with("[stage-0 4/4] RUN"), "{affected:?}");
    assert_eq!(report.affected[2].a.kind, "output");

    // The last RUN got the change through its root mount, two steps down.
    let run4 = &report.affected[1];
    assert_eq!((run4.input, run4.role.as_str()), (0, "/"));
    let chain: Vec<&str> = run4.chain.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(chain.len(), 2);
    assert!(chain[0].starts_with("[stage-0 3/4] RUN"));
    assert_eq!(chain[1], change.a.name);

    let text = report.to_string();
    assert!(
        text.contains("first difference: exec.meta.args[2]: \"apk add git\" -> \"apk add curl\""),
        "{text}"
    );
    assert!(
        text.contains("via input 0 [/] <- [stage-0 3/4] RUN"),
        "{text}"
    );
    for unchanged in ["FROM", "setting cache mount permissions"] {
        assert!(
            !text.contains(unchanged),
            "report names unchanged op {unchanged:?}:\n{text}"
        );
    }
}

#[test]
fn change_in_a_build_stage_reaches_the_copy_from_it() {
    let a = load("multistage-copy-from");
    let b = change_run(
        &a,
        "go build -o /out/app .",
        "go build -trimpath -o /out/app .",
    );
    let report = diff(&a, &b);
    assert_eq!(report.changed.len(), 1, "{report}");
    assert_eq!(
        report.changed[0].a.name,
        "[build 4/4] RUN go build -o /out/app ."
    );
    let copy = &report.affected[0];
    assert_eq!(
        copy.a.name,
        "[runtime 2/2] COPY --from=build /out/app /usr/local/bin/app"
    );
    assert_eq!((copy.input, copy.role.as_str()), (1, "source"));
    assert_eq!(
        report.affected.len(),
        2,
        "the COPY and the output op: {report}"
    );
    let text = report.to_string();
    for unchanged in ["FROM", "WORKDIR", "COPY . .", "load build context"] {
        assert!(
            !text.contains(unchanged),
            "names unchanged op {unchanged:?}:\n{text}"
        );
    }
}

#[test]
fn unrelated_definitions_report_ops_only_on_one_side() {
    let a = load("run-mount-cache");
    let b = load("multistage-copy-from");
    let report = diff(&a, &b);
    assert!(!report.is_empty());
    // alpine:latest is the same op in both.
    assert_eq!(report.unchanged, 1);
    let paired = report.changed.len() + report.affected.len();
    assert_eq!(
        report.only_a.len() + paired,
        report.ops_a - report.unchanged
    );
    assert_eq!(
        report.only_b.len() + paired,
        report.ops_b - report.unchanged
    );
    let text = report.to_string();
    assert!(text.contains("only in A:") || text.contains("only in B:") || paired > 0);
}
