// Graded tests for ex03_multiprocessing (shared by the exercises, the solutions and the fixtures).
// The child is the crate's worker binary, run as `WORKER_EXE ex03 MODE ...` (its modes are listed
// at `worker_main`), or `/bin/sh` for a few cases. Every call runs under a watchdog, so a deadlock
// (a full pipe nobody reads, a time limit not honoured) fails with a message instead of hanging.
// Nothing is timed: a call that must return at the time limit is given a limit of 300 ms and a
// watchdog of many seconds; a call that must NOT wait for the limit is given a limit far longer
// than its watchdog.

use std::path::Path;
use std::time::Duration;

use under_test::ex03_multiprocessing::*;

include!("support.rs");

/// A time limit far longer than the watchdog of any test: a call that waits for it instead of
/// returning when the child exits is caught by the watchdog.
const GENEROUS: Duration = Duration::from_secs(60);
/// How long a test waits for a call that should return (a child that ends within milliseconds,
/// or a time limit of 300 ms): far above any real run time, it only turns a hang into a failure.
const WATCHDOG_SECS: u64 = 6;
/// The time limit of the tests whose child would run much longer.
const SHORT_LIMIT: Duration = Duration::from_millis(300);
/// SIGABRT on Linux, the signal `std::process::abort()` raises.
const SIGABRT: i32 = 6;
/// SIGTERM on Linux.
const SIGTERM: i32 = 15;

/// `run_with_input(program, args, input, timeout)` under a watchdog that names the call.
fn call(
    program: &Path,
    args: &[&str],
    input: Vec<u8>,
    timeout: Duration,
    advice: &str,
) -> Result<Computed, ChildError> {
    let program = program.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let what = if input.is_empty() {
        format!("run_in_child({}, {args:?}, {timeout:?})", program.display())
    } else {
        format!(
            "run_with_input({}, {args:?}, {} bytes of input, {timeout:?})",
            program.display(),
            input.len()
        )
    };
    watchdog(WATCHDOG_SECS, &format!("{what}: {advice}"), move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if input.is_empty() {
            run_in_child(&program, &args, timeout)
        } else {
            run_with_input(&program, &args, &input, timeout)
        }
    })
}

/// `run_in_child(WORKER_EXE, ["ex03", args...], timeout)` under a watchdog.
fn run(args: &[&str], timeout: Duration) -> Result<Computed, ChildError> {
    run_worker(args, Vec::new(), timeout)
}

/// `run_with_input(WORKER_EXE, ["ex03", args...], input, timeout)` under a watchdog
/// (`run_in_child` if `input` is empty).
fn run_worker(args: &[&str], input: Vec<u8>, timeout: Duration) -> Result<Computed, ChildError> {
    let mut full = vec!["ex03"];
    full.extend_from_slice(args);
    call(
        Path::new(WORKER_EXE),
        &full,
        input,
        timeout,
        "it did not return: something blocks past the time limit (a wait that ignores the \
         limit, or reading one pipe to the end, or writing the input, while the child is stuck \
         writing to another pipe)",
    )
}

/// `/bin/sh -c SCRIPT` as the child, under a watchdog.
fn run_sh(script: &str) -> Result<Computed, ChildError> {
    call(
        Path::new("/bin/sh"),
        &["-c", script],
        Vec::new(),
        GENEROUS,
        "it did not return although the shell child ends at once",
    )
}

/// Fails unless `pid` is gone: neither running nor a zombie child of this process. The code
/// under test must wait for every child it starts before it returns.
fn assert_gone(pid: u32, after: &str) {
    match child_state(pid) {
        ChildState::Gone => {}
        ChildState::Running => panic!(
            "child {pid} was still running after {after}: kill it at the time limit, and wait \
             for it before returning"
        ),
        ChildState::Zombie => panic!(
            "child {pid} had exited but was never waited for (a zombie) after {after}: call \
             Child::wait (also after Child::kill) before returning"
        ),
    }
}

/// The PID in the worker's `worker PID: ...` messages (or `says worker PID` on stdout).
fn pid_in_message(text: &str) -> u32 {
    text.split("worker ")
        .skip(1)
        .find_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .unwrap_or_else(|| panic!("the child's message {text:?} should name its PID"))
}

/// Whitespace-separated numbers, far more than a pipe holds (about 600 KB), and their sum.
fn many_numbers() -> (Vec<u8>, i64) {
    let numbers: Vec<i64> = (1..=100_000)
        .map(|k| if k % 3 == 0 { -k } else { k })
        .collect();
    let input: String = numbers.iter().map(|k| format!("{k}\n")).collect();
    (input.into_bytes(), numbers.iter().sum())
}

/// Fails unless `result` is `Err(ChildError::TimedOut)` after [`SHORT_LIMIT`] and the child is
/// gone; with a `pid_file` (which is then removed), also unless the PID is the one the child wrote
/// there. `function` names the function that returned `result`; `child` says what the child did.
fn assert_timed_out(
    result: Result<Computed, ChildError>,
    pid_file: Option<&Path>,
    function: &str,
    child: &str,
) {
    let child_pid = pid_file.map(|file| {
        let written = std::fs::read_to_string(file).ok();
        let _ = std::fs::remove_file(file);
        written
    });
    match result {
        Err(ChildError::TimedOut { pid, after }) => {
            assert_eq!(
                after, SHORT_LIMIT,
                "TimedOut.after must be the time limit given"
            );
            if let Some(child_pid) = child_pid {
                assert_eq!(
                    Some(pid.to_string()),
                    child_pid,
                    "TimedOut.pid must be the PID of the child that was killed"
                );
            }
            assert_gone(pid, &format!("{function} returned TimedOut"));
        }
        other => panic!("{child} should give Err(ChildError::TimedOut {{ .. }}), got {other:?}"),
    }
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
    assert_gone(got.pid, "run_in_child returned Ok");

    let me =
        run(&["pid"], GENEROUS).unwrap_or_else(|e| panic!("`pid` should succeed, got Err({e:?})"));
    assert_eq!(
        me.value,
        i64::from(me.pid),
        "the `pid` child printed its own PID, {}, but Computed.pid is {}: return Child::id()",
        me.value,
        me.pid
    );
    assert_gone(me.pid, "run_in_child returned Ok");
}

#[test]
fn spawn_failure_is_a_spawn_error() {
    let result = call(
        Path::new("/nonexistent/ex03-worker"),
        &["square", "2"],
        Vec::new(),
        GENEROUS,
        "a program that cannot start should give an error at once",
    );
    match result {
        Err(ChildError::Spawn(ref e)) => {
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::NotFound,
                "a missing program is NotFound, got {e:?}"
            );
            let err = result.as_ref().unwrap_err();
            assert_eq!(err.pid(), None, "a child that never started has no PID");
            assert!(
                std::error::Error::source(err).is_some(),
                "ChildError::Spawn has the io::Error as its source"
            );
        }
        other => panic!(
            "a program that does not exist should give Err(ChildError::Spawn(_)), got {other:?}"
        ),
    }
}

#[test]
fn nonzero_exit_reports_code_pid_and_stderr() {
    for code in ["3", "77"] {
        match run(&["exit", code, "the input was bad"], GENEROUS) {
            Err(ChildError::Exited {
                pid,
                code: got,
                stderr,
            }) => {
                assert_eq!(got.to_string(), code, "the child exited with code {code}");
                assert!(
                    stderr.contains("the input was bad"),
                    "`stderr` should hold what the child wrote there (\"the input was bad\"), \
                     got {stderr:?}"
                );
                assert_eq!(
                    pid,
                    pid_in_message(&stderr),
                    "Exited.pid must be the PID of the child that failed (it wrote {stderr:?})"
                );
                assert_gone(pid, "run_in_child returned Exited");
                let err = ChildError::Exited {
                    pid,
                    code: got,
                    stderr,
                };
                assert_eq!(
                    err.pid(),
                    Some(pid),
                    "ChildError::pid() gives the child's PID"
                );
                let shown = err.to_string();
                assert!(
                    shown.contains(&pid.to_string()) && shown.contains(code),
                    "the error's message should name the child and its exit code: {shown:?}"
                );
            }
            other => panic!(
                "`exit {code} ...` should give Err(ChildError::Exited {{ code: {code}, .. }}), \
                 got {other:?}"
            ),
        }
    }
}

#[test]
fn a_failing_child_is_an_error_even_if_it_printed_a_number() {
    // The child prints a perfectly good integer, then exits with code 4: its exit status decides.
    match run_sh("echo 5; echo \"worker $$: gave up after printing\" >&2; exit 4") {
        Err(ChildError::Exited { pid, code, stderr }) => {
            assert_eq!(code, 4, "the child exited with code 4");
            assert_eq!(
                pid,
                pid_in_message(&stderr),
                "Exited.pid must be the child's PID (it wrote {stderr:?})"
            );
            assert_gone(pid, "run_in_child returned Exited");
        }
        other => panic!(
            "a child that prints 5 and then exits with code 4 failed: it should give \
             Err(ChildError::Exited {{ code: 4, .. }}), not {other:?} (check the exit status \
             before the output)"
        ),
    }
}

/// Fails unless `result` is `Err(ChildError::Killed)` by `signal` (`cause` says why that
/// signal), with the PID the child named in its stderr, and the child is gone; returns the
/// child's stderr. `otherwise` begins the failure message for any other result.
fn assert_killed(
    result: Result<Computed, ChildError>,
    signal: i32,
    cause: &str,
    otherwise: &str,
) -> String {
    match result {
        Err(ChildError::Killed {
            pid,
            signal: got,
            stderr,
        }) => {
            assert_eq!(got, signal, "{cause}, got signal {got}");
            assert_eq!(
                pid,
                pid_in_message(&stderr),
                "Killed.pid must be the PID of the child that died (it wrote {stderr:?})"
            );
            assert_gone(pid, "run_in_child returned Killed");
            stderr
        }
        other => panic!(
            "{otherwise} Err(ChildError::Killed {{ signal: {signal}, .. }}), got {other:?}"
        ),
    }
}

#[test]
fn abort_is_reported_as_a_signal() {
    let stderr = assert_killed(
        run(&["abort"], GENEROUS),
        SIGABRT,
        "std::process::abort() raises SIGABRT (6)",
        "a child killed by SIGABRT has no exit code: use ExitStatusExt::signal() and give",
    );
    assert!(
        stderr.contains("aborting"),
        "`stderr` should hold what the child wrote before aborting, got {stderr:?}"
    );
    assert_killed(
        run_sh("echo \"worker $$: terminating myself\" >&2; kill -TERM $$"),
        SIGTERM,
        "the shell child killed itself with SIGTERM (15)",
        "a child killed by SIGTERM should give",
    );
}

#[test]
fn garbage_on_stdout_is_bad_output() {
    match run(&["garbage"], GENEROUS) {
        Err(ChildError::BadOutput { pid, stdout }) => {
            assert!(
                stdout.contains("forty-two"),
                "`stdout` should hold what the child printed, got {stdout:?}"
            );
            assert_eq!(
                pid,
                pid_in_message(&stdout),
                "BadOutput.pid must be the PID of the child that printed {stdout:?}"
            );
            assert_gone(pid, "run_in_child returned BadOutput");
        }
        other => panic!(
            "a child that prints `forty-two` should give Err(ChildError::BadOutput {{ .. }}), got {other:?}"
        ),
    }
}

#[test]
fn stdout_must_be_exactly_one_integer() {
    // Good: one integer, with whitespace around it (also beyond the range of an i32).
    for (printed, want) in [(" \n -17 \n", -17i64), ("9000000000", 9_000_000_000)] {
        match run(&["print", printed], GENEROUS) {
            Ok(got) => assert_eq!(got.value, want, "the child printed {printed:?}"),
            Err(e) => panic!(
                "a child that prints {printed:?} gave one integer, {want}: expected Ok, got \
                 Err({e:?})"
            ),
        }
    }
    // Bad: nothing, two integers, an integer followed by more, not quite an integer.
    for printed in ["", "42 43", "42\nextra", "12abc", "4.5"] {
        match run(&["print", printed], GENEROUS) {
            Err(ChildError::BadOutput { pid, stdout }) => {
                assert_eq!(
                    stdout, printed,
                    "BadOutput.stdout must be everything the child printed"
                );
                assert_gone(pid, "run_in_child returned BadOutput");
            }
            other => panic!(
                "a child that prints {printed:?} did not print ONE integer: expected \
                 Err(ChildError::BadOutput {{ .. }}), got {other:?}"
            ),
        }
    }
}

#[test]
fn slow_child_times_out_and_is_killed_and_reaped() {
    // The child would sleep 60 s; the limit is 300 ms. The watchdog allows 6 s.
    let pid_file = temp_path("sleeper-pid");
    let path = pid_file.to_str().unwrap().to_string();
    let result = run(&["sleep", "60000", &path], SHORT_LIMIT);
    assert_timed_out(
        result,
        Some(&pid_file),
        "run_in_child",
        "a child still running at the time limit",
    );
}

#[test]
fn the_time_limit_holds_while_the_input_is_being_written() {
    // The child sleeps and never reads its stdin; the input (2 MiB) is far more than the pipe
    // holds, so writing it blocks until the child is killed. The limit must hold all the same.
    let pid_file = temp_path("deaf-sleeper-pid");
    let path = pid_file.to_str().unwrap().to_string();
    let input = b"1 2 3 4 5 6 7\n".repeat(150_000);
    let result = watchdog(
        WATCHDOG_SECS,
        "run_with_input(worker, [\"ex03\", \"sleep\", \"60000\", ..], 2 MiB of input, 300 ms) \
         did not return: the time limit must hold while the input is being written (write it \
         on a thread of its own, and do not wait for that thread before the child has ended)",
        {
            let path = path.clone();
            move || {
                run_with_input(
                    Path::new(WORKER_EXE),
                    &["ex03", "sleep", "60000", &path],
                    &input,
                    SHORT_LIMIT,
                )
            }
        },
    );
    assert_timed_out(
        result,
        Some(&pid_file),
        "run_with_input",
        "a child that sleeps past the time limit without reading its input",
    );
}

#[test]
fn fast_child_is_not_timed_out() {
    // `sleep 50` finishes long before its 60 s limit: the call must return when the child
    // exits, not at the limit (the watchdog gives up after 6 s).
    let got = run(&["sleep", "50"], GENEROUS).unwrap_or_else(|e| {
        panic!("`sleep 50` with a 60 s limit should give Ok(0), got Err({e:?})")
    });
    assert_eq!(got.value, 0);
    assert_gone(got.pid, "run_in_child returned Ok");
}

#[test]
fn waiting_for_the_child_does_not_spin() {
    // The child sleeps 1 s. Meanwhile the calling thread must sleep too (waking up now and then
    // to poll is fine): a loop that calls try_wait without sleeping keeps a core busy, and uses
    // far more CPU time than this allows even on a loaded machine.
    const MAX_TICKS: u64 = 5; // clock ticks of 1/100 s
    let (result, ticks) = watchdog(
        WATCHDOG_SECS,
        "run_in_child(worker, [\"ex03\", \"sleep\", \"1000\"], 60 s) did not return",
        || {
            let before = this_thread_cpu_ticks();
            let result = run_in_child(Path::new(WORKER_EXE), &["ex03", "sleep", "1000"], GENEROUS);
            (result, this_thread_cpu_ticks() - before)
        },
    );
    match result {
        Ok(got) => {
            assert_eq!(got.value, 0, "`sleep 1000` prints 0");
            assert_gone(got.pid, "run_in_child returned Ok");
        }
        Err(e) => panic!("`sleep 1000` with a 60 s limit should give Ok(0), got Err({e:?})"),
    }
    assert!(
        ticks <= MAX_TICKS,
        "the calling thread used {} ms of CPU time while the child slept for 1 s: it spins \
         instead of sleeping while it waits (call thread::sleep between two try_wait calls)",
        ticks * 10
    );
}

#[test]
fn a_full_stderr_pipe_does_not_deadlock() {
    // 1 MiB on stderr is far more than a pipe holds (64 KiB on Linux): if nobody reads stderr
    // while the child runs, the child blocks on its write and never exits.
    match run(&["chatty", "1024"], GENEROUS) {
        Ok(got) => {
            assert_eq!(got.value, 42, "`chatty` prints 42 after its stderr noise");
            assert_gone(got.pid, "run_in_child returned Ok");
        }
        Err(e) => panic!("`chatty 1024` should give Ok(42), got Err({e:?})"),
    }
}

#[test]
fn a_full_stdout_pipe_does_not_deadlock() {
    // 1 MiB of blank lines, then -7: one integer with (a lot of) whitespace around it. If
    // nobody reads stdout while the child runs, the child blocks on its write and never exits.
    match run(&["padded", "1024", "-7"], GENEROUS) {
        Ok(got) => {
            assert_eq!(
                got.value, -7,
                "`padded 1024 -7` prints -7 after 1 MiB of blank lines"
            );
            assert_gone(got.pid, "run_in_child returned Ok");
        }
        Err(e) => panic!("`padded 1024 -7` should give Ok(-7), got Err({e:?})"),
    }
}

#[test]
fn a_failing_child_s_whole_stderr_is_reported() {
    // 256 KiB on stderr, then a last line, then exit code 5: `stderr` holds all of it.
    match run(&["loud-exit", "256", "5"], GENEROUS) {
        Err(ChildError::Exited { pid, code, stderr }) => {
            assert_eq!(code, 5, "the child exited with code 5");
            let last = format!("worker {pid}: that was all\n");
            assert_eq!(
                stderr.len(),
                256 * 1024 + last.len(),
                "the child wrote {} bytes on stderr, `stderr` holds {}: read stderr to the end",
                256 * 1024 + last.len(),
                stderr.len()
            );
            assert!(
                stderr.ends_with(&last),
                "stderr should end with the child's last line {last:?} (with the child's PID)"
            );
            assert_gone(pid, "run_in_child returned Exited");
        }
        other => panic!(
            "`loud-exit 256 5` should give Err(ChildError::Exited {{ code: 5, .. }}), got {other:?}"
        ),
    }
}

#[test]
fn numbers_are_piped_through_stdin() {
    let (input, expected) = many_numbers();
    match run_worker(&["sum"], input, GENEROUS) {
        Ok(got) => {
            assert_eq!(
                got.value, expected,
                "the child's sum of the 100_000 numbers"
            );
            assert_gone(got.pid, "run_with_input returned Ok");
        }
        Err(e) => panic!("`sum` over 100_000 numbers should give Ok({expected}), got Err({e:?})"),
    }
    match run_worker(&["sum"], b"-5 -7\n".to_vec(), GENEROUS) {
        Ok(got) => assert_eq!(got.value, -12, "the sum of -5 and -7"),
        Err(e) => panic!("`sum` of \"-5 -7\" should give Ok(-12), got Err({e:?})"),
    }
}

#[test]
fn a_child_that_writes_before_reading_its_input_does_not_deadlock() {
    // The child writes 1 MiB on stderr BEFORE it reads its stdin. While it does, nobody may wait
    // for the input to be written: the child reads nothing until its stderr has been read.
    let (input, expected) = many_numbers();
    match run_worker(&["noisy-sum", "1024"], input, GENEROUS) {
        Ok(got) => {
            assert_eq!(
                got.value, expected,
                "the child's sum of the 100_000 numbers"
            );
            assert_gone(got.pid, "run_with_input returned Ok");
        }
        Err(e) => panic!(
            "`noisy-sum 1024` over 100_000 numbers should give Ok({expected}), got Err({e:?}): \
             read stdout and stderr while the input is being written"
        ),
    }
}

#[test]
fn a_child_that_never_reads_its_input_is_not_an_error() {
    // These children exit with success without reading their stdin: writing the input then
    // fails with a broken pipe, which is not an error. `chatty` also writes 1 MiB on stderr first.
    let (input, _) = many_numbers();
    for (args, want) in [(["chatty", "1024"], 42), (["square", "7"], 49)] {
        match run_worker(&args, input.clone(), GENEROUS) {
            Ok(got) => {
                assert_eq!(got.value, want, "the child {args:?} prints {want}");
                assert_gone(got.pid, "run_with_input returned Ok");
            }
            Err(e) => panic!(
                "{args:?} exits with success without reading its input: expected Ok({want}), \
                 got Err({e:?}) (a broken pipe on the child's stdin is not an error: the exit \
                 status and the output decide)"
            ),
        }
    }
}

#[test]
fn bad_input_on_stdin_is_an_exit_error() {
    match run_worker(&["sum"], b"1 2 x\n".to_vec(), GENEROUS) {
        Err(ChildError::Exited { pid, code, stderr }) => {
            assert_eq!(code, 2, "the worker exits with 2 on bad input");
            assert!(
                stderr.contains("`x`"),
                "stderr should name the bad word `x`, got {stderr:?}"
            );
            assert_eq!(
                pid,
                pid_in_message(&stderr),
                "Exited.pid must be the child's PID"
            );
            assert_gone(pid, "run_with_input returned Exited");
        }
        other => panic!(
            "`sum` of \"1 2 x\" should give Err(ChildError::Exited {{ code: 2, .. }}), got {other:?}"
        ),
    }
}
