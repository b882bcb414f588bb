//! Builds test binaries with cargo and runs graded tests one by one, each in its own process
//! with a time limit: the engine behind `course check` and the self-checks of `cargo test`.
//!
//! A test's verdict comes from its process's exit status, never from parsing what it printed;
//! a name that the binary does not list is reported as missing, never as passed.

use std::collections::BTreeMap;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::sandbox;

/// How much of a test's output is kept.
pub const OUTPUT_CAP: usize = 64 * 1024;

/// The test binaries of one package, by test-target name.
#[derive(Debug, Default, Clone)]
pub struct TestBinaries {
    /// Target name (e.g. `ex04_producer_consumer`) → executable.
    pub by_target: BTreeMap<String, PathBuf>,
}

/// A failed build: the compiler's messages, rendered as cargo prints them.
#[derive(Debug, Clone)]
pub struct BuildFailure {
    /// Rendered compiler errors (and the warnings around them).
    pub messages: String,
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.messages)
    }
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
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args([
        "test",
        "--no-run",
        "--tests",
        "--message-format=json-render-diagnostics",
        "-p",
        package,
    ]);
    if let Some(dir) = target_dir {
        cmd.arg("--target-dir").arg(dir);
    }
    // Rendered diagnostics go to stderr; we keep them for the report.
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run cargo to build {package}'s tests"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut bins = TestBinaries::default();
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-artifact" || v["profile"]["test"] != true {
            continue;
        }
        let kinds = v["target"]["kind"].as_array().cloned().unwrap_or_default();
        if !kinds.iter().any(|k| k == "test") {
            continue;
        }
        if let (Some(name), Some(exe)) = (v["target"]["name"].as_str(), v["executable"].as_str()) {
            bins.by_target.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    if !out.status.success() {
        return Ok(Err(BuildFailure {
            messages: String::from_utf8_lossy(&out.stderr).into_owned(),
        }));
    }
    Ok(Ok(bins))
}

/// The tests a test binary contains, as `--list` prints them.
pub fn list_tests(exe: &Path) -> Result<Vec<String>> {
    let out = Command::new(exe)
        .args(["--list", "--format", "terse"])
        .stdin(Stdio::null())
        .output()
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

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Exited 0.
    Passed,
    /// Exited non-zero (a failed assertion or a panic).
    Failed,
    /// Killed after its time limit.
    TimedOut,
    /// Killed by a signal it did not ask for (a crash, an abort).
    Crashed(i32),
    /// The binary has no test of that name.
    Missing,
}

impl Verdict {
    /// Whether it counts as a pass.
    pub fn passed(&self) -> bool {
        *self == Verdict::Passed
    }

    /// A short word for tables.
    pub fn word(&self) -> String {
        match self {
            Verdict::Passed => "passed".into(),
            Verdict::Failed => "failed".into(),
            Verdict::TimedOut => "timed out".into(),
            Verdict::Crashed(sig) => format!("crashed (signal {sig})"),
            Verdict::Missing => "missing".into(),
        }
    }
}

/// One test's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The test's name.
    pub name: String,
    /// How it ended.
    pub verdict: Verdict,
    /// Its stdout and stderr, interleaved per stream and capped at [`OUTPUT_CAP`].
    pub output: String,
    /// Wall-clock time it took.
    pub elapsed: Duration,
}

/// Runs test `name` of binary `exe` alone in its own process group, killing the whole group
/// after `timeout`. `listed` is what `--list` printed: a name not in it is [`Verdict::Missing`].
pub fn run_one(exe: &Path, name: &str, listed: &[String], timeout: Duration) -> Outcome {
    let start = Instant::now();
    if !listed.iter().any(|l| l == name) {
        return Outcome {
            name: name.into(),
            verdict: Verdict::Missing,
            output: String::new(),
            elapsed: Duration::ZERO,
        };
    }
    let mut cmd = Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                name: name.into(),
                verdict: Verdict::Crashed(0),
                output: format!("could not start the test: {e}"),
                elapsed: start.elapsed(),
            };
        }
    };
    let pgid = child.id() as i32;
    let out_reader = sandbox::spawn_capped_reader(child.stdout.take().expect("piped"), OUTPUT_CAP);
    let err_reader = sandbox::spawn_capped_reader(child.stderr.take().expect("piped"), OUTPUT_CAP);
    let deadline = start + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    // Whatever happened, nothing of the test may outlive it: kill its process group.
    sandbox::kill_process_group(pgid);
    let status = match status {
        Some(s) => Some(s),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    };
    let mut output = out_reader
        .recv_timeout(sandbox::READER_GRACE)
        .unwrap_or_default();
    let stderr = err_reader
        .recv_timeout(sandbox::READER_GRACE)
        .unwrap_or_default();
    if !stderr.is_empty() {
        output.push_str(&stderr);
    }
    truncate_to(&mut output, OUTPUT_CAP);
    let verdict = match status {
        None => Verdict::TimedOut,
        Some(s) if s.success() => Verdict::Passed,
        Some(s) => match s.signal() {
            Some(sig) => Verdict::Crashed(sig),
            None => Verdict::Failed,
        },
    };
    Outcome {
        name: name.into(),
        verdict,
        output,
        elapsed: start.elapsed(),
    }
}

fn truncate_to(s: &mut String, cap: usize) {
    if s.len() > cap {
        let mut cut = cap;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("\n[... output cut ...]\n");
    }
}

/// Runs many `(exe, test, listed, timeout)` jobs on `jobs` threads; outcomes keep input order.
pub fn run_many(work: &[(PathBuf, String, Vec<String>, Duration)], jobs: usize) -> Vec<Outcome> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; work.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some((exe, name, listed, timeout)) = work.get(i) else {
                        break;
                    };
                    let outcome = run_one(exe, name, listed, *timeout);
                    results.lock().unwrap()[i] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every job ran"))
        .collect()
}

/// How many tests to run at once: the machine's cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}
