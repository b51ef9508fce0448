//! Errors of the overload demo, each saying what failed and what to do.

use core::fmt;
use std::net::SocketAddr;

use crate::args::ArgError;
use crate::chart::ChartError;
use crate::settings::SettingsError;
use crate::timeline::Client;

/// Error that stopped the overload demo early.
#[derive(Debug)]
pub enum DemoError {
    /// A command-line argument is invalid.
    Args(ArgError),
    /// The tokio runtime could not start.
    Runtime(std::io::Error),
    /// A service could not bind its loopback address.
    Bind {
        /// The address it tried.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A service stopped answering, or never answered.
    NoAnswer {
        /// The client whose service it is.
        client: Client,
        /// The service's address.
        addr: SocketAddr,
        /// What the last attempt got instead of an answer.
        detail: String,
    },
    /// A nozzle or breaker setting is invalid.
    Settings(SettingsError),
    /// The chart could not be drawn or written.
    Chart(ChartError),
    /// Standard output could not be written, for example because the pipe
    /// it leads to was closed.
    Output(std::io::Error),
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DemoError::Args(error) => write!(f, "{error}; run with --help for usage"),
            DemoError::Runtime(source) => write!(
                f,
                "failed to start the tokio runtime: {source}; check the process's thread and file limits"
            ),
            DemoError::Bind { addr, source } => write!(
                f,
                "failed to bind a service to {addr}: {source}; the demo listens on loopback \
                 ephemeral ports only, so check that 127.0.0.1 is configured and that this \
                 process may open sockets"
            ),
            DemoError::NoAnswer {
                client,
                addr,
                detail,
            } => write!(
                f,
                "the service of the {client} client at http://{addr}/ did not answer: {detail}; \
                 the machine may be too busy to run the demo, so retry when it is idle or run \
                 the simulation with `cargo run --release --example surge`"
            ),
            DemoError::Settings(error) => error.fmt(f),
            DemoError::Chart(error) => write!(
                f,
                "{error}; check that the target directory is writable"
            ),
            DemoError::Output(source) => write!(f, "failed to write to standard output: {source}"),
        }
    }
}

impl std::error::Error for DemoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DemoError::Args(error) => Some(error),
            DemoError::Runtime(source)
            | DemoError::Bind { source, .. }
            | DemoError::Output(source) => Some(source),
            DemoError::NoAnswer { .. } => None,
            DemoError::Settings(error) => Some(error),
            DemoError::Chart(error) => Some(error),
        }
    }
}

impl From<ArgError> for DemoError {
    fn from(error: ArgError) -> DemoError {
        DemoError::Args(error)
    }
}

impl From<SettingsError> for DemoError {
    fn from(error: SettingsError) -> DemoError {
        DemoError::Settings(error)
    }
}

impl From<ChartError> for DemoError {
    fn from(error: ChartError) -> DemoError {
        DemoError::Chart(error)
    }
}
