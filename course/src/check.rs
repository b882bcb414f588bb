//! `course check`: runs the graded tests against the student's `exercises` crate, one process
//! per test, and shows a progress table and the next exercise to do.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use clap::Args;

use course::manifest::{Exercise, Manifest};
use course::testrun::{self, Outcome};

/// Options of `course check`.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// Only these exercises (`ex04`, `4`, or a full name); all by default.
    pub exercises: Vec<String>,
    /// Re-check whenever a file under exercises/src changes.
    #[arg(long)]
    pub watch: bool,
    /// Check another package of the workspace (instructors: `--package solutions`).
    #[arg(long, default_value = "exercises")]
    pub package: String,
    /// Print the output of every failed test.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Runs the check once, or forever with `--watch`.
pub fn run(root: &Path, args: &CheckArgs) -> Result<ExitCode> {
    if !args.watch {
        return check_once(root, args);
    }
    let watched = root.join(&args.package).join("src");
    let mut last = None;
    loop {
        let stamp = newest_mtime(&watched);
        if last != Some(stamp) {
            last = Some(stamp);
            print!("\x1b[2J\x1b[H");
            if let Err(e) = check_once(root, args) {
                eprintln!("error: {e:#}");
            }
            println!(
                "\nwatching {} for changes (Ctrl-C to stop)",
                watched.display()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn newest_mtime(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(t) = e.metadata().and_then(|m| m.modified()) {
                newest = newest.max(t);
            }
        }
    }
    newest
}

fn check_once(root: &Path, args: &CheckArgs) -> Result<ExitCode> {
    let manifest = Manifest::load(&root.join(course::MANIFEST_PATH))?;
    let selected: Vec<&Exercise> = if args.exercises.is_empty() {
        manifest.exercises.iter().collect()
    } else {
        args.exercises
            .iter()
            .map(|q| manifest.find(q))
            .collect::<Result<_>>()?
    };
    eprintln!("building the tests of `{}` ...", args.package);
    let bins = match testrun::build_tests(root, &args.package, None)? {
        Ok(b) => b,
        Err(failure) => {
            eprintln!("{failure}");
            println!(
                "Your code does not compile yet, so no test can run. Fix the first error above \
                 (the file and line are in its `-->` line), then run `cargo course check` again."
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut work = Vec::new();
    let mut listed_cache = std::collections::BTreeMap::new();
    for ex in &selected {
        let Some(exe) = bins.by_target.get(&ex.name) else {
            continue;
        };
        let listed = listed_cache
            .entry(ex.name.clone())
            .or_insert_with(|| testrun::list_tests(exe).unwrap_or_default());
        for t in ex.tests.iter().filter(|t| !t.hidden) {
            work.push((exe.clone(), t.name.clone(), listed.clone(), t.timeout()));
        }
    }
    let outcomes = testrun::run_many(&work, testrun::default_jobs());
    print_report(&selected, &outcomes, args.verbose);
    let all_passed = outcomes.iter().all(|o| o.verdict.passed()) && !outcomes.is_empty();
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_report(selected: &[&Exercise], outcomes: &[Outcome], verbose: bool) {
    println!();
    println!("{:<30} {:>7} {:>9}  status", "exercise", "tests", "points");
    println!("{}", "-".repeat(62));
    let mut next: Option<&Exercise> = None;
    let (mut got_total, mut max_total) = (0, 0);
    for ex in selected {
        let visible: Vec<_> = ex.tests.iter().filter(|t| !t.hidden).collect();
        let results: Vec<&Outcome> = visible
            .iter()
            .filter_map(|t| outcomes.iter().find(|o| o.name == t.name))
            .collect();
        let passed = results.iter().filter(|o| o.verdict.passed()).count();
        let got: u32 = visible
            .iter()
            .filter(|t| {
                results
                    .iter()
                    .any(|o| o.name == t.name && o.verdict.passed())
            })
            .map(|t| t.points)
            .sum();
        let max: u32 = visible.iter().map(|t| t.points).sum();
        got_total += got;
        max_total += max;
        let status = if visible.is_empty() {
            "no tests yet"
        } else if passed == visible.len() {
            "done"
        } else if passed == 0 {
            "to do"
        } else {
            "in progress"
        };
        if next.is_none() && passed < visible.len() {
            next = Some(ex);
        }
        println!(
            "{:<30} {:>3}/{:<3} {:>4}/{:<4}  {status}",
            ex.name,
            passed,
            visible.len(),
            got,
            max
        );
        // For an exercise not started yet, the list of its failing tests is only noise.
        let show_failures = verbose || (passed > 0 && passed < visible.len());
        for o in results.iter().filter(|_| show_failures) {
            if !o.verdict.passed() {
                println!("    {:<50} {}", o.name, o.verdict.word());
                if verbose {
                    for line in o.output.lines().take(40) {
                        println!("        {line}");
                    }
                }
            }
        }
    }
    println!("{}", "-".repeat(62));
    println!(
        "{:<30} {:>7} {:>4}/{:<4}",
        "total", "", got_total, max_total
    );
    println!();
    match next {
        Some(ex) => println!(
            "Next: {} ({}). Read src/{}, edit exercises/src/{}.rs, run `cargo test --test {}` in exercises/ \
             for the details, and `cargo course hint {}` if you are stuck.",
            ex.name,
            ex.title,
            ex.chapter,
            ex.name,
            ex.name,
            ex.name.get(..4).unwrap_or(&ex.name)
        ),
        None => println!("Every exercise passes. Well done."),
    }
}
