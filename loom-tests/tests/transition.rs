//! The `Transition` a `tick` returns was taken atomically with its close: it
//! matches what every later reader observes, and concurrent readers see the
//! flow rate and direction of one side of the close or the other, never a mix.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Snapshot, State, Transition, Verdict};
use nozzle_loom_tests::{assert_flow_in_range, check, nozzle_at_99, INTERVAL};

/// Flow and direction pairs the model can produce, in the order they occur:
/// before any close in it, after the failing close, and after an empty close
/// that follows it.
const POSSIBLE: [(u8, State); 3] = [
    (99, State::Closing),
    (97, State::Closing),
    (98, State::Opening),
];

/// Returns the position in [`POSSIBLE`] of a flow and direction pair, and
/// fails if the pair comes from no single close.
fn position(flow: u8, state: State, context: &str) -> usize {
    assert_flow_in_range(flow, context);
    POSSIBLE
        .iter()
        .position(|&pair| pair == (flow, state))
        .unwrap_or_else(|| {
            panic!("{context}: flow {flow} with state {state:?} comes from no single close")
        })
}

fn assert_possible(snapshot: &Snapshot, context: &str) -> usize {
    position(snapshot.flow_rate, snapshot.state, context)
}

#[test]
fn transitions_match_later_readers() {
    // Setup: flow 99, step -2, then three failed calls in the interval
    // [10, 20). Thread A ticks at 20, thread B at 30, and thread C reads.
    // If A goes first, it closes [10, 20) to flow 97 and B closes the empty
    // [20, 30) to flow 98. If B goes first, it closes [10, 30) in one go and
    // A finds nothing due. If they collide, the loser returns None at once.
    check("transitions_match_later_readers", || {
        let nozzle = nozzle_at_99(Config::new(INTERVAL));
        for _ in 0..3 {
            if let Ok(permit) = nozzle.try_acquire() {
                permit.failure();
            }
        }
        let failed = nozzle.snapshot().failures;
        assert_eq!(failed, 2, "flow 99 admits attempts 0 and 2");

        let tickers: Vec<_> = [2 * INTERVAL, 3 * INTERVAL]
            .into_iter()
            .map(|now| {
                let nozzle = Arc::clone(&nozzle);
                thread::spawn(move || {
                    let transition = nozzle.tick(now);
                    // While handling its transition the host reads a state
                    // at least as new as the one the transition installed.
                    if let Some(transition) = transition {
                        let read = assert_possible(&nozzle.snapshot(), "ticker's read");
                        let installed =
                            position(transition.flow_rate, transition.state, "transition");
                        assert!(read >= installed, "ticker read a state older than its own");
                    }
                    transition
                })
            })
            .collect();
        let read = nozzle.snapshot();
        let mut transitions: Vec<Transition> = Vec::new();
        for ticker in tickers {
            transitions.extend(ticker.join().unwrap());
        }
        assert_possible(&read, "concurrent reader");

        transitions.sort_by_key(|transition| transition.seq);
        assert!(!transitions.is_empty(), "the first due tick closes");
        let first = &transitions[0];
        assert_eq!(first.seq, 2);
        assert_eq!(first.start, INTERVAL);
        assert_eq!(first.closed.flow_rate, 99);
        assert_eq!(first.closed.failures, failed, "closed counts are exact");
        assert_eq!(first.closed.allowed, 2);
        assert_eq!(first.closed.blocked, 1);
        assert_eq!(first.verdict, Verdict::Failing);
        assert_eq!((first.flow_rate, first.state), (97, State::Closing));
        for pair in transitions.windows(2) {
            assert_eq!(pair[1].seq, pair[0].seq + 1, "sequence numbers");
            assert_eq!(pair[1].start, pair[0].end, "intervals are contiguous");
            assert_eq!(pair[1].closed.flow_rate, pair[0].flow_rate);
            assert_eq!(pair[1].closed.state, pair[0].state);
            assert_eq!(pair[1].closed.failures, 0);
            assert_eq!((pair[1].flow_rate, pair[1].state), (98, State::Opening));
        }

        // Every later reader sees what the last transition installed.
        let last = transitions.last().unwrap();
        let later = nozzle.snapshot();
        assert_eq!(later.flow_rate, last.flow_rate);
        assert_eq!(later.state, last.state);
        assert_eq!(nozzle.flow_rate(), last.flow_rate);
        assert_eq!(nozzle.state(), last.state);
        assert_eq!(
            (
                later.allowed,
                later.blocked,
                later.successes,
                later.failures
            ),
            (0, 0, 0, 0)
        );
        // The next close continues from the last one's end and sequence.
        let next = nozzle.tick(last.end + INTERVAL).unwrap();
        assert_eq!(next.seq, last.seq + 1);
        assert_eq!(next.start, last.end);
    });
}
