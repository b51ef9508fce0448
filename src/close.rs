//! The interval close: when an interval is due, and the procedure that judges
//! it and swaps its counters out.
//!
//! A close runs under the interval lock (see `lock`), so at most one runs at a
//! time, and it alone changes the flow rate and the state kept in the lock
//! word. A judged close proceeds in this order:
//!
//! 1. swap each outcome counter to zero, keeping what it held;
//! 2. judge those outcomes, then replace each admission word (attempt count,
//!    flow rate, direction) with one compare-and-swap, retried if an attempt
//!    got in between;
//! 3. advance the sequence number and the interval start.
//!
//! Each count therefore lands wholly in the closed interval or wholly in the
//! next one. An outcome reported between steps 1 and 2 counts in the next
//! interval, while an attempt made in that gap still counts in the closed one.
//! No count is lost or doubled either way.
//!
//! A close that defers judgement for lack of samples (see
//! [`Config::min_samples`](crate::Config::min_samples)) only advances the
//! interval: the counts stay where they are and carry into the next interval.

use crate::admission::counts;
use crate::lock::LockGuard;
use crate::priority::Lanes;
use crate::report::{failure_rate, Snapshot, State, Transition, Verdict};
use crate::rules::{judge, Flow};
use crate::sync::Ordering::Relaxed;
use crate::word::{Admission, LockWord, Settings, MAX_WINDOW_INTERVALS};
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
        // A tick that comes within the next interval, the usual case, needs no
        // 64-bit division, which is slow on 32-bit microcontrollers.
        let past_one = elapsed.saturating_sub(interval);
        let past_boundary = if past_one < interval {
            past_one
        } else {
            // interval >= 1 is checked by Config::validate; checked_rem keeps a
            // zero from panicking all the same.
            match elapsed.checked_rem(interval) {
                Some(rest) => rest,
                None => 0,
            }
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

impl Nozzle {
    /// Advances the clock to `now` for the admission words in `lanes`.
    #[inline]
    pub(crate) fn tick_lanes(&self, now: u64, lanes: Lanes<'_>) -> Option<Transition> {
        if let (Some(start), Some(interval)) = (self.start.peek(), self.interval.value.peek()) {
            if matches!(classify(start, interval, now), Timing::NotDue) {
                return None;
            }
        }
        self.tick_locked(now, lanes)
    }

    /// The rest of `tick`, out of line so that the check above stays small
    /// enough to inline: takes the interval lock and closes the interval if it
    /// is still due.
    #[inline(never)]
    fn tick_locked(&self, now: u64, lanes: Lanes<'_>) -> Option<Transition> {
        let mut guard = self.try_lock(lanes)?;
        match classify(self.start.get(), self.interval.value.get(), now) {
            Timing::NotDue => None,
            Timing::ClockReset => {
                self.start.set(now);
                None
            }
            Timing::Due { boundary } => Some(self.close_interval(&mut guard, boundary)),
        }
    }

    /// Closes the current interval and starts the next one at `boundary`.
    ///
    /// The caller holds the interval lock; `guard.state` holds the step, the
    /// pin and the window age before the close and receives them afterwards.
    fn close_interval(&self, guard: &mut LockGuard<'_>, boundary: u64) -> Transition {
        // Relaxed: the settings word publishes nothing else. The flag is
        // cleared by an atomic AND, and only when it is set, so each change is
        // reported once and the usual close skips the locked instruction.
        let mut settings = Settings(self.settings.load(Relaxed));
        if settings.changed() {
            settings = Settings(self.settings.fetch_and(!Settings::CHANGED, Relaxed));
        }
        let operator = settings.changed() || guard.state.has(LockWord::OPERATOR_ACTED);
        guard.state = guard.state.with_flag(LockWord::OPERATOR_ACTED, false);

        let control = Admission::unpack(self.admission.load(Relaxed));
        let before = Flow {
            rate: control.flow,
            closing: control.closing,
            step: guard.state.step(),
        };
        let shut = control.is_shut();
        let pinned = guard.state.has(LockWord::PINNED);

        if !shut && !pinned && self.defers(guard, control, settings) {
            return self.advance(guard, boundary, |seq, start| Transition {
                seq,
                start,
                end: boundary,
                closed: empty_snapshot(control),
                flow_rate: control.visible_flow(),
                state: State::from_closing(control.closing),
                verdict: Verdict::Deferred,
                operator,
            });
        }

        let successes = self.successes.take();
        let abandoned = self.abandoned.take();
        let failures = judged_failures(settings, self.failures.take(), abandoned);
        // Only lock holders write the carried counters.
        let carried_allowed = self.carried_allowed.take_locked();
        let carried_blocked = self.carried_blocked.take_locked();
        let rate = failure_rate(successes, failures);

        let (after, verdict) = if shut {
            (before, Verdict::ShutOff)
        } else if pinned {
            (before, Verdict::Pinned)
        } else {
            let after = judge(
                before,
                rate,
                settings.allowed_failure_percent(),
                settings.step_policy(),
            );
            let verdict = if after.closing {
                Verdict::Failing
            } else {
                Verdict::Healthy
            };
            (after, verdict)
        };
        let next = Admission {
            attempts: 0,
            flow: if shut { control.flow } else { after.rate },
            closing: after.closing,
        };
        let (allowed, blocked) = self.restart_lanes(guard.lanes, next, false);
        guard.state = guard.state.with_step(after.step).with_age(0);

        self.advance(guard, boundary, |seq, start| Transition {
            seq,
            start,
            end: boundary,
            closed: Snapshot {
                flow_rate: control.visible_flow(),
                state: State::from_closing(control.closing),
                allowed: add_counts(carried_allowed, allowed),
                blocked: add_counts(carried_blocked, blocked),
                successes,
                failures,
                abandoned,
            },
            flow_rate: next.visible_flow(),
            state: State::from_closing(next.closing),
            verdict,
            operator,
        })
    }

    /// Returns true, and counts one more interval in the window, when this
    /// interval has too few outcomes to be judged under `min_samples`.
    fn defers(&self, guard: &mut LockGuard<'_>, control: Admission, settings: Settings) -> bool {
        if self.min_samples == 0 || control.flow <= 1 {
            return false;
        }
        let age = guard.state.age();
        if age.saturating_add(1) >= MAX_WINDOW_INTERVALS {
            return false;
        }
        // Loads, not swaps: a deferred interval keeps its counts, so an outcome
        // that arrives after these loads is counted all the same.
        let samples = add_counts(
            self.successes.load(),
            judged_failures(settings, self.failures.load(), self.abandoned.load()),
        );
        if samples >= self.min_samples {
            return false;
        }
        guard.state = guard.state.with_age(age.saturating_add(1));
        true
    }

    /// Advances the sequence number and moves the interval start to
    /// `boundary`, then builds the transition from the new sequence number and
    /// the old start.
    fn advance(
        &self,
        _guard: &LockGuard<'_>,
        boundary: u64,
        transition: impl FnOnce(u64, u64) -> Transition,
    ) -> Transition {
        let seq = self.seq.get().saturating_add(1);
        self.seq.set(seq);
        let start = self.start.get();
        self.start.set(boundary);
        transition(seq, start)
    }

    /// Installs `next` (flow rate and direction, attempt count 0) in the
    /// control word and in every lane, and returns the `allowed` and `blocked`
    /// counts that the lanes held. With `carry`, those counts move into the
    /// carried counters instead, because the interval goes on.
    ///
    /// The caller holds the interval lock. That keeps the flow rate and
    /// direction of every word from changing under the swaps below, so only the
    /// attempt counts move.
    pub(crate) fn restart_lanes(
        &self,
        lanes: Lanes<'_>,
        next: Admission,
        carry: bool,
    ) -> (u32, u32) {
        let (allowed, blocked) = match lanes {
            Lanes::Single => counts(swap_attempts(&self.admission, next)),
            Lanes::Classes(classes) => {
                // The control word counts no attempts in this mode.
                let _ = swap_attempts(&self.admission, next);
                classes.restart(next, carry)
            }
        };
        if carry {
            self.carried_allowed.add(allowed);
            self.carried_blocked.add(blocked);
        }
        (allowed, blocked)
    }

    /// Returns the snapshot of the current interval for `lanes`.
    pub(crate) fn snapshot_lanes(&self, lanes: Lanes<'_>) -> Snapshot {
        // Relaxed: a sample; see `Nozzle::snapshot` on tearing.
        let control = Admission::unpack(self.admission.load(Relaxed));
        let (allowed, blocked) = match lanes {
            Lanes::Single => counts(control),
            Lanes::Classes(classes) => classes.counts(),
        };
        let settings = Settings(self.settings.load(Relaxed));
        let abandoned = self.abandoned.load();
        Snapshot {
            flow_rate: control.visible_flow(),
            state: State::from_closing(control.closing),
            allowed: add_counts(self.carried_allowed.load(), allowed),
            blocked: add_counts(self.carried_blocked.load(), blocked),
            successes: self.successes.load(),
            failures: judged_failures(settings, self.failures.load(), abandoned),
            abandoned,
        }
    }
}

/// Replaces `word` with `next`, keeping the swap atomic with any attempt that
/// races it, and returns what it held.
pub(crate) fn swap_attempts(word: &crate::sync::AtomicWord, next: Admission) -> Admission {
    // Relaxed: the admission word carries everything an attempt needs, and
    // the lock's release publishes the rest of the change. A plain swap would
    // do, but the flow field may be a class's own rate, so the word is
    // replaced whole either way.
    Admission::unpack(word.swap(next.pack(), Relaxed))
}

/// Returns the failures an interval is judged on: reported failures, plus
/// abandoned permits when they count as failures.
pub(crate) const fn judged_failures(settings: Settings, reported: u32, abandoned: u32) -> u32 {
    match settings.abandon() {
        crate::Abandon::Ignore => reported,
        crate::Abandon::AsFailure => add_counts(reported, abandoned),
    }
}

/// Returns a snapshot with the flow of `control` and no counts.
const fn empty_snapshot(control: Admission) -> Snapshot {
    Snapshot {
        flow_rate: control.visible_flow(),
        state: State::from_closing(control.closing),
        allowed: 0,
        blocked: 0,
        successes: 0,
        failures: 0,
        abandoned: 0,
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
