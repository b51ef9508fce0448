//! Numbers for choosing a nozzle's interval and allowed failure percent.
//!
//! Run it with `cargo run --release --example tuning`. It prints:
//!
//! 1. the flow-rate trajectories that the step rules produce: closing from
//!    100 under failing intervals, and reopening from 0 under healthy ones,
//!    measured on a real `Nozzle`;
//! 2. the surge simulation of the `surge` example, repeated for several
//!    intervals and thresholds, with the breaker at the same threshold.

use std::io::Write as _;
use std::process::ExitCode;

use nozzle::{Config, Nozzle};
use nozzle_demo::breaker::BreakerConfig;
use nozzle_demo::script::Script;
use nozzle_demo::settings::Settings;
use nozzle_demo::sim;
use nozzle_demo::timeline::{Client, Summary};

/// Flow rates after each close until the flow reaches `target`, with one
/// call per interval that fails or succeeds. Returns the starting flow rate
/// followed by the rate after each close.
fn trajectory(nozzle: &Nozzle, first_interval: u64, fail: bool, target: u8) -> Vec<u8> {
    let mut flows = vec![nozzle.flow_rate()];
    let mut interval = first_interval;
    while nozzle.flow_rate() != target && flows.len() <= 16 {
        if let Ok(permit) = nozzle.try_acquire() {
            permit.record(!fail);
        }
        interval += 1;
        if let Some(transition) = nozzle.tick(interval * 1_000) {
            flows.push(transition.flow_rate);
        }
    }
    flows
}

fn recovery(summary: &Summary) -> String {
    summary.recovery_ms.map_or_else(
        || "never".to_owned(),
        |ms| format!("{:.1} s", ms as f64 / 1000.0),
    )
}

fn main() -> ExitCode {
    let mut out = String::new();

    // 1. Trajectories from the rules, on a real nozzle with a 1000-unit
    //    interval and one call per interval.
    let nozzle = match Nozzle::new(Config::new(1_000)) {
        Ok(nozzle) => nozzle,
        Err(error) => {
            nozzle_demo::error::print_error(error);
            return ExitCode::FAILURE;
        }
    };
    let closing = trajectory(&nozzle, 0, true, 0);
    let reopening = trajectory(&nozzle, closing.len() as u64 - 1, false, 100);
    out += &format!(
        "Every interval failing, from 100: {:?} ({} intervals)\n",
        closing,
        closing.len() - 1
    );
    out += &format!(
        "Every interval healthy, from 0:   {:?} ({} intervals)\n\n",
        reopening,
        reopening.len() - 1
    );

    // 2. The surge simulation for a grid of settings.
    let script = match Script::new(20_000) {
        Ok(script) => script,
        Err(error) => {
            nozzle_demo::error::print_error(error);
            return ExitCode::FAILURE;
        }
    };
    out += "Surge simulation, 20 s, counts during the surge (3 s to 17 s, 10500 offered):\n";
    out += &format!(
        "{:>8} {:>9} | {:>7} {:>7} {:>6} {:>10} | {:>14} {:>10}\n",
        "interval",
        "threshold",
        "nozzle",
        "failed",
        "shed",
        "full after",
        "breaker served",
        "full after"
    );
    for percent in [10u8, 20, 50] {
        for interval in [100u64, 200, 500, 1_000] {
            let defaults = Settings::default();
            let settings = Settings {
                nozzle: Config::new(interval).allowed_failure_percent(percent),
                breaker: BreakerConfig {
                    failure_threshold_percent: percent,
                    ..defaults.breaker
                },
                ..defaults
            };
            let timeline = match sim::simulate(script, &settings) {
                Ok(timeline) => timeline,
                Err(error) => {
                    nozzle_demo::error::print_error(error);
                    return ExitCode::FAILURE;
                }
            };
            let nozzle = timeline.summary(Client::Nozzle);
            let breaker = timeline.summary(Client::Breaker);
            out += &format!(
                "{:>6}ms {:>8}% | {:>7} {:>7} {:>6} {:>10} | {:>14} {:>10}\n",
                interval,
                percent,
                nozzle.surge.served,
                nozzle.surge.failed,
                nozzle.surge.shed,
                recovery(&nozzle),
                breaker.surge.served,
                recovery(&breaker),
            );
        }
    }
    let unprotected = match sim::simulate(script, &Settings::default()) {
        Ok(timeline) => timeline.summary(Client::Unprotected).surge,
        Err(error) => {
            nozzle_demo::error::print_error(error);
            return ExitCode::FAILURE;
        }
    };
    out += &format!(
        "No protection: {} served, {} failed.",
        unprotected.served, unprotected.failed
    );

    match writeln!(std::io::stdout(), "{out}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            nozzle_demo::error::print_error(format_args!(
                "failed to write to standard output: {error}"
            ));
            ExitCode::FAILURE
        }
    }
}
