//! The two ways the README ticks a nozzle from a `Clock`: from a tokio timer
//! task, and lazily before each call.

#![cfg(all(feature = "std", not(miri), not(loom)))]

use std::sync::Arc;
use std::time::{Duration, Instant};

use nozzle::{Clock, Config, Nozzle, State, Transition};
use tokio::sync::mpsc;
use tokio::time::sleep;

/// Runs the README's timer task, sending each transition to `transitions`.
async fn drive(nozzle: Arc<Nozzle>, clock: Clock, transitions: mpsc::UnboundedSender<Transition>) {
    let mut timer = tokio::time::interval(Duration::from_millis(100));
    loop {
        let scheduled = timer.tick().await;
        if let Some(transition) = nozzle.tick(clock.nanos_at(scheduled.into_std())) {
            transitions.send(transition).unwrap();
        }
    }
}

fn fail(nozzle: &Nozzle, attempts: usize) {
    for _ in 0..attempts {
        if let Ok(permit) = nozzle.try_acquire() {
            permit.failure();
        }
    }
}

#[tokio::test(start_paused = true)]
async fn timer_task_closes_on_boundaries() {
    let config = Config::from_duration(Duration::from_secs(1)).unwrap();
    let nozzle = Arc::new(Nozzle::new(config).unwrap());
    // The paused runtime's clock starts now, so the clock shares its origin.
    let clock = Clock::starting_at(tokio::time::Instant::now().into_std());
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let ticker = tokio::spawn(drive(Arc::clone(&nozzle), clock, sender));

    // Ten failing calls in the middle of each of the first three seconds.
    sleep(Duration::from_millis(500)).await;
    for _ in 0..3 {
        fail(&nozzle, 10);
        sleep(Duration::from_secs(1)).await;
    }
    ticker.abort();

    let mut transitions = Vec::new();
    while let Ok(transition) = receiver.try_recv() {
        transitions.push(transition);
    }
    let ends: Vec<u64> = transitions.iter().map(|t| t.end).collect();
    assert_eq!(ends, [1_000_000_000, 2_000_000_000, 3_000_000_000]);
    let flows: Vec<u8> = transitions.iter().map(|t| t.flow_rate).collect();
    assert_eq!(flows, [99, 97, 93]);
    let failures: Vec<u32> = transitions.iter().map(|t| t.closed.failures).collect();
    // Flow 100 admits all 10 attempts, flow 99 and 97 admit 9 of 10.
    assert_eq!(failures, [10, 9, 9]);
    assert!(transitions.iter().all(|t| t.state == State::Closing));
}

#[test]
fn lazy_ticks_close_once_per_interval() {
    // The clock's origin lies 90 minutes back and intervals last an hour. So
    // the first lazy tick closes the interval [0 h, 1 h), and the next
    // boundary is 30 minutes away, which no later tick in this test reaches.
    let config = Config::from_duration(Duration::from_secs(3_600)).unwrap();
    let nozzle = Nozzle::new(config).unwrap();
    let ninety_minutes = Duration::from_secs(5_400);
    let origin = Instant::now()
        .checked_sub(ninety_minutes)
        .expect("an instant 90 minutes back");
    let clock = Clock::starting_at(origin);
    fail(&nozzle, 4);

    let mut transitions = Vec::new();
    for call in 0..50 {
        if let Some(transition) = clock.tick(&nozzle) {
            transitions.push(transition);
        }
        let _ = nozzle.call_bool(|| call % 2 == 0);
    }
    assert_eq!(transitions.len(), 1);
    let first = &transitions[0];
    assert_eq!((first.start, first.end), (0, 3_600_000_000_000));
    assert_eq!(first.closed.failures, 4);
    assert_eq!(first.flow_rate, 99);
    // The 50 calls after the close count in the interval still open.
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed + snapshot.blocked, 50);
}
