//! A nozzle and a circuit breaker protecting a real, overloaded HTTP service.
//!
//! Run it with `cargo run --release --example overload` (add
//! `-- --seconds N` to change the run length from 20 s).
//!
//! Three copies of the same HTTP service (axum on tokio) listen on
//! 127.0.0.1 ephemeral ports. Their capacity follows the script in
//! `nozzle_demo::script`: steady, a sudden surge to 2.5 times the capacity,
//! an autoscaler adding capacity one instance at a time, then back to
//! normal. A load generator in the same process offers the same requests to
//! three clients, each with its own copy of the service: one without
//! protection, one behind a classic circuit breaker, and one behind a
//! nozzle that a tokio task ticks every 20 ms. Above its capacity the
//! service answers 503 at once, but each rejection still costs it a tenth of
//! a served request, as parsing and logging a request does in a real one.
//!
//! It prints a line per second, a summary table, and writes a chart to
//! `target/nozzle-overload.svg`. The `surge` example tells the same story
//! on a simulated clock, and is the one to read first.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use nozzle_demo::args::{self, Command, USAGE};
use nozzle_demo::error::DemoError;
use nozzle_demo::load::{self, Limits};
use nozzle_demo::script::Script;
use nozzle_demo::server::{self, RunClock};
use nozzle_demo::settings::Settings;
use nozzle_demo::timeline::{Client, Timeline};
use nozzle_demo::{chart, report};

fn main() -> ExitCode {
    let seconds = match args::parse(std::env::args().skip(1)) {
        Ok(Command::Run { seconds }) => seconds,
        Ok(Command::Help) => {
            return match say(USAGE) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(&error),
            }
        }
        Err(error) => return fail(&DemoError::Args(error)),
    };
    match run(seconds) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn run(seconds: u64) -> Result<(), DemoError> {
    let script = Script::new(seconds * 1000)
        .map_err(|_| DemoError::Args(args::ArgError::InvalidSeconds(seconds.to_string())))?;

    // Two worker threads: the machine this runs on may have few cores, and
    // the load is a few thousand requests per second at most.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(DemoError::Runtime)?;
    let timeline = runtime.block_on(play(script))?;
    // Requests still waiting for their timeout are dropped with the runtime.
    drop(runtime);

    let path = chart::target_path("nozzle-overload.svg");
    chart::write(
        &timeline,
        "Surge against a 300 req/s HTTP service (live, loopback)",
        &path,
    )?;
    say(&format!(
        "\n{}\n\n{}\n\nChart written to {}",
        report::summary_table(&timeline),
        report::headline(&timeline),
        path.display()
    ))
}

async fn play(script: Script) -> Result<Timeline, DemoError> {
    let settings = Settings::default();
    let limits = Limits::default();
    let clock = Arc::new(RunClock::new());

    // One service per client, so that one client's shedding never frees
    // capacity for another.
    let loopback = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let mut services = Vec::new();
    for _ in Client::ALL {
        services.push(server::spawn(loopback, script, Arc::clone(&clock)).await?);
    }
    let addrs = [services[0].addr, services[1].addr, services[2].addr];

    let http = load::http_client();
    for client in Client::ALL {
        load::check_answers(&http, client, addrs[client.index()], limits.request_timeout).await?;
    }

    say(&format!(
        "Services of the three clients: http://{}/, http://{}/, http://{}/\n\
         Running for {} s: {} requests offered to each client. Per second:\n\n{}",
        addrs[0],
        addrs[1],
        addrs[2],
        script.length_ms() / 1000,
        script.total_offered(),
        report::progress_header()
    ))?;
    load::run(script, &settings, limits, addrs, clock, |progress| {
        writeln!(std::io::stdout(), "{}", report::progress_line(progress))
    })
    .await
}

/// Prints `text` and a newline, returning an error instead of panicking
/// when standard output is closed.
fn say(text: &str) -> Result<(), DemoError> {
    writeln!(std::io::stdout(), "{text}").map_err(DemoError::Output)
}

fn fail(error: &DemoError) -> ExitCode {
    nozzle_demo::error::print_error(error);
    ExitCode::FAILURE
}
