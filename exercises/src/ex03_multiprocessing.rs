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

use std::path::Path;
use std::time::Duration;

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
    todo!(
        "run `{} {}` with an empty stdin, like run_with_input with no \
         input, within {timeout:?}",
        program.display(),
        args.join(" ")
    )
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
    todo!(
        "spawn `{} {}` with piped stdin/stdout/stderr, write {} bytes \
         of input and close stdin, read both outputs on threads, wait \
         at most {timeout:?} (then kill and wait), map the status to \
         Computed or ChildError",
        program.display(),
        args.join(" "),
        input.len()
    )
}
// ANCHOR_END: run_with_input
