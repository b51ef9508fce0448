//! A surge of traffic against a service that can handle less than half of
//! it, simulated: three clients side by side, with no protection, behind a
//! classic circuit breaker, and behind a nozzle.
//!
//! Run it with `cargo run --release --example surge`. It takes well under a
//! second: the clock is simulated, and the nozzle never reads a clock of its
//! own, so the simulation calls `tick(now)` itself with `now` in
//! milliseconds.
//!
//! The story (see `nozzle_demo::script`): 200 requests a second against a
//! capacity of 300, then a surge to 750 a second. An autoscaler adds one
//! instance of 100 requests a second at a time until the capacity covers the
//! surge; then the load goes back to normal. An overloaded service answers
//! 503 at once, but each rejection still costs it a tenth of a served
//! request (see `nozzle_demo::service`).
//!
//! The nozzle and the breaker judge failures against the same threshold:
//! 20 % (`nozzle_demo::settings`). The simulation loop itself, with the
//! calls to `try_acquire`, `record` and `tick`, is `nozzle_demo::sim`.
//!
//! A second run replays the story with the nozzle's AIMD step policy (halve
//! after a failing interval, add 10 points after a healthy one) instead of
//! the reference doubling step, and a last table compares the two.

use std::io::Write as _;
use std::process::ExitCode;

use nozzle_demo::script::Script;
use nozzle_demo::settings::{Settings, AIMD};
use nozzle_demo::{chart, report, sim};

fn main() -> ExitCode {
    // The same 20 s story as the overload demo's default run.
    let script = match Script::new(20_000) {
        Ok(script) => script,
        Err(error) => return fail(&error),
    };
    let settings = Settings::default();

    // Play the story. Nothing here sleeps or opens a socket.
    let timeline = match sim::simulate(script, &settings) {
        Ok(timeline) => timeline,
        Err(error) => return fail(&error),
    };

    // The same story again, with the other step policy.
    let aimd = match sim::simulate(script, &settings.with_step_policy(AIMD)) {
        Ok(timeline) => timeline,
        Err(error) => return fail(&error),
    };

    let path = chart::target_path("nozzle-surge.svg");
    if let Err(error) = chart::write(
        &timeline,
        "Surge against a 300 req/s service (simulated)",
        &path,
    ) {
        return fail(&error);
    }

    let text = format!(
        "Per second, simulated (nozzle interval 200 ms, threshold 20 %):\n\n{}\n{}\n\n{}\n\n\
         The nozzle with each step policy:\n\n{}\n\nChart written to {}",
        report::per_second_table(&timeline),
        report::summary_table(&timeline),
        report::headline(&timeline),
        report::policy_table(&[
            ("doubling (the reference)", &timeline),
            ("AIMD, +10 points, x0.5", &aimd),
        ]),
        path.display()
    );
    // writeln! instead of println!, which panics when the reader of a pipe
    // has gone away.
    match writeln!(std::io::stdout(), "{text}") {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            nozzle_demo::error::print_error(format_args!(
                "failed to write to standard output: {error}"
            ));
            ExitCode::FAILURE
        }
    }
}

fn fail(error: &dyn std::error::Error) -> ExitCode {
    nozzle_demo::error::print_error(error);
    ExitCode::FAILURE
}
