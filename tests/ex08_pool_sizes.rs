// Graded tests for ex08_pool_sizes: squares of 1..=10 on pools of 2, 4 and 8 processes, timed.
// Included by exercises/tests and solutions/tests: no inner attributes here.
// These tests check results and structure, never speed: timings depend on the machine.
use under_test::ex02_process_pool::{Task, spin};
use under_test::ex08_pool_sizes::{
    Run, SIZES, compare_pool_sizes, heavy_tasks, run_in_process, run_on_pool, square_tasks,
};

use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `body` on its own thread and fails the test if it does not finish within `secs` s.
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

/// True if `pid` is still a child of this process (running or zombie), per /proc (Linux).
fn is_our_child(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return false;
    };
    after
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u32>().ok())
        == Some(std::process::id())
}

fn check_workers(run: &Run) {
    let w = run.workers;
    assert_eq!(
        run.worker_pids.len(),
        w,
        "a run on {w} workers must list {w} worker pids, got {:?}",
        run.worker_pids
    );
    let distinct: HashSet<u32> = run.worker_pids.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        w,
        "the {w} workers must be {w} different processes, got {:?}",
        run.worker_pids
    );
    for &pid in &run.worker_pids {
        assert_ne!(
            pid,
            std::process::id(),
            "the workers must be child processes, not this process"
        );
        assert!(
            !is_our_child(pid),
            "worker {pid} was not reaped: the run must shut its pool down before it returns"
        );
    }
}

#[test]
fn square_tasks_are_one_to_ten() {
    let expected: Vec<Task> = (1..=10).map(Task::Square).collect();
    assert_eq!(
        square_tasks(),
        expected,
        "the notebook squares 1, 2, ..., 10 in that order"
    );
    assert_eq!(
        SIZES,
        [2, 4, 8],
        "the notebook compared pools of 2, 4 and 8 processes"
    );
}

#[test]
fn each_pool_size_returns_the_squares_in_order() {
    let runs = within(8, "compare_pool_sizes over 2, 4 and 8 workers", || {
        compare_pool_sizes(worker_exe(), &SIZES, &square_tasks())
            .expect("compare_pool_sizes failed")
    });
    let sizes: Vec<usize> = runs.iter().map(|r| r.workers).collect();
    assert_eq!(
        sizes,
        vec![2, 4, 8],
        "one run per size, in the order of the sizes given"
    );
    for run in &runs {
        assert_eq!(
            run.results,
            vec![1, 4, 9, 16, 25, 36, 49, 64, 81, 100],
            "pool of {}: the squares of 1..=10, in order",
            run.workers
        );
        assert!(
            run.elapsed > Duration::ZERO,
            "pool of {}: elapsed must be measured",
            run.workers
        );
    }
}

#[test]
fn each_run_uses_as_many_distinct_workers_as_its_size() {
    let runs = within(8, "compare_pool_sizes over 3, 1 and 5 workers", || {
        compare_pool_sizes(worker_exe(), &[3, 1, 5], &square_tasks())
            .expect("compare_pool_sizes failed")
    });
    assert_eq!(
        runs.iter().map(|r| r.workers).collect::<Vec<_>>(),
        vec![3, 1, 5],
        "sizes are taken from the argument"
    );
    for run in &runs {
        check_workers(run);
    }
}

#[test]
fn run_on_pool_answers_any_batch_in_order() {
    let run = within(8, "run_on_pool with 4 workers", || {
        let tasks: Vec<Task> = (0..300).map(Task::Square).collect();
        run_on_pool(worker_exe(), 4, &tasks).expect("run_on_pool failed")
    });
    assert_eq!(run.workers, 4);
    assert_eq!(
        run.results,
        (0..300u64).map(|n| n * n).collect::<Vec<_>>(),
        "300 squares, in task order"
    );
    check_workers(&run);
}

#[test]
fn heavy_tasks_are_spins_of_growing_length() {
    assert_eq!(
        heavy_tasks(3, 1000),
        vec![
            Task::Spin { iterations: 1000 },
            Task::Spin { iterations: 1001 },
            Task::Spin { iterations: 1002 }
        ],
        "heavy task i spins iterations + i times"
    );
    assert!(heavy_tasks(0, 5).is_empty());
}

#[test]
fn heavy_run_on_the_pool_matches_the_run_in_process() {
    let tasks = heavy_tasks(12, 20_000);
    let expected: Vec<u64> = (0..12).map(|i| spin(20_000 + i)).collect();
    let local = run_in_process(&tasks);
    assert_eq!(
        local.results, expected,
        "run_in_process must compute every task, in order"
    );
    assert_eq!(local.workers, 1, "the in-process baseline is one worker");
    assert_eq!(
        local.worker_pids,
        vec![std::process::id()],
        "the in-process baseline runs in this process"
    );
    let pooled = within(8, "the heavy batch on 2 workers", move || {
        run_on_pool(worker_exe(), 2, &tasks).expect("run_on_pool failed")
    });
    assert_eq!(
        pooled.results, expected,
        "the pool must give the same answers as the baseline, in order"
    );
    check_workers(&pooled);
}
