//! Attempts and outcomes racing a `tick` that closes the interval: every count
//! lands wholly in the closed interval or wholly in the next one, never in
//! neither and never in both, and the flow rate stays a percentage.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Nozzle, Snapshot, State, Transition};
use nozzle_loom_tests::{
    assert_flow_in_range, assert_reference_split, check, new_nozzle, nozzle_at_99, reference_close,
    INTERVAL,
};

/// What one worker thread did.
#[derive(Default)]
struct Work {
    admitted: u32,
    successes: u32,
    failures: u32,
}

/// Makes `attempts` attempts and reports each admitted one as `success`.
fn work(nozzle: &Nozzle, attempts: u32, success: bool) -> Work {
    let mut done = Work::default();
    for _ in 0..attempts {
        match nozzle.try_acquire() {
            Ok(permit) => {
                done.admitted += 1;
                if success {
                    done.successes += 1;
                } else {
                    done.failures += 1;
                }
                permit.record(success);
            }
            Err(rejected) => assert_flow_in_range(rejected.flow_rate(), "rejection"),
        }
        assert_flow_in_range(nozzle.flow_rate(), "worker's read");
    }
    done
}

/// Checks that the closed interval and the one after it hold every count
/// exactly once, and that the close judged what it closed.
fn assert_counted_once(
    closed: &Snapshot,
    after: &Snapshot,
    attempts: u32,
    done: &Work,
    context: &str,
) {
    let allowed = closed.allowed + after.allowed;
    let blocked = closed.blocked + after.blocked;
    assert_eq!(allowed + blocked, attempts, "{context}: attempts");
    assert_eq!(allowed, done.admitted, "{context}: allowed");
    assert_eq!(
        closed.successes + after.successes,
        done.successes,
        "{context}: successes"
    );
    assert_eq!(
        closed.failures + after.failures,
        done.failures,
        "{context}: failures"
    );
    assert_reference_split(closed, &format!("{context}: closed interval"));
    assert_reference_split(after, &format!("{context}: next interval"));
}

/// Checks that the transition installed what the reference rules make of the
/// outcomes it reports, and that later readers see the same.
fn assert_judged(nozzle: &Nozzle, transition: &Transition, step_before: i16) {
    let closed = &transition.closed;
    let (flow, state) = reference_close(
        closed.flow_rate,
        step_before,
        closed.successes,
        closed.failures,
        nozzle.config().allowed_failure_percent,
    );
    assert_eq!(transition.flow_rate, flow, "flow installed by the close");
    assert_eq!(transition.state, state, "state installed by the close");
    assert_eq!(nozzle.flow_rate(), flow, "flow read after the close");
    assert_eq!(nozzle.state(), state, "state read after the close");
}

#[test]
fn outcomes_recorded_while_closing() {
    // Thread A: two calls that succeed. Thread B: one call that fails. The
    // model's main thread: tick(1000) with interval 1000, then a snapshot,
    // then a second snapshot once A and B have finished.
    check("outcomes_recorded_while_closing", || {
        let nozzle = new_nozzle(Config::new(1_000));
        let a = {
            let nozzle = Arc::clone(&nozzle);
            thread::spawn(move || work(&nozzle, 2, true))
        };
        let b = {
            let nozzle = Arc::clone(&nozzle);
            thread::spawn(move || work(&nozzle, 1, false))
        };
        let transition = nozzle.tick(1_000).expect("the only tick closes");
        let snapshot = nozzle.snapshot();
        let a = a.join().unwrap();
        let b = b.join().unwrap();

        // Flow 100 admits every call, unless B's failure is the only outcome
        // of the closed interval: then the close takes the flow to 99, which
        // admits A's first attempt in the new interval and rejects its second.
        let admitted = a.admitted + b.admitted;
        assert!(admitted == 3 || (admitted == 2 && transition.flow_rate == 99));
        let closed = &transition.closed;
        let after = nozzle.snapshot();
        assert_eq!(
            closed.successes + closed.failures + after.successes + after.failures,
            admitted,
            "outcomes in the closed interval and the snapshot after the join"
        );
        assert_eq!(
            closed.allowed + closed.blocked + after.allowed + after.blocked,
            3,
            "attempts in the closed interval and the snapshot after the join"
        );
        let done = Work {
            admitted,
            successes: a.successes + b.successes,
            failures: a.failures + b.failures,
        };
        assert_counted_once(closed, &after, 3, &done, "after join");
        // The snapshot taken before the join holds part of what came after
        // the close, and nothing the close already took.
        assert!(closed.successes + snapshot.successes <= 2);
        assert!(closed.failures + snapshot.failures <= 1);
        assert!(closed.allowed + snapshot.allowed <= 3);
        assert!(after.successes >= snapshot.successes);
        assert!(after.failures >= snapshot.failures);
        assert!(after.allowed >= snapshot.allowed);
        assert_judged(&nozzle, &transition, 0);
        assert_eq!(transition.seq, 1);
    });
}

#[test]
fn attempts_racing_a_close_that_moves_the_flow() {
    // At flow 99 the close moves the flow, so attempts decided on either side
    // of it are decided under different rates; each must count in the interval
    // whose rate decided it.
    check("attempts_racing_a_close_that_moves_the_flow", || {
        let nozzle = nozzle_at_99(Config::new(INTERVAL));
        // Two failures in the interval being closed: attempts 0 and 2 at flow 99.
        for _ in 0..3 {
            if let Ok(permit) = nozzle.try_acquire() {
                permit.failure();
            }
        }
        let worker = {
            let nozzle = Arc::clone(&nozzle);
            thread::spawn(move || work(&nozzle, 2, true))
        };
        let transition = nozzle.tick(2 * INTERVAL).expect("the only tick closes");
        let done = worker.join().unwrap();

        let before = Work {
            admitted: 2,
            successes: done.successes,
            failures: 2 + done.failures,
        };
        let done = Work {
            admitted: before.admitted + done.admitted,
            ..before
        };
        let after = nozzle.snapshot();
        assert_counted_once(&transition.closed, &after, 5, &done, "after join");
        assert_eq!(transition.closed.flow_rate, 99);
        // The step after the first close (one step of -1) is -2.
        assert_judged(&nozzle, &transition, -2);
        assert_eq!(transition.seq, 2);
    });
}

#[test]
fn two_workers_racing_a_close_at_flow_99() {
    check("two_workers_racing_a_close_at_flow_99", || {
        let nozzle = nozzle_at_99(Config::new(INTERVAL));
        let workers: Vec<_> = [true, false]
            .into_iter()
            .map(|success| {
                let nozzle = Arc::clone(&nozzle);
                thread::spawn(move || work(&nozzle, 1, success))
            })
            .collect();
        let transition = nozzle.tick(2 * INTERVAL).expect("the only tick closes");
        let mut done = Work::default();
        for worker in workers {
            let part = worker.join().unwrap();
            done.admitted += part.admitted;
            done.successes += part.successes;
            done.failures += part.failures;
        }
        let after = nozzle.snapshot();
        assert_counted_once(&transition.closed, &after, 2, &done, "after join");
        assert_judged(&nozzle, &transition, -2);
        assert!(matches!(after.state, State::Opening | State::Closing));
    });
}
