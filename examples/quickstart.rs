//! A nozzle in front of a dependency that fails 90 % of calls for a while and
//! then recovers, on a clock the program drives itself.
//!
//! Run it with `cargo run --example quickstart`.

use nozzle::{Config, Nozzle};

fn main() {
    let nozzle = match Nozzle::new(Config::new(1_000).allowed_failure_percent(25)) {
        Ok(nozzle) => nozzle,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(2);
        }
    };

    println!("interval  flow  allowed  blocked  failure rate  next flow  state");
    for interval in 0..20u64 {
        let outage = (2..9).contains(&interval);
        for call in 0..200u64 {
            if let Ok(permit) = nozzle.try_acquire() {
                // During the outage nine calls in ten fail.
                permit.record(!outage || call % 10 == 0);
            }
        }
        let now = 1_000 * (interval + 1);
        if let Some(transition) = nozzle.tick(now) {
            let closed = transition.closed;
            println!(
                "{interval:>8}  {:>4}  {:>7}  {:>7}  {:>11}%  {:>9}  {}",
                closed.flow_rate,
                closed.allowed,
                closed.blocked,
                transition.failure_rate(),
                transition.flow_rate,
                transition.state,
            );
        }
    }
}
