//! Given code of exercise 5 (`ex05_sharing_data`): the sequential letter
//! count, [`split_text`], the ticket counter's type, and the child side,
//! [`increment_worker`], which the exercise's `worker_main` runs with your
//! `increment_file_counter`. Read it, do not change it: the grader always uses
//! the original. The exercise module re-exports what it used to define.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

// ANCHOR: sequential
/// Counts the letters of `text` (every `char` for which `char::is_alphabetic`
/// holds), lowercased with `char::to_lowercase` (which can give more than one
/// `char`, e.g. for 'İ'). The sequential reference: the three parallel versions
/// must return exactly this.
pub fn letter_frequencies(text: &str) -> HashMap<char, usize> {
    let mut counts = HashMap::new();
    add_letters(text, &mut counts);
    counts
}

/// Adds the letters of `text` to `counts` (the loop of [`letter_frequencies`]).
pub fn add_letters(text: &str, counts: &mut HashMap<char, usize>) {
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        for lower in c.to_lowercase() {
            *counts.entry(lower).or_insert(0) += 1;
        }
    }
}
// ANCHOR_END: sequential

/// Splits `text` into `parts` pieces of about equal length, cutting only at
/// `char` boundaries. Some pieces may be empty (when `text` is shorter than
/// `parts`). Panics if `parts` is 0.
pub fn split_text(text: &str, parts: usize) -> Vec<&str> {
    assert!(parts > 0, "split_text needs at least one part");
    let mut pieces = Vec::with_capacity(parts);
    let mut rest = text;
    for i in 0..parts {
        let mut cut = rest.len() / (parts - i);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

// ANCHOR: ticket_counter
/// A counter shared by many threads that hands out tickets 0, 1, 2, ...: every
/// ticket exactly once, however many threads call
/// [`take`](TicketCounter::take) at the same time. `take` is yours, in the
/// exercise.
#[derive(Debug, Default)]
pub struct TicketCounter {
    /// The next ticket to hand out.
    pub(crate) next: AtomicU64,
}

impl TicketCounter {
    /// A counter whose first ticket is 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many tickets have been taken so far.
    pub fn issued(&self) -> u64 {
        self.next.load(Ordering::Relaxed)
    }
}
// ANCHOR_END: ticket_counter

/// The child process of `count_in_processes` (`*-worker ex05 ARGS...`), given
/// the function that adds one to the counter file; returns its exit code.
///
/// `increment PATH K`: calls `increment(PATH)` `K` times.
pub fn increment_worker(
    args: &[String],
    increment: impl Fn(&Path) -> io::Result<u64>,
) -> ExitCode {
    match args {
        [cmd, path, k] if cmd == "increment" => {
            let Ok(k) = k.parse::<u64>() else {
                eprintln!("ex05 worker: K must be a number, got `{k}`");
                return ExitCode::from(2);
            };
            for _ in 0..k {
                if let Err(e) = increment(Path::new(path)) {
                    eprintln!("ex05 worker: cannot increment {path}: {e}");
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: worker ex05 increment PATH K");
            ExitCode::from(2)
        }
    }
}
