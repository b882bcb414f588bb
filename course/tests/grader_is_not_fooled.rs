//! The grader against submissions that misbehave: each gets the right verdict, the batch
//! finishes, and no process is left behind.
//!
//! Five submissions cover every case. In two of them (a, e) an exercise gets one misbehaviour,
//! injected by shadowing `todo!` in the pristine stub (so every graded test of that exercise runs
//! into it); b is the reference solutions plus files that try to change the rules, c the stubs,
//! d the solutions. The misbehaving ones are graded with a 1 s limit per test, the solutions with
//! the manifest's limits (a loaded machine must not push a correct test past a limit that was
//! never meant for it).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use course::grading::{self, GradeOptions, SubmissionResult, report};
use course::sandbox::{Limit, Request, Verdict};

mod common;

use common::{manifest, processes_matching, root, solution_files, stub_that};

/// A fresh folder under target/.
fn fresh(name: &str) -> PathBuf {
    common::fresh_in("course-grader-selftest", name)
}

/// A handout copy whose exercises are stubs unless `files` replaces them.
fn submission(name: &str, files: &BTreeMap<String, String>) -> PathBuf {
    common::submission_in(fresh(name), files)
}

/// Grades `subs`, every test with a limit of `timeout_secs` (`None`: the manifest's limits).
fn grade(subs: &[PathBuf], timeout_secs: Option<u64>) -> Vec<SubmissionResult> {
    let opts = GradeOptions {
        pristine: root(),
        // Kept between runs: the dependencies are built once (the grader locks it while it builds).
        work_dir: root().join("target/course-grader-work"),
        jobs: 2,
        timeout: timeout_secs.map(Duration::from_secs),
        exercises: Vec::new(),
        protections: Request::full(true),
        store: None,
        progress: None,
    };
    grading::grade_all(subs, &opts).expect("grading runs")
}

fn verdicts(r: &SubmissionResult, exercise: &str) -> Vec<Verdict> {
    r.exercises
        .iter()
        .find(|e| e.name == exercise)
        .unwrap()
        .tests
        .iter()
        .map(|t| t.verdict.clone())
        .collect()
}

#[test]
fn misbehaving_submissions_get_the_right_verdicts_and_leave_nothing_behind() {
    let m = manifest();
    let names: Vec<String> = m.exercises.iter().map(|e| e.name.clone()).collect();
    assert_eq!(names.len(), 8);
    let ex = |i: usize| names[i].clone();
    let file = |i: usize| format!("exercises/src/{}.rs", names[i]);

    // Submission A: one misbehaviour per exercise, on the stubs.
    let mut a = BTreeMap::new();
    a.insert(
        file(0),
        stub_that(
            &ex(0),
            "let (_tx, rx) = std::sync::mpsc::channel::<()>(); let _ = rx.recv();",
        ),
    );
    a.insert(
        file(1),
        stub_that(&ex(1), "loop { std::hint::spin_loop(); }"),
    );
    let broken = std::fs::read_to_string(root().join(file(2))).unwrap()
        + "\npub fn broken() -> u32 { \"not a number\" }\n";
    a.insert(file(2), broken);
    a.insert(
        file(3),
        stub_that(
            &ex(3),
            "loop { println!(\"spam spam spam spam spam spam spam spam spam spam\"); }",
        ),
    );
    a.insert(
        file(4),
        stub_that(
            &ex(4),
            "loop { let _ = std::process::Command::new(\"sleep\").arg(\"93\").spawn(); }",
        ),
    );
    a.insert(
        file(5),
        stub_that(
            &ex(5),
            "let mut v: Vec<Vec<u8>> = Vec::new(); loop { v.push(vec![0u8; 1 << 24]); }",
        ),
    );
    a.insert(file(6), stub_that(&ex(6), "std::process::exit(0);"));
    a.insert(
        file(7),
        stub_that(
            &ex(7),
            "std::panic::set_hook(Box::new(|_| std::process::exit(0)));",
        ),
    );
    let sub_a = submission("a-misbehaves", &a);

    // Submission E: tricks on the stubs (what they do must not pass, nor outlive its test).
    let mut e = BTreeMap::new();
    e.insert(file(0), stub_that(&ex(0), "println!(\"test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured\"); std::process::exit(0);"));
    e.insert(file(2), stub_that(&ex(2), "let _ = std::process::Command::new(\"setsid\").args([\"sleep\", \"97\"]).spawn(); std::thread::sleep(std::time::Duration::from_millis(200));"));
    e.insert(
        file(4),
        stub_that(
            &ex(4),
            "std::thread::sleep(std::time::Duration::from_secs(600));",
        ),
    );
    let sub_e = submission("e-tricks-on-stubs", &e);

    // Submission B: the solutions, plus files that try to change the rules.
    let mut b = solution_files();
    let marker = root().join("target/course-grader-selftest/build-rs-ran");
    let _ = std::fs::remove_file(&marker);
    b.insert(
        "exercises/build.rs".into(),
        format!(
            "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n",
            marker.display().to_string()
        ),
    );
    b.insert("exercises/Cargo.toml".into(), "[package]\nname = \"exercises\"\nversion = \"0.1.0\"\nedition = \"2024\"\nbuild = \"build.rs\"\n".into());
    b.insert(
        "exercises/.cargo/config.toml".into(),
        "[build]\nrustflags = [\"--cfg\", \"evil\"]\n".into(),
    );
    b.insert(
        "tests/ex01_threads_vs_processes.rs".into(),
        "#[test]\nfn everything_passes() {}\n".into(),
    );
    b.insert(
        ".cargo/config.toml".into(),
        "[alias]\ntest = \"version\"\n".into(),
    );
    let sub_b = submission("b-solutions-and-tricks", &b);

    // Submission C: the untouched stubs. D: the solutions.
    let sub_c = submission("c-stubs", &BTreeMap::new());
    let sub_d = submission("d-solutions", &solution_files());

    // The misbehaving submissions under a short limit (what runs into it takes 1 s, not up to
    // 70: about 90 of their tests do); the solutions under the manifest's limits, so that a loaded
    // machine cannot make a correct test run past a limit that was never meant for it.
    let mut results = grade(&[sub_a, sub_c, sub_e], Some(1));
    results.extend(grade(&[sub_b, sub_d], None));
    let by_name: BTreeMap<&str, &SubmissionResult> =
        results.iter().map(|r| (r.name.as_str(), r)).collect();
    let (ra, rb, rc, rd, re) = (
        by_name["a-misbehaves"],
        by_name["b-solutions-and-tricks"],
        by_name["c-stubs"],
        by_name["d-solutions"],
        by_name["e-tricks-on-stubs"],
    );
    for r in &results {
        assert!(
            r.could_not_grade.is_none(),
            "{} could not be graded: {:?}",
            r.name,
            r.could_not_grade
        );
    }

    let all = |r: &SubmissionResult, i: usize, want: &dyn Fn(&Verdict) -> bool, what: &str| {
        let v = verdicts(r, &ex(i));
        assert!(!v.is_empty());
        let tests = &r.exercises.iter().find(|e| e.name == ex(i)).unwrap().tests;
        if let Some(odd) = tests.iter().find(|t| !want(&t.verdict)) {
            panic!(
                "{}: {} should be {what}, got {v:?}; the first other one, {} ({:?}), said:\n{}",
                r.name,
                ex(i),
                odd.name,
                odd.verdict,
                odd.output
            );
        }
    };
    all(ra, 0, &|v| *v == Verdict::TimedOut, "timed out (deadlock)");
    all(
        ra,
        1,
        &|v| matches!(v, Verdict::TimedOut | Verdict::LimitHit(Limit::CpuTime)),
        "timed out (spin)",
    );
    let compile = ra.exercises.iter().find(|e| e.name == ex(2)).unwrap();
    assert!(
        compile
            .compile_error
            .as_deref()
            .unwrap_or("")
            .contains("mismatched types"),
        "{:?}",
        compile.compile_error
    );
    assert_eq!(compile.score, 0);
    all(
        ra,
        2,
        &|v| *v == Verdict::Failed,
        "failed (graded as the stub)",
    );
    let flood = ra.exercises.iter().find(|e| e.name == ex(3)).unwrap();
    assert!(
        flood
            .tests
            .iter()
            .all(|t| t.output.len() <= 2 * 64 * 1024 + 200),
        "output must be capped"
    );
    // Every test is capped; a test whose body fails before the flooding call has nothing to cut,
    // so the cut is required of at least one test, not of all (ex04's tests now assert a lot
    // before they call into the submission).
    assert!(
        flood.tests.iter().any(|t| t.verdict == Verdict::TimedOut),
        "the flood runs into the time limit"
    );
    // Every test that ran into the time limit flooded past the cap (one that failed sooner, on
    // its own watchdog, may not have).
    assert!(
        flood
            .tests
            .iter()
            .filter(|t| t.verdict == Verdict::TimedOut)
            .all(|t| t.output.contains("more bytes of output cut")),
        "flooded output is cut"
    );
    // With a pids cgroup (root, as in CI) the grader knows the process limit was hit; with only
    // RLIMIT_NPROC, spawning fails quietly and the endless loop runs into the time limit. On a
    // busy machine a test may also reach its time limit before it has forked up to the limit,
    // and a test that runs the code in a child under its own watchdog fails it first.
    let cgroups = course::sandbox::Protections::detect(true)
        .cgroups()
        .limits_processes();
    all(
        ra,
        4,
        &|v| {
            matches!(
                v,
                Verdict::LimitHit(Limit::ProcessCount) | Verdict::TimedOut | Verdict::Failed
            )
        },
        "stopped by the process limit, the time limit or the test's own watchdog",
    );
    assert_eq!(
        verdicts(ra, &ex(4)).contains(&Verdict::LimitHit(Limit::ProcessCount)),
        cgroups,
        "the process limit is reported exactly where a cgroup enforces it"
    );
    // A test whose other threads need memory too (a thread's stack) may fail on that first.
    all(
        ra,
        5,
        &|v| matches!(v, Verdict::LimitHit(Limit::Memory) | Verdict::Failed),
        "stopped by the memory limit (or failing for lack of memory)",
    );
    assert!(
        verdicts(ra, &ex(5)).contains(&Verdict::LimitHit(Limit::Memory)),
        "the memory limit is reported"
    );
    all(
        ra,
        6,
        &|v| *v == Verdict::ExitedEarly,
        "exited early (process::exit(0))",
    );
    all(
        ra,
        7,
        &|v| *v == Verdict::ExitedEarly,
        "exited early (panic hook exits 0)",
    );
    assert_eq!(ra.score(), 0);

    // A test that runs the worker binary sees the fake lines as garbage and fails instead.
    all(
        re,
        0,
        &|v| matches!(v, Verdict::ExitedEarly | Verdict::Failed),
        "exited early (fake `test result: ok`)",
    );
    assert!(verdicts(re, &ex(0)).contains(&Verdict::ExitedEarly));
    all(
        re,
        2,
        &|v| *v == Verdict::Failed,
        "failed (after starting a setsid child)",
    );
    // The graded tests' own watchdogs may fire before the grader's limit: then the test fails
    // with their message instead of being killed; either way no point and nothing left running.
    all(
        re,
        4,
        &|v| *v == Verdict::TimedOut || *v == Verdict::Failed,
        "timed out or failed by its own watchdog (sleeps past the limit)",
    );
    assert_eq!(re.score(), 0);
    // The files that try to change the rules change nothing: the solutions get full points.
    for e in &rb.exercises {
        assert_eq!(
            e.score,
            e.max_score,
            "{}: solutions of {} should get full points: {:?}",
            rb.name,
            e.name,
            e.tests
                .iter()
                .filter(|t| !t.verdict.passed())
                .map(|t| (&t.name, &t.verdict, &t.output))
                .collect::<Vec<_>>()
        );
    }
    assert!(!marker.exists(), "the submission's build.rs ran");
    for f in [
        "exercises/build.rs",
        "exercises/Cargo.toml",
        "exercises/.cargo/config.toml",
        "tests/ex01_threads_vs_processes.rs",
        ".cargo/config.toml",
    ] {
        assert!(
            rb.ignored_files.iter().any(|i| i.starts_with(f)),
            "{f} should be listed as ignored: {:?}",
            rb.ignored_files
        );
    }

    assert_eq!(rc.score(), 0, "the stubs score nothing");
    assert!(rc.max_score() > 0);
    assert_eq!(
        rd.score(),
        rd.max_score(),
        "the solutions score everything: {:?}",
        rd.exercises
            .iter()
            .flat_map(|e| e.tests.iter())
            .filter(|t| !t.verdict.passed())
            .map(|t| (&t.exercise, &t.name, &t.verdict))
            .collect::<Vec<_>>()
    );

    // Nothing left running: not the fork bomb's sleeps, not the setsid child.
    std::thread::sleep(Duration::from_millis(200));
    for needle in ["sleep 93", "sleep 97"] {
        let left = processes_matching(needle);
        assert!(left.is_empty(), "processes left behind: {left:?}");
    }

    // The reports are well-formed and mark hidden tests.
    let out = fresh("reports");
    let formats = report::Format::parse_list("table,gradescope,junit,csv,feedback").unwrap();
    report::write_all(&results, &m, &formats, &out).unwrap();
    let gs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("d-solutions/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(gs["score"], rd.score());
    let tests = gs["tests"].as_array().unwrap();
    assert_eq!(
        tests.len(),
        rd.exercises.iter().map(|e| e.tests.len()).sum::<usize>()
    );
    for t in tests {
        for key in [
            "name",
            "number",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
            "tags",
        ] {
            assert!(t.get(key).is_some(), "results.json test lacks `{key}`: {t}");
        }
    }
    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        6,
        "a header and one row per student:\n{csv}"
    );
    assert!(
        std::fs::read_to_string(out.join("a-misbehaves/junit.xml"))
            .unwrap()
            .contains("<failure type=\"timeout\"")
    );
    let fb = std::fs::read_to_string(out.join("a-misbehaves/feedback.md")).unwrap();
    assert!(fb.contains("does not compile"), "{fb}");
}
