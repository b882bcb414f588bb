// Graded tests for ex03_multiprocessing (included by exercises/tests, solutions/tests and the
// fixtures). The child is the crate's worker binary, run as `WORKER_EXE ex03 MODE ...`.
use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use under_test::ex03_multiprocessing::*;

/// A time limit far above what any test child needs (they finish in milliseconds).
const GENEROUS: Duration = Duration::from_secs(4);
/// SIGABRT on Linux, the signal `std::process::abort()` raises.
const SIGABRT: i32 = 6;

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

/// `run_in_child(WORKER_EXE, ["ex03", args...], timeout)` under a watchdog.
fn run(args: &[&'static str], timeout: Duration) -> Result<Computed, ChildError> {
    let mut full = vec!["ex03"];
    full.extend_from_slice(args);
    let what = format!(
        "run_in_child(worker, {full:?}, {timeout:?}) did not return: something blocks past the time \
         limit (a plain wait, or reading one pipe to the end while the child is stuck writing the other)"
    );
    with_watchdog(timeout.as_secs() + 3, &what, move || {
        run_in_child(Path::new(WORKER_EXE), &full, timeout)
    })
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
         wait for the child (Child::wait, wait_with_output, or kill then wait) before returning"
    );
}

/// The PID carried by an error, which must be there for every error but `Spawn`.
fn pid_of(err: &ChildError) -> u32 {
    err.pid()
        .unwrap_or_else(|| panic!("this error should carry the child's PID: {err:?}"))
}

#[test]
fn square_is_computed_in_a_child_that_is_reaped() {
    let got = run(&["square", "7"], GENEROUS)
        .unwrap_or_else(|e| panic!("`square 7` should give Ok(49), got Err({e:?})"));
    assert_eq!(got.value, 49, "`square 7` prints 49");
    assert_ne!(
        got.pid,
        std::process::id(),
        "the PID in Computed should be the child's, not ours"
    );
    assert_reaped(got.pid);

    let me =
        run(&["pid"], GENEROUS).unwrap_or_else(|e| panic!("`pid` should succeed, got Err({e:?})"));
    assert_eq!(
        me.value,
        i64::from(me.pid),
        "the `pid` child printed its own PID, {}, but Computed.pid is {}: return Child::id()",
        me.value,
        me.pid
    );
    assert_reaped(me.pid);
}

#[test]
fn spawn_failure_is_a_spawn_error() {
    let result = with_watchdog(
        8,
        "run_in_child on a missing program did not return",
        || {
            run_in_child(
                Path::new("/nonexistent/ex03-worker"),
                &["square", "2"],
                GENEROUS,
            )
        },
    );
    match result {
        Err(ChildError::Spawn(e)) => {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::NotFound,
                "a missing program is NotFound, got {e:?}"
            )
        }
        other => panic!(
            "a program that does not exist should give Err(ChildError::Spawn(_)), got {other:?}"
        ),
    }
}

#[test]
fn nonzero_exit_reports_code_and_stderr() {
    match run(&["exit", "3", "the input was bad"], GENEROUS) {
        Err(ChildError::Exited { pid, code, stderr }) => {
            assert_eq!(code, 3, "the child exited with code 3");
            assert!(
                stderr.contains("the input was bad"),
                "`stderr` should hold what the child wrote there (\"the input was bad\"), got {stderr:?}"
            );
            assert_reaped(pid);
        }
        other => panic!(
            "`exit 3 ...` should give Err(ChildError::Exited {{ code: 3, .. }}), got {other:?}"
        ),
    }
}

#[test]
fn abort_is_reported_as_a_signal() {
    match run(&["abort"], GENEROUS) {
        Err(ChildError::Killed {
            pid,
            signal,
            stderr,
        }) => {
            assert_eq!(
                signal, SIGABRT,
                "std::process::abort() raises SIGABRT (6), got signal {signal}"
            );
            assert!(
                stderr.contains("aborting"),
                "`stderr` should hold what the child wrote before aborting, got {stderr:?}"
            );
            assert_reaped(pid);
        }
        other => panic!(
            "a child killed by SIGABRT has no exit code: use ExitStatusExt::signal() and give \
             Err(ChildError::Killed {{ signal: 6, .. }}), got {other:?}"
        ),
    }
}

#[test]
fn garbage_on_stdout_is_bad_output() {
    match run(&["garbage"], GENEROUS) {
        Err(ChildError::BadOutput { pid, stdout }) => {
            assert!(
                stdout.contains("forty-two"),
                "`stdout` should hold what the child printed, got {stdout:?}"
            );
            assert_reaped(pid);
        }
        other => panic!(
            "a child that prints `forty-two` should give Err(ChildError::BadOutput {{ .. }}), got {other:?}"
        ),
    }
}

#[test]
fn slow_child_times_out_and_is_killed_and_reaped() {
    // The child would sleep 60 s; the limit is 300 ms. The watchdog allows 3 s.
    match run(&["sleep", "60000"], Duration::from_millis(300)) {
        Err(err @ ChildError::TimedOut { .. }) => {
            let pid = pid_of(&err);
            assert_reaped(pid);
        }
        other => panic!(
            "a child still running at the time limit should give Err(ChildError::TimedOut {{ .. }}), got {other:?}"
        ),
    }
}

#[test]
fn fast_child_is_not_timed_out() {
    // `sleep 50` finishes well inside its 4 s limit: the call must wait for it, not give up.
    let got = run(&["sleep", "50"], GENEROUS).unwrap_or_else(|e| {
        panic!("`sleep 50` with a 4 s limit should give Ok(0), got Err({e:?})")
    });
    assert_eq!(got.value, 0);
    assert_reaped(got.pid);
}

#[test]
fn a_full_stderr_pipe_does_not_deadlock() {
    // 1 MiB on stderr is far more than a pipe holds (64 KiB on Linux): if nobody reads stderr
    // while the child runs, the child blocks on its write and never exits.
    match run(&["chatty", "1024"], GENEROUS) {
        Ok(got) => {
            assert_eq!(got.value, 42, "`chatty` prints 42 after its stderr noise");
            assert_reaped(got.pid);
        }
        Err(ChildError::TimedOut { .. }) => panic!(
            "the chatty child timed out: it was blocked writing to a full stderr pipe. Read stdout \
             and stderr while the child runs (a thread per pipe, or wait_with_output)"
        ),
        Err(e) => panic!("`chatty 1024` should give Ok(42), got Err({e:?})"),
    }
}

#[test]
fn numbers_are_piped_through_stdin() {
    // 100_000 numbers are about 600 KB of input, far more than a pipe holds.
    let numbers: Vec<i64> = (1..=100_000)
        .map(|k| if k % 3 == 0 { -k } else { k })
        .collect();
    let expected: i64 = numbers.iter().sum();
    let input: String = numbers.iter().map(|k| format!("{k}\n")).collect();
    let result = with_watchdog(
        8,
        "run_with_input(worker, [\"ex03\", \"sum\"], ..) did not return: close the child's stdin \
         after writing (drop it) so that it sees end-of-file",
        move || {
            run_with_input(
                Path::new(WORKER_EXE),
                &["ex03", "sum"],
                input.as_bytes(),
                GENEROUS,
            )
        },
    );
    match result {
        Ok(got) => {
            assert_eq!(
                got.value, expected,
                "the child's sum of the 100_000 numbers"
            );
            assert_reaped(got.pid);
        }
        Err(ChildError::TimedOut { .. }) => panic!(
            "the `sum` child timed out: it waits for end-of-file on stdin. Drop the ChildStdin \
             after writing, and do not wait for the child while your own write is blocked"
        ),
        Err(e) => panic!("`sum` over 100_000 numbers should give Ok({expected}), got Err({e:?})"),
    }
}

#[test]
fn bad_input_on_stdin_is_an_exit_error() {
    let result = with_watchdog(
        8,
        "run_with_input(worker, [\"ex03\", \"sum\"], \"1 2 x\") did not return",
        || {
            run_with_input(
                Path::new(WORKER_EXE),
                &["ex03", "sum"],
                b"1 2 x\n",
                GENEROUS,
            )
        },
    );
    match result {
        Err(ChildError::Exited { pid, code, stderr }) => {
            assert_eq!(code, 2, "the worker exits with 2 on bad input");
            assert!(
                stderr.contains("`x`"),
                "stderr should name the bad word `x`, got {stderr:?}"
            );
            assert_reaped(pid);
        }
        other => panic!(
            "`sum` of \"1 2 x\" should give Err(ChildError::Exited {{ code: 2, .. }}), got {other:?}"
        ),
    }
}
