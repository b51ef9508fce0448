//! `call_async` and `call_async_bool` polled by hand, without a runtime, so each
//! poll's effect on the counters can be checked in between.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use nozzle::{Abandon, Config, Error, Nozzle, Reason};

/// A waker that does nothing: the tests poll again on their own schedule.
struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(NoopWake));
    future.poll(&mut Context::from_waker(&waker))
}

/// An inner future that counts its polls and is pending for the first
/// `pending` of them, then ready with `output`.
struct Gate<'a, T> {
    polls: &'a Cell<u32>,
    pending: u32,
    output: Option<T>,
}

impl<'a, T> Gate<'a, T> {
    fn new(polls: &'a Cell<u32>, pending: u32, output: T) -> Gate<'a, T> {
        Gate {
            polls,
            pending,
            output: Some(output),
        }
    }
}

impl<T: Unpin> Future for Gate<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<T> {
        let polls = self.polls.get() + 1;
        self.polls.set(polls);
        if polls <= self.pending {
            return Poll::Pending;
        }
        Poll::Ready(self.output.take().expect("Gate polled after completion"))
    }
}

fn nozzle() -> Nozzle {
    Nozzle::new(Config::new(1_000)).unwrap()
}

#[test]
fn admission_waits_for_first_poll() {
    let nozzle = nozzle();
    let polls = Cell::new(0);
    let call = nozzle.call_async(Gate::new(&polls, 1, Ok::<u32, ()>(7)));
    assert_eq!(nozzle.snapshot().allowed, 0);

    let mut call = pin!(call);
    assert!(poll_once(call.as_mut()).is_pending());
    assert_eq!(nozzle.snapshot().allowed, 1);
    assert_eq!(polls.get(), 1);
}

#[test]
fn unpolled_future_counts_nothing() {
    let nozzle = nozzle();
    let polls = Cell::new(0);
    drop(nozzle.call_async(Gate::new(&polls, 0, Ok::<u32, ()>(7))));
    drop(nozzle.call_async_bool(Gate::new(&polls, 0, true)));
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 0);
    assert_eq!(snapshot.blocked, 0);
    assert_eq!(snapshot.abandoned, 0);
    assert_eq!(polls.get(), 0);
}

#[test]
fn outcome_recorded_at_completion() {
    let nozzle = nozzle();
    let polls = Cell::new(0);
    let mut call = pin!(nozzle.call_async(Gate::new(&polls, 1, Ok::<u32, ()>(7))));
    assert!(poll_once(call.as_mut()).is_pending());
    assert_eq!(nozzle.snapshot().successes, 0);

    assert_eq!(poll_once(call.as_mut()), Poll::Ready(Ok(7)));
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.successes, 1);
    assert_eq!(snapshot.failures, 0);
    assert_eq!(snapshot.abandoned, 0);
}

#[test]
fn inner_error_is_failure() {
    let nozzle = nozzle();
    let polls = Cell::new(0);
    let call = pin!(nozzle.call_async(Gate::new(&polls, 0, Err::<u32, _>("refused"))));
    assert_eq!(poll_once(call), Poll::Ready(Err(Error::Inner("refused"))));
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.failures, 1);
    assert_eq!(snapshot.successes, 0);
}

#[test]
fn rejection_never_polls_inner() {
    let nozzle = nozzle();
    nozzle.shut_off();
    let polls = Cell::new(0);
    let call = pin!(nozzle.call_async(Gate::new(&polls, 0, Ok::<u32, ()>(7))));
    let Poll::Ready(Err(Error::Rejected(rejected))) = poll_once(call) else {
        panic!("a shut-off nozzle admitted an async call");
    };
    assert_eq!(rejected.reason(), Reason::ShutOff);
    assert_eq!(polls.get(), 0);
    assert_eq!(nozzle.snapshot().blocked, 1);
}

#[test]
fn throttled_calls_never_poll_inner() {
    // Flow 37: of 100 attempts the reference rule admits 37, and only those
    // may poll their inner future.
    let nozzle = nozzle();
    common::drive_to_zero(&nozzle);
    assert_eq!(nozzle.flow_rate(), 0);
    let polls = Cell::new(0);
    let call = pin!(nozzle.call_async_bool(Gate::new(&polls, 0, true)));
    assert_eq!(
        poll_once(call).map(|result| result.map_err(|r| r.reason())),
        Poll::Ready(Err(Reason::FullyClosed))
    );
    assert_eq!(polls.get(), 0);

    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    for (k, now) in (1_000..=6_000).step_by(1_000).enumerate() {
        common::fail(&nozzle, 10);
        assert_eq!(
            nozzle.tick(now).unwrap().flow_rate,
            common::DRIVE_TO_ZERO[k]
        );
    }
    assert_eq!(nozzle.flow_rate(), 37);
    let mut rejected = 0;
    for _ in 0..100 {
        let call = pin!(nozzle.call_async(Gate::new(&polls, 0, Ok::<(), ()>(()))));
        if let Poll::Ready(Err(Error::Rejected(_))) = poll_once(call) {
            rejected += 1;
        }
    }
    assert_eq!(rejected, 63);
    assert_eq!(polls.get(), 37);
}

#[test]
fn dropped_mid_flight_is_abandoned() {
    let nozzle = nozzle();
    let polls = Cell::new(0);
    {
        let mut call = pin!(nozzle.call_async(Gate::new(&polls, 5, Ok::<u32, ()>(7))));
        assert!(poll_once(call.as_mut()).is_pending());
    }
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 1);
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.successes, 0);
    assert_eq!(snapshot.failures, 0);
    assert_eq!(nozzle.tick(1_000).unwrap().flow_rate, 100);
}

#[test]
fn dropped_mid_flight_fails_under_as_failure() {
    let config = Config::new(1_000).on_abandon(Abandon::AsFailure);
    let nozzle = Nozzle::new(config).unwrap();
    let polls = Cell::new(0);
    {
        let mut call = pin!(nozzle.call_async_bool(Gate::new(&polls, 5, true)));
        assert!(poll_once(call.as_mut()).is_pending());
    }
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.failures, 1);
    let transition = nozzle.tick(1_000).unwrap();
    assert_eq!(transition.failure_rate(), 100);
    assert_eq!(transition.flow_rate, 99);
}

#[test]
fn panicking_inner_is_abandoned() {
    let nozzle = nozzle();
    let call = pin!(nozzle.call_async(async {
        panic!("the dependency's client panicked");
        #[allow(unreachable_code)]
        Ok::<(), ()>(())
    }));
    let outcome = catch_unwind(AssertUnwindSafe(|| poll_once(call)));
    assert!(outcome.is_err());
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 1);
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.successes + snapshot.failures, 0);
}

#[test]
fn bool_call_records_verdict() {
    let nozzle = nozzle();
    let polls = Cell::new(0);
    assert_eq!(
        poll_once(pin!(nozzle.call_async_bool(Gate::new(&polls, 0, true)))),
        Poll::Ready(Ok(true))
    );
    assert_eq!(
        poll_once(pin!(nozzle.call_async_bool(Gate::new(&polls, 0, false)))),
        Poll::Ready(Ok(false))
    );
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.successes, 1);
    assert_eq!(snapshot.failures, 1);
}

#[test]
fn into_future_is_accepted() {
    // An `IntoFuture` value is converted only after admission.
    struct Deferred(u32);
    impl std::future::IntoFuture for Deferred {
        type Output = Result<u32, ()>;
        type IntoFuture = std::future::Ready<Result<u32, ()>>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(Ok(self.0))
        }
    }
    let nozzle = nozzle();
    assert_eq!(
        poll_once(pin!(nozzle.call_async(Deferred(3)))),
        Poll::Ready(Ok(3))
    );
}

#[test]
fn call_future_is_send_for_send_inner() {
    fn assert_send<T: Send>(_: &T) {}
    let nozzle = nozzle();
    let call = nozzle.call_async(async { Ok::<u8, std::io::Error>(1) });
    assert_send(&call);
    let call_bool = nozzle.call_async_bool(async { true });
    assert_send(&call_bool);
}

#[test]
fn priority_async_calls_use_their_class() {
    use nozzle::{Priority, PriorityNozzle};

    let nozzle = PriorityNozzle::new(Config::new(1_000)).unwrap();
    let polls = Cell::new(0);
    let mut call =
        pin!(nozzle.call_async_with(Priority::High, Gate::new(&polls, 1, Ok::<u8, ()>(3))));
    assert!(poll_once(call.as_mut()).is_pending());
    assert_eq!(nozzle.snapshot().allowed, 1, "admitted at the first poll");
    assert_eq!(poll_once(call.as_mut()), Poll::Ready(Ok(3)));
    assert_eq!(nozzle.snapshot().successes, 1);

    let polls = Cell::new(0);
    let call = pin!(nozzle.call_async_bool_with(Priority::Low, Gate::new(&polls, 0, false)));
    assert_eq!(poll_once(call), Poll::Ready(Ok(false)));
    assert_eq!(nozzle.snapshot().failures, 1);

    assert_eq!(nozzle.call_bool_with(Priority::Critical, || true), Ok(true));
    assert_eq!(nozzle.snapshot().successes, 2);

    // Shed classes are rejected without polling the inner future.
    nozzle.shut_off();
    let polls = Cell::new(0);
    let call =
        pin!(nozzle.call_async_with(Priority::Critical, Gate::new(&polls, 0, Ok::<u8, ()>(1))));
    let Poll::Ready(Err(Error::Rejected(rejected))) = poll_once(call) else {
        panic!("a shut-off priority nozzle admitted a call");
    };
    assert_eq!(rejected.reason(), Reason::ShutOff);
    assert_eq!(polls.get(), 0, "the inner future was polled");
    assert!(nozzle.call_bool_with(Priority::Critical, || true).is_err());
}
