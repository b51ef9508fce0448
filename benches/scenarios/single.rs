//! One thread: the healthy, throttled and rejected paths of `try_acquire`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use nozzle::Nozzle;

use super::baselines;
use super::mutex_port::MutexNozzle;
use super::subject::{Subject, THROTTLED_FLOW};

/// `try_acquire` then `success` at flow 100, where every attempt is admitted.
pub fn healthy(c: &mut Criterion) {
    let mut group = c.benchmark_group("healthy");
    group.throughput(Throughput::Elements(1));
    group.bench_function("nozzle", |b| {
        b.iter_custom(|iters| time_attempts::<Nozzle>(100, iters))
    });
    group.bench_function("mutex_port", |b| {
        b.iter_custom(|iters| time_attempts::<MutexNozzle>(100, iters))
    });
    group.bench_function("governor_check", |b| {
        b.iter_custom(baselines::time_governor_checks)
    });
    group.finish();
}

/// `try_acquire`, then `success` on the admitted attempts, at flow
/// [`THROTTLED_FLOW`], reached through failing intervals.
pub fn throttled(c: &mut Criterion) {
    let mut group = c.benchmark_group("throttled");
    group.throughput(Throughput::Elements(1));
    group.bench_function("nozzle", |b| {
        b.iter_custom(|iters| time_attempts::<Nozzle>(THROTTLED_FLOW, iters))
    });
    group.bench_function("mutex_port", |b| {
        b.iter_custom(|iters| time_attempts::<MutexNozzle>(THROTTLED_FLOW, iters))
    });
    group.finish();
}

/// `try_acquire` at flow 0, reached through failing intervals: every attempt
/// is rejected.
pub fn rejected(c: &mut Criterion) {
    let mut group = c.benchmark_group("rejected");
    group.throughput(Throughput::Elements(1));
    group.bench_function("nozzle", |b| {
        b.iter_custom(|iters| time_attempts::<Nozzle>(0, iters))
    });
    group.bench_function("mutex_port", |b| {
        b.iter_custom(|iters| time_attempts::<MutexNozzle>(0, iters))
    });
    group.finish();
}

/// Times `iters` attempts on a controller freshly driven to `flow`.
///
/// Each sample gets its own controller so that no interval collects enough
/// calls to reach the counters' saturation path, which a long run at a few
/// nanoseconds per call would otherwise do within seconds.
fn time_attempts<S: Subject>(flow: u8, iters: u64) -> Duration {
    let (subject, _) = S::driven_to(flow);
    let subject = black_box(&subject);
    let start = Instant::now();
    for _ in 0..iters {
        black_box(subject.attempt_and_succeed());
    }
    start.elapsed()
}
