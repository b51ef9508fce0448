//! The interval lock: a try-lock in the lock word that serializes interval
//! closes and operator actions, and never makes anyone wait.
//!
//! Admissions and outcomes never touch it. A `tick` that finds it held returns
//! `None`: the holder is closing the interval that tick would have closed, or
//! applying an operator action. An operator action that finds it held leaves a
//! request in the lock word instead (see `control`), and the holder applies the
//! request before it lets go. No thread spins on another thread's progress,
//! so an interrupt handler may call any method while the main loop holds the
//! lock.
//!
//! Orderings: acquiring is a compare-and-swap with `Acquire` and releasing one
//! with `Release`, so everything one holder wrote with `Relaxed` (interval
//! start, sequence number, carried counts, the state bits of the lock word) is
//! visible to the next holder.

use crate::priority::Lanes;
use crate::sync::Ordering::{Acquire, Relaxed, Release};
use crate::word::LockWord;
use crate::Nozzle;

/// Proof that this thread holds the interval lock; releases it on drop.
pub(crate) struct LockGuard<'a> {
    pub(crate) nozzle: &'a Nozzle,
    /// The admission words that closes and flow changes must update.
    pub(crate) lanes: Lanes<'a>,
    /// The lock word's state bits (step, pin, window age, operator flag) as
    /// this holder last read them; stored back on release.
    pub(crate) state: LockWord,
}

/// A request that a thread leaves for the lock holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// Shut off for good.
    ShutOff,
    /// Change the flow rate.
    Flow(crate::word::FlowRequest),
}

impl Nozzle {
    /// Takes the interval lock if it is free.
    pub(crate) fn try_lock<'a>(&'a self, lanes: Lanes<'a>) -> Option<LockGuard<'a>> {
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
            lanes,
            state: current,
        })
    }

    /// Takes the interval lock and applies `request`, or, if the lock is held,
    /// leaves `request` for the holder.
    pub(crate) fn request(&self, lanes: Lanes<'_>, request: Request) {
        let mut current = LockWord(self.lock.load(Relaxed));
        loop {
            if current.is_busy() {
                let next = match request {
                    Request::ShutOff => current.with_flag(LockWord::SHUT_REQUESTED, true),
                    Request::Flow(flow) => current.with_flow_request(flow),
                };
                // Release: orders this thread's earlier writes before the
                // holder's Acquire load that finds the request. The request
                // itself is only these bits: if they land before the holder's
                // release, that release's compare-and-swap fails and re-reads.
                match self
                    .lock
                    .compare_exchange_weak(current.0, next.0, Release, Relaxed)
                {
                    Ok(_) => return,
                    Err(actual) => current = LockWord(actual),
                }
            } else {
                // Acquire: as in try_lock.
                match self.lock.compare_exchange_weak(
                    current.0,
                    current.0 | LockWord::BUSY,
                    Acquire,
                    Relaxed,
                ) {
                    Ok(_) => {
                        let mut guard = LockGuard {
                            nozzle: self,
                            lanes,
                            state: current,
                        };
                        guard.apply(request);
                        return;
                    }
                    Err(actual) => current = LockWord(actual),
                }
            }
        }
    }
}

impl LockGuard<'_> {
    /// Applies one request. The guard holds the lock.
    pub(crate) fn apply(&mut self, request: Request) {
        match request {
            Request::ShutOff => self.shut_off(),
            Request::Flow(flow) => self.change_flow(flow),
        }
    }

    /// Applies every request waiting in `waiting`.
    fn apply_waiting(&mut self, waiting: LockWord) {
        if waiting.has(LockWord::SHUT_REQUESTED) {
            self.apply(Request::ShutOff);
        }
        if let Some(flow) = waiting.flow_request() {
            self.apply(Request::Flow(flow));
        }
        if waiting.has(LockWord::INTERVAL_STAGED) {
            self.apply_staged_interval();
        }
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        let lock = &self.nozzle.lock;
        loop {
            // Acquire: a request's writes (a staged interval) must be visible
            // before it is applied; pairs with the Release that left it.
            let current = LockWord(lock.load(Acquire));
            let waiting = current.0 & LockWord::REQUESTS;
            if waiting != 0 {
                // Take the requests while still holding the lock, so each one is
                // applied exactly once, then look again.
                if lock
                    .compare_exchange_weak(current.0, current.0 & !waiting, Relaxed, Relaxed)
                    .is_ok()
                {
                    self.apply_waiting(current);
                }
                continue;
            }
            // A thread may be halfway through staging an interval; its claim
            // stays, and it takes the free lock itself to apply the value.
            let claim = current.0 & LockWord::INTERVAL_CLAIMED;
            let free = (self.state.0
                & !(LockWord::BUSY | LockWord::REQUESTS | LockWord::INTERVAL_CLAIMED))
                | claim;
            // Release: publishes this holder's writes to the next one.
            if lock
                .compare_exchange_weak(current.0, free, Release, Relaxed)
                .is_ok()
            {
                return;
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
        let guard = nozzle.try_lock(Lanes::Single).unwrap();
        assert!(nozzle.tick(10).is_none(), "a held lock makes tick give up");
        assert!(nozzle.try_lock(Lanes::Single).is_none());
        drop(guard);
        assert_eq!(nozzle.tick(10).unwrap().flow_rate, 99);
    }

    #[test]
    fn shut_off_applied_on_release() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        let mut guard = nozzle.try_lock(Lanes::Single).unwrap();
        guard.state = guard.state.with_step(-4);
        nozzle.shut_off();
        assert!(nozzle.is_shut_off(), "the request is visible at once");
        // Not applied yet: the holder applies it when it lets go.
        nozzle.try_acquire().unwrap().success();
        drop(guard);

        let rejected = nozzle.try_acquire().unwrap_err();
        assert_eq!(rejected.reason(), Reason::ShutOff);
        let word = LockWord(nozzle.lock.load(Relaxed));
        assert!(!word.is_busy());
        assert!(
            !word.has(LockWord::SHUT_REQUESTED),
            "the request is cleared"
        );
        assert_eq!(word.step(), -4, "the holder's step is stored");
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.allowed, 1, "the earlier attempt is carried");
        assert_eq!(snapshot.blocked, 1);
    }

    #[test]
    fn flow_requests_while_held_apply_last_one() {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        let guard = nozzle.try_lock(Lanes::Single).unwrap();
        nozzle.pin(30).unwrap();
        nozzle.pin(40).unwrap();
        assert!(!nozzle.is_pinned(), "waiting for the holder");
        assert_eq!(nozzle.flow_rate(), 100);
        drop(guard);

        assert!(nozzle.is_pinned());
        assert_eq!(
            nozzle.flow_rate(),
            40,
            "a later request replaces an earlier one"
        );
        let transition = nozzle.tick(10).unwrap();
        assert!(transition.operator);
        assert_eq!(transition.verdict, crate::Verdict::Pinned);
    }
}
