//! Exports a nozzle's transitions as Prometheus metrics.
//!
//! The program installs the `metrics-exporter-prometheus` recorder and serves
//! its text on an ephemeral port of 127.0.0.1. A tokio timer task ticks a nozzle
//! through a short outage and records each transition. At the end the program
//! scrapes the endpoint once over HTTP and prints what it returned.
//!
//! Run it with `cargo run --example prometheus --features metrics`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use metrics_exporter_prometheus::PrometheusBuilder;
use metrics_exporter_prometheus::PrometheusHandle;
use nozzle::metrics::Metrics;
use nozzle::{Clock, Config, Nozzle};
use tokio::net::TcpListener;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const INTERVAL: Duration = Duration::from_millis(100);
const INTERVALS: u32 = 8;

/// Ticks `nozzle` ten times per interval from a tokio timer and records each
/// transition, until `INTERVALS` intervals have closed.
async fn drive(nozzle: Arc<Nozzle>, clock: Clock, metrics: Metrics) {
    let mut timer = tokio::time::interval(INTERVAL / 10);
    let mut closed = 0;
    while closed < INTERVALS {
        let scheduled = timer.tick().await;
        if let Some(transition) = nozzle.tick(clock.nanos_at(scheduled.into_std())) {
            metrics.record(&transition);
            println!(
                "interval {}: {} allowed, {} blocked, failure rate {}%, flow {}% -> {}%",
                transition.seq,
                transition.closed.allowed,
                transition.closed.blocked,
                transition.failure_rate(),
                transition.closed.flow_rate,
                transition.flow_rate,
            );
            closed += 1;
        }
    }
}

/// Calls a simulated dependency every 2 ms until `INTERVALS` intervals have
/// passed on `clock`. During intervals 2 to 4 it fails nine calls in ten.
async fn traffic(nozzle: Arc<Nozzle>, clock: Clock) {
    let interval_nanos = Config::from_duration(INTERVAL).unwrap().interval;
    for call in 0u64.. {
        let interval = clock.now() / interval_nanos;
        if interval >= u64::from(INTERVALS) {
            break;
        }
        let outage = (2..=4).contains(&interval);
        if let Ok(permit) = nozzle.try_acquire() {
            permit.record(!outage || call % 10 == 0);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Serves the Prometheus text of `handle` over HTTP/1 on `listener`, for any
/// path.
async fn serve(listener: TcpListener, handle: PrometheusHandle) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let handle = handle.clone();
        let service = hyper::service::service_fn(move |_request| {
            let text = handle.render();
            async move {
                Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(
                    bytes::Bytes::from(text),
                )))
            }
        });
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let handle = PrometheusBuilder::new().install_recorder()?;
    Metrics::describe();

    // The scrape endpoint, on an ephemeral port of 127.0.0.1.
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let address = listener.local_addr()?;
    tokio::spawn(serve(listener, handle));

    let nozzle = Arc::new(Nozzle::new(
        Config::from_duration(INTERVAL)?.allowed_failure_percent(25),
    )?);
    let metrics = Metrics::new("payments");
    metrics.observe(&nozzle);
    let clock = Clock::new();
    let ticker = tokio::spawn(drive(Arc::clone(&nozzle), clock, metrics));
    traffic(Arc::clone(&nozzle), clock).await;
    ticker.await?;

    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<bytes::Bytes>>();
    let response = client
        .get(format!("http://{address}/metrics").parse()?)
        .await?;
    let text = response.into_body().collect().await?.to_bytes();
    println!("GET http://{address}/metrics\n");
    print!("{}", String::from_utf8_lossy(&text));
    Ok(())
}
