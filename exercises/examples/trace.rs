// `cargo course trace exNN` on the `exercises` crate. The harness lives in
// `../../tests/trace/harness.rs`, written once and shared by both crates, like
// the graded tests.
use exercises as under_test;
include!("../../tests/trace/harness.rs");
