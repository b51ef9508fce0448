//! Gradual flow control: admit a percentage of calls, and move that percentage
//! down while failures are too frequent and back up while they are not.
//!
//! A circuit breaker switches traffic off when errors cross a threshold. A
//! [`Nozzle`] instead admits a flow rate `f` percent of calls, judges each
//! interval's failure rate, and steps `f` down or up with a step that doubles
//! while the direction holds. A dependency that can still serve part of its
//! traffic keeps receiving that part.
//!
//! ```
//! use nozzle::{Config, Nozzle};
//!
//! let nozzle = Nozzle::new(Config::new(1_000).allowed_failure_percent(25))?;
//!
//! // On every call:
//! match nozzle.try_acquire() {
//!     Ok(permit) => {
//!         let ok = true; // ... make the call ...
//!         permit.record(ok);
//!     }
//!     Err(rejected) => {
//!         // Shed the call: serve a fallback, or fail fast.
//!         let _ = rejected.flow_rate();
//!     }
//! }
//!
//! // From the host's own loop, with its own clock (here: milliseconds).
//! if let Some(transition) = nozzle.tick(1_000) {
//!     assert_eq!(transition.flow_rate, 100);
//! }
//! # Ok::<(), nozzle::ConfigError>(())
//! ```
//!
//! # How it works
//!
//! - **Admission.** The `k`-th attempt of an interval (from 0), with `a` admitted
//!   so far, is admitted when `f == 100`, or when `f > 0` and
//!   `k == 0 || 100 * a < f * k`. Over any number of attempts this admits the
//!   same calls as the original Go library's ratio test.
//! - **Interval close.** [`Nozzle::tick`] closes an interval once `interval`
//!   host units have passed. A failure rate `failures * 100 / (successes +
//!   failures)`, rounded down, above the allowed percent closes the nozzle by
//!   `min(step, -1)`. Otherwise it opens by `max(step, 1)`. Either way the step
//!   then doubles, up to ±128. Under a steady 90 % failure rate the flow goes 100,
//!   99, 97, 93, 85, 69, 37, 0; an empty interval at 0 reopens it to 1, then 3,
//!   7, 15, 31, 63, 100.
//! - **No volume floor.** One failed call in an otherwise empty interval is a
//!   100 % failure rate and closes the nozzle by one step, as in the original.
//!
//! # Concurrency
//!
//! Every method takes `&self`. Admission, outcome reporting and every query are
//! lock-free: an attempt is one `fetch_add` on the admission word, which returns
//! the attempt's index and the flow rate together, and an outcome is one
//! `fetch_add` on its counter. Interval closes and operator actions take a
//! try-lock that nobody waits on: a `tick` that finds it taken returns `None`.
//! Counters saturate at [`COUNT_MAX`] instead of wrapping.
//!
//! Atomic orderings: the admission word and the counters are accessed with
//! `Relaxed` operations, because each carries its own meaning and publishes no
//! other memory. The interval lock is taken with `Acquire` and released with
//! `Release`, which orders the state that only lock holders touch.
//!
//! # Targets
//!
//! The crate is `#![no_std]` and never allocates. On targets with 64-bit atomics
//! the admission word is 64 bits wide; elsewhere it is 32 bits and the attempt
//! count of one interval saturates at 6,553,600 (admission decisions stay exact
//! past it). Targets without compare-and-swap, such as `thumbv6m-none-eabi`,
//! need the `critical-section` feature and a critical-section implementation.
//!
//! # Features
//!
//! Without features the crate also offers [`Nozzle::call_async`],
//! [`Nozzle::call_async_bool`] and [`OwnedPermit`]. Each feature below only
//! adds API; `Nozzle` itself is the same with every combination.
//!
//! - `std`: `Clock`, which reads `std::time::Instant` as the nanoseconds that
//!   `tick` takes, and `Config::from_duration`.
//! - `tower` (implies `std`): `tower::NozzleLayer`, which admits each request
//!   of a tower service through a shared nozzle.
//! - `metrics` (implies `std`): `metrics::Metrics`, which exports transitions
//!   through the `metrics` facade.
//! - `critical-section`: atomics through critical sections on targets without
//!   compare-and-swap.
//!
//! # Minimum supported Rust version
//!
//! Rust 1.81, for `core::error::Error`.

#![no_std]
// docs.rs labels each feature-gated item with its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(clippy::arithmetic_side_effects)]
// Unit tests compute expected values with plain arithmetic on small numbers;
// the lint still covers every non-test build of the crate.
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]
#![warn(clippy::std_instead_of_core)]

#[cfg(any(test, feature = "std"))]
extern crate std;

mod admission;
mod close;
mod config;
mod control;
mod counter;
mod error;
mod lock;
mod nozzle;
mod permit;
mod priority;
mod report;
mod rules;
mod sync;
mod word;

// Wrappers over the core. They add API, never state: `Nozzle` is the same with
// every feature.
#[cfg(feature = "std")]
mod clock;
mod future;
#[cfg(feature = "metrics")]
pub mod metrics;
mod owned;
#[cfg(feature = "tower")]
pub mod tower;

pub use config::{
    Abandon, Config, ConfigError, Field, StepPolicy, DEFAULT_ALLOWED_FAILURE_PERCENT,
};
pub use counter::COUNT_MAX;
pub use error::{Error, Reason, Rejected};
pub use nozzle::Nozzle;
pub use permit::Permit;
pub use priority::{Priority, PriorityNozzle, CLASSES};
pub use report::{Snapshot, State, Transition, Verdict};
pub use word::{ATTEMPTS_SATURATED, MAX_WINDOW_INTERVALS};

#[cfg(feature = "std")]
pub use clock::Clock;
pub use owned::OwnedPermit;

#[cfg(all(doctest, not(loom)))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
