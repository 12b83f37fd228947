//! [`Arena`]: the global allocator of rfront's short-lived processes (`rfront`, `llb-dump`).
//!
//! They make tens of thousands of small allocations and exit. With glibc's malloc much of
//! their time went to malloc bookkeeping, and most of the rest to page faults: a first touch
//! of a 4 KiB page costs microseconds in a VM. Here:
//! - one range of address space is reserved up front (nothing is committed until touched),
//!   optionally marked for transparent huge pages so memory arrives 2 MiB per fault;
//! - small blocks (up to 4 KiB, 16-byte classes) come from a per-thread chunk and, once
//!   freed, from a per-thread free list of their class, with no atomic operation;
//! - medium blocks (up to 1 MiB, power-of-two classes) are bumped from the shared range and
//!   recycled through per-thread free lists the same way; a block grows in place within its
//!   class, and beyond it when it is the last block bumped;
//! - before the range is bumped, freed memory is reused across classes: a larger free medium
//!   block is split in halves for a medium request (a buddy split, never merged back), and a
//!   free block becomes the thread's next small-block chunk (a medium one of at least 16 KiB
//!   first, else a small one of at least 512 bytes). A growing vector leaves a trail of freed
//!   blocks of every smaller class, and a phase of a conversion frees thousands of blocks of
//!   one size; without this, none of it served anything else and 1–2 MiB sat in free lists;
//! - larger blocks, over-aligned ones, and everything once the range is exhausted or could
//!   not be mapped, go to the system allocator.
//!
//! Memory is never returned to the system before exit.

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
const SMALL_MAX: usize = 4096;
/// Number of small classes (class `c` holds blocks of `c * GRANULE` bytes).
const SMALL_CLASSES: usize = SMALL_MAX / GRANULE + 1;
/// log2 of the smallest medium class.
const MEDIUM_MIN_SHIFT: u32 = 13;
/// log2 of the largest medium block.
const MEDIUM_MAX_SHIFT: u32 = 20;
/// log2 of the smallest free medium block that becomes a small-block chunk.
const CHUNK_REUSE_MIN_SHIFT: u32 = 14;
/// Smallest free small block that becomes a small-block chunk.
const SMALL_REUSE_MIN: usize = 512;
/// Number of medium classes (8 KiB .. 1 MiB).
const MEDIUM_CLASSES: usize = (MEDIUM_MAX_SHIFT - MEDIUM_MIN_SHIFT + 1) as usize;
/// All classes: small ones first, then medium ones.
const CLASSES: usize = SMALL_CLASSES + MEDIUM_CLASSES;

/// Range states.
const UNMAPPED: usize = 0;
const MAPPING: usize = 1;
const READY: usize = 2;
const FAILED: usize = 3;

/// Words of the per-thread bitmap of non-empty free lists.
const BITMAP_WORDS: usize = CLASSES.div_ceil(64);

/// Per-thread state: the current small-block chunk, the free lists (each head is the address
/// of a free block whose first word links to the next; 0 ends a list) and which of them are
/// non-empty (bit `c % 64` of word `c / 64`), so a search for a reusable block does not walk
/// hundreds of lists.
struct Local {
    next: Cell<usize>,
    end: Cell<usize>,
    free: [Cell<usize>; CLASSES],
    nonempty: [Cell<u64>; BITMAP_WORDS],
}

thread_local! {
    // Const-initialised and without destructor: usable from an allocator (no lazy
    // initialisation, no allocation, never torn down).
    static LOCAL: Local = const {
        Local {
            next: Cell::new(0),
            end: Cell::new(0),
            free: [const { Cell::new(0) }; CLASSES],
            nonempty: [const { Cell::new(0) }; BITMAP_WORDS],
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

    /// A block of `class` (`size` bytes) for this thread when [`take_fast`] found none (its
    /// free list empty and, for a small block, no room left in its chunk): a medium block
    /// split from a larger free one or bumped from the range; a small one at the start of a
    /// new chunk, a reused free block or bumped.
    fn take(&self, class: usize, size: usize) -> Option<usize> {
        LOCAL
            .try_with(|local| {
                if class >= SMALL_CLASSES {
                    return split_free(local, class).or_else(|| self.bump(size));
                }
                let (chunk, len) = match reusable_chunk(local, size) {
                    Some(block) => block,
                    None => (self.bump(CHUNK)?, CHUNK),
                };
                local.next.set(chunk + size);
                local.end.set(chunk + len);
                Some(chunk)
            })
            .ok()
            .flatten()
    }

    /// Grows the medium block at `ptr` (of `old` bytes) to `new` bytes in place when it is the
    /// last block bumped from the range; false otherwise.
    fn grow_at_top(&self, ptr: usize, old: usize, new: usize) -> bool {
        let end = self.end.load(Ordering::Relaxed);
        ptr + new <= end
            && self
                .next
                .compare_exchange(ptr + old, ptr + new, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Everything [`take_fast`] does not serve: a new chunk, a reused or split block, a bump
    /// of the range, or the system allocator. Out of line, so the common path saves no
    /// registers.
    #[cold]
    #[inline(never)]
    fn alloc_slow(&self, layout: Layout) -> *mut u8 {
        if let Some((class, size)) = class_of(layout)
            && let Some(p) = self.take(class, size)
        {
            return p as *mut u8;
        }
        // SAFETY: forwarding the caller's valid layout.
        unsafe { System.alloc(layout) }
    }

    /// Puts a block on this thread's free list of `class`. Without thread-local storage
    /// (a thread being torn down) the block is left unused.
    fn give_back(&self, ptr: *mut u8, class: usize) {
        let _ = LOCAL.try_with(|local| push(local, class, ptr as usize));
    }
}

/// The common allocations: a free block of `class`, or a small one from the current chunk.
#[inline]
fn take_fast(local: &Local, class: usize, size: usize) -> Option<usize> {
    if let Some(block) = pop(local, class) {
        return Some(block);
    }
    let at = local.next.get();
    (class < SMALL_CLASSES && at != 0 && at + size <= local.end.get()).then(|| {
        local.next.set(at + size);
        at
    })
}

/// Size of the blocks of `class`.
fn class_size(class: usize) -> usize {
    if class < SMALL_CLASSES {
        class * GRANULE
    } else {
        1 << (MEDIUM_MIN_SHIFT as usize + class - SMALL_CLASSES)
    }
}

/// Pops the head of `local`'s free list of `class`, if any.
#[inline]
fn pop(local: &Local, class: usize) -> Option<usize> {
    let head = local.free[class].get();
    // SAFETY: `head` is a free block of this class, whose first word was set by `push` to
    // the next one.
    (head != 0).then(|| {
        let next = unsafe { *(head as *const usize) };
        local.free[class].set(next);
        if next == 0 {
            let word = &local.nonempty[class / 64];
            word.set(word.get() & !(1 << (class % 64)));
        }
        head
    })
}

/// Pushes the free block at `block` onto `local`'s list of `class`.
#[inline]
fn push(local: &Local, class: usize, block: usize) {
    // SAFETY: the block is at least GRANULE bytes, 16-aligned and no longer in use; its first
    // word now links the list.
    unsafe { *(block as *mut usize) = local.free[class].get() };
    local.free[class].set(block);
    let word = &local.nonempty[class / 64];
    word.set(word.get() | 1 << (class % 64));
}

/// The largest class in `lo..hi` whose free list is not empty.
fn largest_nonempty(local: &Local, lo: usize, hi: usize) -> Option<usize> {
    let mut above = hi;
    while above > lo {
        let top = above - 1;
        // The bits of the classes up to `top` in its word.
        let bits = local.nonempty[top / 64].get() & (u64::MAX >> (63 - top % 64));
        if bits != 0 {
            let class = top / 64 * 64 + 63 - bits.leading_zeros() as usize;
            return (class >= lo).then_some(class);
        }
        above = top / 64 * 64;
    }
    None
}

/// A block of medium `class` split from the smallest larger free block of this thread: the
/// halves not used go to the free lists of the classes between.
fn split_free(local: &Local, class: usize) -> Option<usize> {
    let (larger, block) = (class + 1..CLASSES).find_map(|c| Some((c, pop(local, c)?)))?;
    for half in (class..larger).rev() {
        push(local, half, block + class_size(half));
    }
    Some(block)
}

/// A free block of this thread taken whole as the next small-block chunk, for a first block
/// of `size` bytes: the largest medium one of at least 16 KiB, else the largest small one of
/// at least 512 bytes that holds `size`. `(start, length)`.
fn reusable_chunk(local: &Local, size: usize) -> Option<(usize, usize)> {
    let medium = SMALL_CLASSES + (CHUNK_REUSE_MIN_SHIFT - MEDIUM_MIN_SHIFT) as usize;
    let small = size.max(SMALL_REUSE_MIN).div_ceil(GRANULE);
    let class = largest_nonempty(local, medium, CLASSES)
        .or_else(|| largest_nonempty(local, small, SMALL_CLASSES))?;
    Some((pop(local, class)?, class_size(class)))
}

// SAFETY: every pointer returned is either a block of the range handed out once (bumped
// atomically, from a thread's own chunk, popped from a thread's free list after being freed,
// or split from a larger freed block whose other halves go to free lists), 16-aligned and at
// least as large as its class, or comes from `System`. A freed medium block that becomes a
// chunk leaves every free list, so its bytes are handed out once more only as small blocks.
// A block grown at the top of the range only takes bytes never handed out (past `next`, moved
// atomically). `dealloc`/`realloc` route each pointer back by address, and the class of a
// range block is a function of its layout, so a block is always recycled under the class of
// the size it was last given.
unsafe impl GlobalAlloc for Arena {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some((class, size)) = class_of(layout)
            && let Ok(Some(p)) = LOCAL.try_with(|local| take_fast(local, class, size))
        {
            return p as *mut u8;
        }
        self.alloc_slow(layout)
    }

    #[inline]
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
            && let (Some((old, old_size)), Some((new, new_size))) =
                (class_of(layout), class_of(new_layout))
            && (old == new
                || (old >= SMALL_CLASSES
                    && new > old
                    && self.grow_at_top(ptr as usize, old_size, new_size)))
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
        let sizes = [1usize, 15, 16, 17, 100, 4096, 4097, 6000, 70_000, 2 << 20];
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
        let same = unsafe { arena.realloc(p, layout, 8192) };
        assert_eq!(same, p);
        let grown = unsafe { arena.realloc(same, Layout::from_size_align(8192, 8).unwrap(), 9000) };
        assert_ne!(grown, p);
        let bytes = unsafe { std::slice::from_raw_parts(grown, 6000) };
        assert!(bytes.iter().all(|&b| b == fill));
    }

    /// A block of `size` bytes from `arena`, written with `fill`.
    fn block(arena: &Arena, size: usize, fill: u8) -> (*mut u8, Layout) {
        let layout = Layout::from_size_align(size, 8).unwrap();
        // SAFETY: a non-zero layout; the block is written within its size.
        let p = unsafe { arena.alloc(layout) };
        assert!(!p.is_null());
        unsafe { std::ptr::write_bytes(p, fill, size) };
        (p, layout)
    }

    #[test]
    fn a_freed_block_is_split_for_a_smaller_medium_class() {
        let arena = Arena::new(false);
        let (big, big_layout) = block(&arena, 64 << 10, 1);
        let (_keep, _) = block(&arena, 4096, 2);
        // SAFETY: freeing a live block with its layout.
        unsafe { arena.dealloc(big, big_layout) };
        let before = arena.next.load(Ordering::Relaxed);
        // 8 KiB, 16 KiB and 32 KiB come out of the freed 64 KiB block, in disjoint pieces.
        let pieces: Vec<_> = [8usize << 10, 16 << 10, 32 << 10, 8 << 10]
            .iter()
            .enumerate()
            .map(|(i, &size)| (block(&arena, size, 10 + i as u8), size))
            .collect();
        assert_eq!(
            arena.next.load(Ordering::Relaxed),
            before,
            "nothing was bumped"
        );
        for ((p, _), _) in &pieces {
            let at = *p as usize;
            assert!(at >= big as usize && at < big as usize + (64 << 10));
        }
        for (i, ((p, _), size)) in pieces.iter().enumerate() {
            // SAFETY: each piece is live and `size` bytes long.
            let bytes = unsafe { std::slice::from_raw_parts(*p, *size) };
            assert!(
                bytes.iter().all(|&b| b == 10 + i as u8),
                "piece {i} overlaps another"
            );
        }
    }

    #[test]
    fn a_freed_medium_block_becomes_the_next_small_chunk() {
        let arena = Arena::new(false);
        let (big, big_layout) = block(&arena, 20 << 10, 1);
        // SAFETY: freeing a live block with its layout.
        unsafe { arena.dealloc(big, big_layout) };
        // Use up the current chunk (if any), then the next small block lands in the 32 KiB
        // block freed above.
        let mut small = Vec::new();
        loop {
            let (p, _) = block(&arena, 1000, 3);
            small.push(p);
            let at = p as usize;
            if at >= big as usize && at < big as usize + (32 << 10) {
                break;
            }
            assert!(
                small.len() < (CHUNK / 1000) * 2,
                "the freed block was never reused"
            );
        }
        let top = arena.next.load(Ordering::Relaxed);
        for _ in 0..20 {
            block(&arena, 1000, 4);
        }
        assert_eq!(
            arena.next.load(Ordering::Relaxed),
            top,
            "the reused block serves on"
        );
    }

    #[test]
    fn freed_small_blocks_become_chunks_before_the_range_is_bumped() {
        let arena = Arena::new(false);
        // 300 blocks of 1000 bytes (more than a chunk holds), all freed.
        let blocks: Vec<_> = (0..300).map(|_| block(&arena, 1000, 1)).collect();
        for &(p, layout) in &blocks {
            // SAFETY: freeing live blocks with their layouts.
            unsafe { arena.dealloc(p, layout) };
        }
        let top = arena.next.load(Ordering::Relaxed);
        // Blocks of another class: the rest of the current chunk, then the freed blocks,
        // four to each, hold them all.
        let small: Vec<_> = (0..2000).map(|i| block(&arena, 200, i as u8)).collect();
        assert_eq!(
            arena.next.load(Ordering::Relaxed),
            top,
            "nothing was bumped"
        );
        for (i, (p, _)) in small.iter().enumerate() {
            // SAFETY: each block is live and 200 bytes long.
            let bytes = unsafe { std::slice::from_raw_parts(*p, 200) };
            assert!(
                bytes.iter().all(|&b| b == i as u8),
                "block {i} overlaps another"
            );
        }
    }

    #[test]
    fn the_bitmap_finds_the_largest_nonempty_list_in_a_range() {
        let local = Local {
            next: Cell::new(0),
            end: Cell::new(0),
            free: [const { Cell::new(0) }; CLASSES],
            nonempty: [const { Cell::new(0) }; BITMAP_WORDS],
        };
        let mut blocks = [0u128; 8];
        let classes = [3, 63, 64, 130, CLASSES - 1];
        for (i, &class) in classes.iter().enumerate() {
            push(&local, class, &mut blocks[i] as *mut u128 as usize);
        }
        assert_eq!(largest_nonempty(&local, 0, CLASSES), Some(CLASSES - 1));
        assert_eq!(largest_nonempty(&local, 0, CLASSES - 1), Some(130));
        assert_eq!(largest_nonempty(&local, 0, 130), Some(64));
        assert_eq!(largest_nonempty(&local, 0, 64), Some(63));
        assert_eq!(largest_nonempty(&local, 4, 63), None);
        assert_eq!(largest_nonempty(&local, 65, 130), None);
        assert_eq!(largest_nonempty(&local, 3, 4), Some(3));
        // Emptying a list clears its bit; the one below is found next.
        assert!(pop(&local, 64).is_some());
        assert_eq!(largest_nonempty(&local, 0, 130), Some(63));
        assert!(pop(&local, 64).is_none());
    }

    #[test]
    fn the_last_medium_block_grows_in_place() {
        let arena = Arena::new(false);
        let (p, layout) = block(&arena, 5000, 7);
        // SAFETY: growing a live block of this layout.
        let grown = unsafe { arena.realloc(p, layout, 100_000) };
        assert_eq!(grown, p, "the top block grows where it is");
        assert_eq!(arena.next.load(Ordering::Relaxed), p as usize + (128 << 10));
        let bytes = unsafe { std::slice::from_raw_parts(grown, 5000) };
        assert!(bytes.iter().all(|&b| b == 7));
        // Once another block is bumped above it, growing moves it.
        let (_above, _) = block(&arena, 8192, 8);
        let layout = Layout::from_size_align(100_000, 8).unwrap();
        let moved = unsafe { arena.realloc(grown, layout, 200_000) };
        assert_ne!(moved, grown);
        let bytes = unsafe { std::slice::from_raw_parts(moved, 5000) };
        assert!(bytes.iter().all(|&b| b == 7));
    }
}
