//! Builds test binaries with cargo and runs graded tests one by one, each in its own process
//! with a time limit: the engine behind `course check` and the self-checks of `cargo test`.
//!
//! The running itself is [`crate::sandbox`]'s, under its student-check policy: a test's verdict
//! comes from its process's exit status, never from parsing what it printed; a name that the
//! binary does not list is reported as missing, never as passed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::cargo_messages::{self, Diagnostic, Message};
use crate::sandbox;

/// How much of each of a test's output streams is kept.
pub const OUTPUT_CAP: usize = sandbox::OUTPUT_CAP;

/// The test binaries of one package, by test-target name.
#[derive(Debug, Default, Clone)]
pub struct TestBinaries {
    /// Target name (e.g. `ex04_producer_consumer`) → executable.
    pub by_target: BTreeMap<String, PathBuf>,
}

/// A failed build: the compiler's messages, rendered as cargo prints them, and its errors.
#[derive(Debug, Clone)]
pub struct BuildFailure {
    /// Rendered compiler errors (and the warnings around them), then cargo's own messages.
    pub messages: String,
    /// The compiler's errors, in the order it gave them.
    pub errors: Vec<Diagnostic>,
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.messages)
    }
}

/// What [`build_tests_with`] builds, beyond the package.
#[derive(Debug, Default, Clone, Copy)]
pub struct BuildRequest<'a> {
    /// A target directory of its own (see [`build_tests`]); cargo's default otherwise.
    pub target_dir: Option<&'a Path>,
    /// Only these features (`--no-default-features --features ...`); the default ones if `None`.
    pub features: Option<&'a [String]>,
    /// Only these test targets (`--test NAME` each); every test target (`--tests`) if `None`.
    pub tests: Option<&'a [String]>,
    /// Build the package itself without debug info (its dependencies as the profile says).
    pub without_debug_info: bool,
}

/// Builds the integration-test binaries of `package` in the workspace at `root`.
///
/// `target_dir` lets callers that run inside `cargo test` use a directory of their own, since the
/// outer cargo may hold the lock on the workspace's `target/`.
pub fn build_tests(
    root: &Path,
    package: &str,
    target_dir: Option<&Path>,
) -> Result<Result<TestBinaries, BuildFailure>> {
    build_tests_with(
        root,
        package,
        &BuildRequest {
            target_dir,
            ..BuildRequest::default()
        },
    )
}

/// Builds the integration-test binaries `request` names. A build that fails is `Ok(Err(_))`, with
/// the compiler's errors; `Err(_)` means cargo could not be run at all.
pub fn build_tests_with(
    root: &Path,
    package: &str,
    request: &BuildRequest,
) -> Result<Result<TestBinaries, BuildFailure>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["test", "--no-run", "--message-format=json", "-p", package]);
    match request.tests {
        Some(tests) => {
            for t in tests {
                cmd.args(["--test", t]);
            }
        }
        None => {
            cmd.arg("--tests");
        }
    }
    if let Some(features) = request.features {
        cmd.arg("--no-default-features");
        if !features.is_empty() {
            cmd.arg("--features").arg(features.join(","));
        }
    }
    if let Some(dir) = request.target_dir {
        cmd.arg("--target-dir").arg(dir);
    }
    if request.without_debug_info {
        cmd.arg("--config")
            .arg(format!("profile.dev.package.{package}.debug=0"));
    }
    // The diagnostics come as JSON on stdout; cargo's own messages go to stderr.
    let out = sandbox::reaper::output(&mut cmd)
        .with_context(|| format!("cannot run cargo to build {package}'s tests"))?;
    let mut bins = TestBinaries::default();
    let mut rendered = String::new();
    let mut errors = Vec::new();
    for message in cargo_messages::parse(&String::from_utf8_lossy(&out.stdout)) {
        match message {
            Message::Artifact(a) if a.test && a.is("test") => {
                if let Some(exe) = a.executable {
                    bins.by_target.insert(a.target_name, exe);
                }
            }
            Message::Artifact(_) => {}
            Message::Diagnostic(d) => {
                rendered.push_str(&d.rendered);
                if d.is_error() {
                    errors.push(d);
                }
            }
        }
    }
    if !out.status.success() {
        rendered.push_str(&String::from_utf8_lossy(&out.stderr));
        return Ok(Err(BuildFailure {
            messages: rendered,
            errors,
        }));
    }
    Ok(Ok(bins))
}

/// The tests a test binary contains, as `--list` prints them.
pub fn list_tests(exe: &Path) -> Result<Vec<String>> {
    let out = sandbox::reaper::output(Command::new(exe).args(["--list", "--format", "terse"]))
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !out.status.success() {
        bail!(
            "{} --list failed: {}",
            exe.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
}

/// How one test ended: the runner's one verdict, shared with the grader.
pub use crate::sandbox::Verdict;

/// One test's outcome: its name, verdict, output (stdout then stderr, each capped at
/// [`OUTPUT_CAP`], beginning and end kept) and wall-clock time.
pub use crate::sandbox::Outcome;

/// Runs test `name` of binary `exe` alone in its own process group under the student-check
/// policy ([`sandbox::Policy::Check`]), killing the whole group after `timeout`. `listed` is what
/// `--list` printed: a name not in it is [`Verdict::Missing`].
pub fn run_one(exe: &Path, name: &str, listed: &[String], timeout: Duration) -> Outcome {
    sandbox::run_test(exe, name, listed, &sandbox::Policy::Check { timeout })
}

/// Runs many `(exe, test, listed, timeout)` jobs on `jobs` threads; outcomes keep input order.
pub fn run_many(work: &[(PathBuf, String, Vec<String>, Duration)], jobs: usize) -> Vec<Outcome> {
    parallel_map(work, jobs, |_, (exe, name, listed, timeout)| {
        run_one(exe, name, listed, *timeout)
    })
}

/// `f(i, &items[i])` for every item, on `jobs` threads that each take the next item as soon as
/// they are free (so a slow item does not hold up the others); the results keep the input order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(i, item);
                    results.lock().unwrap()[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was taken"))
        .collect()
}

/// How many tests to run at once: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}
