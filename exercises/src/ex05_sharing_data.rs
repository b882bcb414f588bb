//! Sharing data between threads and between processes.
//!
//! Run the tests: `cargo test --test ex05_sharing_data` in the
//! `exercises` folder. Stuck? `cargo course hint ex05`.
//!
//! - The same letter count three ways: one `Mutex<HashMap>` shared by every
//!   thread ([`count_with_mutex`]), a map per thread merged at the end
//!   ([`count_with_merge`]), and maps sent over a channel
//!   ([`count_with_channel`]).
//! - An atomic counter that hands out unique tickets ([`TicketCounter`]).
//! - A counter in a file shared by several processes, kept exact by an
//!   exclusive file lock ([`increment_file_counter`], [`count_in_processes`],
//!   [`worker_main`]).
//!
//! Given, in `src/given/ex05_sharing_data.rs` and re-exported here: the
//! sequential count ([`letter_frequencies`], [`add_letters`]), [`split_text`],
//! the [`TicketCounter`] type (you write its `take`), and the worker's
//! command line, which [`worker_main`] hands your [`increment_file_counter`].

pub use crate::given::ex05_sharing_data::{
    TicketCounter, add_letters, letter_frequencies, split_text,
};

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::process::ExitCode;

// ANCHOR: three_ways
/// Counts the letters of `text` with `threads` scoped threads (one per piece of
/// [`split_text`]) that all update ONE `Mutex<HashMap<char, usize>>`. Same
/// result as [`letter_frequencies`]. Panics if `threads` is 0.
///
/// The threads count at the same time: a thread holds the lock only to add to
/// the map (one letter, or a batch of counts), never while it reads its piece,
/// so no thread waits for the whole of another's piece. Like the other two
/// counts, it starts exactly `threads` threads from the calling thread
/// (unnamed: the tests know them by the name they inherit from it), all of them
/// before it joins any; the calling thread itself counts nothing.
pub fn count_with_mutex(text: &str, threads: usize) -> HashMap<char, usize> {
    let _ = (text, threads);
    todo!(
        "scoped threads over split_text(text, threads); each locks \
         the shared Mutex<HashMap> per letter"
    )
}

/// Counts the letters of `text` with `threads` scoped threads that each fill
/// their OWN map; the maps are merged after the threads have been joined.
/// Nothing is shared while counting. Same result as [`letter_frequencies`].
/// Panics if `threads` is 0.
///
/// The threads count at the same time: all `threads` are started (from the
/// calling thread, unnamed) before the first is joined.
pub fn count_with_merge(text: &str, threads: usize) -> HashMap<char, usize> {
    let _ = (text, threads);
    todo!(
        "a scoped thread per piece returning \
         letter_frequencies(piece), all started (collected) before \
         any join; add the maps up"
    )
}

/// Counts the letters of `text` with `threads` scoped threads that each count
/// their piece and SEND the result over an `mpsc` channel; the calling thread
/// receives and merges. Same result as [`letter_frequencies`]. Panics if
/// `threads` is 0.
///
/// The threads count at the same time: all `threads` are started (from the
/// calling thread, unnamed) before the calling thread waits for the first
/// result.
pub fn count_with_channel(text: &str, threads: usize) -> HashMap<char, usize> {
    let _ = (text, threads);
    todo!(
        "mpsc::channel; each scoped thread sends its map; drop the \
         original tx; merge what arrives"
    )
}
// ANCHOR_END: three_ways

// ANCHOR: ticket_counter
impl TicketCounter {
    /// Takes the next ticket: returns the counter's value and increments it, in
    /// ONE atomic step.
    pub fn take(&self) -> u64 {
        todo!(
            "one atomic step: fetch_add(1, Ordering::Relaxed) on the \
             counter"
        )
    }
}
// ANCHOR_END: ticket_counter

// ANCHOR: file_counter
/// Adds one to the decimal number stored in the file at `path` (a missing or
/// empty file counts as 0), replaces the file's content by the new value, and
/// returns the new value. Holds an exclusive lock on the file (`File::lock`)
/// from before the read until after the write, so that concurrent callers
/// (threads or processes) never lose an update and never get the same value.
///
/// # Errors
/// If the file cannot be opened, locked, read or written, or holds something
/// else than a number.
pub fn increment_file_counter(path: &Path) -> io::Result<u64> {
    let _ = path;
    todo!(
        "open read+write+create, file.lock(), read the number, \
         rewrite it plus one, unlock"
    )
}

/// Writes `0` to the file at `path` (whatever it held before), starts
/// `children` child processes `worker_exe ex05 increment PATH K` (each adds 1
/// to the counter `k` times), waits for all of them, and returns the final
/// value in the file (`children * k` if no update was lost).
///
/// The children run at the same time: all of them are started before the first
/// is waited for. Every child that was started has been waited for (reaped)
/// when this returns, also when it returns an error.
///
/// # Errors
/// If a child cannot be started (those already started are killed and reaped),
/// if ANY child does not exit successfully (even if the others do), or if the
/// file cannot be written or read, or does not hold a number.
pub fn count_in_processes(
    worker_exe: &Path,
    path: &Path,
    children: usize,
    k: u64,
) -> io::Result<u64> {
    let _ = (worker_exe, path, children, k);
    todo!(
        "write 0; spawn all `children` x `worker_exe ex05 increment \
         PATH K`, then wait for every one; read the file"
    )
}
// ANCHOR_END: file_counter

/// Entry point of this exercise's child process (`*-worker ex05 ARGS...`);
/// returns its exit code.
///
/// `increment PATH K`: calls [`increment_file_counter`] on `PATH` `K` times.
pub fn worker_main(args: &[String]) -> ExitCode {
    crate::given::ex05_sharing_data::increment_worker(
        args,
        increment_file_counter,
    )
}
