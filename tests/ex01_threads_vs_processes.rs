// Graded tests for ex01_threads_vs_processes (included by exercises/tests, solutions/tests and the
// fixtures). No test asserts on a duration: overlap is proved with a Barrier, not with a clock.
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::Duration;

use under_test::ex01_threads_vs_processes::*;

/// Primes below 100_000 (a known value, independent of the code under test).
const PRIMES_BELOW_100_000: u64 = 9592;

/// Runs `body` on its own thread; panics with `what` if it has not finished within `secs`
/// seconds (a hang becomes a clear failure instead of the grader's timeout).
fn with_watchdog<T: Send + 'static>(
    secs: u64,
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body neither sent a value nor panicked"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} (still running after {secs} s)"),
    }
}

/// Fails if `pid` is still a child of this process (running or a zombie): the code under test
/// must wait for every child it starts before returning.
fn assert_reaped(pid: u32) {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return; // gone: reaped
    };
    // /proc/PID/stat is "PID (COMM) STATE PPID ...", and COMM may contain spaces or parentheses.
    let after_comm = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
    let mut fields = after_comm.split_whitespace();
    let state = fields.next().unwrap_or("?");
    let ppid: u32 = fields.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    assert!(
        ppid != std::process::id(),
        "child process {pid} is still our child after the call returned (state {state}; Z = zombie): \
         wait for every child (Child::wait or wait_with_output) before returning"
    );
}

fn check_split(n: u64, parts: usize) {
    let ranges = split(n, parts);
    assert_eq!(
        ranges.len(),
        parts,
        "split({n}, {parts}) must return exactly {parts} ranges, got {ranges:?}"
    );
    let mut next = 0;
    for (i, r) in ranges.iter().enumerate() {
        assert_eq!(
            r.start, next,
            "split({n}, {parts}): range {i} ({r:?}) should start at {next}, right after the previous one"
        );
        assert!(
            r.start <= r.end,
            "split({n}, {parts}): range {i} ({r:?}) runs backwards"
        );
        next = r.end;
    }
    assert_eq!(
        next, n,
        "split({n}, {parts}) must end at {n}, but the last range ends at {next}: {ranges:?}"
    );
    let lens: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
    let (min, max) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
    assert!(
        max - min <= 1,
        "split({n}, {parts}): part lengths should differ by at most 1, got {lens:?}"
    );
}

#[test]
fn split_covers_the_range_in_balanced_parts() {
    for (n, parts) in [
        (10, 3),
        (12, 4),
        (100_000, 4),
        (7, 1),
        (0, 3),
        (3, 5),
        (1_000_003, 8),
    ] {
        check_split(n, parts);
    }
}

#[test]
fn threads_count_the_known_number_of_primes() {
    let run = with_watchdog(8, "primes_on_threads(100_000, 4) did not finish", || {
        primes_on_threads(100_000, 4)
    });
    assert_eq!(
        run.primes, PRIMES_BELOW_100_000,
        "there are 9592 primes below 100_000"
    );
    assert_eq!(run.parts.len(), 4, "4 threads should give 4 parts");
    let ranges: Vec<_> = run.parts.iter().map(|p| p.range.clone()).collect();
    assert_eq!(
        ranges,
        split(100_000, 4),
        "the parts should be the ranges of split(n, threads), in order"
    );
    for p in &run.parts {
        assert_eq!(
            p.primes,
            count_primes(p.range.clone()),
            "part {:?} has the wrong count",
            p.range
        );
    }
    let sum: u64 = run.parts.iter().map(|p| p.primes).sum();
    assert_eq!(run.primes, sum, "the total should be the sum of the parts");
}

#[test]
fn threads_do_the_work_on_distinct_threads() {
    let run = primes_on_threads(20_000, 4);
    let me = thread::current().id();
    let ids: HashSet<_> = run.parts.iter().map(|p| p.worker).collect();
    assert_eq!(
        ids.len(),
        4,
        "each of the 4 parts should be counted by its own thread, got {:?}",
        run.parts
    );
    assert!(
        !ids.contains(&me),
        "a part was counted on the calling thread: spawn a new thread for every part"
    );
}

#[test]
fn worker_prints_its_count_and_pid() {
    let child = std::process::Command::new(WORKER_EXE)
        .args(["ex01", "count-primes", "0", "100"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("could not run the worker binary");
    let child_pid = child.id();
    let output = child
        .wait_with_output()
        .expect("could not wait for the worker");
    assert!(
        output.status.success(),
        "`worker ex01 count-primes 0 100` failed: {}; stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let words: Vec<&str> = stdout.split_whitespace().collect();
    assert_eq!(
        words.len(),
        2,
        "the worker should print `PRIMES PID`, got {stdout:?}"
    );
    assert_eq!(
        words[0], "25",
        "there are 25 primes in 0..100; the worker printed {stdout:?}"
    );
    let pid: u32 = words[1]
        .parse()
        .unwrap_or_else(|_| panic!("`{}` is not a PID (from {stdout:?})", words[1]));
    assert_eq!(
        pid, child_pid,
        "the worker should print its own PID (std::process::id()), {child_pid}, but printed {pid}"
    );
    let bad = std::process::Command::new(WORKER_EXE)
        .args(["ex01", "count-primes", "ten"])
        .output()
        .expect("could not run the worker binary");
    assert!(
        !bad.status.success(),
        "`worker ex01 count-primes ten` should fail (bad arguments), but it succeeded"
    );
}

#[test]
fn processes_count_the_same_primes_as_threads() {
    let exe = Path::new(WORKER_EXE);
    let run = with_watchdog(
        8,
        "primes_on_processes(.., 100_000, 4) did not finish",
        move || primes_on_processes(exe, 100_000, 4),
    )
    .expect("primes_on_processes returned an error");
    assert_eq!(
        run.primes, PRIMES_BELOW_100_000,
        "there are 9592 primes below 100_000"
    );
    let ranges: Vec<_> = run.parts.iter().map(|p| p.range.clone()).collect();
    assert_eq!(
        ranges,
        split(100_000, 4),
        "the parts should be the ranges of split(n, processes), in order"
    );
    for p in &run.parts {
        assert_eq!(
            p.primes,
            count_primes(p.range.clone()),
            "part {:?} has the wrong count",
            p.range
        );
    }
}

#[test]
fn processes_are_distinct_children_that_are_reaped() {
    let run = primes_on_processes(Path::new(WORKER_EXE), 20_000, 3)
        .expect("primes_on_processes returned an error");
    let pids: HashSet<u32> = run.parts.iter().map(|p| p.worker).collect();
    assert_eq!(
        pids.len(),
        3,
        "each of the 3 parts should be counted by its own child process: {:?}",
        run.parts
    );
    assert!(
        !pids.contains(&std::process::id()),
        "a part claims the parent's own PID: the work must be done in child processes"
    );
    for pid in pids {
        assert_reaped(pid);
    }
}

#[test]
fn a_missing_worker_is_an_error_not_a_panic() {
    let result = primes_on_processes(Path::new("/nonexistent/ex01-worker"), 1_000, 2);
    assert!(
        result.is_err(),
        "spawning a program that does not exist should return Err, got {result:?}"
    );
}

#[test]
fn compare_gives_equal_results() {
    let exe = Path::new(WORKER_EXE);
    let cmp = with_watchdog(8, "compare(.., 50_000, 2) did not finish", move || {
        compare(exe, 50_000, 2)
    })
    .expect("compare returned an error");
    assert_eq!(
        cmp.threads.primes, 5133,
        "threads: there are 5133 primes below 50_000"
    );
    assert_eq!(
        cmp.processes.primes, cmp.threads.primes,
        "threads and processes must agree"
    );
    assert_eq!(
        cmp.threads.parts.len(),
        2,
        "2 workers should give 2 thread parts"
    );
    assert_eq!(
        cmp.processes.parts.len(),
        2,
        "2 workers should give 2 process parts"
    );
}

#[test]
fn io_waits_overlap_on_threads() {
    const N: usize = 8;
    let run = with_watchdog(
        5,
        "simulate_io did not finish: the 8 simulated I/O calls wait for each other on a Barrier, \
         so they must all be in flight at the same time (one thread per call, started before any is joined)",
        || {
            let in_flight = AtomicUsize::new(0);
            let max_in_flight = AtomicUsize::new(0);
            let barrier = Barrier::new(N);
            let run = simulate_io(N, |i| {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                max_in_flight.fetch_max(now, Ordering::SeqCst);
                barrier.wait(); // the "I/O wait": only returns once all N calls are waiting
                in_flight.fetch_sub(1, Ordering::SeqCst);
                (i * 10, thread::current().id())
            });
            (run.results, max_in_flight.load(Ordering::SeqCst))
        },
    );
    let (results, max) = run;
    assert_eq!(max, N, "all {N} calls should have been in flight at once");
    let values: Vec<usize> = results.iter().map(|r| r.0).collect();
    let expected: Vec<usize> = (0..N).map(|i| i * 10).collect();
    assert_eq!(
        values, expected,
        "results[i] must be io(i), in request order"
    );
    let threads: HashSet<_> = results.iter().map(|r| r.1).collect();
    assert_eq!(threads.len(), N, "each call should run on its own thread");
}
