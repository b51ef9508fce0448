//! The smallest model: two threads tick the same due interval; exactly one
//! closes it and the flow moves one step.

#![cfg(loom)]

use loom::sync::Arc;
use loom::thread;
use nozzle::{Config, Nozzle};

#[test]
fn concurrent_ticks_close_once() {
    loom::model(|| {
        let nozzle = Arc::new(Nozzle::new(Config::new(10)).unwrap());
        nozzle.try_acquire().unwrap().failure();
        let other = Arc::clone(&nozzle);
        let handle = thread::spawn(move || other.tick(10).is_some());
        let here = nozzle.tick(10).is_some();
        let there = handle.join().unwrap();
        assert!(here ^ there, "exactly one tick closes the interval");
        assert_eq!(nozzle.flow_rate(), 99);
    });
}
