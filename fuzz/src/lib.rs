//! Differential fuzzing of `nozzle` against a plain sequential model.
//!
//! The fuzz targets in `fuzz_targets/` decode libFuzzer's bytes into a
//! configuration and a list of [`Op`]s with `arbitrary`, and [`run`] applies
//! each operation to a real nozzle and to [`reference::Model`], comparing every
//! observable value after every step. [`extended::run_extended`] does the same
//! with operator actions, minimum sample counts and AIMD steps.

pub mod extended;
/// The integration tests' model of the reference rules and their extensions,
/// shared so that the fuzzer and the seeded model test check the same rules.
#[path = "../../tests/common/mod.rs"]
pub mod reference;

use arbitrary::Arbitrary;
use nozzle::{Abandon, Config, Nozzle, Permit, Rejected};

use reference::{assert_observed, assert_transition, expected_reason, Model};

/// One operation on the nozzle.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Op {
    /// `try_acquire`, keeping an admitted permit for a later outcome.
    Acquire,
    /// `count` attempts, each admitted one reported at once as a failure or a
    /// success. Gets the flow rate to interesting values in a few bytes.
    Calls { count: u8, fail: bool },
    /// Reports a held permit (chosen by index) as a success.
    Success(u8),
    /// Reports a held permit as a failure.
    Failure(u8),
    /// Reports a held permit with `record`.
    Record(u8, bool),
    /// Drops a held permit without an outcome.
    Drop(u8),
    /// Runs a closure through `call` or `call_bool`.
    Call { ok: bool, boolean: bool },
    /// `shut_off`.
    ShutOff,
    /// `tick` at a time derived from the previous one.
    Tick(Now),
}

/// The `now` of a tick, relative to the previous tick's `now` or absolute.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Now {
    /// The previous `now` again.
    Same,
    /// Forward by a small amount.
    Forward(u16),
    /// Forward by whole intervals, the way a periodic timer fires.
    Intervals(u8),
    /// Backward by a small amount (jitter, clocks read on different cores).
    Backward(u16),
    /// Backward by whole intervals plus one unit: a clock reset once past one.
    BackIntervals(u8),
    /// Forward by any amount (a suspended host), saturating at `u64::MAX`.
    Jump(u64),
    /// Any absolute value.
    At(u64),
    Zero,
    Max,
}

impl Now {
    fn resolve(self, previous: u64, interval: u64) -> u64 {
        match self {
            Now::Same => previous,
            Now::Forward(delta) => previous.saturating_add(u64::from(delta)),
            Now::Intervals(count) => {
                previous.saturating_add(interval.saturating_mul(u64::from(count)))
            }
            Now::Backward(delta) => previous.saturating_sub(u64::from(delta)),
            Now::BackIntervals(count) => previous
                .saturating_sub(interval.saturating_mul(u64::from(count)))
                .saturating_sub(1),
            Now::Jump(delta) => previous.saturating_add(delta),
            Now::At(now) => now,
            Now::Zero => 0,
            Now::Max => u64::MAX,
        }
    }
}

/// A configuration as the fuzzer draws it, before validation.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct RawConfig {
    pub interval: IntervalChoice,
    pub percent: u8,
    pub abandon_as_failure: bool,
}

/// Interval lengths, biased toward small ones so that ticks close often.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum IntervalChoice {
    Small(u8),
    Any(u64),
    Max,
}

impl IntervalChoice {
    pub fn value(self) -> u64 {
        match self {
            IntervalChoice::Small(value) => u64::from(value),
            IntervalChoice::Any(value) => value,
            IntervalChoice::Max => u64::MAX,
        }
    }
}

impl RawConfig {
    pub fn config(self) -> Config {
        let abandon = if self.abandon_as_failure {
            Abandon::AsFailure
        } else {
            Abandon::Ignore
        };
        Config::new(self.interval.value())
            .allowed_failure_percent(self.percent)
            .on_abandon(abandon)
    }
}

/// Runs `ops` on a nozzle built from `config` and on the model, comparing
/// every observable value after every operation. Panics on the first
/// difference, naming the step and the value.
pub fn run(config: Config, ops: &[Op]) {
    let nozzle = Nozzle::new(config).expect("run() takes a valid configuration");
    assert_eq!(
        nozzle.config(),
        config,
        "config() returns the configuration"
    );
    let mut model = Model::new(
        config.interval,
        config.allowed_failure_percent,
        config.on_abandon == Abandon::AsFailure,
    );
    let mut open_permits: Vec<Permit<'_>> = Vec::new();
    let mut now = 0u64;
    check_state(&nozzle, &model, "new nozzle");

    for (step, op) in ops.iter().enumerate() {
        let context = format!("step {step} ({op:?})");
        match *op {
            Op::Acquire => {
                let admit = model.attempt();
                match nozzle.try_acquire() {
                    Ok(permit) => {
                        assert!(admit, "{context}: admitted, the model rejects");
                        open_permits.push(permit);
                    }
                    Err(rejected) => check_rejection(&rejected, admit, &model, &context),
                }
            }
            Op::Calls { count, fail } => {
                for call in 0..count {
                    let admit = model.attempt();
                    match nozzle.try_acquire() {
                        Ok(permit) => {
                            assert!(admit, "{context}, call {call}: admitted, the model rejects");
                            permit.record(!fail);
                            if fail {
                                model.failure();
                            } else {
                                model.success();
                            }
                        }
                        Err(rejected) => check_rejection(&rejected, admit, &model, &context),
                    }
                }
            }
            Op::Success(index) | Op::Failure(index) | Op::Record(index, _) | Op::Drop(index) => {
                if open_permits.is_empty() {
                    continue;
                }
                let permit = open_permits.swap_remove(usize::from(index) % open_permits.len());
                match *op {
                    Op::Success(_) | Op::Record(_, true) => {
                        permit.success();
                        model.success();
                    }
                    Op::Failure(_) | Op::Record(_, false) => {
                        permit.failure();
                        model.failure();
                    }
                    _ => {
                        drop(permit);
                        model.abandon();
                    }
                }
            }
            Op::Call { ok, boolean } => {
                let admit = model.attempt();
                let admitted = if boolean {
                    match nozzle.call_bool(|| ok) {
                        Ok(returned) => {
                            assert_eq!(returned, ok, "{context}: call_bool result");
                            true
                        }
                        Err(rejected) => {
                            check_rejection(&rejected, admit, &model, &context);
                            false
                        }
                    }
                } else {
                    match nozzle.call(|| if ok { Ok(7u8) } else { Err("failed") }) {
                        Ok(value) => {
                            assert_eq!(value, 7, "{context}: call result");
                            true
                        }
                        Err(nozzle::Error::Inner(error)) => {
                            assert_eq!(error, "failed", "{context}: call error");
                            true
                        }
                        Err(nozzle::Error::Rejected(rejected)) => {
                            check_rejection(&rejected, admit, &model, &context);
                            false
                        }
                    }
                };
                assert_eq!(admitted, admit, "{context}: admitted");
                if admitted {
                    if ok {
                        model.success();
                    } else {
                        model.failure();
                    }
                }
            }
            Op::ShutOff => {
                nozzle.shut_off();
                model.shut_off();
            }
            Op::Tick(choice) => {
                now = choice.resolve(now, config.interval);
                let expected = model.tick(now);
                let actual = nozzle.tick(now);
                match (actual, expected) {
                    (None, None) => {}
                    (Some(actual), Some(expected)) => {
                        assert_transition(&actual, &expected, &format!("{context}, now {now}"))
                    }
                    (actual, expected) => panic!(
                        "{context}: tick({now}) returned {actual:?}, the model expects {expected:?}"
                    ),
                }
            }
        }
        check_state(&nozzle, &model, &context);
    }

    // Outcomes of permits still held count in the current interval.
    for permit in open_permits.drain(..) {
        permit.success();
        model.success();
    }
    check_state(&nozzle, &model, "after draining held permits");
}

/// Asserts that a rejection is one the model expects, with its reason, flow
/// rate and a message.
fn check_rejection(rejected: &Rejected, admit: bool, model: &Model, context: &str) {
    assert!(!admit, "{context}: rejected ({rejected}), the model admits");
    assert_eq!(
        rejected.reason(),
        expected_reason(model),
        "{context}: reason"
    );
    assert_eq!(
        rejected.flow_rate(),
        model.visible_flow(),
        "{context}: rejection flow"
    );
    assert!(!rejected.to_string().is_empty(), "{context}: message");
}

/// Asserts everything a reader can observe, and that the snapshot's two rates
/// add up to 100.
fn check_state(nozzle: &Nozzle, model: &Model, context: &str) {
    assert_observed(nozzle, model, context);
    let snapshot = nozzle.snapshot();
    let rate = snapshot.failure_rate();
    assert!(rate <= 100, "{context}: failure rate {rate}");
    assert_eq!(
        u16::from(rate) + u16::from(snapshot.success_rate()),
        100,
        "{context}: rates add up"
    );
}
