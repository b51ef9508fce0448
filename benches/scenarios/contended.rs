//! Two threads sharing one controller, each making the same calls in a loop.
//!
//! Criterion's time per iteration is the wall time of one call on each of the
//! two threads, so it reads as the cost of one call per thread. The throughput
//! is 2 elements per iteration: both threads' calls.

use std::hint::{black_box, spin_loop};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use nozzle::Nozzle;

use super::baselines;
use super::mutex_port::MutexNozzle;
use super::subject::{Subject, THROTTLED_FLOW};

/// Threads sharing one controller.
pub const THREADS: u64 = 2;

/// `try_acquire` then `success` at flow 100 on two threads.
pub fn healthy(c: &mut Criterion) {
    let mut group = c.benchmark_group("contended_healthy");
    group.throughput(Throughput::Elements(THREADS));
    group.bench_function("nozzle", |b| {
        b.iter_custom(|iters| time_shared_attempts::<Nozzle>(100, iters))
    });
    group.bench_function("mutex_port", |b| {
        b.iter_custom(|iters| time_shared_attempts::<MutexNozzle>(100, iters))
    });
    group.bench_function("governor_check", |b| {
        b.iter_custom(baselines::time_shared_governor_checks)
    });
    group.finish();
}

/// `try_acquire`, then `success` when admitted, at flow [`THROTTLED_FLOW`] on
/// two threads.
pub fn throttled(c: &mut Criterion) {
    let mut group = c.benchmark_group("contended_throttled");
    group.throughput(Throughput::Elements(THREADS));
    group.bench_function("nozzle", |b| {
        b.iter_custom(|iters| time_shared_attempts::<Nozzle>(THROTTLED_FLOW, iters))
    });
    group.bench_function("mutex_port", |b| {
        b.iter_custom(|iters| time_shared_attempts::<MutexNozzle>(THROTTLED_FLOW, iters))
    });
    group.finish();
}

fn time_shared_attempts<S: Subject>(flow: u8, iters: u64) -> Duration {
    let (subject, _) = S::driven_to(flow);
    on_two_threads(iters, &subject, |subject| {
        black_box(subject.attempt_and_succeed());
    })
}

/// Runs `op` `iters` times on each of two threads at once, the current one and
/// a scoped one, and returns the longer of the two threads' loop times.
///
/// Both threads spin until the other one is ready before they read the clock,
/// so the loops overlap within well under a microsecond; thread start-up is not
/// timed.
pub fn on_two_threads<T: Sync>(iters: u64, shared: &T, op: impl Fn(&T) + Sync) -> Duration {
    let ready = AtomicUsize::new(0);
    let run = || {
        // SeqCst is enough and simple here: this handshake is outside the timed
        // loop and only has to make both threads see each other's arrival.
        ready.fetch_add(1, Ordering::SeqCst);
        let mut spins = 0u32;
        while ready.load(Ordering::SeqCst) < THREADS as usize {
            spins = spins.wrapping_add(1);
            if spins % 1024 == 0 {
                // On a loaded machine the other thread may not be running yet.
                thread::yield_now();
            } else {
                spin_loop();
            }
        }
        let shared = black_box(shared);
        let start = Instant::now();
        for _ in 0..iters {
            op(shared);
        }
        start.elapsed()
    };
    thread::scope(|scope| {
        let other = scope.spawn(run);
        let mine = run();
        let theirs = other.join().expect("benchmark thread panicked");
        mine.max(theirs)
    })
}
