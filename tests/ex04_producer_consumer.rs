// Graded tests for ex04_producer_consumer (shared by the exercises, the solutions and the
// fixtures). Every test runs its body under a watchdog: a hang becomes a failure with a message
// instead of a test that never ends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Barrier, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use under_test::ex04_producer_consumer::{
    BoundedBuffer, SharedList, channel_pipeline, consume, produce, run_producer_consumer,
};

/// Runs `body` on its own thread and returns its result; panics with a message naming `what` if
/// it has not finished within `secs` seconds (far above any real run time: a hang means a
/// deadlock, a lost wake-up, or a consumer that never learns that the producer is done). A panic
/// inside `body` is passed on unchanged.
fn watchdog<T: Send + 'static>(
    secs: u64,
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(value) => {
            let _ = handle.join();
            value
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("deadlock? {what} did not finish within {secs} s")
        }
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body ended without sending its result"),
        },
    }
}

/// Waits until `flag` is set, for at most `secs` seconds; panics with `msg` otherwise.
fn wait_for_flag(flag: &AtomicBool, secs: u64, msg: &str) {
    for _ in 0..secs * 1000 {
        if flag.load(Ordering::SeqCst) {
            return;
        }
        thread::sleep(Duration::from_millis(1));
    }
    panic!("{msg}");
}

/// A small deterministic pseudo-random source (xorshift), so that "adversarial" schedules are
/// reproducible from the seed.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Perturbs the schedule: now and then yields the CPU or sleeps briefly, so that threads are
/// interrupted at different points of their work on every run.
fn jitter(rng: &mut u64) {
    match next_random(rng) % 64 {
        0 => thread::sleep(Duration::from_micros(100)),
        1..=6 => thread::yield_now(),
        _ => {}
    }
}

/// Checks that `taken` holds each of `expected` exactly once (in any order).
fn assert_each_exactly_once<T: std::hash::Hash + Eq + std::fmt::Debug + Clone>(
    taken: &[T],
    expected: impl IntoIterator<Item = T>,
) {
    let mut counts: HashMap<T, usize> = HashMap::new();
    for item in taken {
        *counts.entry(item.clone()).or_default() += 1;
    }
    let mut expected_len = 0;
    for item in expected {
        expected_len += 1;
        match counts.remove(&item) {
            None => panic!("item {item:?} was never removed (it was lost)"),
            Some(1) => {}
            Some(n) => panic!("item {item:?} was removed {n} times (expected exactly once)"),
        }
    }
    if let Some(extra) = counts.keys().next() {
        panic!("item {extra:?} was removed but never added");
    }
    assert_eq!(taken.len(), expected_len, "wrong number of items removed");
}

/// Checks that, within one consumer's sequence of `(producer, index)` items, the items of each
/// producer appear in increasing index order (FIFO per producer).
fn assert_producer_order(consumer: usize, taken: &[(usize, u64)]) {
    let mut last: HashMap<usize, u64> = HashMap::new();
    for &(p, i) in taken {
        if let Some(&prev) = last.get(&p) {
            assert!(
                prev < i,
                "consumer {consumer} received item {i} of producer {p} after item {prev}: \
                 the items of one producer must come out in the order they went in"
            );
        }
        last.insert(p, i);
    }
}

/// CPU time (user + system) used so far by the CALLING thread, in clock ticks (1/100 s on
/// Linux), read from `/proc/thread-self/stat`; `None` where that file does not exist.
fn this_thread_cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Field 2 is the thread name in parentheses and may contain spaces: start after the last ')'.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // fields[0] is field 3 (state), so field 14 (utime) is fields[11], field 15 (stime) fields[12].
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// How many times the CALLING thread has been switched out so far (voluntary + involuntary
/// context switches), from `/proc/thread-self/status`; `None` where that file does not exist.
fn this_thread_switches() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    let mut total = 0;
    for line in status.lines() {
        if let Some(v) = line
            .strip_prefix("voluntary_ctxt_switches:")
            .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
        {
            total += v.trim().parse::<u64>().ok()?;
        }
    }
    Some(total)
}

// ---------------------------------------------------------------------------------------------
// Part 1: the shared list.
// ---------------------------------------------------------------------------------------------

#[test]
fn every_number_is_removed_exactly_once_in_order() {
    let n = 100_000u64;
    let taken = watchdog(
        20,
        "run_producer_consumer with 100 000 numbers",
        move || run_producer_consumer((0..n).collect()),
    );
    assert_each_exactly_once(&taken, 0..n);
    for (pos, &x) in taken.iter().enumerate() {
        assert_eq!(
            x, pos as u64,
            "the consumer removed {x} as number {pos}: numbers must come out in the order added"
        );
    }
}

#[test]
fn consumer_waits_for_a_slow_producer_until_it_closes() {
    // The consumer starts on an empty list and the producer pauses now and then: a consumer that
    // stops when it finds the list empty (or after a fixed number of tries) loses numbers.
    let taken = watchdog(20, "consume with a slow producer", || {
        let list = Arc::new(SharedList::new());
        let consumer = {
            let list = Arc::clone(&list);
            thread::spawn(move || {
                let mut taken = Vec::new();
                consume(&list, |n| taken.push(n));
                taken
            })
        };
        thread::sleep(Duration::from_millis(50)); // the consumer finds the list empty
        let paced = (0..300u64).inspect(|i| {
            if i % 60 == 0 {
                thread::sleep(Duration::from_millis(30));
            }
        });
        produce(&list, paced);
        consumer.join().expect("the consumer panicked")
    });
    assert_each_exactly_once(&taken, 0..300);
    assert!(
        taken.windows(2).all(|w| w[0] < w[1]),
        "numbers came out of order: {taken:?}"
    );
}

#[test]
fn consumer_drains_a_list_that_is_already_closed() {
    let taken = watchdog(10, "consume on a list already filled and closed", || {
        let list = SharedList::new();
        produce(&list, [5, 6, 7]);
        assert!(
            list.state.lock().unwrap().closed,
            "produce must set `closed` once it has added its last number"
        );
        let mut taken = Vec::new();
        consume(&list, |n| taken.push(n));
        taken
    });
    assert_eq!(
        taken,
        vec![5, 6, 7],
        "the consumer must take every number left, in order"
    );
}

#[test]
fn consumer_stops_when_the_producer_closes_an_empty_list() {
    // The consumer is already waiting when the producer closes without adding anything: it must
    // be woken up and return (a missing notify after `closed = true` hangs here).
    let taken = watchdog(
        10,
        "a consumer waiting on a list that is closed empty",
        || {
            let list = Arc::new(SharedList::new());
            let consumer = {
                let list = Arc::clone(&list);
                thread::spawn(move || {
                    let mut taken = Vec::new();
                    consume(&list, |n| taken.push(n));
                    taken
                })
            };
            thread::sleep(Duration::from_millis(100));
            produce(&list, std::iter::empty());
            consumer.join().expect("the consumer panicked")
        },
    );
    assert!(
        taken.is_empty(),
        "nothing was produced, yet the consumer took {taken:?}"
    );
}

#[test]
fn consumer_calls_on_item_without_holding_the_lock() {
    watchdog(10, "consume", || {
        let list = SharedList::new();
        produce(&list, 0..3);
        consume(&list, |n| {
            assert!(
                list.state.try_lock().is_ok(),
                "the lock was still held while on_item({n}) ran: drop the guard before doing \
                 the (possibly slow) work on an item"
            );
        });
    });
}

#[test]
fn consumer_sleeps_instead_of_busy_waiting() {
    // How this is measured without a wall-clock pass/fail: the producer adds one number, then
    // PAUSES three times for 600 ms. A consumer that waits on the condvar is asleep during the
    // pauses: it runs only to take each of the 4 numbers, for microseconds each time. One that
    // polls the list in a loop (with or without yield_now or a short sleep) keeps running.
    // We read two things about the consumer thread itself, before and after `consume`, from
    // /proc/thread-self/{stat,status} (Linux):
    // - its CPU time (user + system). A spinning thread gets a large share of a core during the
    //   1.8 s of pauses; we allow 150 ms, a wide margin for a sleeper, which needs well under 1 ms.
    // - how often it was switched out (voluntary + involuntary context switches). On a busy
    //   machine a spinner gets less CPU time but is preempted (or yields) hundreds of times, and
    //   a consumer that polls with short sleeps blocks once per poll; a sleeper is switched out
    //   about once per number. We allow 200.
    // A correct consumer stays far below both limits whatever the machine's speed or load, so
    // neither can make it fail; a busy-waiting one exceeds at least one of them.
    let (ticks, switches) = watchdog(20, "consume with a pausing producer", || {
        let list = Arc::new(SharedList::new());
        let consumer = {
            let list = Arc::clone(&list);
            thread::spawn(move || {
                let (ticks0, switches0) = (this_thread_cpu_ticks(), this_thread_switches());
                let mut taken = Vec::new();
                consume(&list, |n| taken.push(n));
                let (ticks1, switches1) = (this_thread_cpu_ticks(), this_thread_switches());
                let ticks = ticks0.zip(ticks1).map(|(b, a)| a - b);
                let switches = switches0.zip(switches1).map(|(b, a)| a - b);
                (taken, ticks, switches)
            })
        };
        let paced = (0..4u64).inspect(|&i| {
            if i > 0 {
                thread::sleep(Duration::from_millis(600));
            }
        });
        produce(&list, paced);
        let (taken, ticks, switches) = consumer.join().expect("the consumer panicked");
        assert_eq!(
            taken,
            vec![0, 1, 2, 3],
            "the consumer must take every number, in order"
        );
        (ticks, switches)
    });
    if let Some(ticks) = ticks {
        assert!(
            ticks <= 15,
            "the consumer used {ticks} ticks (1/100 s) of CPU while the producer was paused for \
             1.8 s: it is busy-waiting. Wait on the Condvar while the list is empty instead of \
             polling it in a loop"
        );
    }
    if let Some(switches) = switches {
        assert!(
            switches <= 200,
            "the consumer was switched out {switches} times while the producer added 4 numbers \
             with pauses in between: it keeps polling the list (spinning, yielding or sleeping \
             in a loop). Wait on the Condvar while the list is empty, so it wakes up only when \
             the producer notifies"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Part 2: the bounded buffer.
// ---------------------------------------------------------------------------------------------

/// Runs `producers` producer threads pushing `per_producer` items `(producer, index)` each and
/// `consumers` consumer threads popping until `None`; closes the buffer once every producer is
/// done; returns what each consumer took, in order. With `jitter_seed`, every thread perturbs its
/// own schedule. Every consumer checks after each pop that `len() <= capacity()`.
fn run_buffer(
    capacity: usize,
    producers: usize,
    per_producer: u64,
    consumers: usize,
    jitter_seed: Option<u64>,
) -> Vec<Vec<(usize, u64)>> {
    let buf = Arc::new(BoundedBuffer::new(capacity));
    assert_eq!(
        buf.capacity(),
        capacity,
        "capacity() must return what new() was given"
    );
    // Set just before the test calls close(): a pop may return None only after that.
    let closing = Arc::new(AtomicBool::new(false));
    let consumer_handles: Vec<_> = (0..consumers)
        .map(|c| {
            let (buf, closing) = (Arc::clone(&buf), Arc::clone(&closing));
            thread::spawn(move || {
                let mut rng =
                    jitter_seed.map(|s| s ^ 0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(c as u64 + 1));
                let mut taken = Vec::new();
                while let Some(item) = buf.pop() {
                    taken.push(item);
                    let len = buf.len();
                    assert!(
                        len <= capacity,
                        "the buffer holds {len} items, more than its capacity {capacity}"
                    );
                    if let Some(rng) = rng.as_mut() {
                        jitter(rng);
                    }
                }
                assert!(
                    closing.load(Ordering::SeqCst),
                    "pop returned None while the buffer was still open (after {} items): pop \
                     must wait for an item, and check and remove it under ONE lock",
                    taken.len()
                );
                taken
            })
        })
        .collect();
    let producer_handles: Vec<_> = (0..producers)
        .map(|p| {
            let buf = Arc::clone(&buf);
            thread::spawn(move || {
                let mut rng =
                    jitter_seed.map(|s| s ^ 0xD1B5_4A32_D192_ED03_u64.wrapping_mul(p as u64 + 1));
                for i in 0..per_producer {
                    if let Some(rng) = rng.as_mut() {
                        jitter(rng);
                    }
                    if buf.push((p, i)).is_err() {
                        panic!("push({p}, {i}) returned Err although the buffer was not closed");
                    }
                }
            })
        })
        .collect();
    for h in producer_handles {
        h.join().expect("a producer panicked");
    }
    closing.store(true, Ordering::SeqCst);
    buf.close();
    consumer_handles
        .into_iter()
        .map(|h| h.join().expect("a consumer panicked"))
        .collect()
}

fn check_buffer_run(producers: usize, per_producer: u64, taken: &[Vec<(usize, u64)>]) {
    for (c, mine) in taken.iter().enumerate() {
        assert_producer_order(c, mine);
    }
    let all: Vec<(usize, u64)> = taken.iter().flatten().copied().collect();
    assert_each_exactly_once(
        &all,
        (0..producers).flat_map(|p| (0..per_producer).map(move |i| (p, i))),
    );
}

#[test]
fn buffer_stress_many_producers_and_consumers() {
    // 4 producers x 25 000 items = 100 000 items through a buffer of 16, taken by 4 consumers.
    let taken = watchdog(
        40,
        "100 000 items through the buffer (4 producers, 4 consumers)",
        || run_buffer(16, 4, 25_000, 4, None),
    );
    check_buffer_run(4, 25_000, &taken);
}

#[test]
fn buffer_survives_adversarial_schedules() {
    // Capacity 1 and 2 (the buffer is full or empty nearly all the time), and every thread
    // yields or sleeps at pseudo-random points, with several seeds.
    for (seed, capacity) in [(1u64, 1usize), (7, 2), (42, 1), (1234, 3)] {
        let taken = watchdog(
            30,
            &format!("the jittered run with seed {seed}, capacity {capacity}"),
            move || run_buffer(capacity, 3, 2_000, 3, Some(seed)),
        );
        check_buffer_run(3, 2_000, &taken);
    }
}

#[test]
fn buffer_is_fifo() {
    let taken = watchdog(
        20,
        "one producer and one consumer through a buffer of 3",
        || {
            let buf = BoundedBuffer::new(3);
            buf.push(10).unwrap();
            buf.push(20).unwrap();
            buf.push(30).unwrap();
            assert_eq!(buf.len(), 3, "len() after three pushes");
            assert!(
                !buf.is_empty(),
                "is_empty() on a buffer holding three items"
            );
            assert_eq!(
                [buf.pop(), buf.pop(), buf.pop()],
                [Some(10), Some(20), Some(30)],
                "pop must return the oldest item first (first in, first out)"
            );
            assert!(buf.is_empty(), "is_empty() after popping everything");
            run_buffer(3, 1, 20_000, 1, None)
        },
    );
    let order: Vec<u64> = taken[0].iter().map(|&(_, i)| i).collect();
    assert!(
        order.iter().copied().eq(0..20_000),
        "one producer, one consumer: items must come out in the order they went in"
    );
}

#[test]
fn push_blocks_while_full_until_a_pop_makes_room() {
    watchdog(20, "the full-buffer test", || {
        let buf = Arc::new(BoundedBuffer::new(2));
        buf.push('a').unwrap();
        buf.push('b').unwrap();
        let returned = Arc::new(AtomicBool::new(false));
        let pusher = {
            let (buf, returned) = (Arc::clone(&buf), Arc::clone(&returned));
            thread::spawn(move || {
                let result = buf.push('c');
                returned.store(true, Ordering::SeqCst);
                result
            })
        };
        // A correct push cannot return while the buffer is full, however long we wait; 300 ms
        // is plenty for a push that does not block to return.
        thread::sleep(Duration::from_millis(300));
        assert!(
            !returned.load(Ordering::SeqCst),
            "push on a full buffer (capacity 2) returned without waiting for room; len() is now {}",
            buf.len()
        );
        assert_eq!(buf.pop(), Some('a'), "pop must return the oldest item");
        wait_for_flag(
            &returned,
            10,
            "push stayed blocked for 10 s after a pop made room: is the pusher notified?",
        );
        assert_eq!(
            pusher.join().unwrap(),
            Ok(()),
            "push after room was made must succeed"
        );
        assert_eq!([buf.pop(), buf.pop()], [Some('b'), Some('c')]);
    });
}

#[test]
fn pop_blocks_while_empty_until_a_push() {
    watchdog(20, "the empty-buffer test", || {
        let buf = Arc::new(BoundedBuffer::new(2));
        let returned = Arc::new(AtomicBool::new(false));
        let popper = {
            let (buf, returned) = (Arc::clone(&buf), Arc::clone(&returned));
            thread::spawn(move || {
                let item = buf.pop();
                returned.store(true, Ordering::SeqCst);
                item
            })
        };
        thread::sleep(Duration::from_millis(300));
        assert!(
            !returned.load(Ordering::SeqCst),
            "pop on an empty, open buffer returned without waiting for an item"
        );
        buf.push(99u32).unwrap();
        wait_for_flag(
            &returned,
            10,
            "pop stayed blocked for 10 s after a push: is the consumer notified?",
        );
        assert_eq!(popper.join().unwrap(), Some(99));
    });
}

#[test]
fn close_wakes_blocked_consumers_and_drains_remaining_items() {
    watchdog(
        20,
        "consumers blocked in pop when the buffer is closed",
        || {
            let buf = Arc::new(BoundedBuffer::new(4));
            let popped = Arc::new(AtomicUsize::new(0));
            let consumers: Vec<_> = (0..3)
                .map(|_| {
                    let (buf, popped) = (Arc::clone(&buf), Arc::clone(&popped));
                    thread::spawn(move || {
                        while buf.pop().is_some() {
                            popped.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            thread::sleep(Duration::from_millis(100)); // the consumers block on the empty buffer
            buf.push(1u8).unwrap();
            buf.push(2u8).unwrap();
            buf.close();
            for c in consumers {
                c.join().expect("a consumer panicked");
            }
            assert_eq!(
                popped.load(Ordering::SeqCst),
                2,
                "items pushed before close() must still be popped, each once"
            );
            assert_eq!(
                buf.pop(),
                None,
                "pop on a closed, empty buffer must return None"
            );
            assert_eq!(
                buf.push(3),
                Err(3),
                "push after close() must give the item back as Err"
            );
            buf.close(); // closing twice is harmless
            assert_eq!(buf.pop(), None);
        },
    );
}

#[test]
fn close_wakes_a_blocked_producer() {
    watchdog(
        20,
        "a producer blocked in push when the buffer is closed",
        || {
            let buf = Arc::new(BoundedBuffer::new(1));
            buf.push(0u64).unwrap();
            let pusher = {
                let buf = Arc::clone(&buf);
                thread::spawn(move || buf.push(1))
            };
            thread::sleep(Duration::from_millis(100)); // the pusher blocks on the full buffer
            buf.close();
            assert_eq!(
                pusher.join().unwrap(),
                Err(1),
                "a push blocked on a full buffer must return Err(item) when the buffer is closed"
            );
            assert_eq!(
                buf.pop(),
                Some(0),
                "the item pushed before close() must still come out"
            );
            assert_eq!(buf.pop(), None);
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Part 3: the channel pipeline.
// ---------------------------------------------------------------------------------------------

#[test]
fn channel_pipeline_delivers_every_item_once_in_producer_order() {
    let per_consumer = watchdog(40, "channel_pipeline with 100 000 items", || {
        let inputs: Vec<Vec<(usize, u64)>> = (0..4)
            .map(|p| (0..25_000).map(|i| (p, i)).collect())
            .collect();
        let seen: Mutex<HashMap<ThreadId, Vec<(usize, u64)>>> = Mutex::new(HashMap::new());
        channel_pipeline(inputs, 8, 3, |item| {
            seen.lock()
                .unwrap()
                .entry(thread::current().id())
                .or_default()
                .push(item);
        });
        seen.into_inner().unwrap()
    });
    assert!(
        per_consumer.len() <= 3,
        "`consume` was called from {} different threads, but there are only 3 consumers",
        per_consumer.len()
    );
    let mut all = Vec::new();
    for (c, mine) in per_consumer.values().enumerate() {
        assert_producer_order(c, mine);
        all.extend_from_slice(mine);
    }
    assert_each_exactly_once(&all, (0..4).flat_map(|p| (0..25_000).map(move |i| (p, i))));
}

#[test]
fn channel_pipeline_is_bounded() {
    // Producers pull items from their iterators; consumers are slow. With a bounded channel of
    // capacity 4, at most 4 items wait in the channel, plus one in each thread's hands: the
    // producers cannot run further ahead. An unbounded channel lets them pull everything at once.
    let (producers, consumers, capacity, per_producer) = (2usize, 2usize, 4usize, 1_000u64);
    let max_ahead = watchdog(30, "channel_pipeline with slow consumers", move || {
        let pulled = AtomicUsize::new(0);
        let consumed = AtomicUsize::new(0);
        let max_ahead = AtomicUsize::new(0);
        let inputs: Vec<_> = (0..producers)
            .map(|_| {
                (0..per_producer).inspect(|_| {
                    pulled.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        channel_pipeline(inputs, capacity, consumers, |_item| {
            thread::sleep(Duration::from_micros(200));
            // Read `pulled` first: `consumed` can only grow meanwhile, so this never overstates.
            let ahead = pulled
                .load(Ordering::SeqCst)
                .saturating_sub(consumed.load(Ordering::SeqCst));
            max_ahead.fetch_max(ahead, Ordering::SeqCst);
            consumed.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(
            consumed.load(Ordering::SeqCst),
            producers * per_producer as usize
        );
        max_ahead.into_inner()
    });
    let bound = capacity + producers + consumers;
    assert!(
        max_ahead <= bound,
        "the producers ran {max_ahead} items ahead of the consumers, but a channel of capacity \
         {capacity} allows at most {bound}: use crossbeam::channel::bounded(capacity)"
    );
}

#[test]
fn channel_pipeline_runs_the_requested_number_of_consumers() {
    // Every consumer thread waits at a barrier of 3 on its first item: this only finishes if
    // three different threads call `consume`.
    watchdog(
        20,
        "channel_pipeline with 3 consumers that must all take an item (are there really 3 \
         consumer threads?)",
        || {
            thread_local! {
                static FIRST: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
            }
            let barrier = Barrier::new(3);
            channel_pipeline(vec![(0..30u32).collect::<Vec<_>>()], 2, 3, |_item| {
                if FIRST.with(|f| f.replace(false)) {
                    barrier.wait();
                }
            });
        },
    );
}

#[test]
fn channel_pipeline_ends_when_the_producers_finish() {
    // No items at all, and producers whose iterators are empty: the consumers must still end
    // (every Sender, the original included, must be dropped).
    watchdog(10, "channel_pipeline with nothing to send", || {
        let count = AtomicUsize::new(0);
        channel_pipeline(Vec::<Vec<u8>>::new(), 1, 2, |_| {
            count.fetch_add(1, Ordering::SeqCst);
        });
        channel_pipeline(vec![Vec::<u8>::new(), vec![], vec![7]], 1, 2, |_| {
            count.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(
            count.into_inner(),
            1,
            "one item was sent, so `consume` must run once"
        );
    });
}
