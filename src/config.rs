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

/// Settings of a [`Nozzle`](crate::Nozzle), built with `const fn`s so that a
/// `static` nozzle can be configured at compile time.
///
/// ```
/// use nozzle::{Abandon, Config};
///
/// const CONFIG: Config = Config::new(1_000)
///     .allowed_failure_percent(20)
///     .on_abandon(Abandon::AsFailure);
/// assert_eq!(CONFIG.interval(), 1_000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    pub(crate) interval: u64,
    pub(crate) allowed_failure_percent: u8,
    pub(crate) abandon: Abandon,
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
            abandon: Abandon::Ignore,
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
        self.abandon = abandon;
        self
    }

    /// Returns the interval length in host units.
    #[must_use]
    pub const fn interval(&self) -> u64 {
        self.interval
    }

    /// Returns the allowed failure percent.
    #[must_use]
    pub const fn failure_threshold(&self) -> u8 {
        self.allowed_failure_percent
    }

    /// Returns the policy for permits dropped without an outcome.
    #[must_use]
    pub const fn abandon_policy(&self) -> Abandon {
        self.abandon
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
}

impl Field {
    /// Returns the field's name as written in [`Config`]'s builder.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Field::Interval => "interval",
            Field::IntervalSecs => "interval_secs",
            Field::AllowedFailurePercent => "allowed_failure_percent",
        }
    }

    const fn requirement(self) -> &'static str {
        match self {
            Field::Interval => "must be at least 1 host unit",
            Field::IntervalSecs => "must be at most 18446744073.709551615 (u64::MAX nanoseconds)",
            Field::AllowedFailurePercent => "must be at most 100",
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
    #[cfg(feature = "std")]
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
