//! The allocator of plugins built with this SDK (feature `call-arena`, on by default).
//!
//! The gateway runs every call in a fresh instance and throws the instance away afterwards
//! (DESIGN.md, plugin runtime), so memory freed during a call is never needed by a later
//! one. The first [`ARENA_BYTES`] of a call's allocations are therefore handed out by
//! moving a pointer, and freeing them costs nothing. The newest block is the exception: it
//! is given back on free and grown in place on realloc, so a `String` or `Vec` that grows
//! while it is the newest block does not copy itself along the arena.
//!
//! Past the arena, blocks come from the system allocator (wasi-libc's `malloc`), which
//! reuses what is freed, so a call that allocates a lot in total is bounded as before.
//!
//! For the Shopify connector this took the allocator's share of a webhook call from about a
//! fifth of the guest's time to almost nothing (BENCHMARKS.md, plugin runtime).
//!
//! Wasm without the `atomics` feature has one thread, which is what makes the unsynchronised
//! cells below sound; the allocator is only installed there.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};
use std::alloc::System;

/// Bytes of the arena: zeroed static memory, so the pages a call does not reach are never
/// touched (and cost nothing to set up or to reset).
pub const ARENA_BYTES: usize = 1 << 20;

/// A bump arena of `BYTES` bytes in front of the system allocator.
///
/// All of it starts as zeros (no field has another starting value), so a `static` arena
/// lands in the module's zero-filled `.bss`, not in its data image.
pub struct CallArena<const BYTES: usize> {
    memory: UnsafeCell<[u8; BYTES]>,
    /// Offset of the first free byte.
    top: Cell<usize>,
    /// One past the offset of the newest block (0 when there is none to give back).
    newest_end: Cell<usize>,
}

// SAFETY: installed only on wasm without threads (`target_feature = "atomics"` off), where
// no two calls into the allocator can ever run at once.
unsafe impl<const BYTES: usize> Sync for CallArena<BYTES> {}

impl<const BYTES: usize> CallArena<BYTES> {
    /// An empty arena.
    pub const fn new() -> CallArena<BYTES> {
        CallArena {
            memory: UnsafeCell::new([0; BYTES]),
            top: Cell::new(0),
            newest_end: Cell::new(0),
        }
    }

    /// Whether the block at `offset` is the newest.
    fn is_newest(&self, offset: usize) -> bool {
        self.newest_end.get() == offset + 1
    }

    fn base(&self) -> *mut u8 {
        self.memory.get().cast()
    }

    /// The offset of `ptr` in the arena, if it points into it.
    fn offset_of(&self, ptr: *mut u8) -> Option<usize> {
        let offset = (ptr as usize).wrapping_sub(self.base() as usize);
        (offset < BYTES).then_some(offset)
    }

    /// A block from the arena, or `None` when it has no room left.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let base = self.base() as usize;
        let start = (base + self.top.get()).checked_next_multiple_of(layout.align())? - base;
        let end = start.checked_add(layout.size())?;
        if end > BYTES {
            return None;
        }
        self.top.set(end);
        self.newest_end.set(start + 1);
        // SAFETY: `start..end` lies inside the arena.
        Some(unsafe { self.base().add(start) })
    }
}

impl<const BYTES: usize> Default for CallArena<BYTES> {
    fn default() -> CallArena<BYTES> {
        CallArena::new()
    }
}

unsafe impl<const BYTES: usize> GlobalAlloc for CallArena<BYTES> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(ptr) => ptr,
            // SAFETY: the caller's contract, passed on.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match self.offset_of(ptr) {
            Some(offset) if self.is_newest(offset) => {
                self.top.set(offset);
                self.newest_end.set(0);
            }
            Some(_) => {}
            // SAFETY: a block outside the arena came from `System`.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(offset) = self.offset_of(ptr) else {
            // SAFETY: a block outside the arena came from `System`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        };
        // The newest block grows or shrinks where it is while the arena has room.
        if self.is_newest(offset)
            && let Some(end) = offset.checked_add(new_size)
            && end <= BYTES
        {
            self.top.set(end);
            return ptr;
        }
        // An older block that shrinks keeps its place (its tail is simply not reused).
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: `layout.align()` is a valid alignment and `new_size` is non-zero and
        // fits `isize` (the caller's contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as for `alloc`.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are at least this long and do not overlap (the new one
            // is past the old one's end in the arena, or outside it).
            unsafe { core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size)) };
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BYTES: usize = 4096;

    fn arena() -> Box<CallArena<BYTES>> {
        Box::new(CallArena::new())
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn blocks_are_aligned_apart_and_the_newest_is_given_back() {
        let arena = arena();
        unsafe {
            let a = arena.alloc(layout(3, 1));
            let b = arena.alloc(layout(8, 8));
            assert_eq!(b as usize % 8, 0);
            assert!(b as usize >= a as usize + 3, "b does not overlap a");
            let top = arena.top.get();
            arena.dealloc(b, layout(8, 8));
            assert!(arena.top.get() < top, "the newest block went back");
            // An older block is not given back (and freeing it is harmless).
            let c = arena.alloc(layout(8, 8));
            assert_eq!(c, b, "the space b had is used again");
            let top = arena.top.get();
            arena.dealloc(a, layout(3, 1));
            assert_eq!(arena.top.get(), top);
        }
    }

    #[test]
    fn the_newest_block_grows_in_place_and_an_older_one_moves_with_its_bytes() {
        let arena = arena();
        unsafe {
            let old = arena.alloc(layout(4, 1));
            old.copy_from(b"abcd".as_ptr(), 4);
            let newest = arena.alloc(layout(4, 1));
            newest.copy_from(b"wxyz".as_ptr(), 4);
            let grown = arena.realloc(newest, layout(4, 1), 1024);
            assert_eq!(grown, newest, "grown where it was");
            let moved = arena.realloc(old, layout(4, 1), 64);
            assert_ne!(moved, old);
            assert_eq!(std::slice::from_raw_parts(moved, 4), b"abcd");
            assert_eq!(std::slice::from_raw_parts(grown, 4), b"wxyz");
            // An older block that shrinks stays where it is.
            let older = arena.alloc(layout(8, 1));
            let _newer = arena.alloc(layout(8, 1));
            assert_eq!(arena.realloc(older, layout(8, 1), 2), older);
        }
    }

    #[test]
    fn past_the_arena_blocks_come_from_the_system_allocator_and_go_back_to_it() {
        let arena = arena();
        unsafe {
            let first = arena.alloc(layout(BYTES - 16, 16));
            assert!(arena.offset_of(first).is_some());
            let outside = arena.alloc(layout(1024, 8));
            assert!(!outside.is_null());
            assert!(arena.offset_of(outside).is_none(), "the arena was full");
            outside.write_bytes(7, 1024);
            // Grown and freed through `System`, as it came.
            let outside = arena.realloc(outside, layout(1024, 8), 1 << 16);
            assert_eq!(*outside.add(1023), 7);
            arena.dealloc(outside, layout(1 << 16, 8));
            // The arena's last block moves out to `System` when it cannot grow in place.
            let moved = arena.realloc(first, layout(BYTES - 16, 16), BYTES + 16);
            assert!(arena.offset_of(moved).is_none());
            arena.dealloc(moved, layout(BYTES + 16, 16));
        }
    }
}
