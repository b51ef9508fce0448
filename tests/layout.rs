//! Compile-time checks of the public types' layout and auto traits.
//!
//! That nothing in the crate's dependency graph links `alloc` is checked
//! outside this file, because a host test always links `std`: `.ci/run` builds
//! `.ci/no_alloc.rs`, a `thumbv7em-none-eabihf` static library without a global
//! allocator, which rustc refuses to build if any crate links `alloc`.

use nozzle::{Nozzle, Permit, PriorityNozzle, Rejected, Snapshot, Transition};
use static_assertions::{assert_impl_all, const_assert};

assert_impl_all!(Nozzle: Send, Sync, core::fmt::Debug);
assert_impl_all!(PriorityNozzle: Send, Sync, core::fmt::Debug);
assert_impl_all!(Permit<'static>: Send, Sync);
assert_impl_all!(Rejected: Send, Sync, Copy, core::error::Error);
assert_impl_all!(Snapshot: Send, Sync, Copy);
assert_impl_all!(Transition: Send, Sync, Copy);

// One cache line, so that a `static` nozzle never straddles two. Targets
// without 64-bit atomics (and `--cfg nozzle_narrow`) need a staging cell for
// the interval and have no cache line to fit.
#[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
const _: () = {
    const_assert!(core::mem::size_of::<Nozzle>() <= 64);
    const_assert!(core::mem::align_of::<Nozzle>() == 64);
};
#[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
const_assert!(core::mem::size_of::<Nozzle>() <= 80);
// A permit is one reference: no slot, no allocation.
const_assert!(core::mem::size_of::<Permit<'static>>() <= core::mem::size_of::<usize>() * 2);
const_assert!(core::mem::size_of::<Option<Permit<'static>>>() == core::mem::size_of::<usize>());
