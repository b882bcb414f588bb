// Graded tests for ex02_process_pool: a pool of reusable worker processes fed over pipes.
// Included by exercises/tests, solutions/tests and the fixtures: no inner attributes here.
//
// Each test checks one point of the contract in the module documentation. None depends on speed
// or on the number of cores: the tests observe the worker processes themselves (the process ids
// that answer `Task::Pid`, /proc for running, zombie and reaped children) and how many tasks run
// at the same moment, through a `Gate` this file opens: `Task::Meet` tasks wait there until a
// whole group of them is waiting together, which can only happen if that many run at once.
// Deadlines are generous (seconds): they only turn a pool that cannot run the tasks together,
// or that hangs, into a failure with a message.

use under_test::ex02_process_pool::{PoolError, ProcessPool, Task, Worker, spin};

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

include!("support.rs");

fn worker_exe() -> &'static Path {
    Path::new(WORKER_EXE)
}

fn start(workers: usize) -> ProcessPool {
    ProcessPool::new(worker_exe(), workers).expect("ProcessPool::new failed to start the workers")
}

fn answers_of(tasks: &[Task]) -> Vec<u64> {
    tasks.iter().map(|t| t.compute().unwrap()).collect()
}

/// Sends `kill -SIG pid` (the test's only way to kill or stop a worker from outside), only ever
/// to a running child of this process: a wrong pid (0 means the whole process group) must fail
/// the test, not signal some other process.
fn send_signal(sig: &str, pid: u32) {
    assert!(
        pid > 1 && pid != std::process::id() && child_state(pid) == ChildState::Running,
        "process {pid} is not a running child of this test: pids() must list the pool's worker \
         processes"
    );
    let status = std::process::Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .status()
        .expect("the test could not run `kill`");
    assert!(status.success(), "`kill -{sig} {pid}` failed");
}

/// The state letter of process `pid` in /proc (R, S, T, Z, ...), `None` once it is gone.
fn proc_state_letter(pid: u32) -> Option<String> {
    require_proc();
    proc_stat_fields(&format!("/proc/{pid}/stat")).map(|f| f[0].clone())
}

/// Starts a single worker and sends it `task` (flushed); returns the worker and its PID.
fn worker_given(task: &Task) -> (Worker, u32) {
    let mut worker = Worker::spawn(worker_exe()).expect("Worker::spawn failed");
    let pid = worker.pid();
    worker.send(task).and_then(|()| worker.flush()).unwrap();
    (worker, pid)
}

/// Starts a single worker that exits with `code` at once, without answering; returns the worker
/// and its PID.
fn worker_exiting_with(code: i32) -> (Worker, u32) {
    let (mut worker, pid) = worker_given(&Task::Exit(code));
    assert!(worker.recv().is_err(), "a worker that exits has no answer");
    (worker, pid)
}

/// Waits (up to 5 s) until `done()` holds; returns whether it did.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    done()
}

/// How long a meeting at a `Gate` waits for its whole group before the gate gives up. Only a
/// pool that does not run the tasks together ever waits this long.
const GATE_SECS: u64 = 4;

/// A meeting point for `Task::Meet { gate }` tasks, listening on the Unix socket
/// `Task::meet_socket(gate)`. A worker running a Meet task connects, says its process id, and
/// waits. As soon as `group` of them wait together, that many tasks are running at the same
/// moment: the gate lets the group through, answering each task with `group`. If the first of a
/// group has waited `GATE_SECS` and the group is still incomplete, the tasks are not running
/// together (they run one after another, or on fewer workers): the gate gives up and from then
/// on lets every task through at once, answering with how many were waiting together.
struct Gate {
    id: u64,
    addr: std::os::unix::net::SocketAddr,
    shared: Arc<GateShared>,
    threads: Vec<JoinHandle<()>>,
}

struct GateShared {
    group: usize,
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Default)]
struct GateState {
    /// The tasks waiting now: their connection and their worker's process id.
    waiting: Vec<(UnixStream, u32)>,
    /// When the first of the waiting tasks arrived.
    since: Option<Instant>,
    /// The process ids of each complete group let through.
    groups: Vec<Vec<u32>>,
    /// The most tasks that were waiting at the same moment.
    most: usize,
    /// How many tasks arrived in all.
    arrived: usize,
    gave_up: bool,
    closed: bool,
}

impl GateState {
    fn let_through(&mut self) {
        let together = self.waiting.len();
        for (mut task, _) in self.waiting.drain(..) {
            let _ = writeln!(task, "{together}");
        }
        self.since = None;
    }
}

impl GateShared {
    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Gate {
    fn open(group: usize) -> Gate {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = (u64::from(std::process::id()) << 32) | NEXT.fetch_add(1, Ordering::SeqCst);
        let addr = Task::meet_socket(id);
        let listener = UnixListener::bind_addr(&addr)
            .unwrap_or_else(|e| panic!("the test could not listen on {addr:?}: {e}"));
        let shared = Arc::new(GateShared {
            group,
            state: Mutex::default(),
            changed: Condvar::new(),
        });
        let arrivals = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    let Ok(task) = conn else { continue };
                    let _ = task.set_read_timeout(Some(Duration::from_secs(GATE_SECS)));
                    let mut line = String::new();
                    let _ = BufReader::new(&task).read_line(&mut line);
                    let pid = line.trim().parse().unwrap_or(0);
                    let mut st = shared.lock();
                    if st.closed {
                        return; // the gate's own wake-up call, or a latecomer: it gets EOF
                    }
                    st.arrived += 1;
                    st.waiting.push((task, pid));
                    st.most = st.most.max(st.waiting.len());
                    st.since.get_or_insert_with(Instant::now);
                    if st.gave_up {
                        st.let_through();
                    } else if st.waiting.len() >= shared.group {
                        let pids = st.waiting.iter().map(|w| w.1).collect();
                        st.groups.push(pids);
                        st.let_through();
                    }
                    shared.changed.notify_all();
                }
            })
        };
        let timer = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let mut st = shared.lock();
                while !st.closed {
                    match st.since {
                        Some(since) if !st.gave_up => {
                            let deadline = since + Duration::from_secs(GATE_SECS);
                            let now = Instant::now();
                            if now >= deadline {
                                st.gave_up = true;
                                st.let_through();
                            } else {
                                st = shared
                                    .changed
                                    .wait_timeout(st, deadline - now)
                                    .unwrap_or_else(|p| p.into_inner())
                                    .0;
                            }
                        }
                        _ => st = shared.changed.wait(st).unwrap_or_else(|p| p.into_inner()),
                    }
                }
            })
        };
        Gate {
            id,
            addr,
            shared,
            threads: vec![arrivals, timer],
        }
    }

    /// A task that waits at this gate.
    fn task(&self) -> Task {
        Task::Meet { gate: self.id }
    }

    /// The process ids of the complete groups let through so far, and the most tasks that were
    /// ever waiting together.
    fn meetings(&self) -> (Vec<Vec<u32>>, usize) {
        let st = self.shared.lock();
        (st.groups.clone(), st.most)
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        {
            let mut st = self.shared.lock();
            st.closed = true;
            st.let_through();
        }
        self.shared.changed.notify_all();
        let _ = UnixStream::connect_addr(&self.addr); // wakes the thread blocked in accept
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Runs `groups * n` Meet tasks on `pool` (whose size is `n`) and checks that they met in
/// `groups` complete groups of `n` distinct workers of the pool: all `n` workers computed at once.
fn check_all_workers_run_at_once(pool: &mut ProcessPool, n: usize, groups: usize, when: &str) {
    let gate = Gate::open(n);
    let tasks = vec![gate.task(); groups * n];
    let answers = pool.map(&tasks).unwrap_or_else(|e| {
        panic!(
            "{when}: map of {} Meet tasks on a pool of {n} failed: {e}",
            tasks.len()
        )
    });
    let (met, most) = gate.meetings();
    assert!(
        met.len() == groups,
        "{when}: {} tasks that each wait until {n} of them are running were mapped on a pool of \
         {n}, but at most {most} of them ever ran at the same time (the test waited {GATE_SECS} s \
         for {n} together): the contract says a call with at least {n} tasks puts all {n} \
         workers to work at once, without waiting for any answer first, not one after another \
         or on fewer workers",
        tasks.len()
    );
    let workers: HashSet<u32> = pool.pids().into_iter().collect();
    for pids in &met {
        let distinct: HashSet<u32> = pids.iter().copied().collect();
        assert!(
            distinct.len() == n && distinct.is_subset(&workers),
            "{when}: {n} tasks that ran at the same time were computed by processes {pids:?}, but \
             the pool's workers are {workers:?}: every task must run on one of the pool's own \
             workers, each on its own"
        );
    }
    assert_eq!(
        answers,
        vec![n as u64; tasks.len()],
        "{when}: each Meet task answers the size of its group; answers in task order"
    );
}

/// Maps `tasks`, one of which (`tasks[index]`) kills its worker, and checks the error: index,
/// task, and the process id of the worker that died, which must be reaped and replaced.
/// Returns that process id.
fn check_reported_death(pool: &mut ProcessPool, tasks: &[Task], index: usize) -> u32 {
    let before = pool.pids();
    let result = pool.map(tasks);
    let after = pool.pids();
    let (got_index, task, pid) = match result {
        Err(PoolError::WorkerDied { index, task, pid }) => (index, task, pid),
        Err(other) => panic!(
            "task {index} ({:?}) made its worker exit without answering; expected \
             PoolError::WorkerDied, got {other:?}",
            tasks[index]
        ),
        Ok(answers) => panic!(
            "task {index} ({:?}) made its worker exit without answering, yet map returned \
             Ok({answers:?}): a worker that dies owing an answer must be reported as \
             PoolError::WorkerDied, whatever its exit status",
            tasks[index]
        ),
    };
    assert_eq!(
        got_index, index,
        "the worker died on task {index} ({:?}), the first task it did not answer; the error \
         names task {got_index}",
        tasks[index]
    );
    assert_eq!(
        task, tasks[index],
        "the error names index {index}, so it must carry tasks[{index}]"
    );
    assert!(
        before.contains(&pid),
        "WorkerDied names process {pid}, which was not one of the workers when the call started \
         ({before:?}); after the call the workers are {after:?}: the error must name the worker \
         that died, not its replacement"
    );
    let gone: Vec<u32> = before
        .iter()
        .copied()
        .filter(|p| !after.contains(p))
        .collect();
    assert_eq!(
        gone,
        vec![pid],
        "exactly one worker died (WorkerDied names {pid}), so exactly that one must be replaced: \
         the workers were {before:?} before the call and are {after:?} after it"
    );
    assert_eq!(
        child_state(pid),
        ChildState::Gone,
        "the dead worker {pid} must be reaped (waited for) before map returns, not left as a zombie"
    );
    pid
}

#[test]
fn new_starts_exactly_the_requested_number_of_workers() {
    watchdog(8, "starting pools of 1, 3 and 6", || {
        // Several sizes: whatever the number of cores, at least one differs from it.
        for n in [1, 3, 6] {
            let pool = start(n);
            assert_eq!(pool.size(), n, "a pool of {n} should report size {n}");
            let pids = pool.pids();
            let distinct: HashSet<u32> = pids.iter().copied().collect();
            assert!(
                pids.len() == n && distinct.len() == n,
                "ProcessPool::new(exe, {n}) must start exactly {n} worker processes (not one per \
                 core, not a fixed number): pids() lists {pids:?}"
            );
            for &pid in &pids {
                assert_ne!(
                    pid,
                    std::process::id(),
                    "a worker must be a child process, not this process"
                );
                assert_eq!(
                    child_state(pid),
                    ChildState::Running,
                    "worker {pid} should be a running child of this process right after new()"
                );
            }
            drop(pool);
            for pid in pids {
                assert_eq!(
                    child_state(pid),
                    ChildState::Gone,
                    "worker {pid} should be reaped once the pool of {n} is dropped"
                );
            }
        }
    });
}

#[test]
fn all_workers_compute_at_the_same_time() {
    watchdog(9, "Meet tasks on pools of several sizes", || {
        // One size above the number of cores, so that a pool that quietly uses at most one
        // worker per core is caught on any machine (capped: the test must stay light).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut sizes = vec![2, 5];
        let above_cores = (cores + 1).min(12);
        if !sizes.contains(&above_cores) {
            sizes.push(above_cores);
        }
        for n in sizes {
            let mut pool = start(n);
            check_all_workers_run_at_once(&mut pool, n, 2, &format!("pool of {n}"));
        }
    });
}

#[test]
fn map_returns_answers_in_task_order() {
    watchdog(8, "map on a pool of 3", || {
        let mut pool = start(3);
        assert_eq!(
            pool.map(&[]).unwrap(),
            Vec::<u64>::new(),
            "no tasks, no answers"
        );
        let tasks: Vec<Task> = (0..200u64)
            .map(|i| {
                if i % 10 == 3 {
                    Task::Spin {
                        iterations: i * 100,
                    }
                } else {
                    Task::Square(i)
                }
            })
            .collect();
        let answers = pool.map(&tasks).unwrap();
        assert_eq!(answers.len(), tasks.len(), "one answer per task");
        for (i, (task, answer)) in tasks.iter().zip(&answers).enumerate() {
            let expected = match *task {
                Task::Square(n) => n * n,
                Task::Spin { iterations } => spin(iterations),
                _ => unreachable!(),
            };
            assert_eq!(
                *answer, expected,
                "answer {i} must be the answer to task {i} ({task:?})"
            );
        }
    });
}

#[test]
fn order_holds_when_early_tasks_finish_last() {
    watchdog(8, "map with slow first tasks", || {
        let mut pool = start(2);
        // The first task of each worker is slow, so most answers are ready before answers 0
        // and 1: a pool that returns answers as they arrive gets the order wrong.
        let mut tasks = vec![
            Task::Sleep {
                millis: 400,
                value: 7,
            },
            Task::Sleep {
                millis: 250,
                value: 8,
            },
        ];
        tasks.extend((1..=40).map(Task::Square));
        tasks.push(Task::Sleep {
            millis: 100,
            value: 9,
        });
        tasks.extend((41..=60).map(Task::Square));
        let mut expected = vec![7, 8];
        expected.extend((1..=40u64).map(|n| n * n));
        expected.push(9);
        expected.extend((41..=60u64).map(|n| n * n));
        let answers = pool.map(&tasks).unwrap();
        assert_eq!(
            answers, expected,
            "answers must come back in the order of the tasks, not in the order the workers \
             finish them"
        );
    });
}

#[test]
fn workers_are_reused_across_calls() {
    watchdog(8, "three map calls on a pool of 2", || {
        let mut pool = start(2);
        let pids = pool.pids();
        let workers: HashSet<u32> = pids.iter().copied().collect();
        for call in 0..3 {
            let answers = pool.map(&[Task::Pid { millis: 0 }; 6]).unwrap();
            for pid in answers {
                let pid = pid as u32;
                assert!(
                    workers.contains(&pid),
                    "call {call}: a task was answered by process {pid}, which is not one of the \
                     pool's workers {pids:?}: a pool reuses its workers instead of starting a \
                     process per task or per call"
                );
            }
            assert_eq!(
                pool.pids(),
                pids,
                "call {call}: the workers changed although none died"
            );
        }
    });
}

#[test]
fn many_tasks_do_not_deadlock_the_pipes() {
    watchdog(8, "map of 30 000 tasks on a pool of 2", || {
        let mut pool = start(2);
        // Long task lines and 20-digit answers: 15 000 of either per worker are far more than
        // a pipe holds (64 KiB on Linux), so writing every task before reading any answer
        // leaves parent and worker both blocked writing.
        let tasks: Vec<Task> = (0..30_000u64)
            .map(|i| Task::Square(4_000_000_000 + i))
            .collect();
        let answers = pool.map(&tasks).unwrap();
        let expected = answers_of(&tasks);
        assert!(
            answers == expected,
            "30 000 squares came back wrong or out of order (first wrong at index {:?})",
            answers.iter().zip(&expected).position(|(a, b)| a != b)
        );
    });
}

#[test]
fn a_dying_worker_is_reported_with_its_index_task_and_pid() {
    watchdog(8, "map with a task that kills its worker", || {
        let mut pool = start(2);
        let tasks = [
            Task::Square(1),
            Task::Square(2),
            Task::Exit(7),
            Task::Square(4),
            Task::Square(5),
            Task::Square(6),
        ];
        check_reported_death(&mut pool, &tasks, 2);
    });
}

#[test]
fn a_worker_that_exits_with_status_0_still_died_owing_an_answer() {
    watchdog(8, "map with a task that makes its worker exit 0", || {
        let mut pool = start(3);
        let mut tasks: Vec<Task> = (0..9).map(Task::Square).collect();
        tasks[5] = Task::Exit(0);
        check_reported_death(&mut pool, &tasks, 5);
    });
}

#[test]
fn the_pool_recovers_after_a_worker_died() {
    watchdog(9, "map calls after a worker died", || {
        let mut pool = start(3);
        let mut tasks: Vec<Task> = (0..9).map(Task::Square).collect();
        tasks[4] = Task::Exit(3);
        let dead = check_reported_death(&mut pool, &tasks, 4);
        assert_eq!(
            pool.size(),
            3,
            "the pool must keep its size after a worker died"
        );
        let after = pool.pids();
        let distinct: HashSet<u32> = after.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            3,
            "the replacement must be a new process: {after:?}"
        );
        for &pid in &after {
            assert_eq!(
                child_state(pid),
                ChildState::Running,
                "worker {pid} (the workers are now {after:?}) should be a running child after \
                 worker {dead} was replaced"
            );
        }
        for round in 0..2 {
            let tasks: Vec<Task> = (0..100).map(Task::Square).collect();
            assert_eq!(
                pool.map(&tasks).unwrap(),
                answers_of(&tasks),
                "round {round} after the failure: answers the surviving workers owed for the \
                 failed call must be read and thrown away, not taken for answers to a later call"
            );
        }
        check_all_workers_run_at_once(&mut pool, 3, 1, "after a worker died and was replaced");
    });
}

#[test]
fn workers_killed_between_calls_are_reported_not_hung() {
    watchdog(
        8,
        "map calls after the workers were killed from outside",
        || {
            let mut pool = start(2);
            let victims = pool.pids();
            // Kill every worker: then any task the next call hands out goes to a dead worker (a
            // worker killed while idle owes nothing until it is handed a task).
            for &pid in &victims {
                send_signal("KILL", pid);
            }
            assert!(
                eventually(|| victims
                    .iter()
                    .all(|&p| child_state(p) != ChildState::Running)),
                "the killed workers {victims:?} did not die"
            );
            let tasks: Vec<Task> = (0..10).map(Task::Square).collect();
            let mut reported = Vec::new();
            // Each failing call replaces at least the worker it names; a pool of 2 must answer
            // again by the third call.
            for call in 0..3 {
                match pool.map(&tasks) {
                    Err(PoolError::WorkerDied { index, task, pid }) => {
                        assert!(
                            index < tasks.len() && task == tasks[index],
                            "call {call}: the error names index {index} and task {task:?}, which do \
                         not match the tasks {tasks:?}"
                        );
                        assert!(
                            victims.contains(&pid) && !reported.contains(&pid),
                            "call {call}: WorkerDied names process {pid}; the killed workers were \
                         {victims:?}, already reported: {reported:?}. The error must name a \
                         dead worker (not its replacement), each once: a dead worker is \
                         replaced when it is found"
                        );
                        reported.push(pid);
                    }
                    Err(other) => {
                        panic!("call {call}: expected PoolError::WorkerDied, got {other:?}")
                    }
                    Ok(answers) => {
                        assert!(
                            call > 0,
                            "every worker was killed, yet the first call returned Ok({answers:?})"
                        );
                        assert_eq!(
                            answers,
                            answers_of(&tasks),
                            "call {call}: wrong answers after the dead workers were replaced"
                        );
                        break;
                    }
                }
                assert!(
                    call < 2,
                    "three calls in a row failed on a pool of 2 whose workers were killed: each \
                 failing call must replace the dead worker it found (reported: {reported:?})"
                );
            }
            assert_eq!(pool.size(), 2, "the pool must keep its size");
            for &pid in &victims {
                if pool.pids().contains(&pid) {
                    continue; // never handed a task: not found dead yet, which the contract allows
                }
                assert_eq!(
                    child_state(pid),
                    ChildState::Gone,
                    "the killed worker {pid} was replaced but never reaped: it is left as a zombie"
                );
            }
            assert_eq!(
                pool.map(&tasks).unwrap(),
                answers_of(&tasks),
                "the pool should work again after replacing its dead workers"
            );
        },
    );
}

#[test]
fn dropping_the_pool_reaps_every_worker() {
    watchdog(8, "dropping a pool of 4", || {
        let mut pool = start(4);
        let pids = pool.pids();
        assert_eq!(pool.map(&[Task::Square(3); 8]).unwrap(), vec![9; 8]);
        drop(pool);
        for pid in pids {
            match child_state(pid) {
                ChildState::Gone => {}
                ChildState::Zombie => panic!(
                    "worker {pid} is a zombie after the pool was dropped: Drop must wait() for \
                     every worker"
                ),
                ChildState::Running => panic!(
                    "worker {pid} still runs after the pool was dropped: Drop must close its \
                     input and wait() for it"
                ),
            }
        }
    });
}

#[test]
fn drop_closes_every_input_before_waiting_for_any_worker() {
    watchdog(9, "dropping a pool of 3 with one worker stopped", || {
        // The pool is made and dropped on a thread of its own; this thread watches.
        let (pids_tx, pids_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let dropper = std::thread::spawn(move || {
            let mut pool = start(3);
            assert_eq!(pool.map(&[Task::Square(2); 6]).unwrap(), vec![4; 6]);
            pids_tx.send(pool.pids()).unwrap();
            let _ = go_rx.recv();
            drop(pool);
        });
        let pids: Vec<u32> = pids_rx.recv().expect("the pool could not be started");
        assert_eq!(pids.len(), 3, "a pool of 3 lists 3 workers, got {pids:?}");
        // Stop the middle worker: it cannot exit until it is continued, so a Drop that closes and
        // waits for one worker at a time (in either order) is stuck on it before it has closed
        // the input of the worker on the other side.
        let stopped = pids[1];
        send_signal("STOP", stopped);
        let resume = ContinueOnDrop(stopped); // even if this test fails
        assert!(
            eventually(|| proc_state_letter(stopped).is_some_and(|s| s == "T" || s == "t")),
            "worker {stopped} did not stop"
        );
        go_tx.send(()).unwrap();
        let others = [pids[0], pids[2]];
        let all_exited = eventually(|| {
            others
                .iter()
                .all(|&p| child_state(p) != ChildState::Running)
        });
        let still_running: Vec<u32> = others
            .iter()
            .copied()
            .filter(|&p| child_state(p) == ChildState::Running)
            .collect();
        drop(resume);
        dropper.join().expect("dropping the pool panicked");
        assert!(
            all_exited,
            "while Drop waited for worker {stopped} (stopped by the test), workers \
             {still_running:?} went on running for 5 s: their input was never closed. Drop must \
             close the input of every worker before it waits for any of them, so that they all \
             exit side by side"
        );
        for pid in pids {
            assert_eq!(
                child_state(pid),
                ChildState::Gone,
                "worker {pid} should be reaped once the pool is dropped"
            );
        }
    });
}

#[test]
fn reap_waits_for_the_exit_and_returns_the_real_status() {
    watchdog(8, "closing and reaping single workers", || {
        // A worker busy with a task when its input is closed: it exits only after answering,
        // and reap must wait for that.
        let (mut worker, pid) = worker_given(&Task::Sleep {
            millis: 300,
            value: 5,
        });
        worker.close_input();
        let status = worker.reap().expect("reap failed");
        assert_eq!(
            child_state(pid),
            ChildState::Gone,
            "reap() returned ({status:?}) but worker {pid} is not reaped: it must wait for the \
             process to exit (wait(), not try_wait())"
        );
        assert_eq!(
            status.code(),
            Some(0),
            "a worker whose input was closed exits with status 0; reap returned {status:?}"
        );
        assert_eq!(
            worker.recv().ok(),
            Some(5),
            "the task sent before close_input() must still be answered"
        );

        // A worker that dies with exit code 5: reap reports that code, not a made-up success.
        let (mut worker, pid) = worker_exiting_with(5);
        worker.close_input();
        let status = worker.reap().expect("reap failed");
        assert_eq!(
            status.code(),
            Some(5),
            "the worker exited with code 5; reap must return its real exit status, got {status:?}"
        );
        assert_eq!(
            child_state(pid),
            ChildState::Gone,
            "worker {pid} not reaped"
        );
    });
}

/// Continues the stopped process `pid` when dropped.
struct ContinueOnDrop(u32);

impl Drop for ContinueOnDrop {
    fn drop(&mut self) {
        if child_state(self.0) != ChildState::Gone {
            let _ = std::process::Command::new("kill")
                .args(["-CONT", &self.0.to_string()])
                .status();
        }
    }
}

/// Kills `pid` when dropped if it is still a running child, so that a failed test leaves no
/// worker sleeping behind it.
struct KillIfStillRunning(u32);

impl Drop for KillIfStillRunning {
    fn drop(&mut self) {
        if child_state(self.0) == ChildState::Running {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &self.0.to_string()])
                .status();
        }
    }
}

#[test]
fn kill_stops_a_busy_worker_and_returns_how_it_ended() {
    watchdog(8, "killing single workers", || {
        // A worker in the middle of a 30 s task: kill must not wait for the task.
        let (mut worker, pid) = worker_given(&Task::Sleep {
            millis: 30_000,
            value: 1,
        });
        let _cleanup = KillIfStillRunning(pid);
        let status = worker.kill().expect("kill failed");
        assert_eq!(
            status.signal(),
            Some(9),
            "kill() of a busy worker must end it with SIGKILL (signal 9); it returned {status:?}"
        );
        assert_eq!(
            child_state(pid),
            ChildState::Gone,
            "kill() must also reap the worker {pid} (wait for it), not leave a zombie"
        );

        // A worker that already exited with code 4: kill reaps it and returns that status.
        let (mut worker, pid) = worker_exiting_with(4);
        assert!(
            eventually(|| child_state(pid) == ChildState::Zombie),
            "worker {pid} should have exited"
        );
        let status = worker.kill().expect("kill of an exited worker failed");
        assert_eq!(
            status.code(),
            Some(4),
            "the worker had already exited with code 4: kill() must reap it and return that \
             status, got {status:?}"
        );
        assert_eq!(
            child_state(pid),
            ChildState::Gone,
            "worker {pid} not reaped"
        );
    });
}
