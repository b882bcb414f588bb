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
// STUB:
// STUB: // and ProcessPool, your pool from ex02; std::time::Instant, to measure
// STUB: use crate::ex02_process_pool::{PoolError, Task};
// SOLUTION BEGIN
use std::time::Instant;

use crate::ex02_process_pool::{PoolError, ProcessPool, Task};
// SOLUTION END

// ANCHOR: tasks
/// The notebook's batch: `Task::Square(n)` for `n` in `1..=10`, in that order.
pub fn square_tasks() -> Vec<Task> {
    // STUB-TODO: "return Task::Square(1), ..., Task::Square(10)"
    // SOLUTION BEGIN
    (1..=10).map(Task::Square).collect()
    // SOLUTION END
}

/// The heavy batch: `items` tasks, task `i` is `Task::Spin { iterations:
/// iterations + i }` (different answers, so that a mix-up shows).
pub fn heavy_tasks(items: usize, iterations: u64) -> Vec<Task> {
    // STUB-TODO: "return {items} Spin tasks, task i with {iterations} + i \
    // STUB-TODO:      iterations"
    // SOLUTION BEGIN
    (0..items as u64)
        .map(|i| Task::Spin {
            iterations: iterations + i,
        })
        .collect()
    // SOLUTION END
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
    // STUB-TODO: "start an Instant, start a ProcessPool of {workers} from \
    // STUB-TODO:      {worker_exe:?}, note its pids, map the {} tasks, drop the \
    // STUB-TODO:      pool, stop the clock",
    // STUB-TODO: tasks.len()
    // SOLUTION BEGIN
    let start = Instant::now();
    let mut pool = ProcessPool::new(worker_exe, workers)?;
    let worker_pids = pool.pids();
    let results = pool.map(tasks)?;
    // shutdown is part of the measured run, as in the notebook's `with` block
    drop(pool);
    let elapsed = start.elapsed();
    Ok(Run {
        workers,
        results,
        worker_pids,
        elapsed,
    })
    // SOLUTION END
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
    // STUB-TODO: "call run_on_pool for each of the sizes {sizes:?} on \
    // STUB-TODO:      {worker_exe:?} with the {} tasks, in order",
    // STUB-TODO: tasks.len()
    // SOLUTION BEGIN
    sizes
        .iter()
        .map(|&workers| run_on_pool(worker_exe, workers, tasks))
        .collect()
    // SOLUTION END
}

/// The baseline: computes `tasks` one after the other in this process, no pool
/// at all. The run reports 1 worker, whose pid is this process's own; `elapsed`
/// covers computing the whole batch.
///
/// # Panics
/// On [`Task::Exit`], which has no answer.
pub fn run_in_process(tasks: &[Task]) -> Run {
    // STUB-TODO: "time Task::compute over the {} tasks in this process",
    // STUB-TODO: tasks.len()
    // SOLUTION BEGIN
    let start = Instant::now();
    let results = tasks
        .iter()
        .map(|t| t.compute().expect("run_in_process cannot run Task::Exit"))
        .collect();
    let elapsed = start.elapsed();
    Run {
        workers: 1,
        results,
        worker_pids: vec![std::process::id()],
        elapsed,
    }
    // SOLUTION END
}
