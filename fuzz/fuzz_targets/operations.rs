//! Arbitrary operation sequences (attempts, outcomes, drops, shut-off, and
//! ticks with hostile timestamps) against the sequential model.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nozzle::Config;
use nozzle_fuzz::{run, Op, RawConfig};

#[derive(Arbitrary, Debug)]
struct Input {
    config: RawConfig,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    // Only valid configurations here; the config target covers the rest.
    let raw = input.config;
    let config = Config::new(raw.interval.value().max(1))
        .allowed_failure_percent(raw.percent % 101)
        .on_abandon(raw.config().on_abandon);
    run(config, &input.ops);
});
