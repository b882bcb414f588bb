//! `course grade`: grades many submissions fairly, from the pristine instructor tree.
//!
//! 1. Each submission is unpacked and turned into a grading workspace ([`workspace`]): pristine
//!    manifests and tests, the student's `exercises/src/**/*.rs` on top of the stubs.
//! 2. It is built; when it does not compile, every exercise whose file the compiler complains
//!    about is swapped for its pristine stub and the build is retried, so a compile error costs
//!    that exercise only (the report keeps the compiler's message). Builds share one build folder
//!    for the dependencies; identical sources share one build altogether.
//! 3. Every graded test runs alone in the sandbox ([`crate::sandbox`]); all submissions' tests
//!    share one queue of `--jobs` runners.
//! 4. Reports are written ([`report`]).

pub mod report;
pub mod workspace;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::manifest::Manifest;
use crate::sandbox::{self, GradedOutcome, GradedVerdict, Limits, Protections};
use workspace::Submission;

/// What to grade and how.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// The pristine instructor tree (the workspace root).
    pub pristine: PathBuf,
    /// Where grading workspaces and the shared build folder go.
    pub work_dir: PathBuf,
    /// Submissions graded at once (builds) and tests run at once.
    pub jobs: usize,
    /// Overrides every test's time limit (the manifest's otherwise).
    pub timeout: Option<Duration>,
    /// Only these exercises (all when empty).
    pub exercises: Vec<String>,
    /// Run tests as `nobody` when the grader is root.
    pub unprivileged: bool,
    /// Called after each test with (done, total).
    pub progress: Option<fn(usize, usize)>,
}

/// One graded test's result.
#[derive(Debug, Clone)]
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
    pub verdict: GradedVerdict,
    /// What it printed (capped).
    pub output: String,
    /// How long it ran.
    pub elapsed: Duration,
}

/// One exercise's result.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct SubmissionResult {
    /// The submission's name.
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

/// A built submission, ready to run.
struct Built {
    test_exe: PathBuf,
    listed: Vec<String>,
    stubbed: BTreeMap<String, String>,
    replaced: Vec<String>,
}

/// Grades every submission; never fails because of one submission.
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
    let prot = Protections::detect(opts.unprivileged);
    if prot.run_as.is_some() {
        make_traversable(&opts.work_dir);
    }
    let shared_build = opts.work_dir.join("shared-build");
    // This run's own folders: two graders may share the work dir (and its dependency build).
    let run_dir = opts.work_dir.join(format!("run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&run_dir);

    // Phase 1: open and build every submission (builds serialise on cargo's lock anyway).
    let started: Vec<Instant> = submissions.iter().map(|_| Instant::now()).collect();
    type Prepared = (Result<Submission>, Result<Built>);
    let prepared: Mutex<Vec<Option<Prepared>>> =
        Mutex::new(submissions.iter().map(|_| None).collect());
    let by_hash: BuildCache = Mutex::new(BTreeMap::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(path) = submissions.get(i) else {
                        break;
                    };
                    let scratch = run_dir.join(format!("sub{i:04}"));
                    let opened = workspace::open_submission(path, &scratch, &opts.pristine);
                    let built = match &opened {
                        Ok(sub) => build_submission(
                            sub,
                            &scratch,
                            &shared_build,
                            &manifest,
                            opts,
                            &by_hash,
                        ),
                        Err(e) => Err(anyhow::anyhow!("{e:#}")),
                    };
                    prepared.lock().unwrap()[i] = Some((opened, built));
                }
            });
        }
    });
    let prepared: Vec<Prepared> = prepared
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|p| p.expect("every submission prepared"))
        .collect();

    // Phase 2: one queue of every test of every built submission.
    let limits_for = |t: &crate::manifest::TestSpec| {
        Limits::with_timeout(opts.timeout.unwrap_or_else(|| t.timeout()))
    };
    let mut queue = Vec::new(); // (submission index, exercise, test spec)
    for (i, (_, built)) in prepared.iter().enumerate() {
        if built.is_ok() {
            for ex in manifest
                .exercises
                .iter()
                .filter(|e| selected.contains(&e.name))
            {
                for t in &ex.tests {
                    queue.push((i, ex.name.clone(), t.clone()));
                }
            }
        }
    }
    let total = queue.len();
    let done = Mutex::new(0usize);
    let outcomes: Mutex<BTreeMap<(usize, String, String), GradedOutcome>> =
        Mutex::new(BTreeMap::new());
    let next = Mutex::new(0usize);
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let k = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some((i, ex, spec)) = queue.get(k) else {
                        break;
                    };
                    let Ok(built) = &prepared[*i].1 else { continue };
                    let full = format!("{ex}::{}", spec.name);
                    let scratch = opts
                        .work_dir
                        .join(format!("sub{i:04}/run/{ex}-{}", spec.name));
                    let scratch =
                        run_dir.join(scratch.strip_prefix(&opts.work_dir).unwrap_or(&scratch));
                    let outcome = sandbox::run_graded_test(
                        &built.test_exe,
                        &full,
                        &built.listed,
                        &limits_for(spec),
                        &prot,
                        &scratch,
                    );
                    let _ = std::fs::remove_dir_all(&scratch);
                    outcomes
                        .lock()
                        .unwrap()
                        .insert((*i, ex.clone(), spec.name.clone()), outcome);
                    let mut d = done.lock().unwrap();
                    *d += 1;
                    if let Some(p) = opts.progress {
                        p(*d, total);
                    }
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap();
    let protections = prot
        .describe(&Limits::with_timeout(opts.timeout.unwrap_or(
            Duration::from_secs(crate::manifest::DEFAULT_TIMEOUT_SECS),
        )));

    // Phase 3: results.
    let mut results = Vec::new();
    for (i, (opened, built)) in prepared.into_iter().enumerate() {
        let source = submissions[i].clone();
        let fallback_name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (name, ignored) = match &opened {
            Ok(s) => (s.name.clone(), s.ignored.clone()),
            Err(_) => (fallback_name, Vec::new()),
        };
        let mut result = SubmissionResult {
            name,
            source,
            could_not_grade: None,
            exercises: Vec::new(),
            ignored_files: ignored,
            replaced_files: Vec::new(),
            protections: protections.clone(),
            elapsed: started[i].elapsed(),
        };
        let built = match (opened, built) {
            (Err(e), _) | (_, Err(e)) => {
                result.could_not_grade = Some(format!("{e:#}"));
                // Every test counts as failed, so the gradebook still has a row with a zero.
                for ex in manifest
                    .exercises
                    .iter()
                    .filter(|e| selected.contains(&e.name))
                {
                    result.exercises.push(ExerciseResult {
                        name: ex.name.clone(),
                        score: 0,
                        max_score: ex.max_points(),
                        compile_error: None,
                        tests: ex
                            .tests
                            .iter()
                            .map(|t| TestResult {
                                exercise: ex.name.clone(),
                                name: t.name.clone(),
                                score: 0,
                                max_score: t.points,
                                hidden: t.hidden,
                                verdict: GradedVerdict::NotRun(
                                    "the submission could not be graded".into(),
                                ),
                                output: String::new(),
                                elapsed: Duration::ZERO,
                            })
                            .collect(),
                    });
                }
                results.push(result);
                continue;
            }
            (Ok(_), Ok(b)) => b,
        };
        result.replaced_files = built.replaced.clone();
        for ex in manifest
            .exercises
            .iter()
            .filter(|e| selected.contains(&e.name))
        {
            let mut tests = Vec::new();
            for t in &ex.tests {
                let o = outcomes.remove(&(i, ex.name.clone(), t.name.clone()));
                let (verdict, output, elapsed) = match o {
                    Some(o) => (o.verdict, o.output, o.elapsed),
                    None => (
                        GradedVerdict::NotRun("not run".into()),
                        String::new(),
                        Duration::ZERO,
                    ),
                };
                let score = if verdict.passed() { t.points } else { 0 };
                tests.push(TestResult {
                    exercise: ex.name.clone(),
                    name: t.name.clone(),
                    score,
                    max_score: t.points,
                    hidden: t.hidden,
                    verdict,
                    output,
                    elapsed,
                });
            }
            result.exercises.push(ExerciseResult {
                name: ex.name.clone(),
                score: tests.iter().map(|t| t.score).sum(),
                max_score: ex.max_points(),
                compile_error: built.stubbed.get(&ex.name).cloned(),
                tests,
            });
        }
        result.elapsed = started[i].elapsed();
        results.push(result);
    }
    if std::env::var_os("COURSE_KEEP_WORK").is_none() {
        let _ = std::fs::remove_dir_all(&run_dir);
    }
    Ok(results)
}

fn make_traversable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut d = Some(dir);
    while let Some(p) = d {
        if let Ok(meta) = std::fs::metadata(p) {
            let mut perm = meta.permissions();
            perm.set_mode(perm.mode() | 0o755);
            let _ = std::fs::set_permissions(p, perm);
        }
        d = p.parent();
    }
}

fn hash_sources(sub: &Submission) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    sub.sources.hash(&mut h);
    h.finish()
}

type BuildCache =
    Mutex<BTreeMap<u64, (PathBuf, Vec<String>, BTreeMap<String, String>, Vec<String>)>>;

/// Held while a submission builds and its test binary is copied out: every grading workspace's
/// `exercises` crate has the same name and version, so cargo gives their artifacts the same file
/// names in the shared build folder, and the next build would overwrite this one's binary.
static BUILD_LOCK: Mutex<()> = Mutex::new(());

/// The same exclusion between grader processes: an exclusive file lock on `path`, released when the
/// returned file is dropped.
fn lock_file(path: &Path) -> Result<std::fs::File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open the build lock {}", path.display()))?;
    f.lock().context("cannot lock the shared build")?;
    Ok(f)
}

/// Builds a submission's graded test binary, swapping exercises that do not compile for their
/// stubs until it builds.
fn build_submission(
    sub: &Submission,
    scratch: &Path,
    shared_build: &Path,
    manifest: &Manifest,
    opts: &GradeOptions,
    cache: &BuildCache,
) -> Result<Built> {
    let key = hash_sources(sub);
    if let Some((exe, listed, stubbed, replaced)) = cache.lock().unwrap().get(&key).cloned() {
        return Ok(Built {
            test_exe: exe,
            listed,
            stubbed,
            replaced,
        });
    }
    let dir = scratch.join("ws");
    let mut stubbed: BTreeMap<String, String> = BTreeMap::new();
    let mut replaced: BTreeSet<PathBuf> = BTreeSet::new();
    for _attempt in 0..(manifest.exercises.len() + 4) {
        let use_stub: BTreeSet<String> = stubbed.keys().cloned().collect();
        // The sources are written while holding the lock: cargo judges freshness by modification
        // times, and files written before another submission's build finished would look older
        // than that build's artifacts, which share this crate's file names.
        let guard = BUILD_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let _file_lock = lock_file(&shared_build.with_extension("lock"))?;
        workspace::write_workspace(&dir, &opts.pristine, manifest, sub, &use_stub, &replaced)?;
        let out = cargo_build(&dir, shared_build)?;
        let out = match out {
            Ok(shared_exe) => {
                let own = scratch.join("graded-tests");
                std::fs::copy(&shared_exe, &own).context("cannot copy the test binary")?;
                Ok(own)
            }
            Err(e) => Err(e),
        };
        drop(guard);
        match out {
            Ok(exe) => {
                if opts.unprivileged {
                    make_traversable(&dir.join("target"));
                }
                let listed = crate::testrun::list_tests(&exe)?;
                let replaced: Vec<String> = replaced
                    .iter()
                    .map(|p| format!("exercises/src/{}", p.display()))
                    .collect();
                cache.lock().unwrap().insert(
                    key,
                    (
                        exe.clone(),
                        listed.clone(),
                        stubbed.clone(),
                        replaced.clone(),
                    ),
                );
                return Ok(Built {
                    test_exe: exe,
                    listed,
                    stubbed,
                    replaced,
                });
            }
            Err(errors) => {
                let mut progress = false;
                for (file, message) in errors {
                    let rel_src = file
                        .strip_prefix("exercises/src")
                        .ok()
                        .map(Path::to_path_buf);
                    let rel_test = file
                        .strip_prefix("exercises/tests/graded")
                        .ok()
                        .map(Path::to_path_buf);
                    let exercise = rel_src
                        .as_deref()
                        .and_then(|r| workspace::exercise_of(r, manifest))
                        .or_else(|| {
                            rel_test
                                .as_deref()
                                .and_then(|r| workspace::exercise_of(r, manifest))
                        });
                    if let Some(ex) = exercise {
                        if let std::collections::btree_map::Entry::Vacant(slot) = stubbed.entry(ex)
                        {
                            slot.insert(message);
                            progress = true;
                        }
                    } else if let Some(rel) = rel_src {
                        // lib.rs, bin/worker.rs or a helper module: use the pristine file.
                        if sub.sources.contains_key(&rel) && replaced.insert(rel) {
                            progress = true;
                        }
                    }
                }
                if !progress {
                    anyhow::bail!(
                        "the submission does not compile, even with broken exercises replaced by their stubs"
                    );
                }
            }
        }
    }
    anyhow::bail!("the submission does not compile after replacing every broken exercise")
}

/// Builds the graded test binary. `Ok(Err(errors))` lists (file, rendered message) per error.
fn cargo_build(
    dir: &Path,
    shared_build: &Path,
) -> Result<std::result::Result<PathBuf, Vec<(PathBuf, String)>>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(dir)
        .args([
            "test",
            "--no-run",
            "--offline",
            "--message-format=json",
            "-p",
            "exercises",
            "--test",
            "graded",
        ])
        .arg("--config")
        .arg(format!(
            "build.build-dir={:?}",
            shared_build.display().to_string()
        ))
        .arg("--target-dir")
        .arg(dir.join("target"))
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_BUILD_DIR")
        .stdin(std::process::Stdio::null())
        .output()
        .context("cannot run cargo")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut exe = None;
    let mut errors = Vec::new();
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match v["reason"].as_str() {
            Some("compiler-artifact")
                if v["target"]["name"] == "graded" && v["profile"]["test"] == true =>
            {
                exe = v["executable"].as_str().map(PathBuf::from);
            }
            Some("compiler-message") if v["message"]["level"] == "error" => {
                let rendered = v["message"]["rendered"].as_str().unwrap_or("").to_string();
                let spans = v["message"]["spans"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let file = spans
                    .iter()
                    .find(|s| s["is_primary"] == true)
                    .or(spans.first())
                    .and_then(|s| s["file_name"].as_str())
                    .map(PathBuf::from)
                    .unwrap_or_default();
                errors.push((file, rendered));
            }
            _ => {}
        }
    }
    if out.status.success() {
        if let Some(exe) = exe {
            return Ok(Ok(exe));
        }
        anyhow::bail!("cargo built no graded test binary");
    }
    if errors.is_empty() {
        anyhow::bail!("cargo failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(Err(errors))
}
