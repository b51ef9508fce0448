//! The public handle.

use core::fmt;

use crate::admission::{self, Decision};
use crate::config::{Config, ConfigError};
use crate::counter::Counter;
use crate::error::Rejected;
use crate::permit::Permit;
use crate::priority::Lanes;
use crate::report::{Snapshot, State, Transition};
use crate::sync::{AtomicU32, AtomicWord, Ordering::Relaxed};
use crate::word::{Admission, IntervalCell, LockWord, LockedU64, Settings};

/// A gradual flow controller: admits a percentage of calls and moves that
/// percentage with the failure rate of each interval.
///
/// Every method takes `&self` and may run concurrently on any number of threads
/// or interrupt handlers; none blocks, allocates or reads a clock. Time moves
/// only when the host calls [`tick`](Nozzle::tick).
///
/// Layout (see the `word` and `counter` modules for each word's bits): the
/// admission word comes first, then the outcome counters that successful calls
/// touch, then the state that only `tick` and operator actions use. On targets
/// with 64-bit atomics the whole nozzle is one 64-byte cache line. Elsewhere it
/// is a few words larger and aligned only as its fields need.
#[cfg_attr(all(target_has_atomic = "64", not(nozzle_narrow)), repr(C, align(64)))]
#[cfg_attr(not(all(target_has_atomic = "64", not(nozzle_narrow))), repr(C))]
pub struct Nozzle {
    /// Attempt count, flow rate and direction: `word::Admission`.
    pub(crate) admission: AtomicWord,
    pub(crate) successes: Counter,
    pub(crate) failures: Counter,
    pub(crate) abandoned: Counter,
    /// `allowed` and `blocked` of earlier parts of the current interval, moved
    /// here when an operator changed the flow rate mid-interval. Written only
    /// under the interval lock.
    pub(crate) carried_allowed: Counter,
    pub(crate) carried_blocked: Counter,
    /// Interval lock, waiting requests, step, pin and window age:
    /// `word::LockWord`.
    pub(crate) lock: AtomicU32,
    /// Number of intervals closed so far. Written only under the lock.
    pub(crate) seq: LockedU64,
    /// Start of the current interval in host units. Written only under the lock.
    pub(crate) start: LockedU64,
    pub(crate) interval: IntervalCell,
    /// Allowed failure percent, abandon policy and step policy:
    /// `word::Settings`.
    pub(crate) settings: AtomicU32,
    pub(crate) min_samples: u32,
}

impl Nozzle {
    crate::sync::const_unless_loom! {
        /// Creates a fully open nozzle whose first interval starts at time 0.
        ///
        /// It is a `const fn`, so firmware can keep a nozzle in a `static`:
        ///
        /// ```
        /// use nozzle::{Config, Nozzle};
        ///
        /// static NOZZLE: Nozzle = match Nozzle::new(Config::new(1_000)) {
        ///     Ok(nozzle) => nozzle,
        ///     Err(_) => panic!("invalid nozzle configuration"),
        /// };
        /// assert_eq!(NOZZLE.flow_rate(), 100);
        /// ```
        ///
        /// The same `static` with an invalid configuration fails to compile:
        ///
        /// ```compile_fail
        /// # use nozzle::{Config, Nozzle};
        /// static NOZZLE: Nozzle = match Nozzle::new(Config::new(0)) {
        ///     Ok(nozzle) => nozzle,
        ///     Err(_) => panic!("invalid nozzle configuration"),
        /// };
        /// ```
        ///
        /// # Errors
        ///
        /// [`ConfigError`] naming the first invalid field and its value: an
        /// interval of 0, an allowed failure percent above 100, or AIMD
        /// parameters out of range.
        pub fn new(config: Config) -> Result<Nozzle, ConfigError> {
            if let Err(error) = config.validate() {
                return Err(error);
            }
            Ok(Nozzle {
                admission: AtomicWord::new(Admission::OPEN.pack()),
                successes: Counter::new(),
                failures: Counter::new(),
                abandoned: Counter::new(),
                carried_allowed: Counter::new(),
                carried_blocked: Counter::new(),
                lock: AtomicU32::new(LockWord::INITIAL.0),
                seq: LockedU64::new(0),
                start: LockedU64::new(0),
                interval: IntervalCell::new(config.interval),
                settings: AtomicU32::new(Settings::pack(&config).0),
                min_samples: config.min_samples,
            })
        }
    }

    /// Decides one call: a [`Permit`] to report its outcome on, or why it was
    /// rejected.
    ///
    /// Every attempt counts once, as allowed or blocked, in the current
    /// interval. At a flow rate of 100 the cost is one atomic add.
    ///
    /// # Errors
    ///
    /// [`Rejected`], with the reason and the flow rate it was decided under.
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        match admission::attempt(&self.admission) {
            Decision::Admit => Ok(Permit::new(self)),
            Decision::Reject { flow, shut } => Err(Rejected::new(flow, shut)),
        }
    }

    /// Advances the nozzle's clock to `now`, in the units of
    /// [`Config::new`]'s interval, and closes the current interval if it is due.
    ///
    /// Returns `Some` only to the one call that closed an interval, with the
    /// closed interval's counts and the new flow rate and direction. The host
    /// may call any method of the nozzle while it handles the transition.
    ///
    /// - An interval is due once `now >= start + interval`. The next one starts
    ///   at the latest boundary `start + k * interval` at or before `now`, so a
    ///   timer that fires with some jitter does not drift.
    /// - One call closes at most one interval, however late it comes: an idle gap
    ///   counts as one interval of evidence.
    /// - A `now` before the interval start by at most one interval changes
    ///   nothing. A `now` earlier than that is taken as a clock reset: the
    ///   interval restarts at `now`, keeping its counts, and `None` is returned.
    /// - If another thread holds the interval lock at that moment (closing an
    ///   interval, or applying an operator action such as [`pin`](Nozzle::pin)),
    ///   this call returns `None` at once. A close it would have made is then made
    ///   by the next `tick`, which covers both intervals.
    ///
    /// When the interval is not due, the call reads the interval start and
    /// length with two atomic loads on targets with 64-bit atomics, inlined
    /// into the caller, and does nothing else.
    #[inline]
    pub fn tick(&self, now: u64) -> Option<Transition> {
        self.tick_lanes(now, Lanes::Single)
    }

    /// Returns the flow rate in percent, `0..=100` (0 once shut off).
    #[must_use]
    pub fn flow_rate(&self) -> u8 {
        // Relaxed: a sample; nothing else is read through it.
        Admission::unpack(self.admission.load(Relaxed)).visible_flow()
    }

    /// Returns the direction of the last move.
    #[must_use]
    pub fn state(&self) -> State {
        // Relaxed: as in flow_rate.
        State::from_closing(Admission::unpack(self.admission.load(Relaxed)).closing)
    }

    /// Returns the counters of the current interval so far, with the flow rate
    /// and direction.
    ///
    /// Each counter is read atomically and the flow rate, direction, `allowed`
    /// and `blocked` come from one load. A snapshot taken while another thread
    /// is closing the interval may combine counters from both sides of the
    /// close. The [`Transition`] returned by that close is the exact record.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot_lanes(Lanes::Single)
    }

    /// Returns the configuration, with the allowed failure percent and the
    /// interval as they are now.
    #[must_use]
    pub fn config(&self) -> Config {
        // Relaxed: a sample of settings that change only by operator action.
        let settings = Settings(self.settings.load(Relaxed));
        let interval = match self.interval.value.peek() {
            Some(interval) => interval,
            // NOTE: without 64-bit atomics this reads two halves outside the
            // lock, so it may mix an old and a new interval if an operator
            // changes it at this moment. The value is only reported; `tick`
            // reads it under the lock.
            None => self.interval.value.get(),
        };
        Config::new(interval)
            .allowed_failure_percent(settings.allowed_failure_percent())
            .on_abandon(settings.abandon())
            .step_policy(settings.step_policy())
            .min_samples(self.min_samples)
    }
}

impl fmt::Debug for Nozzle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nozzle")
            .field("config", &self.config())
            .field("current", &self.snapshot())
            .field("pinned", &self.is_pinned())
            .field("shut_off", &self.is_shut_off())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::word::{ATTEMPTS_SATURATED, FOLD_AT};
    use crate::COUNT_MAX;

    #[test]
    fn saturated_counters_close_without_wrapping() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        nozzle.successes.add(COUNT_MAX - 1);
        nozzle.failures.add(COUNT_MAX - 1);
        for _ in 0..3 {
            nozzle.try_acquire().unwrap().success();
            nozzle.try_acquire().unwrap().failure();
        }
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.successes, COUNT_MAX);
        assert_eq!(snapshot.failures, COUNT_MAX);
        let transition = nozzle.tick(10).unwrap();
        assert_eq!(transition.closed.successes, COUNT_MAX);
        assert_eq!(transition.closed.failures, COUNT_MAX);
        assert_eq!(transition.failure_rate(), 50);
        assert_eq!(transition.flow_rate, 100);
        assert_eq!(nozzle.snapshot().successes, 0);
    }

    #[test]
    fn saturated_failures_close_at_full_rate() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        nozzle.failures.add(u32::MAX);
        nozzle.try_acquire().unwrap().failure();
        let transition = nozzle.tick(10).unwrap();
        assert_eq!(transition.closed.failures, COUNT_MAX);
        assert_eq!(transition.failure_rate(), 100);
        assert_eq!(transition.flow_rate, 99);
    }

    #[test]
    fn saturated_attempts_report_saturated_counts() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        let near_fold = Admission {
            attempts: FOLD_AT - 2,
            flow: 100,
            closing: false,
        };
        nozzle.admission.store(near_fold.pack(), Relaxed);
        for _ in 0..5 {
            nozzle.try_acquire().unwrap().success();
        }
        let after = Admission::unpack(nozzle.admission.load(Relaxed));
        assert!(after.attempts < FOLD_AT, "folded back: {}", after.attempts);
        assert!(after.attempts >= ATTEMPTS_SATURATED);
        let snapshot = nozzle.snapshot();
        let expected = ATTEMPTS_SATURATED.min(u64::from(COUNT_MAX));
        assert_eq!(u64::from(snapshot.allowed), expected);
        assert_eq!(snapshot.blocked, 0);
        let transition = nozzle.tick(10).unwrap();
        assert_eq!(u64::from(transition.closed.allowed), expected);
        assert_eq!(nozzle.snapshot().allowed, 0);
    }

    #[test]
    fn folded_attempts_keep_reference_decisions() {
        // At flow 37 the decisions after the fold repeat those 100 attempts
        // earlier in the unfolded sequence.
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        let start = FOLD_AT - 50;
        let state = Admission {
            attempts: start,
            flow: 37,
            closing: true,
        };
        nozzle.admission.store(state.pack(), Relaxed);
        for k in start..start + 300 {
            let admitted = nozzle.try_acquire().is_ok();
            assert_eq!(admitted, crate::admission::admits(37, k), "attempt {k}");
        }
    }

    #[test]
    fn debug_shows_decoded_fields() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        let text = std::format!("{nozzle:?}");
        assert!(text.contains("flow_rate: 100"), "{text}");
        assert!(text.contains("interval: 10"), "{text}");
    }
}
