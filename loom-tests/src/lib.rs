//! Helpers for the loom models of the `nozzle` crate's concurrency invariants.
//!
//! The models live in `tests/`, one file per concept. Build and run them with
//! `bash loom-tests/run.sh`, which pins a preemption bound per file (see the
//! README beside this file), or one file by hand with
//! `RUSTFLAGS="--cfg loom" cargo test -p nozzle-loom-tests --release --test NAME`.
//!
//! The expectations here are computed from the reference rules as stated, over
//! explicit counters, not from the crate's packed representation.

#![cfg(loom)]

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use loom::sync::Arc;

use nozzle::{Config, Nozzle, Snapshot, State};

/// Interval length used by every model, in host units.
pub const INTERVAL: u64 = 10;

/// Runs `body` under every interleaving loom explores, prints how many that
/// was, and fails if it was only one (a model without a race checks nothing).
pub fn check<F>(name: &str, body: F)
where
    F: Fn() + Sync + Send + 'static,
{
    // A plain std counter: it must survive across loom's executions and must
    // not add interleavings of its own.
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&runs);
    loom::model(move || {
        counter.fetch_add(1, Relaxed);
        body();
    });
    let runs = runs.load(Relaxed);
    eprintln!("{name}: {runs} interleavings");
    assert!(runs > 1, "{name}: the model explored a single interleaving");
}

/// Returns a new nozzle with interval [`INTERVAL`] and the default threshold.
pub fn new_nozzle(config: Config) -> Arc<Nozzle> {
    Arc::new(Nozzle::new(config).expect("valid model configuration"))
}

/// Returns a nozzle at flow 99, closing, whose current interval starts at
/// [`INTERVAL`]: one failed call, then one close.
///
/// Everything here runs on the model's main thread before any other thread
/// exists, so it adds no interleavings.
pub fn nozzle_at_99(config: Config) -> Arc<Nozzle> {
    let nozzle = new_nozzle(config);
    nozzle.try_acquire().expect("flow 100 admits").failure();
    let transition = nozzle.tick(INTERVAL).expect("first interval is due");
    assert_eq!(transition.flow_rate, 99);
    nozzle
}

/// Applies the reference admission rule to `attempts` attempts at flow `flow`
/// with explicit counters, and returns how many it admits.
pub fn reference_admitted(flow: u8, attempts: u32) -> u32 {
    let flow = u64::from(flow);
    let mut admitted = 0u64;
    for k in 0..u64::from(attempts) {
        let admit = match flow {
            100 => true,
            0 => false,
            _ => k == 0 || 100 * admitted < flow * k,
        };
        if admit {
            admitted += 1;
        }
    }
    admitted as u32
}

/// Returns the flow rate and direction that the reference rules install when
/// an interval with the given outcomes closes, starting from flow `flow` and
/// step `step`, with the allowed failure percent `allowed`.
pub fn reference_close(
    flow: u8,
    step: i16,
    successes: u32,
    failures: u32,
    allowed: u8,
) -> (u8, State) {
    let total = u64::from(successes) + u64::from(failures);
    // No outcomes: a failure rate of 0.
    let rate = (u64::from(failures) * 100).checked_div(total).unwrap_or(0);
    let flow = i16::from(flow);
    if rate > u64::from(allowed) {
        let moved = if flow > 0 { flow + step.min(-1) } else { flow };
        (moved.clamp(0, 100) as u8, State::Closing)
    } else {
        let moved = if flow < 100 { flow + step.max(1) } else { flow };
        (moved.clamp(0, 100) as u8, State::Opening)
    }
}

/// Asserts that the attempts counted in `snapshot` split into allowed and
/// blocked as the reference rule does at the snapshot's flow rate.
pub fn assert_reference_split(snapshot: &Snapshot, context: &str) {
    let attempts = snapshot.allowed + snapshot.blocked;
    assert_eq!(
        snapshot.allowed,
        reference_admitted(snapshot.flow_rate, attempts),
        "{context}: allowed of {attempts} attempts at flow {}",
        snapshot.flow_rate
    );
}

/// Asserts that a flow rate is a percentage.
pub fn assert_flow_in_range(flow: u8, context: &str) {
    assert!(flow <= 100, "{context}: flow rate {flow} above 100");
}
