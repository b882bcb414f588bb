//! Sharing data between threads and between processes.
// STUB: //!
// STUB: //! Run the tests: `cargo test --test ex05_sharing_data` in the
// STUB: //! `exercises` folder. Stuck? `cargo course hint ex05`.
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
// STUB: use std::io;
// SOLUTION BEGIN
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
// SOLUTION END
use std::path::Path;
// STUB: use std::process::ExitCode;
// SOLUTION BEGIN
use std::process::{Command, ExitCode};
use std::sync::atomic::Ordering;
use std::sync::{Mutex, mpsc};
use std::thread;
// SOLUTION END

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
    // STUB: let _ = (text, threads);
    // STUB-TODO: "scoped threads over split_text(text, threads); each locks \
    // STUB-TODO:      the shared Mutex<HashMap> per letter"
    // SOLUTION BEGIN
    let counts = Mutex::new(HashMap::new());
    thread::scope(|s| {
        for piece in split_text(text, threads) {
            let counts = &counts;
            s.spawn(move || {
                for c in piece.chars().filter(|c| c.is_alphabetic()) {
                    for lower in c.to_lowercase() {
                        // One short critical section per letter: correct, but
                        // every thread fights for the
                        // same lock.
                        *counts.lock().unwrap().entry(lower).or_insert(0) += 1;
                    }
                }
            });
        }
    });
    counts.into_inner().unwrap()
    // SOLUTION END
}

/// Counts the letters of `text` with `threads` scoped threads that each fill
/// their OWN map; the maps are merged after the threads have been joined.
/// Nothing is shared while counting. Same result as [`letter_frequencies`].
/// Panics if `threads` is 0.
///
/// The threads count at the same time: all `threads` are started (from the
/// calling thread, unnamed) before the first is joined.
pub fn count_with_merge(text: &str, threads: usize) -> HashMap<char, usize> {
    // STUB: let _ = (text, threads);
    // STUB-TODO: "a scoped thread per piece returning \
    // STUB-TODO:      letter_frequencies(piece), all started (collected) before \
    // STUB-TODO:      any join; add the maps up"
    // SOLUTION BEGIN
    let partials: Vec<HashMap<char, usize>> = thread::scope(|s| {
        let handles: Vec<_> = split_text(text, threads)
            .into_iter()
            .map(|piece| s.spawn(move || letter_frequencies(piece)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut total = HashMap::new();
    for partial in partials {
        for (letter, n) in partial {
            *total.entry(letter).or_insert(0) += n;
        }
    }
    total
    // SOLUTION END
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
    // STUB: let _ = (text, threads);
    // STUB-TODO: "mpsc::channel; each scoped thread sends its map; drop the \
    // STUB-TODO:      original tx; merge what arrives"
    // SOLUTION BEGIN
    let pieces = split_text(text, threads);
    let (tx, rx) = mpsc::channel::<HashMap<char, usize>>();
    thread::scope(|s| {
        for piece in pieces {
            let tx = tx.clone();
            s.spawn(move || tx.send(letter_frequencies(piece)).unwrap());
        }
        drop(tx); // the loop below ends when every sender is gone
        let mut total = HashMap::new();
        for partial in rx {
            for (letter, n) in partial {
                *total.entry(letter).or_insert(0) += n;
            }
        }
        total
    })
    // SOLUTION END
}
// ANCHOR_END: three_ways

// ANCHOR: ticket_counter
impl TicketCounter {
    /// Takes the next ticket: returns the counter's value and increments it, in
    /// ONE atomic step.
    pub fn take(&self) -> u64 {
        // STUB-TODO: "one atomic step: fetch_add(1, Ordering::Relaxed) on the \
        // STUB-TODO:      counter"
        // SOLUTION BEGIN
        // Relaxed is enough: the ticket is the only data, and the
        // read-modify-write is atomic whatever the ordering. Ordering
        // matters only when the counter must also publish OTHER
        // memory to another thread.
        self.next.fetch_add(1, Ordering::Relaxed)
        // SOLUTION END
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
    // STUB: let _ = path;
    // STUB-TODO: "open read+write+create, file.lock(), read the number, \
    // STUB-TODO:      rewrite it plus one, unlock"
    // SOLUTION BEGIN
    let mut file: File = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    file.lock()?; // blocks while another open file description holds the lock
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    let value: u64 = match text.trim() {
        "" => 0,
        digits => digits
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
    };
    let new = value + 1;
    let digits = new.to_string();
    file.seek(SeekFrom::Start(0))?;
    file.write_all(digits.as_bytes())?;
    // Cut the file to the new number's length AFTER writing it (the counter
    // only grows, so nothing is left over, but a file holding "0099" would
    // be). Not `set_len(0)` before the write: on ext4, a file truncated to
    // 0 and rewritten is flushed to disk when it is closed,
    // a few milliseconds per increment instead of microseconds.
    file.set_len(digits.len() as u64)?;
    file.unlock()?; // closing the file would release it too
    Ok(new)
    // SOLUTION END
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
    // STUB: let _ = (worker_exe, path, children, k);
    // STUB-TODO: "write 0; spawn all `children` x `worker_exe ex05 increment \
    // STUB-TODO:      PATH K`, then wait for every one; read the file"
    // SOLUTION BEGIN
    std::fs::write(path, "0")?;
    let mut running = Vec::with_capacity(children);
    for _ in 0..children {
        let child = Command::new(worker_exe)
            .arg("ex05")
            .arg("increment")
            .arg(path)
            .arg(k.to_string())
            .spawn();
        match child {
            Ok(child) => running.push(child),
            Err(e) => {
                for mut c in running {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err(e);
            }
        }
    }
    let mut failed = None;
    for mut child in running {
        let status = child.wait()?;
        if !status.success() {
            failed = Some(status);
        }
    }
    if let Some(status) = failed {
        return Err(io::Error::other(format!(
            "a worker process failed: {status}"
        )));
    }
    let text = std::fs::read_to_string(path)?;
    text.trim()
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    // SOLUTION END
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
