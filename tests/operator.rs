//! Operator control: pin, resume, reset, and settings changed at run time.

mod common;

use common::{drive_to_zero, fail, succeed};
use nozzle::{Config, Field, Nozzle, Reason, State, Verdict};

fn nozzle() -> Nozzle {
    Nozzle::new(Config::new(1_000)).unwrap()
}

#[test]
fn pin_applies_from_the_next_attempt() {
    let nozzle = nozzle();
    assert_eq!(succeed(&nozzle, 10), 10);
    nozzle.pin(30).unwrap();
    assert!(nozzle.is_pinned());
    assert_eq!(nozzle.flow_rate(), 30);
    // The pin starts a new admission sequence: 30 of the next 100.
    assert_eq!(succeed(&nozzle, 100), 30);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 40);
    assert_eq!(snapshot.blocked, 70);
    assert_eq!(snapshot.successes, 40);
}

#[test]
fn pinned_flow_holds_through_failures() {
    let nozzle = nozzle();
    nozzle.pin(30).unwrap();
    for k in 1..=5u64 {
        let failed = fail(&nozzle, 100);
        let transition = nozzle.tick(1_000 * k).unwrap();
        assert_eq!(transition.verdict, Verdict::Pinned);
        assert_eq!(transition.flow_rate, 30);
        assert_eq!(transition.closed.allowed as usize, failed);
        assert_eq!(
            transition.operator,
            k == 1,
            "only the first reports the pin"
        );
    }
}

#[test]
fn resume_moves_from_the_pinned_value() {
    let nozzle = nozzle();
    nozzle.pin(30).unwrap();
    assert_eq!(nozzle.tick(1_000).unwrap().verdict, Verdict::Pinned);
    nozzle.resume();
    assert!(!nozzle.is_pinned());
    let mut flows = Vec::new();
    for k in 2..=5u64 {
        fail(&nozzle, 100);
        flows.push(nozzle.tick(1_000 * k).unwrap().flow_rate);
    }
    // Step restarts at -1: 29, then -2, -4, -8.
    assert_eq!(flows, [29, 27, 23, 15]);
}

#[test]
fn reset_opens_fully_and_keeps_counts() {
    let nozzle = nozzle();
    drive_to_zero(&nozzle);
    assert_eq!(nozzle.flow_rate(), 0);
    assert_eq!(fail(&nozzle, 5), 0);
    nozzle.reset();
    assert_eq!(nozzle.flow_rate(), 100);
    assert_eq!(nozzle.state(), State::Opening);
    assert_eq!(succeed(&nozzle, 5), 5);
    let transition = nozzle.tick(8_000).unwrap();
    assert!(transition.operator);
    assert_eq!(transition.closed.blocked, 5);
    assert_eq!(transition.closed.allowed, 5);
    assert_eq!(transition.verdict, Verdict::Healthy);
    assert_eq!(transition.flow_rate, 100);
    // A failing interval after a reset steps by one, not by the old step.
    fail(&nozzle, 10);
    assert_eq!(nozzle.tick(9_000).unwrap().flow_rate, 99);
}

#[test]
fn allowed_failure_percent_changes_at_run_time() {
    let nozzle = nozzle();
    nozzle.set_allowed_failure_percent(100).unwrap();
    assert_eq!(nozzle.config().allowed_failure_percent, 100);
    fail(&nozzle, 10);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.flow_rate, 100);
    assert!(transition.operator);
    nozzle.set_allowed_failure_percent(0).unwrap();
    succeed(&nozzle, 99);
    fail(&nozzle, 1);
    assert_eq!(nozzle.tick(2_000).unwrap().flow_rate, 99);
}

#[test]
fn interval_changes_at_run_time() {
    let nozzle = nozzle();
    nozzle.set_interval(250).unwrap();
    assert_eq!(nozzle.config().interval, 250);
    assert!(nozzle.tick(249).is_none());
    let transition = nozzle.tick(250).unwrap();
    assert!(transition.operator);
    assert_eq!(transition.end, 250);
    assert!(nozzle.tick(499).is_none());
    assert!(nozzle.tick(500).is_some());
}

#[test]
fn invalid_operator_values_are_rejected() {
    let nozzle = nozzle();
    let error = nozzle.pin(101).unwrap_err();
    assert_eq!((error.field(), error.value()), (Field::FlowRate, 101));
    assert_eq!(
        error.to_string(),
        "invalid flow_rate 101: must be at most 100"
    );
    let error = nozzle.set_allowed_failure_percent(200).unwrap_err();
    assert_eq!(
        (error.field(), error.value()),
        (Field::AllowedFailurePercent, 200)
    );
    let error = nozzle.set_interval(0).unwrap_err();
    assert_eq!((error.field(), error.value()), (Field::Interval, 0));
    // Nothing changed.
    assert!(!nozzle.is_pinned());
    assert_eq!(nozzle.config(), Config::new(1_000));
    assert!(!nozzle.tick(1_000).unwrap().operator);
}

#[test]
fn shut_off_wins_over_later_actions() {
    let nozzle = nozzle();
    nozzle.shut_off();
    nozzle.pin(50).unwrap();
    nozzle.reset();
    nozzle.resume();
    assert_eq!(nozzle.flow_rate(), 0);
    assert_eq!(nozzle.try_acquire().unwrap_err().reason(), Reason::ShutOff);
    assert_eq!(nozzle.tick(1_000).unwrap().verdict, Verdict::ShutOff);
}

#[test]
fn pin_to_zero_and_back() {
    let nozzle = nozzle();
    nozzle.pin(0).unwrap();
    assert_eq!(
        nozzle.try_acquire().unwrap_err().reason(),
        Reason::FullyClosed
    );
    nozzle.pin(100).unwrap();
    assert!(nozzle.try_acquire().is_ok());
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.closed.allowed, 1);
    assert_eq!(transition.closed.blocked, 1);
}

#[test]
fn operator_actions_race_ticks_safely() {
    // Operators pin and reset while another thread ticks and calls flow; every
    // attempt stays counted once and the flow rate stays in range.
    let nozzle = Nozzle::new(Config::new(1)).unwrap();
    let rounds: u64 = if cfg!(miri) { 50 } else { 20_000 };
    let (closed_attempts, attempts) = std::thread::scope(|scope| {
        let operator = scope.spawn(|| {
            for n in 0..rounds {
                match n % 3 {
                    0 => nozzle.pin((n % 101) as u8).unwrap(),
                    1 => nozzle.resume(),
                    _ => nozzle.reset(),
                }
            }
        });
        let resizer = scope.spawn(|| {
            for n in 0..rounds {
                nozzle.set_interval(1 + n % 3).unwrap();
            }
        });
        let caller = scope.spawn(|| {
            for _ in 0..rounds {
                if let Ok(permit) = nozzle.try_acquire() {
                    permit.failure();
                }
                assert!(nozzle.flow_rate() <= 100);
            }
            rounds
        });
        let mut closed = 0u64;
        for now in 1..=rounds {
            if let Some(transition) = nozzle.tick(now) {
                closed += u64::from(transition.closed.allowed + transition.closed.blocked);
            }
        }
        operator.join().unwrap();
        resizer.join().unwrap();
        (closed, caller.join().unwrap())
    });
    let rest = nozzle.snapshot();
    assert_eq!(
        closed_attempts + u64::from(rest.allowed + rest.blocked),
        attempts
    );
    // Whichever write landed last, the interval is one that was written whole.
    assert!((1..=3).contains(&nozzle.config().interval));
}
