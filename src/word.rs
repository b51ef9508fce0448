//! Layouts of the packed words: the admission word, the lock word, and the
//! 64-bit cells that the lock protects.
//!
//! Everything here is pure packing and unpacking; the protocols that update the
//! words live in `admission`, `close` and `lock`.

use crate::config::{Abandon, Config, StepPolicy};
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
/// decisions stay exact past it, because the attempt counter then folds back by
/// a multiple of 100, which changes no decision.
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

/// The lock word, which serializes interval closes and operator actions, and
/// stores the state that only the lock holder changes:
///
/// ```text
///  31  29 28  25 24            16 15 14 13 12  11 10       4  3   2   1   0
/// +------+------+----------------+--+--+--+------+-----------+---+---+---+---+
/// |  --  | age  | step + 128 (9) |--|IS|IC| kind | value (7) | O | P | S | B |
/// +------+------+----------------+--+--+--+------+-----------+---+---+---+---+
/// ```
///
/// Requests, set by threads that found the lock held and applied by its holder
/// before it lets go:
/// - `S`: shut off.
/// - `kind`/`value`: a flow request, one of [`FlowRequest`]. A later request
///   replaces an earlier one that is still waiting.
/// - `IC`: a thread is writing a new interval into the staging cell.
/// - `IS`: a new interval is waiting in the staging cell.
///
/// State, changed only by the holder:
/// - `B`: busy, the lock is held.
/// - `P`: the flow rate is pinned by an operator.
/// - `O`: an operator action took effect since the last transition.
/// - `step`: the signed step of the doubling rule, `-128..=128`, stored with
///   an offset of 128.
/// - `age`: intervals closed without judgement in the current minimum-volume
///   window, `0..MAX_WINDOW_INTERVALS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LockWord(pub(crate) u32);

/// An operator's request to change the flow rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FlowRequest {
    /// Hold the flow rate at this value; the rules pause.
    Pin(u8),
    /// Let the rules move the flow rate again, from where it is.
    Resume,
    /// Fully open, opening, step 0, not pinned.
    Reset,
}

/// Most intervals one minimum-volume window spans.
///
/// An interval with fewer outcomes than [`Config::min_samples`] carries its
/// counts into the next one, but the last interval of a window this long is
/// judged whatever it holds.
///
/// [`Config::min_samples`]: crate::Config::min_samples
pub const MAX_WINDOW_INTERVALS: u32 = 8;

impl LockWord {
    pub(crate) const BUSY: u32 = 1;
    pub(crate) const SHUT_REQUESTED: u32 = 1 << 1;
    pub(crate) const PINNED: u32 = 1 << 2;
    pub(crate) const OPERATOR_ACTED: u32 = 1 << 3;
    const VALUE_SHIFT: u32 = 4;
    const VALUE_MASK: u32 = 0x7F << Self::VALUE_SHIFT;
    const KIND_SHIFT: u32 = 11;
    const KIND_MASK: u32 = 0b11 << Self::KIND_SHIFT;
    pub(crate) const INTERVAL_CLAIMED: u32 = 1 << 13;
    pub(crate) const INTERVAL_STAGED: u32 = 1 << 14;
    const STEP_SHIFT: u32 = 16;
    const STEP_MASK: u32 = 0x1FF << Self::STEP_SHIFT;
    const STEP_OFFSET: i16 = 128;
    const AGE_SHIFT: u32 = 25;
    const AGE_MASK: u32 = 0xF << Self::AGE_SHIFT;

    /// Bits that a thread outside the lock may set, for the holder to apply.
    pub(crate) const REQUESTS: u32 =
        Self::SHUT_REQUESTED | Self::KIND_MASK | Self::VALUE_MASK | Self::INTERVAL_STAGED;

    /// The lock word of a new nozzle: free, step 0, nothing pending.
    pub(crate) const INITIAL: LockWord = LockWord(0).with_step(0);

    /// Returns this word with `step`, clamped to `-128..=128`.
    pub(crate) const fn with_step(self, step: i16) -> LockWord {
        let step = if step < -Self::STEP_OFFSET {
            -Self::STEP_OFFSET
        } else if step > Self::STEP_OFFSET {
            Self::STEP_OFFSET
        } else {
            step
        };
        // In range 0..=256 after the clamp, so the conversion is exact.
        let stored = step.saturating_add(Self::STEP_OFFSET) as u32;
        LockWord((self.0 & !Self::STEP_MASK) | (stored << Self::STEP_SHIFT))
    }

    /// Returns the stored step.
    pub(crate) const fn step(self) -> i16 {
        let stored = ((self.0 & Self::STEP_MASK) >> Self::STEP_SHIFT) as i16;
        stored.saturating_sub(Self::STEP_OFFSET)
    }

    /// Returns this word with the window age `age`, clamped to 15.
    pub(crate) const fn with_age(self, age: u32) -> LockWord {
        let age = if age > 15 { 15 } else { age };
        LockWord((self.0 & !Self::AGE_MASK) | (age << Self::AGE_SHIFT))
    }

    /// Returns the window age.
    pub(crate) const fn age(self) -> u32 {
        (self.0 & Self::AGE_MASK) >> Self::AGE_SHIFT
    }

    /// Returns this word with `flag` set or cleared.
    pub(crate) const fn with_flag(self, flag: u32, set: bool) -> LockWord {
        if set {
            LockWord(self.0 | flag)
        } else {
            LockWord(self.0 & !flag)
        }
    }

    pub(crate) const fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    pub(crate) const fn is_busy(self) -> bool {
        self.has(Self::BUSY)
    }

    /// Returns this word with `request` waiting, replacing any waiting flow
    /// request.
    pub(crate) const fn with_flow_request(self, request: FlowRequest) -> LockWord {
        let (kind, value) = match request {
            FlowRequest::Pin(value) => (1, value as u32 & 0x7F),
            FlowRequest::Resume => (2, 0),
            FlowRequest::Reset => (3, 0),
        };
        let cleared = self.0 & !(Self::KIND_MASK | Self::VALUE_MASK);
        LockWord(cleared | (kind << Self::KIND_SHIFT) | (value << Self::VALUE_SHIFT))
    }

    /// Returns the waiting flow request, if any.
    pub(crate) const fn flow_request(self) -> Option<FlowRequest> {
        let value = ((self.0 & Self::VALUE_MASK) >> Self::VALUE_SHIFT) as u8;
        match (self.0 & Self::KIND_MASK) >> Self::KIND_SHIFT {
            1 => Some(FlowRequest::Pin(value)),
            2 => Some(FlowRequest::Resume),
            3 => Some(FlowRequest::Reset),
            _ => None,
        }
    }
}

const _: () = assert!(LockWord::AGE_MASK & LockWord::STEP_MASK == 0);
const _: () = assert!(LockWord::STEP_MASK & (LockWord::INTERVAL_STAGED << 1) == 0);
const _: () = assert!(LockWord::KIND_MASK & LockWord::VALUE_MASK == 0);
const _: () = assert!(LockWord::INTERVAL_CLAIMED & LockWord::KIND_MASK == 0);
const _: () = assert!(LockWord::VALUE_MASK & LockWord::OPERATOR_ACTED == 0);
const _: () = assert!(MAX_WINDOW_INTERVALS <= 15);

/// The settings word: the configuration that `tick` reads, packed so that an
/// operator can change the allowed failure percent with one atomic write:
///
/// ```text
///  31     25 24 23       17 16        9  8   7  6        0
/// +---------+--+-----------+----------+---+---+----------+
/// |   --    |C |factor (7) | incr (7) | M | A | percent  |
/// +---------+--+-----------+----------+---+---+----------+
/// ```
///
/// - `percent`: allowed failure percent, `0..=100`.
/// - `A`: abandoned permits count as failures.
/// - `M`: step policy is AIMD (else doubling), with `incr` and `factor`.
/// - `C`: an operator changed a setting since the last transition; the close
///   that reports it clears it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings(pub(crate) u32);

impl Settings {
    const PERCENT_MASK: u32 = 0x7F;
    const ABANDON_AS_FAILURE: u32 = 1 << 7;
    const AIMD: u32 = 1 << 8;
    const INCREASE_SHIFT: u32 = 9;
    const FACTOR_SHIFT: u32 = 16;
    pub(crate) const CHANGED: u32 = 1 << 23;

    /// Packs the settings of a valid configuration.
    pub(crate) const fn pack(config: &Config) -> Settings {
        let abandon = match config.on_abandon {
            Abandon::Ignore => 0,
            Abandon::AsFailure => Self::ABANDON_AS_FAILURE,
        };
        let policy = match config.step_policy {
            StepPolicy::Doubling => 0,
            StepPolicy::Aimd {
                increase,
                decrease_factor,
            } => {
                Self::AIMD
                    | ((increase as u32 & 0x7F) << Self::INCREASE_SHIFT)
                    | ((decrease_factor as u32 & 0x7F) << Self::FACTOR_SHIFT)
            }
        };
        Settings((config.allowed_failure_percent as u32 & Self::PERCENT_MASK) | abandon | policy)
    }

    pub(crate) const fn allowed_failure_percent(self) -> u8 {
        (self.0 & Self::PERCENT_MASK) as u8
    }

    /// Returns these settings with a new allowed failure percent (at most 100).
    pub(crate) const fn with_allowed_failure_percent(self, percent: u8) -> Settings {
        Settings((self.0 & !Self::PERCENT_MASK) | (percent as u32 & Self::PERCENT_MASK))
    }

    pub(crate) const fn abandon(self) -> Abandon {
        if self.0 & Self::ABANDON_AS_FAILURE != 0 {
            Abandon::AsFailure
        } else {
            Abandon::Ignore
        }
    }

    pub(crate) const fn step_policy(self) -> StepPolicy {
        if self.0 & Self::AIMD == 0 {
            return StepPolicy::Doubling;
        }
        StepPolicy::Aimd {
            increase: ((self.0 >> Self::INCREASE_SHIFT) & 0x7F) as u8,
            decrease_factor: ((self.0 >> Self::FACTOR_SHIFT) & 0x7F) as u8,
        }
    }

    pub(crate) const fn changed(self) -> bool {
        self.0 & Self::CHANGED != 0
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

    /// Writes the value without the lock. Only targets with 64-bit atomics
    /// have this, because there one store cannot be seen half done.
    #[cfg(all(target_has_atomic = "64", not(nozzle_narrow)))]
    pub(crate) fn store_unlocked(&self, value: u64) {
        // Relaxed: readers take the value as a whole and read nothing through it.
        self.value.store(value, Relaxed);
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

/// The interval length, which `tick` reads and an operator may change.
///
/// On targets with native 64-bit atomics it is one `AtomicU64`: `tick` reads it
/// without the lock and an operator stores a new value directly. Elsewhere it
/// is a [`LockedU64`] that only the lock holder writes, plus a staging cell
/// through which a thread that found the lock held hands a new value to the
/// holder (see `control`).
#[derive(Debug)]
pub(crate) struct IntervalCell {
    pub(crate) value: LockedU64,
    #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
    pub(crate) staged: LockedU64,
}

impl IntervalCell {
    crate::sync::const_unless_loom! {
        pub(crate) fn new(interval: u64) -> IntervalCell {
            IntervalCell {
                value: LockedU64::new(interval),
                #[cfg(not(all(target_has_atomic = "64", not(nozzle_narrow))))]
                staged: LockedU64::new(interval),
            }
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
            let word = LockWord::INITIAL.with_step(step);
            assert_eq!(word.step(), step);
            assert!(!word.is_busy());
            assert_eq!(LockWord(word.0 | LockWord::BUSY).step(), step);
        }
        assert_eq!(LockWord::INITIAL.with_step(300).step(), 128);
        assert_eq!(LockWord::INITIAL.with_step(-300).step(), -128);
        assert_eq!(LockWord::INITIAL.step(), 0);
    }

    #[test]
    fn lock_word_fields_do_not_overlap() {
        let word = LockWord(LockWord::BUSY | LockWord::PINNED)
            .with_step(-37)
            .with_age(7)
            .with_flow_request(FlowRequest::Pin(100));
        assert_eq!(word.step(), -37);
        assert_eq!(word.age(), 7);
        assert_eq!(word.flow_request(), Some(FlowRequest::Pin(100)));
        assert!(word.has(LockWord::PINNED));
        assert!(!word.has(LockWord::OPERATOR_ACTED));
        let replaced = word.with_flow_request(FlowRequest::Reset);
        assert_eq!(replaced.flow_request(), Some(FlowRequest::Reset));
        assert_eq!(replaced.step(), -37);
        assert_eq!(
            replaced
                .with_flow_request(FlowRequest::Resume)
                .flow_request(),
            Some(FlowRequest::Resume)
        );
        assert_eq!(
            LockWord(replaced.0 & !LockWord::REQUESTS).flow_request(),
            None
        );
        assert_eq!(word.with_age(99).age(), 15);
    }

    #[test]
    fn settings_round_trip() {
        let config = Config::new(5)
            .allowed_failure_percent(37)
            .on_abandon(Abandon::AsFailure)
            .step_policy(StepPolicy::Aimd {
                increase: 100,
                decrease_factor: 99,
            });
        let settings = Settings::pack(&config);
        assert_eq!(settings.allowed_failure_percent(), 37);
        assert_eq!(settings.abandon(), Abandon::AsFailure);
        assert_eq!(settings.step_policy(), config.step_policy);
        assert!(!settings.changed());
        let changed = Settings(settings.with_allowed_failure_percent(100).0 | Settings::CHANGED);
        assert_eq!(changed.allowed_failure_percent(), 100);
        assert_eq!(changed.step_policy(), config.step_policy);
        assert!(changed.changed());
        let plain = Settings::pack(&Config::new(5));
        assert_eq!(plain.step_policy(), StepPolicy::Doubling);
        assert_eq!(plain.abandon(), Abandon::Ignore);
        assert_eq!(plain.allowed_failure_percent(), 50);
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
