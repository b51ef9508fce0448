//! The core's reference acceptance scenario, run on the device.
//!
//! A nozzle with an interval of 1,000 and an allowed failure percent of 50
//! receives 1,000 attempts per interval for 41 intervals, against a dependency
//! whose capacity changes twice. The expected flow rates and directions come
//! from the core's `tests/common/acceptance.rs`, the table its integration
//! tests check against the crate and against a sequential model.
//!
//! The scenario calls `tick` itself with `now` = 1,000, 2,000, ..., so it must
//! run while no interrupt ticks the same nozzle.

use core::fmt;

use nozzle::Nozzle;

use crate::{check_count, Mismatch, Value};

/// Interval length in host units; the scenario's `now` advances by this much.
pub const INTERVAL: u64 = 1_000;

/// The expected trajectory, shared with the core's integration tests.
#[path = "../../../../tests/common/acceptance.rs"]
mod table;

use table::{capacity, ATTEMPTS, FINAL_FLOW, FLOW, STATES};

/// Returns the expected flow rate at the start of `interval`, given the table's
/// entry `flow`.
///
/// With the `wrong-expectation` feature one entry is off by one, so that the
/// firmware must report a mismatch and exit with a failure status.
fn expected_flow(interval: usize, flow: u8) -> u8 {
    if cfg!(feature = "wrong-expectation") && interval == 13 {
        flow.saturating_add(1)
    } else {
        flow
    }
}

/// Totals of a passing run.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// Intervals closed.
    pub intervals: usize,
    /// Attempts admitted over the whole scenario.
    pub admitted: u32,
    /// Flow rate after the last close.
    pub final_flow: u8,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} intervals, {} of {} attempts admitted, every flow rate and direction as expected, final flow {}",
            self.intervals,
            self.admitted,
            self.intervals as u32 * ATTEMPTS,
            self.final_flow,
        )
    }
}

/// Runs the scenario on `nozzle`, which must be new and configured with
/// [`INTERVAL`] and an allowed failure percent of 50.
///
/// # Errors
///
/// The first [`Mismatch`] between the trajectory and the expected one.
pub fn run(nozzle: &Nozzle) -> Result<Summary, Mismatch> {
    let mut total_admitted = 0;
    for (interval, (&table_flow, &expected_state)) in FLOW.iter().zip(&STATES).enumerate() {
        let at = Some(interval);
        let flow = expected_flow(interval, table_flow);
        check_count("flow rate", at, flow.into(), nozzle.flow_rate().into())?;

        let admitted = serve(nozzle, capacity(interval));
        total_admitted += admitted;
        // At a fixed flow rate f, 1,000 attempts admit exactly 10 * f.
        check_count("admitted", at, 10 * u64::from(flow), admitted.into())?;

        let now = INTERVAL * (interval as u64 + 1);
        let Some(transition) = nozzle.tick(now) else {
            return Err(Mismatch {
                quantity: "transitions from tick",
                interval: at,
                expected: Value::Count(1),
                actual: Value::Count(0),
            });
        };
        check_count("sequence number", at, interval as u64 + 1, transition.seq)?;
        check_count(
            "allowed",
            at,
            admitted.into(),
            transition.closed.allowed.into(),
        )?;
        check_count(
            "blocked",
            at,
            (ATTEMPTS - admitted).into(),
            transition.closed.blocked.into(),
        )?;
        for state in [transition.state, nozzle.state()] {
            if state != expected_state {
                return Err(Mismatch {
                    quantity: "state after tick",
                    interval: at,
                    expected: Value::State(expected_state),
                    actual: Value::State(state),
                });
            }
        }
    }

    let final_flow = nozzle.flow_rate();
    check_count(
        "final flow rate",
        None,
        FINAL_FLOW.into(),
        final_flow.into(),
    )?;
    Ok(Summary {
        intervals: FLOW.len(),
        admitted: total_admitted,
        final_flow,
    })
}

/// Makes [`ATTEMPTS`] attempts against a dependency that serves `capacity`
/// calls and fails the rest. Returns how many were admitted.
fn serve(nozzle: &Nozzle, capacity: u32) -> u32 {
    let mut remaining = capacity;
    let mut admitted = 0;
    for _ in 0..ATTEMPTS {
        if let Ok(permit) = nozzle.try_acquire() {
            admitted += 1;
            if remaining > 0 {
                remaining -= 1;
                permit.success();
            } else {
                permit.failure();
            }
        }
    }
    admitted
}
