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
const GROUPS: [(&str, Option<&str>); 6] = [
    ("spawn", Some("spawn.py")),
    ("pool", None),
    ("q8", Some("q8_pool.py")), // also prints the heavy variant
    ("heavy", None),
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
}

impl Provenance {
    fn machine(&self) -> String {
        format!("{} cores, {}", self.cores, self.cpu)
    }
}

/// Runs the benchmarks, prints the table, optionally draws the plots.
pub fn run(root: &Path, args: &BenchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if !root.join("solutions/benches/side_by_side.rs").exists() {
        bail!("the benchmarks live in the solutions crate, which this repository does not have");
    }
    let rounds = args.rounds.unwrap_or(if args.quick { 2 } else { 5 });
    let samples = if args.quick { 2 } else { 3 };
    let runner = build_runner(root)?;
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
            let rust = || run_lines(Command::new(&runner).args(runner_args(group, samples)));
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
    };
    let table = render_table(&all, &provenance, python.is_some());
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
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "bench",
            "-p",
            "solutions",
            "--bench",
            "side_by_side",
            "--no-run",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo bench --no-run")?;
    if !output.status.success() {
        bail!("building the benchmarks failed");
    }
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact"
            && msg["target"]["name"] == "side_by_side"
            && let Some(exe) = msg["executable"].as_str()
        {
            return Ok(PathBuf::from(exe));
        }
    }
    bail!("cargo did not report the side_by_side executable")
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

/// Median, min and max of a scenario's samples.
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

fn stat(all: &Samples, name: &str) -> Option<Stat> {
    let mut v = all.get(name)?.clone();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    let median = if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    };
    Some(Stat {
        median,
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

/// `a / b` of the medians.
fn ratio(all: &Samples, a: &str, b: &str) -> Option<f64> {
    Some(stat(all, a)?.median / stat(all, b)?.median)
}

/// What a target asks of a ratio.
#[derive(Clone, Copy)]
enum Goal {
    AtLeast(f64),
    AtMost(f64),
    Info,
}

fn judged(r: Option<f64>, goal: Goal) -> String {
    let Some(r) = r else { return "-".into() };
    match goal {
        Goal::AtLeast(t) if r >= t => format!("{r:.2}× (target ≥ {t}: met)"),
        Goal::AtLeast(t) => format!("{r:.2}× (target ≥ {t}: MISSED)"),
        Goal::AtMost(t) if r <= t => format!("{r:.2}× (target ≤ {t}: met)"),
        Goal::AtMost(t) => format!("{r:.2}× (target ≤ {t}: MISSED)"),
        Goal::Info => format!("{r:.2}×"),
    }
}

fn render_table(all: &Samples, p: &Provenance, python: bool) -> String {
    let mut t = String::new();
    let w = &mut t;
    let _ = writeln!(
        w,
        "\n`{}` on {} ({}), {} rounds × {} samples, Rust and Python interleaved.\n\
         Each cell: median [min–max over all samples].\n",
        p.command,
        p.machine(),
        p.date,
        p.rounds,
        p.samples
    );
    let rows = |w: &mut String, title: &str, rows: &[(&str, &str)]| {
        if !title.is_empty() {
            let _ = writeln!(w, "## {title}");
        }
        for (label, key) in rows {
            if all.contains_key(*key) {
                let _ = writeln!(w, "  {label:<46} {}", cell(all, key));
            }
        }
        let _ = writeln!(w);
    };
    let ratios = |w: &mut String, list: &[(&str, &str, &str, Goal)]| {
        for (label, a, b, goal) in list {
            if all.contains_key(*a) && all.contains_key(*b) {
                let _ = writeln!(w, "  {label:<46} {}", judged(ratio(all, a, b), *goal));
            }
        }
        let _ = writeln!(w);
    };

    rows(
        w,
        "1. Spawn cost (per spawn, start to joined/reaped)",
        &[
            ("thread::spawn + join", "spawn/thread"),
            ("thread::scope + one spawn", "spawn/scoped_thread"),
            ("Command /bin/true + wait", "spawn/process_true"),
            (
                "Command solutions-worker ex02 + wait",
                "spawn/process_worker",
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
    );
    ratios(
        w,
        &[
            (
                "process (/bin/true) / thread",
                "spawn/process_true",
                "spawn/thread",
                Goal::Info,
            ),
            (
                "Python thread / Rust thread",
                "spawn/python_thread",
                "spawn/thread",
                Goal::Info,
            ),
        ],
    );

    rows(
        w,
        "2. Process pool: one task in flight, and many small tasks (per task)",
        &[
            (
                "raw pipe ping-pong with `cat` (the floor)",
                "pool/pipe_ping_pong",
            ),
            ("ProcessPool::map of one task, 1 worker", "pool/round_trip"),
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
    );
    ratios(
        w,
        &[
            (
                "round trip / ping-pong",
                "pool/round_trip",
                "pool/pipe_ping_pong",
                Goal::AtMost(3.0),
            ),
            (
                "procspawn round trip / ours",
                "pool/procspawn_round_trip",
                "pool/round_trip",
                Goal::Info,
            ),
            (
                "one by one / batched",
                "pool/many_small_one_by_one",
                "pool/many_small_batched",
                Goal::Info,
            ),
        ],
    );

    let _ = writeln!(
        w,
        "## 3. Question 8: squares of 1..=10, pool start-up and shutdown included"
    );
    let _ = writeln!(
        w,
        "  {:<4} {:<28} {:<28} {:<28} {:<28}",
        "size", "ours", "floor (N × /bin/true)", "procspawn", "Python mp.Pool"
    );
    for n in [2, 4, 8] {
        let _ = writeln!(
            w,
            "  {n:<4} {:<28} {:<28} {:<28} {:<28}",
            cell(all, &format!("q8/ours/{n}")),
            cell(all, &format!("q8/floor_true/{n}")),
            cell(all, &format!("q8/procspawn/{n}")),
            cell(all, &format!("q8/python/{n}")),
        );
    }
    for n in [2, 4, 8] {
        let ours = format!("q8/ours/{n}");
        ratios(
            w,
            &[
                (
                    &format!("size {n}: Python / ours"),
                    &format!("q8/python/{n}"),
                    &ours,
                    Goal::AtLeast(5.0),
                ),
                (
                    &format!("size {n}: ours / procspawn"),
                    &ours,
                    &format!("q8/procspawn/{n}"),
                    Goal::AtMost(1.0),
                ),
                (
                    &format!("size {n}: ours / floor"),
                    &ours,
                    &format!("q8/floor_true/{n}"),
                    Goal::AtMost(1.5),
                ),
            ],
        );
    }

    let _ = writeln!(
        w,
        "## 3b. Heavy variant: 8 items of ~10 ms CPU, start-up included"
    );
    rows(
        w,
        "",
        &[
            ("Rust, one after the other in-process", "heavy/sequential"),
            ("ours, 2 workers", "heavy/ours/2"),
            ("ours, 4 workers", "heavy/ours/4"),
            ("ours, 8 workers", "heavy/ours/8"),
            ("procspawn, 2 workers", "heavy/procspawn/2"),
            ("procspawn, 4 workers", "heavy/procspawn/4"),
            ("procspawn, 8 workers", "heavy/procspawn/8"),
            ("Python, one after the other", "heavy/python_sequential"),
            ("Python mp.Pool, 2", "heavy/python/2"),
            ("Python mp.Pool, 4", "heavy/python/4"),
            ("Python mp.Pool, 8", "heavy/python/8"),
        ],
    );
    ratios(
        w,
        &[
            (
                "speed-up, ours at 2",
                "heavy/sequential",
                "heavy/ours/2",
                Goal::AtLeast(1.85),
            ),
            (
                "speed-up, procspawn at 2",
                "heavy/sequential",
                "heavy/procspawn/2",
                Goal::AtLeast(1.85),
            ),
            (
                "speed-up, Python mp.Pool at 2",
                "heavy/python_sequential",
                "heavy/python/2",
                Goal::AtLeast(1.85),
            ),
            (
                "speed-up, ours at 4",
                "heavy/sequential",
                "heavy/ours/4",
                Goal::Info,
            ),
            (
                "speed-up, ours at 8",
                "heavy/sequential",
                "heavy/ours/8",
                Goal::Info,
            ),
        ],
    );

    rows(
        w,
        "4. Producer/consumer, one producer, one consumer (per item; Rust 10^6 items, Python 10^5)",
        &[
            (
                "Mutex<VecDeque> + Condvar (locked list)",
                "pc/mutex_vecdeque_condvar",
            ),
            (
                "Mutex<Vec> + Condvar, consumer takes batches",
                "pc/mutex_vec_condvar_batches",
            ),
            ("BoundedBuffer (ex04), capacity 1024", "pc/bounded_buffer"),
            ("std mpsc::channel", "pc/mpsc_unbounded"),
            ("std mpsc::sync_channel(1024)", "pc/mpsc_sync_channel"),
            ("crossbeam unbounded", "pc/crossbeam_unbounded"),
            ("crossbeam bounded(1024)", "pc/crossbeam_bounded"),
            ("Python locked list + Condition", "pc/python_locked_list"),
            ("Python queue.Queue(1024)", "pc/python_queue_bounded"),
        ],
    );
    ratios(
        w,
        &[
            (
                "BoundedBuffer / crossbeam bounded",
                "pc/bounded_buffer",
                "pc/crossbeam_bounded",
                Goal::AtMost(3.0),
            ),
            (
                "Python locked list / Rust locked list",
                "pc/python_locked_list",
                "pc/mutex_vecdeque_condvar",
                Goal::Info,
            ),
        ],
    );

    rows(
        w,
        "5. Factorials (pool start-up included)",
        &[
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
            ("big, rayon 1 / 2 / 4: 1", "fact/big/rayon_1"),
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
    );
    ratios(
        w,
        &[
            (
                "1..=10: rayon(2) / plain loop",
                "fact/small/rayon_2",
                "fact/small/sequential",
                Goal::Info,
            ),
            (
                "1..=10: Python pool / Rust hand-built pool",
                "fact/small/python_pool_2",
                "fact/small/hand_pool_2",
                Goal::Info,
            ),
            (
                "big: speed-up rayon 2 vs plain loop",
                "fact/big/sequential",
                "fact/big/rayon_2",
                Goal::Info,
            ),
            (
                "big: speed-up hand-built 2 vs plain loop",
                "fact/big/sequential",
                "fact/big/hand_pool_2",
                Goal::Info,
            ),
            (
                "big: speed-up Python pool 2 vs Python loop",
                "fact/big/python_sequential",
                "fact/big/python_pool_2",
                Goal::Info,
            ),
            (
                "40000!: parallel 2 / parallel 1 speed-up",
                "fact/one_big/parallel_1",
                "fact/one_big/parallel_2",
                Goal::Info,
            ),
        ],
    );
    if !python {
        let _ = writeln!(
            w,
            "(Python columns are empty: python3 was not found or --no-python.)"
        );
    }
    t
}

/// The book's figures: (file name, SVG text).
fn plots(all: &Samples, p: &Provenance) -> Vec<(String, String)> {
    let footer = vec![
        format!("{} · {} · {}", p.command, p.machine(), p.date),
        format!(
            "median of {} samples, bars: min–max; shared, busy machine",
            p.rounds * p.samples
        ),
    ];
    let series = |label: &str, keys: &[(f64, String)], scale: f64| svg::Series {
        label: label.to_string(),
        points: keys
            .iter()
            .filter_map(|(x, k)| {
                stat(all, k).map(|s| (*x, s.median / scale, s.min / scale, s.max / scale))
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
            "8 items of ~10 ms CPU each (size 1 = no pool, in-process)",
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
    let speedup = |label: &str, seq: &str, keys: &[(f64, &str)]| svg::Series {
        label: label.to_string(),
        points: match stat(all, seq) {
            Some(base) => keys
                .iter()
                .filter_map(|(x, k)| {
                    stat(all, k).map(|s| {
                        (
                            *x,
                            base.median / s.median,
                            base.median / s.max,
                            base.median / s.min,
                        )
                    })
                })
                .collect(),
            None => Vec::new(),
        },
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
                    min: s.min,
                    max: s.max,
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
