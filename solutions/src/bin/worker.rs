//! The worker binary that the process exercises start as a child: `solutions-worker EXERCISE ARGS...`.
//! Its first argument names the exercise whose worker code runs; the rest is that code's business.

use std::process::ExitCode;

use solutions::{
    ex01_threads_vs_processes, ex02_process_pool, ex03_multiprocessing, ex05_sharing_data,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((exercise, rest)) = args.split_first() else {
        eprintln!(
            "usage: solutions-worker EXERCISE [ARGS...]  (EXERCISE is ex01, ex02, ex03 or ex05)"
        );
        return ExitCode::from(2);
    };
    match exercise.as_str() {
        "ex01" => ex01_threads_vs_processes::worker_main(rest),
        "ex02" => ex02_process_pool::worker_main(rest),
        "ex03" => ex03_multiprocessing::worker_main(rest),
        "ex05" => ex05_sharing_data::worker_main(rest),
        other => {
            eprintln!(
                "solutions-worker: unknown exercise `{other}` (expected ex01, ex02, ex03 or ex05)"
            );
            ExitCode::from(2)
        }
    }
}
