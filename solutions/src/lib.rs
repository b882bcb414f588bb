//! The `solutions` crate: one module per exercise, numbered like the book's
//! chapters.
//!
//! The reference solutions: the same public API as the `exercises` crate,
//! complete. The graded tests in `../tests/` run against both crates.
//!
//! The code the exercises give students complete lives in ONE place,
//! `exercises/src/given/`, which this crate compiles as its own [`given`]
//! module; each exercise module re-exports its part.

#[path = "../../exercises/src/given/mod.rs"]
pub mod given;

pub mod ex01_threads_vs_processes;
pub mod ex02_process_pool;
pub mod ex03_multiprocessing;
pub mod ex04_producer_consumer;
pub mod ex05_sharing_data;
pub mod ex06_panics_and_errors;
pub mod ex07_thread_pool_factorials;
pub mod ex08_pool_sizes;
pub mod sync;
