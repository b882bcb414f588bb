//! Factorials on a thread pool.
//!
//! The factorials of 1..=10, computed (a) on a rayon pool of a given size and (b) on a small
//! hand-built [`ThreadPool`]: results come back in input order, each tagged with the thread that
//! computed it. Overflow is an error value, never a wrapped number; [`factorial_big`] has no
//! limit.
//!
//! Run the tests with `cargo test --test ex07_thread_pool_factorials`; `cargo course hint ex07`
//! gives a hint.

use std::fmt;
use std::sync::mpsc;
use std::thread::{self, ThreadId};

use num_bigint::BigUint;

// ANCHOR: tagged
/// A value together with the thread that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged<R> {
    /// The computed value.
    pub value: R,
    /// The id of the thread that computed it.
    pub thread_id: ThreadId,
    /// That thread's name, if it has one.
    pub thread_name: Option<String>,
}

impl<R> Tagged<R> {
    /// Tags `value` with the CURRENT thread: call it on the thread that did the work.
    pub fn here(value: R) -> Self {
        let me = thread::current();
        Tagged {
            value,
            thread_id: me.id(),
            thread_name: me.name().map(str::to_owned),
        }
    }
}
// ANCHOR_END: tagged

// ANCHOR: factorial_api
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

/// `n!` as a `u64`, or [`FactorialError::Overflow`] naming `n` if it does not fit. `0! = 1`.
/// Never wraps around.
pub fn factorial_checked(n: u64) -> Result<u64, FactorialError> {
    let _ = n;
    todo!("multiply 1..=n with checked_mul; on None return Err(FactorialError::Overflow {{ n }})")
}

/// `n!` as a big integer, exact for any `n`. `0! = 1`.
pub fn factorial_big(n: u64) -> BigUint {
    let _ = n;
    todo!("fold 1..=n into a BigUint, starting from BigUint::from(1u32)")
}

/// `n!` as a big integer, the multiplications split over a rayon pool of `threads` threads.
/// Same value as [`factorial_big`].
///
/// # Panics
/// If `threads` is 0.
pub fn factorial_big_parallel(n: u64, threads: usize) -> BigUint {
    let _ = (n, threads);
    todo!("on a rayon pool of `threads` threads: (1..=n).into_par_iter().fold(..).reduce(..)")
}

// ANCHOR_END: factorial_api

// ANCHOR: rayon_api
/// The prefix of the rayon pool's thread names: the threads are `rayon-worker-0`,
/// `rayon-worker-1`, ...
pub const RAYON_THREAD_PREFIX: &str = "rayon-worker-";

/// Applies `f` to every item on a NEW rayon pool of exactly `threads` threads, named
/// `rayon-worker-<i>`, and returns the results in the order of `items`, each tagged with the
/// thread that computed it.
///
/// # Panics
/// If `threads` is 0, or if `f` panics.
pub fn rayon_map<T, R, F>(threads: usize, items: Vec<T>, f: F) -> Vec<Tagged<R>>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Send + Sync,
{
    let _ = (threads, items, f);
    todo!("ThreadPoolBuilder (num_threads, thread_name), then install(|| par_iter, map, collect)")
}

/// The checked factorial of every number in `numbers`, on a rayon pool of `threads` threads;
/// results in the order of `numbers`.
pub fn rayon_factorials(
    threads: usize,
    numbers: &[u64],
) -> Vec<Tagged<Result<u64, FactorialError>>> {
    let _ = (threads, numbers);
    todo!("rayon_map over the numbers with factorial_checked")
}

// ANCHOR_END: rayon_api

// ANCHOR: pool_api
/// The prefix of the hand-built pool's thread names: its workers are `pool-worker-0`,
/// `pool-worker-1`, ...
pub const POOL_THREAD_PREFIX: &str = "pool-worker-";

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of worker threads that take jobs from one shared channel.
///
/// Dropping the pool shuts it down gracefully: the jobs already queued still run, then every
/// worker thread is joined, so no thread is left running once `drop` returns.
///
/// The private fields are a suggestion (the book's design); change them as you like.
pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    sender: Option<mpsc::Sender<Job>>,
}

impl ThreadPool {
    /// Starts `size` worker threads, named `pool-worker-0` .. `pool-worker-<size-1>`.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn new(size: usize) -> Self {
        let _ = size;
        todo!("make a job channel, share the receiver (Arc<Mutex<..>>), spawn named worker threads")
    }

    /// How many worker threads the pool has.
    pub fn size(&self) -> usize {
        todo!(
            "the number of workers ({} handles so far)",
            self.workers.len()
        )
    }

    /// Queues `job` to run on one of the workers. Does not wait for it.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let _ = (job, &self.sender);
        todo!("box the job and send it down the job channel")
    }

    /// Applies `f` to every item on the pool's workers and waits for all of them; returns the
    /// results in the order of `items`, each tagged with the worker that computed it.
    ///
    /// # Panics
    /// If `f` panics (the other items still run, and the pool stays usable).
    pub fn map<T, R, F>(&self, items: Vec<T>, f: F) -> Vec<Tagged<R>>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let _ = (items, f);
        todo!(
            "execute one job per item that sends (index, Tagged::here(f(item))); collect by index"
        )
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        todo!(
            "drop the sender (closing the channel), then join every worker ({})",
            self.workers.len()
        )
    }
}

/// The checked factorial of every number in `numbers`, on a new [`ThreadPool`] of `threads`
/// workers (shut down before returning); results in the order of `numbers`.
pub fn pool_factorials(
    threads: usize,
    numbers: &[u64],
) -> Vec<Tagged<Result<u64, FactorialError>>> {
    let _ = (threads, numbers);
    todo!("a ThreadPool of `threads` workers, mapping factorial_checked over the numbers")
}
// ANCHOR_END: pool_api
