//! Loom models of the `nozzle` crate's concurrency invariants live in `tests/`.
//! Build and run them with `RUSTFLAGS="--cfg loom" cargo test -p nozzle-loom-tests --release`.
