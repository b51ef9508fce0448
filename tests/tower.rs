//! The tower middleware against mock inner services: what reaches the inner
//! service, what gets recorded, readiness, and lazy ticking.

#![cfg(all(feature = "tower", not(miri), not(loom)))]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use nozzle::tower::{BoxError, Classify, IsOk, NozzleLayer};
use nozzle::{Clock, Config, Error, Nozzle, Reason, Transition};
use tower::{service_fn, Layer, Service, ServiceBuilder, ServiceExt};

fn shared() -> Arc<Nozzle> {
    Arc::new(Nozzle::new(Config::new(1_000)).unwrap())
}

/// Ten failures before each tick take a new nozzle through 99, 97, 93, 85, 69
/// to 37.
fn drive_to_37(nozzle: &Nozzle) {
    for now in (1_000..=6_000).step_by(1_000) {
        for _ in 0..10 {
            if let Ok(permit) = nozzle.try_acquire() {
                permit.failure();
            }
        }
        nozzle.tick(now).unwrap();
    }
    assert_eq!(nozzle.flow_rate(), 37);
}

/// An inner service that counts the requests reaching it and fails odd ones.
fn counting_service(
    reached: Arc<AtomicUsize>,
) -> impl Service<
    u32,
    Response = u32,
    Error = &'static str,
    Future = impl std::future::Future<Output = Result<u32, &'static str>> + Send,
> + Clone {
    service_fn(move |n: u32| {
        reached.fetch_add(1, SeqCst);
        async move {
            if n % 2 == 0 {
                Ok(n)
            } else {
                Err("odd")
            }
        }
    })
}

#[tokio::test]
async fn admitted_request_reaches_inner() {
    let nozzle = shared();
    let reached = Arc::new(AtomicUsize::new(0));
    let layer = NozzleLayer::new(Arc::clone(&nozzle)).without_ticking();
    let mut service = layer.layer(counting_service(Arc::clone(&reached)));

    assert_eq!(service.ready().await.unwrap().call(4).await, Ok(4));
    assert_eq!(
        service.ready().await.unwrap().call(3).await,
        Err(Error::Inner("odd"))
    );
    assert_eq!(reached.load(SeqCst), 2);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 2);
    assert_eq!(snapshot.successes, 1);
    assert_eq!(snapshot.failures, 1);
}

#[tokio::test]
async fn rejected_request_never_reaches_inner() {
    let nozzle = shared();
    nozzle.shut_off();
    let reached = Arc::new(AtomicUsize::new(0));
    let layer = NozzleLayer::new(Arc::clone(&nozzle)).without_ticking();
    let service = layer.layer(counting_service(Arc::clone(&reached)));

    let error = service.oneshot(2).await.unwrap_err();
    assert_eq!(error.rejected().unwrap().reason(), Reason::ShutOff);
    assert_eq!(reached.load(SeqCst), 0);
    assert_eq!(nozzle.snapshot().blocked, 1);
}

#[tokio::test]
async fn throttled_share_reaches_inner() {
    // At flow 37 the reference rule admits 37 of 100 attempts.
    let nozzle = shared();
    drive_to_37(&nozzle);
    let reached = Arc::new(AtomicUsize::new(0));
    let layer = NozzleLayer::new(Arc::clone(&nozzle)).without_ticking();
    let mut service = layer.layer(counting_service(Arc::clone(&reached)));
    let mut rejected = 0;
    for _ in 0..100 {
        if let Err(Error::Rejected(r)) = service.ready().await.unwrap().call(2).await {
            assert_eq!(r.reason(), Reason::Throttled);
            assert_eq!(r.flow_rate(), 37);
            rejected += 1;
        }
    }
    assert_eq!(rejected, 63);
    assert_eq!(reached.load(SeqCst), 37);
    let snapshot = nozzle.snapshot();
    assert_eq!((snapshot.allowed, snapshot.blocked), (37, 63));
    assert_eq!(snapshot.successes, 37);
}

#[tokio::test]
async fn classifier_verdict_is_recorded() {
    // This classifier inverts `is_ok`, so the counts show which one ran.
    let nozzle = shared();
    let inverted = |result: &Result<u32, &'static str>| result.is_err();
    let layer = NozzleLayer::new(Arc::clone(&nozzle))
        .without_ticking()
        .classify(inverted);
    let mut service = layer.layer(counting_service(Arc::new(AtomicUsize::new(0))));
    for n in [1, 3, 5, 2] {
        let _ = service.ready().await.unwrap().call(n).await;
    }
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.successes, 3);
    assert_eq!(snapshot.failures, 1);
}

#[test]
fn default_classifier_is_result_is_ok() {
    assert!(IsOk.is_success(&Ok::<u8, u8>(1)));
    assert!(!IsOk.is_success(&Err::<u8, u8>(1)));
}

/// Treats 5xx responses and every error, timeouts included, as failures.
fn http_classifier(result: &Result<http::Response<()>, BoxError>) -> bool {
    match result {
        Ok(response) => !response.status().is_server_error(),
        Err(_) => false,
    }
}

#[tokio::test(start_paused = true)]
async fn http_5xx_and_timeout_are_failures() {
    let nozzle = shared();
    let upstream = service_fn(|status: u16| async move {
        if status == 0 {
            // Responds only after the client's timeout.
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        let response = http::Response::builder()
            .status(status.max(200))
            .body(())
            .unwrap();
        Ok::<_, BoxError>(response)
    });
    let mut service = ServiceBuilder::new()
        .layer(
            NozzleLayer::new(Arc::clone(&nozzle))
                .without_ticking()
                .classify(http_classifier),
        )
        .timeout(Duration::from_secs(1))
        .service(upstream);

    let mut statuses = Vec::new();
    for status in [200, 404, 500, 503, 0] {
        let result = service.ready().await.unwrap().call(status).await;
        statuses.push(match result {
            Ok(response) => response.status().as_u16(),
            Err(Error::Inner(error)) => {
                assert!(error.is::<tower::timeout::error::Elapsed>(), "{error}");
                0
            }
            Err(Error::Rejected(rejected)) => panic!("rejected at flow 100: {rejected}"),
        });
    }
    assert_eq!(statuses, [200, 404, 500, 503, 0]);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.successes, 2, "200 and 404");
    assert_eq!(snapshot.failures, 3, "500, 503 and the timeout");
    assert_eq!(snapshot.abandoned, 0);
}

#[test]
fn poll_ready_is_inner_readiness() {
    let nozzle = shared();
    let layer = NozzleLayer::new(Arc::clone(&nozzle)).without_ticking();
    let (mut service, mut handle) = tower_test::mock::spawn_layer::<u32, u32, _>(layer);

    handle.allow(0);
    assert!(service.poll_ready().is_pending());
    handle.allow(1);
    assert!(matches!(service.poll_ready(), Poll::Ready(Ok(()))));
    let snapshot = nozzle.snapshot();
    assert_eq!(
        snapshot.allowed + snapshot.blocked,
        0,
        "poll_ready took a permit"
    );
}

#[test]
fn closed_nozzle_stays_ready_and_rejects_in_call() {
    let nozzle = shared();
    nozzle.shut_off();
    let layer = NozzleLayer::new(Arc::clone(&nozzle)).without_ticking();
    let (mut service, mut handle) = tower_test::mock::spawn_layer::<u32, u32, _>(layer);
    handle.allow(1);

    // Readiness comes from the inner service, whatever the flow rate.
    assert!(matches!(service.poll_ready(), Poll::Ready(Ok(()))));
    assert_eq!(nozzle.snapshot().blocked, 0);

    let mut response = tokio_test::task::spawn(service.call(9));
    let Poll::Ready(Err(Error::Rejected(rejected))) = response.poll() else {
        panic!("a shut-off nozzle did not reject the request at once");
    };
    assert_eq!(rejected.reason(), Reason::ShutOff);
    assert!(
        handle.poll_request().is_pending(),
        "the request reached the inner service"
    );
    assert_eq!(nozzle.snapshot().blocked, 1);
}

#[test]
fn inner_error_from_poll_ready_is_inner() {
    let layer = NozzleLayer::new(shared()).without_ticking();
    let (mut service, mut handle) = tower_test::mock::spawn_layer::<u32, u32, _>(layer);
    handle.send_error("inner service failed");
    let Poll::Ready(Err(Error::Inner(error))) = service.poll_ready() else {
        panic!("the inner readiness error was not passed on");
    };
    assert_eq!(error.to_string(), "inner service failed");
}

#[test]
fn dropped_response_future_is_abandoned() {
    let nozzle = shared();
    let layer = NozzleLayer::new(Arc::clone(&nozzle)).without_ticking();
    let (mut service, mut handle) = tower_test::mock::spawn_layer::<u32, u32, _>(layer);
    handle.allow(1);
    assert!(service.poll_ready().is_ready());

    let mut response = tokio_test::task::spawn(service.call(1));
    assert!(response.poll().is_pending());
    let Poll::Ready(Some((request, _send_response))) = handle.poll_request() else {
        panic!("the admitted request did not reach the inner service");
    };
    assert_eq!(request, 1);
    drop(response);
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed, 1);
    assert_eq!(snapshot.abandoned, 1);
    assert_eq!(snapshot.successes + snapshot.failures, 0);
}

#[test]
fn outcome_recorded_when_response_arrives() {
    let nozzle = shared();
    let layer = NozzleLayer::new(Arc::clone(&nozzle)).without_ticking();
    let (mut service, mut handle) = tower_test::mock::spawn_layer::<u32, u32, _>(layer);
    handle.allow(1);
    assert!(service.poll_ready().is_ready());

    let mut response = tokio_test::task::spawn(service.call(1));
    assert!(response.poll().is_pending());
    let Poll::Ready(Some((_, send_response))) = handle.poll_request() else {
        panic!("the admitted request did not reach the inner service");
    };
    assert_eq!(nozzle.snapshot().successes, 0);
    send_response.send_response(10);
    assert!(matches!(response.poll(), Poll::Ready(Ok(10))));
    assert_eq!(nozzle.snapshot().successes, 1);
}

/// A clock whose origin lies two hours back, so that with a one-hour interval
/// the first tick closes an interval and the next one is an hour away.
fn clock_two_hours_in() -> Clock {
    let two_hours = Duration::from_secs(7_200);
    Clock::starting_at(
        Instant::now()
            .checked_sub(two_hours)
            .expect("an instant two hours back"),
    )
}

fn hourly() -> Arc<Nozzle> {
    let config = Config::from_duration(Duration::from_secs(3_600)).unwrap();
    Arc::new(Nozzle::new(config).unwrap())
}

#[tokio::test]
async fn lazy_tick_closes_interval_before_admission() {
    let nozzle = hourly();
    for _ in 0..10 {
        nozzle.try_acquire().unwrap().failure();
    }
    let seen: Arc<Mutex<Vec<Transition>>> = Arc::default();
    let layer = NozzleLayer::new(Arc::clone(&nozzle))
        .clock(clock_two_hours_in())
        .on_transition({
            let seen = Arc::clone(&seen);
            move |transition| seen.lock().unwrap().push(*transition)
        });
    let mut service = layer.layer(counting_service(Arc::new(AtomicUsize::new(0))));

    assert_eq!(service.ready().await.unwrap().call(2).await, Ok(2));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].closed.failures, 10);
        assert_eq!(seen[0].flow_rate, 99);
        assert_eq!(seen[0].end, 7_200_000_000_000);
    }
    // The request was admitted in the new interval, after the close.
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.flow_rate, 99);
    assert_eq!((snapshot.allowed, snapshot.successes), (1, 1));

    // At flow 99 the reference rule rejects attempt 1 of an interval
    // (100 * 1 < 99 * 1 is false), and the tick before it closes nothing.
    let second = service.ready().await.unwrap().call(4).await;
    assert_eq!(
        second.unwrap_err().rejected().unwrap().reason(),
        Reason::Throttled
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a second close within the hour"
    );
}

#[tokio::test]
async fn without_ticking_leaves_nozzle_alone() {
    let nozzle = hourly();
    for _ in 0..10 {
        nozzle.try_acquire().unwrap().failure();
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let layer = NozzleLayer::new(Arc::clone(&nozzle))
        .clock(clock_two_hours_in())
        .without_ticking()
        .on_transition({
            let calls = Arc::clone(&calls);
            move |_| {
                calls.fetch_add(1, SeqCst);
            }
        });
    let service = layer.layer(counting_service(Arc::new(AtomicUsize::new(0))));
    assert_eq!(service.oneshot(2).await, Ok(2));
    assert_eq!(calls.load(SeqCst), 0);
    assert_eq!(nozzle.flow_rate(), 100);
    assert_eq!(nozzle.snapshot().failures, 10);
}

#[tokio::test]
async fn static_nozzle_is_shared_by_reference() {
    static NOZZLE: Nozzle = match Nozzle::new(Config::new(1_000)) {
        Ok(nozzle) => nozzle,
        Err(_) => panic!("invalid nozzle configuration"),
    };
    let layer = NozzleLayer::new(&NOZZLE).without_ticking();
    let service = layer.layer(counting_service(Arc::new(AtomicUsize::new(0))));
    let other = service.clone();
    assert_eq!(service.oneshot(2).await, Ok(2));
    assert_eq!(other.oneshot(3).await, Err(Error::Inner("odd")));
    let snapshot = NOZZLE.snapshot();
    assert_eq!((snapshot.successes, snapshot.failures), (1, 1));
}

#[test]
fn service_future_is_send() {
    fn assert_send<T: Send + 'static>(_: &T) {}
    let layer = NozzleLayer::new(shared()).without_ticking();
    let mut service = layer.layer(counting_service(Arc::new(AtomicUsize::new(0))));
    let future = service.call(2);
    assert_send(&future);
}

#[test]
fn errors_convert_to_box_error() {
    let nozzle = shared();
    nozzle.shut_off();
    let rejected = nozzle.try_acquire().unwrap_err();
    let boxed = Error::<BoxError>::Rejected(rejected).into_box_error();
    assert_eq!(boxed.downcast_ref::<nozzle::Rejected>(), Some(&rejected));

    let inner: BoxError = "upstream failed".into();
    let boxed = Error::Inner(inner).into_box_error();
    assert_eq!(boxed.to_string(), "upstream failed");
    assert!(boxed.downcast_ref::<nozzle::Rejected>().is_none());
}

#[test]
fn service_gives_access_to_inner() {
    let reached = Arc::new(AtomicUsize::new(0));
    let layer = NozzleLayer::new(shared()).without_ticking();
    let mut service = layer.layer(counting_service(Arc::clone(&reached)));
    let _ = service.get_ref();
    let _ = service.get_mut();
    let mut inner = service.into_inner();
    // The inner service is the one the layer wrapped: calling it counts.
    let _ = tokio_test::block_on(inner.call(2));
    assert_eq!(reached.load(SeqCst), 1);
}

#[test]
fn debug_shows_service_and_future_state() {
    let nozzle = shared();
    let layer = NozzleLayer::new(Arc::clone(&nozzle));
    let (mut service, mut handle) = tower_test::mock::spawn_layer::<u32, u32, _>(layer);
    let shown = format!("{:?}", service.get_ref());
    assert!(!shown.is_empty());

    handle.allow(2);
    assert!(service.poll_ready().is_ready());
    let running = service.call(1);
    assert!(
        format!("{running:?}").contains("recorded: false"),
        "{running:?}"
    );
    drop(running);

    nozzle.shut_off();
    assert!(service.poll_ready().is_ready());
    let rejected = service.call(2);
    assert!(format!("{rejected:?}").contains("ShutOff"), "{rejected:?}");
}
