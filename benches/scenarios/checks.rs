//! Checks that run before anything is measured: the mutex port follows the
//! nozzle's rules, each scenario is in the state it claims, and the `governor`
//! baseline admits every call. A failed check panics, so no figure is reported
//! for a baseline that does different work.

use nozzle::{Config, Nozzle, State};

use super::baselines::admitting_limiter;
use super::mutex_port::{MutexNozzle, MutexTransition};
use super::probes;
use super::subject::{Subject, ALLOWED_FAILURE_PERCENT, INTERVAL, THROTTLED_FLOW};

/// Runs every check.
pub fn run_all() {
    for seed in 1..=4 {
        port_matches_nozzle(seed);
    }
    scenarios_reach_their_flow_rates();
    probes_count_and_tick();
    governor_admits_every_call();
}

/// Drives a nozzle and the mutex port through the same calls, outcomes and
/// ticks (outages, recoveries, abandoned permits, late, early and reset
/// clocks), and compares every decision and every transition.
fn port_matches_nozzle(seed: u64) {
    let config = Config::new(INTERVAL).allowed_failure_percent(ALLOWED_FAILURE_PERCENT);
    let nozzle = Nozzle::new(config).expect("valid configuration");
    let port = MutexNozzle::new(INTERVAL, ALLOWED_FAILURE_PERCENT);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut now = 0u64;
    let mut flows_seen = [false; 101];

    for interval in 0..120u64 {
        let outage = (10..30).contains(&(interval % 60));
        let calls = rng.u32(0..400);
        for call in 0..calls {
            let context = format!("seed {seed}, interval {interval}, call {call}");
            let roll = rng.u8(0..100);
            match (nozzle.try_acquire(), port.try_acquire()) {
                (Ok(permit), Ok(port_permit)) => match roll {
                    0..=1 => drop((permit, port_permit)),
                    _ if roll < if outage { 20 } else { 95 } => {
                        permit.success();
                        port_permit.success();
                    }
                    _ => {
                        permit.failure();
                        port_permit.failure();
                    }
                },
                (Err(rejected), Err(port_rejected)) => {
                    assert_eq!(
                        rejected.flow_rate(),
                        port_rejected.flow_rate,
                        "{context}: flow rate of the rejection"
                    );
                }
                (ours, theirs) => panic!(
                    "{context}: nozzle admitted {}, mutex port admitted {}",
                    ours.is_ok(),
                    theirs.is_ok()
                ),
            }
        }

        now = match rng.u8(0..10) {
            0 => now + INTERVAL / 3,
            1 => now.saturating_sub(INTERVAL / 2),
            2 => now + INTERVAL * rng.u64(2..5) + rng.u64(0..INTERVAL),
            3 if now > 5 * INTERVAL => now - 5 * INTERVAL,
            _ => now + INTERVAL + rng.u64(0..INTERVAL / 10),
        };
        let ours = nozzle.tick(now);
        let theirs = port.tick(now);
        let context = format!("seed {seed}, tick {interval} at {now}");
        match (ours, theirs) {
            (None, None) => {}
            (Some(ours), Some(theirs)) => {
                let ours = MutexTransition {
                    seq: ours.seq,
                    start: ours.start,
                    end: ours.end,
                    closed_flow_rate: ours.closed.flow_rate,
                    closed_closing: ours.closed.state == State::Closing,
                    allowed: ours.closed.allowed,
                    blocked: ours.closed.blocked,
                    successes: ours.closed.successes,
                    failures: ours.closed.failures,
                    abandoned: ours.closed.abandoned,
                    flow_rate: ours.flow_rate,
                    closing: ours.state == State::Closing,
                };
                assert_eq!(ours, theirs, "{context}: transitions differ");
            }
            (ours, theirs) => panic!(
                "{context}: nozzle closed {}, mutex port closed {}",
                ours.is_some(),
                theirs.is_some()
            ),
        }
        assert_eq!(nozzle.flow_rate(), port.flow_rate(), "{context}: flow rate");
        flows_seen[usize::from(nozzle.flow_rate())] = true;
    }

    // The comparison means little unless it covered every kind of admission.
    assert!(flows_seen[0], "seed {seed}: the flow rate never reached 0");
    assert!(flows_seen[100], "seed {seed}: the flow rate never was 100");
    assert!(
        flows_seen[1..100].iter().filter(|&&seen| seen).count() >= 5,
        "seed {seed}: fewer than 5 flow rates between 1 and 99"
    );
}

fn scenarios_reach_their_flow_rates() {
    for flow in [100, THROTTLED_FLOW, 0] {
        let (nozzle, _) = Nozzle::driven_to(flow);
        assert_eq!(nozzle.flow_rate(), flow, "nozzle driven to {flow}");
        let (port, _) = MutexNozzle::driven_to(flow);
        assert_eq!(port.flow_rate(), flow, "mutex port driven to {flow}");
    }

    // At the throttled flow rate, 100 attempts admit exactly the flow rate's
    // share, on both controllers.
    let (nozzle, _) = Nozzle::driven_to(THROTTLED_FLOW);
    let (port, _) = MutexNozzle::driven_to(THROTTLED_FLOW);
    let admitted = (0..100).filter(|_| nozzle.attempt_and_succeed()).count();
    let port_admitted = (0..100).filter(|_| port.attempt_and_succeed()).count();
    assert_eq!(admitted, usize::from(THROTTLED_FLOW), "nozzle admissions");
    assert_eq!(
        port_admitted,
        usize::from(THROTTLED_FLOW),
        "port admissions"
    );
}

fn probes_count_and_tick() {
    let nozzle = Nozzle::open();
    let permit = probes::try_acquire(&nozzle).expect("an open nozzle admits");
    probes::success(permit);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 1, "allowed after one probe call");
    assert_eq!(snapshot.successes, 1, "successes after one probe call");
    assert!(
        probes::tick(&nozzle, INTERVAL / 2).is_none(),
        "tick not due"
    );
    let transition = probes::tick(&nozzle, INTERVAL).expect("tick due");
    assert_eq!(
        transition.closed.successes, 1,
        "successes in the transition"
    );
}

fn governor_admits_every_call() {
    let limiter = admitting_limiter();
    let denied = (0..1_000_000).filter(|_| limiter.check().is_err()).count();
    assert_eq!(denied, 0, "governor denied calls on one thread");
    // Panics inside the scoped thread if a check is denied.
    let limiter = admitting_limiter();
    super::contended::on_two_threads(1_000_000, &limiter, |limiter| {
        assert!(
            limiter.check().is_ok(),
            "governor denied a call on two threads"
        );
    });
}
