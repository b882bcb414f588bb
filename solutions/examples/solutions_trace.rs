// `cargo course trace exNN --package solutions` (an example named apart from
// the exercises crate's `trace`: two packages' examples must not share a name).
// The harness lives in `../../tests/trace/harness.rs`, written once and shared
// by both crates, like the graded tests.
use solutions as under_test;
include!("../../tests/trace/harness.rs");
