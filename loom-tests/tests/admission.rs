//! Concurrent attempts: for any interleaving, the admitted count of an interval
//! equals the reference rule applied to the total number of attempts, and every
//! attempt counts once as allowed or blocked.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Nozzle, Reason};
use nozzle_loom_tests::{check, new_nozzle, nozzle_at_99, reference_admitted, INTERVAL};

/// Makes `attempts` attempts, reports a success for each admitted one, and
/// returns how many were admitted.
fn attempt(nozzle: &Nozzle, attempts: u32, flow: u8) -> u32 {
    let mut admitted = 0;
    for _ in 0..attempts {
        match nozzle.try_acquire() {
            Ok(permit) => {
                permit.success();
                admitted += 1;
            }
            Err(rejected) => {
                // No close runs in these models, so the flow never changes.
                assert_eq!(rejected.flow_rate(), flow, "flow of a rejection");
                let reason = if flow == 0 {
                    Reason::FullyClosed
                } else {
                    Reason::Throttled
                };
                assert_eq!(rejected.reason(), reason);
            }
        }
    }
    admitted
}

/// Runs `threads` threads (the model's main thread among them) that each make
/// `per_thread` attempts, then checks the counts against the reference rule.
fn race(nozzle: Arc<Nozzle>, threads: u32, per_thread: u32) {
    let flow = nozzle.flow_rate();
    let handles: Vec<_> = (1..threads)
        .map(|_| {
            let nozzle = Arc::clone(&nozzle);
            thread::spawn(move || attempt(&nozzle, per_thread, flow))
        })
        .collect();
    let mut admitted = attempt(&nozzle, per_thread, flow);
    for handle in handles {
        admitted += handle.join().unwrap();
    }

    let attempts = threads * per_thread;
    assert_eq!(
        admitted,
        reference_admitted(flow, attempts),
        "admitted of {attempts} attempts at flow {flow}"
    );
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, admitted, "allowed");
    assert_eq!(snapshot.blocked, attempts - admitted, "blocked");
    assert_eq!(snapshot.successes, admitted, "successes");
    assert_eq!(snapshot.flow_rate, flow, "flow after the race");
}

/// Returns a nozzle at flow 1 and opening: closed to 0 by one failure per
/// interval, then reopened by one empty interval.
fn nozzle_at_1() -> Arc<Nozzle> {
    let nozzle = new_nozzle(Config::new(INTERVAL));
    for k in 1..=7 {
        nozzle.try_acquire().unwrap().failure();
        nozzle.tick(k * INTERVAL).unwrap();
    }
    assert_eq!(nozzle.flow_rate(), 0);
    assert_eq!(nozzle.tick(8 * INTERVAL).unwrap().flow_rate, 1);
    nozzle
}

#[test]
fn two_threads_at_flow_99() {
    // Attempts 0 and 1: the first is admitted, the second rejected.
    check("two_threads_at_flow_99", || {
        race(nozzle_at_99(Config::new(INTERVAL)), 2, 1);
    });
}

#[test]
fn three_threads_at_flow_99() {
    // Attempts 0, 1 and 2: two admitted.
    check("three_threads_at_flow_99", || {
        race(nozzle_at_99(Config::new(INTERVAL)), 3, 1);
    });
}

#[test]
fn two_threads_two_attempts_at_flow_99() {
    // Attempts 0 to 3: three admitted.
    check("two_threads_two_attempts_at_flow_99", || {
        race(nozzle_at_99(Config::new(INTERVAL)), 2, 2);
    });
}

#[test]
fn three_threads_at_flow_1() {
    // The recovery probe: of attempts 0, 1 and 2 only the first is admitted.
    check("three_threads_at_flow_1", || {
        race(nozzle_at_1(), 3, 1);
    });
}

#[test]
fn two_threads_at_flow_100() {
    // The healthy path: every attempt is admitted and counted.
    check("two_threads_at_flow_100", || {
        race(new_nozzle(Config::new(INTERVAL)), 2, 2);
    });
}
