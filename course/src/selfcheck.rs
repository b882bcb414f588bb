//! The graded tests judged on known code: the reference solutions must pass every graded test, a
//! correct alternative (`tests/fixtures/alternatives/exNN_*.toml`, or a whole file
//! `variants/exNN_alt_*.rs`) must pass every one, and a broken variant
//! (`tests/fixtures/broken/exNN_*.toml`) must fail at least one, in every run. A broken variant
//! names the graded test that catches it (`caught_by`), and that test is tried first: most broken
//! variants then cost one test, not every test that comes before the one that catches them.
//!
//! `cargo test` does one run of each (course/tests/graded_tests_are_not_vacuous.rs);
//! `cargo course selfcheck --runs 20 --load` repeats them with two busy loops per core beside
//! them, the team's bar for "not flaky".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::manifest::Manifest;
use crate::testrun::{self, Outcome, TestBinaries};

/// The crate of the fixtures (tests/fixtures).
pub const FIXTURES_PACKAGE: &str = "graded-fixtures";

/// Builds the fixtures' test binaries. They hold ~150 copies of the graded tests: without debug
/// info they build in about half the time (a failing fixture still shows its panic message and
/// where it panicked).
pub fn build_fixtures(root: &Path) -> Result<TestBinaries> {
    let request = testrun::BuildRequest {
        without_debug_info: true,
        ..testrun::BuildRequest::default()
    };
    match testrun::build_tests_with(root, FIXTURES_PACKAGE, &request)? {
        Ok(b) => Ok(b),
        Err(failure) => bail!("the {FIXTURES_PACKAGE} tests do not compile:\n{failure}"),
    }
}

/// What a fixture is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantKind {
    /// A correct alternative design: must pass every graded test.
    Alternative,
    /// A realistic bug: must fail at least one graded test.
    Broken,
}

/// One variant of one exercise in the fixtures crate, with the tests that run against it.
#[derive(Debug, Clone)]
pub struct Variant {
    pub exercise: String,
    /// The module name: `alt_WHAT` or `broken_WHAT`.
    pub name: String,
    pub kind: VariantKind,
    pub exe: PathBuf,
    /// Every test of the binary (a test is run by exact name among these).
    pub listed: Vec<String>,
    /// This variant's tests (`name::test`, `name::hidden::test`).
    pub tests: Vec<String>,
    /// For a broken variant, the test its fixture says catches it (`test` or `hidden::test`,
    /// without the module prefix).
    pub caught_by: Option<String>,
}

/// How a variant fared in one run.
#[derive(Debug, Clone)]
pub struct VariantRun {
    /// The tests that did not pass (with their outcomes).
    pub failed: Vec<Outcome>,
}

impl Variant {
    /// True if this run is what the variant is for: an alternative passed every test, a broken
    /// variant failed at least one.
    pub fn judged_right(&self, run: &VariantRun) -> bool {
        match self.kind {
            VariantKind::Alternative => run.failed.is_empty(),
            VariantKind::Broken => !run.failed.is_empty(),
        }
    }
}

/// The variants in the fixtures crate's test binaries (one binary per exercise, one module per
/// variant), with the catchers that `root`'s `tests/fixtures/broken/*.toml` declare. A module that
/// is neither `alt_` nor `broken_` is an error, and so is a declared catcher that is not one of the
/// variant's tests.
pub fn variants(bins: &TestBinaries, root: &Path) -> Result<Vec<Variant>> {
    let catchers = declared_catchers(root)?;
    let mut out = Vec::new();
    for (exercise, exe) in &bins.by_target {
        let listed = testrun::list_tests(exe)?;
        let mut by_module: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in &listed {
            let module = t.split("::").next().unwrap_or("").to_string();
            by_module.entry(module).or_default().push(t.clone());
        }
        for (name, tests) in by_module {
            let kind = if name.starts_with("alt_") {
                VariantKind::Alternative
            } else if name.starts_with("broken_") {
                VariantKind::Broken
            } else {
                bail!("{exercise}: test module `{name}` is neither alt_ nor broken_");
            };
            let caught_by = catchers.get(&(exercise.clone(), name.clone())).cloned();
            if let Some(test) = &caught_by
                && !tests.contains(&format!("{name}::{test}"))
            {
                bail!("{exercise} {name}: caught_by `{test}` is not one of its tests");
            }
            out.push(Variant {
                exercise: exercise.clone(),
                name,
                kind,
                exe: exe.clone(),
                listed: listed.clone(),
                tests,
                caught_by,
            });
        }
    }
    Ok(out)
}

/// `caught_by` of every `[[broken]]` in `root`'s `tests/fixtures/broken/exNN_*.toml`, by
/// (exercise, module name `broken_NAME`).
fn declared_catchers(root: &Path) -> Result<BTreeMap<(String, String), String>> {
    let dir = root.join("tests/fixtures/broken");
    let mut out = BTreeMap::new();
    for file in crate::file_tree::files_with_extension(&dir, "toml")? {
        let exercise = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&file)?;
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let entries = table.get("broken").and_then(toml::Value::as_array);
        for entry in entries.into_iter().flatten() {
            let field = |key: &str| entry.get(key).and_then(toml::Value::as_str);
            if let (Some(name), Some(test)) = (field("name"), field("caught_by")) {
                out.insert(
                    (exercise.clone(), format!("broken_{name}")),
                    test.to_string(),
                );
            }
        }
    }
    Ok(out)
}

/// The time limit of a fixture's test: the manifest's limit of the same test, else the default.
fn fixture_timeout(manifest: &Manifest, variant: &Variant, test: &str) -> Duration {
    let plain = test
        .strip_prefix(&format!("{}::", variant.name))
        .unwrap_or(test);
    manifest
        .exercises
        .iter()
        .find(|e| e.name == variant.exercise)
        .and_then(|e| e.tests.iter().find(|t| t.name == plain))
        .map(|t| t.timeout())
        .unwrap_or(Duration::from_secs(10))
}

/// Runs each variant's tests once, each test alone in its own process, `jobs` variants at a
/// time. An alternative runs every test; a broken variant stops at its first failing test (it has
/// then been caught), trying first its declared catcher, then the tests that caught it most
/// often before (`caught_before`, one map per variant, may be empty), then the file's order.
pub fn run_variants(
    manifest: &Manifest,
    variants: &[Variant],
    caught_before: &[BTreeMap<String, usize>],
    jobs: usize,
) -> Vec<VariantRun> {
    testrun::parallel_map(variants, jobs, |i, v| {
        let mut order: Vec<&String> = v.tests.iter().collect();
        let before = caught_before.get(i);
        // The sort is stable: ties keep the file's order.
        order.sort_by_key(|t| {
            let plain = t.split_once("::").map_or(t.as_str(), |(_, p)| p);
            let declared = v.caught_by.as_deref() == Some(plain);
            let catches = before.and_then(|b| b.get(plain)).copied().unwrap_or(0);
            (std::cmp::Reverse(declared), std::cmp::Reverse(catches))
        });
        let mut failed = Vec::new();
        for t in order {
            let o = testrun::run_one(&v.exe, t, &v.listed, fixture_timeout(manifest, v, t));
            if !o.verdict.passed() {
                failed.push(o);
                if v.kind == VariantKind::Broken {
                    break;
                }
            }
        }
        VariantRun { failed }
    })
}

/// Runs every graded test the manifest lists against `bins` (one binary per exercise), each
/// alone, once; returns `(exercise, outcome)` in manifest order.
pub fn run_manifest_tests(
    bins: &TestBinaries,
    manifest: &Manifest,
    jobs: usize,
) -> Result<Vec<(String, Outcome)>> {
    let mut work = Vec::new();
    let mut owners = Vec::new();
    for ex in &manifest.exercises {
        let Some(exe) = bins.by_target.get(&ex.name) else {
            bail!("no test binary for {}", ex.name);
        };
        let listed = testrun::list_tests(exe)?;
        for t in &ex.tests {
            work.push((exe.clone(), t.name.clone(), listed.clone(), t.timeout()));
            owners.push(ex.name.clone());
        }
    }
    let outcomes = testrun::run_many(&work, jobs);
    Ok(owners.into_iter().zip(outcomes).collect())
}

/// Busy loops on every core, for as long as the value lives: the "two busy loops per core beside
/// it" load under which a graded test must still give the same verdict.
pub struct BusyLoad {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl BusyLoad {
    /// Starts `per_core` spinning threads per available core.
    pub fn start(per_core: usize) -> BusyLoad {
        let stop = Arc::new(AtomicBool::new(false));
        let n = per_core * testrun::default_jobs();
        let threads = (0..n)
            .map(|_| {
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut x = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        x = std::hint::black_box(
                            x.wrapping_mul(6364136223846793005).wrapping_add(1),
                        );
                    }
                })
            })
            .collect();
        BusyLoad { stop, threads }
    }
}

impl Drop for BusyLoad {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// `cargo course selfcheck`'s options.
#[derive(Debug, Clone)]
pub struct SelfcheckOptions {
    pub runs: usize,
    pub load: bool,
    pub jobs: usize,
    /// Only these exercises (`ex04` or the full module name); all when empty.
    pub exercises: Vec<String>,
}

fn selected(options: &SelfcheckOptions, exercise: &str) -> bool {
    options.exercises.is_empty()
        || options
            .exercises
            .iter()
            .any(|e| exercise == e || exercise.starts_with(&format!("{e}_")))
}

/// Builds the solutions' and the fixtures' tests, runs them `runs` times (under load if asked)
/// and prints, for the solutions, every graded test that ever failed, and for each variant, in
/// how many runs it was judged right and which tests caught it. Returns false if anything was
/// judged wrong even once.
pub fn selfcheck(root: &Path, options: &SelfcheckOptions) -> Result<bool> {
    let manifest = Manifest::load(&root.join(crate::MANIFEST_PATH))?;
    let build = |package: &str| -> Result<TestBinaries> {
        eprintln!("building the {package} tests ...");
        match testrun::build_tests(root, package, None)? {
            Ok(b) => Ok(b),
            Err(failure) => bail!("the {package} tests do not compile:\n{failure}"),
        }
    };
    let solutions = build("solutions")?;
    eprintln!("building the {FIXTURES_PACKAGE} tests ...");
    let fixtures = build_fixtures(root)?;
    let mut manifest_sel = manifest.clone();
    manifest_sel
        .exercises
        .retain(|e| selected(options, &e.name));
    let all_variants: Vec<Variant> = variants(&fixtures, root)?
        .into_iter()
        .filter(|v| selected(options, &v.exercise))
        .collect();

    let _load = options.load.then(|| BusyLoad::start(2));
    let started = Instant::now();
    let mut solution_failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut judged_right = vec![0usize; all_variants.len()];
    let mut caught_by: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); all_variants.len()];
    let mut first_wrong: Vec<Option<String>> = vec![None; all_variants.len()];
    for run in 1..=options.runs {
        let mut wrong_this_run = Vec::new();
        for (ex, o) in run_manifest_tests(&solutions, &manifest_sel, options.jobs)? {
            if !o.verdict.passed() {
                wrong_this_run.push(format!("solution {ex}::{} ({})", o.name, o.verdict.word()));
                eprintln!(
                    "run {run}: FAILS ON THE SOLUTION {ex}::{} ({}):\n{}",
                    o.name,
                    o.verdict.word(),
                    o.output
                );
                solution_failures
                    .entry(format!("{ex}::{}", o.name))
                    .or_default()
                    .push(format!("run {run}: {}\n{}", o.verdict.word(), o.output));
            }
        }
        let runs = run_variants(&manifest_sel, &all_variants, &caught_by, options.jobs);
        for (i, (v, r)) in all_variants.iter().zip(&runs).enumerate() {
            if v.judged_right(r) {
                judged_right[i] += 1;
            } else {
                wrong_this_run.push(format!("{} {}", v.exercise, v.name));
                for o in &r.failed {
                    eprintln!(
                        "run {run}: {} {}: {} ({}):\n{}",
                        v.exercise,
                        v.name,
                        o.name,
                        o.verdict.word(),
                        o.output
                    );
                }
            }
            if !v.judged_right(r) && first_wrong[i].is_none() {
                first_wrong[i] = Some(match v.kind {
                    VariantKind::Alternative => r
                        .failed
                        .iter()
                        .map(|o| format!("{} ({}):\n{}", o.name, o.verdict.word(), o.output))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    VariantKind::Broken => "passed every graded test".to_string(),
                });
            }
            for o in &r.failed {
                let plain = o.name.split_once("::").map_or(o.name.as_str(), |(_, t)| t);
                *caught_by[i].entry(plain.to_string()).or_default() += 1;
            }
        }
        // Each run's verdict as it comes, so that an interrupted check still says something.
        eprintln!(
            "run {run}/{} done ({:.0} s so far): {}",
            options.runs,
            started.elapsed().as_secs_f64(),
            if wrong_this_run.is_empty() {
                "every verdict right".to_string()
            } else {
                format!("JUDGED WRONG: {}", wrong_this_run.join(", "))
            }
        );
    }

    let load = if options.load {
        format!(
            "two busy loops per core ({} threads)",
            2 * testrun::default_jobs()
        )
    } else {
        "no added load".to_string()
    };
    println!(
        "selfcheck: {} run(s), {load}, {} job(s), {:.0} s",
        options.runs,
        options.jobs,
        started.elapsed().as_secs_f64()
    );
    let graded: usize = manifest_sel.exercises.iter().map(|e| e.tests.len()).sum();
    println!(
        "solutions: {graded} graded tests x {} runs: {} failure(s)",
        options.runs,
        solution_failures.values().map(Vec::len).sum::<usize>()
    );
    for (test, fails) in &solution_failures {
        println!("  FAILS ON THE SOLUTION {test}: {} run(s)", fails.len());
        println!("    {}", fails[0].replace('\n', "\n    "));
    }
    println!(
        "{:<28} {:<40} {:>7}  caught by",
        "exercise", "variant", "right"
    );
    let mut ok = solution_failures.is_empty();
    for (i, v) in all_variants.iter().enumerate() {
        let caught: Vec<String> = caught_by[i]
            .iter()
            .map(|(t, n)| format!("{t} ({n})"))
            .collect();
        let mark = if judged_right[i] == options.runs {
            ""
        } else {
            ok = false;
            "  <-- JUDGED WRONG"
        };
        println!(
            "{:<28} {:<40} {:>3}/{:<3}  {}{mark}",
            v.exercise,
            v.name,
            judged_right[i],
            options.runs,
            if v.kind == VariantKind::Broken {
                caught.join(", ")
            } else {
                "-".to_string()
            }
        );
        if let Some(why) = &first_wrong[i] {
            println!("    first wrong run: {}", why.replace('\n', "\n    "));
        }
        if let Some(test) = &v.caught_by {
            let n = caught_by[i].get(test).copied().unwrap_or(0);
            if n < options.runs {
                println!(
                    "    its declared catcher `{test}` caught it in {n} of {} run(s): name the \
                     test that catches it every time as caught_by in tests/fixtures/broken/{}.toml",
                    options.runs, v.exercise
                );
            }
        }
    }
    let broken = all_variants
        .iter()
        .filter(|v| v.kind == VariantKind::Broken)
        .count();
    println!(
        "{} variants: {} alternatives, {broken} broken; {}",
        all_variants.len(),
        all_variants.len() - broken,
        if ok {
            "every verdict right in every run"
        } else {
            "SOME VERDICTS WRONG (see above)"
        }
    );
    Ok(ok)
}
