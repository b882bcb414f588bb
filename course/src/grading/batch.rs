//! The work of one grading run, shared by `--jobs` + 1 workers: one queue holds the submissions
//! not started yet and the tests ready to run. One submission builds at a time (builds share one
//! build folder), beside up to `--jobs` tests of the submissions already built, so a class's
//! builds hide behind its tests; the submission whose last test ends is reported at once.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::build::{self, BuildCache, BuildPlace, BuildStopped, Built};
use super::workspace::{self, Submission};
use super::{ExerciseResult, GradeOptions, SubmissionResult, TestResult, fingerprint_of, report};
use crate::manifest::{Manifest, TestSpec};
use crate::sandbox::{self, Limits, Outcome, Policy, Protections, Verdict, stop};

/// One run over a batch of submissions, shared by its workers.
pub(super) struct Batch<'a> {
    pub(super) opts: &'a GradeOptions,
    pub(super) manifest: &'a Manifest,
    pub(super) selected: &'a [String],
    /// Every graded test of the selected exercises: (exercise, spec).
    pub(super) tests: &'a [(String, TestSpec)],
    pub(super) names: Vec<String>,
    pub(super) submissions: &'a [PathBuf],
    pub(super) settings: u64,
    pub(super) protections_text: Vec<String>,
    pub(super) prot: &'a Protections,
    pub(super) run_dir: &'a Path,
    /// The tests' working folders: short paths, so that a test's Unix socket path in its
    /// `TMPDIR` stays within the 108 bytes the kernel allows.
    pub(super) scratch_root: &'a Path,
    pub(super) place: BuildPlace<'a>,
    pub(super) cache: BuildCache,
    pub(super) state: Mutex<Queue>,
    pub(super) wake: Condvar,
}

/// What the workers share: submissions not started yet, tests ready to run, and each
/// submission's progress.
pub(super) struct Queue {
    next_submission: usize,
    ready: VecDeque<(usize, usize)>,
    /// Builds and tests being worked on now.
    in_flight: usize,
    building: usize,
    /// Tests running now (at most `--jobs`).
    testing: usize,
    pub(super) slots: Vec<Slot>,
    tests_done: usize,
}

/// One submission's progress.
pub(super) enum Slot {
    Waiting,
    Building,
    Testing(Box<Testing>),
    Done(Box<SubmissionResult>),
    /// Stopped before it finished: no result.
    Abandoned,
}

/// A built submission whose tests are running.
pub(super) struct Testing {
    sub: Submission,
    built: Built,
    fingerprint: String,
    started: Instant,
    outcomes: Vec<Option<Outcome>>,
    remaining: usize,
}

/// Why a submission was not built.
enum Prep {
    /// Its reports from an earlier run are up to date.
    Reused(Box<SubmissionResult>),
    /// A stop was requested during its build.
    Stopped,
    /// It cannot be graded: says why.
    Failed(anyhow::Error),
}

/// One unit of work.
enum Task {
    Build(usize),
    Test(usize, usize),
}

/// Marks a task as no longer in flight when dropped (true: a test), and wakes the waiting
/// workers.
struct TaskDone<'b, 'a>(&'b Batch<'a>, bool);

impl Drop for TaskDone<'_, '_> {
    fn drop(&mut self) {
        let mut q = self.0.lock();
        q.in_flight -= 1;
        if self.1 {
            q.testing -= 1;
        }
        drop(q);
        self.0.wake.notify_all();
    }
}

impl Queue {
    pub(super) fn new(n: usize) -> Queue {
        Queue {
            next_submission: 0,
            ready: VecDeque::new(),
            in_flight: 0,
            building: 0,
            testing: 0,
            slots: (0..n).map(|_| Slot::Waiting).collect(),
            tests_done: 0,
        }
    }
}

impl Batch<'_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A worker: takes tasks until there are none, or a stop was requested.
    pub(super) fn work(&self) {
        while let Some(task) = self.next_task() {
            // Counted as done even if the task panics, so the other workers do not wait forever.
            let _done = TaskDone(self, matches!(task, Task::Test(..)));
            match task {
                Task::Build(i) => self.prepare(i),
                Task::Test(i, t) => self.run_test(i, t),
            }
        }
        self.wake.notify_all();
    }

    /// The next task: keep one build going while there are submissions to build, and run ready
    /// tests, up to `--jobs` at once; wait while others may still produce tests.
    fn next_task(&self) -> Option<Task> {
        let mut q = self.lock();
        loop {
            if stop::requested() {
                return None;
            }
            let more = q.next_submission < self.submissions.len();
            let task = if more && q.building == 0 {
                Some(self.take_submission(&mut q))
            } else if q.testing < self.opts.jobs.max(1)
                && let Some((i, t)) = q.ready.pop_front()
            {
                q.testing += 1;
                Some(Task::Test(i, t))
            } else {
                None
            };
            if let Some(task) = task {
                q.in_flight += 1;
                return Some(task);
            }
            if q.in_flight == 0 {
                return None;
            }
            q = self
                .wake
                .wait_timeout(q, Duration::from_millis(200))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn take_submission(&self, q: &mut Queue) -> Task {
        let i = q.next_submission;
        q.next_submission += 1;
        q.building += 1;
        q.slots[i] = Slot::Building;
        Task::Build(i)
    }

    /// Opens submission `i`, reuses its earlier reports if they are up to date, or builds it and
    /// queues its tests.
    fn prepare(&self, i: usize) {
        let started = Instant::now();
        let scratch = self.run_dir.join(format!("sub{i:04}"));
        let name = &self.names[i];
        let mut fingerprint = None;
        let prepared = (|| {
            let opened =
                workspace::open_submission(&self.submissions[i], &scratch, &self.opts.pristine);
            if let Ok(sub) = &opened {
                let fp = fingerprint.insert(fingerprint_of(sub, self.settings));
                if let Some(r) = self.opts.store.as_ref().and_then(|s| s.reusable(name, fp)) {
                    return Err(Prep::Reused(Box::new(r)));
                }
            }
            if let Some(store) = &self.opts.store {
                // It is graded now: an older report must not stand for it if this run stops.
                store.forget(name).map_err(Prep::Failed)?;
            }
            let sub = opened.map_err(Prep::Failed)?;
            match build::build_submission(&sub, &scratch, &self.place, self.manifest, &self.cache) {
                Ok(built) => Ok((sub, built)),
                Err(e) if e.is::<BuildStopped>() => Err(Prep::Stopped),
                Err(e) => Err(Prep::Failed(e)),
            }
        })();
        let done = |q: &mut Queue, r: SubmissionResult| {
            q.tests_done += self.tests.len();
            self.report_progress(q.tests_done);
            q.slots[i] = Slot::Done(Box::new(r));
        };
        match prepared {
            Ok((sub, built)) => {
                let testing = Testing {
                    sub,
                    built,
                    fingerprint: fingerprint.unwrap_or_default(),
                    started,
                    outcomes: vec![None; self.tests.len()],
                    remaining: self.tests.len(),
                };
                let mut q = self.lock();
                q.building -= 1;
                if self.tests.is_empty() {
                    drop(q);
                    self.finish(i, testing);
                } else {
                    q.slots[i] = Slot::Testing(Box::new(testing));
                    q.ready.extend((0..self.tests.len()).map(|t| (i, t)));
                }
            }
            Err(Prep::Reused(r)) => {
                let mut q = self.lock();
                q.building -= 1;
                done(&mut q, *r);
            }
            Err(Prep::Stopped) => {
                let mut q = self.lock();
                q.building -= 1;
                q.slots[i] = Slot::Abandoned;
            }
            Err(Prep::Failed(e)) => {
                let mut r = self.could_not_grade(i, format!("{e:#}"), started);
                // Saved like any result, but with a state file only when the sources could be
                // read: an archive that could not be opened is tried again next time.
                if let Some(store) = &self.opts.store {
                    let saved = match &fingerprint {
                        Some(fp) => store.save(&r, fp, self.manifest),
                        None => report::write_submission(
                            &r,
                            self.manifest,
                            &store.formats,
                            &store.out.join(name),
                        ),
                    };
                    if let Err(e) = saved {
                        r.could_not_grade = Some(format!("{e:#}"));
                    }
                }
                let mut q = self.lock();
                q.building -= 1;
                done(&mut q, r);
            }
        }
    }

    fn run_test(&self, i: usize, t: usize) {
        let (exe, listed) = match &self.lock().slots[i] {
            Slot::Testing(s) => (s.built.test_exe.clone(), s.built.listed.clone()),
            _ => return,
        };
        let (ex, spec) = &self.tests[t];
        let scratch = self.scratch_root.join(format!("{i}-{t}"));
        let limits = Limits::with_timeout(self.opts.timeout.unwrap_or_else(|| spec.timeout()));
        let outcome = sandbox::run_test(
            &exe,
            &format!("{ex}::{}", spec.name),
            &listed,
            &Policy::Graded {
                limits: &limits,
                protections: self.prot,
                scratch: &scratch,
            },
        );
        let _ = std::fs::remove_dir_all(&scratch);
        let mut q = self.lock();
        q.tests_done += 1;
        self.report_progress(q.tests_done);
        let Slot::Testing(s) = &mut q.slots[i] else {
            return;
        };
        s.outcomes[t] = Some(outcome);
        s.remaining -= 1;
        if s.remaining == 0 {
            let Slot::Testing(s) = std::mem::replace(&mut q.slots[i], Slot::Building) else {
                unreachable!("matched above");
            };
            drop(q);
            self.finish(i, *s);
        }
    }

    fn report_progress(&self, done: usize) {
        if let Some(p) = self.opts.progress {
            p(done, self.submissions.len() * self.tests.len());
        }
    }

    /// Turns a submission whose tests all ended into its result, and saves its reports (unless
    /// a test was interrupted: then it is abandoned, to be graded again).
    fn finish(&self, i: usize, t: Testing) {
        let interrupted = t
            .outcomes
            .iter()
            .flatten()
            .any(|o| o.verdict == Verdict::Interrupted);
        if interrupted {
            self.lock().slots[i] = Slot::Abandoned;
            return;
        }
        let mut outcomes: BTreeMap<(&str, &str), Outcome> = BTreeMap::new();
        for ((ex, spec), o) in self.tests.iter().zip(t.outcomes) {
            if let Some(o) = o {
                outcomes.insert((ex.as_str(), spec.name.as_str()), o);
            }
        }
        let mut r = self.empty_result(i, &t.sub.ignored);
        r.replaced_files = t.built.replaced.clone();
        for ex in self.selected_exercises() {
            let tests: Vec<TestResult> = ex
                .tests
                .iter()
                .map(|spec| {
                    let (verdict, output, elapsed) = match outcomes.remove(&(&ex.name, &spec.name))
                    {
                        Some(o) => (o.verdict, o.output, o.elapsed),
                        None => (
                            Verdict::NotRun("not run".into()),
                            String::new(),
                            Duration::ZERO,
                        ),
                    };
                    TestResult {
                        exercise: ex.name.clone(),
                        name: spec.name.clone(),
                        score: if verdict.passed() { spec.points } else { 0 },
                        max_score: spec.points,
                        hidden: spec.hidden,
                        verdict,
                        output,
                        elapsed,
                    }
                })
                .collect();
            r.exercises.push(ExerciseResult {
                name: ex.name.clone(),
                score: tests.iter().map(|t| t.score).sum(),
                max_score: ex.max_points(),
                compile_error: t.built.stubbed.get(&ex.name).cloned(),
                tests,
            });
        }
        r.elapsed = t.started.elapsed();
        if let Some(store) = &self.opts.store
            && let Err(e) = store.save(&r, &t.fingerprint, self.manifest)
        {
            r.could_not_grade = Some(format!("its reports could not be written: {e:#}"));
        }
        self.lock().slots[i] = Slot::Done(Box::new(r));
    }

    fn selected_exercises(&self) -> impl Iterator<Item = &crate::manifest::Exercise> {
        self.manifest
            .exercises
            .iter()
            .filter(|e| self.selected.contains(&e.name))
    }

    fn empty_result(&self, i: usize, ignored: &[String]) -> SubmissionResult {
        SubmissionResult {
            name: self.names[i].clone(),
            source: self.submissions[i].clone(),
            could_not_grade: None,
            exercises: Vec::new(),
            ignored_files: ignored.to_vec(),
            replaced_files: Vec::new(),
            protections: self.protections_text.clone(),
            elapsed: Duration::ZERO,
            reused: false,
        }
    }

    /// A row with a zero for every test, so the gradebook still has the student.
    fn could_not_grade(&self, i: usize, why: String, started: Instant) -> SubmissionResult {
        let mut r = self.empty_result(i, &[]);
        r.could_not_grade = Some(why);
        for ex in self.selected_exercises() {
            r.exercises.push(ExerciseResult {
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
                        verdict: Verdict::NotRun("the submission could not be graded".into()),
                        output: String::new(),
                        elapsed: Duration::ZERO,
                    })
                    .collect(),
            });
        }
        r.elapsed = started.elapsed();
        r
    }
}
