//! Tower middleware that admits each request through a nozzle, with the `tower`
//! feature.
//!
//! [`NozzleLayer`] wraps a service in a [`NozzleService`]. Each call:
//!
//! 1. ticks the nozzle from a [`Clock`] (unless ticking is left to the host with
//!    [`NozzleLayer::without_ticking`]), passing any transition to the
//!    [`on_transition`](NozzleLayer::on_transition) callback;
//! 2. requests a permit from the nozzle. A rejected request resolves at once to
//!    [`Error::Rejected`] and never reaches the inner service;
//! 3. calls the inner service, and when its response future completes, records
//!    the result as a success or a failure by the [`Classify`] verdict (by
//!    default [`IsOk`]: `Ok` is a success).
//!
//! Readiness is the inner service's: `poll_ready` forwards to it and takes no
//! permit, because admission is decided per request, in `call`. A request that
//! the nozzle rejects leaves the inner service's readiness unused for the next
//! call, as with any tower middleware that fails a request before the inner
//! `call`.
//!
//! A response future dropped before it completes, for example by a timeout
//! layered outside this one, counts as abandoned under the nozzle's
//! [`Abandon`](crate::Abandon) policy. A timeout layered inside this one
//! produces an error that the classifier sees, so the classifier decides
//! whether it is a failure.
//!
//! ```
//! use std::{sync::Arc, time::Duration};
//! use nozzle::{tower::NozzleLayer, Config, Nozzle};
//! use tower::{service_fn, Layer, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let nozzle = Arc::new(Nozzle::new(Config::from_duration(Duration::from_secs(1))?)?);
//! let layer = NozzleLayer::new(Arc::clone(&nozzle));
//! let service = layer.layer(service_fn(|n: u32| async move { n.checked_sub(1).ok_or("zero") }));
//! assert_eq!(service.oneshot(5).await, Ok(4));
//! assert_eq!(nozzle.snapshot().successes, 1);
//! # Ok(())
//! # }
//! ```

use core::fmt;
use core::future::Future;
use core::ops::Deref;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::boxed::Box;
use std::sync::Arc;

use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::{Clock, Error, Nozzle, OwnedPermit, Rejected, Transition};

/// A boxed error that is `Send + Sync`, the error type tower middleware
/// commonly uses.
pub type BoxError = Box<dyn core::error::Error + Send + Sync>;

/// Decides whether a completed request counts as a success.
///
/// It is implemented for [`IsOk`] and for every
/// `Fn(&Result<Response, Error>) -> bool`, such as a closure that treats HTTP
/// 5xx responses as failures:
///
/// ```
/// # use nozzle::tower::{BoxError, Classify};
/// let classifier = |result: &Result<http::Response<()>, BoxError>| {
///     matches!(result, Ok(response) if !response.status().is_server_error())
/// };
/// let unavailable = http::Response::builder().status(503).body(()).unwrap();
/// assert!(!classifier.is_success(&Ok(unavailable)));
/// ```
pub trait Classify<T, E> {
    /// Returns true if `result` counts as a success, false if a failure.
    fn is_success(&self, result: &Result<T, E>) -> bool;
}

impl<T, E, F> Classify<T, E> for F
where
    F: Fn(&Result<T, E>) -> bool,
{
    fn is_success(&self, result: &Result<T, E>) -> bool {
        self(result)
    }
}

/// The default classifier: `Ok` is a success and `Err` a failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IsOk;

impl<T, E> Classify<T, E> for IsOk {
    fn is_success(&self, result: &Result<T, E>) -> bool {
        result.is_ok()
    }
}

/// A callback for the transitions that lazy ticking produces.
type TransitionCallback = Arc<dyn Fn(&Transition) + Send + Sync>;

/// Lazy-ticking settings of a service: the clock to tick from before each
/// admission, and the callback for the transitions that produces.
#[derive(Clone)]
struct Ticking {
    /// `None` when the host ticks the nozzle itself.
    clock: Option<Clock>,
    on_transition: Option<TransitionCallback>,
}

impl Ticking {
    fn tick(&self, nozzle: &Nozzle) {
        let Some(clock) = &self.clock else {
            return;
        };
        if let Some(transition) = clock.tick(nozzle) {
            if let Some(on_transition) = &self.on_transition {
                on_transition(&transition);
            }
        }
    }
}

impl fmt::Debug for Ticking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticking")
            .field("clock", &self.clock)
            .field("on_transition", &self.on_transition.is_some())
            .finish()
    }
}

/// A [`Layer`] that wraps services in a [`NozzleService`].
///
/// `N` is the handle to the shared nozzle: an `Arc<Nozzle>` (the default) or
/// a `&'static Nozzle`. Every service built from one layer shares that nozzle.
#[derive(Clone, Debug)]
pub struct NozzleLayer<N = Arc<Nozzle>, C = IsOk> {
    nozzle: N,
    classifier: C,
    ticking: Ticking,
}

impl<N: Deref<Target = Nozzle> + Clone> NozzleLayer<N, IsOk> {
    /// Creates a layer that admits requests through `nozzle`, counts `Ok` as a
    /// success, and ticks the nozzle lazily from a new [`Clock`] on each call.
    ///
    /// The clock's origin is now, so create the layer together with the nozzle,
    /// or give it the nozzle's clock with [`clock`](NozzleLayer::clock).
    #[must_use]
    pub fn new(nozzle: N) -> NozzleLayer<N, IsOk> {
        NozzleLayer {
            nozzle,
            classifier: IsOk,
            ticking: Ticking {
                clock: Some(Clock::new()),
                on_transition: None,
            },
        }
    }
}

impl<N, C> NozzleLayer<N, C> {
    /// Replaces the classifier that decides whether a completed request is a
    /// success.
    #[must_use]
    pub fn classify<C2>(self, classifier: C2) -> NozzleLayer<N, C2> {
        NozzleLayer {
            nozzle: self.nozzle,
            classifier,
            ticking: self.ticking,
        }
    }

    /// Ticks from `clock` on each call, for example the clock that another
    /// task also ticks the same nozzle from.
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> NozzleLayer<N, C> {
        self.ticking.clock = Some(clock);
        self
    }

    /// Stops ticking on each call: the host ticks the nozzle itself, for
    /// example from a timer task.
    #[must_use]
    pub fn without_ticking(mut self) -> NozzleLayer<N, C> {
        self.ticking.clock = None;
        self
    }

    /// Calls `callback` with each transition that a lazy tick produces, for
    /// example to export it as metrics. It runs on the request path, once per
    /// closed interval.
    #[must_use]
    pub fn on_transition<F>(mut self, callback: F) -> NozzleLayer<N, C>
    where
        F: Fn(&Transition) + Send + Sync + 'static,
    {
        self.ticking.on_transition = Some(Arc::new(callback));
        self
    }
}

impl<S, N: Clone, C: Clone> Layer<S> for NozzleLayer<N, C> {
    type Service = NozzleService<S, N, C>;

    fn layer(&self, inner: S) -> NozzleService<S, N, C> {
        NozzleService {
            inner,
            nozzle: self.nozzle.clone(),
            classifier: self.classifier.clone(),
            ticking: self.ticking.clone(),
        }
    }
}

/// A service that admits each request through a shared nozzle before it
/// reaches the inner service `S`. Built by [`NozzleLayer`].
#[derive(Clone, Debug)]
pub struct NozzleService<S, N = Arc<Nozzle>, C = IsOk> {
    inner: S,
    nozzle: N,
    classifier: C,
    ticking: Ticking,
}

impl<S, N, C> NozzleService<S, N, C> {
    /// Returns the inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Returns the inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Returns the inner service, consuming this one.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, N, C, Request> Service<Request> for NozzleService<S, N, C>
where
    S: Service<Request>,
    N: Deref<Target = Nozzle> + Clone,
    C: Classify<S::Response, S::Error> + Clone,
{
    type Response = S::Response;
    type Error = Error<S::Error>;
    type Future = ResponseFuture<S::Future, N, C>;

    /// Forwards to the inner service. No permit is taken here.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Error::Inner)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.ticking.tick(&self.nozzle);
        let state = match Nozzle::try_acquire_owned(self.nozzle.clone()) {
            Ok(permit) => State::Running {
                inner: self.inner.call(request),
                outcome: Some((permit, self.classifier.clone())),
            },
            Err(rejected) => State::Rejected { rejected },
        };
        ResponseFuture { state }
    }
}

pin_project! {
    /// The response future of [`NozzleService`].
    ///
    /// It resolves at its first poll with [`Error::Rejected`] when the nozzle
    /// rejected the request. Otherwise it resolves with the inner response, or
    /// the inner error as [`Error::Inner`], after recording the classifier's
    /// verdict. Dropped before that, it counts the request as abandoned.
    pub struct ResponseFuture<F, N, C>
    where
        N: Deref<Target = Nozzle>,
    {
        #[pin]
        state: State<F, N, C>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F, N, C>
    where
        N: Deref<Target = Nozzle>,
    {
        Rejected { rejected: Rejected },
        Running {
            #[pin]
            inner: F,
            // Taken when the outcome is recorded.
            outcome: Option<(OwnedPermit<N>, C)>,
        },
    }
}

impl<F, N, C, T, E> Future for ResponseFuture<F, N, C>
where
    F: Future<Output = Result<T, E>>,
    N: Deref<Target = Nozzle>,
    C: Classify<T, E>,
{
    type Output = Result<T, Error<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Rejected { rejected } => Poll::Ready(Err(Error::Rejected(*rejected))),
            StateProjection::Running { inner, outcome } => {
                let Poll::Ready(result) = inner.poll(cx) else {
                    return Poll::Pending;
                };
                if let Some((permit, classifier)) = outcome.take() {
                    permit.record(classifier.is_success(&result));
                }
                Poll::Ready(result.map_err(Error::Inner))
            }
        }
    }
}

impl<F, N, C> fmt::Debug for ResponseFuture<F, N, C>
where
    N: Deref<Target = Nozzle>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ResponseFuture");
        match &self.state {
            State::Rejected { rejected } => debug.field("rejected", rejected).finish(),
            State::Running { outcome, .. } => debug
                .field("recorded", &outcome.is_none())
                .finish_non_exhaustive(),
        }
    }
}

impl<E: Into<BoxError>> Error<E> {
    /// Converts the error into a [`BoxError`]: a rejection becomes a boxed
    /// [`Rejected`], an inner error is converted as it is.
    ///
    /// Use it where a middleware needs errors that convert into `BoxError`
    /// and the inner error is a `BoxError` already: `Error<BoxError>` does not
    /// implement `std::error::Error`, because `BoxError` does not.
    pub fn into_box_error(self) -> BoxError {
        match self {
            Error::Rejected(rejected) => Box::new(rejected),
            Error::Inner(inner) => inner.into(),
        }
    }
}
