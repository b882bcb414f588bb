//! Multiprocessing: a computation in a child process.

/// Entry point of this exercise's child process (`*-worker ARGS...`); returns its exit code.
pub fn worker_main(args: &[String]) -> std::process::ExitCode {
    let _ = args;
    std::process::ExitCode::FAILURE
}
