//! The parts of the nozzle demos that deserve tests: the scripted story, the
//! overloaded service, a classic circuit breaker, the simulation, and the
//! live run's HTTP service and load generator.
//!
//! Read the `surge` example first: it plays the story on a simulated clock
//! through [`sim::simulate`]. The `overload` example plays it over HTTP on
//! loopback through [`server`] and [`load`].

pub mod args;
pub mod breaker;
pub mod chart;
pub mod error;
pub mod load;
pub mod report;
pub mod script;
pub mod server;
pub mod service;
pub mod settings;
pub mod sim;
pub mod timeline;

/// The guides under `docs/`, compiled as doctests so that their Rust
/// snippets keep building and passing against the current API.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../../docs/migrating-from-a-circuit-breaker.md")]
    struct Migrating;

    #[doc = include_str!("../../docs/tuning.md")]
    struct Tuning;

    #[doc = include_str!("../../docs/production.md")]
    struct Production;

    #[doc = include_str!("../../docs/comparison.md")]
    struct Comparison;

    #[doc = include_str!("../../docs/overload-demo.md")]
    struct OverloadDemo;
}
