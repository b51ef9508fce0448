//! Permits that own their handle to the nozzle, for futures and tasks that must
//! be `'static`.

use core::fmt;
use core::ops::Deref;

use crate::error::Rejected;
use crate::permit::Permit;
use crate::Nozzle;

/// An admitted call that owns a handle `N` to its nozzle, such as an
/// `Arc<Nozzle>` or a `&'static Nozzle`.
///
/// It behaves as a [`Permit`]: report the outcome with
/// [`success`](OwnedPermit::success), [`failure`](OwnedPermit::failure) or
/// [`record`](OwnedPermit::record); dropping it without an outcome counts as
/// abandoned. Because it borrows nothing, it can move into a spawned task or a
/// `'static` response future.
#[must_use = "a permit dropped without `success()` or `failure()` counts as abandoned"]
pub struct OwnedPermit<N: Deref<Target = Nozzle>> {
    nozzle: N,
    /// Set by `record`, so that the drop that follows it does not also count
    /// the call as abandoned.
    reported: bool,
}

impl Nozzle {
    /// Decides one call as [`try_acquire`](Nozzle::try_acquire) does, and
    /// returns a permit that owns `nozzle`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use nozzle::{Config, Nozzle};
    ///
    /// let nozzle = Arc::new(Nozzle::new(Config::new(1_000))?);
    /// let permit = Nozzle::try_acquire_owned(Arc::clone(&nozzle)).unwrap();
    /// std::thread::spawn(move || permit.success()).join().unwrap();
    /// assert_eq!(nozzle.snapshot().successes, 1);
    /// # Ok::<(), nozzle::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Rejected`], with the reason and the flow rate it was decided under.
    /// `nozzle` is dropped.
    #[inline]
    pub fn try_acquire_owned<N: Deref<Target = Nozzle>>(
        nozzle: N,
    ) -> Result<OwnedPermit<N>, Rejected> {
        let permit = nozzle.try_acquire()?;
        // The owned permit takes over the outcome, so the borrowed one must not
        // also count as abandoned. `Permit` owns no resource, so forgetting it
        // leaks nothing.
        core::mem::forget(permit);
        Ok(OwnedPermit {
            nozzle,
            reported: false,
        })
    }
}

impl<N: Deref<Target = Nozzle>> OwnedPermit<N> {
    /// Reports the call as a success.
    #[inline]
    pub fn success(self) {
        self.record(true);
    }

    /// Reports the call as a failure.
    #[inline]
    pub fn failure(self) {
        self.record(false);
    }

    /// Reports the call as a success when `success` is true, else as a failure.
    #[inline]
    pub fn record(mut self, success: bool) {
        Permit::new(&self.nozzle).record(success);
        self.reported = true;
    }

    /// Returns the nozzle that issued this permit.
    #[must_use]
    pub fn nozzle(&self) -> &Nozzle {
        &self.nozzle
    }
}

impl<N: Deref<Target = Nozzle>> Drop for OwnedPermit<N> {
    fn drop(&mut self) {
        if !self.reported {
            // Counts the abandoned call exactly as a dropped `Permit` does.
            drop(Permit::new(&self.nozzle));
        }
    }
}

impl<N: Deref<Target = Nozzle>> fmt::Debug for OwnedPermit<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Abandon, Config};

    #[test]
    fn owned_permit_records_each_outcome_once() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        Nozzle::try_acquire_owned(&nozzle).unwrap().success();
        Nozzle::try_acquire_owned(&nozzle).unwrap().failure();
        Nozzle::try_acquire_owned(&nozzle).unwrap().record(true);
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.allowed, 3);
        assert_eq!(snapshot.successes, 2);
        assert_eq!(snapshot.failures, 1);
        assert_eq!(snapshot.abandoned, 0);
    }

    #[test]
    fn dropped_owned_permit_is_abandoned() {
        let config = Config::new(10).on_abandon(Abandon::AsFailure);
        let nozzle = Nozzle::new(config).unwrap();
        let permit = Nozzle::try_acquire_owned(&nozzle).unwrap();
        assert!(core::ptr::eq(permit.nozzle(), &nozzle));
        assert_eq!(std::format!("{permit:?}"), "OwnedPermit { .. }");
        drop(permit);
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.abandoned, 1);
        assert_eq!(snapshot.failures, 1);
        assert_eq!(snapshot.successes, 0);
    }

    #[test]
    fn rejected_owned_acquire_counts_blocked() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        nozzle.shut_off();
        let rejected = Nozzle::try_acquire_owned(&nozzle).unwrap_err();
        assert_eq!(rejected.reason(), crate::Reason::ShutOff);
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.blocked, 1);
        assert_eq!(snapshot.abandoned, 0);
    }
}
