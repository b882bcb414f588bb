//! Given code of exercise 6 (`ex06_panics_and_errors`): the error type of a
//! job ([`JobError`]) and what `run_locked` reports ([`LockedRun`]). Read it,
//! do not change it: the grader always uses the original. The exercise module
//! re-exports every item.

use std::fmt;

// ANCHOR: job_error
/// What went wrong with one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError<E> {
    /// The job ran to the end and returned `Err(e)`.
    Failed(E),
    /// The job panicked. The message is the panic's own text when the payload
    /// was a string (`&'static str` or `String`), otherwise
    /// [`NON_STRING_PANIC`].
    Panicked(String),
}

/// The message `panic_message` gives for a payload that is not a string, as
/// raised by `std::panic::panic_any(42)`.
pub const NON_STRING_PANIC: &str = "<non-string panic payload>";
// ANCHOR_END: job_error

impl<E: fmt::Display> fmt::Display for JobError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::Failed(e) => write!(f, "job failed: {e}"),
            JobError::Panicked(msg) => write!(f, "job panicked: {msg}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for JobError<E> {}

// ANCHOR: locked_run
/// What `run_locked` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedRun {
    /// The indices (into `jobs`) of every job that panicked, each once, in
    /// ascending order (whatever order the jobs ran and finished in).
    pub panicked: Vec<usize>,
    /// Whether the mutex was poisoned once every job had finished: true if it
    /// was poisoned already, or if some job panicked while holding the
    /// lock (recovering the guard does not clear the poison, and neither
    /// does `run_locked`).
    pub poisoned: bool,
}
// ANCHOR_END: locked_run
