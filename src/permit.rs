//! Permits, and the closure wrappers built on them.

use core::fmt;

use crate::error::{Error, Rejected};
use crate::Nozzle;

/// An admitted call, to be reported as a success or a failure.
///
/// Reporting consumes the permit, so an outcome cannot be reported twice. A
/// permit dropped without an outcome (a panic, an early return, a cancelled
/// future) is counted in [`Snapshot::abandoned`](crate::Snapshot::abandoned)
/// and judged by the configured [`Abandon`](crate::Abandon) policy. The nozzle
/// keeps no slot for outstanding permits, so one that is held forever blocks
/// nothing.
///
/// An outcome counts in the interval in which it is reported, which for a call
/// that outlives its interval is a later one than the interval that admitted it.
///
/// A second report does not compile:
///
/// ```compile_fail
/// # let nozzle = nozzle::Nozzle::new(nozzle::Config::new(1_000)).unwrap();
/// let permit = nozzle.try_acquire().unwrap();
/// permit.success();
/// permit.failure(); // error: use of moved value
/// ```
#[must_use = "a permit dropped without `success()` or `failure()` counts as abandoned"]
pub struct Permit<'a> {
    nozzle: &'a Nozzle,
}

impl<'a> Permit<'a> {
    pub(crate) const fn new(nozzle: &'a Nozzle) -> Permit<'a> {
        Permit { nozzle }
    }

    /// Reports the call as a success.
    #[inline]
    pub fn success(self) {
        self.into_nozzle().successes.increment();
    }

    /// Reports the call as a failure.
    #[inline]
    pub fn failure(self) {
        self.into_nozzle().failures.increment();
    }

    /// Reports the call as a success when `success` is true, else as a failure.
    #[inline]
    pub fn record(self, success: bool) {
        if success {
            self.success();
        } else {
            self.failure();
        }
    }

    /// Records `result` as the call's outcome (`Ok` as a success, `Err` as a
    /// failure) and passes it on, with an error wrapped as [`Error::Inner`].
    pub(crate) fn finish<T, E>(self, result: Result<T, E>) -> Result<T, Error<E>> {
        self.record(result.is_ok());
        result.map_err(Error::Inner)
    }

    /// Consumes the permit without counting it as abandoned.
    ///
    /// The outcome methods disarm the permit before they count the outcome.
    /// Counting first would keep the permit alive across the counter's
    /// out-of-line saturation path, so the compiler would spill it to the stack
    /// on every call for an unwind that cannot happen.
    #[inline]
    fn into_nozzle(self) -> &'a Nozzle {
        let nozzle = self.nozzle;
        core::mem::forget(self);
        nozzle
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.nozzle.abandoned.increment();
    }
}

impl fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl Nozzle {
    /// Runs `f` if the nozzle admits the call, and records its result: `Ok` as
    /// a success, `Err` as a failure.
    ///
    /// If `f` panics, the permit is dropped while unwinding and counts as
    /// abandoned.
    ///
    /// ```
    /// use nozzle::{Config, Error, Nozzle};
    ///
    /// let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    /// let answer: Result<u32, Error<&str>> = nozzle.call(|| Ok(42));
    /// assert_eq!(answer, Ok(42));
    /// let failed: Result<u32, Error<&str>> = nozzle.call(|| Err("timed out"));
    /// assert_eq!(failed, Err(Error::Inner("timed out")));
    /// assert_eq!(nozzle.snapshot().failures, 1);
    /// ```
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, Error<E>> {
        let permit = self.try_acquire()?;
        permit.finish(f())
    }

    /// Runs `f` if the nozzle admits the call, and records `true` as a success
    /// and `false` as a failure. Returns what `f` returned.
    ///
    /// ```
    /// use nozzle::{Config, Nozzle};
    ///
    /// let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    /// assert_eq!(nozzle.call_bool(|| true), Ok(true));
    /// assert_eq!(nozzle.snapshot().successes, 1);
    /// ```
    pub fn call_bool(&self, f: impl FnOnce() -> bool) -> Result<bool, Rejected> {
        let permit = self.try_acquire()?;
        let success = f();
        permit.record(success);
        Ok(success)
    }
}
