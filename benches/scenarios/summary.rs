//! The table printed after a run: every benchmark of this run as criterion's
//! median, with its ratio to the mutex port in the same scenario and to
//! `fetch_add` (on one thread, or on two for the contended scenarios), then
//! the design targets against those ratios.
//!
//! It reads criterion's `new/estimates.json` files and skips every file older
//! than this run, so a filtered run does not mix in earlier figures.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Every benchmark the harness defines, as (group, function).
const BENCHMARKS: &[(&str, &str)] = &[
    ("fetch_add", "one_thread"),
    ("fetch_add", "two_threads"),
    ("fetch_add", "two_threads_pair"),
    ("healthy", "nozzle"),
    ("healthy", "mutex_port"),
    ("healthy", "governor_check"),
    ("throttled", "nozzle"),
    ("throttled", "mutex_port"),
    ("rejected", "nozzle"),
    ("rejected", "mutex_port"),
    ("tick_not_due", "nozzle"),
    ("tick_not_due", "mutex_port"),
    ("tick_due", "nozzle"),
    ("tick_due", "mutex_port"),
    ("contended_healthy", "nozzle"),
    ("contended_healthy", "mutex_port"),
    ("contended_healthy", "governor_check"),
    ("contended_throttled", "nozzle"),
    ("contended_throttled", "mutex_port"),
    ("priority", "nozzle"),
    ("priority", "critical"),
    ("priority", "sheddable_throttled"),
];

/// A design target: `measured` costs at most `limit` times `reference`.
struct Target {
    text: &'static str,
    measured: (&'static str, &'static str),
    reference: (&'static str, &'static str),
    limit: f64,
}

const TARGETS: &[Target] = &[
    Target {
        text: "two threads, healthy: at most 1.25 times two contended adds on one cache line (its floor)",
        measured: ("contended_healthy", "nozzle"),
        reference: ("fetch_add", "two_threads_pair"),
        limit: 1.25,
    },
    Target {
        text: "priority class: no dearer than a plain nozzle (the same one fetch_add), within 25 %",
        measured: ("priority", "critical"),
        reference: ("priority", "nozzle"),
        limit: 1.25,
    },
    Target {
        text: "healthy: at most 2.5 fetch_add units",
        measured: ("healthy", "nozzle"),
        reference: ("fetch_add", "one_thread"),
        limit: 2.5,
    },
    Target {
        text: "healthy: at most half the mutex port",
        measured: ("healthy", "nozzle"),
        reference: ("healthy", "mutex_port"),
        limit: 0.5,
    },
    Target {
        text: "two threads, healthy: at most 2.5 contended fetch_add units",
        measured: ("contended_healthy", "nozzle"),
        reference: ("fetch_add", "two_threads"),
        limit: 2.5,
    },
    Target {
        text: "two threads, healthy: at most a fifth of the mutex port",
        measured: ("contended_healthy", "nozzle"),
        reference: ("contended_healthy", "mutex_port"),
        limit: 0.2,
    },
    Target {
        text: "two threads, throttled: no more than the mutex port",
        measured: ("contended_throttled", "nozzle"),
        reference: ("contended_throttled", "mutex_port"),
        limit: 1.0,
    },
];

/// Criterion's median of one benchmark, in nanoseconds per iteration.
struct Median {
    point: f64,
    lower: f64,
    upper: f64,
}

/// Returns the directory criterion writes to, chosen the way criterion 0.7
/// chooses it when it runs under `cargo bench` in this workspace.
pub fn output_directory() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("criterion")
}

fn read_median(directory: &Path, id: (&str, &str), since: SystemTime) -> Option<Median> {
    let path = directory.join(id.0).join(id.1).join("new/estimates.json");
    let modified = std::fs::metadata(&path)
        .and_then(|meta| meta.modified())
        .ok()?;
    if modified < since {
        return None;
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("failed to read {}: {error}", path.display());
            return None;
        }
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(json) => json,
        Err(error) => {
            eprintln!("invalid JSON in {}: {error}", path.display());
            return None;
        }
    };
    let median = &json["median"];
    let interval = &median["confidence_interval"];
    Some(Median {
        point: median["point_estimate"].as_f64()?,
        lower: interval["lower_bound"].as_f64()?,
        upper: interval["upper_bound"].as_f64()?,
    })
}

/// Returns the first three fields of `/proc/loadavg` (the 1, 5 and 15 minute
/// load averages), or `None` where that file does not exist.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Prints the table and the targets for the benchmarks that ran since `since`,
/// and the load average when the run started (`load_at_start`) and now. The
/// load average counts this run's own threads too: 1 while one thread is
/// measured, 2 for the contended scenarios.
pub fn print(since: SystemTime, load_at_start: Option<String>) {
    let directory = output_directory();
    let medians: Vec<((&str, &str), Median)> = BENCHMARKS
        .iter()
        .filter_map(|&id| Some((id, read_median(&directory, id, since)?)))
        .collect();
    if medians.is_empty() {
        return;
    }
    let find = |id: (&str, &str)| medians.iter().find(|(key, _)| *key == id).map(|(_, m)| m);
    let ratio = |value: f64, reference: Option<&Median>| match reference {
        Some(reference) => format!("{:.2}", value / reference.point),
        None => "-".to_string(),
    };

    println!();
    println!("Medians of this run (time per call; per call per thread on two threads):");
    println!();
    println!("| benchmark | median | 95 % interval | / mutex port | / fetch_add |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for ((group, function), median) in &medians {
        let unit = if group.starts_with("contended") {
            ("fetch_add", "two_threads")
        } else {
            ("fetch_add", "one_thread")
        };
        println!(
            "| {group}/{function} | {:.2} ns | {:.2} to {:.2} | {} | {} |",
            median.point,
            median.lower,
            median.upper,
            ratio(median.point, find((group, "mutex_port"))),
            ratio(median.point, find(unit)),
        );
    }

    if let (Some(start), Some(end)) = (load_at_start, load_average()) {
        println!();
        println!("Load average (1, 5, 15 min): {start} at the start, {end} at the end.");
    }

    let mut heading_printed = false;
    for target in TARGETS {
        let (Some(measured), Some(reference)) = (find(target.measured), find(target.reference))
        else {
            continue;
        };
        if !heading_printed {
            println!();
            println!("Design targets:");
            heading_printed = true;
        }
        let value = measured.point / reference.point;
        let verdict = if value <= target.limit {
            "met"
        } else {
            "missed"
        };
        println!(
            "- {}: {value:.2} (limit {}): {verdict}",
            target.text, target.limit
        );
    }
}
