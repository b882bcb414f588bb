// Hidden graded tests for ex02_process_pool: graded by `cargo course grade`, not handed out.
// They check more of the contract on dead workers: two deaths in one call, and a replacement
// that cannot be started. This file is included inside `mod hidden { use super::*; ... }`, so
// the public file's helpers are in scope.

#[test]
fn two_workers_dying_in_one_call_name_the_lowest_index() {
    watchdog(
        GATE_SECS + 6,
        "map with two tasks that kill their workers",
        || {
            let mut pool = start(3);
            let before = pool.pids();
            let mut tasks: Vec<Task> = (0..12).map(Task::Square).collect();
            tasks[3] = Task::Exit(1);
            tasks[4] = Task::Exit(2);
            let (index, task, pid) = match pool.map(&tasks) {
                Err(PoolError::WorkerDied { index, task, pid }) => (index, task, pid),
                other => panic!(
                    "tasks 3 and 4 make their workers exit; expected WorkerDied, got {other:?}"
                ),
            };
            assert_eq!(
                (index, task),
                (3, Task::Exit(1)),
                "when several workers die in one call, the error names the lowest index of a task a \
             dead worker did not answer: task 3 (Exit(1)), not task {index} ({task:?})"
            );
            let after = pool.pids();
            assert!(
                before.contains(&pid) && !after.contains(&pid),
                "WorkerDied names process {pid}; the workers were {before:?} and are now {after:?}: \
             it must name a worker that died, which is replaced"
            );
            assert_eq!(pool.size(), 3, "the pool must keep its size");
            for &p in before.iter().filter(|p| !after.contains(p)) {
                assert_eq!(
                    child_state(p),
                    ChildState::Gone,
                    "dead worker {p} was not reaped"
                );
            }
            for &p in &after {
                assert_eq!(
                    child_state(p),
                    ChildState::Running,
                    "worker {p} of {after:?} should be running: every worker that died in the call \
                 must have been replaced"
                );
            }
            check_all_workers_run_at_once(&mut pool, 3, 1, "after two workers died");
        },
    );
}

/// Removes a directory (and what it holds) when dropped.
struct RemoveDirOnDrop(std::path::PathBuf);

impl Drop for RemoveDirOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_replacement_that_cannot_start_is_an_io_error() {
    watchdog(8, "a worker dies and its binary is gone", || {
        // Start the pool through a symbolic link (named like the real binary), then remove the
        // link: the workers run, but no replacement can be started.
        let dir = std::env::temp_dir().join(format!(
            "ex02-missing-worker-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let _cleanup = RemoveDirOnDrop(dir.clone()); // even if the test fails
        let link = dir.join(worker_exe().file_name().unwrap());
        std::os::unix::fs::symlink(std::fs::canonicalize(worker_exe()).unwrap(), &link).unwrap();
        let mut pool = ProcessPool::new(&link, 2).expect("ProcessPool::new failed");
        std::fs::remove_file(&link).unwrap();
        let before = pool.pids();
        let tasks = [
            Task::Square(1),
            Task::Exit(3),
            Task::Square(3),
            Task::Square(4),
        ];
        match pool.map(&tasks) {
            Err(PoolError::Io(e)) => assert_eq!(
                e.kind(),
                std::io::ErrorKind::NotFound,
                "the replacement's binary is gone: expected the NotFound error from starting it, \
                 got {e}"
            ),
            other => panic!(
                "a worker died and no replacement could be started (its binary was removed): \
                 map must return PoolError::Io with the error from starting it, got {other:?}"
            ),
        }
        assert_eq!(
            pool.size(),
            2,
            "the pool keeps its size (the dead worker stays in its place)"
        );
        for &p in &before {
            assert_ne!(
                child_state(p),
                ChildState::Zombie,
                "worker {p} died and was not reaped although its replacement failed"
            );
        }
        drop(pool);
        for &p in &before {
            assert_eq!(
                child_state(p),
                ChildState::Gone,
                "worker {p} not reaped on drop"
            );
        }
    });
}

#[test]
fn new_with_a_missing_worker_binary_returns_the_io_error() {
    watchdog(8, "ProcessPool::new with a missing binary", || {
        let missing = std::env::temp_dir().join("ex02-no-such-worker-binary");
        match ProcessPool::new(&missing, 3) {
            Err(e) => assert_eq!(
                e.kind(),
                std::io::ErrorKind::NotFound,
                "ProcessPool::new({missing:?}, 3) should return the NotFound error, got {e}"
            ),
            Ok(pool) => panic!(
                "ProcessPool::new({missing:?}, 3) started workers {:?} from a binary that does \
                 not exist",
                pool.pids()
            ),
        }
    });
}
