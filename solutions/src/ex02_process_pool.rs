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
// STUB: //!
// STUB: //! Given (scaffolding, in `src/given/ex02_process_pool.rs`, re-exported
// STUB: //! here): the tasks and their pipe protocol, the worker process's code,
// STUB: //! and [`Worker`], which starts one worker and talks to it. Yours:
// STUB: //! shutting a worker down, and the pool itself (`ProcessPool::new`,
// STUB: //! `map` and `Drop`).

pub use crate::given::ex02_process_pool::{
    PoolError, Task, Worker, spin, worker_main,
};

use std::io;
// STUB: use std::path::Path;
// SOLUTION BEGIN
use std::path::{Path, PathBuf};
// SOLUTION END
use std::process::ExitStatus;

// ANCHOR: worker_shutdown
impl Worker {
    /// Closes the worker's stdin. A worker reads end-of-input once it has
    /// answered everything it was sent, and exits.
    pub fn close_input(&mut self) {
        // STUB-TODO: "close the stdin pipe (drop it) so that the worker reads \
        // STUB-TODO:      end-of-input and exits"
        // SOLUTION BEGIN
        // Dropping the BufWriter flushes it and closes our end of the pipe.
        self.stdin = None;
        // SOLUTION END
    }

    /// Waits for the worker process to exit, reaps it (no zombie is left
    /// behind) and returns its exit status. Call [`Worker::close_input`]
    /// first, or this waits forever for an idle worker.
    pub fn reap(&mut self) -> io::Result<ExitStatus> {
        // STUB-TODO: "wait for the child process to exit, so that it is reaped (no \
        // STUB-TODO:      zombie)"
        // SOLUTION BEGIN
        self.child.wait()
        // SOLUTION END
    }

    /// Kills the worker if it still runs, without waiting for it to finish its
    /// task, and reaps it. Returns how it ended: its own exit status if it
    /// had exited already (or was reaped before), otherwise killed by
    /// `SIGKILL`.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        // STUB-TODO: "close the input, kill the child (it may be gone already) \
        // STUB-TODO:      and wait for it"
        // SOLUTION BEGIN
        self.close_input();
        // `kill` fails if the process was already reaped; `wait` then returns
        // the saved status.
        let _ = self.child.kill();
        self.child.wait()
        // SOLUTION END
    }
}
// ANCHOR_END: worker_shutdown

// ANCHOR: pool_api
/// A pool of worker processes. See the module documentation for the contract.
pub struct ProcessPool {
    // STUB: /// The worker processes. Add the fields you need (to replace a
    // STUB: /// dead worker, the pool must remember where the worker binary
    // STUB: /// is).
    // SOLUTION BEGIN
    worker_exe: PathBuf,
    // SOLUTION END
    workers: Vec<Worker>,
}

impl ProcessPool {
    /// Starts `workers` worker processes from `worker_exe` (exactly that many,
    /// whatever the number of cores). Panics if `workers` is 0. If one
    /// fails to start, returns its [`io::Error`], after shutting down and
    /// reaping the ones already started.
    pub fn new(worker_exe: &Path, workers: usize) -> io::Result<ProcessPool> {
        // STUB-TODO: "start {workers} workers from {worker_exe:?} with \
        // STUB-TODO:      Worker::spawn and keep them"
        // SOLUTION BEGIN
        assert!(workers > 0, "a process pool needs at least one worker");
        let mut pool = ProcessPool {
            worker_exe: worker_exe.to_path_buf(),
            workers: Vec::with_capacity(workers),
        };
        for _ in 0..workers {
            // On error, `pool` is dropped here, which reaps the workers started
            // so far.
            pool.workers.push(Worker::spawn(worker_exe)?);
        }
        Ok(pool)
        // SOLUTION END
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
        // STUB-TODO: "hand out the {} tasks to the workers, a bounded number \
        // STUB-TODO:      in flight each, and collect the answers in task order",
        // STUB-TODO: tasks.len()
        // SOLUTION BEGIN
        match dispatch(&mut self.workers, tasks, WINDOW) {
            Ok(answers) => Ok(answers),
            Err(failure) => {
                // Task `index` went to worker `index % n`, which died owing its
                // answer.
                let pid =
                    self.workers[failure.index % self.workers.len()].pid();
                let mut not_replaced = None;
                for &w in &failure.failed_workers {
                    // It is dead already: this only reaps it (its status does
                    // not matter).
                    let _ = self.workers[w].kill();
                    match Worker::spawn(&self.worker_exe) {
                        Ok(fresh) => self.workers[w] = fresh,
                        // stays dead: a later call retries
                        Err(e) => not_replaced = Some(e),
                    }
                }
                Err(match not_replaced {
                    Some(e) => PoolError::Io(e),
                    None => PoolError::WorkerDied {
                        index: failure.index,
                        task: tasks[failure.index],
                        pid,
                    },
                })
            }
        }
        // SOLUTION END
    }
}

impl Drop for ProcessPool {
    /// Shuts every worker down and reaps it: close every input first, then wait
    /// for each (closing and waiting one worker at a time makes them exit
    /// one after another).
    fn drop(&mut self) {
        // STUB-TODO: "close every worker's input, then reap every worker"
        // SOLUTION BEGIN
        // Close every input first so that all workers exit at the same time,
        // then reap each.
        for worker in &mut self.workers {
            worker.close_input();
        }
        for worker in &mut self.workers {
            let _ = worker.reap();
        }
        // SOLUTION END
    }
}
// ANCHOR_END: pool_api
// SOLUTION BEGIN

/// How many tasks each worker may have in flight. A bound keeps both pipes far
/// from full: a parent blocked writing to a full stdin pipe, while the worker
/// is blocked writing to a full stdout pipe that the parent is not reading,
/// would be a deadlock.
const WINDOW: usize = 32;

// ANCHOR: link
/// The parent's view of one worker, as the dispatch logic needs it: a FIFO that
/// answers the tasks sent to it in the order it received them. [`Worker`] is
/// one; the model check uses in-memory fakes.
trait Link {
    fn send(&mut self, task: &Task) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()>;
    fn recv(&mut self) -> io::Result<u64>;
}
// ANCHOR_END: link

impl Link for Worker {
    fn send(&mut self, task: &Task) -> io::Result<()> {
        Worker::send(self, task)
    }
    fn flush(&mut self) -> io::Result<()> {
        Worker::flush(self)
    }
    fn recv(&mut self) -> io::Result<u64> {
        Worker::recv(self)
    }
}

/// What went wrong in a [`dispatch`].
#[derive(Debug, PartialEq, Eq)]
struct Failure {
    /// The lowest task index left unanswered by a failed worker.
    index: usize,
    /// The workers that failed (ascending), which the caller must replace.
    failed_workers: Vec<usize>,
}

// ANCHOR: dispatch
/// Hands `tasks` to `links` round-robin (task `i` goes to link `i % n`), at
/// most `window` in flight per link, and collects the answers in task order.
/// Because each link answers in FIFO order, reading "the next answer of link `i
/// % n`" always yields the answer to task `i`.
///
/// After a link fails (a read or write error), nothing new is sent; the answers
/// still owed by the other links are read and dropped, so every surviving link
/// ends idle with empty pipes.
fn dispatch<L: Link>(
    links: &mut [L],
    tasks: &[Task],
    window: usize,
) -> Result<Vec<u64>, Failure> {
    let n = links.len();
    assert!(n > 0 && window > 0);
    let mut answers = Vec::with_capacity(tasks.len());
    let mut failed = vec![false; n]; // a read failed: the worker is gone
    // a write failed: send nothing more, but read what it answered
    let mut no_input = vec![false; n];
    let mut first_failure: Option<usize> = None;

    // Prime every link with up to `window` tasks, then flush each once.
    let mut sent = tasks.len().min(n * window);
    for (i, task) in tasks[..sent].iter().enumerate() {
        let w = i % n;
        if !no_input[w] && links[w].send(task).is_err() {
            no_input[w] = true;
        }
    }
    for w in 0..n.min(sent) {
        if !no_input[w] && links[w].flush().is_err() {
            no_input[w] = true;
        }
    }

    // Receive in task order; each answer frees a slot on that link for task `i
    // + n * window`, which belongs to the same link.
    for i in 0..tasks.len() {
        if i == sent {
            break; // a failure stopped the sending: nothing more is owed
        }
        let w = i % n;
        if failed[w] {
            continue;
        }
        match links[w].recv() {
            Ok(answer) => {
                if first_failure.is_none() {
                    answers.push(answer);
                }
            }
            Err(_) => {
                failed[w] = true;
                first_failure = Some(first_failure.map_or(i, |f| f.min(i)));
                continue;
            }
        }
        if first_failure.is_none() && sent < tasks.len() {
            debug_assert_eq!(sent % n, w);
            if no_input[w]
                || links[w]
                    .send(&tasks[sent])
                    .and_then(|()| links[w].flush())
                    .is_err()
            {
                // the read of task `sent` will tell what happened
                no_input[w] = true;
            }
            sent += 1;
        }
    }
    match first_failure {
        None => Ok(answers),
        Some(index) => Err(Failure {
            index,
            failed_workers: (0..n).filter(|&w| failed[w]).collect(),
        }),
    }
}
// ANCHOR_END: dispatch

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A fake worker on the same thread: answers when asked, dies on `Exit`.
    #[derive(Default)]
    struct Fake {
        queue: VecDeque<Task>,
        dead: bool,
        max_in_flight: usize,
    }

    impl Link for Fake {
        fn send(&mut self, task: &Task) -> io::Result<()> {
            if self.dead {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            self.queue.push_back(*task);
            self.max_in_flight = self.max_in_flight.max(self.queue.len());
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn recv(&mut self) -> io::Result<u64> {
            match self.queue.pop_front() {
                _ if self.dead => Err(io::ErrorKind::UnexpectedEof.into()),
                Some(Task::Exit(_)) | None => {
                    self.dead = true;
                    self.queue.clear();
                    Err(io::ErrorKind::UnexpectedEof.into())
                }
                Some(t) => Ok(t.compute().unwrap()),
            }
        }
    }

    #[test]
    fn answers_come_back_in_task_order_and_the_window_is_respected() {
        let tasks: Vec<Task> = (0..100).map(Task::Square).collect();
        let mut links: Vec<Fake> = (0..3).map(|_| Fake::default()).collect();
        let answers = dispatch(&mut links, &tasks, 4).unwrap();
        assert_eq!(answers, (0..100).map(|n| n * n).collect::<Vec<u64>>());
        assert!(
            links
                .iter()
                .all(|l| l.queue.is_empty() && l.max_in_flight <= 4)
        );
    }

    #[test]
    fn a_dead_link_is_named_and_the_others_are_drained() {
        let mut tasks: Vec<Task> = (0..50).map(Task::Square).collect();
        tasks[7] = Task::Exit(1);
        let mut links: Vec<Fake> = (0..3).map(|_| Fake::default()).collect();
        let failure = dispatch(&mut links, &tasks, 2).unwrap_err();
        assert_eq!(
            failure,
            Failure {
                index: 7,
                failed_workers: vec![1]
            }
        );
        assert!(
            links.iter().all(|l| l.queue.is_empty()),
            "surviving links must be drained"
        );
    }
}

#[cfg(all(test, feature = "shuttle"))]
mod model_check {
    //! The dispatch logic against fake workers on shuttle threads, connected by
    //! bounded channels that stand in for pipes (a full channel blocks,
    //! like a full pipe).
    use super::*;
    use crate::sync::{mpsc, thread};

    struct FakeWorker {
        tasks: Option<mpsc::SyncSender<Task>>,
        answers: mpsc::Receiver<u64>,
        handle: Option<thread::JoinHandle<()>>,
    }

    impl FakeWorker {
        /// `capacity` is the room in each "pipe", counted in messages.
        fn start(capacity: usize) -> FakeWorker {
            let (task_tx, task_rx) = mpsc::sync_channel::<Task>(capacity);
            let (answer_tx, answer_rx) = mpsc::sync_channel::<u64>(capacity);
            let handle = thread::spawn(move || {
                while let Ok(task) = task_rx.recv() {
                    let answer = match task {
                        // dropping both channel ends = dying
                        Task::Exit(_) => return,
                        Task::Square(n) => n * n,
                        other => panic!(
                            "the model uses Square and Exit only, not {other:?}"
                        ),
                    };
                    if answer_tx.send(answer).is_err() {
                        return;
                    }
                }
            });
            FakeWorker {
                tasks: Some(task_tx),
                answers: answer_rx,
                handle: Some(handle),
            }
        }
    }

    impl Link for FakeWorker {
        fn send(&mut self, task: &Task) -> io::Result<()> {
            let tx = self.tasks.as_ref().ok_or(io::ErrorKind::BrokenPipe)?;
            tx.send(*task).map_err(|_| io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn recv(&mut self) -> io::Result<u64> {
            self.answers
                .recv()
                .map_err(|_| io::ErrorKind::UnexpectedEof.into())
        }
    }

    impl Drop for FakeWorker {
        fn drop(&mut self) {
            self.tasks = None; // end of input
            if let Some(h) = self.handle.take() {
                h.join().unwrap();
            }
        }
    }

    /// One model run: `workers` fakes with pipes of `capacity`, the given tasks
    /// and window.
    fn run(
        workers: usize,
        capacity: usize,
        window: usize,
        tasks: &[Task],
    ) -> Result<Vec<u64>, Failure> {
        let mut links: Vec<FakeWorker> =
            (0..workers).map(|_| FakeWorker::start(capacity)).collect();
        let outcome = dispatch(&mut links, tasks, window);
        // Every surviving fake must be idle: nothing left in its answer pipe.
        if let Err(f) = &outcome {
            for (w, link) in links.iter().enumerate() {
                if !f.failed_workers.contains(&w) {
                    assert!(
                        link.answers.try_recv().is_err(),
                        "worker {w} still had an answer queued"
                    );
                }
            }
        }
        // joins the fake workers: a leftover blocked one would be a deadlock
        drop(links);
        outcome
    }

    #[test]
    fn model_check_answers_in_order() {
        shuttle::check_random(
            || {
                let tasks: Vec<Task> = (0..7).map(Task::Square).collect();
                let answers = run(3, 2, 2, &tasks).unwrap();
                assert_eq!(answers, vec![0, 1, 4, 9, 16, 25, 36]);
            },
            1000,
        );
    }

    #[test]
    fn model_check_answers_in_order_pct() {
        shuttle::check_pct(
            || {
                let tasks: Vec<Task> = (0..6).map(Task::Square).collect();
                let answers = run(2, 1, 1, &tasks).unwrap();
                assert_eq!(answers, vec![0, 1, 4, 9, 16, 25]);
            },
            1000,
            3,
        );
    }

    #[test]
    fn model_check_a_dying_worker_is_named_and_the_rest_drained() {
        shuttle::check_random(
            || {
                let tasks = [
                    Task::Square(1),
                    Task::Square(2),
                    Task::Exit(3),
                    Task::Square(4),
                    Task::Square(5),
                    Task::Square(6),
                ];
                let failure = run(2, 2, 2, &tasks).unwrap_err();
                assert_eq!(
                    failure,
                    Failure {
                        index: 2,
                        failed_workers: vec![0]
                    }
                );
            },
            1000,
        );
    }

    #[test]
    fn model_check_a_dying_worker_pct() {
        shuttle::check_pct(
            || {
                let tasks = [
                    Task::Square(1),
                    Task::Exit(9),
                    Task::Square(3),
                    Task::Square(4),
                    Task::Square(5),
                ];
                let failure = run(3, 1, 1, &tasks).unwrap_err();
                assert_eq!(
                    failure,
                    Failure {
                        index: 1,
                        failed_workers: vec![1]
                    }
                );
            },
            1000,
            3,
        );
    }

    /// Why the window exists: with more tasks in flight than the pipes can
    /// hold, the parent blocks writing while the worker blocks writing its
    /// answers. Shuttle finds the deadlock.
    #[test]
    #[should_panic(expected = "deadlock")]
    fn model_check_a_window_larger_than_the_pipes_deadlocks() {
        shuttle::check_random(
            || {
                let tasks: Vec<Task> = (0..8).map(Task::Square).collect();
                let _ = run(1, 1, 8, &tasks);
            },
            100,
        );
    }
}
// SOLUTION END
