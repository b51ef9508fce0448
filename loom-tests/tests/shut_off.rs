//! `shut_off` racing a `tick`: a shut-off that finds the interval lock held
//! leaves a request in the lock word, and the holder must apply it before it
//! lets go. Either way the nozzle ends up shut off, and every attempt still
//! counts once.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Nozzle, Reason, Transition, Verdict};
use nozzle_loom_tests::{check, new_nozzle, INTERVAL};

/// Checks that the nozzle is shut off in every way a caller can observe, and
/// returns the transition of the next close.
fn assert_shut(nozzle: &Nozzle, transition: &Option<Transition>) -> Transition {
    assert!(nozzle.is_shut_off());
    assert_eq!(nozzle.flow_rate(), 0);
    let rejected = nozzle
        .try_acquire()
        .expect_err("a shut nozzle admits nothing");
    assert_eq!(rejected.reason(), Reason::ShutOff, "request applied");
    // A later close reports the shut-off and keeps the flow at 0.
    let end = transition.map_or(INTERVAL, |transition| transition.end);
    let later = nozzle.tick(end + INTERVAL).expect("next interval is due");
    assert_eq!(later.verdict, Verdict::ShutOff);
    assert_eq!(later.flow_rate, 0);
    assert!(nozzle.try_acquire().is_err());
    later
}

#[test]
fn shut_off_racing_a_tick() {
    check("shut_off_racing_a_tick", || {
        let nozzle = new_nozzle(Config::new(INTERVAL));
        nozzle.try_acquire().unwrap().failure();
        let operator = {
            let nozzle = Arc::clone(&nozzle);
            thread::spawn(move || nozzle.shut_off())
        };
        let transition = nozzle.tick(INTERVAL);
        operator.join().unwrap();

        let later = assert_shut(&nozzle, &transition);
        // A tick that found the lock held by the shut-off returned None at
        // once, so the failed call is reported by the next close instead.
        let closed = transition.map_or(later.closed, |transition| transition.closed);
        assert_eq!(closed.failures, 1);
        assert_eq!(closed.allowed, 1);
        if let Some(transition) = transition {
            match transition.verdict {
                // The shut-off came first: the close reports it.
                Verdict::ShutOff => assert_eq!(transition.flow_rate, 0),
                // The close came first, or held the lock when the request came.
                Verdict::Failing => assert_eq!(transition.flow_rate, 99),
                other => panic!("unexpected verdict {other:?}"),
            }
        }
    });
}

#[test]
fn shut_off_racing_a_tick_and_an_attempt() {
    check("shut_off_racing_a_tick_and_an_attempt", || {
        let nozzle = new_nozzle(Config::new(INTERVAL));
        let operator = {
            let nozzle = Arc::clone(&nozzle);
            thread::spawn(move || nozzle.shut_off())
        };
        let caller = {
            let nozzle = Arc::clone(&nozzle);
            thread::spawn(move || match nozzle.try_acquire() {
                Ok(permit) => {
                    permit.success();
                    true
                }
                Err(rejected) => {
                    assert_eq!(rejected.reason(), Reason::ShutOff);
                    false
                }
            })
        };
        let transition = nozzle.tick(INTERVAL);
        operator.join().unwrap();
        let admitted = caller.join().unwrap();

        // The tick may close [0, 10) or find the lock held by the shut-off.
        let after = nozzle.snapshot();
        let (closed_allowed, closed_blocked, closed_successes) =
            transition.map_or((0, 0, 0), |transition| {
                let closed = transition.closed;
                (closed.allowed, closed.blocked, closed.successes)
            });
        assert_eq!(
            closed_allowed + closed_blocked + after.allowed + after.blocked,
            1
        );
        assert_eq!(closed_allowed + after.allowed, u32::from(admitted));
        assert_eq!(closed_successes + after.successes, u32::from(admitted));
        assert_shut(&nozzle, &transition);
    });
}
