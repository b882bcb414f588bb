//! Given code of exercise 4 (`ex04_producer_consumer`): the shared list of
//! part 1, [`SharedList`], that `produce` and `consume` work on. Read it, do
//! not change it: the grader always uses the original. The exercise module
//! re-exports every item.

use std::collections::VecDeque;

use crate::sync::{Condvar, Mutex};

// ANCHOR: shared_list
/// What the producer and the consumer share: the numbers not yet taken, and
/// whether the producer has finished. Both live under ONE lock, so that "the
/// list is empty and the producer is done" is a single fact the consumer can
/// read atomically.
#[derive(Debug, Default)]
pub struct ListState {
    /// Numbers added and not yet removed, oldest first.
    pub items: VecDeque<u64>,
    /// Set by the producer once it has added its last number.
    pub closed: bool,
}

/// The shared list: the state behind a mutex, and a condition variable the
/// producer signals whenever it changes the state (a number added, or the list
/// closed).
#[derive(Debug, Default)]
pub struct SharedList {
    /// The numbers and the `closed` flag.
    pub state: Mutex<ListState>,
    /// Notified after every change to `state`.
    pub changed: Condvar,
}

impl SharedList {
    /// An empty, open list.
    pub fn new() -> Self {
        Self::default()
    }
}
// ANCHOR_END: shared_list
