//! Arbitrary operation sequences with operator actions (pin, resume, reset,
//! new settings, shut-off), a minimum sample count and AIMD steps, against
//! the integration tests' model.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nozzle_fuzz::extended::{run_extended, ExtendedConfig, ExtendedOp};

#[derive(Arbitrary, Debug)]
struct Input {
    config: ExtendedConfig,
    ops: Vec<ExtendedOp>,
}

fuzz_target!(|input: Input| {
    run_extended(input.config, &input.ops);
});
