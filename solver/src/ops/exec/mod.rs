//! ExecOp: runs a process in the sandbox with the root mount as an overlay
//! over its input, the other mounts (bind, cache, tmpfs, secret, ssh), CDI
//! devices, and commits every read-write mount that has an output.

pub mod cache_mount;
pub mod cdi;
pub mod commit;
pub mod secrets;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use llb::pb;
use prost::Message;

use super::{
    KeyBuilder, KeyInfo, OpCtx, Selector, content_hash, input_key, platform_bytes, tree_of,
};
use crate::error::{Result, SolveError};
use crate::fsutil::safepath::{clean_abs, resolve_relative};
use crate::fsutil::users::UserDb;
use crate::refs::Ref;
use crate::sandbox::{DeviceSpec, ExecSpec, MountKind, MountSpec, Network, Overlay};
use crate::solve::SandboxNetwork;
use crate::solve::scheduler::Job;
use crate::store::{Snapshot, SnapshotMeta};

/// The `PATH` used when the op's environment has none.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The default hostname (BuildKit's).
pub const DEFAULT_HOSTNAME: &str = "buildkitsandbox";

fn exec_op(job: &Job, n: usize) -> Result<&pb::ExecOp> {
    match &job.nodes[n].op.op {
        Some(pb::op::Op::Exec(e)) => Ok(e),
        _ => Err(SolveError::Op("not an exec op".into())),
    }
}

/// The ExecOp with fields that cannot change the result cleared.
pub fn normalized(e: &pb::ExecOp) -> pb::ExecOp {
    let mut n = e.clone();
    if let Some(m) = n.meta.as_mut() {
        m.proxy_env = None;
        for h in m.extra_hosts.iter_mut() {
            h.ip.clear();
        }
    }
    for m in n.mounts.iter_mut() {
        m.selector.clear();
        if let Some(c) = m.cache_opt.as_mut() {
            let derived = c.id == m.dest || c.id.ends_with(&format!("/{}", m.dest));
            if !(derived && c.sharing == pb::CacheSharingOpt::Shared as i32) {
                c.id.clear();
                c.sharing = 0;
            }
        }
    }
    n
}

/// Key: the normalized op, the platform, and per mount input either its
/// key plus selector (root and writable mounts) or the content hash of the
/// selected path (read-only and output-less mounts).
pub(crate) async fn cache_key(job: Arc<Job>, n: usize) -> Result<KeyInfo> {
    let e = exec_op(&job, n)?.clone();
    let platform = job.nodes[n]
        .op
        .platform
        .clone()
        .unwrap_or_else(|| job.solver.opts.platform.clone());
    let mut kb = KeyBuilder::new("exec");
    kb.add("op", &normalized(&e).encode_to_vec());
    kb.add("platform", &platform_bytes(&platform));
    for m in &e.mounts {
        if m.input < 0 {
            continue;
        }
        let by_content = m.dest != "/"
            && (m.readonly || m.output < 0)
            && m.mount_type == pb::MountType::Bind as i32;
        if by_content {
            let r = job.clone().input_ref(n, m.input as usize).await?;
            let solver = job.solver.clone();
            let sel = Selector {
                path: if m.selector.is_empty() {
                    "/".into()
                } else {
                    m.selector.clone()
                },
                follow: true,
                ..Default::default()
            };
            let h = super::source::blocking(move || content_hash(&solver, &r, &sel)).await?;
            kb.add("mount-content", format!("{}\0{h}", m.dest).as_bytes());
        } else {
            let k = input_key(&job, n, m.input as usize).await?;
            kb.add(
                "mount-key",
                format!("{}\0{}\0{k}", m.dest, m.selector).as_bytes(),
            );
        }
    }
    Ok(KeyInfo::key(kb.finish()))
}

/// Missing path components of `rel` (already resolved) in `lower`, as stub
/// entries (parents first; the last is a file when `file`).
fn stubs_for(lower: &Path, rel: &Path, file: bool, out: &mut Vec<(String, bool)>) {
    let comps: Vec<_> = rel.components().collect();
    let mut cur = PathBuf::new();
    let mut missing = false;
    for (i, c) in comps.iter().enumerate() {
        cur.push(c);
        if !missing && std::fs::symlink_metadata(lower.join(&cur)).is_err() {
            missing = true;
        }
        if missing {
            let is_last = i + 1 == comps.len();
            let entry = (cur.to_string_lossy().into_owned(), !(is_last && file));
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
}

/// A prepared read-write mount whose changes become an output.
struct WritableMount {
    output: i64,
    overlay: Overlay,
    base: Option<Arc<Snapshot>>,
}

fn hosts_file(extra: &[pb::HostIp], hostname: &str) -> String {
    let mut s =
        format!("127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    for h in extra {
        s.push_str(&format!("{}\t{}\n", h.ip, h.host));
    }
    s
}

/// Runs the exec op.
pub(crate) fn run(ctx: &OpCtx, e: &pb::ExecOp, inputs: Vec<Ref>) -> Result<Vec<Ref>> {
    let meta = e.meta.clone().unwrap_or_default();
    if meta.args.is_empty() {
        return Err(SolveError::Op("invalid empty args".into()));
    }
    let opts = &ctx.solver.opts;
    let store = &ctx.store;
    let scratch = store.scratch_dir("exec")?;
    let empty_lower = scratch.join("empty");
    std::fs::create_dir_all(&empty_lower).map_err(SolveError::io("create empty dir"))?;

    let input_tree = |i: i64| -> Result<Option<Arc<Snapshot>>> {
        if i < 0 {
            return Ok(None);
        }
        let r = inputs
            .get(i as usize)
            .ok_or_else(|| SolveError::Op(format!("mount input {i} out of range")))?;
        tree_of(store, r)
    };

    // Root mount.
    let root_mount = e
        .mounts
        .iter()
        .find(|m| m.dest == "/")
        .ok_or_else(|| SolveError::Op("exec op has no root mount".into()))?;
    let root_base = input_tree(root_mount.input)?;
    let root_lower = root_base
        .as_ref()
        .map(|s| s.dir.clone())
        .unwrap_or_else(|| empty_lower.clone());
    let mk_overlay = |name: &str, lower: PathBuf| -> Result<Overlay> {
        let upper = scratch.join(format!("{name}-upper"));
        let work = scratch.join(format!("{name}-work"));
        std::fs::create_dir_all(&upper).map_err(SolveError::io("create upper dir"))?;
        std::fs::create_dir_all(&work).map_err(SolveError::io("create work dir"))?;
        Ok(Overlay { lower, upper, work })
    };
    let root_overlay = mk_overlay("root", root_lower.clone())?;

    // Identity and environment.
    let users = UserDb::load(&root_lower);
    let user = users
        .exec_user(&meta.user)
        .map_err(|e| SolveError::Op(e.to_string()))?;
    let mut env: Vec<String> = meta.env.clone();
    if !env.iter().any(|v| v.starts_with("PATH=")) {
        env.push(DEFAULT_PATH.to_string());
    }
    if !env.iter().any(|v| v.starts_with("HOME=")) {
        env.push(format!("HOME={}", user.home));
    }
    if let Some(p) = &meta.proxy_env {
        for (k, v) in [
            ("HTTP_PROXY", &p.http_proxy),
            ("HTTPS_PROXY", &p.https_proxy),
            ("FTP_PROXY", &p.ftp_proxy),
            ("NO_PROXY", &p.no_proxy),
            ("ALL_PROXY", &p.all_proxy),
        ] {
            if !v.is_empty() {
                env.push(format!("{k}={v}"));
                env.push(format!("{}={v}", k.to_lowercase()));
            }
        }
    }
    for se in &e.secretenv {
        match opts.secrets.get(&se.id).and_then(|s| s.read()) {
            Some(v) => env.push(format!("{}={}", se.name, String::from_utf8_lossy(&v))),
            None if se.optional => {}
            None => return Err(SolveError::Op(format!("secret {}: not found", se.id))),
        }
    }
    let hostname = if meta.hostname.is_empty() {
        DEFAULT_HOSTNAME.to_string()
    } else {
        meta.hostname.clone()
    };
    let network = match pb::NetMode::try_from(e.network).unwrap_or(pb::NetMode::Unset) {
        pb::NetMode::Host => Network::Host,
        pb::NetMode::None => Network::None,
        pb::NetMode::Unset => match opts.sandbox_network {
            SandboxNetwork::Host => Network::Host,
            SandboxNetwork::None => Network::None,
        },
    };

    // CDI devices.
    let cdi_names: Vec<(String, bool)> = e
        .cdi_devices
        .iter()
        .map(|d| (d.name.clone(), d.optional))
        .collect();
    let cdi_edits = if cdi_names.is_empty() {
        cdi::ContainerEdits::default()
    } else {
        cdi::resolve(&opts.cdi_dirs, &cdi_names).map_err(|e| SolveError::Op(e.to_string()))?
    };
    env.extend(cdi_edits.env.iter().cloned());

    // Mounts.
    // /proc, /dev and /sys are created by the sandbox when missing and,
    // as with BuildKit's runc worker, stay in the result.
    let mut stubs: Vec<(String, bool)> = Vec::new();
    let resolve_dest = |dest: &str| -> Result<PathBuf> {
        resolve_relative(&root_lower, &clean_abs(dest), true)
            .map_err(|e| SolveError::Op(e.to_string()))
    };
    let mut mounts: Vec<MountSpec> = Vec::new();
    let mut writable: Vec<WritableMount> = Vec::new();
    let mut cache_mounts = Vec::new();
    let mut secret_dir: Option<secrets::SecretDir> = None;
    let mut sorted: Vec<(usize, &pb::Mount)> = e
        .mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| m.dest != "/")
        .collect();
    sorted.sort_by(|a, b| a.1.dest.cmp(&b.1.dest));
    for (i, m) in sorted {
        let dest_rel = resolve_dest(&m.dest)?;
        let dest = format!("/{}", dest_rel.to_string_lossy());
        let mt = pb::MountType::try_from(m.mount_type).unwrap_or(pb::MountType::Bind);
        match mt {
            pb::MountType::Bind => {
                let base = input_tree(m.input)?;
                let base_dir = base
                    .as_ref()
                    .map(|s| s.dir.clone())
                    .unwrap_or_else(|| empty_lower.clone());
                let sel_rel = if m.selector.is_empty() {
                    PathBuf::new()
                } else {
                    resolve_relative(&base_dir, &m.selector, true)
                        .map_err(|e| SolveError::Op(e.to_string()))?
                };
                let src = base_dir.join(&sel_rel);
                if std::fs::symlink_metadata(&src).is_err() {
                    return Err(SolveError::Op(format!(
                        "failed to mount {}: {}: no such file or directory",
                        m.dest,
                        clean_abs(&m.selector)
                    )));
                }
                let file = !src.is_dir();
                stubs_for(&root_lower, &dest_rel, file, &mut stubs);
                if m.readonly {
                    mounts.push(MountSpec {
                        dest,
                        kind: MountKind::Bind {
                            src,
                            readonly: true,
                        },
                        file,
                    });
                } else {
                    let ov = mk_overlay(&format!("m{i}"), base_dir)?;
                    mounts.push(MountSpec {
                        dest,
                        kind: MountKind::Overlay {
                            overlay: ov.clone(),
                            subpath: sel_rel,
                        },
                        file,
                    });
                    if m.output >= 0 {
                        writable.push(WritableMount {
                            output: m.output,
                            overlay: ov,
                            base,
                        });
                    }
                }
            }
            pb::MountType::Cache => {
                let c = m.cache_opt.clone().unwrap_or_default();
                let base = input_tree(m.input)?;
                let base_dir = match &base {
                    Some(s) if !m.selector.is_empty() => Some(
                        s.dir.join(
                            resolve_relative(&s.dir, &m.selector, true)
                                .map_err(|e| SolveError::Op(e.to_string()))?,
                        ),
                    ),
                    Some(s) => Some(s.dir.clone()),
                    None => None,
                };
                let id = if c.id.is_empty() {
                    m.dest.clone()
                } else {
                    c.id.clone()
                };
                let cm = cache_mount::acquire(
                    store,
                    &id,
                    cache_mount::Sharing::from_pb(c.sharing),
                    base_dir.as_deref(),
                )?;
                stubs_for(&root_lower, &dest_rel, false, &mut stubs);
                mounts.push(MountSpec {
                    dest,
                    kind: MountKind::Bind {
                        src: cm.dir.clone(),
                        readonly: m.readonly,
                    },
                    file: false,
                });
                cache_mounts.push(cm);
            }
            pb::MountType::Tmpfs => {
                stubs_for(&root_lower, &dest_rel, false, &mut stubs);
                let size = m
                    .tmpfs_opt
                    .as_ref()
                    .map(|t| t.size)
                    .filter(|s| *s > 0)
                    .map(|s| s as u64);
                mounts.push(MountSpec {
                    dest,
                    kind: MountKind::Tmpfs { size },
                    file: false,
                });
            }
            pb::MountType::Secret => {
                let so = m.secret_opt.clone().unwrap_or_default();
                let data = opts.secrets.get(&so.id).and_then(|s| s.read());
                let Some(data) = data else {
                    if so.optional {
                        continue;
                    }
                    return Err(SolveError::Op(format!("secret {}: not found", so.id)));
                };
                if secret_dir.is_none() {
                    secret_dir = Some(secrets::SecretDir::new(&scratch)?);
                }
                let mode = if so.mode == 0 {
                    0o400
                } else {
                    so.mode & 0o7777
                };
                let path = secret_dir
                    .as_mut()
                    .ok_or_else(|| SolveError::Op("secret dir".into()))?
                    .write(&data, so.uid, so.gid, mode)?;
                stubs_for(&root_lower, &dest_rel, true, &mut stubs);
                mounts.push(MountSpec {
                    dest,
                    kind: MountKind::Bind {
                        src: path,
                        readonly: true,
                    },
                    file: true,
                });
            }
            pb::MountType::Ssh => {
                let so = m.ssh_opt.clone().unwrap_or_default();
                let id = if so.id.is_empty() {
                    "default".to_string()
                } else {
                    so.id.clone()
                };
                let Some(sock) = opts.ssh.get(&id).filter(|p| p.exists()) else {
                    if so.optional {
                        continue;
                    }
                    return Err(SolveError::Op(format!(
                        "no SSH key {id:?} forwarded from the client"
                    )));
                };
                stubs_for(&root_lower, &dest_rel, true, &mut stubs);
                mounts.push(MountSpec {
                    dest,
                    kind: MountKind::Bind {
                        src: sock.clone(),
                        readonly: false,
                    },
                    file: true,
                });
            }
        }
    }
    // /etc/hosts and /etc/resolv.conf, like BuildKit's generated files.
    let hosts_path = scratch.join("hosts");
    std::fs::write(&hosts_path, hosts_file(&meta.extra_hosts, &hostname))
        .map_err(SolveError::io("write hosts"))?;
    let resolv_path = scratch.join("resolv.conf");
    let resolv = match network {
        Network::Host => std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
        Network::None => String::new(),
    };
    std::fs::write(&resolv_path, resolv).map_err(SolveError::io("write resolv.conf"))?;
    for (dest, src) in [
        ("/etc/hosts", hosts_path),
        ("/etc/resolv.conf", resolv_path),
    ] {
        let rel = resolve_dest(dest)?;
        if mounts
            .iter()
            .any(|m| m.dest == format!("/{}", rel.to_string_lossy()))
        {
            continue;
        }
        stubs_for(&root_lower, &rel, true, &mut stubs);
        mounts.push(MountSpec {
            dest: format!("/{}", rel.to_string_lossy()),
            kind: MountKind::Bind {
                src,
                readonly: true,
            },
            file: true,
        });
    }
    for cm in &cdi_edits.mounts {
        let rel = resolve_dest(&cm.container_path)?;
        let src = PathBuf::from(&cm.host_path);
        let file = !src.is_dir();
        stubs_for(&root_lower, &rel, file, &mut stubs);
        mounts.push(MountSpec {
            dest: format!("/{}", rel.to_string_lossy()),
            kind: MountKind::Bind {
                src,
                readonly: cm.options.iter().any(|o| o == "ro"),
            },
            file,
        });
    }
    let devices: Vec<DeviceSpec> = cdi_edits
        .device_nodes
        .iter()
        .map(|d| DeviceSpec {
            host_path: cdi::host_path(d).to_path_buf(),
            path: d.path.clone(),
        })
        .collect();

    let cwd = if meta.cwd.is_empty() {
        "/".to_string()
    } else {
        clean_abs(&meta.cwd)
    };
    let spec = ExecSpec {
        rootfs: root_overlay.clone(),
        readonly_root: root_mount.readonly,
        stubs: stubs.clone(),
        mounts,
        devices,
        args: meta.args.clone(),
        env,
        cwd,
        uid: user.uid,
        gid: user.gid,
        additional_gids: user.additional_gids.clone(),
        hostname,
        network,
        scratch: scratch.join("sandbox"),
    };
    std::fs::create_dir_all(&spec.scratch).map_err(SolveError::io("create sandbox dir"))?;
    let log = |stream, data: &[u8]| ctx.log(stream, data);
    let code = ctx.solver.executor.run(&spec, &log)?;
    drop(secret_dir);
    drop(cache_mounts);
    let ok = if meta.valid_exit_codes.is_empty() {
        code == 0
    } else {
        meta.valid_exit_codes.contains(&code)
    };
    if !ok {
        let _ = crate::store::force_remove(&scratch);
        return Err(SolveError::ExitCode {
            args: meta.args.join(" "),
            code,
        });
    }

    // Commit outputs.
    let mut outputs: Vec<(i64, Ref)> = Vec::new();
    if root_mount.output >= 0 {
        let r = if root_mount.readonly {
            root_base.clone().map(Ref::Snapshot).unwrap_or(Ref::Empty)
        } else {
            commit_overlay(ctx, &root_overlay, root_base.as_ref(), &stubs)?
        };
        outputs.push((root_mount.output, r));
    }
    for w in &writable {
        let r = commit_overlay(ctx, &w.overlay, w.base.as_ref(), &[])?;
        outputs.push((w.output, r));
    }
    let _ = crate::store::force_remove(&scratch);
    outputs.sort_by_key(|(o, _)| *o);
    let max = outputs.last().map(|(o, _)| *o + 1).unwrap_or(0) as usize;
    let mut refs = vec![Ref::Empty; max];
    for (o, r) in outputs {
        refs[o as usize] = r;
    }
    Ok(refs)
}

fn commit_overlay(
    ctx: &OpCtx,
    ov: &Overlay,
    base: Option<&Arc<Snapshot>>,
    stubs: &[(String, bool)],
) -> Result<Ref> {
    commit::remove_stubs(&ov.upper, &ov.lower, stubs);
    let work = ctx.store.work_dir_from(base.map(|b| b.dir.as_path()))?;
    commit::apply_upper(&ov.upper, &work.fs).map_err(SolveError::io("commit changes"))?;
    let snap = ctx.store.commit(
        work,
        SnapshotMeta {
            parent: base.map(|b| b.id.clone()),
            layers: None,
            description: ctx.name.clone(),
        },
    )?;
    Ok(Ref::Snapshot(Arc::new(snap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_drops_what_does_not_matter() {
        let e = pb::ExecOp {
            meta: Some(pb::Meta {
                args: vec!["sh".into()],
                proxy_env: Some(pb::ProxyEnv {
                    http_proxy: "x".into(),
                    ..Default::default()
                }),
                extra_hosts: vec![pb::HostIp {
                    host: "h".into(),
                    ip: "1.2.3.4".into(),
                }],
                ..Default::default()
            }),
            mounts: vec![
                pb::Mount {
                    dest: "/".into(),
                    selector: "/sel".into(),
                    ..Default::default()
                },
                pb::Mount {
                    dest: "/c".into(),
                    mount_type: pb::MountType::Cache as i32,
                    cache_opt: Some(pb::CacheOpt {
                        id: "custom".into(),
                        sharing: 2,
                    }),
                    ..Default::default()
                },
                pb::Mount {
                    dest: "/d".into(),
                    mount_type: pb::MountType::Cache as i32,
                    cache_opt: Some(pb::CacheOpt {
                        id: "ns//d".into(),
                        sharing: 0,
                    }),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let n = normalized(&e);
        let m = n.meta.unwrap();
        assert!(m.proxy_env.is_none());
        assert_eq!(m.extra_hosts[0].ip, "");
        assert_eq!(n.mounts[0].selector, "");
        assert_eq!(n.mounts[1].cache_opt.as_ref().unwrap().id, "");
        assert_eq!(n.mounts[2].cache_opt.as_ref().unwrap().id, "ns//d");
    }

    #[test]
    fn stubs_only_for_missing_components() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("run")).unwrap();
        let mut out = Vec::new();
        stubs_for(d.path(), Path::new("run/secrets/x"), true, &mut out);
        assert_eq!(
            out,
            vec![
                ("run/secrets".to_string(), true),
                ("run/secrets/x".to_string(), false)
            ]
        );
    }
}
