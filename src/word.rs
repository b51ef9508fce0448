//! Layouts of the packed words: the admission word, the lock word, and the
//! 64-bit cells that the lock protects.
//!
//! Everything here is pure packing and unpacking; the protocols that update the
//! words live in `admission`, `close` and `lock`.

#[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
use crate::sync::AtomicU32;
use crate::sync::{Ordering::Relaxed, Word};

/// Flow field value that marks a nozzle shut off for good.
pub(crate) const SHUT: u8 = 0x7F;

/// The admission word, as one atomic value:
///
/// ```text
///  W-1                                                  8   7   6       0
/// +-----------------------------------------------------+---+-----------+
/// |     attempts since the flow rate was set (W-8 bits)  | C |   flow    |
/// +-----------------------------------------------------+---+-----------+
/// ```
///
/// `W` is 64 where the target has native 64-bit atomics and 32 elsewhere.
///
/// - `flow` (7 bits): the flow rate, `0..=100`, or [`SHUT`] once shut off.
/// - `C` (1 bit): direction, 1 while closing.
/// - `attempts` (56 or 24 bits): calls to `try_acquire` since the interval
///   started or the flow rate last changed. An attempt adds [`ONE_ATTEMPT`]
///   with one `fetch_add`, which also returns the flow rate it must be decided
///   under, so the decision and the count cannot straddle a close. The field
///   never reaches its top: see [`FOLD_AT`].
///
/// Which attempts were admitted is not stored, because it follows from the
/// attempt index and the flow rate alone (see `admission`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Admission {
    /// Attempts since the flow rate was set.
    pub(crate) attempts: u64,
    /// Flow rate in percent, or [`SHUT`].
    pub(crate) flow: u8,
    /// Direction: true while closing.
    pub(crate) closing: bool,
}

const FLOW_MASK: Word = 0x7F;
const CLOSING_BIT: Word = 1 << 7;
const ATTEMPT_SHIFT: u32 = 8;

/// The increment that counts one attempt.
pub(crate) const ONE_ATTEMPT: Word = 1 << ATTEMPT_SHIFT;

/// Width of the attempt field.
const ATTEMPT_BITS: u32 = Word::BITS - ATTEMPT_SHIFT;

/// Largest value the attempt field can hold.
const ATTEMPT_FIELD_MAX: u64 = widen(Word::MAX >> ATTEMPT_SHIFT);

/// Attempts in one interval after which `allowed` and `blocked` stop growing.
///
/// On targets with 64-bit atomics it is `100 * 2^31`, so both counts reach
/// [`COUNT_MAX`](crate::COUNT_MAX) first at every flow rate. Elsewhere the
/// admission word is 32 bits wide and it is `100 * 2^16` (6,553,600). Admission
/// decisions stay exact past it. It is a multiple of 100 (see [`FOLD_AT`]).
pub const ATTEMPTS_SATURATED: u64 = 100 << min(31, ATTEMPT_BITS - 8);

/// Attempt count at which the first thread to see it folds the field back by
/// [`ATTEMPTS_SATURATED`].
///
/// Whether attempt `k` is admitted depends only on `k mod 100` once `k >= 2`,
/// so subtracting a multiple of 100 changes no decision, and the field stays
/// between [`ATTEMPTS_SATURATED`] and `FOLD_AT` plus the attempts in flight.
pub(crate) const FOLD_AT: u64 = 2 * ATTEMPTS_SATURATED;

/// Converts a word to `u64`; a no-op on 64-bit words.
#[allow(clippy::unnecessary_cast)] // `Word` is `u32` on targets without 64-bit atomics.
const fn widen(word: Word) -> u64 {
    word as u64
}

const fn min(a: u32, b: u32) -> u32 {
    if a < b {
        a
    } else {
        b
    }
}

// The fold keeps at least 2^20 attempts in flight away from the top of the field.
const _: () = assert!(FOLD_AT + (1 << 20) <= ATTEMPT_FIELD_MAX);
const _: () = assert!(ATTEMPTS_SATURATED % 100 == 0);
const _: () = assert!(SHUT as Word == FLOW_MASK);
const _: () = assert!(CLOSING_BIT & FLOW_MASK == 0 && CLOSING_BIT < ONE_ATTEMPT);

impl Admission {
    /// The state of a new nozzle: fully open, opening, no attempts.
    pub(crate) const OPEN: Admission = Admission {
        attempts: 0,
        flow: 100,
        closing: false,
    };

    /// Unpacks a word.
    #[inline]
    pub(crate) const fn unpack(word: Word) -> Admission {
        Admission {
            attempts: widen(word >> ATTEMPT_SHIFT),
            flow: (word & FLOW_MASK) as u8,
            closing: word & CLOSING_BIT != 0,
        }
    }

    /// Packs the fields, saturating `attempts` at the field's top (never
    /// reached in practice, see [`FOLD_AT`]).
    pub(crate) const fn pack(self) -> Word {
        let attempts = if self.attempts > ATTEMPT_FIELD_MAX {
            ATTEMPT_FIELD_MAX
        } else {
            self.attempts
        };
        let closing = if self.closing { CLOSING_BIT } else { 0 };
        ((attempts as Word) << ATTEMPT_SHIFT) | closing | (self.flow as Word & FLOW_MASK)
    }

    /// Returns true once the nozzle is shut off.
    pub(crate) const fn is_shut(self) -> bool {
        self.flow == SHUT
    }

    /// Returns the flow rate that callers see: 0 once shut off.
    pub(crate) const fn visible_flow(self) -> u8 {
        if self.is_shut() {
            0
        } else {
            self.flow
        }
    }
}

/// The lock word, which serializes interval closes and operator actions:
///
/// ```text
///  31      25 24               16 15                        2   1   0
/// +----------+-------------------+---------------------------+---+---+
/// |  unused  |  step + 128 (9)   |          unused           | S | B |
/// +----------+-------------------+---------------------------+---+---+
/// ```
///
/// - `B`: busy. Set by the thread that holds the lock.
/// - `S`: a shut-off was requested while the lock was held; the holder applies
///   it before it releases the lock.
/// - `step`: the signed step of the reference rules, `-128..=128`, stored with
///   an offset of 128. Only the lock holder reads or writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LockWord(pub(crate) u32);

impl LockWord {
    pub(crate) const BUSY: u32 = 1;
    pub(crate) const SHUT_REQUESTED: u32 = 1 << 1;
    const STEP_SHIFT: u32 = 16;
    const STEP_MASK: u32 = 0x1FF << Self::STEP_SHIFT;
    const STEP_OFFSET: i16 = 128;

    /// The lock word of a new nozzle: free, step 0.
    pub(crate) const INITIAL: LockWord = LockWord::free_with_step(0);

    /// Returns a free lock word that stores `step`, clamped to `-128..=128`.
    pub(crate) const fn free_with_step(step: i16) -> LockWord {
        let step = if step < -Self::STEP_OFFSET {
            -Self::STEP_OFFSET
        } else if step > Self::STEP_OFFSET {
            Self::STEP_OFFSET
        } else {
            step
        };
        // In range 0..=256 after the clamp, so the conversion is exact.
        let stored = step.saturating_add(Self::STEP_OFFSET) as u32;
        LockWord(stored << Self::STEP_SHIFT)
    }

    /// Returns the stored step.
    pub(crate) const fn step(self) -> i16 {
        let stored = ((self.0 & Self::STEP_MASK) >> Self::STEP_SHIFT) as i16;
        stored.saturating_sub(Self::STEP_OFFSET)
    }

    pub(crate) const fn is_busy(self) -> bool {
        self.0 & Self::BUSY != 0
    }

    pub(crate) const fn shut_requested(self) -> bool {
        self.0 & Self::SHUT_REQUESTED != 0
    }
}

/// A `u64` that only the lock holder writes.
///
/// On targets with native 64-bit atomics it is one `AtomicU64`, which `tick`
/// may also read without the lock. Elsewhere it is two `AtomicU32` halves. The
/// lock's acquire and release order them, and nothing reads them without the
/// lock, so a reader never mixes halves from two different writes.
#[derive(Debug)]
pub(crate) struct LockedU64 {
    #[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
    value: crate::sync::AtomicU64,
    #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
    high: AtomicU32,
    #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
    low: AtomicU32,
}

impl LockedU64 {
    crate::sync::const_unless_loom! {
        pub(crate) fn new(value: u64) -> LockedU64 {
            LockedU64 {
                #[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
                value: crate::sync::AtomicU64::new(value),
                #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
                high: AtomicU32::new((value >> 32) as u32),
                #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
                low: AtomicU32::new(value as u32),
            }
        }
    }

    /// Reads the value. The caller holds the lock.
    pub(crate) fn get(&self) -> u64 {
        // Relaxed: the lock's acquire ordered the last holder's writes before
        // this read.
        #[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
        {
            self.value.load(Relaxed)
        }
        #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
        {
            (u64::from(self.high.load(Relaxed)) << 32) | u64::from(self.low.load(Relaxed))
        }
    }

    /// Writes the value. The caller holds the lock.
    pub(crate) fn set(&self, value: u64) {
        // Relaxed: the lock's release publishes the write to the next holder.
        #[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
        {
            self.value.store(value, Relaxed);
        }
        #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
        {
            self.high.store((value >> 32) as u32, Relaxed);
            self.low.store(value as u32, Relaxed);
        }
    }

    /// Reads the value without the lock, where one load can do it.
    ///
    /// The result may be older than the latest write; callers use it only to
    /// skip work that the locked path would find unnecessary anyway.
    #[inline]
    pub(crate) fn peek(&self) -> Option<u64> {
        // Relaxed: a stale value only sends the caller to the locked path.
        #[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
        {
            Some(self.value.load(Relaxed))
        }
        #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
        {
            None
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn admission_round_trips() {
        for flow in [0, 1, 37, 99, 100, SHUT] {
            for closing in [false, true] {
                for attempts in [0, 1, 2, 99, 100, FOLD_AT, ATTEMPT_FIELD_MAX] {
                    let value = Admission {
                        attempts,
                        flow,
                        closing,
                    };
                    assert_eq!(Admission::unpack(value.pack()), value);
                }
            }
        }
    }

    #[test]
    fn one_attempt_increments_only_attempts() {
        let word = Admission {
            attempts: 41,
            flow: 63,
            closing: true,
        }
        .pack();
        let next = Admission::unpack(word + ONE_ATTEMPT);
        assert_eq!(next.attempts, 42);
        assert_eq!(next.flow, 63);
        assert!(next.closing);
    }

    #[test]
    fn pack_saturates_attempts() {
        let value = Admission {
            attempts: u64::MAX,
            flow: 5,
            closing: false,
        };
        assert_eq!(Admission::unpack(value.pack()).attempts, ATTEMPT_FIELD_MAX);
    }

    #[test]
    fn shut_flow_is_visible_as_zero() {
        let shut = Admission {
            attempts: 0,
            flow: SHUT,
            closing: true,
        };
        assert!(shut.is_shut());
        assert_eq!(shut.visible_flow(), 0);
        assert_eq!(Admission::OPEN.visible_flow(), 100);
    }

    #[test]
    fn lock_word_stores_step_range() {
        for step in -128..=128 {
            let word = LockWord::free_with_step(step);
            assert_eq!(word.step(), step);
            assert!(!word.is_busy());
            assert!(!word.shut_requested());
            assert_eq!(LockWord(word.0 | LockWord::BUSY).step(), step);
        }
        assert_eq!(LockWord::free_with_step(300).step(), 128);
        assert_eq!(LockWord::free_with_step(-300).step(), -128);
        assert_eq!(LockWord::INITIAL.step(), 0);
    }

    #[test]
    fn locked_u64_round_trips() {
        for value in [0, 1, u64::from(u32::MAX), 1 << 32, u64::MAX] {
            let cell = LockedU64::new(value);
            assert_eq!(cell.get(), value);
            cell.set(value ^ 0x5555_5555_5555_5555);
            assert_eq!(cell.get(), value ^ 0x5555_5555_5555_5555);
        }
    }

    #[test]
    fn min_picks_smaller() {
        // Only ever evaluated at compile time otherwise, for ATTEMPTS_SATURATED.
        assert_eq!(min(31, 24), 24);
        assert_eq!(min(24, 31), 24);
        assert_eq!(min(7, 7), 7);
    }

    #[test]
    fn saturation_constants_cover_count_max() {
        // On 64-bit words both derived counts reach COUNT_MAX before the attempt
        // count saturates, at flow 1 (allowed is smallest) and flow 99 (blocked is).
        if Word::BITS == 64 {
            let allowed_at_1 = (ATTEMPTS_SATURATED - 1).div_ceil(100);
            assert!(allowed_at_1 >= u64::from(crate::COUNT_MAX));
            let allowed_at_99 = (99 * (ATTEMPTS_SATURATED - 1)).div_ceil(100);
            assert!(ATTEMPTS_SATURATED - allowed_at_99 >= u64::from(crate::COUNT_MAX));
        } else {
            assert_eq!(ATTEMPTS_SATURATED, 6_553_600);
        }
    }
}
