//! Faults that users met in other circuit breakers and throttlers, replayed as
//! small deterministic scenarios. Interval 1000 and allowed failure percent 50
//! unless a test says otherwise.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;

use common::{drive_to_zero, fail, succeed};
use nozzle::{Abandon, Config, Field, Nozzle, Reason, State, Verdict};

fn nozzle() -> Nozzle {
    Nozzle::new(Config::new(1_000).allowed_failure_percent(50)).unwrap()
}

// An outcome reported after the interval that admitted it counts once, in the
// interval open when it is reported.

#[test]
fn late_outcome_counts_in_reporting_interval() {
    let nozzle = nozzle();
    let held = nozzle.try_acquire().unwrap();
    assert_eq!(succeed(&nozzle, 4), 4);

    let first = nozzle.tick(1_000).unwrap();
    assert_eq!(first.closed.successes, 4);
    assert_eq!(first.closed.failures, 0);
    assert_eq!(first.closed.allowed, 5);
    assert_eq!(first.flow_rate, 100);
    assert_eq!(first.state, State::Opening);

    held.failure();
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 0);
    assert_eq!(snapshot.successes, 0);
    assert_eq!(snapshot.failures, 1);

    let second = nozzle.tick(2_000).unwrap();
    assert_eq!(second.closed.successes, 0);
    assert_eq!(second.closed.failures, 1);
    assert_eq!(second.failure_rate(), 100);
    assert_eq!(second.flow_rate, 99);
    assert_eq!(second.state, State::Closing);
}

#[test]
fn late_failures_delay_the_probe_by_one_interval() {
    let nozzle = nozzle();
    let mut held = Vec::new();
    for (i, expected) in common::DRIVE_TO_ZERO.iter().enumerate() {
        fail(&nozzle, 10);
        if i == 6 {
            // Flow 37, at t=6500: keep trying until three permits are held.
            while held.len() < 3 {
                if let Ok(permit) = nozzle.try_acquire() {
                    held.push(permit);
                }
            }
        }
        let transition = nozzle.tick(1_000 * (i as u64 + 1)).unwrap();
        assert_eq!(transition.flow_rate, *expected);
    }
    // t=7500
    for permit in held {
        permit.failure();
    }
    let delayed = nozzle.tick(8_000).unwrap();
    assert_eq!(delayed.closed.failures, 3);
    assert_eq!(delayed.flow_rate, 0);
    assert_eq!(delayed.state, State::Closing);

    let probe = nozzle.tick(9_000).unwrap();
    assert_eq!(probe.closed.successes + probe.closed.failures, 0);
    assert_eq!(probe.flow_rate, 1);
    assert_eq!(probe.state, State::Opening);
}

// One probe at flow 1, a counted decision, and the doubling ramp on recovery.

#[test]
fn flow_one_admits_attempts_zero_and_hundred_and_one() {
    let nozzle = nozzle();
    drive_to_zero(&nozzle);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);

    let mut held = Vec::new();
    let mut rejected = 0;
    for _ in 0..101 {
        match nozzle.try_acquire() {
            Ok(permit) => held.push(permit),
            Err(rejection) => {
                assert_eq!(rejection.reason(), Reason::Throttled);
                assert_eq!(rejection.flow_rate(), 1);
                rejected += 1;
            }
        }
    }
    assert_eq!(held.len(), 1);
    assert_eq!(rejected, 100);
    assert!(nozzle.try_acquire().is_ok(), "attempt 101 is admitted");
}

#[test]
fn concurrent_probes_at_flow_one_follow_the_rule() {
    let nozzle = nozzle();
    drive_to_zero(&nozzle);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);

    let admitted = AtomicUsize::new(0);
    let barrier = Barrier::new(8);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                barrier.wait();
                let mut held = Vec::new();
                for _ in 0..100 {
                    if let Ok(permit) = nozzle.try_acquire() {
                        held.push(permit);
                    }
                }
                admitted.fetch_add(held.len(), Ordering::Relaxed);
                held.into_iter().for_each(|permit| permit.success());
            });
        }
    });
    // 800 attempts at flow 1 admit k = 0, 101, 201, ..., 701.
    assert_eq!(admitted.load(Ordering::Relaxed), 8);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 8);
    assert_eq!(snapshot.blocked, 792);
}

#[test]
fn recovery_ramp_admits_reference_counts() {
    let nozzle = nozzle();
    drive_to_zero(&nozzle);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);
    let mut flows = Vec::new();
    for i in 9..=14u64 {
        let flow = nozzle.flow_rate();
        let admitted = succeed(&nozzle, 100);
        // admitted(f, 100) = ceil(f * 99 / 100) for 0 < f < 100.
        let expected = if flow == 100 {
            100
        } else {
            (usize::from(flow) * 99).div_ceil(100)
        };
        assert_eq!(admitted, expected, "flow {flow}");
        flows.push(nozzle.tick(1_000 * i).unwrap().flow_rate);
    }
    assert_eq!(flows, [3, 7, 15, 31, 63, 100]);
}

// One failure at very low traffic is a 100 % failure rate: there is no volume
// floor, as in the original.

#[test]
fn single_failure_closes_by_one_step() {
    let nozzle = Nozzle::new(Config::new(1_000).allowed_failure_percent(10)).unwrap();
    assert_eq!(fail(&nozzle, 1), 1);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.closed.successes, 0);
    assert_eq!(transition.closed.failures, 1);
    assert_eq!(transition.failure_rate(), 100);
    assert_eq!(transition.flow_rate, 99);
    assert_eq!(transition.state, State::Closing);

    assert_eq!(succeed(&nozzle, 1), 1);
    let transition = nozzle.tick(2_000).unwrap();
    assert_eq!(transition.flow_rate, 100);
    assert_eq!(transition.state, State::Opening);
}

#[test]
fn one_failure_per_interval_closes_fully() {
    let nozzle = Nozzle::new(Config::new(1_000).allowed_failure_percent(10)).unwrap();
    let mut flows = Vec::new();
    for i in 1..=7u64 {
        assert_eq!(fail(&nozzle, 1), 1);
        flows.push(nozzle.tick(1_000 * i).unwrap().flow_rate);
    }
    assert_eq!(flows, [99, 97, 93, 85, 69, 37, 0]);
}

// A long gap between ticks is one interval of evidence, never a replayed ramp.

#[test]
fn idle_gap_reopens_one_step() {
    let nozzle = nozzle();
    drive_to_zero(&nozzle);
    let transition = nozzle.tick(17_000).unwrap();
    assert_eq!(transition.start, 7_000);
    assert_eq!(transition.end, 17_000);
    assert_eq!(transition.flow_rate, 1);
    assert_eq!(transition.state, State::Opening);
    assert!(nozzle.tick(17_999).is_none());
    assert_eq!(nozzle.tick(18_000).unwrap().flow_rate, 3);
}

// The step saturates, and a direction change resets it.

#[test]
fn full_reopen_then_failure_steps_down_by_one() {
    let nozzle = nozzle();
    drive_to_zero(&nozzle);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);
    let mut flows = Vec::new();
    for i in 9..=14u64 {
        succeed(&nozzle, 10);
        flows.push(nozzle.tick(1_000 * i).unwrap().flow_rate);
    }
    assert_eq!(flows, [3, 7, 15, 31, 63, 100]);
    // Stay healthy at 100 for a while; the step must not keep growing.
    for i in 15..=40u64 {
        succeed(&nozzle, 10);
        assert_eq!(nozzle.tick(1_000 * i).unwrap().flow_rate, 100);
    }
    fail(&nozzle, 10);
    assert_eq!(nozzle.tick(41_000).unwrap().flow_rate, 99);
}

#[test]
fn forty_three_million_failures_rate_one_hundred() {
    // 43e6 * 100 exceeds u32::MAX; the rate must still be 100.
    let nozzle = nozzle();
    let calls = if cfg!(miri) { 1_000 } else { 43_000_000 };
    for _ in 0..calls {
        nozzle.try_acquire().unwrap().failure();
    }
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.closed.failures, calls);
    // On targets without 64-bit atomics the attempt count saturates first.
    let allowed = u64::from(calls).min(nozzle::ATTEMPTS_SATURATED);
    assert_eq!(u64::from(transition.closed.allowed), allowed);
    assert_eq!(transition.failure_rate(), 100);
    assert_eq!(transition.flow_rate, 99);
}

// A permit dropped without an outcome is counted once, by policy, and wedges
// nothing.

#[test]
fn dropped_permits_count_as_failures_by_policy() {
    let nozzle = Nozzle::new(Config::new(1_000).on_abandon(Abandon::AsFailure)).unwrap();
    for _ in 0..10 {
        drop(nozzle.try_acquire().unwrap());
    }
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 10);
    assert_eq!(snapshot.abandoned, 10);
    assert_eq!(snapshot.failures, 10);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.closed.abandoned, 10);
    assert_eq!(transition.failure_rate(), 100);
    assert_eq!(transition.flow_rate, 99);
    assert_eq!(transition.state, State::Closing);
}

#[test]
fn dropped_permits_are_ignored_by_default() {
    let nozzle = nozzle();
    for _ in 0..10 {
        drop(nozzle.try_acquire().unwrap());
    }
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 10);
    assert_eq!(snapshot.abandoned, 10);
    assert_eq!(snapshot.failures, 0);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.closed.abandoned, 10);
    assert_eq!(transition.closed.failures, 0);
    assert_eq!(transition.flow_rate, 100);
    assert_eq!(transition.state, State::Opening);
}

#[test]
fn dropped_probe_never_wedges_low_flow() {
    for (abandon, after_drop) in [(Abandon::AsFailure, 0), (Abandon::Ignore, 3)] {
        let nozzle = Nozzle::new(Config::new(1_000).on_abandon(abandon)).unwrap();
        drive_to_zero(&nozzle);
        assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);
        drop(nozzle.try_acquire().expect("first attempt at flow 1"));
        assert_eq!(
            nozzle.tick(9_000).unwrap().flow_rate,
            after_drop,
            "{abandon:?}"
        );
        let mut now = 9_000;
        while nozzle.flow_rate() == 0 {
            now += 1_000;
            nozzle.tick(now).unwrap();
        }
        assert!(
            nozzle.try_acquire().is_ok(),
            "{abandon:?}: first attempt admitted"
        );
    }
}

#[test]
fn panic_inside_call_counts_as_abandoned() {
    let nozzle = Nozzle::new(Config::new(1_000).on_abandon(Abandon::AsFailure)).unwrap();
    let result = std::panic::catch_unwind(|| {
        let _ = nozzle.call(|| -> Result<(), ()> { panic!("dependency crashed the caller") });
    });
    assert!(result.is_err());
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 1);
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.failures, 1);
    assert_eq!(snapshot.successes, 0);
}

// The transition is the observation point: no callback, no lock held while the
// host handles it, and an order key.

#[test]
fn transition_matches_state_seen_while_handling_it() {
    let nozzle = nozzle();
    fail(&nozzle, 10);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.closed.successes, 0);
    assert_eq!(transition.closed.failures, 10);
    assert_eq!(transition.failure_rate(), 100);
    assert_eq!(transition.flow_rate, 99);
    assert_eq!(transition.state, State::Closing);
    assert_eq!(transition.verdict, Verdict::Failing);

    // While handling it: every method works, and agrees with it.
    assert_eq!(nozzle.flow_rate(), 99);
    assert_eq!(nozzle.state(), State::Closing);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 0);
    assert_eq!(snapshot.blocked, 0);
    assert_eq!(snapshot.successes, 0);
    assert_eq!(snapshot.failures, 0);
    assert!(nozzle.try_acquire().is_ok());
    assert!(nozzle.tick(1_000).is_none());
}

#[test]
fn concurrent_ticks_close_once() {
    for _ in 0..200 {
        let nozzle = nozzle();
        fail(&nozzle, 10);
        let barrier = Barrier::new(2);
        let closes = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    barrier.wait();
                    if nozzle.tick(1_000).is_some() {
                        closes.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(closes.load(Ordering::Relaxed), 1);
        assert_eq!(nozzle.flow_rate(), 99, "one step, not two");
    }
}

#[test]
fn transitions_carry_increasing_sequence_numbers() {
    let nozzle = nozzle();
    let first = nozzle.tick(1_000).unwrap();
    let second = nozzle.tick(2_000).unwrap();
    let third = nozzle.tick(5_500).unwrap();
    assert_eq!([first.seq, second.seq, third.seq], [1, 2, 3]);
    assert!(first.end <= second.start && second.end <= third.start);
    assert_eq!(third.end, 5_000);
}

// Flapping at the threshold stays one point wide.

#[test]
fn flapping_at_threshold_stays_bounded() {
    let nozzle = nozzle();
    let mut flows = Vec::new();
    let mut states = Vec::new();
    for i in 1..=6u64 {
        let failures = if i % 2 == 1 { 6 } else { 4 };
        let mut permits = Vec::new();
        while permits.len() < 10 {
            if let Ok(permit) = nozzle.try_acquire() {
                permits.push(permit);
            }
        }
        for (n, permit) in permits.into_iter().enumerate() {
            permit.record(n >= failures);
        }
        let transition = nozzle.tick(1_000 * i).unwrap();
        flows.push(transition.flow_rate);
        states.push(transition.state);
    }
    assert_eq!(flows, [99, 100, 99, 100, 99, 100]);
    use State::{Closing as C, Opening as O};
    assert_eq!(states, [C, O, C, O, C, O]);
}

#[test]
fn failure_rate_at_threshold_is_healthy() {
    let nozzle = nozzle();
    for n in 0..10 {
        nozzle.try_acquire().unwrap().record(n % 2 == 0);
    }
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.failure_rate(), 50);
    assert_eq!(transition.verdict, Verdict::Healthy);
    assert_eq!(transition.flow_rate, 100);
    assert_eq!(transition.state, State::Opening);
}

// Configuration that makes no sense is rejected; legal edges are what the docs
// say.

#[test]
fn zero_interval_is_rejected() {
    let error = Nozzle::new(Config::new(0)).unwrap_err();
    assert_eq!(error.field(), Field::Interval);
    assert_eq!(error.value(), 0);
    assert_eq!(error.to_string(), "invalid interval 0: must be at least 1");
}

#[test]
fn percent_above_hundred_is_rejected() {
    for percent in [101, 150, 255] {
        let error = Nozzle::new(Config::new(1_000).allowed_failure_percent(percent)).unwrap_err();
        assert_eq!(error.field(), Field::AllowedFailurePercent);
        assert_eq!(error.value(), u64::from(percent));
        assert_eq!(
            error.to_string(),
            format!("invalid allowed_failure_percent {percent}: must be at most 100")
        );
    }
}

#[test]
fn percent_hundred_never_closes() {
    let nozzle = Nozzle::new(Config::new(1_000).allowed_failure_percent(100)).unwrap();
    for i in 1..=10u64 {
        assert_eq!(fail(&nozzle, 10), 10);
        let transition = nozzle.tick(1_000 * i).unwrap();
        assert_eq!(transition.failure_rate(), 100);
        assert_eq!(transition.flow_rate, 100);
        assert_eq!(transition.verdict, Verdict::Healthy);
    }
}

#[test]
fn percent_zero_closes_on_one_percent() {
    let nozzle = Nozzle::new(Config::new(1_000).allowed_failure_percent(0)).unwrap();
    // 1 failure in 101 outcomes rounds down to 0 %: healthy.
    assert_eq!(fail(&nozzle, 1), 1);
    succeed(&nozzle, 100);
    assert_eq!(nozzle.tick(1_000).unwrap().flow_rate, 100);
    // 1 in 100 is 1 %: closes.
    assert_eq!(fail(&nozzle, 1), 1);
    succeed(&nozzle, 99);
    let transition = nozzle.tick(2_000).unwrap();
    assert_eq!(transition.failure_rate(), 1);
    assert_eq!(transition.flow_rate, 99);
}

#[test]
fn interval_of_one_closes_once_per_now() {
    let nozzle = Nozzle::new(Config::new(1)).unwrap();
    assert!(nozzle.tick(1).is_some());
    assert!(nozzle.tick(1).is_none());
    assert!(nozzle.tick(2).is_some());
}

#[test]
fn const_constructor_reports_errors() {
    // Evaluated by the compiler; a `static` that panics on the error fails the
    // build instead (see the `compile_fail` example on `Nozzle::new`).
    const CHECKED: Result<Nozzle, nozzle::ConfigError> = Nozzle::new(Config::new(0));
    assert_eq!(CHECKED.unwrap_err().field(), Field::Interval);
}

// Nothing keeps the nozzle shut forever.

#[test]
fn failures_alone_close_and_empty_zero_reopens() {
    let nozzle = nozzle();
    assert_eq!(fail(&nozzle, 10), 10);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.flow_rate, 99);
    assert_eq!(transition.state, State::Closing);
}

#[test]
fn failing_probe_alternates_then_recovers() {
    let nozzle = nozzle();
    drive_to_zero(&nozzle);
    assert_eq!(nozzle.tick(8_000).unwrap().flow_rate, 1);
    let mut flows = Vec::new();
    for i in 9..=12u64 {
        fail(&nozzle, 10);
        flows.push(nozzle.tick(1_000 * i).unwrap().flow_rate);
    }
    assert_eq!(flows, [0, 1, 0, 1]);
    let mut flows = Vec::new();
    for i in 13..=18u64 {
        succeed(&nozzle, 10);
        flows.push(nozzle.tick(1_000 * i).unwrap().flow_rate);
    }
    assert_eq!(flows, [3, 7, 15, 31, 63, 100]);
}

// Closing while outcomes are recorded: exact counts, and recording is pure
// counting.

#[test]
fn recording_never_changes_flow_or_state() {
    let nozzle = nozzle();
    assert_eq!(fail(&nozzle, 1_000), 1_000);
    assert_eq!(nozzle.flow_rate(), 100);
    assert_eq!(nozzle.state(), State::Opening);
    assert_eq!(nozzle.tick(1_000).unwrap().flow_rate, 99);
}

#[test]
fn outcomes_racing_ticks_are_counted_once() {
    // Percent 100 keeps the flow at 100, so every attempt is admitted and the
    // totals are known in advance.
    let nozzle = Nozzle::new(Config::new(1).allowed_failure_percent(100)).unwrap();
    let threads = 4;
    let per_thread: u64 = if cfg!(miri) { 200 } else { 100_000 };
    let finished = AtomicUsize::new(0);

    let (closes, sums) = std::thread::scope(|scope| {
        for t in 0..threads {
            let (nozzle, finished) = (&nozzle, &finished);
            scope.spawn(move || {
                for n in 0..per_thread {
                    nozzle.try_acquire().unwrap().record((n + t) % 3 != 0);
                }
                finished.fetch_add(1, Ordering::Release);
            });
        }
        let ticker = scope.spawn(|| {
            let mut now = 0;
            let mut closes = 0u64;
            let mut sums = [0u64; 3];
            loop {
                let last_round = finished.load(Ordering::Acquire) == threads as usize;
                now += 1;
                if let Some(transition) = nozzle.tick(now) {
                    closes += 1;
                    sums[0] += u64::from(transition.closed.successes);
                    sums[1] += u64::from(transition.closed.failures);
                    sums[2] += u64::from(transition.closed.allowed);
                }
                if last_round {
                    return (closes, sums);
                }
            }
        });
        ticker.join().unwrap()
    });

    let rest = nozzle.snapshot();
    let total = threads * per_thread;
    let expected_failures = (0..threads)
        .map(|t| (0..per_thread).filter(|n| (n + t) % 3 == 0).count() as u64)
        .sum::<u64>();
    assert_eq!(
        sums[0] + u64::from(rest.successes),
        total - expected_failures
    );
    assert_eq!(sums[1] + u64::from(rest.failures), expected_failures);
    assert_eq!(sums[2] + u64::from(rest.allowed), total);
    assert!(closes >= 1);
}
