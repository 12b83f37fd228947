//! The allocator of `llb-dump`: bump allocation in one mapping backed by
//! transparent huge pages, with per-thread recycling of small blocks.
//!
//! `llb-dump` is a short-lived process that makes tens of thousands of
//! small allocations. With the system allocator, much of its time went to
//! page faults (one per 4 KiB page, costly in a VM) and malloc bookkeeping.
//! Here:
//! - one region of address space is reserved and marked for huge pages, so
//!   memory arrives 2 MiB per fault;
//! - small blocks (up to 1 KiB, alignment up to 16) come from a per-thread
//!   chunk and, once freed, from a per-thread free list of their size
//!   class, with no atomic operation;
//! - larger blocks are bumped from the region; only the newest one can be
//!   freed or grown in place, others stay until the process exits.
//!
//! If the region cannot be mapped or runs out, the system allocator takes
//! over.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Address space reserved (not committed) for the region.
const RESERVE: usize = 1 << 34;
/// Huge page size, the region's alignment.
const HUGE_PAGE: usize = 2 << 20;
/// Size of the chunk a thread takes for its small blocks.
const CHUNK: usize = 1 << 20;
/// Size-class granularity and the alignment of small blocks.
const GRANULE: usize = 16;
/// Largest small block.
const SMALL_MAX: usize = 1024;
/// Number of size classes (class `c` holds blocks of `c * GRANULE` bytes).
const CLASSES: usize = SMALL_MAX / GRANULE + 1;

/// Region states.
const UNMAPPED: usize = 0;
const MAPPING: usize = 1;
const READY: usize = 2;
const FAILED: usize = 3;

/// Per-thread state: the current chunk and the free lists (each head is
/// the address of a free block whose first word links to the next; 0 ends).
struct Local {
    next: Cell<usize>,
    end: Cell<usize>,
    free: [Cell<usize>; CLASSES],
}

thread_local! {
    // Const-initialised and without destructor: safe to use from an
    // allocator (no lazy initialisation, no allocation, never torn down).
    static LOCAL: Local = const {
        Local {
            next: Cell::new(0),
            end: Cell::new(0),
            free: [const { Cell::new(0) }; CLASSES],
        }
    };
}

/// The allocator; see the module documentation.
pub struct HugePageBump {
    state: AtomicUsize,
    start: AtomicUsize,
    next: AtomicUsize,
    end: AtomicUsize,
}

/// Size class of a small layout, `None` for large ones.
fn class_of(layout: Layout) -> Option<usize> {
    (layout.size() <= SMALL_MAX && layout.align() <= GRANULE)
        .then(|| layout.size().div_ceil(GRANULE).max(1))
}

impl HugePageBump {
    /// An allocator whose region is mapped on first use.
    pub const fn new() -> HugePageBump {
        HugePageBump {
            state: AtomicUsize::new(UNMAPPED),
            start: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
        }
    }

    /// Maps the region once; false when it is unavailable.
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
                        let state = if self.map_region() { READY } else { FAILED };
                        self.state.store(state, Ordering::Release);
                        return state == READY;
                    }
                }
                _ => std::hint::spin_loop(),
            }
        }
    }

    /// Reserves the address range and asks for huge pages.
    fn map_region(&self) -> bool {
        // SAFETY: an anonymous private mapping with no address hint touches
        // no existing memory; the result is checked against MAP_FAILED.
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
        // SAFETY: the range lies inside the mapping made above. Failure only
        // means small pages, so the result is ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, RESERVE, libc::MADV_HUGEPAGE);
        }
        self.start.store(start, Ordering::Relaxed);
        self.next.store(start, Ordering::Relaxed);
        self.end.store(start + RESERVE, Ordering::Relaxed);
        true
    }

    /// Whether `ptr` was handed out from the region.
    fn owns(&self, ptr: *mut u8) -> bool {
        let p = ptr as usize;
        self.state.load(Ordering::Acquire) == READY
            && p >= self.start.load(Ordering::Relaxed)
            && p < self.end.load(Ordering::Relaxed)
    }

    /// Bumps the shared pointer; `None` when the region is unavailable or
    /// full.
    fn bump(&self, size: usize, align: usize) -> Option<usize> {
        if !self.ready() {
            return None;
        }
        let end = self.end.load(Ordering::Relaxed);
        let mut cur = self.next.load(Ordering::Relaxed);
        loop {
            let aligned = cur.checked_add(align - 1)? & !(align - 1);
            let new = aligned.checked_add(size)?;
            if new > end {
                return None;
            }
            match self
                .next
                .compare_exchange_weak(cur, new, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(aligned),
                Err(now) => cur = now,
            }
        }
    }

    /// A small block of size class `class` for this thread.
    fn alloc_small(&self, class: usize) -> Option<usize> {
        LOCAL
            .try_with(|local| {
                let head = local.free[class].get();
                if head != 0 {
                    // SAFETY: `head` is a free block of this class, whose
                    // first word was set by `free_small` to the next one.
                    local.free[class].set(unsafe { *(head as *const usize) });
                    return Some(head);
                }
                let size = class * GRANULE;
                let mut at = local.next.get();
                if at == 0 || at + size > local.end.get() {
                    at = self.bump(CHUNK, GRANULE)?;
                    local.end.set(at + CHUNK);
                }
                local.next.set(at + size);
                Some(at)
            })
            .ok()
            .flatten()
    }

    /// Puts a small block on this thread's free list of `class`.
    fn free_small(&self, ptr: *mut u8, class: usize) {
        let _ = LOCAL.try_with(|local| {
            // SAFETY: the block is at least GRANULE bytes, 16-aligned and no
            // longer in use; its first word now links the list.
            unsafe { *(ptr as *mut usize) = local.free[class].get() };
            local.free[class].set(ptr as usize);
        });
    }
}

// SAFETY: every pointer returned is either a range of the region handed out
// once (by an atomic bump, from a thread's own chunk, or popped from a
// thread's free list after being freed) and suitably aligned, or comes from
// `System`; `dealloc`/`realloc` route each pointer back to where it came
// from, and a freed block is only reused after its owner freed it.
unsafe impl GlobalAlloc for HugePageBump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let got = match class_of(layout) {
            Some(class) => self.alloc_small(class),
            None => self.bump(layout.size(), layout.align()),
        };
        match got {
            Some(p) => p as *mut u8,
            // SAFETY: forwarding the caller's valid layout.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: `ptr` came from `System` with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        match class_of(layout) {
            Some(class) => self.free_small(ptr, class),
            None => {
                // Only the newest large block is given back.
                let end = ptr as usize + layout.size();
                let _ = self.next.compare_exchange(
                    end,
                    ptr as usize,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if self.owns(ptr) {
            // SAFETY (both layouts): the caller guarantees `new_size`,
            // rounded up to the alignment, does not overflow `isize`.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            match (class_of(layout), class_of(new_layout)) {
                // A small block serves any request of its class or below.
                (Some(old), Some(new)) if new <= old => return ptr,
                (None, None) => {
                    let old_end = ptr as usize + layout.size();
                    let new_end = ptr as usize + new_size;
                    if new_size <= layout.size() {
                        let _ = self.next.compare_exchange(
                            old_end,
                            new_end,
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                        );
                        return ptr;
                    }
                    // The newest large block grows in place.
                    if new_end <= self.end.load(Ordering::Relaxed)
                        && self
                            .next
                            .compare_exchange(
                                old_end,
                                new_end,
                                Ordering::Relaxed,
                                Ordering::Relaxed,
                            )
                            .is_ok()
                    {
                        return ptr;
                    }
                }
                _ => {}
            }
        }
        // SAFETY: as above.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid non-zero layout (new_size > 0 per the contract).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both ranges are valid for the copied length and are
            // distinct allocations.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
