//! The trace harness's events, and the timeline they describe.
//!
//! The harness (`tests/trace/harness.rs`) prints one JSON object per line on stdout; `type`
//! says what it is. Times are microseconds since the harness started, on one clock.
//!
//! | `type` | fields | meaning |
//! | --- | --- | --- |
//! | `start` | `exercise`, `package`, `cores`, `load_x100` (load average × 100), `unit_us` | first line |
//! | `scenario` | `title`, `detail`, optional numbers (`workers`: threads of a pool, `processes`: worker processes of the pools, `tasks`, `items`, `capacity`) | a new scenario: what follows, up to its `end`, belongs to it |
//! | `span` | `lane`, `kind` (`task`, `wait`, `phase`, `busy`, `ready`, `alive`), `start_us`, `end_us`, `label` | something a thread or process did |
//! | `timing` | `label`, `wall_us` | a measured call of the code under test |
//! | `baseline` | `label`, `wall_us` | the same work done one task after the other, no pool (the shortest counts, if several) |
//! | `count` | `lane`, `what`, `value`, `items` | e.g. a consumer that `woke up` `value` times for `items` items |
//! | `cpu_use` | `lane`, `waited_us`, `wait_cpu_us`, `task_us`, `task_cpu_us` | how long a thread was blocked in calls and how long it worked, and the CPU time it used in each |
//! | `note` | `text` | a remark (wrong results, missing items) |
//! | `panic` | `thread`, `message`, `location`, `t_us` | printed the moment a thread panics |
//! | `end` | `outcome` (`ok`, `not_implemented`, `panicked`, `error`, `timed_out`), `message`, `location`, `thread`, `after_ms`, `stuck` | how the scenario ended |
//! | `done` | | last line |
//!
//! A line that is not a JSON object is something the code under test printed: it is kept
//! ([`Trace::stray`]) and otherwise ignored. A JSON line that breaks this format is an error
//! (the harness and the tool come from the same tree).

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Everything one run of the harness reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// `ex07`.
    pub exercise: String,
    /// The crate traced: `exercises` or `solutions`.
    pub package: String,
    /// The cores the harness saw.
    pub cores: u64,
    /// The machine's load average (last minute) when the harness started.
    pub load: f64,
    /// The scenarios, in the order they ran.
    pub scenarios: Vec<Scenario>,
    /// Lines the code under test printed on stdout (not events).
    pub stray: Vec<String>,
    /// Whether the harness got to its last line (`done`).
    pub complete: bool,
    /// Why the run stopped early, if it did (set by the runner: a crash, a time limit).
    pub stopped: Option<String>,
}

/// One scenario: a call (or a few) of the code under test on a demo input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// `ThreadPool::map`.
    pub title: String,
    /// The demo input, in a sentence.
    pub detail: String,
    /// Numbers describing the input (`workers`, `processes`, `tasks`, `items`, `capacity`).
    pub meta: BTreeMap<String, u64>,
    /// One lane per thread or process, in first-appearance order (see [`Scenario::lanes`]).
    pub lanes: Vec<Lane>,
    /// Measured calls.
    pub timings: Vec<Timing>,
    /// The sequential baseline.
    pub baseline: Option<Timing>,
    /// Counters (wake-ups).
    pub counts: Vec<Count>,
    /// The CPU time threads used while blocked and while working.
    pub cpu_use: Vec<CpuUse>,
    /// Remarks.
    pub notes: Vec<String>,
    /// Panics seen while the scenario ran, first first.
    pub panics: Vec<Panic>,
    /// How it ended.
    pub outcome: Outcome,
}

/// A thread or a process, and what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// `pool-worker-0`, `caller`, `thread 12345`, `pid 12345`.
    pub name: String,
    /// Its spans, in the order they were reported.
    pub spans: Vec<Span>,
}

/// What a span stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SpanKind {
    /// A task of the demo input.
    Task,
    /// Blocked inside a call of the code under test.
    Wait,
    /// A step of the caller (starting a pool, shutting it down).
    Phase,
    /// A worker process on a CPU (sampled).
    Busy,
    /// A worker process with work, waiting for a CPU (sampled).
    Ready,
    /// A worker process alive.
    Alive,
}

impl SpanKind {
    fn parse(s: &str) -> Option<SpanKind> {
        Some(match s {
            "task" => SpanKind::Task,
            "wait" => SpanKind::Wait,
            "phase" => SpanKind::Phase,
            "busy" => SpanKind::Busy,
            "ready" => SpanKind::Ready,
            "alive" => SpanKind::Alive,
            _ => return None,
        })
    }
}

/// An interval of a lane.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// What it is.
    pub kind: SpanKind,
    /// Start, in µs since the harness started.
    pub start_us: u64,
    /// End (never before the start).
    pub end_us: u64,
    /// `#3`, `push`, `ThreadPool::new`.
    pub label: String,
}

/// A measured wall-clock time.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// What was measured.
    pub label: String,
    /// How long it took, in µs.
    pub wall_us: u64,
}

/// How often a lane did something, for how many items.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    /// The thread.
    pub lane: String,
    /// `woke up`.
    pub what: String,
    /// How many times.
    pub value: u64,
    /// For how many items.
    pub items: u64,
}

/// How long a thread was blocked in calls of the code under test and how long it worked, with
/// the CPU time it used in each. A thread that sleeps while it is blocked uses next to no CPU
/// then; one that polls gets about as large a share of the time as when it works, however busy
/// the machine is.
#[derive(Debug, Clone, PartialEq)]
pub struct CpuUse {
    /// The thread.
    pub lane: String,
    /// Time blocked in calls, in µs.
    pub waited_us: u64,
    /// CPU time used meanwhile, in µs.
    pub wait_cpu_us: u64,
    /// Time spent on its tasks, in µs.
    pub task_us: u64,
    /// CPU time used meanwhile, in µs.
    pub task_cpu_us: u64,
}

impl CpuUse {
    /// The share of its blocked time the thread was on a CPU, in percent.
    pub fn waiting_share(&self) -> u64 {
        100 * self.wait_cpu_us / self.waited_us.max(1)
    }

    /// The share of its working time the thread was on a CPU, in percent: what the machine
    /// gave it when it wanted to run.
    pub fn working_share(&self) -> u64 {
        100 * self.task_cpu_us / self.task_us.max(1)
    }
}

/// A panic the harness saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Panic {
    /// The thread that panicked.
    pub thread: String,
    /// Its message.
    pub message: String,
    /// `file:line`, or empty.
    pub location: String,
}

/// How a scenario ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Outcome {
    /// It ran to the end.
    Ok,
    /// It reached a `todo!()`: its message (without "not yet implemented: ") and place.
    NotImplemented {
        /// What the `todo!()` says to write.
        message: String,
        /// `file:line`.
        location: String,
    },
    /// A thread panicked.
    Panicked {
        /// The panic message.
        message: String,
        /// `file:line`.
        location: String,
        /// The thread.
        thread: String,
        /// The other threads were still blocked afterwards.
        stuck: bool,
    },
    /// The code under test returned an error.
    Error {
        /// The error, as displayed.
        message: String,
    },
    /// It ran past the harness's time limit and was abandoned.
    TimedOut {
        /// The limit.
        after_ms: u64,
    },
    /// The run stopped before this scenario ended (a crash, the tool's time limit).
    #[default]
    Unfinished,
}

fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value> {
    v.get(key).with_context(|| format!("no `{key}`"))
}

fn text(v: &Value, key: &str) -> Result<String> {
    field(v, key)?
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("`{key}` is not a string"))
}

fn text_or_empty(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn number(v: &Value, key: &str) -> Result<u64> {
    field(v, key)?
        .as_u64()
        .with_context(|| format!("`{key}` is not a whole number"))
}

/// Parses the harness's output (see the module documentation).
pub fn parse(output: &str) -> Result<Trace> {
    let mut trace = Trace::default();
    let mut current: Option<Scenario> = None;
    for (i, line) in output.lines().enumerate() {
        let Some(v) = serde_json::from_str::<Value>(line)
            .ok()
            .filter(|v| v.get("type").is_some_and(Value::is_string))
        else {
            if !line.trim().is_empty() {
                trace.stray.push(line.to_string());
            }
            continue;
        };
        parse_event(&v, &mut trace, &mut current)
            .with_context(|| format!("trace event on line {}: {line}", i + 1))?;
    }
    if let Some(unfinished) = current.take() {
        trace.scenarios.push(finish(unfinished));
    }
    Ok(trace)
}

fn parse_event(v: &Value, trace: &mut Trace, current: &mut Option<Scenario>) -> Result<()> {
    let kind = text(v, "type")?;
    if kind == "start" {
        trace.exercise = text(v, "exercise")?;
        trace.package = text(v, "package")?;
        trace.cores = number(v, "cores")?;
        trace.load = v.get("load_x100").and_then(Value::as_u64).unwrap_or(0) as f64 / 100.0;
        return Ok(());
    }
    if kind == "done" {
        trace.complete = true;
        return Ok(());
    }
    if kind == "scenario" {
        if let Some(unfinished) = current.take() {
            trace.scenarios.push(finish(unfinished));
        }
        let mut meta = BTreeMap::new();
        if let Some(obj) = v.as_object() {
            for (key, value) in obj {
                if let Some(n) = value.as_u64() {
                    meta.insert(key.clone(), n);
                }
            }
        }
        *current = Some(Scenario {
            title: text(v, "title")?,
            detail: text(v, "detail")?,
            meta,
            ..Scenario::default()
        });
        return Ok(());
    }
    let Some(s) = current.as_mut() else {
        bail!("a `{kind}` event before any scenario");
    };
    match kind.as_str() {
        "span" => {
            let lane = text(v, "lane")?;
            let kind = text(v, "kind")?;
            let kind = SpanKind::parse(&kind).with_context(|| format!("unknown kind `{kind}`"))?;
            let start_us = number(v, "start_us")?;
            let span = Span {
                kind,
                start_us,
                end_us: number(v, "end_us")?.max(start_us),
                label: text_or_empty(v, "label"),
            };
            match s.lanes.iter_mut().find(|l| l.name == lane) {
                Some(l) => l.spans.push(span),
                None => s.lanes.push(Lane {
                    name: lane,
                    spans: vec![span],
                }),
            }
        }
        "timing" => s.timings.push(Timing {
            label: text(v, "label")?,
            wall_us: number(v, "wall_us")?,
        }),
        "baseline" => {
            let b = Timing {
                label: text(v, "label")?,
                wall_us: number(v, "wall_us")?,
            };
            // Measured more than once: the shortest is the least disturbed.
            if s.baseline
                .as_ref()
                .is_none_or(|old| b.wall_us < old.wall_us)
            {
                s.baseline = Some(b);
            }
        }
        "count" => s.counts.push(Count {
            lane: text(v, "lane")?,
            what: text(v, "what")?,
            value: number(v, "value")?,
            items: number(v, "items")?,
        }),
        "cpu_use" => s.cpu_use.push(CpuUse {
            lane: text(v, "lane")?,
            waited_us: number(v, "waited_us")?,
            wait_cpu_us: number(v, "wait_cpu_us")?,
            task_us: number(v, "task_us")?,
            task_cpu_us: number(v, "task_cpu_us")?,
        }),
        "note" => s.notes.push(text(v, "text")?),
        "panic" => s.panics.push(Panic {
            thread: text_or_empty(v, "thread"),
            message: text(v, "message")?,
            location: text_or_empty(v, "location"),
        }),
        "end" => {
            s.outcome = match text(v, "outcome")?.as_str() {
                "ok" => Outcome::Ok,
                "not_implemented" => Outcome::NotImplemented {
                    message: text(v, "message")?,
                    location: text_or_empty(v, "location"),
                },
                "panicked" => Outcome::Panicked {
                    message: text(v, "message")?,
                    location: text_or_empty(v, "location"),
                    thread: text_or_empty(v, "thread"),
                    stuck: v.get("stuck").is_some(),
                },
                "error" => Outcome::Error {
                    message: text(v, "message")?,
                },
                "timed_out" => Outcome::TimedOut {
                    after_ms: number(v, "after_ms")?,
                },
                other => bail!("unknown outcome `{other}`"),
            };
            let done = current.take().expect("a scenario is open");
            trace.scenarios.push(finish(done));
        }
        other => bail!("unknown event type `{other}`"),
    }
    Ok(())
}

/// Orders the lanes: the caller first, then by when they first did something.
fn finish(mut s: Scenario) -> Scenario {
    s.lanes.sort_by_key(|l| {
        (
            l.name != "caller",
            l.spans.iter().map(|sp| sp.start_us).min().unwrap_or(0),
        )
    });
    s
}

impl Scenario {
    /// The time window the lanes cover: (first start, last end), in µs; `None` with no span.
    pub fn window(&self) -> Option<(u64, u64)> {
        let spans = self.lanes.iter().flat_map(|l| &l.spans);
        let start = spans.clone().map(|s| s.start_us).min()?;
        let end = spans.map(|s| s.end_us).max()?;
        Some((start, end.max(start + 1)))
    }
}

/// The scenarios of `traces` side by side, to draw on one time scale: the first of every trace
/// together, then the second, and so on. Each row holds the longest window among them (µs, at
/// least 1) and, for every trace that has a scenario at that place, the trace and its scenario.
pub fn side_by_side<'a>(traces: &[&'a Trace]) -> Vec<(u64, Vec<(&'a Trace, &'a Scenario)>)> {
    let count = traces.iter().map(|t| t.scenarios.len()).max().unwrap_or(0);
    (0..count)
        .map(|i| {
            let row: Vec<(&Trace, &Scenario)> = traces
                .iter()
                .filter_map(|&t| Some((t, t.scenarios.get(i)?)))
                .collect();
            let span_us = row
                .iter()
                .filter_map(|(_, s)| s.window())
                .map(|(start, end)| end - start)
                .max()
                .unwrap_or(1);
            (span_us, row)
        })
        .collect()
}

impl Lane {
    /// How many spans of `kind` this lane has.
    pub fn count(&self, kind: SpanKind) -> usize {
        self.spans.iter().filter(|s| s.kind == kind).count()
    }

    /// Whether this lane is a worker process (sampled), not a thread.
    pub fn is_process(&self) -> bool {
        self.spans
            .iter()
            .any(|s| matches!(s.kind, SpanKind::Busy | SpanKind::Ready | SpanKind::Alive))
    }

    /// Total µs of the spans of `kind`, overlaps counted once.
    pub fn total(&self, kind: SpanKind) -> u64 {
        let mut spans: Vec<(u64, u64)> = self
            .spans
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| (s.start_us, s.end_us))
            .collect();
        spans.sort_unstable();
        let mut total = 0;
        let mut reach = 0;
        for (start, end) in spans {
            let start = start.max(reach);
            if end > start {
                total += end - start;
                reach = end;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests;
