//! Process pool: one task's round trip against a raw pipe ping-pong, many small tasks
//! batched and one by one, and procspawn's pool.
//!
//! Run with `cargo bench -p solutions --bench process_pool`; `cargo course bench` measures the
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
    common::criterion_group(&mut c, "pool", 10);
    c.final_summary();
}
