//! What the Go original got wrong, each fixed by design and pinned here.

mod common;

use common::{fail, succeed};
use nozzle::{Config, Nozzle, Reason, Verdict};

#[test]
fn failure_rate_is_exact_integer_arithmetic() {
    // 29 failures in 100 is 29 %; the original's floating point makes it 28 %
    // and so would not close at an allowed percent of 28.
    let nozzle = Nozzle::new(Config::new(1_000).allowed_failure_percent(28)).unwrap();
    assert_eq!(fail(&nozzle, 29), 29);
    assert_eq!(succeed(&nozzle, 71), 71);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.failure_rate(), 29);
    assert_eq!(transition.verdict, Verdict::Failing);
    assert_eq!(transition.flow_rate, 99);
}

#[test]
fn transition_is_returned_not_called_back() {
    // The original reported changes through a callback that raced with the
    // state it described. Here the close returns its own record, and the state
    // any later read sees is the state the record names.
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    fail(&nozzle, 10);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(nozzle.flow_rate(), transition.flow_rate);
    assert_eq!(nozzle.state(), transition.state);
    assert_eq!(transition.closed.failures, 10);
}

#[test]
fn step_stays_bounded_at_zero() {
    // The original's step kept doubling while the flow sat at 0, until a fix
    // returned early there. After a long outage the reopening still starts at 1.
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    common::drive_to_zero(&nozzle);
    for k in 8..100u64 {
        // A held probe fails in every interval, keeping the flow at 0 or 1.
        fail(&nozzle, 1);
        nozzle.tick(1_000 * k).unwrap();
    }
    let mut now = 100_000;
    while nozzle.flow_rate() != 0 {
        fail(&nozzle, 1);
        now += 1_000;
        nozzle.tick(now).unwrap();
    }
    now += 1_000;
    assert_eq!(nozzle.tick(now).unwrap().flow_rate, 1);
    now += 1_000;
    assert_eq!(nozzle.tick(now).unwrap().flow_rate, 3);
}

#[test]
fn dropped_permit_is_counted() {
    // The original lost the outcome of a callback that panicked.
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    drop(nozzle.try_acquire().unwrap());
    assert_eq!(nozzle.snapshot().abandoned, 1);
    assert_eq!(nozzle.tick(1_000).unwrap().closed.abandoned, 1);
}

#[test]
fn shut_off_has_its_own_reason() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    nozzle.shut_off();
    let rejected = nozzle.try_acquire().unwrap_err();
    assert_eq!(rejected.reason(), Reason::ShutOff);
    assert_ne!(rejected.reason(), Reason::FullyClosed);
}
