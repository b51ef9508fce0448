//! Concurrent `tick` calls for the same due interval: exactly one of them
//! closes it and gets `Some`, and the flow rate moves exactly one step.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Nozzle, State, Transition, Verdict};
use nozzle_loom_tests::{check, new_nozzle, INTERVAL};

/// Calls `tick(now)` on `threads` threads at once (the model's main thread
/// among them) and returns the transitions they got.
fn race_ticks(nozzle: &Arc<Nozzle>, nows: &[u64]) -> Vec<Transition> {
    let handles: Vec<_> = nows[1..]
        .iter()
        .map(|&now| {
            let nozzle = Arc::clone(nozzle);
            thread::spawn(move || nozzle.tick(now))
        })
        .collect();
    let mut transitions: Vec<Transition> = nozzle.tick(nows[0]).into_iter().collect();
    for handle in handles {
        transitions.extend(handle.join().unwrap());
    }
    transitions
}

/// A nozzle whose first interval holds one failed call, so that closing it
/// moves the flow from 100 to 99.
fn failing_nozzle() -> Arc<Nozzle> {
    let nozzle = new_nozzle(Config::new(INTERVAL));
    nozzle.try_acquire().unwrap().failure();
    nozzle
}

/// Checks that exactly one close happened and that it moved the flow one step.
fn assert_one_close(nozzle: &Nozzle, transitions: &[Transition], end: u64) {
    assert_eq!(transitions.len(), 1, "exactly one tick closes the interval");
    let transition = &transitions[0];
    assert_eq!(transition.seq, 1);
    assert_eq!(transition.start, 0);
    assert_eq!(transition.end, end);
    assert_eq!(transition.closed.failures, 1);
    assert_eq!(transition.closed.allowed, 1);
    assert_eq!(transition.closed.flow_rate, 100);
    assert_eq!(transition.verdict, Verdict::Failing);
    assert_eq!(transition.flow_rate, 99, "one step, not two");
    assert_eq!(transition.state, State::Closing);
    assert_eq!(nozzle.flow_rate(), 99);
    assert_eq!(nozzle.state(), State::Closing);
    // The step after one close is -2: a second failing interval takes the
    // flow to 97, which shows the losing ticks did not move the step either.
    nozzle.try_acquire().unwrap().failure();
    assert_eq!(nozzle.tick(end + INTERVAL).unwrap().flow_rate, 97);
}

#[test]
fn two_threads_tick_the_same_interval() {
    check("two_threads_tick_the_same_interval", || {
        let nozzle = failing_nozzle();
        let transitions = race_ticks(&nozzle, &[INTERVAL, INTERVAL]);
        assert_one_close(&nozzle, &transitions, INTERVAL);
    });
}

#[test]
fn three_threads_tick_the_same_interval() {
    check("three_threads_tick_the_same_interval", || {
        let nozzle = failing_nozzle();
        let transitions = race_ticks(&nozzle, &[INTERVAL, INTERVAL, INTERVAL]);
        assert_one_close(&nozzle, &transitions, INTERVAL);
    });
}

#[test]
fn ticks_at_different_times_in_the_same_interval() {
    // tick(10) and tick(15) both find [0, 10) due and agree on its end; the
    // loser must not close [10, 20), which is not due at 15.
    check("ticks_at_different_times_in_the_same_interval", || {
        let nozzle = failing_nozzle();
        let transitions = race_ticks(&nozzle, &[INTERVAL, INTERVAL + INTERVAL / 2]);
        assert_one_close(&nozzle, &transitions, INTERVAL);
    });
}
