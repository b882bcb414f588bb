"""Question 7: factorials on a `concurrent.futures.ThreadPoolExecutor` (pool start-up and
shutdown included), for 1..=10 and for four big numbers (20000..20003), against a plain loop.

The factorial is the same algorithm as the Rust side's `factorial_big`: one running product,
multiplied by 2, 3, ..., n in turn. Python's own `math.factorial` is measured once more, beside
it, because it is a different algorithm (divide and conquer, in C) and much faster; the book's
table says so beside that row. The loop's multiplications run in C but the loop itself is
bytecode, and either way a thread holds the GIL while it runs, so the threads cannot run it in
parallel (in the standard build of CPython)."""

import math
from concurrent.futures import ThreadPoolExecutor

from harness import measure, parse_args

SMALL = list(range(1, 11))
BIG = [20_000, 20_001, 20_002, 20_003]


def factorial(n):
    """n!, one multiplication per factor, like the Rust `factorial_big`."""
    product = 1
    for k in range(2, n + 1):
        product *= k
    return product


def on_pool(workers, numbers):
    with ThreadPoolExecutor(max_workers=workers) as executor:
        results = list(executor.map(factorial, numbers))
    assert len(results) == len(numbers)


def sequential(numbers, function=factorial):
    results = [function(n) for n in numbers]
    assert len(results) == len(numbers)


def main():
    args = parse_args()
    assert factorial(25) == math.factorial(25)
    measure("fact/small/python_sequential", lambda: sequential(SMALL), args.samples, args.target_ms)
    measure("fact/small/python_pool_2", lambda: on_pool(2, SMALL), args.samples, args.target_ms)
    measure("fact/big/python_sequential", lambda: sequential(BIG), args.samples, args.target_ms)
    measure(
        "fact/big/python_math_factorial",
        lambda: sequential(BIG, math.factorial),
        args.samples,
        args.target_ms,
    )
    for workers in (1, 2, 4):
        measure(f"fact/big/python_pool_{workers}", lambda: on_pool(workers, BIG), args.samples, args.target_ms)


if __name__ == "__main__":
    main()
