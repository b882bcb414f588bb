//! Code the exercises give you: read it, do not change it; the grader always
//! uses the original.
//!
//! One file per exercise holds what that exercise hands you complete: its
//! types, its protocols, its helpers and, for the process exercises, the child
//! side. The exercise's own module re-exports all of it, so
//! `exercises::ex02_process_pool::Task` is the `Task` of
//! `given/ex02_process_pool.rs`, and your code uses it as if it were written
//! in the exercise's file. [`worker`] is the command line of the worker
//! binary. The reference solutions compile these same files.
//!
//! The grader (`cargo course grade`) always takes this folder from the
//! original course tree: a submission that changed a file here is graded with
//! the original, and its report lists the changed file as ignored.
//!
//! Nothing here uses an exercise's code, so this folder compiles whatever
//! state the exercises are in (`cargo course check` leaves out an exercise
//! that does not compile, never its given code).

pub mod ex01_threads_vs_processes;
pub mod ex02_process_pool;
pub mod ex03_multiprocessing;
pub mod ex04_producer_consumer;
pub mod ex05_sharing_data;
pub mod ex06_panics_and_errors;
pub mod ex07_thread_pool_factorials;
pub mod ex08_pool_sizes;
pub mod worker;
