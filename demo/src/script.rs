//! The scripted story both demos play: the offered request rate and the
//! service's capacity over time.
//!
//! The service runs on instances of [`INSTANCE_RPS`] requests per second each.
//! The story has five phases, laid out as fractions of the run so that a
//! shorter run tells the same story faster:
//!
//! | phase | share of the run | offered rate | capacity |
//! | --- | --- | --- | --- |
//! | steady | 0 to 15 % | 200/s | 3 instances, 300/s |
//! | surge | 15 to 40 % | 750/s | 300/s: the autoscaler has not reacted yet |
//! | scale-up | 40 to 65 % | 750/s | one more instance every 5 % of the run, up to 8 |
//! | recovered | 65 to 85 % | 750/s | 8 instances, 800/s |
//! | normal | 85 to 100 % | 200/s | 3 instances, 300/s |
//!
//! The capacity first covers the surge when the eighth instance starts, at
//! 60 % of the run ([`Script::covered_at`]).

use core::fmt;

/// Requests per second that one service instance can serve.
pub const INSTANCE_RPS: u32 = 100;
/// Instances before and after the surge.
pub const NORMAL_INSTANCES: u32 = 3;
/// Instances once the autoscaler has caught up with the surge.
pub const SCALED_INSTANCES: u32 = 8;
/// Offered requests per second outside the surge.
pub const NORMAL_RATE: u32 = 200;
/// Offered requests per second during the surge.
pub const SURGE_RATE: u32 = 750;

/// Phase boundaries in thousandths of the run.
const SURGE_STARTS: u64 = 150;
const SCALE_UP_STARTS: u64 = 400;
const SCALE_UP_STEP: u64 = 50;
const RECOVERED_STARTS: u64 = 650;
const NORMAL_STARTS: u64 = 850;

/// Shortest and longest run the script accepts, in milliseconds.
pub const MIN_LENGTH_MS: u64 = 5_000;
/// See [`MIN_LENGTH_MS`]. It bounds the demo's request count.
pub const MAX_LENGTH_MS: u64 = 120_000;

/// One phase of the story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Load well within capacity.
    Steady,
    /// Load far above a capacity that has not grown yet.
    Surge,
    /// Capacity grows one instance at a time under the surge.
    ScaleUp,
    /// Capacity covers the surge.
    Recovered,
    /// The surge is over.
    Normal,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Steady => "steady",
            Phase::Surge => "surge",
            Phase::ScaleUp => "scale-up",
            Phase::Recovered => "recovered",
            Phase::Normal => "normal",
        })
    }
}

/// The story of one run, with times in milliseconds from its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Script {
    length_ms: u64,
}

/// A run length outside [`MIN_LENGTH_MS`]`..=`[`MAX_LENGTH_MS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LengthError {
    /// The rejected length in milliseconds.
    pub length_ms: u64,
}

impl fmt::Display for LengthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "run length {} ms is outside {}..={} ms",
            self.length_ms, MIN_LENGTH_MS, MAX_LENGTH_MS
        )
    }
}

impl std::error::Error for LengthError {}

impl Script {
    /// Creates the story for a run of `length_ms` milliseconds.
    ///
    /// # Errors
    ///
    /// [`LengthError`] when the length is outside
    /// [`MIN_LENGTH_MS`]`..=`[`MAX_LENGTH_MS`].
    pub fn new(length_ms: u64) -> Result<Script, LengthError> {
        if (MIN_LENGTH_MS..=MAX_LENGTH_MS).contains(&length_ms) {
            Ok(Script { length_ms })
        } else {
            Err(LengthError { length_ms })
        }
    }

    /// Returns the run length in milliseconds.
    pub fn length_ms(&self) -> u64 {
        self.length_ms
    }

    /// Returns the time, in milliseconds, at which a phase boundary given in
    /// thousandths of the run falls.
    fn at(&self, permille: u64) -> u64 {
        self.length_ms * permille / 1000
    }

    /// Returns the phase in force at `t` milliseconds. Times past the end
    /// belong to the last phase.
    pub fn phase(&self, t: u64) -> Phase {
        if t < self.at(SURGE_STARTS) {
            Phase::Steady
        } else if t < self.at(SCALE_UP_STARTS) {
            Phase::Surge
        } else if t < self.at(RECOVERED_STARTS) {
            Phase::ScaleUp
        } else if t < self.at(NORMAL_STARTS) {
            Phase::Recovered
        } else {
            Phase::Normal
        }
    }

    /// Returns the offered request rate, per second, at `t` milliseconds.
    pub fn offered_rate(&self, t: u64) -> u32 {
        match self.phase(t) {
            Phase::Steady | Phase::Normal => NORMAL_RATE,
            Phase::Surge | Phase::ScaleUp | Phase::Recovered => SURGE_RATE,
        }
    }

    /// Returns the number of service instances running at `t` milliseconds.
    pub fn instances(&self, t: u64) -> u32 {
        match self.phase(t) {
            Phase::Steady | Phase::Surge | Phase::Normal => NORMAL_INSTANCES,
            Phase::Recovered => SCALED_INSTANCES,
            Phase::ScaleUp => {
                // One more instance at the start of the phase and after each step.
                let since = t - self.at(SCALE_UP_STARTS);
                let steps = since * 1000 / (self.length_ms * SCALE_UP_STEP);
                let added = u32::try_from(steps).unwrap_or(u32::MAX).saturating_add(1);
                NORMAL_INSTANCES.saturating_add(added).min(SCALED_INSTANCES)
            }
        }
    }

    /// Returns the service's capacity, in requests per second, at `t`
    /// milliseconds.
    pub fn capacity(&self, t: u64) -> u32 {
        self.instances(t) * INSTANCE_RPS
    }

    /// Returns when the surge starts, in milliseconds.
    pub fn surge_starts(&self) -> u64 {
        self.at(SURGE_STARTS)
    }

    /// Returns the first time, in milliseconds, at which the capacity covers
    /// the offered rate again after the surge started.
    pub fn covered_at(&self) -> u64 {
        let mut t = self.surge_starts();
        // Capacity changes only at boundaries in whole milliseconds, so a
        // millisecond scan finds the first one exactly.
        while t < self.length_ms && self.capacity(t) < self.offered_rate(t) {
            t += 1;
        }
        t
    }

    /// Returns the number of requests offered in `[0, t)` milliseconds: the
    /// integral of the offered rate, rounded down.
    ///
    /// A pacer that has sent `offered_until(t)` requests by time `t` follows
    /// the script exactly, whatever its timer resolution.
    pub fn offered_until(&self, t: u64) -> u64 {
        let t = t.min(self.length_ms);
        let boundaries = [
            self.at(SURGE_STARTS),
            self.at(NORMAL_STARTS),
            self.length_ms,
        ];
        let mut requests_ms = 0u64; // sum of rate * milliseconds
        let mut from = 0;
        for end in boundaries {
            let until = end.min(t);
            if until > from {
                requests_ms += u64::from(self.offered_rate(from)) * (until - from);
            }
            from = from.max(end);
        }
        requests_ms / 1000
    }

    /// Returns the total number of requests one client is offered over the
    /// run.
    pub fn total_offered(&self) -> u64 {
        self.offered_until(self.length_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script() -> Script {
        Script::new(20_000).unwrap()
    }

    #[test]
    fn length_outside_bounds_is_rejected() {
        assert_eq!(
            Script::new(MIN_LENGTH_MS - 1),
            Err(LengthError {
                length_ms: MIN_LENGTH_MS - 1
            })
        );
        assert!(Script::new(MAX_LENGTH_MS + 1).is_err());
        assert!(Script::new(MIN_LENGTH_MS).is_ok());
        assert!(Script::new(MAX_LENGTH_MS).is_ok());
        let message = Script::new(0).unwrap_err().to_string();
        assert!(message.contains("0 ms"), "{message}");
    }

    #[test]
    fn phases_follow_the_table() {
        let s = script();
        let expected = [
            (0, Phase::Steady),
            (2_999, Phase::Steady),
            (3_000, Phase::Surge),
            (7_999, Phase::Surge),
            (8_000, Phase::ScaleUp),
            (12_999, Phase::ScaleUp),
            (13_000, Phase::Recovered),
            (16_999, Phase::Recovered),
            (17_000, Phase::Normal),
            (19_999, Phase::Normal),
            (25_000, Phase::Normal),
        ];
        for (t, phase) in expected {
            assert_eq!(s.phase(t), phase, "at {t} ms");
        }
    }

    #[test]
    fn surge_exceeds_capacity_until_covered() {
        let s = script();
        for t in 0..s.surge_starts() {
            assert!(s.offered_rate(t) < s.capacity(t), "steady at {t} ms");
        }
        for t in s.surge_starts()..s.covered_at() {
            assert!(s.offered_rate(t) > s.capacity(t), "overloaded at {t} ms");
        }
        for t in s.covered_at()..s.length_ms() {
            assert!(s.offered_rate(t) <= s.capacity(t), "covered at {t} ms");
        }
    }

    #[test]
    fn autoscaler_adds_one_instance_per_step() {
        let s = script();
        // 20 s run: steps of 1 s from 8 s; the eighth instance starts at 12 s.
        let expected = [
            (7_999, 3),
            (8_000, 4),
            (8_999, 4),
            (9_000, 5),
            (10_000, 6),
            (11_000, 7),
            (12_000, 8),
            (12_999, 8),
            (13_000, 8),
            (17_000, 3),
        ];
        for (t, instances) in expected {
            assert_eq!(s.instances(t), instances, "at {t} ms");
        }
        assert_eq!(s.covered_at(), 12_000);
        let mut previous = s.capacity(8_000);
        for t in 8_000..13_000 {
            let capacity = s.capacity(t);
            assert!(capacity >= previous, "capacity fell at {t} ms");
            assert!(capacity - previous <= INSTANCE_RPS, "jump at {t} ms");
            previous = capacity;
        }
    }

    #[test]
    fn shorter_run_scales_every_phase() {
        let s = Script::new(6_000).unwrap();
        assert_eq!(s.surge_starts(), 900);
        assert_eq!(s.phase(2_399), Phase::Surge);
        assert_eq!(s.phase(2_400), Phase::ScaleUp);
        assert_eq!(s.covered_at(), 3_600);
        assert_eq!(s.phase(5_100), Phase::Normal);
    }

    #[test]
    fn offered_until_integrates_the_rate() {
        let s = script();
        // Sum the rate millisecond by millisecond: an independent integral.
        let mut requests_ms = 0u64;
        for t in 0..s.length_ms() {
            if t % 997 == 0 || t + 1 == s.length_ms() {
                assert_eq!(s.offered_until(t), requests_ms / 1000, "at {t} ms");
            }
            requests_ms += u64::from(s.offered_rate(t));
        }
        assert_eq!(s.total_offered(), requests_ms / 1000);
        // 3 s and 3 s at 200/s, 14 s at 750/s.
        assert_eq!(s.total_offered(), 600 + 10_500 + 600);
        assert_eq!(s.offered_until(u64::MAX), s.total_offered());
    }

    #[test]
    fn longest_run_bounds_the_request_count() {
        let longest = Script::new(MAX_LENGTH_MS).unwrap();
        assert!(longest.total_offered() <= u64::from(SURGE_RATE) * MAX_LENGTH_MS / 1000);
        assert_eq!(longest.total_offered(), 70_200);
    }
}
