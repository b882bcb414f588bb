//! The scenarios every benchmark measures, shared by the criterion benches
//! (`cargo bench -p solutions`) and by the side-by-side runner that `cargo
//! course bench` drives.
//!
//! A scenario is a named closure `FnMut(iters) -> Duration`: it runs its
//! operation `iters` times and returns the time those runs took (setup that is
//! not part of the operation is outside the timed part). Criterion calls it
//! through `iter_custom`; the runner calls it with a calibrated `iters` and
//! divides.
//!
//! Every scenario's name is a line of `bench/scenarios.txt`, the catalogue that
//! `cargo course bench` and the Python programs read too; [`scenarios`] checks
//! that a group measures exactly its lines there.

use std::collections::VecDeque;
use std::hint::black_box;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use solutions::ex02_process_pool::{ProcessPool, Task, Worker, spin};
use solutions::ex04_producer_consumer::BoundedBuffer;
use solutions::ex07_thread_pool_factorials::{
    ThreadPool, factorial_big, factorial_big_parallel, factorial_checked,
    pool_factorials, rayon_factorials, rayon_map,
};
use solutions::ex08_pool_sizes::{
    SIZES, heavy_tasks, run_on_pool, square_tasks,
};

/// The worker binary of the solutions crate (cargo builds it before the
/// benches).
pub const WORKER_EXE: &str = env!("CARGO_BIN_EXE_solutions-worker");

/// The tiny binary whose start-up is the floor of any process's start-up.
pub const TRUE_EXE: &str = "/bin/true";

/// The environment variable naming a statically linked build of the worker
/// binary. `cargo course bench` builds one (`cargo rustc ... -C
/// target-feature=+crt-static`, which cargo cannot do for one binary of a
/// workspace from `Cargo.toml`) and sets this; when it is unset, the `*_static`
/// scenarios are left out and the runner says so on stderr.
pub const STATIC_WORKER_ENV: &str = "COURSE_STATIC_WORKER";

/// The statically linked worker, if `STATIC_WORKER_ENV` names one.
pub fn static_worker() -> Option<&'static Path> {
    static PATH: std::sync::OnceLock<Option<std::path::PathBuf>> =
        std::sync::OnceLock::new();
    PATH.get_or_init(|| std::env::var_os(STATIC_WORKER_ENV).map(Into::into))
        .as_deref()
}

/// Iterations of `spin` for one heavy item: 10 to 25 ms of CPU in a release
/// build, depending on the machine (the `heavy/sequential` scenario divided by
/// `HEAVY_ITEMS`).
pub const HEAVY_SPIN: u64 = 10_000_000;
/// Items in the heavy batch.
pub const HEAVY_ITEMS: usize = 8;
/// Powers of ten of the spin rounds per item in the break-even sweep (`sweep`
/// group): from tasks far too small for a pool (10^3 rounds, microseconds) to
/// the heavy variant's size (10^7).
pub const SWEEP_EXPONENTS: [u32; 5] = [3, 4, 5, 6, 7];
/// Pool sizes of the sweep: as many workers as cores, and four times more.
pub const SWEEP_SIZES: [usize; 2] = [2, 8];
/// Items the producer/consumer benchmarks move.
pub const PC_ITEMS: u64 = 1_000_000;
/// Capacity of the bounded buffers and channels.
pub const PC_CAPACITY: usize = 1024;
/// The big factorials of the CPU-bound variant.
pub const BIG_N: [u64; 4] = [20_000, 20_001, 20_002, 20_003];
/// Small tasks in the throughput benchmark.
pub const SMALL_TASKS: u64 = 10_000;

/// One measured operation.
pub struct Scenario {
    /// `group/name`, e.g. `q8/ours/2`.
    pub name: String,
    /// Runs the operation `iters` times and returns how long that took.
    pub run: Box<dyn FnMut(u64) -> Duration>,
    /// Items one operation handles: the runner reports the time per item.
    pub per: u64,
}

fn scenario(
    name: impl Into<String>,
    run: impl FnMut(u64) -> Duration + 'static,
) -> Scenario {
    Scenario {
        name: name.into(),
        run: Box::new(run),
        per: 1,
    }
}

impl Scenario {
    fn per_item(mut self, items: u64) -> Scenario {
        self.per = items;
        self
    }
}

/// Times `iters` calls of `op`.
fn timed(iters: u64, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        op();
    }
    start.elapsed()
}

fn worker_exe() -> &'static Path {
    Path::new(WORKER_EXE)
}

/// The scenario catalogue (its header says the format): one line `KEY PROGRAM
/// LABEL` per scenario, shared with `cargo course bench` and the Python
/// programs. The scenarios of a group here must be exactly its `rust` lines
/// (and its `rust-static` lines, with the static worker).
const CATALOGUE: &str = include_str!("../../../bench/scenarios.txt");

/// `(key, program)` of every line of the catalogue, in its order.
fn catalogue() -> impl Iterator<Item = (&'static str, &'static str)> {
    CATALOGUE
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let key = words.next().unwrap_or_default();
            (key, words.next().unwrap_or_default())
        })
}

/// The group of a key: its first segment (`q8` of `q8/ours/2`).
fn group_of(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

/// Every group, in the order of the catalogue (the order `cargo course bench`
/// measures them).
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&str> = Vec::new();
    for (key, _) in catalogue() {
        if !groups.contains(&group_of(key)) {
            groups.push(group_of(key));
        }
    }
    groups
}

/// The scenarios of one group (one of [`groups`]), in a stable order.
///
/// Panics, saying what to fix, when they are not the catalogue's Rust scenarios
/// of the group.
pub fn scenarios(group: &str) -> Vec<Scenario> {
    if matches!(group, "spawn" | "q8") && static_worker().is_none() {
        eprintln!(
            "note: {STATIC_WORKER_ENV} is not set, so the statically linked \
             worker is not measured (`cargo course bench` builds one and sets \
             it)"
        );
    }
    let list = match group {
        "spawn" => spawn_scenarios(),
        "pool" => pool_scenarios(),
        "q8" => q8_scenarios(),
        "heavy" => heavy_scenarios(),
        "sweep" => sweep_scenarios(),
        "pc" => producer_consumer_scenarios(),
        "fact" => factorial_scenarios(),
        other => panic!(
            "unknown benchmark group {other:?}: the groups are {}",
            groups().join(", ")
        ),
    };
    check_against_catalogue(group, &list);
    list
}

/// Panics unless `list` measures exactly the catalogue's Rust scenarios of
/// `group` (without the `rust-static` ones when there is no static worker): a
/// name spelled differently here and in the catalogue would otherwise leave its
/// row of the results empty.
fn check_against_catalogue(group: &str, list: &[Scenario]) {
    let static_ok = static_worker().is_some();
    let listed: Vec<&str> = catalogue()
        .filter(|(key, program)| {
            group_of(key) == group
                && (*program == "rust"
                    || (*program == "rust-static" && static_ok))
        })
        .map(|(key, _)| key)
        .collect();
    let unlisted: Vec<&str> = list
        .iter()
        .map(|s| s.name.as_str())
        .filter(|name| !listed.contains(name))
        .collect();
    let unmeasured: Vec<&str> = listed
        .iter()
        .copied()
        .filter(|key| list.iter().all(|s| s.name != *key))
        .collect();
    assert!(
        unlisted.is_empty() && unmeasured.is_empty(),
        "the benchmark group {group} and bench/scenarios.txt disagree: \
         measured here but not a `rust` line of the group there: {unlisted:?}; \
         a `rust` line there but not measured here: {unmeasured:?}. Make the \
         names agree (a new scenario needs a line there)."
    );
}

// -----------------------------------------------------------------------------
// 1. Spawn cost
// -----------------------------------------------------------------------------

fn spawn_scenarios() -> Vec<Scenario> {
    vec![
        scenario("spawn/thread", |iters| {
            timed(iters, || {
                std::thread::spawn(|| black_box(1))
                    .join()
                    .map(drop)
                    .unwrap()
            })
        }),
        scenario("spawn/scoped_thread", |iters| {
            timed(iters, || {
                std::thread::scope(|s| {
                    s.spawn(|| black_box(1));
                })
            })
        }),
        scenario("spawn/process_true", |iters| {
            timed(iters, || {
                let status = Command::new(TRUE_EXE).status().unwrap();
                assert!(status.success());
            })
        }),
        scenario("spawn/process_worker", |iters| {
            // The ex02 worker with an empty stdin: it starts, reads
            // end-of-input and exits.
            timed(iters, || run_idle_worker(worker_exe()))
        }),
    ]
    .into_iter()
    .chain(static_worker().map(|exe| {
        scenario("spawn/process_worker_static", move |iters| {
            timed(iters, || run_idle_worker(exe))
        })
    }))
    .collect()
}

/// Starts `exe ex02` with an empty stdin and waits for it.
fn run_idle_worker(exe: &Path) {
    let status = Command::new(exe)
        .arg("ex02")
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

// -----------------------------------------------------------------------------
// 2. Process pool: round trip, its floor, throughput with and without batching
// -----------------------------------------------------------------------------

/// `cat` echoes every line it reads from a pipe as soon as it reads it: the
/// other end of a raw pipe ping-pong between two processes, with no parsing and
/// no computing.
struct Echo {
    child: Child,
    input: BufWriter<std::process::ChildStdin>,
    output: BufReader<std::process::ChildStdout>,
    line: String,
}

impl Echo {
    fn start() -> Echo {
        let mut child = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting `cat`");
        let input = BufWriter::new(child.stdin.take().unwrap());
        let output = BufReader::new(child.stdout.take().unwrap());
        Echo {
            child,
            input,
            output,
            line: String::new(),
        }
    }

    fn ping(&mut self) {
        self.input.write_all(b"sq 3\n").unwrap();
        self.input.flush().unwrap();
        self.line.clear();
        self.output.read_line(&mut self.line).unwrap();
        assert_eq!(self.line, "sq 3\n");
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pool_scenarios() -> Vec<Scenario> {
    let small: Vec<Task> = (0..SMALL_TASKS).map(Task::Square).collect();
    let expected: u64 = (0..SMALL_TASKS).map(|n| n * n).sum();
    let small2 = small.clone();
    let mut list = vec![
        scenario("pool/round_trip", |iters| {
            let mut pool = ProcessPool::new(worker_exe(), 1).unwrap();
            // the worker is up and running
            pool.map(&[Task::Square(1)]).unwrap();
            timed(iters, || {
                assert_eq!(pool.map(&[Task::Square(3)]).unwrap(), [9]);
            })
        }),
        scenario("pool/pipe_ping_pong", |iters| {
            let mut echo = Echo::start();
            echo.ping();
            timed(iters, || echo.ping())
        }),
        scenario("pool/many_small_batched", move |iters| {
            let mut pool = ProcessPool::new(worker_exe(), 2).unwrap();
            pool.map(&[Task::Square(1), Task::Square(2)]).unwrap();
            timed(iters, || {
                let answers = pool.map(&small).unwrap();
                assert_eq!(answers.iter().sum::<u64>(), expected);
            })
        })
        .per_item(SMALL_TASKS),
        scenario("pool/many_small_one_by_one", move |iters| {
            // One task in flight per worker: send, wait for the answer, send
            // the next.
            let mut workers: Vec<Worker> = (0..2)
                .map(|_| Worker::spawn(worker_exe()).unwrap())
                .collect();
            let elapsed = timed(iters, || {
                let mut sum = 0;
                for pair in small2.chunks(2) {
                    for (w, task) in workers.iter_mut().zip(pair) {
                        w.send(task).unwrap();
                        w.flush().unwrap();
                    }
                    for w in workers.iter_mut().take(pair.len()) {
                        sum += w.recv().unwrap();
                    }
                }
                assert_eq!(sum, expected);
            });
            for w in &mut workers {
                w.close_input();
                w.reap().unwrap();
            }
            elapsed
        })
        .per_item(SMALL_TASKS),
    ];
    list.push(scenario("pool/procspawn_round_trip", |iters| {
        let pool = procspawn::Pool::new(1).unwrap();
        let warm = pool.spawn(1_u64, square);
        warm.join().unwrap();
        let elapsed = timed(iters, || {
            let h = pool.spawn(3_u64, square);
            assert_eq!(h.join().unwrap(), 9);
        });
        pool.shutdown();
        elapsed
    }));
    list
}

fn square(n: u64) -> u64 {
    n * n
}

fn spin_task(iterations: u64) -> u64 {
    spin(iterations)
}

// -----------------------------------------------------------------------------
// 3. Question 8: squares of 1..=10 on pools of 2, 4, 8, start-up and shutdown
//    included
// -----------------------------------------------------------------------------

/// Starts `n` copies of `/bin/true` and reaps them: what any pool of `n`
/// processes pays at least, before it does any work.
pub fn start_and_reap(n: usize) {
    let mut children: Vec<Child> = (0..n)
        .map(|_| Command::new(TRUE_EXE).spawn().unwrap())
        .collect();
    for child in &mut children {
        assert!(child.wait().unwrap().success());
    }
}

fn procspawn_batch(
    workers: usize,
    tasks: &[u64],
    f: fn(u64) -> u64,
) -> Vec<u64> {
    let pool = procspawn::Pool::new(workers).unwrap();
    let handles: Vec<_> = tasks.iter().map(|&t| pool.spawn(t, f)).collect();
    let answers = handles.into_iter().map(|h| h.join().unwrap()).collect();
    pool.shutdown();
    answers
}

fn q8_scenarios() -> Vec<Scenario> {
    let mut list = Vec::new();
    for n in SIZES {
        list.push(scenario(format!("q8/ours/{n}"), move |iters| {
            let tasks = square_tasks();
            timed(iters, || {
                let run = run_on_pool(worker_exe(), n, &tasks).unwrap();
                assert_eq!(run.results[9], 100);
            })
        }));
        if let Some(exe) = static_worker() {
            list.push(scenario(format!("q8/ours_static/{n}"), move |iters| {
                let tasks = square_tasks();
                timed(iters, || {
                    let run = run_on_pool(exe, n, &tasks).unwrap();
                    assert_eq!(run.results[9], 100);
                })
            }));
        }
        list.push(scenario(format!("q8/floor_true/{n}"), move |iters| {
            timed(iters, || start_and_reap(n))
        }));
        list.push(scenario(format!("q8/procspawn/{n}"), move |iters| {
            let numbers: Vec<u64> = (1..=10).collect();
            timed(iters, || {
                assert_eq!(procspawn_batch(n, &numbers, square)[9], 100);
            })
        }));
    }
    list
}

// -----------------------------------------------------------------------------
// 3b. The heavy variant: HEAVY_ITEMS equal CPU-bound items
// -----------------------------------------------------------------------------

fn heavy_scenarios() -> Vec<Scenario> {
    let (tasks, expected) = spin_batch(HEAVY_SPIN);
    let mut list =
        vec![loop_scenario("heavy/sequential", HEAVY_SPIN, &expected)];
    for n in SIZES {
        list.push(pool_scenario(
            format!("heavy/ours/{n}"),
            n,
            &tasks,
            &expected,
        ));
        let expected = expected.clone();
        list.push(scenario(format!("heavy/procspawn/{n}"), move |iters| {
            let args: Vec<u64> =
                (0..HEAVY_ITEMS as u64).map(|i| HEAVY_SPIN + i).collect();
            timed(iters, || {
                assert_eq!(procspawn_batch(n, &args, spin_task), expected);
            })
        }));
    }
    list
}

/// The heavy batch's shape at `spins` rounds per item: `HEAVY_ITEMS` tasks
/// (task i spins `spins + i` rounds, so that a mix-up shows) and their answers.
fn spin_batch(spins: u64) -> (Vec<Task>, Vec<u64>) {
    let tasks = heavy_tasks(HEAVY_ITEMS, spins);
    let expected = tasks.iter().map(|t| t.compute().unwrap()).collect();
    (tasks, expected)
}

/// The batch of [`spin_batch`] computed in this process, one item after the
/// other.
fn loop_scenario(
    name: impl Into<String>,
    spins: u64,
    expected: &[u64],
) -> Scenario {
    let expected = expected.to_vec();
    scenario(name, move |iters| {
        timed(iters, || {
            let answers: Vec<u64> = (0..HEAVY_ITEMS as u64)
                .map(|i| spin(black_box(spins + i)))
                .collect();
            assert_eq!(answers, expected);
        })
    })
}

/// `tasks` on a fresh pool of `n` workers, start-up and shutdown included.
fn pool_scenario(
    name: String,
    n: usize,
    tasks: &[Task],
    expected: &[u64],
) -> Scenario {
    let (tasks, expected) = (tasks.to_vec(), expected.to_vec());
    scenario(name, move |iters| {
        timed(iters, || {
            let run = run_on_pool(worker_exe(), n, &tasks).unwrap();
            assert_eq!(run.results, expected);
        })
    })
}

// -----------------------------------------------------------------------------
// 3c. Break-even: the heavy batch's shape (HEAVY_ITEMS equal items) at growing
// task sizes
// -----------------------------------------------------------------------------

/// `sweep/sequential/E` and `sweep/ours/N/E`: HEAVY_ITEMS items of 10^E spin
/// rounds each, in this process one after the other, and on a fresh pool of N
/// workers (start-up and shutdown included, as in question 8). Where
/// `sequential / ours` crosses 1, the pool starts to pay.
fn sweep_scenarios() -> Vec<Scenario> {
    let mut list = Vec::new();
    for e in SWEEP_EXPONENTS {
        let spins = 10_u64.pow(e);
        let (tasks, expected) = spin_batch(spins);
        list.push(loop_scenario(
            format!("sweep/sequential/{e}"),
            spins,
            &expected,
        ));
        for n in SWEEP_SIZES {
            list.push(pool_scenario(
                format!("sweep/ours/{n}/{e}"),
                n,
                &tasks,
                &expected,
            ));
        }
    }
    list
}

// -----------------------------------------------------------------------------
// 4. Producer/consumer: PC_ITEMS items from one producer thread to one consumer
//    thread
// -----------------------------------------------------------------------------

const PC_SUM: u64 = PC_ITEMS * (PC_ITEMS - 1) / 2;

/// The notebook's shape: a list behind a lock, the consumer waiting on a
/// condition variable while it is empty (unbounded).
fn locked_list(items: u64) -> u64 {
    struct State {
        items: VecDeque<u64>,
        done: bool,
    }
    let shared = Arc::new((
        Mutex::new(State {
            items: VecDeque::new(),
            done: false,
        }),
        Condvar::new(),
    ));
    let producer = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let (lock, cv) = &*shared;
            for i in 0..items {
                lock.lock().unwrap().items.push_back(i);
                cv.notify_one();
            }
            lock.lock().unwrap().done = true;
            cv.notify_one();
        })
    };
    let (lock, cv) = &*shared;
    let mut sum = 0;
    loop {
        let mut state = cv
            .wait_while(lock.lock().unwrap(), |s| s.items.is_empty() && !s.done)
            .unwrap();
        match state.items.pop_front() {
            Some(i) => sum += i,
            None => break,
        }
    }
    producer.join().unwrap();
    sum
}

/// The same with a `Vec` (push at the back, `remove(0)` would be O(n); the
/// consumer takes the whole batch with `mem::take` instead, as a swap-buffer
/// consumer does).
fn locked_vec_batches(items: u64) -> u64 {
    let shared =
        Arc::new((Mutex::new((Vec::<u64>::new(), false)), Condvar::new()));
    let producer = {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            let (lock, cv) = &*shared;
            for i in 0..items {
                lock.lock().unwrap().0.push(i);
                cv.notify_one();
            }
            lock.lock().unwrap().1 = true;
            cv.notify_one();
        })
    };
    let (lock, cv) = &*shared;
    let mut sum = 0;
    loop {
        let mut state = cv
            .wait_while(lock.lock().unwrap(), |s| s.0.is_empty() && !s.1)
            .unwrap();
        let batch = std::mem::take(&mut state.0);
        let done = state.1;
        drop(state);
        sum += batch.iter().sum::<u64>();
        if batch.is_empty() && done {
            break;
        }
    }
    producer.join().unwrap();
    sum
}

fn bounded_buffer(items: u64) -> u64 {
    let buffer = BoundedBuffer::new(PC_CAPACITY);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..items {
                buffer.push(i).unwrap();
            }
            buffer.close();
        });
        let mut sum = 0;
        while let Some(i) = buffer.pop() {
            sum += i;
        }
        sum
    })
}

fn mpsc_channel(items: u64, bounded: bool) -> u64 {
    use std::sync::mpsc;
    let (producer, rx) = if bounded {
        let (tx, rx) = mpsc::sync_channel(PC_CAPACITY);
        let producer = std::thread::spawn(move || {
            (0..items).for_each(|i| tx.send(i).unwrap())
        });
        (producer, rx)
    } else {
        let (tx, rx) = mpsc::channel();
        let producer = std::thread::spawn(move || {
            (0..items).for_each(|i| tx.send(i).unwrap())
        });
        (producer, rx)
    };
    let sum = rx.iter().sum();
    producer.join().unwrap();
    sum
}

fn crossbeam_channel(items: u64, bounded: bool) -> u64 {
    let (tx, rx) = if bounded {
        crossbeam::channel::bounded(PC_CAPACITY)
    } else {
        crossbeam::channel::unbounded()
    };
    let producer = std::thread::spawn(move || {
        for i in 0..items {
            tx.send(i).unwrap();
        }
    });
    let sum = rx.iter().sum();
    producer.join().unwrap();
    sum
}

/// A producer/consumer run: moves `n` items, returns their sum.
type Pipeline = fn(u64) -> u64;

fn producer_consumer_scenarios() -> Vec<Scenario> {
    let cases: [(&str, Pipeline); 7] = [
        ("pc/mutex_vecdeque_condvar", locked_list),
        ("pc/mutex_vec_condvar_batches", locked_vec_batches),
        ("pc/bounded_buffer", bounded_buffer),
        ("pc/mpsc_unbounded", |n| mpsc_channel(n, false)),
        ("pc/mpsc_sync_channel", |n| mpsc_channel(n, true)),
        ("pc/crossbeam_unbounded", |n| crossbeam_channel(n, false)),
        ("pc/crossbeam_bounded", |n| crossbeam_channel(n, true)),
    ];
    cases
        .into_iter()
        .map(|(name, f)| {
            scenario(name, move |iters| {
                timed(iters, || assert_eq!(f(black_box(PC_ITEMS)), PC_SUM))
            })
            .per_item(PC_ITEMS)
        })
        .collect()
}

// -----------------------------------------------------------------------------
// 5. Factorials: 1..=10 (overhead-bound) and big integers (CPU-bound)
// -----------------------------------------------------------------------------

/// One thread per number, joined in order.
fn thread_per_task<R: Send + 'static>(
    numbers: &[u64],
    f: fn(u64) -> R,
) -> Vec<R> {
    let handles: Vec<_> = numbers
        .iter()
        .map(|&n| std::thread::spawn(move || f(n)))
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

fn factorial_scenarios() -> Vec<Scenario> {
    let small: Vec<u64> = (1..=10).collect();
    let mut list = Vec::new();
    {
        let small = small.clone();
        list.push(scenario("fact/small/sequential", move |iters| {
            timed(iters, || {
                let v: Vec<u64> = small
                    .iter()
                    .map(|&n| factorial_checked(black_box(n)).unwrap())
                    .collect();
                assert_eq!(v[9], 3_628_800);
            })
        }));
    }
    {
        let small = small.clone();
        list.push(scenario("fact/small/rayon_2", move |iters| {
            timed(iters, || assert_eq!(rayon_factorials(2, &small).len(), 10))
        }));
    }
    {
        let small = small.clone();
        list.push(scenario("fact/small/hand_pool_2", move |iters| {
            timed(iters, || assert_eq!(pool_factorials(2, &small).len(), 10))
        }));
    }
    list.push(scenario("fact/small/thread_per_task", move |iters| {
        timed(iters, || {
            let v = thread_per_task(&small, |n| factorial_checked(n).unwrap());
            assert_eq!(v[9], 3_628_800);
        })
    }));

    list.push(scenario("fact/big/sequential", |iters| {
        timed(iters, || {
            let v: Vec<_> =
                BIG_N.iter().map(|&n| factorial_big(black_box(n))).collect();
            black_box(v);
        })
    }));
    for threads in [1, 2, 4] {
        list.push(scenario(
            format!("fact/big/rayon_{threads}"),
            move |iters| {
                timed(iters, || {
                    black_box(rayon_map(
                        threads,
                        BIG_N.to_vec(),
                        factorial_big,
                    ));
                })
            },
        ));
        list.push(scenario(
            format!("fact/big/hand_pool_{threads}"),
            move |iters| {
                timed(iters, || {
                    black_box(
                        ThreadPool::new(threads)
                            .map(BIG_N.to_vec(), factorial_big),
                    );
                })
            },
        ));
    }
    list.push(scenario("fact/big/thread_per_task", |iters| {
        timed(iters, || {
            black_box(thread_per_task(&BIG_N, factorial_big));
        })
    }));
    // One big factorial, its multiplications split over 1, 2, 4 threads
    // (chapter 7's speed-up).
    list.push(scenario("fact/one_big/sequential", |iters| {
        timed(iters, || {
            black_box(factorial_big(black_box(BIG_N[0] * 2)));
        })
    }));
    for threads in [1, 2, 4] {
        list.push(scenario(
            format!("fact/one_big/parallel_{threads}"),
            move |iters| {
                timed(iters, || {
                    black_box(factorial_big_parallel(BIG_N[0] * 2, threads));
                })
            },
        ));
    }
    list
}

/// The `main` of every criterion bench: runs the groups `(name, sample size)`
/// under criterion.
#[allow(
    dead_code,
    reason = "the side-by-side runner includes this module without criterion"
)]
pub fn criterion_main(groups: &[(&str, usize)]) {
    // procspawn's pool re-runs this executable as its workers: this call turns
    // such a child into a worker before criterion reads the command line.
    procspawn::init();
    let mut c = criterion::Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    for &(group, sample_size) in groups {
        criterion_group(&mut c, group, sample_size);
    }
    c.final_summary();
}

/// Criterion glue: registers every scenario of `group` as a criterion
/// benchmark.
fn criterion_group(
    c: &mut criterion::Criterion,
    group: &str,
    sample_size: usize,
) {
    assert!(groups().contains(&group), "unknown group {group:?}");
    let mut g = c.benchmark_group(group);
    g.sample_size(sample_size);
    for mut s in scenarios(group) {
        let id = s
            .name
            .strip_prefix(group)
            .unwrap_or(&s.name)
            .trim_start_matches('/')
            .to_string();
        g.throughput(criterion::Throughput::Elements(s.per));
        g.bench_function(id, |b| b.iter_custom(|iters| (s.run)(iters)));
    }
    g.finish();
}
