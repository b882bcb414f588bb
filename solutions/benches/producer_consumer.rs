//! Producer/consumer throughput, 10^6 items: locked lists, the bounded buffer,
//! std and crossbeam channels.
//!
//! Run with `cargo bench -p solutions --bench producer_consumer`; `cargo course
//! bench` measures the same scenarios side by side with Python (the scenarios
//! are in `common/mod.rs`).

mod common;

fn main() {
    common::criterion_main(&[("pc", 10)]);
}
