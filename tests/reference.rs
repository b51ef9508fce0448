//! Reference trajectories, compared number for number.

mod common;

use common::acceptance::{capacity, ATTEMPTS, FINAL_FLOW, FLOW, STATES};
use common::{drive_to_zero, fail, succeed, Model};
use nozzle::{Config, Nozzle, State, Verdict};

#[test]
fn acceptance_scenario() {
    let nozzle = Nozzle::new(Config::new(1_000).allowed_failure_percent(50)).unwrap();

    for (interval, (&flow, &state)) in FLOW.iter().zip(&STATES).enumerate() {
        assert_eq!(
            nozzle.flow_rate(),
            flow,
            "flow at the start of interval {interval}"
        );

        let mut remaining = capacity(interval);
        let mut admitted = 0;
        for _ in 0..ATTEMPTS {
            if let Ok(permit) = nozzle.try_acquire() {
                admitted += 1;
                if remaining > 0 {
                    remaining -= 1;
                    permit.success();
                } else {
                    permit.failure();
                }
            }
        }
        assert_eq!(
            admitted,
            10 * u32::from(flow),
            "admitted in interval {interval}"
        );

        let now = 1_000 * (interval as u64 + 1);
        let transition = nozzle.tick(now).expect("each tick closes one interval");
        assert_eq!(transition.closed.allowed, admitted);
        assert_eq!(transition.closed.blocked, ATTEMPTS - admitted);
        assert_eq!(transition.state, state, "state after interval {interval}");
        assert_eq!(nozzle.state(), state);
        assert_eq!(transition.seq, interval as u64 + 1);
    }
    assert_eq!(nozzle.flow_rate(), FINAL_FLOW, "flow after the last tick");
}

#[test]
fn acceptance_scenario_matches_model() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    let mut model = Model::new(1_000, 50, false);
    for interval in 0..FLOW.len() {
        let mut remaining = capacity(interval);
        for _ in 0..ATTEMPTS {
            let admitted = nozzle.try_acquire();
            assert_eq!(admitted.is_ok(), model.attempt(), "interval {interval}");
            if let Ok(permit) = admitted {
                if remaining > 0 {
                    remaining -= 1;
                    permit.success();
                    model.success();
                } else {
                    permit.failure();
                    model.failure();
                }
            }
        }
        let now = 1_000 * (interval as u64 + 1);
        let actual = nozzle.tick(now).unwrap();
        let expected = model.tick(now).unwrap();
        common::assert_transition(&actual, &expected, &format!("interval {interval}"));
    }
}

#[test]
fn steady_ninety_percent_failure_closes_fully() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    let mut flows = Vec::new();
    for i in 1..=8u64 {
        // 90 % failures among whatever is admitted.
        let mut n = 0;
        for _ in 0..100 {
            if let Ok(permit) = nozzle.try_acquire() {
                permit.record(n % 10 == 0);
                n += 1;
            }
        }
        let transition = nozzle.tick(1_000 * i).unwrap();
        flows.push(transition.flow_rate);
        if n > 0 {
            assert_eq!(transition.verdict, Verdict::Failing);
        }
    }
    // At 0 nothing is admitted, so the eighth interval is empty and reopens.
    assert_eq!(flows, [99, 97, 93, 85, 69, 37, 0, 1]);
}

#[test]
fn empty_intervals_reopen_by_doubling() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    drive_to_zero(&nozzle);
    let mut flows = Vec::new();
    for i in 8..=15u64 {
        let transition = nozzle.tick(1_000 * i).unwrap();
        assert_eq!(transition.verdict, Verdict::Healthy);
        assert_eq!(transition.state, State::Opening);
        flows.push(transition.flow_rate);
    }
    assert_eq!(flows, [1, 3, 7, 15, 31, 63, 100, 100]);
}

#[test]
fn healthy_nozzle_stays_fully_open() {
    let nozzle = Nozzle::new(Config::new(10)).unwrap();
    for i in 1..=50u64 {
        assert_eq!(succeed(&nozzle, 20), 20);
        let transition = nozzle.tick(10 * i).unwrap();
        assert_eq!(transition.flow_rate, 100);
        assert_eq!(transition.state, State::Opening);
        assert!(!transition.changed());
    }
}

#[test]
fn failures_at_zero_keep_it_closed_and_probe() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    drive_to_zero(&nozzle);
    // At 0 nothing is admitted, so nothing fails, and the interval is healthy.
    assert_eq!(fail(&nozzle, 10), 0);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);
}
