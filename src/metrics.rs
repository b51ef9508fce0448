//! Metrics export through the `metrics` facade crate, with the `metrics`
//! feature.
//!
//! [`Metrics::record`] turns each [`Transition`] into updates of these
//! metrics, all labelled `nozzle="<name>"`:
//!
//! | Name | Type | Value |
//! | --- | --- | --- |
//! | `nozzle_flow_rate` | gauge, percent | flow rate installed by the last recorded close |
//! | `nozzle_allowed_total` | counter | attempts admitted |
//! | `nozzle_blocked_total` | counter | attempts rejected |
//! | `nozzle_successes_total` | counter | calls reported as successes |
//! | `nozzle_failures_total` | counter | calls judged as failures |
//! | `nozzle_abandoned_total` | counter | permits dropped without an outcome |
//!
//! The counters add up the counts of each closed interval, so they only grow,
//! as Prometheus expects of a counter. `nozzle_failures_total` counts what the
//! intervals were judged on: reported failures, plus abandoned permits under
//! [`Abandon::AsFailure`](crate::Abandon::AsFailure). The counts of the
//! interval still open appear at its close.
//!
//! Each call looks the metrics up in the recorder installed at that moment, so
//! a [`Metrics`] may be created before the recorder is installed.
//!
//! ```
//! use nozzle::{metrics::Metrics, Config, Nozzle};
//!
//! let nozzle = Nozzle::new(Config::new(1_000))?;
//! let metrics = Metrics::new("payments");
//! Metrics::describe();
//!
//! nozzle.try_acquire().unwrap().success();
//! if let Some(transition) = nozzle.tick(1_000) {
//!     metrics.record(&transition);
//! }
//! # Ok::<(), nozzle::ConfigError>(())
//! ```

use ::metrics::{counter, describe_counter, describe_gauge, gauge, SharedString, Unit};

use crate::{Nozzle, Transition};

/// Name of the gauge with the flow rate, in percent.
pub const FLOW_RATE: &str = "nozzle_flow_rate";
/// Name of the counter of admitted attempts.
pub const ALLOWED: &str = "nozzle_allowed_total";
/// Name of the counter of rejected attempts.
pub const BLOCKED: &str = "nozzle_blocked_total";
/// Name of the counter of successes.
pub const SUCCESSES: &str = "nozzle_successes_total";
/// Name of the counter of failures, as the intervals were judged.
pub const FAILURES: &str = "nozzle_failures_total";
/// Name of the counter of permits dropped without an outcome.
pub const ABANDONED: &str = "nozzle_abandoned_total";
/// Key of the label that carries the nozzle's name.
pub const NAME_LABEL: &str = "nozzle";

/// Exports the transitions of one nozzle under a name.
///
/// It contains only the name, so its clones export to the same metrics.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Metrics {
    name: SharedString,
}

impl Metrics {
    /// Creates an exporter whose metrics carry the label `nozzle="<name>"`.
    #[must_use]
    pub fn new(name: impl Into<SharedString>) -> Metrics {
        Metrics { name: name.into() }
    }

    /// Returns the value of the `nozzle` label.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Registers the unit and description of every metric with the installed
    /// recorder. Call it once, after installing the recorder.
    pub fn describe() {
        describe_gauge!(FLOW_RATE, Unit::Percent, "Share of calls the nozzle admits");
        describe_counter!(ALLOWED, Unit::Count, "Attempts the nozzle admitted");
        describe_counter!(BLOCKED, Unit::Count, "Attempts the nozzle rejected");
        describe_counter!(
            SUCCESSES,
            Unit::Count,
            "Admitted calls reported as successes"
        );
        describe_counter!(
            FAILURES,
            Unit::Count,
            "Admitted calls judged as failures, abandoned ones included when they count as failures"
        );
        describe_counter!(ABANDONED, Unit::Count, "Permits dropped without an outcome");
    }

    /// Adds the closed interval's counts to the counters and sets the gauge to
    /// the flow rate the close installed.
    ///
    /// Record each transition once. The counter updates commute, so the order
    /// of transitions does not matter for them.
    ///
    /// NOTE: the gauge keeps the flow rate of the transition recorded last.
    /// Transitions passed in an order other than their `seq` (two threads that
    /// each closed an interval and recorded it late) can leave an older rate
    /// there until the next transition or [`observe`](Metrics::observe).
    pub fn record(&self, transition: &Transition) {
        let closed = &transition.closed;
        let counts = [
            (ALLOWED, closed.allowed),
            (BLOCKED, closed.blocked),
            (SUCCESSES, closed.successes),
            (FAILURES, closed.failures),
            (ABANDONED, closed.abandoned),
        ];
        for (name, count) in counts {
            counter!(name, NAME_LABEL => self.name.clone()).increment(u64::from(count));
        }
        self.set_flow_rate(transition.flow_rate);
    }

    /// Sets the gauge to the nozzle's current flow rate, for changes that come
    /// without a transition, such as [`Nozzle::shut_off`].
    pub fn observe(&self, nozzle: &Nozzle) {
        self.set_flow_rate(nozzle.flow_rate());
    }

    fn set_flow_rate(&self, flow_rate: u8) {
        gauge!(FLOW_RATE, NAME_LABEL => self.name.clone()).set(f64::from(flow_rate));
    }
}
