"""Question 8 as notebook B timed it: squares of 1..=10 on `multiprocessing.Pool` of 2, 4, 8
processes, the whole `with Pool(...)` block timed (start-up, map, shutdown), under each of
Python's three start methods; and a heavy variant, 8 items of pure-Python CPU work each (a
xorshift loop, like the Rust `spin`), on the `fork` pool.

Start methods (https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods):
- `fork`: each worker is an `os.fork()` of this interpreter. Notebook B's numbers mean this
  one: its workers found a `square` defined in the notebook's `__main__`, which `spawn` cannot
  do. It was the default on Linux until Python 3.13.
- `forkserver`: a server process, started once per program (by the first pool, here the
  warm-up call), forks each worker from itself. The default on Linux since Python 3.14.
- `spawn`: each worker is a fresh interpreter that re-imports this module. The default on
  Windows, and on macOS since Python 3.8.
Each pool names its method explicitly, so the numbers mean the same on every Python version.
"""

import multiprocessing as mp

from harness import measure, measure_in_turns, parse_args

SIZES = (2, 4, 8)
START_METHODS = ("fork", "forkserver", "spawn")
HEAVY_ITEMS = 8
# Rounds of the Python loop per heavy item. The Rust side spins 10^7 rounds per item; CPython
# does about 1/250 of that work in the same time (10 to 20 ms per item on CPython 3.11), so
# Python's items are sized to take about as long as Rust's, not to do the same work. The book's
# table says so beside the Python rows.
HEAVY_SPIN = 40_000
MASK = (1 << 64) - 1
FORK = mp.get_context("fork")


def square(n):
    return n * n


def spin(iterations):
    x = 0x9E3779B97F4A7C15
    for _ in range(iterations):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
    return x


def squares_on_pool(ctx, size):
    with ctx.Pool(processes=size) as pool:
        results = pool.map(square, range(1, 11))
    assert results[9] == 100


def heavy_on_pool(size):
    with FORK.Pool(processes=size) as pool:
        results = pool.map(spin, [HEAVY_SPIN + i for i in range(HEAVY_ITEMS)])
    assert len(results) == HEAVY_ITEMS


def heavy_sequential():
    results = [spin(HEAVY_SPIN + i) for i in range(HEAVY_ITEMS)]
    assert len(results) == HEAVY_ITEMS


def start_method_scenarios():
    """(name, op) for every start method and pool size, e.g. `q8/python_spawn/4`."""
    scenarios = []
    for method in START_METHODS:
        ctx = mp.get_context(method)
        for size in SIZES:
            op = lambda ctx=ctx, size=size: squares_on_pool(ctx, size)  # noqa: E731
            scenarios.append((f"q8/python_{method}/{size}", op))
    return scenarios


def main():
    args = parse_args()
    measure_in_turns(start_method_scenarios(), args.samples, args.target_ms)
    measure("heavy/python_sequential", heavy_sequential, args.samples, args.target_ms)
    for size in SIZES:
        measure(f"heavy/python/{size}", lambda: heavy_on_pool(size), args.samples, args.target_ms)


if __name__ == "__main__":
    main()
