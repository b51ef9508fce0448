//! Per-bucket request counts of each client, and the summary drawn from
//! them. The simulation and the HTTP demo both fill a [`Timeline`].

use core::fmt;

use crate::script::{Phase, Script};

/// The three clients compared side by side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    /// Sends every offered request.
    Unprotected,
    /// Sends requests through a classic circuit breaker.
    Breaker,
    /// Sends requests through a nozzle.
    Nozzle,
}

impl Client {
    /// The clients in table and chart order.
    pub const ALL: [Client; 3] = [Client::Unprotected, Client::Breaker, Client::Nozzle];

    /// Returns the client's position in [`Client::ALL`].
    pub fn index(self) -> usize {
        match self {
            Client::Unprotected => 0,
            Client::Breaker => 1,
            Client::Nozzle => 2,
        }
    }

    /// Returns the client's name in tables and chart legends.
    pub fn name(self) -> &'static str {
        match self {
            Client::Unprotected => "no protection",
            Client::Breaker => "circuit breaker",
            Client::Nozzle => "nozzle",
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Request counts of one client over some stretch of time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Requests the load generator offered to the client.
    pub offered: u64,
    /// Requests the client sent to its service.
    pub sent: u64,
    /// Sent requests answered with success.
    pub served: u64,
    /// Sent requests that failed: an overloaded answer, a timeout or a
    /// connection error.
    pub failed: u64,
    /// Requests the client's breaker or nozzle rejected without sending them.
    pub shed: u64,
}

impl Tally {
    /// Adds another tally's counts to this one.
    pub fn add(&mut self, other: &Tally) {
        self.offered += other.offered;
        self.sent += other.sent;
        self.served += other.served;
        self.failed += other.failed;
        self.shed += other.shed;
    }

    /// Returns the counts accumulated since `earlier`, a previous reading of
    /// the same running totals.
    pub fn since(&self, earlier: &Tally) -> Tally {
        Tally {
            offered: self.offered.saturating_sub(earlier.offered),
            sent: self.sent.saturating_sub(earlier.sent),
            served: self.served.saturating_sub(earlier.served),
            failed: self.failed.saturating_sub(earlier.failed),
            shed: self.shed.saturating_sub(earlier.shed),
        }
    }
}

/// Counts of every client over one stretch of `bucket_ms` milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// Start of the bucket in milliseconds from the start of the run.
    pub start_ms: u64,
    /// Counts per client, in [`Client::ALL`] order.
    pub tallies: [Tally; 3],
    /// The nozzle's flow rate at the end of the bucket, in percent.
    pub nozzle_flow: u8,
}

/// Per-bucket counts of a whole run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// The story the run played.
    pub script: Script,
    /// Bucket length in milliseconds.
    pub bucket_ms: u64,
    /// Buckets in time order, the first starting at 0.
    pub buckets: Vec<Bucket>,
}

/// Share of what the service can serve that a client must get served over a
/// [`RECOVERY_WINDOW_MS`] window to count as running at full throughput, in
/// percent.
pub const RECOVERED_PERCENT: u64 = 95;
/// Window over which recovery is judged, in milliseconds.
pub const RECOVERY_WINDOW_MS: u64 = 1_000;

/// Totals of one client over a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The client.
    pub client: Client,
    /// Counts over the whole run.
    pub total: Tally,
    /// Counts from the start of the surge to the end of the surge load.
    pub surge: Tally,
    /// Time from the start of the surge until the client gets served
    /// [`RECOVERED_PERCENT`] of what the service can serve (the offered
    /// requests or the capacity, whichever is lower) over a
    /// [`RECOVERY_WINDOW_MS`] window; `None` if that never happens while the
    /// surge load lasts.
    pub recovery_ms: Option<u64>,
}

impl Timeline {
    /// Creates an empty timeline.
    pub fn new(script: Script, bucket_ms: u64) -> Timeline {
        Timeline {
            script,
            bucket_ms,
            buckets: Vec::new(),
        }
    }

    /// Returns the summary of each client, in [`Client::ALL`] order.
    pub fn summaries(&self) -> [Summary; 3] {
        Client::ALL.map(|client| self.summary(client))
    }

    /// Returns the summary of one client.
    pub fn summary(&self, client: Client) -> Summary {
        let i = client.index();
        let mut total = Tally::default();
        let mut surge = Tally::default();
        for bucket in &self.buckets {
            total.add(&bucket.tallies[i]);
            if self.in_surge(bucket.start_ms) {
                surge.add(&bucket.tallies[i]);
            }
        }
        Summary {
            client,
            total,
            surge,
            recovery_ms: self.recovery_ms(i),
        }
    }

    /// Returns true when a bucket starting at `start_ms` lies in the surge
    /// load, from its start to the return to normal load.
    pub fn in_surge(&self, start_ms: u64) -> bool {
        start_ms >= self.script.surge_starts() && self.script.phase(start_ms) != Phase::Normal
    }

    /// Returns the requests the service could have served in `bucket`: the
    /// offered requests, or the capacity over the bucket if that is lower.
    pub fn servable(&self, bucket: &Bucket) -> u64 {
        let end = bucket.start_ms + self.bucket_ms;
        let capacity_ms: u64 = (bucket.start_ms..end)
            .map(|t| u64::from(self.script.capacity(t)))
            .sum();
        bucket.tallies[0].offered.min(capacity_ms / 1000)
    }

    fn recovery_ms(&self, client: usize) -> Option<u64> {
        let surge = self.script.surge_starts();
        let window = usize::try_from(RECOVERY_WINDOW_MS.div_ceil(self.bucket_ms)).ok()?;
        let first = self.buckets.iter().position(|b| b.start_ms >= surge)?;

        for start in first..self.buckets.len() {
            let stretch = self.buckets.get(start..start + window)?;
            if stretch.iter().any(|b| !self.in_surge(b.start_ms)) {
                return None;
            }
            let served: u64 = stretch.iter().map(|b| b.tallies[client].served).sum();
            let servable: u64 = stretch.iter().map(|b| self.servable(b)).sum();
            if served * 100 >= servable * RECOVERED_PERCENT {
                return Some(stretch[0].start_ms - surge);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a 20 s timeline in 200 ms buckets, offered the script's
    /// requests, in which each client gets served `percent(client, start_ms)` of what
    /// the service can serve.
    fn timeline(percent: impl Fn(usize, u64) -> u64) -> Timeline {
        let script = Script::new(20_000).unwrap();
        let mut timeline = Timeline::new(script, 200);
        for start_ms in (0..20_000).step_by(200) {
            let offered = script.offered_until(start_ms + 200) - script.offered_until(start_ms);
            let capacity = u64::from(script.capacity(start_ms)) / 5;
            let tallies = [0, 1, 2].map(|client| {
                let served = offered.min(capacity) * percent(client, start_ms) / 100;
                Tally {
                    offered,
                    sent: offered,
                    served,
                    failed: offered - served,
                    shed: 0,
                }
            });
            timeline.buckets.push(Bucket {
                start_ms,
                tallies,
                nozzle_flow: 100,
            });
        }
        timeline
    }

    #[test]
    fn tally_since_subtracts_running_totals() {
        let earlier = Tally {
            offered: 10,
            sent: 8,
            served: 5,
            failed: 3,
            shed: 2,
        };
        let later = Tally {
            offered: 25,
            sent: 20,
            served: 14,
            failed: 6,
            shed: 5,
        };
        let delta = later.since(&earlier);
        assert_eq!(
            delta,
            Tally {
                offered: 15,
                sent: 12,
                served: 9,
                failed: 3,
                shed: 3
            }
        );
        let mut sum = earlier;
        sum.add(&delta);
        assert_eq!(sum, later);
    }

    #[test]
    fn surge_totals_cover_surge_buckets_only() {
        // The surge load runs from 3 s to 17 s: 70 buckets of 200 ms, each
        // offered 150 requests.
        let t = timeline(|_, _| 100);
        let summary = t.summary(Client::Nozzle);
        assert_eq!(summary.total.offered, 30 * 40 + 70 * 150);
        assert_eq!(summary.surge.offered, 70 * 150);
    }

    #[test]
    fn servable_is_capacity_or_offered() {
        let t = timeline(|_, _| 100);
        // Steady: 40 offered, capacity 60 per bucket.
        assert_eq!(t.servable(&t.buckets[0]), 40);
        // Surge: 150 offered, capacity 60 per bucket.
        assert_eq!(t.servable(&t.buckets[20]), 60);
        // Scale-up at 9 s: capacity 500/s, 100 per bucket.
        assert_eq!(t.servable(&t.buckets[45]), 100);
    }

    #[test]
    fn servable_integrates_capacity_inside_a_bucket() {
        // In a 6 s run the autoscaler steps every 300 ms, inside buckets:
        // from 2400 ms the capacity is 400/s, from 2700 ms 500/s.
        let script = Script::new(6_000).unwrap();
        let t = Timeline::new(script, 200);
        let bucket = Bucket {
            start_ms: 2_600,
            tallies: [Tally {
                offered: 1_000,
                ..Tally::default()
            }; 3],
            nozzle_flow: 100,
        };
        // 100 ms at 400/s and 100 ms at 500/s.
        assert_eq!(t.servable(&bucket), 40 + 50);
    }

    #[test]
    fn recovery_counts_from_surge_start() {
        // Client 0 gets everything servable; client 1 half of it until 5 s;
        // client 2 never more than half before the surge ends at 17 s.
        let t = timeline(|client, start| match client {
            0 => 100,
            1 if start < 5_000 => 50,
            1 => 100,
            _ if start < 17_000 => 50,
            _ => 100,
        });
        let [a, b, c] = t.summaries();
        assert_eq!(a.recovery_ms, Some(0));
        assert_eq!(b.recovery_ms, Some(2_000));
        assert_eq!(c.recovery_ms, None);
    }

    #[test]
    fn recovery_window_may_straddle_partial_service() {
        // 95 % over five buckets: 100, 100, 100, 100, 80 (96 %) counts.
        // 100, 100, 100, 90, 80 (94 %) does not, nor does any window with
        // both the 90 and the 80; the first one that holds only the 80
        // counts, at 6.8 s.
        let t = timeline(|client, start| match (client, start) {
            (1, 6_000..=6_600) => 100,
            (1, 6_800) => 80,
            (1, 7_000..) => 100,
            (1, _) => 0,
            (2, 6_000..=6_400) => 100,
            (2, 6_600) => 90,
            (2, 6_800) => 80,
            (2, 7_000..) => 100,
            (2, _) => 0,
            _ => 100,
        });
        assert_eq!(t.summary(Client::Breaker).recovery_ms, Some(3_000));
        assert_eq!(t.summary(Client::Nozzle).recovery_ms, Some(3_800));
    }
}
