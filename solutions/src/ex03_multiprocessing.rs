//! Multiprocessing: a computation in a child process, and every way a child can fail.
//!
//! The parent side ([`run_in_child`], [`run_with_input`]) starts a program with
//! [`std::process::Command`], passes it arguments (and optionally bytes on its stdin), reads one
//! integer back from its stdout, and turns every failure of the child into a [`ChildError`]:
//! it could not be started, it exited with a non-zero code, a signal killed it, it printed
//! something that is not a number, or it ran past its time limit. In every case the child has
//! been waited for (reaped) when the function returns: no zombie is left behind.
//!
//! The child side is [`worker_main`]: the crate's worker binary run as `worker ex03 MODE ...`,
//! whose modes compute or misbehave on request.

use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: types
/// What a child computed: its PID (so that the caller can check it was a child, and that it was
/// reaped) and the integer it printed on stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    pub pid: u32,
    pub value: i64,
}

/// Why a child did not give a value. Every variant but `Spawn` carries the child's PID.
#[derive(Debug)]
pub enum ChildError {
    /// The program could not be started (not found, not executable, ...).
    Spawn(io::Error),
    /// The child exited with a non-zero exit code; `stderr` is everything it wrote there.
    Exited { pid: u32, code: i32, stderr: String },
    /// A signal killed the child (e.g. 6, SIGABRT, after `std::process::abort()`).
    Killed {
        pid: u32,
        signal: i32,
        stderr: String,
    },
    /// The child exited with success, but its stdout is not one integer.
    BadOutput { pid: u32, stdout: String },
    /// The child was still running after `after`; it has been killed and reaped.
    TimedOut { pid: u32, after: Duration },
    /// Talking to the child through its pipes, or waiting for it, failed.
    Io { pid: u32, error: io::Error },
}
// ANCHOR_END: types

impl ChildError {
    /// The child's PID, if it was started.
    pub fn pid(&self) -> Option<u32> {
        match self {
            ChildError::Spawn(_) => None,
            ChildError::Exited { pid, .. }
            | ChildError::Killed { pid, .. }
            | ChildError::BadOutput { pid, .. }
            | ChildError::TimedOut { pid, .. }
            | ChildError::Io { pid, .. } => Some(*pid),
        }
    }
}

impl fmt::Display for ChildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::Spawn(e) => write!(f, "could not start the child: {e}"),
            ChildError::Exited { pid, code, stderr } => {
                write!(f, "child {pid} exited with code {code}: {}", stderr.trim())
            }
            ChildError::Killed {
                pid,
                signal,
                stderr,
            } => {
                write!(
                    f,
                    "child {pid} was killed by signal {signal}: {}",
                    stderr.trim()
                )
            }
            ChildError::BadOutput { pid, stdout } => {
                write!(f, "child {pid} printed {stdout:?}, which is not an integer")
            }
            ChildError::TimedOut { pid, after } => {
                write!(
                    f,
                    "child {pid} was still running after {after:?}; killed it"
                )
            }
            ChildError::Io { pid, error } => write!(f, "talking to child {pid} failed: {error}"),
        }
    }
}

impl std::error::Error for ChildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ChildError::Spawn(e) | ChildError::Io { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

// ANCHOR: run_in_child
/// Runs `program` with `args` as a child process, with an empty stdin, and returns the integer
/// it prints on stdout (surrounding whitespace allowed).
///
/// Blocks until the child has exited, or until `timeout` has passed: then the child is killed.
/// Either way the child has been waited for (reaped) when this returns.
///
/// # Errors
/// A [`ChildError`] saying how the child failed.
pub fn run_in_child(
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<Computed, ChildError> {
    run_with_input(program, args, &[], timeout)
}
// ANCHOR_END: run_in_child

// ANCHOR: run_with_input
/// Like [`run_in_child`], but writes `input` to the child's stdin and then closes it (so the
/// child sees end-of-file), while reading the child's stdout and stderr at the same time: no
/// pipe is left to fill up, whatever the sizes of `input` and of the child's output.
///
/// # Errors
/// A [`ChildError`] saying how the child failed. A child that exits without reading all of its
/// input is not an error in itself: its exit status decides.
pub fn run_with_input(
    program: &Path,
    args: &[&str],
    input: &[u8],
    timeout: Duration,
) -> Result<Computed, ChildError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ChildError::Spawn)?;
    let pid = child.id();

    // One thread per pipe, so that neither side can block the other.
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let mut stderr = child.stderr.take().expect("stderr was piped");
    let input = input.to_vec();
    let writer = thread::spawn(move || stdin.write_all(&input)); // stdin is closed when dropped
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).map(|_| buf)
    });

    // Wait for the child, but not past the deadline.
    let deadline = Instant::now() + timeout;
    let mut nap = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {
                let now = Instant::now();
                if now >= deadline {
                    // Kill, then wait: without the wait the child would stay a zombie. The pipe
                    // threads end by themselves once the child's end of each pipe is closed.
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ChildError::TimedOut {
                        pid,
                        after: timeout,
                    });
                }
                thread::sleep(nap.min(deadline - now));
                nap = (nap * 2).min(Duration::from_millis(20));
            }
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ChildError::Io { pid, error });
            }
        }
    };

    let join = |r: thread::Result<io::Result<Vec<u8>>>| -> io::Result<Vec<u8>> {
        r.unwrap_or_else(|_| Err(io::Error::other("a pipe reader thread panicked")))
    };
    let stdout = join(out_reader.join()).map_err(|error| ChildError::Io { pid, error })?;
    let stderr = join(err_reader.join()).map_err(|error| ChildError::Io { pid, error })?;
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("the stdin writer thread panicked")));
    let stderr = String::from_utf8_lossy(&stderr).into_owned();

    if let Some(signal) = status.signal() {
        return Err(ChildError::Killed {
            pid,
            signal,
            stderr,
        });
    }
    match status.code() {
        Some(0) => {}
        Some(code) => return Err(ChildError::Exited { pid, code, stderr }),
        None => unreachable!("on Unix an exit status has either a code or a signal"),
    }
    if let Err(error) = written {
        // The child succeeded without reading all of its input: that is its business, unless the
        // write failed for another reason than the child closing its end.
        if error.kind() != io::ErrorKind::BrokenPipe {
            return Err(ChildError::Io { pid, error });
        }
    }
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    match stdout.trim().parse::<i64>() {
        Ok(value) => Ok(Computed { pid, value }),
        Err(_) => Err(ChildError::BadOutput { pid, stdout }),
    }
}
// ANCHOR_END: run_with_input

// ANCHOR: worker_main
/// The child side, run as `worker ex03 MODE ARGS...`. Prints one integer on stdout and exits
/// with success, or misbehaves on request:
///
/// | mode            | what the child does                                               |
/// |-----------------|-------------------------------------------------------------------|
/// | `square N`      | prints N * N                                                      |
/// | `sum`           | reads whitespace-separated integers from stdin, prints their sum  |
/// | `pid`           | prints its own PID                                                |
/// | `exit CODE MSG` | writes MSG on stderr, exits with CODE                             |
/// | `abort`         | writes a line on stderr, then `std::process::abort()` (SIGABRT)   |
/// | `garbage`       | prints `forty-two` (not an integer) and exits with success         |
/// | `sleep MS`      | sleeps MS milliseconds, then prints 0                             |
/// | `chatty KIB`    | writes KIB KiB on stderr (more than a pipe holds), then prints 42 |
///
/// Bad arguments: a message on stderr and exit code 2.
pub fn worker_main(args: &[String]) -> ExitCode {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["square", n] => match n.parse::<i64>().ok().and_then(|n| n.checked_mul(n)) {
            Some(square) => println!("{square}"),
            None => return usage(&args, "square needs an integer whose square fits in an i64"),
        },
        ["sum"] => {
            let mut text = String::new();
            if let Err(e) = io::stdin().read_to_string(&mut text) {
                return usage(&args, &format!("could not read stdin: {e}"));
            }
            let mut sum: i64 = 0;
            for word in text.split_whitespace() {
                match word.parse::<i64>().ok().and_then(|k| sum.checked_add(k)) {
                    Some(s) => sum = s,
                    None => {
                        return usage(
                            &args,
                            &format!("`{word}` is not an integer, or the sum overflows"),
                        );
                    }
                }
            }
            println!("{sum}");
        }
        ["pid"] => println!("{}", std::process::id()),
        ["exit", code, message @ ..] => match code.parse::<u8>() {
            Ok(code) => {
                eprintln!("{}", message.join(" "));
                return ExitCode::from(code);
            }
            Err(_) => return usage(&args, "exit needs a code in 0..=255"),
        },
        ["abort"] => {
            eprintln!("worker: aborting on request");
            std::process::abort();
        }
        ["garbage"] => println!("forty-two"),
        ["sleep", ms] => match ms.parse::<u64>() {
            Ok(ms) => {
                thread::sleep(Duration::from_millis(ms));
                println!("0");
            }
            Err(_) => return usage(&args, "sleep needs a number of milliseconds"),
        },
        ["chatty", kib] => match kib.parse::<usize>() {
            Ok(kib) => {
                let line = format!("{}\n", "x".repeat(1023));
                let mut err = io::stderr().lock();
                for _ in 0..kib {
                    if err.write_all(line.as_bytes()).is_err() {
                        return ExitCode::from(3);
                    }
                }
                drop(err);
                println!("42");
            }
            Err(_) => return usage(&args, "chatty needs a number of KiB"),
        },
        _ => return usage(&args, "unknown mode"),
    }
    ExitCode::SUCCESS
}

/// Prints what went wrong and the modes on stderr; returns exit code 2.
fn usage(args: &[&str], problem: &str) -> ExitCode {
    eprintln!("worker ex03: {problem} (got {args:?})");
    eprintln!(
        "modes: square N | sum | pid | exit CODE MSG | abort | garbage | sleep MS | chatty KIB"
    );
    ExitCode::from(2)
}
// ANCHOR_END: worker_main
