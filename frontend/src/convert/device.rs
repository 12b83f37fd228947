//! `RUN --device` (labs; upstream's `dispatchRunDevices`, `convert_rundevice.go`): each
//! device is a CDI device request, optional unless `required`.

use llb::state::Exec;
use syntax::instructions::RunCommand;

use super::error::Result;

/// Adds the RUN's `--device` requests to `exec` (called only when the daemon supports
/// `exec.meta.cdi`, after the conversion-wide devices).
pub(crate) fn dispatch_run_devices(run: &RunCommand, exec: Exec) -> Result<Exec> {
    Ok(run.devices.iter().fold(exec, |exec, dev| {
        exec.cdi_device(dev.name.clone(), !dev.required)
    }))
}
