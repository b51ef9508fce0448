//! The interval close: when an interval is due, how it is judged, and the
//! procedure that swaps its counters out.
//!
//! A close runs under the interval lock (see `lock`), so at most one runs at a
//! time. It proceeds in this order:
//!
//! 1. swap each outcome counter to zero, keeping what it held;
//! 2. judge those outcomes and replace the admission word (attempt count, flow
//!    rate, direction) in one compare-and-swap, retried if an attempt got in
//!    between;
//! 3. advance the sequence number and the interval start.
//!
//! Each count therefore lands wholly in the closed interval or wholly in the
//! next one. An outcome reported between steps 1 and 2 counts in the next
//! interval, while an attempt made in that gap still counts in the closed one.
//! No count is lost or doubled either way.

use crate::admission::counts;
use crate::lock::LockGuard;
use crate::report::{failure_rate, Snapshot, State, Transition, Verdict};
use crate::sync::Ordering::Relaxed;
use crate::word::Admission;
use crate::{Nozzle, COUNT_MAX};

/// Position of `now` relative to the current interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timing {
    /// Inside the interval, or before its start by at most one interval
    /// (jitter, clocks read on different cores): nothing to do.
    NotDue,
    /// At least one interval after the start: close it. The next interval
    /// starts at `boundary`, the latest `start + k * interval` at or before `now`.
    Due { boundary: u64 },
    /// Before the start by more than one interval: the host clock was reset.
    /// The interval restarts at `now` without closing.
    ClockReset,
}

/// Classifies `now` against an interval that began at `start`.
#[inline]
pub(crate) const fn classify(start: u64, interval: u64, now: u64) -> Timing {
    if let Some(elapsed) = now.checked_sub(start) {
        if elapsed < interval {
            return Timing::NotDue;
        }
        // interval >= 1 is checked by Config::validate; checked_rem keeps a
        // zero from panicking all the same.
        let past_boundary = match elapsed.checked_rem(interval) {
            Some(rest) => rest,
            None => 0,
        };
        // past_boundary <= elapsed <= now, so this cannot underflow.
        return Timing::Due {
            boundary: now.saturating_sub(past_boundary),
        };
    }
    // now < start here, so start - now is at least 1.
    if start.saturating_sub(now) > interval {
        Timing::ClockReset
    } else {
        Timing::NotDue
    }
}

/// The flow rate, the direction and the signed step, which the rules move
/// together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flow {
    /// Flow rate in percent, `0..=100`.
    pub(crate) rate: u8,
    /// True while closing.
    pub(crate) closing: bool,
    /// Signed step, `-128..=128`.
    pub(crate) step: i16,
}

/// Largest step magnitude. Doubling past it could not move the flow rate any
/// further than 128 already does.
pub(crate) const MAX_STEP: i16 = 128;

/// Applies the reference rules to a closed interval whose failure rate was
/// `failure_rate`.
///
/// - Too many failures (`failure_rate > allowed_failure_percent`): close. If
///   the flow rate is above 0, move it by `m = min(step, -1)` and double the
///   step. The direction becomes closing even at 0.
/// - Otherwise open: if below 100, move by `m = max(step, 1)` and double.
///
/// The step saturates at ±[`MAX_STEP`], and the flow rate is clamped to
/// `0..=100`.
pub(crate) const fn judge(flow: Flow, failure_rate: u8, allowed_failure_percent: u8) -> Flow {
    let closing = failure_rate > allowed_failure_percent;
    let at_limit = if closing {
        flow.rate == 0
    } else {
        flow.rate == 100
    };
    if at_limit {
        return Flow { closing, ..flow };
    }
    let movement = if closing {
        min_i16(flow.step, -1)
    } else {
        max_i16(flow.step, 1)
    };
    // rate is in 0..=100 and movement in -128..=128, so the sum fits easily.
    let moved = (flow.rate as i16).saturating_add(movement);
    Flow {
        rate: max_i16(0, min_i16(moved, 100)) as u8,
        closing,
        step: max_i16(-MAX_STEP, min_i16(movement.saturating_mul(2), MAX_STEP)),
    }
}

const fn min_i16(a: i16, b: i16) -> i16 {
    if a < b {
        a
    } else {
        b
    }
}

const fn max_i16(a: i16, b: i16) -> i16 {
    if a > b {
        a
    } else {
        b
    }
}

impl Nozzle {
    /// Closes the current interval and starts the next one at `boundary`.
    ///
    /// The caller holds the interval lock; `guard.step` is the step before the
    /// close and holds the new one afterwards.
    pub(crate) fn close_interval(&self, guard: &mut LockGuard<'_>, boundary: u64) -> Transition {
        let successes = self.successes.take();
        let reported_failures = self.failures.take();
        let abandoned = self.abandoned.take();
        let carried_allowed = self.carried_allowed.take();
        let carried_blocked = self.carried_blocked.take();

        let failures = self.judged_failures(reported_failures, abandoned);
        let rate = failure_rate(successes, failures);
        let allowed_failure_percent = self.config.allowed_failure_percent;

        // Swap in the next admission word. The judgement is recomputed on each
        // retry, though only the attempt count can have changed under us.
        let mut current = self.admission.load(Relaxed);
        let (closed, next, judged) = loop {
            let closed = Admission::unpack(current);
            let judged = if closed.is_shut() {
                None
            } else {
                let before = Flow {
                    rate: closed.flow,
                    closing: closed.closing,
                    step: guard.step,
                };
                Some(judge(before, rate, allowed_failure_percent))
            };
            let next = match judged {
                Some(flow) => Admission {
                    attempts: 0,
                    flow: flow.rate,
                    closing: flow.closing,
                },
                None => Admission {
                    attempts: 0,
                    ..closed
                },
            };
            // Relaxed: the admission word carries everything an attempt needs,
            // and the lock's release publishes the rest of the close.
            match self
                .admission
                .compare_exchange_weak(current, next.pack(), Relaxed, Relaxed)
            {
                Ok(_) => break (closed, next, judged),
                Err(actual) => current = actual,
            }
        };
        let verdict = match judged {
            None => Verdict::ShutOff,
            Some(flow) => {
                guard.step = flow.step;
                if flow.closing {
                    Verdict::Failing
                } else {
                    Verdict::Healthy
                }
            }
        };

        let (allowed, blocked) = counts(closed);
        let seq = self.seq.get().saturating_add(1);
        self.seq.set(seq);
        let start = self.start.get();
        self.start.set(boundary);

        Transition {
            seq,
            start,
            end: boundary,
            closed: Snapshot {
                flow_rate: closed.visible_flow(),
                state: State::from_closing(closed.closing),
                allowed: add_counts(carried_allowed, allowed),
                blocked: add_counts(carried_blocked, blocked),
                successes,
                failures,
                abandoned,
            },
            flow_rate: next.visible_flow(),
            state: State::from_closing(next.closing),
            verdict,
        }
    }
}

/// Adds two counts, saturating at [`COUNT_MAX`].
pub(crate) const fn add_counts(a: u32, b: u32) -> u32 {
    let sum = a.saturating_add(b);
    if sum > COUNT_MAX {
        COUNT_MAX
    } else {
        sum
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn flow(rate: u8, closing: bool, step: i16) -> Flow {
        Flow {
            rate,
            closing,
            step,
        }
    }

    #[test]
    fn steady_failure_follows_reference_trajectory() {
        let mut current = flow(100, false, 0);
        let mut rates = [0u8; 8];
        for rate in &mut rates {
            current = judge(current, 90, 50);
            *rate = current.rate;
        }
        assert_eq!(rates, [99, 97, 93, 85, 69, 37, 0, 0]);
        assert!(current.closing);
        assert_eq!(current.step, -128);
    }

    #[test]
    fn reopen_from_zero_doubles_to_full() {
        let mut current = flow(0, true, -128);
        let mut rates = [0u8; 8];
        for rate in &mut rates {
            current = judge(current, 0, 50);
            *rate = current.rate;
        }
        assert_eq!(rates, [1, 3, 7, 15, 31, 63, 100, 100]);
        assert_eq!(current.step, 128);
        assert!(!current.closing);
    }

    #[test]
    fn full_step_resets_on_direction_change() {
        let after = judge(flow(100, false, 128), 100, 50);
        assert_eq!(after, flow(99, true, -2));
    }

    #[test]
    fn threshold_is_healthy() {
        assert_eq!(judge(flow(100, false, 0), 50, 50), flow(100, false, 0));
        assert_eq!(judge(flow(100, false, 0), 51, 50), flow(99, true, -2));
    }

    #[test]
    fn closing_at_zero_keeps_step() {
        assert_eq!(judge(flow(0, true, -128), 100, 50), flow(0, true, -128));
        assert_eq!(judge(flow(0, false, 4), 100, 50), flow(0, true, 4));
    }

    #[test]
    fn step_saturates_at_max() {
        assert_eq!(judge(flow(50, true, -128), 100, 50), flow(0, true, -128));
        assert_eq!(judge(flow(50, false, 128), 0, 50), flow(100, false, 128));
    }

    #[test]
    fn classify_boundaries() {
        assert_eq!(classify(0, 1_000, 0), Timing::NotDue);
        assert_eq!(classify(0, 1_000, 999), Timing::NotDue);
        assert_eq!(classify(0, 1_000, 1_000), Timing::Due { boundary: 1_000 });
        assert_eq!(classify(0, 1_000, 1_999), Timing::Due { boundary: 1_000 });
        assert_eq!(classify(0, 1_000, 17_500), Timing::Due { boundary: 17_000 });
        assert_eq!(classify(5_000, 1_000, 4_000), Timing::NotDue);
        assert_eq!(classify(5_000, 1_000, 3_999), Timing::ClockReset);
        assert_eq!(classify(u64::MAX, 1_000, 0), Timing::ClockReset);
        assert_eq!(
            classify(0, 1_000, u64::MAX),
            Timing::Due {
                boundary: u64::MAX - u64::MAX % 1_000
            }
        );
        assert_eq!(
            classify(0, u64::MAX, u64::MAX),
            Timing::Due { boundary: u64::MAX }
        );
        assert_eq!(classify(1, u64::MAX, u64::MAX), Timing::NotDue);
        assert_eq!(classify(0, 1, u64::MAX), Timing::Due { boundary: u64::MAX });
    }

    #[test]
    fn classify_survives_zero_interval() {
        assert_eq!(classify(10, 0, 10), Timing::Due { boundary: 10 });
        assert_eq!(classify(10, 0, 9), Timing::ClockReset);
    }

    #[test]
    fn add_counts_saturates() {
        assert_eq!(add_counts(COUNT_MAX, 1), COUNT_MAX);
        assert_eq!(add_counts(u32::MAX, u32::MAX), COUNT_MAX);
        assert_eq!(add_counts(2, 3), 5);
    }
}
