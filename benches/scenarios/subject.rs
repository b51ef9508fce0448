//! The two flow controllers under test, behind one trait so that every scenario
//! runs the same code on both, and the setup that drives them to a flow rate.

use nozzle::{Config, Nozzle, Transition};

use super::mutex_port::{MutexNozzle, MutexTransition};

/// Interval length of every benchmarked controller, in host units.
pub const INTERVAL: u64 = 1_000;

/// Allowed failure percent of every benchmarked controller.
pub const ALLOWED_FAILURE_PERCENT: u8 = 50;

/// Flow rate of the throttled scenarios: the fifth step down under a failing
/// dependency (100, 99, 97, 93, 85, 69).
pub const THROTTLED_FLOW: u8 = 69;

/// A flow controller as the scenarios use it. The hot methods are
/// `#[inline(always)]`: with a plain `#[inline]` the compiler kept them out of
/// line, which put a call into every timed iteration.
pub trait Subject: Sync + Sized {
    /// What a closing `tick` returns.
    type Transition;

    /// Creates a fully open controller with [`INTERVAL`] and
    /// [`ALLOWED_FAILURE_PERCENT`].
    fn open() -> Self;

    /// Makes one attempt and, if it is admitted, reports `success` on it.
    /// Returns whether it was admitted.
    fn attempt(&self, success: bool) -> bool;

    /// Makes one attempt and, if it is admitted, reports a success: the hot
    /// path of a caller whose dependency works.
    ///
    /// A rejection is dropped unread, as by a caller that only sheds the call.
    /// Passing it to `black_box` instead stored it on every call, and the next
    /// call's locked instruction waits for such stores. A rejected attempt then
    /// measured 1.5 to 2 `fetch_add` units instead of about 1.
    fn attempt_and_succeed(&self) -> bool;

    /// Advances the controller's clock to `now`.
    fn tick(&self, now: u64) -> Option<Self::Transition>;

    /// Returns the flow rate in percent.
    fn flow_rate(&self) -> u8;

    /// Creates a controller and drives it to `flow` through real calls and
    /// ticks: every interval makes 100 attempts whose admitted calls all fail,
    /// until the flow rate reaches `flow`. Returns the controller and the
    /// start of its current interval.
    ///
    /// # Panics
    ///
    /// If the closing trajectory 100, 99, 97, 93, 85, 69, 37, 0 does not
    /// contain `flow`.
    fn driven_to(flow: u8) -> (Self, u64) {
        let subject = Self::open();
        let mut now = 0;
        for _ in 0..10 {
            if subject.flow_rate() == flow {
                return (subject, now);
            }
            for _ in 0..100 {
                subject.attempt(false);
            }
            now += INTERVAL;
            assert!(
                subject.tick(now).is_some(),
                "tick at {now} closed no interval"
            );
        }
        panic!(
            "flow rate {flow} not reached: stopped at {}",
            subject.flow_rate()
        );
    }
}

impl Subject for Nozzle {
    type Transition = Transition;

    fn open() -> Nozzle {
        let config = Config::new(INTERVAL).allowed_failure_percent(ALLOWED_FAILURE_PERCENT);
        Nozzle::new(config).expect("the benchmark configuration is valid")
    }

    #[inline(always)]
    fn attempt(&self, success: bool) -> bool {
        match self.try_acquire() {
            Ok(permit) => {
                permit.record(success);
                true
            }
            Err(_) => false,
        }
    }

    #[inline(always)]
    fn attempt_and_succeed(&self) -> bool {
        match self.try_acquire() {
            Ok(permit) => {
                permit.success();
                true
            }
            Err(_) => false,
        }
    }

    #[inline(always)]
    fn tick(&self, now: u64) -> Option<Transition> {
        Nozzle::tick(self, now)
    }

    fn flow_rate(&self) -> u8 {
        Nozzle::flow_rate(self)
    }
}

impl Subject for MutexNozzle {
    type Transition = MutexTransition;

    fn open() -> MutexNozzle {
        MutexNozzle::new(INTERVAL, ALLOWED_FAILURE_PERCENT)
    }

    #[inline(always)]
    fn attempt(&self, success: bool) -> bool {
        match self.try_acquire() {
            Ok(permit) => {
                if success {
                    permit.success();
                } else {
                    permit.failure();
                }
                true
            }
            Err(_) => false,
        }
    }

    #[inline(always)]
    fn attempt_and_succeed(&self) -> bool {
        match self.try_acquire() {
            Ok(permit) => {
                permit.success();
                true
            }
            Err(_) => false,
        }
    }

    #[inline(always)]
    fn tick(&self, now: u64) -> Option<MutexTransition> {
        MutexNozzle::tick(self, now)
    }

    fn flow_rate(&self) -> u8 {
        MutexNozzle::flow_rate(self)
    }
}
