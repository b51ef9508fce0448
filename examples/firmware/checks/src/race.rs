//! A timer interrupt that calls `tick` racing a main loop that acquires permits
//! and reports outcomes.
//!
//! The interrupt handler passes every `Transition` it gets to [`Tally::record`],
//! which adds the closed interval's counts to atomics. The main loop, [`drive`],
//! counts its own attempts and outcomes in plain local variables. Once the timer
//! is stopped, [`check`] adds the nozzle's final snapshot (the interval still
//! open) to the tally and requires every sum to equal the main loop's count. An
//! attempt or an outcome lost or counted twice anywhere in a close therefore
//! shows up as a difference.
//!
//! Orderings: every atomic here is `Relaxed`. The firmware runs on one core, so
//! the handler runs to completion between two instructions of the main loop and
//! each side sees the other's writes in program order; what the compiler could
//! still move is pinned with `compiler_fence` where it matters.

use core::fmt;
use core::sync::atomic::{compiler_fence, Ordering::SeqCst};

use nozzle::{Nozzle, Transition};
use portable_atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

use crate::{check_count, Mismatch, Value};

/// Intervals per phase of the simulated dependency. It fails 90 % of the calls
/// in odd phases, which drives the flow rate from 100 to 0 in 7 intervals, and
/// 10 % in even phases, which brings it back to 100 in 7 more.
const PHASE_INTERVALS: u32 = 16;

/// Sums over every transition that the interrupt handler received.
#[derive(Debug)]
pub struct Tally {
    closes: AtomicU32,
    closes_in_flight: AtomicU32,
    allowed: AtomicU32,
    blocked: AtomicU32,
    successes: AtomicU32,
    failures: AtomicU32,
    abandoned: AtomicU32,
    /// Transitions whose sequence number was not the number of closes so far.
    seq_errors: AtomicU32,
    /// Transitions that installed a flow rate above 100.
    invalid_flows: AtomicU32,
    lowest_flow: AtomicU32,
    /// Closes that took the flow rate from below 100 back to 100.
    reopenings: AtomicU32,
}

impl Tally {
    /// Creates an empty tally, for a `static`.
    #[allow(clippy::new_without_default)] // a `static` needs a `const fn`
    pub const fn new() -> Tally {
        Tally {
            closes: AtomicU32::new(0),
            closes_in_flight: AtomicU32::new(0),
            allowed: AtomicU32::new(0),
            blocked: AtomicU32::new(0),
            successes: AtomicU32::new(0),
            failures: AtomicU32::new(0),
            abandoned: AtomicU32::new(0),
            seq_errors: AtomicU32::new(0),
            invalid_flows: AtomicU32::new(0),
            lowest_flow: AtomicU32::new(100),
            reopenings: AtomicU32::new(0),
        }
    }

    /// Adds one transition. `permit_in_flight` is true when the main loop held
    /// a permit as the interrupt closed the interval. Call it only from the
    /// one interrupt handler that ticks the nozzle.
    pub fn record(&self, transition: &Transition, permit_in_flight: bool) {
        let closed = &transition.closed;
        self.allowed.fetch_add(closed.allowed, Relaxed);
        self.blocked.fetch_add(closed.blocked, Relaxed);
        self.successes.fetch_add(closed.successes, Relaxed);
        self.failures.fetch_add(closed.failures, Relaxed);
        self.abandoned.fetch_add(closed.abandoned, Relaxed);
        if permit_in_flight {
            self.closes_in_flight.fetch_add(1, Relaxed);
        }

        // Only this handler ticks the nozzle, so it receives every close in order.
        let closes = self.closes.fetch_add(1, Relaxed).wrapping_add(1);
        if transition.seq != u64::from(closes) {
            self.seq_errors.fetch_add(1, Relaxed);
        }

        if transition.flow_rate > 100 {
            self.invalid_flows.fetch_add(1, Relaxed);
        }
        self.lowest_flow
            .fetch_min(transition.flow_rate.into(), Relaxed);
        if closed.flow_rate < 100 && transition.flow_rate == 100 {
            self.reopenings.fetch_add(1, Relaxed);
        }
    }

    /// Returns how many intervals the handler has closed.
    pub fn closes(&self) -> u32 {
        self.closes.load(Relaxed)
    }
}

/// Counts that the main loop keeps by itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Load {
    /// Calls to `try_acquire`.
    pub attempts: u32,
    /// Attempts that returned a permit.
    pub admitted: u32,
    /// Attempts that returned `Rejected`.
    pub rejected: u32,
    /// Permits reported as successes.
    pub successes: u32,
    /// Permits reported as failures.
    pub failures: u32,
    /// Permits dropped without an outcome.
    pub abandoned: u32,
}

/// Acquires permits on `nozzle` and reports outcomes until the interrupt
/// handler has closed `closes` intervals.
///
/// `in_flight` is true from the moment a permit is admitted until its outcome
/// is reported, so that the handler can tell whether its close split a call
/// across two intervals.
pub fn drive(nozzle: &Nozzle, tally: &Tally, in_flight: &AtomicBool, closes: u32) -> Load {
    let mut load = Load::default();
    let mut random = XorShift32(0x9E37_79B9);
    while tally.closes() < closes {
        load.attempts += 1;
        let Ok(permit) = nozzle.try_acquire() else {
            load.rejected += 1;
            continue;
        };
        load.admitted += 1;
        // The fences keep the flag inside the span from admission to outcome,
        // so the handler never counts a close as split when it was not.
        compiler_fence(SeqCst);
        in_flight.store(true, Relaxed);

        // Bits 0-3 of the draw pick abandonment (1 in 16), bits 4 and up the
        // outcome, bits 8 and up the length of the call.
        let draw = random.next();
        call_dependency(draw >> 8);
        let one_in_ten = (draw >> 4).is_multiple_of(10);
        let failing_phase = (tally.closes() / PHASE_INTERVALS) % 2 == 1;
        let fails = if failing_phase {
            !one_in_ten
        } else {
            one_in_ten
        };

        in_flight.store(false, Relaxed);
        compiler_fence(SeqCst);
        if draw.is_multiple_of(16) {
            load.abandoned += 1;
            drop(permit);
        } else if fails {
            load.failures += 1;
            permit.failure();
        } else {
            load.successes += 1;
            permit.success();
        }
    }
    load
}

/// Stands in for the guarded call: a short busy loop of varying length, during
/// which the interrupt may close the interval.
fn call_dependency(seed: u32) {
    for i in 0..seed % 64 {
        core::hint::black_box(i);
    }
}

/// Marsaglia's xorshift32: a fixed, cheap sequence of outcomes and call lengths.
struct XorShift32(u32);

impl XorShift32 {
    fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

/// Totals of a passing race.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    /// Timer interrupts taken.
    pub ticks: u32,
    /// Intervals that those interrupts closed.
    pub closes: u32,
    /// Closes that happened while the main loop held a permit.
    pub closes_in_flight: u32,
    /// The main loop's own counts.
    pub load: Load,
    /// Times the flow rate came back to 100 from below.
    pub reopenings: u32,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let load = &self.load;
        write!(
            f,
            "{} ticks closed {} intervals ({} with a permit in flight); \
             {} attempts = {} allowed + {} blocked; \
             {} outcomes = {} successes + {} failures; {} abandoned; \
             flow reached 0 and reopened to 100 {} times",
            self.ticks,
            self.closes,
            self.closes_in_flight,
            load.attempts,
            load.admitted,
            load.rejected,
            load.successes + load.failures,
            load.successes,
            load.failures,
            load.abandoned,
            self.reopenings,
        )
    }
}

/// Compares the tally plus the nozzle's current snapshot with what the main
/// loop counted. Call it after the timer interrupt is stopped.
///
/// `ticks` is the number of timer interrupts taken. The nozzle's interval must
/// be one tick long, so that every tick closes exactly one interval.
/// `min_closes_in_flight` is the fewest closes that must have happened while
/// the main loop held a permit, as evidence that the two really interleaved.
///
/// # Errors
///
/// The first [`Mismatch`].
pub fn check(
    nozzle: &Nozzle,
    tally: &Tally,
    load: &Load,
    ticks: u32,
    min_closes_in_flight: u32,
) -> Result<Summary, Mismatch> {
    let open = nozzle.snapshot();
    let sum = |total: &AtomicU32, current: u32| u64::from(total.load(Relaxed)) + u64::from(current);
    let allowed = sum(&tally.allowed, open.allowed);
    let blocked = sum(&tally.blocked, open.blocked);
    let successes = sum(&tally.successes, open.successes);
    let failures = sum(&tally.failures, open.failures);
    let abandoned = sum(&tally.abandoned, open.abandoned);
    let closes = tally.closes();

    check_count(
        "intervals closed by the ticks",
        None,
        ticks.into(),
        closes.into(),
    )?;
    let seq_errors = tally.seq_errors.load(Relaxed);
    check_count("out-of-order sequence numbers", None, 0, seq_errors.into())?;
    let invalid_flows = tally.invalid_flows.load(Relaxed);
    check_count("flow rates above 100", None, 0, invalid_flows.into())?;

    let attempts = u64::from(load.attempts);
    check_count("allowed + blocked", None, attempts, allowed + blocked)?;
    check_count("allowed", None, load.admitted.into(), allowed)?;
    check_count("blocked", None, load.rejected.into(), blocked)?;
    let outcomes = u64::from(load.successes) + u64::from(load.failures);
    check_count("successes + failures", None, outcomes, successes + failures)?;
    check_count("successes", None, load.successes.into(), successes)?;
    check_count("failures", None, load.failures.into(), failures)?;
    check_count("abandoned", None, load.abandoned.into(), abandoned)?;

    let closes_in_flight = tally.closes_in_flight.load(Relaxed);
    at_least(
        "closes with a permit in flight",
        min_closes_in_flight,
        closes_in_flight,
    )?;
    let lowest_flow = tally.lowest_flow.load(Relaxed);
    check_count("lowest flow rate", None, 0, lowest_flow.into())?;
    let reopenings = tally.reopenings.load(Relaxed);
    at_least("reopenings to 100", 1, reopenings)?;

    Ok(Summary {
        ticks,
        closes,
        closes_in_flight,
        load: *load,
        reopenings,
    })
}

fn at_least(quantity: &'static str, bound: u32, actual: u32) -> Result<(), Mismatch> {
    if actual >= bound {
        return Ok(());
    }
    Err(Mismatch {
        quantity,
        interval: None,
        expected: Value::AtLeast(bound.into()),
        actual: Value::Count(actual.into()),
    })
}
