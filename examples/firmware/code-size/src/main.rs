//! A minimal firmware image for measuring the flash that the nozzle adds.
//!
//! `measure.sh` builds it three times: with no features (the baseline: a loop
//! over an opaque input), with `acquire` (try_acquire and an outcome per
//! iteration), and with `tick` (that plus a tick per iteration). The `.text`
//! differences are the nozzle's code. `black_box` keeps the optimizer from
//! deciding the calls at compile time.

#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;

#[cfg(feature = "acquire")]
static NOZZLE: nozzle::Nozzle =
    match nozzle::Nozzle::new(nozzle::Config::new(1_000).allowed_failure_percent(50)) {
        Ok(nozzle) => nozzle,
        Err(_) => panic!("invalid nozzle configuration"),
    };

#[entry]
fn main() -> ! {
    loop {
        let input: u32 = black_box(0);

        #[cfg(feature = "acquire")]
        match NOZZLE.try_acquire() {
            Ok(permit) => permit.record(input & 1 == 0),
            Err(rejected) => {
                black_box(rejected.flow_rate());
            }
        }

        #[cfg(feature = "tick")]
        if let Some(transition) = NOZZLE.tick(input.into()) {
            black_box(transition.flow_rate);
        }

        black_box(input);
    }
}

// The smallest panic handler, so that the baseline carries no formatting code.
#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
