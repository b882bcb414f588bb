//! Given code of exercise 1 (`ex01_threads_vs_processes`): the CPU-bound job
//! ([`count_primes`]) and the types the runs return. Read it, do not change
//! it: the grader always uses the original. The exercise module re-exports
//! every item.

use std::ops::Range;
use std::thread::ThreadId;
use std::time::Duration;

// ANCHOR: job
/// The CPU-bound job: how many primes lie in `range` (trial division;
/// deterministic).
pub fn count_primes(range: Range<u64>) -> u64 {
    range.filter(|&k| is_prime(k)).count() as u64
}

/// Whether `k` is prime, by trial division with odd divisors up to its square
/// root.
pub fn is_prime(k: u64) -> bool {
    if k < 4 {
        return k >= 2;
    }
    if k.is_multiple_of(2) {
        return false;
    }
    let mut d = 3;
    while d * d <= k {
        if k.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}
// ANCHOR_END: job

// ANCHOR: types
/// One part of a run: which numbers, how many primes among them, and who
/// counted them (a [`ThreadId`] for threads, a child's PID for processes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<W> {
    pub range: Range<u64>,
    pub primes: u64,
    pub worker: W,
}

/// A whole run: the total, the parts in the order of `split`, and the
/// wall-clock time.
#[derive(Debug, Clone)]
pub struct Run<W> {
    pub primes: u64,
    pub parts: Vec<Part<W>>,
    pub elapsed: Duration,
}

/// A run on threads: each part names the thread that counted it.
pub type ThreadRun = Run<ThreadId>;
/// A run on child processes: each part names the PID of the child that counted
/// it.
pub type ProcessRun = Run<u32>;

/// Both runs of `compare`, on the same `n` and the same number of workers.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub threads: ThreadRun,
    pub processes: ProcessRun,
}

/// The result of `simulate_io`: the results in request order, and the
/// wall-clock time.
#[derive(Debug, Clone)]
pub struct IoRun<R> {
    pub results: Vec<R>,
    pub elapsed: Duration,
}
// ANCHOR_END: types
