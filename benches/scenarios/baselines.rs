//! Baselines that are not flow controllers: one bare atomic add, and
//! `governor`'s direct rate limiter.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::contended::{on_two_threads, THREADS};

/// `AtomicU64::fetch_add` on one thread and on two threads sharing the atomic:
/// the unit that the flow controllers' costs are quoted in. Also two adds per
/// iteration on two words of one cache line, shared by two threads: the floor
/// of a healthy call, which makes exactly those two adds.
pub fn fetch_add(c: &mut Criterion) {
    let mut group = c.benchmark_group("fetch_add");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_thread", |b| {
        b.iter_custom(|iters| {
            let counter = AtomicU64::new(0);
            let counter = black_box(&counter);
            let start = Instant::now();
            for _ in 0..iters {
                black_box(counter.fetch_add(1, Relaxed));
            }
            start.elapsed()
        })
    });
    group.throughput(Throughput::Elements(THREADS));
    group.bench_function("two_threads", |b| {
        b.iter_custom(|iters| {
            let counter = AtomicU64::new(0);
            on_two_threads(iters, &counter, |counter| {
                black_box(counter.fetch_add(1, Relaxed));
            })
        })
    });
    group.bench_function("two_threads_pair", |b| {
        b.iter_custom(|iters| {
            let pair = PairOnOneLine::default();
            on_two_threads(iters, &pair, |pair| {
                black_box(pair.first.fetch_add(1, Relaxed));
                black_box(pair.second.fetch_add(1, Relaxed));
            })
        })
    });
    group.finish();
}

/// Two counters in one cache line, as the nozzle's admission word and success
/// counter are: the floor of any call that makes two atomic adds there.
#[derive(Default)]
#[repr(C, align(64))]
pub struct PairOnOneLine {
    first: AtomicU64,
    second: AtomicU32,
}

/// Creates a `governor` limiter that admits every call of a benchmark: one
/// cell per nanosecond with a burst of a second's worth, while a `check` takes
/// several nanoseconds.
pub fn admitting_limiter() -> DefaultDirectRateLimiter {
    let per_second = NonZeroU32::new(1_000_000_000).expect("the rate is not zero");
    RateLimiter::direct(Quota::per_second(per_second))
}

/// Times `iters` calls of `check()` on a fresh limiter.
pub fn time_governor_checks(iters: u64) -> Duration {
    let limiter = admitting_limiter();
    let limiter = black_box(&limiter);
    let start = Instant::now();
    for _ in 0..iters {
        let _ = black_box(limiter.check());
    }
    start.elapsed()
}

/// Times `iters` calls of `check()` on each of two threads sharing a limiter.
pub fn time_shared_governor_checks(iters: u64) -> Duration {
    let limiter = admitting_limiter();
    on_two_threads(iters, &limiter, |limiter| {
        let _ = black_box(limiter.check());
    })
}
