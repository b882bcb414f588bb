//! Helpers shared by the grader's integration tests: submissions made from the pristine stubs,
//! with misbehaviour injected, or from the reference solutions.

#![allow(dead_code)] // each test file uses its own subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use course::manifest::Manifest;

pub fn root() -> PathBuf {
    course::workspace_root()
}

pub fn manifest() -> Manifest {
    Manifest::load(&root().join(course::MANIFEST_PATH)).unwrap()
}

/// A fresh folder `name` under `target/BASE`.
pub fn fresh_in(base: &str, name: &str) -> PathBuf {
    let d = root().join("target").join(base).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn copy_dir(from: &Path, to: &Path) {
    course::file_tree::copy(from, to).unwrap();
}

/// Copies from the workspace root into `to` the folders `dirs`, the files `files` (paths
/// relative to the root), and the graded tests' own files (`tests/*.rs`, not their folders).
pub fn copy_from_root(to: &Path, dirs: &[&str], files: &[&str]) {
    for dir in dirs {
        copy_dir(&root().join(dir), &to.join(dir));
    }
    let tests = std::fs::read_dir(root().join("tests")).unwrap().flatten();
    let graded = tests
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"));
    let graded: Vec<String> = graded
        .map(|p| format!("tests/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    for file in files
        .iter()
        .copied()
        .chain(graded.iter().map(String::as_str))
    {
        let out = to.join(file);
        std::fs::create_dir_all(out.parent().unwrap()).unwrap();
        std::fs::copy(root().join(file), out).unwrap();
    }
}

/// The pristine stub of `exercise`, with `todo!` shadowed so that it first does `misbehave`.
pub fn stub_that(exercise: &str, misbehave: &str) -> String {
    let stub =
        std::fs::read_to_string(root().join(format!("exercises/src/{exercise}.rs"))).unwrap();
    let lines: Vec<&str> = stub.lines().collect();
    let split = lines
        .iter()
        .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
        .count();
    let mac = format!(
        "#[allow(unused_macros, unreachable_code, clippy::diverging_sub_expression)]\nmacro_rules! todo {{ ($($t:tt)*) => {{{{ {{ {misbehave} }} ::core::panic!(\"not yet\") }}}} }}\n"
    );
    format!(
        "{}\n{mac}{}\n",
        lines[..split].join("\n"),
        lines[split..].join("\n")
    )
}

/// A handout copy in `dir` whose exercises are stubs unless `files` replaces them.
pub fn submission_in(dir: PathBuf, files: &BTreeMap<String, String>) -> PathBuf {
    copy_dir(&root().join("exercises/src"), &dir.join("exercises/src"));
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// The solutions' sources as a student's `exercises/src` (crate paths renamed), with the handout's
/// worker binary: the solution's worker exports C `main` with `unsafe`, which the grader forbids,
/// so taking it would cost every grading of these files a failed build first.
pub fn solution_files() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let src = root().join("solutions/src");
    for p in course::file_tree::files_with_extension(&src, "rs").unwrap() {
        let rel = p.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        if rel == "bin/worker.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&p)
            .unwrap()
            .replace("solutions::", "exercises::")
            .replace("solutions-worker", "exercises-worker");
        files.insert(format!("exercises/src/{rel}"), text);
    }
    files
}

/// Processes whose command line contains `needle`.
pub fn processes_matching(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(needle) {
                found.push(format!("{}: {cmd}", e.file_name().to_string_lossy()));
            }
        }
    }
    found
}
