//! The parts of the nozzle demos that deserve tests: the scripted story, the
//! overloaded service, a classic circuit breaker, and the simulation.

pub mod breaker;
pub mod chart;
pub mod script;
pub mod service;
pub mod settings;
pub mod sim;
pub mod timeline;
