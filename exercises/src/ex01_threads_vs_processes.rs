//! Threads vs processes: the same CPU-bound job on N threads and on N child
//! processes, and an I/O-bound simulation whose waits overlap on threads.
//!
//! The job is deterministic: count the primes below `n`. [`split`] cuts `0..n`
//! into parts, [`primes_on_threads`] counts each part on its own thread,
//! [`primes_on_processes`] counts each part in its own child process (the
//! crate's worker binary, whose child side is [`worker_main`]), and [`compare`]
//! runs both. Every run says who did each part (a thread id or a child's PID)
//! and how long the whole run took; the durations are for reading, not for
//! asserting.
//!
//! Given, in `src/given/ex01_threads_vs_processes.rs` and re-exported here:
//! the job ([`count_primes`]) and the types of a run ([`Part`], [`Run`],
//! [`Comparison`], [`IoRun`]).

pub use crate::given::ex01_threads_vs_processes::{
    Comparison, IoRun, Part, ProcessRun, Run, ThreadRun, count_primes, is_prime,
};

use std::io;
use std::ops::Range;
use std::path::Path;
use std::process::ExitCode;

// ANCHOR: split
/// Cuts `0..n` into exactly `parts` contiguous ranges, in order, that cover
/// `0..n` with no gap or overlap and whose lengths differ by at most one (some
/// may be empty when `n < parts`).
///
/// # Panics
/// If `parts` is 0.
pub fn split(n: u64, parts: usize) -> Vec<Range<u64>> {
    todo!(
        "cut 0..{n} into {parts} contiguous ranges whose lengths \
         differ by at most one"
    )
}
// ANCHOR_END: split

// ANCHOR: threads
/// Counts the primes below `n` on `threads` threads, one part of [`split`]`(n,
/// threads)` each.
///
/// Every part is counted on a new thread of its own (never on the calling
/// thread), and all the threads run at the same time: spawn them all, then join
/// them all (a thread joined before the next is spawned runs alone). Each part
/// records the [`ThreadId`](std::thread::ThreadId) of the thread that counted
/// it. The parts are in the order of `split`; `primes` is their sum.
///
/// # Panics
/// If `threads` is 0, or if a worker thread panics.
pub fn primes_on_threads(n: u64, threads: usize) -> ThreadRun {
    todo!(
        "spawn one thread per part of split({n}, {threads}), count \
         its primes there, record thread::current().id(); join all, \
         sum, time it"
    )
}
// ANCHOR_END: threads

// ANCHOR: processes
/// Counts the primes below `n` in `processes` child processes, one part of
/// [`split`]`(n, processes)` each.
///
/// Each child is `worker_exe ex01 count-primes LO HI` (see [`worker_main`]).
/// All the children run at the same time: no child is started only after
/// another has finished (start them all, then wait for them all). Every child
/// started is waited for (reaped) before this returns, also when it returns an
/// error. Each part records the PID of its child; the parts are in the order of
/// `split`; `primes` is their sum.
///
/// # Errors
/// An [`io::Error`] if a child cannot be spawned, if a child exits
/// unsuccessfully (a non-zero exit code, or killed by a signal), or if its
/// stdout does not hold exactly two numbers, `PRIMES PID`, the second being the
/// child's own PID.
///
/// # Panics
/// If `processes` is 0.
pub fn primes_on_processes(
    worker_exe: &Path,
    n: u64,
    processes: usize,
) -> io::Result<ProcessRun> {
    todo!(
        "spawn `{} ex01 count-primes LO HI` for each part of \
         split({n}, {processes}) with piped stdout, wait for all, \
         parse `PRIMES PID`, sum, time it",
        worker_exe.display()
    )
}
// ANCHOR_END: processes

/// Runs [`primes_on_threads`] and then [`primes_on_processes`] with the same
/// `n` and `workers` (so both runs have the parts of [`split`]`(n, workers)`),
/// the processes from `worker_exe`.
///
/// # Errors
/// Those of [`primes_on_processes`].
pub fn compare(
    worker_exe: &Path,
    n: u64,
    workers: usize,
) -> io::Result<Comparison> {
    todo!(
        "run primes_on_threads({n}, {workers}) and \
         primes_on_processes({}, {n}, {workers})",
        worker_exe.display()
    )
}

// ANCHOR: simulate_io
/// Simulates `requests` I/O-bound calls: calls `io(i)` once for every `i` in
/// `0..requests`, each on a new thread of its own, all at the same time (every
/// call is started before any is joined), so that their waits overlap. Returns
/// the results in request order (`results[i] == io(i)`, whatever order the
/// calls finish in) and the wall-clock time.
///
/// # Panics
/// If a call to `io` panics.
pub fn simulate_io<R, F>(requests: usize, io: F) -> IoRun<R>
where
    R: Send,
    F: Fn(usize) -> R + Sync,
{
    let _ = io;
    todo!(
        "call io(i) for every i in 0..{requests}, each on its own \
         thread, all at once; collect the results in order, time it"
    )
}
// ANCHOR_END: simulate_io

// ANCHOR: worker_main
/// The child side: `count-primes LO HI` prints `PRIMES PID` (the number of
/// primes in `LO..HI` and this process's own PID, separated by one space, then
/// a newline) on stdout and exits with success. Anything else: a usage message
/// on stderr and exit code 2.
pub fn worker_main(args: &[String]) -> ExitCode {
    todo!(
        "child side: for `count-primes LO HI` print `PRIMES PID` \
         (std::process::id()) and succeed; otherwise a usage message \
         on stderr and ExitCode::from(2); got {args:?}"
    )
}
// ANCHOR_END: worker_main
