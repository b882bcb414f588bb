// Graded tests for ex07_thread_pool_factorials: factorials on a rayon pool and on a hand-built
// thread pool, in input order; overflow as an error; big-integer factorials split over threads;
// a pool that is really a pool (a fixed set of workers, `size` jobs at once and never more, that
// survives a panicking job), and whose drop finishes the queue and joins every worker.
//
// No test depends on speed or on the number of cores. The tests observe the work through their
// own closures: which thread ran each one (`std::thread::current()`, recorded inside the
// closure), and how many were running at the same moment (jobs that meet: a meeting of N can
// only happen if N jobs run at once). Deadlines are generous (seconds) and only turn a pool that
// cannot run the jobs together into a failure instead of a hang; the one place a correct pool
// waits out a deadline is `pool_never_runs_more_than_size_jobs_at_once` (half a second), where
// nothing else can show that a job did NOT start.

use under_test::ex07_thread_pool_factorials::*;

use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use num_bigint::BigUint;

include!("support.rs");

/// n! computed the plain way, in u128 (exact up to 34!), as the reference.
fn reference(n: u64) -> u128 {
    (1..=n as u128).product()
}

/// n! as a big integer, computed here (not with the code under test), as the reference.
fn reference_big(n: u64) -> BigUint {
    (1..=n).fold(BigUint::from(1_u32), |acc, k| acc * k)
}

/// Where one of the test's own closures ran, recorded by the closure itself.
#[derive(Debug, Clone)]
struct Ran {
    id: ThreadId,
    name: Option<String>,
}

fn here() -> Ran {
    let me = thread::current();
    Ran {
        id: me.id(),
        name: me.name().map(str::to_owned),
    }
}

fn name_of(r: &Ran) -> &str {
    r.name.as_deref().unwrap_or("<unnamed>")
}

/// The worker index in a name like `pool-worker-3`, if the name has that form.
fn worker_index(name: &str, prefix: &str) -> Option<usize> {
    name.strip_prefix(prefix)?.parse().ok()
}

/// A meeting of `n` jobs: `meet()` returns true once `n` are inside it AT THE SAME TIME. If that
/// has not happened `secs` seconds after a job arrived, the meeting is called off: that job and
/// every later one return false at once (so a pool that runs fewer jobs at once fails after one
/// deadline, not one per job). `most()` is the largest number that were ever inside together.
struct Meeting {
    n: usize,
    secs: f64,
    state: Mutex<MeetingState>,
    changed: Condvar,
}

#[derive(Default)]
struct MeetingState {
    present: usize,
    most: usize,
    met: bool,
    called_off: bool,
}

impl Meeting {
    fn new(n: usize, secs: f64) -> Arc<Meeting> {
        Arc::new(Meeting {
            n,
            secs,
            state: Mutex::new(MeetingState::default()),
            changed: Condvar::new(),
        })
    }

    fn meet(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.present += 1;
        s.most = s.most.max(s.present);
        if s.present >= self.n {
            s.met = true;
            self.changed.notify_all();
        }
        let limit = Duration::from_secs_f64(self.secs);
        let (mut s, _) = self
            .changed
            .wait_timeout_while(s, limit, |s| !s.met && !s.called_off)
            .unwrap_or_else(|p| p.into_inner());
        if !s.met && !s.called_off {
            s.called_off = true;
            self.changed.notify_all();
        }
        s.present -= 1;
        s.met
    }

    fn most(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).most
    }

    fn present(&self) -> usize {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).present
    }
}

/// Lets jobs finish only in a given order: `wait_for_turn(i)` blocks until it is item `i`'s
/// turn, `pass(i)` hands the turn to `i - 1`. Starting at the last item, the items finish in
/// REVERSE input order, so results gathered in completion order come out visibly wrong. A job
/// that waited `secs` seconds for its turn goes on anyway, and so does every job after it (the
/// turnstile remembers it), so a pool that cannot run all the items at once fails the test after
/// one deadline instead of hanging.
struct Turnstile {
    next: Mutex<usize>,
    changed: Condvar,
    secs: u64,
    gave_up: AtomicUsize,
}

impl Turnstile {
    fn starting_at(first: usize, secs: u64) -> Arc<Self> {
        Arc::new(Turnstile {
            next: Mutex::new(first),
            changed: Condvar::new(),
            secs,
            gave_up: AtomicUsize::new(0),
        })
    }
    fn wait_for_turn(&self, i: usize) {
        let next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        // Once one job has given up, the order is lost anyway: the others go on at once.
        let waiting = |next: &mut usize| *next != i && self.gave_up.load(Ordering::SeqCst) == 0;
        let (mut next, _) = self
            .changed
            .wait_timeout_while(next, Duration::from_secs(self.secs), waiting)
            .unwrap_or_else(|p| p.into_inner());
        if waiting(&mut next) {
            self.gave_up.fetch_add(1, Ordering::SeqCst);
            self.changed.notify_all();
        }
    }
    fn pass(&self, i: usize) {
        *self.next.lock().unwrap_or_else(|p| p.into_inner()) = i.wrapping_sub(1);
        self.changed.notify_all();
    }
}

/// True if `f` panics (the panic message is printed by the default hook, as usual).
fn panics<R>(f: impl FnOnce() -> R) -> bool {
    panic::catch_unwind(AssertUnwindSafe(f)).is_err()
}

/// The factorials of many numbers, on a given number of threads (`rayon_factorials`,
/// `pool_factorials`).
type Factorials = fn(usize, &[u64]) -> Vec<Result<u64, FactorialError>>;

/// Checks `factorials` (named `what`) on 1..=10 with 4 threads: ten results in input order; and
/// on [19, 20, 21, 22] with 2: 21! and 22! overflow.
fn check_one_to_ten_and_overflow(what: &'static str, factorials: Factorials) {
    let numbers: Vec<u64> = (1..=10).collect();
    let (results, overflow) = watchdog(9, what, move || {
        (factorials(4, &numbers), factorials(2, &[19, 20, 21, 22]))
    });
    assert_eq!(
        results.len(),
        10,
        "{what}: 1..=10 is ten numbers, got {} results",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        let n = i as u64 + 1;
        assert_eq!(
            *r,
            Ok(reference(n) as u64),
            "{what}: result {i} should be {n}! (results must be in input order)"
        );
    }
    let expected = [
        Ok(reference(19) as u64),
        Ok(reference(20) as u64),
        Err(FactorialError::Overflow { n: 21 }),
        Err(FactorialError::Overflow { n: 22 }),
    ];
    assert_eq!(
        overflow, expected,
        "{what}: for [19, 20, 21, 22], 19! and 20! fit in a u64, 21! and 22! overflow \
         (an Overflow error, not a wrapped number)"
    );
}

// ---------------------------------------------------------------------------------------------
// The factorials
// ---------------------------------------------------------------------------------------------

#[test]
fn checked_factorials_match_a_sequential_reference() {
    for n in 0..=20 {
        assert_eq!(
            factorial_checked(n),
            Ok(reference(n) as u64),
            "factorial_checked({n}) is wrong (0! is 1, and every n! up to 20! fits in a u64)"
        );
    }
}

#[test]
fn overflow_is_an_error_naming_n() {
    for n in [21, 22, 25, 34, 100, 1000] {
        let got = factorial_checked(n);
        assert_eq!(
            got,
            Err(FactorialError::Overflow { n }),
            "{n}! does not fit in a u64: factorial_checked must report Overflow {{ n: {n} }} \
             (the n asked for, not the factor where the product overflowed), not a \
             wrapped-around number"
        );
        let message = got.unwrap_err().to_string();
        assert!(
            message.contains(&n.to_string()),
            "the error message should name {n}, got {message:?}"
        );
    }
}

#[test]
fn big_factorials_have_known_values() {
    assert_eq!(factorial_big(0).to_string(), "1", "0! is 1");
    assert_eq!(factorial_big(1).to_string(), "1", "1! is 1");
    assert_eq!(
        factorial_big(20).to_string(),
        reference(20).to_string(),
        "20! as a BigUint"
    );
    assert_eq!(
        factorial_big(25).to_string(),
        "15511210043330985984000000",
        "25! as a BigUint"
    );
    let hundred = factorial_big(100).to_string();
    assert_eq!(hundred.len(), 158, "100! has 158 decimal digits");
    assert!(
        hundred.starts_with("93326215443944152681"),
        "100! starts with 93326215443944152681, got {}...",
        &hundred[..20]
    );
    assert!(
        hundred.ends_with(&"0".repeat(24)),
        "100! ends with exactly 24 zeros"
    );
    assert!(
        !hundred.ends_with(&"0".repeat(25)),
        "100! ends with exactly 24 zeros"
    );
}

#[test]
fn parallel_big_factorial_matches_sequential_for_every_split() {
    // Odd and even n, n smaller than the number of threads, n = 0 and 1: a hand-made split of
    // 1..=n into `threads` ranges that drops the remainder, repeats a boundary, or runs past n
    // when threads > n gives a wrong product for some of these.
    let ns = [0_u64, 1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 31, 64, 101, 257];
    let out = watchdog(9, "factorial_big_parallel", move || {
        let mut out = Vec::new();
        for threads in [1_usize, 2, 3, 4, 5, 8] {
            for &n in &ns {
                out.push((n, threads, factorial_big_parallel(n, threads)));
            }
        }
        out
    });
    for (n, threads, got) in out {
        assert!(
            got == reference_big(n),
            "factorial_big_parallel({n}, {threads}) is {got}, but {n}! is {}: splitting 1..=n \
             over the threads must cover every factor exactly once",
            reference_big(n)
        );
    }
    // Last, so that the expected panic's message is not the first one printed on a failure.
    let refused = watchdog(9, "factorial_big_parallel(5, 0)", || {
        panics(|| factorial_big_parallel(5, 0))
    });
    assert!(
        refused,
        "factorial_big_parallel(5, 0) must panic: a pool of 0 threads cannot do any work"
    );
}

// ---------------------------------------------------------------------------------------------
// rayon
// ---------------------------------------------------------------------------------------------

#[test]
fn rayon_factorials_of_1_to_10_in_input_order() {
    check_one_to_ten_and_overflow("rayon_factorials", rayon_factorials);
}

#[test]
fn rayon_map_runs_on_a_new_pool_of_exactly_threads_named_threads() {
    // Two sizes: at least one of them differs from the number of cores, so a pool built without
    // `num_threads` (or rayon's global pool) shows up whatever the machine.
    let caller = thread::current().id();
    for threads in [2_usize, 3] {
        let results = watchdog(9, "rayon_map", move || {
            rayon_map(threads, (0..40).collect(), |i: u32| {
                (
                    i,
                    rayon::current_num_threads(),
                    rayon::current_thread_index(),
                    here(),
                )
            })
        });
        assert_eq!(
            results.len(),
            40,
            "rayon_map over 40 items returned {} results",
            results.len()
        );
        let mut ids = HashSet::new();
        for (i, (item, pool_size, index, ran)) in results.iter().enumerate() {
            assert_eq!(*item, i as u32, "result {i} is out of order");
            assert_ne!(
                ran.id, caller,
                "item {i} ran on the calling thread, not on the pool (run the work inside \
                 pool.install)"
            );
            assert!(
                index.is_some(),
                "item {i} ran outside any rayon pool (on thread {:?}): run it inside \
                 pool.install",
                name_of(ran)
            );
            assert_eq!(
                *pool_size, threads,
                "rayon_map({threads}, ..): item {i} ran where rayon::current_num_threads() is \
                 {pool_size}, not on a pool of {threads} threads (build a NEW pool with \
                 ThreadPoolBuilder::num_threads({threads}) for each call and run the work \
                 inside pool.install, not on the global pool)"
            );
            let name = name_of(ran);
            assert!(
                worker_index(name, RAYON_THREAD_PREFIX).is_some_and(|k| k < threads),
                "item {i} ran on a thread named {name:?}; the pool's threads must be named \
                 {RAYON_THREAD_PREFIX}0 .. {RAYON_THREAD_PREFIX}{}",
                threads - 1
            );
            ids.insert(ran.id);
        }
        assert!(
            ids.len() <= threads,
            "{} distinct threads ran the items, but the pool has only {threads}",
            ids.len()
        );
    }
    let refused = watchdog(9, "rayon_map(0, ..)", || {
        panics(|| rayon_map(0, vec![1_u32], |i| i))
    });
    assert!(
        refused,
        "rayon_map(0, ..) must panic: a pool needs at least one thread"
    );
}

#[test]
fn rayon_map_runs_items_at_the_same_time() {
    // 48 items on a pool of 3: rayon splits an indexed parallel iterator into pieces and idle
    // pool threads steal them (work stealing), so at least two items are running at once.
    // This asks for 2 at once, not 3: how rayon cuts the items into pieces is its own business
    // (a piece of several items runs them one after another on one thread), but with 48 items
    // and 3 threads it cuts more than one piece, and an idle thread steals a queued piece.
    // Each item waits (up to 5 s, once: see Meeting) until another item is running beside it.
    const THREADS: usize = 3;
    let meeting = Meeting::new(2, 5.0);
    let m = Arc::clone(&meeting);
    let values = watchdog(
        9,
        "rayon_map with items that wait for each other",
        move || {
            rayon_map(THREADS, (0..48_u64).collect(), move |i| {
                m.meet();
                i * 2
            })
        },
    );
    assert_eq!(
        values,
        (0..48).map(|i| i * 2).collect::<Vec<u64>>(),
        "rayon_map's results must be f(item) in input order"
    );
    assert!(
        meeting.most() >= 2,
        "rayon_map ran 48 items on a pool of {THREADS} threads one at a time: never were two \
         running at the same time (a sequential iterator inside install runs everything on one \
         pool thread; use into_par_iter)"
    );
}

#[test]
fn rayon_results_are_in_input_order_not_completion_order() {
    // Item 0 waits until some other item has finished, so it is never the first to finish:
    // results gathered in completion order do not start with f(0). (It needs only two items at
    // once, see rayon_map_runs_items_at_the_same_time; after 5 s item 0 goes on anyway.)
    const ITEMS: u64 = 16;
    let finished = Arc::new((Mutex::new(0_usize), Condvar::new()));
    let waited = Arc::new(AtomicUsize::new(0));
    let (f2, w2) = (Arc::clone(&finished), Arc::clone(&waited));
    let values = watchdog(9, "rayon_map with item 0 finishing late", move || {
        rayon_map(3, (0..ITEMS).collect(), move |i: u64| {
            let (count, changed) = &*f2;
            if i == 0 {
                let deadline = Instant::now() + Duration::from_secs(5);
                let mut c = count.lock().unwrap();
                while *c == 0 && Instant::now() < deadline {
                    c = changed
                        .wait_timeout(c, deadline.saturating_duration_since(Instant::now()))
                        .unwrap()
                        .0;
                }
                if *c > 0 {
                    w2.fetch_add(1, Ordering::SeqCst);
                }
            } else {
                *count.lock().unwrap() += 1;
                changed.notify_all();
            }
            reference(i + 1) as u64
        })
    });
    let expected: Vec<u64> = (0..ITEMS).map(|i| reference(i + 1) as u64).collect();
    assert_eq!(
        values, expected,
        "rayon_map's results must be in input order, not the order the items finished (item 0 \
         finished after others here)"
    );
    assert_eq!(
        waited.load(Ordering::SeqCst),
        1,
        "item 0 should have finished after another item (no two items ran at the same time)"
    );
}

// ---------------------------------------------------------------------------------------------
// The hand-built pool
// ---------------------------------------------------------------------------------------------

#[test]
fn pool_factorials_of_1_to_10_in_input_order() {
    check_one_to_ten_and_overflow("pool_factorials", pool_factorials);
}

#[test]
fn pool_runs_size_jobs_at_once_on_its_named_workers() {
    // Jobs that meet: they can only all return true if all run at the same time. A pool that
    // holds its queue's lock while a job runs, or makes `map` wait for each job before sending
    // the next, fails this; so does one that starts a worker per core instead of `size` (or
    // min(size, cores)), on any machine, since the pool is two workers larger than the machine
    // has cores (at least 4).
    let workers: usize = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2)
        + 2;
    let caller = thread::current().id();
    let (size, results, most) = watchdog(9, "ThreadPool::map with jobs that meet", move || {
        let pool = ThreadPool::new(workers);
        let meeting = Meeting::new(workers, 5.0);
        let m = Arc::clone(&meeting);
        let results = pool.map((0..workers).collect(), move |i: usize| {
            (i + 100, m.meet(), here())
        });
        let size = pool.size();
        drop(pool);
        (size, results, meeting.most())
    });
    assert_eq!(size, workers, "ThreadPool::new({workers}).size()");
    let values: Vec<usize> = results.iter().map(|r| r.0).collect();
    assert_eq!(
        values,
        (100..100 + workers).collect::<Vec<_>>(),
        "map's results must be f(item), in input order"
    );
    assert!(
        results.iter().all(|r| r.1),
        "{workers} jobs on a pool of {workers} workers, but no more than {most} of them were \
         running at the same time. A pool of {workers} must run {workers} jobs at once (is a \
         lock held while a job runs? are fewer workers started than asked? does map wait for \
         each job before queuing the next?)"
    );
    let ids: HashSet<ThreadId> = results.iter().map(|r| r.2.id).collect();
    assert!(
        !ids.contains(&caller),
        "a job ran on the calling thread, not on the pool's workers"
    );
    let names: HashSet<String> = results.iter().map(|r| name_of(&r.2).to_owned()).collect();
    let expected: HashSet<String> = (0..workers)
        .map(|i| format!("{POOL_THREAD_PREFIX}{i}"))
        .collect();
    assert_eq!(
        names,
        expected,
        "the {workers} jobs that ran at once must have run on the {workers} workers, named \
         {POOL_THREAD_PREFIX}0 .. {POOL_THREAD_PREFIX}{}",
        workers - 1
    );
    // Last, so that the expected panic's message is not the first one printed on a failure.
    let refused = watchdog(9, "ThreadPool::new(0)", || panics(|| ThreadPool::new(0)));
    assert!(
        refused,
        "ThreadPool::new(0) must panic: a pool needs at least one worker"
    );
}

#[test]
fn pool_reuses_its_workers_for_every_job() {
    // ThreadIds are never reused within a process: every thread that ran one of the test's jobs
    // is counted once. A pool of 3 that starts a thread per job (even with at most 3 alive at a
    // time) shows dozens.
    const WORKERS: usize = 3;
    const JOBS: usize = 60;
    let caller = thread::current().id();
    let (seen, mapped) = watchdog(9, "ThreadPool::map and execute", || {
        let pool = ThreadPool::new(WORKERS);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut mapped = Vec::new();
        for round in 1..=3 {
            let s = Arc::clone(&seen);
            mapped.push(pool.map((0..JOBS / 4).collect(), move |i: usize| {
                s.lock().unwrap().push(here());
                i * round
            }));
        }
        for _ in 0..JOBS / 4 {
            let s = Arc::clone(&seen);
            pool.execute(move || s.lock().unwrap().push(here()));
        }
        drop(pool);
        let seen = seen.lock().unwrap().clone();
        (seen, mapped)
    });
    for (round, values) in (1..=3).zip(&mapped) {
        assert_eq!(
            *values,
            (0..JOBS / 4).map(|i| i * round).collect::<Vec<_>>(),
            "map's results must be f(item), in input order"
        );
    }
    assert_eq!(
        seen.len(),
        JOBS,
        "{JOBS} jobs were given to the pool (45 by map, 15 by execute, then drop), but {} ran",
        seen.len()
    );
    let ids: HashSet<ThreadId> = seen.iter().map(|r| r.id).collect();
    assert!(
        ids.len() <= WORKERS,
        "{JOBS} jobs on a pool of {WORKERS} workers ran on {} different threads: a pool starts \
         its {WORKERS} workers once and gives them every job, it does not start a thread per job",
        ids.len()
    );
    assert!(
        !ids.contains(&caller),
        "a job ran on the calling thread, not on the pool's workers"
    );
    for r in &seen {
        let name = name_of(r);
        assert!(
            worker_index(name, POOL_THREAD_PREFIX).is_some_and(|k| k < WORKERS),
            "a job ran on a thread named {name:?}, not on one of the pool's workers \
             {POOL_THREAD_PREFIX}0 .. {POOL_THREAD_PREFIX}{}",
            WORKERS - 1
        );
    }
}

#[test]
fn pool_never_runs_more_than_size_jobs_at_once() {
    // Three jobs on a pool of 2, each waiting (half a second) for the other two: with 2 workers
    // they cannot all meet, so the meeting is called off. A pool with more workers than asked
    // (size + 1, or one per core on a machine with more than 2) runs all three at once.
    const WORKERS: usize = 2;
    let meeting = Meeting::new(WORKERS + 1, 0.5);
    let m = Arc::clone(&meeting);
    let (met, size) = watchdog(9, "ThreadPool::map with 3 jobs on 2 workers", move || {
        let pool = ThreadPool::new(WORKERS);
        let met = pool.map(vec![0, 1, 2], move |_: usize| m.meet());
        (met, pool.size())
    });
    assert_eq!(size, WORKERS, "ThreadPool::new({WORKERS}).size()");
    assert!(
        meeting.most() <= WORKERS,
        "{} jobs were running at the same time on a pool of {WORKERS} workers: a pool of \
         {WORKERS} must never run more than {WORKERS} jobs at once (it starts exactly `size` \
         workers)",
        meeting.most()
    );
    assert_eq!(
        met.len(),
        3,
        "map over 3 items returned {} results",
        met.len()
    );
}

#[test]
fn execute_returns_at_once_and_the_job_runs_on_a_worker() {
    // The job waits until the caller, back from execute, meets it: an execute that runs the job
    // itself, or waits for it to finish, makes them miss each other.
    let caller = thread::current().id();
    let (met_by_caller, met_by_job, ran) = watchdog(9, "ThreadPool::execute", move || {
        let pool = ThreadPool::new(2);
        let meeting = Meeting::new(2, 5.0);
        let ran = Arc::new(Mutex::new(None));
        let (m, r) = (Arc::clone(&meeting), Arc::clone(&ran));
        pool.execute(move || {
            let met = m.meet();
            *r.lock().unwrap() = Some((met, here()));
        });
        let met_by_caller = meeting.meet();
        drop(pool);
        let (met_by_job, ran) = ran
            .lock()
            .unwrap()
            .take()
            .expect("the job must have run by the time drop(pool) returns");
        (met_by_caller, met_by_job, ran)
    });
    assert!(
        met_by_caller && met_by_job,
        "the job and the caller did not run at the same time: execute must queue the job and \
         return at once, not run it on the caller's thread or wait for it"
    );
    assert_ne!(
        ran.id, caller,
        "the job ran on the calling thread, not on a worker"
    );
    assert!(
        worker_index(name_of(&ran), POOL_THREAD_PREFIX).is_some_and(|k| k < 2),
        "the job ran on a thread named {:?}, not on one of the pool's workers",
        name_of(&ran)
    );
}

#[test]
fn pool_results_are_in_input_order_not_completion_order() {
    const ITEMS: usize = 5;
    let (values, gave_up, stress) = watchdog(
        9,
        "ThreadPool::map with items finishing in reverse order",
        || {
            let pool = ThreadPool::new(ITEMS);
            let turn = Turnstile::starting_at(ITEMS - 1, 5);
            let t = Arc::clone(&turn);
            let values = pool.map((0..ITEMS).collect(), move |i: usize| {
                t.wait_for_turn(i);
                t.pass(i);
                i * 10
            });
            // Many small items with random pauses: each result in its own slot, none lost or
            // repeated; and an empty map.
            let stress = pool.map((0..500_u64).collect(), |i| {
                let mut rng = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                for _ in 0..20 {
                    jitter(&mut rng);
                }
                i * i
            });
            let empty: Vec<u64> = pool.map(Vec::new(), |i: u64| i);
            assert!(empty.is_empty(), "map over no items must return no results");
            (values, turn.gave_up.load(Ordering::SeqCst), stress)
        },
    );
    assert_eq!(
        values,
        vec![0, 10, 20, 30, 40],
        "map's results must be in input order, not the order the items finished (last to \
         first here)"
    );
    assert_eq!(
        gave_up, 0,
        "{gave_up} of the {ITEMS} items could not wait for their turn: a pool of {ITEMS} must \
         run {ITEMS} items at once"
    );
    assert_eq!(
        stress.len(),
        500,
        "map over 500 items returned {}",
        stress.len()
    );
    for (i, v) in stress.iter().enumerate() {
        assert_eq!(
            *v,
            (i * i) as u64,
            "map over 500 items: result {i} is not f({i}) (a result lost, repeated or out of \
             order)"
        );
    }
}

#[test]
fn a_panicking_job_does_not_shrink_the_pool() {
    // Two items of a map panic; map must panic too (after the other items still ran), and the
    // pool must then still run 3 jobs at once. A worker that dies with its job's panic leaves
    // a pool of 1.
    const WORKERS: usize = 3;
    let done = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&done);
    let (map_panicked, met, most, drop_panicked) =
        watchdog(9, "a ThreadPool after panicking jobs", move || {
            let pool = ThreadPool::new(WORKERS);
            let map_panicked = panics(|| {
                pool.map(vec![0, 1, 2, 3, 4, 5], move |i: usize| {
                    if i == 1 || i == 4 {
                        panic!("job {i} panics on purpose (the test expects it)");
                    }
                    d.fetch_add(1, Ordering::SeqCst);
                    i
                })
            });
            let meeting = Meeting::new(WORKERS, 5.0);
            let m = Arc::clone(&meeting);
            let met = pool.map((0..WORKERS).collect(), move |_: usize| m.meet());
            let drop_panicked = panics(move || drop(pool));
            (map_panicked, met, meeting.most(), drop_panicked)
        });
    assert!(
        map_panicked,
        "f panicked on items 1 and 4, but map returned normally: map must panic when f panics"
    );
    assert!(
        met.iter().all(|&m| m),
        "after 2 jobs panicked, a pool of {WORKERS} ran no more than {most} jobs at once: a job \
         that panics must not take its worker down (catch the panic in the worker, e.g. with \
         std::panic::catch_unwind); the pool must still run {WORKERS} jobs at once"
    );
    assert!(
        !drop_panicked,
        "dropping the pool panicked after some jobs had panicked: drop must not panic (and \
         would abort the process if it ran while a panic unwinds)"
    );
    assert_eq!(
        done.load(Ordering::SeqCst),
        4,
        "the 4 items of the map that do not panic must still run"
    );
}

#[test]
fn pool_drop_finishes_queued_jobs() {
    // Two jobs hold both workers until the test itself releases them, so the other 38 are
    // certainly still queued when drop(pool) starts.
    const JOBS: usize = 40;
    let token = Arc::new(());
    let done = Arc::new(AtomicUsize::new(0));
    watchdog(9, "dropping a ThreadPool with queued jobs", {
        let token = Arc::clone(&token);
        let done = Arc::clone(&done);
        move || {
            let pool = ThreadPool::new(2);
            let gate = Meeting::new(3, 5.0);
            for k in 0..JOBS {
                let token = Arc::clone(&token);
                let done = Arc::clone(&done);
                let gate = Arc::clone(&gate);
                pool.execute(move || {
                    if k < 2 {
                        gate.meet();
                    } else {
                        thread::sleep(Duration::from_millis(3));
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                    drop(token);
                });
            }
            // Arrive last (once both gate jobs are waiting), so no wake-up delays the drop.
            let deadline = Instant::now() + Duration::from_secs(5);
            while gate.present() < 2 && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
            gate.meet();
            drop(pool);
        }
    });
    assert_eq!(
        done.load(Ordering::SeqCst),
        JOBS,
        "when drop(pool) returns, every queued job must have run (graceful shutdown: the \
         queued jobs still run, then the workers stop)"
    );
    assert_eq!(
        Arc::strong_count(&token),
        1,
        "when drop(pool) returns, no job may still hold its clone of the Arc"
    );
}

/// Counts, on drop, a worker thread's exit: stored in a thread-local, it is dropped as the
/// thread ends. The pause makes a drop that does not wait for its workers lose the race.
struct ExitFlag(Arc<AtomicUsize>);

impl Drop for ExitFlag {
    fn drop(&mut self) {
        thread::sleep(Duration::from_millis(100));
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    static EXIT_FLAG: std::cell::RefCell<Option<ExitFlag>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn pool_drop_joins_every_worker() {
    const WORKERS: usize = 3;
    let exited = Arc::new(AtomicUsize::new(0));
    let met = watchdog(9, "dropping a ThreadPool", {
        let exited = Arc::clone(&exited);
        move || {
            let pool = ThreadPool::new(WORKERS);
            // One job per worker (they meet, so no worker can take two): each leaves a flag in
            // its worker's thread-local storage, counted when the thread ends.
            let meeting = Meeting::new(WORKERS + 1, 5.0);
            for _ in 0..WORKERS {
                let exited = Arc::clone(&exited);
                let meeting = Arc::clone(&meeting);
                pool.execute(move || {
                    EXIT_FLAG.with(|f| *f.borrow_mut() = Some(ExitFlag(exited)));
                    meeting.meet();
                });
            }
            let met = meeting.meet();
            drop(pool);
            met
        }
    });
    assert!(
        met,
        "{WORKERS} jobs on a pool of {WORKERS} workers did not all run at the same time"
    );
    assert_eq!(
        exited.load(Ordering::SeqCst),
        WORKERS,
        "when drop(pool) returns, all {WORKERS} worker threads must have ended: drop must join \
         every worker"
    );
}
