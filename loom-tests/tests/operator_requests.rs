//! Operator actions that race an interval close: a request left in the lock
//! word for the closing thread must be applied before the lock is free again.
//! A tick that finds the lock taken by an operator action returns `None`, and
//! the next tick closes the interval instead.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Nozzle, Reason, Verdict};

fn due_nozzle() -> Arc<Nozzle> {
    let nozzle = Arc::new(Nozzle::new(Config::new(10)).unwrap());
    nozzle.try_acquire().unwrap().failure();
    nozzle
}

#[test]
fn shut_off_racing_close_is_applied() {
    loom::model(|| {
        let nozzle = due_nozzle();
        let other = Arc::clone(&nozzle);
        let operator = thread::spawn(move || other.shut_off());
        let closed = nozzle.tick(10).is_some();
        operator.join().unwrap();

        if !closed {
            assert!(nozzle.tick(10).is_some(), "the next tick closes it");
        }
        assert!(nozzle.is_shut_off());
        assert_eq!(nozzle.try_acquire().unwrap_err().reason(), Reason::ShutOff);
        // The lock is free again: the next due interval closes.
        assert_eq!(nozzle.tick(20).unwrap().verdict, Verdict::ShutOff);
    });
}

#[test]
fn pin_racing_close_is_applied() {
    loom::model(|| {
        let nozzle = due_nozzle();
        let other = Arc::clone(&nozzle);
        let operator = thread::spawn(move || other.pin(30).unwrap());
        let first = nozzle.tick(10);
        operator.join().unwrap();
        let first = first.or_else(|| nozzle.tick(10)).unwrap();

        // Whether the pin landed before or after the close, it holds now.
        assert!(first.flow_rate == 30 || first.flow_rate == 99);
        assert_eq!(nozzle.flow_rate(), 30);
        assert!(nozzle.is_pinned());
        let second = nozzle.tick(20).unwrap();
        assert_eq!(second.verdict, Verdict::Pinned);
        assert_eq!(second.flow_rate, 30);
        assert!(
            first.operator || second.operator,
            "the pin is reported once"
        );
        assert!(!(first.operator && second.operator));
    });
}

#[test]
fn interval_change_racing_close_is_applied() {
    loom::model(|| {
        let nozzle = due_nozzle();
        let other = Arc::clone(&nozzle);
        let operator = thread::spawn(move || other.set_interval(5).unwrap());
        let closed = nozzle.tick(10).is_some();
        operator.join().unwrap();
        if !closed {
            assert!(nozzle.tick(10).is_some(), "the next tick closes it");
        }

        assert_eq!(nozzle.config().interval, 5);
        // The next interval starts at 10 and is due 5 units later.
        assert!(nozzle.tick(14).is_none());
        assert!(nozzle.tick(15).is_some());
    });
}

#[test]
fn attempts_racing_pin_stay_counted() {
    loom::model(|| {
        let nozzle = Arc::new(Nozzle::new(Config::new(10)).unwrap());
        let other = Arc::clone(&nozzle);
        let caller = thread::spawn(move || {
            let admitted = other.try_acquire().is_ok() as u32;
            admitted + other.try_acquire().is_ok() as u32
        });
        nozzle.pin(0).unwrap();
        let admitted = caller.join().unwrap();
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.allowed + snapshot.blocked, 2);
        assert_eq!(
            snapshot.allowed, admitted,
            "allowed is exact across the pin"
        );
    });
}
