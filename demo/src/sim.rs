//! The story on a simulated clock: no sockets, no sleeping, the same result
//! on every run.
//!
//! Time moves in steps of one millisecond. In each step the script says how
//! many requests arrive and what the service can do; each request is offered
//! to all three clients, and each client's own [`Service`] answers it at
//! once. The host (this loop) drives the nozzle's clock by calling
//! [`Nozzle::tick`] every millisecond with the time in milliseconds; the
//! nozzle closes an interval whenever one is due.

use nozzle::Nozzle;

use crate::script::Script;
use crate::service::{Response, Service};
use crate::settings::{Settings, SettingsError};
use crate::timeline::{Bucket, Client, Tally, Timeline};

/// Plays `script` through the three clients and returns what happened.
///
/// # Errors
///
/// [`SettingsError`] when a setting is invalid.
pub fn simulate(script: Script, settings: &Settings) -> Result<Timeline, SettingsError> {
    let (nozzle, mut breaker) = settings.build()?;
    let mut services = [Service::new(), Service::new(), Service::new()];
    let mut timeline = Timeline::new(script, settings.bucket_ms);
    let mut tallies = [Tally::default(); 3];

    for t in 0..script.length_ms() {
        // Close a finished bucket before anything happens at time t.
        if t > 0 && t % settings.bucket_ms == 0 {
            push_bucket(&mut timeline, t, &mut tallies, &nozzle);
        }

        // The nozzle's clock is ours to drive; most ticks find nothing due.
        nozzle.tick(t);

        let arrivals = script.offered_until(t + 1) - script.offered_until(t);
        let capacity = script.capacity(t);
        for _ in 0..arrivals {
            for tally in &mut tallies {
                tally.offered += 1;
            }

            // No protection: every request goes to the service.
            let [unprotected, by_breaker, by_nozzle] = &mut services;
            send(&mut tallies[Client::Unprotected.index()], unprotected, t, capacity);

            // Circuit breaker: ask it first, report the outcome back to it.
            let tally = &mut tallies[Client::Breaker.index()];
            match breaker.try_acquire(t) {
                Ok(ticket) => {
                    let served = send(tally, by_breaker, t, capacity);
                    breaker.record(ticket, served, t);
                }
                Err(_) => tally.shed += 1,
            }

            // Nozzle: the same, with a permit that records the outcome.
            let tally = &mut tallies[Client::Nozzle.index()];
            match nozzle.try_acquire() {
                Ok(permit) => permit.record(send(tally, by_nozzle, t, capacity)),
                Err(_) => tally.shed += 1,
            }
        }
    }
    push_bucket(&mut timeline, script.length_ms(), &mut tallies, &nozzle);
    Ok(timeline)
}

/// Sends one request to `service` and counts its answer. Returns true when
/// it was served.
fn send(tally: &mut Tally, service: &mut Service, t: u64, capacity: u32) -> bool {
    tally.sent += 1;
    match service.handle(t, capacity) {
        Response::Served => {
            tally.served += 1;
            true
        }
        Response::Overloaded => {
            tally.failed += 1;
            false
        }
    }
}

/// Appends the bucket that ends at `end` and starts a new one.
fn push_bucket(timeline: &mut Timeline, end: u64, tallies: &mut [Tally; 3], nozzle: &Nozzle) {
    let start_ms = end.saturating_sub(1) / timeline.bucket_ms * timeline.bucket_ms;
    timeline.buckets.push(Bucket {
        start_ms,
        tallies: *tallies,
        nozzle_flow: nozzle.flow_rate(),
    });
    *tallies = [Tally::default(); 3];
}
