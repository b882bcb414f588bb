"""Timing helper shared by the Python benchmarks (standard library only).

Every benchmark script takes `--samples K` and `--target-ms T` and prints one line per
scenario: `NAME NS NS ...`, nanoseconds per operation, one number per sample, the same format
as the Rust runner (`solutions/benches/side_by_side.rs`), so that `cargo course bench` can
put both side by side.
"""

import argparse
import time


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--target-ms", type=float, default=20.0)
    return parser.parse_args()


def measure(name, op, samples, target_ms, per=1):
    """Calibrates how many calls of `op` fill `target_ms`, then prints `samples` means
    (divided by `per`, for a result per item when one call moves `per` items)."""
    start = time.perf_counter_ns()
    op()  # also the warm-up
    once = max(time.perf_counter_ns() - start, 1)
    iters = max(1, min(1_000_000, int(target_ms * 1e6 // once)))
    times = []
    for _ in range(samples):
        start = time.perf_counter_ns()
        for _ in range(iters):
            op()
        times.append((time.perf_counter_ns() - start) // (iters * per))
    print(name, *times, flush=True)
