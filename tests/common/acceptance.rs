//! The expected trajectory of the reference acceptance scenario.
//!
//! A nozzle with an interval of 1,000 and an allowed failure percent of 50
//! receives 1,000 attempts per interval for 41 intervals. The dependency behind
//! it serves 100 calls per interval for 23 intervals, 1,000 for the next 8,
//! then none for 10, and every admitted call beyond that capacity fails.
//!
//! The integration tests check this table against the crate and against the
//! sequential model, and the firmware examples include this file to run the
//! same scenario on a device, so it uses `core` only.

use nozzle::State;

/// Attempts made in every interval.
pub const ATTEMPTS: u32 = 1_000;

/// Flow rate at the start of each interval.
pub const FLOW: [u8; 41] = [
    100, 99, 97, 93, 85, 69, 37, 0, 1, 3, 7, 15, 31, 30, 28, 24, 16, 17, 19, 23, 22, 20,
    21, //
    20, 21, 23, 27, 35, 51, 83, 100, //
    100, 99, 97, 93, 85, 69, 37, 0, 1, 0,
];

/// Flow rate after the last tick. Interval 40 runs at flow 0, admits nothing,
/// and is judged healthy because it has no outcomes, so it reopens to 1.
pub const FINAL_FLOW: u8 = 1;

/// Direction after the tick that ends each interval.
pub const STATES: [State; 41] = {
    use State::{Closing as C, Opening as O};
    [
        C, C, C, C, C, C, C, O, O, O, O, O, C, C, C, C, O, O, O, C, C, O, C, //
        O, O, O, O, O, O, O, O, //
        C, C, C, C, C, C, C, O, C, O,
    ]
};

/// Returns how many calls the dependency can serve in `interval`.
pub const fn capacity(interval: usize) -> u32 {
    match interval {
        0..=22 => 100,
        23..=30 => 1_000,
        _ => 0,
    }
}
