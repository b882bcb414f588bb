//! Building and running what measures: the solutions crate's `side_by_side` runner (and a
//! statically linked copy of its worker), and the Python programs of `bench/python/`, in
//! rounds, each Rust group interleaved with the Python programs of the same question.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::scenarios::{Catalogue, Source};
use super::stats::Samples;

/// What to run: the built runner, the static worker if there is one, and how much.
pub struct Plan<'a> {
    pub root: &'a Path,
    pub runner: &'a Path,
    pub static_worker: Option<&'a Path>,
    /// Whether python3 runs beside the Rust runner.
    pub python: bool,
    pub rounds: usize,
    pub samples: usize,
}

/// What the runs printed.
pub struct Measured {
    pub samples: Samples,
    /// Lines the catalogue does not admit (see [`Catalogue::admit`]), one message each.
    pub strays: Vec<String>,
}

/// Runs `plan.rounds` rounds of every group of the catalogue, each beside its Python programs
/// (who goes first alternates, so that neither side always meets a warmer machine).
pub fn measure(plan: &Plan, catalogue: &Catalogue) -> Result<Measured> {
    let mut measured = Measured {
        samples: Samples::new(),
        strays: Vec::new(),
    };
    let mut keep = |source: Source, lines: Vec<(String, Vec<f64>)>| {
        for (key, values) in lines {
            if let Err(stray) = catalogue.admit(&key, source)
                && !measured.strays.contains(&stray)
            {
                measured.strays.push(stray);
            }
            measured.samples.entry(key).or_default().extend(values);
        }
    };
    for round in 0..plan.rounds {
        eprintln!("bench: round {} of {}", round + 1, plan.rounds);
        for (group, programs) in catalogue.plan() {
            let programs = if plan.python { programs } else { Vec::new() };
            let python_first = round % 2 == 1;
            if !python_first {
                keep(Source::RustGroup(group), run_rust(plan, group)?);
            }
            for program in programs {
                keep(Source::Python(program), run_python(plan, program)?);
            }
            if python_first {
                keep(Source::RustGroup(group), run_rust(plan, group)?);
            }
        }
    }
    Ok(measured)
}

fn run_rust(plan: &Plan, group: &str) -> Result<Vec<(String, Vec<f64>)>> {
    let mut cmd = Command::new(plan.runner);
    cmd.args(["--run", group, "--samples", &plan.samples.to_string()]);
    if let Some(exe) = plan.static_worker {
        cmd.env("COURSE_STATIC_WORKER", exe);
    }
    run_lines(&mut cmd)
}

fn run_python(plan: &Plan, program: &str) -> Result<Vec<(String, Vec<f64>)>> {
    run_lines(
        Command::new("python3")
            .arg(plan.root.join("bench/python").join(program))
            .args(["--samples", &plan.samples.to_string()]),
    )
}

/// `cargo bench --no-run` the side-by-side runner and return the path of its executable.
pub fn build_runner(root: &Path) -> Result<PathBuf> {
    eprintln!("bench: building the benchmarks (cargo bench --no-run, release profile)");
    cargo_executable(
        root,
        &[
            "bench",
            "-p",
            "solutions",
            "--bench",
            "side_by_side",
            "--no-run",
        ],
        "side_by_side",
    )
}

/// Runs `cargo ARGS --message-format=json` in `root` (cargo's own messages go to our stderr)
/// and returns the executable cargo reports for the target named `target`.
fn cargo_executable(root: &Path, args: &[&str], target: &str) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // `--message-format` must come before a `--` that passes flags on to rustc.
    let split = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(&args[..split])
        .arg("--message-format=json")
        .args(&args[split..])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !output.status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    course::cargo_messages::artifacts(&String::from_utf8_lossy(&output.stdout))
        .find(|artifact| artifact.target_name == target)
        .and_then(|artifact| artifact.executable)
        .with_context(|| format!("cargo did not report the {target} executable"))
}

/// Builds a statically linked copy of the solutions' worker binary and returns its path.
///
/// A dynamically linked program spends part of its start-up in the dynamic loader (finding,
/// mapping and relocating `libc.so` and `libgcc_s.so`); a process pool pays that once per
/// worker. Cargo cannot link one binary of a workspace statically from `Cargo.toml`, but `cargo
/// rustc` passes flags to the final crate only, and `+crt-static` there makes the link static
/// (std's `libc` link attributes follow that flag at link time). A target folder of its own
/// keeps this build from replacing the ordinary worker in `target/release`.
pub fn build_static_worker(root: &Path) -> Result<PathBuf> {
    eprintln!(
        "bench: building a statically linked worker (cargo rustc, target/course-bench/static-worker)"
    );
    let exe = cargo_executable(
        root,
        &[
            "rustc",
            "--release",
            "-p",
            "solutions",
            "--bin",
            "solutions-worker",
            "--target-dir",
            "target/course-bench/static-worker",
            "--",
            "-C",
            "target-feature=+crt-static",
        ],
        "solutions-worker",
    )?;
    // Check that it runs: an idle worker reads end-of-input and exits at once with status 0.
    let status = Command::new(&exe)
        .arg("ex02")
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("running {}", exe.display()))?;
    if !status.success() {
        bail!("{} ex02 </dev/null failed ({status})", exe.display());
    }
    Ok(exe)
}

/// `python3 --version`, or `None` when there is no python3.
pub fn find_python() -> Option<String> {
    let out = Command::new("python3").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs a benchmark program and parses its `NAME NS NS ...` lines.
fn run_lines(cmd: &mut Command) -> Result<Vec<(String, Vec<f64>)>> {
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !output.status.success() {
        bail!("{cmd:?} failed ({})", output.status);
    }
    Ok(parse_lines(&String::from_utf8_lossy(&output.stdout)))
}

/// The `NAME NS NS ...` lines of a benchmark program's output; lines without a number (a
/// usage note) are skipped.
fn parse_lines(text: &str) -> Vec<(String, Vec<f64>)> {
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let values: Vec<f64> = words.filter_map(|w| w.parse().ok()).collect();
        if !values.is_empty() {
            lines.push((name.to_string(), values));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_print_a_name_and_its_samples_per_line() {
        let lines = parse_lines("spawn/thread 120 130\n\nusage: nothing here\nq8/ours/2 5\n");
        assert_eq!(
            lines,
            [
                ("spawn/thread".to_string(), vec![120.0, 130.0]),
                ("q8/ours/2".to_string(), vec![5.0]),
            ]
        );
    }
}
