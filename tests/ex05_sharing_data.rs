// Graded tests for ex05_sharing_data (shared by the exercises and the solutions).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use under_test::ex05_sharing_data::{
    TicketCounter, count_in_processes, count_with_channel, count_with_merge, count_with_mutex,
    increment_file_counter,
};

/// Runs `body` on its own thread; panics with a message naming `what` if it has not finished
/// within `secs` seconds (a hang: a deadlock, or a receiver waiting for a sender never dropped).
fn watchdog<T: Send + 'static>(
    secs: u64,
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(value) => {
            let _ = handle.join();
            value
        }
        Err(RecvTimeoutError::Timeout) => {
            panic!("deadlock? {what} did not finish within {secs} s")
        }
        Err(RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body ended without sending its result"),
        },
    }
}

/// The test's own sequential reference: letters (`char::is_alphabetic`), lowercased.
fn reference_counts(text: &str) -> HashMap<char, usize> {
    let mut counts = HashMap::new();
    for c in text.chars() {
        if c.is_alphabetic() {
            for lower in c.to_lowercase() {
                *counts.entry(lower).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// A deterministic text of about `len` chars: words of ASCII and non-ASCII letters (some whose
/// lowercase is two chars, like 'İ'), digits, punctuation, spaces and newlines.
fn generated_text(len: usize, seed: u64) -> String {
    const ALPHABET: &[char] = &[
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r',
        's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'E', 'T', 'A', 'Q', 'é', 'Ü', 'ß', 'İ', 'Ω', 'ж',
        '7', '0', ',', '.', '!', '\'', '-', ' ', ' ', ' ', '\n',
    ];
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % ALPHABET.len() as u64) as usize]
        })
        .collect()
}

/// Compares a count with the reference and names the first difference.
fn assert_same_counts(method: &str, threads: usize, got: &HashMap<char, usize>, text: &str) {
    let want = reference_counts(text);
    for (letter, &n) in &want {
        let g = got.get(letter).copied().unwrap_or(0);
        assert_eq!(
            g, n,
            "{method} with {threads} threads counted {g} x {letter:?}, the sequential count is {n}"
        );
    }
    for (letter, &n) in got {
        assert!(
            want.contains_key(letter),
            "{method} with {threads} threads counted {n} x {letter:?}, which is not a letter of \
             the text (only chars with is_alphabetic, lowercased, count)"
        );
    }
}

/// A fresh path in the temp folder, unique to this test and process.
fn temp_path(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("ex05-{}-{nanos}-{name}", std::process::id()))
}

/// PIDs of this process's children that are zombies (exited, not yet waited for). Linux only;
/// empty elsewhere.
fn zombie_children() -> Vec<u32> {
    let me = std::process::id();
    let mut zombies = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return zombies;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // fields[0] is the state (field 3), fields[1] the parent's PID (field 4).
        if fields.first() == Some(&"Z") && fields.get(1) == Some(&me.to_string().as_str()) {
            zombies.push(pid);
        }
    }
    zombies
}

fn run_count(method: &'static str, count: fn(&str, usize) -> HashMap<char, usize>) {
    let text = generated_text(300_000, 0x5EED);
    for threads in [1, 2, 4, 7] {
        let owned = text.clone();
        let got = watchdog(20, &format!("{method} with {threads} threads"), move || {
            count(&owned, threads)
        });
        assert_same_counts(method, threads, &got, &text);
    }
}

#[test]
fn mutex_count_matches_sequential() {
    run_count("count_with_mutex", count_with_mutex);
}

#[test]
fn merged_count_matches_sequential() {
    run_count("count_with_merge", count_with_merge);
}

#[test]
fn channel_count_matches_sequential() {
    run_count("count_with_channel", count_with_channel);
}

#[test]
fn counts_handle_empty_text_and_more_threads_than_chars() {
    type Count = fn(&str, usize) -> HashMap<char, usize>;
    let methods: [(&str, Count); 3] = [
        ("count_with_mutex", count_with_mutex),
        ("count_with_merge", count_with_merge),
        ("count_with_channel", count_with_channel),
    ];
    for (method, count) in methods {
        for text in ["", "İß", "a, b; A!", "ééé"] {
            for threads in [1, 3, 16] {
                let owned = text.to_string();
                let got = watchdog(10, &format!("{method}({text:?}, {threads})"), move || {
                    count(&owned, threads)
                });
                assert_same_counts(method, threads, &got, text);
            }
        }
    }
}

#[test]
fn ticket_counter_hands_out_each_ticket_once() {
    // 8 threads take 20 000 tickets each at the same time. A counter that reads and then writes
    // in two steps hands the same ticket to two threads; fetch_add cannot.
    let (threads, per_thread) = (8u64, 20_000u64);
    let (tickets, issued) = watchdog(20, "8 threads taking tickets", move || {
        let counter = TicketCounter::new();
        let tickets: Vec<Vec<u64>> = thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| s.spawn(|| (0..per_thread).map(|_| counter.take()).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        (tickets, counter.issued())
    });
    let total = threads * per_thread;
    let mut seen = HashSet::new();
    for mine in &tickets {
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "one thread got tickets that did not increase: the counter went backwards"
        );
        for &t in mine {
            assert!(
                t < total,
                "ticket {t} handed out, but only {total} were taken"
            );
            assert!(
                seen.insert(t),
                "ticket {t} was handed out twice: an update was lost"
            );
        }
    }
    assert_eq!(issued, total, "issued() after {total} tickets were taken");
}

#[test]
fn file_counter_is_exact_across_threads() {
    let path = temp_path("threads");
    let values = {
        let path = path.clone();
        watchdog(30, "4 threads incrementing the file counter", move || {
            thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            (0..250)
                                .map(|_| increment_file_counter(&path).expect("increment failed"))
                                .collect::<Vec<u64>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap())
                    .collect::<Vec<u64>>()
            })
        })
    };
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    let mut seen = HashSet::new();
    for v in &values {
        assert!(
            seen.insert(*v),
            "two increments both returned {v}: the read and the write must happen under one lock"
        );
    }
    assert_eq!(
        stored.trim(),
        "1000",
        "4 threads x 250 increments on a new file must leave 1000 in it"
    );
}

#[test]
fn two_processes_increment_without_lost_updates() {
    // Two child processes (this crate's worker binary, running your worker side) add 1 to the
    // same file 2 000 times each, at the same time.
    let path = temp_path("two-processes");
    std::fs::write(&path, "0").unwrap();
    let k = 2_000u64;
    let path_arg = path.clone();
    let pids = watchdog(
        60,
        "two worker processes incrementing the file",
        move || {
            let mut children: Vec<_> = (0..2)
                .map(|_| {
                    Command::new(WORKER_EXE)
                        .arg("ex05")
                        .arg("increment")
                        .arg(&path_arg)
                        .arg(k.to_string())
                        .spawn()
                        .expect("cannot start the worker binary")
                })
                .collect();
            let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
            for child in &mut children {
                let status = child.wait().expect("cannot wait for a worker");
                assert!(status.success(), "a worker process failed: {status}");
            }
            pids
        },
    );
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    assert_ne!(pids[0], pids[1], "the two workers must be two processes");
    assert!(
        !pids.contains(&std::process::id()),
        "the workers must be child processes"
    );
    assert_eq!(
        stored.trim(),
        (2 * k).to_string(),
        "two processes x {k} increments must leave {} in the file: updates were lost (lock the \
         file from before the read until after the write)",
        2 * k
    );
}

#[test]
fn count_in_processes_is_exact_and_reaps_its_children() {
    let path = temp_path("count-in-processes");
    let path_arg = path.clone();
    let total = watchdog(60, "count_in_processes with 3 children", move || {
        count_in_processes(Path::new(WORKER_EXE), &path_arg, 3, 500)
    });
    let _ = std::fs::remove_file(&path);
    let total = total.expect("count_in_processes returned an error");
    assert_eq!(total, 1_500, "3 children x 500 increments must give 1500");
    // Every child must have been waited for. A zombie of another test running in the same
    // process would be reaped within moments, so give stragglers a few seconds.
    let mut zombies = zombie_children();
    for _ in 0..30 {
        if zombies.is_empty() {
            break;
        }
        thread::sleep(Duration::from_millis(100));
        zombies = zombie_children();
    }
    assert!(
        zombies.is_empty(),
        "child processes {zombies:?} exited but were never waited for (zombies): call wait() on \
         every Child"
    );
}

#[test]
fn count_in_processes_reports_a_failing_worker() {
    // A path in a folder that does not exist: the workers cannot open the file, exit with a
    // failure status, and count_in_processes must say so instead of returning a number.
    let dir = temp_path("missing-dir");
    let path = dir.join("counter.txt");
    let result = watchdog(30, "count_in_processes with an unusable path", move || {
        count_in_processes(Path::new(WORKER_EXE), &path, 2, 10)
    });
    assert!(
        result.is_err(),
        "count_in_processes returned {result:?} although the file could not be written"
    );
}
