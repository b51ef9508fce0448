//! Reports of a nozzle: its direction, a snapshot of the current interval, and
//! the transition that closing an interval produces.

use core::fmt;

/// Direction in which the flow rate last moved.
///
/// The nozzle is always moving: after a healthy interval it is `Opening` (a
/// no-op at 100 %), after an unhealthy one `Closing` (a no-op at 0 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// The last judged interval was healthy; the flow rate rises or stays at 100.
    Opening,
    /// The last judged interval failed too often; the flow rate falls or stays at 0.
    Closing,
}

impl State {
    pub(crate) const fn from_closing(closing: bool) -> State {
        if closing {
            State::Closing
        } else {
            State::Opening
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Opening => "opening",
            State::Closing => "closing",
        })
    }
}

/// Counters of one interval and the flow rate in force during it.
///
/// Every counter saturates at [`COUNT_MAX`](crate::COUNT_MAX) instead of
/// wrapping. `successes + failures` may exceed `allowed`: an outcome counts in
/// the interval in which it is reported, which for a long call is a later one
/// than the interval that admitted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// Flow rate in percent, `0..=100` (0 once shut off).
    pub flow_rate: u8,
    /// Direction of the last move.
    pub state: State,
    /// Attempts admitted.
    pub allowed: u32,
    /// Attempts rejected.
    pub blocked: u32,
    /// Permits reported as successes.
    pub successes: u32,
    /// Permits reported as failures, plus abandoned permits when the nozzle
    /// is configured with [`Abandon::AsFailure`](crate::Abandon::AsFailure).
    pub failures: u32,
    /// Permits dropped without an outcome, whatever the abandon policy.
    pub abandoned: u32,
}

impl Snapshot {
    /// Returns `failures * 100 / (successes + failures)`, rounded down, or 0
    /// when there were no outcomes.
    #[must_use]
    pub const fn failure_rate(&self) -> u8 {
        failure_rate(self.successes, self.failures)
    }

    /// Returns `100 - failure_rate()`, so the two always add up to 100; with no
    /// outcomes it is 100.
    #[must_use]
    pub const fn success_rate(&self) -> u8 {
        100u8.saturating_sub(self.failure_rate())
    }
}

/// Integer failure rate in percent, rounded down; 0 with no outcomes.
///
/// The product is formed in `u64`, so `u32::MAX` failures give 100, not a
/// wrapped value.
pub(crate) const fn failure_rate(successes: u32, failures: u32) -> u8 {
    let total = (successes as u64).saturating_add(failures as u64);
    // failures <= total, so the quotient is at most 100 and fits in a u8.
    match (failures as u64).saturating_mul(100).checked_div(total) {
        Some(rate) => rate as u8,
        None => 0,
    }
}

/// Judgement of a closed interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// The failure rate was at or below the allowed percent: the nozzle opened.
    Healthy,
    /// The failure rate was above the allowed percent: the nozzle closed.
    Failing,
    /// The nozzle is shut off; the flow rate stays at 0 and no rule applies.
    ShutOff,
    /// An operator pinned the flow rate; no rule applies until it resumes.
    Pinned,
    /// Too few outcomes to judge (see
    /// [`Config::min_samples`](crate::Config::min_samples)). The counts carry
    /// over into the next interval, so this transition's `closed` counts are
    /// zero and the transition that judges the window reports them all.
    Deferred,
}

/// The record of one interval close, returned by the one
/// [`tick`](crate::Nozzle::tick) call that performed it.
///
/// It is taken in the same critical step as the close: `closed` contains exactly
/// the counts that were judged and reset, and `flow_rate`/`state` are the values
/// that the close installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transition {
    /// Sequence number of this close, starting at 1. Transitions reported
    /// from different threads can be put back in order by it; it saturates at
    /// `u64::MAX`.
    pub seq: u64,
    /// Start of the closed interval, in host units.
    pub start: u64,
    /// Start of the next interval: the latest interval boundary at or before the
    /// `now` passed to `tick`.
    pub end: u64,
    /// Counters of the closed interval and the flow rate in force during it.
    pub closed: Snapshot,
    /// Flow rate installed by the close.
    pub flow_rate: u8,
    /// Direction installed by the close.
    pub state: State,
    /// Judgement of the closed interval.
    pub verdict: Verdict,
    /// True when an operator action (pin, resume, reset, shut-off, or a
    /// settings change) took effect since the previous transition.
    pub operator: bool,
}

impl Transition {
    /// Returns the failure rate of the closed interval (see
    /// [`Snapshot::failure_rate`]).
    #[must_use]
    pub const fn failure_rate(&self) -> u8 {
        self.closed.failure_rate()
    }

    /// Returns true when the close changed the flow rate or the direction.
    #[must_use]
    pub fn changed(&self) -> bool {
        self.flow_rate != self.closed.flow_rate || self.state != self.closed.state
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::string::ToString;

    fn snapshot(successes: u32, failures: u32) -> Snapshot {
        Snapshot {
            flow_rate: 100,
            state: State::Opening,
            allowed: 0,
            blocked: 0,
            successes,
            failures,
            abandoned: 0,
        }
    }

    #[test]
    fn failure_rate_rounds_down() {
        assert_eq!(snapshot(71, 29).failure_rate(), 29);
        assert_eq!(snapshot(2, 1).failure_rate(), 33);
        assert_eq!(snapshot(1, 2).failure_rate(), 66);
        assert_eq!(snapshot(0, 0).failure_rate(), 0);
        assert_eq!(snapshot(0, 0).success_rate(), 100);
        assert_eq!(snapshot(1, 2).success_rate(), 34);
    }

    #[test]
    fn failure_rate_never_wraps() {
        assert_eq!(failure_rate(0, u32::MAX), 100);
        assert_eq!(failure_rate(u32::MAX, u32::MAX), 50);
        assert_eq!(failure_rate(u32::MAX, 1), 0);
        assert_eq!(failure_rate(0, 43_000_000), 100);
    }

    #[test]
    fn state_displays_lowercase() {
        assert_eq!(State::Opening.to_string(), "opening");
        assert_eq!(State::Closing.to_string(), "closing");
    }
}
