//! Text output of the demos: progress lines, the per-second table and the
//! summary.

use std::fmt::Write as _;

use crate::load::Progress;
use crate::timeline::{Client, Summary, Tally, Timeline, RECOVERED_PERCENT, RECOVERY_WINDOW_MS};

/// Returns the two header lines above the progress lines.
pub fn progress_header() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>7} {:>8} {:>8} | {:<22} | {:<32} | nozzle",
        "", "offered", "capacity", "no protection", "circuit breaker"
    );
    let counts = format!("{:>5} {:>6} {:>4} {:>5}", "sent", "served", "shed", "fail");
    let _ = write!(
        out,
        "{:>7} {:>8} {:>8} | {counts} | {counts} {:>9} | {counts} {:>4}",
        "time", "req/s", "req/s", "breaker", "flow"
    );
    out
}

fn counts(tally: &Tally) -> String {
    format!(
        "{:>5} {:>6} {:>4} {:>5}",
        tally.sent, tally.served, tally.shed, tally.failed
    )
}

/// Returns one progress line: the counts of each client during one second.
pub fn progress_line(progress: &Progress) -> String {
    let [unprotected, breaker, nozzle] = &progress.tallies;
    let second = format!("{}-{}s", progress.second.saturating_sub(1), progress.second);
    format!(
        "{second:>7} {:>8} {:>8} | {} | {} {:>9} | {} {:>3}%",
        progress.offered_rate,
        progress.capacity,
        counts(unprotected),
        counts(breaker),
        progress.breaker.to_string(),
        counts(nozzle),
        progress.nozzle_flow,
    )
}

/// Returns a table with one row per second of `timeline`: the phase, the
/// offered rate, the capacity, and what each client served and failed.
pub fn per_second_table(timeline: &Timeline) -> String {
    let script = timeline.script;
    let per_row = (1000 / timeline.bucket_ms).max(1) as usize;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>7} {:<9} {:>7} {:>8} | {:^22} | {:^22} | {:>6}",
        "", "", "offered", "capacity", "served", "failed at service", "nozzle"
    );
    let _ = writeln!(
        out,
        "{:>7} {:<9} {:>7} {:>8} | {:>6} {:>7} {:>7} | {:>6} {:>7} {:>7} | {:>6}",
        "time",
        "phase",
        "req/s",
        "req/s",
        "none",
        "breaker",
        "nozzle",
        "none",
        "breaker",
        "nozzle",
        "flow"
    );
    for (row, buckets) in timeline.buckets.chunks(per_row).enumerate() {
        let mut sums = [Tally::default(); 3];
        for bucket in buckets {
            for (sum, tally) in sums.iter_mut().zip(&bucket.tallies) {
                sum.add(tally);
            }
        }
        let t = row as u64 * 1000;
        let flow = buckets.last().map_or(100, |bucket| bucket.nozzle_flow);
        let second = format!("{}-{}s", row, row + 1);
        let _ = writeln!(
            out,
            "{second:>7} {:<9} {:>7} {:>8} | {:>6} {:>7} {:>7} | {:>6} {:>7} {:>7} | {:>5}%",
            script.phase(t).to_string(),
            script.offered_rate(t),
            script.capacity(t),
            sums[0].served,
            sums[1].served,
            sums[2].served,
            sums[0].failed,
            sums[1].failed,
            sums[2].failed,
            flow,
        );
    }
    out
}

/// Formats milliseconds as seconds with one decimal, or two where one
/// would round.
fn seconds(ms: u64) -> String {
    let value = ms as f64 / 1000.0;
    if ms % 100 == 0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

fn recovery(summary: &Summary) -> String {
    match summary.recovery_ms {
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
        None => "not during the surge".to_owned(),
    }
}

/// Returns the summary table: each client's totals over the run and its
/// time to full throughput.
pub fn summary_table(timeline: &Timeline) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>7} {:>7} {:>7} {:>17} {:>12} {:>21}",
        "client",
        "offered",
        "sent",
        "served",
        "failed at service",
        "shed locally",
        "full throughput after"
    );
    for summary in timeline.summaries() {
        let total = summary.total;
        let _ = writeln!(
            out,
            "{:<16} {:>7} {:>7} {:>7} {:>17} {:>12} {:>21}",
            summary.client.name(),
            total.offered,
            total.sent,
            total.served,
            total.failed,
            total.shed,
            recovery(&summary),
        );
    }
    let _ = write!(
        out,
        "Full throughput: the client gets served {RECOVERED_PERCENT} % of what the service can serve\n\
         (the offered requests or its capacity, whichever is lower) over {:.0} s, counted from\n\
         the start of the surge at {} s.",
        RECOVERY_WINDOW_MS as f64 / 1000.0,
        seconds(timeline.script.surge_starts()),
    );
    out
}

/// Returns a table that compares the nozzle client of several runs of the
/// same story, one per step policy, each given with its label.
pub fn policy_table(runs: &[(&str, &Timeline)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:>7} {:>17} {:>12} {:>14} {:>21}",
        "nozzle step policy",
        "served",
        "failed at service",
        "shed locally",
        "served in surge",
        "full throughput after"
    );
    for (label, timeline) in runs {
        let summary = timeline.summary(Client::Nozzle);
        let _ = writeln!(
            out,
            "{:<28} {:>7} {:>17} {:>12} {:>14} {:>21}",
            label,
            summary.total.served,
            summary.total.failed,
            summary.total.shed,
            summary.surge.served,
            recovery(&summary),
        );
    }
    out.pop();
    out
}

/// Returns the sentence that compares what the clients served during the
/// surge.
pub fn headline(timeline: &Timeline) -> String {
    let [unprotected, breaker, nozzle] = timeline.summaries().map(|summary| summary.surge);
    // The buckets summed as the surge, which start at or after its start.
    let surge_starts = timeline
        .buckets
        .iter()
        .map(|bucket| bucket.start_ms)
        .filter(|&start| timeline.in_surge(start));
    let first = surge_starts.clone().min().unwrap_or(0);
    let end = surge_starts
        .max()
        .map_or(0, |last| last + timeline.bucket_ms);
    format!(
        "During the surge ({} s to {} s, {} requests offered to each client)\n\
         the {} served {}, the {} {} and the {} {};\n\
         they sent {}, {} and {} requests that failed.",
        seconds(first),
        seconds(end),
        nozzle.offered,
        Client::Nozzle,
        nozzle.served,
        Client::Breaker,
        breaker.served,
        "client with no protection",
        unprotected.served,
        nozzle.failed,
        breaker.failed,
        unprotected.failed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::BreakerState;
    use crate::script::Script;
    use crate::settings::Settings;
    use crate::sim::simulate;

    fn timeline() -> Timeline {
        simulate(Script::new(20_000).unwrap(), &Settings::default()).unwrap()
    }

    #[test]
    fn progress_line_lines_up_with_header() {
        let tally = Tally {
            offered: 750,
            sent: 350,
            served: 300,
            failed: 50,
            shed: 400,
        };
        let line = progress_line(&Progress {
            second: 12,
            offered_rate: 750,
            capacity: 300,
            tallies: [tally; 3],
            nozzle_flow: 47,
            breaker: BreakerState::HalfOpen,
        });
        let header = progress_header();
        let columns = header.lines().last().unwrap();
        assert_eq!(line.len(), columns.len(), "\n{columns}\n{line}");
        assert!(line.contains("half-open"), "{line}");
        assert!(line.trim_start().starts_with("11-12s"), "{line}");
        assert!(line.ends_with(" 47%"), "{line}");
        // Each separator sits under the header's separator.
        let bars = |s: &str| s.match_indices('|').map(|(i, _)| i).collect::<Vec<_>>();
        assert_eq!(bars(&line), bars(columns));
    }

    #[test]
    fn per_second_table_sums_buckets() {
        let timeline = timeline();
        let table = per_second_table(&timeline);
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(rows.len(), 20);
        // Second 5 is in the surge: five 200 ms buckets summed.
        let served: u64 = timeline.buckets[25..30]
            .iter()
            .map(|bucket| bucket.tallies[2].served)
            .sum();
        let fields: Vec<&str> = rows[5].split_whitespace().collect();
        assert_eq!(fields[0], "5-6s");
        assert_eq!(fields[1], "surge");
        assert_eq!(fields[7], served.to_string(), "{}", rows[5]);
    }

    #[test]
    fn summary_table_shows_totals() {
        let timeline = timeline();
        let table = summary_table(&timeline);
        for summary in timeline.summaries() {
            let row = table
                .lines()
                .find(|line| line.starts_with(summary.client.name()))
                .unwrap();
            let fields: Vec<&str> = row[16..].split_whitespace().collect();
            assert_eq!(fields[0], summary.total.offered.to_string());
            assert_eq!(fields[2], summary.total.served.to_string());
            assert_eq!(fields[3], summary.total.failed.to_string());
            assert_eq!(fields[4], summary.total.shed.to_string());
        }
    }

    #[test]
    fn headline_quotes_surge_totals() {
        let timeline = timeline();
        let text = headline(&timeline);
        let nozzle = timeline.summary(Client::Nozzle).surge;
        assert!(
            text.contains(&format!("nozzle served {}", nozzle.served)),
            "{text}"
        );
        assert!(text.contains("3.0 s to 17.0 s"), "{text}");
    }

    #[test]
    fn seconds_keep_quarter_seconds() {
        assert_eq!(seconds(3_000), "3.0");
        assert_eq!(seconds(750), "0.75");
        assert_eq!(seconds(17_200), "17.2");
    }

    #[test]
    fn headline_range_matches_summed_buckets() {
        // In a 5 s run the surge starts at 0.75 s, inside the 0.6 to 0.8 s
        // bucket. The surge totals start with the next bucket.
        let timeline = simulate(Script::new(5_000).unwrap(), &Settings::default()).unwrap();
        let text = headline(&timeline);
        assert!(text.contains("(0.8 s to 4.4 s,"), "{text}");
    }
}
