//! The input file mapped into memory instead of read into the heap: the page cache's pages
//! are used as they are, with no copy and no fresh pages to fault in.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

use prost::bytes::Bytes;

/// A read-only private mapping of a whole file, unmapped when dropped.
struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value; sharing a pointer to immutable
// bytes between threads is sound.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl AsRef<[u8]> for Mapping {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the range mapped in `map`.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

/// The contents of the regular file at `path` as mapped `Bytes`; `None` when it cannot be
/// mapped (not a regular file, empty, or mmap refused), so the caller reads it instead.
///
/// The bytes would change if the file were modified while mapped; llb-dump reads its input
/// once, as it would have when copying it.
pub fn map(path: &Path) -> Option<Bytes> {
    let file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let len = usize::try_from(meta.len()).ok()?;
    if !meta.is_file() || len == 0 {
        return None;
    }
    // SAFETY: a fresh read-only private mapping of an open file; the result is checked.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE | libc::MAP_POPULATE,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return None;
    }
    Some(Bytes::from_owner(Mapping { ptr, len }))
}
