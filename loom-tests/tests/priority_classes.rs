//! Per-class admission decisions of a `PriorityNozzle` under concurrency.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Priority, PriorityNozzle};

/// A priority nozzle at flow 99 after one failing call per class, which
/// leaves `Sheddable` at 95 % and every other class at 100 %.
fn split_nozzle() -> Arc<PriorityNozzle> {
    let nozzle = Arc::new(PriorityNozzle::new(Config::new(10)).unwrap());
    for priority in Priority::ALL {
        nozzle.try_acquire_with(priority).unwrap().failure();
    }
    assert_eq!(nozzle.tick(10).unwrap().flow_rate, 99);
    assert_eq!(nozzle.class_flow_rates(), [100, 100, 100, 100, 95]);
    nozzle
}

#[test]
fn racing_class_attempts_follow_the_rule() {
    loom::model(|| {
        let nozzle = split_nozzle();
        let other = Arc::clone(&nozzle);
        let first = thread::spawn(move || {
            let a = other.try_acquire_with(Priority::Sheddable).is_ok() as u32;
            a + other.try_acquire_with(Priority::Sheddable).is_ok() as u32
        });
        let here = nozzle.try_acquire_with(Priority::Sheddable).is_ok() as u32;
        let admitted = here + first.join().unwrap();
        // At 95 % attempts 0 and 2 are admitted and attempt 1 is not, in
        // whatever order the threads made them.
        assert_eq!(admitted, 2);
        assert_eq!(nozzle.snapshot().allowed, 2);
        assert_eq!(nozzle.snapshot().blocked, 1);
    });
}

#[test]
fn class_attempt_racing_close_is_counted_once() {
    loom::model(|| {
        let nozzle = split_nozzle();
        let other = Arc::clone(&nozzle);
        let caller = thread::spawn(move || {
            other
                .try_acquire_with(Priority::Critical)
                .unwrap()
                .success();
        });
        let closed = nozzle.tick(20).unwrap();
        caller.join().unwrap();
        let rest = nozzle.snapshot();
        assert_eq!(closed.closed.allowed + rest.allowed, 1);
        assert_eq!(closed.closed.successes + rest.successes, 1);
        assert!(nozzle.flow_rate() <= 100);
    });
}
