//! `course bench`: the course's measurements, Rust and Python side by side.
//!
//! Builds the solutions crate's `side_by_side` bench (the scenarios of `cargo bench -p
//! solutions`, in `solutions/benches/common/mod.rs`), then runs several rounds; each round
//! runs every group of Rust scenarios and, interleaved with it, the Python program of the same
//! question (`bench/python/*.py`, if `python3` is installed), so that both meet the same load.
//! It prints medians with their spread (min–max over all samples) and the ratios the book
//! quotes, writes the raw samples to `target/course-bench/results.json` and the table to
//! `target/course-bench/table.txt`, and with `--plots` draws the book's figures into
//! `src/figures/`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

mod svg;

/// Options of `course bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Fewer rounds and samples (about a minute): a rough look, not numbers for the book.
    #[arg(long)]
    pub quick: bool,
    /// Also draw the book's figures (SVG) into src/figures/.
    #[arg(long)]
    pub plots: bool,
    /// Rounds of interleaved Rust and Python runs (default 5, or 2 with --quick).
    #[arg(long)]
    pub rounds: Option<usize>,
    /// Leave Python out even if python3 is installed.
    #[arg(long)]
    pub no_python: bool,
}

/// The groups of scenarios the Rust runner knows, and the Python program of each (if any).
const GROUPS: [(&str, Option<&str>); 7] = [
    ("spawn", Some("spawn.py")),
    ("pool", None),
    ("q8", Some("q8_pool.py")), // also prints the heavy variant
    ("heavy", None),
    ("sweep", None),
    ("pc", Some("q4_locked_list.py")),
    ("fact", Some("q7_factorials.py")),
];

/// All samples of every scenario, in nanoseconds (per operation, or per item).
type Samples = BTreeMap<String, Vec<f64>>;

/// Where and when the numbers were taken.
pub struct Provenance {
    pub command: String,
    pub cores: usize,
    pub cpu: String,
    pub date: String,
    pub rounds: usize,
    pub samples: usize,
    /// Whether Python ran beside Rust.
    pub python: bool,
}

impl Provenance {
    fn machine(&self) -> String {
        format!("{} cores, {}", self.cores, self.cpu)
    }

    /// Where the numbers come from and how to read them, in one paragraph.
    fn sentence(&self) -> String {
        format!(
            "`{}` on {} ({}), {} rounds × {} samples, {}. \
             Each cell: median [min–max over all samples]. Each ratio: the median of the paired \
             ratios (sample i of one over sample i of the other, taken moments apart) \
             [quartiles].",
            self.command,
            self.machine(),
            self.date,
            self.rounds,
            self.samples,
            if self.python {
                "Rust and Python interleaved"
            } else {
                "Rust only"
            }
        )
    }
}

/// Runs the benchmarks, prints the table, optionally draws the plots.
pub fn run(root: &Path, args: &BenchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if !root.join("solutions/benches/side_by_side.rs").exists() {
        bail!("the benchmarks live in the solutions crate, which this repository does not have");
    }
    let rounds = args.rounds.unwrap_or(if args.quick { 2 } else { 5 });
    let samples = if args.quick { 2 } else { 6 };
    let runner = build_runner(root)?;
    let static_worker = match build_static_worker(root) {
        Ok(path) => Some(path),
        Err(e) => {
            eprintln!(
                "bench: could not build a statically linked worker ({e:#}); measuring the \
                 ordinary (dynamically linked) worker only. On Debian/Ubuntu the static C \
                 library comes with `libc6-dev`."
            );
            None
        }
    };
    let python = if args.no_python { None } else { find_python() };
    match &python {
        Some(version) => eprintln!("bench: Rust and Python ({version}), {rounds} rounds"),
        None => eprintln!(
            "bench: python3 not found (or --no-python): measuring the Rust side only, {rounds} rounds"
        ),
    }

    let mut all: Samples = BTreeMap::new();
    for round in 0..rounds {
        eprintln!("bench: round {} of {rounds}", round + 1);
        for (group, script) in GROUPS {
            let rust = || {
                let mut cmd = Command::new(&runner);
                cmd.args(runner_args(group, samples));
                if let Some(exe) = &static_worker {
                    cmd.env("COURSE_STATIC_WORKER", exe);
                }
                run_lines(&mut cmd)
            };
            let py = |script: &str| {
                run_lines(
                    Command::new("python3")
                        .arg(root.join("bench/python").join(script))
                        .args(["--samples", &samples.to_string()]),
                )
            };
            // Alternate who goes first, so that neither side always meets a warmer machine.
            let mut outputs = Vec::new();
            match (script, python.is_some()) {
                (Some(script), true) if round % 2 == 1 => {
                    outputs.push(py(script)?);
                    outputs.push(rust()?);
                }
                (Some(script), true) => {
                    outputs.push(rust()?);
                    outputs.push(py(script)?);
                }
                _ => outputs.push(rust()?),
            }
            for (name, values) in outputs.into_iter().flatten() {
                all.entry(name).or_default().extend(values);
            }
        }
    }

    let provenance = Provenance {
        command: format!(
            "cargo course bench{}{}",
            if args.quick { " --quick" } else { "" },
            if args.plots { " --plots" } else { "" }
        ),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu: cpu_model(),
        date: today(),
        rounds,
        samples,
        python: python.is_some(),
    };
    let table = render_table(&all, &provenance);
    print!("{table}");

    let out_dir = root.join("target/course-bench");
    std::fs::create_dir_all(&out_dir)?;
    std::fs::write(out_dir.join("table.txt"), &table)?;
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&all)?,
    )?;
    if args.plots {
        let figures = root.join("src/figures");
        std::fs::create_dir_all(&figures)?;
        for (file, svg) in plots(&all, &provenance) {
            std::fs::write(figures.join(&file), svg)?;
            eprintln!("bench: wrote src/figures/{file}");
        }
        std::fs::write(
            figures.join("measurements.md"),
            render_markdown(&all, &provenance),
        )?;
        eprintln!("bench: wrote src/figures/measurements.md (the chapters include its tables)");
    }
    eprintln!(
        "bench: done in {:.0} s; raw samples in target/course-bench/results.json",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn runner_args(group: &str, samples: usize) -> Vec<String> {
    vec![
        "--run".into(),
        group.into(),
        "--samples".into(),
        samples.to_string(),
    ]
}

/// `cargo bench --no-run` the side-by-side runner and return the path of its executable.
fn build_runner(root: &Path) -> Result<PathBuf> {
    eprintln!("bench: building the benchmarks (cargo bench --no-run, release profile)");
    cargo_executable(
        root,
        &[
            "bench",
            "-p",
            "solutions",
            "--bench",
            "side_by_side",
            "--no-run",
        ],
        "side_by_side",
    )
}

/// Runs `cargo ARGS --message-format=json` in `root` (cargo's own messages go to our stderr)
/// and returns the executable cargo reports for the target named `target`.
fn cargo_executable(root: &Path, args: &[&str], target: &str) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // `--message-format` must come before a `--` that passes flags on to rustc.
    let split = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(&args[..split])
        .arg("--message-format=json")
        .args(&args[split..])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !output.status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == target)
        .and_then(|msg| msg["executable"].as_str().map(PathBuf::from))
        .with_context(|| format!("cargo did not report the {target} executable"))
}

/// Builds a statically linked copy of the solutions' worker binary and returns its path.
///
/// A dynamically linked program spends part of its start-up in the dynamic loader (finding,
/// mapping and relocating `libc.so` and `libgcc_s.so`); a process pool pays that once per
/// worker. Cargo cannot link one binary of a workspace statically from `Cargo.toml`, but `cargo
/// rustc` passes flags to the final crate only, and `+crt-static` there makes the link static
/// (std's `libc` link attributes follow that flag at link time). A target folder of its own
/// keeps this build from replacing the ordinary worker in `target/release`.
fn build_static_worker(root: &Path) -> Result<PathBuf> {
    eprintln!(
        "bench: building a statically linked worker (cargo rustc, target/course-bench/static-worker)"
    );
    let exe = cargo_executable(
        root,
        &[
            "rustc",
            "--release",
            "-p",
            "solutions",
            "--bin",
            "solutions-worker",
            "--target-dir",
            "target/course-bench/static-worker",
            "--",
            "-C",
            "target-feature=+crt-static",
        ],
        "solutions-worker",
    )?;
    // Check that it runs: an idle worker reads end-of-input and exits at once with status 0.
    let status = Command::new(&exe)
        .arg("ex02")
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("running {}", exe.display()))?;
    if !status.success() {
        bail!("{} ex02 </dev/null failed ({status})", exe.display());
    }
    Ok(exe)
}

fn find_python() -> Option<String> {
    let out = Command::new("python3").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs a benchmark program and parses its `NAME NS NS ...` lines.
fn run_lines(cmd: &mut Command) -> Result<Vec<(String, Vec<f64>)>> {
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !output.status.success() {
        bail!("{cmd:?} failed ({})", output.status);
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let values: Vec<f64> = words.filter_map(|w| w.parse().ok()).collect();
        if !values.is_empty() {
            lines.push((name.to_string(), values));
        }
    }
    Ok(lines)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock (days-to-civil conversion).
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Median, quartiles, min and max of a scenario's samples.
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

/// The `q` quantile (0 to 1) of sorted, non-empty values, interpolating linearly between the
/// closest ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn stat(all: &Samples, name: &str) -> Option<Stat> {
    let mut v = all.get(name)?.clone();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Stat {
        median: quantile(&v, 0.5),
        q1: quantile(&v, 0.25),
        q3: quantile(&v, 0.75),
        min: v[0],
        max: v[v.len() - 1],
    })
}

/// A duration in ns, written with a sensible unit.
pub fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn cell(all: &Samples, name: &str) -> String {
    match stat(all, name) {
        Some(s) => format!("{} [{}–{}]", human(s.median), human(s.min), human(s.max)),
        None => "-".into(),
    }
}

/// `a / b`, paired: sample `i` of `a` over sample `i` of `b` (the runner takes the samples of
/// a group in turns, so the two were taken moments apart and met the same load), summarised by
/// the median and the quartiles of those ratios. Falls back to the ratio of the medians when
/// the two have different numbers of samples.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
}

fn ratio(all: &Samples, a: &str, b: &str) -> Option<Ratio> {
    let (xs, ys) = (all.get(a)?, all.get(b)?);
    if xs.len() != ys.len() || xs.is_empty() {
        let r = stat(all, a)?.median / stat(all, b)?.median;
        return Some(Ratio {
            median: r,
            q1: r,
            q3: r,
        });
    }
    let mut rs: Vec<f64> = xs.iter().zip(ys).map(|(x, y)| x / y.max(1.0)).collect();
    rs.sort_by(f64::total_cmp);
    Some(Ratio {
        median: quantile(&rs, 0.5),
        q1: quantile(&rs, 0.25),
        q3: quantile(&rs, 0.75),
    })
}

/// What a target asks of a ratio.
#[derive(Clone, Copy)]
enum Goal {
    AtLeast(f64),
    AtMost(f64),
    Info,
}

fn judged(r: Option<Ratio>, goal: Goal) -> String {
    let Some(Ratio { median: r, q1, q3 }) = r else {
        return "-".into();
    };
    let spread = format!("[{q1:.2}–{q3:.2}]");
    match goal {
        Goal::AtLeast(t) if r >= t => format!("{r:.2}× {spread} (target ≥ {t}: met)"),
        Goal::AtLeast(t) => format!("{r:.2}× {spread} (target ≥ {t}: MISSED)"),
        Goal::AtMost(t) if r <= t => format!("{r:.2}× {spread} (target ≤ {t}: met)"),
        Goal::AtMost(t) => format!("{r:.2}× {spread} (target ≤ {t}: MISSED)"),
        Goal::Info => format!("{r:.2}× {spread}"),
    }
}

/// One part of the results: scenarios with their medians, an optional table of pool sizes, and
/// the ratios that compare them. The text table (`course bench`) and the book's generated page
/// (`src/figures/measurements.md`, with `--plots`) are both drawn from this one list.
struct Section {
    /// The anchor of this part in `measurements.md` (`{{#include ...measurements.md:ANCHOR}}`).
    anchor: &'static str,
    title: &'static str,
    /// (label, scenario).
    rows: Vec<(&'static str, &'static str)>,
    /// (column label, scenario prefix): a table with one row per entry of `grid_rows`, cell
    /// `prefix/SUFFIX`.
    by_size: Vec<(&'static str, &'static str)>,
    /// The grid's first column: its heading, and (row label, scenario suffix) per row. Pool
    /// sizes unless a section says otherwise.
    grid_rows: (&'static str, Vec<(String, String)>),
    /// (label, numerator scenario, denominator scenario, target).
    ratios: Vec<(String, String, String, Goal)>,
}

fn r(label: &str, a: &str, b: &str, goal: Goal) -> (String, String, String, Goal) {
    (label.to_string(), a.to_string(), b.to_string(), goal)
}

fn sections() -> Vec<Section> {
    let mut q8_ratios = Vec::new();
    for (who, prefix) in [("ours", "q8/ours"), ("ours static", "q8/ours_static")] {
        for n in [2, 4, 8] {
            let ours = format!("{prefix}/{n}");
            q8_ratios.push(r(
                &format!("size {n}: Python / {who}"),
                &format!("q8/python/{n}"),
                &ours,
                Goal::AtLeast(5.0),
            ));
            q8_ratios.push(r(
                &format!("size {n}: {who} / procspawn"),
                &ours,
                &format!("q8/procspawn/{n}"),
                Goal::AtMost(1.0),
            ));
            q8_ratios.push(r(
                &format!("size {n}: {who} / floor"),
                &ours,
                &format!("q8/floor_true/{n}"),
                Goal::AtMost(1.5),
            ));
        }
    }
    vec![
        Section {
            anchor: "spawn",
            title: "1. Spawn cost (per spawn, start to joined/reaped)",
            rows: vec![
                ("`thread::spawn` + join", "spawn/thread"),
                ("`thread::scope` + one spawn", "spawn/scoped_thread"),
                ("`Command` `/bin/true` + wait", "spawn/process_true"),
                (
                    "`Command` `solutions-worker ex02` + wait",
                    "spawn/process_worker",
                ),
                (
                    "the same worker, statically linked",
                    "spawn/process_worker_static",
                ),
                (
                    "Python threading.Thread start + join",
                    "spawn/python_thread",
                ),
                (
                    "Python multiprocessing.Process (fork)",
                    "spawn/python_fork_process",
                ),
                (
                    "Python subprocess.run(/bin/true)",
                    "spawn/python_process_true",
                ),
            ],
            by_size: vec![],
            grid_rows: pool_sizes(),
            ratios: vec![
                r(
                    "process (`/bin/true`) / thread",
                    "spawn/process_true",
                    "spawn/thread",
                    Goal::Info,
                ),
                r(
                    "worker process / `/bin/true`",
                    "spawn/process_worker",
                    "spawn/process_true",
                    Goal::Info,
                ),
                r(
                    "static worker process / `/bin/true`",
                    "spawn/process_worker_static",
                    "spawn/process_true",
                    Goal::Info,
                ),
                r(
                    "Python thread / Rust thread",
                    "spawn/python_thread",
                    "spawn/thread",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "pool",
            title: "2. Process pool: one task in flight, and many small tasks (per task)",
            rows: vec![
                (
                    "raw pipe ping-pong with `cat` (the floor)",
                    "pool/pipe_ping_pong",
                ),
                (
                    "`ProcessPool::map` of one task, 1 worker",
                    "pool/round_trip",
                ),
                (
                    "procspawn Pool, one task, 1 worker",
                    "pool/procspawn_round_trip",
                ),
                (
                    "10^4 tasks, 2 workers, batched (map)",
                    "pool/many_small_batched",
                ),
                (
                    "10^4 tasks, 2 workers, one by one",
                    "pool/many_small_one_by_one",
                ),
            ],
            by_size: vec![],
            grid_rows: pool_sizes(),
            ratios: vec![
                r(
                    "round trip / ping-pong",
                    "pool/round_trip",
                    "pool/pipe_ping_pong",
                    Goal::AtMost(3.0),
                ),
                r(
                    "procspawn round trip / ours",
                    "pool/procspawn_round_trip",
                    "pool/round_trip",
                    Goal::Info,
                ),
                r(
                    "one by one / batched",
                    "pool/many_small_one_by_one",
                    "pool/many_small_batched",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "q8",
            title: "3. Question 8: squares of 1..=10, pool start-up and shutdown included",
            rows: vec![],
            by_size: vec![
                ("our `ProcessPool`", "q8/ours"),
                ("the same, static worker", "q8/ours_static"),
                ("floor: N × `/bin/true`", "q8/floor_true"),
                ("procspawn pool", "q8/procspawn"),
                ("Python mp.Pool", "q8/python"),
            ],
            grid_rows: pool_sizes(),
            ratios: q8_ratios,
        },
        Section {
            anchor: "heavy",
            title: "3b. Heavy variant: 8 equal CPU-bound items (10^7 spin rounds each), start-up included",
            rows: vec![
                ("Rust, one after the other in-process", "heavy/sequential"),
                ("Python, one after the other", "heavy/python_sequential"),
            ],
            by_size: vec![
                ("our `ProcessPool`", "heavy/ours"),
                ("procspawn pool", "heavy/procspawn"),
                ("Python mp.Pool", "heavy/python"),
            ],
            grid_rows: pool_sizes(),
            ratios: vec![
                r(
                    "speed-up, ours at 2",
                    "heavy/sequential",
                    "heavy/ours/2",
                    Goal::AtLeast(1.85),
                ),
                r(
                    "speed-up, procspawn at 2",
                    "heavy/sequential",
                    "heavy/procspawn/2",
                    Goal::AtLeast(1.85),
                ),
                r(
                    "speed-up, Python mp.Pool at 2",
                    "heavy/python_sequential",
                    "heavy/python/2",
                    Goal::Info,
                ),
                r(
                    "speed-up, ours at 4",
                    "heavy/sequential",
                    "heavy/ours/4",
                    Goal::Info,
                ),
                r(
                    "speed-up, ours at 8",
                    "heavy/sequential",
                    "heavy/ours/8",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "sweep",
            title: "3c. Break-even: 8 equal items of 10^E spin rounds, start-up included",
            rows: vec![],
            by_size: vec![
                ("one after the other, in-process", "sweep/sequential"),
                ("our `ProcessPool`, 2 workers", "sweep/ours/2"),
                ("our `ProcessPool`, 8 workers", "sweep/ours/8"),
            ],
            grid_rows: (
                "rounds per item",
                (3..=7)
                    .map(|e| (format!("10^{e}"), e.to_string()))
                    .collect(),
            ),
            ratios: (3..=7)
                .flat_map(|e| {
                    [2, 8].map(|n| {
                        r(
                            &format!("10^{e}: speed-up, {n} workers"),
                            &format!("sweep/sequential/{e}"),
                            &format!("sweep/ours/{n}/{e}"),
                            Goal::Info,
                        )
                    })
                })
                .collect(),
        },
        Section {
            anchor: "pc",
            title: "4. Producer/consumer, one producer, one consumer (per item; Rust 10^6 items, Python 10^5)",
            rows: vec![
                (
                    "`Mutex<VecDeque>` + `Condvar` (locked list)",
                    "pc/mutex_vecdeque_condvar",
                ),
                (
                    "`Mutex<Vec>` + `Condvar`, consumer takes batches",
                    "pc/mutex_vec_condvar_batches",
                ),
                ("`BoundedBuffer` (ex04), capacity 1024", "pc/bounded_buffer"),
                ("std mpsc::channel", "pc/mpsc_unbounded"),
                ("std mpsc::sync_channel(1024)", "pc/mpsc_sync_channel"),
                ("crossbeam unbounded", "pc/crossbeam_unbounded"),
                ("crossbeam bounded(1024)", "pc/crossbeam_bounded"),
                ("Python locked list + Condition", "pc/python_locked_list"),
                ("Python queue.Queue(1024)", "pc/python_queue_bounded"),
            ],
            by_size: vec![],
            grid_rows: pool_sizes(),
            ratios: vec![
                r(
                    "`BoundedBuffer` / crossbeam bounded",
                    "pc/bounded_buffer",
                    "pc/crossbeam_bounded",
                    Goal::AtMost(3.0),
                ),
                r(
                    "Python locked list / Rust locked list",
                    "pc/python_locked_list",
                    "pc/mutex_vecdeque_condvar",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "fact",
            title: "5. Factorials (pool start-up included)",
            rows: vec![
                ("1..=10, plain loop", "fact/small/sequential"),
                ("1..=10, rayon pool of 2", "fact/small/rayon_2"),
                ("1..=10, hand-built pool of 2", "fact/small/hand_pool_2"),
                ("1..=10, a thread per number", "fact/small/thread_per_task"),
                ("1..=10, Python loop", "fact/small/python_sequential"),
                (
                    "1..=10, Python ThreadPoolExecutor(2)",
                    "fact/small/python_pool_2",
                ),
                ("20000..=20003 (BigUint), plain loop", "fact/big/sequential"),
                ("big, rayon 1", "fact/big/rayon_1"),
                ("big, rayon 2", "fact/big/rayon_2"),
                ("big, rayon 4", "fact/big/rayon_4"),
                ("big, hand-built pool 1", "fact/big/hand_pool_1"),
                ("big, hand-built pool 2", "fact/big/hand_pool_2"),
                ("big, hand-built pool 4", "fact/big/hand_pool_4"),
                ("big, a thread per number", "fact/big/thread_per_task"),
                (
                    "big, Python loop (math.factorial)",
                    "fact/big/python_sequential",
                ),
                (
                    "big, Python ThreadPoolExecutor(1)",
                    "fact/big/python_pool_1",
                ),
                (
                    "big, Python ThreadPoolExecutor(2)",
                    "fact/big/python_pool_2",
                ),
                (
                    "big, Python ThreadPoolExecutor(4)",
                    "fact/big/python_pool_4",
                ),
                ("40000! in one, factorial_big", "fact/one_big/sequential"),
                (
                    "40000!, factorial_big_parallel 1 thread",
                    "fact/one_big/parallel_1",
                ),
                (
                    "40000!, factorial_big_parallel 2 threads",
                    "fact/one_big/parallel_2",
                ),
                (
                    "40000!, factorial_big_parallel 4 threads",
                    "fact/one_big/parallel_4",
                ),
            ],
            by_size: vec![],
            grid_rows: pool_sizes(),
            ratios: vec![
                r(
                    "1..=10: rayon(2) / plain loop",
                    "fact/small/rayon_2",
                    "fact/small/sequential",
                    Goal::Info,
                ),
                r(
                    "1..=10: Python pool / Rust hand-built pool",
                    "fact/small/python_pool_2",
                    "fact/small/hand_pool_2",
                    Goal::Info,
                ),
                r(
                    "big: speed-up rayon 2 vs plain loop",
                    "fact/big/sequential",
                    "fact/big/rayon_2",
                    Goal::Info,
                ),
                r(
                    "big: speed-up hand-built 2 vs plain loop",
                    "fact/big/sequential",
                    "fact/big/hand_pool_2",
                    Goal::Info,
                ),
                r(
                    "big: speed-up Python pool 2 vs Python loop",
                    "fact/big/python_sequential",
                    "fact/big/python_pool_2",
                    Goal::Info,
                ),
                r(
                    "40000!: parallel 2 / parallel 1 speed-up",
                    "fact/one_big/parallel_1",
                    "fact/one_big/parallel_2",
                    Goal::Info,
                ),
            ],
        },
    ]
}

/// The grid rows of a section measured at pool sizes 2, 4 and 8.
fn pool_sizes() -> (&'static str, Vec<(String, String)>) {
    (
        "pool size",
        [2, 4, 8]
            .iter()
            .map(|n| (n.to_string(), n.to_string()))
            .collect(),
    )
}

/// The plain-text table `course bench` prints.
fn render_table(all: &Samples, p: &Provenance) -> String {
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(w, "\n{}\n", p.sentence());
    for s in sections() {
        let _ = writeln!(w, "## {}", s.title);
        for (label, key) in &s.rows {
            if all.contains_key(*key) {
                let _ = writeln!(w, "  {label:<46} {}", cell(all, key));
            }
        }
        if !s.by_size.is_empty() {
            let (heading, grid_rows) = &s.grid_rows;
            let _ = write!(w, "  {heading:<10}");
            for (label, _) in &s.by_size {
                let _ = write!(w, " {label:<28}");
            }
            let _ = writeln!(w);
            for (row, suffix) in grid_rows {
                let _ = write!(w, "  {row:<10}");
                for (_, prefix) in &s.by_size {
                    let _ = write!(w, " {:<28}", cell(all, &format!("{prefix}/{suffix}")));
                }
                let _ = writeln!(w);
            }
        }
        let _ = writeln!(w);
        for (label, a, b, goal) in &s.ratios {
            if all.contains_key(a) && all.contains_key(b) {
                let _ = writeln!(w, "  {label:<46} {}", judged(ratio(all, a, b), *goal));
            }
        }
        let _ = writeln!(w);
    }
    if !p.python {
        let _ = writeln!(
            w,
            "(Python columns are empty: python3 was not found or --no-python.)"
        );
    }
    t
}

/// The book's page of measurements, `src/figures/measurements.md`: one anchored part per
/// section, plus `provenance` (one sentence: command, machine, date, samples). Chapters include
/// the parts, so the numbers they show are always those of the last `--plots` run.
fn render_markdown(all: &Samples, p: &Provenance) -> String {
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(
        w,
        "<!-- Generated by `cargo course bench --plots`; do not edit. Chapters include the parts \
         between the ANCHOR lines. -->"
    );
    let _ = writeln!(w, "<!-- ANCHOR: provenance -->");
    let _ = writeln!(w, "{}", p.sentence());
    let _ = writeln!(w, "<!-- ANCHOR_END: provenance -->");
    for s in sections() {
        let _ = writeln!(w, "<!-- ANCHOR: {} -->", s.anchor);
        let present: Vec<_> = s
            .rows
            .iter()
            .filter(|(_, k)| all.contains_key(*k))
            .collect();
        if !present.is_empty() {
            let _ = writeln!(w, "| | median | [min–max] |\n|---|---:|---|");
            for (label, key) in present {
                let (median, range) = md_cell(all, key);
                let _ = writeln!(w, "| {} | {median} | {range} |", md_label(label));
            }
            let _ = writeln!(w);
        }
        if !s.by_size.is_empty() {
            let (heading, grid_rows) = &s.grid_rows;
            let _ = write!(w, "| {heading} |");
            for (label, _) in &s.by_size {
                let _ = write!(w, " {} |", md_label(label));
            }
            let _ = write!(w, "\n|---|");
            for _ in &s.by_size {
                let _ = write!(w, "---|");
            }
            let _ = writeln!(w);
            for (row, suffix) in grid_rows {
                let _ = write!(w, "| {row} |");
                for (_, prefix) in &s.by_size {
                    let (median, range) = md_cell(all, &format!("{prefix}/{suffix}"));
                    let _ = write!(w, " {median} {range} |");
                }
                let _ = writeln!(w);
            }
            let _ = writeln!(w);
        }
        let present: Vec<_> = s
            .ratios
            .iter()
            .filter(|(_, a, b, _)| all.contains_key(a) && all.contains_key(b))
            .collect();
        if !present.is_empty() {
            let _ = writeln!(
                w,
                "| ratio | median of pairs | [quartiles] | course target |\n|---|---:|---|---|"
            );
            for (label, a, b, goal) in present {
                let Some(q) = ratio(all, a, b) else { continue };
                let target = match goal {
                    Goal::AtLeast(t) if q.median >= *t => format!("≥ {t}: met"),
                    Goal::AtLeast(t) => format!("≥ {t}: **missed**"),
                    Goal::AtMost(t) if q.median <= *t => format!("≤ {t}: met"),
                    Goal::AtMost(t) => format!("≤ {t}: **missed**"),
                    Goal::Info => String::new(),
                };
                let _ = writeln!(
                    w,
                    "| {} | {:.2}× | [{:.2}–{:.2}] | {target} |",
                    md_label(label),
                    q.median,
                    q.q1,
                    q.q3
                );
            }
            let _ = writeln!(w);
        }
        let _ = writeln!(w, "<!-- ANCHOR_END: {} -->", s.anchor);
    }
    t
}

/// A label for a Markdown table (`|` would end the cell).
fn md_label(label: &str) -> String {
    label.replace('|', "\\|")
}

fn md_cell(all: &Samples, key: &str) -> (String, String) {
    match stat(all, key) {
        Some(s) => (
            human(s.median),
            format!("[{}–{}]", human(s.min), human(s.max)),
        ),
        None => ("–".into(), String::new()),
    }
}

/// The book's figures: (file name, SVG text).
fn plots(all: &Samples, p: &Provenance) -> Vec<(String, String)> {
    let footer = vec![
        format!("{} · {} · {}", p.command, p.machine(), p.date),
        format!(
            "median of {} samples; bars: quartiles (the tables give min–max)",
            p.rounds * p.samples
        ),
    ];
    let series = |label: &str, keys: &[(f64, String)], scale: f64| svg::Series {
        label: label.to_string(),
        points: keys
            .iter()
            .filter_map(|(x, k)| {
                stat(all, k).map(|s| (*x, s.median / scale, s.q1 / scale, s.q3 / scale))
            })
            .collect(),
    };
    let sizes = |prefix: &str| -> Vec<(f64, String)> {
        [2, 4, 8]
            .iter()
            .map(|n| (f64::from(*n), format!("{prefix}/{n}")))
            .collect()
    };
    let mut out = Vec::new();

    out.push((
        "ch08-tiny-tasks.svg".to_string(),
        svg::line_chart(
            "Squares of 1..=10, pool start-up and shutdown included",
            "pool size (processes)",
            "time (ms)",
            &[2.0, 4.0, 8.0],
            &[
                series("Python multiprocessing.Pool", &sizes("q8/python"), 1e6),
                series("procspawn pool", &sizes("q8/procspawn"), 1e6),
                series("our ProcessPool", &sizes("q8/ours"), 1e6),
                series(
                    "our ProcessPool, static worker",
                    &sizes("q8/ours_static"),
                    1e6,
                ),
                series("floor: N × /bin/true", &sizes("q8/floor_true"), 1e6),
            ],
            &footer,
        ),
    ));
    let heavy = |prefix: &str, seq: &str| {
        let mut keys = vec![(1.0, seq.to_string())];
        keys.extend(sizes(prefix));
        keys
    };
    out.push((
        "ch08-heavy-tasks.svg".to_string(),
        svg::line_chart(
            "8 equal CPU-bound items (size 1 = no pool, in-process)",
            "pool size (processes)",
            "time (ms)",
            &[1.0, 2.0, 4.0, 8.0],
            &[
                series(
                    "Python multiprocessing.Pool",
                    &heavy("heavy/python", "heavy/python_sequential"),
                    1e6,
                ),
                series(
                    "procspawn pool",
                    &heavy("heavy/procspawn", "heavy/sequential"),
                    1e6,
                ),
                series(
                    "our ProcessPool",
                    &heavy("heavy/ours", "heavy/sequential"),
                    1e6,
                ),
            ],
            &footer,
        ),
    ));

    // Chapter 7: speed-up (sequential time / time) against threads.
    // Chapter 8: where a pool starts to pay, speed-up against task size (paired ratios).
    let sweep = |n: usize| svg::Series {
        label: format!("our ProcessPool, {n} workers"),
        points: (3..=7)
            .filter_map(|e| {
                ratio(
                    all,
                    &format!("sweep/sequential/{e}"),
                    &format!("sweep/ours/{n}/{e}"),
                )
                .map(|r| (f64::from(e), r.median, r.q1, r.q3))
            })
            .collect(),
    };
    out.push((
        "ch08-break-even.svg".to_string(),
        svg::line_chart(
            "8 equal items: speed-up of a fresh pool over a plain loop (1 = break-even)",
            "spin rounds per item (10^x)",
            "speed-up (×)",
            &[3.0, 4.0, 5.0, 6.0, 7.0],
            &[sweep(2), sweep(8)],
            &footer,
        ),
    ));

    // Paired, like the table's ratios: sample i of the loop over sample i of the pool.
    let speedup = |label: &str, seq: &str, keys: &[(f64, &str)]| svg::Series {
        label: label.to_string(),
        points: keys
            .iter()
            .filter_map(|(x, k)| ratio(all, seq, k).map(|r| (*x, r.median, r.q1, r.q3)))
            .collect(),
    };
    out.push((
        "ch07-speedup.svg".to_string(),
        svg::line_chart(
            "Four big factorials (20000!..20003!): speed-up over a plain loop",
            "threads",
            "speed-up (×)",
            &[1.0, 2.0, 4.0],
            &[
                speedup(
                    "rayon pool",
                    "fact/big/sequential",
                    &[
                        (1.0, "fact/big/rayon_1"),
                        (2.0, "fact/big/rayon_2"),
                        (4.0, "fact/big/rayon_4"),
                    ],
                ),
                speedup(
                    "hand-built ThreadPool",
                    "fact/big/sequential",
                    &[
                        (1.0, "fact/big/hand_pool_1"),
                        (2.0, "fact/big/hand_pool_2"),
                        (4.0, "fact/big/hand_pool_4"),
                    ],
                ),
                speedup(
                    "Python ThreadPoolExecutor",
                    "fact/big/python_sequential",
                    &[
                        (1.0, "fact/big/python_pool_1"),
                        (2.0, "fact/big/python_pool_2"),
                        (4.0, "fact/big/python_pool_4"),
                    ],
                ),
            ],
            &footer,
        ),
    ));

    let bars = |keys: &[(&str, &str)]| -> Vec<svg::Bar> {
        keys.iter()
            .filter_map(|(label, k)| {
                stat(all, k).map(|s| svg::Bar {
                    label: label.to_string(),
                    median: s.median,
                    low: s.q1,
                    high: s.q3,
                })
            })
            .collect()
    };
    out.push((
        "ch01-spawn-cost.svg".to_string(),
        svg::bar_chart(
            "Cost of starting and joining one thread or process (log scale)",
            &bars(&[
                ("Rust thread::spawn + join", "spawn/thread"),
                ("Rust scoped thread", "spawn/scoped_thread"),
                ("Python threading.Thread", "spawn/python_thread"),
                ("Rust Command: /bin/true", "spawn/process_true"),
                ("Rust Command: ex02 worker", "spawn/process_worker"),
                ("Rust Command: static worker", "spawn/process_worker_static"),
                ("Python subprocess: /bin/true", "spawn/python_process_true"),
                ("Python multiprocessing (fork)", "spawn/python_fork_process"),
            ]),
            &footer,
        ),
    ));
    out.push((
        "ch02-round-trip.svg".to_string(),
        svg::bar_chart(
            "Cost per task through a pipe to a worker process (log scale)",
            &bars(&[
                ("raw pipe ping-pong (cat)", "pool/pipe_ping_pong"),
                ("ProcessPool, 1 task in flight", "pool/round_trip"),
                ("procspawn Pool, 1 task", "pool/procspawn_round_trip"),
                (
                    "10^4 tasks, 2 workers, one by one",
                    "pool/many_small_one_by_one",
                ),
                ("10^4 tasks, 2 workers, batched", "pool/many_small_batched"),
            ]),
            &footer,
        ),
    ));
    out.push((
        "ch04-producer-consumer.svg".to_string(),
        svg::bar_chart(
            "One producer, one consumer: time per item (log scale)",
            &bars(&[
                ("Mutex<VecDeque> + Condvar", "pc/mutex_vecdeque_condvar"),
                (
                    "Mutex<Vec> + Condvar, batches",
                    "pc/mutex_vec_condvar_batches",
                ),
                ("BoundedBuffer (ex04), 1024", "pc/bounded_buffer"),
                ("std mpsc::channel", "pc/mpsc_unbounded"),
                ("std mpsc::sync_channel(1024)", "pc/mpsc_sync_channel"),
                ("crossbeam unbounded", "pc/crossbeam_unbounded"),
                ("crossbeam bounded(1024)", "pc/crossbeam_bounded"),
                ("Python locked list", "pc/python_locked_list"),
                ("Python queue.Queue(1024)", "pc/python_queue_bounded"),
            ]),
            &footer,
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(entries: &[(&str, &[f64])]) -> Samples {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect()
    }

    #[test]
    fn ratios_pair_samples_taken_together() {
        // Sample i of `a` is twice sample i of `b` in three of four pairs, but the load changed
        // between samples: the paired median is 2, while the ratio of the medians is 11/55.
        let all = samples(&[
            ("a", &[2.0, 20.0, 200.0, 2.0]),
            ("b", &[1.0, 10.0, 100.0, 200.0]),
        ]);
        let r = ratio(&all, "a", "b").unwrap();
        assert!((r.median - 2.0).abs() < 1e-9, "{r:?}");
        // The outlier pair (2 / 200) pulls the lower quartile down, not the median.
        assert!(r.q1 < 2.0 && r.q3 <= 2.0 + 1e-9, "{r:?}");
    }

    #[test]
    fn unpaired_samples_fall_back_to_the_ratio_of_medians() {
        let all = samples(&[("a", &[3.0, 6.0, 9.0]), ("b", &[1.0, 2.0])]);
        let r = ratio(&all, "a", "b").unwrap();
        assert!((r.median - 6.0 / 1.5).abs() < 1e-9, "{r:?}");
        assert!(ratio(&all, "a", "missing").is_none());
    }

    #[test]
    fn targets_are_judged_on_the_median() {
        let r = |m| {
            Some(Ratio {
                median: m,
                q1: m,
                q3: m,
            })
        };
        assert!(judged(r(1.4), Goal::AtMost(1.5)).contains("met"));
        assert!(judged(r(1.6), Goal::AtMost(1.5)).contains("MISSED"));
        assert!(judged(r(5.2), Goal::AtLeast(5.0)).contains("met"));
        assert!(judged(r(4.9), Goal::AtLeast(5.0)).contains("MISSED"));
        assert_eq!(judged(None, Goal::Info), "-");
    }

    #[test]
    fn the_book_page_has_every_anchor_and_only_measured_rows() {
        let all = samples(&[
            ("q8/ours/2", &[2.0e6, 2.2e6]),
            ("q8/floor_true/2", &[1.0e6, 1.0e6]),
            ("pc/bounded_buffer", &[400.0, 400.0]),
            ("pc/crossbeam_bounded", &[100.0, 100.0]),
        ]);
        let p = Provenance {
            command: "cargo course bench --plots".into(),
            cores: 2,
            cpu: "Test CPU".into(),
            date: "2026-11-23".into(),
            rounds: 1,
            samples: 2,
            python: false,
        };
        let md = render_markdown(&all, &p);
        for anchor in [
            "provenance",
            "spawn",
            "pool",
            "q8",
            "heavy",
            "sweep",
            "pc",
            "fact",
        ] {
            assert!(
                md.contains(&format!("<!-- ANCHOR: {anchor} -->")),
                "{anchor}"
            );
            assert!(
                md.contains(&format!("<!-- ANCHOR_END: {anchor} -->")),
                "{anchor}"
            );
        }
        assert!(md.contains("2 cores, Test CPU (2026-11-23), 1 rounds × 2 samples, Rust only"));
        // 2.1 ms / 1 ms, paired: the floor target (≤ 1.5) is missed, and says so.
        assert!(md.contains("| size 2: ours / floor | 2.10× |"), "{md}");
        assert!(md.contains("≤ 1.5: **missed**"));
        assert!(md.contains("| `BoundedBuffer` / crossbeam bounded | 4.00× |"));
        // Scenarios that were not measured get no row.
        assert!(!md.contains("thread::spawn"));
        assert!(!md.contains("Python / ours"));
    }
}
