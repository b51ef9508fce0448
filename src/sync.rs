//! The one place that names atomic types.
//!
//! Every other module imports atomics from here, so that `--cfg loom` swaps them
//! all for loom's model-checked versions at once. Outside loom they come from
//! `portable-atomic`, which compiles to the target's native instructions where
//! they exist and to `critical-section` (with the `critical-section` feature) on
//! targets that lack compare-and-swap.
//!
//! The width of the admission word is chosen here too: 64 bits where the target
//! has native 64-bit atomics, 32 bits elsewhere. `--cfg nozzle_narrow` forces the
//! 32-bit layout on a 64-bit host so that the test suite covers both.

#[cfg(not(loom))]
pub(crate) use portable_atomic::{AtomicU32, Ordering};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, Ordering};

#[cfg(all(target_has_atomic = "64", not(nozzle_narrow), not(loom)))]
pub(crate) use portable_atomic::AtomicU64;

#[cfg(all(target_has_atomic = "64", not(nozzle_narrow), loom))]
pub(crate) use loom::sync::atomic::AtomicU64;

/// Unsigned integer type of the admission word.
#[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
pub(crate) type Word = u64;

/// Atomic type of the admission word.
#[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
pub(crate) type AtomicWord = AtomicU64;

/// Unsigned integer type of the admission word.
#[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
pub(crate) type Word = u32;

/// Atomic type of the admission word.
#[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
pub(crate) type AtomicWord = AtomicU32;

/// Defines a function that is `const` except under loom, whose atomics have no
/// `const` constructor.
macro_rules! const_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $name:ident $args:tt -> $ret:ty $body:block) => {
        $(#[$attr])* #[cfg(not(loom))] $vis const fn $name $args -> $ret $body
        $(#[$attr])* #[cfg(loom)] $vis fn $name $args -> $ret $body
    };
}
pub(crate) use const_unless_loom;
