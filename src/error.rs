//! Errors of calls made through a nozzle.

use core::fmt;

/// Reason an attempt was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The flow rate is between 1 and 99 and this attempt fell outside the
    /// admitted share.
    Throttled,
    /// The flow rate is 0. The next healthy interval reopens it to the first
    /// step.
    FullyClosed,
    /// [`Nozzle::shut_off`](crate::Nozzle::shut_off) was called; no call will
    /// be admitted again.
    ShutOff,
    /// The overall flow rate is above 0, but this call's
    /// [`Priority`](crate::Priority) class gets no share of it this interval.
    Shed,
}

/// An attempt the nozzle did not admit.
///
/// ```
/// use nozzle::{Config, Nozzle, Reason};
///
/// let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
/// nozzle.shut_off();
/// let rejected = nozzle.try_acquire().unwrap_err();
/// assert_eq!(rejected.reason(), Reason::ShutOff);
/// assert_eq!(rejected.flow_rate(), 0);
/// assert_eq!(rejected.to_string(), "call rejected: nozzle is shut off");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rejected {
    reason: Reason,
    flow_rate: u8,
}

impl Rejected {
    pub(crate) const fn new(flow_rate: u8, shut: bool) -> Rejected {
        let reason = if shut {
            Reason::ShutOff
        } else if flow_rate == 0 {
            Reason::FullyClosed
        } else {
            Reason::Throttled
        };
        Rejected { reason, flow_rate }
    }

    pub(crate) const fn with_reason(reason: Reason, flow_rate: u8) -> Rejected {
        Rejected { reason, flow_rate }
    }

    /// Returns why the attempt was rejected.
    #[must_use]
    pub const fn reason(&self) -> Reason {
        self.reason
    }

    /// Returns the flow rate, in percent, under which the attempt was decided.
    #[must_use]
    pub const fn flow_rate(&self) -> u8 {
        self.flow_rate
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::Throttled => write!(
                f,
                "call rejected: flow rate is {}%, this call was outside the admitted share",
                self.flow_rate
            ),
            Reason::FullyClosed => f.write_str("call rejected: flow rate is 0%"),
            Reason::ShutOff => f.write_str("call rejected: nozzle is shut off"),
            Reason::Shed => {
                f.write_str("call rejected: its priority class is shed at the current flow rate")
            }
        }
    }
}

impl core::error::Error for Rejected {}

/// The error of [`Nozzle::call`](crate::Nozzle::call): either the nozzle
/// rejected the call, or the call ran and returned its own error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error<E> {
    /// The nozzle rejected the call; the closure did not run.
    Rejected(Rejected),
    /// The closure ran and returned this error, which was counted as a failure.
    Inner(E),
}

impl<E> Error<E> {
    /// Returns the rejection, if the nozzle rejected the call.
    pub fn rejected(&self) -> Option<&Rejected> {
        match self {
            Error::Rejected(rejected) => Some(rejected),
            Error::Inner(_) => None,
        }
    }

    /// Returns the closure's own error, if it ran and failed.
    pub fn into_inner(self) -> Option<E> {
        match self {
            Error::Rejected(_) => None,
            Error::Inner(inner) => Some(inner),
        }
    }
}

impl<E> From<Rejected> for Error<E> {
    fn from(rejected: Rejected) -> Error<E> {
        Error::Rejected(rejected)
    }
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Rejected(rejected) => rejected.fmt(f),
            Error::Inner(inner) => inner.fmt(f),
        }
    }
}

/// An `Inner` error is transparent: it displays as the closure's error and
/// passes on that error's source, so a report does not print the message twice.
impl<E: core::error::Error> core::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Rejected(_) => None,
            Error::Inner(inner) => inner.source(),
        }
    }
}
