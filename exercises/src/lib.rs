//! The `exercises` crate: one module per exercise, numbered like the book's chapters.
//!
//! Students edit this crate: every `todo!()` says what to write. Run the graded tests with
//! `cargo test` in this folder (or `cargo test ex04` for one exercise), and see your progress
//! with `cargo course check`.

pub mod ex01_threads_vs_processes;
pub mod ex02_process_pool;
pub mod ex03_multiprocessing;
pub mod ex04_producer_consumer;
pub mod ex05_sharing_data;
pub mod ex06_panics_and_errors;
pub mod ex07_thread_pool_factorials;
pub mod ex08_pool_sizes;
