//! Async calls under a permit.
//!
//! The wrappers are `async fn`s: the returned future holds the permit across
//! its own `.await`, so it needs no pin projection, no allocation and no
//! runtime. The permit rules give the drop behaviour for free: a future
//! dropped while the inner future is still running drops its permit, which
//! counts as abandoned.

use core::future::IntoFuture;

use crate::error::{Error, Rejected};
use crate::Nozzle;

impl Nozzle {
    /// Runs `future` if the nozzle admits the call, and records its output: `Ok`
    /// as a success, `Err` as a failure.
    ///
    /// Admission happens at the first poll, not at this call, because the body
    /// of an `async fn` runs only when it is polled. So a future that is built
    /// and dropped without being polled is not counted at all, and the attempt
    /// lands in the interval in which the future starts to run.
    ///
    /// - **Rejected:** the returned future is ready at its first poll with
    ///   [`Error::Rejected`]. `future` is dropped without being polled.
    /// - **Completed:** the output is recorded before the returned future
    ///   resolves.
    /// - **Dropped while running** (cancelled, a timeout around it, its task
    ///   aborted) or **panicked:** the permit is dropped without an outcome and
    ///   counts as abandoned, judged by the configured
    ///   [`Abandon`](crate::Abandon) policy.
    ///
    /// The returned future is `Send` when `future` is.
    ///
    /// ```
    /// use nozzle::{Config, Error, Nozzle};
    ///
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
    /// # }
    /// let nozzle = Nozzle::new(Config::new(1_000))?;
    /// let fetched = nozzle.call_async(async { "42".parse::<u32>() });
    /// match block_on(fetched) {
    ///     Ok(value) => assert_eq!(value, 42),
    ///     Err(Error::Rejected(rejected)) => eprintln!("shed: {rejected}"),
    ///     Err(Error::Inner(error)) => eprintln!("the call failed: {error}"),
    /// }
    /// assert_eq!(nozzle.snapshot().successes, 1);
    /// # Ok::<(), nozzle::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] if the nozzle rejected the call, [`Error::Inner`]
    /// with the future's own error if it ran and failed.
    pub async fn call_async<F, T, E>(&self, future: F) -> Result<T, Error<E>>
    where
        F: IntoFuture<Output = Result<T, E>>,
    {
        let permit = self.try_acquire()?;
        permit.finish(future.await)
    }

    /// Runs `future` if the nozzle admits the call, and records `true` as a
    /// success and `false` as a failure. Resolves to what `future` returned.
    ///
    /// Admission, rejection and drops behave as in
    /// [`call_async`](Nozzle::call_async).
    ///
    /// # Errors
    ///
    /// [`Rejected`] if the nozzle rejected the call; `future` is then dropped
    /// without being polled.
    pub async fn call_async_bool<F>(&self, future: F) -> Result<bool, Rejected>
    where
        F: IntoFuture<Output = bool>,
    {
        let permit = self.try_acquire()?;
        let success = future.await;
        permit.record(success);
        Ok(success)
    }
}
