//! The metrics export against a debugging recorder and the Prometheus
//! recorder, each installed for one test only.

#![cfg(all(feature = "metrics", not(loom)))]

use std::collections::HashMap;

use metrics::Unit;
use metrics_exporter_prometheus::PrometheusBuilder;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;
use nozzle::metrics::{
    Metrics, ABANDONED, ALLOWED, BLOCKED, FAILURES, FLOW_RATE, NAME_LABEL, SUCCESSES,
};
use nozzle::{Abandon, Config, Nozzle};

/// Metric values by (name, nozzle label).
type Values = HashMap<(String, String), DebugValue>;

fn values(recorder: &DebuggingRecorder) -> Values {
    let mut values = HashMap::new();
    for (key, _, _, value) in recorder.snapshotter().snapshot().into_vec() {
        let key = key.key();
        let labels: Vec<_> = key.labels().collect();
        assert_eq!(labels.len(), 1, "labels of {}: {labels:?}", key.name());
        assert_eq!(labels[0].key(), NAME_LABEL);
        let name = (key.name().to_owned(), labels[0].value().to_owned());
        assert!(values.insert(name, value).is_none());
    }
    values
}

fn counter(values: &Values, name: &str, nozzle: &str) -> u64 {
    match values.get(&(name.to_owned(), nozzle.to_owned())) {
        Some(DebugValue::Counter(count)) => *count,
        other => panic!("{name}{{nozzle={nozzle}}} is not a counter: {other:?}"),
    }
}

fn gauge(values: &Values, name: &str, nozzle: &str) -> f64 {
    match values.get(&(name.to_owned(), nozzle.to_owned())) {
        Some(DebugValue::Gauge(value)) => value.into_inner(),
        other => panic!("{name}{{nozzle={nozzle}}} is not a gauge: {other:?}"),
    }
}

/// Makes `attempts` calls, reporting admitted ones as failures when `fail` is
/// set and as successes otherwise.
fn calls(nozzle: &Nozzle, attempts: usize, fail: bool) {
    for _ in 0..attempts {
        if let Ok(permit) = nozzle.try_acquire() {
            permit.record(!fail);
        }
    }
}

#[test]
fn counters_accumulate_closed_intervals() {
    // The debugging recorder resets values when it takes a snapshot, so this
    // test takes one, after both intervals.
    let recorder = DebuggingRecorder::new();
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    let metrics = Metrics::new("payments");
    assert_eq!(metrics.name(), "payments");

    metrics::with_local_recorder(&recorder, || {
        // Interval 1 at flow 100: 10 admitted failures; closes to 99.
        calls(&nozzle, 10, true);
        metrics.record(&nozzle.tick(1_000).unwrap());

        // Interval 2 at flow 99: of attempts 0..=9 the reference rule admits
        // all but attempt 1 (100 * 1 < 99 * 1 is false). Attempt 10 is
        // admitted and its permit dropped without an outcome. Opens to 100.
        calls(&nozzle, 10, false);
        drop(nozzle.try_acquire().unwrap());
        metrics.record(&nozzle.tick(2_000).unwrap());
    });
    let values = values(&recorder);
    assert_eq!(counter(&values, ALLOWED, "payments"), 10 + 10);
    assert_eq!(counter(&values, BLOCKED, "payments"), 1);
    assert_eq!(counter(&values, SUCCESSES, "payments"), 9);
    assert_eq!(counter(&values, FAILURES, "payments"), 10);
    assert_eq!(counter(&values, ABANDONED, "payments"), 1);
    assert_eq!(gauge(&values, FLOW_RATE, "payments"), 100.0);
}

/// Returns the value of the sample whose line starts with `series` in
/// Prometheus text.
fn sample(text: &str, series: &str) -> f64 {
    let line = text
        .lines()
        .find(|line| line.split(' ').next() == Some(series))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn scraped_counters_only_grow() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    let metrics = Metrics::new("payments");
    let allowed = "nozzle_allowed_total{nozzle=\"payments\"}";
    let failures = "nozzle_failures_total{nozzle=\"payments\"}";
    let flow = "nozzle_flow_rate{nozzle=\"payments\"}";

    let mut scrapes = Vec::new();
    metrics::with_local_recorder(&recorder, || {
        for now in (1_000..=4_000).step_by(1_000) {
            calls(&nozzle, 10, true);
            metrics.record(&nozzle.tick(now).unwrap());
            let text = handle.render();
            scrapes.push((
                sample(&text, allowed),
                sample(&text, failures),
                sample(&text, flow),
            ));
        }
    });
    // Flow 100, 99, 97, 93 admit 10, 9, 9, 9 of 10 attempts; all fail.
    assert_eq!(
        scrapes,
        [
            (10.0, 10.0, 99.0),
            (19.0, 19.0, 97.0),
            (28.0, 28.0, 93.0),
            (37.0, 37.0, 85.0)
        ]
    );
}

#[test]
fn failures_include_abandoned_under_as_failure() {
    let recorder = DebuggingRecorder::new();
    let config = Config::new(1_000).on_abandon(Abandon::AsFailure);
    let nozzle = Nozzle::new(config).unwrap();
    let metrics = Metrics::new("search");
    metrics::with_local_recorder(&recorder, || {
        drop(nozzle.try_acquire().unwrap());
        nozzle.try_acquire().unwrap().success();
        metrics.record(&nozzle.tick(1_000).unwrap());
    });
    let values = values(&recorder);
    assert_eq!(counter(&values, FAILURES, "search"), 1);
    assert_eq!(counter(&values, ABANDONED, "search"), 1);
    assert_eq!(counter(&values, SUCCESSES, "search"), 1);
}

#[test]
fn nozzles_are_told_apart_by_label() {
    let recorder = DebuggingRecorder::new();
    let first = Nozzle::new(Config::new(1_000)).unwrap();
    let second = Nozzle::new(Config::new(1_000)).unwrap();
    metrics::with_local_recorder(&recorder, || {
        calls(&first, 3, false);
        calls(&second, 5, true);
        Metrics::new("first").record(&first.tick(1_000).unwrap());
        Metrics::new(String::from("second")).record(&second.tick(1_000).unwrap());
    });
    let values = values(&recorder);
    assert_eq!(counter(&values, SUCCESSES, "first"), 3);
    assert_eq!(counter(&values, FAILURES, "first"), 0);
    assert_eq!(counter(&values, SUCCESSES, "second"), 0);
    assert_eq!(counter(&values, FAILURES, "second"), 5);
    assert_eq!(gauge(&values, FLOW_RATE, "first"), 100.0);
    assert_eq!(gauge(&values, FLOW_RATE, "second"), 99.0);
}

#[test]
fn observe_reports_shut_off() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    let metrics = Metrics::new("payments");
    let flow = "nozzle_flow_rate{nozzle=\"payments\"}";
    metrics::with_local_recorder(&recorder, || {
        metrics.observe(&nozzle);
        assert_eq!(sample(&handle.render(), flow), 100.0);
        nozzle.shut_off();
        metrics.observe(&nozzle);
        assert_eq!(sample(&handle.render(), flow), 0.0);
    });
}

#[test]
fn describe_registers_units() {
    let recorder = DebuggingRecorder::new();
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    metrics::with_local_recorder(&recorder, || {
        Metrics::describe();
        Metrics::new("payments").record(&nozzle.tick(1_000).unwrap());
    });
    let snapshot = recorder.snapshotter().snapshot().into_vec();
    assert_eq!(snapshot.len(), 6);
    for (key, unit, description, _) in snapshot {
        let expected = match key.kind() {
            MetricKind::Gauge => Unit::Percent,
            MetricKind::Counter => Unit::Count,
            MetricKind::Histogram => panic!("unexpected histogram {key:?}"),
        };
        assert_eq!(unit, Some(expected), "{key:?}");
        assert!(description.is_some(), "{key:?} has no description");
    }
}

#[test]
fn prometheus_text_has_names_and_types() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let nozzle = Nozzle::new(Config::new(1_000)).unwrap();
    metrics::with_local_recorder(&recorder, || {
        Metrics::describe();
        calls(&nozzle, 4, false);
        Metrics::new("payments").record(&nozzle.tick(1_000).unwrap());
    });
    let text = handle.render();
    let expected_lines = [
        "# TYPE nozzle_flow_rate gauge",
        "nozzle_flow_rate{nozzle=\"payments\"} 100",
        "# TYPE nozzle_allowed_total counter",
        "nozzle_allowed_total{nozzle=\"payments\"} 4",
        "# TYPE nozzle_blocked_total counter",
        "nozzle_blocked_total{nozzle=\"payments\"} 0",
        "# TYPE nozzle_successes_total counter",
        "nozzle_successes_total{nozzle=\"payments\"} 4",
        "# TYPE nozzle_failures_total counter",
        "nozzle_failures_total{nozzle=\"payments\"} 0",
        "# TYPE nozzle_abandoned_total counter",
        "nozzle_abandoned_total{nozzle=\"payments\"} 0",
    ];
    for line in expected_lines {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
}
