//! The worker binary that the process exercises start as a child:
//! `exercises-worker EXERCISE ARGS...`. Its first argument names the exercise
//! whose worker code runs; the rest is that code's business.

use std::process::ExitCode;

fn main() -> ExitCode {
    exercises::given::worker::run("exercises-worker", |exercise, rest| {
        match exercise {
            #[cfg(feature = "ex01")]
            "ex01" => {
                Some(exercises::ex01_threads_vs_processes::worker_main(rest))
            }
            #[cfg(feature = "ex02")]
            "ex02" => Some(exercises::ex02_process_pool::worker_main(rest)),
            #[cfg(feature = "ex03")]
            "ex03" => Some(exercises::ex03_multiprocessing::worker_main(rest)),
            #[cfg(feature = "ex05")]
            "ex05" => Some(exercises::ex05_sharing_data::worker_main(rest)),
            _ => None,
        }
    })
}
