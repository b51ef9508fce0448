//! Minimum volume: intervals with too few outcomes carry their counts over
//! instead of being judged, without ever holding the nozzle shut.

mod common;

use common::{drive_to_zero, fail, succeed};
use nozzle::{Config, Nozzle, State, Verdict, MAX_WINDOW_INTERVALS};

fn nozzle(min_samples: u32) -> Nozzle {
    Nozzle::new(Config::new(1_000).min_samples(min_samples)).unwrap()
}

#[test]
fn one_failure_in_one_changes_nothing() {
    let nozzle = nozzle(10);
    assert_eq!(fail(&nozzle, 1), 1);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.verdict, Verdict::Deferred);
    assert_eq!(transition.flow_rate, 100);
    assert_eq!(transition.state, State::Opening);
    assert_eq!(
        transition.closed.failures, 0,
        "reported by the judging close"
    );
    assert_eq!(
        nozzle.snapshot().failures,
        1,
        "carried into the next interval"
    );
    assert_eq!(nozzle.snapshot().allowed, 1);
}

#[test]
fn carried_counts_are_judged_together() {
    let nozzle = nozzle(10);
    assert_eq!(fail(&nozzle, 4), 4);
    assert_eq!(nozzle.tick(1_000).unwrap().verdict, Verdict::Deferred);

    assert_eq!(fail(&nozzle, 4), 4);
    assert_eq!(succeed(&nozzle, 2), 2);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.failures, 8);
    assert_eq!(snapshot.successes, 2);
    assert_eq!(snapshot.allowed, 10);

    let judged = nozzle.tick(2_000).unwrap();
    assert_eq!(judged.verdict, Verdict::Failing);
    assert_eq!(judged.closed.allowed, 10);
    assert_eq!(judged.closed.failures, 8);
    assert_eq!(judged.closed.successes, 2);
    assert_eq!(judged.failure_rate(), 80);
    assert_eq!(judged.flow_rate, 99);
    assert_eq!(judged.seq, 2);
    assert_eq!(nozzle.snapshot().allowed, 0);
}

#[test]
fn window_is_judged_at_its_longest() {
    // One failure per interval never reaches 1000 samples; the eighth interval
    // is judged on the eight failures of the window.
    let nozzle = nozzle(1_000);
    for k in 1..=u64::from(MAX_WINDOW_INTERVALS) {
        assert_eq!(fail(&nozzle, 1), 1);
        let transition = nozzle.tick(1_000 * k).unwrap();
        if k < u64::from(MAX_WINDOW_INTERVALS) {
            assert_eq!(transition.verdict, Verdict::Deferred, "interval {k}");
            assert_eq!(transition.flow_rate, 100);
        } else {
            assert_eq!(transition.verdict, Verdict::Failing);
            assert_eq!(transition.closed.failures, MAX_WINDOW_INTERVALS);
            assert_eq!(transition.flow_rate, 99);
        }
    }
}

#[test]
fn empty_interval_at_zero_still_reopens() {
    let nozzle = nozzle(u32::MAX);
    // At flow 0 and 1 every interval is judged, so the reference walk to 0 is
    // unchanged except that 99 .. 37 each wait for the longest window.
    let mut now = 0;
    while nozzle.flow_rate() > 0 {
        fail(&nozzle, 10);
        now += 1_000;
        nozzle.tick(now).unwrap();
    }
    now += 1_000;
    let transition = nozzle.tick(now).unwrap();
    assert_eq!(transition.verdict, Verdict::Healthy);
    assert_eq!(transition.flow_rate, 1);
}

#[test]
fn recovery_from_zero_is_bounded() {
    let window = u64::from(MAX_WINDOW_INTERVALS);
    for min_samples in [0, 10, 1_000, u32::MAX] {
        let nozzle = nozzle(min_samples);
        drive_to_zero_slowly(&nozzle);
        let mut intervals = 0u64;
        let mut now = 100_000_000;
        while nozzle.flow_rate() < 100 {
            succeed(&nozzle, 10);
            now += 1_000;
            nozzle.tick(now).unwrap();
            intervals += 1;
            assert!(intervals <= 2 + 5 * window, "min_samples {min_samples}");
        }
        assert_eq!(
            intervals,
            expected_recovery(min_samples),
            "min_samples {min_samples}"
        );
    }
}

/// Intervals from 0 to 100 with ten attempts per interval, all successful:
/// 0 -> 1 and 1 -> 3 are judged at once; each later step waits until the window
/// contains `min_samples` outcomes or spans the longest window. A window's
/// attempts form one admission sequence, so its admitted count is the
/// reference rule applied to all of them.
fn expected_recovery(min_samples: u32) -> u64 {
    let window = u64::from(MAX_WINDOW_INTERVALS);
    let mut intervals = 2;
    for flow in [3u64, 7, 15, 31, 63] {
        let mut needed = 1;
        while needed < window && reference_admitted(flow, 10 * needed) < u64::from(min_samples) {
            needed += 1;
        }
        intervals += needed;
    }
    intervals
}

/// Admitted calls among `attempts` at flow `flow`, by the reference rule.
fn reference_admitted(flow: u64, attempts: u64) -> u64 {
    let mut admitted = 0;
    for k in 0..attempts {
        if k == 0 || 100 * admitted < flow * k {
            admitted += 1;
        }
    }
    admitted
}

#[test]
fn expected_recovery_matches_reference_without_floor() {
    assert_eq!(expected_recovery(0), 7);
    assert_eq!(
        expected_recovery(u32::MAX),
        2 + 5 * u64::from(MAX_WINDOW_INTERVALS)
    );
}

/// Fails every admitted call until the flow rate reaches 0, whatever the
/// minimum volume.
fn drive_to_zero_slowly(nozzle: &Nozzle) {
    let mut now = 0;
    while nozzle.flow_rate() > 0 {
        fail(nozzle, 100);
        now += 1_000;
        nozzle.tick(now).unwrap();
    }
}

#[test]
fn zero_min_samples_is_the_reference() {
    let nozzle = nozzle(0);
    drive_to_zero(&nozzle);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);
}

#[test]
fn deferred_window_keeps_admission_sequence() {
    // At flow 37 the attempts of a deferred window continue one admission
    // sequence, as if the window were one interval.
    let nozzle = nozzle(1_000);
    nozzle.pin(37).unwrap();
    nozzle.resume();
    let mut admitted = 0;
    for k in 1..=3u64 {
        admitted += succeed(&nozzle, 100);
        assert_eq!(nozzle.tick(1_000 * k).unwrap().verdict, Verdict::Deferred);
    }
    // ceil(37 * 299 / 100) of 300 attempts.
    assert_eq!(admitted, 111);
    assert_eq!(nozzle.snapshot().allowed, 111);
    assert_eq!(nozzle.snapshot().blocked, 189);
}
