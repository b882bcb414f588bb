//! Factorials: rayon, the hand-built pool, a thread per task and a plain loop, for 1..=10
//! and for big integers.
//!
//! Run with `cargo bench -p solutions --bench factorials`; `cargo course bench` measures the
//! same scenarios side by side with Python (the scenarios are in `common/mod.rs`).

mod common;

fn main() {
    // procspawn's pool re-runs this executable as its workers: this call turns such a child
    // into a worker before criterion reads the command line.
    procspawn::init();
    let mut c = criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .configure_from_args();
    common::criterion_group(&mut c, "fact", 10);
    c.final_summary();
}
