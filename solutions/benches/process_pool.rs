//! Process pool: one task's round trip against a raw pipe ping-pong, many small
//! tasks batched and one by one, and procspawn's pool.
//!
//! Run with `cargo bench -p solutions --bench process_pool`; `cargo course
//! bench` measures the same scenarios side by side with Python (the scenarios
//! are in `common/mod.rs`).

mod common;

fn main() {
    common::criterion_main(&[("pool", 10)]);
}
