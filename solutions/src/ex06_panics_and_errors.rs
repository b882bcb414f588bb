//! Panics and errors in concurrent code.
//!
//! Jobs run on threads; some succeed, some return `Err`, some panic. Nothing
//! may be lost: every job's outcome comes back, in input order, and a panic is
//! told apart from an error. A mutex whose holder panicked (a *poisoned* mutex)
//! is recovered instead of taking the other threads down with it.
//!
//! Given, in `src/given/ex06_panics_and_errors.rs` and re-exported here:
//! [`JobError`], [`NON_STRING_PANIC`] and [`LockedRun`].
// STUB: //!
// STUB: //! Run the tests with `cargo test --test ex06_panics_and_errors`;
// STUB: //! `cargo course hint ex06` gives a hint.

pub use crate::given::ex06_panics_and_errors::{
    JobError, LockedRun, NON_STRING_PANIC,
};

use std::any::Any;
// STUB: use std::sync::{Arc, Mutex, MutexGuard};
// SOLUTION BEGIN
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
// SOLUTION END

// ANCHOR: panic_message
/// The text of a panic, from the payload that `JoinHandle::join` or
/// `catch_unwind` returns.
///
/// `panic!("literal")` carries a `&'static str`, `panic!("{x}")` a `String`;
/// anything else (`std::panic::panic_any(42)`) gives [`NON_STRING_PANIC`].
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    // STUB: let _ = payload;
    // STUB-TODO: "downcast_ref the payload to &'static str, then to String; \
    // STUB-TODO:      otherwise NON_STRING_PANIC"
    // SOLUTION BEGIN
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        NON_STRING_PANIC.to_string()
    }
    // SOLUTION END
}
// ANCHOR_END: panic_message

// ANCHOR: run_all
/// Runs every job on its own thread, all at the same time, and returns every
/// outcome in the order of `jobs` (not the order in which they finished).
///
/// The result has exactly one entry per job: `Ok(t)` for a job that returned
/// `Ok(t)`, `Err(JobError::Failed(e))` for a job that returned `Err(e)`, and
/// `Err(JobError::Panicked(message))` for a job that panicked. A panicking job
/// never makes `run_all` panic, and is never left out.
pub fn run_all<T, E, F>(jobs: Vec<F>) -> Vec<Result<T, JobError<E>>>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    // STUB: let _ = jobs;
    // STUB-TODO: "spawn every job, then join the handles in input order and \
    // STUB-TODO:      map each join result"
    // SOLUTION BEGIN
    // Start them all first, then join them in input order: joining in the same
    // order we spawned puts each outcome in its slot, whatever order they
    // finish in.
    let handles: Vec<_> = jobs.into_iter().map(thread::spawn).collect();
    handles
        .into_iter()
        .map(|handle| match handle.join() {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(JobError::Failed(e)),
            Err(payload) => {
                Err(JobError::Panicked(panic_message(payload.as_ref())))
            }
        })
        .collect()
    // SOLUTION END
}
// ANCHOR_END: run_all

// ANCHOR: lock_recover
/// Locks `mutex` even if it is poisoned (a thread panicked while holding it),
/// and says whether it was: `(guard, false)` for a healthy mutex, `(guard,
/// true)` for a poisoned one.
///
/// The data is whatever the panicking thread left behind. The poison flag is
/// left as it is.
pub fn lock_recover<T>(mutex: &Mutex<T>) -> (MutexGuard<'_, T>, bool) {
    // STUB: let _ = mutex;
    // STUB-TODO: "match mutex.lock(): Ok(guard) is healthy, Err(poisoned) gives \
    // STUB-TODO:      poisoned.into_inner()"
    // SOLUTION BEGIN
    match mutex.lock() {
        Ok(guard) => (guard, false),
        Err(poisoned) => (poisoned.into_inner(), true),
    }
    // SOLUTION END
}
// ANCHOR_END: lock_recover

// ANCHOR: run_locked
/// Runs every job on its own thread; each job runs while holding the lock on
/// `state`, and gets `&mut` access to the data.
///
/// A job may panic while holding the lock. That must neither stop nor deadlock
/// the others: every job gets its turn, even when the mutex is (or becomes)
/// poisoned. Returns once all jobs have finished (their threads joined),
/// without panicking.
pub fn run_locked<S, F>(state: Arc<Mutex<S>>, jobs: Vec<F>) -> LockedRun
where
    S: Send + 'static,
    F: FnOnce(&mut S) + Send + 'static,
{
    // STUB: let _ = (state, jobs);
    // STUB-TODO: "spawn a thread per job that locks (recovering poison) and \
    // STUB-TODO:      runs it; join all, note panics"
    // SOLUTION BEGIN
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                // If an earlier job panicked, the lock is poisoned: take the
                // data anyway. If this job panics, unwinding
                // drops the guard, which unlocks (and poisons) the mutex.
                let mut guard =
                    state.lock().unwrap_or_else(PoisonError::into_inner);
                job(&mut guard);
            })
        })
        .collect();
    let panicked = handles
        .into_iter()
        .enumerate()
        .filter_map(|(i, h)| h.join().is_err().then_some(i))
        .collect();
    LockedRun {
        panicked,
        poisoned: state.is_poisoned(),
    }
    // SOLUTION END
}
// ANCHOR_END: run_locked
