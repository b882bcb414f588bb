//! `course bench`: the course's measurements, Rust and Python side by side.
//!
//! Builds the solutions crate's `side_by_side` bench (the scenarios of `cargo bench -p
//! solutions`, in `solutions/benches/common/mod.rs`), then runs several rounds; each round
//! runs every group of Rust scenarios and, interleaved with it, the Python program of the same
//! question (`bench/python/*.py`, if `python3` is installed), so that both meet the same load.
//! It prints medians with their spread (min–max over all samples) and the ratios the book
//! quotes, writes the raw samples to `target/course-bench/results.json` and the table to
//! `target/course-bench/table.txt`, and with `--plots` draws the book's figures into
//! `src/figures/`.
//!
//! Every scenario is a line of one table, `bench/scenarios.txt` ([`scenarios`]), which the
//! Rust benches and the Python programs read too. The modules, by seam: [`run`] builds and
//! runs the programs, [`stats`] summarises samples, [`sections`] and [`figures`] lay out the
//! results by scenario key, [`render`] writes the tables and [`svg`] draws the figures.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

mod figures;
mod provenance;
mod render;
mod run;
mod scenarios;
mod sections;
mod stats;
mod svg;

use provenance::Provenance;

/// Options of `course bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Fewer rounds and samples (about a minute): a rough look, not numbers for the book.
    #[arg(long)]
    pub quick: bool,
    /// Also draw the book's figures (SVG) and its tables (`measurements.md`) into src/figures/.
    #[arg(long)]
    pub plots: bool,
    /// With --plots: write the figures and tables into DIR instead of src/figures/ (to look at a
    /// run without changing the book).
    #[arg(long, value_name = "DIR", requires = "plots")]
    pub figures_dir: Option<PathBuf>,
    /// Rounds of interleaved Rust and Python runs (default 5, or 2 with --quick).
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Leave Python out even if python3 is installed.
    #[arg(long)]
    pub no_python: bool,
}

/// Runs the benchmarks, prints the table, optionally draws the plots.
pub fn run(root: &Path, args: &BenchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if !root.join("solutions/benches/side_by_side.rs").exists() {
        bail!("the benchmarks live in the solutions crate, which this repository does not have");
    }
    let catalogue = scenarios::catalogue()?;
    let rounds = args.rounds.unwrap_or(if args.quick { 2 } else { 5 });
    let samples = if args.quick { 2 } else { 6 };
    let runner = run::build_runner(root)?;
    let static_worker = match run::build_static_worker(root) {
        Ok(path) => Some(path),
        Err(e) => {
            eprintln!(
                "bench: could not build a statically linked worker ({e:#}); measuring the \
                 ordinary (dynamically linked) worker only. On Debian/Ubuntu the static C \
                 library comes with `libc6-dev`."
            );
            None
        }
    };
    let python = if args.no_python {
        None
    } else {
        run::find_python()
    };
    match &python {
        Some(version) => eprintln!("bench: Rust and Python ({version}), {rounds} rounds"),
        None => eprintln!(
            "bench: python3 not found (or --no-python): measuring the Rust side only, {rounds} rounds"
        ),
    }

    let plan = run::Plan {
        root,
        runner: &runner,
        static_worker: static_worker.as_deref(),
        python: python.is_some(),
        rounds,
        samples,
    };
    let measured = run::measure(&plan, catalogue)?;
    let all = measured.samples;
    let out_dir = root.join("target/course-bench");
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&all)?,
    )?;
    let unmeasured = catalogue.unmeasured(&all, python.is_some(), static_worker.is_some());
    for line in unmeasured.messages() {
        eprintln!("{line}");
    }
    if !measured.strays.is_empty() {
        bail!(
            "{} measured scenarios do not match {}:\n  {}\nNothing was rendered; the samples \
             are in target/course-bench/results.json.",
            measured.strays.len(),
            scenarios::TABLE_PATH,
            measured.strays.join("\n  ")
        );
    }

    let command = format!(
        "cargo course bench{}{}",
        if args.quick { " --quick" } else { "" },
        if args.plots { " --plots" } else { "" }
    );
    let provenance = Provenance::of_this_machine(command, rounds, samples, python);
    let table = render::render_table(&all, &provenance, catalogue);
    print!("{table}");
    std::fs::write(out_dir.join("table.txt"), &table)?;
    if args.plots {
        let figures = args
            .figures_dir
            .clone()
            .unwrap_or_else(|| root.join("src/figures"));
        std::fs::create_dir_all(&figures)
            .with_context(|| format!("cannot create {}", figures.display()))?;
        for (file, svg) in figures::plots(&all, &provenance) {
            std::fs::write(figures.join(&file), svg)?;
            eprintln!("bench: wrote {}", figures.join(&file).display());
        }
        std::fs::write(
            figures.join("measurements.md"),
            render::render_markdown(&all, &provenance, catalogue),
        )?;
        eprintln!(
            "bench: wrote {} (the chapters include its tables)",
            figures.join("measurements.md").display()
        );
    }
    eprintln!(
        "bench: done in {:.0} s; raw samples in target/course-bench/results.json",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
