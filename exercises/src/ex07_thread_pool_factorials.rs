//! Factorials on a thread pool.
//!
//! The factorials of 1..=10, computed (a) on a rayon pool of a given size and
//! (b) on a small hand-built [`ThreadPool`]: results come back in input order,
//! whatever order the work finished in. Overflow is an error value, never a
//! wrapped number; [`factorial_big`] has no limit.
//!
//! Given, in `src/given/ex07_thread_pool_factorials.rs`: [`FactorialError`]
//! and the thread-name prefixes, re-exported here, and the type of a queued
//! job, `Job`.
//!
//! Run the tests with `cargo test --test ex07_thread_pool_factorials`;
//! `cargo course hint ex07` gives a hint.

pub use crate::given::ex07_thread_pool_factorials::{
    FactorialError, POOL_THREAD_PREFIX, RAYON_THREAD_PREFIX,
};

use std::sync::mpsc;
use std::thread;

use num_bigint::BigUint;

use crate::given::ex07_thread_pool_factorials::Job;

// ANCHOR: factorial_api
/// `n!` as a `u64`, or [`FactorialError::Overflow`] naming `n` if it does not
/// fit. `0! = 1`. Never wraps around.
pub fn factorial_checked(n: u64) -> Result<u64, FactorialError> {
    let _ = n;
    todo!(
        "multiply 1..=n with checked_mul; on None return \
         Err(FactorialError::Overflow {{ n }})"
    )
}

/// `n!` as a big integer, exact for any `n`. `0! = 1`.
pub fn factorial_big(n: u64) -> BigUint {
    let _ = n;
    todo!("fold 1..=n into a BigUint, starting from BigUint::from(1u32)")
}

/// `n!` as a big integer, the multiplications split over a rayon pool of
/// `threads` threads. Same value as [`factorial_big`].
///
/// # Panics
/// If `threads` is 0.
pub fn factorial_big_parallel(n: u64, threads: usize) -> BigUint {
    let _ = (n, threads);
    todo!(
        "on a rayon pool of `threads` threads: \
         (1..=n).into_par_iter().fold(..).reduce(..)"
    )
}

// ANCHOR_END: factorial_api
// ANCHOR: rayon_api

/// Applies `f` to every item on a NEW rayon pool of exactly `threads` threads,
/// named `rayon-worker-0` .. `rayon-worker-<threads-1>`, and returns the
/// results in the order of `items` (not the order they finished in).
///
/// Every call of `f` runs on one of that pool's threads (never on the caller's
/// thread or on rayon's global pool: inside `f`, `rayon::current_num_threads()`
/// is `threads`), and the items are split among the pool's threads, so that
/// several run at the same time.
///
/// # Panics
/// If `threads` is 0, or if `f` panics.
pub fn rayon_map<T, R, F>(threads: usize, items: Vec<T>, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Send + Sync,
{
    let _ = (threads, items, f);
    todo!(
        "ThreadPoolBuilder (num_threads, thread_name), then install(|| \
         into_par_iter, map, collect)"
    )
}

/// The checked factorial of every number in `numbers`, computed by
/// [`rayon_map`] on a rayon pool of `threads` threads; results in the order of
/// `numbers`.
///
/// # Panics
/// If `threads` is 0.
pub fn rayon_factorials(
    threads: usize,
    numbers: &[u64],
) -> Vec<Result<u64, FactorialError>> {
    let _ = (threads, numbers);
    todo!("rayon_map over the numbers with factorial_checked")
}

// ANCHOR_END: rayon_api
// ANCHOR: pool_api
/// A fixed set of worker threads that take jobs from one shared queue.
///
/// - Every job runs on one of the pool's workers, never on the caller's thread.
///   The workers live as long as the pool: no thread is started per job, so as
///   long as no job panics, every job runs on one of the same `size` threads.
/// - A worker that finishes a job takes the next queued one, and no worker
///   holds anything the others need while it runs a job: with enough jobs
///   queued, `size` jobs run at the same time, and never more.
/// - A job that panics does not take the pool down with it: the panic is
///   contained, and the pool can still run `size` jobs at once.
/// - Dropping the pool shuts it down gracefully: the jobs already queued still
///   run, then every worker thread is joined, so no job and no worker is left
///   running once `drop` returns.
///
/// The private fields are a suggestion (the book's design); change
/// them as you like.
pub struct ThreadPool {
    workers: Vec<thread::JoinHandle<()>>,
    sender: Option<mpsc::Sender<Job>>,
}

impl ThreadPool {
    /// Starts `size` worker threads, named `pool-worker-0` ..
    /// `pool-worker-<size-1>`.
    ///
    /// # Panics
    /// If `size` is 0.
    pub fn new(size: usize) -> Self {
        let _ = size;
        todo!(
            "make a job channel, share the receiver (Arc<Mutex<..>>), \
             spawn named worker threads"
        )
    }

    /// How many worker threads the pool has.
    pub fn size(&self) -> usize {
        todo!(
            "the number of workers ({} handles so far)",
            self.workers.len()
        )
    }

    /// Queues `job` to run on one of the workers, and returns at once: it does
    /// not wait for the job to start or finish.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        let _ = (job, &self.sender);
        todo!("box the job and send it down the job channel")
    }

    /// Runs `f` on every item, one job per item on the pool's workers (so up to
    /// `size` items at the same time), waits for all of them, and returns
    /// the results in the order of `items`, not the order they finished in.
    ///
    /// # Panics
    /// If `f` panics on an item. The other items still run, and the pool stays
    /// usable.
    pub fn map<T, R, F>(&self, items: Vec<T>, f: F) -> Vec<R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        let _ = (items, f);
        todo!(
            "execute one job per item that sends (index, f(item)); \
             collect the results by index"
        )
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        todo!(
            "drop the sender (closing the channel), then join every \
             worker ({})",
            self.workers.len()
        )
    }
}

/// The checked factorial of every number in `numbers`, computed by
/// [`ThreadPool::map`] on a new pool of `threads` workers (dropped before
/// returning); results in the order of `numbers`.
///
/// # Panics
/// If `threads` is 0.
pub fn pool_factorials(
    threads: usize,
    numbers: &[u64],
) -> Vec<Result<u64, FactorialError>> {
    let _ = (threads, numbers);
    todo!(
        "a ThreadPool of `threads` workers, mapping factorial_checked \
         over the numbers"
    )
}
// ANCHOR_END: pool_api
