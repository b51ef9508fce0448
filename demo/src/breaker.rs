//! A classic circuit breaker, the pattern the nozzle is compared with.
//!
//! - **Closed:** every call goes through, and the outcomes of the last
//!   `window` calls are kept. The breaker trips once there are at least
//!   `minimum_calls` of them and their failure rate is above
//!   `failure_threshold_percent`.
//! - **Open:** every call is rejected until `cool_down_ms` have passed since
//!   the trip.
//! - **Half-open:** the first `trial_calls` calls go through and the rest are
//!   rejected. One failed trial opens the breaker again for a new cool-down;
//!   when all trials succeed, it closes with an empty window.
//!
//! Like the nozzle, the breaker reads no clock: callers pass the time in
//! milliseconds. Each admitted call gets a [`Ticket`] that carries the
//! breaker's generation, which changes with every state change, so an outcome
//! that arrives after the state it was admitted under has ended is ignored
//! instead of being judged against the wrong state.

use core::fmt;
use std::collections::VecDeque;

/// Settings of a [`Breaker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Failure rate, in percent, above which the closed breaker trips.
    pub failure_threshold_percent: u8,
    /// Number of most recent outcomes the closed breaker judges.
    pub window: usize,
    /// Outcomes needed in the window before the breaker may trip.
    pub minimum_calls: usize,
    /// Time, in milliseconds, the breaker stays open after a trip.
    pub cool_down_ms: u64,
    /// Calls admitted while half-open.
    pub trial_calls: u32,
}

/// An invalid [`BreakerConfig`] field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerConfigError {
    /// Name of the invalid field.
    pub field: &'static str,
    /// Its value.
    pub value: u64,
    /// The values it may take.
    pub expected: &'static str,
}

impl fmt::Display for BreakerConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid breaker setting {} = {}: expected {}",
            self.field, self.value, self.expected
        )
    }
}

impl std::error::Error for BreakerConfigError {}

impl BreakerConfig {
    /// Checks every field, returning the first invalid one.
    ///
    /// # Errors
    ///
    /// [`BreakerConfigError`] naming the field, its value and its valid range.
    pub fn validate(&self) -> Result<(), BreakerConfigError> {
        let checks = [
            (
                "failure_threshold_percent",
                u64::from(self.failure_threshold_percent),
                self.failure_threshold_percent <= 100,
                "0..=100",
            ),
            ("window", self.window as u64, self.window >= 1, "at least 1"),
            (
                "minimum_calls",
                self.minimum_calls as u64,
                (1..=self.window).contains(&self.minimum_calls),
                "1..=window",
            ),
            (
                "cool_down_ms",
                self.cool_down_ms,
                self.cool_down_ms >= 1,
                "at least 1",
            ),
            (
                "trial_calls",
                u64::from(self.trial_calls),
                self.trial_calls >= 1,
                "at least 1",
            ),
        ];
        for (field, value, valid, expected) in checks {
            if !valid {
                return Err(BreakerConfigError {
                    field,
                    value,
                    expected,
                });
            }
        }
        Ok(())
    }
}

/// State of a [`Breaker`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through and their outcomes are judged.
    Closed,
    /// Calls are rejected until the cool-down ends.
    Open,
    /// A few trial calls go through to test the dependency.
    HalfOpen,
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        })
    }
}

/// An admitted call, to be reported with [`Breaker::record`].
#[derive(Debug)]
#[must_use = "report the outcome with Breaker::record"]
pub struct Ticket {
    generation: u64,
}

/// A call the breaker rejected, with the state that rejected it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// `Open`, or `HalfOpen` when all trial calls are already out.
    pub state: BreakerState,
}

/// A closed/open/half-open circuit breaker on a host-driven clock.
///
/// NOTE: a half-open trial whose outcome is never recorded keeps the breaker
/// half-open. The demos record every call, since each one ends in a response
/// or a timeout.
#[derive(Clone, Debug)]
pub struct Breaker {
    config: BreakerConfig,
    state: BreakerState,
    /// Outcomes judged while closed, oldest first; `true` is a failure.
    window: VecDeque<bool>,
    failures_in_window: usize,
    opened_at: u64,
    trials_admitted: u32,
    trials_succeeded: u32,
    generation: u64,
    trips: u64,
}

impl Breaker {
    /// Creates a closed breaker.
    ///
    /// # Errors
    ///
    /// [`BreakerConfigError`] for the first invalid setting.
    pub fn new(config: BreakerConfig) -> Result<Breaker, BreakerConfigError> {
        config.validate()?;
        Ok(Breaker {
            config,
            state: BreakerState::Closed,
            window: VecDeque::with_capacity(config.window),
            failures_in_window: 0,
            opened_at: 0,
            trials_admitted: 0,
            trials_succeeded: 0,
            generation: 0,
            trips: 0,
        })
    }

    /// Returns the state as of the last call; an open breaker whose cool-down
    /// has ended becomes half-open at the next [`try_acquire`](Self::try_acquire).
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Returns how many times the breaker has opened, from closed or from
    /// half-open.
    pub fn trips(&self) -> u64 {
        self.trips
    }

    /// Decides one call at `now` milliseconds.
    ///
    /// # Errors
    ///
    /// [`Rejection`] while open, or while half-open with every trial out.
    pub fn try_acquire(&mut self, now: u64) -> Result<Ticket, Rejection> {
        if self.state == BreakerState::Open
            && now.saturating_sub(self.opened_at) >= self.config.cool_down_ms
        {
            self.enter(BreakerState::HalfOpen);
        }
        match self.state {
            BreakerState::Closed => Ok(self.ticket()),
            BreakerState::Open => Err(Rejection {
                state: BreakerState::Open,
            }),
            BreakerState::HalfOpen if self.trials_admitted < self.config.trial_calls => {
                self.trials_admitted += 1;
                Ok(self.ticket())
            }
            BreakerState::HalfOpen => Err(Rejection {
                state: BreakerState::HalfOpen,
            }),
        }
    }

    /// Records the outcome of an admitted call that ended at `now`
    /// milliseconds. An outcome from an earlier state is ignored.
    pub fn record(&mut self, ticket: Ticket, success: bool, now: u64) {
        if ticket.generation != self.generation {
            return;
        }
        match self.state {
            BreakerState::Closed => self.judge_closed(success, now),
            BreakerState::HalfOpen if success => {
                self.trials_succeeded += 1;
                if self.trials_succeeded >= self.config.trial_calls {
                    self.enter(BreakerState::Closed);
                }
            }
            BreakerState::HalfOpen => self.trip(now),
            // Tickets are issued only while closed or half-open, and opening
            // changes the generation, so none can match here.
            BreakerState::Open => {}
        }
    }

    fn judge_closed(&mut self, success: bool, now: u64) {
        if self.window.len() == self.config.window && self.window.pop_front() == Some(true) {
            self.failures_in_window -= 1;
        }
        self.window.push_back(!success);
        if !success {
            self.failures_in_window += 1;
        }

        let calls = self.window.len();
        let failure_rate = self.failures_in_window * 100 / calls;
        if calls >= self.config.minimum_calls
            && failure_rate > usize::from(self.config.failure_threshold_percent)
        {
            self.trip(now);
        }
    }

    fn trip(&mut self, now: u64) {
        self.opened_at = now;
        self.trips += 1;
        self.enter(BreakerState::Open);
    }

    fn enter(&mut self, state: BreakerState) {
        self.state = state;
        self.generation += 1;
        self.window.clear();
        self.failures_in_window = 0;
        self.trials_admitted = 0;
        self.trials_succeeded = 0;
    }

    fn ticket(&self) -> Ticket {
        Ticket {
            generation: self.generation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: BreakerConfig = BreakerConfig {
        failure_threshold_percent: 50,
        window: 10,
        minimum_calls: 4,
        cool_down_ms: 1_000,
        trial_calls: 2,
    };

    fn breaker() -> Breaker {
        Breaker::new(CONFIG).unwrap()
    }

    /// Makes one call at `now` and records `success` for it if admitted.
    fn call(breaker: &mut Breaker, now: u64, success: bool) -> bool {
        match breaker.try_acquire(now) {
            Ok(ticket) => {
                breaker.record(ticket, success, now);
                true
            }
            Err(_) => false,
        }
    }

    #[test]
    fn invalid_settings_name_the_field() {
        let cases = [
            (
                BreakerConfig {
                    failure_threshold_percent: 101,
                    ..CONFIG
                },
                "failure_threshold_percent",
                101,
            ),
            (
                BreakerConfig {
                    window: 0,
                    ..CONFIG
                },
                "window",
                0,
            ),
            (
                BreakerConfig {
                    minimum_calls: 11,
                    ..CONFIG
                },
                "minimum_calls",
                11,
            ),
            (
                BreakerConfig {
                    minimum_calls: 0,
                    ..CONFIG
                },
                "minimum_calls",
                0,
            ),
            (
                BreakerConfig {
                    cool_down_ms: 0,
                    ..CONFIG
                },
                "cool_down_ms",
                0,
            ),
            (
                BreakerConfig {
                    trial_calls: 0,
                    ..CONFIG
                },
                "trial_calls",
                0,
            ),
        ];
        for (config, field, value) in cases {
            let error = Breaker::new(config).unwrap_err();
            assert_eq!(error.field, field);
            assert_eq!(error.value, value);
            let message = error.to_string();
            assert!(message.contains(field), "{message}");
        }
    }

    #[test]
    fn stays_closed_below_minimum_calls() {
        let mut b = breaker();
        for now in 0..3 {
            assert!(call(&mut b, now, false));
        }
        assert_eq!(b.state(), BreakerState::Closed);
        // The fourth failure reaches the minimum at 100 % failures.
        assert!(call(&mut b, 3, false));
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.trips(), 1);
    }

    #[test]
    fn trips_only_above_threshold() {
        let mut b = breaker();
        // Alternating outcomes: exactly 50 % is not above the threshold.
        for now in 0..10 {
            assert!(call(&mut b, now, now % 2 == 0));
        }
        assert_eq!(b.state(), BreakerState::Closed);
        // The window is full: the oldest (a success) drops out as a failure
        // comes in, so 6 failures in 10.
        assert!(call(&mut b, 10, false));
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn window_forgets_old_failures() {
        let mut b = breaker();
        // Two early failures, seven successes, then four failures. When the
        // last call lands the window holds calls 4..=13: four failures in
        // ten, not above 50 %. Keeping the two early failures would make it
        // six in ten and trip the breaker.
        let outcomes = [
            true, false, false, true, true, true, true, true, true, true, false, false, false,
            false,
        ];
        for (now, success) in outcomes.into_iter().enumerate() {
            assert!(call(&mut b, now as u64, success), "call {now}");
        }
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(call(&mut b, 14, false));
        assert_eq!(b.state(), BreakerState::Closed, "five failures in ten");
        assert!(call(&mut b, 15, false));
        assert_eq!(b.state(), BreakerState::Open, "six failures in ten");
    }

    #[test]
    fn open_rejects_until_cool_down_ends() {
        let mut b = breaker();
        for now in 0..4 {
            call(&mut b, now, false);
        }
        assert_eq!(b.state(), BreakerState::Open);
        let rejection = b.try_acquire(1_002).unwrap_err();
        assert_eq!(rejection.state, BreakerState::Open);
        // Tripped at 3, so half-open from 1003.
        assert!(b.try_acquire(1_003).is_ok());
        assert_eq!(b.state(), BreakerState::HalfOpen);
    }

    #[test]
    fn half_open_admits_only_trial_calls() {
        let mut b = breaker();
        for now in 0..4 {
            call(&mut b, now, false);
        }
        let first = b.try_acquire(2_000).unwrap();
        let second = b.try_acquire(2_000).unwrap();
        let third = b.try_acquire(2_000).unwrap_err();
        assert_eq!(third.state, BreakerState::HalfOpen);
        b.record(first, true, 2_001);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record(second, true, 2_002);
        assert_eq!(b.state(), BreakerState::Closed);
        // Closed again with an empty window: three failures do not trip it.
        for now in 2_003..2_006 {
            call(&mut b, now, false);
        }
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn failed_trial_reopens_for_a_new_cool_down() {
        let mut b = breaker();
        for now in 0..4 {
            call(&mut b, now, false);
        }
        assert!(call(&mut b, 1_500, false));
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(b.trips(), 2);
        assert!(b.try_acquire(2_499).is_err());
        assert!(b.try_acquire(2_500).is_ok());
    }

    #[test]
    fn outcome_from_earlier_state_is_ignored() {
        let mut b = breaker();
        let late = b.try_acquire(0).unwrap();
        for now in 0..4 {
            call(&mut b, now, false);
        }
        assert_eq!(b.state(), BreakerState::Open);
        // A call admitted while closed fails after the trip: the open breaker
        // ignores it, and so does the half-open one that follows.
        let trial = b.try_acquire(1_003).unwrap();
        b.record(late, false, 1_004);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record(trial, true, 1_005);
        assert_eq!(b.state(), BreakerState::HalfOpen);
    }
}
