//! The embedded sandbox: runs an [`ExecSpec`] in fresh mount, pid, ipc and
//! uts namespaces (plus a network namespace for [`Network::None`]) with an
//! overlayfs root, without any external runtime.
//!
//! Process shape: the solver spawns a child through `std::process::Command`
//! whose `pre_exec` hook (1) unshares the namespaces, (2) forks again so the
//! grandchild is pid 1 of the new pid namespace, and (3) in the grandchild
//! mounts everything, pivots into the root, drops to the user and returns
//! so that `Command` execs the program. The middle process only waits and
//! exits with the grandchild's status. Everything both processes touch
//! after `fork` (paths, option strings) is prepared beforehand, so the hook
//! makes raw syscalls only and never allocates. Mounts live in the
//! sandbox's own mount namespace and disappear with it, so a killed build
//! leaves no mount behind. Both processes get `PR_SET_PDEATHSIG` so they
//! die with the solver.
//!
//! Not done (documented limits): no capability bounding, no seccomp, no
//! cgroups, no user namespace (the build runs as real root, as BuildKit's
//! rootful worker does).

use std::ffi::CString;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{ExecSpec, Executor, MountKind, Network, OutputFn, SandboxError, Stream};

/// The embedded namespace sandbox.
#[derive(Debug, Default, Clone)]
pub struct NamespaceExecutor;

impl NamespaceExecutor {
    /// A new executor.
    pub fn new() -> NamespaceExecutor {
        NamespaceExecutor
    }
}

pub(super) fn cstr(s: impl AsRef<[u8]>) -> io::Result<CString> {
    CString::new(s.as_ref().to_vec()).map_err(|_| io::Error::other("NUL byte in a path"))
}

pub(super) fn cpath(p: &Path) -> io::Result<CString> {
    cstr(p.as_os_str().as_encoded_bytes())
}

/// One raw mount call.
pub(super) struct RawMount {
    pub(super) source: Option<CString>,
    pub(super) target: CString,
    pub(super) fstype: Option<CString>,
    pub(super) flags: libc::c_ulong,
    pub(super) data: Option<CString>,
    /// Data to retry with when the first attempt fails with EINVAL.
    pub(super) fallback_data: Option<CString>,
    /// Remount read-only afterwards (bind mounts).
    pub(super) readonly_remount: bool,
    /// Paths to create first (parents first): (path, is_dir).
    pub(super) ensure: Vec<(CString, bool)>,
    pub(super) label: Vec<u8>,
}

/// Everything the grandchild does, prepared before fork.
struct Plan {
    root: CString,
    pre_root: Vec<RawMount>,
    stubs: Vec<(CString, bool)>,
    mounts: Vec<RawMount>,
    symlinks: Vec<(CString, CString)>,
    readonly_root: bool,
    hostname: CString,
    net_none: bool,
    cwd_parts: Vec<CString>,
    cwd: CString,
    uid: libc::uid_t,
    gid: libc::gid_t,
    groups: Vec<libc::gid_t>,
    err_fd: libc::c_int,
    dot: CString,
    slash: CString,
}

const DEV_NODES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];

fn join_root(root: &Path, rel: &str) -> std::path::PathBuf {
    root.join(rel.trim_start_matches('/'))
}

fn ensure_list(root: &Path, dest: &str, file: bool) -> io::Result<Vec<(CString, bool)>> {
    let mut out = Vec::new();
    let parts: Vec<&str> = dest.split('/').filter(|s| !s.is_empty()).collect();
    let mut cur = root.to_path_buf();
    for (i, p) in parts.iter().enumerate() {
        cur.push(p);
        let is_last = i + 1 == parts.len();
        out.push((cpath(&cur)?, !(is_last && file)));
    }
    Ok(out)
}

pub(super) fn overlay_data(o: &super::Overlay, full: bool) -> io::Result<CString> {
    for p in [&o.lower, &o.upper, &o.work] {
        let s = p.to_string_lossy();
        if s.contains(',') || s.contains(':') {
            return Err(io::Error::other(format!(
                "overlay path {s:?} contains ',' or ':' (choose another cache directory)"
            )));
        }
    }
    let mut s = format!(
        "lowerdir={},upperdir={},workdir={}",
        o.lower.display(),
        o.upper.display(),
        o.work.display()
    );
    if full {
        s.push_str(",index=off,metacopy=off,redirect_dir=off");
    }
    cstr(s)
}

fn build_plan(spec: &ExecSpec, err_fd: libc::c_int) -> io::Result<Plan> {
    let stage = spec.scratch.join("rootfs");
    std::fs::create_dir_all(&stage)?;
    let root = cpath(&stage)?;
    let pre_root = vec![RawMount {
        source: Some(cstr("overlay")?),
        target: root.clone(),
        fstype: Some(cstr("overlay")?),
        flags: 0,
        data: Some(overlay_data(&spec.rootfs, true)?),
        fallback_data: Some(overlay_data(&spec.rootfs, false)?),
        readonly_remount: false,
        ensure: Vec::new(),
        label: b"mount root overlay".to_vec(),
    }];
    let stubs = spec
        .stubs
        .iter()
        .map(|(p, d)| Ok((cpath(&join_root(&stage, p))?, *d)))
        .collect::<io::Result<Vec<_>>>()?;

    let mut mounts = Vec::new();
    let mut symlinks = Vec::new();
    let nosuid_nodev_noexec = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    // System mounts.
    mounts.push(RawMount {
        source: Some(cstr("proc")?),
        target: cpath(&stage.join("proc"))?,
        fstype: Some(cstr("proc")?),
        flags: nosuid_nodev_noexec,
        data: None,
        fallback_data: None,
        readonly_remount: false,
        ensure: ensure_list(&stage, "/proc", false)?,
        label: b"mount /proc".to_vec(),
    });
    mounts.push(RawMount {
        source: Some(cstr("tmpfs")?),
        target: cpath(&stage.join("dev"))?,
        fstype: Some(cstr("tmpfs")?),
        flags: libc::MS_NOSUID | libc::MS_STRICTATIME,
        data: Some(cstr("mode=755,size=65536k")?),
        fallback_data: None,
        readonly_remount: false,
        ensure: ensure_list(&stage, "/dev", false)?,
        label: b"mount /dev".to_vec(),
    });
    for node in DEV_NODES {
        mounts.push(RawMount {
            source: Some(cstr(format!("/dev/{node}"))?),
            target: cpath(&stage.join("dev").join(node))?,
            fstype: None,
            flags: libc::MS_BIND,
            data: None,
            fallback_data: None,
            readonly_remount: false,
            ensure: vec![(cpath(&stage.join("dev").join(node))?, false)],
            label: format!("bind /dev/{node}").into_bytes(),
        });
    }
    mounts.push(RawMount {
        source: Some(cstr("devpts")?),
        target: cpath(&stage.join("dev/pts"))?,
        fstype: Some(cstr("devpts")?),
        flags: libc::MS_NOSUID | libc::MS_NOEXEC,
        data: Some(cstr("newinstance,ptmxmode=0666,mode=0620")?),
        fallback_data: None,
        readonly_remount: false,
        ensure: vec![(cpath(&stage.join("dev/pts"))?, true)],
        label: b"mount /dev/pts".to_vec(),
    });
    mounts.push(RawMount {
        source: Some(cstr("shm")?),
        target: cpath(&stage.join("dev/shm"))?,
        fstype: Some(cstr("tmpfs")?),
        flags: nosuid_nodev_noexec,
        data: Some(cstr("mode=1777,size=65536k")?),
        fallback_data: None,
        readonly_remount: false,
        ensure: vec![(cpath(&stage.join("dev/shm"))?, true)],
        label: b"mount /dev/shm".to_vec(),
    });
    mounts.push(RawMount {
        source: Some(cstr("sysfs")?),
        target: cpath(&stage.join("sys"))?,
        fstype: Some(cstr("sysfs")?),
        flags: nosuid_nodev_noexec | libc::MS_RDONLY,
        data: None,
        fallback_data: None,
        readonly_remount: false,
        ensure: ensure_list(&stage, "/sys", false)?,
        label: b"mount /sys".to_vec(),
    });
    for (target, link) in [
        ("pts/ptmx", "dev/ptmx"),
        ("/proc/self/fd", "dev/fd"),
        ("/proc/self/fd/0", "dev/stdin"),
        ("/proc/self/fd/1", "dev/stdout"),
        ("/proc/self/fd/2", "dev/stderr"),
    ] {
        symlinks.push((cstr(target)?, cpath(&stage.join(link))?));
    }
    for dev in &spec.devices {
        mounts.push(RawMount {
            source: Some(cpath(&dev.host_path)?),
            target: cpath(&join_root(&stage, &dev.path))?,
            fstype: None,
            flags: libc::MS_BIND,
            data: None,
            fallback_data: None,
            readonly_remount: false,
            ensure: ensure_list(&stage, &dev.path, true)?,
            label: format!("bind device {}", dev.path).into_bytes(),
        });
    }
    // User mounts.
    for (i, m) in spec.mounts.iter().enumerate() {
        let target = cpath(&join_root(&stage, &m.dest))?;
        let ensure = ensure_list(&stage, &m.dest, m.file)?;
        match &m.kind {
            MountKind::Bind { src, readonly } => mounts.push(RawMount {
                source: Some(cpath(src)?),
                target,
                fstype: None,
                flags: libc::MS_BIND | libc::MS_REC,
                data: None,
                fallback_data: None,
                readonly_remount: *readonly,
                ensure,
                label: format!("bind mount {}", m.dest).into_bytes(),
            }),
            MountKind::Tmpfs { size } => mounts.push(RawMount {
                source: Some(cstr("tmpfs")?),
                target,
                fstype: Some(cstr("tmpfs")?),
                flags: libc::MS_NOSUID | libc::MS_NODEV,
                data: Some(cstr(match size {
                    Some(s) if *s > 0 => format!("mode=1777,size={s}"),
                    _ => "mode=1777".to_string(),
                })?),
                fallback_data: None,
                readonly_remount: false,
                ensure,
                label: format!("tmpfs mount {}", m.dest).into_bytes(),
            }),
            MountKind::Overlay { overlay, subpath } => {
                let st = spec.scratch.join(format!("m{i}"));
                std::fs::create_dir_all(&st)?;
                mounts.push(RawMount {
                    source: Some(cstr("overlay")?),
                    target: cpath(&st)?,
                    fstype: Some(cstr("overlay")?),
                    flags: 0,
                    data: Some(overlay_data(overlay, true)?),
                    fallback_data: Some(overlay_data(overlay, false)?),
                    readonly_remount: false,
                    ensure: Vec::new(),
                    label: format!("overlay for {}", m.dest).into_bytes(),
                });
                mounts.push(RawMount {
                    source: Some(cpath(&st.join(subpath))?),
                    target,
                    fstype: None,
                    flags: libc::MS_BIND | libc::MS_REC,
                    data: None,
                    fallback_data: None,
                    readonly_remount: false,
                    ensure,
                    label: format!("bind mount {}", m.dest).into_bytes(),
                });
            }
        }
    }
    let mut cwd_parts = Vec::new();
    let mut acc = String::new();
    for p in spec.cwd.split('/').filter(|s| !s.is_empty()) {
        acc.push('/');
        acc.push_str(p);
        cwd_parts.push(cstr(&acc)?);
    }
    Ok(Plan {
        root,
        pre_root,
        stubs,
        mounts,
        symlinks,
        readonly_root: spec.readonly_root,
        hostname: cstr(&spec.hostname)?,
        net_none: spec.network == Network::None,
        cwd_parts,
        cwd: cstr(if spec.cwd.is_empty() { "/" } else { &spec.cwd })?,
        uid: spec.uid,
        gid: spec.gid,
        groups: spec.additional_gids.clone(),
        err_fd,
        dot: cstr(".")?,
        slash: cstr("/")?,
    })
}

/// Reports a failed step on the error pipe and returns the error.
pub(super) fn fail(err_fd: libc::c_int, label: &[u8]) -> io::Error {
    let err = io::Error::last_os_error();
    let code = err.raw_os_error().unwrap_or(0);
    // Format the errno without allocating.
    let mut num = [0u8; 12];
    let mut n = code.unsigned_abs();
    let mut i = num.len();
    loop {
        i -= 1;
        num[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    // SAFETY: writing owned buffers to an fd we own.
    unsafe {
        libc::write(err_fd, label.as_ptr().cast(), label.len());
        libc::write(err_fd, c"".as_ptr().cast(), 1);
        libc::write(err_fd, num[i..].as_ptr().cast(), num.len() - i);
    }
    err
}

fn opt_ptr(c: &Option<CString>) -> *const libc::c_char {
    c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// Creates `path` as a directory or empty file; an existing one is fine.
///
/// # Safety
/// Raw syscalls on a valid C string.
unsafe fn ensure_path(path: &CString, dir: bool) -> libc::c_int {
    if dir {
        // SAFETY: valid C string.
        let r = unsafe { libc::mkdir(path.as_ptr(), 0o755) };
        if r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) {
            return 0;
        }
        -1
    } else {
        // SAFETY: valid C string.
        let fd = unsafe {
            libc::open(
                path.as_ptr(),
                libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC | libc::O_NOFOLLOW,
                0o644,
            )
        };
        if fd >= 0 {
            // SAFETY: fd just opened.
            unsafe { libc::close(fd) };
            return 0;
        }
        if io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) {
            return 0;
        }
        -1
    }
}

/// Makes every mount under `slash` (the C string `/`) private, so that nothing mounted in the
/// sandbox propagates to the host.
///
/// # Safety
/// A raw syscall; must run in the sandbox's own mount namespace.
pub(super) unsafe fn make_mounts_private(err_fd: libc::c_int, slash: &CString) -> io::Result<()> {
    // SAFETY: a prepared C string and null pointers, as mount(2) allows for MS_PRIVATE.
    let rc = unsafe {
        libc::mount(
            std::ptr::null(),
            slash.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(fail(err_fd, b"make mounts private"));
    }
    Ok(())
}

/// Performs one prepared mount.
///
/// # Safety
/// Raw syscalls; must run in the sandbox's own mount namespace.
pub(super) unsafe fn do_mount(err_fd: libc::c_int, m: &RawMount) -> io::Result<()> {
    for (p, dir) in &m.ensure {
        // SAFETY: prepared C strings.
        if unsafe { ensure_path(p, *dir) } != 0 {
            return Err(fail(err_fd, &m.label));
        }
    }
    // SAFETY: prepared C strings or NULL.
    let mut r = unsafe {
        libc::mount(
            opt_ptr(&m.source),
            m.target.as_ptr(),
            opt_ptr(&m.fstype),
            m.flags,
            opt_ptr(&m.data).cast(),
        )
    };
    if r != 0
        && m.fallback_data.is_some()
        && io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL)
    {
        // SAFETY: as above.
        r = unsafe {
            libc::mount(
                opt_ptr(&m.source),
                m.target.as_ptr(),
                opt_ptr(&m.fstype),
                m.flags,
                opt_ptr(&m.fallback_data).cast(),
            )
        };
    }
    if r != 0 {
        return Err(fail(err_fd, &m.label));
    }
    if m.readonly_remount {
        // SAFETY: remount of the target we just mounted.
        let r = unsafe {
            libc::mount(
                std::ptr::null(),
                m.target.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY | libc::MS_REC,
                std::ptr::null(),
            )
        };
        if r != 0 {
            return Err(fail(err_fd, &m.label));
        }
    }
    Ok(())
}

/// Brings the loopback interface up in a fresh network namespace.
///
/// # Safety
/// Raw socket ioctls.
unsafe fn loopback_up() -> libc::c_int {
    // SAFETY: plain socket call.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return -1;
    }
    // SAFETY: zeroed ifreq is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (i, b) in b"lo".iter().enumerate() {
        req.ifr_name[i] = *b as libc::c_char;
    }
    // SAFETY: ioctl with a valid ifreq.
    let mut r = unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) };
    if r == 0 {
        // SAFETY: reading/writing the flags member of the union.
        unsafe {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
        }
        // SAFETY: as above.
        r = unsafe { libc::ioctl(fd, libc::SIOCSIFFLAGS, &mut req) };
    }
    // SAFETY: closing our socket.
    unsafe { libc::close(fd) };
    r
}

/// The grandchild's setup: mounts, pivot_root, identity.
///
/// # Safety
/// Runs between fork and exec: raw syscalls on prepared data only.
unsafe fn setup_sandbox(plan: &Plan) -> io::Result<()> {
    // SAFETY: all calls below use prepared C strings and plain integers.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        make_mounts_private(plan.err_fd, &plan.slash)?;
        for m in &plan.pre_root {
            do_mount(plan.err_fd, m)?;
        }
        for (p, dir) in &plan.stubs {
            if ensure_path(p, *dir) != 0 {
                return Err(fail(plan.err_fd, b"create mount point"));
            }
        }
        for (i, m) in plan.mounts.iter().enumerate() {
            do_mount(plan.err_fd, m)?;
            // Symlinks in /dev once /dev/pts exists (mount index 1 + nodes + 1).
            if i == 2 + DEV_NODES.len() {
                for (target, link) in &plan.symlinks {
                    libc::symlink(target.as_ptr(), link.as_ptr());
                }
            }
        }
        if plan.readonly_root
            && libc::mount(
                std::ptr::null(),
                plan.root.as_ptr(),
                std::ptr::null(),
                libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY,
                std::ptr::null(),
            ) != 0
        {
            // An overlay root cannot always be remounted as a bind; bind it
            // onto itself first.
            if libc::mount(
                plan.root.as_ptr(),
                plan.root.as_ptr(),
                std::ptr::null(),
                libc::MS_BIND | libc::MS_REC,
                std::ptr::null(),
            ) != 0
                || libc::mount(
                    std::ptr::null(),
                    plan.root.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY,
                    std::ptr::null(),
                ) != 0
            {
                return Err(fail(plan.err_fd, b"remount root read-only"));
            }
        }
        if libc::chdir(plan.root.as_ptr()) != 0 {
            return Err(fail(plan.err_fd, b"chdir to root"));
        }
        if libc::syscall(libc::SYS_pivot_root, plan.dot.as_ptr(), plan.dot.as_ptr()) != 0 {
            return Err(fail(plan.err_fd, b"pivot_root"));
        }
        if libc::umount2(plan.dot.as_ptr(), libc::MNT_DETACH) != 0 {
            return Err(fail(plan.err_fd, b"detach old root"));
        }
        if libc::chdir(plan.slash.as_ptr()) != 0 {
            return Err(fail(plan.err_fd, b"chdir /"));
        }
        if libc::sethostname(plan.hostname.as_ptr(), plan.hostname.as_bytes().len()) != 0 {
            return Err(fail(plan.err_fd, b"sethostname"));
        }
        if plan.net_none && loopback_up() != 0 {
            return Err(fail(plan.err_fd, b"bring up loopback"));
        }
        for p in &plan.cwd_parts {
            if ensure_path(p, true) != 0 {
                return Err(fail(plan.err_fd, b"create working directory"));
            }
        }
        if libc::chdir(plan.cwd.as_ptr()) != 0 {
            return Err(fail(plan.err_fd, b"chdir to working directory"));
        }
        if libc::setgroups(plan.groups.len(), plan.groups.as_ptr()) != 0 {
            return Err(fail(plan.err_fd, b"setgroups"));
        }
        if libc::setgid(plan.gid) != 0 {
            return Err(fail(plan.err_fd, b"setgid"));
        }
        if libc::setuid(plan.uid) != 0 {
            return Err(fail(plan.err_fd, b"setuid"));
        }
    }
    Ok(())
}

/// The pre_exec hook: unshare, fork; the middle process waits and exits,
/// the grandchild sets up and returns to exec.
///
/// # Safety
/// Runs between fork and exec.
unsafe fn pre_exec_hook(plan: &Plan) -> io::Result<()> {
    // SAFETY: raw syscalls on prepared data.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        let mut flags =
            libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
        if plan.net_none {
            flags |= libc::CLONE_NEWNET;
        }
        if libc::unshare(flags) != 0 {
            return Err(fail(plan.err_fd, b"unshare namespaces"));
        }
        let pid = libc::fork();
        if pid < 0 {
            return Err(fail(plan.err_fd, b"fork"));
        }
        if pid > 0 {
            // Middle process: wait for the sandboxed process, mirror its exit.
            let mut status: libc::c_int = 0;
            loop {
                let r = libc::waitpid(pid, &mut status, 0);
                if r == pid {
                    break;
                }
                if r < 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    libc::_exit(125);
                }
            }
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else if libc::WIFSIGNALED(status) {
                128 + libc::WTERMSIG(status)
            } else {
                125
            };
            libc::_exit(code);
        }
        setup_sandbox(plan)
    }
}

impl Executor for NamespaceExecutor {
    fn run(&self, spec: &ExecSpec, output: OutputFn<'_>) -> Result<i32, SandboxError> {
        let setup = |step: &str| {
            let step = step.to_string();
            move |source| SandboxError::Setup { step, source }
        };
        let program = spec
            .args
            .first()
            .cloned()
            .ok_or_else(|| SandboxError::Spawn {
                program: String::new(),
                source: io::Error::other("empty argument list"),
            })?;
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe2 fills two fds.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(setup("error pipe")(io::Error::last_os_error()));
        }
        // SAFETY: fresh fds owned from here on.
        let (err_read, err_write) =
            unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let plan = build_plan(spec, err_write.as_raw_fd()).map_err(setup("prepare"))?;
        let mut cmd = Command::new(&program);
        cmd.args(&spec.args[1..])
            .env_clear()
            .envs(spec.env.iter().filter_map(|e| e.split_once('=')))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let plan = std::sync::Arc::new(plan);
        let hook_plan = plan.clone();
        // SAFETY: the hook only makes raw syscalls on the prepared plan; it
        // allocates nothing.
        unsafe {
            cmd.pre_exec(move || pre_exec_hook(&hook_plan));
        }
        let spawned = cmd.spawn();
        drop(err_write);
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let mut buf = Vec::new();
                let _ = std::fs::File::from(err_read).read_to_end(&mut buf);
                if let Some(pos) = buf.iter().position(|b| *b == 0) {
                    let step = String::from_utf8_lossy(&buf[..pos]).into_owned();
                    let code: i32 = String::from_utf8_lossy(&buf[pos + 1..])
                        .parse()
                        .unwrap_or(0);
                    return Err(SandboxError::Setup {
                        step,
                        source: io::Error::from_raw_os_error(code),
                    });
                }
                return Err(SandboxError::Spawn { program, source: e });
            }
        };
        drop(plan);
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
        let status = child.wait().map_err(setup("wait"))?;
        use std::os::unix::process::ExitStatusExt;
        Ok(status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)))
    }

    fn name(&self) -> &str {
        "embedded"
    }
}

pub(super) fn pump(r: &mut dyn Read, stream: Stream, output: OutputFn<'_>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => output(stream, &buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
}
