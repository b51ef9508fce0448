//! Randomized comparison against the sequential model, with fixed seeds.
//!
//! Each run draws a configuration (including minimum volume and AIMD steps)
//! and a few thousand operations: attempts, outcomes on held permits, drops,
//! operator actions (shut-off, pin, resume, reset, settings changes), and ticks
//! with ordinary, backwards, huge and extreme timestamps. Every observable value
//! is checked after every operation.

mod common;

use common::{assert_observed, assert_transition, expected_reason, Model, ModelPolicy};
use nozzle::{Abandon, Config, Nozzle, Permit, StepPolicy};

fn next_now(rng: &mut fastrand::Rng, now: u64, interval: u64) -> u64 {
    match rng.u8(0..100) {
        0..=59 => now.saturating_add(rng.u64(0..=interval.saturating_mul(2))),
        60..=69 => now.saturating_add(rng.u64(0..=interval / 4)),
        70..=79 => now.saturating_sub(rng.u64(0..=interval.saturating_mul(2))),
        80..=84 => now.saturating_add(rng.u64(..)),
        85..=89 => rng.u64(..),
        90..=94 => u64::MAX,
        _ => 0,
    }
}

fn run(seed: u64, operations: usize) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let interval = match rng.u8(0..4) {
        0 => 1,
        1 => rng.u64(1..=10),
        2 => rng.u64(1..=10_000),
        _ => rng.u64(1..=u64::MAX),
    };
    let percent = match rng.u8(0..4) {
        0 => 0,
        1 => 100,
        _ => rng.u8(0..=100),
    };
    let abandon_as_failure = rng.bool();
    let abandon = if abandon_as_failure {
        Abandon::AsFailure
    } else {
        Abandon::Ignore
    };
    let min_samples = match rng.u8(0..4) {
        0 => rng.u32(1..=50),
        _ => 0,
    };
    let policy = match rng.u8(0..4) {
        0 => StepPolicy::Aimd {
            increase: rng.u8(1..=100),
            decrease_factor: rng.u8(0..=99),
        },
        _ => StepPolicy::Doubling,
    };
    let config = Config::new(interval)
        .allowed_failure_percent(percent)
        .on_abandon(abandon)
        .min_samples(min_samples)
        .step_policy(policy);
    let nozzle = Nozzle::new(config).unwrap();
    let mut model = Model::new(interval, percent, abandon_as_failure);
    model.min_samples = u64::from(min_samples);
    model.policy = ModelPolicy::from(policy);
    let mut held: Vec<Permit<'_>> = Vec::new();
    let mut now = 0u64;
    // How often each operation is drawn varies per run, so that some runs
    // spend long stretches closed and others fully open.
    let failure_bias = rng.u8(0..=100);

    for step in 0..operations {
        let context = format!("seed {seed}, step {step}");
        match rng.u8(0..100) {
            0..=44 => {
                let admitted = nozzle.try_acquire();
                assert_eq!(admitted.is_ok(), model.attempt(), "{context}: decision");
                match admitted {
                    Ok(permit) => held.push(permit),
                    Err(rejected) => {
                        assert_eq!(rejected.flow_rate(), model.visible_flow(), "{context}");
                        assert_eq!(
                            rejected.reason(),
                            expected_reason(&model),
                            "{context}: reason"
                        );
                    }
                }
            }
            45..=69 if !held.is_empty() => {
                let permit = held.swap_remove(rng.usize(..held.len()));
                if rng.u8(0..=100) < failure_bias {
                    permit.failure();
                    model.failure();
                } else {
                    permit.success();
                    model.success();
                }
            }
            70..=74 if !held.is_empty() => {
                drop(held.swap_remove(rng.usize(..held.len())));
                model.abandon();
            }
            75 if rng.u8(0..50) == 0 => {
                nozzle.shut_off();
                model.shut_off();
            }
            76 => {
                let flow = rng.u8(0..=100);
                nozzle.pin(flow).unwrap();
                model.pin(flow);
            }
            77 => {
                nozzle.resume();
                model.resume();
            }
            78 if rng.u8(0..4) == 0 => {
                nozzle.reset();
                model.reset();
            }
            79 if rng.u8(0..4) == 0 => {
                let percent = rng.u8(0..=100);
                nozzle.set_allowed_failure_percent(percent).unwrap();
                model.set_allowed_failure_percent(percent);
            }
            80 if rng.u8(0..4) == 0 => {
                let interval = rng.u64(1..=interval.saturating_mul(2).max(1));
                nozzle.set_interval(interval).unwrap();
                model.set_interval(interval);
            }
            _ => {
                now = next_now(&mut rng, now, model.interval);
                let actual = nozzle.tick(now);
                let expected = model.tick(now);
                assert_eq!(
                    actual.is_some(),
                    expected.is_some(),
                    "{context}: tick({now})"
                );
                if let (Some(actual), Some(expected)) = (actual, expected) {
                    assert_transition(&actual, &expected, &context);
                }
            }
        }
        assert_observed(&nozzle, &model, &context);
    }
    // Outcomes of permits still held land in the current interval.
    let outstanding = held.len() as u64;
    for permit in held {
        permit.success();
    }
    model.successes += outstanding;
    assert_observed(&nozzle, &model, &format!("seed {seed}, after draining"));
}

#[test]
fn random_operations_match_model() {
    let (seeds, operations) = if cfg!(miri) { (4, 300) } else { (400, 4_000) };
    for seed in 0..seeds {
        run(seed, operations);
    }
}

#[test]
fn long_random_runs_match_model() {
    let (seeds, operations) = if cfg!(miri) { (1, 2_000) } else { (8, 200_000) };
    for seed in 10_000..10_000 + seeds {
        run(seed, operations);
    }
}
