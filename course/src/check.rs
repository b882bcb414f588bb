//! `course check`: runs the graded tests against the student's `exercises` crate, one process
//! per test, and shows a progress table and the next exercise to do.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use clap::Args;

use course::manifest::{Exercise, Manifest};
use course::partial_build::{self, Skipped};
use course::sandbox::stop;
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

/// Runs the check once, or until Ctrl-C with `--watch`. Ctrl-C kills the running tests (they run
/// in process groups of their own, which the terminal's signal does not reach).
pub fn run(root: &Path, args: &CheckArgs) -> Result<ExitCode> {
    stop::on_signals()?;
    if !args.watch {
        return check_once(root, args);
    }
    let watched = root.join(&args.package).join("src");
    let mut last = None;
    while !stop::requested() {
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
    Ok(ExitCode::from(130))
}

/// When a file below `dir` was last changed (the newest of them).
fn newest_mtime(dir: &Path) -> SystemTime {
    course::file_tree::readable_files(dir)
        .iter()
        .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH)
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
    let built = partial_build::build(root, &args.package, &selected, &manifest.exercises, None)?;
    if stop::requested() {
        return Ok(ExitCode::from(130)); // Ctrl-C reached cargo too: it stopped the build
    }
    let built = match built {
        Ok(b) => b,
        Err(failure) => {
            eprintln!("{failure}");
            println!(
                "Your code does not compile yet, and the error above is not in one exercise's own \
                 file, so no test can run. Fix the first error (the file and line are in its `-->` \
                 line), then run `cargo course check` again."
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    print_compile_errors(&selected, &built.skipped);
    let mut work = Vec::new();
    let mut listed_cache = std::collections::BTreeMap::new();
    for ex in &selected {
        let Some(exe) = built.bins.by_target.get(&ex.name) else {
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
    if stop::requested() {
        return Ok(ExitCode::from(130));
    }
    print_report(&selected, &outcomes, &built.skipped, args.verbose);
    let none_skipped = selected
        .iter()
        .all(|e| !built.skipped.contains_key(&e.name));
    let all_passed =
        none_skipped && outcomes.iter().all(|o| o.verdict.passed()) && !outcomes.is_empty();
    Ok(if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The first compiler error of each selected exercise that does not compile, as the compiler
/// prints it: the table's row only has room for its first line.
fn print_compile_errors(selected: &[&Exercise], skipped: &BTreeMap<String, Skipped>) {
    for ex in selected {
        let Some(Skipped::DoesNotCompile(broken)) = skipped.get(&ex.name) else {
            continue;
        };
        let Some(first) = broken.rendered.first() else {
            continue;
        };
        println!("{} does not compile:\n{}", ex.name, first.trim_end());
        let more = broken.rendered.len() - 1;
        if more > 0 {
            println!(
                "({more} more error{} in {}: `cargo course test {}` shows them all)",
                if more == 1 { "" } else { "s" },
                ex.name,
                partial_build::feature_of(&ex.name)
            );
        }
        println!();
    }
}

/// The status column of an exercise that was not checked.
fn skipped_status(skipped: &Skipped) -> String {
    match skipped {
        Skipped::DoesNotCompile(broken) => format!("does not compile: {}", broken.summary()),
        Skipped::Needs(need) => format!("not checked: needs {need}, which does not compile"),
    }
}

fn print_report(
    selected: &[&Exercise],
    outcomes: &[Outcome],
    skipped: &BTreeMap<String, Skipped>,
    verbose: bool,
) {
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
        let status = if let Some(why) = skipped.get(&ex.name) {
            skipped_status(why)
        } else if visible.is_empty() {
            "no tests yet".to_string()
        } else if passed == visible.len() {
            "done".to_string()
        } else if passed == 0 {
            "to do".to_string()
        } else {
            "in progress".to_string()
        };
        if next.is_none() && (passed < visible.len() || skipped.contains_key(&ex.name)) {
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
    let next_broken = next.and_then(|ex| match skipped.get(&ex.name) {
        Some(Skipped::DoesNotCompile(b)) => Some((ex, b)),
        _ => None,
    });
    if let Some((ex, broken)) = next_broken {
        println!(
            "Next: make {} compile again ({}); `cargo course test {}` shows the compiler's \
             messages and runs its tests once it compiles.",
            ex.name,
            broken.summary(),
            partial_build::feature_of(&ex.name)
        );
        return;
    }
    match next {
        Some(ex) => println!(
            "Next: {} ({}). Read src/{}, edit exercises/src/{}.rs, run `cargo course test {}` \
             for its tests and their failures, and `cargo course hint {}` if you are stuck.",
            ex.name,
            ex.title,
            ex.chapter,
            ex.name,
            partial_build::feature_of(&ex.name),
            partial_build::feature_of(&ex.name)
        ),
        None => println!("Every exercise passes. Well done."),
    }
}
