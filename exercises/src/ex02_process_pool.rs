//! A process pool: a fixed set of reusable worker processes, fed tasks over
//! pipes.
//!
//! The pool starts `N` copies of the crate's worker binary (`*-worker ex02`),
//! each with its stdin and stdout connected to the parent by pipes.
//! [`ProcessPool::map`] hands out tasks, one line of text each, and collects
//! one line of text per answer.
//!
//! The contract (the graded tests check each point):
//!
//! - **Answers in task order.** `map(tasks)` returns one answer per task:
//!   `answers[i]` is the answer to `tasks[i]`, whatever order the workers
//!   finish them in.
//! - **Reuse.** The `N` processes that [`ProcessPool::new`] starts compute
//!   every task of every call, and no other process computes any. They serve
//!   call after call, keeping their process ids, until one dies.
//! - **Parallelism.** The workers compute side by side: handing a worker its
//!   first task of a call never waits for the answer to another task. So a call
//!   with at least `N` tasks puts all `N` workers to work at once, however long
//!   the tasks take: `N` tasks that each wait until all `N` of them are running
//!   ([`Task::Meet`]) finish. Beyond that, which worker computes which task is
//!   the pool's choice (round-robin, the next free worker, chunks).
//! - **Any number of tasks.** The pool never writes so far ahead of the answers
//!   it reads that both pipes of a worker fill up (the parent blocked writing
//!   tasks, the worker blocked writing answers: a deadlock).
//! - **A worker that dies owing an answer** (it exits, with any status, even 0,
//!   or is killed, after it was handed a task of this call and before it
//!   answered it): `map` returns [`PoolError::WorkerDied`] with the lowest
//!   index of a task that a dead worker was handed and did not answer, that
//!   task, and the dead worker's process id (not its replacement's). Before it
//!   returns, it waits for the answers the *surviving* workers still owe for
//!   this call and throws them away (so that they cannot be taken for answers
//!   to a later call), reaps every dead worker it found and starts a fresh one
//!   in its place. The pool keeps its size, and the next call uses all `N`
//!   workers again. `map` never hangs because a worker died.
//! - **A worker that dies while idle** (between calls) owes nothing. The first
//!   later call that hands it a task finds it dead and reports it as above; a
//!   call that happens to give it no task may succeed.
//! - **Shutdown.** Dropping the pool closes the input of *every* worker before
//!   it waits for any of them (so they exit side by side, not one after
//!   another), then reaps each one: no worker is left running or as a zombie.
//!
//! Given (scaffolding, in `src/given/ex02_process_pool.rs`, re-exported
//! here): the tasks and their pipe protocol, the worker process's code,
//! and [`Worker`], which starts one worker and talks to it. Yours:
//! shutting a worker down, and the pool itself (`ProcessPool::new`,
//! `map` and `Drop`).

pub use crate::given::ex02_process_pool::{
    PoolError, Task, Worker, spin, worker_main,
};

use std::io;
use std::path::Path;
use std::process::ExitStatus;

// ANCHOR: worker_shutdown
impl Worker {
    /// Closes the worker's stdin. A worker reads end-of-input once it has
    /// answered everything it was sent, and exits.
    pub fn close_input(&mut self) {
        todo!(
            "close the stdin pipe (drop it) so that the worker reads \
             end-of-input and exits"
        )
    }

    /// Waits for the worker process to exit, reaps it (no zombie is left
    /// behind) and returns its exit status. Call [`Worker::close_input`]
    /// first, or this waits forever for an idle worker.
    pub fn reap(&mut self) -> io::Result<ExitStatus> {
        todo!(
            "wait for the child process to exit, so that it is reaped (no \
             zombie)"
        )
    }

    /// Kills the worker if it still runs, without waiting for it to finish its
    /// task, and reaps it. Returns how it ended: its own exit status if it
    /// had exited already (or was reaped before), otherwise killed by
    /// `SIGKILL`.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        todo!(
            "close the input, kill the child (it may be gone already) \
             and wait for it"
        )
    }
}
// ANCHOR_END: worker_shutdown

// ANCHOR: pool_api
/// A pool of worker processes. See the module documentation for the contract.
pub struct ProcessPool {
    /// The worker processes. Add the fields you need (to replace a
    /// dead worker, the pool must remember where the worker binary
    /// is).
    workers: Vec<Worker>,
}

impl ProcessPool {
    /// Starts `workers` worker processes from `worker_exe` (exactly that many,
    /// whatever the number of cores). Panics if `workers` is 0. If one
    /// fails to start, returns its [`io::Error`], after shutting down and
    /// reaping the ones already started.
    pub fn new(worker_exe: &Path, workers: usize) -> io::Result<ProcessPool> {
        todo!(
            "start {workers} workers from {worker_exe:?} with \
             Worker::spawn and keep them"
        )
    }

    /// The number of worker processes.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// The process ids of the current workers, in worker order.
    pub fn pids(&self) -> Vec<u32> {
        self.workers.iter().map(Worker::pid).collect()
    }

    /// Computes every task on the workers and returns the answers in the order
    /// of `tasks` (none for no tasks). Blocks until all answers are in. If
    /// a worker dies owing an answer, returns [`PoolError::WorkerDied`]
    /// after replacing it. The module documentation states the whole
    /// contract: parallelism, pipes, dead workers.
    pub fn map(&mut self, tasks: &[Task]) -> Result<Vec<u64>, PoolError> {
        todo!(
            "hand out the {} tasks to the workers, a bounded number \
             in flight each, and collect the answers in task order",
            tasks.len()
        )
    }
}

impl Drop for ProcessPool {
    /// Shuts every worker down and reaps it: close every input first, then wait
    /// for each (closing and waiting one worker at a time makes them exit
    /// one after another).
    fn drop(&mut self) {
        todo!("close every worker's input, then reap every worker")
    }
}
// ANCHOR_END: pool_api
