//! Multiprocessing: a computation in a child process, and every way a child can
//! fail.
//!
//! The parent side ([`run_in_child`], [`run_with_input`]) starts a program with
//! [`std::process::Command`], passes it arguments (and optionally bytes on its
//! stdin), reads one integer back from its stdout, and turns every failure of
//! the child into a [`ChildError`]: it could not be started, it exited with a
//! non-zero code, a signal killed it, it printed something that is not a
//! number, or it ran past its time limit. In every case the child has
//! been waited for (reaped) when the function returns: no zombie is left
//! behind.
//!
//! The child side is [`worker_main`]: the crate's worker binary run as `worker
//! ex03 MODE ...`, whose modes compute or misbehave on request.
//!
//! Given, in `src/given/ex03_multiprocessing.rs` and re-exported here:
//! [`Computed`], [`ChildError`] and the child side, [`worker_main`].

pub use crate::given::ex03_multiprocessing::{
    ChildError, Computed, worker_main,
};

// SOLUTION BEGIN
use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
// SOLUTION END
use std::path::Path;
// SOLUTION BEGIN
use std::process::{Command, Stdio};
use std::thread;
// SOLUTION END
// STUB: use std::time::Duration;
// SOLUTION BEGIN
use std::time::{Duration, Instant};
// SOLUTION END

// ANCHOR: run_in_child
/// Runs `program` with `args` as a child process, with an empty stdin, and
/// returns its PID and the integer it prints on stdout: the whole of its stdout
/// must be ONE integer (an `i64`), surrounding whitespace allowed.
///
/// Blocks until the child has exited (and returns then, without waiting for the
/// time limit), or until `timeout` has passed: then the child is killed. The
/// time limit holds whatever the child does meanwhile: sleep, write without
/// end, or never read its input. While it waits, the calling thread sleeps: it
/// may wake up now and then to poll the child (`try_wait` after a short sleep),
/// but it does not spin. Either way the child has been waited for (reaped) when
/// this returns.
///
/// # Errors
/// A [`ChildError`] saying how the child failed, decided in this order: `Spawn`
/// if it could not start; `TimedOut` if it was still running after `timeout`
/// (`after` is `timeout`); `Killed` if a signal ended it; `Exited` if its exit
/// code is not 0; `BadOutput` if it exited with 0 but its stdout is not one
/// integer. Every error but `Spawn` carries the child's own PID; `Exited` and
/// `Killed` carry ALL that it wrote on stderr, and `BadOutput` all that it
/// wrote on stdout.
pub fn run_in_child(
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> Result<Computed, ChildError> {
    // STUB-TODO: "run `{} {}` with an empty stdin, like run_with_input with no \
    // STUB-TODO:      input, within {timeout:?}",
    // STUB-TODO: program.display(),
    // STUB-TODO: args.join(" ")
    // SOLUTION BEGIN
    run_with_input(program, args, &[], timeout)
    // SOLUTION END
}
// ANCHOR_END: run_in_child

// ANCHOR: run_with_input
/// Like [`run_in_child`], but writes `input` to the child's stdin and then
/// closes it (so the child sees end-of-file), while reading the child's stdout
/// and stderr at the same time: no pipe is left to fill up, whatever the sizes
/// of `input` and of the child's output, and in whatever order the child reads
/// and writes (it may write all its output before it reads its input, or never
/// read it). The time limit holds while the input is being written too.
///
/// # Errors
/// As for [`run_in_child`]. A child that exits without reading all of its input
/// is not an error in itself (the broken pipe is ignored): its exit status and
/// its output decide.
pub fn run_with_input(
    program: &Path,
    args: &[&str],
    input: &[u8],
    timeout: Duration,
) -> Result<Computed, ChildError> {
    // STUB-TODO: "spawn `{} {}` with piped stdin/stdout/stderr, write {} bytes \
    // STUB-TODO:      of input and close stdin, read both outputs on threads, wait \
    // STUB-TODO:      at most {timeout:?} (then kill and wait), map the status to \
    // STUB-TODO:      Computed or ChildError",
    // STUB-TODO: program.display(),
    // STUB-TODO: args.join(" "),
    // STUB-TODO: input.len()
    // SOLUTION BEGIN
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
    // stdin is closed when dropped
    let writer = thread::spawn(move || stdin.write_all(&input));
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
                    // Kill, then wait: without the wait the child would stay a
                    // zombie. The pipe threads end by
                    // themselves once the child's end of each pipe is closed.
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
        r.unwrap_or_else(|_| {
            Err(io::Error::other("a pipe reader thread panicked"))
        })
    };
    let stdout = join(out_reader.join())
        .map_err(|error| ChildError::Io { pid, error })?;
    let stderr = join(err_reader.join())
        .map_err(|error| ChildError::Io { pid, error })?;
    let written = writer.join().unwrap_or_else(|_| {
        Err(io::Error::other("the stdin writer thread panicked"))
    });
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
        None => {
            unreachable!("on Unix an exit status has either a code or a signal")
        }
    }
    if let Err(error) = written {
        // The child succeeded without reading all of its input: that is its
        // business, unless the write failed for another reason than the
        // child closing its end.
        if error.kind() != io::ErrorKind::BrokenPipe {
            return Err(ChildError::Io { pid, error });
        }
    }
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    match stdout.trim().parse::<i64>() {
        Ok(value) => Ok(Computed { pid, value }),
        Err(_) => Err(ChildError::BadOutput { pid, stdout }),
    }
    // SOLUTION END
}
// ANCHOR_END: run_with_input
