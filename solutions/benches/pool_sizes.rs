//! Question 8: squares of 1..=10 on pools of 2, 4, 8 processes (start-up and
//! shutdown included), the `/bin/true` floor, procspawn's pool, and the heavy
//! variant.
//!
//! Run with `cargo bench -p solutions --bench pool_sizes`; `cargo course bench`
//! measures the same scenarios side by side with Python (the scenarios are in
//! `common/mod.rs`).

mod common;

fn main() {
    common::criterion_main(&[("q8", 10), ("heavy", 10), ("sweep", 10)]);
}
