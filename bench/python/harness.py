"""Timing helper shared by the Python benchmarks (standard library only).

Every benchmark script takes `--samples K` and `--target-ms T` and prints one line per
scenario: `NAME NS NS ...`, nanoseconds per operation, one number per sample, the same format
as the Rust runner (`solutions/benches/side_by_side.rs`), so that `cargo course bench` can
put both side by side.

Every NAME must be a line of the scenario catalogue, `bench/scenarios.txt`, that names the
script measuring it as its program: `measure` and `measure_in_turns` stop with an error
otherwise, before measuring anything.
"""

import argparse
import functools
import os
import sys
import time

CATALOGUE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios.txt")


@functools.cache
def catalogue():
    """`{key: program}` of every line of `bench/scenarios.txt` (`KEY PROGRAM LABEL`)."""
    programs = {}
    with open(CATALOGUE, encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                key, program = line.split(None, 2)[:2]
                programs[key] = program
    return programs


def check_names(names):
    """Exits with an error unless every name is catalogued with this script as its program."""
    script = os.path.basename(sys.argv[0])
    programs = catalogue()
    wrong = [name for name in names if programs.get(name) != script]
    if wrong:
        sys.exit(
            f"{script}: {', '.join(wrong)}: not in bench/scenarios.txt with the program "
            f"{script}; add a line `NAME {script} LABEL` there, or fix the name"
        )


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--target-ms", type=float, default=20.0)
    return parser.parse_args()


def calibrate(op, target_ms):
    """Runs `op` once (also the warm-up) and returns how many calls fill `target_ms`."""
    start = time.perf_counter_ns()
    op()
    once = max(time.perf_counter_ns() - start, 1)
    return max(1, min(1_000_000, int(target_ms * 1e6 // once)))


def timed(op, iters, per):
    """Nanoseconds per call of `op` (per item, divided by `per`) over `iters` calls."""
    start = time.perf_counter_ns()
    for _ in range(iters):
        op()
    return (time.perf_counter_ns() - start) // (iters * per)


def measure(name, op, samples, target_ms, per=1):
    """Calibrates how many calls of `op` fill `target_ms`, then prints `samples` means
    (divided by `per`, for a result per item when one call moves `per` items)."""
    check_names([name])
    iters = calibrate(op, target_ms)
    times = [timed(op, iters, per) for _ in range(samples)]
    print(name, *times, flush=True)


def measure_in_turns(scenarios, samples, target_ms):
    """Like `measure` for several `(name, op)` scenarios, but takes their samples in turns
    (sample 1 of each, then sample 2 of each, ...), as the Rust runner does: a burst of load
    then lands on one sample of every scenario, and sample i of one scenario can be paired
    with sample i of another."""
    check_names([name for name, _ in scenarios])
    iters = [calibrate(op, target_ms) for _, op in scenarios]
    times = [[] for _ in scenarios]
    for _ in range(samples):
        for k, (_, op) in enumerate(scenarios):
            times[k].append(timed(op, iters[k], 1))
    for (name, _), values in zip(scenarios, times):
        print(name, *values, flush=True)
