"""Question 7: factorials on a `concurrent.futures.ThreadPoolExecutor` (pool start-up and
shutdown included), for 1..=10 and for four big numbers (20000..20003), against a plain loop.
`math.factorial` is C code that holds the GIL, so the threads cannot run it in parallel."""

import math
from concurrent.futures import ThreadPoolExecutor

from harness import measure, parse_args

SMALL = list(range(1, 11))
BIG = [20_000, 20_001, 20_002, 20_003]


def on_pool(workers, numbers):
    with ThreadPoolExecutor(max_workers=workers) as executor:
        results = list(executor.map(math.factorial, numbers))
    assert len(results) == len(numbers)


def sequential(numbers):
    results = [math.factorial(n) for n in numbers]
    assert len(results) == len(numbers)


def main():
    args = parse_args()
    measure("fact/small/python_sequential", lambda: sequential(SMALL), args.samples, args.target_ms)
    measure("fact/small/python_pool_2", lambda: on_pool(2, SMALL), args.samples, args.target_ms)
    measure("fact/big/python_sequential", lambda: sequential(BIG), args.samples, args.target_ms)
    for workers in (1, 2, 4):
        measure(f"fact/big/python_pool_{workers}", lambda: on_pool(workers, BIG), args.samples, args.target_ms)


if __name__ == "__main__":
    main()
