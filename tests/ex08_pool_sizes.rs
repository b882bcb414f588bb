// Graded tests for ex08_pool_sizes: squares of 1..=10 on pools of 2, 4 and 8 processes, timed.
// Included by exercises/tests, solutions/tests, the fixtures and the grader: no inner attributes.
// These tests check results, structure and what a timing covers, never speed. The pools start a
// gated stand-in for the worker binary (GatedWorker in support.rs), so the test sees every
// worker start and stop, and can hold a pool's start-up or shutdown open for as long as it likes.
use under_test::ex02_process_pool::{Task, spin};
use under_test::ex08_pool_sizes::{
    Run, SIZES, compare_pool_sizes, heavy_tasks, run_in_process, run_on_pool, square_tasks,
};

use std::collections::HashSet;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

include!("support.rs");

fn worker_exe() -> &'static Path {
    Path::new(WORKER_EXE)
}

/// Runs `call` under a watchdog of 8 s (named `what`), giving it the path of a stand-in worker
/// whose gates are open from the start: it only records which workers were started (and
/// stopped). Returns the stand-in, to ask it which, and what `call` returned.
fn run_with_open_gate<T: Send + 'static>(
    what: &str,
    call: impl FnOnce(&Path) -> T + Send + 'static,
) -> (GatedWorker, T) {
    let gate = GatedWorker::new(WORKER_EXE, AfterGate::RunThenStopGate, "");
    gate.open_start();
    gate.open_stop();
    let exe = gate.exe().to_path_buf();
    let result = watchdog(8, what, move || call(exe.as_path()));
    (gate, result)
}

fn sorted(mut pids: Vec<u32>) -> Vec<u32> {
    pids.sort_unstable();
    pids
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
        let state = child_state(pid);
        assert_eq!(
            state,
            ChildState::Gone,
            "worker {pid} is still this process's child after the run returned ({state:?}): the \
             run must shut its pool down (drop it: the workers' input is closed and they are \
             reaped) before it returns"
        );
    }
}

/// Polls every millisecond until `done()` or `secs` seconds have passed; returns `done()`.
fn poll_until(secs: u64, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

type Outcome = std::thread::Result<Result<Run, under_test::ex02_process_pool::PoolError>>;

/// Starts `run_on_pool(stand-in, workers, tasks)` on its own thread; the outcome arrives on the
/// returned channel (a panic is caught and handed over too).
fn start_run(gate: &GatedWorker, workers: usize, tasks: Vec<Task>) -> mpsc::Receiver<Outcome> {
    let exe = gate.exe().to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| run_on_pool(&exe, workers, &tasks));
        let _ = tx.send(outcome);
    });
    rx
}

/// Waits (up to 8 s) for the outcome of [`start_run`] and unwraps it.
fn finish_run(rx: &mpsc::Receiver<Outcome>, what: &str) -> Run {
    match rx.recv_timeout(Duration::from_secs(8)) {
        Ok(Ok(Ok(run))) => run,
        Ok(Ok(Err(e))) => panic!("{what} returned an error: {e}"),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("hang? {what} did not return within 8 s once its workers could run"),
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
    let runs = watchdog(8, "compare_pool_sizes over 2, 4 and 8 workers", || {
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
        check_workers(run);
    }
}

#[test]
fn each_run_uses_as_many_distinct_workers_as_its_size() {
    let (gate, runs) = run_with_open_gate("compare_pool_sizes over 3, 1 and 5 workers", |exe| {
        compare_pool_sizes(exe, &[3, 1, 5], &square_tasks()).expect("compare_pool_sizes failed")
    });
    assert_eq!(
        runs.iter().map(|r| r.workers).collect::<Vec<_>>(),
        vec![3, 1, 5],
        "one run per size, in the order of the sizes given (3, 1, 5)"
    );
    for run in &runs {
        check_workers(run);
    }
    let reported = sorted(runs.iter().flat_map(|r| r.worker_pids.clone()).collect());
    assert_eq!(
        reported,
        gate.started(),
        "the runs on 3, 1 and 5 workers must start 9 worker processes in all and report exactly \
         those (the processes started were {:?})",
        gate.started()
    );
}

#[test]
fn run_on_pool_starts_all_its_workers_at_once() {
    // The stand-in workers wait at a gate until the test has seen all 5 started: a run that
    // starts fewer (a size ignored) or starts them one after another never gets 5 at once.
    const WORKERS: usize = 5;
    let gate = GatedWorker::new(WORKER_EXE, AfterGate::RunThenStopGate, "");
    let rx = start_run(&gate, WORKERS, square_tasks());
    let at_once = gate.wait_started(WORKERS, 4);
    gate.open_start();
    gate.open_stop();
    let run = finish_run(&rx, "run_on_pool with 5 workers");
    assert_eq!(
        at_once.len(),
        WORKERS,
        "a pool of {WORKERS} must start {WORKERS} worker processes that all run at once, but only \
         {} had been started while the first was still waiting to run (4 s): the size was \
         ignored, or the workers were started one after another",
        at_once.len()
    );
    assert_eq!(
        run.workers, WORKERS,
        "the run reports its number of workers"
    );
    assert_eq!(
        run.results,
        vec![1, 4, 9, 16, 25, 36, 49, 64, 81, 100],
        "the squares of 1..=10, in order"
    );
    check_workers(&run);
    assert_eq!(
        sorted(run.worker_pids.clone()),
        gate.started(),
        "a run on {WORKERS} workers must start exactly {WORKERS} worker processes and report \
         their pids (the processes started were {:?})",
        gate.started()
    );
}

#[test]
fn elapsed_covers_starting_computing_and_shutting_down() {
    // No clock threshold: the test brackets a stretch of time that surely lies inside the pool's
    // life, from seeing its first worker start to releasing its workers at shutdown, and makes
    // that stretch longer than the whole `map` could have been, by holding the shutdown open.
    // A run whose elapsed covers the pool's whole life (new, map, drop) is longer than the
    // stretch; one that times less (only `map`, or stops the clock before the drop) is shorter.
    const WORKERS: usize = 3;
    let gate = GatedWorker::new(WORKER_EXE, AfterGate::RunThenStopGate, "");
    let tasks = square_tasks();
    let called = Instant::now();
    let rx = start_run(&gate, WORKERS, tasks);
    let mut early: Option<Outcome> = None;
    let returned = |early: &mut Option<Outcome>| {
        if early.is_none() {
            *early = rx.try_recv().ok();
        }
        early.is_some()
    };
    // 1. The first worker starts (the pool exists from here on, at the latest).
    poll_until(4, || !gate.started().is_empty() || returned(&mut early));
    let first_seen = (!gate.started().is_empty()).then(Instant::now);
    // 2. All of them have started: let them run the batch.
    poll_until(4, || {
        gate.started().len() >= WORKERS || returned(&mut early)
    });
    gate.open_start();
    // 3. A worker stops (its real worker has exited) once the pool has closed its input: the
    //    batch is done and the pool is being dropped.
    poll_until(8, || !gate.stopping().is_empty() || returned(&mut early));
    let stop_seen = (!gate.stopping().is_empty()).then(Instant::now);
    // 4. Hold the shutdown open for as long as the run had lasted until then; then let the
    //    workers exit.
    let mut released = None;
    if let Some(stop_seen) = stop_seen {
        let hold = stop_seen - called;
        while stop_seen.elapsed() < hold && !returned(&mut early) {
            std::thread::sleep(Duration::from_millis(1));
        }
        released = Some(Instant::now());
    }
    let returned_before_release = returned(&mut early);
    gate.open_stop();
    let run = match early {
        Some(Ok(Ok(run))) => run,
        Some(Ok(Err(e))) => panic!("run_on_pool returned an error: {e}"),
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        None => finish_run(&rx, "run_on_pool with 3 workers"),
    };
    let first_seen = first_seen.expect("run_on_pool started no worker process within 4 s");
    let (Some(stop_seen), Some(released)) = (stop_seen, released) else {
        panic!(
            "run_on_pool returned while its {WORKERS} workers were still running: shutting the \
             pool down (dropping it, which closes the workers' input and reaps them) is part of \
             the run"
        )
    };
    assert!(
        !returned_before_release,
        "run_on_pool returned before its workers had exited (the test was still holding them): \
         the run must wait for every worker to be reaped (drop the pool) before it returns"
    );
    let alive = released - first_seen;
    assert!(
        run.elapsed >= alive,
        "run_on_pool says the run took {:?}, but its pool was alive for at least {alive:?}: from \
         when the test saw its first worker start to when the test let its workers exit at \
         shutdown (held open for {:?}). `elapsed` must cover the pool's whole life: starting it \
         (ProcessPool::new), the batch (map) and the shutdown (drop, workers reaped)",
        run.elapsed,
        released - stop_seen
    );
    check_workers(&run);
}

#[test]
fn run_on_pool_answers_any_batch_in_order() {
    // Answers that are not sorted, so that results put in any other order show.
    let tasks: Vec<Task> = (0..300u64)
        .map(|i| Task::Square((i * 7919) % 1000))
        .collect();
    let expected: Vec<u64> = tasks.iter().map(|t| t.compute().unwrap()).collect();
    let run = watchdog(8, "run_on_pool with 4 workers", move || {
        run_on_pool(worker_exe(), 4, &tasks).expect("run_on_pool failed")
    });
    assert_eq!(run.workers, 4);
    assert_eq!(
        run.results, expected,
        "300 squares, in the order of the tasks"
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
    let pooled = watchdog(8, "the heavy batch on 2 workers", move || {
        run_on_pool(worker_exe(), 2, &tasks).expect("run_on_pool failed")
    });
    assert_eq!(
        pooled.results, expected,
        "the pool must give the same answers as the baseline, in order"
    );
    check_workers(&pooled);
}

#[test]
fn run_in_process_times_the_whole_batch() {
    // Two tasks that each sleep 20 ms: computing them takes at least 40 ms (a sleep never ends
    // early), so a clock that covers the batch reads at least that.
    let tasks = [
        Task::Sleep {
            millis: 20,
            value: 7,
        },
        Task::Square(9),
        Task::Sleep {
            millis: 20,
            value: 5,
        },
    ];
    let run = run_in_process(&tasks);
    assert_eq!(run.results, vec![7, 81, 5], "the answers, in task order");
    assert!(
        run.elapsed >= Duration::from_millis(40),
        "run_in_process computed two tasks that sleep 20 ms each, yet says it took {:?}: \
         `elapsed` must cover computing the whole batch",
        run.elapsed
    );
}
