//! The allocator of plugins built with this SDK (feature `call-arena`, on by default).
//!
//! The gateway runs every call in a fresh instance and throws the instance away afterwards
//! (DESIGN.md, plugin runtime), so nothing needs to outlive a call, and an allocator can be
//! far simpler than `malloc`. The first [`ARENA_BYTES`] of a call's allocations are handed
//! out by moving a pointer:
//! - small blocks (up to [`MAX_CLASS_BYTES`]) are rounded up to a power of two, and a freed
//!   one goes on a list for its size, from which the next block of that size is taken, so
//!   short-lived strings and maps keep reusing the same few pages (every page a call
//!   touches is one the gateway must reset afterwards);
//! - the newest block is given back on free and grown in place on realloc, so a `String`
//!   or `Vec` that grows while it is the newest block does not copy itself along the arena;
//! - freeing any other large block costs nothing and gives nothing back.
//!
//! Past the arena, blocks come from the system allocator (wasi-libc's `malloc`), which
//! reuses what is freed, so a call that allocates a lot in total is bounded as before.
//!
//! For the Shopify connector this took the allocator's share of a webhook call from about a
//! fifth of the guest's time to under a tenth (BENCHMARKS.md, plugin runtime).
//!
//! Wasm without the `atomics` feature has one thread, which is what makes the unsynchronised
//! cells below sound; the allocator is only installed there.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};
use std::alloc::System;

/// Bytes of the arena: zeroed static memory, so the pages a call does not reach are never
/// touched (and cost nothing to set up or to reset).
pub const ARENA_BYTES: usize = 1 << 20;

/// The largest block that is rounded to a size class and reused once freed.
pub const MAX_CLASS_BYTES: usize = 2048;

/// Size classes: 16, 32, ... [`MAX_CLASS_BYTES`] bytes, all aligned to 16.
const CLASSES: usize = 8;
const CLASS_ALIGN: usize = 16;

/// The size class of `layout`, and its size in bytes, if it has one.
fn class(layout: Layout) -> Option<(usize, usize)> {
    if layout.size() > MAX_CLASS_BYTES || layout.align() > CLASS_ALIGN {
        return None;
    }
    let bytes = layout.size().max(CLASS_ALIGN).next_power_of_two();
    Some((
        (bytes.trailing_zeros() - CLASS_ALIGN.trailing_zeros()) as usize,
        bytes,
    ))
}

/// What an arena block of `layout` occupies: its class's size, or its own, and always at
/// an offset that is a multiple of 16. So any block, whatever it was made for, can later go
/// on the list of the class its last layout names.
fn reserved(layout: Layout) -> Layout {
    match class(layout) {
        // SAFETY: a power of two up to 2 KiB with alignment 16 is a valid layout.
        Some((_, bytes)) => unsafe { Layout::from_size_align_unchecked(bytes, CLASS_ALIGN) },
        None => layout
            .align_to(CLASS_ALIGN)
            .expect("an alignment of 16 is valid for any layout"),
    }
}

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
    /// One past the offset of the first free block of each size class (0: none). A free
    /// block holds the same for the next one.
    free: [Cell<usize>; CLASSES],
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
            free: [const { Cell::new(0) }; CLASSES],
        }
    }

    /// A freed block of size class `class`, if there is one.
    fn take_free(&self, class: usize) -> Option<*mut u8> {
        let head = self.free[class].get().checked_sub(1)?;
        // SAFETY: a free block lies inside the arena, is at least 16 bytes long and
        // aligned to 16, and holds the list's next link.
        unsafe {
            let block = self.base().add(head);
            self.free[class].set(block.cast::<usize>().read());
            Some(block)
        }
    }

    /// Put the block at `offset`, of size class `class`, on its list.
    fn give_back(&self, offset: usize, class: usize) {
        // SAFETY: the block lies inside the arena, starts at a multiple of 16 like every
        // arena block, and occupies at least its class's size: a block is reserved at
        // `reserved` of its layout, keeps that room when it shrinks, and the caller's
        // `class` is that of its last layout.
        unsafe {
            let block = self.base().add(offset);
            block.cast::<usize>().write(self.free[class].get());
        }
        self.free[class].set(offset + 1);
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
        let reused = class(layout).and_then(|(class, _)| self.take_free(class));
        match reused.or_else(|| self.bump(reserved(layout))) {
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
            Some(offset) => {
                if let Some((class, _)) = class(layout) {
                    self.give_back(offset, class);
                }
            }
            // SAFETY: a block outside the arena came from `System`.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(offset) = self.offset_of(ptr) else {
            // SAFETY: a block outside the arena came from `System`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        };
        // SAFETY: `layout.align()` is a valid alignment and `new_size` is non-zero and
        // fits `isize` (the caller's contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // The newest block grows or shrinks where it is while the arena has room.
        if self.is_newest(offset)
            && let Some(end) = offset.checked_add(reserved(new_layout).size())
            && end <= BYTES
        {
            self.top.set(end);
            return ptr;
        }
        // An older block keeps its place while the new size fits what it occupies: a
        // smaller size (the tail is simply not reused), or one of the same size class.
        if reserved(new_layout).size() <= reserved(layout).size() {
            return ptr;
        }
        // SAFETY: as for `alloc`.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are at least this long, and the new one was free, so they
            // do not overlap. The old block is then freed, as `realloc` promises.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BYTES: usize = 8192;

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
            let c = arena.alloc(layout(8, 8));
            assert_eq!(c, b, "the space b had is used again");
            // Freeing an older block leaves the top where it is (the block goes on its
            // size's list).
            let top = arena.top.get();
            arena.dealloc(a, layout(3, 1));
            assert_eq!(arena.top.get(), top);
        }
    }

    #[test]
    fn the_newest_block_grows_in_place_and_an_older_one_moves_with_its_bytes_and_frees_its_place() {
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
            // The moved block's old place went on the 16-byte list, for the next one.
            let older = arena.alloc(layout(8, 1));
            assert_eq!(older, old, "the old place is free again");
            // An older block that shrinks, or grows within its size class, stays where it is.
            let _newer = arena.alloc(layout(8, 1));
            assert_eq!(arena.realloc(older, layout(8, 1), 2), older);
            assert_eq!(
                arena.realloc(older, layout(2, 1), 16),
                older,
                "16 bytes fit"
            );
            assert_ne!(arena.realloc(older, layout(16, 1), 17), older, "17 do not");
        }
    }

    #[test]
    fn a_large_block_that_shrinks_is_reused_only_at_an_aligned_place() {
        let arena = arena();
        unsafe {
            // A large block of odd size and alignment 1 ends at an odd offset; the next
            // one still starts on 16.
            let _odd = arena.alloc(layout(2049, 1));
            let big = arena.alloc(layout(2050, 1));
            assert_eq!(arena.offset_of(big).unwrap() % 16, 0);
            let _newest = arena.alloc(layout(1, 1));
            // Shrunk to a small size and freed, it goes on a list; the next block of that
            // class is the same place, aligned as its layout asks.
            let small = arena.realloc(big, layout(2050, 1), 24);
            assert_eq!(small, big);
            arena.dealloc(small, layout(24, 1));
            let reused = arena.alloc(layout(32, 16));
            assert_eq!(reused, big);
            assert_eq!(reused as usize % 16, 0);
        }
    }

    #[test]
    fn a_freed_small_block_is_reused_by_the_next_of_its_size_class() {
        let arena = arena();
        unsafe {
            let a = arena.alloc(layout(20, 4));
            let _b = arena.alloc(layout(8, 8));
            // `a` is not the newest: it goes on the list of 32-byte blocks.
            arena.dealloc(a, layout(20, 4));
            let top = arena.top.get();
            let c = arena.alloc(layout(31, 1));
            assert_eq!(c, a, "same class, same block");
            assert_eq!(arena.top.get(), top, "nothing new was reserved");
            // Another class does not take it.
            arena.dealloc(c, layout(31, 1));
            let d = arena.alloc(layout(40, 8));
            assert_ne!(d, a);
            // Blocks are reserved at their class's size, so neighbours never overlap.
            let e = arena.alloc(layout(17, 1));
            let f = arena.alloc(layout(1, 1));
            assert!(f as usize >= e as usize + 32);
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
