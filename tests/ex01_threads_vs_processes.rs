// Graded tests for ex01_threads_vs_processes (included by exercises/tests, solutions/tests, the
// fixtures and the grader). No test asserts on a duration. Overlap is observed, never timed:
// - threads: another thread watches /proc/self/task and counts the counting threads alive at once;
// - processes: the code under test starts a gated stand-in for the worker binary (GatedWorker in
//   support.rs), whose copies wait until the test has seen all of them started;
// - simulate_io: the test's own calls meet at a Rendezvous.
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use under_test::ex01_threads_vs_processes::*;

include!("support.rs");

/// Known prime counts (independent of the code under test): primes below n.
const PRIMES_BELOW_30_000: u64 = 3245;
const PRIMES_BELOW_40_000: u64 = 4203;
const PRIMES_BELOW_100_000: u64 = 9592;
const PRIMES_BELOW_1_000_000: u64 = 78_498;
const PRIMES_BELOW_2_000_000: u64 = 148_933;
const PRIMES_BELOW_4_000_000: u64 = 283_146;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

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
            "split({n}, {parts}): range {i} ({r:?}) should start at {next}, where the previous one \
             ended (no gap, no overlap): {ranges:?}"
        );
        assert!(
            r.start <= r.end,
            "split({n}, {parts}): range {i} ({r:?}) runs backwards"
        );
        next = r.end;
    }
    assert_eq!(
        next, n,
        "split({n}, {parts}) must cover 0..{n}, but the last range ends at {next}: {ranges:?}"
    );
    let lens: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
    let (min, max) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
    assert!(
        max - min <= 1,
        "split({n}, {parts}): the part lengths must differ by at most 1 (balanced), got {lens:?}"
    );
}

/// The parts' ranges must be those of `split(n, k)`, in order, each with its own correct count,
/// and the total their sum.
fn check_run_counts<W: std::fmt::Debug>(what: &str, run: &Run<W>, n: u64, k: usize, total: u64) {
    let ranges: Vec<_> = run.parts.iter().map(|p| p.range.clone()).collect();
    assert_eq!(
        ranges,
        split(n, k),
        "{what}: the parts must be the ranges of split({n}, {k}), in that order"
    );
    for p in &run.parts {
        assert_eq!(
            p.primes,
            count_primes(p.range.clone()),
            "{what}: part {:?} has the wrong count",
            p.range
        );
    }
    assert_eq!(
        run.primes, total,
        "{what}: there are {total} primes below {n}"
    );
    let sum: u64 = run.parts.iter().map(|p| p.primes).sum();
    assert_eq!(
        run.primes, sum,
        "{what}: the total must be the sum of the parts"
    );
}

/// The ids of this process's threads, from /proc/self/task.
fn task_ids() -> Vec<u32> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Whether thread `tid` of this process is alive and not already exiting.
fn thread_is_live(tid: u32) -> bool {
    proc_stat_fields(&format!("/proc/self/task/{tid}/stat"))
        .is_some_and(|f| !matches!(f[0].as_str(), "Z" | "X"))
}

/// Runs `call` while another thread watches /proc/self/task (every ~0.3 ms); returns the
/// result and the most threads, among those started during the call, seen alive at once.
fn most_new_threads_alive_during<T>(call: impl FnOnce() -> T) -> (T, usize) {
    require_proc();
    let before: HashSet<u32> = task_ids().into_iter().collect();
    let stop = Arc::new(AtomicBool::new(false));
    let most = Arc::new(AtomicUsize::new(0));
    let (ready_tx, ready_rx) = mpsc::channel();
    let sampler = {
        let (stop, most) = (Arc::clone(&stop), Arc::clone(&most));
        thread::Builder::new()
            .name("ex01-sampler".into())
            .spawn(move || {
                let me = this_thread_tid();
                let _ = ready_tx.send(());
                while !stop.load(Ordering::SeqCst) {
                    let alive = task_ids()
                        .into_iter()
                        .filter(|&t| t != me && !before.contains(&t) && thread_is_live(t))
                        .count();
                    most.fetch_max(alive, Ordering::SeqCst);
                    thread::sleep(Duration::from_micros(300));
                }
            })
            .expect("the test cannot start its sampler thread")
    };
    ready_rx.recv().expect("the sampler started");
    let out = call();
    stop.store(true, Ordering::SeqCst);
    sampler.join().expect("the sampler thread");
    (out, most.load(Ordering::SeqCst))
}

/// Runs `primes_on_processes(stand-in, n, k)` on its own thread. Waits (up to `wait_secs`)
/// until `k` stand-ins have started, then opens their gate. Returns the PIDs started before the gate
/// opened, the call's result, and the gate (for its records).
fn gated_primes_on_processes(
    n: u64,
    k: usize,
    hook: &str,
    wait_secs: u64,
) -> (Vec<u32>, std::io::Result<ProcessRun>, GatedWorker) {
    let gate = GatedWorker::new(WORKER_EXE, AfterGate::Exec, hook);
    let exe = gate.exe().to_path_buf();
    let (tx, rx) = mpsc::channel();
    let caller = thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| primes_on_processes(&exe, n, k));
        let _ = tx.send(outcome);
    });
    // Wait until all k have started (or the call has already returned, or the time is up).
    let deadline = Instant::now() + Duration::from_secs(wait_secs);
    let mut early = None;
    let started_at_once = loop {
        let started = gate.started();
        if started.len() >= k || Instant::now() >= deadline {
            break started;
        }
        if let Ok(outcome) = rx.try_recv() {
            early = Some(outcome);
            break gate.started();
        }
        thread::sleep(Duration::from_millis(1));
    };
    gate.open_start();
    let outcome = match early.map_or_else(|| rx.recv_timeout(Duration::from_secs(5)), Ok) {
        Ok(outcome) => outcome,
        Err(_) => panic!(
            "primes_on_processes(.., {n}, {k}) did not return within 5 s after its children were \
             let run (deadlock? a child whose output is never read?)"
        ),
    };
    let _ = caller.join();
    let result = match outcome {
        Ok(result) => result,
        Err(panic) => panic!(
            "primes_on_processes(.., {n}, {k}) panicked: {} (it must not panic: a failure is \
             returned as an io::Error)",
            panic_message(&panic)
        ),
    };
    (started_at_once, result, gate)
}

/// [`gated_primes_on_processes`] with plain stand-ins: fails unless all `k` children were
/// started while the first was still held at the gate (they run at the same time), and unless
/// the run counts `primes` primes below `n` in `k` parts. Returns the run and the gate.
fn primes_on_processes_all_at_once(n: u64, k: usize, primes: u64) -> (ProcessRun, GatedWorker) {
    let (started, result, gate) = gated_primes_on_processes(n, k, "", 4);
    assert_eq!(
        started.len(),
        k,
        "{k} child processes were to count the primes, but only {} had been started while the \
         first was still waiting to run (4 s): the children were started and waited for one at \
         a time. Spawn all of them first, then wait for them all",
        started.len()
    );
    let run = result.expect("primes_on_processes returned an error");
    check_run_counts(&format!("primes_on_processes(.., {n}, {k})"), &run, n, k, primes);
    (run, gate)
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into())
}

/// Fails unless every child in `pids` is gone (waited for) now that the call has returned.
fn assert_all_reaped(pids: &[u32], when: &str) {
    for &pid in pids {
        let state = child_state(pid);
        assert!(
            state == ChildState::Gone,
            "child {pid} is still this process's child {when} ({}): every child started must be \
             waited for (Child::wait or wait_with_output) before primes_on_processes returns, \
             also when it returns an error",
            match state {
                ChildState::Zombie => "a zombie: it exited and was never waited for",
                _ => "still running: it was never waited for",
            }
        );
    }
}

/// Fails with `distinct` unless the jobs ran on `expected` different threads (`ids`: the thread
/// of each job), and with `on_caller` if one of them ran on the `caller`'s thread.
fn assert_on_threads_of_their_own(
    ids: impl IntoIterator<Item = thread::ThreadId>,
    expected: usize,
    caller: thread::ThreadId,
    distinct: &str,
    on_caller: &str,
) {
    let ids: HashSet<_> = ids.into_iter().collect();
    assert_eq!(ids.len(), expected, "{distinct}");
    assert!(!ids.contains(&caller), "{on_caller}");
}

// ---------------------------------------------------------------------------------------------
// split
// ---------------------------------------------------------------------------------------------

#[test]
fn split_covers_the_range_in_balanced_parts() {
    for (n, parts) in [
        (10, 3),
        (12, 4),
        (100_000, 4),
        (7, 1),
        (0, 3),
        (3, 5),
        (11, 4),
        (1_000_003, 8),
        (1_000_000, 7),
    ] {
        check_split(n, parts);
    }
}

// ---------------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------------

#[test]
fn threads_count_the_known_number_of_primes() {
    let run = watchdog(8, "primes_on_threads(100_000, 4)", || {
        primes_on_threads(100_000, 4)
    });
    assert_eq!(run.parts.len(), 4, "4 threads should give 4 parts");
    check_run_counts(
        "primes_on_threads(100_000, 4)",
        &run,
        100_000,
        4,
        PRIMES_BELOW_100_000,
    );
    let run = watchdog(8, "primes_on_threads(30_000, 3)", || {
        primes_on_threads(30_000, 3)
    });
    check_run_counts(
        "primes_on_threads(30_000, 3)",
        &run,
        30_000,
        3,
        PRIMES_BELOW_30_000,
    );
    // More parts than numbers: some parts are empty; 2 and 3 are the only primes below 5.
    let run = watchdog(8, "primes_on_threads(5, 7)", || primes_on_threads(5, 7));
    check_run_counts("primes_on_threads(5, 7)", &run, 5, 7, 2);
    let counts: Vec<u64> = run.parts.iter().map(|p| p.primes).collect();
    assert_eq!(
        counts,
        split(5, 7)
            .iter()
            .map(|r| u64::from(r.contains(&2)) + u64::from(r.contains(&3)))
            .collect::<Vec<u64>>(),
        "primes_on_threads(5, 7): only the parts holding 2 and 3 have a prime"
    );
}

#[test]
fn threads_do_the_work_on_distinct_threads() {
    let (run, me) = watchdog(8, "primes_on_threads(20_000, 4)", || {
        (primes_on_threads(20_000, 4), thread::current().id())
    });
    assert_on_threads_of_their_own(
        run.parts.iter().map(|p| p.worker),
        4,
        me,
        &format!(
            "each of the 4 parts should be counted by its own thread, got {:?}",
            run.parts
        ),
        "a part was counted on the calling thread: spawn a new thread for every part",
    );
}

#[test]
fn threads_all_run_at_the_same_time() {
    // All 4 threads exist from the last spawn until the first part is done, which takes
    // milliseconds of CPU (tens in a debug build). A sampler that looks every ~0.3 ms sees them
    // all; threads started and joined one at a time are never more than 1 (2 at a hand-over)
    // alive at once. Up to three tries, each with twice the work, so that a sampler starved for
    // a whole run on a loaded machine cannot fail a correct solution.
    const THREADS: usize = 4;
    let mut seen = Vec::new();
    for (n, primes) in [
        (1_000_000, PRIMES_BELOW_1_000_000),
        (2_000_000, PRIMES_BELOW_2_000_000),
        (4_000_000, PRIMES_BELOW_4_000_000),
    ] {
        let what = format!("primes_on_threads({n}, {THREADS})");
        let (run, most) = watchdog(8, &what, move || {
            most_new_threads_alive_during(|| primes_on_threads(n, THREADS))
        });
        assert_eq!(
            run.primes, primes,
            "{what}: there are {primes} primes below {n}"
        );
        assert_eq!(run.parts.len(), THREADS, "{what} should give 4 parts");
        if most >= THREADS {
            return;
        }
        seen.push(most);
    }
    let most = seen.iter().max().copied().unwrap_or(0);
    panic!(
        "{THREADS} counting threads were started, but at most {most} of them were alive at a time \
         (in each of 3 runs: {seen:?}): they did not all run at once. Spawn all the threads \
         first, then join them (a lazy `.map(spawn).map(join)`, or spawn-then-join in one \
         loop, runs them one at a time)"
    );
}

// ---------------------------------------------------------------------------------------------
// The worker (child side)
// ---------------------------------------------------------------------------------------------

#[test]
fn worker_prints_its_count_and_pid() {
    let child = std::process::Command::new(WORKER_EXE)
        .args(["ex01", "count-primes", "0", "100"])
        .stdin(std::process::Stdio::null())
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
    assert_eq!(
        stdout,
        format!("25 {child_pid}\n"),
        "`worker ex01 count-primes 0 100` must print `PRIMES PID` and a newline: 25 primes in \
         0..100, and its own PID (std::process::id()), {child_pid}"
    );
    let output = std::process::Command::new(WORKER_EXE)
        .args(["ex01", "count-primes", "1000", "2000"])
        .output()
        .expect("could not run the worker binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.split_whitespace().next(),
        Some("135"),
        "there are 135 primes in 1000..2000 (LO included, HI excluded); the worker printed \
         {stdout:?}"
    );
    for bad in [
        &["count-primes", "ten", "20"][..],
        &["count-primes", "10", "twenty"],
        &["count-primes", "10"],
        &["count-primes", "10", "20", "30"],
        &["count-prime", "10", "20"],
        &["prime-count", "10", "20"],
        &[],
    ] {
        let output = std::process::Command::new(WORKER_EXE)
            .arg("ex01")
            .args(bad)
            .output()
            .expect("could not run the worker binary");
        assert_eq!(
            output.status.code(),
            Some(2),
            "`worker ex01 {}` must fail with exit code 2 (bad arguments), got {}; stdout: {:?}",
            bad.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(
            !output.stderr.is_empty(),
            "`worker ex01 {}` must print a usage message on stderr",
            bad.join(" ")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

#[test]
fn processes_count_the_same_primes_as_threads() {
    let exe = Path::new(WORKER_EXE);
    let run = watchdog(8, "primes_on_processes(.., 100_000, 4)", move || {
        primes_on_processes(exe, 100_000, 4)
    })
    .expect("primes_on_processes returned an error");
    check_run_counts(
        "primes_on_processes(.., 100_000, 4)",
        &run,
        100_000,
        4,
        PRIMES_BELOW_100_000,
    );
    let run = watchdog(8, "primes_on_processes(.., 5, 7)", move || {
        primes_on_processes(exe, 5, 7)
    })
    .expect("primes_on_processes returned an error");
    check_run_counts("primes_on_processes(.., 5, 7)", &run, 5, 7, 2);
}

#[test]
fn processes_all_run_at_the_same_time() {
    // The stand-in children wait at a gate until the test has seen all 4 started: children
    // started and waited for one at a time never get past the first.
    let (run, gate) = primes_on_processes_all_at_once(40_000, 4, PRIMES_BELOW_40_000);
    let reported: Vec<u32> = {
        let mut p: Vec<u32> = run.parts.iter().map(|p| p.worker).collect();
        p.sort_unstable();
        p
    };
    assert_eq!(
        reported,
        gate.started(),
        "each part must name the PID of the child that counted it: the children started were \
         {:?}",
        gate.started()
    );
}

#[test]
fn processes_are_distinct_children_that_are_reaped() {
    let (_, result, gate) = gated_primes_on_processes(20_000, 3, "", 1);
    let run = result.expect("primes_on_processes returned an error");
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
    let started = gate.started();
    assert_eq!(
        started.len(),
        3,
        "3 parts need 3 children, but {} were started: {started:?}",
        started.len()
    );
    assert_all_reaped(&started, "after primes_on_processes returned");
}

#[test]
fn a_failing_worker_is_an_error_and_every_child_is_still_reaped() {
    // The child for the first part prints a well-formed line, then fails: by its exit code, or
    // killed by a signal. The others count normally (and are still running, or not yet waited
    // for, when the first one has failed).
    for (how, fail) in [
        ("exits with code 3", "exit 3"),
        ("is killed by SIGKILL", "kill -KILL $$"),
    ] {
        let hook =
            format!("if [ \"$3\" = 0 ]; then : > \"$d/failing.$$\"; echo \"0 $$\"; {fail}; fi");
        let (started, result, gate) = gated_primes_on_processes(100_000, 4, &hook, 1);
        let failing = gate.marked("failing");
        assert_eq!(
            failing.len(),
            1,
            "the child for the part 0..25000 never ran (children started: {started:?}, and the \
             call returned {result:?}): primes_on_processes must start one child per part of split"
        );
        assert!(
            result.is_err(),
            "a child printed `0 PID` and then {how}: primes_on_processes must return Err when a \
             child exits unsuccessfully (check its ExitStatus), but it returned {result:?}"
        );
        assert_all_reaped(
            &gate.started(),
            "after primes_on_processes returned an error",
        );
    }
}

#[test]
fn a_worker_that_prints_something_else_is_an_error() {
    // The child for the first part exits successfully but prints something that is not
    // `PRIMES PID` with its own PID.
    for (what, print) in [
        ("a word instead of a number", "echo \"many $$\""),
        ("only the count", "echo 0"),
        ("nothing at all", ":"),
        ("a third word", "echo \"0 $$ 0\""),
        ("a PID that is not its own", "echo \"0 1\""),
        ("a negative count", "echo \"-1 $$\""),
    ] {
        let hook = format!("if [ \"$3\" = 0 ]; then : > \"$d/odd.$$\"; {print}; exit 0; fi");
        let (_, result, gate) = gated_primes_on_processes(3_000, 2, &hook, 1);
        assert_eq!(
            gate.marked("odd").len(),
            1,
            "the child for the part 0..1500 never ran (the call returned {result:?}): \
             primes_on_processes must start one child per part of split"
        );
        assert!(
            result.is_err(),
            "a child printed {what} (`{print}` in shell) and exited 0: primes_on_processes must \
             return an io::Error for anything but `PRIMES PID` with the child's own PID, but it \
             returned {result:?}"
        );
        assert_all_reaped(
            &gate.started(),
            "after primes_on_processes returned an error",
        );
    }
}

#[test]
fn a_missing_worker_is_an_error_not_a_panic() {
    let result = watchdog(8, "primes_on_processes with a missing worker", || {
        std::panic::catch_unwind(|| {
            primes_on_processes(Path::new("/nonexistent/ex01-worker"), 1_000, 2)
        })
        .map_err(|p| panic_message(&p))
    });
    match result {
        Ok(Err(_)) => {}
        Ok(Ok(run)) => {
            panic!("spawning a program that does not exist must return Err, got Ok({run:?})")
        }
        Err(msg) => panic!(
            "spawning a program that does not exist must return Err, but primes_on_processes \
             panicked: {msg}"
        ),
    }
}

#[test]
fn compare_gives_equal_results() {
    // Two worker counts, so that a number of workers taken from elsewhere (the number of cores)
    // cannot match both on any machine.
    for (n, workers, primes) in [
        (30_000, 3, PRIMES_BELOW_30_000),
        (40_000, 1, PRIMES_BELOW_40_000),
    ] {
        let gate = GatedWorker::new(WORKER_EXE, AfterGate::Exec, "");
        gate.open_start();
        let exe = gate.exe().to_path_buf();
        let what = format!("compare(.., {n}, {workers})");
        let cmp = watchdog(8, &what, move || compare(&exe, n, workers))
            .unwrap_or_else(|e| panic!("{what} returned an error: {e}"));
        check_run_counts(
            &format!("{what}: the thread run"),
            &cmp.threads,
            n,
            workers,
            primes,
        );
        check_run_counts(
            &format!("{what}: the process run"),
            &cmp.processes,
            n,
            workers,
            primes,
        );
        let threads: HashSet<_> = cmp.threads.parts.iter().map(|p| p.worker).collect();
        assert_eq!(
            threads.len(),
            workers,
            "{what}: the thread run must count each part on its own thread: {:?}",
            cmp.threads.parts
        );
        let mut pids: Vec<u32> = cmp.processes.parts.iter().map(|p| p.worker).collect();
        pids.sort_unstable();
        assert_eq!(
            pids,
            gate.started(),
            "{what}: the process run must count each part in a child process of the given \
             worker binary (the children started were {:?})",
            gate.started()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// simulate_io
// ---------------------------------------------------------------------------------------------

#[test]
fn io_waits_overlap_on_threads() {
    const N: usize = 8;
    let (results, met, most, caller) = watchdog(
        20,
        "simulate_io with 8 calls that wait for each other",
        || {
            let gauge = OverlapGauge::new();
            let all_in_flight = Rendezvous::new(N, 4);
            let met = AtomicUsize::new(0);
            let gave_up = AtomicBool::new(false);
            let run = simulate_io(N, |i| {
                let _running = gauge.enter();
                // The "I/O wait": returns once all N calls are waiting (or after 4 s; once one
                // call has given up, the others do not wait).
                if !gave_up.load(Ordering::SeqCst) {
                    if all_in_flight.meet() {
                        met.fetch_add(1, Ordering::SeqCst);
                    } else {
                        gave_up.store(true, Ordering::SeqCst);
                    }
                }
                (i * 10 + 7, thread::current().id())
            });
            (
                run.results,
                met.load(Ordering::SeqCst),
                gauge.most(),
                thread::current().id(),
            )
        },
    );
    assert_eq!(
        most, N,
        "simulate_io({N}, io) made {N} calls, but at most {most} were in flight at a time: every \
         call must be on its own thread, and all of them started before any is joined"
    );
    assert_eq!(met, N, "all {N} calls should have been in flight at once");
    let values: Vec<usize> = results.iter().map(|r| r.0).collect();
    let expected: Vec<usize> = (0..N).map(|i| i * 10 + 7).collect();
    assert_eq!(
        values, expected,
        "results[i] must be io(i), in request order"
    );
    assert_on_threads_of_their_own(
        results.iter().map(|r| r.1),
        N,
        caller,
        "each call should run on its own thread",
        "a call ran on the calling thread: every call must be on a thread of its own",
    );
}

#[test]
fn io_results_are_in_request_order_whatever_order_the_calls_finish() {
    // The calls finish in reverse order: call i returns only after call i + 1 has returned (or
    // after 4 s, if they are not all in flight; then the later calls do not wait).
    const N: usize = 6;
    let (values, late) = watchdog(20, "simulate_io with calls that finish in reverse", || {
        let finished = Mutex::new(0usize); // how many calls have returned
        let changed = Condvar::new();
        let late = AtomicBool::new(false);
        let run = simulate_io(N, |i| {
            let deadline = Instant::now() + Duration::from_secs(4);
            let mut done = finished.lock().unwrap();
            while *done < N - 1 - i && !late.load(Ordering::SeqCst) {
                let now = Instant::now();
                if now >= deadline {
                    late.store(true, Ordering::SeqCst); // the calls are not all in flight
                    break;
                }
                done = changed.wait_timeout(done, deadline - now).unwrap().0;
            }
            *done += 1;
            changed.notify_all();
            format!("answer {i}")
        });
        (run.results, late.load(Ordering::SeqCst))
    });
    assert!(
        !late,
        "the calls of simulate_io were not all in flight at once (a call waited 4 s for a later \
         one): start every call on its own thread before joining any"
    );
    let expected: Vec<String> = (0..N).map(|i| format!("answer {i}")).collect();
    assert_eq!(
        values, expected,
        "the calls finished in the order 5, 4, ..., 0, but results[i] must be io(i), in request \
         order"
    );
    let empty = simulate_io(0, |i| i);
    assert!(
        empty.results.is_empty(),
        "simulate_io(0, ..) has no results"
    );
}
