// Graded tests for ex05_sharing_data (shared by the exercises, the solutions and the fixtures).
//
// What is observed, never timed:
// - that the counting threads count AT THE SAME TIME: the test reads each counting thread's CPU
//   time from /proc while the count runs, and looks for a moment when two of them were both
//   part-way through their pieces (a thread waiting for a lock, or not started yet, uses no CPU);
// - that `count_in_processes` starts every child before it waits for any: its children are
//   stand-ins (`GatedWorker`, tests/support.rs) that wait at a gate the test opens only once it
//   has counted them;
// - lost updates, by stress: many increments at once, and every value handed out exactly once.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use under_test::ex05_sharing_data::{
    TicketCounter, count_in_processes, count_with_channel, count_with_merge, count_with_mutex,
    increment_file_counter,
};

include!("support.rs");

type Count = fn(&str, usize) -> HashMap<char, usize>;

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

/// A deterministic text of `len` chars: words of ASCII and non-ASCII letters (some whose
/// lowercase is two chars, like 'İ'), digits, punctuation, spaces and newlines.
fn generated_text(len: usize, seed: u64) -> String {
    const ALPHABET: &[char] = &[
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r',
        's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'E', 'T', 'A', 'Q', 'é', 'Ü', 'ß', 'İ', 'Ω', 'ж',
        '7', '0', ',', '.', '!', '\'', '-', ' ', ' ', ' ', '\n',
    ];
    let mut state = seed | 1;
    (0..len)
        .map(|_| ALPHABET[(next_random(&mut state) % ALPHABET.len() as u64) as usize])
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

fn run_count(method: &'static str, count: Count) {
    let text = generated_text(120_000, 0x5EED);
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

// ---------------------------------------------------------------------------------------------
// Do the counting threads count at the same time, and are there as many as asked for?

/// CPU time (nanoseconds, from `/proc/self/task/TID/schedstat`) that thread `tid` of this
/// process has used since it started; `None` once it has ended.
fn thread_cpu_ns(tid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The threads of this process whose name is `name`, with the CPU time each has used so far.
fn threads_named(name: &str) -> Vec<(u32, u64)> {
    require_proc();
    let mut found = Vec::new();
    for tid in proc_ids("/proc/self/task") {
        let comm = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm"));
        if comm.is_ok_and(|c| c.trim_end() == name)
            && let Some(cpu) = thread_cpu_ns(tid)
        {
            found.push((tid, cpu));
        }
    }
    found
}

/// What the test saw of one count: the CPU time of each counting thread, sampled while the
/// count ran.
struct CountingRun {
    /// The thread that called the count (it starts the counting threads; it is not one of them).
    caller: u32,
    /// One entry per sample: (thread, CPU ns used so far) for every thread alive then.
    samples: Vec<Vec<(u32, u64)>>,
}

impl CountingRun {
    /// The CPU time each thread started by the count used, as far as the samples saw.
    fn totals(&self) -> HashMap<u32, u64> {
        let mut totals = HashMap::new();
        for sample in &self.samples {
            for &(tid, cpu) in sample {
                if tid != self.caller {
                    let total = totals.entry(tid).or_insert(0);
                    *total = cpu.max(*total);
                }
            }
        }
        totals
    }

    /// The threads that did a share of the counting: at least a tenth of the CPU time of the
    /// busiest one (a thread that only waits, or only merges maps, uses next to none).
    fn counters(&self) -> Vec<u32> {
        let totals = self.totals();
        let busiest = totals.values().copied().max().unwrap_or(0);
        let mut counters: Vec<u32> = totals
            .iter()
            .filter(|&(_, &cpu)| cpu > 0 && cpu * 10 >= busiest)
            .map(|(&tid, _)| tid)
            .collect();
        counters.sort_unstable();
        counters
    }

    /// What the samples saw, for a failure message: each thread's CPU time (ms) and how many
    /// samples saw it.
    fn seen(&self) -> String {
        let mut seen: Vec<(u32, u64, usize)> = self
            .totals()
            .into_iter()
            .map(|(tid, cpu)| {
                let times = self
                    .samples
                    .iter()
                    .filter(|s| s.iter().any(|&(t, _)| t == tid))
                    .count();
                (tid, cpu, times)
            })
            .collect();
        seen.sort_unstable();
        let threads: Vec<String> = seen
            .iter()
            .map(|&(_, cpu, times)| format!("{:.1} ms CPU, seen {times} times", cpu as f64 / 1e6))
            .collect();
        format!(
            "{} samples; the threads it started: [{}]",
            self.samples.len(),
            threads.join("; ")
        )
    }

    /// The most counting threads that were part-way through their work at the same moment
    /// (between a tenth and nine tenths of the CPU time each used in all). A thread that waits
    /// for a lock another holds, or that has not been started yet, stays below a tenth; one
    /// that is done (even if not yet joined) is above nine tenths.
    fn most_part_way_at_once(&self) -> usize {
        let totals = self.totals();
        let counters = self.counters();
        self.samples
            .iter()
            .map(|sample| {
                sample
                    .iter()
                    .filter(|(tid, cpu)| {
                        counters.contains(tid)
                            && *cpu * 10 >= totals[tid]
                            && *cpu * 10 <= totals[tid] * 9
                    })
                    .count()
            })
            .max()
            .unwrap_or(0)
    }
}

/// How many chars a piece needs so that counting it takes a while (about 20 ms of the test's own
/// reference count on this machine and build): long enough to be seen many times by a sampler
/// that looks every quarter of a millisecond, whatever the speed of the machine.
fn chars_per_piece() -> usize {
    let sample = generated_text(20_000, 7);
    let tid = this_thread_tid();
    let before = thread_cpu_ns(tid).expect("this thread's schedstat");
    std::hint::black_box(reference_counts(std::hint::black_box(&sample)));
    let used = (thread_cpu_ns(tid).expect("this thread's schedstat") - before).max(1);
    let per_char = used as f64 / sample.len() as f64;
    ((20e6 / per_char) as usize).clamp(30_000, 4_000_000)
}

/// Runs `count(text, threads)` on a thread with a name of its own (the threads it starts inherit
/// that name: that is how the test knows them) and samples the CPU time of every thread with that
/// name until the count returns.
fn observe_count(count: Count, text: Arc<String>, threads: usize) -> CountingRun {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // At most 15 bytes (the kernel's limit for a thread name), unique in this process.
    let name = format!("ex05c{}{:07}", serial % 100, nanos % 10_000_000);
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let caller = thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            tid_tx.send(this_thread_tid()).unwrap();
            count(&text, threads)
        })
        .expect("the test could not start its thread");
    let caller_tid = tid_rx.recv().expect("the counting thread reports its TID");
    let mut samples = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !caller.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the count with {threads} threads did not return within 30 s"
        );
        samples.push(threads_named(&name));
        thread::sleep(Duration::from_micros(250));
    }
    if let Err(panic) = caller.join() {
        std::panic::resume_unwind(panic);
    }
    CountingRun {
        caller: caller_tid,
        samples,
    }
}

/// Checks that `count` uses exactly the number of threads asked for, and that they count at the
/// same time, for 3 and then 5 threads (so a count that uses the number of cores instead is
/// caught on every machine).
///
/// A sample cannot be taken while the machine gives the sampling thread no CPU, so now and then a
/// busy machine hides a thread that starts and ends between two samples: each number of threads
/// gets up to 3 runs, and passes if one of them shows it all. Code that serialises its threads,
/// or starts another number of them, fails every run.
fn check_counts_in_parallel(method: &str, count: Count, lock_advice: &str) {
    watchdog(60, &format!("{method} on a long text"), {
        let method = method.to_string();
        let lock_advice = lock_advice.to_string();
        move || {
            let per_piece = chars_per_piece();
            for threads in [3, 5] {
                let text = Arc::new(generated_text(per_piece * threads, threads as u64));
                let mut failures = Vec::new();
                for _run in 0..3 {
                    let run = observe_count(count, Arc::clone(&text), threads);
                    let counters = run.counters().len();
                    let most = run.most_part_way_at_once();
                    if counters != threads {
                        failures.push(format!(
                            "{method}(text, {threads}) counted with {counters} threads (each used \
                             a share of the CPU time) instead of the {threads} asked for: start \
                             exactly `threads` threads, one per piece of split_text(text, \
                             threads) ({})",
                            run.seen()
                        ));
                    } else if most < 2 {
                        failures.push(format!(
                            "{method}(text, {threads}) started {threads} counting threads, but at \
                             most {most} of them was part-way through its piece at any moment: \
                             they counted one after another, not at the same time. {lock_advice} \
                             ({})",
                            run.seen()
                        ));
                    } else {
                        failures.clear();
                        break;
                    }
                }
                assert!(
                    failures.is_empty(),
                    "in {} runs: {}",
                    failures.len(),
                    failures.join("\nand then: ")
                );
            }
        }
    });
}

#[test]
fn mutex_count_runs_its_threads_at_the_same_time() {
    check_counts_in_parallel(
        "count_with_mutex",
        count_with_mutex,
        "Hold the lock only to add a letter (or a batch of counts), never while reading the \
         piece: a thread holding it for its whole piece makes every other thread wait; and start \
         every thread before joining any.",
    );
}

#[test]
fn merged_count_runs_its_threads_at_the_same_time() {
    check_counts_in_parallel(
        "count_with_merge",
        count_with_merge,
        "Start every thread before joining any (collect the handles into a Vec first: a lazy \
         iterator that spawns and joins one by one runs them one after another).",
    );
}

#[test]
fn channel_count_runs_its_threads_at_the_same_time() {
    check_counts_in_parallel(
        "count_with_channel",
        count_with_channel,
        "Start every thread before receiving: a thread that is joined, or whose result is \
         received, before the next one is started runs alone.",
    );
}

// ---------------------------------------------------------------------------------------------
// The ticket counter and the file counter: no update lost.

/// Starts `busy` threads that call `step` `per_busy` times each as fast as they can, and `wakers`
/// more that wake up every `nap` to call it once, until the busy ones are done: a thread that
/// wakes up interrupts a busy one at any point (and with two cores they also run at the same
/// time). All start together. Returns what each thread got, in order, the busy threads first.
fn busy_and_waking_threads<T: Send>(
    busy: usize,
    per_busy: usize,
    wakers: usize,
    nap: Duration,
    step: impl Fn() -> T + Sync,
) -> Vec<Vec<T>> {
    let start = Rendezvous::new(busy + wakers, 10);
    let busy_left = std::sync::atomic::AtomicUsize::new(busy);
    let (start, busy_left, step) = (&start, &busy_left, &step);
    thread::scope(|s| {
        let mut handles: Vec<_> = (0..busy)
            .map(|_| {
                s.spawn(move || {
                    start.meet();
                    let mine = (0..per_busy).map(|_| step()).collect::<Vec<_>>();
                    busy_left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    mine
                })
            })
            .collect();
        for _ in 0..wakers {
            handles.push(s.spawn(move || {
                start.meet();
                let mut mine = Vec::new();
                while busy_left.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                    thread::sleep(nap);
                    mine.push(step());
                }
                mine
            }));
        }
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn ticket_counter_hands_out_each_ticket_once() {
    // 4 threads take 500 000 tickets each as fast as they can, while 4 more wake up every 50 us
    // to take one: a thread that wakes up interrupts a busy one at any point, also between the
    // two steps of a counter that reads and then writes (and with two cores they also run at
    // the same time). Such a counter then hands the same ticket out twice; fetch_add never does.
    let (busy, per_busy, wakers) = (4usize, 500_000usize, 4usize);
    let (tickets, issued) = watchdog(30, "8 threads taking tickets", move || {
        let counter = TicketCounter::new();
        let tickets = busy_and_waking_threads(
            busy,
            per_busy,
            wakers,
            Duration::from_micros(50),
            || counter.take(),
        );
        (tickets, counter.issued())
    });
    let total: usize = tickets.iter().map(Vec::len).sum();
    let mut seen = vec![false; total];
    let mut twice = Vec::new();
    for mine in &tickets {
        if let Some(w) = mine.windows(2).find(|w| w[0] >= w[1]) {
            panic!(
                "one thread got ticket {} after ticket {}: the counter went backwards, so an \
                 update was lost (another thread wrote back an old value; take must read and \
                 increment in ONE atomic step: fetch_add)",
                w[1], w[0]
            );
        }
        for &t in mine {
            match seen.get_mut(t as usize) {
                Some(seen) if !*seen => *seen = true,
                _ => twice.push(t),
            }
        }
    }
    assert!(
        twice.is_empty(),
        "{} of the {total} tickets taken were handed out twice (or beyond {total}), e.g. \
         ticket {}: an update was lost (take must read and increment in ONE atomic step: \
         fetch_add)",
        twice.len(),
        twice[0]
    );
    assert_eq!(
        issued, total as u64,
        "issued() after {total} tickets were taken"
    );
}

#[test]
fn file_counter_starts_at_zero_and_replaces_the_number() {
    let path = temp_path("one-by-one");
    let _ = std::fs::remove_file(&path);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let steps = watchdog(10, "increment_file_counter on one thread", {
        let path = path.clone();
        move || {
            let mut steps = Vec::new();
            // A missing file counts as 0.
            steps.push(("a missing file", increment_file_counter(&path), read(&path)));
            steps.push((
                "a file holding 1",
                increment_file_counter(&path),
                read(&path),
            ));
            // An empty file counts as 0.
            std::fs::write(&path, "").unwrap();
            steps.push(("an empty file", increment_file_counter(&path), read(&path)));
            // A longer number is replaced by the next one, not overwritten in part or appended to.
            std::fs::write(&path, "99999").unwrap();
            steps.push((
                "a file holding 99999",
                increment_file_counter(&path),
                read(&path),
            ));
            steps.push((
                "a file holding 100000",
                increment_file_counter(&path),
                read(&path),
            ));
            steps
        }
    });
    let _ = std::fs::remove_file(&path);
    let want = [1u64, 2, 1, 100_000, 100_001];
    for ((what, got, stored), want) in steps.into_iter().zip(want) {
        match got {
            Ok(value) => assert_eq!(
                value, want,
                "increment_file_counter on {what} must return the new value {want}"
            ),
            Err(e) => panic!("increment_file_counter on {what} failed: {e}"),
        }
        assert_eq!(
            stored.trim(),
            want.to_string(),
            "after increment_file_counter on {what}, the file must hold {want}, not {stored:?}"
        );
    }
}

#[test]
fn file_counter_is_exact_across_threads() {
    // 4 threads increment the counter of a new file 5 000 times each, all at once, while 2 more
    // wake up every 200 us to increment it once (a thread that wakes up interrupts a busy one at
    // any point, also between its read and its write). With 1 000 each, a counter that unlocks
    // between its read and its write went uncaught in 1 of 20 runs under load.
    let path = temp_path("threads");
    let (busy, per_busy, wakers) = (4usize, 5_000usize, 2usize);
    let values = {
        let path = path.clone();
        watchdog(30, "6 threads incrementing the file counter", move || {
            let increment = || increment_file_counter(&path).expect("increment failed");
            busy_and_waking_threads(
                busy,
                per_busy,
                wakers,
                Duration::from_micros(200),
                increment,
            )
            .into_iter()
            .flatten()
            .collect::<Vec<u64>>()
        })
    };
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    let total = values.len() as u64;
    let mut seen = HashSet::new();
    for v in &values {
        assert!(
            seen.insert(*v),
            "two increments both returned {v}: the read and the write must happen under one lock"
        );
        assert!(
            (1..=total).contains(v),
            "an increment returned {v}: {total} increments of a new file return 1 to {total}"
        );
    }
    assert_eq!(
        stored.trim(),
        total.to_string(),
        "{total} increments from 6 threads on a new file must leave {total} in it: updates were \
         lost (lock the file from before the read until after the write)"
    );
}

// ---------------------------------------------------------------------------------------------
// Processes: the file counter between processes, and count_in_processes.

/// What the worker stand-ins do once the gate is open: note their arguments, fail if the test
/// left `fail.PID` for them, else `exec` the real worker with the arguments they were given.
const STAND_IN_HOOK: &str = "echo \"$*\" > \"$d/args.$$\"\n\
     if [ -e \"$d/fail.$$\" ]; then echo \"worker $$: failing on request\" >&2; exit 3; fi";

/// Waits for `call` to return, for at most `secs` seconds.
fn join_within<T>(call: thread::JoinHandle<T>, secs: u64, what: &str) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !call.is_finished() {
        assert!(
            Instant::now() < deadline,
            "deadlock? {what} did not return within {secs} s"
        );
        thread::sleep(Duration::from_millis(2));
    }
    call.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Starts `count_in_processes(stand-in, path, children, k)` on a thread, with `path` a fresh
/// file named after `name` (holding `initial`, if given; removed afterwards). Once all `children`
/// have started, marks the stand-ins at the places `failing` in the order they started (their
/// PIDs, increasing) to exit with code 3, and opens the gate. Returns the result, the PIDs of
/// the stand-ins, and those of the failing ones.
fn run_count_in_processes(
    name: &str,
    initial: Option<&str>,
    children: usize,
    k: u64,
    failing: &[usize],
) -> (std::io::Result<u64>, Vec<u32>, Vec<u32>) {
    let path = temp_path(name);
    if let Some(initial) = initial {
        std::fs::write(&path, initial).unwrap();
    }
    let gate = GatedWorker::new(WORKER_EXE, AfterGate::Exec, STAND_IN_HOOK);
    let call = {
        let (exe, path) = (gate.exe().to_path_buf(), path.to_path_buf());
        thread::spawn(move || count_in_processes(&exe, &path, children, k))
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut started = gate.started();
    while started.len() < children && Instant::now() < deadline && !call.is_finished() {
        thread::sleep(Duration::from_millis(1));
        started = gate.started();
    }
    if started.len() < children && call.is_finished() {
        gate.open_start();
        let result = join_within(call, 1, "count_in_processes");
        panic!(
            "count_in_processes(worker, path, {children}, {k}) returned {result:?} after \
             starting {} of its {children} children",
            started.len()
        );
    }
    if started.len() < children {
        gate.open_start();
        panic!(
            "count_in_processes(worker, path, {children}, {k}) had started {} of its {children} \
             children after 5 s, while the first ones were held at a gate by the test: it waits \
             for a child before starting the next, so the children never run at the same time \
             (start them all, then wait for each)",
            started.len()
        );
    }
    let failing: Vec<u32> = failing.iter().map(|&i| started[i]).collect();
    for pid in &failing {
        std::fs::write(gate.dir.join(format!("fail.{pid}")), "").unwrap();
    }
    gate.open_start();
    let result = join_within(call, 30, "count_in_processes");
    let _ = std::fs::remove_file(&path);
    let all_started = gate.started();
    assert_eq!(
        all_started.len(),
        children,
        "count_in_processes(worker, path, {children}, {k}) started {} children",
        all_started.len()
    );
    for pid in &all_started {
        let args =
            std::fs::read_to_string(gate.dir.join(format!("args.{pid}"))).unwrap_or_default();
        let want = format!("ex05 increment {} {k}", path.display());
        assert_eq!(
            args.trim_end(),
            want,
            "a child was started with the arguments {args:?}; they must be `{want}`"
        );
    }
    (result, all_started, failing)
}

/// Fails if a stand-in is still running or a zombie now that count_in_processes has returned.
fn assert_all_reaped(pids: &[u32], when: &str) {
    for &pid in pids {
        match child_state(pid) {
            ChildState::Gone => {}
            ChildState::Running => panic!(
                "worker {pid} was still running when count_in_processes returned {when}: wait \
                 for every child before returning"
            ),
            ChildState::Zombie => panic!(
                "worker {pid} exited but was never waited for (a zombie) when count_in_processes \
                 returned {when}: call wait() on every child, also after one has failed"
            ),
        }
    }
}

#[test]
fn two_processes_increment_without_lost_updates() {
    // Two worker processes (this crate's worker binary, running your increment_file_counter)
    // add 1 to the same file 2 000 times each. They are held at a gate until both have started,
    // so they really run at the same time.
    let path = temp_path("two-processes");
    std::fs::write(&path, "0").unwrap();
    let k = 2_000u64;
    let statuses = {
        let path = path.clone();
        watchdog(
            60,
            "two worker processes incrementing the file",
            move || {
                let gate = GatedWorker::new(WORKER_EXE, AfterGate::Exec, "");
                let mut children: Vec<_> = (0..2)
                    .map(|_| {
                        Command::new(gate.exe())
                            .arg("ex05")
                            .arg("increment")
                            .arg(&path)
                            .arg(k.to_string())
                            .spawn()
                            .expect("cannot start the worker binary")
                    })
                    .collect();
                let started = gate.wait_started(2, 10);
                assert_eq!(started.len(), 2, "the two workers did not start");
                gate.open_start();
                children
                    .iter_mut()
                    .map(|c| c.wait().expect("cannot wait for a worker"))
                    .collect::<Vec<_>>()
            },
        )
    };
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    for status in statuses {
        assert!(
            status.success(),
            "a worker process failed ({status}): increment_file_counter returned an error"
        );
    }
    assert_eq!(
        stored.trim(),
        (2 * k).to_string(),
        "two processes x {k} increments must leave {} in the file: updates were lost (lock the \
         file from before the read until after the write)",
        2 * k
    );
}

#[test]
fn count_in_processes_runs_its_children_at_once_and_reaps_them() {
    // Whatever the file held before, the count starts from 0.
    let (result, pids, _) = run_count_in_processes("count-in-processes", Some("777"), 3, 500, &[]);
    match result {
        Ok(total) => assert_eq!(
            total, 1_500,
            "3 children x 500 increments on a counter set to 0 must give 1500"
        ),
        Err(e) => panic!("count_in_processes with 3 working children returned an error: {e}"),
    }
    assert_all_reaped(&pids, "Ok");
}

#[test]
fn count_in_processes_reports_a_failing_worker() {
    // Three children start; the second one (by PID) exits with code 3 once the gate opens, the
    // other two do their increments and succeed.
    let (result, pids, failing) = run_count_in_processes("one-fails", None, 3, 200, &[1]);
    let failing = failing[0];
    assert!(
        pids.contains(&failing),
        "the failing worker {failing} was not one of the children"
    );
    assert!(
        result.is_err(),
        "worker {failing} exited with code 3 but count_in_processes returned {result:?}: check \
         the exit status of EVERY child (not only the last one waited for)"
    );
    assert_all_reaped(&pids, "an error");
}

#[test]
fn count_in_processes_waits_for_every_child_when_all_fail() {
    // Three children start, and all three exit with code 3 once the gate opens: the first
    // failure is the error, and the other two must still be waited for.
    let (result, pids, _) = run_count_in_processes("all-fail", None, 3, 200, &[0, 1, 2]);
    assert!(
        result.is_err(),
        "all 3 workers exited with code 3 but count_in_processes returned {result:?}"
    );
    assert_all_reaped(&pids, "an error");
}

#[test]
fn count_in_processes_reports_a_worker_that_cannot_start() {
    let path = temp_path("no-worker");
    let result = watchdog(20, "count_in_processes with a missing worker binary", {
        let path = path.clone();
        move || count_in_processes(Path::new("/nonexistent/ex05-worker"), &path, 2, 10)
    });
    let stored = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    assert!(
        stored.is_ok(),
        "count_in_processes must write 0 to the file before it starts the children"
    );
    match result {
        Err(e) => assert_eq!(
            e.kind(),
            std::io::ErrorKind::NotFound,
            "a worker binary that does not exist: the error should be the spawn error \
             (NotFound), got {e:?}"
        ),
        Ok(v) => panic!(
            "the worker binary does not exist, so no child could start, but count_in_processes \
             returned Ok({v})"
        ),
    }
}
