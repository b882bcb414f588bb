//! The grader against submissions that misbehave: each gets the right verdict, the batch
//! finishes, and no process is left behind.
//!
//! Two submissions cover every case. Each exercise of a submission gets one misbehaviour, injected
//! by shadowing `todo!` in the pristine stub (so every graded test of that exercise runs into it),
//! or the reference solution where full points are expected.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use course::grading::{self, GradeOptions, SubmissionResult, report};
use course::manifest::Manifest;
use course::sandbox::GradedVerdict;

fn root() -> PathBuf {
    course::workspace_root()
}

fn manifest() -> Manifest {
    Manifest::load(&root().join(course::MANIFEST_PATH)).unwrap()
}

/// A fresh folder under target/.
fn fresh(name: &str) -> PathBuf {
    let d = root().join("target/course-grader-selftest").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let out = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &out);
        } else {
            std::fs::copy(&p, &out).unwrap();
        }
    }
}

/// The pristine stub of `exercise`, with `todo!` shadowed so that it first does `misbehave`.
fn stub_that(exercise: &str, misbehave: &str) -> String {
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

/// A handout copy whose exercises are stubs unless `files` replaces them.
fn submission(name: &str, files: &BTreeMap<String, String>) -> PathBuf {
    let dir = fresh(name);
    copy_dir(&root().join("exercises/src"), &dir.join("exercises/src"));
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// The solutions' sources as a student's `exercises/src` (crate paths renamed).
fn solution_files() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let src = root().join("solutions/src");
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&p)
                    .unwrap()
                    .replace("solutions::", "exercises::")
                    .replace("solutions-worker", "exercises-worker");
                files.insert(format!("exercises/src/{rel}"), text);
            }
        }
    }
    files
}

fn grade(subs: &[PathBuf], timeout_secs: u64) -> Vec<SubmissionResult> {
    let opts = GradeOptions {
        pristine: root(),
        work_dir: fresh("work"),
        jobs: 2,
        timeout: Some(Duration::from_secs(timeout_secs)),
        exercises: Vec::new(),
        unprivileged: true,
        progress: None,
    };
    grading::grade_all(subs, &opts).expect("grading runs")
}

fn verdicts(r: &SubmissionResult, exercise: &str) -> Vec<GradedVerdict> {
    r.exercises
        .iter()
        .find(|e| e.name == exercise)
        .unwrap()
        .tests
        .iter()
        .map(|t| t.verdict.clone())
        .collect()
}

fn processes_matching(needle: &str) -> Vec<String> {
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

    // Submission B: the solutions, except three exercises (ex02 stays solved: ex08 uses its pool), plus files that try to change the rules.
    let mut b = solution_files();
    b.insert(file(0), stub_that(&ex(0), "println!(\"test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured\"); std::process::exit(0);"));
    b.insert(file(2), stub_that(&ex(2), "let _ = std::process::Command::new(\"setsid\").args([\"sleep\", \"97\"]).spawn(); std::thread::sleep(std::time::Duration::from_millis(200));"));
    b.insert(
        file(4),
        stub_that(
            &ex(4),
            "std::thread::sleep(std::time::Duration::from_secs(600));",
        ),
    );
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

    let results = grade(&[sub_a, sub_b, sub_c, sub_d], 3);
    let by_name: BTreeMap<&str, &SubmissionResult> =
        results.iter().map(|r| (r.name.as_str(), r)).collect();
    let (ra, rb, rc, rd) = (
        by_name["a-misbehaves"],
        by_name["b-solutions-and-tricks"],
        by_name["c-stubs"],
        by_name["d-solutions"],
    );
    for r in &results {
        assert!(
            r.could_not_grade.is_none(),
            "{} could not be graded: {:?}",
            r.name,
            r.could_not_grade
        );
    }

    let all =
        |r: &SubmissionResult, i: usize, want: &dyn Fn(&GradedVerdict) -> bool, what: &str| {
            let v = verdicts(r, &ex(i));
            assert!(!v.is_empty());
            assert!(
                v.iter().all(want),
                "{}: {} should be {what}, got {v:?}",
                r.name,
                ex(i)
            );
        };
    all(
        ra,
        0,
        &|v| *v == GradedVerdict::TimedOut,
        "timed out (deadlock)",
    );
    all(
        ra,
        1,
        &|v| {
            matches!(
                v,
                GradedVerdict::TimedOut | GradedVerdict::LimitHit("CPU time")
            )
        },
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
        &|v| *v == GradedVerdict::Failed,
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
    assert!(
        flood
            .tests
            .iter()
            .all(|t| t.output.contains("more bytes of output cut")),
        "flooded output is cut"
    );
    // With a pids cgroup (root, as in CI) the grader knows the process limit was hit; with only
    // RLIMIT_NPROC, spawning fails quietly and the endless loop runs into the time limit.
    let cgroups = course::sandbox::Protections::detect(true)
        .cgroup_parent
        .is_some();
    all(
        ra,
        4,
        &|v| {
            *v == GradedVerdict::LimitHit("process count")
                || (!cgroups && *v == GradedVerdict::TimedOut)
        },
        "stopped by the process limit",
    );
    all(
        ra,
        5,
        &|v| *v == GradedVerdict::LimitHit("memory"),
        "stopped by the memory limit",
    );
    all(
        ra,
        6,
        &|v| *v == GradedVerdict::ExitedEarly,
        "exited early (process::exit(0))",
    );
    all(
        ra,
        7,
        &|v| *v == GradedVerdict::ExitedEarly,
        "exited early (panic hook exits 0)",
    );
    assert_eq!(ra.score(), 0);

    // A test that runs the worker binary sees the fake lines as garbage and fails instead.
    all(
        rb,
        0,
        &|v| matches!(v, GradedVerdict::ExitedEarly | GradedVerdict::Failed),
        "exited early (fake `test result: ok`)",
    );
    assert!(verdicts(rb, &ex(0)).contains(&GradedVerdict::ExitedEarly));
    all(
        rb,
        2,
        &|v| *v == GradedVerdict::Failed,
        "failed (after starting a setsid child)",
    );
    all(
        rb,
        4,
        &|v| *v == GradedVerdict::TimedOut,
        "timed out (sleeps past the limit)",
    );
    for i in [1, 3, 5, 6, 7] {
        let e = rb.exercises.iter().find(|e| e.name == ex(i)).unwrap();
        assert_eq!(
            e.score,
            e.max_score,
            "{}: solutions of {} should get full points: {:?}",
            rb.name,
            ex(i),
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
        5,
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
