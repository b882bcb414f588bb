//! Squares on pools of 2, 4 and 8 processes: notebook B's question 8, on the
//! ex02 pool.
//!
//! Notebook B timed Python's `multiprocessing.Pool` squaring 1..=10 with 2, 4
//! and 8 processes, start-up and shutdown included (the whole `with Pool(...)`
//! block), and found the bigger pools slower. This module repeats the
//! experiment with the ex02 pool
//! ([`ProcessPool`](crate::ex02_process_pool::ProcessPool)), and adds a heavy
//! variant whose tasks cost enough CPU for the pool to pay off.
//!
//! Given, in `src/given/ex08_pool_sizes.rs` and re-exported here: [`SIZES`],
//! [`HEAVY_ITERATIONS`] and [`Run`].

pub use crate::given::ex08_pool_sizes::{HEAVY_ITERATIONS, Run, SIZES};

use std::path::Path;

// and ProcessPool, your pool from ex02; std::time::Instant, to measure
use crate::ex02_process_pool::{PoolError, Task};

// ANCHOR: tasks
/// The notebook's batch: `Task::Square(n)` for `n` in `1..=10`, in that order.
pub fn square_tasks() -> Vec<Task> {
    todo!("return Task::Square(1), ..., Task::Square(10)")
}

/// The heavy batch: `items` tasks, task `i` is `Task::Spin { iterations:
/// iterations + i }` (different answers, so that a mix-up shows).
pub fn heavy_tasks(items: usize, iterations: u64) -> Vec<Task> {
    todo!(
        "return {items} Spin tasks, task i with {iterations} + i \
         iterations"
    )
}
// ANCHOR_END: tasks

// ANCHOR: run_on_pool
/// Starts a pool of `workers` processes from `worker_exe` (exactly that many,
/// all running at the same time), computes `tasks` on it, and shuts it down
/// (drops it: the workers' input is closed and every worker is reaped) before
/// returning. `worker_pids` are the pool's workers, `results` the answers in
/// the order of `tasks`.
///
/// `elapsed` times all three steps together: the clock starts before the pool
/// is started and stops after its last worker has been reaped.
///
/// # Errors
/// Those of starting the pool and of its `map`.
pub fn run_on_pool(
    worker_exe: &Path,
    workers: usize,
    tasks: &[Task],
) -> Result<Run, PoolError> {
    todo!(
        "start an Instant, start a ProcessPool of {workers} from \
         {worker_exe:?}, note its pids, map the {} tasks, drop the \
         pool, stop the clock",
        tasks.len()
    )
}
// ANCHOR_END: run_on_pool

/// [`run_on_pool`] for each size in `sizes`, in that order, one after the other
/// (each pool is shut down before the next one starts). The runs are in the
/// order of `sizes`.
///
/// # Errors
/// The first error of a run; the sizes after it are not run.
pub fn compare_pool_sizes(
    worker_exe: &Path,
    sizes: &[usize],
    tasks: &[Task],
) -> Result<Vec<Run>, PoolError> {
    todo!(
        "call run_on_pool for each of the sizes {sizes:?} on \
         {worker_exe:?} with the {} tasks, in order",
        tasks.len()
    )
}

/// The baseline: computes `tasks` one after the other in this process, no pool
/// at all. The run reports 1 worker, whose pid is this process's own; `elapsed`
/// covers computing the whole batch.
///
/// # Panics
/// On [`Task::Exit`], which has no answer.
pub fn run_in_process(tasks: &[Task]) -> Run {
    todo!(
        "time Task::compute over the {} tasks in this process",
        tasks.len()
    )
}
