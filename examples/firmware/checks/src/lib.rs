//! Checks shared by the nozzle firmware examples.
//!
//! - [`acceptance`] runs the core's reference acceptance scenario and compares
//!   every flow rate, direction and count with the expected trajectory.
//! - [`race`] drives a nozzle from the main loop while a timer interrupt calls
//!   `tick`, and checks afterwards that no attempt or outcome was lost.
//!
//! [`finish`] prints a summary through semihosting and ends the QEMU run with
//! status 0 only when every check passed. Each firmware crate keeps the parts a
//! firmware author would copy (the `static` nozzle, the interrupt handler and
//! the board setup) in its own `main.rs`.

#![no_std]

pub mod acceptance;
pub mod race;

use core::fmt;

use cortex_m_semihosting::{debug, hprintln};
use nozzle::State;

/// A value that a check compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A count or a flow rate.
    Count(u64),
    /// A direction.
    State(State),
    /// A lower bound, for checks that ask for at least this much.
    AtLeast(u64),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Count(count) => write!(f, "{count}"),
            Value::State(state) => write!(f, "{state}"),
            Value::AtLeast(bound) => write!(f, "at least {bound}"),
        }
    }
}

/// The first check that failed.
#[derive(Clone, Copy, Debug)]
pub struct Mismatch {
    /// Name of the compared quantity, such as "flow rate" or "allowed".
    pub quantity: &'static str,
    /// Interval of the reference scenario (from 0), when the check belongs to one.
    pub interval: Option<usize>,
    /// The expected value.
    pub expected: Value,
    /// The value the device produced.
    pub actual: Value,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.quantity)?;
        if let Some(interval) = self.interval {
            write!(f, " in interval {interval}")?;
        }
        write!(f, ": expected {}, got {}", self.expected, self.actual)
    }
}

/// Returns `Err` with a [`Mismatch`] when `actual` differs from `expected`.
pub(crate) fn check_count(
    quantity: &'static str,
    interval: Option<usize>,
    expected: u64,
    actual: u64,
) -> Result<(), Mismatch> {
    if expected == actual {
        return Ok(());
    }
    Err(Mismatch {
        quantity,
        interval,
        expected: Value::Count(expected),
        actual: Value::Count(actual),
    })
}

/// Prints a summary of both checks and ends the QEMU run: status 0 when both
/// passed, 1 otherwise.
///
/// `board` names the firmware in the output, such as "cortex-m3".
pub fn finish(
    board: &str,
    acceptance: Result<acceptance::Summary, Mismatch>,
    race: Result<race::Summary, Mismatch>,
) -> ! {
    let mut passed = true;
    match acceptance {
        Ok(summary) => hprintln!("{board}: acceptance ok: {summary}"),
        Err(mismatch) => {
            passed = false;
            hprintln!("{board}: acceptance FAILED: {mismatch}");
        }
    }
    match race {
        Ok(summary) => hprintln!("{board}: race ok: {summary}"),
        Err(mismatch) => {
            passed = false;
            hprintln!("{board}: race FAILED: {mismatch}");
        }
    }

    if passed {
        hprintln!("{board}: all checks passed");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("{board}: checks FAILED");
        debug::exit(debug::EXIT_FAILURE);
    }
    // `debug::exit` returns only when the host lets the program go on, which
    // QEMU does not.
    loop {
        core::hint::spin_loop();
    }
}
