//! Priority classes: less important calls are shed first, and plain calls
//! behave exactly as in a plain nozzle.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::acceptance;

use nozzle::{Config, Nozzle, Priority, PriorityNozzle, Reason, Verdict, CLASSES};

/// Makes `attempts` calls of `priority`, reports failures, returns admissions.
fn fail_class(nozzle: &PriorityNozzle, priority: Priority, attempts: usize) -> usize {
    (0..attempts)
        .filter(|_| match nozzle.try_acquire_with(priority) {
            Ok(permit) => {
                permit.failure();
                true
            }
            Err(_) => false,
        })
        .count()
}

/// Makes `attempts` calls of every class in turn, reporting successes, and
/// returns the admitted count per class.
fn round_robin(nozzle: &PriorityNozzle, attempts: usize) -> [usize; CLASSES] {
    let mut admitted = [0; CLASSES];
    for _ in 0..attempts {
        for (class, priority) in Priority::ALL.iter().enumerate() {
            if let Ok(permit) = nozzle.try_acquire_with(*priority) {
                permit.success();
                admitted[class] += 1;
            }
        }
    }
    admitted
}

/// Admitted calls among `attempts` at flow `flow`, by the reference rule.
fn reference_admitted(flow: u64, attempts: u64) -> u64 {
    let mut admitted = 0;
    for k in 0..attempts {
        if flow == 100 || (flow > 0 && (k == 0 || 100 * admitted < flow * k)) {
            admitted += 1;
        }
    }
    admitted
}

#[test]
fn normal_traffic_matches_plain_nozzle() {
    let plain = Nozzle::new(Config::new(1_000)).unwrap();
    let classed = PriorityNozzle::new(Config::new(1_000)).unwrap();
    for interval in 0..acceptance::FLOW.len() {
        let mut left = [acceptance::capacity(interval); 2];
        for _ in 0..1_000 {
            let a = plain.try_acquire();
            let b = classed.try_acquire();
            assert_eq!(a.is_ok(), b.is_ok(), "interval {interval}");
            for (permit, left) in [a.ok(), b.ok()].into_iter().zip(&mut left) {
                if let Some(permit) = permit {
                    permit.record(*left > 0);
                    *left = left.saturating_sub(1);
                }
            }
        }
        let now = 1_000 * (interval as u64 + 1);
        let (a, b) = (plain.tick(now).unwrap(), classed.tick(now).unwrap());
        assert_eq!(a, b, "interval {interval}");
    }
}

#[test]
fn important_classes_are_shed_last() {
    let nozzle = PriorityNozzle::new(Config::new(1_000)).unwrap();
    // Close to 69 % with failing Normal traffic, 100 attempts per class each
    // interval so that the mix is even.
    for k in 1..=5u64 {
        round_robin_failing(&nozzle, 100);
        nozzle.tick(1_000 * k).unwrap();
    }
    assert_eq!(nozzle.flow_rate(), 69);
    // Budget: 69 % of 500 attempts = 345 = 100 + 100 + 100 + 45 + 0.
    assert_eq!(nozzle.class_flow_rates(), [100, 100, 100, 45, 0]);

    let admitted = round_robin(&nozzle, 100);
    assert_eq!(admitted[0], 100);
    assert_eq!(admitted[1], 100);
    assert_eq!(admitted[2], 100);
    assert_eq!(admitted[3] as u64, reference_admitted(45, 100));
    assert_eq!(admitted[4], 0);
    for pair in admitted.windows(2) {
        assert!(pair[0] >= pair[1], "{admitted:?}");
    }
    // Within one percentage point of 69 % of 500 attempts.
    let total: usize = admitted.iter().sum();
    assert!((340..=350).contains(&total), "{total}");
    assert_eq!(
        nozzle
            .try_acquire_with(Priority::Sheddable)
            .unwrap_err()
            .reason(),
        Reason::Shed
    );
}

fn round_robin_failing(nozzle: &PriorityNozzle, attempts: usize) {
    for _ in 0..attempts {
        for priority in Priority::ALL {
            if let Ok(permit) = nozzle.try_acquire_with(priority) {
                permit.failure();
            }
        }
    }
}

#[test]
fn uneven_mix_keeps_total_near_flow() {
    let nozzle = PriorityNozzle::new(Config::new(1_000)).unwrap();
    let mix = [20usize, 50, 300, 100, 530];
    let run = |nozzle: &PriorityNozzle, fail: bool| -> [usize; CLASSES] {
        let mut admitted = [0; CLASSES];
        for (class, &count) in mix.iter().enumerate() {
            for _ in 0..count {
                if let Ok(permit) = nozzle.try_acquire_with(Priority::ALL[class]) {
                    permit.record(!fail);
                    admitted[class] += 1;
                }
            }
        }
        admitted
    };

    for k in 1..=4u64 {
        run(&nozzle, true);
        nozzle.tick(1_000 * k).unwrap();
    }
    let flow = nozzle.flow_rate();
    assert_eq!(flow, 85);

    let admitted = run(&nozzle, false);
    let fractions: Vec<f64> = admitted
        .iter()
        .zip(mix)
        .map(|(&a, m)| a as f64 / m as f64)
        .collect();
    for pair in fractions.windows(2) {
        assert!(pair[0] >= pair[1], "{fractions:?}");
    }

    let total: usize = admitted.iter().sum();
    let attempts: usize = mix.iter().sum();
    let percent = total as f64 * 100.0 / attempts as f64;
    assert!(
        (percent - f64::from(flow)).abs() <= 1.0,
        "{percent} vs {flow}"
    );
}

#[test]
fn sheddable_only_traffic_gets_the_whole_flow() {
    // With only sheddable calls last interval, sheddable is the class at the
    // budget's edge and gets the overall rate.
    let nozzle = PriorityNozzle::new(Config::new(1_000)).unwrap();
    assert_eq!(fail_class(&nozzle, Priority::Sheddable, 10), 10);
    nozzle.tick(1_000).unwrap();
    assert_eq!(nozzle.flow_rate(), 99);
    assert_eq!(nozzle.class_flow_rates(), [100, 100, 100, 100, 99]);
}

#[test]
fn pin_and_shut_off_apply_to_every_class() {
    let nozzle = PriorityNozzle::new(Config::new(1_000)).unwrap();
    round_robin(&nozzle, 100);
    nozzle.tick(1_000).unwrap();
    nozzle.pin(40).unwrap();
    assert_eq!(nozzle.flow_rate(), 40);
    // 40 % of an even mix: two classes fully, none partly.
    assert_eq!(nozzle.class_flow_rates(), [100, 100, 0, 0, 0]);
    let transition = nozzle.tick(2_000).unwrap();
    assert_eq!(transition.verdict, Verdict::Pinned);
    nozzle.shut_off();
    for priority in Priority::ALL {
        assert_eq!(
            nozzle.try_acquire_with(priority).unwrap_err().reason(),
            Reason::ShutOff
        );
    }
}

#[test]
fn classes_racing_keep_counts_exact() {
    let nozzle = PriorityNozzle::new(Config::new(1_000)).unwrap();
    let admitted = AtomicUsize::new(0);
    let per_thread = if cfg!(miri) { 50 } else { 10_000 };
    std::thread::scope(|scope| {
        for priority in Priority::ALL {
            let (nozzle, admitted) = (&nozzle, &admitted);
            scope.spawn(move || {
                for _ in 0..per_thread {
                    if let Ok(permit) = nozzle.try_acquire_with(priority) {
                        permit.success();
                        admitted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let snapshot = nozzle.snapshot();
    assert_eq!(snapshot.allowed as usize, admitted.load(Ordering::Relaxed));
    assert_eq!(snapshot.allowed + snapshot.blocked, 5 * per_thread);
    assert_eq!(snapshot.successes, snapshot.allowed);
}

#[test]
fn priority_nozzle_offers_the_plain_methods() {
    let config = Config::new(1_000).allowed_failure_percent(30);
    let nozzle = PriorityNozzle::new(config).unwrap();
    assert_eq!(nozzle.config(), config);
    assert_eq!(nozzle.state(), nozzle::State::Opening);
    assert!(format!("{nozzle:?}").contains("class_flow_rates"));

    // call_with records the closure's result under the class's word.
    assert_eq!(nozzle.call_with(Priority::High, || Ok::<_, ()>(5)), Ok(5));
    assert_eq!(
        nozzle.call_with(Priority::Low, || Err::<(), _>("down")),
        Err(nozzle::Error::Inner("down"))
    );
    let snapshot = nozzle.snapshot();
    assert_eq!((snapshot.successes, snapshot.failures), (1, 1));

    // Settings and operator actions apply to every class.
    nozzle.set_allowed_failure_percent(100).unwrap();
    nozzle.set_interval(500).unwrap();
    assert_eq!(nozzle.config().allowed_failure_percent, 100);
    assert_eq!(nozzle.config().interval, 500);
    assert!(nozzle.set_interval(0).is_err());
    assert!(nozzle.set_allowed_failure_percent(101).is_err());
    assert!(nozzle.pin(101).is_err());

    nozzle.pin(0).unwrap();
    assert!(nozzle.is_pinned());
    assert_eq!(nozzle.class_flow_rates(), [0; CLASSES]);
    assert_eq!(
        nozzle.call_with(Priority::Critical, || Ok::<_, ()>(1)),
        Err(nozzle::Error::Rejected(
            nozzle.try_acquire_with(Priority::Critical).unwrap_err()
        ))
    );
    nozzle.resume();
    assert!(!nozzle.is_pinned());
    nozzle.reset();
    assert_eq!(nozzle.flow_rate(), 100);
    assert_eq!(nozzle.class_flow_rates(), [100; CLASSES]);
    let transition = nozzle.tick(500).unwrap();
    assert!(transition.operator);
    assert!(!nozzle.is_shut_off());
}

#[test]
fn invalid_priority_config_is_rejected() {
    let error = PriorityNozzle::new(Config::new(0)).unwrap_err();
    assert_eq!(error.field(), nozzle::Field::Interval);
}

#[test]
fn shed_reason_reads_as_a_sentence() {
    let nozzle = PriorityNozzle::new(Config::new(1_000)).unwrap();
    round_robin(&nozzle, 10);
    nozzle.tick(1_000).unwrap();
    nozzle.pin(20).unwrap();
    let rejected = nozzle.try_acquire_with(Priority::Sheddable).unwrap_err();
    assert_eq!(rejected.reason(), Reason::Shed);
    assert_eq!(
        rejected.to_string(),
        "call rejected: its priority class is shed at the current flow rate"
    );
}
