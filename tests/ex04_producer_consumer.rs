// Graded tests for ex04_producer_consumer (shared by the exercises, the solutions and the
// fixtures). A hang never blocks the run: every test runs under a watchdog, or waits for a call
// under test with a deadline, and fails with a message saying what stayed blocked.
//
// "Does not busy-wait" is observed, not timed: a call that must block is started on a thread of
// its own, and while nothing happens the test reads that thread's CPU time and context switches
// from /proc (see `assert_thread_sleeps`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use under_test::ex04_producer_consumer::{
    BoundedBuffer, SharedList, channel_pipeline, consume, produce, run_producer_consumer,
};

include!("support.rs");

/// How long a blocked thread is watched while nothing happens.
const IDLE_WATCH: Duration = Duration::from_millis(800);
/// The most CPU time (ticks of 1/100 s) a blocked thread may use in `IDLE_WATCH`: one that sleeps
/// uses none; one that spins (with or without `yield_now`) gets a large share of a core.
const IDLE_MAX_TICKS: u64 = 5;
/// The most context switches a blocked thread may make in `IDLE_WATCH` (each time it wakes up and
/// goes back to sleep counts one). One that sleeps on a condvar until it is notified makes none;
/// the contract allows a few wake-ups a second (spurious ones, or a timed wait of 250 ms or
/// longer: at most 4 here); a poll every 50 ms makes about 16, every 10 ms about 80.
const IDLE_MAX_SWITCHES: u64 = 6;
/// How long a call that should return (it was woken up) may take before the test fails: far
/// above any real wake-up time, it only turns a lost wake-up into a failure.
const WAKE_DEADLINE_SECS: u64 = 5;

/// A call under test, running on a thread of its own so that the test can watch it block.
struct BlockingCall<T> {
    /// The kernel's id of the thread making the call.
    tid: u32,
    result: mpsc::Receiver<T>,
    handle: thread::JoinHandle<()>,
}

/// Starts `call(&shared)` on a new thread, with a clone of the `Arc`.
fn start_call_on<S: Send + Sync + 'static, T: Send + 'static>(
    shared: &Arc<S>,
    call: impl FnOnce(&S) -> T + Send + 'static,
) -> BlockingCall<T> {
    let shared = Arc::clone(shared);
    start_call(move || call(&*shared))
}

/// Starts `call` on a new thread.
fn start_call<T: Send + 'static>(call: impl FnOnce() -> T + Send + 'static) -> BlockingCall<T> {
    let (tid_tx, tid_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tid_tx.send(this_thread_tid());
        let _ = tx.send(call());
    });
    let tid = tid_rx
        .recv()
        .expect("the test's thread could not read its TID");
    BlockingCall {
        tid,
        result: rx,
        handle,
    }
}

impl<T> BlockingCall<T> {
    /// Whether the call has returned (or panicked).
    fn has_returned(&self) -> bool {
        self.handle.is_finished()
    }

    /// The call's result; fails the test with `hang` if it has not returned within
    /// `WAKE_DEADLINE_SECS`. A panic inside the call is passed on with its own message.
    fn finish(self, hang: &str) -> T {
        match self
            .result
            .recv_timeout(Duration::from_secs(WAKE_DEADLINE_SECS))
        {
            Ok(value) => {
                let _ = self.handle.join();
                value
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{hang} (it was still blocked {WAKE_DEADLINE_SECS} s later)")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => match self.handle.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!("the call's thread ended without handing back a result"),
            },
        }
    }
}

/// The scheduler state of thread `tid` of this process (`'S'`: asleep, `'R'`: running), or
/// `None` if it has ended.
fn thread_state(tid: u32) -> Option<char> {
    proc_stat_fields(&format!("/proc/self/task/{tid}/stat"))?[0]
        .chars()
        .next()
}

/// Waits (up to 2 s) until the thread of every one of `calls` is asleep in the kernel or has
/// ended, so that the test acts on calls that are really blocked; returns false if some never
/// fell asleep. It never fails the test: a thread that does not go to sleep (it spins) only makes
/// the calling test weaker, and the idle tests catch it.
fn wait_until_asleep<T>(calls: &[BlockingCall<T>]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if calls
            .iter()
            .all(|call| matches!(thread_state(call.tid), None | Some('S' | 'D')))
        {
            return true;
        }
        thread::sleep(Duration::from_millis(1));
    }
    false
}

/// Watches thread `tid`, which is blocked in `call` with nothing to wait for yet, for
/// `IDLE_WATCH`, and fails the test if it used CPU time or kept waking up meanwhile. The contract:
/// a blocked call sleeps until another thread changes what it waits for (it may wake up a few
/// times a second, not more). `still_blocked` says whether the call is still waiting.
fn assert_thread_sleeps(tid: u32, call: &str, still_blocked: &dyn Fn() -> bool) {
    // Let the call reach its wait. Nothing changes, so a correct call never returns here.
    thread::sleep(Duration::from_millis(100));
    let returned = format!(
        "{call} stopped waiting although nothing it waits for had happened: it must block \
         until another thread changes the state"
    );
    assert!(still_blocked(), "{returned}");
    let before = thread_ticks_and_switches(tid);
    thread::sleep(IDLE_WATCH);
    let after = thread_ticks_and_switches(tid);
    assert!(still_blocked(), "{returned}");
    let (Some((ticks0, switches0)), Some((ticks1, switches1))) = (before, after) else {
        panic!("{returned} (its thread ended)");
    };
    let (ticks, switches) = (ticks1 - ticks0, switches1 - switches0);
    let ms = IDLE_WATCH.as_millis();
    assert!(
        ticks <= IDLE_MAX_TICKS,
        "{call}: the blocked thread used {ticks} ticks (1/100 s) of CPU time in {ms} ms while \
         nothing happened (at most {IDLE_MAX_TICKS} allowed): it is busy-waiting (a loop that \
         re-checks the state, with or without yield_now). A blocked call must sleep (wait on a \
         Condvar, or a channel's blocking send / recv) and use no CPU time until it is \
         notified"
    );
    assert!(
        switches <= IDLE_MAX_SWITCHES,
        "{call}: the blocked thread woke up {switches} times in {ms} ms while nothing happened \
         (at most {IDLE_MAX_SWITCHES} allowed): it polls (a loop with a short sleep, yield_now, \
         a short wait_timeout, or around try_recv / try_send). A blocked call must sleep until \
         another thread notifies it (a Condvar wait, or a channel's blocking send / recv); it \
         may wake up a few times a second, not more"
    );
}

/// Waits (up to `WAKE_DEADLINE_SECS`) until every call of `calls` has returned; returns how many
/// are still blocked.
fn blocked_after_deadline<T>(calls: &[BlockingCall<T>]) -> usize {
    let deadline = Instant::now() + Duration::from_secs(WAKE_DEADLINE_SECS);
    while calls.iter().any(|c| !c.has_returned()) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    calls.iter().filter(|c| !c.has_returned()).count()
}


/// Closes `buf` once the threads of `calls` (blocked in it: `waiters` says how) are asleep, and
/// fails unless every call has returned [`WAKE_DEADLINE_SECS`] later; `wake` says what close
/// must do for them.
fn assert_close_wakes_all<T, R>(
    buf: &BoundedBuffer<T>,
    calls: &[BlockingCall<R>],
    waiters: &str,
    wake: &str,
) {
    wait_until_asleep(calls);
    buf.close();
    let stuck = blocked_after_deadline(calls);
    assert_eq!(
        stuck,
        0,
        "{} {waiters} and the buffer was closed, but {stuck} were still asleep \
         {WAKE_DEADLINE_SECS} s later: close must wake EVERY {wake}",
        calls.len()
    );
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

// ---------------------------------------------------------------------------------------------
// Part 1: the shared list.
// ---------------------------------------------------------------------------------------------

#[test]
fn every_number_is_removed_exactly_once_in_order() {
    let n = 100_000u64;
    let taken = watchdog(
        15,
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
    let taken = watchdog(10, "consume with a slow producer", || {
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
        "the consumer must take every number left, in order, before it stops"
    );
}

#[test]
fn consumer_stops_when_the_producer_closes_an_empty_list() {
    watchdog(
        15,
        "a consumer waiting on a list that is closed empty",
        || {
            // The consumer is already waiting when the producer closes without adding anything:
            // it must be woken up and return (a missing notify after `closed = true` leaves it
            // asleep).
            let list = Arc::new(SharedList::new());
            let consumer = {
                let list = Arc::clone(&list);
                start_call(move || {
                    let mut taken = Vec::new();
                    consume(&list, |n| taken.push(n));
                    taken
                })
            };
            wait_until_asleep(std::slice::from_ref(&consumer));
            assert!(
                !consumer.has_returned(),
                "consume returned on an empty list that was not closed: it must wait for the \
                 producer"
            );
            produce(&list, std::iter::empty());
            let taken = consumer.finish(
                "the consumer was waiting on the empty list when the producer closed it, but \
                 consume did not return: setting `closed` must wake the waiting consumer (notify \
                 after it)",
            );
            assert!(
                taken.is_empty(),
                "nothing was produced, yet the consumer took {taken:?}"
            );
        },
    );
}

#[test]
fn consumer_calls_on_item_without_holding_the_lock() {
    let under_lock = watchdog(10, "consume", || {
        let list = SharedList::new();
        produce(&list, 0..3);
        // Nobody else uses the list now: the lock is free unless `consume` itself holds it.
        let mut under_lock = Vec::new();
        consume(&list, |n| {
            if list.state.try_lock().is_err() {
                under_lock.push(n);
            }
        });
        under_lock
    });
    assert!(
        under_lock.is_empty(),
        "the list's lock was still held while on_item ran for {under_lock:?}: on_item must run \
         WITHOUT the lock (it may be slow, and the producer cannot add anything meanwhile); drop \
         the guard before calling it"
    );
}

#[test]
fn producer_pulls_numbers_without_holding_the_lock() {
    let (under_lock, state) = watchdog(10, "produce", || {
        let list = SharedList::new();
        // No consumer runs: the lock is free unless `produce` itself holds it while it pulls
        // the next number from the iterator.
        let mut under_lock = Vec::new();
        let numbers = (0..5u64).inspect(|&n| {
            if list.state.try_lock().is_err() {
                under_lock.push(n);
            }
        });
        produce(&list, numbers);
        let state = list.state.lock().unwrap();
        (under_lock, (state.items.clone(), state.closed))
    });
    assert!(
        under_lock.is_empty(),
        "produce held the list's lock while it pulled {under_lock:?} from its iterator: the \
         iterator may be slow, and the consumer cannot take anything meanwhile. Pull the next \
         number first, then lock only to add it"
    );
    assert_eq!(
        state,
        ((0..5).collect(), true),
        "after produce, the list must hold every number in order and be closed"
    );
}

#[test]
fn consumer_sleeps_instead_of_busy_waiting() {
    watchdog(15, "the consumer of a pausing producer", || {
        // The producer adds one number, then waits (in its iterator) until the test lets it go on:
        // meanwhile the consumer has taken that number and waits on an empty list. The test watches
        // the consumer's thread: it must sleep, not poll.
        let list = Arc::new(SharedList::new());
        let taken = Arc::new(Mutex::new(Vec::new()));
        let (go_on, wait_for_go) = mpsc::channel::<()>();
        let producer = {
            let list = Arc::clone(&list);
            start_call(move || {
                let paced = (1..=3u64).inspect(move |&n| {
                    if n == 2 {
                        let _ = wait_for_go.recv();
                    }
                });
                produce(&list, paced);
            })
        };
        let consumer = {
            let (list, taken) = (Arc::clone(&list), Arc::clone(&taken));
            start_call(move || consume(&list, |n| taken.lock().unwrap().push(n)))
        };
        let deadline = Instant::now() + Duration::from_secs(WAKE_DEADLINE_SECS);
        while taken.lock().unwrap().is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(
            *taken.lock().unwrap(),
            vec![1],
            "the producer added 1 and notified, but the consumer did not take it within \
             {WAKE_DEADLINE_SECS} s"
        );
        assert_thread_sleeps(consumer.tid, "consume on an empty, open list", &|| {
            !consumer.has_returned() && taken.lock().unwrap().len() == 1
        });
        drop(go_on);
        producer.finish("produce did not finish");
        consumer.finish("the consumer did not return after the producer closed the list");
        assert_eq!(*taken.lock().unwrap(), vec![1, 2, 3]);
    });
}

// ---------------------------------------------------------------------------------------------
// Part 2: the bounded buffer.
// ---------------------------------------------------------------------------------------------

/// Runs `producers` producer threads pushing `per_producer` items `(producer, index)` each and
/// `consumers` consumer threads popping until `None`; closes the buffer once every producer is
/// done; returns what each consumer took, in order. With `jitter_seed`, every thread perturbs its
/// own schedule. Every consumer checks after each pop that `len() <= capacity()`. The first thread
/// that sees the buffer break its contract (or panics) closes the buffer, so that the others stop
/// instead of waiting forever, and the run fails with what that thread saw.
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
    let failure: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    // Records the first failure and closes the buffer, which ends the run.
    let fail = {
        let (buf, failure) = (Arc::clone(&buf), Arc::clone(&failure));
        move |what: String| {
            failure
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert(what);
            buf.close();
        }
    };
    let failed = {
        let failure = Arc::clone(&failure);
        move || failure.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    };
    let consumer_handles: Vec<_> = (0..consumers)
        .map(|c| {
            let (buf, closing) = (Arc::clone(&buf), Arc::clone(&closing));
            let (fail, failed) = (fail.clone(), failed.clone());
            thread::spawn(move || {
                let mut rng =
                    jitter_seed.map(|s| s ^ 0x9E37_79B9_7F4A_7C15_u64.wrapping_mul(c as u64 + 1));
                let mut taken = Vec::new();
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    while let Some(item) = buf.pop() {
                        taken.push(item);
                        let len = buf.len();
                        if len > capacity {
                            return Some(format!(
                                "the buffer holds {len} items, more than its capacity {capacity}"
                            ));
                        }
                        if let Some(rng) = rng.as_mut() {
                            jitter(rng);
                        }
                    }
                    (!closing.load(Ordering::SeqCst) && !failed()).then(|| {
                        format!(
                            "pop returned None while the buffer was still open (after {} \
                             items): pop must wait for an item, and check and remove it under \
                             ONE lock",
                            taken.len()
                        )
                    })
                }));
                match ran {
                    Ok(None) => {}
                    Ok(Some(what)) => fail(what),
                    Err(panic) => {
                        fail("a consumer panicked".to_string());
                        std::panic::resume_unwind(panic);
                    }
                }
                taken
            })
        })
        .collect();
    let producer_handles: Vec<_> = (0..producers)
        .map(|p| {
            let buf = Arc::clone(&buf);
            let (fail, failed) = (fail.clone(), failed.clone());
            thread::spawn(move || {
                let mut rng =
                    jitter_seed.map(|s| s ^ 0xD1B5_4A32_D192_ED03_u64.wrapping_mul(p as u64 + 1));
                for i in 0..per_producer {
                    if let Some(rng) = rng.as_mut() {
                        jitter(rng);
                    }
                    let pushed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        buf.push((p, i)).is_ok()
                    }));
                    match pushed {
                        Ok(true) => {}
                        Ok(false) if failed() => return,
                        Ok(false) => {
                            return fail(format!(
                                "push({p}, {i}) returned Err although the buffer was not closed"
                            ));
                        }
                        Err(panic) => {
                            fail("a producer panicked".to_string());
                            std::panic::resume_unwind(panic);
                        }
                    }
                }
            })
        })
        .collect();
    let mut panics = Vec::new();
    for h in producer_handles {
        if let Err(panic) = h.join() {
            panics.push(panic);
        }
    }
    closing.store(true, Ordering::SeqCst);
    buf.close();
    let taken: Vec<_> = consumer_handles
        .into_iter()
        .filter_map(|h| h.join().map_err(|panic| panics.push(panic)).ok())
        .collect();
    if let Some(panic) = panics.pop() {
        std::panic::resume_unwind(panic);
    }
    if let Some(what) = failure.lock().unwrap().take() {
        panic!("{what}");
    }
    taken
}

/// [`run_buffer`] under a watchdog of `secs` seconds, then checks what the consumers took: each
/// consumer got each producer's items in order, and every item was taken exactly once.
fn stress_buffer(
    secs: u64,
    capacity: usize,
    producers: usize,
    per_producer: u64,
    consumers: usize,
    jitter_seed: Option<u64>,
) {
    let jitter = jitter_seed.map_or(String::new(), |seed| format!(", with jitter (seed {seed})"));
    let what = format!(
        "{producers} producers x {per_producer} items through a buffer of {capacity}, taken by \
         {consumers} consumers{jitter}"
    );
    let taken = watchdog(secs, &what, move || {
        run_buffer(capacity, producers, per_producer, consumers, jitter_seed)
    });
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
    stress_buffer(15, 16, 4, 25_000, 4, None);
}

#[test]
fn buffer_survives_adversarial_schedules() {
    // Capacity 1 and 2 (the buffer is full or empty nearly all the time), and every thread
    // yields or sleeps at pseudo-random points, with several seeds.
    for (seed, capacity) in [(1u64, 1usize), (7, 2), (42, 1), (1234, 3)] {
        stress_buffer(15, capacity, 3, 2_000, 3, Some(seed));
    }
}

#[test]
fn buffer_is_fifo() {
    let taken = watchdog(
        10,
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
    watchdog(15, "the full-buffer test", || {
        let buf = Arc::new(BoundedBuffer::new(2));
        buf.push('a').unwrap();
        buf.push('b').unwrap();
        let pusher = start_call_on(&buf, |buf| buf.push('c'));
        // A correct push cannot return while the buffer is full, however long we wait; 300 ms is
        // plenty for a push that does not block to return.
        thread::sleep(Duration::from_millis(300));
        assert!(
            !pusher.has_returned(),
            "push on a full buffer (capacity 2) returned without waiting for room; len() is now {}",
            buf.len()
        );
        assert_eq!(buf.pop(), Some('a'), "pop must return the oldest item");
        assert_eq!(
            pusher.finish(
                "push stayed blocked after a pop made room: a pop must wake a waiting push"
            ),
            Ok(()),
            "push after room was made must succeed"
        );
        assert_eq!([buf.pop(), buf.pop()], [Some('b'), Some('c')]);
    });
}

#[test]
fn pop_blocks_while_empty_until_a_push() {
    watchdog(15, "the empty-buffer test", || {
        let buf = Arc::new(BoundedBuffer::new(2));
        let popper = start_call_on(&buf, |buf| buf.pop());
        thread::sleep(Duration::from_millis(300));
        assert!(
            !popper.has_returned(),
            "pop on an empty, open buffer returned without waiting for an item"
        );
        buf.push(99u32).unwrap();
        assert_eq!(
            popper.finish("pop stayed blocked after a push: a push must wake a waiting pop"),
            Some(99)
        );
    });
}

#[test]
fn push_sleeps_while_the_buffer_is_full() {
    watchdog(15, "a push on a full buffer, then a pop", || {
        let buf = Arc::new(BoundedBuffer::new(1));
        buf.push(1u32).unwrap();
        let pusher = start_call_on(&buf, |buf| buf.push(2));
        assert_thread_sleeps(pusher.tid, "push on a full buffer", &|| {
            !pusher.has_returned()
        });
        assert_eq!(buf.pop(), Some(1));
        assert_eq!(
            pusher.finish(
                "push stayed blocked after a pop made room: a pop must wake a waiting push"
            ),
            Ok(())
        );
        assert_eq!(buf.pop(), Some(2));
    });
}

#[test]
fn pop_sleeps_while_the_buffer_is_empty() {
    watchdog(15, "a pop on an empty buffer, then a push", || {
        let buf = Arc::new(BoundedBuffer::new(2));
        let popper = start_call_on(&buf, |buf| buf.pop());
        assert_thread_sleeps(popper.tid, "pop on an empty buffer", &|| {
            !popper.has_returned()
        });
        buf.push(7u32).unwrap();
        assert_eq!(
            popper.finish("pop stayed blocked after a push: a push must wake a waiting pop"),
            Some(7)
        );
    });
}

/// How many calls wait at once in the wake-up tests.
const WAITERS: u32 = 3;

/// Runs `round(r, buf)` under a watchdog of 15 s (named `what`), each time on a fresh buffer of
/// capacity [`WAITERS`], for up to 20 rounds (repeated, because the wake-ups must be beaten);
/// stops after a round in which the waiting calls never fell asleep (`round` returns whether
/// they did): they spin, and the idle tests catch that.
fn wake_up_rounds(what: &str, round: fn(usize, &Arc<BoundedBuffer<u32>>) -> bool) {
    watchdog(15, what, move || {
        for r in 0..20 {
            if !round(r, &Arc::new(BoundedBuffer::new(WAITERS as usize))) {
                break;
            }
        }
    });
}

#[test]
fn every_blocked_consumer_is_woken_by_a_push() {
    // Three consumers wait on an empty buffer, each for ONE item; three items are pushed one
    // right after the other. Each push must wake a waiting consumer: a push that notifies only
    // when the buffer was empty before it (or a notify that reaches nobody) leaves consumers
    // asleep next to items.
    wake_up_rounds("waking blocked consumers", |round, buf| {
        let poppers: Vec<_> = (0..WAITERS)
            .map(|_| start_call_on(buf, |buf| buf.pop()))
            .collect();
        let asleep = wait_until_asleep(&poppers);
        for i in 0..WAITERS {
            buf.push(i).unwrap();
        }
        let stuck = blocked_after_deadline(&poppers);
        assert_eq!(
            stuck,
            0,
            "round {round}: {WAITERS} consumers waited in pop on an empty buffer and {WAITERS} \
             items were pushed, but {stuck} consumers were still asleep {WAKE_DEADLINE_SECS} s \
             later next to {} items: every push must wake a waiting consumer (not only the \
             push that makes the buffer non-empty)",
            buf.len()
        );
        let mut got: Vec<_> = poppers
            .into_iter()
            .map(|p| p.finish("pop did not return"))
            .collect();
        got.sort_unstable();
        assert_eq!(
            got,
            (0..WAITERS).map(Some).collect::<Vec<_>>(),
            "round {round}: each consumer must get one of the pushed items, each item once"
        );
        asleep
    });
}

#[test]
fn every_blocked_producer_is_woken_by_a_pop() {
    // The mirror image: three producers wait on a full buffer, then three items are popped one
    // right after the other. Each pop must wake a waiting producer.
    wake_up_rounds("waking blocked producers", |round, buf| {
        for i in 0..WAITERS {
            buf.push(100 + i).unwrap();
        }
        let pushers: Vec<_> = (0..WAITERS)
            .map(|i| start_call_on(buf, move |buf| buf.push(i)))
            .collect();
        let asleep = wait_until_asleep(&pushers);
        let popped: Vec<_> = (0..WAITERS).map(|_| buf.pop()).collect();
        assert_eq!(
            popped,
            (100..100 + WAITERS).map(Some).collect::<Vec<_>>(),
            "round {round}: the items pushed first must be popped first"
        );
        let stuck = blocked_after_deadline(&pushers);
        assert_eq!(
            stuck, 0,
            "round {round}: {WAITERS} producers waited in push on a full buffer and {WAITERS} \
             items were popped, but {stuck} producers were still asleep {WAKE_DEADLINE_SECS} s \
             later with room for them: every pop must wake a waiting producer (not only the \
             pop that makes the buffer non-full)"
        );
        for p in pushers {
            assert_eq!(p.finish("push did not return"), Ok(()));
        }
        let mut rest: Vec<_> = (0..WAITERS).map(|_| buf.pop()).collect();
        rest.sort_unstable();
        assert_eq!(rest, (0..WAITERS).map(Some).collect::<Vec<_>>());
        asleep
    });
}

#[test]
fn close_wakes_every_blocked_consumer() {
    watchdog(15, "closing a buffer with blocked consumers", || {
        let buf = Arc::new(BoundedBuffer::<u8>::new(2));
        let poppers: Vec<_> = (0..3)
            .map(|_| start_call_on(&buf, |buf| buf.pop()))
            .collect();
        assert_close_wakes_all(
            &buf,
            &poppers,
            "consumers waited in pop on an empty buffer",
            "waiting pop (notify_all), and each must then return None",
        );
        for p in poppers {
            assert_eq!(
                p.finish("pop did not return"),
                None,
                "pop on a closed, empty buffer must return None"
            );
        }
    });
}

#[test]
fn close_wakes_every_blocked_producer() {
    watchdog(15, "closing a buffer with blocked producers", || {
        let buf = Arc::new(BoundedBuffer::new(1));
        buf.push(0u64).unwrap();
        let pushers: Vec<_> = (1..=3u64)
            .map(|i| start_call_on(&buf, move |buf| buf.push(i)))
            .collect();
        assert_close_wakes_all(
            &buf,
            &pushers,
            "producers waited in push on a full buffer",
            "waiting push (notify_all on the condvar the producers wait on), and each must \
             return Err(item)",
        );
        for (p, i) in pushers.into_iter().zip(1..) {
            assert_eq!(
                p.finish("push did not return"),
                Err(i),
                "a push blocked on a full buffer must return Err(item) when the buffer is closed"
            );
        }
        assert_eq!(
            buf.pop(),
            Some(0),
            "the item pushed before close() must still come out"
        );
        assert_eq!(buf.pop(), None);
        assert_eq!(
            buf.push(9),
            Err(9),
            "push after close() must give the item back as Err"
        );
    });
}

#[test]
fn close_wakes_blocked_consumers_and_drains_remaining_items() {
    watchdog(
        10,
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

// ---------------------------------------------------------------------------------------------
// Part 3: the channel pipeline.
// ---------------------------------------------------------------------------------------------

#[test]
fn channel_pipeline_delivers_every_item_once_in_producer_order() {
    let per_consumer = watchdog(15, "channel_pipeline with 20 000 items", || {
        let inputs: Vec<Vec<(usize, u64)>> = (0..4)
            .map(|p| (0..5_000).map(|i| (p, i)).collect())
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
    assert_each_exactly_once(&all, (0..4).flat_map(|p| (0..5_000).map(move |i| (p, i))));
}

#[test]
fn channel_pipeline_is_bounded() {
    // Producers pull items from their iterators; consumers are slow. With a bounded channel of
    // capacity 4, at most 4 items wait in the channel, plus one in each thread's hands: the
    // producers cannot run further ahead. An unbounded channel lets them pull everything at once.
    let (producers, consumers, capacity, per_producer) = (2usize, 2usize, 4usize, 1_000u64);
    let max_ahead = watchdog(15, "channel_pipeline with slow consumers", move || {
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
    // 1. Four consumers requested: each consumer thread, on its first item, waits until four
    //    threads are inside `consume` at once (giving up after 5 s), so this succeeds only with
    //    four consumer threads running side by side, on any number of cores.
    // 2. One consumer requested, `consume` slow: every item must be consumed on the same thread
    //    (a second consumer thread would take items while the first one sleeps).
    let (met, threads_of_4, threads_of_1) = watchdog(15, "channel_pipeline", || {
        thread_local! {
            static FIRST: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
        }
        let meet = Rendezvous::new(4, 5);
        let gave_up = AtomicBool::new(false);
        let threads: Mutex<HashSet<ThreadId>> = Mutex::new(HashSet::new());
        channel_pipeline(vec![(0..40u32).collect::<Vec<_>>()], 2, 4, |_item| {
            threads.lock().unwrap().insert(thread::current().id());
            if FIRST.with(|f| f.replace(false)) && !gave_up.load(Ordering::SeqCst) && !meet.meet() {
                gave_up.store(true, Ordering::SeqCst);
            }
        });
        let threads_of_4 = threads.into_inner().unwrap().len();

        let threads: Mutex<HashSet<ThreadId>> = Mutex::new(HashSet::new());
        channel_pipeline(vec![0..50u32, 50..100], 2, 1, |_item| {
            threads.lock().unwrap().insert(thread::current().id());
            thread::sleep(Duration::from_millis(1));
        });
        let threads_of_1 = threads.into_inner().unwrap().len();
        (!gave_up.into_inner(), threads_of_4, threads_of_1)
    });
    assert!(
        met,
        "channel_pipeline(.., consumers = 4, ..) never had 4 threads inside `consume` at the \
         same time ({threads_of_4} different threads called it in all): start exactly \
         `consumers` consumer threads, all running at once"
    );
    assert!(
        threads_of_4 <= 4,
        "channel_pipeline(.., consumers = 4, ..) called `consume` from {threads_of_4} different \
         threads: start exactly `consumers` consumer threads"
    );
    assert_eq!(
        threads_of_1, 1,
        "channel_pipeline(.., consumers = 1, ..) called `consume` from {threads_of_1} different \
         threads: start exactly `consumers` consumer threads"
    );
}

#[test]
fn channel_pipeline_runs_one_producer_thread_per_input() {
    // Each of three inputs waits, when its first item is pulled, until all three have started
    // (giving up after 5 s): that happens only if each input has its own producer thread and
    // they run side by side.
    let met = watchdog(15, "channel_pipeline with three inputs", || {
        let meet = Rendezvous::new(3, 5);
        let gave_up = Arc::new(AtomicBool::new(false));
        let inputs: Vec<_> = (0..3u64)
            .map(|p| {
                let (meet, gave_up) = (Arc::clone(&meet), Arc::clone(&gave_up));
                (0..10u64).map(move |i| {
                    if i == 0 && !gave_up.load(Ordering::SeqCst) && !meet.meet() {
                        gave_up.store(true, Ordering::SeqCst);
                    }
                    (p, i)
                })
            })
            .collect();
        let count = AtomicUsize::new(0);
        channel_pipeline(inputs, 2, 1, |_| {
            count.fetch_add(1, Ordering::SeqCst);
        });
        assert_eq!(count.into_inner(), 30, "every item must be consumed once");
        !gave_up.load(Ordering::SeqCst)
    });
    assert!(
        met,
        "channel_pipeline was given 3 inputs, but their iterators never ran at the same time: \
         each input needs a producer thread of its own, all running at once"
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

#[test]
fn channel_pipeline_consumers_sleep_while_the_channel_is_empty() {
    // The producer sends one item, then waits (in its iterator) until the test lets it go on:
    // meanwhile the consumer has nothing to receive. The test watches the consumer's thread.
    let (go_on, wait_for_go) = mpsc::channel::<()>();
    let (tid_tx, tid_rx) = mpsc::channel::<u32>();
    let consumed = Arc::new(AtomicUsize::new(0));
    let pipeline = {
        let consumed = Arc::clone(&consumed);
        start_call(move || {
            let items = (0..6u32).inspect(move |&i| {
                if i == 1 {
                    let _ = wait_for_go.recv();
                }
            });
            channel_pipeline(vec![items], 2, 1, |_item| {
                if consumed.fetch_add(1, Ordering::SeqCst) == 0 {
                    let _ = tid_tx.send(this_thread_tid());
                }
            });
        })
    };
    let consumer_tid = tid_rx
        .recv_timeout(Duration::from_secs(WAKE_DEADLINE_SECS))
        .expect("channel_pipeline did not consume the first item");
    assert_thread_sleeps(
        consumer_tid,
        "a consumer of channel_pipeline waiting on an empty channel",
        &|| consumed.load(Ordering::SeqCst) == 1 && !pipeline.has_returned(),
    );
    drop(go_on);
    pipeline.finish("channel_pipeline did not return after its producer finished");
    assert_eq!(consumed.load(Ordering::SeqCst), 6);
}

#[test]
fn channel_pipeline_producers_sleep_while_the_channel_is_full() {
    // The consumer waits (in `consume`, on its first item) until the test lets it go on:
    // meanwhile the producer fills the channel and must wait for room. The test watches the
    // producer's thread.
    let (go_on, wait_for_go) = mpsc::channel::<()>();
    let wait_for_go = Mutex::new(wait_for_go);
    let (tid_tx, tid_rx) = mpsc::channel::<u32>();
    let pulled = Arc::new(AtomicUsize::new(0));
    let capacity = 2;
    let pipeline = {
        let pulled = Arc::clone(&pulled);
        start_call(move || {
            let items = (0..8u32).inspect(move |_| {
                if pulled.fetch_add(1, Ordering::SeqCst) == 0 {
                    let _ = tid_tx.send(this_thread_tid());
                }
            });
            channel_pipeline(vec![items], capacity, 1, |_item| {
                let _ = wait_for_go.lock().unwrap().recv();
            });
        })
    };
    let producer_tid = tid_rx
        .recv_timeout(Duration::from_secs(WAKE_DEADLINE_SECS))
        .expect("channel_pipeline did not pull the first item");
    // One item in the consumer's hands, `capacity` in the channel, one in the producer's hands.
    let full = capacity + 2;
    let deadline = Instant::now() + Duration::from_secs(WAKE_DEADLINE_SECS);
    while pulled.load(Ordering::SeqCst) < full && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        full,
        "with the only consumer busy on its first item and a channel of capacity {capacity}, \
         the producer should have pulled exactly {full} items and be waiting to send the last"
    );
    assert_thread_sleeps(
        producer_tid,
        "a producer of channel_pipeline waiting on a full channel",
        &|| pulled.load(Ordering::SeqCst) == full && !pipeline.has_returned(),
    );
    drop(go_on);
    pipeline.finish("channel_pipeline did not return after its consumer went on");
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        8,
        "every item must be pulled"
    );
}
