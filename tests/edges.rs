//! Edges of time and arithmetic: `now` at 0 and `u64::MAX`, time going
//! backwards, late ticks, and intervals at the ends of their range.

mod common;

use common::fail;
use nozzle::{Config, Nozzle, State};

#[test]
fn tick_at_zero_is_not_due() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    assert!(nozzle.tick(0).is_none());
    assert_eq!(nozzle.flow_rate(), 100);
}

#[test]
fn tick_at_max_closes_one_interval_at_its_boundary() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    fail(&nozzle, 10);
    let transition = nozzle.tick(u64::MAX).unwrap();
    assert_eq!(transition.start, 0);
    assert_eq!(transition.end, u64::MAX - u64::MAX % 1_000);
    assert_eq!(transition.flow_rate, 99);
    assert!(nozzle.tick(u64::MAX).is_none());
}

#[test]
fn bogus_future_timestamp_does_not_freeze_the_nozzle() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    fail(&nozzle, 10);
    assert_eq!(nozzle.tick(u64::MAX).unwrap().flow_rate, 99);
    // The host clock is sane again: far below the bogus start, so this is a
    // clock reset. It restarts the interval at 5_000 without closing it.
    let failed = fail(&nozzle, 10) as u32;
    assert_eq!(failed, 9, "flow 99 rejects attempt 1");
    assert!(nozzle.tick(5_000).is_none());
    assert_eq!(
        nozzle.snapshot().failures,
        failed,
        "counts kept across the reset"
    );
    assert!(nozzle.tick(5_999).is_none());
    let transition = nozzle.tick(6_000).unwrap();
    assert_eq!(transition.start, 5_000);
    assert_eq!(transition.closed.failures, failed);
    assert_eq!(transition.flow_rate, 97);
}

#[test]
fn small_backward_jitter_changes_nothing() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    assert!(nozzle.tick(3_000).is_some());
    fail(&nozzle, 4);
    for now in [2_999, 2_500, 2_000] {
        assert!(nozzle.tick(now).is_none(), "tick({now})");
    }
    assert_eq!(nozzle.snapshot().failures, 4);
    let transition = nozzle.tick(4_000).unwrap();
    assert_eq!(transition.start, 3_000);
    assert_eq!(transition.closed.failures, 4);
}

#[test]
fn backward_jump_beyond_one_interval_resets_start() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    assert!(nozzle.tick(10_000).is_some());
    assert!(nozzle.tick(8_999).is_none());
    // The interval now starts at 8_999.
    assert!(nozzle.tick(9_998).is_none());
    let transition = nozzle.tick(9_999).unwrap();
    assert_eq!(transition.start, 8_999);
    assert_eq!(transition.end, 9_999);
}

#[test]
fn jittery_timer_never_skips_a_close() {
    // A timer with the interval's own period fires up to 30 units late; closes
    // are anchored to boundaries, so every firing after the first closes one.
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut closes = 0;
    for k in 1..=1_000u64 {
        let now = 1_000 * k + rng.u64(0..=30);
        if nozzle.tick(now).is_some() {
            closes += 1;
        }
    }
    assert_eq!(closes, 1_000);
}

#[test]
fn interval_of_max_closes_once_at_max() {
    let nozzle = Nozzle::new(Config::new(u64::MAX)).unwrap();
    assert!(nozzle.tick(u64::MAX - 1).is_none());
    let transition = nozzle.tick(u64::MAX).unwrap();
    assert_eq!(transition.end, u64::MAX);
    // No earlier `now` can be more than u64::MAX before the start, so nothing
    // is due or reset after this.
    for now in [0, 1, u64::MAX / 2, u64::MAX] {
        assert!(nozzle.tick(now).is_none());
    }
}

#[test]
fn late_tick_closes_one_interval_only() {
    let nozzle = Nozzle::new(Config::new(1)).unwrap();
    fail(&nozzle, 10);
    let transition = nozzle.tick(1_000_000_000_000).unwrap();
    assert_eq!(transition.seq, 1);
    assert_eq!(transition.flow_rate, 99);
    assert_eq!(transition.end, 1_000_000_000_000);
    assert!(nozzle.tick(1_000_000_000_000).is_none());
    assert_eq!(nozzle.tick(1_000_000_000_001).unwrap().seq, 2);
}

#[test]
fn shut_off_is_permanent_and_still_counts() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    fail(&nozzle, 3);
    nozzle.shut_off();
    nozzle.shut_off();
    assert!(nozzle.is_shut_off());
    assert_eq!(nozzle.flow_rate(), 0);
    assert_eq!(nozzle.state(), State::Closing);
    for _ in 0..5 {
        assert!(nozzle.try_acquire().is_err());
    }
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 3);
    assert_eq!(snapshot.blocked, 5);
    assert_eq!(snapshot.failures, 3);

    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.verdict, nozzle::Verdict::ShutOff);
    assert_eq!(transition.closed.allowed, 3);
    assert_eq!(transition.closed.blocked, 5);
    assert_eq!(transition.closed.flow_rate, 0);
    assert_eq!(transition.flow_rate, 0);
    // Empty intervals would reopen a closed nozzle; a shut one stays shut.
    for k in 2..=10 {
        assert_eq!(nozzle.tick(1_000 * k).unwrap().flow_rate, 0);
    }
    assert!(nozzle.try_acquire().is_err());
}

#[test]
fn shut_off_mid_interval_keeps_earlier_decisions() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    common::drive_to_zero(&nozzle);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);
    let mut held = Vec::new();
    for _ in 0..150 {
        if let Ok(permit) = nozzle.try_acquire() {
            held.push(permit);
        }
    }
    assert_eq!(held.len(), 2);
    nozzle.shut_off();
    for _ in 0..50 {
        assert!(nozzle.try_acquire().is_err());
    }
    for permit in held {
        permit.success();
    }
    let transition = nozzle.tick(9_000).unwrap();
    assert_eq!(transition.closed.allowed, 2);
    assert_eq!(transition.closed.blocked, 198);
    assert_eq!(transition.closed.successes, 2);
}
