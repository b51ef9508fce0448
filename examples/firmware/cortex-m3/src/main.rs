//! A nozzle in firmware, on QEMU's `lm3s6965evb` board (Cortex-M3, thumbv7m).
//!
//! Both nozzles are `static`s built by the `const` constructor. The image has
//! no heap: it links no global allocator, so any use of `alloc` would fail to
//! link. The program
//!
//! 1. runs the core's reference acceptance scenario on `REFERENCE` while
//!    SysTick is stopped, because the scenario passes its own `now` to `tick`;
//! 2. starts SysTick, whose handler calls `NOZZLE.tick(now)` once per
//!    millisecond, while the main loop acquires permits on `NOZZLE` and
//!    reports outcomes;
//! 3. stops SysTick and checks that the counts of the transitions the handler
//!    received, plus the final snapshot, add up to the attempts and outcomes
//!    that the main loop counted itself;
//! 4. prints a summary and exits QEMU through semihosting, with status 0 only
//!    when every check passed.
//!
//! On this target every nozzle operation is lock-free: the atomics compile to
//! LDREX/STREX loops. An exception clears the exclusive access tag (Cortex-M3
//! and M4 generic user guides), so an interrupt that lands between the two
//! makes the STREX fail and the loop retry.

#![no_std]
#![no_main]

use cortex_m::peripheral::{syst::SystClkSource, Peripherals, SCB, SYST};
use cortex_m_rt::{entry, exception, ExceptionFrame};
use cortex_m_semihosting::{debug, hprintln};
use nozzle::{Config, Nozzle};
use nozzle_firmware_checks::{acceptance, finish, race};
use panic_semihosting as _;
use portable_atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

/// The nozzle that the main loop and the SysTick handler share. Its interval
/// is one tick, so every SysTick closes an interval. An invalid configuration
/// fails the build, because the `panic!` runs during constant evaluation.
static NOZZLE: Nozzle = match Nozzle::new(Config::new(1).allowed_failure_percent(50)) {
    Ok(nozzle) => nozzle,
    Err(_) => panic!("invalid nozzle configuration"),
};

/// The nozzle of the reference scenario, in the configuration it needs.
static REFERENCE: Nozzle =
    match Nozzle::new(Config::new(acceptance::INTERVAL).allowed_failure_percent(50)) {
        Ok(nozzle) => nozzle,
        Err(_) => panic!("invalid nozzle configuration"),
    };

/// Milliseconds since SysTick started: the `now` passed to `tick`. Only the
/// SysTick handler writes it.
static NOW: AtomicU32 = AtomicU32::new(0);

/// True while the main loop holds a permit.
static IN_FLIGHT: AtomicBool = AtomicBool::new(false);

/// Sums of the transitions that the SysTick handler received.
static TALLY: race::Tally = race::Tally::new();

/// SysTick reload value: the period is `SYSTICK_RELOAD + 1` core cycles, 1 ms
/// at the 12.5 MHz that QEMU's `lm3s6965evb` runs at after reset.
const SYSTICK_RELOAD: u32 = 12_500 - 1;

/// Intervals the race runs for: ten phases of the simulated dependency.
const CLOSES: u32 = 160;

/// Fewest closes that must land while the main loop holds a permit, as
/// evidence that the interrupt really interleaves with the main loop. With the
/// runner's `-icount shift=4` every run gives 73; shifts 2 to 6 gave 62 to 73,
/// and runs without `-icount` 57 to 63 (QEMU 7.2).
const MIN_CLOSES_IN_FLIGHT: u32 = 20;

#[entry]
fn main() -> ! {
    let mut core = Peripherals::take().expect("core peripherals are taken only here");

    // SysTick is still stopped: the scenario's ticks are the only ones.
    let acceptance = acceptance::run(&REFERENCE);

    start_systick(&mut core.SYST);
    let load = race::drive(&NOZZLE, &TALLY, &IN_FLIGHT, CLOSES);
    stop_systick(&mut core.SYST);

    let ticks = NOW.load(Relaxed);
    let race = race::check(&NOZZLE, &TALLY, &load, ticks, MIN_CLOSES_IN_FLIGHT);
    finish("cortex-m3", acceptance, race)
}

/// Closes the nozzle's interval once per millisecond.
#[exception]
fn SysTick() {
    let now = NOW.load(Relaxed).wrapping_add(1);
    NOW.store(now, Relaxed);
    if let Some(transition) = NOZZLE.tick(now.into()) {
        // A real firmware would log or export the transition here.
        TALLY.record(&transition, IN_FLIGHT.load(Relaxed));
    }
}

fn start_systick(syst: &mut SYST) {
    // QEMU's SysTick has no calibration value, so count core clock cycles.
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYSTICK_RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Stops SysTick for good. A tick that was already pending is discarded, so no
/// handler runs after this returns and the totals stay put.
fn stop_systick(syst: &mut SYST) {
    syst.disable_interrupt();
    syst.disable_counter();
    SCB::clear_pendst();
}

/// Ends the run with a failure status on a fault, where the default handler
/// would spin until the caller's timeout.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("cortex-m3: HardFault at pc={:#010x}", frame.pc());
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::nop();
    }
}
