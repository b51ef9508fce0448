//! The interval lock: a try-lock in the lock word that serializes interval
//! closes and operator actions, and never makes anyone wait.
//!
//! Admissions and outcomes never touch it. A `tick` that finds it held returns
//! `None`: the holder is closing the interval that tick would have closed, or
//! applying an operator action. An operator action that finds it held leaves a
//! request bit in the lock word instead (see `control`), and the holder applies
//! the request before it lets go. No thread spins on another thread's progress,
//! so an interrupt handler may call any method while the main loop holds the lock.
//!
//! Orderings: acquiring is a compare-and-swap with `Acquire` and releasing one
//! with `Release`, so everything one holder wrote with `Relaxed` (interval
//! start, sequence number, carried counts) is visible to the next holder.

use crate::sync::Ordering::{Acquire, Relaxed, Release};
use crate::word::LockWord;
use crate::Nozzle;

/// Proof that this thread holds the interval lock; releases it on drop.
pub(crate) struct LockGuard<'a> {
    nozzle: &'a Nozzle,
    /// The reference rules' signed step, stored back into the lock word on
    /// release.
    pub(crate) step: i16,
}

impl Nozzle {
    /// Takes the interval lock if it is free.
    pub(crate) fn try_lock(&self) -> Option<LockGuard<'_>> {
        // Relaxed: a busy word means giving up; a free one is confirmed by the
        // compare-and-swap below.
        let current = LockWord(self.lock.load(Relaxed));
        if current.is_busy() {
            return None;
        }
        // Acquire: pairs with the Release of the previous holder's unlock.
        self.lock
            .compare_exchange(current.0, current.0 | LockWord::BUSY, Acquire, Relaxed)
            .ok()?;
        Some(LockGuard {
            nozzle: self,
            step: current.step(),
        })
    }

    /// Takes the interval lock if it is free; otherwise sets `request` in the
    /// lock word for the holder to act on, and returns `None`.
    pub(crate) fn lock_or_request(&self, request: u32) -> Option<LockGuard<'_>> {
        let mut current = LockWord(self.lock.load(Relaxed));
        loop {
            let (next, success_order) = if current.is_busy() {
                // Relaxed: the request bit carries no data. If it lands before
                // the holder's release, the release's compare-and-swap fails,
                // re-reads the word and finds it.
                (current.0 | request, Relaxed)
            } else {
                // Acquire: as in try_lock.
                (current.0 | LockWord::BUSY, Acquire)
            };
            match self
                .lock
                .compare_exchange_weak(current.0, next, success_order, Relaxed)
            {
                Ok(_) if current.is_busy() => return None,
                Ok(_) => {
                    return Some(LockGuard {
                        nozzle: self,
                        step: current.step(),
                    })
                }
                Err(actual) => current = LockWord(actual),
            }
        }
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        let nozzle = self.nozzle;
        let mut current = LockWord(nozzle.lock.load(Relaxed));
        loop {
            // Requests left while we held the lock are applied now, before
            // anyone else can take it. Applying one twice is harmless, so a
            // retry after a failed exchange may repeat it.
            if current.shut_requested() {
                nozzle.apply_shut_off();
            }
            let free = LockWord::free_with_step(self.step);
            // Release: publishes this holder's writes to the next one.
            match nozzle
                .lock
                .compare_exchange_weak(current.0, free.0, Release, Relaxed)
            {
                Ok(_) => return,
                Err(actual) => current = LockWord(actual),
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Config, Reason};

    #[test]
    fn tick_returns_none_while_lock_is_held() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        nozzle.try_acquire().unwrap().failure();
        let guard = nozzle.try_lock().unwrap();
        assert!(nozzle.tick(10).is_none(), "a held lock makes tick give up");
        assert!(nozzle.try_lock().is_none());
        drop(guard);
        assert_eq!(nozzle.tick(10).unwrap().flow_rate, 99);
    }

    #[test]
    fn shut_off_applied_on_release() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        let mut guard = nozzle.try_lock().unwrap();
        guard.step = -4;
        nozzle.shut_off();
        assert!(nozzle.is_shut_off(), "the request is visible at once");
        // Not applied yet: the holder applies it when it lets go.
        nozzle.try_acquire().unwrap().success();
        drop(guard);

        let rejected = nozzle.try_acquire().unwrap_err();
        assert_eq!(rejected.reason(), Reason::ShutOff);
        let word = LockWord(nozzle.lock.load(Relaxed));
        assert!(!word.is_busy());
        assert!(!word.shut_requested(), "the request is cleared");
        assert_eq!(word.step(), -4, "the holder's step is stored");
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.allowed, 1, "the earlier attempt is carried");
        assert_eq!(snapshot.blocked, 1);
    }
}
