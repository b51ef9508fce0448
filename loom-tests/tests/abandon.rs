//! A permit dropped without an outcome while another thread closes the
//! interval is counted once as abandoned, under either policy, and never
//! wedges later admissions.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Abandon, Config, State};
use nozzle_loom_tests::{check, new_nozzle, reference_close, INTERVAL};

fn drop_while_ticking(policy: Abandon) {
    let nozzle = new_nozzle(Config::new(INTERVAL).on_abandon(policy));
    let dropper = {
        let nozzle = Arc::clone(&nozzle);
        thread::spawn(move || {
            let permit = nozzle.try_acquire().expect("flow 100 admits");
            drop(permit);
        })
    };
    let transition = nozzle.tick(INTERVAL).expect("the only tick closes");
    dropper.join().unwrap();

    let closed = &transition.closed;
    let after = nozzle.snapshot();
    assert_eq!(closed.abandoned + after.abandoned, 1, "abandoned once");
    assert_eq!(closed.allowed + after.allowed, 1, "admitted once");
    assert_eq!(closed.successes + after.successes, 0);
    let failures = match policy {
        Abandon::Ignore => 0,
        Abandon::AsFailure => 1,
    };
    assert_eq!(
        closed.failures + after.failures,
        failures,
        "judged failures"
    );
    assert_eq!(closed.failures, failures * closed.abandoned);

    let (flow, state) = reference_close(100, 0, closed.successes, closed.failures, 50);
    assert_eq!((transition.flow_rate, transition.state), (flow, state));
    assert_eq!(nozzle.flow_rate(), flow);
    let expected_flow = if policy == Abandon::AsFailure && closed.abandoned == 1 {
        (99, State::Closing)
    } else {
        (100, State::Opening)
    };
    assert_eq!((flow, state), expected_flow);
    // Nothing is held for the dropped permit: the next attempt is decided by
    // the rule alone (attempt 0 of an interval is always admitted).
    assert!(nozzle.try_acquire().is_ok());
}

#[test]
fn dropped_permit_ignored_while_ticking() {
    check("dropped_permit_ignored_while_ticking", || {
        drop_while_ticking(Abandon::Ignore);
    });
}

#[test]
fn dropped_permit_as_failure_while_ticking() {
    check("dropped_permit_as_failure_while_ticking", || {
        drop_while_ticking(Abandon::AsFailure);
    });
}
