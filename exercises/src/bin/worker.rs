//! The worker binary that the process exercises start as a child:
//! `exercises-worker EXERCISE ARGS...`. Its first argument names the exercise
//! whose worker code runs; the rest is that code's business.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((exercise, rest)) = args.split_first() else {
        eprintln!(
            "usage: exercises-worker EXERCISE [ARGS...]  (EXERCISE is ex01, \
             ex02, ex03 or ex05)"
        );
        return ExitCode::from(2);
    };
    match exercise.as_str() {
        #[cfg(feature = "ex01")]
        "ex01" => exercises::ex01_threads_vs_processes::worker_main(rest),
        #[cfg(feature = "ex02")]
        "ex02" => exercises::ex02_process_pool::worker_main(rest),
        #[cfg(feature = "ex03")]
        "ex03" => exercises::ex03_multiprocessing::worker_main(rest),
        #[cfg(feature = "ex05")]
        "ex05" => exercises::ex05_sharing_data::worker_main(rest),
        other => {
            eprintln!(
                "exercises-worker: unknown exercise `{other}` (expected ex01, \
                 ex02, ex03 or ex05)"
            );
            ExitCode::from(2)
        }
    }
}
