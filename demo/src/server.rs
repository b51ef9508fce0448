//! The HTTP service of the overload demo: one axum server per client on a
//! loopback port, answering by the [`Service`] model.
//!
//! `GET /` is a request to the service: 200 when its budget allows, 503
//! otherwise. `GET /health` always answers 200 and costs no budget; the load
//! generator uses it to check that the service answers before the run.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::error::DemoError;
use crate::script::Script;
use crate::service::{Response, Service};

/// The run's clock, shared by the services and the load generator: time in
/// milliseconds since [`RunClock::start`].
#[derive(Debug, Default)]
pub struct RunClock {
    started: OnceLock<Instant>,
}

impl RunClock {
    /// Creates a clock that reads 0 until it is started.
    pub fn new() -> RunClock {
        RunClock::default()
    }

    /// Starts the clock; later calls change nothing.
    pub fn start(&self) {
        let _ = self.started.set(Instant::now());
    }

    /// Returns the start instant, if started.
    pub fn started(&self) -> Option<Instant> {
        self.started.get().copied()
    }

    /// Returns the milliseconds since the start, or 0 before it.
    pub fn now_ms(&self) -> u64 {
        self.started.get().map_or(0, |start| {
            u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
        })
    }
}

struct Shared {
    model: Mutex<Service>,
    script: Script,
    clock: Arc<RunClock>,
}

/// A running service instance.
#[derive(Debug)]
pub struct ServiceHandle {
    /// The address it listens on.
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl ServiceHandle {
    /// Stops the server.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for ServiceHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `addr` and serves the scripted service on it.
///
/// Pass port 0 for an ephemeral port; the bound address is in the handle.
///
/// # Errors
///
/// [`DemoError::Bind`] when the address cannot be bound.
pub async fn spawn(
    addr: SocketAddr,
    script: Script,
    clock: Arc<RunClock>,
) -> Result<ServiceHandle, DemoError> {
    let bind_error = |source| DemoError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let shared = Arc::new(Shared {
        model: Mutex::new(Service::new()),
        script,
        clock,
    });
    let app = Router::new()
        .route("/", get(handle))
        .route("/health", get(|| async { "ok" }))
        .with_state(shared);
    let task = tokio::spawn(async move {
        // The server runs until the handle is dropped or stopped; an accept
        // error ends it, and the load generator then reports the service as
        // not answering.
        let _ = axum::serve(listener, app).await;
    });
    Ok(ServiceHandle { addr, task })
}

async fn handle(State(shared): State<Arc<Shared>>) -> (StatusCode, &'static str) {
    let t = shared.clock.now_ms();
    let capacity = shared.script.capacity(t);
    // A poisoned lock only means another handler panicked mid-update; the
    // budget numbers are still usable.
    let response = shared
        .model
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .handle(t, capacity);
    match response {
        Response::Served => (StatusCode::OK, "ok"),
        Response::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
    }
}
