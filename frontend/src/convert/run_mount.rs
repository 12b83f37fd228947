//! `RUN --mount` (upstream's `dispatchRunMounts`, `convert_runmount.go`).
//!
//! Bind mounts read the build context (no `from`) or a stage/image; cache mounts get the id
//! `<BUILDKIT_CACHE_MOUNT_NS>/<id or target>` and, with `uid`/`gid`/`mode`, a `/cache`
//! directory made on scratch as their seed; tmpfs mounts are sized; secret and SSH mounts
//! are handed to [`super::secrets`] and [`super::ssh`].

use llb::pb;
use llb::state::{ChownOpt, Constraints, Exec, FileAction, MkdirOptions, Mount, State, caps};
use syntax::instructions::RunCommand;
use syntax::mount::{Mount as RunMount, MountType, ShareMode};

use super::dispatch::DispatchCx;
use super::error::{ConvertError, Result};
use super::history::go_quote;
use super::paths;
use super::secrets::dispatch_secret;
use super::ssh::dispatch_ssh;
use super::stage::{DispatchState, StageId};

/// The image name of the empty filesystem (upstream's `emptyImageName`).
const EMPTY_IMAGE_NAME: &str = "scratch";

/// Adds the RUN's mounts (already parsed and expanded, in order) to `exec`.
/// `sources[i]` is the state mount `i` reads from: its `from=` stage or image, or the
/// implicit `scratch` state when it has no `from`. Secret and SSH mounts go through
/// [`super::secrets`] and [`super::ssh`]; bind mounts without `from` read
/// `cx.build_context` and register their source in `d.ctx_paths`, others register theirs
/// with `cx.others.add_path(source, …)`.
pub(crate) fn dispatch_run_mounts(
    d: &mut DispatchState,
    run: &RunCommand,
    mounts: &[RunMount],
    sources: &[StageId],
    mut exec: Exec,
    cx: &mut DispatchCx<'_>,
) -> Result<Exec> {
    for (i, m) in mounts.iter().enumerate() {
        let from = if m.from.is_empty() && m.kind == MountType::Cache {
            EMPTY_IMAGE_NAME
        } else {
            m.from.as_str()
        };
        let mut st = cx.build_context.clone();
        if !from.is_empty() {
            st = mount_source_state(d, sources.get(i).copied(), from, &m.target, cx)?;
        }
        match m.kind {
            MountType::Secret => {
                exec = exec.secret(dispatch_secret(d, m, &run.meta.location())?);
                continue;
            }
            MountType::Ssh => {
                exec = exec.ssh(dispatch_ssh(d, m, &run.meta.location())?);
                continue;
            }
            MountType::Tmpfs => st = State::scratch(),
            MountType::Bind | MountType::Cache => {}
        }

        let target = mount_target(d, &m.target)?;
        let source = paths::join(&["/", &m.source]);
        let mut selector = None;
        if source != "/" {
            selector = Some(source.clone());
        } else if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
            st = cache_dir_with_permissions(m, &st);
            selector = Some("/cache".to_string());
        }

        let mut mount = match m.kind {
            MountType::Tmpfs => Mount::tmpfs(m.size_limit),
            MountType::Cache => {
                let sharing = match m.cache_sharing {
                    Some(ShareMode::Private) => pb::CacheSharingOpt::Private,
                    Some(ShareMode::Locked) => pb::CacheSharingOpt::Locked,
                    Some(ShareMode::Shared) | None => pb::CacheSharingOpt::Shared,
                };
                let id = [
                    cx.settings.cache_id_namespace.as_str(),
                    "/",
                    &m.cache_id_or_target(),
                ]
                .concat();
                Mount::cache(id, sharing).source(&st)
            }
            _ => Mount::bind(&st),
        };
        if m.read_only {
            mount = mount.readonly();
        } else if m.kind == MountType::Bind
            && cx
                .settings
                .supports(caps::EXEC_MOUNT_BIND_READ_WRITE_NO_OUTPUT)
        {
            mount = mount.force_no_output();
        }
        if let Some(sel) = selector {
            mount = mount.selector(sel);
        }
        exec = exec.mount(target, mount);

        if from.is_empty() {
            d.ctx_paths.insert(source);
        } else if let Some(&src) = sources.get(i) {
            if cx.others.get(src).is_some() {
                cx.others.add_path(src, source);
            } else {
                // Mounting from the stage being dispatched.
                cx.others.add_path_to_set(d.paths, source);
            }
        }
    }
    Ok(exec)
}

/// The State a mount with `from` reads: the source stage's, once it is dispatched.
fn mount_source_state(
    d: &DispatchState,
    source: Option<StageId>,
    from: &str,
    target: &str,
    cx: &DispatchCx<'_>,
) -> Result<State> {
    let not_defined = || {
        ConvertError::msg(format!(
            "cannot mount from stage {} to {}, stage needs to be defined before current command",
            go_quote(from),
            go_quote(target)
        ))
    };
    let id = source.ok_or_else(not_defined)?;
    match cx.others.get(id) {
        Some(s) if s.dispatched => Ok(s.state.clone()),
        Some(_) => Err(not_defined()),
        // The stage being dispatched (already marked dispatched).
        None => Ok(d.state.clone()),
    }
}

/// Where the mount appears: a relative target is taken from the working directory; `/` is
/// refused.
fn mount_target(d: &DispatchState, target: &str) -> Result<String> {
    let target = if paths::clean(target).starts_with('/') {
        target.to_string()
    } else {
        paths::join(&["/", d.state.get_dir(), target])
    };
    if target == "/" {
        return Err(ConvertError::msg(format!(
            "invalid mount target {}",
            go_quote(&target)
        )));
    }
    Ok(target)
}

/// Upstream's `setCacheUIDGID`: a `/cache` directory owned by `uid:gid` with `mode`
/// (default 0755) made on top of `st`.
fn cache_dir_with_permissions(m: &RunMount, st: &State) -> State {
    let opts = MkdirOptions {
        chown: Some(ChownOpt::ids(m.uid.unwrap_or(0), m.gid.unwrap_or(0))),
        ..MkdirOptions::default()
    };
    st.file(
        FileAction::mkdir("/cache", m.mode.unwrap_or(0o755), opts),
        Constraints::new().custom_name("[internal] setting cache mount permissions"),
    )
}
