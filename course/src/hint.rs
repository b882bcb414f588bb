//! `course hint EXERCISE`: prints the exercise's hints one level at a time, like rustlings.
//! How many were shown is kept in `target/course/hints-shown.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use course::manifest::Manifest;

/// Options of `course hint`.
#[derive(Args, Debug, Clone)]
pub struct HintArgs {
    /// The exercise: `ex04`, `4` or its full name.
    pub exercise: String,
    /// Show every hint level at once.
    #[arg(long)]
    pub all: bool,
    /// Start again from the first hint.
    #[arg(long)]
    pub reset: bool,
}

fn state_file(root: &Path) -> PathBuf {
    root.join("target/course/hints-shown.json")
}

fn load_state(path: &Path) -> BTreeMap<String, usize> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Prints the next hint (or all of them) and remembers the level.
pub fn run(root: &Path, manifest: &Manifest, args: &HintArgs) -> Result<ExitCode> {
    let ex = manifest.find(&args.exercise)?;
    let path = state_file(root);
    let mut state = load_state(&path);
    if args.reset {
        state.remove(&ex.name);
    }
    let total = ex.hints.len();
    if total == 0 {
        println!("{} has no hints yet.", ex.name);
        return Ok(ExitCode::SUCCESS);
    }
    let shown = state.get(&ex.name).copied().unwrap_or(0);
    let upto = if args.all {
        total
    } else {
        (shown + 1).min(total)
    };
    println!("Hints for {} ({}):", ex.name, ex.title);
    for (i, h) in ex.hints.iter().enumerate().take(upto) {
        println!("\n  {}/{}: {}", i + 1, total, h);
    }
    if upto < total {
        println!(
            "\nRun `cargo course hint {}` again for the next hint.",
            args.exercise
        );
    } else {
        println!(
            "\nThat was the last hint. The chapter src/{} walks through the ideas.",
            ex.chapter
        );
    }
    state.insert(ex.name.clone(), upto);
    std::fs::create_dir_all(path.parent().expect("has a parent"))
        .context("cannot create target/course")?;
    std::fs::write(&path, serde_json::to_string_pretty(&state)?)
        .context("cannot save the hint level")?;
    Ok(ExitCode::SUCCESS)
}
