//! Helpers shared by the integration tests: the call shorthands of the failure
//! scenarios, and a plain sequential model of the reference rules.
//!
//! The model is written from the rules as stated (a ratio test over explicit
//! `allowed`/`blocked` counters, a step that doubles), not from the crate's
//! packed representation, so that the two can be compared. The fuzz targets
//! include this file too (`fuzz/src/lib.rs`).

#![allow(dead_code)]

pub mod acceptance;

use nozzle::{Nozzle, Reason, State, StepPolicy, Transition, Verdict, COUNT_MAX};

/// Makes `attempts` calls and reports a failure for each admitted one.
/// Returns how many were admitted.
pub fn fail(nozzle: &Nozzle, attempts: usize) -> usize {
    let mut admitted = 0;
    for _ in 0..attempts {
        if let Ok(permit) = nozzle.try_acquire() {
            permit.failure();
            admitted += 1;
        }
    }
    admitted
}

/// Makes `attempts` calls and reports a success for each admitted one.
/// Returns how many were admitted.
pub fn succeed(nozzle: &Nozzle, attempts: usize) -> usize {
    let mut admitted = 0;
    for _ in 0..attempts {
        if let Ok(permit) = nozzle.try_acquire() {
            permit.success();
            admitted += 1;
        }
    }
    admitted
}

/// The flow rates that ten failing calls before each of `tick(1000)` ..
/// `tick(7000)` produce from a new nozzle.
pub const DRIVE_TO_ZERO: [u8; 7] = [99, 97, 93, 85, 69, 37, 0];

/// Fails ten calls before each of `tick(1000)` .. `tick(7000)`, checking the
/// flow after each tick. Interval 1000, allowed failure percent 50.
pub fn drive_to_zero(nozzle: &Nozzle) {
    for (i, expected) in DRIVE_TO_ZERO.iter().enumerate() {
        fail(nozzle, 10);
        let now = 1_000 * (i as u64 + 1);
        let transition = nozzle.tick(now).expect("interval due");
        assert_eq!(transition.flow_rate, *expected, "flow after tick({now})");
        assert_eq!(transition.state, State::Closing, "state after tick({now})");
    }
}

/// Caps a model count the way the crate's counters saturate.
pub fn cap(count: u64) -> u32 {
    count.min(u64::from(COUNT_MAX)) as u32
}

/// Step policy of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelPolicy {
    Doubling,
    Aimd { increase: i64, decrease_factor: i64 },
}

/// The model's version of the crate's step policy.
impl From<StepPolicy> for ModelPolicy {
    fn from(policy: StepPolicy) -> ModelPolicy {
        match policy {
            StepPolicy::Doubling => ModelPolicy::Doubling,
            StepPolicy::Aimd {
                increase,
                decrease_factor,
            } => ModelPolicy::Aimd {
                increase: i64::from(increase),
                decrease_factor: i64::from(decrease_factor),
            },
        }
    }
}

/// A sequential model of the reference rules, plus the extensions: operator
/// actions, a minimum sample count, and AIMD steps.
#[derive(Clone, Debug)]
pub struct Model {
    pub interval: u64,
    pub allowed_failure_percent: u64,
    pub abandon_as_failure: bool,
    pub min_samples: u64,
    pub policy: ModelPolicy,
    pub flow: i64,
    pub closing: bool,
    pub step: i64,
    /// Counts of the interval (or minimum-volume window) so far.
    pub allowed: u64,
    pub blocked: u64,
    pub successes: u64,
    pub failures: u64,
    pub abandoned: u64,
    /// Attempts since the flow rate was last set, which the admission rule
    /// counts: a close or an operator's flow change starts them again.
    pub segment_allowed: u64,
    pub segment_blocked: u64,
    pub start: u64,
    pub seq: u64,
    pub shut: bool,
    pub pinned: bool,
    pub operator: bool,
    /// Intervals deferred in the current minimum-volume window.
    pub age: u32,
}

/// Most intervals one minimum-volume window spans.
pub const WINDOW: u32 = 8;

/// How the model judged an interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelVerdict {
    Healthy,
    Failing,
    ShutOff,
    Pinned,
    Deferred,
}

/// What the model expects from one interval close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelClose {
    pub seq: u64,
    pub start: u64,
    pub end: u64,
    pub allowed: u32,
    pub blocked: u32,
    pub successes: u32,
    pub failures: u32,
    pub abandoned: u32,
    pub closed_flow: u8,
    pub closed_closing: bool,
    /// Failure rate of the closed interval, from the capped counts.
    pub failure_rate: u8,
    pub flow: u8,
    pub closing: bool,
    pub verdict: ModelVerdict,
    pub operator: bool,
}

impl Model {
    pub fn new(interval: u64, allowed_failure_percent: u8, abandon_as_failure: bool) -> Model {
        Model {
            interval,
            allowed_failure_percent: u64::from(allowed_failure_percent),
            abandon_as_failure,
            min_samples: 0,
            policy: ModelPolicy::Doubling,
            flow: 100,
            closing: false,
            step: 0,
            allowed: 0,
            blocked: 0,
            successes: 0,
            failures: 0,
            abandoned: 0,
            segment_allowed: 0,
            segment_blocked: 0,
            start: 0,
            seq: 0,
            shut: false,
            pinned: false,
            operator: false,
            age: 0,
        }
    }

    /// The reference admission rule over explicit counters.
    pub fn attempt(&mut self) -> bool {
        let k = self.segment_allowed + self.segment_blocked;
        let a = self.segment_allowed;
        let admit = if self.shut || self.flow == 0 {
            false
        } else if self.flow == 100 {
            true
        } else {
            k == 0 || 100 * u128::from(a) < self.flow as u128 * u128::from(k)
        };
        if admit {
            self.allowed += 1;
            self.segment_allowed += 1;
        } else {
            self.blocked += 1;
            self.segment_blocked += 1;
        }
        admit
    }

    pub fn success(&mut self) {
        self.successes += 1;
    }

    pub fn failure(&mut self) {
        self.failures += 1;
    }

    pub fn abandon(&mut self) {
        self.abandoned += 1;
    }

    fn restart_segment(&mut self) {
        self.segment_allowed = 0;
        self.segment_blocked = 0;
    }

    /// Shuts off: counts so far stay, later attempts are all blocked.
    pub fn shut_off(&mut self) {
        if self.shut {
            return;
        }
        self.shut = true;
        self.closing = true;
        self.pinned = false;
        self.operator = true;
        self.restart_segment();
    }

    pub fn pin(&mut self, flow: u8) {
        if self.shut {
            return;
        }
        self.flow = i64::from(flow);
        self.pinned = true;
        self.age = 0;
        self.operator = true;
        self.restart_segment();
    }

    pub fn resume(&mut self) {
        if self.shut {
            return;
        }
        if self.pinned {
            self.pinned = false;
            self.step = 0;
            self.age = 0;
        }
        self.operator = true;
    }

    pub fn reset(&mut self) {
        if self.shut {
            return;
        }
        self.flow = 100;
        self.closing = false;
        self.step = 0;
        self.pinned = false;
        self.age = 0;
        self.operator = true;
        self.restart_segment();
    }

    pub fn set_allowed_failure_percent(&mut self, percent: u8) {
        self.allowed_failure_percent = u64::from(percent);
        self.operator = true;
    }

    pub fn set_interval(&mut self, interval: u64) {
        self.interval = interval;
        self.operator = true;
    }

    pub fn visible_flow(&self) -> u8 {
        if self.shut {
            0
        } else {
            self.flow as u8
        }
    }

    pub fn state(&self) -> State {
        state(self.closing)
    }

    pub fn judged_failures(&self) -> u64 {
        if self.abandon_as_failure {
            u64::from(cap(self.failures)) + u64::from(cap(self.abandoned))
        } else {
            self.failures
        }
    }

    pub fn tick(&mut self, now: u64) -> Option<ModelClose> {
        if now >= self.start {
            let elapsed = now - self.start;
            if elapsed < self.interval {
                return None;
            }
            let boundary = self.start + (elapsed / self.interval) * self.interval;
            Some(self.close(boundary))
        } else {
            if self.start - now > self.interval {
                self.start = now;
            }
            None
        }
    }

    fn defers(&self) -> bool {
        let samples = u64::from(cap(self.successes)) + u64::from(cap(self.judged_failures()));
        !self.shut
            && !self.pinned
            && self.min_samples > 0
            && self.flow > 1
            && self.age + 1 < WINDOW
            && samples.min(u64::from(COUNT_MAX)) < self.min_samples
    }

    fn close(&mut self, boundary: u64) -> ModelClose {
        let operator = std::mem::take(&mut self.operator);
        let closed_flow = self.visible_flow();
        let closed_closing = self.closing;
        self.seq += 1;
        let start = std::mem::replace(&mut self.start, boundary);

        if self.defers() {
            self.age += 1;
            return ModelClose {
                seq: self.seq,
                start,
                end: boundary,
                allowed: 0,
                blocked: 0,
                successes: 0,
                failures: 0,
                abandoned: 0,
                closed_flow,
                closed_closing,
                failure_rate: 0,
                flow: closed_flow,
                closing: closed_closing,
                verdict: ModelVerdict::Deferred,
                operator,
            };
        }

        // The crate's counters saturate before the rate is computed.
        let successes = u64::from(cap(self.successes));
        let failures = u64::from(cap(self.judged_failures()));
        // No outcomes: a rate of 0.
        let rate = (failures * 100)
            .checked_div(successes + failures)
            .unwrap_or(0);
        let verdict = if self.shut {
            ModelVerdict::ShutOff
        } else if self.pinned {
            ModelVerdict::Pinned
        } else if rate > self.allowed_failure_percent {
            self.move_flow(true);
            ModelVerdict::Failing
        } else {
            self.move_flow(false);
            ModelVerdict::Healthy
        };
        let record = ModelClose {
            seq: self.seq,
            start,
            end: boundary,
            allowed: cap(self.allowed),
            blocked: cap(self.blocked),
            successes: cap(self.successes),
            failures: cap(self.judged_failures()),
            abandoned: cap(self.abandoned),
            closed_flow,
            closed_closing,
            failure_rate: rate as u8,
            flow: self.visible_flow(),
            closing: self.closing,
            verdict,
            operator,
        };
        self.allowed = 0;
        self.blocked = 0;
        self.successes = 0;
        self.failures = 0;
        self.abandoned = 0;
        self.age = 0;
        self.restart_segment();
        record
    }

    fn move_flow(&mut self, closing: bool) {
        self.closing = closing;
        match self.policy {
            ModelPolicy::Doubling => {
                let at_limit = if closing {
                    self.flow == 0
                } else {
                    self.flow == 100
                };
                if !at_limit {
                    let movement = if closing {
                        self.step.min(-1)
                    } else {
                        self.step.max(1)
                    };
                    self.flow = (self.flow + movement).clamp(0, 100);
                    self.step = (2 * movement).clamp(-128, 128);
                }
            }
            ModelPolicy::Aimd {
                increase,
                decrease_factor,
            } => {
                self.flow = if closing {
                    self.flow * decrease_factor / 100
                } else {
                    (self.flow + increase).min(100)
                };
            }
        }
    }
}

/// Returns the direction for a model's `closing` flag.
pub fn state(closing: bool) -> State {
    if closing {
        State::Closing
    } else {
        State::Opening
    }
}

/// Asserts that a transition matches the model's close, field by field.
pub fn assert_transition(actual: &Transition, expected: &ModelClose, context: &str) {
    assert_eq!(actual.seq, expected.seq, "{context}: seq");
    assert_eq!(actual.start, expected.start, "{context}: start");
    assert_eq!(actual.end, expected.end, "{context}: end");
    assert_eq!(
        actual.closed.allowed, expected.allowed,
        "{context}: allowed"
    );
    assert_eq!(
        actual.closed.blocked, expected.blocked,
        "{context}: blocked"
    );
    assert_eq!(
        actual.closed.successes, expected.successes,
        "{context}: successes"
    );
    assert_eq!(
        actual.closed.failures, expected.failures,
        "{context}: failures"
    );
    assert_eq!(
        actual.closed.abandoned, expected.abandoned,
        "{context}: abandoned"
    );
    assert_eq!(
        actual.closed.flow_rate, expected.closed_flow,
        "{context}: closed flow"
    );
    assert_eq!(
        actual.closed.state,
        state(expected.closed_closing),
        "{context}: closed state"
    );
    assert_eq!(actual.flow_rate, expected.flow, "{context}: new flow");
    assert_eq!(
        actual.state,
        state(expected.closing),
        "{context}: new state"
    );
    assert_eq!(
        actual.failure_rate(),
        expected.failure_rate,
        "{context}: failure rate"
    );
    let changed =
        expected.flow != expected.closed_flow || expected.closing != expected.closed_closing;
    assert_eq!(actual.changed(), changed, "{context}: changed()");
    let verdict = match expected.verdict {
        ModelVerdict::Healthy => Verdict::Healthy,
        ModelVerdict::Failing => Verdict::Failing,
        ModelVerdict::ShutOff => Verdict::ShutOff,
        ModelVerdict::Pinned => Verdict::Pinned,
        ModelVerdict::Deferred => Verdict::Deferred,
    };
    assert_eq!(actual.verdict, verdict, "{context}: verdict");
    assert_eq!(actual.operator, expected.operator, "{context}: operator");
}

/// Returns the reason the model gives for rejecting an attempt now.
pub fn expected_reason(model: &Model) -> Reason {
    if model.shut {
        Reason::ShutOff
    } else if model.flow == 0 {
        Reason::FullyClosed
    } else {
        Reason::Throttled
    }
}

/// Asserts that everything a reader can observe between two operations
/// matches the model: flow, state, flags, settings and the snapshot.
pub fn assert_observed(nozzle: &Nozzle, model: &Model, context: &str) {
    assert_eq!(
        nozzle.flow_rate(),
        model.visible_flow(),
        "{context}: flow_rate()"
    );
    assert_eq!(nozzle.state(), model.state(), "{context}: state()");
    assert_eq!(nozzle.is_shut_off(), model.shut, "{context}: is_shut_off()");
    assert_eq!(nozzle.is_pinned(), model.pinned, "{context}: is_pinned()");

    let config = nozzle.config();
    assert_eq!(config.interval, model.interval, "{context}: interval");
    assert_eq!(
        u64::from(config.allowed_failure_percent),
        model.allowed_failure_percent,
        "{context}: allowed failure percent"
    );

    let snapshot = nozzle.snapshot();
    assert_eq!(
        snapshot.flow_rate,
        model.visible_flow(),
        "{context}: snapshot flow"
    );
    assert_eq!(snapshot.state, model.state(), "{context}: snapshot state");
    assert_eq!(snapshot.allowed, cap(model.allowed), "{context}: allowed");
    assert_eq!(snapshot.blocked, cap(model.blocked), "{context}: blocked");
    assert_eq!(
        snapshot.successes,
        cap(model.successes),
        "{context}: successes"
    );
    assert_eq!(
        snapshot.failures,
        cap(model.judged_failures()),
        "{context}: failures"
    );
    assert_eq!(
        snapshot.abandoned,
        cap(model.abandoned),
        "{context}: abandoned"
    );
}
