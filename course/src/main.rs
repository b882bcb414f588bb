//! `course`: the course's tool, run as `cargo course VERB` (a cargo alias for
//! `run --release -q -p course --`). One module per verb.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bench;
mod book;
mod check;
mod grade;
mod hint;

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
    /// Print the next hint for an exercise (`cargo course hint ex04`).
    Hint(hint::HintArgs),
    /// Run the benchmarks, Rust and Python side by side, and print the table (--plots: figures).
    Bench(bench::BenchArgs),
    /// Grade students' submissions (instructors).
    Grade(grade::GradeArgs),
    /// Write the student repository into DIR: book, stubs, public tests, the tool (no solutions).
    Handout {
        /// A new (or empty) folder.
        dir: PathBuf,
    },
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
        Verb::Grade(args) => grade::run(&root, &args),
        Verb::Bench(args) => bench::run(&root, &args),
        Verb::Handout { dir } => {
            course::export::export_tree(&root, &dir, course::export::Kind::Handout).map(|()| {
                eprintln!(
                    "handout written to {}: `cargo test` in its exercises/ runs the graded tests",
                    dir.display()
                );
                ExitCode::SUCCESS
            })
        }
        Verb::Autograder { out } => course::export::write_autograder_zip(&root, &out).map(|()| {
            eprintln!("Gradescope autograder written to {}", out.display());
            ExitCode::SUCCESS
        }),
        Verb::Hint(args) => load_manifest(&root).and_then(|m| hint::run(&root, &m, &args)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_manifest(root: &std::path::Path) -> anyhow::Result<Manifest> {
    Manifest::load(&root.join(course::MANIFEST_PATH))
}
