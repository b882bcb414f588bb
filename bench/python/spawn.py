"""Spawn cost in Python: a thread (start + join), a process forked by `multiprocessing`
(start + join, with the `fork` start method named explicitly: Python 3.14 made `forkserver` the
default on Linux), and `/bin/true` run by `subprocess` (start + wait)."""

import multiprocessing as mp
import subprocess
import threading

from harness import measure, parse_args

FORK = mp.get_context("fork")


def nothing():
    pass


def thread():
    t = threading.Thread(target=nothing)
    t.start()
    t.join()


def fork_process():
    p = FORK.Process(target=nothing)
    p.start()
    p.join()


def true_process():
    subprocess.run(["/bin/true"], check=True)


def main():
    args = parse_args()
    measure("spawn/python_thread", thread, args.samples, args.target_ms)
    measure("spawn/python_fork_process", fork_process, args.samples, args.target_ms)
    measure("spawn/python_process_true", true_process, args.samples, args.target_ms)


if __name__ == "__main__":
    main()
