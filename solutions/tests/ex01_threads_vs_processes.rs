// Graded tests for ex01_threads_vs_processes, run against the `solutions`
// crate. The tests themselves live in `../../tests/ex01_threads_vs_processes.
// rs`, written once and shared by both crates (and by the fixtures).
use solutions as under_test;

/// This crate's worker binary, for the exercises that start child processes.
#[allow(dead_code)]
const WORKER_EXE: &str = env!("CARGO_BIN_EXE_solutions-worker");

include!("../../tests/ex01_threads_vs_processes.rs");

// BEGIN hidden (instructor tree only: the handout's shim has no hidden tests)
mod hidden {
    use super::*;
    include!("../../tests/hidden/ex01_threads_vs_processes.rs");
}
// END hidden
