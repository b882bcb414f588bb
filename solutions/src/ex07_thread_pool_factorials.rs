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
// STUB: //! Run the tests with `cargo test --test ex07_thread_pool_factorials`;
// STUB: //! `cargo course hint ex07` gives a hint.
// SOLUTION BEGIN
//! The hand-built pool is written against [`crate::sync`], so that it can be
//! model-checked with shuttle (`cargo test -p solutions --features shuttle
//! --lib model_check`).
// SOLUTION END

pub use crate::given::ex07_thread_pool_factorials::{
    FactorialError, POOL_THREAD_PREFIX, RAYON_THREAD_PREFIX,
};

// STUB: use std::sync::mpsc;
// STUB: use std::thread;
// SOLUTION BEGIN
use std::panic::{self, AssertUnwindSafe};
// SOLUTION END

use num_bigint::BigUint;

use crate::given::ex07_thread_pool_factorials::Job;
// SOLUTION BEGIN
use rayon::prelude::*;

use crate::sync::{Arc, Mutex, mpsc, thread};
// SOLUTION END

// ANCHOR: factorial_api
/// `n!` as a `u64`, or [`FactorialError::Overflow`] naming `n` if it does not
/// fit. `0! = 1`. Never wraps around.
pub fn factorial_checked(n: u64) -> Result<u64, FactorialError> {
    // STUB: let _ = n;
    // STUB-TODO: "multiply 1..=n with checked_mul; on None return \
    // STUB-TODO:      Err(FactorialError::Overflow {{ n }})"
    // SOLUTION BEGIN
    (1..=n)
        .try_fold(1_u64, |acc, k| acc.checked_mul(k))
        .ok_or(FactorialError::Overflow { n })
    // SOLUTION END
}

/// `n!` as a big integer, exact for any `n`. `0! = 1`.
pub fn factorial_big(n: u64) -> BigUint {
    // STUB: let _ = n;
    // STUB-TODO: "fold 1..=n into a BigUint, starting from BigUint::from(1u32)"
    // SOLUTION BEGIN
    (1..=n).fold(BigUint::from(1_u32), |acc, k| acc * k)
    // SOLUTION END
}

/// `n!` as a big integer, the multiplications split over a rayon pool of
/// `threads` threads. Same value as [`factorial_big`].
///
/// # Panics
/// If `threads` is 0.
pub fn factorial_big_parallel(n: u64, threads: usize) -> BigUint {
    // STUB: let _ = (n, threads);
    // STUB-TODO: "on a rayon pool of `threads` threads: \
    // STUB-TODO:      (1..=n).into_par_iter().fold(..).reduce(..)"
    // SOLUTION BEGIN
    rayon_pool(threads).install(|| {
        (1..=n)
            .into_par_iter()
            .fold(|| BigUint::from(1_u32), |acc, k| acc * k)
            .reduce(|| BigUint::from(1_u32), |a, b| a * b)
    })
    // SOLUTION END
}

// ANCHOR_END: factorial_api
// ANCHOR: rayon_api
// SOLUTION BEGIN

fn rayon_pool(threads: usize) -> rayon::ThreadPool {
    assert!(threads > 0, "a pool needs at least one thread");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("{RAYON_THREAD_PREFIX}{i}"))
        .build()
        .expect("building the rayon pool")
}
// SOLUTION END

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
    // STUB: let _ = (threads, items, f);
    // STUB-TODO: "ThreadPoolBuilder (num_threads, thread_name), then install(|| \
    // STUB-TODO:      into_par_iter, map, collect)"
    // SOLUTION BEGIN
    rayon_pool(threads).install(|| items.into_par_iter().map(f).collect())
    // SOLUTION END
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
    // STUB: let _ = (threads, numbers);
    // STUB-TODO: "rayon_map over the numbers with factorial_checked"
    // SOLUTION BEGIN
    rayon_map(threads, numbers.to_vec(), factorial_checked)
    // SOLUTION END
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
// STUB: ///
// STUB: /// The private fields are a suggestion (the book's design); change
// STUB: /// them as you like.
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
        // STUB: let _ = size;
        // STUB-TODO: "make a job channel, share the receiver (Arc<Mutex<..>>), \
        // STUB-TODO:      spawn named worker threads"
        // SOLUTION BEGIN
        assert!(size > 0, "a pool needs at least one worker");
        let (sender, receiver) = mpsc::channel::<Job>();
        // One receiver shared by all workers: whoever holds the lock takes the
        // next job.
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = (0..size)
            .map(|i| {
                let receiver = Arc::clone(&receiver);
                thread::Builder::new()
                    .name(format!("{POOL_THREAD_PREFIX}{i}"))
                    .spawn(move || worker_loop(&receiver))
                    .expect("spawning a pool worker")
            })
            .collect();
        ThreadPool {
            workers,
            sender: Some(sender),
        }
        // SOLUTION END
    }

    /// How many worker threads the pool has.
    pub fn size(&self) -> usize {
        // STUB-TODO: "the number of workers ({} handles so far)",
        // STUB-TODO: self.workers.len()
        // SOLUTION BEGIN
        self.workers.len()
        // SOLUTION END
    }

    /// Queues `job` to run on one of the workers, and returns at once: it does
    /// not wait for the job to start or finish.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        // STUB: let _ = (job, &self.sender);
        // STUB-TODO: "box the job and send it down the job channel"
        // SOLUTION BEGIN
        self.sender
            .as_ref()
            .expect("the pool is running until it is dropped")
            .send(Box::new(job))
            .expect("the workers live as long as the pool");
        // SOLUTION END
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
        // STUB: let _ = (items, f);
        // STUB-TODO: "execute one job per item that sends (index, f(item)); \
        // STUB-TODO:      collect the results by index"
        // SOLUTION BEGIN
        let f = Arc::new(f);
        let (tx, rx) = mpsc::channel();
        let count = items.len();
        for (i, item) in items.into_iter().enumerate() {
            let f = Arc::clone(&f);
            let tx = tx.clone();
            self.execute(move || {
                // Send the index along: results arrive in completion order, and
                // the index puts each one back in its slot.
                let _ = tx.send((i, f(item)));
            });
        }
        // the loop below ends once every job has sent (or dropped) its sender
        drop(tx);
        let mut slots: Vec<Option<R>> = (0..count).map(|_| None).collect();
        while let Ok((i, result)) = rx.recv() {
            slots[i] = Some(result);
        }
        slots
            .into_iter()
            .enumerate()
            .map(|(i, slot)| {
                slot.unwrap_or_else(|| panic!("item {i}: the job panicked"))
            })
            .collect()
        // SOLUTION END
    }
}
// SOLUTION BEGIN

fn worker_loop(receiver: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The guard is a temporary: the lock is released at the end of this
        // statement, before the job runs, so the other workers can take
        // jobs meanwhile.
        let next = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            // A panicking job must not kill the worker (the pool would shrink
            // without anyone noticing): catch it here. Its result
            // sender is dropped, which `map` reports.
            Ok(job) => {
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
            }
            // The sender is gone: the pool is being dropped and the queue is
            // empty.
            Err(_) => break,
        }
    }
}
// SOLUTION END

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // STUB-TODO: "drop the sender (closing the channel), then join every \
        // STUB-TODO:      worker ({})",
        // STUB-TODO: self.workers.len()
        // SOLUTION BEGIN
        // Closing the channel lets each worker finish the queued jobs, then see
        // `Err` and stop.
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            // Jobs cannot panic the worker (see `worker_loop`), so this is Ok;
            // and a panic in `drop` would abort if we were already
            // unwinding, so do not unwrap.
            let _ = worker.join();
        }
        // SOLUTION END
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
    // STUB: let _ = (threads, numbers);
    // STUB-TODO: "a ThreadPool of `threads` workers, mapping factorial_checked \
    // STUB-TODO:      over the numbers"
    // SOLUTION BEGIN
    ThreadPool::new(threads).map(numbers.to_vec(), factorial_checked)
    // SOLUTION END
}
// ANCHOR_END: pool_api
// SOLUTION BEGIN

#[cfg(all(test, feature = "shuttle"))]
mod model_check {
    use super::*;
    use crate::sync::atomic::{AtomicUsize, Ordering};

    /// A pool of 2 workers maps 3 items (results in input order), runs 3 more
    /// jobs, and is dropped: every queued job must have run and every
    /// worker must be joined, in every schedule, without deadlock (shuttle
    /// fails a schedule in which all threads block).
    fn map_then_shutdown() {
        let pool = ThreadPool::new(2);
        let out =
            pool.map(vec![3_u64, 1, 4], |n| factorial_checked(n).unwrap());
        assert_eq!(out, vec![6, 1, 24], "results must be in input order");
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let done = Arc::clone(&done);
            pool.execute(move || {
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        drop(pool);
        assert_eq!(
            done.load(Ordering::SeqCst),
            3,
            "drop must let queued jobs finish"
        );
        assert_eq!(
            Arc::strong_count(&done),
            1,
            "every job (and its Arc) is gone after drop"
        );
    }

    /// Shutting down a pool that never got a job: the workers are blocked in
    /// `recv` and must all wake up and exit.
    fn idle_shutdown() {
        let pool = ThreadPool::new(3);
        assert_eq!(pool.size(), 3);
        drop(pool);
    }

    #[test]
    fn model_check_pool_random() {
        shuttle::check_random(map_then_shutdown, 1000);
    }

    #[test]
    fn model_check_pool_pct() {
        shuttle::check_pct(map_then_shutdown, 1000, 3);
    }

    #[test]
    fn model_check_idle_shutdown_pct() {
        shuttle::check_pct(idle_shutdown, 500, 3);
    }
}
// SOLUTION END
