//! Factorials: rayon, the hand-built pool, a thread per task and a plain loop,
//! for 1..=10 and for big integers.
//!
//! Run with `cargo bench -p solutions --bench factorials`; `cargo course bench`
//! measures the same scenarios side by side with Python (the scenarios are in
//! `common/mod.rs`).

mod common;

fn main() {
    common::criterion_main(&[("fact", 10)]);
}
