//! Operator actions, a minimum sample count and AIMD steps, fuzzed against the
//! model that the integration tests use (`tests/common/mod.rs`).
//!
//! [`crate::run`] drives the reference rules alone, with the call wrappers.
//! This target adds what the reference rules do not have. Both compare with
//! the model that the seeded `tests/model.rs` also uses, so the fuzzer adds
//! coverage-guided inputs to that test's fixed seeds.

use arbitrary::Arbitrary;
use nozzle::{Abandon, Config, Field, Nozzle, Permit, StepPolicy};

use crate::reference::{assert_observed, assert_transition, expected_reason, Model, ModelPolicy};
use crate::{IntervalChoice, Now};

/// A valid configuration with every option, as the fuzzer draws it.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct ExtendedConfig {
    pub interval: IntervalChoice,
    pub percent: u8,
    pub abandon_as_failure: bool,
    pub min_samples: MinSamples,
    /// AIMD's increase and decrease factor, folded into their valid ranges.
    /// `None` keeps the doubling step.
    pub aimd: Option<(u8, u8)>,
}

/// Minimum sample counts, biased toward the small ones that defer often.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum MinSamples {
    Off,
    Small(u8),
    Any(u32),
}

impl ExtendedConfig {
    fn interval(&self) -> u64 {
        self.interval.value().max(1)
    }

    fn percent(&self) -> u8 {
        self.percent % 101
    }

    fn min_samples(&self) -> u32 {
        match self.min_samples {
            MinSamples::Off => 0,
            MinSamples::Small(samples) => u32::from(samples),
            MinSamples::Any(samples) => samples,
        }
    }

    /// Returns the step policy, with AIMD's values folded into their valid
    /// ranges.
    fn policy(&self) -> StepPolicy {
        match self.aimd {
            None => StepPolicy::Doubling,
            Some((increase, factor)) => StepPolicy::Aimd {
                increase: increase % 100 + 1,
                decrease_factor: factor % 100,
            },
        }
    }

    fn abandon(&self) -> Abandon {
        if self.abandon_as_failure {
            Abandon::AsFailure
        } else {
            Abandon::Ignore
        }
    }
}

/// One operation, including the operator's.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ExtendedOp {
    /// `try_acquire`, keeping an admitted permit for a later outcome.
    Acquire,
    /// `count` attempts, each admitted one reported at once.
    Calls {
        count: u8,
        fail: bool,
    },
    /// Reports a held permit (chosen by index) as a success or a failure.
    Outcome {
        index: u8,
        success: bool,
    },
    /// Drops a held permit without an outcome.
    Drop(u8),
    ShutOff,
    /// `pin`, with values above 100 expected to fail.
    Pin(u8),
    Resume,
    Reset,
    /// `set_allowed_failure_percent`, with values above 100 expected to fail.
    SetPercent(u8),
    /// `set_interval`, with 0 expected to fail.
    SetInterval(IntervalChoice),
    /// `tick` at a time derived from the previous one.
    Tick(Now),
}

/// Runs `ops` on a nozzle built from `raw` and on the model, comparing every
/// observable value after every operation. Panics on the first difference.
pub fn run_extended(raw: ExtendedConfig, ops: &[ExtendedOp]) {
    let policy = raw.policy();
    let config = Config::new(raw.interval())
        .allowed_failure_percent(raw.percent())
        .on_abandon(raw.abandon())
        .min_samples(raw.min_samples())
        .step_policy(policy);
    let nozzle = Nozzle::new(config).expect("every drawn configuration is valid");
    let mut model = Model::new(raw.interval(), raw.percent(), raw.abandon_as_failure);
    model.min_samples = u64::from(raw.min_samples());
    model.policy = ModelPolicy::from(policy);
    let mut open_permits: Vec<Permit<'_>> = Vec::new();
    let mut now = 0u64;
    assert_observed(&nozzle, &model, "new nozzle");

    for (step, op) in ops.iter().enumerate() {
        let context = format!("step {step} ({op:?})");
        match *op {
            ExtendedOp::Acquire => {
                if let Some(permit) = attempt(&nozzle, &mut model, &context) {
                    open_permits.push(permit);
                }
            }
            ExtendedOp::Calls { count, fail } => {
                for _ in 0..count {
                    if let Some(permit) = attempt(&nozzle, &mut model, &context) {
                        permit.record(!fail);
                        if fail {
                            model.failure();
                        } else {
                            model.success();
                        }
                    }
                }
            }
            ExtendedOp::Outcome { index, success } => {
                if !open_permits.is_empty() {
                    let permit = open_permits.swap_remove(usize::from(index) % open_permits.len());
                    permit.record(success);
                    if success {
                        model.success();
                    } else {
                        model.failure();
                    }
                }
            }
            ExtendedOp::Drop(index) => {
                if !open_permits.is_empty() {
                    drop(open_permits.swap_remove(usize::from(index) % open_permits.len()));
                    model.abandon();
                }
            }
            ExtendedOp::ShutOff => {
                nozzle.shut_off();
                model.shut_off();
            }
            ExtendedOp::Pin(flow) => match nozzle.pin(flow) {
                Ok(()) => {
                    assert!(flow <= 100, "{context}: pin({flow}) accepted");
                    model.pin(flow);
                }
                Err(error) => {
                    assert!(flow > 100, "{context}: pin({flow}) refused: {error}");
                    assert_eq!(error.field(), Field::FlowRate, "{context}: field");
                    assert_eq!(error.value(), u64::from(flow), "{context}: value");
                }
            },
            ExtendedOp::Resume => {
                nozzle.resume();
                model.resume();
            }
            ExtendedOp::Reset => {
                nozzle.reset();
                model.reset();
            }
            ExtendedOp::SetPercent(percent) => match nozzle.set_allowed_failure_percent(percent) {
                Ok(()) => {
                    assert!(percent <= 100, "{context}: percent {percent} accepted");
                    model.set_allowed_failure_percent(percent);
                }
                Err(error) => {
                    assert!(percent > 100, "{context}: percent {percent} refused");
                    assert_eq!(error.field(), Field::AllowedFailurePercent, "{context}");
                    assert_eq!(error.value(), u64::from(percent), "{context}: value");
                }
            },
            ExtendedOp::SetInterval(choice) => {
                let interval = choice.value();
                match nozzle.set_interval(interval) {
                    Ok(()) => {
                        assert!(interval > 0, "{context}: interval 0 accepted");
                        model.set_interval(interval);
                    }
                    Err(error) => {
                        assert_eq!(interval, 0, "{context}: interval {interval} refused");
                        assert_eq!(error.field(), Field::Interval, "{context}: field");
                        assert_eq!(error.value(), 0, "{context}: value");
                    }
                }
            }
            ExtendedOp::Tick(choice) => {
                now = choice.resolve(now, model.interval);
                let expected = model.tick(now);
                let actual = nozzle.tick(now);
                match (actual, expected) {
                    (None, None) => {}
                    (Some(actual), Some(expected)) => {
                        assert_transition(&actual, &expected, &format!("{context}, now {now}"));
                    }
                    (actual, expected) => panic!(
                        "{context}: tick({now}) returned {actual:?}, the model expects {expected:?}"
                    ),
                }
            }
        }
        assert_observed(&nozzle, &model, &context);
    }

    // Outcomes of permits still held count in the current interval.
    for permit in open_permits.drain(..) {
        permit.success();
        model.success();
    }
    assert_observed(&nozzle, &model, "after draining held permits");
}

/// Makes one `try_acquire` and compares it with the model's decision and
/// reason.
fn attempt<'a>(nozzle: &'a Nozzle, model: &mut Model, context: &str) -> Option<Permit<'a>> {
    let admit = model.attempt();
    match nozzle.try_acquire() {
        Ok(permit) => {
            assert!(admit, "{context}: admitted, the model rejects");
            Some(permit)
        }
        Err(rejected) => {
            assert!(!admit, "{context}: rejected ({rejected}), the model admits");
            assert_eq!(
                rejected.reason(),
                expected_reason(model),
                "{context}: reason"
            );
            assert_eq!(
                rejected.flow_rate(),
                model.visible_flow(),
                "{context}: flow"
            );
            None
        }
    }
}
