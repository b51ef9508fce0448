//! The public surface around the core: configuration accessors, rejection and
//! error types, and the closure wrappers.

mod common;

use std::error::Error as _;
use std::fmt;

use common::fail;
use nozzle::{Abandon, Config, Error, Field, Nozzle, Reason, Rejected};

/// Returns a nozzle at flow 99, where attempt 1 of each interval is rejected as throttled.
fn throttled_nozzle() -> Nozzle {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    fail(&nozzle, 1);
    assert_eq!(nozzle.tick(1_000).unwrap().flow_rate, 99);
    nozzle
}

/// Takes attempt 0 of the interval so that the next attempt is rejected.
fn use_first_attempt(nozzle: &Nozzle) {
    nozzle.try_acquire().unwrap().success();
}

#[test]
fn config_accessors_return_builder_values() {
    let config = Config::new(250)
        .allowed_failure_percent(17)
        .on_abandon(Abandon::AsFailure);
    assert_eq!(config.interval, 250);
    assert_eq!(config.allowed_failure_percent, 17);
    assert_eq!(config.on_abandon, Abandon::AsFailure);
    let defaults = Config::new(1);
    assert_eq!(defaults.allowed_failure_percent, 50);
    assert_eq!(defaults.on_abandon, Abandon::Ignore);
    let nozzle = Nozzle::new(config).unwrap();
    assert_eq!(nozzle.config(), config);
}

#[test]
fn field_displays_its_builder_name() {
    assert_eq!(Field::Interval.to_string(), "interval");
    assert_eq!(
        Field::AllowedFailurePercent.to_string(),
        "allowed_failure_percent"
    );
    let error = Nozzle::new(Config::new(0)).unwrap_err();
    assert_eq!(error.to_string(), "invalid interval 0: must be at least 1");
}

#[test]
fn rejection_messages_name_reason_and_flow() {
    let nozzle = throttled_nozzle();
    use_first_attempt(&nozzle);
    let throttled = nozzle.try_acquire().unwrap_err();
    assert_eq!(throttled.reason(), Reason::Throttled);
    assert_eq!(throttled.flow_rate(), 99);
    assert_eq!(
        throttled.to_string(),
        "call rejected: flow rate is 99%, this call was outside the admitted share"
    );

    let closed = Nozzle::new(Config::new(1_000)).unwrap();
    common::drive_to_zero(&closed);
    let fully_closed = closed.try_acquire().unwrap_err();
    assert_eq!(fully_closed.reason(), Reason::FullyClosed);
    assert_eq!(fully_closed.to_string(), "call rejected: flow rate is 0%");

    closed.shut_off();
    let shut = closed.try_acquire().unwrap_err();
    assert_eq!(shut.reason(), Reason::ShutOff);
    assert_eq!(shut.to_string(), "call rejected: nozzle is shut off");
    assert!(shut.source().is_none());
}

#[test]
fn call_counts_ok_and_err_outcomes() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    assert_eq!(nozzle.call(|| Ok::<_, &str>(5)), Ok(5));
    let failed = nozzle.call(|| Err::<u8, _>("timed out"));
    assert_eq!(failed, Err(Error::Inner("timed out")));
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.successes, 1);
    assert_eq!(snapshot.failures, 1);
    assert_eq!(snapshot.allowed, 2);
}

#[test]
fn call_rejection_skips_the_closure() {
    let nozzle = throttled_nozzle();
    use_first_attempt(&nozzle);
    let mut ran = false;
    let result = nozzle.call(|| {
        ran = true;
        Ok::<(), std::io::Error>(())
    });
    assert!(!ran);
    let error = result.unwrap_err();
    let rejected = error.rejected().copied().expect("a rejection");
    assert_eq!(rejected.reason(), Reason::Throttled);
    assert_eq!(error.to_string(), rejected.to_string());
    assert!(error.source().is_none());
    assert!(error.into_inner().is_none());
}

#[test]
fn call_bool_counts_and_returns_result() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    assert_eq!(nozzle.call_bool(|| true), Ok(true));
    assert_eq!(nozzle.call_bool(|| false), Ok(false));
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.successes, 1);
    assert_eq!(snapshot.failures, 1);

    let throttled = throttled_nozzle();
    use_first_attempt(&throttled);
    let rejected = throttled.call_bool(|| unreachable!("rejected calls do not run"));
    assert_eq!(rejected.unwrap_err().reason(), Reason::Throttled);
}

/// An error with a cause, to check that `Error::Inner` passes the cause on.
#[derive(Debug)]
struct Timeout {
    cause: fmt::Error,
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl std::error::Error for Timeout {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

#[test]
fn inner_error_is_transparent() {
    let error: Error<Timeout> = Error::Inner(Timeout { cause: fmt::Error });
    assert_eq!(error.to_string(), "timed out");
    let source = error.source().expect("the inner error's source");
    assert_eq!(source.to_string(), fmt::Error.to_string());
    assert!(error.rejected().is_none());
    assert_eq!(error.into_inner().unwrap().to_string(), "timed out");
}

#[test]
fn rejection_converts_into_error() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    nozzle.shut_off();
    let rejected: Rejected = nozzle.try_acquire().unwrap_err();
    let error: Error<std::io::Error> = rejected.into();
    assert_eq!(error.rejected(), Some(&rejected));
}

#[test]
fn permit_debugs_opaquely() {
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    let permit = nozzle.try_acquire().unwrap();
    assert_eq!(format!("{permit:?}"), "Permit { .. }");
    permit.success();
}
