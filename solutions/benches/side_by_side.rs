//! The Rust half of `cargo course bench`: measures the scenarios of one group
//! and prints one line per scenario, `NAME NS NS ...` (nanoseconds per
//! operation, or per item where one operation moves many items, one number per
//! sample).
//!
//! `side_by_side --run GROUP --samples K [--only PART]`: GROUP is a group of
//! `bench/scenarios.txt`, whose `rust` lines it measures. Each sample runs the
//! operation enough times to last about `--target-ms` milliseconds (default 20)
//! and reports the mean of those runs; the scenarios of a group take their
//! samples in turns. Run without `--run` (as `cargo bench` does), it only says
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
            "side_by_side: run by `cargo course bench` (usage: --run GROUP \
             --samples K; groups: {})",
            common::groups().join(", ")
        );
        return;
    };
    let samples: usize =
        value("--samples").map_or(3, |s| s.parse().expect("--samples K"));
    let target = Duration::from_millis(
        value("--target-ms").map_or(20, |s| s.parse().expect("ms")),
    );
    // run just the scenarios whose name contains this
    let only = value("--only");
    let mut scenarios: Vec<common::Scenario> = common::scenarios(&group)
        .into_iter()
        .filter(|s| only.as_ref().is_none_or(|o| s.name.contains(o.as_str())))
        .collect();
    // Calibrate: one run of each (which also warms it up), then enough runs per
    // sample to fill `target`.
    let iters: Vec<u64> = scenarios
        .iter_mut()
        .map(|s| {
            let once = (s.run)(1);
            if once >= target {
                1
            } else {
                (target.as_nanos() / once.as_nanos().max(1)).clamp(1, 1_000_000)
                    as u64
            }
        })
        .collect();
    // Interleave: sample k of every scenario is taken before sample k + 1 of
    // any, starting at a different scenario each time. On a noisy machine a
    // burst of load then hits one sample of each scenario, not all samples
    // of one, and sample k of two scenarios were taken moments apart: the
    // runner's ratios pair them (`course bench` reports the median paired
    // ratio).
    let mut times: Vec<Vec<u128>> =
        vec![Vec::with_capacity(samples); scenarios.len()];
    for k in 0..samples {
        for j in 0..scenarios.len() {
            let i = (j + k) % scenarios.len();
            let s = &mut scenarios[i];
            times[i].push(
                (s.run)(iters[i]).as_nanos() / u128::from(iters[i] * s.per),
            );
        }
    }
    for (s, t) in scenarios.iter().zip(times) {
        let t: Vec<String> = t.iter().map(u128::to_string).collect();
        println!("{} {}", s.name, t.join(" "));
    }
}
