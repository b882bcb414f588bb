//! `course`: the course's tool, run as `cargo course VERB` (a cargo alias for
//! `run -q -p course --`). One module per verb.

#[cfg(feature = "instructor")]
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[cfg(feature = "instructor")]
mod bench;
mod book;
mod check;
#[cfg(feature = "instructor")]
mod grade;
mod hint;
mod test_exercise;

use course::manifest::Manifest;

/// The course tool: build the book, check exercises, get hints.
#[derive(Parser)]
#[command(name = "cargo course", bin_name = "cargo course", version, about)]
struct Cli {
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Build the book into book/ (and serve it with --serve).
    Book(book::BookArgs),
    /// Run the graded tests against your exercises and show your progress.
    Check(check::CheckArgs),
    /// Run one exercise's graded tests, each alone with its time limit, and show the failures
    /// (`cargo course test ex04`); other exercises that do not compile do not stop it.
    Test(test_exercise::TestArgs),
    /// Print the next hint for an exercise (`cargo course hint ex04`).
    Hint(hint::HintArgs),
    /// Run an exercise on a small demo input and draw what each thread or process did, and when
    /// (`cargo course trace ex07`): an SVG timeline and a text lane chart.
    Trace(course::trace::TraceArgs),
    #[cfg(feature = "instructor")]
    /// Run the benchmarks, Rust and Python side by side, and print the table (--plots: figures).
    Bench(bench::BenchArgs),
    #[cfg(feature = "instructor")]
    /// Grade students' submissions (instructors).
    Grade(grade::GradeArgs),
    #[cfg(feature = "instructor")]
    /// Write the student repository into DIR: book, stubs, public tests, the tool (no solutions).
    Handout {
        /// A new (or empty) folder.
        dir: PathBuf,
    },
    #[cfg(feature = "instructor")]
    /// Judge the graded tests on known code, many times: the solutions and every correct
    /// alternative must pass, every broken variant must fail (instructors, contributors).
    Selfcheck {
        /// How many times to run everything.
        #[arg(long, default_value_t = 1)]
        runs: usize,
        /// Two busy loops per core beside the tests, as the team's flakiness bar asks.
        #[arg(long)]
        load: bool,
        /// Tests at once (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Only this exercise (`ex04`); repeatable.
        #[arg(long = "exercise")]
        exercises: Vec<String>,
    },
    #[cfg(feature = "instructor")]
    /// Write the exercise stubs (exercises/src/exNN_*.rs) from the solutions' markers
    /// (`// SOLUTION BEGIN`/`END`, `// STUB: line`); --check only says which are out of date.
    GenStubs {
        /// Change nothing; fail if a stub is out of date.
        #[arg(long)]
        check: bool,
    },
    #[cfg(feature = "instructor")]
    /// Write a Gradescope autograder package (setup.sh, run_autograder, the grader's source).
    Autograder {
        /// The zip file to write.
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = course::workspace_root();
    let result = match cli.verb {
        Verb::Book(args) => book::run(&root, &args),
        Verb::Check(args) => check::run(&root, &args),
        Verb::Test(args) => test_exercise::run(&root, &args),
        #[cfg(feature = "instructor")]
        Verb::Grade(args) => grade::run(&root, &args),
        #[cfg(feature = "instructor")]
        Verb::Bench(args) => bench::run(&root, &args),
        #[cfg(feature = "instructor")]
        Verb::Handout { dir } => {
            course::export::export_tree(&root, &dir, course::export::Kind::Handout).map(|()| {
                eprintln!(
                    "handout written to {}: `cargo test` in its exercises/ runs the graded tests",
                    dir.display()
                );
                ExitCode::SUCCESS
            })
        }
        #[cfg(feature = "instructor")]
        Verb::Autograder { out } => course::export::write_autograder_zip(&root, &out).map(|()| {
            eprintln!("Gradescope autograder written to {}", out.display());
            ExitCode::SUCCESS
        }),
        #[cfg(feature = "instructor")]
        Verb::Selfcheck {
            runs,
            load,
            jobs,
            exercises,
        } => {
            let options = course::selfcheck::SelfcheckOptions {
                runs: runs.max(1),
                load,
                jobs: jobs.unwrap_or_else(course::testrun::default_jobs),
                exercises,
            };
            course::selfcheck::selfcheck(&root, &options).map(|ok| {
                if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            })
        }
        #[cfg(feature = "instructor")]
        Verb::GenStubs { check } => gen_stubs(&root, check),
        Verb::Hint(args) => load_manifest(&root).and_then(|m| hint::run(&root, &m, &args)),
        Verb::Trace(args) => course::trace::run(&root, &args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "instructor")]
fn gen_stubs(root: &std::path::Path, check: bool) -> anyhow::Result<ExitCode> {
    if check {
        let stale = course::gen_stubs::out_of_date(root)?;
        for s in &stale {
            eprintln!("out of date: {}", s.display());
        }
        if stale.is_empty() {
            eprintln!("every stub is what its solution generates");
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("edit the solution's markers, not the stub; then run `cargo course gen-stubs`");
        return Ok(ExitCode::FAILURE);
    }
    for s in course::gen_stubs::write_all(root)? {
        eprintln!("wrote {}", s.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn load_manifest(root: &std::path::Path) -> anyhow::Result<Manifest> {
    Manifest::load(&root.join(course::MANIFEST_PATH))
}
