//! The live demo's HTTP parts against real loopback sockets: its error
//! paths, and a short run whose counts must add up.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use nozzle_demo::error::DemoError;
use nozzle_demo::load::{self, Limits};
use nozzle_demo::script::Script;
use nozzle_demo::server::{self, RunClock};
use nozzle_demo::settings::Settings;
use nozzle_demo::timeline::Client;

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// A listener that accepts connections and never answers; the accepted
/// sockets stay open until the returned thread's listener is dropped with
/// the process.
fn silent_service() -> SocketAddr {
    let listener = TcpListener::bind(loopback()).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            match stream {
                Ok(stream) => held.push(stream),
                Err(_) => return,
            }
        }
    });
    addr
}

#[tokio::test]
async fn port_in_use_is_reported_with_address() {
    let taken = TcpListener::bind(loopback()).unwrap();
    let addr = taken.local_addr().unwrap();
    let script = Script::new(5_000).unwrap();
    let error = server::spawn(addr, script, Arc::new(RunClock::new()))
        .await
        .unwrap_err();
    assert!(matches!(error, DemoError::Bind { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&addr.to_string()), "{message}");
    assert!(message.contains("failed to bind"), "{message}");
}

#[tokio::test]
async fn health_check_answers_on_a_running_service() {
    let script = Script::new(5_000).unwrap();
    let service = server::spawn(loopback(), script, Arc::new(RunClock::new()))
        .await
        .unwrap();
    let http = load::http_client();
    load::check_answers(&http, Client::Nozzle, service.addr, Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn silent_service_fails_the_health_check() {
    let addr = silent_service();
    let http = load::http_client();
    let error = load::check_answers(&http, Client::Breaker, addr, Duration::from_millis(300))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&addr.to_string()), "{message}");
    assert!(message.contains("circuit breaker"), "{message}");
    assert!(message.contains("timed out after 300 ms"), "{message}");
    assert!(message.contains("too busy"), "{message}");
}

#[tokio::test]
async fn stopped_service_fails_the_health_check() {
    let script = Script::new(5_000).unwrap();
    let service = server::spawn(loopback(), script, Arc::new(RunClock::new()))
        .await
        .unwrap();
    let addr = service.addr;
    drop(service);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let http = load::http_client();
    let error = load::check_answers(&http, Client::Unprotected, addr, Duration::from_secs(2))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("GET /health failed"), "{message}");
    assert!(message.contains("Connection refused"), "{message}");
    assert!(message.contains("loopback interface"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_stops_when_a_service_goes_silent() {
    // Two real services and one that never answers: the run must stop with
    // an error naming the silent one, long before the script's 5 s are up.
    let script = Script::new(5_000).unwrap();
    let clock = Arc::new(RunClock::new());
    let a = server::spawn(loopback(), script, Arc::clone(&clock))
        .await
        .unwrap();
    let b = server::spawn(loopback(), script, Arc::clone(&clock))
        .await
        .unwrap();
    let silent = silent_service();
    let limits = Limits {
        request_timeout: Duration::from_millis(200),
        silent_seconds: 2,
    };
    let started = std::time::Instant::now();
    let error = load::run(
        script,
        &Settings::default(),
        limits,
        [a.addr, b.addr, silent],
        clock,
        |_| Ok(()),
    )
    .await
    .unwrap_err();
    match &error {
        DemoError::NoAnswer { client, addr, .. } => {
            assert_eq!(*client, Client::Nozzle);
            assert_eq!(*addr, silent);
        }
        other => panic!("expected NoAnswer, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("no answer for 2 s in a row"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_run_accounts_for_every_request() {
    let script = Script::new(5_000).unwrap();
    let clock = Arc::new(RunClock::new());
    let mut addrs = [loopback(); 3];
    let mut services = Vec::new();
    for addr in &mut addrs {
        let service = server::spawn(loopback(), script, Arc::clone(&clock))
            .await
            .unwrap();
        *addr = service.addr;
        services.push(service);
    }
    let mut seconds = Vec::new();
    let timeline = load::run(
        script,
        &Settings::default(),
        Limits::default(),
        addrs,
        clock,
        |progress| {
            seconds.push(progress.second);
            Ok(())
        },
    )
    .await
    .unwrap();

    assert_eq!(seconds, [1, 2, 3, 4, 5]);
    assert_eq!(timeline.buckets.len(), 25);
    for summary in timeline.summaries() {
        let total = summary.total;
        let client = summary.client;
        assert_eq!(total.offered, script.total_offered(), "{client}");
        assert_eq!(total.offered, total.sent + total.shed, "{client}");
        assert_eq!(total.sent, total.served + total.failed, "{client}");
    }
    // 750 requests a second against 300: the unprotected client must see
    // the service turn requests away.
    assert!(timeline.summary(Client::Unprotected).surge.failed > 0);
}
