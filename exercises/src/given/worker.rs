//! The command line of the worker binary that the process exercises start as a
//! child (`src/bin/worker.rs`): `NAME EXERCISE ARGS...`.

use std::process::ExitCode;

/// The exercises that have a worker.
const EXERCISES: &str = "ex01, ex02, ex03 or ex05";

/// Runs the worker binary called `name`: its first argument names the
/// exercise, and `worker_main(exercise, rest)` runs that exercise's worker code
/// on the other arguments (`None` for an exercise it does not know). A missing
/// or unknown exercise is a usage message on stderr and exit code 2.
pub fn run(
    name: &str,
    worker_main: impl FnOnce(&str, &[String]) -> Option<ExitCode>,
) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((exercise, rest)) = args.split_first() else {
        eprintln!(
            "usage: {name} EXERCISE [ARGS...]  (EXERCISE is {EXERCISES})"
        );
        return ExitCode::from(2);
    };
    worker_main(exercise, rest).unwrap_or_else(|| {
        eprintln!(
            "{name}: unknown exercise `{exercise}` (expected {EXERCISES})"
        );
        ExitCode::from(2)
    })
}
