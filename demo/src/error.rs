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
        /// The kind of failure, which decides the advice in the message.
        cause: Silence,
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
                 process may open sockets and enough files (`ulimit -n`)"
            ),
            DemoError::NoAnswer {
                client,
                addr,
                detail,
                cause,
            } => write!(
                f,
                "the service of the {client} client at http://{addr}/ did not answer: {detail}; {}",
                cause.advice()
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

/// Kind of failure behind [`DemoError::NoAnswer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Silence {
    /// Requests timed out.
    TimedOut,
    /// Connections failed.
    Unreachable,
    /// The process ran out of file descriptors for new connections.
    FileLimit,
    /// Something answered with an unexpected status.
    UnexpectedStatus,
}

impl Silence {
    /// Returns the kind of a transport error: the file limit, a failed
    /// connection, or a connection that broke while the request was under
    /// way.
    pub fn from_transport(error: &(dyn std::error::Error + 'static), connect: bool) -> Silence {
        if hits_file_limit(error) {
            Silence::FileLimit
        } else if connect {
            Silence::Unreachable
        } else {
            Silence::TimedOut
        }
    }

    /// Returns what the user can do about this kind of failure.
    pub fn advice(self) -> &'static str {
        match self {
            Silence::TimedOut => {
                "the machine may be too busy to run the demo, so retry when it is idle, or run \
                 the simulation with `cargo run --release --example surge`"
            }
            Silence::Unreachable => {
                "check that the loopback interface is up (`ip link show lo`) and that no \
                 firewall rule blocks connections to 127.0.0.1"
            }
            Silence::FileLimit => {
                "raise the limit on open files (`ulimit -n`); 1024 is plenty for the demo"
            }
            Silence::UnexpectedStatus => {
                "another program may be answering on that port, so rerun the demo to get \
                 new ports"
            }
        }
    }
}

/// Returns true when `error` or one of its sources is the operating system's
/// "too many open files" error (EMFILE, 24 on Linux and macOS).
fn hits_file_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    const EMFILE: i32 = 24;
    let mut next = Some(error);
    while let Some(error) = next {
        let io = error.downcast_ref::<std::io::Error>();
        if cfg!(unix) && io.and_then(std::io::Error::raw_os_error) == Some(EMFILE) {
            return true;
        }
        next = error.source();
    }
    false
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

/// Writes `error: {message}` to standard error, and does nothing if that
/// fails: `eprintln!` panics when standard error is a closed pipe, as in
/// `cargo run --example overload 2>&1 | head -n 3`.
pub fn print_error(message: impl fmt::Display) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "error: {message}");
}
