"""Question 4: one producer thread, one consumer thread, a list behind a lock (the consumer
waits on a `threading.Condition` while the list is empty), and `queue.Queue` for contrast.
Python moves 10^5 items per run (10^6 would take seconds per sample); the result is per item."""

import collections
import queue
import threading

from harness import measure, parse_args

ITEMS = 100_000


def locked_list():
    items = collections.deque()
    cond = threading.Condition(threading.Lock())
    done = [False]

    def producer():
        for i in range(ITEMS):
            with cond:
                items.append(i)
                cond.notify()
        with cond:
            done[0] = True
            cond.notify()

    thread = threading.Thread(target=producer)
    thread.start()
    total = 0
    while True:
        with cond:
            while not items and not done[0]:
                cond.wait()
            if not items:
                break
            total += items.popleft()
    thread.join()
    assert total == ITEMS * (ITEMS - 1) // 2


def bounded_queue():
    q = queue.Queue(maxsize=1024)

    def producer():
        for i in range(ITEMS):
            q.put(i)
        q.put(None)

    thread = threading.Thread(target=producer)
    thread.start()
    total = 0
    while (item := q.get()) is not None:
        total += item
    thread.join()
    assert total == ITEMS * (ITEMS - 1) // 2


def main():
    args = parse_args()
    # Nanoseconds per item, like the Rust side (which moves 10^6 items per run).
    measure("pc/python_locked_list", locked_list, args.samples, args.target_ms, per=ITEMS)
    measure("pc/python_queue_bounded", bounded_queue, args.samples, args.target_ms, per=ITEMS)


if __name__ == "__main__":
    main()
