//! The worker binary that the process exercises start as a child:
//! `solutions-worker EXERCISE ARGS...`. Its first argument names the exercise
//! whose worker code runs; the rest is that code's business.
//!
//! # Why `#![no_main]`
//!
//! A process pool starts one of these per worker, so its start-up cost is paid
//! N times per pool (chapter 8 measures it against `/bin/true`). Before a
//! normal Rust `fn main` runs, std's start-up code prepares things a
//! short-lived worker does not need: it reads `/proc/self/maps` to find the
//! main thread's stack guard, maps an alternate signal stack and
//! installs SIGSEGV/SIGBUS handlers (to print "stack overflow" instead of
//! crashing silently), and sets SIGPIPE to "ignore". `strace -f
//! solutions-worker ex02 </dev/null` counts 64 system calls for the whole life
//! of an idle worker with std's start-up and 43 without. Exporting the C `main`
//! ourselves skips that start-up; chapter 8 shows what it saves per pool.
//!
//! What changes for the worker code, and why it is fine here:
//! - `std::env::args()` still works (on Linux, std reads the arguments from an
//!   ELF initialisation hook that runs before any `main`).
//! - SIGPIPE keeps its default action: a worker writing to a parent that has
//!   gone away is killed by the signal instead of getting an `EPIPE` error;
//!   either way it ends, as it should.
//! - A panic cannot unwind out of an `extern "C"` function: it aborts the
//!   process, and the parent sees a dead worker, which every exercise already
//!   handles.
//! - A stack overflow is a plain SIGSEGV, without std's message.
//!
//! The exercises crate's worker keeps the ordinary `fn main`: this is an
//! optimisation for the reference solution, measured, not something the
//! exercises ask for.

#![no_main]

use std::ffi::{c_char, c_int};
use std::process::ExitCode;

use solutions::{
    ex01_threads_vs_processes, ex02_process_pool, ex03_multiprocessing,
    ex05_sharing_data,
};

/// The C entry point. The C runtime calls it once, on the main thread, after it
/// has initialised libc.
///
/// # Safety
/// Called only by the C runtime, with `argc` and `argv` as it received them;
/// the arguments are read through `std::env::args()`, never through these
/// pointers.
// SAFETY: `no_mangle` exports the symbol `main`; no other item in this binary
// (or in std, under `#![no_main]`) defines `main`, so the C runtime's call
// reaches this function, whose signature is the one C's `int main(int, char
// **)` has.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    exit_code(run())
}

fn run() -> ExitCode {
    solutions::given::worker::run("solutions-worker", |exercise, rest| {
        match exercise {
            "ex01" => Some(ex01_threads_vs_processes::worker_main(rest)),
            "ex02" => Some(ex02_process_pool::worker_main(rest)),
            "ex03" => Some(ex03_multiprocessing::worker_main(rest)),
            "ex05" => Some(ex05_sharing_data::worker_main(rest)),
            _ => None,
        }
    })
}

/// The number a C `main` returns for `code`. `ExitCode` hides its value on
/// stable Rust, but it is a `u8` on Unix and compares by value, so the matching
/// `u8` is found by comparison.
fn exit_code(code: ExitCode) -> c_int {
    (0..=u8::MAX)
        .find(|&c| ExitCode::from(c) == code)
        .map_or(1, c_int::from)
}
