//! Overload behaviour of the demo's service, shared by the simulated service
//! and the HTTP one.
//!
//! The service works in slices of [`SLICE_MS`] milliseconds. In each slice it
//! has a budget of work equal to its capacity for that slice. A request that
//! finds enough budget left is served (HTTP 200). A request that arrives after
//! the slice's budget is spent is turned away at once (HTTP 503).
//!
//! Turning a request away is cheaper than serving it, but not free: the
//! service still accepts the connection, parses the request, checks it and
//! logs the rejection. Here a rejection costs [`REJECT_COST`] of the work of
//! serving a request. Work beyond the budget of one slice is carried into
//! the next one (at most one slice's worth), so that a flood of rejections
//! eats into the capacity left for real work. Under a load well above
//! capacity, a service without protection therefore serves *less* than its
//! capacity: with `offered` requests a second and capacity `c`, it serves
//! `s` where `s + (offered - s) * REJECT_COST = c`.

/// Length of one budget slice in milliseconds.
pub const SLICE_MS: u64 = 100;

/// Work units of serving one request; the budget is counted in these units.
const SERVE_UNITS: u64 = 10;
/// Work units of turning one request away.
const REJECT_UNITS: u64 = 1;

/// Share of a served request's work that a rejection costs, as
/// `(numerator, denominator)`: one tenth.
pub const REJECT_COST: (u64, u64) = (REJECT_UNITS, SERVE_UNITS);

/// Answer of the service to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    /// Served: HTTP 200.
    Served,
    /// Turned away because the slice's budget was spent: HTTP 503.
    Overloaded,
}

/// The budget state of one service instance.
#[derive(Clone, Debug, Default)]
pub struct Service {
    /// Index of the current slice (`t / SLICE_MS`).
    slice: u64,
    /// Work units spent in the current slice, including carried work.
    spent: u64,
    /// Budget of the current slice in work units.
    budget: u64,
}

impl Service {
    /// Creates a service whose first slice starts at time 0 with nothing
    /// spent.
    pub fn new() -> Service {
        Service::default()
    }

    /// Handles one request arriving at `t` milliseconds while the service's
    /// capacity is `capacity` requests per second.
    pub fn handle(&mut self, t: u64, capacity: u32) -> Response {
        self.advance(t);

        // The budget follows the capacity as it changes inside a slice.
        self.budget = u64::from(capacity) * SLICE_MS * SERVE_UNITS / 1000;

        if self.spent + SERVE_UNITS <= self.budget {
            self.spent += SERVE_UNITS;
            Response::Served
        } else {
            self.spent += REJECT_UNITS;
            Response::Overloaded
        }
    }

    /// Moves to the slice that contains `t`, carrying at most one slice of
    /// unfinished work into it. Earlier times stay in the current slice.
    fn advance(&mut self, t: u64) {
        let slice = t / SLICE_MS;
        if slice <= self.slice {
            return;
        }
        let carried = if slice == self.slice + 1 {
            self.spent.saturating_sub(self.budget).min(self.budget)
        } else {
            // A whole idle slice in between finished the backlog.
            0
        };
        self.slice = slice;
        self.spent = carried;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `per_slice` requests evenly spread over each of `slices` slices
    /// and counts the served ones.
    fn served(capacity: u32, per_slice: u64, slices: u64) -> u64 {
        let mut service = Service::new();
        let mut served = 0;
        for slice in 0..slices {
            for i in 0..per_slice {
                let t = slice * SLICE_MS + i * SLICE_MS / per_slice;
                if service.handle(t, capacity) == Response::Served {
                    served += 1;
                }
            }
        }
        served
    }

    #[test]
    fn load_within_capacity_is_all_served() {
        // 300/s is 30 per slice.
        assert_eq!(served(300, 30, 10), 300);
        assert_eq!(served(300, 20, 10), 200);
    }

    #[test]
    fn first_arrivals_of_a_slice_are_served() {
        let mut service = Service::new();
        let answers: Vec<Response> = (0..5).map(|i| service.handle(i, 30)).collect();
        // 30/s is 3 per 100 ms slice.
        assert_eq!(
            answers,
            [
                Response::Served,
                Response::Served,
                Response::Served,
                Response::Overloaded,
                Response::Overloaded,
            ]
        );
        // The next slice starts with the two rejections' work carried over:
        // 2 units of a 30-unit budget, so two requests fit, not three.
        let next: Vec<Response> = (100..104).map(|t| service.handle(t, 30)).collect();
        assert_eq!(
            next,
            [
                Response::Served,
                Response::Served,
                Response::Overloaded,
                Response::Overloaded,
            ]
        );
    }

    #[test]
    fn overload_serves_less_than_capacity() {
        // 75 per slice against a capacity of 30 per slice. The steady state
        // solves s + (75 - s) / 10 = 30, so s = 25.
        let total = served(300, 75, 100);
        let per_slice = total as f64 / 100.0;
        assert!(
            (per_slice - 25.0).abs() <= 1.0,
            "served {per_slice} per slice"
        );
    }

    #[test]
    fn carried_work_is_bounded_by_one_slice() {
        let mut service = Service::new();
        // Far more rejections than the budget: 1000 in the first slice.
        for _ in 0..1_000 {
            service.handle(0, 300);
        }
        // The next slice starts with a full slice of carried work, so nothing
        // fits in it.
        assert_eq!(service.handle(100, 300), Response::Overloaded);
        // Slice 2 gets no request. An idle slice finishes the backlog, so
        // slice 3 starts with nothing spent.
        assert_eq!(service.handle(300, 300), Response::Served);
    }

    #[test]
    fn capacity_change_applies_within_a_slice() {
        let mut service = Service::new();
        assert_eq!(service.handle(0, 10), Response::Served);
        assert_eq!(service.handle(1, 10), Response::Overloaded);
        // The autoscaler adds capacity mid-slice.
        assert_eq!(service.handle(2, 100), Response::Served);
    }

    #[test]
    fn earlier_time_stays_in_current_slice() {
        let mut service = Service::new();
        assert_eq!(service.handle(250, 10), Response::Served);
        assert_eq!(service.handle(120, 10), Response::Overloaded);
    }
}
