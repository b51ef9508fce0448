//! Saturating per-interval outcome counters.
//!
//! An outcome is counted with one `fetch_add`, which never retries however many
//! threads report at once. A bare `fetch_add` could wrap, so the counter keeps
//! its meaningful range below `2^31` and uses the upper half of the word as
//! headroom:
//!
//! ```text
//!  31 30                                                            0
//! +--+---------------------------------------------------------------+
//! |H |                count, saturating at COUNT_MAX                 |
//! +--+---------------------------------------------------------------+
//! ```
//!
//! A thread whose `fetch_add` returns `COUNT_MAX` or more has pushed the value
//! above the bound and pulls it back down with a compare-and-swap. Between its
//! `fetch_add` and that repair the value exceeds `COUNT_MAX` by at most the
//! number of threads that are between the same two steps, so it could only wrap
//! if `2^31` threads raced here at once.

use crate::sync::{AtomicU32, Ordering::Relaxed};

/// Saturation bound of every per-interval counter: `2^31 - 1`.
///
/// A counter that reaches it stays there until the interval closes. A count
/// this large is still exact in every [`Snapshot`](crate::Snapshot) field.
pub const COUNT_MAX: u32 = (1 << 31) - 1;

/// One saturating counter of outcomes reported in the current interval.
#[derive(Debug)]
pub(crate) struct Counter(AtomicU32);

impl Counter {
    crate::sync::const_unless_loom! {
        pub(crate) fn new() -> Counter {
            Counter(AtomicU32::new(0))
        }
    }

    /// Adds one, saturating at [`COUNT_MAX`].
    #[inline]
    pub(crate) fn increment(&self) {
        // Relaxed: the counter publishes nothing but its own value, and every
        // reader (a snapshot, or the close's swap) reads the word itself.
        let before = self.0.fetch_add(1, Relaxed);
        if before >= COUNT_MAX {
            self.pull_down_to_max();
        }
    }

    /// Adds `n`, saturating at [`COUNT_MAX`].
    ///
    /// Rare paths only: it retries a compare-and-swap under contention.
    pub(crate) fn add(&self, n: u32) {
        if n == 0 {
            return;
        }
        // Relaxed on both sides: as in `increment`, only the value matters.
        let _ = self.0.fetch_update(Relaxed, Relaxed, |current| {
            Some(current.min(COUNT_MAX).saturating_add(n).min(COUNT_MAX))
        });
    }

    /// Returns the count so far.
    #[inline]
    pub(crate) fn load(&self) -> u32 {
        // Relaxed: a counter read is a sample; nothing else is read through it.
        self.0.load(Relaxed).min(COUNT_MAX)
    }

    /// Returns the count and restarts it from zero in one step, so that an
    /// increment lands either before the swap (and is returned) or after it
    /// (and starts the next count), never in neither.
    pub(crate) fn take(&self) -> u32 {
        // Relaxed: the swap's atomicity is what makes the count exact; the
        // interval lock orders the close with other closes.
        self.0.swap(0, Relaxed).min(COUNT_MAX)
    }

    /// Returns the count and restarts it from zero, for a counter that only
    /// the interval lock holder writes: a load, and a store only when the
    /// count is not already zero, so the common empty case takes no locked
    /// instruction.
    pub(crate) fn take_locked(&self) -> u32 {
        // Relaxed: the caller holds the interval lock, whose acquire and
        // release order every write to this counter.
        let count = self.0.load(Relaxed);
        if count != 0 {
            self.0.store(0, Relaxed);
        }
        count.min(COUNT_MAX)
    }

    #[cold]
    #[inline(never)]
    fn pull_down_to_max(&self) {
        // Relaxed: only the value matters. The loop ends once the value is at
        // or below the bound, whether this thread, another one repairing the
        // same overshoot, or a close that reset the counter brought it there.
        let mut current = self.0.load(Relaxed);
        while current > COUNT_MAX {
            match self
                .0
                .compare_exchange_weak(current, COUNT_MAX, Relaxed, Relaxed)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn increment_counts_one() {
        let counter = Counter::new();
        counter.increment();
        counter.increment();
        assert_eq!(counter.load(), 2);
    }

    #[test]
    fn increment_saturates_at_max() {
        let counter = Counter(AtomicU32::new(COUNT_MAX - 1));
        counter.increment();
        assert_eq!(counter.load(), COUNT_MAX);
        counter.increment();
        assert_eq!(counter.0.load(Relaxed), COUNT_MAX);
        counter.increment();
        assert_eq!(counter.take(), COUNT_MAX);
        assert_eq!(counter.load(), 0);
    }

    #[test]
    fn overshoot_left_by_racing_threads_reads_as_max() {
        // Two threads past the bound, neither repaired yet.
        let counter = Counter(AtomicU32::new(COUNT_MAX + 2));
        assert_eq!(counter.load(), COUNT_MAX);
        counter.increment();
        assert_eq!(counter.0.load(Relaxed), COUNT_MAX);
    }

    #[test]
    fn add_saturates() {
        let counter = Counter::new();
        counter.add(5);
        assert_eq!(counter.load(), 5);
        counter.add(u32::MAX);
        assert_eq!(counter.load(), COUNT_MAX);
        counter.add(0);
        assert_eq!(counter.load(), COUNT_MAX);
    }

    #[test]
    fn take_locked_resets_and_saturates() {
        let counter = Counter::new();
        assert_eq!(counter.take_locked(), 0);
        counter.add(7);
        assert_eq!(counter.take_locked(), 7);
        assert_eq!(counter.load(), 0);
        let over = Counter(AtomicU32::new(COUNT_MAX + 3));
        assert_eq!(over.take_locked(), COUNT_MAX);
        assert_eq!(over.load(), 0);
    }

    #[test]
    fn take_resets() {
        let counter = Counter::new();
        counter.add(7);
        assert_eq!(counter.take(), 7);
        assert_eq!(counter.take(), 0);
    }
}

/// Loom models of the saturation repair, which the models in `loom-tests/`
/// cannot reach: they would need `2^31` increments to get a counter there.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    #[test]
    fn racing_overshoots_settle_at_max() {
        // Both increments overshoot, so both threads repair; whichever
        // repairs second finds the work done.
        loom::model(|| {
            let counter = Arc::new(Counter(AtomicU32::new(COUNT_MAX)));
            let other = Arc::clone(&counter);
            let thread = thread::spawn(move || {
                other.increment();
                other.load()
            });
            counter.increment();
            assert_eq!(counter.load(), COUNT_MAX);
            assert_eq!(thread.join().unwrap(), COUNT_MAX);
            assert_eq!(counter.0.load(Relaxed), COUNT_MAX, "repaired");
        });
    }

    #[test]
    fn take_during_an_overshoot_restarts_the_count() {
        // A close that swaps the counter out ends the repair: the overshoot
        // is either taken as COUNT_MAX or lands in the new count as 1.
        loom::model(|| {
            let counter = Arc::new(Counter(AtomicU32::new(COUNT_MAX)));
            let other = Arc::clone(&counter);
            let thread = thread::spawn(move || other.increment());
            let taken = counter.take();
            thread.join().unwrap();
            let left = counter.0.load(Relaxed);
            assert_eq!(taken, COUNT_MAX);
            assert!(left <= 1, "left {left} after the take");
        });
    }
}
