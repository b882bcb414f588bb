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
// STUB: use std::process::ExitCode;
// SOLUTION BEGIN
use std::process::{Command, ExitCode, Stdio};
use std::thread::{self, ThreadId};
use std::time::Instant;
// SOLUTION END

// ANCHOR: split
/// Cuts `0..n` into exactly `parts` contiguous ranges, in order, that cover
/// `0..n` with no gap or overlap and whose lengths differ by at most one (some
/// may be empty when `n < parts`).
///
/// # Panics
/// If `parts` is 0.
pub fn split(n: u64, parts: usize) -> Vec<Range<u64>> {
    // STUB-TODO: "cut 0..{n} into {parts} contiguous ranges whose lengths \
    // STUB-TODO:      differ by at most one"
    // SOLUTION BEGIN
    assert!(parts > 0, "split: cannot cut 0..{n} into 0 parts");
    let parts_u64 = parts as u64;
    let (base, extra) = (n / parts_u64, n % parts_u64);
    let mut start = 0;
    (0..parts_u64)
        .map(|i| {
            let len = base + u64::from(i < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
    // SOLUTION END
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
    // STUB-TODO: "spawn one thread per part of split({n}, {threads}), count \
    // STUB-TODO:      its primes there, record thread::current().id(); join all, \
    // STUB-TODO:      sum, time it"
    // SOLUTION BEGIN
    let start = Instant::now();
    let ranges = split(n, threads);
    let parts: Vec<Part<ThreadId>> = thread::scope(|s| {
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|range| {
                s.spawn(move || Part {
                    primes: count_primes(range.clone()),
                    range,
                    worker: thread::current().id(),
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    });
    let primes = parts.iter().map(|p| p.primes).sum();
    Run {
        primes,
        parts,
        elapsed: start.elapsed(),
    }
    // SOLUTION END
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
    // STUB-TODO: "spawn `{} ex01 count-primes LO HI` for each part of \
    // STUB-TODO:      split({n}, {processes}) with piped stdout, wait for all, \
    // STUB-TODO:      parse `PRIMES PID`, sum, time it",
    // STUB-TODO: worker_exe.display()
    // SOLUTION BEGIN
    let start = Instant::now();
    let ranges = split(n, processes);
    let mut children = Vec::with_capacity(ranges.len());
    for range in &ranges {
        let spawned = Command::new(worker_exe)
            .args(["ex01", "count-primes"])
            .arg(range.start.to_string())
            .arg(range.end.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => children.push(child),
            Err(e) => {
                // Do not leave the children already started behind: wait for
                // them.
                for child in children {
                    let _ = child.wait_with_output();
                }
                return Err(e);
            }
        }
    }
    // Wait for every child (reaping it) before looking at any result.
    let outputs: Vec<_> = children
        .into_iter()
        .map(|child| {
            let pid = child.id();
            (pid, child.wait_with_output())
        })
        .collect();
    let mut parts = Vec::with_capacity(outputs.len());
    for (range, (pid, output)) in ranges.into_iter().zip(outputs) {
        let output = output?;
        if !output.status.success() {
            return Err(io::Error::other(format!(
                "worker {pid} failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let (primes, reported) =
            parse_worker_line(&stdout).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("worker {pid} printed {stdout:?}"),
                )
            })?;
        if reported != pid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("worker {pid} says its PID is {reported}"),
            ));
        }
        parts.push(Part {
            range,
            primes,
            worker: pid,
        });
    }
    let primes = parts.iter().map(|p| p.primes).sum();
    Ok(Run {
        primes,
        parts,
        elapsed: start.elapsed(),
    })
    // SOLUTION END
}
// SOLUTION BEGIN

/// Parses the worker's line `PRIMES PID`.
fn parse_worker_line(stdout: &str) -> Option<(u64, u32)> {
    let mut words = stdout.split_whitespace();
    let primes = words.next()?.parse().ok()?;
    let pid = words.next()?.parse().ok()?;
    words.next().is_none().then_some((primes, pid))
}
// SOLUTION END
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
    // STUB-TODO: "run primes_on_threads({n}, {workers}) and \
    // STUB-TODO:      primes_on_processes({}, {n}, {workers})",
    // STUB-TODO: worker_exe.display()
    // SOLUTION BEGIN
    let threads = primes_on_threads(n, workers);
    let processes = primes_on_processes(worker_exe, n, workers)?;
    Ok(Comparison { threads, processes })
    // SOLUTION END
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
    // STUB: let _ = io;
    // STUB-TODO: "call io(i) for every i in 0..{requests}, each on its own \
    // STUB-TODO:      thread, all at once; collect the results in order, time it"
    // SOLUTION BEGIN
    let start = Instant::now();
    let io = &io;
    let results = thread::scope(|s| {
        let handles: Vec<_> =
            (0..requests).map(|i| s.spawn(move || io(i))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an I/O call panicked"))
            .collect()
    });
    IoRun {
        results,
        elapsed: start.elapsed(),
    }
    // SOLUTION END
}
// ANCHOR_END: simulate_io

// ANCHOR: worker_main
/// The child side: `count-primes LO HI` prints `PRIMES PID` (the number of
/// primes in `LO..HI` and this process's own PID, separated by one space, then
/// a newline) on stdout and exits with success. Anything else: a usage message
/// on stderr and exit code 2.
pub fn worker_main(args: &[String]) -> ExitCode {
    // STUB-TODO: "child side: for `count-primes LO HI` print `PRIMES PID` \
    // STUB-TODO:      (std::process::id()) and succeed; otherwise a usage message \
    // STUB-TODO:      on stderr and ExitCode::from(2); got {args:?}"
    // SOLUTION BEGIN
    let parsed = match args {
        [cmd, lo, hi] if cmd == "count-primes" => {
            lo.parse::<u64>().ok().zip(hi.parse::<u64>().ok())
        }
        _ => None,
    };
    let Some((lo, hi)) = parsed else {
        eprintln!("usage: worker ex01 count-primes LO HI   (got {args:?})");
        return ExitCode::from(2);
    };
    println!("{} {}", count_primes(lo..hi), std::process::id());
    ExitCode::SUCCESS
    // SOLUTION END
}
// ANCHOR_END: worker_main
