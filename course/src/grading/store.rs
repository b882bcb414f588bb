//! Resumable grading: each submission's reports are written the moment it is fully graded, with a
//! state file that records what they were graded from. A later run over the same submission, with
//! the same sources, pristine tests and settings, reuses them instead of grading it again (unless
//! forced); an interrupted run leaves no report for a submission it did not finish.
//!
//! Every file is written whole or not at all ([`report::write_atomic`]), and the state file is
//! written last: a folder with `results.json` but no matching state is graded again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::SubmissionResult;
use super::report::{self, Format};
use crate::manifest::Manifest;

/// The state file in each student's folder.
pub const STATE_FILE: &str = ".grading-state.json";

/// Where a run's reports go, and whether earlier ones may be reused.
#[derive(Debug, Clone)]
pub struct Store {
    /// The output folder: a folder per student, and `grades.csv`.
    pub out: PathBuf,
    /// The formats to write.
    pub formats: Vec<Format>,
    /// Grade every submission again, even when its reports are up to date.
    pub force: bool,
}

#[derive(Serialize, Deserialize)]
struct State {
    fingerprint: String,
    result: SubmissionResult,
}

impl Store {
    fn dir(&self, name: &str) -> PathBuf {
        self.out.join(name)
    }

    /// The result saved for `name` by an earlier run, if it was graded from `fingerprint` and
    /// reuse is allowed. A submission that could not be graded is never reused: the cause may be
    /// the grader's own (dependencies not fetched, a full disk), fixed since.
    pub fn reusable(&self, name: &str, fingerprint: &str) -> Option<SubmissionResult> {
        if self.force {
            return None;
        }
        let text = std::fs::read_to_string(self.dir(name).join(STATE_FILE)).ok()?;
        let state: State = serde_json::from_str(&text).ok()?;
        let complete = report_files(&self.formats)
            .iter()
            .all(|f| self.dir(name).join(f).is_file());
        let graded = state.result.could_not_grade.is_none();
        let same = state.fingerprint == fingerprint && state.result.name == name;
        (same && complete && graded).then(|| {
            let mut r = state.result;
            r.reused = true;
            r
        })
    }

    /// Removes `name`'s reports before it is graded again, so that an interrupted run cannot
    /// leave an older report looking like the answer for a newer submission.
    pub fn forget(&self, name: &str) -> Result<()> {
        let dir = self.dir(name);
        for f in report::STUDENT_FILES.iter().chain([&STATE_FILE]) {
            match std::fs::remove_file(dir.join(f)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("cannot remove {}", dir.join(f).display()));
                }
            }
        }
        Ok(())
    }

    /// Writes a fully graded submission's reports, then its state.
    pub fn save(&self, r: &SubmissionResult, fingerprint: &str, manifest: &Manifest) -> Result<()> {
        let dir = self.dir(&r.name);
        report::write_submission(r, manifest, &self.formats, &dir)?;
        std::fs::create_dir_all(&dir)?;
        let state = State {
            fingerprint: fingerprint.to_string(),
            result: SubmissionResult {
                reused: false,
                ..r.clone()
            },
        };
        report::write_atomic(&dir.join(STATE_FILE), serde_json::to_string(&state)?)
    }

    /// Writes the class gradebook, once every submission is graded.
    pub fn finish(&self, results: &[SubmissionResult]) -> Result<()> {
        report::write_gradebook(results, &self.formats, &self.out)
    }

    /// The output folder.
    pub fn out(&self) -> &Path {
        &self.out
    }
}

/// The per-student files `formats` writes.
fn report_files(formats: &[Format]) -> Vec<&'static str> {
    let mut v = Vec::new();
    if formats.contains(&Format::Gradescope) {
        v.push("results.json");
    }
    if formats.contains(&Format::Junit) {
        v.push("junit.xml");
    }
    if formats.contains(&Format::Feedback) {
        v.push("feedback.md");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, could_not_grade: Option<&str>) -> SubmissionResult {
        SubmissionResult {
            name: name.to_string(),
            source: PathBuf::from(name),
            could_not_grade: could_not_grade.map(str::to_string),
            exercises: Vec::new(),
            ignored_files: Vec::new(),
            replaced_files: Vec::new(),
            protections: Vec::new(),
            elapsed: std::time::Duration::ZERO,
            reused: false,
        }
    }

    #[test]
    fn only_a_graded_submission_with_the_same_fingerprint_is_reused() {
        let root = crate::workspace_root();
        let manifest = Manifest::load(&root.join(crate::MANIFEST_PATH)).unwrap();
        let out = root.join("target/course-store-selftest");
        let _ = std::fs::remove_dir_all(&out);
        let store = Store {
            out: out.clone(),
            formats: vec![Format::Gradescope, Format::Feedback],
            force: false,
        };
        store
            .save(&result("graded", None), "fp1", &manifest)
            .unwrap();
        let cannot = result("cannot", Some("cargo failed: dependencies not fetched"));
        store.save(&cannot, "fp1", &manifest).unwrap();
        let reused = store.reusable("graded", "fp1").expect("reused");
        assert!(reused.reused);
        assert!(store.reusable("graded", "fp2").is_none(), "sources changed");
        assert!(
            store.reusable("cannot", "fp1").is_none(),
            "a submission that could not be graded is tried again"
        );
        let forced = Store {
            force: true,
            ..store.clone()
        };
        assert!(forced.reusable("graded", "fp1").is_none());
        let _ = std::fs::remove_dir_all(&out);
    }
}
