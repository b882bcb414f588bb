//! The guarantees behind the graded tests, checked on every `cargo test`:
//! - every graded test FAILS on the untouched exercise stubs (no test that cannot fail),
//! - every graded test PASSES on the solutions when run alone, as the grader runs it,
//! - the tests in `tests/` are exactly the ones the manifest lists (and gives points for),
//! - every alternative implementation in `tests/fixtures` passes, every broken one fails.
//!
//! The builds share the workspace's own target folder: cargo releases its lock before it runs
//! test binaries, so these nested builds reuse what the outer `cargo test` already built.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use course::manifest::Manifest;
use course::selfcheck::{self, VariantKind};
use course::testrun::{self, Outcome, TestBinaries};

fn root() -> PathBuf {
    course::workspace_root()
}

fn manifest() -> Manifest {
    Manifest::load(&root().join(course::MANIFEST_PATH)).expect("the manifest loads")
}

fn build(package: &str) -> TestBinaries {
    match testrun::build_tests(&root(), package, None).expect("cargo runs") {
        Ok(b) => b,
        Err(failure) => panic!("the `{package}` crate's tests do not compile:\n{failure}"),
    }
}

/// The checks that run many graded tests at once take turns: a correct test's verdict is proven
/// with two busy loops per core beside it, not under another check's load as well.
fn one_check_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs every test the manifest lists for every exercise, each alone, with its time limit.
fn run_manifest_tests(bins: &TestBinaries, m: &Manifest) -> Vec<(String, Outcome)> {
    selfcheck::run_manifest_tests(bins, m, testrun::default_jobs()).expect("the tests run")
}

#[test]
fn the_manifest_lists_exactly_the_graded_tests() {
    let m = manifest();
    let bins = build("solutions");
    let mut problems = Vec::new();
    for ex in &m.exercises {
        let exe = &bins.by_target[&ex.name];
        let listed: BTreeSet<String> = testrun::list_tests(exe).unwrap().into_iter().collect();
        let declared: BTreeSet<String> = ex.tests.iter().map(|t| t.name.clone()).collect();
        for missing in declared.difference(&listed) {
            problems.push(format!(
                "{}: manifest lists `{missing}`, tests/{}.rs has no such test",
                ex.name, ex.name
            ));
        }
        for extra in listed.difference(&declared) {
            problems.push(format!(
                "{}: tests/{}.rs has `{extra}`, the manifest gives it no points",
                ex.name, ex.name
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "manifest and tests disagree:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_graded_test_fails_on_the_untouched_stubs() {
    let m = manifest();
    let bins = build("exercises");
    let _turn = one_check_at_a_time();
    let passed: Vec<String> = run_manifest_tests(&bins, &m)
        .into_iter()
        .filter(|(_, o)| o.verdict.passed())
        .map(|(ex, o)| format!("{ex}::{}", o.name))
        .collect();
    assert!(
        passed.is_empty(),
        "these graded tests PASS on the untouched stubs, so they prove nothing:\n{}",
        passed.join("\n")
    );
}

#[test]
fn every_graded_test_passes_on_the_solutions_alone_within_its_time_limit() {
    let m = manifest();
    let bins = build("solutions");
    let _turn = one_check_at_a_time();
    let failed: Vec<String> = run_manifest_tests(&bins, &m)
        .into_iter()
        .filter(|(_, o)| !o.verdict.passed())
        .map(|(ex, o)| format!("{ex}::{} {}:\n{}", o.name, o.verdict.word(), o.output))
        .collect();
    assert!(
        failed.is_empty(),
        "the solutions fail graded tests run alone:\n{}",
        failed.join("\n")
    );
}

#[test]
fn alternative_implementations_pass_and_broken_ones_fail() {
    // One run here; `cargo course selfcheck --runs 20 --load` is the repeated check under load.
    let bins = selfcheck::build_fixtures(&root()).expect("cargo runs");
    let variants = selfcheck::variants(&bins, &root()).expect("the fixtures list their tests");
    assert!(!variants.is_empty(), "no fixtures found in tests/fixtures");
    let (alternatives, broken): (Vec<_>, Vec<_>) = variants
        .into_iter()
        .partition(|v| v.kind == VariantKind::Alternative);
    let m = manifest();
    let jobs = testrun::default_jobs();
    let _turn = one_check_at_a_time();
    let mut runs = selfcheck::run_variants(&m, &alternatives, &[], jobs);
    // A broken variant only has to fail, each first on the test its fixture names, and most of
    // them fail by waiting: on a watchdog, a time limit, an observation window. Twice as many at
    // once as there are cores keeps the load within the bar the graded tests are held to (two
    // busy loops per core beside them) and halves the wait.
    runs.extend(selfcheck::run_variants(&m, &broken, &[], 2 * jobs));
    let problems: Vec<String> = alternatives
        .iter()
        .chain(&broken)
        .zip(&runs)
        .filter(|(v, r)| !v.judged_right(r))
        .map(|(v, r)| match v.kind {
            VariantKind::Alternative => format!(
                "alternative {}::{} is correct but fails: {}",
                v.exercise,
                v.name,
                r.failed
                    .iter()
                    .map(|o| format!("{} ({}):\n{}", o.name, o.verdict.word(), o.output))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            VariantKind::Broken => format!(
                "broken variant {}::{} passes every graded test: the tests miss its bug",
                v.exercise, v.name
            ),
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rust_block_of_the_book_is_a_doctest() {
    // The build script counts the ```rust blocks that are not `ignore`; rustdoc lists the doctests
    // it found. They must agree, or some block is silently untested.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .current_dir(root())
        .args([
            "test",
            "--doc",
            "-p",
            "book-snippets",
            "--",
            "--list",
            "--format",
            "terse",
        ])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "listing the doctests failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doctests = stdout.lines().filter(|l| l.ends_with(": test")).count();
    let counted = expected_rust_blocks();
    assert_eq!(
        doctests, counted,
        "rustdoc found {doctests} doctests, the book has {counted} rust blocks"
    );
    assert!(counted > 0, "the book has no tested snippets");
}

/// The number of rust blocks, by the build script's own rule (rustdoc lists `ignore` blocks too,
/// and the build script has already refused any `ignore` without a written reason).
fn expected_rust_blocks() -> usize {
    let mut n = 0;
    for p in course::file_tree::files_with_extension(&root().join("src"), "md").unwrap() {
        let text = book_include::expand_file(&p).unwrap().text;
        let f = book_include::check_fences(&p, &text).unwrap();
        n += f.tested + f.ignored;
    }
    n
}
