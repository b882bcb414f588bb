//! `course grade`: grades many submissions fairly, from the pristine instructor tree.
//!
//! 1. Each submission is unpacked and turned into a grading workspace ([`workspace`]): pristine
//!    manifests and tests, the student's `exercises/src/**/*.rs` on top of the stubs.
//! 2. It is built ([`build`]); an exercise that does not compile is graded as its stub.
//! 3. Every graded test runs alone in the sandbox ([`crate::sandbox`], graded policy), up to
//!    `--jobs` at once; beside them one more worker builds the next submission (one build at a
//!    time: builds share one build folder), so a class's builds hide behind its tests.
//! 4. The moment a submission's last test ends, its reports are written ([`report`], through
//!    [`store`]): a later run reuses them while the submission and the pristine tests are
//!    unchanged, so an interrupted batch resumes where it stopped.
//!
//! Ctrl-C ([`crate::sandbox::stop`]) kills the running tests and builds and stops the batch;
//! submissions not finished get no report, and [`grade_all`] fails with [`Interrupted`].

mod batch;
pub mod build;
pub mod report;
pub mod store;
pub mod workspace;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::manifest::{Manifest, TestSpec};
use crate::sandbox::{self, Limits, Protections, Request, Verdict};
use batch::{Batch, Queue, Slot};
use build::BuildPlace;
use store::Store;
use workspace::Submission;

/// What to grade and how.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// The pristine instructor tree (the workspace root).
    pub pristine: PathBuf,
    /// Where grading workspaces and the shared build folder go.
    pub work_dir: PathBuf,
    /// Tests run at once; one build runs beside them while there is something to build.
    pub jobs: usize,
    /// Overrides every test's time limit (the manifest's otherwise).
    pub timeout: Option<Duration>,
    /// Only these exercises (all when empty).
    pub exercises: Vec<String>,
    /// The protections to ask for ([`Request::full`] for real grading).
    pub protections: Request,
    /// Where each submission's reports go as soon as it is graded, and whether earlier reports
    /// may be reused. `None`: nothing is written, the caller gets the results only.
    pub store: Option<Store>,
    /// Called after each test with (done, total).
    pub progress: Option<fn(usize, usize)>,
}

/// One graded test's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TestResult {
    /// The exercise.
    pub exercise: String,
    /// The test function.
    pub name: String,
    /// Points earned.
    pub score: u32,
    /// Points possible.
    pub max_score: u32,
    /// Not handed out to students.
    pub hidden: bool,
    /// How it ended.
    pub verdict: Verdict,
    /// What it printed (capped).
    pub output: String,
    /// How long it ran.
    pub elapsed: Duration,
}

/// One exercise's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExerciseResult {
    /// Its name.
    pub name: String,
    /// Points earned.
    pub score: u32,
    /// Points possible.
    pub max_score: u32,
    /// The compiler's message when the student's code for it did not compile (graded as the stub).
    pub compile_error: Option<String>,
    /// Its tests.
    pub tests: Vec<TestResult>,
}

/// One submission's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmissionResult {
    /// The submission's name: its folder or archive name, made unique within the batch.
    pub name: String,
    /// Where it came from.
    pub source: PathBuf,
    /// `Some(reason)` when it could not be graded at all.
    pub could_not_grade: Option<String>,
    /// Per exercise, in course order.
    pub exercises: Vec<ExerciseResult>,
    /// Files in the submission that were ignored.
    pub ignored_files: Vec<String>,
    /// Files replaced by their pristine version because they did not compile (e.g. `lib.rs`).
    pub replaced_files: Vec<String>,
    /// The protections in force.
    pub protections: Vec<String>,
    /// Wall-clock time spent on it (build and tests).
    pub elapsed: Duration,
    /// Taken from an earlier run's reports: the submission and the tests are unchanged.
    #[serde(default)]
    pub reused: bool,
}

impl SubmissionResult {
    /// Points earned.
    pub fn score(&self) -> u32 {
        self.exercises.iter().map(|e| e.score).sum()
    }
    /// Points possible.
    pub fn max_score(&self) -> u32 {
        self.exercises.iter().map(|e| e.max_score).sum()
    }
}

/// Grading stopped (Ctrl-C) before every submission was graded. The finished ones have their
/// reports; running the same command again grades the rest.
#[derive(Debug)]
pub struct Interrupted {
    /// Submissions graded (now or by an earlier run).
    pub finished: usize,
    /// Submissions in the batch.
    pub total: usize,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "grading was interrupted: {} of {} submission(s) finished and have their reports; \
             run the same command again to grade the rest",
            self.finished, self.total
        )
    }
}

impl std::error::Error for Interrupted {}

/// The names submissions are reported under, in input order: the folder or archive name, with
/// `-2`, `-3`, ... for repeats, so that no two overwrite each other's files.
pub fn report_names(submissions: &[PathBuf]) -> Vec<String> {
    let mut seen = BTreeMap::<String, usize>::new();
    submissions
        .iter()
        .map(|p| {
            let name = workspace::submission_name(p);
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n > 1 { format!("{name}-{n}") } else { name }
        })
        .collect()
}

/// Grades every submission; never fails because of one submission. Fails with [`Interrupted`]
/// when a stop was requested before the batch finished.
pub fn grade_all(submissions: &[PathBuf], opts: &GradeOptions) -> Result<Vec<SubmissionResult>> {
    let manifest = Manifest::load(&opts.pristine.join(crate::MANIFEST_PATH))?;
    let selected: Vec<String> = if opts.exercises.is_empty() {
        manifest.exercises.iter().map(|e| e.name.clone()).collect()
    } else {
        opts.exercises
            .iter()
            .map(|q| manifest.find(q).map(|e| e.name.clone()))
            .collect::<Result<_>>()?
    };
    std::fs::create_dir_all(&opts.work_dir)?;
    let prot = Protections::detect_with(&opts.protections);
    if prot.users().is_some() {
        build::make_traversable(&opts.work_dir);
    }
    // This run's own folders: two graders may share the work dir (and its dependency build).
    let run_dir = opts.work_dir.join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&run_dir);
    let scratch_root = make_scratch_root()?;
    let shared_build = opts.work_dir.join("shared-build");
    let tests: Vec<(String, TestSpec)> = manifest
        .exercises
        .iter()
        .filter(|e| selected.contains(&e.name))
        .flat_map(|e| e.tests.iter().map(|t| (e.name.clone(), t.clone())))
        .collect();
    let batch = Batch {
        opts,
        manifest: &manifest,
        selected: &selected,
        tests: &tests,
        names: report_names(submissions),
        submissions,
        settings: settings_digest(opts, &selected)?,
        protections_text: prot
            .describe(&Limits::with_timeout(opts.timeout.unwrap_or(
                Duration::from_secs(crate::manifest::DEFAULT_TIMEOUT_SECS),
            ))),
        prot: &prot,
        run_dir: &run_dir,
        scratch_root: &scratch_root,
        place: BuildPlace {
            pristine: &opts.pristine,
            shared_build: &shared_build,
            unprivileged: opts.protections.unprivileged,
        },
        cache: Mutex::new(BTreeMap::new()),
        state: Mutex::new(Queue::new(submissions.len())),
        wake: Condvar::new(),
    };
    std::thread::scope(|s| {
        // `--jobs` test lanes and the build lane.
        for _ in 0..opts.jobs.max(1) + 1 {
            s.spawn(|| batch.work());
        }
    });
    if prot.sweeps_orphans() {
        // An orphan that appeared after its test's own sweep (its parent outlived the test for a
        // moment) has no later test to sweep it up.
        sandbox::reaper::sweep_orphans(None);
    }
    if std::env::var_os("COURSE_KEEP_WORK").is_none() {
        let _ = std::fs::remove_dir_all(&run_dir);
    }
    let _ = std::fs::remove_dir_all(&scratch_root);
    let queue = batch.state.into_inner().unwrap_or_else(|p| p.into_inner());
    let results: Vec<SubmissionResult> = queue
        .slots
        .into_iter()
        .filter_map(|s| match s {
            Slot::Done(r) => Some(*r),
            _ => None,
        })
        .collect();
    if results.len() < submissions.len() {
        return Err(Interrupted {
            finished: results.len(),
            total: submissions.len(),
        }
        .into());
    }
    if let Some(store) = &opts.store {
        store.finish(&results)?;
    }
    Ok(results)
}

/// A fresh folder for this run's test working folders, under the system's temporary folder
/// (short), traversable but not listable by the tests' user.
fn make_scratch_root() -> Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cg-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::DirBuilder::new()
        .mode(0o711)
        .create(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    // The mode given to mkdir is narrowed by the umask; this one is not.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711))?;
    Ok(dir)
}

/// A digest of everything besides the student's sources that a grade depends on: the pristine
/// manifest, graded tests, stubs and lock file, the grader's version, and the options.
fn settings_digest(opts: &GradeOptions, selected: &[String]) -> Result<u64> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    selected.hash(&mut h);
    opts.timeout.hash(&mut h);
    opts.protections.unprivileged.hash(&mut h);
    let p = &opts.pristine;
    let mut files = vec![p.join(crate::MANIFEST_PATH), p.join("Cargo.lock")];
    files.extend(crate::file_tree::files_with_extension(
        &p.join("exercises/src"),
        "rs",
    )?);
    for dir in [p.join("tests"), p.join("tests/hidden")] {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.path().extension().is_some_and(|x| x == "rs") {
                files.push(e.path());
            }
        }
    }
    files.sort();
    for f in files {
        f.hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    Ok(h.finish())
}

/// What a submission's grade depends on: its sources and the run's settings. (A new toolchain may
/// hash differently; then everything is graded again, which is safe.)
fn fingerprint_of(sub: &Submission, settings: u64) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    settings.hash(&mut h);
    build::hash_sources(sub).hash(&mut h);
    sub.ignored.hash(&mut h);
    format!("{:016x}", h.finish())
}
