"""Question 8 as notebook B timed it: squares of 1..=10 on `multiprocessing.Pool` of 2, 4, 8
processes, the whole `with Pool(...)` block timed (start-up, map, shutdown); and a heavy
variant, 8 items of about 10 ms of pure-Python CPU each (a xorshift loop, like the Rust
`spin`)."""

import multiprocessing as mp

from harness import measure, parse_args

HEAVY_ITEMS = 8
# Iterations of the Python loop for about 10 ms per item (CPython 3.11, this machine).
HEAVY_SPIN = 40_000
MASK = (1 << 64) - 1


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
    with mp.Pool(processes=size) as pool:
        results = pool.map(square, range(1, 11))
    assert results[9] == 100


def heavy_on_pool(size):
    with mp.Pool(processes=size) as pool:
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
