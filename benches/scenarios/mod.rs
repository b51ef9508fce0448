//! The scenarios of the benchmark harness, one module each, plus the mutex port
//! they compare against and the checks that run before any measurement.

pub mod baselines;
pub mod checks;
pub mod contended;
pub mod mutex_port;
pub mod priority;
pub mod probes;
pub mod single;
pub mod subject;
pub mod summary;
pub mod tick;
