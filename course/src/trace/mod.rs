//! `cargo course trace exNN`: runs an exercise's code on a small demo input and shows what each
//! thread or worker process did, and when: an SVG timeline and a text lane chart.
//!
//! - [`run`] builds the trace harness against the crate (yours, or the reference solutions) and
//!   runs it with a time limit;
//! - [`events`] parses what it printed into scenarios, lanes and spans;
//! - [`summary`] puts into words what the timeline shows (how it ended, speed-up, one thread
//!   did everything, a consumer that woke up 400 times);
//! - [`text`] and [`svg`] draw it.
//!
//! The harness itself is `tests/trace/harness.rs`, shared by both crates like the graded tests.

pub mod events;
pub mod run;
pub mod summary;
pub mod svg;
pub mod text;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use events::Trace;
use run::Package;

/// The exercises with a timeline: the pools and the producer/consumer.
pub const TRACED: [&str; 4] = ["ex02", "ex04", "ex07", "ex08"];

/// The longest a whole trace may run (each scenario has its own, shorter, limit).
const LIMIT: Duration = Duration::from_secs(120);

/// `cargo course trace`'s arguments.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The exercise: ex02, ex04, ex07 or ex08.
    pub exercise: String,
    /// Whose code: your exercises, or the reference solutions (instructor's repository).
    #[arg(long, value_enum, default_value = "exercises")]
    pub package: Package,
    /// Trace your exercises and the reference solutions, and draw them one above the other,
    /// scenario by scenario on the same time scale (instructor's repository).
    #[arg(long)]
    pub compare: bool,
    /// Where to write the SVG timeline [default: target/course-trace/EXERCISE-PACKAGE.svg].
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Only print the text lane chart; write no SVG.
    #[arg(long, conflicts_with = "svg")]
    pub text: bool,
    /// Width of the text chart's time axis, in characters.
    #[arg(long, default_value_t = 60)]
    pub width: usize,
}

/// `ex7`, `07`, `ex07` and `ex07_thread_pool_factorials` all mean `ex07`; an exercise without a
/// timeline is an error that lists those with one.
pub fn exercise_id(given: &str) -> Result<String> {
    let digits: String = given
        .trim_start_matches("ex")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let id = digits
        .parse::<u32>()
        .ok()
        .map(|n| format!("ex{n:02}"))
        .filter(|id| TRACED.contains(&id.as_str()));
    match id {
        Some(id) => Ok(id),
        None => bail!(
            "`{given}` has no timeline: trace draws the pools and the producer/consumer ({})",
            TRACED.join(", ")
        ),
    }
}

/// Runs `cargo course trace`.
pub fn run(root: &Path, args: &TraceArgs) -> Result<ExitCode> {
    let exercise = exercise_id(&args.exercise)?;
    let packages = if args.compare {
        vec![Package::Exercises, Package::Solutions]
    } else {
        vec![args.package]
    };
    let mut traces = Vec::new();
    let mut stderr_tails = Vec::new();
    for package in packages {
        let (trace, stderr) = trace_one(root, package, &exercise)?;
        traces.push(trace);
        stderr_tails.push(stderr);
    }
    let all: Vec<&Trace> = traces.iter().collect();
    println!();
    print!("{}", text::render(&all, args.width));
    for (trace, stderr) in traces.iter().zip(&stderr_tails) {
        if !stderr.trim().is_empty() {
            println!(
                "\n{} ({}) printed on stderr:\n{}",
                trace.exercise,
                trace.package,
                last_lines(stderr, 20)
            );
        }
    }
    if !args.text {
        let path = args.svg.clone().unwrap_or_else(|| {
            let who = if args.compare {
                "compare"
            } else {
                args.package.name()
            };
            root.join("target/course-trace")
                .join(format!("{exercise}-{who}.svg"))
        });
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, svg::render(&all))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("\nSVG timeline: {} (open it in a browser)", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds and runs the harness for one crate; the trace, and what it printed on stderr.
fn trace_one(root: &Path, package: Package, exercise: &str) -> Result<(Trace, String)> {
    let built = run::build(root, package, exercise)?;
    eprintln!("tracing {exercise} on the {} crate...", package.name());
    let ran = run::run(&built, exercise, LIMIT)?;
    let mut trace = events::parse(&ran.stdout).context("the trace harness's output")?;
    if trace.exercise.is_empty() {
        trace.exercise = exercise.to_string();
        trace.package = package.name().to_string();
    }
    if !trace.complete {
        trace.stopped = Some(match ran.status {
            None => format!(
                "the trace ran longer than {} s and was stopped",
                LIMIT.as_secs()
            ),
            Some(status) => stopped_early(status, &ran.stderr),
        });
    }
    Ok((trace, ran.stderr))
}

/// Why a harness that did not reach its end stopped, in words.
fn stopped_early(status: std::process::ExitStatus, stderr: &str) -> String {
    use std::os::unix::process::ExitStatusExt;
    let how = match (status.code(), status.signal()) {
        (_, Some(libc::SIGABRT)) => "the program aborted (SIGABRT); a panic inside a panic \
             (a `drop` that panicked while another panic was unwinding) does that"
            .to_string(),
        (_, Some(signal)) => format!("the program was killed by signal {signal}"),
        (Some(code), _) => format!("the program exited with status {code} before its end"),
        (None, None) => "the program stopped before its end".to_string(),
    };
    let tail = last_lines(stderr, 3);
    if tail.is_empty() {
        how
    } else {
        format!(
            "{how}; its last words on stderr: {}",
            tail.replace('\n', " / ")
        )
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercise_names_are_forgiving_and_checked() {
        for given in ["ex07", "7", "07", "ex7", "ex07_thread_pool_factorials"] {
            assert_eq!(exercise_id(given).unwrap(), "ex07", "{given}");
        }
        let e = exercise_id("ex03").unwrap_err().to_string();
        assert!(e.contains("ex02, ex04, ex07, ex08"), "{e}");
        assert!(exercise_id("threads").is_err());
    }
}
