//! `call_async` under tokio: concurrent tasks, task abort and
//! `tokio::time::timeout`. Time is paused wherever a test waits, so no test
//! depends on the machine's speed.

#![cfg(all(not(miri), not(loom)))]

use std::future::pending;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use nozzle::{Abandon, Config, Error, Nozzle, Reason};
use tokio::sync::oneshot;
use tokio::time::{sleep, timeout};

fn shared(abandon: Abandon) -> Arc<Nozzle> {
    Arc::new(Nozzle::new(Config::new(1_000).on_abandon(abandon)).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_outcomes_all_counted() {
    let nozzle = shared(Abandon::Ignore);
    let tasks: Vec<_> = (0..200u32)
        .map(|n| {
            let nozzle = Arc::clone(&nozzle);
            tokio::spawn(async move {
                nozzle
                    .call_async(async move {
                        tokio::task::yield_now().await;
                        if n % 4 == 0 {
                            Err(n)
                        } else {
                            Ok(n)
                        }
                    })
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut inner_errors = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Inner(n)) => {
                assert_eq!(n % 4, 0);
                inner_errors += 1;
            }
            Err(Error::Rejected(rejected)) => panic!("rejected at flow 100: {rejected}"),
        }
    }
    assert_eq!((ok, inner_errors), (150, 50));
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 200);
    assert_eq!(snapshot.successes, 150);
    assert_eq!(snapshot.failures, 50);
    assert_eq!(snapshot.abandoned, 0);
}

#[tokio::test]
async fn rejected_call_never_runs_inner() {
    let nozzle = shared(Abandon::Ignore);
    nozzle.shut_off();
    let ran = AtomicBool::new(false);
    let result = nozzle
        .call_async(async {
            ran.store(true, SeqCst);
            Ok::<(), ()>(())
        })
        .await;
    assert_eq!(
        result.unwrap_err().rejected().unwrap().reason(),
        Reason::ShutOff
    );
    assert!(!ran.load(SeqCst), "the inner future ran after a rejection");
    assert_eq!(nozzle.snapshot().blocked, 1);
}

/// Spawns a call whose inner future signals that it started and then never
/// completes, waits until it started, and aborts its task.
async fn abort_started_call(nozzle: &Arc<Nozzle>) {
    let (started_tx, started_rx) = oneshot::channel();
    let task = {
        let nozzle = Arc::clone(nozzle);
        tokio::spawn(async move {
            nozzle
                .call_async(async move {
                    started_tx.send(()).unwrap();
                    pending::<Result<(), ()>>().await
                })
                .await
        })
    };
    started_rx.await.unwrap();
    assert_eq!(nozzle.snapshot().allowed, 1);
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn aborted_task_is_abandoned() {
    let nozzle = shared(Abandon::Ignore);
    abort_started_call(&nozzle).await;
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.failures, 0);
    assert_eq!(snapshot.successes, 0);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.failure_rate(), 0);
    assert_eq!(transition.flow_rate, 100);
}

#[tokio::test]
async fn aborted_task_fails_under_as_failure() {
    let nozzle = shared(Abandon::AsFailure);
    abort_started_call(&nozzle).await;
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.failures, 1);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.failure_rate(), 100);
    assert_eq!(transition.flow_rate, 99);
}

#[tokio::test(start_paused = true)]
async fn timeout_drops_call_as_abandoned() {
    for (abandon, failures) in [(Abandon::Ignore, 0), (Abandon::AsFailure, 1)] {
        let nozzle = shared(abandon);
        let slow = nozzle.call_async(async {
            sleep(Duration::from_secs(10)).await;
            Ok::<(), ()>(())
        });
        let elapsed = timeout(Duration::from_millis(100), slow).await;
        assert!(elapsed.is_err(), "the timeout did not fire");
        let snapshot = nozzle.snapshot();
        assert_eq!(snapshot.allowed, 1, "{abandon:?}");
        assert_eq!(snapshot.abandoned, 1, "{abandon:?}");
        assert_eq!(snapshot.failures, failures, "{abandon:?}");
        assert_eq!(snapshot.successes, 0, "{abandon:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn call_within_timeout_succeeds() {
    let nozzle = shared(Abandon::AsFailure);
    let quick = nozzle.call_async_bool(async {
        sleep(Duration::from_millis(10)).await;
        true
    });
    assert_eq!(
        timeout(Duration::from_millis(100), quick).await,
        Ok(Ok(true))
    );
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.successes, 1);
    assert_eq!(snapshot.abandoned, 0);
    assert_eq!(snapshot.failures, 0);
}

#[tokio::test]
async fn panicking_task_is_abandoned() {
    let nozzle = shared(Abandon::AsFailure);
    let task = {
        let nozzle = Arc::clone(&nozzle);
        tokio::spawn(async move {
            nozzle
                .call_async(async {
                    tokio::task::yield_now().await;
                    panic!("the dependency's client panicked");
                    #[allow(unreachable_code)]
                    Ok::<(), ()>(())
                })
                .await
        })
    };
    assert!(task.await.unwrap_err().is_panic());
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.failures, 1);
}
