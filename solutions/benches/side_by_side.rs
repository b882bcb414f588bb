//! The Rust half of `cargo course bench`: measures the scenarios of one group and prints one
//! line per scenario, `NAME NS NS ...` (nanoseconds per operation, or per item where one
//! operation moves many items, one number per sample).
//!
//! `side_by_side --run GROUP --samples K [--only PART]` (GROUP is one of `common::GROUPS`). Each sample runs
//! the operation enough times to last about `--target-ms` milliseconds (default 20) and
//! reports the mean of those runs. Run without `--run` (as `cargo bench` does), it only says
//! how to use it.

mod common;

use std::time::Duration;

fn main() {
    procspawn::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let Some(group) = value("--run") else {
        println!(
            "side_by_side: run by `cargo course bench` (usage: --run GROUP --samples K; groups: {})",
            common::GROUPS.join(", ")
        );
        return;
    };
    let samples: usize = value("--samples").map_or(3, |s| s.parse().expect("--samples K"));
    let target = Duration::from_millis(value("--target-ms").map_or(20, |s| s.parse().expect("ms")));
    let only = value("--only"); // run just the scenarios whose name contains this
    for mut s in common::scenarios(&group) {
        if only.as_ref().is_some_and(|o| !s.name.contains(o.as_str())) {
            continue;
        }
        // Calibrate: one run (which also warms up), then enough runs per sample to fill `target`.
        let once = (s.run)(1);
        let iters = if once >= target {
            1
        } else {
            (target.as_nanos() / once.as_nanos().max(1)).clamp(1, 1_000_000) as u64
        };
        let times: Vec<String> = (0..samples)
            .map(|_| ((s.run)(iters).as_nanos() / u128::from(iters * s.per)).to_string())
            .collect();
        println!("{} {}", s.name, times.join(" "));
    }
}
