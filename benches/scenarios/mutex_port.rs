//! A `std::sync::Mutex` port of the nozzle's rules: the baseline that shows what
//! the lock-free layout buys.
//!
//! It implements the same admission rule, outcome counts, interval close
//! (failure rate, doubling step saturating at ±128, anchored boundaries, clock
//! resets) and transition record as `nozzle::Nozzle`, the straightforward way:
//! one struct of plain fields behind one mutex. Every operation takes the lock
//! once, so `try_acquire` plus `success` takes it twice. `shut_off` and the
//! `Abandon::AsFailure` policy are left out because no benchmark uses them.
//! The harness checks the port against the nozzle before it measures anything
//! (see `checks`).

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Saturation bound of the reported counts, as in the nozzle.
const COUNT_MAX: u32 = nozzle::COUNT_MAX;

/// Largest step magnitude.
const MAX_STEP: i16 = 128;

/// Everything the rules track, behind one lock.
#[derive(Debug)]
struct State {
    /// Flow rate in percent, `0..=100`.
    flow: u8,
    /// Direction: true while closing.
    closing: bool,
    /// Signed step, `-128..=128`.
    step: i16,
    /// Attempts admitted in this interval. Kept in 64 bits so that admission
    /// decisions stay exact however many attempts an interval sees.
    allowed: u64,
    /// Attempts rejected in this interval.
    blocked: u64,
    successes: u32,
    failures: u32,
    abandoned: u32,
    /// Start of the current interval in host units.
    start: u64,
    /// Number of intervals closed so far.
    seq: u64,
}

/// A flow controller with the nozzle's rules behind a `std::sync::Mutex`.
#[derive(Debug)]
pub struct MutexNozzle {
    state: Mutex<State>,
    interval: u64,
    allowed_failure_percent: u8,
}

/// An admitted call of a [`MutexNozzle`]. Dropping it without an outcome
/// counts it as abandoned.
#[derive(Debug)]
#[must_use]
pub struct MutexPermit<'a> {
    port: &'a MutexNozzle,
}

/// A rejected attempt, with the flow rate it was decided under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MutexRejected {
    pub flow_rate: u8,
}

/// The record of one interval close, with the fields the harness compares
/// against `nozzle::Transition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MutexTransition {
    pub seq: u64,
    pub start: u64,
    pub end: u64,
    pub closed_flow_rate: u8,
    pub closed_closing: bool,
    pub allowed: u32,
    pub blocked: u32,
    pub successes: u32,
    pub failures: u32,
    pub abandoned: u32,
    pub flow_rate: u8,
    pub closing: bool,
}

impl MutexNozzle {
    /// Creates a fully open port whose first interval starts at time 0.
    ///
    /// # Panics
    ///
    /// If `interval` is 0 or `allowed_failure_percent` is above 100, the same
    /// values that `nozzle::Nozzle::new` rejects.
    pub fn new(interval: u64, allowed_failure_percent: u8) -> MutexNozzle {
        assert!(interval > 0, "invalid interval: 0, expected at least 1");
        assert!(
            allowed_failure_percent <= 100,
            "invalid allowed_failure_percent: {allowed_failure_percent}, expected 0..=100"
        );
        MutexNozzle {
            state: Mutex::new(State {
                flow: 100,
                closing: false,
                step: 0,
                allowed: 0,
                blocked: 0,
                successes: 0,
                failures: 0,
                abandoned: 0,
                start: 0,
                seq: 0,
            }),
            interval,
            allowed_failure_percent,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave a field half written:
        // every update below is a single store.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides one call and counts it as allowed or blocked.
    #[inline]
    pub fn try_acquire(&self) -> Result<MutexPermit<'_>, MutexRejected> {
        let mut state = self.lock();
        let attempt = state.allowed.saturating_add(state.blocked);
        let admit = match state.flow {
            100 => true,
            0 => false,
            flow => {
                attempt == 0
                    || state.allowed.saturating_mul(100) < u64::from(flow).saturating_mul(attempt)
            }
        };
        if admit {
            state.allowed = state.allowed.saturating_add(1);
            Ok(MutexPermit { port: self })
        } else {
            state.blocked = state.blocked.saturating_add(1);
            Err(MutexRejected {
                flow_rate: state.flow,
            })
        }
    }

    /// Returns the flow rate in percent.
    pub fn flow_rate(&self) -> u8 {
        self.lock().flow
    }

    /// Closes the current interval if `now` is at least one interval past its
    /// start, with the same timing rules as `nozzle::Nozzle::tick`.
    #[inline]
    pub fn tick(&self, now: u64) -> Option<MutexTransition> {
        let mut state = self.lock();
        let start = state.start;
        match now.checked_sub(start) {
            Some(elapsed) if elapsed < self.interval => None,
            Some(elapsed) => {
                let boundary = now - elapsed % self.interval;
                Some(self.close(&mut state, boundary))
            }
            None => {
                if start - now > self.interval {
                    state.start = now;
                }
                None
            }
        }
    }

    fn close(&self, state: &mut State, boundary: u64) -> MutexTransition {
        let outcomes = u64::from(state.successes) + u64::from(state.failures);
        let failure_rate = match (u64::from(state.failures) * 100).checked_div(outcomes) {
            Some(rate) => rate as u8,
            None => 0,
        };
        let closing = failure_rate > self.allowed_failure_percent;
        let before_flow = state.flow;
        let before_closing = state.closing;
        let at_limit = if closing {
            state.flow == 0
        } else {
            state.flow == 100
        };
        if !at_limit {
            let movement = if closing {
                state.step.min(-1)
            } else {
                state.step.max(1)
            };
            state.flow = (i16::from(state.flow) + movement).clamp(0, 100) as u8;
            state.step = (movement * 2).clamp(-MAX_STEP, MAX_STEP);
        }
        state.closing = closing;

        state.seq = state.seq.saturating_add(1);
        let transition = MutexTransition {
            seq: state.seq,
            start: state.start,
            end: boundary,
            closed_flow_rate: before_flow,
            closed_closing: before_closing,
            allowed: saturate(state.allowed),
            blocked: saturate(state.blocked),
            successes: state.successes,
            failures: state.failures,
            abandoned: state.abandoned,
            flow_rate: state.flow,
            closing,
        };
        state.allowed = 0;
        state.blocked = 0;
        state.successes = 0;
        state.failures = 0;
        state.abandoned = 0;
        state.start = boundary;
        transition
    }
}

impl MutexPermit<'_> {
    /// Reports the call as a success.
    #[inline]
    pub fn success(self) {
        let mut state = self.port.lock();
        state.successes = add_count(state.successes);
        drop(state);
        std::mem::forget(self);
    }

    /// Reports the call as a failure.
    #[inline]
    pub fn failure(self) {
        let mut state = self.port.lock();
        state.failures = add_count(state.failures);
        drop(state);
        std::mem::forget(self);
    }
}

impl Drop for MutexPermit<'_> {
    fn drop(&mut self) {
        let mut state = self.port.lock();
        state.abandoned = add_count(state.abandoned);
    }
}

fn add_count(count: u32) -> u32 {
    count.saturating_add(1).min(COUNT_MAX)
}

fn saturate(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(COUNT_MAX).min(COUNT_MAX)
}
