//! Small wrappers around the metadata syscalls the solver needs: owner,
//! mode, timestamps (never following symlinks unless asked) and extended
//! attributes.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use nix::sys::stat::{UtimensatFlags, utimensat};
use nix::sys::time::TimeSpec;

/// A file's timestamps in nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// Access time.
    pub atime_ns: i64,
    /// Modification time.
    pub mtime_ns: i64,
}

impl Times {
    /// The timestamps recorded in `meta`.
    pub fn of(meta: &std::fs::Metadata) -> Times {
        Times {
            atime_ns: meta.atime() * 1_000_000_000 + meta.atime_nsec(),
            mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        }
    }

    /// Both timestamps set to `ns`.
    pub fn both(ns: i64) -> Times {
        Times {
            atime_ns: ns,
            mtime_ns: ns,
        }
    }
}

fn timespec(ns: i64) -> TimeSpec {
    TimeSpec::new(ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000))
}

fn to_io(e: nix::Error) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// Sets timestamps on `path` without following a final symlink.
pub fn set_times(path: &Path, t: Times) -> io::Result<()> {
    utimensat(
        nix::fcntl::AT_FDCWD,
        path,
        &timespec(t.atime_ns),
        &timespec(t.mtime_ns),
        UtimensatFlags::NoFollowSymlink,
    )
    .map_err(to_io)
}

/// Changes owner of `path` without following a final symlink.
pub fn lchown(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
}

/// Sets the permission bits (including setuid/setgid/sticky) of a
/// non-symlink.
pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777))
}

/// Copies owner, mode and timestamps from `meta` onto `dst` (mode is
/// skipped for symlinks).
pub fn apply_meta(dst: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
    lchown(dst, meta.uid(), meta.gid())?;
    if !meta.file_type().is_symlink() {
        set_mode(dst, meta.mode())?;
    }
    set_times(dst, Times::of(meta))
}

fn cpath(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::other("path contains NUL"))
}

/// The extended attributes of `path` (not following symlinks), as
/// (name, value) pairs. Filesystems without xattr support give none.
pub fn list_xattrs(path: &Path) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let c = cpath(path)?;
    // SAFETY: a NULL buffer with size 0 asks for the needed size.
    let size = unsafe { libc::llistxattr(c.as_ptr(), std::ptr::null_mut(), 0) };
    if size < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENOTSUP) | Some(libc::ENODATA) => Ok(Vec::new()),
            _ => Err(e),
        };
    }
    if size == 0 {
        return Ok(Vec::new());
    }
    let mut names = vec![0u8; size as usize];
    // SAFETY: buffer has the advertised size.
    let got = unsafe { libc::llistxattr(c.as_ptr(), names.as_mut_ptr().cast(), names.len()) };
    if got < 0 {
        return Err(io::Error::last_os_error());
    }
    names.truncate(got as usize);
    let mut out = Vec::new();
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        if let Some(value) = get_xattr(path, name)? {
            out.push((name.to_vec(), value));
        }
    }
    Ok(out)
}

/// One extended attribute of `path` (not following symlinks).
pub fn get_xattr(path: &Path, name: &[u8]) -> io::Result<Option<Vec<u8>>> {
    let c = cpath(path)?;
    let n = CString::new(name).map_err(|_| io::Error::other("xattr name contains NUL"))?;
    // SAFETY: size query with NULL buffer.
    let size = unsafe { libc::lgetxattr(c.as_ptr(), n.as_ptr(), std::ptr::null_mut(), 0) };
    if size < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::ENODATA) | Some(libc::ENOTSUP) => Ok(None),
            _ => Err(e),
        };
    }
    let mut buf = vec![0u8; size as usize];
    // SAFETY: buffer has the advertised size.
    let got =
        unsafe { libc::lgetxattr(c.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    if got < 0 {
        return Err(io::Error::last_os_error());
    }
    buf.truncate(got as usize);
    Ok(Some(buf))
}

/// Sets one extended attribute (not following symlinks).
pub fn set_xattr(path: &Path, name: &[u8], value: &[u8]) -> io::Result<()> {
    let c = cpath(path)?;
    let n = CString::new(name).map_err(|_| io::Error::other("xattr name contains NUL"))?;
    // SAFETY: pointers are valid for the given lengths.
    let r = unsafe {
        libc::lsetxattr(
            c.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Copies the user-visible xattrs (`user.*`, `security.capability`) of
/// `src` onto `dst`; failures are ignored like BuildKit's copy does.
pub fn copy_xattrs(src: &Path, dst: &Path) {
    if let Ok(list) = list_xattrs(src) {
        for (name, value) in list {
            if name.starts_with(b"user.") || name == b"security.capability" {
                let _ = set_xattr(dst, &name, &value);
            }
        }
    }
}

/// Creates a device node, fifo or socket placeholder like `src`'s.
pub fn mknod_like(dst: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
    let c = cpath(dst)?;
    // SAFETY: valid C string; mode and rdev come from a real stat.
    let r = unsafe { libc::mknod(c.as_ptr(), meta.mode() as libc::mode_t, meta.rdev()) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
