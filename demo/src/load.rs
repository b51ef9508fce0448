//! The overload demo's load generator: three HTTP clients, one per guard,
//! fed the same scripted requests, each against its own service instance.
//!
//! A pacer task sends each client the number of requests the script has
//! offered so far, so the three clients see identical offered load. Every
//! request runs in its own task with a timeout. A nozzle ticker task calls
//! [`Nozzle::tick`] every [`TICK_MS`] milliseconds with the run's clock, and
//! the sampling loop records one [`Bucket`] per bucket length.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use nozzle::Nozzle;
use tokio::time::{interval_at, timeout, Instant, MissedTickBehavior};

use crate::breaker::{Breaker, BreakerState};
use crate::error::{DemoError, Silence};
use crate::script::Script;
use crate::server::RunClock;
use crate::settings::Settings;
use crate::timeline::{Bucket, Client, Tally, Timeline};

/// Period of the task that ticks the nozzle, in milliseconds. Ticking more
/// often than the interval is cheap and keeps each close near its boundary.
pub const TICK_MS: u64 = 20;
/// Period of the pacer, in milliseconds.
const PACE_MS: u64 = 5;

/// Timing limits of a live run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Time after which a request with no answer counts as failed.
    pub request_timeout: Duration,
    /// Seconds in a row in which a service may answer none of the requests
    /// sent to it before the run stops with [`DemoError::NoAnswer`].
    pub silent_seconds: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_timeout: Duration::from_secs(1),
            silent_seconds: 3,
        }
    }
}

/// One second of a live run, for the progress line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Seconds since the start, at the end of this second.
    pub second: u64,
    /// Offered rate during the second, per second.
    pub offered_rate: u32,
    /// Service capacity during the second, per second.
    pub capacity: u32,
    /// Counts of each client during the second, in [`Client::ALL`] order.
    pub tallies: [Tally; 3],
    /// The nozzle's flow rate at the end of the second.
    pub nozzle_flow: u8,
    /// The breaker's state at the end of the second.
    pub breaker: BreakerState,
}

type Http = HttpClient<HttpConnector, Empty<Bytes>>;

/// Builds the HTTP client all three clients share: HTTP/1 with keep-alive.
pub fn http_client() -> Http {
    HttpClient::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build_http()
}

/// Outcome of one request: an HTTP status, a timeout or a transport error.
#[derive(Debug)]
enum Answer {
    Status(StatusCode),
    TimedOut,
    Failed { message: String, cause: Silence },
}

/// Formats an error with its chain of sources, which is where hyper puts
/// the operating system's error.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

async fn get(http: &Http, uri: Uri, limit: Duration) -> Answer {
    let mut request = Request::new(Empty::new());
    *request.uri_mut() = uri;
    let exchange = async {
        let response = http.request(request).await.map_err(|e| Answer::Failed {
            message: describe(&e),
            cause: Silence::from_transport(&e, e.is_connect()),
        })?;
        let status = response.status();
        // Read the body so the connection can carry the next request.
        response
            .into_body()
            .collect()
            .await
            .map_err(|e| Answer::Failed {
                message: describe(&e),
                cause: Silence::from_transport(&e, false),
            })?;
        Ok(status)
    };
    match timeout(limit, exchange).await {
        Ok(Ok(status)) => Answer::Status(status),
        Ok(Err(failed)) => failed,
        Err(_) => Answer::TimedOut,
    }
}

/// Checks that the service at `addr` answers `GET /health` with 200 within
/// `limit`.
///
/// # Errors
///
/// [`DemoError::NoAnswer`] naming the client, the address and what happened.
pub async fn check_answers(
    http: &Http,
    client: Client,
    addr: SocketAddr,
    limit: Duration,
) -> Result<(), DemoError> {
    let (detail, cause) = match get(http, health_uri(addr), limit).await {
        Answer::Status(StatusCode::OK) => return Ok(()),
        Answer::Status(status) => (
            format!("GET /health returned {status}"),
            Silence::UnexpectedStatus,
        ),
        Answer::TimedOut => (
            format!("GET /health timed out after {} ms", limit.as_millis()),
            Silence::TimedOut,
        ),
        Answer::Failed { message, cause } => (format!("GET /health failed: {message}"), cause),
    };
    Err(DemoError::NoAnswer {
        client,
        addr,
        detail,
        cause,
    })
}

fn health_uri(addr: SocketAddr) -> Uri {
    // A socket address always forms a valid authority.
    Uri::builder()
        .scheme("http")
        .authority(addr.to_string())
        .path_and_query("/health")
        .build()
        .unwrap_or_default()
}

fn request_uri(addr: SocketAddr) -> Uri {
    Uri::builder()
        .scheme("http")
        .authority(addr.to_string())
        .path_and_query("/")
        .build()
        .unwrap_or_default()
}

/// Running totals of one client, updated by its request tasks.
#[derive(Debug, Default)]
struct Counters {
    offered: AtomicU64,
    sent: AtomicU64,
    served: AtomicU64,
    failed: AtomicU64,
    shed: AtomicU64,
    /// Requests that got any HTTP answer, 200 or not.
    answered: AtomicU64,
    /// The most recent failure that was not an HTTP answer, and its kind.
    last_failure: Mutex<Option<(String, Silence)>>,
}

impl Counters {
    // Relaxed throughout: each counter is a statistic read on its own.
    fn read(&self) -> Tally {
        Tally {
            offered: self.offered.load(Relaxed),
            sent: self.sent.load(Relaxed),
            served: self.served.load(Relaxed),
            failed: self.failed.load(Relaxed),
            shed: self.shed.load(Relaxed),
        }
    }
}

/// Protection in front of a client's service: none, a breaker or a nozzle.
#[derive(Debug)]
enum Guard {
    Nothing,
    Breaker(Mutex<Breaker>),
    Nozzle(Nozzle),
}

#[derive(Debug)]
struct LiveClient {
    kind: Client,
    addr: SocketAddr,
    uri: Uri,
    guard: Guard,
    counters: Counters,
    http: Http,
    clock: Arc<RunClock>,
    limits: Limits,
}

impl LiveClient {
    /// Offers one request: shed it, or send it and report the outcome.
    async fn offer(&self) {
        self.counters.offered.fetch_add(1, Relaxed);
        match &self.guard {
            Guard::Nothing => {
                self.send().await;
            }
            Guard::Breaker(breaker) => {
                let ticket = lock(breaker).try_acquire(self.clock.now_ms());
                match ticket {
                    Ok(ticket) => {
                        let served = self.send().await;
                        lock(breaker).record(ticket, served, self.clock.now_ms());
                    }
                    Err(_) => {
                        self.counters.shed.fetch_add(1, Relaxed);
                    }
                }
            }
            Guard::Nozzle(nozzle) => match nozzle.try_acquire() {
                Ok(permit) => permit.record(self.send().await),
                Err(_) => {
                    self.counters.shed.fetch_add(1, Relaxed);
                }
            },
        }
    }

    /// Sends one request and counts its answer. Returns true when served.
    async fn send(&self) -> bool {
        self.counters.sent.fetch_add(1, Relaxed);
        let answer = get(&self.http, self.uri.clone(), self.limits.request_timeout).await;
        let served = matches!(answer, Answer::Status(StatusCode::OK));
        match answer {
            Answer::Status(_) => {
                self.counters.answered.fetch_add(1, Relaxed);
            }
            Answer::TimedOut => self.note_failure(
                format!(
                    "requests timed out after {} ms",
                    self.limits.request_timeout.as_millis()
                ),
                Silence::TimedOut,
            ),
            Answer::Failed { message, cause } => self.note_failure(message, cause),
        }
        let counter = if served {
            &self.counters.served
        } else {
            &self.counters.failed
        };
        counter.fetch_add(1, Relaxed);
        served
    }

    fn note_failure(&self, message: String, cause: Silence) {
        *lock(&self.counters.last_failure) = Some((message, cause));
    }

    fn breaker_state(&self) -> Option<BreakerState> {
        match &self.guard {
            Guard::Breaker(breaker) => Some(lock(breaker).state()),
            _ => None,
        }
    }

    fn nozzle(&self) -> Option<&Nozzle> {
        match &self.guard {
            Guard::Nozzle(nozzle) => Some(nozzle),
            _ => None,
        }
    }
}

/// Locks a mutex, using the data even if another task panicked while
/// holding it: every update here leaves the data consistent.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Plays `script` against the three services at `addrs` (in [`Client::ALL`]
/// order), calling `on_second` once per second, and returns the timeline.
/// An error from `on_second` stops the run.
///
/// Starts `clock` if it is not running yet; the script's time 0 is its start.
///
/// # Errors
///
/// [`DemoError::Settings`] for an invalid setting,
/// [`DemoError::NoAnswer`] when a service answers none of the requests sent
/// to it for [`Limits::silent_seconds`] seconds in a row, and
/// [`DemoError::Output`] when `on_second` fails.
pub async fn run(
    script: Script,
    settings: &Settings,
    limits: Limits,
    addrs: [SocketAddr; 3],
    clock: Arc<RunClock>,
    mut on_second: impl FnMut(&Progress) -> std::io::Result<()>,
) -> Result<Timeline, DemoError> {
    let (nozzle, breaker) = settings.build()?;
    let mut guards = [
        Some(Guard::Nothing),
        Some(Guard::Breaker(Mutex::new(breaker))),
        Some(Guard::Nozzle(nozzle)),
    ];
    let http = http_client();
    let clients = Client::ALL.map(|kind| {
        Arc::new(LiveClient {
            kind,
            addr: addrs[kind.index()],
            uri: request_uri(addrs[kind.index()]),
            guard: guards[kind.index()].take().unwrap_or(Guard::Nothing),
            counters: Counters::default(),
            http: http.clone(),
            clock: Arc::clone(&clock),
            limits,
        })
    });

    clock.start();
    let start = Instant::from_std(clock.started().unwrap_or_else(std::time::Instant::now));
    let in_flight = Arc::new(AtomicU64::new(0));

    let ticker = tokio::spawn(tick_nozzle(Arc::clone(&clients[2]), start));
    let pacer = tokio::spawn(pace(script, clients.clone(), Arc::clone(&in_flight), start));
    let sampled = sample(
        script,
        settings.bucket_ms,
        limits,
        &clients,
        start,
        &mut on_second,
    )
    .await;
    let (mut timeline, readings) = match sampled {
        Ok(sampled) => sampled,
        Err(error) => {
            // Requests in flight end with the runtime or at their timeout.
            pacer.abort();
            ticker.abort();
            return Err(error);
        }
    };
    // The pacer ends by itself once it has offered the script's last
    // request, which may come after the last bucket was sampled.
    let _ = pacer.await;

    // Let requests still in flight finish, so that every sent request is
    // counted as served or failed. Each one ends at its timeout, but on a
    // busy machine a task may start late, hence the margin.
    let drain_until = Instant::now() + limits.request_timeout * 3 + Duration::from_secs(2);
    while in_flight.load(Relaxed) > 0 && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ticker.abort();

    // Late answers count in the last bucket, and a request still without an
    // answer after the drain counts as failed there.
    if let Some(last) = timeline.buckets.last_mut() {
        for client in &clients {
            let i = client.kind.index();
            let now = client.counters.read();
            let mut late = now.since(&readings[i]);
            late.failed += now.sent.saturating_sub(now.served + now.failed);
            last.tallies[i].add(&late);
        }
    }
    Ok(timeline)
}

/// Ticks the nozzle with the run's clock until aborted.
async fn tick_nozzle(client: Arc<LiveClient>, start: Instant) {
    let mut ticks = interval_at(start, Duration::from_millis(TICK_MS));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Some(nozzle) = client.nozzle() {
            // The transition could be exported to metrics here; the demo
            // samples the flow rate instead.
            let _ = nozzle.tick(client.clock.now_ms());
        }
    }
}

/// Offers each client the requests the script has offered so far, until the
/// script ends.
async fn pace(
    script: Script,
    clients: [Arc<LiveClient>; 3],
    in_flight: Arc<AtomicU64>,
    start: Instant,
) {
    let mut ticks = interval_at(start, Duration::from_millis(PACE_MS));
    // After a stall the integral below catches up, so missed ticks can go.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut offered = 0;
    loop {
        ticks.tick().await;
        let t = clients[0].clock.now_ms();
        let due = script.offered_until(t);
        while offered < due {
            offered += 1;
            for client in &clients {
                let client = Arc::clone(client);
                let in_flight = Arc::clone(&in_flight);
                in_flight.fetch_add(1, Relaxed);
                tokio::spawn(async move {
                    client.offer().await;
                    in_flight.fetch_sub(1, Relaxed);
                });
            }
        }
        if t >= script.length_ms() {
            return;
        }
    }
}

/// Records one bucket per `bucket_ms` until the script ends, reports each
/// second, and watches for silent services. Returns the timeline and the
/// last counter readings.
async fn sample(
    script: Script,
    bucket_ms: u64,
    limits: Limits,
    clients: &[Arc<LiveClient>; 3],
    start: Instant,
    on_second: &mut impl FnMut(&Progress) -> std::io::Result<()>,
) -> Result<(Timeline, [Tally; 3]), DemoError> {
    let mut timeline = Timeline::new(script, bucket_ms);
    let buckets = script.length_ms().div_ceil(bucket_ms);
    let per_second = (1000 / bucket_ms).max(1);
    let mut readings = [Tally::default(); 3];
    let mut second = [Tally::default(); 3];
    let mut answered = [0u64; 3];
    let mut silent = [0u64; 3];

    let period = Duration::from_millis(bucket_ms);
    let mut ticks = interval_at(start + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for index in 0..buckets {
        ticks.tick().await;
        let start_ms = index * bucket_ms;
        let mut tallies = [Tally::default(); 3];
        for client in clients {
            let i = client.kind.index();
            let now = client.counters.read();
            tallies[i] = now.since(&readings[i]);
            readings[i] = now;
            second[i].add(&tallies[i]);
        }
        let nozzle_flow = clients[2].nozzle().map_or(100, Nozzle::flow_rate);
        timeline.buckets.push(Bucket {
            start_ms,
            tallies,
            nozzle_flow,
        });

        if (index + 1) % per_second != 0 && index + 1 != buckets {
            continue;
        }
        let t = start_ms + bucket_ms - 1;
        on_second(&Progress {
            second: (t + 1).div_ceil(1000),
            offered_rate: script.offered_rate(t),
            capacity: script.capacity(t),
            tallies: second,
            nozzle_flow,
            breaker: clients[1].breaker_state().unwrap_or(BreakerState::Closed),
        })
        .map_err(DemoError::Output)?;
        for client in clients {
            let i = client.kind.index();
            check_silence(client, &second[i], &mut answered[i], &mut silent[i], limits)?;
        }
        second = [Tally::default(); 3];
    }
    Ok((timeline, readings))
}

/// Counts seconds in a row in which `client` sent requests and got no HTTP
/// answer, and fails once there are too many.
fn check_silence(
    client: &LiveClient,
    second: &Tally,
    answered: &mut u64,
    silent: &mut u64,
    limits: Limits,
) -> Result<(), DemoError> {
    let now = client.counters.answered.load(Relaxed);
    let new_answers = now - *answered;
    *answered = now;
    // Requests sent in the last second may still be waiting for their
    // timeout, so only a second with sends and no answers counts.
    if second.sent > 0 && new_answers == 0 {
        *silent += 1;
    } else if new_answers > 0 {
        *silent = 0;
    }
    if *silent < limits.silent_seconds {
        return Ok(());
    }
    let (detail, cause) = lock(&client.counters.last_failure)
        .clone()
        .unwrap_or_else(|| ("no request got an answer".to_owned(), Silence::TimedOut));
    Err(DemoError::NoAnswer {
        client: client.kind,
        addr: client.addr,
        cause,
        detail: format!(
            "no answer for {} s in a row ({detail})",
            limits.silent_seconds
        ),
    })
}
