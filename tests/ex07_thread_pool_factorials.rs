// Graded tests for ex07_thread_pool_factorials: factorials on a rayon pool and on a hand-built
// thread pool, in input order, tagged with the thread that computed them; overflow as an error;
// big-integer factorials; a pool whose drop joins every worker.
//
// No test depends on speed. Where a test needs the work spread over several threads, the jobs
// wait for each other (a Barrier, or a turnstile that fixes the order in which they finish),
// and a watchdog turns a hang into a clear failure.

use under_test::ex07_thread_pool_factorials::*;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// Runs `body` on its own thread and fails the test if it has not finished after `secs`
/// seconds. A panic in `body` (a failed assertion) is passed on as it is.
fn with_watchdog<R: Send + 'static>(
    secs: u64,
    what: &str,
    body: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let r = body();
        let _ = tx.send(());
        r
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock? {what} did not finish within {secs} s")
        }
        _ => handle
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p)),
    }
}

/// n! computed the plain way, in u128 (exact up to 34!), as the reference.
fn reference(n: u64) -> u128 {
    (1..=n as u128).product()
}

/// Lets jobs finish only in a given order: `wait_for_turn(i)` blocks until it is item `i`'s
/// turn, `pass(i)` hands the turn to `i - 1`. Starting at the last item, the items finish in
/// REVERSE input order, so results gathered in completion order come out visibly wrong.
struct Turnstile {
    next: Mutex<usize>,
    changed: Condvar,
}

impl Turnstile {
    fn starting_at(first: usize) -> Arc<Self> {
        Arc::new(Turnstile {
            next: Mutex::new(first),
            changed: Condvar::new(),
        })
    }
    fn wait_for_turn(&self, i: usize) {
        let mut next = self.next.lock().unwrap();
        while *next != i {
            next = self.changed.wait(next).unwrap();
        }
    }
    fn pass(&self, i: usize) {
        *self.next.lock().unwrap() = i.wrapping_sub(1);
        self.changed.notify_all();
    }
}

fn check_one_to_ten(what: &str, results: &[Tagged<Result<u64, FactorialError>>]) {
    assert_eq!(
        results.len(),
        10,
        "{what}: 1..=10 is ten numbers, got {} results",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        let n = i as u64 + 1;
        assert_eq!(
            r.value,
            Ok(reference(n) as u64),
            "{what}: result {i} should be {n}! (results must be in input order)"
        );
    }
}

fn check_overflow(what: &str, results: &[Tagged<Result<u64, FactorialError>>]) {
    let expected = [
        Ok(reference(19) as u64),
        Ok(reference(20) as u64),
        Err(FactorialError::Overflow { n: 21 }),
        Err(FactorialError::Overflow { n: 22 }),
    ];
    let got: Vec<_> = results.iter().map(|r| r.value.clone()).collect();
    assert_eq!(
        got, expected,
        "{what}: for [19, 20, 21, 22], 19! and 20! fit in a u64, 21! and 22! overflow \
         (an Overflow error, not a wrapped number)"
    );
}

#[test]
fn checked_factorials_match_a_sequential_reference() {
    for n in 0..=20 {
        assert_eq!(
            factorial_checked(n),
            Ok(reference(n) as u64),
            "factorial_checked({n}) is wrong (0! is 1)"
        );
    }
}

#[test]
fn overflow_is_an_error_naming_n() {
    for n in [21, 22, 25, 100, 1000] {
        let got = factorial_checked(n);
        assert_eq!(
            got,
            Err(FactorialError::Overflow { n }),
            "{n}! does not fit in a u64: factorial_checked must report Overflow {{ n: {n} }}, \
             not a wrapped-around number"
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
fn parallel_big_factorial_matches_sequential() {
    let cases = [(0, 2), (1, 1), (25, 2), (100, 3), (1000, 4)];
    let results = with_watchdog(8, "factorial_big_parallel", move || {
        cases
            .iter()
            .map(|&(n, threads)| (n, threads, factorial_big_parallel(n, threads)))
            .collect::<Vec<_>>()
    });
    for (n, threads, got) in results {
        assert_eq!(
            got,
            factorial_big(n),
            "factorial_big_parallel({n}, {threads}) differs from factorial_big({n})"
        );
    }
}

#[test]
fn rayon_factorials_of_1_to_10_in_input_order() {
    let numbers: Vec<u64> = (1..=10).collect();
    let (ten, overflow) = with_watchdog(8, "rayon_factorials", move || {
        (
            rayon_factorials(4, &numbers),
            rayon_factorials(2, &[19, 20, 21, 22]),
        )
    });
    check_one_to_ten("rayon_factorials", &ten);
    check_overflow("rayon_factorials", &overflow);
}

#[test]
fn rayon_work_runs_on_the_pools_named_threads() {
    const THREADS: usize = 3;
    let caller = thread::current().id();
    let results = with_watchdog(8, "rayon_map", move || {
        rayon_map(THREADS, (0..60).collect(), |i: u32| {
            (i, rayon::current_num_threads())
        })
    });
    let mut ids = HashSet::new();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.value.0, i as u32, "result {i} is out of order");
        assert_eq!(
            r.value.1, THREADS,
            "item {i} ran where rayon::current_num_threads() is {}, not on a pool of {THREADS} \
             (build a pool with ThreadPoolBuilder and run the work inside pool.install)",
            r.value.1
        );
        assert_ne!(
            r.thread_id, caller,
            "item {i} ran on the calling thread, not on the pool"
        );
        let name = r.thread_name.as_deref().unwrap_or("<unnamed>");
        let index = name
            .strip_prefix(RAYON_THREAD_PREFIX)
            .and_then(|rest| rest.parse::<usize>().ok());
        assert!(
            index.is_some_and(|k| k < THREADS),
            "item {i} ran on a thread named {name:?}; the pool's threads must be named \
             {RAYON_THREAD_PREFIX}0 .. {RAYON_THREAD_PREFIX}{}",
            THREADS - 1
        );
        ids.insert(r.thread_id);
    }
    assert!(
        ids.len() <= THREADS,
        "{} distinct threads worked, but the pool has only {THREADS}",
        ids.len()
    );
}

#[test]
fn rayon_pool_uses_n_distinct_threads() {
    const THREADS: usize = 4;
    let results = with_watchdog(8, "rayon_map with items that wait for each other", || {
        // Each item waits until all four have started: that only finishes if four threads
        // work at the same time.
        let barrier = Barrier::new(THREADS);
        rayon_map(THREADS, (0..THREADS).collect(), |i: usize| {
            barrier.wait();
            i * 10
        })
    });
    let values: Vec<usize> = results.iter().map(|r| r.value).collect();
    assert_eq!(
        values,
        vec![0, 10, 20, 30],
        "results must be in input order"
    );
    let ids: HashSet<_> = results.iter().map(|r| r.thread_id).collect();
    assert_eq!(
        ids.len(),
        THREADS,
        "{THREADS} distinct pool threads must have worked"
    );
}

#[test]
fn rayon_results_are_in_input_order_not_completion_order() {
    const ITEMS: usize = 5;
    let results = with_watchdog(8, "rayon_map with items finishing in reverse order", || {
        let turn = Turnstile::starting_at(ITEMS - 1);
        rayon_map(ITEMS, (0..ITEMS).collect(), move |i: usize| {
            turn.wait_for_turn(i);
            turn.pass(i);
            reference(i as u64 + 1) as u64
        })
    });
    let values: Vec<u64> = results.iter().map(|r| r.value).collect();
    assert_eq!(
        values,
        vec![1, 2, 6, 24, 120],
        "results must be in input order, not the order the items finished (last to first here)"
    );
}

#[test]
fn pool_factorials_of_1_to_10_in_input_order() {
    let numbers: Vec<u64> = (1..=10).collect();
    let (ten, overflow) = with_watchdog(8, "pool_factorials", move || {
        (
            pool_factorials(4, &numbers),
            pool_factorials(2, &[19, 20, 21, 22]),
        )
    });
    check_one_to_ten("pool_factorials", &ten);
    check_overflow("pool_factorials", &overflow);
    let caller = thread::current().id();
    assert!(
        ten.iter().all(|r| r.thread_id != caller),
        "the factorials must be computed on the pool's workers, not on the calling thread"
    );
}

#[test]
fn pool_results_are_in_input_order_not_completion_order() {
    const ITEMS: usize = 6;
    let results = with_watchdog(
        8,
        "ThreadPool::map with items finishing in reverse order",
        || {
            let pool = ThreadPool::new(ITEMS);
            let turn = Turnstile::starting_at(ITEMS - 1);
            pool.map((0..ITEMS).collect(), move |i: usize| {
                turn.wait_for_turn(i);
                turn.pass(i);
                i
            })
        },
    );
    let values: Vec<usize> = results.iter().map(|r| r.value).collect();
    assert_eq!(
        values,
        (0..ITEMS).collect::<Vec<_>>(),
        "results must be in input order, not the order the items finished (last to first here)"
    );
}

#[test]
fn pool_uses_n_distinct_named_worker_threads() {
    const WORKERS: usize = 4;
    let caller = thread::current().id();
    let (size, results, again) = with_watchdog(
        8,
        "ThreadPool::map with items that wait for each other",
        || {
            let pool = ThreadPool::new(WORKERS);
            let barrier = Arc::new(Barrier::new(WORKERS));
            let b = Arc::clone(&barrier);
            let results = pool.map((0..WORKERS).collect(), move |i: usize| {
                b.wait();
                i + 100
            });
            // The pool is still usable after a map.
            let again = pool.map(vec![5_u64, 6], |n| n * 2);
            (pool.size(), results, again)
        },
    );
    assert_eq!(size, WORKERS, "ThreadPool::new({WORKERS}).size()");
    let values: Vec<usize> = results.iter().map(|r| r.value).collect();
    assert_eq!(
        values,
        vec![100, 101, 102, 103],
        "results must be in input order"
    );
    let ids: HashSet<_> = results.iter().map(|r| r.thread_id).collect();
    assert_eq!(
        ids.len(),
        WORKERS,
        "{WORKERS} distinct workers must have computed the results"
    );
    assert!(
        !ids.contains(&caller),
        "the work must not run on the calling thread"
    );
    let names: HashSet<String> = results
        .iter()
        .map(|r| r.thread_name.clone().unwrap_or_else(|| "<unnamed>".into()))
        .collect();
    let expected: HashSet<String> = (0..WORKERS)
        .map(|i| format!("{POOL_THREAD_PREFIX}{i}"))
        .collect();
    assert_eq!(
        names, expected,
        "the workers must be named {POOL_THREAD_PREFIX}0 .. {POOL_THREAD_PREFIX}3"
    );
    let again: Vec<u64> = again.iter().map(|r| r.value).collect();
    assert_eq!(again, vec![10, 12], "a second map on the same pool");
}

#[test]
fn pool_drop_finishes_queued_jobs() {
    const JOBS: usize = 20;
    let token = Arc::new(());
    let done = Arc::new(AtomicUsize::new(0));
    with_watchdog(8, "dropping a ThreadPool with queued jobs", {
        let token = Arc::clone(&token);
        let done = Arc::clone(&done);
        move || {
            let pool = ThreadPool::new(2);
            for _ in 0..JOBS {
                let token = Arc::clone(&token);
                let done = Arc::clone(&done);
                pool.execute(move || {
                    thread::sleep(Duration::from_millis(2));
                    done.fetch_add(1, Ordering::SeqCst);
                    drop(token);
                });
            }
            drop(pool);
        }
    });
    assert_eq!(
        done.load(Ordering::SeqCst),
        JOBS,
        "when drop(pool) returns, every queued job must have run (graceful shutdown)"
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
    with_watchdog(8, "dropping a ThreadPool", {
        let exited = Arc::clone(&exited);
        move || {
            let pool = ThreadPool::new(WORKERS);
            // One job per worker (they wait for each other, so no worker can take two): each
            // leaves a flag in its worker's thread-local storage, counted when the thread ends.
            let barrier = Arc::new(Barrier::new(WORKERS + 1));
            for _ in 0..WORKERS {
                let exited = Arc::clone(&exited);
                let barrier = Arc::clone(&barrier);
                pool.execute(move || {
                    EXIT_FLAG.with(|f| *f.borrow_mut() = Some(ExitFlag(exited)));
                    barrier.wait();
                });
            }
            barrier.wait();
            drop(pool);
        }
    });
    assert_eq!(
        exited.load(Ordering::SeqCst),
        WORKERS,
        "when drop(pool) returns, all {WORKERS} worker threads must have ended: \
         drop must join every worker"
    );
}
