//! Given code of exercise 8 (`ex08_pool_sizes`): the pool sizes, the heavy
//! variant's cost, and [`Run`], what one timed run reports. Read it, do not
//! change it: the grader always uses the original. The exercise module
//! re-exports every item.

use std::time::Duration;

// ANCHOR: api
/// The pool sizes notebook B compared.
pub const SIZES: [usize; 3] = [2, 4, 8];

/// Iterations of [`Task::Spin`](crate::ex02_process_pool::Task::Spin) for the
/// heavy variant: several milliseconds of CPU per item in a release build, so
/// that the work, not the pool's overhead, dominates.
pub const HEAVY_ITERATIONS: u64 = 6_000_000;

/// One timed run of a batch of tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// How many worker processes computed the batch.
    pub workers: usize,
    /// The answers, in the order of the tasks.
    pub results: Vec<u64>,
    /// The process ids of the workers that were started (one per worker, all
    /// distinct).
    pub worker_pids: Vec<u32>,
    /// Wall-clock time of the whole run, as the notebook measured it: starting
    /// the pool, computing the batch, and shutting the pool down (workers
    /// reaped). For `run_in_process`, computing the batch.
    pub elapsed: Duration,
}
// ANCHOR_END: api
