"""Question 8 as notebook B timed it: squares of 1..=10 on `multiprocessing.Pool` of 2, 4, 8
processes, the whole `with Pool(...)` block timed (start-up, map, shutdown); and a heavy
variant, 8 items of 10 to 20 ms of pure-Python CPU each (a xorshift loop, like the Rust
`spin`)."""

import multiprocessing as mp

from harness import measure, parse_args

HEAVY_ITEMS = 8
# Iterations of the Python loop for 10 to 20 ms per item (CPython 3.11; machines differ).
HEAVY_SPIN = 40_000
MASK = (1 << 64) - 1
# Notebook B ran on Linux with Python's default start method of its day, "fork". Python 3.14
# made "forkserver" the default on Linux, so the method is named here: the numbers then mean
# the same thing on every Python version.
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


def squares_on_pool(size):
    with FORK.Pool(processes=size) as pool:
        results = pool.map(square, range(1, 11))
    assert results[9] == 100


def heavy_on_pool(size):
    with FORK.Pool(processes=size) as pool:
        results = pool.map(spin, [HEAVY_SPIN + i for i in range(HEAVY_ITEMS)])
    assert len(results) == HEAVY_ITEMS


def heavy_sequential():
    results = [spin(HEAVY_SPIN + i) for i in range(HEAVY_ITEMS)]
    assert len(results) == HEAVY_ITEMS


def main():
    args = parse_args()
    for size in (2, 4, 8):
        measure(f"q8/python/{size}", lambda: squares_on_pool(size), args.samples, args.target_ms)
    measure("heavy/python_sequential", heavy_sequential, args.samples, args.target_ms)
    for size in (2, 4, 8):
        measure(f"heavy/python/{size}", lambda: heavy_on_pool(size), args.samples, args.target_ms)


if __name__ == "__main__":
    main()
