//! Given code of exercise 3 (`ex03_multiprocessing`): what a child computed
//! ([`Computed`]) and how it failed ([`ChildError`]), and the child side,
//! [`worker_main`], with its modes. Read it, do not change it: the grader
//! always uses the original. The exercise module re-exports every public item.

use std::fmt;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

// ANCHOR: types
/// What a child computed: its PID (so that the caller can check it was a child,
/// and that it was reaped) and the integer it printed on stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    pub pid: u32,
    pub value: i64,
}

/// Why a child did not give a value. Every variant but `Spawn` carries the
/// child's PID.
#[derive(Debug)]
pub enum ChildError {
    /// The program could not be started (not found, not executable, ...).
    Spawn(io::Error),
    /// The child exited with a non-zero exit code; `stderr` is everything it
    /// wrote there.
    Exited { pid: u32, code: i32, stderr: String },
    /// A signal killed the child (e.g. 6, SIGABRT, after
    /// `std::process::abort()`).
    Killed {
        pid: u32,
        signal: i32,
        stderr: String,
    },
    /// The child exited with success, but its stdout is not one integer.
    BadOutput { pid: u32, stdout: String },
    /// The child was still running after `after`; it has been killed and
    /// reaped.
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
                write!(
                    f,
                    "child {pid} exited with code {code}: {}",
                    stderr.trim()
                )
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
                write!(
                    f,
                    "child {pid} printed {stdout:?}, which is not an integer"
                )
            }
            ChildError::TimedOut { pid, after } => {
                write!(
                    f,
                    "child {pid} was still running after {after:?}; killed it"
                )
            }
            ChildError::Io { pid, error } => {
                write!(f, "talking to child {pid} failed: {error}")
            }
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

// ANCHOR: worker_main
/// The child side, run as `worker ex03 MODE ARGS...`. Prints one integer on
/// stdout and exits with success, or misbehaves on request. Every message it
/// writes on stderr names its PID (`worker PID: ...`), so that a test can check
/// the PID an error reports.
///
/// The modes, and what the child does in each:
///
/// - `square N`: prints N * N
/// - `sum`: reads whitespace-separated integers from stdin, prints their sum
/// - `noisy-sum KIB`: writes KIB KiB on stderr BEFORE it reads stdin, then like
///   `sum`
/// - `pid`: prints its own PID
/// - `print TEXT`: prints TEXT exactly as given (no newline added), exits with
///   success
/// - `padded KIB N`: prints KIB KiB of blank lines, then N (one integer, with
///   whitespace)
/// - `exit CODE MSG`: writes MSG on stderr, exits with CODE
/// - `loud-exit KIB CODE`: writes KIB KiB on stderr, then a last line, exits
///   with CODE
/// - `abort`: writes a line on stderr, then `std::process::abort()` (SIGABRT)
/// - `garbage`: prints `forty-two` and its PID (not an integer), exits with
///   success
/// - `sleep MS [FILE]`: writes its PID to FILE (if given), sleeps MS
///   milliseconds, prints 0
/// - `chatty KIB`: writes KIB KiB on stderr (more than a pipe holds), then
///   prints 42; never reads stdin
///
/// Bad arguments: a message on stderr and exit code 2.
pub fn worker_main(args: &[String]) -> ExitCode {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let me = std::process::id();
    match args.as_slice() {
        ["square", n] => {
            match n.parse::<i64>().ok().and_then(|n| n.checked_mul(n)) {
                Some(square) => println!("{square}"),
                None => {
                    return usage(
                        &args,
                        "square needs an integer whose square fits in an i64",
                    );
                }
            }
        }
        ["sum"] => return print_sum(&args),
        ["noisy-sum", kib] => match kib.parse::<usize>() {
            Ok(kib) => {
                if noise(&mut io::stderr().lock(), kib).is_err() {
                    return ExitCode::from(3);
                }
                return print_sum(&args);
            }
            Err(_) => return usage(&args, "noisy-sum needs a number of KiB"),
        },
        ["pid"] => println!("{me}"),
        ["print", text] => {
            // No newline, so flush by hand: the line buffer is not always
            // flushed at exit.
            let mut out = io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return ExitCode::from(3);
            }
        }
        ["padded", kib, n] => match (kib.parse::<usize>(), n.parse::<i64>()) {
            (Ok(kib), Ok(n)) => {
                let mut out = io::stdout().lock();
                if noise_of(&mut out, kib, ' ').is_err()
                    || writeln!(out, "{n}").is_err()
                {
                    return ExitCode::from(3);
                }
            }
            _ => {
                return usage(
                    &args,
                    "padded needs a number of KiB and an integer",
                );
            }
        },
        ["exit", code, message @ ..] => match code.parse::<u8>() {
            Ok(code) => {
                eprintln!("worker {me}: {}", message.join(" "));
                return ExitCode::from(code);
            }
            Err(_) => return usage(&args, "exit needs a code in 0..=255"),
        },
        ["loud-exit", kib, code] => {
            match (kib.parse::<usize>(), code.parse::<u8>()) {
                (Ok(kib), Ok(code)) => {
                    let mut err = io::stderr().lock();
                    if noise(&mut err, kib).is_err() {
                        return ExitCode::from(3);
                    }
                    let _ = writeln!(err, "worker {me}: that was all");
                    return ExitCode::from(code);
                }
                _ => {
                    return usage(
                        &args,
                        "loud-exit needs a number of KiB and a code in 0..=255",
                    );
                }
            }
        }
        ["abort"] => {
            eprintln!("worker {me}: aborting on request");
            std::process::abort();
        }
        ["garbage"] => println!("forty-two, says worker {me}"),
        ["sleep", ms, pid_file @ ..] if pid_file.len() <= 1 => match ms
            .parse::<u64>()
        {
            Ok(ms) => {
                if let [file] = pid_file
                    && let Err(e) = std::fs::write(file, me.to_string())
                {
                    return usage(&args, &format!("cannot write {file}: {e}"));
                }
                thread::sleep(Duration::from_millis(ms));
                println!("0");
            }
            Err(_) => {
                return usage(&args, "sleep needs a number of milliseconds");
            }
        },
        ["chatty", kib] => match kib.parse::<usize>() {
            Ok(kib) => {
                if noise(&mut io::stderr().lock(), kib).is_err() {
                    return ExitCode::from(3);
                }
                println!("42");
            }
            Err(_) => return usage(&args, "chatty needs a number of KiB"),
        },
        _ => return usage(&args, "unknown mode"),
    }
    ExitCode::SUCCESS
}

/// Reads whitespace-separated integers from stdin and prints their sum.
fn print_sum(args: &[&str]) -> ExitCode {
    let mut text = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut text) {
        return usage(args, &format!("could not read stdin: {e}"));
    }
    let mut sum: i64 = 0;
    for word in text.split_whitespace() {
        match word.parse::<i64>().ok().and_then(|k| sum.checked_add(k)) {
            Some(s) => sum = s,
            None => {
                return usage(
                    args,
                    &format!(
                        "`{word}` is not an integer, or the sum overflows"
                    ),
                );
            }
        }
    }
    println!("{sum}");
    ExitCode::SUCCESS
}

/// Writes `kib` lines of 1 KiB (1023 x 'x' and a newline) to `out`.
fn noise(out: &mut impl Write, kib: usize) -> io::Result<()> {
    noise_of(out, kib, 'x')
}

/// Writes `kib` lines of 1 KiB (1023 x `c` and a newline) to `out`.
fn noise_of(out: &mut impl Write, kib: usize, c: char) -> io::Result<()> {
    let line = format!("{}\n", c.to_string().repeat(1023));
    for _ in 0..kib {
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// Prints what went wrong and the modes on stderr; returns exit code 2.
fn usage(args: &[&str], problem: &str) -> ExitCode {
    eprintln!(
        "worker {} ex03: {problem} (got {args:?})",
        std::process::id()
    );
    eprintln!(
        "modes: square N | sum | noisy-sum KIB | pid | print TEXT | padded KIB \
         N | exit CODE MSG | loud-exit KIB CODE | abort | garbage | sleep MS \
         [FILE] | chatty KIB"
    );
    ExitCode::from(2)
}
// ANCHOR_END: worker_main
