// Graded tests for ex06_panics_and_errors: outcomes of jobs that succeed, fail or panic, and
// mutexes poisoned by a panicking holder.
//
// The jobs below panic on purpose, so the test output shows their panic messages; that is
// expected. The tests do not install a quiet panic hook: the hook is global to the process and
// `cargo test` runs tests in parallel threads, so one test's hook would hide another's failure.

use under_test::ex06_panics_and_errors::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

include!("support.rs");

/// A turnstile that lets jobs finish only in a given order: `wait_for_turn(i)` blocks until it
/// is job `i`'s turn, `pass(i)` hands the turn on. Used to make jobs finish in REVERSE input
/// order, so that results collected in completion order come out visibly wrong.
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
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        while *next != i {
            next = self.changed.wait(next).unwrap_or_else(|p| p.into_inner());
        }
    }
    fn pass(&self, i: usize) {
        *self.next.lock().unwrap_or_else(|p| p.into_inner()) = i.wrapping_sub(1);
        self.changed.notify_all();
    }
}

type Job = Box<dyn FnOnce() -> Result<u32, String> + Send + 'static>;
type LockedJob = Box<dyn FnOnce(&mut Vec<usize>) + Send + 'static>;

/// `jobs` jobs for `run_all`: job `i` returns `job(i)` (or panics in it).
fn jobs_of(
    jobs: usize,
    job: impl Fn(usize) -> Result<u32, String> + Clone + Send + 'static,
) -> Vec<Job> {
    (0..jobs)
        .map(|i| -> Job {
            let job = job.clone();
            Box::new(move || job(i))
        })
        .collect()
}

/// Runs `run_locked` (under a watchdog of `secs` seconds, named `what`) with `jobs` jobs on a
/// shared `Vec`: job `i` pushes `i`, then calls `then(i, v)` still holding the lock (`then` may
/// panic). Returns the report, the numbers in the order the jobs ran, and the shared state.
fn run_pushing_jobs(
    secs: u64,
    what: &str,
    jobs: usize,
    then: fn(usize, &mut Vec<usize>),
) -> (LockedRun, Vec<usize>, Arc<Mutex<Vec<usize>>>) {
    let state = Arc::new(Mutex::new(Vec::<usize>::new()));
    let report = watchdog(secs, what, {
        let state = Arc::clone(&state);
        move || {
            let jobs: Vec<LockedJob> = (0..jobs)
                .map(|i| -> LockedJob {
                    Box::new(move |v: &mut Vec<usize>| {
                        v.push(i);
                        then(i, v);
                    })
                })
                .collect();
            run_locked(state, jobs)
        }
    });
    let ran = state.lock().unwrap_or_else(|p| p.into_inner()).clone();
    (report, ran, state)
}

/// Fails with `message` unless every one of jobs `0..jobs` is in `ran` exactly once.
fn assert_every_job_ran_once(ran: &[usize], jobs: usize, message: &str) {
    let mut sorted = ran.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..jobs).collect::<Vec<_>>(), "{message}");
}

#[test]
fn panic_message_reads_str_and_string_payloads() {
    let from_str: Box<dyn std::any::Any + Send> = Box::new("disk on fire");
    assert_eq!(
        panic_message(from_str.as_ref()),
        "disk on fire",
        "a `&'static str` payload (from panic!(\"literal\")) must give its text"
    );
    let from_string: Box<dyn std::any::Any + Send> = Box::new(String::from("job 7 failed"));
    assert_eq!(
        panic_message(from_string.as_ref()),
        "job 7 failed",
        "a `String` payload (from panic!(\"{{x}}\")) must give its text"
    );
    let other: Box<dyn std::any::Any + Send> = Box::new(42_i32);
    assert_eq!(
        panic_message(other.as_ref()),
        NON_STRING_PANIC,
        "a payload that is neither &str nor String must give NON_STRING_PANIC"
    );
    // A real panic, caught: both kinds of payload.
    let caught = std::panic::catch_unwind(|| panic!("plain")).unwrap_err();
    assert_eq!(panic_message(caught.as_ref()), "plain");
    let n = 3;
    let caught = std::panic::catch_unwind(move || panic!("formatted {n}")).unwrap_err();
    assert_eq!(panic_message(caught.as_ref()), "formatted 3");
}

#[test]
fn errors_and_panics_are_told_apart() {
    let results = watchdog(5, "run_all", || {
        let jobs: Vec<Job> = vec![
            Box::new(|| Ok(1)),
            Box::new(|| Err("boom".to_string())),
            Box::new(|| panic!("boom")),
            Box::new(|| {
                let code = 17;
                panic!("exit code {code}")
            }),
            Box::new(|| std::panic::panic_any(5_u8)),
        ];
        run_all(jobs)
    });
    assert_eq!(
        results.len(),
        5,
        "run_all must return one outcome per job, got {results:?}"
    );
    assert_eq!(results[0], Ok(1), "job 0 returned Ok(1)");
    assert_eq!(
        results[1],
        Err(JobError::Failed("boom".to_string())),
        "job 1 returned Err(\"boom\"): that is JobError::Failed, not a panic"
    );
    assert_eq!(
        results[2],
        Err(JobError::Panicked("boom".to_string())),
        "job 2 panicked with \"boom\": that is JobError::Panicked with the message"
    );
    assert_eq!(
        results[3],
        Err(JobError::Panicked("exit code 17".to_string())),
        "job 3 panicked with a formatted (String) message"
    );
    assert_eq!(
        results[4],
        Err(JobError::Panicked(NON_STRING_PANIC.to_string())),
        "job 4 panicked with a non-string payload"
    );
}

#[test]
fn a_panicking_job_is_never_dropped() {
    const JOBS: usize = 60;
    let results = watchdog(8, "run_all with 60 jobs", || {
        run_all(jobs_of(JOBS, |i| {
            if i % 4 == 1 {
                panic!("job {i} panicked")
            } else if i % 4 == 2 {
                Err(format!("job {i} failed"))
            } else {
                Ok(i as u32 * 10)
            }
        }))
    });
    assert_eq!(
        results.len(),
        JOBS,
        "{JOBS} jobs went in but {} outcomes came out: a panicking job was silently dropped \
         (does a `.join().ok()` or a `filter_map` throw panics away?)",
        results.len()
    );
    for (i, r) in results.iter().enumerate() {
        let expected = match i % 4 {
            1 => Err(JobError::Panicked(format!("job {i} panicked"))),
            2 => Err(JobError::Failed(format!("job {i} failed"))),
            _ => Ok(i as u32 * 10),
        };
        assert_eq!(
            *r, expected,
            "outcome {i} is wrong (is the output in input order?)"
        );
    }
}

#[test]
fn outcomes_are_in_input_order_not_completion_order() {
    const JOBS: usize = 8;
    let what =
        "run_all with jobs that can only finish last-to-first (are they run one after another?)";
    let results = watchdog(5, what, || {
        // Job JOBS-1 finishes first, job 0 last: completion order is the reverse of input order.
        let turn = Turnstile::starting_at(JOBS - 1);
        run_all(jobs_of(JOBS, move |i| {
            turn.wait_for_turn(i);
            turn.pass(i);
            match i % 3 {
                0 => Ok(i as u32),
                1 => Err(format!("e{i}")),
                _ => panic!("p{i}"),
            }
        }))
    });
    let expected: Vec<Result<u32, JobError<String>>> = (0..JOBS)
        .map(|i| match i % 3 {
            0 => Ok(i as u32),
            1 => Err(JobError::Failed(format!("e{i}"))),
            _ => Err(JobError::Panicked(format!("p{i}"))),
        })
        .collect();
    assert_eq!(
        results, expected,
        "outcomes must be in the order of the jobs, not the order they finished in \
         (here the jobs finished last-to-first)"
    );
}

#[test]
fn jobs_run_concurrently_on_their_own_threads() {
    // Every job waits, inside itself, until all of them are running (giving up after 5 s): they
    // all meet only if run_all starts every job on its own thread before waiting for any. Job 2
    // then panics, the others return the id of the thread they ran on.
    const JOBS: usize = 6;
    type IdJob = Box<dyn FnOnce() -> Result<thread::ThreadId, String> + Send>;
    let (results, caller, gave_up, most) = watchdog(
        15,
        "run_all with jobs that wait until all of them are running",
        || {
            let caller = thread::current().id();
            let meet = Rendezvous::new(JOBS, 5);
            let gave_up = Arc::new(AtomicBool::new(false));
            let gauge = OverlapGauge::new();
            let jobs: Vec<IdJob> = (0..JOBS)
                .map(|i| -> IdJob {
                    let (meet, gave_up, gauge) =
                        (Arc::clone(&meet), Arc::clone(&gave_up), Arc::clone(&gauge));
                    Box::new(move || {
                        gauge.track(|| {
                            // Once one job has given up, the others do not wait again.
                            if !gave_up.load(Ordering::SeqCst) && !meet.meet() {
                                gave_up.store(true, Ordering::SeqCst);
                            }
                        });
                        if i == 2 {
                            panic!("after the meeting");
                        }
                        Ok(thread::current().id())
                    })
                })
                .collect();
            let results = run_all(jobs);
            (
                results,
                caller,
                gave_up.load(Ordering::SeqCst),
                gauge.most(),
            )
        },
    );
    assert!(
        !gave_up,
        "{JOBS} jobs were given to run_all, but at most {most} of them were running at the same \
         time: run_all must start every job on its own thread first, and only then wait for \
         them (a lazy `map(spawn).map(join)`, or spawn-then-join in one loop, runs them one \
         after another)"
    );
    assert_eq!(results.len(), JOBS, "one outcome per job");
    assert_eq!(
        results[2],
        Err(JobError::Panicked("after the meeting".to_string())),
        "job 2 panicked with \"after the meeting\""
    );
    let mut ids: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().copied())
        .collect();
    assert!(
        ids.iter().all(|id| *id != caller),
        "the jobs must run on spawned threads, not on the thread that called run_all"
    );
    ids.sort_by_key(|id| format!("{id:?}"));
    ids.dedup();
    assert_eq!(ids.len(), JOBS - 1, "each job must run on its own thread");
}

#[test]
fn lock_recover_reports_a_healthy_mutex() {
    let m = Mutex::new(vec![1, 2]);
    let (mut guard, poisoned) = lock_recover(&m);
    assert!(
        !poisoned,
        "nobody panicked while holding this mutex: it is not poisoned"
    );
    guard.push(3);
    drop(guard);
    assert_eq!(
        *m.lock().unwrap(),
        vec![1, 2, 3],
        "the guard must give access to the data"
    );
}

#[test]
fn lock_recover_recovers_a_poisoned_mutex() {
    let m = Arc::new(Mutex::new(vec![1]));
    let m2 = Arc::clone(&m);
    let died = thread::spawn(move || {
        let mut v = m2.lock().unwrap();
        v.push(2); // half-done update...
        panic!("holder died with the lock held");
    })
    .join();
    assert!(
        died.is_err(),
        "setup: the holder thread should have panicked"
    );
    assert!(m.is_poisoned(), "setup: the mutex should be poisoned now");

    let (data, poisoned) = watchdog(5, "lock_recover on a poisoned mutex", {
        let m = Arc::clone(&m);
        move || {
            let (g, p) = lock_recover(&m);
            (g.clone(), p)
        }
    });
    assert!(
        poisoned,
        "the mutex was poisoned: lock_recover must report true"
    );
    assert_eq!(
        data,
        vec![1, 2],
        "lock_recover must give the data as the panicking thread left it"
    );
    // And again, from this thread, with the real guard:
    let (mut g, p) = lock_recover(&m);
    assert!(p, "still poisoned: lock_recover must not hide it");
    g.push(3);
    assert_eq!(*g, vec![1, 2, 3]);
}

#[test]
fn locked_jobs_survive_a_panicking_job() {
    const JOBS: usize = 20;
    const BAD: usize = 5;
    let (report, ran, _) = run_pushing_jobs(
        8,
        "run_locked with a job that panics holding the lock",
        JOBS,
        |i, _| {
            if i == BAD {
                panic!("job {i} dies holding the lock");
            }
        },
    );
    assert_every_job_ran_once(
        &ran,
        JOBS,
        &format!("every job must run exactly once, even after job {BAD} poisoned the mutex"),
    );
    assert_eq!(
        report.panicked,
        vec![BAD],
        "only job {BAD} panicked; if others are listed, they panicked on the poisoned lock \
         (`.lock().unwrap()`) instead of recovering it"
    );
    assert!(
        report.poisoned,
        "job {BAD} panicked holding the lock: the mutex is poisoned"
    );
}

#[test]
fn locked_jobs_run_on_an_already_poisoned_mutex() {
    const JOBS: usize = 10;
    let state = Arc::new(Mutex::new(0_u64));
    let s2 = Arc::clone(&state);
    let _ = thread::spawn(move || {
        let _guard = s2.lock().unwrap();
        panic!("poisoning the mutex before the run");
    })
    .join();
    assert!(state.is_poisoned(), "setup: the mutex should be poisoned");

    let report = watchdog(5, "run_locked on a poisoned mutex", {
        let state = Arc::clone(&state);
        move || {
            let jobs: Vec<_> = (1..=JOBS as u64)
                .map(|i| move |n: &mut u64| *n += i)
                .collect();
            run_locked(state, jobs)
        }
    });
    let total = *state.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(
        report.panicked,
        Vec::<usize>::new(),
        "no job panicked by itself; a job that panics on the poisoned lock has not recovered it"
    );
    assert_eq!(
        total, 55,
        "all {JOBS} jobs must have added their number (1 + 2 + ... + 10)"
    );
    assert!(
        report.poisoned,
        "the mutex was poisoned before the run and still is"
    );
}

#[test]
fn locked_run_without_panics_reports_no_poison() {
    let state = Arc::new(Mutex::new(Vec::new()));
    let report = watchdog(5, "run_locked", {
        let state = Arc::clone(&state);
        move || {
            let jobs: Vec<_> = (0..8).map(|i| move |v: &mut Vec<i32>| v.push(i)).collect();
            run_locked(state, jobs)
        }
    });
    assert_eq!(
        report,
        LockedRun {
            panicked: vec![],
            poisoned: false
        }
    );
    let mut v = state.lock().unwrap().clone();
    v.sort_unstable();
    assert_eq!(
        v,
        (0..8).collect::<Vec<_>>(),
        "every job must have run once"
    );
}

#[test]
fn locked_run_reports_every_panicking_job_in_ascending_order() {
    // Ten of thirty jobs panic while holding the lock (jobs 0, 3, 6, ..., 27). Every job must
    // still run once, and `panicked` must list all ten, in ascending order, whatever order the
    // jobs ran and finished in.
    const JOBS: usize = 30;
    let (report, ran, _) = run_pushing_jobs(
        10,
        "run_locked with ten jobs that panic holding the lock",
        JOBS,
        |i, _| {
            if i % 3 == 0 {
                panic!("job {i} dies holding the lock");
            }
        },
    );
    assert_every_job_ran_once(
        &ran,
        JOBS,
        "every job must run exactly once, even after others panicked holding the lock",
    );
    let expected: Vec<usize> = (0..JOBS).step_by(3).collect();
    assert_eq!(
        report.panicked, expected,
        "jobs {expected:?} panicked: `panicked` must list every one of them, each once, in \
         ascending order (not in the order they finished, and not only the first)"
    );
    assert!(
        report.poisoned,
        "jobs panicked holding the lock: the mutex is poisoned"
    );
}

#[test]
fn locked_run_reports_the_poison_once_every_job_has_finished() {
    // The first job to get the lock holds it for a while, then panics: the mutex becomes
    // poisoned only then, and every other job runs after that on the poisoned mutex. The report
    // must say what holds once every job has finished: poisoned. (Reading `is_poisoned()` before
    // the jobs are done, or clearing the poison while recovering the guard, says otherwise.)
    const JOBS: usize = 8;
    let (report, ran, state) = run_pushing_jobs(
        10,
        "run_locked with a slow first job that panics",
        JOBS,
        |i, v| {
            if v.len() == 1 {
                thread::sleep(Duration::from_millis(200));
                panic!("job {i}, the first to run, dies holding the lock");
            }
        },
    );
    assert_every_job_ran_once(
        &ran,
        JOBS,
        "every job must run exactly once, also after the first one poisoned the mutex",
    );
    let first = ran[0];
    assert_eq!(
        report.panicked,
        vec![first],
        "only job {first} (the first to run) panicked"
    );
    assert!(
        state.is_poisoned(),
        "job {first} panicked holding the lock, so the mutex must still be poisoned after \
         run_locked: recovering the guard with `into_inner` must not clear the poison"
    );
    assert!(
        report.poisoned,
        "job {first} panicked holding the lock, and the mutex was poisoned once every job had \
         finished, but run_locked reported `poisoned: false`: read `is_poisoned()` after \
         joining every thread"
    );
}
