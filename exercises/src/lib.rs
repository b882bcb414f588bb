//! The `exercises` crate: one module per exercise, numbered like the book's
//! chapters.
//!
//! Students edit this crate: every `todo!()` says what to write. Run the graded
//! tests with `cargo test` in this folder (or `cargo test ex04` for one
//! exercise), and see your progress with `cargo course check`.
//!
//! The code an exercise gives you complete (types, protocols, helpers, the
//! worker processes' code) is in [`given`], one file per exercise, re-exported
//! by the exercise's module: read it, do not change it (the grader always uses
//! the original).

pub mod given;

/// The lock and condition variable that the given code of exercise 4 names as
/// `crate::sync::{Condvar, Mutex}`: `std::sync`'s. The solutions crate
/// compiles the same given files against its own `sync` module, which can swap
/// in a model checker's types to test the reference solution.
mod sync {
    pub use std::sync::{Condvar, Mutex};
}

#[cfg(feature = "ex01")]
pub mod ex01_threads_vs_processes;
#[cfg(feature = "ex02")]
pub mod ex02_process_pool;
#[cfg(feature = "ex03")]
pub mod ex03_multiprocessing;
#[cfg(feature = "ex04")]
pub mod ex04_producer_consumer;
#[cfg(feature = "ex05")]
pub mod ex05_sharing_data;
#[cfg(feature = "ex06")]
pub mod ex06_panics_and_errors;
#[cfg(feature = "ex07")]
pub mod ex07_thread_pool_factorials;
#[cfg(feature = "ex08")]
pub mod ex08_pool_sizes;
