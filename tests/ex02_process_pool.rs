// Graded tests for ex02_process_pool: a pool of reusable worker processes fed over pipes.
// Included by exercises/tests, solutions/tests and the fixtures: no inner attributes here.
use under_test::ex02_process_pool::{PoolError, ProcessPool, Task, spin};

use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `body` on its own thread and fails the test if it does not finish within `secs`
/// seconds: a pool that hangs must fail with a message, not freeze the grader.
fn within<T: Send + 'static>(
    secs: u64,
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("hang? {what} did not finish within {secs} s")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("{what} panicked (see the message above)")
        }
    }
}

fn worker_exe() -> &'static Path {
    Path::new(WORKER_EXE)
}

fn start(workers: usize) -> ProcessPool {
    ProcessPool::new(worker_exe(), workers).expect("ProcessPool::new failed to start the workers")
}

/// What /proc says about `pid` from this process's point of view (Linux).
#[derive(Debug, PartialEq)]
enum ProcState {
    /// No such process (it was reaped), or it is not our child any more.
    Gone,
    /// Our child, still running (or sleeping).
    RunningChild,
    /// Our child, exited but not reaped.
    ZombieChild,
}

fn proc_state(pid: u32) -> ProcState {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return ProcState::Gone;
    };
    // Format: "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'.
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return ProcState::Gone;
    };
    let mut fields = after.split_whitespace();
    let state = fields.next().unwrap_or("?");
    let ppid: u32 = fields.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    if ppid != std::process::id() {
        ProcState::Gone // reaped, and the pid was reused by someone else's process
    } else if state == "Z" || state == "X" {
        ProcState::ZombieChild
    } else {
        ProcState::RunningChild
    }
}

fn squares(tasks: &[Task]) -> Vec<u64> {
    tasks.iter().map(|t| t.compute().unwrap()).collect()
}

#[test]
fn new_starts_the_requested_number_of_workers() {
    within(5, "starting a pool of 5", || {
        let pool = start(5);
        assert_eq!(pool.size(), 5, "a pool of 5 should report size 5");
        let pids = pool.pids();
        assert_eq!(
            pids.len(),
            5,
            "pids() should list one process id per worker, got {pids:?}"
        );
        let distinct: HashSet<u32> = pids.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            5,
            "the 5 workers must be 5 different processes, got {pids:?}"
        );
        for &pid in &pids {
            assert_ne!(
                pid,
                std::process::id(),
                "a worker must be a child process, not this process"
            );
            assert_eq!(
                proc_state(pid),
                ProcState::RunningChild,
                "worker {pid} should be a running child of this process right after new()"
            );
        }
    });
}

#[test]
fn map_returns_answers_in_task_order() {
    within(8, "map on a pool of 3", || {
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
                "answer {i} belongs to task {i} ({task:?})"
            );
        }
    });
}

#[test]
fn order_holds_when_early_tasks_finish_last() {
    within(8, "map with slow first tasks", || {
        let mut pool = start(2);
        // The first task of each worker is slow, so most answers arrive before answers 0 and 1.
        let mut tasks = vec![
            Task::Sleep {
                millis: 300,
                value: 7,
            },
            Task::Sleep {
                millis: 200,
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
            "answers must come back in the order of the tasks, not in the order the workers finish them"
        );
    });
}

#[test]
fn workers_are_reused_across_calls() {
    within(8, "three map calls on a pool of 2", || {
        let mut pool = start(2);
        let pids = pool.pids();
        let workers: HashSet<u32> = pids.iter().copied().collect();
        let mut seen = HashSet::new();
        for call in 0..3 {
            let answers = pool.map(&[Task::Pid { millis: 0 }; 6]).unwrap();
            for pid in answers {
                let pid = pid as u32;
                assert!(
                    workers.contains(&pid),
                    "call {call}: a task was answered by process {pid}, which is not one of the pool's \
                     workers {pids:?}: a pool reuses its workers instead of starting a process per task"
                );
                seen.insert(pid);
            }
            assert_eq!(
                pool.pids(),
                pids,
                "call {call}: the workers changed although none died"
            );
        }
        assert!(
            seen.len() <= 2,
            "18 tasks were answered by {} processes; the pool has 2",
            seen.len()
        );
    });
}

#[test]
fn tasks_are_spread_over_several_workers() {
    within(8, "map on a pool of 3", || {
        let mut pool = start(3);
        let workers: HashSet<u32> = pool.pids().into_iter().collect();
        let answers = pool.map(&[Task::Pid { millis: 20 }; 12]).unwrap();
        let used: HashSet<u32> = answers.iter().map(|&p| p as u32).collect();
        assert!(
            used.is_subset(&workers),
            "tasks were answered by {used:?}, not all of them workers {workers:?}"
        );
        assert!(
            used.len() >= 2,
            "12 tasks of 20 ms on 3 workers were all answered by {used:?}: the pool must hand tasks \
             to more than one worker"
        );
    });
}

#[test]
fn many_tasks_do_not_deadlock_the_pipes() {
    within(15, "map of 50 000 tasks on a pool of 2", || {
        let mut pool = start(2);
        let tasks: Vec<Task> = (0..50_000).map(Task::Square).collect();
        let answers = pool.map(&tasks).unwrap();
        assert!(
            answers == squares(&tasks),
            "50 000 squares came back wrong or out of order (first wrong at index {:?})",
            answers
                .iter()
                .zip(squares(&tasks))
                .position(|(a, b)| *a != b)
        );
    });
}

#[test]
fn a_dying_worker_is_reported_with_its_task() {
    within(8, "map with a task that kills its worker", || {
        let mut pool = start(2);
        let tasks = [
            Task::Square(1),
            Task::Square(2),
            Task::Exit(7),
            Task::Square(4),
            Task::Square(5),
            Task::Square(6),
        ];
        match pool.map(&tasks) {
            Err(PoolError::WorkerDied { index, task, .. }) => {
                assert_eq!(
                    index, 2,
                    "the worker died on task 2 (Exit(7)); the error names task {index}"
                );
                assert_eq!(
                    task,
                    Task::Exit(7),
                    "the error must carry the task that was lost"
                );
            }
            Err(other) => panic!("expected PoolError::WorkerDied for task 2, got {other:?}"),
            Ok(answers) => panic!("a worker died on task 2, yet map returned Ok({answers:?})"),
        }
    });
}

#[test]
fn the_pool_recovers_after_a_worker_died() {
    within(8, "map after a worker died", || {
        let mut pool = start(2);
        let before = pool.pids();
        let tasks = [
            Task::Square(1),
            Task::Square(2),
            Task::Exit(3),
            Task::Square(4),
        ];
        assert!(
            pool.map(&tasks).is_err(),
            "a worker died on task 2: map must return an error"
        );
        let after = pool.pids();
        assert_eq!(
            pool.size(),
            2,
            "the pool should still have 2 workers after one died"
        );
        let gone: Vec<u32> = before
            .iter()
            .copied()
            .filter(|p| !after.contains(p))
            .collect();
        assert_eq!(
            gone.len(),
            1,
            "exactly one worker died and should be replaced: before {before:?}, after {after:?}"
        );
        assert_eq!(
            proc_state(gone[0]),
            ProcState::Gone,
            "the dead worker {} must be reaped (waited for), not left as a zombie",
            gone[0]
        );
        let distinct: HashSet<u32> = after.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            2,
            "the replacement must be a new process: {after:?}"
        );
        for round in 0..2 {
            let tasks: Vec<Task> = (0..100).map(Task::Square).collect();
            assert_eq!(
                pool.map(&tasks).unwrap(),
                squares(&tasks),
                "round {round} after the failure: stale answers from the failed call must not leak into later calls"
            );
        }
    });
}

#[test]
fn a_worker_killed_between_calls_is_reported_not_hung() {
    within(8, "map after a worker was killed from outside", || {
        let mut pool = start(2);
        let victim = pool.pids()[0];
        let status = std::process::Command::new("kill")
            .args(["-KILL", &victim.to_string()])
            .status()
            .expect("could not run `kill`");
        assert!(status.success(), "`kill -KILL {victim}` failed");
        // Wait until the kernel has turned it into a zombie (it is still ours to reap).
        for _ in 0..200 {
            if proc_state(victim) != ProcState::RunningChild {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let tasks: Vec<Task> = (0..10).map(Task::Square).collect();
        match pool.map(&tasks) {
            Err(PoolError::WorkerDied { index, task, .. }) => {
                assert!(index < tasks.len(), "index {index} is not a task index");
                assert_eq!(
                    task, tasks[index],
                    "the error names index {index} but carries another task"
                );
            }
            other => panic!("worker {victim} was killed; map should report it, got {other:?}"),
        }
        assert_eq!(
            proc_state(victim),
            ProcState::Gone,
            "the killed worker {victim} must be reaped"
        );
        assert_eq!(
            pool.map(&tasks).unwrap(),
            squares(&tasks),
            "the pool should work again after replacing it"
        );
    });
}

#[test]
fn dropping_the_pool_reaps_every_worker() {
    within(8, "dropping a pool of 4", || {
        let mut pool = start(4);
        let pids = pool.pids();
        assert_eq!(pool.map(&[Task::Square(3); 8]).unwrap(), vec![9; 8]);
        drop(pool);
        for pid in pids {
            match proc_state(pid) {
                ProcState::Gone => {}
                ProcState::ZombieChild => panic!(
                    "worker {pid} is a zombie after the pool was dropped: Drop must wait() for every worker"
                ),
                ProcState::RunningChild => panic!(
                    "worker {pid} still runs after the pool was dropped: Drop must close its input and wait() for it"
                ),
            }
        }
    });
}
