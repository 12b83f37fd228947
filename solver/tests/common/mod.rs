//! Test helpers: a tiny Definition builder over `llb::pb` and solver setup.
#![allow(dead_code, missing_docs)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use llb::definition::{encode_definition, encode_op, op_digest};
use llb::pb;
use solver::progress::RecordingProgress;
use solver::sandbox::Executor;
use solver::{SolveOptions, Solver};

/// An output of a vertex: (digest, index).
#[derive(Debug, Clone, PartialEq)]
pub struct Out(pub String, pub i64);

/// Builds a Definition op by op.
#[derive(Default)]
pub struct Graph {
    ops: Vec<Vec<u8>>,
    seen: std::collections::HashSet<String>,
    meta: BTreeMap<String, pb::OpMetadata>,
}

pub fn platform() -> pb::Platform {
    solver::host_platform()
}

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    pub fn add(&mut self, op: pb::Op, name: &str) -> String {
        let d = op_digest(&op).to_string();
        if self.seen.insert(d.clone()) {
            self.ops.push(encode_op(&op));
        }
        if !name.is_empty() {
            self.meta
                .entry(d.clone())
                .or_default()
                .description
                .insert("llb.customname".into(), name.into());
        }
        d
    }

    pub fn ignore_cache(&mut self, d: &str) {
        self.meta.entry(d.to_string()).or_default().ignore_cache = true;
    }

    pub fn source(&mut self, identifier: &str, attrs: &[(&str, &str)], name: &str) -> Out {
        let op = pb::Op {
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: identifier.into(),
                attrs: attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            })),
            platform: identifier.starts_with("docker-image://").then(platform),
            constraints: Some(Default::default()),
            ..Default::default()
        };
        Out(self.add(op, name), 0)
    }

    pub fn local(&mut self, name: &str) -> Out {
        self.source(&format!("local://{name}"), &[], &format!("load {name}"))
    }

    pub fn image(&mut self, r: &str) -> Out {
        self.source(&format!("docker-image://{r}"), &[], &format!("FROM {r}"))
    }

    /// A FileOp with actions; inputs are the op inputs.
    pub fn file(&mut self, inputs: &[&Out], actions: Vec<pb::FileAction>, name: &str) -> Out {
        let op = pb::Op {
            inputs: inputs
                .iter()
                .map(|o| pb::Input {
                    digest: o.0.clone(),
                    index: o.1,
                })
                .collect(),
            op: Some(pb::op::Op::File(pb::FileOp { actions })),
            constraints: Some(Default::default()),
            ..Default::default()
        };
        Out(self.add(op, name), 0)
    }

    /// An exec with root `root` (None = scratch) running `args`, extra
    /// mounts after the root.
    pub fn exec(
        &mut self,
        root: Option<&Out>,
        args: &[&str],
        extra: Vec<(Option<&Out>, pb::Mount)>,
        name: &str,
    ) -> Out {
        self.exec_full(root, args, extra, name, |_| {})
    }

    pub fn exec_full(
        &mut self,
        root: Option<&Out>,
        args: &[&str],
        extra: Vec<(Option<&Out>, pb::Mount)>,
        name: &str,
        tweak: impl FnOnce(&mut pb::ExecOp),
    ) -> Out {
        let mut inputs = Vec::new();
        let mut mounts = Vec::new();
        let add_input = |o: Option<&Out>, inputs: &mut Vec<pb::Input>| -> i64 {
            match o {
                None => -1,
                Some(o) => {
                    inputs.push(pb::Input {
                        digest: o.0.clone(),
                        index: o.1,
                    });
                    inputs.len() as i64 - 1
                }
            }
        };
        let ri = add_input(root, &mut inputs);
        mounts.push(pb::Mount {
            input: ri,
            dest: "/".into(),
            output: 0,
            ..Default::default()
        });
        for (o, mut m) in extra {
            m.input = add_input(o, &mut inputs);
            mounts.push(m);
        }
        let mut e = pb::ExecOp {
            meta: Some(pb::Meta {
                args: args.iter().map(|s| s.to_string()).collect(),
                env: vec![
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
                ],
                cwd: "/".into(),
                remove_mount_stubs_recursive: true,
                ..Default::default()
            }),
            mounts,
            ..Default::default()
        };
        tweak(&mut e);
        let op = pb::Op {
            inputs,
            op: Some(pb::op::Op::Exec(e)),
            platform: Some(platform()),
            constraints: Some(Default::default()),
        };
        Out(self.add(op, name), 0)
    }

    pub fn merge(&mut self, inputs: &[&Out]) -> Out {
        let op = pb::Op {
            inputs: inputs
                .iter()
                .map(|o| pb::Input {
                    digest: o.0.clone(),
                    index: o.1,
                })
                .collect(),
            op: Some(pb::op::Op::Merge(pb::MergeOp {
                inputs: (0..inputs.len())
                    .map(|i| pb::MergeInput { input: i as i64 })
                    .collect(),
            })),
            constraints: Some(Default::default()),
            ..Default::default()
        };
        Out(self.add(op, "merge"), 0)
    }

    pub fn diff(&mut self, lower: &Out, upper: &Out) -> Out {
        let op = pb::Op {
            inputs: vec![
                pb::Input {
                    digest: lower.0.clone(),
                    index: lower.1,
                },
                pb::Input {
                    digest: upper.0.clone(),
                    index: upper.1,
                },
            ],
            op: Some(pb::op::Op::Diff(pb::DiffOp {
                lower: Some(pb::LowerDiffInput { input: 0 }),
                upper: Some(pb::UpperDiffInput { input: 1 }),
            })),
            constraints: Some(Default::default()),
            ..Default::default()
        };
        Out(self.add(op, "diff"), 0)
    }

    pub fn definition(&self, root: &Out) -> Vec<u8> {
        let mut ops = self.ops.clone();
        ops.push(encode_op(&pb::Op {
            inputs: vec![pb::Input {
                digest: root.0.clone(),
                index: root.1,
            }],
            ..Default::default()
        }));
        encode_definition(&pb::Definition {
            def: ops,
            metadata: self.meta.clone(),
            source: None,
        })
    }
}

pub fn copy_action(
    src: &str,
    dest: &str,
    secondary: i64,
    input: i64,
    output: i64,
) -> pb::FileAction {
    pb::FileAction {
        input,
        secondary_input: secondary,
        output,
        action: Some(pb::file_action::Action::Copy(copy(src, dest))),
    }
}

/// A copy with Dockerfile COPY defaults.
pub fn copy(src: &str, dest: &str) -> pb::FileActionCopy {
    pb::FileActionCopy {
        src: src.into(),
        dest: dest.into(),
        mode: -1,
        timestamp: -1,
        follow_symlink: true,
        dir_copy_contents: true,
        create_dest_path: true,
        allow_wildcard: true,
        allow_empty_wildcard: true,
        ..Default::default()
    }
}

pub fn action(
    input: i64,
    secondary: i64,
    output: i64,
    a: pb::file_action::Action,
) -> pb::FileAction {
    pb::FileAction {
        input,
        secondary_input: secondary,
        output,
        action: Some(a),
    }
}

pub fn mkfile(path: &str, data: &str, mode: i32) -> pb::file_action::Action {
    pb::file_action::Action::Mkfile(pb::FileActionMkFile {
        path: path.into(),
        mode,
        data: data.as_bytes().to_vec(),
        owner: None,
        timestamp: -1,
    })
}

pub fn mkdir(path: &str, mode: i32, parents: bool) -> pb::file_action::Action {
    pb::file_action::Action::Mkdir(pb::FileActionMkDir {
        path: path.into(),
        mode,
        make_parents: parents,
        owner: None,
        timestamp: -1,
    })
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub progress: Arc<RecordingProgress>,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            progress: Arc::new(RecordingProgress::new()),
        }
    }

    pub fn cache(&self) -> std::path::PathBuf {
        self.dir.path().join("cache")
    }

    pub fn context(&self) -> std::path::PathBuf {
        let p = self.dir.path().join("context");
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    pub fn opts(&self) -> SolveOptions {
        let mut o = SolveOptions::new(self.cache());
        o.locals.insert("context".into(), self.context());
        o
    }

    pub fn solver(&self, opts: SolveOptions, exec: Arc<dyn Executor>) -> Solver {
        self.progress_reset();
        Solver::new(opts, exec, self.progress.clone()).unwrap()
    }

    fn progress_reset(&self) {}
}

pub fn write(root: &Path, rel: &str, data: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

pub fn is_root() -> bool {
    nix_uid() == 0
}

fn nix_uid() -> u32 {
    // SAFETY: getuid has no preconditions.
    unsafe { libc_getuid() }
}

unsafe extern "C" {
    #[link_name = "getuid"]
    fn libc_getuid() -> u32;
}
