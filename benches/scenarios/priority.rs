//! Priority classes: a call through a `PriorityNozzle` class against the same
//! call through a plain `Nozzle`. Both decide with one `fetch_add` on one
//! admission word, so they should cost the same.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use nozzle::{Config, Nozzle, Priority, PriorityNozzle};

use super::subject::{ALLOWED_FAILURE_PERCENT, INTERVAL};

/// Healthy calls at flow 100: plain, and through the `Critical` class; then
/// `Sheddable` calls at its share of 25 % while the overall rate is 85 %.
pub fn classes(c: &mut Criterion) {
    let mut group = c.benchmark_group("priority");
    group.throughput(Throughput::Elements(1));
    group.bench_function("nozzle", |b| {
        b.iter_custom(|iters| {
            let nozzle = Nozzle::new(config()).unwrap();
            time(iters, || {
                if let Ok(permit) = nozzle.try_acquire() {
                    permit.success();
                }
            })
        })
    });
    group.bench_function("critical", |b| {
        b.iter_custom(|iters| {
            let nozzle = PriorityNozzle::new(config()).unwrap();
            time(iters, || {
                if let Ok(permit) = nozzle.try_acquire_with(Priority::Critical) {
                    permit.success();
                }
            })
        })
    });
    group.bench_function("sheddable_throttled", |b| {
        b.iter_custom(|iters| {
            let nozzle = sheddable_at_a_quarter();
            time(iters, || {
                if let Ok(permit) = nozzle.try_acquire_with(Priority::Sheddable) {
                    permit.success();
                }
            })
        })
    });
    group.finish();
}

fn config() -> Config {
    Config::new(INTERVAL).allowed_failure_percent(ALLOWED_FAILURE_PERCENT)
}

/// Drives a priority nozzle with an even class mix through failing intervals
/// to 85 %, which the split turns into 100 % for four classes and 25 % for
/// `Sheddable`.
fn sheddable_at_a_quarter() -> PriorityNozzle {
    let nozzle = PriorityNozzle::new(config()).unwrap();
    let mut now = 0;
    while nozzle.flow_rate() != 85 {
        for _ in 0..100 {
            for priority in Priority::ALL {
                if let Ok(permit) = nozzle.try_acquire_with(priority) {
                    permit.failure();
                }
            }
        }
        now += INTERVAL;
        nozzle.tick(now).unwrap();
    }
    assert_eq!(nozzle.class_flow_rates(), [100, 100, 100, 100, 25]);
    nozzle
}

fn time(iters: u64, mut call: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        call();
        black_box(());
    }
    start.elapsed()
}
