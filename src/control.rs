//! Operator control: shutting a nozzle off for good.
//!
//! Changing the flow rate in the middle of an interval ends the stretch of
//! attempts that the admission word can describe, because `allowed` and
//! `blocked` are derived from one attempt count under one flow rate. So a
//! change first moves the counts so far into the carried counters, then starts
//! the attempt count again under the new flow rate. Both steps happen under the
//! interval lock, so a close finds either both done or neither.

use crate::admission::counts;
use crate::sync::Ordering::Relaxed;
use crate::word::{Admission, LockWord, SHUT};
use crate::Nozzle;

impl Nozzle {
    /// Shuts the nozzle off for good: from now on every attempt is rejected
    /// with [`Reason::ShutOff`](crate::Reason::ShutOff), and the flow rate reads
    /// 0.
    ///
    /// This is the counterpart of the original library's `Close`, without a
    /// thread to stop. Attempts made afterwards still count as blocked, and
    /// `tick` still closes intervals and reports them with
    /// [`Verdict::ShutOff`](crate::Verdict::ShutOff). Calling it again does
    /// nothing.
    ///
    /// It takes effect before it returns, unless another thread is in the
    /// middle of closing an interval at that moment. That thread then applies it
    /// before it finishes the close, and this call does not wait for it.
    pub fn shut_off(&self) {
        if let Some(guard) = self.lock_or_request(LockWord::SHUT_REQUESTED) {
            self.apply_shut_off();
            drop(guard);
        }
    }

    /// Returns true once the nozzle is shut off, or a shut-off is waiting for
    /// the thread that holds the interval lock.
    #[must_use]
    pub fn is_shut_off(&self) -> bool {
        // Relaxed: a sample of the current state, as in flow_rate.
        Admission::unpack(self.admission.load(Relaxed)).is_shut()
            || LockWord(self.lock.load(Relaxed)).shut_requested()
    }

    /// Installs the shut-off flow rate. The caller holds the interval lock.
    pub(crate) fn apply_shut_off(&self) {
        let mut current = self.admission.load(Relaxed);
        loop {
            let before = Admission::unpack(current);
            if before.is_shut() {
                return;
            }
            let shut = Admission {
                attempts: 0,
                flow: SHUT,
                closing: true,
            };
            // Relaxed: like a close, this changes only the admission word; the
            // lock orders it with the carried counters.
            match self
                .admission
                .compare_exchange_weak(current, shut.pack(), Relaxed, Relaxed)
            {
                Ok(_) => {
                    let (allowed, blocked) = counts(before);
                    self.carried_allowed.add(allowed);
                    self.carried_blocked.add(blocked);
                    return;
                }
                Err(actual) => current = actual,
            }
        }
    }
}
