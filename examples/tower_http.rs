//! A tower HTTP client with a nozzle in front of it, calling a hyper server on
//! 127.0.0.1 that goes through an outage: for a while it responds to most requests
//! with 503 and stalls some past the client's timeout, then it recovers.
//!
//! The classifier counts 5xx responses and errors (timeouts included) as
//! failures. The nozzle ticks lazily on each request and prints every
//! interval it closes. The run sends at most 2,000 requests and takes about
//! four seconds.
//!
//! Run it with `cargo run --example tower_http --features tower`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::StatusCode;
use http_body_util::{BodyExt, Empty};
use hyper::server::conn::http1;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use nozzle::tower::{BoxError, NozzleLayer};
use nozzle::{Config, Error, Nozzle, Transition};
use tokio::net::TcpListener;
use tower::{Service, ServiceBuilder, ServiceExt};

const INTERVAL: Duration = Duration::from_millis(250);
const CLIENT_TIMEOUT: Duration = Duration::from_millis(40);
const MAX_REQUESTS: u32 = 2_000;
const RUN_FOR: Duration = Duration::from_secs(4);
/// The outage lasts from 0.75 s to 2 s into the run.
const OUTAGE: (Duration, Duration) = (Duration::from_millis(750), Duration::from_secs(2));

/// The upstream server's state: whether it is in its outage, and how many
/// requests reached it.
#[derive(Default)]
struct Upstream {
    outage: AtomicBool,
    served: AtomicU32,
}

impl Upstream {
    async fn respond(&self) -> StatusCode {
        let n = self.served.fetch_add(1, Relaxed);
        if !self.outage.load(Relaxed) {
            return StatusCode::OK;
        }
        match n % 10 {
            // One request in ten stalls past the client's timeout.
            0 => {
                tokio::time::sleep(CLIENT_TIMEOUT * 5).await;
                StatusCode::OK
            }
            // Eight in ten fail, one in ten succeeds.
            1..=8 => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::OK,
        }
    }
}

/// Serves `upstream` over HTTP/1 on `listener`, one task per connection.
async fn serve(listener: TcpListener, upstream: Arc<Upstream>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let upstream = Arc::clone(&upstream);
        let service = hyper::service::service_fn(move |_request| {
            let upstream = Arc::clone(&upstream);
            async move {
                let status = upstream.respond().await;
                http::Response::builder()
                    .status(status)
                    .body(Empty::<bytes::Bytes>::new())
            }
        });
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    }
}

/// Counts a response as a success unless it is a 5xx; counts every error,
/// timeouts included, as a failure.
fn is_success<B>(result: &Result<http::Response<B>, BoxError>) -> bool {
    match result {
        Ok(response) => !response.status().is_server_error(),
        Err(_) => false,
    }
}

fn print_transition(transition: &Transition) {
    let closed = transition.closed;
    println!(
        "{:>8}  {:>4}%  {:>7}  {:>7}  {:>9}  {:>8}  {:>11}%  {:>8}%",
        transition.seq,
        closed.flow_rate,
        closed.allowed,
        closed.blocked,
        closed.successes,
        closed.failures,
        transition.failure_rate(),
        transition.flow_rate,
    );
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // The upstream: a hyper server on an ephemeral port of 127.0.0.1.
    let upstream = Arc::new(Upstream::default());
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let address = listener.local_addr()?;
    tokio::spawn(serve(listener, Arc::clone(&upstream)));
    println!("upstream listening on http://{address}/");

    // The client: nozzle, then timeout, then hyper.
    let nozzle = Arc::new(Nozzle::new(
        Config::from_duration(INTERVAL)?.allowed_failure_percent(20),
    )?);
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<bytes::Bytes>>();
    let mut service = ServiceBuilder::new()
        .layer(
            NozzleLayer::new(Arc::clone(&nozzle))
                .classify(is_success)
                .on_transition(print_transition),
        )
        .timeout(CLIENT_TIMEOUT)
        .service(client);

    println!("interval  flow  allowed  blocked  successes  failures  failure rate  new flow");
    let uri: http::Uri = format!("http://{address}/").parse()?;
    let started = Instant::now();
    let (mut sent, mut shed, mut failed) = (0u32, 0u32, 0u32);
    while sent < MAX_REQUESTS && started.elapsed() < RUN_FOR {
        let elapsed = started.elapsed();
        upstream
            .outage
            .store(elapsed >= OUTAGE.0 && elapsed < OUTAGE.1, Relaxed);

        let request = http::Request::get(uri.clone()).body(Empty::new())?;
        sent += 1;
        let ready = service.ready().await.map_err(Error::into_box_error)?;
        match ready.call(request).await {
            Ok(response) => {
                let status = response.status();
                response.into_body().collect().await?;
                if status.is_server_error() {
                    failed += 1;
                }
            }
            Err(Error::Rejected(_)) => shed += 1,
            Err(Error::Inner(_)) => failed += 1,
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }

    println!(
        "sent {sent} requests: {} reached the upstream, {shed} were shed by the nozzle, \
         {failed} failed; final flow rate {}%",
        upstream.served.load(Relaxed),
        nozzle.flow_rate(),
    );
    Ok(())
}
