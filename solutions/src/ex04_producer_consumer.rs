//! Producer and consumer with a lock.
//!
//! Three parts, each a step up from the last (chapter 4 of the book walks
//! through them):
//!
//! 1. A shared list ([`SharedList`]): one thread adds numbers ([`produce`]),
//!    another removes them ([`consume`]). The consumer sleeps on a
//!    [`Condvar`](std::sync::Condvar) while the list is empty and stops when
//!    the producer has closed the list and every number has been taken.
//! 2. A [`BoundedBuffer`]: many producers and consumers, `push` blocks while
//!    the buffer is full, `pop` blocks while it is empty, `close` ends the
//!    stream.
//! 3. The same pipeline with a bounded `crossbeam::channel`
//!    ([`channel_pipeline`]).
//!
//! Given, in `src/given/ex04_producer_consumer.rs` and re-exported here: the
//! shared list of part 1 ([`SharedList`], [`ListState`]).
//!
// STUB: //! Run the tests: `cargo test --test ex04_producer_consumer` in the
// STUB: //! `exercises` folder. Stuck? `cargo course hint ex04`.
// SOLUTION BEGIN
//! The hand-built parts use `crate::sync`, so that `--features shuttle` can
//! model-check them.
// SOLUTION END

pub use crate::given::ex04_producer_consumer::{ListState, SharedList};

use std::collections::VecDeque;
// STUB: use std::sync::Mutex;
// SOLUTION BEGIN

use crate::sync::{Arc, Condvar, Mutex, thread};
// SOLUTION END

// -----------------------------------------------------------------------------
// Part 1: one producer, one consumer, a shared list.
// -----------------------------------------------------------------------------

// The list, [`SharedList`], is given (src/given/ex04_producer_consumer.rs).

// ANCHOR: produce
/// Adds every number of `numbers` to the back of the list, in order, waking the
/// consumer after each one; then closes the list (sets `closed`) and wakes the
/// consumer once more.
///
/// The iterator is pulled *without* holding the lock (it may be slow: the tests
/// pace it).
pub fn produce(list: &SharedList, numbers: impl IntoIterator<Item = u64>) {
    // STUB: let _ = (list, numbers.into_iter());
    // STUB-TODO: "push each number under the lock and notify `changed`; then set \
    // STUB-TODO:      `closed` and notify_all"
    // SOLUTION BEGIN
    for n in numbers {
        // Lock only for the push: the guard is a temporary, dropped at the end
        // of the statement.
        list.state.lock().unwrap().items.push_back(n);
        list.changed.notify_one();
    }
    list.state.lock().unwrap().closed = true;
    list.changed.notify_all();
    // SOLUTION END
}
// ANCHOR_END: produce

// ANCHOR: consume
/// Removes numbers from the front of the list and calls `on_item` with each, in
/// the order they were added, until the list is closed AND empty; then returns.
///
/// While the list is empty and not closed, the consumer sleeps (waits on
/// `changed`) until the producer notifies: it uses no CPU time while there is
/// nothing to do, and wakes up at most a few times a second (a spurious
/// wake-up, or a timed wait of 250 ms or longer, is fine; a loop that re-checks
/// the list, with `yield_now` or a short sleep, is not).
///
/// `on_item` is called WITHOUT the lock held.
// STUB: pub fn consume(list: &SharedList, on_item: impl FnMut(u64)) {
// STUB: let _ = (list, on_item);
// STUB-TODO: "loop: lock, wait on `changed` while empty and open, pop_front; None \
// STUB-TODO:          means done"
// SOLUTION BEGIN
pub fn consume(list: &SharedList, mut on_item: impl FnMut(u64)) {
    loop {
        let next = {
            let guard = list.state.lock().unwrap();
            // `wait_while` re-checks the condition after every wake-up,
            // spurious ones included.
            let mut guard = list
                .changed
                .wait_while(guard, |s| s.items.is_empty() && !s.closed)
                .unwrap();
            guard.items.pop_front()
        }; // guard dropped here: `on_item` runs without the lock
        match next {
            Some(n) => on_item(n),
            None => return, // empty and closed: the producer is done
        }
    }
    // SOLUTION END
}
// ANCHOR_END: consume

// ANCHOR: run_producer_consumer
/// Starts a producer thread that adds `numbers` to a fresh [`SharedList`]
/// (shared with an `Arc`) and a consumer thread that removes them; returns the
/// numbers in the order the consumer removed them.
pub fn run_producer_consumer(numbers: Vec<u64>) -> Vec<u64> {
    // STUB: let _ = numbers;
    // STUB-TODO: "Arc<SharedList>, spawn a thread running produce and one running \
    // STUB-TODO:      consume, join both"
    // SOLUTION BEGIN
    let list = Arc::new(SharedList::new());
    let producer = {
        let list = Arc::clone(&list);
        thread::spawn(move || produce(&list, numbers))
    };
    let consumer = {
        let list = Arc::clone(&list);
        thread::spawn(move || {
            let mut taken = Vec::new();
            consume(&list, |n| taken.push(n));
            taken
        })
    };
    producer.join().expect("the producer thread panicked");
    consumer.join().expect("the consumer thread panicked")
    // SOLUTION END
}
// ANCHOR_END: run_producer_consumer

// -----------------------------------------------------------------------------
// Part 2: a bounded buffer for many producers and consumers.
// -----------------------------------------------------------------------------
// SOLUTION BEGIN

#[derive(Debug)]
struct BufferState<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Threads blocked in `push` (waiting on `not_full`) and in `pop` (waiting
    /// on `not_empty`). A notify costs a system call even when nobody
    /// waits, so `push` and `pop` notify only when the other side has a
    /// waiter. The counts change under the lock, and a thread always
    /// re-checks the state under the lock before it waits, so no wake-up can
    /// be lost.
    waiting_pushers: usize,
    waiting_poppers: usize,
}
// SOLUTION END

// ANCHOR: bounded_buffer
/// A first-in-first-out buffer of at most `capacity` items, shared by any
/// number of producer and consumer threads (`&BoundedBuffer<T>` is all they
/// need; wrap it in an `Arc` or use scoped threads).
///
/// Contract:
/// - FIFO: items come out in the order they went in (so the items of one
///   producer reach any one consumer in the order that producer pushed them).
/// - [`push`](Self::push) blocks while the buffer holds `capacity` items;
///   [`pop`](Self::pop) blocks while it is empty. A blocked call sleeps on a
///   condition variable: while nothing changes it uses no CPU time and wakes up
///   at most a few times a second (a spurious wake-up, or a timed wait of 250
///   ms or longer, is fine; a loop that re-checks the buffer, with `yield_now`
///   or a short sleep, is not).
/// - No wake-up is lost, however many threads wait: every `push` wakes a
///   waiting `pop` (if one waits), every `pop` a waiting `push`, and `close`
///   wakes them all.
/// - After [`close`](Self::close), `push` returns `Err(item)` at once (also a
///   push that was blocked), and `pop` returns the remaining items, then `None`
///   forever.
/// - [`len`](Self::len) never exceeds [`capacity`](Self::capacity).
#[derive(Debug)]
pub struct BoundedBuffer<T> {
    // STUB: // Replace this placeholder with your fields. One design that
    // STUB: // works: a `Mutex<State<T>>` (a private struct with a
    // STUB: // `VecDeque<T>` and a `closed: bool`), two `Condvar`s
    // STUB: // (`not_empty`, `not_full`) and the `capacity`.
    // STUB: _replace_me: std::marker::PhantomData<Mutex<VecDeque<T>>>,
    // SOLUTION BEGIN
    state: Mutex<BufferState<T>>,
    not_empty: Condvar,
    not_full: Condvar,
    capacity: usize,
    // SOLUTION END
}

impl<T> BoundedBuffer<T> {
    /// An empty, open buffer. Panics if `capacity` is 0.
    pub fn new(capacity: usize) -> Self {
        // STUB: let _ = capacity;
        // STUB-TODO: "assert capacity > 0, then build the state, the two \
        // STUB-TODO:      condvars and the capacity"
        // SOLUTION BEGIN
        assert!(
            capacity > 0,
            "a bounded buffer needs a capacity of at least 1"
        );
        Self {
            state: Mutex::new(BufferState {
                items: VecDeque::with_capacity(capacity),
                closed: false,
                waiting_pushers: 0,
                waiting_poppers: 0,
            }),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            capacity,
        }
        // SOLUTION END
    }

    /// The most items the buffer holds at once.
    pub fn capacity(&self) -> usize {
        // STUB-TODO: "return the capacity"
        // SOLUTION BEGIN
        self.capacity
        // SOLUTION END
    }

    /// How many items are in the buffer right now (at most `capacity`).
    pub fn len(&self) -> usize {
        // STUB-TODO: "lock the state and return the number of items"
        // SOLUTION BEGIN
        self.state.lock().unwrap().items.len()
        // SOLUTION END
    }

    /// Whether the buffer holds no items right now.
    pub fn is_empty(&self) -> bool {
        // STUB-TODO: "len() == 0"
        // SOLUTION BEGIN
        self.len() == 0
        // SOLUTION END
    }

    /// Adds `item` at the back, waiting while the buffer is full. Returns
    /// `Err(item)` if the buffer is (or becomes, while waiting) closed.
    pub fn push(&self, item: T) -> Result<(), T> {
        // STUB: let _ = item;
        // STUB-TODO: "lock; wait on not_full while full and open; closed => \
        // STUB-TODO:      Err(item); push; notify"
        // SOLUTION BEGIN
        let mut guard = self.state.lock().unwrap();
        // A loop, not an `if`: after a wake-up (spurious, or another producer
        // was faster) the buffer may be full again.
        while guard.items.len() == self.capacity && !guard.closed {
            guard.waiting_pushers += 1;
            guard = self.not_full.wait(guard).unwrap();
            guard.waiting_pushers -= 1;
        }
        if guard.closed {
            return Err(item);
        }
        guard.items.push_back(item);
        let wake_a_popper = guard.waiting_poppers > 0;
        // the woken thread would only block on the lock we still hold
        drop(guard);
        if wake_a_popper {
            self.not_empty.notify_one();
        }
        Ok(())
        // SOLUTION END
    }

    /// Removes the item at the front, waiting while the buffer is empty and
    /// open. Returns `None` once the buffer is closed and empty.
    pub fn pop(&self) -> Option<T> {
        // STUB-TODO: "lock; wait on not_empty while empty and open; pop_front; \
        // STUB-TODO:      notify not_full"
        // SOLUTION BEGIN
        let mut guard = self.state.lock().unwrap();
        while guard.items.is_empty() && !guard.closed {
            guard.waiting_poppers += 1;
            guard = self.not_empty.wait(guard).unwrap();
            guard.waiting_poppers -= 1;
        }
        let item = guard.items.pop_front()?; // empty here means closed: the end
        let wake_a_pusher = guard.waiting_pushers > 0;
        drop(guard);
        if wake_a_pusher {
            self.not_full.notify_one();
        }
        Some(item)
        // SOLUTION END
    }

    /// Closes the buffer: wakes every waiting `push` (they return `Err`) and
    /// every waiting `pop` (they drain what is left, then return `None`).
    /// Closing twice is harmless.
    pub fn close(&self) {
        // STUB-TODO: "set closed under the lock, then notify_all on both condvars"
        // SOLUTION BEGIN
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
        // SOLUTION END
    }
}
// ANCHOR_END: bounded_buffer

// -----------------------------------------------------------------------------
// Part 3: the same pipeline with a bounded channel.
// -----------------------------------------------------------------------------

// ANCHOR: channel_pipeline
/// Runs one producer thread per element of `inputs` (each sends its items, in
/// order) and exactly `consumers` consumer threads (each calls `consume` with
/// every item it receives), all at the same time, connected by a
/// `crossbeam::channel::bounded(capacity)` channel. Returns when every item has
/// been consumed and every thread has finished.
///
/// - Every item is consumed exactly once; the items of one producer reach any
///   one consumer in the order that producer sent them.
/// - The channel is bounded: a producer may not pull its next item from its
///   iterator while the channel is full (so producers run at most `capacity`
///   items ahead of the consumers, plus one in hand per thread).
/// - A producer waiting for room and a consumer waiting for an item sleep, as
///   in [`BoundedBuffer`]: use the channel's blocking `send` and `recv`, not
///   `try_send` or `try_recv` in a loop.
/// - Consumers end when the channel is empty and every producer has finished
///   (dropped its sender). Panics if `consumers` is 0 or `capacity` is 0.
pub fn channel_pipeline<T, I, F>(
    inputs: Vec<I>,
    capacity: usize,
    consumers: usize,
    consume: F,
) where
    T: Send,
    I: IntoIterator<Item = T> + Send,
    F: Fn(T) + Sync,
{
    // STUB: let _ = (inputs, capacity, consumers, consume);
    // STUB-TODO: "bounded channel; std::thread::scope; a producer per input, \
    // STUB-TODO:      `consumers` receivers"
    // SOLUTION BEGIN
    assert!(consumers > 0, "the pipeline needs at least one consumer");
    assert!(capacity > 0, "use a capacity of at least 1");
    let (tx, rx) = crossbeam::channel::bounded::<T>(capacity);
    // Real threads, not crate::sync: crossbeam's channel is not modelled by
    // shuttle.
    std::thread::scope(|s| {
        for input in inputs {
            let tx = tx.clone();
            s.spawn(move || {
                for item in input {
                    if tx.send(item).is_err() {
                        return; // every receiver is gone
                    }
                }
            });
        }
        // The consumers stop when every Sender is dropped: drop the original
        // one too.
        drop(tx);
        for _ in 0..consumers {
            let rx = rx.clone();
            let consume = &consume;
            s.spawn(move || {
                for item in rx {
                    consume(item);
                }
            });
        }
    });
    // SOLUTION END
}
// ANCHOR_END: channel_pipeline
// SOLUTION BEGIN

// -----------------------------------------------------------------------------
// Model checking with shuttle: `cargo test -p solutions --features shuttle
// --lib model_check`
// -----------------------------------------------------------------------------

#[cfg(all(test, feature = "shuttle"))]
mod model_check {
    use super::*;

    /// Two producers, two consumers, capacity 1: every item exactly once, FIFO
    /// per producer, no deadlock (shuttle reports a deadlock if every
    /// thread is blocked).
    fn two_by_two() {
        let buf = Arc::new(BoundedBuffer::new(1));
        let producers: Vec<_> = (0..2u32)
            .map(|p| {
                let buf = Arc::clone(&buf);
                thread::spawn(move || {
                    for i in 0..3u32 {
                        buf.push((p, i)).unwrap();
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let buf = Arc::clone(&buf);
                thread::spawn(move || {
                    let mut got = Vec::new();
                    while let Some(x) = buf.pop() {
                        assert!(buf.len() <= buf.capacity());
                        got.push(x);
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        buf.close();
        let mut all = Vec::new();
        for c in consumers {
            let got = c.join().unwrap();
            for p in 0..2 {
                let mine: Vec<u32> =
                    got.iter().filter(|x| x.0 == p).map(|x| x.1).collect();
                assert!(
                    mine.windows(2).all(|w| w[0] < w[1]),
                    "per-producer order broken: {got:?}"
                );
            }
            all.extend(got);
        }
        all.sort_unstable();
        let want: Vec<(u32, u32)> =
            (0..2).flat_map(|p| (0..3).map(move |i| (p, i))).collect();
        assert_eq!(all, want);
    }

    #[test]
    fn model_check_bounded_buffer_random() {
        shuttle::check_random(two_by_two, 5000);
    }

    #[test]
    fn model_check_bounded_buffer_pct() {
        shuttle::check_pct(two_by_two, 5000, 3);
    }

    /// Close while a producer is blocked on a full buffer and a consumer may be
    /// blocked on an empty one: both must wake up.
    #[test]
    fn model_check_close_wakes_everyone() {
        shuttle::check_random(
            || {
                let buf = Arc::new(BoundedBuffer::new(1));
                buf.push(0u8).unwrap();
                let b = Arc::clone(&buf);
                let blocked_push = thread::spawn(move || b.push(1));
                let b = Arc::clone(&buf);
                let popper = thread::spawn(move || {
                    let mut n = 0;
                    while b.pop().is_some() {
                        n += 1;
                    }
                    n
                });
                buf.close();
                let pushed = blocked_push.join().unwrap().is_ok();
                let popped = popper.join().unwrap();
                assert_eq!(popped, 1 + usize::from(pushed));
            },
            2000,
        );
    }

    /// The classic mistake, kept here to show that the model checker finds it:
    /// ONE condvar for both "not empty" and "not full", signalled with
    /// `notify_one`. A pop can wake the other consumer instead of a
    /// producer; it goes back to sleep, and soon every thread waits.
    struct OneCondvarNotifyOne {
        items: Mutex<VecDeque<u32>>,
        changed: Condvar,
    }

    impl OneCondvarNotifyOne {
        fn push(&self, x: u32) {
            let guard = self.items.lock().unwrap();
            let mut guard =
                self.changed.wait_while(guard, |q| !q.is_empty()).unwrap();
            guard.push_back(x);
            self.changed.notify_one();
        }

        fn pop(&self) -> u32 {
            let guard = self.items.lock().unwrap();
            let mut guard =
                self.changed.wait_while(guard, |q| q.is_empty()).unwrap();
            let x = guard.pop_front().unwrap();
            self.changed.notify_one();
            x
        }
    }

    #[test]
    #[should_panic(expected = "deadlock")]
    fn model_check_finds_the_one_condvar_notify_one_deadlock() {
        shuttle::check_random(
            || {
                let buf = Arc::new(OneCondvarNotifyOne {
                    items: Mutex::new(VecDeque::new()),
                    changed: Condvar::new(),
                });
                let mut handles = Vec::new();
                for _ in 0..2 {
                    let b = Arc::clone(&buf);
                    handles.push(thread::spawn(move || {
                        (0..3).for_each(|i| b.push(i))
                    }));
                    let b = Arc::clone(&buf);
                    handles.push(thread::spawn(move || {
                        (0..3).for_each(|_| {
                            b.pop();
                        })
                    }));
                }
                for h in handles {
                    h.join().unwrap();
                }
            },
            2000,
        );
    }

    /// Part 1: the consumer ends exactly when the producer is done, with every
    /// number.
    #[test]
    fn model_check_shared_list() {
        shuttle::check_random(
            || {
                let list = Arc::new(SharedList::new());
                let l = Arc::clone(&list);
                let producer = thread::spawn(move || produce(&l, 0..4));
                let l = Arc::clone(&list);
                let consumer = thread::spawn(move || {
                    let mut got = Vec::new();
                    consume(&l, |n| got.push(n));
                    got
                });
                producer.join().unwrap();
                assert_eq!(consumer.join().unwrap(), vec![0, 1, 2, 3]);
            },
            2000,
        );
    }
}
// SOLUTION END
