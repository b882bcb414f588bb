// Hidden graded tests for ex08_pool_sizes: graded by `cargo course grade`, not handed out. The
// same contracts as the public tests at the edges (a pool of one, an empty batch, no sizes), so
// a solution tuned to the public tests' exact numbers is caught. Included inside
// `mod hidden { use super::*; ... }`: the public file's helpers are in scope.

#[test]
fn a_pool_of_one_starts_and_reaps_exactly_one_worker() {
    let gate = GatedWorker::new(WORKER_EXE, AfterGate::RunThenStopGate, "");
    let tasks: Vec<Task> = (0..20u64).rev().map(Task::Square).collect();
    let rx = start_run(&gate, 1, tasks);
    let at_once = gate.wait_started(1, 4);
    gate.open_start();
    gate.open_stop();
    let run = finish_run(&rx, "run_on_pool with 1 worker");
    assert_eq!(at_once.len(), 1, "a pool of 1 starts its worker");
    assert_eq!(
        run.results,
        (0..20u64).rev().map(|n| n * n).collect::<Vec<_>>(),
        "the answers, in the order of the tasks"
    );
    check_workers(&run);
    assert_eq!(
        run.worker_pids,
        gate.started(),
        "a run on 1 worker starts exactly 1 worker process and reports its pid"
    );
}

#[test]
fn an_empty_batch_still_starts_and_shuts_down_the_pool() {
    let (gate, run) = run_with_open_gate("run_on_pool with 3 workers and no tasks", |exe| {
        run_on_pool(exe, 3, &[]).expect("run_on_pool failed")
    });
    assert!(run.results.is_empty(), "no tasks, no answers");
    assert_eq!(run.workers, 3);
    check_workers(&run);
    assert_eq!(
        sorted(run.worker_pids.clone()),
        gate.started(),
        "the pool of 3 is started (and shut down) even for an empty batch"
    );
}

#[test]
fn no_sizes_no_runs() {
    let (gate, runs) = run_with_open_gate("compare_pool_sizes with no sizes", |exe| {
        compare_pool_sizes(exe, &[], &square_tasks()).expect("compare_pool_sizes failed")
    });
    assert!(runs.is_empty(), "no sizes, no runs: got {runs:?}");
    assert!(
        gate.started().is_empty(),
        "no sizes: no worker may be started, but {:?} were",
        gate.started()
    );
}
