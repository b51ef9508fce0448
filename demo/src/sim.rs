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
            send(
                &mut tallies[Client::Unprotected.index()],
                unprotected,
                t,
                capacity,
            );

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{INSTANCE_RPS, NORMAL_INSTANCES};

    fn run(length_ms: u64) -> Timeline {
        simulate(Script::new(length_ms).unwrap(), &Settings::default()).unwrap()
    }

    #[test]
    fn nozzle_serves_more_than_breaker_during_surge() {
        for length_ms in [6_000, 20_000, 60_000] {
            let timeline = run(length_ms);
            let breaker = timeline.summary(Client::Breaker).surge;
            let nozzle = timeline.summary(Client::Nozzle).surge;
            assert!(
                nozzle.served > breaker.served,
                "{length_ms} ms run: nozzle {} <= breaker {}",
                nozzle.served,
                breaker.served
            );
        }
    }

    #[test]
    fn nozzle_fails_less_than_no_protection() {
        let timeline = run(20_000);
        let unprotected = timeline.summary(Client::Unprotected).total;
        let nozzle = timeline.summary(Client::Nozzle).total;
        assert!(
            nozzle.failed * 2 < unprotected.failed,
            "{nozzle:?} {unprotected:?}"
        );
    }

    #[test]
    fn every_request_is_accounted_for() {
        let timeline = run(20_000);
        let script = timeline.script;
        for summary in timeline.summaries() {
            let total = summary.total;
            assert_eq!(total.offered, script.total_offered(), "{}", summary.client);
            assert_eq!(total.offered, total.sent + total.shed, "{}", summary.client);
            assert_eq!(
                total.sent,
                total.served + total.failed,
                "{}",
                summary.client
            );
        }
        let unprotected = timeline.summary(Client::Unprotected).total;
        assert_eq!(unprotected.shed, 0);
    }

    #[test]
    fn buckets_cover_the_run_in_order() {
        let timeline = run(20_000);
        assert_eq!(timeline.buckets.len(), 100);
        for (i, bucket) in timeline.buckets.iter().enumerate() {
            assert_eq!(bucket.start_ms, i as u64 * 200);
        }
    }

    #[test]
    fn steady_phase_is_served_in_full() {
        let timeline = run(20_000);
        for bucket in timeline.buckets.iter().take_while(|b| b.start_ms < 3_000) {
            for tally in &bucket.tallies {
                assert_eq!(tally.served, tally.offered, "at {} ms", bucket.start_ms);
            }
        }
    }

    #[test]
    fn nobody_serves_more_than_capacity() {
        let timeline = run(20_000);
        let surge_capacity = u64::from(NORMAL_INSTANCES * INSTANCE_RPS);
        for client in Client::ALL {
            // From 3 s to 8 s the capacity is 300/s: at most 1500 served,
            // plus a 100 ms slice's worth at each edge.
            let served: u64 = timeline
                .buckets
                .iter()
                .filter(|b| (3_000..8_000).contains(&b.start_ms))
                .map(|b| b.tallies[client.index()].served)
                .sum();
            assert!(
                served <= surge_capacity * 5 + 2 * surge_capacity / 10,
                "{client}: {served}"
            );
        }
    }

    #[test]
    fn aimd_trades_served_requests_for_fewer_failures() {
        // The surge example's policy comparison: halving sheds more of the
        // surge than the doubling step, so it sends fewer requests that fail,
        // and it climbs back more slowly, so it serves fewer in total.
        let script = Script::new(20_000).unwrap();
        let settings = Settings::default();
        let doubling = simulate(script, &settings).unwrap();
        let aimd = simulate(script, &settings.with_step_policy(crate::settings::AIMD)).unwrap();
        let (doubling, aimd) = (
            doubling.summary(Client::Nozzle),
            aimd.summary(Client::Nozzle),
        );
        assert_eq!(aimd.total.offered, doubling.total.offered);
        assert_eq!(aimd.total.offered, aimd.total.sent + aimd.total.shed);
        assert!(
            aimd.total.failed < doubling.total.failed,
            "{aimd:?} {doubling:?}"
        );
        assert!(
            aimd.total.shed > doubling.total.shed,
            "{aimd:?} {doubling:?}"
        );
        assert!(
            aimd.total.served < doubling.total.served,
            "{aimd:?} {doubling:?}"
        );
        assert!(
            aimd.recovery_ms > doubling.recovery_ms,
            "{aimd:?} {doubling:?}"
        );
    }

    #[test]
    fn simulation_is_deterministic() {
        assert_eq!(run(20_000), run(20_000));
    }

    #[test]
    fn invalid_settings_are_reported() {
        let settings = Settings {
            nozzle: nozzle::Config::new(0),
            ..Settings::default()
        };
        let error = simulate(Script::new(20_000).unwrap(), &settings).unwrap_err();
        assert!(error.to_string().contains("interval"), "{error}");
    }
}
