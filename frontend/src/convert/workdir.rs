//! `WORKDIR` (upstream's `dispatchWorkdir`): the new working directory, and a `mkdir -p`
//! file op when it is not `/`.

use llb::state::{ChownOpt, Constraints, FileAction, MkdirOptions};
use syntax::instructions::WorkdirCommand;
use syntax::lint::hooks;

use super::dispatch::DispatchCx;
use super::env::ListEnv;
use super::error::Result;
use super::history::commit_to_history;
use super::naming::step_name;
use super::paths::normalize_workdir;
use super::stage::DispatchState;
use super::windows_paths::{is_abs, to_slash};

/// Sets the working directory without a layer (a base image's `WorkingDir`): the image
/// config keeps the OS's separators (`\` on Windows), the State and the returned path use
/// `/`.
pub(crate) fn set_workdir(d: &mut DispatchState, path: &str) -> Result<String> {
    let os = d.os();
    let wd = normalize_workdir(&d.image.config.working_dir, path, os)
        .map_err(|e| e.wrap("normalizing workdir"))?;
    let slash_wd = to_slash(&wd, os).into_owned();
    d.image.config.working_dir = wd;
    d.state = d.state.dir(&slash_wd);
    Ok(slash_wd)
}

/// `WORKDIR path`.
pub(crate) fn dispatch_workdir(
    d: &mut DispatchState,
    c: &WorkdirCommand,
    cx: &mut DispatchCx<'_>,
) -> Result<()> {
    let os = d.os();
    hooks::workdir(
        &mut cx.lint(&c.meta.comments),
        d.workdir_set,
        &c.path,
        is_abs(&c.path, os),
        &c.meta.location(),
    );
    d.workdir_set = true;
    let wd = set_workdir(d, &c.path)?;
    let mut with_layer = false;
    if wd != "/" {
        let opts = MkdirOptions {
            make_parents: true,
            chown: (!d.image.config.user.is_empty()).then(|| ChownOpt::parse(&d.image.config.user)),
            created_time: d.epoch_nanos(),
        };
        let platform = d
            .platform
            .clone()
            .unwrap_or_else(|| cx.settings.target_platform.clone());
        let name = {
            let st = d.state.clone();
            let env = ListEnv(st.env());
            step_name(d, &cx.settings.shlex, &c.meta.code, Some(&platform), &env)
        };
        let mut constraints = Constraints::new().custom_name(name);
        constraints = cx.settings.with_location(constraints, &c.meta.location());
        if let Some(p) = &d.platform {
            constraints = constraints.platform(p.clone());
        }
        d.state = d
            .state
            .file(FileAction::mkdir(wd.clone(), 0o755, opts), constraints);
        with_layer = true;
    }
    commit_to_history(
        &mut d.image,
        format!("WORKDIR {wd}"),
        with_layer,
        false,
        d.epoch,
    );
    Ok(())
}
