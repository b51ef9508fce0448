//! Operator control: shutting off, pinning, resuming, resetting, and changing
//! settings at run time.
//!
//! `allowed` and `blocked` are derived from one attempt count under one flow
//! rate. A flow change in the middle of an interval therefore first moves the
//! counts so far into the carried counters. It then starts the attempt count
//! again under the new flow rate. Both steps happen under the interval lock, so a close
//! finds either both done or neither.
//!
//! An action that finds the lock held by another thread leaves a request in the
//! lock word and returns. The holder applies it before it releases the lock, so
//! the action takes effect a moment after it returned, without anyone waiting.

use crate::config::{ConfigError, Field};
use crate::lock::{LockGuard, Request};
use crate::priority::Lanes;
use crate::sync::Ordering::Relaxed;
use crate::word::{Admission, FlowRequest, LockWord, Settings, SHUT};
use crate::Nozzle;

impl Nozzle {
    /// Shuts the nozzle off for good: from now on every attempt is rejected
    /// with [`Reason::ShutOff`](crate::Reason::ShutOff), and the flow rate reads
    /// 0.
    ///
    /// This is the counterpart of the original library's `Close`, without a
    /// thread to stop. Attempts made afterwards still count as blocked, and
    /// `tick` still closes intervals and reports them with
    /// [`Verdict::ShutOff`](crate::Verdict::ShutOff). Calling it again, or any
    /// flow change afterwards, does nothing.
    ///
    /// It takes effect before it returns, unless another thread is in the
    /// middle of closing an interval at that moment. That thread then applies it
    /// before it finishes the close, and this call does not wait for it.
    pub fn shut_off(&self) {
        self.request(Lanes::Single, Request::ShutOff);
    }

    /// Returns true once the nozzle is shut off, or a shut-off is waiting for
    /// the thread that holds the interval lock.
    #[must_use]
    pub fn is_shut_off(&self) -> bool {
        // Relaxed: a sample of the current state, as in flow_rate.
        Admission::unpack(self.admission.load(Relaxed)).is_shut()
            || LockWord(self.lock.load(Relaxed)).has(LockWord::SHUT_REQUESTED)
    }

    /// Holds the flow rate at `flow_rate` percent: the rules pause, and ticks
    /// go on closing intervals and reporting them with
    /// [`Verdict::Pinned`](crate::Verdict::Pinned). The direction and the step
    /// stay as they were.
    ///
    /// The new rate applies from the next attempt on; the counts of the interval
    /// so far are kept. The next transition has `operator` set. After
    /// [`shut_off`](Nozzle::shut_off) it does nothing, and returns `Ok` for a
    /// valid `flow_rate`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for [`Field::FlowRate`] when `flow_rate` is above 100.
    pub fn pin(&self, flow_rate: u8) -> Result<(), ConfigError> {
        pin_request(flow_rate).map(|request| self.request(Lanes::Single, request))
    }

    /// Lets the rules move the flow rate again, starting from the pinned value
    /// with a step of ±1. Does nothing when not pinned, apart from setting the
    /// next transition's `operator` flag.
    pub fn resume(&self) {
        self.request(Lanes::Single, Request::Flow(FlowRequest::Resume));
    }

    /// Opens the nozzle fully, as if new: flow rate 100, opening, step 0, not
    /// pinned, and a fresh minimum-volume window. The counts of the current
    /// interval are kept. After [`shut_off`](Nozzle::shut_off) it does
    /// nothing.
    pub fn reset(&self) {
        self.request(Lanes::Single, Request::Flow(FlowRequest::Reset));
    }

    /// Returns true while an operator keeps the flow rate fixed with [`pin`](Nozzle::pin).
    #[must_use]
    pub fn is_pinned(&self) -> bool {
        // Relaxed: a sample. A pin waiting for the lock holder reads as
        // not yet pinned.
        LockWord(self.lock.load(Relaxed)).has(LockWord::PINNED)
    }

    /// Changes the allowed failure percent. The next judged interval uses it.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for [`Field::AllowedFailurePercent`] above 100.
    pub fn set_allowed_failure_percent(&self, percent: u8) -> Result<(), ConfigError> {
        if percent > 100 {
            return Err(ConfigError::new(
                Field::AllowedFailurePercent,
                u64::from(percent),
            ));
        }
        // Relaxed: only the close reads the settings word, and it needs
        // nothing but the word itself.
        let _ = self.settings.fetch_update(Relaxed, Relaxed, |word| {
            Some(Settings(word).with_allowed_failure_percent(percent).0 | Settings::CHANGED)
        });
        Ok(())
    }

    /// Changes the interval length, in host units. The current interval is
    /// due `interval` units after its start.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for [`Field::Interval`] when `interval` is 0.
    pub fn set_interval(&self, interval: u64) -> Result<(), ConfigError> {
        self.set_interval_lanes(interval, Lanes::Single)
    }

    /// Changes the interval length for a nozzle whose admission words are
    /// `lanes`, which a holder needs if it applies other requests on the way.
    pub(crate) fn set_interval_lanes(
        &self,
        interval: u64,
        lanes: Lanes<'_>,
    ) -> Result<(), ConfigError> {
        if interval == 0 {
            return Err(ConfigError::new(Field::Interval, 0));
        }
        self.store_interval(interval, lanes);
        Ok(())
    }

    /// Stores a new interval: one atomic store where the target has 64-bit
    /// atomics.
    #[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
    fn store_interval(&self, interval: u64, _lanes: Lanes<'_>) {
        self.interval.value.store_unlocked(interval);
        // Relaxed: as in set_allowed_failure_percent.
        self.settings.fetch_or(Settings::CHANGED, Relaxed);
    }

    /// Stores a new interval through the staging cell, where 64 bits take two
    /// stores and only the lock holder may write the interval itself.
    ///
    /// The caller first claims the staging cell with a bit in the lock word. If
    /// another thread has that claim, the two calls overlap, and this one
    /// counts as the earlier of the two, overwritten by the other: it returns
    /// without writing. Otherwise it writes the staging cell, then either takes
    /// the free lock and applies the value itself, or hands it to the holder.
    #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
    fn store_interval(&self, interval: u64, lanes: Lanes<'_>) {
        use crate::sync::Ordering::{Acquire, Release};

        let mut current = LockWord(self.lock.load(Relaxed));
        loop {
            if current.has(LockWord::INTERVAL_CLAIMED) {
                return;
            }
            let claimed = current.with_flag(LockWord::INTERVAL_CLAIMED, true);
            // Relaxed: the claim only keeps other writers out of the staging
            // cell; the stores below are published by the Release further down.
            match self
                .lock
                .compare_exchange_weak(current.0, claimed.0, Relaxed, Relaxed)
            {
                Ok(_) => break,
                Err(actual) => current = LockWord(actual),
            }
        }
        self.interval.staged.set(interval);

        let mut current = LockWord(self.lock.load(Relaxed));
        loop {
            let unclaimed = current.with_flag(LockWord::INTERVAL_CLAIMED, false);
            if current.is_busy() {
                let handed = unclaimed.with_flag(LockWord::INTERVAL_STAGED, true);
                // Release: publishes the staged value to the holder, whose
                // release loop loads the lock word with Acquire.
                match self
                    .lock
                    .compare_exchange_weak(current.0, handed.0, Release, Relaxed)
                {
                    Ok(_) => return,
                    Err(actual) => current = LockWord(actual),
                }
            } else {
                let locked = unclaimed.with_flag(LockWord::BUSY, true);
                // Acquire: takes the lock, as in try_lock.
                match self
                    .lock
                    .compare_exchange_weak(current.0, locked.0, Acquire, Relaxed)
                {
                    Ok(_) => {
                        let mut guard = LockGuard {
                            nozzle: self,
                            lanes,
                            state: unclaimed,
                        };
                        guard.apply_staged_interval();
                        return;
                    }
                    Err(actual) => current = LockWord(actual),
                }
            }
        }
    }
}

/// Returns the request that pins `flow_rate`, or the error for an invalid one.
pub(crate) fn pin_request(flow_rate: u8) -> Result<Request, ConfigError> {
    if flow_rate > 100 {
        return Err(ConfigError::new(Field::FlowRate, u64::from(flow_rate)));
    }
    Ok(Request::Flow(FlowRequest::Pin(flow_rate)))
}

impl LockGuard<'_> {
    /// Installs the shut-off flow rate in every admission word.
    pub(crate) fn shut_off(&mut self) {
        let nozzle = self.nozzle;
        // Relaxed: only lock holders change the flow field, and this one
        // holds the lock.
        let control = Admission::unpack(nozzle.admission.load(Relaxed));
        if control.is_shut() {
            return;
        }
        let shut = Admission {
            attempts: 0,
            flow: SHUT,
            closing: true,
        };
        nozzle.restart_lanes(self.lanes, shut, true);
        self.state = self
            .state
            .with_flag(LockWord::OPERATOR_ACTED, true)
            .with_flag(LockWord::PINNED, false);
    }

    /// Applies a pin, a resume or a reset.
    pub(crate) fn change_flow(&mut self, request: FlowRequest) {
        let nozzle = self.nozzle;
        // Relaxed: as in shut_off.
        let control = Admission::unpack(nozzle.admission.load(Relaxed));
        if control.is_shut() {
            return;
        }
        self.state = self.state.with_flag(LockWord::OPERATOR_ACTED, true);
        match request {
            FlowRequest::Pin(rate) => {
                let pinned = Admission {
                    attempts: 0,
                    flow: rate,
                    ..control
                };
                nozzle.restart_lanes(self.lanes, pinned, true);
                self.state = self.state.with_flag(LockWord::PINNED, true).with_age(0);
            }
            FlowRequest::Resume => {
                if self.state.has(LockWord::PINNED) {
                    self.state = self
                        .state
                        .with_flag(LockWord::PINNED, false)
                        .with_step(0)
                        .with_age(0);
                }
            }
            FlowRequest::Reset => {
                nozzle.restart_lanes(self.lanes, Admission::OPEN, true);
                self.state = self
                    .state
                    .with_flag(LockWord::PINNED, false)
                    .with_step(0)
                    .with_age(0);
            }
        }
    }

    /// Moves the staged interval into place. Only targets without 64-bit
    /// atomics stage intervals; elsewhere nothing is ever staged.
    pub(crate) fn apply_staged_interval(&mut self) {
        #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
        {
            let interval = self.nozzle.interval.staged.get();
            self.nozzle.interval.value.set(interval);
            self.state = self.state.with_flag(LockWord::OPERATOR_ACTED, true);
        }
    }
}

#[cfg(all(
    test,
    not(loom),
    not(all(target_has_atomic = "64", not(nozzle_narrow)))
))]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn interval_write_yields_to_a_concurrent_stager() {
        // Another thread has claimed the staging cell: this write counts as the
        // earlier of two overlapping writes and leaves everything to that one.
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        nozzle.lock.fetch_or(LockWord::INTERVAL_CLAIMED, Relaxed);
        nozzle.set_interval(5).unwrap();
        assert_eq!(nozzle.interval.value.get(), 10);
        assert_eq!(nozzle.interval.staged.get(), 10, "staging cell untouched");

        // Once the claim is gone, a write goes through.
        nozzle.lock.fetch_and(!LockWord::INTERVAL_CLAIMED, Relaxed);
        nozzle.set_interval(5).unwrap();
        assert_eq!(nozzle.interval.value.get(), 5);
    }
}
