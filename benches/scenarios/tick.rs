//! `tick` when no interval is due, and when every call closes one.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use nozzle::Nozzle;

use super::mutex_port::MutexNozzle;
use super::subject::{Subject, INTERVAL};

/// `tick` with a `now` inside the current interval.
pub fn not_due(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick_not_due");
    group.throughput(Throughput::Elements(1));
    group.bench_function("nozzle", |b| b.iter_custom(time_not_due::<Nozzle>));
    group.bench_function("mutex_port", |b| b.iter_custom(time_not_due::<MutexNozzle>));
    group.finish();
}

/// `tick` with a `now` one interval later on every call, so that every call
/// closes an interval (a healthy, empty one: the flow rate stays at 100).
pub fn due(c: &mut Criterion) {
    let mut group = c.benchmark_group("tick_due");
    group.throughput(Throughput::Elements(1));
    group.bench_function("nozzle", |b| b.iter_custom(time_due::<Nozzle>));
    group.bench_function("mutex_port", |b| b.iter_custom(time_due::<MutexNozzle>));
    group.finish();
}

// The loops pass the result to `black_box` by reference. By value, the whole
// `Option<Transition>` would be copied on every call, and in a trial run that
// copy took longer than the not-due tick itself.

fn time_not_due<S: Subject>(iters: u64) -> Duration {
    let subject = S::open();
    let subject = black_box(&subject);
    let now = INTERVAL / 2;
    let start = Instant::now();
    for _ in 0..iters {
        black_box(&subject.tick(black_box(now)));
    }
    start.elapsed()
}

fn time_due<S: Subject>(iters: u64) -> Duration {
    let subject = S::open();
    let subject = black_box(&subject);
    let mut now = 0;
    let start = Instant::now();
    for _ in 0..iters {
        now += INTERVAL;
        black_box(&subject.tick(black_box(now)));
    }
    start.elapsed()
}
