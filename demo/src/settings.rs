//! The settings both demos use for the nozzle and the breaker.

use core::fmt;

use nozzle::{Config, ConfigError, Nozzle, StepPolicy};

use crate::breaker::{Breaker, BreakerConfig, BreakerConfigError};

/// Failure rate, in percent, that both the nozzle and the breaker tolerate:
/// above it the nozzle closes a step and the breaker trips.
pub const FAILURE_THRESHOLD_PERCENT: u8 = 20;

/// The additive-increase, multiplicative-decrease policy the surge simulation
/// compares with the reference doubling step: halve the flow rate after a
/// failing interval, add 10 points after a healthy one.
pub const AIMD: StepPolicy = StepPolicy::Aimd {
    increase: 10,
    decrease_factor: 50,
};

/// Settings of one comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The nozzle's configuration, with the interval in milliseconds.
    pub nozzle: Config,
    /// The breaker's configuration.
    pub breaker: BreakerConfig,
    /// Length of a timeline bucket in milliseconds.
    pub bucket_ms: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            nozzle: Config::new(200).allowed_failure_percent(FAILURE_THRESHOLD_PERCENT),
            breaker: BreakerConfig {
                failure_threshold_percent: FAILURE_THRESHOLD_PERCENT,
                window: 100,
                minimum_calls: 20,
                cool_down_ms: 2_000,
                trial_calls: 5,
            },
            bucket_ms: 200,
        }
    }
}

impl Settings {
    /// Returns these settings with the nozzle's step policy replaced.
    #[must_use]
    pub fn with_step_policy(self, policy: StepPolicy) -> Settings {
        Settings {
            nozzle: self.nozzle.step_policy(policy),
            ..self
        }
    }

    /// Builds the nozzle and the breaker these settings describe.
    ///
    /// # Errors
    ///
    /// [`SettingsError`] naming the first invalid setting.
    pub fn build(&self) -> Result<(Nozzle, Breaker), SettingsError> {
        if self.bucket_ms == 0 {
            return Err(SettingsError::BucketLength);
        }
        let nozzle = Nozzle::new(self.nozzle).map_err(SettingsError::Nozzle)?;
        let breaker = Breaker::new(self.breaker).map_err(SettingsError::Breaker)?;
        Ok((nozzle, breaker))
    }
}

/// An invalid [`Settings`] field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettingsError {
    /// The nozzle configuration is invalid.
    Nozzle(ConfigError),
    /// The breaker configuration is invalid.
    Breaker(BreakerConfigError),
    /// `bucket_ms` is 0.
    BucketLength,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Nozzle(error) => write!(f, "invalid nozzle setting: {error}"),
            SettingsError::Breaker(error) => error.fmt(f),
            SettingsError::BucketLength => {
                f.write_str("invalid setting bucket_ms = 0: expected at least 1")
            }
        }
    }
}

impl std::error::Error for SettingsError {}
