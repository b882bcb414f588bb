// Graded tests for ex07_thread_pool_factorials, run against the `exercises`
// crate. The tests themselves live in `../../tests/ex07_thread_pool_factorials.
// rs`, written once and shared by both crates (and by the fixtures).
use exercises as under_test;

/// This crate's worker binary, for the exercises that start child processes.
#[allow(dead_code)]
const WORKER_EXE: &str = env!("CARGO_BIN_EXE_exercises-worker");

include!("../../tests/ex07_thread_pool_factorials.rs");

// BEGIN hidden (instructor tree only: the handout's shim has no hidden tests)
mod hidden {
    use super::*;
    include!("../../tests/hidden/ex07_thread_pool_factorials.rs");
}
// END hidden
