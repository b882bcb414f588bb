//! `course test EXERCISE`: one exercise's graded tests, each alone in its own process with its
//! time limit, as `course check` runs them, and the output of those that fail.
//!
//! Only that exercise's feature is built (with the features it needs: ex08 needs ex02), so an
//! exercise that does not compile yet, elsewhere in the crate, does not stop it; plain `cargo
//! test --test ex04_producer_consumer` builds the whole crate and would.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use course::manifest::{Exercise, Manifest};
use course::partial_build::{self, Skipped};
use course::sandbox::stop;
use course::testrun::{self, Outcome, Verdict};

/// Lines of a failing test's output shown (its beginning; the runner already capped it).
const SHOWN_LINES: usize = 200;

/// Options of `course test`.
#[derive(Args, Debug, Clone)]
pub struct TestArgs {
    /// The exercise: `ex04`, `4` or its full name.
    pub exercise: String,
    /// Test another package of the workspace (instructors: `--package solutions`).
    #[arg(long, default_value = "exercises")]
    pub package: String,
}

/// Builds and runs the exercise's tests; success only if every one passes.
pub fn run(root: &Path, args: &TestArgs) -> Result<ExitCode> {
    stop::on_signals()?;
    let manifest = Manifest::load(&root.join(course::MANIFEST_PATH))?;
    let ex = manifest.find(&args.exercise)?;
    eprintln!("building the tests of {} ...", ex.name);
    let built = partial_build::build(root, &args.package, &[ex], &manifest.exercises, None)?;
    if stop::requested() {
        return Ok(ExitCode::from(130));
    }
    let built = match built {
        Ok(b) => b,
        Err(failure) => {
            eprintln!("{failure}");
            println!(
                "{} does not build: fix the first error above (the file and line are in its \
                 `-->` line), then run `cargo course test {}` again.",
                ex.name, args.exercise
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Some(why) = built.skipped.get(&ex.name) {
        explain_skipped(ex, why, &built.skipped);
        return Ok(ExitCode::FAILURE);
    }
    let Some(exe) = built.bins.by_target.get(&ex.name) else {
        bail!(
            "cargo built no test binary named {} in package {}",
            ex.name,
            args.package
        );
    };
    let listed = testrun::list_tests(exe)?;
    let work: Vec<_> = ex
        .tests
        .iter()
        .filter(|t| !t.hidden)
        .map(|t| (exe.clone(), t.name.clone(), listed.clone(), t.timeout()))
        .collect();
    if work.is_empty() {
        println!("{} has no graded tests yet.", ex.name);
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "running {} tests of {}, each alone, with its time limit ...",
        work.len(),
        ex.name
    );
    let outcomes = testrun::run_many(&work, testrun::default_jobs());
    if stop::requested() {
        return Ok(ExitCode::from(130));
    }
    let limits: BTreeMap<&str, u64> = work
        .iter()
        .map(|(_, name, _, timeout)| (name.as_str(), timeout.as_secs()))
        .collect();
    print_results(ex, &outcomes, &limits);
    Ok(if outcomes.iter().all(|o| o.verdict.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Why the exercise's tests could not be built, with the compiler's messages.
fn explain_skipped(ex: &Exercise, why: &Skipped, skipped: &BTreeMap<String, Skipped>) {
    match why {
        Skipped::DoesNotCompile(broken) => {
            for message in &broken.rendered {
                eprintln!("{}", message.trim_end());
            }
            println!(
                "\n{} does not compile ({}). Fix the first error above and run this again; the \
                 other exercises are not affected (`cargo course check` checks them).",
                ex.name,
                broken.summary()
            );
            if !broken.file.contains("/src/") {
                println!(
                    "The error is in the graded tests, which call your code: keep the names and \
                     signatures of the exercise's public items as the stub gives them."
                );
            }
        }
        Skipped::Needs(need) => {
            if let Some(Skipped::DoesNotCompile(broken)) = skipped.get(need) {
                for message in &broken.rendered {
                    eprintln!("{}", message.trim_end());
                }
            }
            println!(
                "\n{} builds on {need}, which does not compile (the errors are above): make {need} \
                 compile first (its tests need not pass yet), then run this again.",
                ex.name
            );
        }
    }
}

fn print_results(ex: &Exercise, outcomes: &[Outcome], limits: &BTreeMap<&str, u64>) {
    let word = |o: &Outcome| match o.verdict {
        Verdict::TimedOut => format!(
            "timed out (limit {} s)",
            limits.get(o.name.as_str()).copied().unwrap_or(0)
        ),
        _ => o.verdict.word(),
    };
    for o in outcomes.iter().filter(|o| !o.verdict.passed()) {
        println!("\n---- {}: {} ----", o.name, o.verdict.describe());
        let lines: Vec<&str> = o.output.lines().collect();
        for line in lines.iter().take(SHOWN_LINES) {
            println!("{line}");
        }
        if lines.len() > SHOWN_LINES {
            println!("... ({} more lines)", lines.len() - SHOWN_LINES);
        }
    }
    println!();
    let width = outcomes.iter().map(|o| o.name.len()).max().unwrap_or(0);
    for o in outcomes {
        println!(
            "  {:<width$}  {:<24} {:>6.1} s",
            o.name,
            word(o),
            o.elapsed.as_secs_f64()
        );
    }
    let passed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.verdict.passed())
        .map(|o| o.name.as_str())
        .collect();
    let points = |names: Option<&[&str]>| -> u32 {
        ex.tests
            .iter()
            .filter(|t| !t.hidden && names.is_none_or(|n| n.contains(&t.name.as_str())))
            .map(|t| t.points)
            .sum()
    };
    println!(
        "\n{}: {}/{} tests passed, {}/{} points",
        ex.name,
        passed.len(),
        outcomes.len(),
        points(Some(&passed)),
        points(None)
    );
}
