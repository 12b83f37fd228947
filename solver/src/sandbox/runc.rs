//! Running an [`ExecSpec`] with an OCI runtime binary (`runc`): the solver
//! writes an OCI runtime spec (`config.json`, typed through the `oci-spec`
//! crate) into a bundle and calls `runc run`. The overlay root and overlay
//! mounts are mounted by a pre_exec hook in a private mount namespace of
//! the runtime process, so they vanish with it.

use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::json;

use super::linux::{
    RawMount, cpath, cstr, do_mount, fail, make_mounts_private, overlay_data, pump,
};
use super::{ExecSpec, Executor, MountKind, Network, OutputFn, SandboxError, Stream};

/// Runs processes through `runc` (or a compatible runtime).
#[derive(Debug, Clone)]
pub struct RuncExecutor {
    binary: PathBuf,
}

impl RuncExecutor {
    /// Uses the runtime binary at `binary`.
    pub fn new(binary: impl Into<PathBuf>) -> RuncExecutor {
        RuncExecutor {
            binary: binary.into(),
        }
    }
}

struct Prep {
    err_fd: libc::c_int,
    slash: std::ffi::CString,
    mounts: Vec<RawMount>,
}

/// # Safety
/// Runs between fork and exec: raw syscalls on prepared data.
unsafe fn runc_hook(p: &Prep) -> io::Result<()> {
    // SAFETY: raw syscalls on prepared C strings.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::unshare(libc::CLONE_NEWNS) != 0 {
            return Err(fail(p.err_fd, b"unshare mount namespace"));
        }
        make_mounts_private(p.err_fd, &p.slash)?;
        for m in &p.mounts {
            do_mount(p.err_fd, m)?;
        }
    }
    Ok(())
}

fn overlay_mount(
    o: &super::Overlay,
    target: &std::path::Path,
    label: &str,
) -> io::Result<RawMount> {
    Ok(RawMount {
        source: Some(cstr("overlay")?),
        target: cpath(target)?,
        fstype: Some(cstr("overlay")?),
        flags: 0,
        data: Some(overlay_data(o, true)?),
        fallback_data: Some(overlay_data(o, false)?),
        readonly_remount: false,
        ensure: Vec::new(),
        label: label.as_bytes().to_vec(),
    })
}

/// Builds the OCI runtime spec and the overlay mounts to prepare.
fn bundle(spec: &ExecSpec, id: &str) -> Result<(serde_json::Value, Vec<RawMount>), io::Error> {
    let rootfs = spec.scratch.join("rootfs");
    std::fs::create_dir_all(&rootfs)?;
    let mut raw = vec![overlay_mount(&spec.rootfs, &rootfs, "mount root overlay")?];
    let mut mounts = vec![
        json!({"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid","noexec","nodev"]}),
        json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","strictatime","mode=755","size=65536k"]}),
        json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]}),
        json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid","noexec","nodev","mode=1777","size=65536k"]}),
        json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid","noexec","nodev"]}),
        json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid","noexec","nodev","ro"]}),
    ];
    for (i, m) in spec.mounts.iter().enumerate() {
        match &m.kind {
            MountKind::Bind { src, readonly } => {
                let mut opts = vec!["rbind"];
                if *readonly {
                    opts.push("ro");
                }
                mounts.push(
                    json!({"destination": m.dest, "type": "bind", "source": src, "options": opts}),
                );
            }
            MountKind::Tmpfs { size } => {
                let mut opts = vec![
                    "nosuid".to_string(),
                    "nodev".to_string(),
                    "mode=1777".to_string(),
                ];
                if let Some(s) = size.filter(|s| *s > 0) {
                    opts.push(format!("size={s}"));
                }
                mounts.push(json!({"destination": m.dest, "type": "tmpfs", "source": "tmpfs", "options": opts}));
            }
            MountKind::Overlay { overlay, subpath } => {
                let st = spec.scratch.join(format!("m{i}"));
                std::fs::create_dir_all(&st)?;
                raw.push(overlay_mount(
                    overlay,
                    &st,
                    &format!("overlay for {}", m.dest),
                )?);
                mounts.push(json!({"destination": m.dest, "type": "bind", "source": st.join(subpath), "options": ["rbind"]}));
            }
        }
    }
    let mut devices = Vec::new();
    for d in &spec.devices {
        let meta = std::fs::metadata(&d.host_path)?;
        let ft = meta.file_type();
        let kind = if ft.is_block_device() { "b" } else { "c" };
        let rdev = meta.rdev();
        devices.push(json!({
            "path": d.path, "type": kind,
            "major": libc::major(rdev), "minor": libc::minor(rdev),
            "fileMode": meta.mode() & 0o777, "uid": 0, "gid": 0
        }));
    }
    let mut namespaces = vec![
        json!({"type": "pid"}),
        json!({"type": "ipc"}),
        json!({"type": "uts"}),
        json!({"type": "mount"}),
    ];
    if spec.network == Network::None {
        namespaces.push(json!({"type": "network"}));
    }
    let caps = [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FSETID",
        "CAP_FOWNER",
        "CAP_MKNOD",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETFCAP",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT",
        "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ];
    let config = json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": false,
            "user": {"uid": spec.uid, "gid": spec.gid, "additionalGids": spec.additional_gids},
            "args": spec.args,
            "env": spec.env,
            "cwd": if spec.cwd.is_empty() { "/" } else { spec.cwd.as_str() },
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
            "noNewPrivileges": false
        },
        "root": {"path": rootfs, "readonly": spec.readonly_root},
        "hostname": spec.hostname,
        "mounts": mounts,
        "linux": {
            "namespaces": namespaces,
            "devices": devices,
            "cgroupsPath": format!("/rfront/{id}"),
            "resources": {"devices": [{"allow": false, "access": "rwm"}]},
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        }
    });
    // Validate the shape against the typed OCI spec.
    let typed: oci_spec::runtime::Spec = serde_json::from_value(config)
        .map_err(|e| io::Error::other(format!("invalid OCI spec: {e}")))?;
    let value = serde_json::to_value(&typed).map_err(|e| io::Error::other(e.to_string()))?;
    Ok((value, raw))
}

impl Executor for RuncExecutor {
    fn run(&self, spec: &ExecSpec, output: OutputFn<'_>) -> Result<i32, SandboxError> {
        let setup = |step: &str| {
            let step = step.to_string();
            move |source| SandboxError::Setup { step, source }
        };
        let id = format!("rfront-{}", crate::store::random_hex(8));
        let (config, raw) = bundle(spec, &id).map_err(setup("prepare bundle"))?;
        let bundle_dir = spec.scratch.clone();
        let cfg_bytes = serde_json::to_vec_pretty(&config)
            .map_err(|e| setup("write config.json")(io::Error::other(e.to_string())))?;
        std::fs::write(bundle_dir.join("config.json"), cfg_bytes)
            .map_err(setup("write config.json"))?;
        let state = spec.scratch.join("runc-state");
        std::fs::create_dir_all(&state).map_err(setup("runc state dir"))?;

        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 fills two fds.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(setup("error pipe")(io::Error::last_os_error()));
        }
        // SAFETY: fresh fds owned from here on.
        let (err_read, err_write) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let prep = std::sync::Arc::new(Prep {
            err_fd: err_write.as_raw_fd(),
            slash: cstr("/").map_err(setup("prepare"))?,
            mounts: raw,
        });
        let hook = prep.clone();
        let mut cmd = Command::new(&self.binary);
        cmd.arg("--root")
            .arg(&state)
            .arg("run")
            .arg("--bundle")
            .arg(&bundle_dir)
            .arg(&id)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: the hook makes raw syscalls on prepared data only.
        unsafe {
            cmd.pre_exec(move || runc_hook(&hook));
        }
        let spawned = cmd.spawn();
        drop(err_write);
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let mut buf = Vec::new();
                let _ = std::fs::File::from(err_read).read_to_end(&mut buf);
                if let Some(pos) = buf.iter().position(|b| *b == 0) {
                    let code: i32 = String::from_utf8_lossy(&buf[pos + 1..])
                        .parse()
                        .unwrap_or(0);
                    return Err(SandboxError::Setup {
                        step: String::from_utf8_lossy(&buf[..pos]).into_owned(),
                        source: io::Error::from_raw_os_error(code),
                    });
                }
                return Err(SandboxError::Runtime {
                    runtime: self.binary.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        std::thread::scope(|s| {
            if let Some(mut out) = stdout {
                s.spawn(move || pump(&mut out, Stream::Stdout, output));
            }
            if let Some(mut err) = stderr {
                s.spawn(move || pump(&mut err, Stream::Stderr, output));
            }
        });
        let status = child.wait().map_err(setup("wait for runc"))?;
        let _ = Command::new(&self.binary)
            .arg("--root")
            .arg(&state)
            .args(["delete", "-f", &id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        use std::os::unix::process::ExitStatusExt;
        Ok(status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
    }

    fn name(&self) -> &str {
        "runc"
    }
}
