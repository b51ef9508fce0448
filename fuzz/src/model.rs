//! A plain sequential model of the reference rules.
//!
//! It keeps explicit `allowed` and `blocked` counters and applies the ratio
//! test to them, doubles the step with ordinary arithmetic, and computes
//! interval boundaries with a division, so that none of the crate's packing,
//! folding or saturation tricks appear here. Wide types (`u128`, `i64`) stand
//! in for care about overflow.

/// Saturation bound of the crate's counters, `2^31 - 1`.
const COUNT_MAX: u64 = (1 << 31) - 1;

/// Expected report of one interval close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Close {
    pub seq: u64,
    pub start: u64,
    pub end: u64,
    pub counts: Counts,
    /// Flow rate in force during the closed interval (0 once shut off).
    pub closed_flow: u8,
    pub closed_closing: bool,
    /// Flow rate and direction installed by the close.
    pub flow: u8,
    pub closing: bool,
    pub failure_rate: u8,
    pub verdict: ModelVerdict,
}

/// Counters of one interval, saturated the way the crate reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub allowed: u32,
    pub blocked: u32,
    pub successes: u32,
    /// Reported failures, plus abandoned permits under the as-failure policy.
    pub failures: u32,
    pub abandoned: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelVerdict {
    Healthy,
    Failing,
    ShutOff,
}

/// Reason the model rejects an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelReason {
    Throttled,
    FullyClosed,
    ShutOff,
}

#[derive(Clone, Debug)]
pub struct Model {
    interval: u64,
    allowed_failure_percent: u64,
    abandon_as_failure: bool,
    flow: i64,
    closing: bool,
    step: i64,
    allowed: u64,
    blocked: u64,
    successes: u64,
    failures: u64,
    abandoned: u64,
    start: u64,
    seq: u64,
    shut: bool,
}

impl Model {
    pub fn new(interval: u64, allowed_failure_percent: u8, abandon_as_failure: bool) -> Model {
        Model {
            interval,
            allowed_failure_percent: u64::from(allowed_failure_percent),
            abandon_as_failure,
            flow: 100,
            closing: false,
            step: 0,
            allowed: 0,
            blocked: 0,
            successes: 0,
            failures: 0,
            abandoned: 0,
            start: 0,
            seq: 0,
            shut: false,
        }
    }

    /// Decides attempt `allowed + blocked` of the interval by the ratio test.
    pub fn attempt(&mut self) -> Result<(), ModelReason> {
        let k = u128::from(self.allowed + self.blocked);
        let decision = if self.shut {
            Err(ModelReason::ShutOff)
        } else if self.flow == 0 {
            Err(ModelReason::FullyClosed)
        } else if self.flow == 100
            || k == 0
            || 100 * u128::from(self.allowed) < self.flow as u128 * k
        {
            Ok(())
        } else {
            Err(ModelReason::Throttled)
        };
        if decision.is_ok() {
            self.allowed += 1;
        } else {
            self.blocked += 1;
        }
        decision
    }

    pub fn success(&mut self) {
        self.successes += 1;
    }

    pub fn failure(&mut self) {
        self.failures += 1;
    }

    pub fn abandon(&mut self) {
        self.abandoned += 1;
    }

    pub fn shut_off(&mut self) {
        self.shut = true;
        self.closing = true;
    }

    pub fn is_shut(&self) -> bool {
        self.shut
    }

    /// Flow rate callers see: 0 once shut off.
    pub fn flow(&self) -> u8 {
        if self.shut {
            0
        } else {
            self.flow as u8
        }
    }

    pub fn closing(&self) -> bool {
        self.closing
    }

    /// Counters of the current interval as a snapshot reports them.
    pub fn counts(&self) -> Counts {
        let judged = if self.abandon_as_failure {
            self.failures + self.abandoned
        } else {
            self.failures
        };
        Counts {
            allowed: cap(self.allowed),
            blocked: cap(self.blocked),
            successes: cap(self.successes),
            failures: cap(judged),
            abandoned: cap(self.abandoned),
        }
    }

    /// Applies `tick(now)`: closes the interval if at least one interval has
    /// passed since its start, restarts it at `now` if `now` is more than one
    /// interval before its start, and otherwise does nothing.
    pub fn tick(&mut self, now: u64) -> Option<Close> {
        let (now, start, interval) = (
            u128::from(now),
            u128::from(self.start),
            u128::from(self.interval),
        );
        if now >= start + interval {
            let boundary = start + (now - start) / interval * interval;
            return Some(self.close(boundary as u64));
        }
        if now + interval < start {
            self.start = now as u64;
        }
        None
    }

    fn close(&mut self, boundary: u64) -> Close {
        let counts = self.counts();
        let successes = u64::from(counts.successes);
        let failures = u64::from(counts.failures);
        // No outcomes: a failure rate of 0.
        let failure_rate = (failures * 100)
            .checked_div(successes + failures)
            .unwrap_or(0);
        let closed_flow = self.flow();
        let closed_closing = self.closing;

        let verdict = if self.shut {
            ModelVerdict::ShutOff
        } else if failure_rate > self.allowed_failure_percent {
            self.closing = true;
            if self.flow > 0 {
                let movement = self.step.min(-1);
                self.flow = (self.flow + movement).clamp(0, 100);
                self.step = (movement * 2).clamp(-128, 128);
            }
            ModelVerdict::Failing
        } else {
            self.closing = false;
            if self.flow < 100 {
                let movement = self.step.max(1);
                self.flow = (self.flow + movement).clamp(0, 100);
                self.step = (movement * 2).clamp(-128, 128);
            }
            ModelVerdict::Healthy
        };

        self.seq += 1;
        let close = Close {
            seq: self.seq,
            start: self.start,
            end: boundary,
            counts,
            closed_flow,
            closed_closing,
            flow: self.flow(),
            closing: self.closing,
            failure_rate: failure_rate as u8,
            verdict,
        };
        self.allowed = 0;
        self.blocked = 0;
        self.successes = 0;
        self.failures = 0;
        self.abandoned = 0;
        self.start = boundary;
        close
    }
}

fn cap(count: u64) -> u32 {
    count.min(COUNT_MAX) as u32
}
