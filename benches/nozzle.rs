//! Criterion benchmarks of the nozzle's hot paths against a `std::sync::Mutex`
//! port of the same rules, a bare `AtomicU64::fetch_add` and `governor`'s direct
//! rate limiter, all measured in the same run.
//!
//! `cargo bench` runs everything; `cargo bench -- healthy` runs the benchmarks
//! whose name contains `healthy`. At the end it prints each median with its
//! ratios to the mutex port and to `fetch_add`, and the design targets.

mod scenarios;

use std::time::{Duration, SystemTime};

use criterion::Criterion;

/// Warm-up and measurement time of each of the 18 benchmarks. With criterion's
/// analysis the whole suite took 2.5 to 3 minutes on a shared 2-core machine,
/// well inside a 10-minute budget even with a first build (about 3.5 minutes).
/// `--warm-up-time` and `--measurement-time` on the command line override them.
const WARM_UP: Duration = Duration::from_secs(2);
const MEASUREMENT: Duration = Duration::from_secs(5);

fn main() {
    let started = SystemTime::now();
    let load_at_start = scenarios::summary::load_average();
    scenarios::checks::run_all();

    let mut criterion = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT)
        .output_directory(&scenarios::summary::output_directory())
        .configure_from_args();

    scenarios::baselines::fetch_add(&mut criterion);
    scenarios::single::healthy(&mut criterion);
    scenarios::single::throttled(&mut criterion);
    scenarios::single::rejected(&mut criterion);
    scenarios::tick::not_due(&mut criterion);
    scenarios::tick::due(&mut criterion);
    scenarios::contended::healthy(&mut criterion);
    scenarios::contended::throttled(&mut criterion);
    scenarios::priority::classes(&mut criterion);

    criterion.final_summary();
    scenarios::summary::print(started, load_at_start);
}
