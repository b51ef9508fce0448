//! Priority classes: shed low-priority calls before critical ones.
//!
//! A [`PriorityNozzle`] keeps one admission word per [`Priority`], each with its
//! own flow rate, next to the word that contains the nozzle's overall flow rate. At
//! every close the overall rate `f` is split over the classes by the previous
//! interval's class mix: classes are served from the most important down, each
//! at 100 % while the budget of `f` percent of all attempts lasts, one class at
//! the fraction the remaining budget covers, and the rest at 0 %. A call is
//! still decided by one `fetch_add` on its class's word, with the same rule as
//! a plain [`Nozzle`].
//!
//! Because at most one class gets a rate strictly between 0 and 100, the
//! admitted fraction of a class is never below that of a less important one.
//! When every call uses [`Priority::Normal`], the split gives that class the
//! overall rate, and admission is exactly that of a plain `Nozzle`.

use core::fmt;

use crate::admission::{self, counts, Decision};
use crate::close::add_counts;
use crate::config::{Config, ConfigError};
use crate::control::pin_request;
use crate::error::{Error, Reason, Rejected};
use crate::lock::Request;
use crate::permit::Permit;
use crate::report::{Snapshot, State, Transition};
use crate::sync::{AtomicU32, AtomicWord, Ordering::Relaxed};
use crate::word::{Admission, FlowRequest, SHUT};
use crate::{Nozzle, COUNT_MAX};

/// Number of priority classes.
pub const CLASSES: usize = 5;

/// Importance of a call, from the last to be shed to the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Priority {
    /// Shed last: health checks, payments, anything whose loss is an outage.
    Critical,
    /// More important than ordinary traffic.
    High,
    /// Ordinary traffic, and the class of plain `try_acquire` (the default).
    #[default]
    Normal,
    /// Less important than ordinary traffic.
    Low,
    /// Shed first: prefetches, retries, batch work.
    Sheddable,
}

impl Priority {
    /// Every class, from the most important down.
    pub const ALL: [Priority; CLASSES] = [
        Priority::Critical,
        Priority::High,
        Priority::Normal,
        Priority::Low,
        Priority::Sheddable,
    ];

    const fn index(self) -> usize {
        match self {
            Priority::Critical => 0,
            Priority::High => 1,
            Priority::Normal => 2,
            Priority::Low => 3,
            Priority::Sheddable => 4,
        }
    }
}

/// The admission words that closes and flow changes update.
#[derive(Clone, Copy)]
pub(crate) enum Lanes<'a> {
    /// A plain nozzle: its control word is also its only admission word.
    Single,
    /// One admission word per priority class.
    Classes(&'a ClassWords),
}

/// Per-class admission words, and the class mix of the last closed interval.
#[derive(Debug)]
pub(crate) struct ClassWords {
    /// Admission word of each class, in the order of [`Priority::ALL`]; each
    /// is laid out like a plain nozzle's (see `word::Admission`).
    words: [AtomicWord; CLASSES],
    /// Attempts of each class in the last closed interval, saturating at
    /// `u32::MAX`. Written only under the interval lock.
    mix: [AtomicU32; CLASSES],
}

impl ClassWords {
    crate::sync::const_unless_loom! {
        fn new() -> ClassWords {
            ClassWords {
                words: [open(), open(), open(), open(), open()],
                mix: [zero(), zero(), zero(), zero(), zero()],
            }
        }
    }

    /// Installs `next` in every class word, with each class's share of its
    /// flow rate, and returns the `allowed` and `blocked` counts the words held.
    ///
    /// A close (`from_last_mix` false) splits by the attempts of the interval it
    /// closes and records them as the new mix. An operator's change splits by
    /// the mix of the last closed interval.
    pub(crate) fn restart(&self, next: Admission, from_last_mix: bool) -> (u32, u32) {
        let mut mix = [0u64; CLASSES];
        for (class, slot) in mix.iter_mut().enumerate() {
            *slot = if from_last_mix {
                // Relaxed: written only under the lock, which the caller holds.
                u64::from(self.mix[class].load(Relaxed))
            } else {
                // Relaxed: a sample of the class mix; the swap below is exact.
                Admission::unpack(self.words[class].load(Relaxed)).attempts
            };
        }
        let rates = split(next.flow, &mix);

        let (mut allowed, mut blocked) = (0u32, 0u32);
        for (class, word) in self.words.iter().enumerate() {
            let class_next = Admission {
                flow: rates[class],
                ..next
            };
            let before = crate::close::swap_attempts(word, class_next);
            let (class_allowed, class_blocked) = counts(before);
            allowed = add_counts(allowed, class_allowed);
            blocked = add_counts(blocked, class_blocked);
            if !from_last_mix {
                let attempts = u32::try_from(before.attempts).unwrap_or(u32::MAX);
                // Relaxed: read only under the lock.
                self.mix[class].store(attempts, Relaxed);
            }
        }
        (allowed, blocked)
    }

    /// Returns the `allowed` and `blocked` counts of every class so far.
    pub(crate) fn counts(&self) -> (u32, u32) {
        let (mut allowed, mut blocked) = (0u32, 0u32);
        for word in &self.words {
            // Relaxed: a sample, as in Nozzle::snapshot.
            let (class_allowed, class_blocked) = counts(Admission::unpack(word.load(Relaxed)));
            allowed = add_counts(allowed, class_allowed);
            blocked = add_counts(blocked, class_blocked);
        }
        (allowed, blocked)
    }
}

crate::sync::const_unless_loom! {
    fn open() -> AtomicWord {
        AtomicWord::new(Admission::OPEN.pack())
    }
}

crate::sync::const_unless_loom! {
    fn zero() -> AtomicU32 {
        AtomicU32::new(0)
    }
}

/// Splits the overall flow rate `flow` over the classes by `mix`, the attempts
/// each class made, from the most important class down.
///
/// The budget is `flow` percent of all attempts. Each class in turn gets 100 %
/// while the budget covers all its attempts, then one class gets the share the
/// rest of the budget covers (rounded to the nearest percent), and every class
/// after it gets 0 %. A class without attempts gets 100 % while budget is left
/// and 0 % after. With no attempts at all, every class gets `flow`.
pub(crate) const fn split(flow: u8, mix: &[u64; CLASSES]) -> [u8; CLASSES] {
    if flow == SHUT || flow == 0 || flow >= 100 {
        return [flow; CLASSES];
    }
    let mut total = 0u64;
    let mut class = 0;
    while class < CLASSES {
        total = total.saturating_add(mix[class]);
        class = class.saturating_add(1);
    }
    if total == 0 {
        return [flow; CLASSES];
    }
    // At most 100 * 5 * 2^56, far below u64::MAX; saturating all the same.
    let mut budget = (flow as u64).saturating_mul(total);
    let mut rates = [0u8; CLASSES];
    let mut class = 0;
    while class < CLASSES {
        let need = mix[class].saturating_mul(100);
        if budget == 0 {
            rates[class] = 0;
        } else if budget >= need {
            rates[class] = 100;
            budget = budget.saturating_sub(need);
        } else {
            // 0 < budget < 100 * mix, so the quotient is below 100.
            let share = budget
                .saturating_add(mix[class] / 2)
                .checked_div(mix[class]);
            rates[class] = match share {
                Some(share) if share < 100 => share as u8,
                _ => 99,
            };
            budget = 0;
        }
        class = class.saturating_add(1);
    }
    rates
}

/// A nozzle whose calls carry a [`Priority`], shedding less important calls
/// first.
///
/// The same rules move its overall flow rate, and it has the same `tick`,
/// snapshot and operator methods as [`Nozzle`]. Its call wrappers take the
/// priority: [`call_with`](PriorityNozzle::call_with),
/// [`call_bool_with`](PriorityNozzle::call_bool_with),
/// [`call_async_with`](PriorityNozzle::call_async_with) and
/// [`call_async_bool_with`](PriorityNozzle::call_async_bool_with). A call
/// through [`try_acquire`](PriorityNozzle::try_acquire) has priority
/// [`Priority::Normal`].
///
/// The std and ecosystem wrappers take a plain [`Nozzle`]: give
/// `PriorityNozzle::tick` the value of `Clock::now` (feature `std`), and export
/// its transitions with `Metrics::record`.
///
/// ```
/// use nozzle::{Config, Priority, PriorityNozzle};
///
/// let nozzle = PriorityNozzle::new(Config::new(1_000))?;
/// if let Ok(permit) = nozzle.try_acquire_with(Priority::Critical) {
///     permit.success();
/// }
/// # Ok::<(), nozzle::ConfigError>(())
/// ```
#[repr(C)]
pub struct PriorityNozzle {
    nozzle: Nozzle,
    classes: ClassWords,
}

impl PriorityNozzle {
    crate::sync::const_unless_loom! {
        /// Creates a fully open priority nozzle; see [`Nozzle::new`].
        ///
        /// # Errors
        ///
        /// [`ConfigError`] naming the first invalid field and its value.
        pub fn new(config: Config) -> Result<PriorityNozzle, ConfigError> {
            match Nozzle::new(config) {
                Ok(nozzle) => Ok(PriorityNozzle {
                    nozzle,
                    classes: ClassWords::new(),
                }),
                Err(error) => Err(error),
            }
        }
    }

    fn lanes(&self) -> Lanes<'_> {
        Lanes::Classes(&self.classes)
    }

    /// Decides a call of priority [`Priority::Normal`].
    ///
    /// # Errors
    ///
    /// [`Rejected`], as for [`try_acquire_with`](PriorityNozzle::try_acquire_with).
    #[inline]
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        self.try_acquire_with(Priority::Normal)
    }

    /// Decides a call of priority `priority`, with one atomic add on that
    /// class's admission word.
    ///
    /// # Errors
    ///
    /// [`Rejected`] with the class's flow rate, and [`Reason::Shed`] when the
    /// class gets no share although the overall flow rate is above 0.
    #[inline]
    pub fn try_acquire_with(&self, priority: Priority) -> Result<Permit<'_>, Rejected> {
        match admission::attempt(&self.classes.words[priority.index()]) {
            Decision::Admit => Ok(Permit::new(&self.nozzle)),
            Decision::Reject { flow, shut } => Err(self.rejection(flow, shut)),
        }
    }

    #[cold]
    fn rejection(&self, flow: u8, shut: bool) -> Rejected {
        if !shut && flow == 0 && self.nozzle.flow_rate() > 0 {
            Rejected::with_reason(Reason::Shed, 0)
        } else {
            Rejected::new(flow, shut)
        }
    }

    /// Runs `f` as a call of priority `priority`; see [`Nozzle::call`].
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] without running `f`, or [`Error::Inner`] with the
    /// error `f` returned.
    pub fn call_with<T, E>(
        &self,
        priority: Priority,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, Error<E>> {
        let permit = self.try_acquire_with(priority)?;
        permit.finish(f())
    }

    /// Runs `f` as a call of priority `priority`, recording `true` as a success
    /// and `false` as a failure; see [`Nozzle::call_bool`].
    ///
    /// # Errors
    ///
    /// [`Rejected`] without running `f`.
    pub fn call_bool_with(
        &self,
        priority: Priority,
        f: impl FnOnce() -> bool,
    ) -> Result<bool, Rejected> {
        let permit = self.try_acquire_with(priority)?;
        let success = f();
        permit.record(success);
        Ok(success)
    }

    /// Runs `future` as a call of priority `priority`, admitted at its first
    /// poll, and records its output; see [`Nozzle::call_async`].
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] without polling `future`, or [`Error::Inner`] with
    /// the error `future` returned.
    pub async fn call_async_with<F, T, E>(
        &self,
        priority: Priority,
        future: F,
    ) -> Result<T, Error<E>>
    where
        F: core::future::IntoFuture<Output = Result<T, E>>,
    {
        let permit = self.try_acquire_with(priority)?;
        permit.finish(future.await)
    }

    /// Runs `future` as a call of priority `priority`, admitted at its first
    /// poll, and records `true` as a success and `false` as a failure; see
    /// [`Nozzle::call_async_bool`].
    ///
    /// # Errors
    ///
    /// [`Rejected`] without polling `future`.
    pub async fn call_async_bool_with<F>(
        &self,
        priority: Priority,
        future: F,
    ) -> Result<bool, Rejected>
    where
        F: core::future::IntoFuture<Output = bool>,
    {
        let permit = self.try_acquire_with(priority)?;
        let success = future.await;
        permit.record(success);
        Ok(success)
    }

    /// Advances the clock to `now`; see [`Nozzle::tick`]. A close also splits
    /// the new flow rate over the classes by the closed interval's class mix.
    pub fn tick(&self, now: u64) -> Option<Transition> {
        self.nozzle.tick_lanes(now, self.lanes())
    }

    /// Returns the overall flow rate in percent.
    #[must_use]
    pub fn flow_rate(&self) -> u8 {
        self.nozzle.flow_rate()
    }

    /// Returns the flow rate of each class, in the order of [`Priority::ALL`].
    #[must_use]
    pub fn class_flow_rates(&self) -> [u8; CLASSES] {
        let mut rates = [0u8; CLASSES];
        for (rate, word) in rates.iter_mut().zip(&self.classes.words) {
            // Relaxed: a sample.
            *rate = Admission::unpack(word.load(Relaxed)).visible_flow();
        }
        rates
    }

    /// Returns the direction of the last move.
    #[must_use]
    pub fn state(&self) -> State {
        self.nozzle.state()
    }

    /// Returns the counters of the current interval, summed over all classes.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        self.nozzle.snapshot_lanes(self.lanes())
    }

    /// Returns the configuration, with settings changed at run time.
    #[must_use]
    pub fn config(&self) -> Config {
        self.nozzle.config()
    }

    /// Shuts every class off for good; see [`Nozzle::shut_off`].
    pub fn shut_off(&self) {
        self.nozzle.request(self.lanes(), Request::ShutOff);
    }

    /// Returns true once shut off; see [`Nozzle::is_shut_off`].
    #[must_use]
    pub fn is_shut_off(&self) -> bool {
        self.nozzle.is_shut_off()
    }

    /// Pins the overall flow rate, split over the classes by the last closed
    /// interval's mix; see [`Nozzle::pin`].
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when `flow_rate` is above 100.
    pub fn pin(&self, flow_rate: u8) -> Result<(), ConfigError> {
        pin_request(flow_rate).map(|request| self.nozzle.request(self.lanes(), request))
    }

    /// Lets the rules move the flow rate again; see [`Nozzle::resume`].
    pub fn resume(&self) {
        self.nozzle
            .request(self.lanes(), Request::Flow(FlowRequest::Resume));
    }

    /// Opens every class fully; see [`Nozzle::reset`].
    pub fn reset(&self) {
        self.nozzle
            .request(self.lanes(), Request::Flow(FlowRequest::Reset));
    }

    /// Returns true while pinned; see [`Nozzle::is_pinned`].
    #[must_use]
    pub fn is_pinned(&self) -> bool {
        self.nozzle.is_pinned()
    }

    /// Changes the allowed failure percent; see
    /// [`Nozzle::set_allowed_failure_percent`].
    ///
    /// # Errors
    ///
    /// [`ConfigError`] above 100.
    pub fn set_allowed_failure_percent(&self, percent: u8) -> Result<(), ConfigError> {
        self.nozzle.set_allowed_failure_percent(percent)
    }

    /// Changes the interval length; see [`Nozzle::set_interval`].
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when `interval` is 0.
    pub fn set_interval(&self, interval: u64) -> Result<(), ConfigError> {
        self.nozzle.set_interval_lanes(interval, self.lanes())
    }
}

impl fmt::Debug for PriorityNozzle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PriorityNozzle")
            .field("config", &self.config())
            .field("class_flow_rates", &self.class_flow_rates())
            .field("current", &self.snapshot())
            .finish()
    }
}

// COUNT_MAX bounds every count added above.
const _: () = assert!(COUNT_MAX < u32::MAX);

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn split_serves_important_classes_first() {
        // 100 attempts per class, flow 50: 250 of 500 attempts are admitted.
        assert_eq!(split(50, &[100; CLASSES]), [100, 100, 50, 0, 0]);
        assert_eq!(split(20, &[100; CLASSES]), [100, 0, 0, 0, 0]);
        assert_eq!(split(10, &[100; CLASSES]), [50, 0, 0, 0, 0]);
    }

    #[test]
    fn split_gives_normal_only_traffic_the_flow() {
        for flow in 1..100u8 {
            for attempts in [1, 3, 1_000, 1 << 40] {
                let rates = split(flow, &[0, 0, attempts, 0, 0]);
                assert_eq!(rates, [100, 100, flow, 0, 0], "flow {flow}, {attempts}");
            }
        }
    }

    #[test]
    fn split_limits() {
        assert_eq!(split(0, &[5; CLASSES]), [0; CLASSES]);
        assert_eq!(split(100, &[5; CLASSES]), [100; CLASSES]);
        assert_eq!(split(SHUT, &[5; CLASSES]), [SHUT; CLASSES]);
        assert_eq!(split(37, &[0; CLASSES]), [37; CLASSES]);
    }

    #[test]
    fn split_is_monotone_and_spends_the_budget() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..10_000 {
            let flow = rng.u8(1..100);
            let mix: [u64; CLASSES] = core::array::from_fn(|_| rng.u64(0..1_000));
            let rates = split(flow, &mix);
            for pair in rates.windows(2) {
                assert!(pair[0] >= pair[1], "{rates:?} for {mix:?}");
            }
            let fractional = rates.iter().filter(|&&r| r > 0 && r < 100).count();
            assert!(fractional <= 1, "{rates:?}");
            // An empty mix (no attempts last interval) makes both sides 0.
            let total: u64 = mix.iter().sum();
            let admitted: u64 = mix.iter().zip(rates).map(|(&m, r)| m * u64::from(r)).sum();
            let target = u64::from(flow) * total;
            // Within half a percent of the largest class, so within one
            // percentage point of all attempts.
            let diff = admitted.abs_diff(target);
            assert!(diff <= total, "{mix:?}");
        }
    }
}
