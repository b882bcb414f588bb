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
//! Run the tests: `cargo test --test ex04_producer_consumer` in the
//! `exercises` folder. Stuck? `cargo course hint ex04`.

pub use crate::given::ex04_producer_consumer::{ListState, SharedList};

use std::collections::VecDeque;
use std::sync::Mutex;

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
    let _ = (list, numbers.into_iter());
    todo!(
        "push each number under the lock and notify `changed`; then set \
         `closed` and notify_all"
    )
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
pub fn consume(list: &SharedList, on_item: impl FnMut(u64)) {
    let _ = (list, on_item);
    todo!(
        "loop: lock, wait on `changed` while empty and open, pop_front; None \
         means done"
    )
}
// ANCHOR_END: consume

// ANCHOR: run_producer_consumer
/// Starts a producer thread that adds `numbers` to a fresh [`SharedList`]
/// (shared with an `Arc`) and a consumer thread that removes them; returns the
/// numbers in the order the consumer removed them.
pub fn run_producer_consumer(numbers: Vec<u64>) -> Vec<u64> {
    let _ = numbers;
    todo!(
        "Arc<SharedList>, spawn a thread running produce and one running \
         consume, join both"
    )
}
// ANCHOR_END: run_producer_consumer

// -----------------------------------------------------------------------------
// Part 2: a bounded buffer for many producers and consumers.
// -----------------------------------------------------------------------------

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
    // Replace this placeholder with your fields. One design that
    // works: a `Mutex<State<T>>` (a private struct with a
    // `VecDeque<T>` and a `closed: bool`), two `Condvar`s
    // (`not_empty`, `not_full`) and the `capacity`.
    _replace_me: std::marker::PhantomData<Mutex<VecDeque<T>>>,
}

impl<T> BoundedBuffer<T> {
    /// An empty, open buffer. Panics if `capacity` is 0.
    pub fn new(capacity: usize) -> Self {
        let _ = capacity;
        todo!(
            "assert capacity > 0, then build the state, the two \
             condvars and the capacity"
        )
    }

    /// The most items the buffer holds at once.
    pub fn capacity(&self) -> usize {
        todo!("return the capacity")
    }

    /// How many items are in the buffer right now (at most `capacity`).
    pub fn len(&self) -> usize {
        todo!("lock the state and return the number of items")
    }

    /// Whether the buffer holds no items right now.
    pub fn is_empty(&self) -> bool {
        todo!("len() == 0")
    }

    /// Adds `item` at the back, waiting while the buffer is full. Returns
    /// `Err(item)` if the buffer is (or becomes, while waiting) closed.
    pub fn push(&self, item: T) -> Result<(), T> {
        let _ = item;
        todo!(
            "lock; wait on not_full while full and open; closed => \
             Err(item); push; notify"
        )
    }

    /// Removes the item at the front, waiting while the buffer is empty and
    /// open. Returns `None` once the buffer is closed and empty.
    pub fn pop(&self) -> Option<T> {
        todo!(
            "lock; wait on not_empty while empty and open; pop_front; \
             notify not_full"
        )
    }

    /// Closes the buffer: wakes every waiting `push` (they return `Err`) and
    /// every waiting `pop` (they drain what is left, then return `None`).
    /// Closing twice is harmless.
    pub fn close(&self) {
        todo!("set closed under the lock, then notify_all on both condvars")
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
    let _ = (inputs, capacity, consumers, consume);
    todo!(
        "bounded channel; std::thread::scope; a producer per input, \
         `consumers` receivers"
    )
}
// ANCHOR_END: channel_pipeline
