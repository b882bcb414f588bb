//! Panics and errors in concurrent code.
//!
//! Jobs run on threads; some succeed, some return `Err`, some panic. Nothing
//! may be lost: every job's outcome comes back, in input order, and a panic is
//! told apart from an error. A mutex whose holder panicked (a *poisoned* mutex)
//! is recovered instead of taking the other threads down with it.
//!
//! Given, in `src/given/ex06_panics_and_errors.rs` and re-exported here:
//! [`JobError`], [`NON_STRING_PANIC`] and [`LockedRun`].
//!
//! Run the tests with `cargo test --test ex06_panics_and_errors`;
//! `cargo course hint ex06` gives a hint.

pub use crate::given::ex06_panics_and_errors::{
    JobError, LockedRun, NON_STRING_PANIC,
};

use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard};

// ANCHOR: panic_message
/// The text of a panic, from the payload that `JoinHandle::join` or
/// `catch_unwind` returns.
///
/// `panic!("literal")` carries a `&'static str`, `panic!("{x}")` a `String`;
/// anything else (`std::panic::panic_any(42)`) gives [`NON_STRING_PANIC`].
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    let _ = payload;
    todo!(
        "downcast_ref the payload to &'static str, then to String; \
         otherwise NON_STRING_PANIC"
    )
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
    let _ = jobs;
    todo!(
        "spawn every job, then join the handles in input order and \
         map each join result"
    )
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
    let _ = mutex;
    todo!(
        "match mutex.lock(): Ok(guard) is healthy, Err(poisoned) gives \
         poisoned.into_inner()"
    )
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
    let _ = (state, jobs);
    todo!(
        "spawn a thread per job that locks (recovering poison) and \
         runs it; join all, note panics"
    )
}
// ANCHOR_END: run_locked
