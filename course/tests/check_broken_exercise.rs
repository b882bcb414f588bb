//! One exercise that does not compile never blocks the others: `course check` and `course test`
//! on a copy of the exercises crate where a half-written exercise has a type error.
//!
//! The copies live in `target/course-check-broken/`, whose cargo target folder is kept between
//! runs (only the copied `exercises` crate is rebuilt). The tool runs as a student runs it, with
//! the workspace root given by `COURSE_ROOT`; the student's files are compared before and after.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{copy_from_root, manifest, root, solution_files};

/// What a student adds, half-written, at the end of an exercise: a type error.
const BROKEN_CODE: &str = "\npub fn half_written() -> u32 {\n    let x: u32 = \"no\";\n    x\n}\n";

/// The folder holding the copies and their shared cargo target folder.
fn base() -> PathBuf {
    root().join("target/course-check-broken")
}

/// A fresh copy `name` of the exercises crate, its tests and the workspace around it, with
/// `files` (path → text) written over it. Returns its root.
fn workspace(name: &str, files: &BTreeMap<String, String>) -> PathBuf {
    let ws = base().join(name);
    let _ = std::fs::remove_dir_all(&ws);
    copy_from_root(
        &ws,
        &["exercises/src", "exercises/tests", "tests/hidden"],
        &["Cargo.lock", "exercises/Cargo.toml", course::MANIFEST_PATH],
    );
    // The instructor's workspace manifest (dependencies, lints), with the exercises as its only
    // member.
    let text = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut top: toml::Table = toml::from_str(&text).unwrap();
    let w = top["workspace"].as_table_mut().unwrap();
    w.insert(
        "members".into(),
        toml::Value::Array(vec!["exercises".into()]),
    );
    w.remove("default-members");
    std::fs::write(ws.join("Cargo.toml"), toml::to_string(&top).unwrap()).unwrap();
    for (rel, text) in files {
        std::fs::write(ws.join(rel), text).unwrap();
    }
    ws
}

/// The stub of `exercise` with [`BROKEN_CODE`] at its end, and the line of the type error.
fn broken_stub(exercise: &str) -> (String, String, u64) {
    let rel = format!("exercises/src/{exercise}.rs");
    let mut text = std::fs::read_to_string(root().join(&rel)).unwrap();
    let line = text.lines().count() as u64 + 3; // the blank line, the signature, then `let x`
    text.push_str(BROKEN_CODE);
    (rel, text, line)
}

/// Runs `course ARGS` in the copy `ws`; (success, stdout, stderr).
fn course(ws: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_course"))
        .args(args)
        .current_dir(ws)
        .env("COURSE_ROOT", ws)
        .env("CARGO_TARGET_DIR", base().join("target"))
        .output()
        .expect("the course tool runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The table row of `exercise`: its name, then its count of tests passed.
fn row<'a>(table: &'a str, exercise: &str) -> &'a str {
    table
        .lines()
        .find(|l| {
            l.strip_prefix(exercise).is_some_and(|rest| {
                rest.starts_with(' ') && rest.trim_start().starts_with(|c: char| c.is_ascii_digit())
            })
        })
        .unwrap_or_else(|| panic!("no row for {exercise} in:\n{table}"))
}

/// Every file under `dir`, with its contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let files = course::file_tree::files(dir).unwrap().into_iter();
    files
        .map(|f| (f.clone(), std::fs::read(f).unwrap()))
        .collect()
}

#[test]
fn a_broken_ex03_gets_its_own_row_and_every_other_exercise_is_checked() {
    let (rel, text, line) = broken_stub("ex03_multiprocessing");
    let ws = workspace("ex03", &BTreeMap::from([(rel, text)]));
    let before = snapshot(&ws.join("exercises/src"));
    let (ok, out, err) = course(&ws, &["check"]);
    assert!(!ok, "check succeeded with stubs and a broken ex03:\n{out}");
    let expected =
        format!("does not compile: exercises/src/ex03_multiprocessing.rs:{line}: mismatched types");
    assert!(
        row(&out, "ex03_multiprocessing").contains(&expected),
        "no {expected:?} in ex03's row:\n{out}\n{err}"
    );
    // The compiler's own message is shown too, pointing at the same place.
    assert!(
        out.contains(&format!("exercises/src/ex03_multiprocessing.rs:{line}:")),
        "{out}"
    );
    // Every other exercise is checked as usual: its stub fails every visible test.
    for ex in manifest()
        .exercises
        .iter()
        .filter(|e| e.name != "ex03_multiprocessing")
    {
        let visible = ex.tests.iter().filter(|t| !t.hidden).count();
        assert!(visible > 0, "{} has no visible test", ex.name);
        let r = row(&out, &ex.name);
        assert!(
            r.contains(&format!(" 0/{visible} ")) && r.ends_with("to do"),
            "{} was not checked as a stub: {r:?}\n{out}\n{err}",
            ex.name
        );
    }
    // The next exercise is still the first one not done, in course order.
    assert!(out.contains("Next: ex01_threads_vs_processes "), "{out}");
    assert_eq!(
        before,
        snapshot(&ws.join("exercises/src")),
        "check touched the student's files"
    );
}

#[test]
fn course_test_runs_a_finished_ex04_while_ex02_does_not_compile_and_ex08_waits_for_ex02() {
    let (rel, text, line) = broken_stub("ex02_process_pool");
    let ex04 = "exercises/src/ex04_producer_consumer.rs".to_string();
    // The reference solution, with std's primitives where it uses its crate's model-checking
    // facade (`crate::sync`, which re-exports them when shuttle is off).
    let solved = solution_files()[&ex04]
        .replace("use crate::sync::{", "use std::sync::{")
        .replace("Mutex, thread};", "Mutex};\nuse std::thread;");
    assert!(
        !solved.contains("crate::sync::"),
        "the solution uses more of crate::sync"
    );
    let ws = workspace("ex02", &BTreeMap::from([(rel, text), (ex04, solved)]));

    let (ok, out, err) = course(&ws, &["test", "4"]);
    assert!(ok, "the solved ex04 did not pass:\n{out}\n{err}");
    let ex04 = manifest().find("ex04").unwrap().clone();
    for t in ex04.tests.iter().filter(|t| !t.hidden) {
        let verdict = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{} ", t.name)))
            .unwrap_or_else(|| panic!("no verdict for {}:\n{out}", t.name));
        assert!(verdict.contains(" passed "), "{verdict}");
    }
    let points = ex04
        .tests
        .iter()
        .filter(|t| !t.hidden)
        .map(|t| t.points)
        .sum::<u32>();
    assert!(
        out.contains(&format!("{points}/{points} points")),
        "not every point of ex04:\n{out}"
    );

    // The progress table: ex04 done, ex02 broken, ex08 waiting for it.
    let (ok, out, err) = course(&ws, &["check"]);
    assert!(!ok);
    let expected = format!("does not compile: exercises/src/ex02_process_pool.rs:{line}: ");
    assert!(
        row(&out, "ex02_process_pool").contains(&expected),
        "{out}\n{err}"
    );
    assert!(
        row(&out, "ex08_pool_sizes")
            .ends_with("not checked: needs ex02_process_pool, which does not compile"),
        "{out}\n{err}"
    );
    assert!(
        row(&out, "ex04_producer_consumer").ends_with("done"),
        "{out}"
    );

    // A stub's tests run and fail, each with its output.
    let (ok, out, err) = course(&ws, &["test", "ex07"]);
    assert!(!ok, "the ex07 stub passed:\n{out}");
    let ex07 = manifest().find("ex07").unwrap().clone();
    for t in ex07.tests.iter().filter(|t| !t.hidden) {
        assert!(
            out.contains(&format!("---- {}: ", t.name)),
            "no failure shown for {}:\n{out}\n{err}",
            t.name
        );
    }
    assert!(
        out.contains("not yet implemented"),
        "the failures' output is not shown:\n{out}"
    );

    // The broken exercise itself: the compiler's message, and no test run.
    let (ok, out, err) = course(&ws, &["test", "ex02_process_pool"]);
    assert!(!ok);
    assert!(
        out.contains(&format!(
            "ex02_process_pool does not compile (exercises/src/ex02_process_pool.rs:{line}: mismatched types)"
        )),
        "{out}\n{err}"
    );
    assert!(
        err.contains("error[E0308]"),
        "the compiler's message is not shown:\n{err}"
    );

    // ex08 builds on ex02: it cannot be tested, and says why.
    let (ok, out, err) = course(&ws, &["test", "ex08"]);
    assert!(!ok);
    assert!(
        out.contains("ex08_pool_sizes builds on ex02_process_pool, which does not compile"),
        "{out}\n{err}"
    );
}
