//! `course grade SUBMISSION...`: grades a class. See [`course::grading`] for how.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use course::grading::store::Store;
use course::grading::{self, GradeOptions, report};
use course::sandbox::Request;

/// Options of `course grade`.
#[derive(Args, Debug, Clone)]
pub struct GradeArgs {
    /// Student submissions: copies of the handout, as folders, .zip or .tar.gz files.
    #[arg(required = true)]
    pub submissions: Vec<PathBuf>,
    /// Outputs, comma-separated: table, gradescope, junit, csv, feedback.
    #[arg(long, default_value = "table,gradescope,junit,csv,feedback")]
    pub format: String,
    /// Where the per-student files and grades.csv go.
    #[arg(long, default_value = "grading-out")]
    pub out: PathBuf,
    /// Tests run at once (default: the number of cores); one submission builds beside them.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Time limit for every test, in seconds (default: the manifest's, 10 s unless it says otherwise).
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Grade only these exercises (e.g. `--exercise ex04`); repeatable.
    #[arg(long = "exercise")]
    pub exercises: Vec<String>,
    /// Keep running tests as the grader's own user even when it is root (not recommended).
    #[arg(long)]
    pub no_unprivileged: bool,
    /// Grade every submission again, even those whose reports in --out are up to date.
    #[arg(long)]
    pub force: bool,
    /// Where grading workspaces and the shared dependency build go.
    #[arg(long, default_value = "target/course-grade")]
    pub work_dir: PathBuf,
}

fn progress(done: usize, total: usize) {
    use std::io::IsTerminal;
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width);
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width - filled));
        let _ = write!(err, "\r[{bar}] {done}/{total} tests");
        if done == total {
            let _ = writeln!(err);
        }
    } else {
        // In a log, one line per tenth of the work.
        let tenth = |d: usize| (d * 10).checked_div(total).unwrap_or(10);
        if done == total || tenth(done) != tenth(done - 1) {
            let _ = writeln!(err, "{done}/{total} tests");
        }
    }
    let _ = err.flush();
}

/// Grades every submission and writes the reports: each student's as soon as they are graded,
/// the gradebook at the end. Ctrl-C stops the batch cleanly; running it again resumes.
pub fn run(root: &Path, args: &GradeArgs) -> Result<ExitCode> {
    let formats = report::Format::parse_list(&args.format)?;
    let absolute = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        }
    };
    let out = absolute(&args.out);
    let opts = GradeOptions {
        pristine: root.to_path_buf(),
        work_dir: if args.work_dir.is_absolute() {
            args.work_dir.clone()
        } else {
            root.join(&args.work_dir)
        },
        jobs: args.jobs.unwrap_or_else(course::testrun::default_jobs),
        timeout: args.timeout.map(Duration::from_secs),
        exercises: args.exercises.clone(),
        protections: Request::full(!args.no_unprivileged),
        store: Some(Store {
            out: out.clone(),
            formats: formats.clone(),
            force: args.force,
        }),
        progress: Some(progress),
    };
    let submissions: Vec<PathBuf> = args.submissions.iter().map(|p| absolute(p)).collect();
    eprintln!(
        "grading {} submission(s) with {} job(s) ...",
        submissions.len(),
        opts.jobs
    );
    course::sandbox::stop::on_signals().context("cannot install the Ctrl-C handler")?;
    let results = match grading::grade_all(&submissions, &opts) {
        Ok(r) => r,
        Err(e) if e.is::<grading::Interrupted>() => {
            eprintln!("\n{e}");
            eprintln!(
                "reports of the finished submissions are in {}",
                out.display()
            );
            return Ok(ExitCode::from(130));
        }
        Err(e) => return Err(e),
    };
    if formats.contains(&report::Format::Table) {
        print!("{}", report::table(&results));
    }
    let reused: Vec<&str> = results
        .iter()
        .filter(|r| r.reused)
        .map(|r| r.name.as_str())
        .collect();
    if !reused.is_empty() {
        eprintln!(
            "\nnot graded again (unchanged since an earlier run; --force grades them again): {}",
            reused.join(", ")
        );
    }
    if let Some(first) = results.first() {
        eprintln!("\nprotections in force:");
        for p in &first.protections {
            eprintln!("  - {p}");
        }
    }
    eprintln!("reports in {}", out.display());
    Ok(ExitCode::SUCCESS)
}
