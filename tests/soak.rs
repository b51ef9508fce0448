//! A long run: one nozzle through ten million simulated intervals whose load
//! changes from phase to phase. Every decision and every transition is
//! compared with the sequential model, and so is the snapshot after every
//! operation and every tick.
//!
//! Ignored by default, because a debug build takes minutes. Run it with
//! `cargo test --release --test soak -- --ignored` (a few seconds).

mod common;

use common::{assert_transition, cap, Model};
use nozzle::{Abandon, Config, Nozzle, Permit, State};

const INTERVALS: u64 = 10_000_000;
const INTERVAL: u64 = 1_000;

/// Load of one stretch of intervals.
#[derive(Clone, Copy, Debug)]
struct Phase {
    /// Maximum attempts in one interval.
    max_attempts: u32,
    /// Chance in percent that an admitted call fails.
    failure_percent: u32,
    /// Chance in percent that an admitted call is kept past the interval
    /// and reported in a later one.
    hold_percent: u32,
    /// Chance in percent that a call is dropped without an outcome.
    drop_percent: u32,
}

fn draw_phase(rng: &mut fastrand::Rng) -> Phase {
    let max_attempts = match rng.u8(0..10) {
        0 => 0,                  // idle
        1 => rng.u32(100..=400), // bursts
        _ => rng.u32(1..=8),     // light traffic
    };
    let failure_percent = match rng.u8(0..4) {
        0 => 0,
        1 => 100,
        _ => rng.u32(0..=100),
    };
    Phase {
        max_attempts,
        failure_percent,
        hold_percent: rng.u32(0..=5),
        drop_percent: rng.u32(0..=5),
    }
}

/// Returns the `now` of the next tick: mostly a jittery periodic timer, sometimes an
/// early or a late one, sometimes a step back or a clock reset.
fn next_now(rng: &mut fastrand::Rng, now: u64) -> u64 {
    match rng.u8(0..100) {
        0..=84 => now + INTERVAL + rng.u64(0..=30) - 15,
        85..=92 => now + rng.u64(0..INTERVAL),
        93..=96 => now + rng.u64(1..=20) * INTERVAL,
        97..=98 => now.saturating_sub(rng.u64(0..=INTERVAL)),
        _ => now.saturating_sub(rng.u64(2..=5) * INTERVAL),
    }
}

fn check_snapshot(nozzle: &Nozzle, model: &Model, interval: u64) {
    let snapshot = nozzle.snapshot();
    let failures = if model.abandon_as_failure {
        model.failures + model.abandoned
    } else {
        model.failures
    };
    let expected = (
        model.visible_flow(),
        model.state(),
        cap(model.allowed),
        cap(model.blocked),
        cap(model.successes),
        cap(failures),
        cap(model.abandoned),
    );
    let actual = (
        snapshot.flow_rate,
        snapshot.state,
        snapshot.allowed,
        snapshot.blocked,
        snapshot.successes,
        snapshot.failures,
        snapshot.abandoned,
    );
    assert_eq!(actual, expected, "interval {interval}: snapshot");
    assert!(snapshot.flow_rate <= 100, "interval {interval}: flow");
}

#[test]
#[ignore = "ten million intervals: run with `cargo test --release --test soak -- --ignored`"]
fn ten_million_intervals_match_model() {
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let config = Config::new(INTERVAL)
        .allowed_failure_percent(30)
        .on_abandon(Abandon::AsFailure);
    let nozzle = Nozzle::new(config).unwrap();
    let mut model = Model::new(INTERVAL, 30, true);
    let mut held: Vec<Permit<'_>> = Vec::new();
    let mut now = 0u64;
    let mut phase = draw_phase(&mut rng);
    let mut closes = 0u64;
    let mut attempts_total = 0u64;
    let mut admitted_total = 0u64;
    let mut flows_seen = [false; 101];

    for interval in 0..INTERVALS {
        if interval % 1_000 == 0 {
            phase = draw_phase(&mut rng);
        }
        let attempts = rng.u32(0..=phase.max_attempts);
        attempts_total += u64::from(attempts);
        for _ in 0..attempts {
            let expected = model.attempt();
            let permit = match nozzle.try_acquire() {
                Ok(permit) => permit,
                Err(rejected) => {
                    assert!(!expected, "interval {interval}: rejected, model admits");
                    assert_eq!(rejected.flow_rate(), model.visible_flow());
                    check_snapshot(&nozzle, &model, interval);
                    continue;
                }
            };
            assert!(expected, "interval {interval}: admitted, model rejects");
            admitted_total += 1;
            let roll = rng.u32(0..100);
            if roll < phase.hold_percent && held.len() < 64 {
                held.push(permit);
            } else if roll < phase.hold_percent + phase.drop_percent {
                drop(permit);
                model.abandon();
            } else if rng.u32(0..100) < phase.failure_percent {
                permit.failure();
                model.failure();
            } else {
                permit.success();
                model.success();
            }
            check_snapshot(&nozzle, &model, interval);
        }
        // Calls held from earlier intervals report now and then.
        if !held.is_empty() && rng.u8(0..4) == 0 {
            let permit = held.swap_remove(rng.usize(..held.len()));
            permit.failure();
            model.failure();
        }
        check_snapshot(&nozzle, &model, interval);

        now = next_now(&mut rng, now);
        let actual = nozzle.tick(now);
        let expected = model.tick(now);
        match (actual, expected) {
            (None, None) => {}
            (Some(actual), Some(expected)) => {
                assert_transition(&actual, &expected, &format!("interval {interval}"));
                closes += 1;
                flows_seen[usize::from(actual.flow_rate)] = true;
            }
            (actual, expected) => {
                panic!("interval {interval}: tick({now}) gave {actual:?}, model {expected:?}")
            }
        }
        check_snapshot(&nozzle, &model, interval);
    }

    let distinct = flows_seen.iter().filter(|&&seen| seen).count();
    eprintln!(
        "soak: {INTERVALS} intervals, {closes} closes, {attempts_total} attempts, \
         {admitted_total} admitted, {distinct} distinct flow rates"
    );
    // The run must have exercised the whole range, not sat at one flow.
    assert!(closes > INTERVALS / 2, "closes: {closes}");
    assert!(admitted_total > INTERVALS, "admitted: {admitted_total}");
    assert!(
        distinct > 50,
        "distinct flow rates after a close: {distinct}"
    );
    assert!(flows_seen[0], "never closed fully");
    assert!(flows_seen[1], "never probed from 0");
    assert!(flows_seen[100], "never reopened fully");

    // Shut off at the end: every later interval stays at 0.
    nozzle.shut_off();
    model.shut_off();
    for interval in 0..1_000 {
        assert!(nozzle.try_acquire().is_err());
        assert!(!model.attempt());
        now += INTERVAL;
        let transition = nozzle.tick(now).expect("periodic tick closes");
        assert_transition(&transition, &model.tick(now).unwrap(), "after shut-off");
        assert_eq!(transition.flow_rate, 0);
        assert_eq!(nozzle.state(), State::Closing);
        check_snapshot(&nozzle, &model, INTERVALS + interval);
    }
    for permit in held {
        permit.success();
    }
}
