//! Spawn cost: a thread, a scoped thread, a process (`/bin/true` and the ex02
//! worker).
//!
//! Run with `cargo bench -p solutions --bench spawn`; `cargo course bench`
//! measures the same scenarios side by side with Python (the scenarios are in
//! `common/mod.rs`).

mod common;

fn main() {
    common::criterion_main(&[("spawn", 20)]);
}
