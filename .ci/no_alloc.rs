//! A static library for `thumbv7em-none-eabihf` that uses the whole public API
//! of `nozzle` and defines no `#[global_allocator]`.
//!
//! rustc refuses to build a final artifact (binary, static or dynamic library)
//! without a global allocator when any crate in its dependency graph links the
//! `alloc` crate: "no global memory allocator found but one is required". So
//! this file compiles only while neither `nozzle` nor its dependencies link
//! `alloc`. A library build alone would not show it: `alloc` is in the
//! target's sysroot, and an rlib needs no allocator. `.ci/run` builds it.

#![no_std]

use nozzle::{Config, Error, Nozzle};

static NOZZLE: Nozzle = match Nozzle::new(Config::new(100).allowed_failure_percent(30)) {
    Ok(nozzle) => nozzle,
    Err(_) => panic!("invalid nozzle configuration"),
};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Exercises every public operation, so that their code is part of the link.
#[no_mangle]
pub extern "C" fn nozzle_no_alloc_check(now: u64, ok: bool) -> u32 {
    if let Ok(permit) = NOZZLE.try_acquire() {
        permit.record(ok);
    }
    if let Ok(permit) = NOZZLE.try_acquire() {
        drop(permit);
    }
    let called: Result<u32, Error<u32>> = NOZZLE.call(|| if ok { Ok(1) } else { Err(2) });
    let _ = NOZZLE.call_bool(|| ok);
    let mut sum = match called {
        Ok(value) | Err(Error::Inner(value)) => value,
        Err(Error::Rejected(rejected)) => u32::from(rejected.flow_rate()),
    };
    if let Some(transition) = NOZZLE.tick(now) {
        sum = sum
            .wrapping_add(u32::from(transition.flow_rate))
            .wrapping_add(transition.closed.allowed);
    }
    if now == u64::MAX {
        NOZZLE.shut_off();
    }
    let snapshot = NOZZLE.snapshot();
    sum.wrapping_add(u32::from(snapshot.failure_rate()))
        .wrapping_add(u32::from(NOZZLE.is_shut_off()))
}
