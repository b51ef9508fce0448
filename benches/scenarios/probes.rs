//! The nozzle's hot paths as out-of-line functions, so that their machine code
//! can be read on its own:
//!
//! ```sh
//! cargo install cargo-show-asm
//! cargo asm --bench nozzle probes::try_acquire
//! cargo asm --bench nozzle probes::success
//! cargo asm --bench nozzle probes::tick
//! ```
//!
//! Each one only forwards to the public method, which the compiler inlines into
//! it exactly as it does into the benchmark loops. `checks` calls them once, so
//! that they stay in the binary.

use nozzle::{Nozzle, Permit, Rejected, Transition};

/// `Nozzle::try_acquire`.
#[inline(never)]
pub fn try_acquire(nozzle: &Nozzle) -> Result<Permit<'_>, Rejected> {
    nozzle.try_acquire()
}

/// `Permit::success`.
#[inline(never)]
pub fn success(permit: Permit<'_>) {
    permit.success();
}

/// `Nozzle::tick`.
#[inline(never)]
pub fn tick(nozzle: &Nozzle, now: u64) -> Option<Transition> {
    nozzle.tick(now)
}
