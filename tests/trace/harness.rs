// The trace harness behind `cargo course trace exNN`: written once, and included by two-line
// shims (`exercises/examples/trace.rs`, `solutions/examples/solutions_trace.rs`) that name the
// crate under test (`use exercises as under_test;`), as the graded tests are.
//
// It runs a small demo input through the exercise's own API, with closures of its own that
// record which thread ran each task and when, and prints what happened as JSON lines on stdout
// (the format is documented, and parsed, in course/src/trace/events.rs). The course tool builds
// this example, runs it and draws the timeline; run it by hand with
// `cargo run -q -p exercises --example trace -- ex07` (the solutions' copy is the example
// `solutions_trace`).
//
// - Threads (ex04, ex07): every task records (thread, start, end) on one shared clock; time a
//   thread spends inside a blocking call of the code under test (map, push, pop, consume) is
//   recorded as a wait; ex04's consumers also report how often they were switched out (woke up).
// - Processes (ex02, ex08): the tasks run inside the worker processes, out of reach of any
//   closure, so a sampler thread reads the CPU time of every child process from /proc about
//   once a millisecond and records when each one was on a CPU, and when it had work but waited
//   for a CPU (runnable: more busy processes than cores).
// - A `todo!()` (or any panic) ends its scenario with the panic's message and place, never a
//   panic dump; a scenario that hangs is abandoned after a time limit with what it recorded.
//
// Each exercise's part is compiled only with its cargo feature (the exercises crate has one per
// exercise, so that ex07 can be traced while ex03 does not compile).

use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// One unit of demo work: this much CPU time on an idle core (the harness calibrates it).
const UNIT_US: u64 = 1000;

/// How long a scenario may run before it is abandoned (a deadlock, a lost wake-up).
const SCENARIO_LIMIT: Duration = Duration::from_secs(15);

/// After a thread of a scenario panicked, how long the scenario may go on before it is
/// abandoned (its other threads may wait forever for the one that panicked).
const AFTER_PANIC_GRACE: Duration = Duration::from_secs(2);

fn main() {
    let _ = now_us(); // starts the clock
    panic::set_hook(Box::new(record_panic));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(exercise) = args.first().cloned() else {
        eprintln!("usage: trace EXERCISE [--worker PATH]  (EXERCISE: ex02, ex04, ex07 or ex08)");
        std::process::exit(2);
    };
    let worker = match args.iter().position(|a| a == "--worker") {
        Some(i) => args.get(i + 1).map(std::path::PathBuf::from),
        None => None,
    };
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    // The load average over the last minute, in hundredths: a busy machine stretches every
    // time in the trace.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0, |l| (l * 100.0) as u64);
    Json::new("start")
        .str("exercise", &exercise)
        .str("package", env!("CARGO_PKG_NAME"))
        .num("cores", cores as u64)
        .num("load_x100", load)
        .num("unit_us", UNIT_US)
        .emit();
    let known = run_exercise(&exercise, worker);
    if !known {
        eprintln!(
            "trace: `{exercise}` is not traced by this build (traced: {}); the course tool builds \
             it with the exercise's cargo feature: `cargo course trace {exercise}`",
            TRACED.join(", ")
        );
        std::process::exit(2);
    }
    Json::new("done").emit();
    // Do not wait for threads that an abandoned scenario left blocked.
    std::process::exit(0);
}

/// The exercises this build can trace (those whose feature is on).
const TRACED: &[&str] = &[
    #[cfg(feature = "ex02")]
    "ex02",
    #[cfg(feature = "ex04")]
    "ex04",
    #[cfg(feature = "ex07")]
    "ex07",
    #[cfg(feature = "ex08")]
    "ex08",
];

/// Runs the scenarios of `exercise`; false if this build does not trace it.
#[cfg_attr(not(feature = "ex02"), allow(unused_variables))]
fn run_exercise(exercise: &str, worker: Option<std::path::PathBuf>) -> bool {
    match exercise {
        #[cfg(feature = "ex02")]
        "ex02" => {
            ex02::run(&worker_exe(worker));
            true
        }
        #[cfg(feature = "ex04")]
        "ex04" => {
            ex04::run();
            true
        }
        #[cfg(feature = "ex07")]
        "ex07" => {
            ex07::run();
            true
        }
        #[cfg(feature = "ex08")]
        "ex08" => {
            ex08::run(&worker_exe(worker));
            true
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The clock, the output, and what scenarios record.
// ---------------------------------------------------------------------------------------------

static T0: OnceLock<Instant> = OnceLock::new();

/// Microseconds since the harness started: the one clock every event uses.
fn now_us() -> u64 {
    let t0 = *T0.get_or_init(Instant::now);
    u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// One JSON object, written as one line. Strings are escaped; numbers are unsigned integers.
struct Json(String);

impl Json {
    fn new(kind: &str) -> Json {
        let mut j = Json(String::from("{\"type\":"));
        push_json_str(&mut j.0, kind);
        j
    }

    fn str(mut self, key: &str, value: &str) -> Json {
        self.0.push(',');
        push_json_str(&mut self.0, key);
        self.0.push(':');
        push_json_str(&mut self.0, value);
        self
    }

    fn num(mut self, key: &str, value: u64) -> Json {
        self.0.push(',');
        push_json_str(&mut self.0, key);
        self.0.push(':');
        self.0.push_str(&value.to_string());
        self
    }

    fn line(mut self) -> String {
        self.0.push('}');
        self.0
    }

    /// Prints the line now (and flushes, so that it survives an abort).
    fn emit(self) {
        let line = self.line();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The scenario now running (its number); events recorded by a scenario carry it, so that a
/// thread an abandoned scenario left behind cannot pollute the next one.
static SCENARIO: AtomicU64 = AtomicU64::new(0);

/// Events recorded during scenarios, printed when their scenario ends: (scenario, line).
static RECORDED: Mutex<Vec<(u64, String)>> = Mutex::new(Vec::new());

/// A span begun and not yet ended (see [`Rec::begin`]).
struct OpenSpan {
    key: u64,
    scenario: u64,
    lane: String,
    kind: Kind,
    label: String,
    start: u64,
}

/// The spans begun and not yet ended.
static OPEN: Mutex<Vec<OpenSpan>> = Mutex::new(Vec::new());

/// Panics seen during scenarios: (scenario, thread, message, location).
static PANICS: Mutex<Vec<(u64, String, String, String)>> = Mutex::new(Vec::new());

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The panic hook: no panic dump; the panic is recorded for its scenario, and printed at once
/// as an event (a panic inside a `Drop` during unwinding aborts the process right after).
fn record_panic(info: &panic::PanicHookInfo<'_>) {
    let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = info.payload().downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    };
    let location = info
        .location()
        .map_or_else(String::new, |l| format!("{}:{}", l.file(), l.line()));
    let thread = lane_name();
    let scenario = SCENARIO.load(Ordering::SeqCst);
    Json::new("panic")
        .str("thread", &thread)
        .str("message", &message)
        .str("location", &location)
        .num("t_us", now_us())
        .emit();
    locked(&PANICS).push((scenario, thread, message, location));
}

thread_local! {
    static LANE: String = {
        let me = thread::current();
        match me.name() {
            Some(name) => name.to_string(),
            None => match this_tid() {
                Some(tid) => format!("thread {tid}"),
                None => format!("{:?}", me.id()),
            },
        }
    };
}

/// The calling thread's lane: its name, or `thread TID` for an unnamed thread.
fn lane_name() -> String {
    LANE.try_with(String::clone)
        .unwrap_or_else(|_| "a thread".to_string())
}

/// The kernel's id of the calling thread (`/proc/thread-self` links to `PID/task/TID`).
fn this_tid() -> Option<u32> {
    std::fs::read_link("/proc/thread-self")
        .ok()?
        .file_name()?
        .to_str()?
        .parse()
        .ok()
}

/// What a span of a lane stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A task of the demo input, run by the code under test.
    Task,
    /// Blocked inside a call of the code under test (a lock, a channel, waiting for results).
    Wait,
    /// A step of the caller (starting the pool, shutting it down).
    Phase,
    /// A worker process on a CPU (sampled).
    #[cfg_attr(not(feature = "ex02"), allow(dead_code))]
    Busy,
    /// A worker process with work, waiting for a CPU (runnable, sampled).
    #[cfg_attr(not(feature = "ex02"), allow(dead_code))]
    Ready,
    /// A worker process alive (from the first sample that saw it to its exit).
    #[cfg_attr(not(feature = "ex02"), allow(dead_code))]
    Alive,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Task => "task",
            Kind::Wait => "wait",
            Kind::Phase => "phase",
            Kind::Busy => "busy",
            Kind::Ready => "ready",
            Kind::Alive => "alive",
        }
    }
}

/// A scenario's recorder: cheap to copy into every closure.
#[derive(Debug, Clone, Copy)]
struct Rec {
    scenario: u64,
}

impl Rec {
    fn record(self, line: String) {
        locked(&RECORDED).push((self.scenario, line));
    }

    /// Records a span of `lane`.
    fn span_on(self, lane: &str, kind: Kind, start: u64, end: u64, label: &str) {
        self.record(
            Json::new("span")
                .str("lane", lane)
                .str("kind", kind.as_str())
                .num("start_us", start)
                .num("end_us", end.max(start))
                .str("label", label)
                .line(),
        );
    }

    /// Begins a span of the calling thread, now; [`Rec::end`] records it. A span still open
    /// when its scenario is abandoned (a deadlock) is recorded as ending then.
    fn begin(self, kind: Kind, label: &str) -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let key = NEXT.fetch_add(1, Ordering::SeqCst);
        locked(&OPEN).push(OpenSpan {
            key,
            scenario: self.scenario,
            lane: lane_name(),
            kind,
            label: label.to_string(),
            start: now_us(),
        });
        key
    }

    /// Ends the span `key` began, now (`(panicked)` is added to its label if the thread is
    /// unwinding).
    fn end(self, key: u64) {
        let open = {
            let mut open = locked(&OPEN);
            let i = open.iter().position(|o| o.key == key);
            i.map(|i| open.swap_remove(i))
        };
        if let Some(o) = open {
            let label = if thread::panicking() {
                format!("{} (panicked)", o.label)
            } else {
                o.label
            };
            self.span_on(&o.lane, o.kind, o.start, now_us(), &label);
        }
    }

    /// Runs `f` on the calling thread and records it as a span, also if it panics.
    fn timed<R>(self, kind: Kind, label: &str, f: impl FnOnce() -> R) -> R {
        struct Open {
            rec: Rec,
            key: u64,
        }
        impl Drop for Open {
            fn drop(&mut self) {
                self.rec.end(self.key);
            }
        }
        let _open = Open {
            rec: self,
            key: self.begin(kind, label),
        };
        f()
    }

    #[cfg_attr(not(any(feature = "ex04", feature = "ex07")), allow(dead_code))]
    fn task<R>(self, label: &str, f: impl FnOnce() -> R) -> R {
        self.timed(Kind::Task, label, f)
    }

    fn wait<R>(self, label: &str, f: impl FnOnce() -> R) -> R {
        self.timed(Kind::Wait, label, f)
    }

    fn phase<R>(self, label: &str, f: impl FnOnce() -> R) -> R {
        self.timed(Kind::Phase, label, f)
    }

    /// The wall-clock time of a measured call (printed with the speed-up over the baseline).
    fn timing(self, label: &str, took: Duration) {
        self.wall_time("timing", label, took);
    }

    /// The time the same work takes done one task after the other on one thread, no pool.
    /// Measured before and after the scenario: the tool keeps the shorter, so that a moment
    /// of load on a busy machine does not inflate the speed-up.
    fn baseline(self, label: &str, took: Duration) {
        self.wall_time("baseline", label, took);
    }

    /// An event `kind` ("timing" or "baseline") that says how long `label` took.
    fn wall_time(self, kind: &str, label: &str, took: Duration) {
        self.record(
            Json::new(kind)
                .str("label", label)
                .num("wall_us", micros(took))
                .line(),
        );
    }

    /// Something a lane did `value` times while it handled `items` items.
    #[cfg_attr(not(feature = "ex04"), allow(dead_code))]
    fn count(self, lane: &str, what: &str, value: u64, items: u64) {
        self.record(
            Json::new("count")
                .str("lane", lane)
                .str("what", what)
                .num("value", value)
                .num("items", items)
                .line(),
        );
    }

    /// How long a thread was blocked in calls and how long it worked, with the CPU time it
    /// used in each: a thread that sleeps while blocked uses next to none then; one that polls
    /// uses about as large a share of the time as when it works.
    #[cfg_attr(not(feature = "ex04"), allow(dead_code))]
    fn cpu_use(self, lane: &str, waited_us: u64, wait_cpu_us: u64, task_us: u64, task_cpu_us: u64) {
        self.record(
            Json::new("cpu_use")
                .str("lane", lane)
                .num("waited_us", waited_us)
                .num("wait_cpu_us", wait_cpu_us)
                .num("task_us", task_us)
                .num("task_cpu_us", task_cpu_us)
                .line(),
        );
    }

    /// A remark about the run (wrong results, a short count).
    fn note(self, text: &str) {
        self.record(Json::new("note").str("text", text).line());
    }
}

/// Runs one scenario on a thread of its own named `caller`, with a time limit, and prints its
/// events and how it ended. `body` returns `Err` for an error value of the code under test.
fn scenario(
    title: &str,
    detail: &str,
    meta: &[(&str, u64)],
    body: impl FnOnce(Rec) -> Result<(), String> + Send + 'static,
) {
    let id = SCENARIO.fetch_add(1, Ordering::SeqCst) + 1;
    let mut head = Json::new("scenario")
        .str("title", title)
        .str("detail", detail);
    for &(key, value) in meta {
        head = head.num(key, value);
    }
    head.emit();
    let rec = Rec { scenario: id };
    let (tx, rx) = mpsc::channel();
    let spawned = thread::Builder::new().name("caller".into()).spawn(move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(rec)));
        let _ = tx.send(outcome.map_err(|_| ()));
    });
    if let Err(e) = spawned {
        Json::new("end")
            .str("outcome", "error")
            .str("message", &format!("cannot start a thread: {e}"))
            .emit();
        return;
    }
    let started = Instant::now();
    let mut first_panic: Option<Instant> = None;
    let ending = loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(Ok(Ok(()))) => break Ending::Finished,
            Ok(Ok(Err(message))) => break Ending::Error(message),
            Ok(Err(())) | Err(mpsc::RecvTimeoutError::Disconnected) => break Ending::Panicked,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if started.elapsed() > SCENARIO_LIMIT {
                    break Ending::TimedOut;
                }
                if locked(&PANICS).iter().any(|p| p.0 == id) {
                    let since = *first_panic.get_or_insert_with(Instant::now);
                    if since.elapsed() > AFTER_PANIC_GRACE {
                        break Ending::PanickedAndStuck;
                    }
                }
            }
        }
    };
    // What was still going on when the scenario ended (nothing, if it finished): recorded as
    // ending now, so that a deadlock shows who was waiting where.
    let still_open: Vec<OpenSpan> = {
        let mut open = locked(&OPEN);
        let (mine, rest): (Vec<_>, Vec<_>) = open.drain(..).partition(|o| o.scenario == id);
        *open = rest;
        mine
    };
    // (A scenario that finished may leave some open: a thread's last wait inside the code
    // under test, after its last callback, whose end the harness cannot see.)
    if !matches!(ending, Ending::Finished) {
        for o in still_open {
            let label = format!("{} (not finished)", o.label);
            rec.span_on(&o.lane, o.kind, o.start, now_us(), &label);
        }
    }
    let lines: Vec<String> = {
        let mut recorded = locked(&RECORDED);
        let (mine, rest): (Vec<_>, Vec<_>) = recorded.drain(..).partition(|(s, _)| *s == id);
        *recorded = rest;
        mine.into_iter().map(|(_, line)| line).collect()
    };
    {
        let mut out = std::io::stdout().lock();
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = out.flush();
    }
    let first = locked(&PANICS).iter().find(|p| p.0 == id).cloned();
    let end = match (ending, first) {
        (Ending::Finished, _) => Json::new("end").str("outcome", "ok"),
        (Ending::Error(message), _) => Json::new("end")
            .str("outcome", "error")
            .str("message", &message),
        (Ending::TimedOut, _) => Json::new("end").str("outcome", "timed_out").num(
            "after_ms",
            u64::try_from(SCENARIO_LIMIT.as_millis()).unwrap_or(0),
        ),
        (Ending::Panicked | Ending::PanickedAndStuck, None) => Json::new("end")
            .str("outcome", "panicked")
            .str("message", "(no message)"),
        (ending, Some((_, thread, message, location))) => {
            let todo = message
                .strip_prefix("not yet implemented")
                .or_else(|| message.strip_prefix("not implemented"));
            let end = match todo {
                Some(rest) => Json::new("end")
                    .str("outcome", "not_implemented")
                    .str("message", rest.trim_start_matches(':').trim()),
                None => Json::new("end")
                    .str("outcome", "panicked")
                    .str("message", &message),
            };
            let end = end.str("location", &location).str("thread", &thread);
            if matches!(ending, Ending::PanickedAndStuck) {
                end.str("stuck", "the other threads were still blocked afterwards")
            } else {
                end
            }
        }
    };
    end.emit();
}

enum Ending {
    Finished,
    Error(String),
    Panicked,
    PanickedAndStuck,
    TimedOut,
}

// ---------------------------------------------------------------------------------------------
// Demo work: CPU-bound, calibrated to units of about a millisecond.
// ---------------------------------------------------------------------------------------------

/// How many rounds of `spin` take [`UNIT_US`] on this machine (the fastest of a few tries, so
/// that a busy machine inflates the work as little as possible).
fn calibrate(spin: impl Fn(u64) -> u64) -> u64 {
    let mut rounds: u64 = 20_000;
    let mut took = Duration::ZERO;
    while took < Duration::from_millis(3) && rounds < 1 << 40 {
        rounds *= 2;
        let t = Instant::now();
        std::hint::black_box(spin(std::hint::black_box(rounds)));
        took = t.elapsed();
    }
    let mut best = took;
    for _ in 0..3 {
        let t = Instant::now();
        std::hint::black_box(spin(std::hint::black_box(rounds)));
        best = best.min(t.elapsed());
    }
    let per_unit = u128::from(rounds) * u128::from(UNIT_US) / best.as_micros().max(1);
    u64::try_from(per_unit).unwrap_or(u64::MAX).max(1)
}

#[cfg(any(feature = "ex04", feature = "ex07"))]
mod work {
    use std::sync::OnceLock;

    // ex02's given xorshift loop: the given code is compiled whatever state the exercises are
    // in, so the ex04 and ex07 scenarios can use it even when ex02 is left out.
    use super::under_test::given::ex02_process_pool::spin;

    static ROUNDS_PER_UNIT: OnceLock<u64> = OnceLock::new();

    /// Burns `units` units of CPU on the calling thread.
    pub fn units(units: f64) {
        let per_unit = *ROUNDS_PER_UNIT.get_or_init(|| super::calibrate(spin));
        std::hint::black_box(spin((units * per_unit as f64) as u64));
    }
}

/// Starts a named thread (the name is its lane in the timeline).
#[cfg(feature = "ex04")]
fn spawn_named<R: Send + 'static>(
    name: String,
    f: impl FnOnce() -> R + Send + 'static,
) -> thread::JoinHandle<R> {
    thread::Builder::new()
        .name(name)
        .spawn(f)
        .expect("cannot start a thread")
}

/// Joins a thread of the scenario; if it panicked, the scenario fails with that panic (the
/// hook has recorded its message).
#[cfg(feature = "ex04")]
fn join<R>(handle: thread::JoinHandle<R>) -> R {
    handle.join().unwrap_or_else(|p| panic::resume_unwind(p))
}

// ---------------------------------------------------------------------------------------------
// ex07: ThreadPool::map and rayon_map.
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "ex07")]
mod ex07 {
    use std::mem::ManuallyDrop;
    use std::time::Instant;

    use super::under_test::ex07_thread_pool_factorials as ex;
    use super::{Rec, scenario, work};

    const WORKERS: usize = 4;
    const TASKS: u64 = 16;
    const SEQUENTIAL: &str = "the same tasks one after the other";

    /// Task `i` costs 1, 2 or 3 units, so that a pool that hands out work statically shows gaps.
    fn cost(i: u64) -> f64 {
        (1 + i % 3) as f64
    }

    fn check_order(rec: Rec, what: &str, out: &[u64]) {
        let want: Vec<u64> = (0..TASKS).collect();
        if out != want.as_slice() {
            rec.note(&format!(
                "{what} returned {out:?}, not the results in the order of the items (0, 1, 2, ...)"
            ));
        }
    }

    /// The same tasks one after the other on the calling thread.
    fn sequential() -> std::time::Duration {
        let t = Instant::now();
        for i in 0..TASKS {
            work::units(cost(i));
        }
        t.elapsed()
    }

    pub fn run() {
        let baseline = sequential();
        let detail = format!(
            "{WORKERS} workers, {TASKS} tasks of 1 to 3 ms of CPU work each (work of the \
             harness's own, not factorials)"
        );
        let meta = [("workers", WORKERS as u64), ("tasks", TASKS)];
        scenario("ThreadPool::map", &detail, &meta, move |rec| {
            rec.baseline(SEQUENTIAL, baseline);
            let pool = rec.phase("ThreadPool::new", || ex::ThreadPool::new(WORKERS));
            // If `map` panics, the pool is left alone: dropping a half-written pool while
            // unwinding could panic again, which would abort the whole trace.
            let pool = ManuallyDrop::new(pool);
            let task = move |i: u64| {
                rec.task(&format!("#{i}"), || work::units(cost(i)));
                i
            };
            let t = Instant::now();
            let out = rec.wait("map (waiting for the results)", || {
                pool.map((0..TASKS).collect(), task)
            });
            rec.timing("ThreadPool::map", t.elapsed());
            check_order(rec, "ThreadPool::map", &out);
            rec.phase("drop (shut down)", || drop(ManuallyDrop::into_inner(pool)));
            rec.baseline(SEQUENTIAL, sequential());
            Ok(())
        });
        scenario("rayon_map", &detail, &meta, move |rec| {
            rec.baseline(SEQUENTIAL, baseline);
            let task = move |i: u64| {
                rec.task(&format!("#{i}"), || work::units(cost(i)));
                i
            };
            let t = Instant::now();
            let out = rec.wait(
                "rayon_map (building the pool, waiting for the results)",
                || ex::rayon_map(WORKERS, (0..TASKS).collect(), task),
            );
            rec.timing("rayon_map", t.elapsed());
            check_order(rec, "rayon_map", &out);
            rec.baseline(SEQUENTIAL, sequential());
            Ok(())
        });
    }
}

// ---------------------------------------------------------------------------------------------
// ex04: producer and consumer, the bounded buffer, the channel pipeline.
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "ex04")]
mod ex04 {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use super::under_test::ex04_producer_consumer as ex;
    use super::{Kind, Rec, join, lane_name, locked, now_us, scenario, spawn_named, work};

    const LIST_ITEMS: u64 = 40;
    /// How long the producer of the shared list sleeps before each number: long enough that a
    /// consumer which polls (with a short sleep) wakes up many times per number.
    const PACE: std::time::Duration = std::time::Duration::from_millis(4);
    const PRODUCERS: u64 = 2;
    const CONSUMERS: u64 = 2;
    const ITEMS_EACH: u64 = 20;
    const CAPACITY: usize = 3;
    const MAKE: f64 = 0.5;
    const USE: f64 = 1.5;
    const SEQUENTIAL_LIST: &str = "making and using every number on one thread";
    const SEQUENTIAL_ITEMS: &str = "making and using every item on one thread";

    /// How many times the calling thread has gone to sleep so far (its voluntary context
    /// switches, from /proc/thread-self/status), and so woken up again: about once per item
    /// for a thread that sleeps until it is notified; once per round for one that polls with a
    /// short sleep. (Being preempted, which a busy machine does to a running thread all the
    /// time, is an involuntary switch and is not counted.)
    fn switches() -> u64 {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
        status
            .lines()
            .filter_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))
            .filter_map(|v| v.trim().parse::<u64>().ok())
            .sum()
    }

    /// The CPU time the calling thread has used so far, in ns, to the nanosecond
    /// (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`; /proc's figures lag by up to a clock tick).
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    fn thread_cpu_ns() -> u64 {
        /// `struct timespec` on 64-bit Linux: `time_t` and `long` are both 64 bits.
        #[repr(C)]
        struct Timespec {
            tv_sec: i64,
            tv_nsec: i64,
        }
        const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
        unsafe extern "C" {
            fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
        }
        let mut ts = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `clock_gettime` (from the C library std links) writes one `struct timespec`
        // through the pointer, which points to a live, writable `Timespec` of the same layout
        // on this target (checked by the cfg above); it keeps no reference to it.
        let ok = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
        if ok {
            (ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64
        } else {
            0
        }
    }

    /// The CPU time the calling thread has used so far, in ns (/proc/thread-self/schedstat:
    /// it lags by up to a clock tick).
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    fn thread_cpu_ns() -> u64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0)
    }

    /// A clock reading: (wall µs on the harness's clock, this thread's CPU ns).
    fn now_both() -> (u64, u64) {
        (now_us(), thread_cpu_ns())
    }

    /// What one thread did, measured from inside it: how long it worked and waited, the CPU
    /// time it used in each, and how often it was switched out. A thread that sleeps while it
    /// waits uses next to no CPU then; one that polls in a loop (`yield_now`, `try_recv`) gets
    /// as much CPU while it waits as while it works, whatever the machine's load.
    #[derive(Debug, Clone, Default)]
    struct Account {
        switches_at_start: u64,
        task_us: u64,
        task_cpu_ns: u64,
        waited_us: u64,
        wait_cpu_ns: u64,
        items: u64,
        switches: u64,
        /// Since when (a `now_both` reading) the thread is in the code under test, and its
        /// open wait span.
        away: Option<((u64, u64), u64)>,
    }

    impl Account {
        fn start() -> Account {
            Account {
                switches_at_start: switches(),
                ..Account::default()
            }
        }

        /// One item's work, as a task of this thread.
        fn task(&mut self, rec: Rec, label: &str, units: f64) {
            let (t0, c0) = now_both();
            rec.task(label, || work::units(units));
            let (t1, c1) = now_both();
            self.task_us += t1.saturating_sub(t0);
            self.task_cpu_ns += c1.saturating_sub(c0);
            self.items += 1;
        }

        /// A call of the code under test that may block, as a wait of this thread.
        fn wait<R>(&mut self, rec: Rec, label: &str, f: impl FnOnce() -> R) -> R {
            self.leave(rec, label);
            let r = f();
            self.back(rec);
            r
        }

        /// The thread goes (back) into the code under test, where it may wait: from a
        /// callback, or into a blocking call.
        fn leave(&mut self, rec: Rec, label: &str) {
            self.away = Some((now_both(), rec.begin(Kind::Wait, label)));
        }

        /// The thread is back from the code under test: the time since [`Account::leave`] was a
        /// wait. Does nothing if it did not leave.
        fn back(&mut self, rec: Rec) {
            if let Some(((t0, c0), key)) = self.away.take() {
                rec.end(key);
                let (t, c) = now_both();
                self.waited_us += t.saturating_sub(t0);
                self.wait_cpu_ns += c.saturating_sub(c0);
            }
        }

        /// Brings the totals up to now.
        fn update(&mut self) {
            self.switches = switches().saturating_sub(self.switches_at_start);
        }

        /// Records the totals for `lane`: the wake-ups only for consumers.
        fn report(&self, rec: Rec, lane: &str, consumer: bool) {
            if consumer {
                rec.count(lane, "woke up", self.switches, self.items);
            }
            rec.cpu_use(
                lane,
                self.waited_us,
                self.wait_cpu_ns / 1000,
                self.task_us,
                self.task_cpu_ns / 1000,
            );
        }
    }

    fn sequential(items: u64, make: f64, use_: f64) -> std::time::Duration {
        let t = Instant::now();
        for _ in 0..items {
            work::units(make);
            work::units(use_);
        }
        t.elapsed()
    }

    pub fn run() {
        shared_list();
        bounded_buffer();
        channel_pipeline();
    }

    /// Part 1: `produce` and `consume` on a `SharedList`; the consumer is faster than the
    /// producer, so it waits for every number: it should wake up about once per number, and
    /// use no CPU while it waits.
    /// The shared list's numbers made and used one after the other on one thread.
    fn list_sequential() -> std::time::Duration {
        let t = Instant::now();
        for _ in 0..LIST_ITEMS {
            std::thread::sleep(PACE);
            work::units(0.3);
            work::units(0.3);
        }
        t.elapsed()
    }

    fn shared_list() {
        let baseline = list_sequential();
        let detail = format!(
            "one producer thread making {LIST_ITEMS} numbers, one every {} ms or so (it sleeps \
             in between; 0.3 ms of work each), one consumer (0.3 ms each): the consumer waits \
             for every number",
            PACE.as_millis()
        );
        scenario(
            "produce and consume (SharedList)",
            &detail,
            &[("items", LIST_ITEMS)],
            move |rec| {
                rec.baseline(SEQUENTIAL_LIST, baseline);
                let list = Arc::new(ex::SharedList::new());
                let t = Instant::now();
                let producer = {
                    let list = Arc::clone(&list);
                    spawn_named("producer".into(), move || {
                        let numbers = (0..LIST_ITEMS).inspect(move |n| {
                            std::thread::sleep(PACE);
                            rec.task(&format!("make {n}"), || work::units(0.3));
                        });
                        ex::produce(&list, numbers);
                    })
                };
                let consumer = spawn_named("consumer".into(), move || {
                    let mut account = Account::start();
                    let mut got = Vec::new();
                    account.leave(rec, "in consume");
                    ex::consume(&list, |n| {
                        account.back(rec);
                        account.task(rec, &format!("use {n}"), 0.3);
                        got.push(n);
                        account.leave(rec, "in consume");
                    });
                    account.back(rec);
                    account.update();
                    account.report(rec, &lane_name(), true);
                    got
                });
                join(producer);
                let got = join(consumer);
                rec.timing("producer and consumer", t.elapsed());
                if got != (0..LIST_ITEMS).collect::<Vec<_>>() {
                    rec.note(&format!(
                        "the consumer got {} numbers, not 0..{LIST_ITEMS} in order",
                        got.len()
                    ));
                }
                rec.baseline(SEQUENTIAL_LIST, list_sequential());
                Ok(())
            },
        );
    }

    /// Part 2: a `BoundedBuffer` of capacity 3 between 2 producers and 2 slower consumers:
    /// the buffer fills up and the producers wait in `push`.
    fn bounded_buffer() {
        let items = PRODUCERS * ITEMS_EACH;
        let baseline = sequential(items, MAKE, USE);
        let detail = format!(
            "{PRODUCERS} producers ({ITEMS_EACH} items each, 0.5 ms of work per item), \
             {CONSUMERS} consumers (1.5 ms per item): the consumers are slower, the buffer \
             fills up"
        );
        let meta = [("items", items), ("capacity", CAPACITY as u64)];
        scenario("BoundedBuffer (capacity 3)", &detail, &meta, move |rec| {
            rec.baseline(SEQUENTIAL_ITEMS, baseline);
            let buffer = Arc::new(rec.phase("BoundedBuffer::new", || {
                ex::BoundedBuffer::<u64>::new(CAPACITY)
            }));
            let t = Instant::now();
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let buffer = Arc::clone(&buffer);
                    spawn_named(format!("producer-{p}"), move || {
                        let mut account = Account::start();
                        for i in 0..ITEMS_EACH {
                            account.task(rec, &format!("make {p}.{i}"), MAKE);
                            let item = p * 1000 + i;
                            if account.wait(rec, "push", || buffer.push(item)).is_err() {
                                rec.note("push returned Err before the buffer was closed");
                                break;
                            }
                        }
                        account.update();
                        account.report(rec, &lane_name(), false);
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..CONSUMERS)
                .map(|c| {
                    let buffer = Arc::clone(&buffer);
                    spawn_named(format!("consumer-{c}"), move || {
                        let mut account = Account::start();
                        while let Some(item) = account.wait(rec, "pop", || buffer.pop()) {
                            let label = format!("use {}.{}", item / 1000, item % 1000);
                            account.task(rec, &label, USE);
                        }
                        account.update();
                        account.report(rec, &lane_name(), true);
                        account.items
                    })
                })
                .collect();
            for p in producers {
                join(p);
            }
            rec.phase("close", || buffer.close());
            let consumed: u64 = consumers.into_iter().map(join).sum();
            rec.timing("the whole pipeline", t.elapsed());
            if consumed != items {
                rec.note(&format!("{consumed} items were consumed, not {items}"));
            }
            rec.baseline(SEQUENTIAL_ITEMS, sequential(items, MAKE, USE));
            Ok(())
        });
    }

    /// A thread's place in the pipeline of one scenario.
    struct InPipeline {
        scenario: u64,
        account: Account,
    }

    thread_local! {
        static IN_PIPELINE: RefCell<Option<InPipeline>> = const { RefCell::new(None) };
    }

    /// One callback of the pipeline on the calling thread (a producer's iterator, or the
    /// consume closure): the time since it last left a callback was spent inside the code
    /// under test (sending, receiving) and is recorded as a wait; then `units` of work. The
    /// thread's account, brought up to date, goes into `accounts`.
    fn callback(
        rec: Rec,
        accounts: &Mutex<BTreeMap<String, (bool, Account)>>,
        consumer: bool,
        waiting: &str,
        label: &str,
        units: f64,
    ) {
        IN_PIPELINE.with_borrow_mut(|slot| {
            if !matches!(slot, Some(s) if s.scenario == rec.scenario) {
                *slot = Some(InPipeline {
                    scenario: rec.scenario,
                    account: Account::start(),
                });
            }
            let me = slot.as_mut().expect("set just above");
            me.account.back(rec);
            me.account.task(rec, label, units);
            me.account.update();
            locked(accounts).insert(lane_name(), (consumer, me.account.clone()));
            me.account.leave(rec, waiting);
        });
    }

    /// Part 3: `channel_pipeline`: the threads are the student's; the harness sees them through
    /// the producers' iterators and the consume closure.
    fn channel_pipeline() {
        let items = PRODUCERS * ITEMS_EACH;
        let baseline = sequential(items, MAKE, USE);
        let detail = format!(
            "{PRODUCERS} inputs ({ITEMS_EACH} items each, 0.5 ms of work per item), \
             {CONSUMERS} consumers (1.5 ms per item), a bounded channel of capacity {CAPACITY}"
        );
        let meta = [("items", items), ("capacity", CAPACITY as u64)];
        scenario("channel_pipeline", &detail, &meta, move |rec| {
            rec.baseline(SEQUENTIAL_ITEMS, baseline);
            let accounts: Arc<Mutex<BTreeMap<String, (bool, Account)>>> = Arc::default();
            let inputs: Vec<_> = (0..PRODUCERS)
                .map(|p| {
                    let accounts = Arc::clone(&accounts);
                    (0..ITEMS_EACH).map(move |i| {
                        let label = format!("make {p}.{i}");
                        callback(rec, &accounts, false, "sending", &label, MAKE);
                        p * 1000 + i
                    })
                })
                .collect();
            let consume = {
                let accounts = Arc::clone(&accounts);
                move |item: u64| {
                    let label = format!("use {}.{}", item / 1000, item % 1000);
                    callback(rec, &accounts, true, "receiving", &label, USE);
                }
            };
            let t = Instant::now();
            rec.wait("channel_pipeline", || {
                ex::channel_pipeline(inputs, CAPACITY, CONSUMERS as usize, consume)
            });
            rec.timing("channel_pipeline", t.elapsed());
            let accounts = locked(&*accounts);
            let mut consumed = 0;
            for (lane, (consumer, account)) in accounts.iter() {
                account.report(rec, lane, *consumer);
                if *consumer {
                    consumed += account.items;
                }
            }
            if consumed != items {
                rec.note(&format!("{consumed} items were consumed, not {items}"));
            }
            rec.baseline(SEQUENTIAL_ITEMS, sequential(items, MAKE, USE));
            Ok(())
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Processes: the worker binary, and a sampler that watches every child process.
// ---------------------------------------------------------------------------------------------

/// The worker binary: `--worker PATH` (the course tool passes it), else the one cargo builds
/// next to this example's folder (`target/debug/examples/trace` → `target/debug/PKG-worker`).
#[cfg(feature = "ex02")]
fn worker_exe(given: Option<std::path::PathBuf>) -> std::path::PathBuf {
    let name = concat!(env!("CARGO_PKG_NAME"), "-worker");
    let guess = || {
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.parent()?.join(name))
    };
    match given.or_else(guess) {
        Some(path) if path.is_file() => path,
        _ => {
            eprintln!(
                "trace: the worker binary is missing: build it with \
                 `cargo build -p {} --bin {name}`, or pass --worker PATH",
                env!("CARGO_PKG_NAME")
            );
            std::process::exit(2);
        }
    }
}

#[cfg(feature = "ex02")]
mod sampler {
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread;
    use std::time::Duration;

    use super::{Kind, Rec, now_us};

    /// Watches every child process of the harness from a thread of its own, from `start` until
    /// it is dropped, and records for each one when it was alive and when it used the CPU.
    pub struct Sampler {
        stop: Arc<AtomicBool>,
        handle: Option<thread::JoinHandle<()>>,
    }

    impl Sampler {
        pub fn start(rec: Rec) -> Sampler {
            let stop = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&stop);
            let handle = thread::Builder::new()
                .name("sampler".into())
                .spawn(move || watch(rec, &flag))
                .ok();
            Sampler { stop, handle }
        }
    }

    impl Drop for Sampler {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            if let Some(handle) = self.handle.take() {
                let _ = handle.join();
            }
        }
    }

    /// One watched process.
    struct Watched {
        first_us: u64,
        last_us: u64,
        /// The last sample: (time, CPU time in ns).
        last: Option<(u64, u64)>,
        /// The periods on a CPU, and waiting for one, being extended.
        busy: Option<(u64, u64)>,
        ready: Option<(u64, u64)>,
        ended: bool,
    }

    /// Two samples of the same kind closer than this are one period.
    const MERGE_US: u64 = 2000;

    /// Extends the period `open` of `kind` to cover `from..to`, or records it and opens a new
    /// one if `from` is too far from its end.
    fn extend(rec: Rec, lane: &str, kind: Kind, open: &mut Option<(u64, u64)>, from: u64, to: u64) {
        *open = match *open {
            Some((s, e)) if from <= e + MERGE_US => Some((s, to)),
            Some((s, e)) => {
                rec.span_on(lane, kind, s, e, "");
                Some((from, to))
            }
            None => Some((from, to)),
        };
    }

    fn watch(rec: Rec, stop: &AtomicBool) {
        let me = std::process::id();
        // Every process seen so far: Some(watched) for our children, None for the others.
        let mut known: BTreeMap<u32, Option<Watched>> = BTreeMap::new();
        let lane = |pid: u32| format!("pid {pid}");
        loop {
            let stopping = stop.load(Ordering::SeqCst);
            let now = now_us();
            for (pid, ours) in new_processes(me, &known) {
                let watched = ours.then_some(Watched {
                    first_us: now,
                    last_us: now,
                    last: None,
                    busy: None,
                    ready: None,
                    ended: false,
                });
                known.insert(pid, watched);
            }
            for (&pid, w) in known.iter_mut() {
                let Some(w) = w.as_mut().filter(|w| !w.ended) else {
                    continue;
                };
                match probe(pid) {
                    Some((state, cpu_ns, precise)) if state != 'Z' && state != 'X' => {
                        let t = now_us();
                        if let Some((t0, cpu0)) = w.last {
                            let dt = t.saturating_sub(t0).max(1);
                            let used = cpu_ns.saturating_sub(cpu0);
                            // On a CPU for at least 30% of the interval: busy. Otherwise, if
                            // runnable at the sample: it has work and waits for a CPU. (With
                            // only 10 ms ticks to go by, runnable counts as busy.) A worker
                            // waiting for its next task sleeps in `read`: neither.
                            if used >= 300 * dt || (!precise && state == 'R') {
                                extend(rec, &lane(pid), Kind::Busy, &mut w.busy, t0, t);
                            } else if state == 'R' {
                                extend(rec, &lane(pid), Kind::Ready, &mut w.ready, t0, t);
                            }
                        }
                        w.last = Some((t, cpu_ns));
                        w.last_us = t;
                    }
                    // Exited (a zombie until it is reaped) or gone.
                    _ => {
                        w.ended = true;
                        finish(rec, &lane(pid), w);
                    }
                }
            }
            if stopping {
                break;
            }
            thread::sleep(Duration::from_micros(900));
        }
        for (&pid, w) in known.iter_mut() {
            if let Some(w) = w.as_mut().filter(|w| !w.ended) {
                finish(rec, &lane(pid), w);
            }
        }
    }

    fn finish(rec: Rec, lane: &str, w: &mut Watched) {
        if let Some((s, e)) = w.busy.take() {
            rec.span_on(lane, Kind::Busy, s, e, "");
        }
        if let Some((s, e)) = w.ready.take() {
            rec.span_on(lane, Kind::Ready, s, e, "");
        }
        rec.span_on(lane, Kind::Alive, w.first_us, w.last_us, "");
    }

    /// Processes not in `known`, each with whether it is a child of `me`. Uses the kernel's
    /// list of children when it has one (CONFIG_PROC_CHILDREN), else reads the parent of every
    /// process not seen before.
    fn new_processes<T>(me: u32, known: &BTreeMap<u32, T>) -> Vec<(u32, bool)> {
        let mut found = Vec::new();
        let mut have_lists = false;
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for task in tasks.flatten() {
                if let Ok(list) = std::fs::read_to_string(task.path().join("children")) {
                    have_lists = true;
                    found.extend(
                        list.split_whitespace()
                            .filter_map(|p| p.parse::<u32>().ok())
                            .filter(|p| !known.contains_key(p))
                            .map(|p| (p, true)),
                    );
                }
            }
        }
        if have_lists {
            found.sort_unstable();
            found.dedup();
            return found;
        }
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return found;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == me || known.contains_key(&pid) {
                continue;
            }
            if let Some(parent) = parent_of(pid) {
                found.push((pid, parent == me));
            }
        }
        found
    }

    /// The fields of /proc/PID/stat after the command name (which may hold spaces): the
    /// first is the state.
    fn stat_fields(pid: u32) -> Option<Vec<String>> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after = &stat[stat.rfind(')')? + 1..];
        Some(after.split_whitespace().map(str::to_string).collect())
    }

    fn parent_of(pid: u32) -> Option<u32> {
        stat_fields(pid)?.get(1)?.parse().ok()
    }

    /// (state, CPU time used in ns, whether that time is precise): from /proc/PID/schedstat
    /// (nanoseconds) when the kernel has it, else from /proc/PID/stat (10 ms ticks).
    fn probe(pid: u32) -> Option<(char, u64, bool)> {
        let fields = stat_fields(pid)?;
        let state = fields.first()?.chars().next()?;
        let schedstat = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok();
        if let Some(ns) = schedstat
            .as_deref()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        {
            return Some((state, ns, true));
        }
        // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some((state, ticks * 10_000_000, false))
    }
}

// ---------------------------------------------------------------------------------------------
// ex02: ProcessPool::map.
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "ex02")]
mod ex02 {
    use std::mem::ManuallyDrop;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use super::sampler::Sampler;
    use super::under_test::ex02_process_pool as ex;
    use super::{calibrate, scenario};

    const WORKERS: usize = 4;
    const TASKS: u64 = 8;
    const CALLS: u64 = 2;
    const IN_PROCESS: &str = "the same tasks one after the other in this process";

    pub fn run(worker: &Path) {
        let per_unit = calibrate(ex::spin);
        // Task i costs 1, 2 or 3 units.
        let tasks: Vec<ex::Task> = (0..TASKS)
            .map(|i| ex::Task::Spin {
                iterations: (1 + i % 3) * per_unit,
            })
            .collect();
        // The same tasks one after the other in this process: (answers, time taken).
        let sequential = |tasks: &[ex::Task]| {
            let t = Instant::now();
            let mut answers = Vec::new();
            for _ in 0..CALLS {
                answers = tasks.iter().filter_map(ex::Task::compute).collect();
            }
            (answers, t.elapsed())
        };
        let (want, baseline) = sequential(&tasks);
        let worker = worker.to_path_buf();
        let detail = format!(
            "{WORKERS} worker processes; map called {CALLS} times with {TASKS} CPU-bound tasks \
             (Task::Spin, 1 to 3 ms each); when each worker works is sampled from /proc"
        );
        let meta = [("processes", WORKERS as u64), ("tasks", TASKS * CALLS)];
        scenario("ProcessPool::map", &detail, &meta, move |rec| {
            rec.baseline(IN_PROCESS, baseline);
            let _sampler = Sampler::start(rec);
            let pool = match rec.phase("ProcessPool::new", || {
                ex::ProcessPool::new(&worker, WORKERS)
            }) {
                Ok(pool) => pool,
                Err(e) => return Err(format!("ProcessPool::new failed: {e}")),
            };
            // Left alone if `map` panics (see ex07): a half-written `drop` must not abort us.
            let mut pool = ManuallyDrop::new(pool);
            let mut total = Duration::ZERO;
            for call in 1..=CALLS {
                let t = Instant::now();
                let answers = rec.wait(&format!("map #{call} (waiting for the answers)"), || {
                    pool.map(&tasks)
                });
                total += t.elapsed();
                match answers {
                    Ok(answers) if answers != want => rec.note(&format!(
                        "map #{call} returned wrong answers (or in the wrong order)"
                    )),
                    Ok(_) => {}
                    Err(e) => {
                        rec.phase("drop (shut down)", || drop(ManuallyDrop::into_inner(pool)));
                        return Err(format!("map #{call} failed: {e}"));
                    }
                }
            }
            rec.timing(&format!("{CALLS} calls of map"), total);
            rec.phase("drop (shut down)", || drop(ManuallyDrop::into_inner(pool)));
            rec.baseline(IN_PROCESS, sequential(&tasks).1);
            Ok(())
        });
    }
}

// ---------------------------------------------------------------------------------------------
// ex08: run_on_pool, pool sizes.
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "ex08")]
mod ex08 {
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    use super::sampler::Sampler;
    use super::under_test::ex02_process_pool::{Task, spin};
    use super::under_test::ex08_pool_sizes as ex;
    use super::{calibrate, scenario};

    const IN_PROCESS: &str = "the same tasks one after the other in this process";

    pub fn run(worker: &Path) {
        let squares: Vec<Task> = (1..=10).map(Task::Square).collect();
        on_pools(
            worker.to_path_buf(),
            "squares of 1..=10 on pools of 2, 4 and 8 (notebook B)",
            "run_on_pool for each size: start the pool, map the 10 tasks, shut it down",
            squares,
            &[2, 4, 8],
        );
        let per_unit = calibrate(spin);
        let heavy: Vec<Task> = (0..8)
            .map(|i| Task::Spin {
                iterations: 4 * per_unit + i,
            })
            .collect();
        on_pools(
            worker.to_path_buf(),
            "8 heavy tasks on pools of 1, 2 and 4",
            "run_on_pool for each size; each task is Task::Spin, about 4 ms of CPU",
            heavy,
            &[1, 2, 4],
        );
    }

    fn on_pools(worker: PathBuf, title: &str, detail: &str, tasks: Vec<Task>, sizes: &[usize]) {
        let sizes = sizes.to_vec();
        // The same tasks one after the other in this process: (answers, time taken).
        let sequential = |tasks: &[Task]| {
            let t = Instant::now();
            let answers: Vec<u64> = tasks.iter().filter_map(Task::compute).collect();
            (answers, t.elapsed())
        };
        let (want, baseline) = sequential(&tasks);
        let meta = [
            ("tasks", tasks.len() as u64),
            ("processes", sizes.iter().sum::<usize>() as u64),
        ];
        scenario(title, detail, &meta, move |rec| {
            rec.baseline(IN_PROCESS, baseline);
            let _sampler = Sampler::start(rec);
            for &size in &sizes {
                let t = Instant::now();
                let workers = format!("{size} worker{}", if size == 1 { "" } else { "s" });
                let run = rec.phase(&format!("run_on_pool, {workers}"), || {
                    ex::run_on_pool(&worker, size, &tasks)
                });
                let took = t.elapsed();
                let run = run.map_err(|e| format!("run_on_pool with {workers} failed: {e}"))?;
                rec.timing(&format!("run_on_pool, {workers}"), took);
                if run.results != want {
                    rec.note(&format!("{workers}: wrong answers (or in the wrong order)"));
                }
                if run.worker_pids.len() != size {
                    rec.note(&format!(
                        "{workers}: the run reports {} worker pids",
                        run.worker_pids.len()
                    ));
                }
            }
            rec.baseline(IN_PROCESS, sequential(&tasks).1);
            Ok(())
        });
    }
}
