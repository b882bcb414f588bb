//! Given code of exercise 7 (`ex07_thread_pool_factorials`): the error of a
//! checked factorial ([`FactorialError`]), the prefixes of the pools' thread
//! names, and [`Job`], the type of a job queued on a `ThreadPool`. Read it, do
//! not change it: the grader always uses the original. The exercise module
//! re-exports every public item.

use std::fmt;

// ANCHOR: factorial_error
/// A factorial that does not fit in a `u64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactorialError {
    /// `n!` is larger than `u64::MAX` (true for every `n` from 21 on).
    Overflow {
        /// The `n` whose factorial overflowed.
        n: u64,
    },
}

impl fmt::Display for FactorialError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FactorialError::Overflow { n } => {
                write!(
                    f,
                    "{n}! does not fit in a u64 (20! is the largest that does)"
                )
            }
        }
    }
}

impl std::error::Error for FactorialError {}
// ANCHOR_END: factorial_error

// ANCHOR: thread_names
/// The prefix of the rayon pool's thread names: the threads are
/// `rayon-worker-0`, `rayon-worker-1`, ...
pub const RAYON_THREAD_PREFIX: &str = "rayon-worker-";

/// The prefix of the hand-built pool's thread names: its workers are
/// `pool-worker-0`, `pool-worker-1`, ...
pub const POOL_THREAD_PREFIX: &str = "pool-worker-";
// ANCHOR_END: thread_names

/// A job queued on a `ThreadPool`: a closure that runs once, on another thread.
pub type Job = Box<dyn FnOnce() + Send + 'static>;
