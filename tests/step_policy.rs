//! The AIMD step policy, next to the reference doubling rule.

mod common;

use common::{fail, succeed};
use nozzle::{Config, Field, Nozzle, StepPolicy, Verdict};

fn aimd(increase: u8, decrease_factor: u8) -> Config {
    Config::new(1_000).step_policy(StepPolicy::Aimd {
        increase,
        decrease_factor,
    })
}

#[test]
fn aimd_halves_on_failure_and_adds_on_health() {
    let nozzle = Nozzle::new(aimd(10, 50)).unwrap();
    let mut flows = Vec::new();
    let mut now = 0;
    for failing in [
        true, true, true, true, true, true, true, false, false, false,
    ] {
        if failing {
            fail(&nozzle, 100);
        } else {
            succeed(&nozzle, 100);
        }
        now += 1_000;
        let transition = nozzle.tick(now).unwrap();
        let expected = if failing {
            Verdict::Failing
        } else {
            Verdict::Healthy
        };
        assert_eq!(transition.verdict, expected);
        flows.push(transition.flow_rate);
    }
    // 100 * 1/2 rounded down each time, then +10 per healthy interval.
    assert_eq!(flows, [50, 25, 12, 6, 3, 1, 0, 10, 20, 30]);
}

#[test]
fn aimd_recovers_linearly() {
    let nozzle = Nozzle::new(aimd(25, 0)).unwrap();
    fail(&nozzle, 10);
    assert_eq!(nozzle.tick(1_000).unwrap().flow_rate, 0);
    let flows: Vec<u8> = (2..=6u64)
        .map(|k| {
            succeed(&nozzle, 10);
            nozzle.tick(1_000 * k).unwrap().flow_rate
        })
        .collect();
    assert_eq!(flows, [25, 50, 75, 100, 100]);
}

#[test]
fn aimd_parameters_are_validated() {
    for (increase, decrease_factor, field, value) in [
        (0, 50, Field::AimdIncrease, 0),
        (101, 50, Field::AimdIncrease, 101),
        (10, 100, Field::AimdDecreaseFactor, 100),
        (10, 255, Field::AimdDecreaseFactor, 255),
    ] {
        let error = Nozzle::new(aimd(increase, decrease_factor)).unwrap_err();
        assert_eq!(error.field(), field);
        assert_eq!(error.value(), value);
    }
    let error = Nozzle::new(aimd(0, 50)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid increase 0: must be between 1 and 100"
    );
    let error = Nozzle::new(aimd(10, 100)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid decrease_factor 100: must be at most 99"
    );
    assert!(Nozzle::new(aimd(100, 99)).is_ok());
    assert!(Nozzle::new(aimd(1, 0)).is_ok());
}

#[test]
fn config_reports_the_policy() {
    let policy = StepPolicy::Aimd {
        increase: 7,
        decrease_factor: 70,
    };
    let nozzle = Nozzle::new(Config::new(1_000).step_policy(policy)).unwrap();
    assert_eq!(nozzle.config().step_policy, policy);
    let floored = Nozzle::new(Config::new(1_000).min_samples(12)).unwrap();
    assert_eq!(floored.config().min_samples, 12);
    assert_eq!(
        Nozzle::new(Config::new(1)).unwrap().config().step_policy,
        StepPolicy::Doubling
    );
}
