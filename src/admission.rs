//! The admission rule.
//!
//! The reference rule admits the `k`-th attempt of an interval (from 0, with `a`
//! attempts admitted before it) when the flow rate `f` is 100, or when `f > 0`
//! and `k == 0 || 100 * a < f * k`. For a fixed `f` the admitted count after `n`
//! attempts has a closed form:
//!
//! ```text
//! admitted(f, 0) = 0
//! admitted(f, 1) = 1                          (for 0 < f)
//! admitted(f, n) = ceil(f * (n - 1) / 100)    (for 0 < f < 100, n >= 2)
//! ```
//!
//! Attempt `k >= 2` is therefore admitted exactly when the half-open range
//! `[f * (k - 1), f * k)` contains a multiple of 100. That depends on `k` only
//! through `k mod 100`, which is what lets the attempt counter fold back by a
//! multiple of 100 instead of overflowing (see [`FOLD_AT`]).
//!
//! So one `fetch_add` on the admission word decides an attempt: it returns the
//! attempt index and the flow rate together, and `allowed` and `blocked` need
//! no counters of their own.

use crate::sync::{AtomicWord, Ordering::Relaxed};
use crate::word::{Admission, ATTEMPTS_SATURATED, FOLD_AT, ONE_ATTEMPT, SHUT};
use crate::COUNT_MAX;

/// Result of deciding one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Admitted.
    Admit,
    /// Rejected at this visible flow rate (0 when fully closed or shut off).
    Reject { flow: u8, shut: bool },
}

/// Counts one attempt on `word` and decides it.
#[inline]
pub(crate) fn attempt(word: &AtomicWord) -> Decision {
    // Relaxed: the returned word contains every input of the decision (attempt
    // index and flow rate), and an attempt publishes nothing to other threads.
    // Atomicity alone puts it wholly in one interval: a close replaces the word
    // with a compare-and-swap, so this increment lands before it or after it.
    let before = Admission::unpack(word.fetch_add(ONE_ATTEMPT, Relaxed));
    if before.attempts >= FOLD_AT {
        fold(word);
    }
    if before.flow == 100 || admits(before.flow, before.attempts) {
        Decision::Admit
    } else {
        Decision::Reject {
            flow: before.visible_flow(),
            shut: before.is_shut(),
        }
    }
}

/// Returns true when the reference rule admits attempt `k` at flow rate `flow`.
///
/// `flow` is `0..=100` or [`SHUT`]; `k` may have been folded back by a
/// multiple of 100 (see the module documentation).
#[inline]
pub(crate) const fn admits(flow: u8, k: u64) -> bool {
    match flow {
        100 => true,
        0 | SHUT => false,
        _ if k == 0 => true,
        _ if k == 1 => false,
        _ => {
            // r = f * (k - 1) mod 100, computed without a product that could
            // overflow: f < 100 and (k - 1) mod 100 < 100.
            let f = flow as u64;
            let r = f.saturating_mul(k.saturating_sub(1) % 100) % 100;
            r == 0 || r > 100u64.saturating_sub(f)
        }
    }
}

/// Returns how many of the first `attempts` attempts the reference rule admits
/// at flow rate `flow`.
pub(crate) const fn admitted(flow: u8, attempts: u64) -> u64 {
    match flow {
        0 | SHUT => 0,
        100 => attempts,
        _ if attempts <= 1 => attempts,
        _ => {
            // ceil(f * (n - 1) / 100); the product stays below 2^45 because
            // callers cap `attempts` at ATTEMPTS_SATURATED.
            let product = (flow as u64).saturating_mul(attempts.saturating_sub(1));
            product.div_ceil(100)
        }
    }
}

/// `allowed` and `blocked` for the attempts recorded in `state`, each
/// saturating at [`COUNT_MAX`].
pub(crate) const fn counts(state: Admission) -> (u32, u32) {
    let attempts = if state.attempts > ATTEMPTS_SATURATED {
        ATTEMPTS_SATURATED
    } else {
        state.attempts
    };
    let allowed = admitted(state.flow, attempts);
    // admitted() never exceeds its attempt count.
    let blocked = attempts.saturating_sub(allowed);
    (saturate(allowed), saturate(blocked))
}

const fn saturate(count: u64) -> u32 {
    if count > COUNT_MAX as u64 {
        COUNT_MAX
    } else {
        count as u32
    }
}

/// Pulls the attempt field back by [`ATTEMPTS_SATURATED`] while it is at or
/// above [`FOLD_AT`].
///
/// Reached only after `2 * ATTEMPTS_SATURATED` attempts in one interval. The
/// compare-and-swap re-checks the field, so several threads that saw the
/// threshold fold once between them, and a close that reset the field ends the
/// loop.
#[cold]
#[inline(never)]
fn fold(word: &AtomicWord) {
    let mut current = word.load(Relaxed);
    loop {
        let mut state = Admission::unpack(current);
        if state.attempts < FOLD_AT {
            return;
        }
        state.attempts = state.attempts.saturating_sub(ATTEMPTS_SATURATED);
        // Relaxed: like the attempt itself, the fold only changes this word.
        match word.compare_exchange_weak(current, state.pack(), Relaxed, Relaxed) {
            Ok(_) => return,
            Err(actual) => current = actual,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Applies the reference rule as the original states it.
    fn reference_admits(flow: u64, k: u64, admitted_before: u64) -> bool {
        match flow {
            100 => true,
            0 => false,
            _ => k == 0 || 100 * admitted_before < flow * k,
        }
    }

    #[test]
    fn admits_matches_reference_for_every_flow() {
        // Two periods of 100 attempts are enough under the interpreter.
        let attempts = if cfg!(miri) { 200 } else { 1_000 };
        for flow in 0..=100u8 {
            let mut admitted_so_far = 0;
            for k in 0..attempts {
                let expected = reference_admits(u64::from(flow), k, admitted_so_far);
                assert_eq!(admits(flow, k), expected, "flow {flow}, attempt {k}");
                assert_eq!(admitted(flow, k), admitted_so_far, "flow {flow}, after {k}");
                if expected {
                    admitted_so_far += 1;
                }
            }
        }
    }

    #[test]
    fn admits_is_periodic_after_the_second_attempt() {
        let last = if cfg!(miri) { 102 } else { 300 };
        for flow in 1..100u8 {
            for k in 2..last {
                assert_eq!(admits(flow, k), admits(flow, k + 100), "flow {flow}, k {k}");
                assert_eq!(
                    admits(flow, k),
                    admits(flow, k + ATTEMPTS_SATURATED),
                    "flow {flow}, k {k} + saturated"
                );
            }
        }
    }

    #[test]
    fn flow_one_admits_first_and_hundred_and_first() {
        let admitted_at: Vec<u64> = (0..800).filter(|&k| admits(1, k)).collect();
        assert_eq!(admitted_at, [0, 101, 201, 301, 401, 501, 601, 701]);
    }

    #[test]
    fn flow_three_admits_three_in_a_hundred() {
        let admitted_at: Vec<u64> = (0..100).filter(|&k| admits(3, k)).collect();
        assert_eq!(admitted_at, [0, 34, 67]);
    }

    #[test]
    fn shut_flow_rejects_and_admits_nothing() {
        assert!(!admits(SHUT, 0));
        assert_eq!(admitted(SHUT, 1_000), 0);
    }

    #[test]
    fn counts_saturate() {
        let full = Admission {
            attempts: u64::MAX >> 8,
            flow: 100,
            closing: false,
        };
        let (allowed, blocked) = counts(full);
        assert_eq!(blocked, 0);
        assert_eq!(
            u64::from(allowed),
            ATTEMPTS_SATURATED.min(u64::from(COUNT_MAX))
        );
        let closed = Admission { flow: 0, ..full };
        assert_eq!(counts(closed).0, 0);
    }

    #[test]
    fn attempt_folds_without_changing_decisions() {
        let start = Admission {
            attempts: FOLD_AT,
            flow: 37,
            closing: true,
        };
        let word = AtomicWord::new(start.pack());
        let decision = attempt(&word);
        assert_eq!(decision == Decision::Admit, admits(37, FOLD_AT));
        let after = Admission::unpack(word.load(Relaxed));
        assert_eq!(after.attempts, FOLD_AT + 1 - ATTEMPTS_SATURATED);
        assert_eq!(after.flow, 37);
        assert!(after.closing);
        // The next decision is the one the unfolded index would have had.
        let next = attempt(&word) == Decision::Admit;
        assert_eq!(next, admits(37, FOLD_AT + 1));
    }

    #[test]
    fn fold_leaves_a_reset_word_alone() {
        let word = AtomicWord::new(Admission::OPEN.pack());
        fold(&word);
        assert_eq!(Admission::unpack(word.load(Relaxed)), Admission::OPEN);
    }
}

/// Loom model of the attempt-field fold, which the models in `loom-tests/`
/// cannot reach: it takes `2 * ATTEMPTS_SATURATED` attempts to get there.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    #[test]
    fn racing_folds_fold_once() {
        loom::model(|| {
            let start = Admission {
                attempts: FOLD_AT,
                flow: 37,
                closing: true,
            };
            let word = Arc::new(AtomicWord::new(start.pack()));
            let other = Arc::clone(&word);
            let thread = thread::spawn(move || attempt(&other) == Decision::Admit);
            let here = attempt(&word) == Decision::Admit;
            let there = thread.join().unwrap();

            let after = Admission::unpack(word.load(Relaxed));
            assert_eq!(after.attempts, FOLD_AT + 2 - ATTEMPTS_SATURATED);
            assert_eq!((after.flow, after.closing), (37, true));
            // Attempts FOLD_AT and FOLD_AT + 1, in either order.
            let expected = [admits(37, FOLD_AT), admits(37, FOLD_AT + 1)];
            let admitted = usize::from(here) + usize::from(there);
            let expected = expected.iter().filter(|&&admit| admit).count();
            assert_eq!(admitted, expected);
        });
    }
}
