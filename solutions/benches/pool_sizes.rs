//! Question 8: squares of 1..=10 on pools of 2, 4, 8 processes (start-up and shutdown
//! included), the `/bin/true` floor, procspawn's pool, and the heavy variant.
//!
//! Run with `cargo bench -p solutions --bench pool_sizes`; `cargo course bench` measures the
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
    common::criterion_group(&mut c, "q8", 10);
    common::criterion_group(&mut c, "heavy", 10);
    common::criterion_group(&mut c, "sweep", 10);
    c.final_summary();
}
