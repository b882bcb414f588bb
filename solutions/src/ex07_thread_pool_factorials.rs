//! Factorials on a thread pool.
//!
//! The factorials of 1..=10, computed (a) on a rayon pool of a given size and (b) on a small
//! hand-built [`ThreadPool`]: results come back in input order, each tagged with the thread that
//! computed it. Overflow is an error value, never a wrapped number; [`factorial_big`] has no
//! limit.
//!
//! The hand-built pool is written against [`crate::sync`], so that it can be model-checked with
//! shuttle (`cargo test -p solutions --features shuttle --lib model_check`).

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::thread::ThreadId;

use num_bigint::BigUint;
use rayon::prelude::*;

use crate::sync::{Arc, Mutex, mpsc, thread};

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
        // std's thread on purpose, even under shuttle: the tag is std's `ThreadId`, which the
        // public API exposes. It only observes, it does not synchronise anything.
        let me = std::thread::current();
        Tagged {
            value,
            thread_id: me.id(),
            thread_name: me.name().map(str::to_owned),
        }
    }
}

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
    (1..=n)
        .try_fold(1_u64, |acc, k| acc.checked_mul(k))
        .ok_or(FactorialError::Overflow { n })
}

/// `n!` as a big integer, exact for any `n`. `0! = 1`.
pub fn factorial_big(n: u64) -> BigUint {
    (1..=n).fold(BigUint::from(1_u32), |acc, k| acc * k)
}

/// `n!` as a big integer, the multiplications split over a rayon pool of `threads` threads.
/// Same value as [`factorial_big`].
///
/// # Panics
/// If `threads` is 0.
pub fn factorial_big_parallel(n: u64, threads: usize) -> BigUint {
    rayon_pool(threads).install(|| {
        (1..=n)
            .into_par_iter()
            .fold(|| BigUint::from(1_u32), |acc, k| acc * k)
            .reduce(|| BigUint::from(1_u32), |a, b| a * b)
    })
}

/// The prefix of the rayon pool's thread names: the threads are `rayon-worker-0`,
/// `rayon-worker-1`, ...
pub const RAYON_THREAD_PREFIX: &str = "rayon-worker-";

fn rayon_pool(threads: usize) -> rayon::ThreadPool {
    assert!(threads > 0, "a pool needs at least one thread");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("{RAYON_THREAD_PREFIX}{i}"))
        .build()
        .expect("building the rayon pool")
}

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
    rayon_pool(threads).install(|| {
        items
            .into_par_iter()
            .map(|item| Tagged::here(f(item)))
            .collect()
    })
}

/// The checked factorial of every number in `numbers`, on a rayon pool of `threads` threads;
/// results in the order of `numbers`.
pub fn rayon_factorials(
    threads: usize,
    numbers: &[u64],
) -> Vec<Tagged<Result<u64, FactorialError>>> {
    rayon_map(threads, numbers.to_vec(), factorial_checked)
}

/// The prefix of the hand-built pool's thread names: its workers are `pool-worker-0`,
/// `pool-worker-1`, ...
pub const POOL_THREAD_PREFIX: &str = "pool-worker-";

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of worker threads that take jobs from one shared channel.
///
/// Dropping the pool shuts it down gracefully: the jobs already queued still run, then every
/// worker thread is joined, so no thread is left running once `drop` returns.
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
        assert!(size > 0, "a pool needs at least one worker");
        let (sender, receiver) = mpsc::channel::<Job>();
        // One receiver shared by all workers: whoever holds the lock takes the next job.
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
    }

    /// How many worker threads the pool has.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// Queues `job` to run on one of the workers. Does not wait for it.
    pub fn execute<F>(&self, job: F)
    where
        F: FnOnce() + Send + 'static,
    {
        self.sender
            .as_ref()
            .expect("the pool is running until it is dropped")
            .send(Box::new(job))
            .expect("the workers live as long as the pool");
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
        let f = Arc::new(f);
        let (tx, rx) = mpsc::channel();
        let count = items.len();
        for (i, item) in items.into_iter().enumerate() {
            let f = Arc::clone(&f);
            let tx = tx.clone();
            self.execute(move || {
                // Send the index along: results arrive in completion order, and the index puts
                // each one back in its slot.
                let _ = tx.send((i, Tagged::here(f(item))));
            });
        }
        drop(tx); // the loop below ends once every job has sent (or dropped) its sender
        let mut slots: Vec<Option<Tagged<R>>> = (0..count).map(|_| None).collect();
        while let Ok((i, result)) = rx.recv() {
            slots[i] = Some(result);
        }
        slots
            .into_iter()
            .enumerate()
            .map(|(i, slot)| slot.unwrap_or_else(|| panic!("item {i}: the job panicked")))
            .collect()
    }
}

fn worker_loop(receiver: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The guard is a temporary: the lock is released at the end of this statement, before
        // the job runs, so the other workers can take jobs meanwhile.
        let next = receiver.lock().unwrap_or_else(|p| p.into_inner()).recv();
        match next {
            // A panicking job must not kill the worker (the pool would shrink without anyone
            // noticing): catch it here. Its result sender is dropped, which `map` reports.
            Ok(job) => {
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
            }
            // The sender is gone: the pool is being dropped and the queue is empty.
            Err(_) => break,
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // Closing the channel lets each worker finish the queued jobs, then see `Err` and stop.
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            // Jobs cannot panic the worker (see `worker_loop`), so this is Ok; and a panic in
            // `drop` would abort if we were already unwinding, so do not unwrap.
            let _ = worker.join();
        }
    }
}

/// The checked factorial of every number in `numbers`, on a new [`ThreadPool`] of `threads`
/// workers (shut down before returning); results in the order of `numbers`.
pub fn pool_factorials(
    threads: usize,
    numbers: &[u64],
) -> Vec<Tagged<Result<u64, FactorialError>>> {
    ThreadPool::new(threads).map(numbers.to_vec(), factorial_checked)
}

#[cfg(all(test, feature = "shuttle"))]
mod model_check {
    use super::*;
    use crate::sync::atomic::{AtomicUsize, Ordering};

    /// A pool of 2 workers maps 3 items (results in input order), runs 3 more jobs, and is
    /// dropped: every queued job must have run and every worker must be joined, in every
    /// schedule, without deadlock (shuttle fails a schedule in which all threads block).
    fn map_then_shutdown() {
        let pool = ThreadPool::new(2);
        let out = pool.map(vec![3_u64, 1, 4], |n| factorial_checked(n).unwrap());
        let values: Vec<u64> = out.iter().map(|t| t.value).collect();
        assert_eq!(values, vec![6, 1, 24], "results must be in input order");
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

    /// Shutting down a pool that never got a job: the workers are blocked in `recv` and must
    /// all wake up and exit.
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
