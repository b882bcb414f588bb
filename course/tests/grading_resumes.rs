//! `course grade` interrupted with Ctrl-C (SIGINT) in the middle of a batch, then run again:
//! - the interrupted run kills what it was running (nothing is left behind), exits with 130, and
//!   reports only the submissions it finished, each whole (no partial `results.json`, no
//!   gradebook);
//! - the next run grades only the rest: finished submissions are not graded again;
//! - `--force` grades everything again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

mod common;

use common::{fresh_in, manifest, processes_matching, root, stub_that, submission_in};

const BASE: &str = "course-grader-resume";

/// A copy of what the grader reads from the pristine tree, so that the three runs grade against
/// the same tests even while someone edits the working tree (an edit would rightly make the
/// grader grade everything again).
fn pristine_snapshot() -> PathBuf {
    let snap = fresh_in(BASE, "pristine");
    common::copy_from_root(
        &snap,
        &["exercises/src", "tests/hidden"],
        &[
            "Cargo.toml",
            "Cargo.lock",
            "exercises/Cargo.toml",
            "exercises/info.toml",
        ],
    );
    snap
}

fn grade(pristine: &Path, subs: &[&Path], out: &Path, exercise: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_course"));
    cmd.env("COURSE_ROOT", pristine)
        .arg("grade")
        .args([
            "--jobs",
            "1",
            "--timeout",
            "60",
            "--format",
            "gradescope,csv",
        ])
        .args(["--exercise", exercise])
        .arg("--out")
        .arg(out)
        .arg("--work-dir")
        .arg(root().join("target/course-grader-work"))
        .args(extra)
        .args(subs)
        .stdin(Stdio::null());
    cmd
}

fn modified(p: &Path) -> SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    course::file_tree::files(dir).unwrap()
}

/// Waits until `ready` holds, failing after `limit` with `what`.
fn wait_for(limit: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_interrupted_batch_resumes_without_grading_finished_submissions_again() {
    let pristine = pristine_snapshot();
    let ex = manifest().exercises[0].name.clone();
    let hold_dir = fresh_in(BASE, "hold");
    let hold = hold_dir.join("HOLD");
    std::fs::write(&hold, "").unwrap();
    // Two submissions that finish quickly (the stubs), and one whose tests start a setsid child
    // and then wait while HOLD exists. The child's output goes nowhere: holding the test's pipes,
    // it would make a test that reads the worker's output to its end wait out the time limit.
    let a = submission_in(fresh_in(BASE, "a-stubs"), &BTreeMap::new());
    let b = submission_in(fresh_in(BASE, "b-stubs-too"), &BTreeMap::new());
    let holds = stub_that(
        &ex,
        &format!(
            "let _ = std::process::Command::new(\"setsid\").args([\"sleep\", \"3917\"]) \
                 .stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()) \
                 .spawn(); \
             while std::path::Path::new({:?}).exists() {{ \
                 std::thread::sleep(std::time::Duration::from_millis(20)); }}",
            hold.display().to_string()
        ),
    );
    let c = submission_in(
        fresh_in(BASE, "c-holds"),
        &BTreeMap::from([(format!("exercises/src/{ex}.rs"), holds)]),
    );
    let out = fresh_in(BASE, "out");
    let subs = [a.as_path(), b.as_path(), c.as_path()];
    let results = |name: &str| out.join(name).join("results.json");

    // Run 1, interrupted while c's first test holds (a and b are finished by then: one job runs
    // the tests in submission order).
    let log = std::fs::File::create(out.join("run1.log")).unwrap();
    let mut run1 = grade(&pristine, &subs, &out, &ex, &[])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_for(Duration::from_secs(900), "c's test to start", || {
        if let Some(status) = run1.try_wait().unwrap() {
            panic!(
                "the grader ended ({status}) before c's test started:\n{}",
                std::fs::read_to_string(out.join("run1.log")).unwrap_or_default()
            );
        }
        !processes_matching("sleep 3917").is_empty()
    });
    assert!(results("a-stubs").is_file() && results("b-stubs-too").is_file());
    // SAFETY: kill(2) on the pid of the grader this test started.
    unsafe { libc::kill(run1.id() as i32, libc::SIGINT) };
    let mut status = None;
    wait_for(
        Duration::from_secs(30),
        "the grader to stop after Ctrl-C",
        || {
            status = run1.try_wait().unwrap();
            status.is_some()
        },
    );
    let log1 = std::fs::read_to_string(out.join("run1.log")).unwrap();
    assert_eq!(status.unwrap().code(), Some(130), "{log1}");
    assert!(log1.contains("2 of 3 submission(s) finished"), "{log1}");
    wait_for(
        Duration::from_secs(2),
        "the setsid child to be gone",
        || processes_matching("sleep 3917").is_empty(),
    );
    assert!(
        !results("c-holds").exists(),
        "no report for an unfinished submission"
    );
    assert!(
        !out.join("grades.csv").exists(),
        "no gradebook for an unfinished batch"
    );
    let temporary: Vec<_> = files_below(&out)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(temporary.is_empty(), "half-written files: {temporary:?}");
    let a_graded = modified(&results("a-stubs"));

    // Run 2: c no longer holds. a and b are not graded again.
    std::fs::remove_file(&hold).unwrap();
    let run2 = grade(&pristine, &subs, &out, &ex, &[]).output().unwrap();
    let log2 = String::from_utf8_lossy(&run2.stderr);
    assert!(run2.status.success(), "{log2}");
    assert!(
        log2.contains("not graded again") && log2.contains("a-stubs, b-stubs-too"),
        "{log2}"
    );
    assert_eq!(
        modified(&results("a-stubs")),
        a_graded,
        "a was graded again"
    );
    let c_report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results("c-holds")).unwrap()).unwrap();
    assert_eq!(c_report["score"], 0);
    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        4,
        "a header and three students:\n{csv}"
    );

    // Run 3: --force grades everything again.
    let run3 = grade(&pristine, &subs, &out, &ex, &["--force"])
        .output()
        .unwrap();
    let log3 = String::from_utf8_lossy(&run3.stderr);
    assert!(run3.status.success(), "{log3}");
    assert!(!log3.contains("not graded again"), "{log3}");
    assert_ne!(modified(&results("a-stubs")), a_graded, "--force regrades");
}
