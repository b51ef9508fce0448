//! A monotonic clock for [`Nozzle::tick`], with the `std` feature.
//!
//! [`Clock`] reads [`Instant`] as nanoseconds since its origin, and
//! [`Config::from_duration`] gives the interval in the same unit, so std code
//! never converts time by hand. A configuration built with [`Config::new`] and
//! a number of milliseconds does not match a `Clock`: `Config::new(1_000)` with
//! a `Clock` is a one-microsecond interval. There are two ways to drive `tick`
//! with it.
//!
//! **From a timer task.** The request path then reads no clock. Tick a few times
//! per interval, so that each close comes at most one timer period after its
//! boundary. With tokio, pass the instant the timer was scheduled for, which
//! keeps the closes on the timer's grid even when the task runs late:
//!
//! ```
//! use std::{sync::Arc, time::Duration};
//! use nozzle::{Clock, Config, Nozzle};
//!
//! async fn drive(nozzle: Arc<Nozzle>, clock: Clock) {
//!     let mut timer = tokio::time::interval(Duration::from_millis(100));
//!     loop {
//!         let scheduled = timer.tick().await;
//!         if let Some(transition) = nozzle.tick(clock.nanos_at(scheduled.into_std())) {
//!             println!("flow {}% -> {}%", transition.closed.flow_rate, transition.flow_rate);
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), nozzle::ConfigError> {
//! let nozzle = Arc::new(Nozzle::new(Config::from_duration(Duration::from_secs(1))?)?);
//! let ticker = tokio::spawn(drive(Arc::clone(&nozzle), Clock::new()));
//! # ticker.abort();
//! # Ok(())
//! # }
//! ```
//!
//! **Lazily, on each call.** No task is needed, at the cost of one clock read
//! per call. When no interval is due, `tick` itself is two atomic loads. An idle
//! nozzle then closes no intervals until the next call, which closes one
//! interval for the whole gap:
//!
//! ```
//! use std::time::Duration;
//! use nozzle::{Clock, Config, Nozzle};
//!
//! let nozzle = Nozzle::new(Config::from_duration(Duration::from_secs(1))?)?;
//! let clock = Clock::new();
//!
//! clock.tick(&nozzle);
//! let parsed = nozzle.call(|| "7".parse::<u8>());
//! assert_eq!(parsed, Ok(7));
//! # Ok::<(), nozzle::ConfigError>(())
//! ```
//!
//! Every place that ticks one nozzle should use the same [`Clock`] (it is
//! `Copy`), created together with the nozzle: a nozzle's first interval starts
//! at 0, which is the clock's origin. Clocks with different origins give
//! different readings of the same moment, which the nozzle takes as jitter, or
//! as a clock reset once they differ by more than an interval.

use core::time::Duration;
use std::time::Instant;

use crate::config::{ConfigError, Field};
use crate::{Config, Nozzle, Transition};

/// A monotonic clock that reads [`Instant`] as nanoseconds since its origin,
/// the unit that [`Nozzle::tick`] takes when the interval comes from
/// [`Config::from_duration`].
///
/// A reading saturates at `u64::MAX` nanoseconds, about 584 years after the
/// origin. An instant before the origin reads as 0.
///
/// Readings are nanoseconds: give the nozzle an interval from
/// [`Config::from_duration`], not a count of milliseconds through
/// [`Config::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Clock {
    origin: Instant,
}

impl Clock {
    /// Creates a clock whose origin is now.
    #[must_use]
    pub fn new() -> Clock {
        Clock::starting_at(Instant::now())
    }

    /// Creates a clock whose origin is `origin`.
    ///
    /// Use it to share an origin with another time source, such as the start
    /// of a tokio runtime whose time is paused in a test.
    #[must_use]
    pub const fn starting_at(origin: Instant) -> Clock {
        Clock { origin }
    }

    /// Returns the instant that reads as 0.
    #[must_use]
    pub const fn origin(&self) -> Instant {
        self.origin
    }

    /// Returns the nanoseconds since the origin.
    #[must_use]
    pub fn now(&self) -> u64 {
        self.nanos_at(Instant::now())
    }

    /// Returns the nanoseconds from the origin to `instant`: 0 for an instant
    /// before the origin, `u64::MAX` for one more than `u64::MAX` nanoseconds
    /// after it.
    #[must_use]
    pub fn nanos_at(&self, instant: Instant) -> u64 {
        let elapsed = instant.saturating_duration_since(self.origin);
        u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Reads the clock and passes the reading to [`Nozzle::tick`].
    ///
    /// Returns the transition if this call closed an interval.
    pub fn tick(&self, nozzle: &Nozzle) -> Option<Transition> {
        nozzle.tick(self.now())
    }
}

impl Default for Clock {
    /// Same as [`Clock::new`]: the origin is now.
    fn default() -> Clock {
        Clock::new()
    }
}

impl Config {
    /// Creates a configuration whose intervals last `interval`, counted in
    /// nanoseconds, the unit of [`Clock`].
    ///
    /// Nanoseconds are the resolution of [`Duration`], so the conversion is
    /// exact and a nonzero duration never truncates to 0.
    ///
    /// ```
    /// use std::time::Duration;
    /// use nozzle::{Config, Field};
    ///
    /// let config = Config::from_duration(Duration::from_millis(250))?;
    /// assert_eq!(config.interval, 250_000_000);
    ///
    /// let zero = Config::from_duration(Duration::ZERO).unwrap_err();
    /// assert_eq!((zero.field(), zero.value()), (Field::Interval, 0));
    /// # Ok::<(), nozzle::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for [`Field::Interval`] with value 0 when `interval`
    /// is zero, and for [`Field::IntervalSecs`] with the duration in whole
    /// seconds, rounded up, when it exceeds `u64::MAX` nanoseconds.
    pub const fn from_duration(interval: Duration) -> Result<Config, ConfigError> {
        let nanos = interval.as_nanos();
        if nanos == 0 {
            return Err(ConfigError::new(Field::Interval, 0));
        }
        if nanos > u64::MAX as u128 {
            let partial_second = interval.subsec_nanos() > 0;
            let secs = interval.as_secs().saturating_add(partial_second as u64);
            return Err(ConfigError::new(Field::IntervalSecs, secs));
        }
        // In range: checked just above.
        Ok(Config::new(nanos as u64))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn reading_starts_at_origin() {
        let origin = Instant::now();
        let clock = Clock::starting_at(origin);
        assert_eq!(clock.origin(), origin);
        assert_eq!(clock.nanos_at(origin), 0);
        let later = origin + Duration::from_millis(1_500);
        assert_eq!(clock.nanos_at(later), 1_500_000_000);
        let one = origin + Duration::from_nanos(1);
        assert_eq!(clock.nanos_at(one), 1);
    }

    #[test]
    fn reading_before_origin_is_zero() {
        let earlier = Instant::now();
        let clock = Clock::starting_at(earlier + Duration::from_secs(5));
        assert_eq!(clock.nanos_at(earlier), 0);
    }

    #[test]
    fn reading_saturates_past_u64_nanos() {
        let origin = Instant::now();
        let clock = Clock::starting_at(origin);
        let last = origin + Duration::from_nanos(u64::MAX);
        assert_eq!(clock.nanos_at(last), u64::MAX);
        let beyond = last + Duration::from_secs(10);
        assert_eq!(clock.nanos_at(beyond), u64::MAX);
    }

    #[test]
    fn now_is_monotonic_from_origin() {
        let before = Instant::now();
        let clock = Clock::new();
        let first = clock.now();
        let second = clock.now();
        let bound = clock.nanos_at(Instant::now());
        assert!(first <= second, "{first} > {second}");
        assert!(second <= bound, "{second} > {bound}");
        assert!(clock.origin() >= before);
        let default = Clock::default();
        assert!(default.origin() >= clock.origin(), "default starts now too");
    }

    #[test]
    fn tick_uses_clock_reading() {
        // Origin one hour back, interval one minute: the first interval is due.
        let hour = Duration::from_secs(3_600);
        let origin = Instant::now()
            .checked_sub(hour)
            .expect("an instant one hour back");
        let clock = Clock::starting_at(origin);
        let config = Config::from_duration(Duration::from_secs(60)).unwrap();
        let nozzle = Nozzle::new(config).unwrap();
        let transition = clock.tick(&nozzle).expect("the first interval is due");
        assert_eq!(transition.start, 0);
        assert!(
            transition.end >= 3_600_000_000_000,
            "end {}",
            transition.end
        );
        assert_eq!(transition.end % 60_000_000_000, 0);
        assert_eq!(clock.tick(&nozzle), None);
    }

    #[test]
    fn duration_converts_to_nanoseconds() {
        let cases = [
            (Duration::from_nanos(1), 1),
            (Duration::from_micros(3), 3_000),
            (Duration::from_secs(1), 1_000_000_000),
            (Duration::new(2, 5), 2_000_000_005),
            (Duration::from_nanos(u64::MAX), u64::MAX),
        ];
        for (duration, nanos) in cases {
            let config = Config::from_duration(duration).unwrap();
            assert_eq!(config.interval, nanos, "{duration:?}");
        }
    }

    #[test]
    fn zero_duration_is_rejected() {
        let error = Config::from_duration(Duration::ZERO).unwrap_err();
        assert_eq!(error.field(), Field::Interval);
        assert_eq!(error.value(), 0);
        assert_eq!(error.to_string(), "invalid interval 0: must be at least 1");
    }

    #[test]
    fn too_long_duration_is_rejected() {
        let just_over = Duration::from_nanos(u64::MAX) + Duration::from_nanos(1);
        let error = Config::from_duration(just_over).unwrap_err();
        assert_eq!(error.field(), Field::IntervalSecs);
        assert_eq!(error.value(), 18_446_744_074);
        assert_eq!(
            error.to_string(),
            "invalid interval_secs 18446744074: \
             must be at most 18446744073.709551615 (u64::MAX nanoseconds)"
        );

        let whole = Config::from_duration(Duration::from_secs(20_000_000_000)).unwrap_err();
        assert_eq!(whole.value(), 20_000_000_000);

        let max = Config::from_duration(Duration::MAX).unwrap_err();
        assert_eq!(max.field(), Field::IntervalSecs);
        assert_eq!(max.value(), u64::MAX);
    }

    #[test]
    fn duration_config_builds_in_const() {
        const CONFIG: Config = match Config::from_duration(Duration::from_millis(5)) {
            Ok(config) => config.allowed_failure_percent(10),
            Err(_) => panic!("invalid interval"),
        };
        assert_eq!(CONFIG.interval, 5_000_000);
        assert_eq!(CONFIG.allowed_failure_percent, 10);
    }
}
