//! The original starts a ticker goroutine per nozzle, which leaks unless the
//! nozzle is closed. This crate starts no thread at all. The check lives alone
//! in its own test binary so that no other test's thread changes the count.

// Miri isolates the test from procfs, which this check reads.
#![cfg(not(miri))]

use nozzle::{Config, Nozzle};

#[test]
fn no_thread_is_started_or_leaked() {
    // Creating, using and dropping many nozzles leaves the process's thread
    // count unchanged.
    let threads = || {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("Threads:"))
            .and_then(|count| count.trim().parse::<usize>().ok())
    };
    let Some(before) = threads() else {
        return; // not Linux, or no procfs: nothing to compare
    };
    for n in 0..10_000u64 {
        let nozzle = Nozzle::new(Config::new(10)).unwrap();
        nozzle.try_acquire().unwrap().success();
        assert!(nozzle.tick(10 + n).is_some());
    }
    assert_eq!(threads(), Some(before));
}
