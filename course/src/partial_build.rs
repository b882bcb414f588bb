//! Building the graded tests of the exercises that compile, so that one exercise that does not
//! compile never hides the others' results.
//!
//! The exercises crate has one cargo feature per exercise (`ex03`), which gates the exercise's
//! module, its part of the worker binary, and its test target (`required-features`); a feature
//! may need another (`ex08 = ["ex02"]`: ex08 builds on the ex02 pool). [`build`] builds the tests
//! with the wanted exercises' features; when the compiler fails, it finds the exercises its errors
//! are in ([`attribute`]), turns their features off, together with those of the exercises that
//! need them ([`plan`]), and builds again. The student's files are never touched.

mod attribution;
mod plan;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

pub use attribution::attribute;
pub use plan::{Features, Plan, feature_of, plan};

use crate::manifest::Exercise;
use crate::testrun::{self, BuildFailure, BuildRequest, TestBinaries};

/// An exercise that does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The file of its first error, relative to the workspace root.
    pub file: String,
    /// That error's line.
    pub line: u64,
    /// That error's first line (`mismatched types`).
    pub message: String,
    /// Every error of this exercise, as the compiler prints them.
    pub rendered: Vec<String>,
}

impl Broken {
    /// `FILE:LINE: MESSAGE`, for a one-line status.
    pub fn summary(&self) -> String {
        format!("{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Why an exercise's tests were not built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// Its own code does not compile.
    DoesNotCompile(Broken),
    /// It builds on an exercise (named) that does not compile.
    Needs(String),
}

/// What a partial build built, and what it left out.
#[derive(Debug, Clone, Default)]
pub struct PartialBuild {
    /// The test binaries of the exercises that compile.
    pub bins: TestBinaries,
    /// Exercise name → why its tests were not built. An exercise outside the wanted ones can be
    /// here too: one that a wanted exercise needs.
    pub skipped: BTreeMap<String, Skipped>,
}

/// Builds the test binaries of `wanted` in package `package` of the workspace at `root`, leaving
/// out the exercises that do not compile and those that need them. `all` is every exercise of
/// the course, in order.
///
/// A package without one feature per exercise (the solutions) is built whole, as before.
/// `Ok(Err(_))`: the build failed in a way no exercise accounts for (an error in a shared file),
/// or a stop was requested ([`crate::sandbox::stop`]).
pub fn build(
    root: &Path,
    package: &str,
    wanted: &[&Exercise],
    all: &[Exercise],
    target_dir: Option<&Path>,
) -> Result<Result<PartialBuild, BuildFailure>> {
    let manifest_path = root.join(package).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read {}", manifest_path.display()))?;
    let features =
        Features::parse(&text).with_context(|| format!("in {}", manifest_path.display()))?;
    let all: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
    let wanted: Vec<&str> = wanted.iter().map(|e| e.name.as_str()).collect();
    if !features.cover(all.iter().copied()) {
        let request = BuildRequest {
            target_dir,
            ..BuildRequest::default()
        };
        return Ok(
            testrun::build_tests_with(root, package, &request)?.map(|bins| PartialBuild {
                bins,
                skipped: BTreeMap::new(),
            }),
        );
    }
    let mut broken: BTreeMap<String, Broken> = BTreeMap::new();
    // Each round leaves out at least one more exercise, or ends.
    for _round in 0..=all.len() {
        let plan = plan(&wanted, &broken.keys().cloned().collect(), &features, &all);
        let skipped = || -> BTreeMap<String, Skipped> {
            let mut s: BTreeMap<String, Skipped> = broken
                .iter()
                .map(|(e, b)| (e.clone(), Skipped::DoesNotCompile(b.clone())))
                .collect();
            for (e, need) in &plan.blocked {
                s.insert(e.clone(), Skipped::Needs(need.clone()));
            }
            s
        };
        if plan.tests.is_empty() {
            return Ok(Ok(PartialBuild {
                bins: TestBinaries::default(),
                skipped: skipped(),
            }));
        }
        let request = BuildRequest {
            target_dir,
            features: Some(&plan.features),
            tests: Some(&plan.tests),
            ..BuildRequest::default()
        };
        let failure = match testrun::build_tests_with(root, package, &request)? {
            Ok(bins) => {
                return Ok(Ok(PartialBuild {
                    bins,
                    skipped: skipped(),
                }));
            }
            Err(failure) => failure,
        };
        if crate::sandbox::stop::requested() {
            return Ok(Err(failure));
        }
        let mut newly_broken = false;
        for error in &failure.errors {
            let Some((exercise, file, line)) = attribute(error, package, &all) else {
                continue;
            };
            let entry = broken.entry(exercise).or_insert_with(|| {
                newly_broken = true;
                Broken {
                    file,
                    line,
                    message: error.message.clone(),
                    rendered: Vec::new(),
                }
            });
            entry.rendered.push(error.rendered.clone());
        }
        if !newly_broken {
            return Ok(Err(failure));
        }
    }
    anyhow::bail!("the build of {package}'s tests did not settle after leaving out every exercise")
}

/// The course's exercises, for the unit tests.
#[cfg(test)]
const TEST_EXERCISES: [&str; 8] = [
    "ex01_threads_vs_processes",
    "ex02_process_pool",
    "ex03_multiprocessing",
    "ex04_producer_consumer",
    "ex05_sharing_data",
    "ex06_panics_and_errors",
    "ex07_thread_pool_factorials",
    "ex08_pool_sizes",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_exercise_reads_file_line_and_first_message() {
        let b = Broken {
            file: "exercises/src/ex03_multiprocessing.rs".into(),
            line: 12,
            message: "mismatched types".into(),
            rendered: vec![],
        };
        assert_eq!(
            b.summary(),
            "exercises/src/ex03_multiprocessing.rs:12: mismatched types"
        );
    }
}
