//! Arbitrary configuration values: `Nozzle::new` either rejects them with a
//! `ConfigError` that names the first invalid field and its value, or returns
//! a nozzle that follows the sequential model.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nozzle::{Abandon, Field, Nozzle};
use nozzle_fuzz::{run, Op, RawConfig};

#[derive(Arbitrary, Debug)]
struct Input {
    config: RawConfig,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let raw = input.config;
    let config = raw.config();
    let interval = raw.interval.value();

    // The builder stores what it was given, valid or not.
    assert_eq!(config.interval, interval);
    assert_eq!(config.allowed_failure_percent, raw.percent);
    let abandon = if raw.abandon_as_failure {
        Abandon::AsFailure
    } else {
        Abandon::Ignore
    };
    assert_eq!(config.on_abandon, abandon);

    // The interval is checked first, then the percent.
    let expected = if interval == 0 {
        Some((Field::Interval, 0, "interval", "must be at least 1"))
    } else if raw.percent > 100 {
        Some((
            Field::AllowedFailurePercent,
            u64::from(raw.percent),
            "allowed_failure_percent",
            "must be at most 100",
        ))
    } else {
        None
    };
    assert_eq!(config.validate().err(), Nozzle::new(config).err());

    match (Nozzle::new(config), expected) {
        (Err(error), Some((field, value, name, requirement))) => {
            assert_eq!(error.field(), field);
            assert_eq!(error.value(), value);
            assert_eq!(field.name(), name);
            assert_eq!(field.to_string(), name);
            assert_eq!(
                error.to_string(),
                format!("invalid {name} {value}: {requirement}")
            );
        }
        (Ok(_), None) => run(config, &input.ops),
        (Err(error), None) => panic!("valid {config:?} rejected: {error}"),
        (Ok(_), Some((field, value, ..))) => {
            panic!("{config:?} accepted with invalid {field} {value}")
        }
    }
});
