//! The rules that move the flow rate when an interval is judged.

use crate::config::StepPolicy;

/// The flow rate, the direction and the signed step, which the rules move
/// together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flow {
    /// Flow rate in percent, `0..=100`.
    pub(crate) rate: u8,
    /// True while closing.
    pub(crate) closing: bool,
    /// Signed step of the doubling rule, `-128..=128`; 0 under AIMD.
    pub(crate) step: i16,
}

/// Largest step magnitude. Doubling past it could not move the flow rate any
/// further than 128 already does.
pub(crate) const MAX_STEP: i16 = 128;

/// Applies `policy` to a judged interval whose failure rate was
/// `failure_rate`. The interval is failing when `failure_rate` is strictly
/// greater than `allowed_failure_percent`. The direction then becomes closing,
/// and otherwise opening, even when the flow rate is already at its limit.
pub(crate) const fn judge(
    flow: Flow,
    failure_rate: u8,
    allowed_failure_percent: u8,
    policy: StepPolicy,
) -> Flow {
    let closing = failure_rate > allowed_failure_percent;
    match policy {
        StepPolicy::Doubling => double(flow, closing),
        StepPolicy::Aimd {
            increase,
            decrease_factor,
        } => aimd(flow, closing, increase, decrease_factor),
    }
}

/// Applies the reference rule: if the flow rate can move in this direction, move it by
/// `m = min(step, -1)` when closing or `m = max(step, 1)` when opening, and
/// make the step `2m`, saturating at ±[`MAX_STEP`]. At 0 (closing) or 100
/// (opening) the step stays as it is.
const fn double(flow: Flow, closing: bool) -> Flow {
    let at_limit = if closing {
        flow.rate == 0
    } else {
        flow.rate == 100
    };
    if at_limit {
        return Flow { closing, ..flow };
    }
    let movement = if closing {
        min_i16(flow.step, -1)
    } else {
        max_i16(flow.step, 1)
    };
    // rate is in 0..=100 and movement in -128..=128, so the sum fits easily.
    let moved = (flow.rate as i16).saturating_add(movement);
    Flow {
        rate: clamp_rate(moved),
        closing,
        step: max_i16(-MAX_STEP, min_i16(movement.saturating_mul(2), MAX_STEP)),
    }
}

/// Additive increase, multiplicative decrease. The step is unused and stays 0.
const fn aimd(flow: Flow, closing: bool, increase: u8, decrease_factor: u8) -> Flow {
    let rate = if closing {
        // rate <= 100 and decrease_factor <= 99, so the product is below 2^14.
        ((flow.rate as u16).saturating_mul(decrease_factor as u16) / 100) as u8
    } else {
        clamp_rate((flow.rate as i16).saturating_add(increase as i16))
    };
    Flow {
        rate,
        closing,
        step: 0,
    }
}

const fn clamp_rate(value: i16) -> u8 {
    max_i16(0, min_i16(value, 100)) as u8
}

const fn min_i16(a: i16, b: i16) -> i16 {
    if a < b {
        a
    } else {
        b
    }
}

const fn max_i16(a: i16, b: i16) -> i16 {
    if a > b {
        a
    } else {
        b
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn flow(rate: u8, closing: bool, step: i16) -> Flow {
        Flow {
            rate,
            closing,
            step,
        }
    }

    fn doubling(flow: Flow, failure_rate: u8) -> Flow {
        judge(flow, failure_rate, 50, StepPolicy::Doubling)
    }

    #[test]
    fn steady_failure_follows_reference_trajectory() {
        let mut current = flow(100, false, 0);
        let mut rates = [0u8; 8];
        for rate in &mut rates {
            current = doubling(current, 90);
            *rate = current.rate;
        }
        assert_eq!(rates, [99, 97, 93, 85, 69, 37, 0, 0]);
        assert!(current.closing);
        assert_eq!(current.step, -128);
    }

    #[test]
    fn reopen_from_zero_doubles_to_full() {
        let mut current = flow(0, true, -128);
        let mut rates = [0u8; 8];
        for rate in &mut rates {
            current = doubling(current, 0);
            *rate = current.rate;
        }
        assert_eq!(rates, [1, 3, 7, 15, 31, 63, 100, 100]);
        assert_eq!(current.step, 128);
        assert!(!current.closing);
    }

    #[test]
    fn full_step_resets_on_direction_change() {
        assert_eq!(doubling(flow(100, false, 128), 100), flow(99, true, -2));
    }

    #[test]
    fn threshold_is_healthy() {
        assert_eq!(doubling(flow(100, false, 0), 50), flow(100, false, 0));
        assert_eq!(doubling(flow(100, false, 0), 51), flow(99, true, -2));
    }

    #[test]
    fn closing_at_zero_keeps_step() {
        assert_eq!(doubling(flow(0, true, -128), 100), flow(0, true, -128));
        assert_eq!(doubling(flow(0, false, 4), 100), flow(0, true, 4));
    }

    #[test]
    fn step_saturates_at_max() {
        assert_eq!(doubling(flow(50, true, -128), 100), flow(0, true, -128));
        assert_eq!(doubling(flow(50, false, 128), 0), flow(100, false, 128));
    }

    #[test]
    fn flapping_keeps_step_within_two() {
        let mut current = flow(100, false, 0);
        for n in 0..20 {
            current = doubling(current, if n % 2 == 0 { 60 } else { 40 });
            assert!(current.step.abs() <= 2, "step {}", current.step);
            assert!(current.rate >= 99);
        }
    }

    #[test]
    fn aimd_adds_and_multiplies() {
        let policy = StepPolicy::Aimd {
            increase: 10,
            decrease_factor: 50,
        };
        let mut current = flow(100, false, 0);
        let mut rates = Vec::new();
        for failure_rate in [90, 90, 90, 90, 0, 0, 0, 90, 0] {
            current = judge(current, failure_rate, 50, policy);
            rates.push(current.rate);
        }
        assert_eq!(rates, [50, 25, 12, 6, 16, 26, 36, 18, 28]);
        assert_eq!(current.step, 0);
    }

    #[test]
    fn aimd_reaches_zero_and_reopens() {
        let policy = StepPolicy::Aimd {
            increase: 100,
            decrease_factor: 0,
        };
        let closed = judge(flow(100, false, 0), 100, 50, policy);
        assert_eq!(closed, flow(0, true, 0));
        assert_eq!(judge(closed, 100, 50, policy), flow(0, true, 0));
        assert_eq!(judge(closed, 0, 50, policy), flow(100, false, 0));
    }

    use std::vec::Vec;
}
