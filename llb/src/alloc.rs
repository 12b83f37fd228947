//! [`Arena`]: the global allocator of rfront's short-lived processes (`rfront`, `llb-dump`).
//!
//! They make tens of thousands of small allocations and exit. With glibc's malloc much of
//! their time went to malloc bookkeeping, and most of the rest to page faults: a first touch
//! of a 4 KiB page costs microseconds in a VM. Here:
//! - one range of address space is reserved up front (nothing is committed until touched),
//!   optionally marked for transparent huge pages so memory arrives 2 MiB per fault;
//! - small blocks (up to 1 KiB, 16-byte classes) come from a per-thread chunk and, once
//!   freed, from a per-thread free list of their class, with no atomic operation;
//! - medium blocks (up to 1 MiB, power-of-two classes) are bumped from the shared range and
//!   recycled through per-thread free lists the same way; a block grows in place within its
//!   class;
//! - larger blocks, over-aligned ones, and everything once the range is exhausted or could
//!   not be mapped, go to the system allocator.
//!
//! Memory is never returned to the system before exit; freed blocks are reused for their
//! class only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Address space reserved (not committed) for the range.
const RESERVE: usize = 1 << 34;
/// Huge page size, the range's alignment.
const HUGE_PAGE: usize = 2 << 20;
/// Size of the chunk a thread takes for its small blocks.
const CHUNK: usize = 256 << 10;
/// Size-class granularity and the alignment of every block.
const GRANULE: usize = 16;
/// Largest small block.
const SMALL_MAX: usize = 1024;
/// Number of small classes (class `c` holds blocks of `c * GRANULE` bytes).
const SMALL_CLASSES: usize = SMALL_MAX / GRANULE + 1;
/// log2 of the smallest medium class.
const MEDIUM_MIN_SHIFT: u32 = 11;
/// log2 of the largest medium block.
const MEDIUM_MAX_SHIFT: u32 = 20;
/// Number of medium classes (2 KiB .. 1 MiB).
const MEDIUM_CLASSES: usize = (MEDIUM_MAX_SHIFT - MEDIUM_MIN_SHIFT + 1) as usize;
/// All classes: small ones first, then medium ones.
const CLASSES: usize = SMALL_CLASSES + MEDIUM_CLASSES;

/// Range states.
const UNMAPPED: usize = 0;
const MAPPING: usize = 1;
const READY: usize = 2;
const FAILED: usize = 3;

/// Per-thread state: the current small-block chunk and the free lists (each head is the
/// address of a free block whose first word links to the next; 0 ends a list).
struct Local {
    next: Cell<usize>,
    end: Cell<usize>,
    free: [Cell<usize>; CLASSES],
}

thread_local! {
    // Const-initialised and without destructor: usable from an allocator (no lazy
    // initialisation, no allocation, never torn down).
    static LOCAL: Local = const {
        Local {
            next: Cell::new(0),
            end: Cell::new(0),
            free: [const { Cell::new(0) }; CLASSES],
        }
    };
}

/// The allocator; see the module documentation.
pub struct Arena {
    huge_pages: bool,
    state: AtomicUsize,
    start: AtomicUsize,
    next: AtomicUsize,
    end: AtomicUsize,
}

/// The class of a layout and the size of its blocks; `None` for the system allocator.
fn class_of(layout: Layout) -> Option<(usize, usize)> {
    if layout.align() > GRANULE {
        return None;
    }
    let size = layout.size().max(1);
    if size <= SMALL_MAX {
        let class = size.div_ceil(GRANULE);
        return Some((class, class * GRANULE));
    }
    let shift = size.next_power_of_two().trailing_zeros();
    (shift <= MEDIUM_MAX_SHIFT).then(|| {
        let class = SMALL_CLASSES + (shift.max(MEDIUM_MIN_SHIFT) - MEDIUM_MIN_SHIFT) as usize;
        (class, 1 << shift.max(MEDIUM_MIN_SHIFT))
    })
}

impl Arena {
    /// An allocator whose range is reserved on first use; with `huge_pages`, the range is
    /// marked for transparent huge pages (fewer faults, resident memory in 2 MiB steps).
    pub const fn new(huge_pages: bool) -> Arena {
        Arena {
            huge_pages,
            state: AtomicUsize::new(UNMAPPED),
            start: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
        }
    }

    /// Maps the range once; false when it is unavailable.
    fn ready(&self) -> bool {
        loop {
            match self.state.load(Ordering::Acquire) {
                READY => return true,
                FAILED => return false,
                UNMAPPED => {
                    if self
                        .state
                        .compare_exchange(UNMAPPED, MAPPING, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    {
                        let state = if self.map_range() { READY } else { FAILED };
                        self.state.store(state, Ordering::Release);
                        return state == READY;
                    }
                }
                _ => std::hint::spin_loop(),
            }
        }
    }

    /// Reserves the address range, aligned to a huge page.
    #[cfg(target_os = "linux")]
    fn map_range(&self) -> bool {
        // SAFETY: an anonymous private mapping with no address hint touches no existing
        // memory; the result is checked against MAP_FAILED.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                RESERVE + HUGE_PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return false;
        }
        let start = (base as usize + HUGE_PAGE - 1) & !(HUGE_PAGE - 1);
        let advice = if self.huge_pages {
            libc::MADV_HUGEPAGE
        } else {
            libc::MADV_NOHUGEPAGE
        };
        // SAFETY: the range lies inside the mapping made above. Failure only changes the
        // page size, so the result is ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, RESERVE, advice);
        }
        self.start.store(start, Ordering::Relaxed);
        self.next.store(start, Ordering::Relaxed);
        self.end.store(start + RESERVE, Ordering::Relaxed);
        true
    }

    /// Elsewhere than Linux the system allocator does everything.
    #[cfg(not(target_os = "linux"))]
    fn map_range(&self) -> bool {
        let _ = self.huge_pages;
        false
    }

    /// Whether `ptr` was handed out from the range.
    fn owns(&self, ptr: *mut u8) -> bool {
        let p = ptr as usize;
        self.state.load(Ordering::Acquire) == READY
            && p >= self.start.load(Ordering::Relaxed)
            && p < self.end.load(Ordering::Relaxed)
    }

    /// Bumps the shared pointer by `size` (a multiple of GRANULE); `None` when the range is
    /// unavailable or full.
    fn bump(&self, size: usize) -> Option<usize> {
        if !self.ready() {
            return None;
        }
        let end = self.end.load(Ordering::Relaxed);
        let mut cur = self.next.load(Ordering::Relaxed);
        loop {
            let new = cur.checked_add(size)?;
            if new > end {
                return None;
            }
            match self
                .next
                .compare_exchange_weak(cur, new, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(cur),
                Err(now) => cur = now,
            }
        }
    }

    /// A block of `class` (`size` bytes) for this thread: from its free list, else from its
    /// chunk (small) or the shared range (medium).
    fn take(&self, class: usize, size: usize) -> Option<usize> {
        LOCAL
            .try_with(|local| {
                let head = local.free[class].get();
                if head != 0 {
                    // SAFETY: `head` is a free block of this class, whose first word was set
                    // by `give_back` to the next one.
                    local.free[class].set(unsafe { *(head as *const usize) });
                    return Some(head);
                }
                if class >= SMALL_CLASSES {
                    return self.bump(size);
                }
                let mut at = local.next.get();
                if at == 0 || at + size > local.end.get() {
                    at = self.bump(CHUNK)?;
                    local.end.set(at + CHUNK);
                }
                local.next.set(at + size);
                Some(at)
            })
            .ok()
            .flatten()
    }

    /// Puts a block on this thread's free list of `class`. Without thread-local storage
    /// (a thread being torn down) the block is left unused.
    fn give_back(&self, ptr: *mut u8, class: usize) {
        let _ = LOCAL.try_with(|local| {
            // SAFETY: the block is at least GRANULE bytes, 16-aligned and no longer in use;
            // its first word now links the list.
            unsafe { *(ptr as *mut usize) = local.free[class].get() };
            local.free[class].set(ptr as usize);
        });
    }
}

// SAFETY: every pointer returned is either a block of the range handed out once (bumped
// atomically, from a thread's own chunk, or popped from a thread's free list after being
// freed), 16-aligned and at least as large as its class, or comes from `System`.
// `dealloc`/`realloc` route each pointer back by address, and the class of a range block is
// a function of its layout, so a block is always recycled under the class it was taken from.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some((class, size)) = class_of(layout)
            && let Some(p) = self.take(class, size)
        {
            return p as *mut u8;
        }
        // SAFETY: forwarding the caller's valid layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: `ptr` came from `System` with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        if let Some((class, _)) = class_of(layout) {
            self.give_back(ptr, class);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to the alignment, does not
        // overflow `isize`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if self.owns(ptr)
            && let (Some((old, _)), Some((new, _))) = (class_of(layout), class_of(new_layout))
            && old == new
        {
            return ptr;
        }
        // SAFETY: a valid non-zero layout (new_size > 0 per the contract).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both ranges are valid for the copied length and are distinct
            // allocations; the old block is freed once copied.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_their_sizes() {
        for size in 1..=(2 << 20) {
            let layout = Layout::from_size_align(size, 8).unwrap();
            match class_of(layout) {
                Some((class, block)) => {
                    assert!(block >= size && block.is_multiple_of(GRANULE), "{size}");
                    assert!(class < CLASSES, "{size}");
                    // The class decides the block size: equal classes, equal blocks.
                    let again = Layout::from_size_align(block, 8).unwrap();
                    assert_eq!(class_of(again), Some((class, block)), "{size}");
                }
                None => assert!(size > 1 << MEDIUM_MAX_SHIFT, "{size}"),
            }
        }
        assert_eq!(class_of(Layout::from_size_align(8, 64).unwrap()), None);
    }

    #[test]
    fn blocks_are_distinct_aligned_and_recycled() {
        let arena = Arena::new(false);
        let sizes = [1usize, 15, 16, 17, 100, 1024, 1025, 4000, 70_000, 2 << 20];
        let mut blocks = Vec::new();
        for round in 0..3 {
            for &size in &sizes {
                let layout = Layout::from_size_align(size, 8).unwrap();
                // SAFETY: a non-zero layout; the block is filled within its size.
                let p = unsafe { arena.alloc(layout) };
                assert!(!p.is_null() && (p as usize).is_multiple_of(8));
                unsafe { std::ptr::write_bytes(p, round as u8 + 1, size) };
                blocks.push((p, layout, round as u8 + 1));
            }
        }
        // Every block kept its own contents: no overlap.
        for &(p, layout, fill) in &blocks {
            // SAFETY: each block is live and `layout.size()` bytes long.
            let bytes = unsafe { std::slice::from_raw_parts(p, layout.size()) };
            assert!(bytes.iter().all(|&b| b == fill));
        }
        let (p, layout, _) = blocks[4];
        // SAFETY: freeing a live block with its layout, then allocating the same class.
        unsafe { arena.dealloc(p, layout) };
        let q = unsafe { arena.alloc(Layout::from_size_align(97, 8).unwrap()) };
        assert_eq!(p, q, "a freed block is reused for its class");
        // Growing within the class stays in place, beyond it moves and keeps the contents.
        let (p, layout, fill) = blocks[7];
        let same = unsafe { arena.realloc(p, layout, 4096) };
        assert_eq!(same, p);
        let grown = unsafe { arena.realloc(same, Layout::from_size_align(4096, 8).unwrap(), 9000) };
        assert_ne!(grown, p);
        let bytes = unsafe { std::slice::from_raw_parts(grown, 4000) };
        assert!(bytes.iter().all(|&b| b == fill));
    }
}
