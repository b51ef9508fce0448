//! Configuration and its validation.

use core::fmt;

/// Default threshold of [`Config::allowed_failure_percent`].
pub const DEFAULT_ALLOWED_FAILURE_PERCENT: u8 = 50;

/// Policy for a [`Permit`](crate::Permit) dropped without an outcome.
///
/// A permit is dropped without `success()` or `failure()` when the guarded code
/// panics, returns early, or is a future that was cancelled. The drop is always
/// counted in [`Snapshot::abandoned`](crate::Snapshot::abandoned); this policy
/// decides whether it also counts as a failure when the interval is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Abandon {
    /// Neither a success nor a failure (the default). Counting cancellations as
    /// failures would let impatient clients close the nozzle on a healthy
    /// service.
    #[default]
    Ignore,
    /// A failure. Choose this when a dropped call means the dependency hung or
    /// crashed the caller, so that such trouble closes the nozzle.
    AsFailure,
}

/// Rule that moves the flow rate when an interval is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum StepPolicy {
    /// The reference rule (the default): move by `min(step, -1)` when closing
    /// and `max(step, 1)` when opening, then double the step, up to ±128. The
    /// step restarts at ±1 when the direction changes. From 100 a failing
    /// dependency gets 99, 97, 93, 85, 69, 37, 0; from 0 a healthy one gets 1,
    /// 3, 7, 15, 31, 63, 100.
    #[default]
    Doubling,
    /// Additive increase, multiplicative decrease: a healthy interval adds
    /// `increase` points (up to 100), a failing one multiplies the flow rate by
    /// `decrease_factor / 100`, rounded down. `increase` must be in `1..=100`
    /// and `decrease_factor` in `0..=99`.
    Aimd {
        /// Points added per healthy interval.
        increase: u8,
        /// Percentage of the flow rate kept per failing interval.
        decrease_factor: u8,
    },
}

/// Settings of a [`Nozzle`](crate::Nozzle), built with `const fn`s so that a
/// `static` nozzle can be configured at compile time.
///
/// Each builder method has the name of the public field it sets, so a field
/// is read as `config.allowed_failure_percent` and set with
/// `config.allowed_failure_percent(20)`. The struct is `#[non_exhaustive]`:
/// build it with [`Config::new`], so that fields can be added later.
///
/// ```
/// use nozzle::{Abandon, Config};
///
/// const CONFIG: Config = Config::new(1_000)
///     .allowed_failure_percent(20)
///     .on_abandon(Abandon::AsFailure);
/// assert_eq!(CONFIG.interval, 1_000);
/// assert_eq!(CONFIG.allowed_failure_percent, 20);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Config {
    /// Interval length in host units; see [`Config::new`].
    pub interval: u64,
    /// Highest healthy failure rate in percent; see
    /// [`Config::allowed_failure_percent`].
    pub allowed_failure_percent: u8,
    /// Policy for a permit dropped without an outcome; see
    /// [`Config::on_abandon`].
    pub on_abandon: Abandon,
    /// Rule that moves the flow rate; see [`Config::step_policy`].
    pub step_policy: StepPolicy,
    /// Fewest outcomes an interval needs to be judged; see
    /// [`Config::min_samples`].
    pub min_samples: u32,
}

impl Config {
    /// Creates a configuration whose intervals last `interval` host units.
    ///
    /// The nozzle never reads a clock: a unit is whatever the numbers passed to
    /// [`tick`](crate::Nozzle::tick) count (milliseconds, timer ticks, ...).
    /// Zero is rejected by [`Nozzle::new`](crate::Nozzle::new).
    #[must_use]
    pub const fn new(interval: u64) -> Config {
        Config {
            interval,
            allowed_failure_percent: DEFAULT_ALLOWED_FAILURE_PERCENT,
            on_abandon: Abandon::Ignore,
            step_policy: StepPolicy::Doubling,
            min_samples: 0,
        }
    }

    /// Sets the highest failure rate, in percent, at which an interval still
    /// counts as healthy. Default 50.
    ///
    /// An interval closes the nozzle when its failure rate is strictly greater
    /// than this. 100 therefore never closes it, and 0 closes it on any
    /// interval whose failure rate rounds down to at least 1 %. Values above 100
    /// are rejected by [`Nozzle::new`](crate::Nozzle::new).
    #[must_use]
    pub const fn allowed_failure_percent(mut self, percent: u8) -> Config {
        self.allowed_failure_percent = percent;
        self
    }

    /// Sets what a permit dropped without an outcome counts as. Default
    /// [`Abandon::Ignore`].
    #[must_use]
    pub const fn on_abandon(mut self, abandon: Abandon) -> Config {
        self.on_abandon = abandon;
        self
    }

    /// Sets how the flow rate moves when an interval is judged. Default
    /// [`StepPolicy::Doubling`], the reference rule.
    #[must_use]
    pub const fn step_policy(mut self, policy: StepPolicy) -> Config {
        self.step_policy = policy;
        self
    }

    /// Sets the fewest outcomes an interval needs before it is judged. Default
    /// 0, which judges every interval as the reference rules do.
    ///
    /// An interval that closes with fewer outcomes (successes plus judged
    /// failures) is not judged: the flow rate stays, and its counts carry over
    /// into the next interval, so the window grows until it contains enough
    /// evidence. Two limits keep this from holding the nozzle shut:
    ///
    /// - Intervals at flow rate 0 or 1 are always judged, because they admit at
    ///   most about one call each. An empty interval at 0 still reopens the
    ///   nozzle.
    /// - A window spans at most [`MAX_WINDOW_INTERVALS`](crate::MAX_WINDOW_INTERVALS) intervals; the last one
    ///   is judged on whatever the window holds.
    ///
    /// With the doubling policy, recovery from 0 to 100 under healthy traffic
    /// therefore takes at most `2 + 5 * MAX_WINDOW_INTERVALS` intervals
    /// (42), whatever `min_samples` is, against 7 without a floor.
    #[must_use]
    pub const fn min_samples(mut self, samples: u32) -> Config {
        self.min_samples = samples;
        self
    }

    /// Checks every field and returns the first invalid one.
    ///
    /// [`Nozzle::new`](crate::Nozzle::new) calls this, so a `static` built from
    /// an invalid configuration fails to compile.
    pub const fn validate(&self) -> Result<(), ConfigError> {
        if self.interval == 0 {
            return Err(ConfigError {
                field: Field::Interval,
                value: 0,
            });
        }
        if self.allowed_failure_percent > 100 {
            return Err(ConfigError {
                field: Field::AllowedFailurePercent,
                value: self.allowed_failure_percent as u64,
            });
        }
        if let StepPolicy::Aimd {
            increase,
            decrease_factor,
        } = self.step_policy
        {
            if increase == 0 || increase > 100 {
                return Err(ConfigError {
                    field: Field::AimdIncrease,
                    value: increase as u64,
                });
            }
            if decrease_factor > 99 {
                return Err(ConfigError {
                    field: Field::AimdDecreaseFactor,
                    value: decrease_factor as u64,
                });
            }
        }
        Ok(())
    }
}

/// A configuration field, as named in a [`ConfigError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// [`Config::new`]'s interval.
    Interval,
    /// An interval given as a `Duration` (`Config::from_duration`, with the
    /// `std` feature) that does not fit in `u64` nanoseconds. The value is in
    /// whole seconds, rounded up.
    IntervalSecs,
    /// [`Config::allowed_failure_percent`].
    AllowedFailurePercent,
    /// `increase` of [`StepPolicy::Aimd`].
    AimdIncrease,
    /// `decrease_factor` of [`StepPolicy::Aimd`].
    AimdDecreaseFactor,
    /// The flow rate given to [`Nozzle::pin`](crate::Nozzle::pin).
    FlowRate,
}

impl Field {
    /// Returns the field's name as error messages show it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Field::Interval => "interval",
            Field::IntervalSecs => "interval_secs",
            Field::AllowedFailurePercent => "allowed_failure_percent",
            Field::AimdIncrease => "increase",
            Field::AimdDecreaseFactor => "decrease_factor",
            Field::FlowRate => "flow_rate",
        }
    }

    const fn requirement(self) -> &'static str {
        match self {
            Field::Interval => "must be at least 1",
            Field::IntervalSecs => "must be at most 18446744073.709551615 (u64::MAX nanoseconds)",
            Field::AllowedFailurePercent | Field::FlowRate => "must be at most 100",
            Field::AimdIncrease => "must be between 1 and 100",
            Field::AimdDecreaseFactor => "must be at most 99",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An invalid [`Config`]: which field, and the value it had.
///
/// ```
/// use nozzle::{Config, Field, Nozzle};
///
/// let err = Nozzle::new(Config::new(1_000).allowed_failure_percent(101)).unwrap_err();
/// assert_eq!(err.field(), Field::AllowedFailurePercent);
/// assert_eq!(err.value(), 101);
/// assert_eq!(err.to_string(), "invalid allowed_failure_percent 101: must be at most 100");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConfigError {
    field: Field,
    value: u64,
}

impl ConfigError {
    /// Creates the error for modules outside this one that check a field.
    pub(crate) const fn new(field: Field, value: u64) -> ConfigError {
        ConfigError { field, value }
    }

    /// Returns the invalid field.
    #[must_use]
    pub const fn field(&self) -> Field {
        self.field
    }

    /// Returns the rejected value, widened to `u64`.
    #[must_use]
    pub const fn value(&self) -> u64 {
        self.value
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} {}: {}",
            self.field.name(),
            self.value,
            self.field.requirement()
        )
    }
}

impl core::error::Error for ConfigError {}
