// Helpers shared by every graded test file: each `tests/exNN_*.rs` starts with
// `include!("support.rs");`, so these functions are items of the test file's own module (in the
// exercises' and solutions' shims, in the fixtures and in the grader's generated test binary
// alike). No `#[test]` here and no inner attributes: the file is `include!`d.
//
// What they observe is read from /proc (Linux): the graded tests run on Linux only, and a reader
// that finds no /proc panics with a message instead of letting a test pass without looking.

/// Runs `body` on its own thread and returns its result; fails the test with a message naming
/// `what` if it has not finished within `secs` seconds (far above any real run time: a hang is a
/// deadlock, a lost wake-up, or a pipe that nobody reads). A panic inside `body` (a failed
/// assertion) is passed on unchanged, with its own message.
#[allow(dead_code)]
fn watchdog<T: Send + 'static>(
    secs: u64,
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("graded-test-body".into())
        .spawn(move || {
            let _ = tx.send(body());
        })
        .expect("the test could not start its own thread");
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(value) => {
            let _ = handle.join();
            value
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("deadlock? {what} did not finish within {secs} s")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the test body ended without handing back its result"),
        },
    }
}

/// Counts how many of the test's own closures are running at the same moment, and the most
/// that ever were: the way to see that work really overlaps (distinct thread ids or PIDs prove
/// nothing: ids are unique even when the threads run one after another).
#[allow(dead_code)]
#[derive(Default)]
struct OverlapGauge {
    now: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
    entered: std::sync::atomic::AtomicUsize,
}

#[allow(dead_code)]
impl OverlapGauge {
    fn new() -> std::sync::Arc<OverlapGauge> {
        std::sync::Arc::new(OverlapGauge::default())
    }

    /// Marks the caller as running until the returned guard is dropped.
    fn enter(&self) -> OverlapGuard<'_> {
        use std::sync::atomic::Ordering::SeqCst;
        self.entered.fetch_add(1, SeqCst);
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(now, SeqCst);
        OverlapGuard(self)
    }

    /// Runs `f` as one entry.
    fn track<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        f()
    }

    /// Waits (polling every millisecond, up to `secs` seconds) until `n` closures are running at
    /// once. Returns false if that never happened: then the work did not overlap.
    fn wait_until_running(&self, n: usize, secs: u64) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        while std::time::Instant::now() < deadline {
            if self.now.load(std::sync::atomic::Ordering::SeqCst) >= n {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        false
    }

    /// The most closures that were running at the same moment.
    fn most(&self) -> usize {
        self.most.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many closures have started in all.
    fn entered(&self) -> usize {
        self.entered.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many closures are running now.
    fn running(&self) -> usize {
        self.now.load(std::sync::atomic::Ordering::SeqCst)
    }
}

#[allow(dead_code)]
struct OverlapGuard<'a>(&'a OverlapGauge);

impl Drop for OverlapGuard<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A rendezvous for `n` closures that gives up after `secs` seconds instead of hanging: returns
/// true if all `n` arrived together (so they were running at the same time), false if the
/// deadline passed first (they ran one after another, or fewer than `n` at once). Unlike
/// `std::sync::Barrier`, a sequential implementation fails the test instead of deadlocking.
#[allow(dead_code)]
struct Rendezvous {
    arrived: std::sync::Mutex<usize>,
    all_here: std::sync::Condvar,
    n: usize,
    secs: u64,
}

#[allow(dead_code)]
impl Rendezvous {
    fn new(n: usize, secs: u64) -> std::sync::Arc<Rendezvous> {
        std::sync::Arc::new(Rendezvous {
            arrived: std::sync::Mutex::new(0),
            all_here: std::sync::Condvar::new(),
            n,
            secs,
        })
    }

    /// Arrives and waits for the others; true if all `n` met before the deadline.
    fn meet(&self) -> bool {
        let mut arrived = self.arrived.lock().unwrap_or_else(|p| p.into_inner());
        *arrived += 1;
        self.all_here.notify_all();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(self.secs);
        while *arrived < self.n {
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            arrived = self
                .all_here
                .wait_timeout(arrived, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }
}

/// The fields of `/proc/PID/stat` after the command name: `[state, ppid, pgrp, ...]` (field 3
/// of the man page is index 0). `None` if the process does not exist (any more).
#[allow(dead_code)]
fn proc_stat_fields(path: &str) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Field 2 is "(comm)" and may contain spaces or parentheses: start after the last ')'.
    let after = &stat[stat.rfind(')')? + 1..];
    Some(after.split_whitespace().map(String::from).collect())
}

/// What /proc says about `pid` from this test process's point of view.
#[allow(dead_code)]
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum ChildState {
    /// No such process (it was reaped), or its PID now belongs to a process not ours.
    Gone,
    /// Our child, still running (or sleeping).
    Running,
    /// Our child, exited but not reaped: a zombie.
    Zombie,
}

#[allow(dead_code)]
fn child_state(pid: u32) -> ChildState {
    require_proc();
    let Some(f) = proc_stat_fields(&format!("/proc/{pid}/stat")) else {
        return ChildState::Gone;
    };
    let ppid: u32 = f.get(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    if ppid != std::process::id() {
        ChildState::Gone
    } else if matches!(f[0].as_str(), "Z" | "X") {
        ChildState::Zombie
    } else {
        ChildState::Running
    }
}

/// Fails the test if `pid` is still a zombie child of this process: the child exited but was
/// never waited for.
#[allow(dead_code)]
fn assert_reaped(pid: u32) {
    assert_ne!(
        child_state(pid),
        ChildState::Zombie,
        "child {pid} exited but was never waited for (it is a zombie): every child process \
         must be reaped with wait()"
    );
}

/// The numbered entries of a /proc folder: the PIDs in `/proc`, the TIDs of this process's
/// threads in `/proc/self/task`.
#[allow(dead_code)]
fn proc_ids(dir: &str) -> Vec<u32> {
    require_proc();
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .collect()
}

/// The PIDs of this process's children (running or zombie), from /proc.
#[allow(dead_code)]
fn our_children() -> Vec<u32> {
    let me = std::process::id().to_string();
    proc_ids("/proc")
        .into_iter()
        .filter(|pid| {
            proc_stat_fields(&format!("/proc/{pid}/stat")).is_some_and(|f| f.get(1) == Some(&me))
        })
        .collect()
}

/// This process's zombie children: exited, never waited for.
#[allow(dead_code)]
fn our_zombies() -> Vec<u32> {
    our_children()
        .into_iter()
        .filter(|&pid| child_state(pid) == ChildState::Zombie)
        .collect()
}

/// How many threads this process has right now.
#[allow(dead_code)]
fn thread_count() -> usize {
    require_proc();
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("/proc/self/status has a Threads: line")
}

/// CPU time (user + system) used so far by the CALLING thread, in clock ticks (1/100 s on
/// Linux), from `/proc/thread-self/stat`.
#[allow(dead_code)]
fn this_thread_cpu_ticks() -> u64 {
    stat_cpu_ticks("/proc/thread-self/stat")
}

/// CPU time (user + system) used so far by the whole process (every thread), in clock ticks.
#[allow(dead_code)]
fn process_cpu_ticks() -> u64 {
    stat_cpu_ticks("/proc/self/stat")
}

/// CPU time (user + system, in clock ticks) in the `stat` file at `path`, which must exist.
#[allow(dead_code)]
fn stat_cpu_ticks(path: &str) -> u64 {
    require_proc();
    proc_stat_fields(path)
        .as_deref()
        .and_then(cpu_ticks_in)
        .unwrap_or_else(|| panic!("{path} should give the CPU time used"))
}

/// User + system CPU time (clock ticks) in the fields of a `stat` file ([`proc_stat_fields`]):
/// f[0] is field 3 (state), so field 14 (utime) is f[11] and field 15 (stime) f[12].
#[allow(dead_code)]
fn cpu_ticks_in(f: &[String]) -> Option<u64> {
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// How many times the CALLING thread has been switched out so far (voluntary + involuntary
/// context switches), from `/proc/thread-self/status`: a thread that blocks properly is switched
/// out a handful of times; one that polls, once per poll.
#[allow(dead_code)]
fn this_thread_switches() -> u64 {
    require_proc();
    let status = std::fs::read_to_string("/proc/thread-self/status").expect("status");
    context_switches_in(&status)
}

/// Voluntary + involuntary context switches, from the text of a `status` file in /proc.
#[allow(dead_code)]
fn context_switches_in(status: &str) -> u64 {
    status
        .lines()
        .filter_map(|line| {
            line.strip_prefix("voluntary_ctxt_switches:")
                .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
        })
        .map(|v| v.trim().parse::<u64>().unwrap())
        .sum()
}

/// The graded tests observe processes and threads through /proc: without it they cannot judge,
/// and a test that cannot judge must not pass.
#[allow(dead_code)]
fn require_proc() {
    assert!(
        std::path::Path::new("/proc/self/stat").exists(),
        "these tests read /proc to observe threads and processes; run them on Linux"
    );
}

/// A small deterministic pseudo-random source (xorshift), so that perturbed schedules are
/// reproducible from the seed.
#[allow(dead_code)]
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Perturbs the schedule: now and then yields the CPU or sleeps briefly, so that threads are
/// interrupted at different points of their work on every run.
#[allow(dead_code)]
fn jitter(rng: &mut u64) {
    match next_random(rng) % 64 {
        0 => std::thread::sleep(std::time::Duration::from_micros(100)),
        1..=6 => std::thread::yield_now(),
        _ => {}
    }
}

/// The kernel's id (TID) of the CALLING thread. Hand it to another thread, which can then watch
/// this one with [`thread_ticks_and_switches`] while it is blocked inside a call under test.
#[allow(dead_code)]
fn this_thread_tid() -> u32 {
    require_proc();
    // /proc/thread-self is a link to "PID/task/TID".
    std::fs::read_link("/proc/thread-self")
        .expect("/proc/thread-self")
        .file_name()
        .and_then(|name| name.to_str()?.parse().ok())
        .expect("/proc/thread-self names the thread's TID")
}

/// CPU time (user + system, in clock ticks of 1/100 s) and context switches (voluntary +
/// involuntary) used so far by thread `tid` of this process (see [`this_thread_tid`]); `None` if
/// that thread has ended. Read twice around a pause to see what a blocked thread did meanwhile:
/// one that sleeps until it is notified uses no CPU time and is not switched in at all.
#[allow(dead_code)]
fn thread_ticks_and_switches(tid: u32) -> Option<(u64, u64)> {
    require_proc();
    let f = proc_stat_fields(&format!("/proc/self/task/{tid}/stat"))?;
    let ticks = cpu_ticks_in(&f)?;
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).ok()?;
    Some((ticks, context_switches_in(&status)))
}

/// A fresh path in the temporary folder, unique to this test and process (nothing is created
/// there).
#[allow(dead_code)]
fn temp_path(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!("graded-{}-{nanos}-{name}", std::process::id()))
}

/// What a [`GatedWorker`] stand-in does once the test has opened its start gate.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterGate {
    /// `exec`s the real worker: the child keeps its PID (for one-shot workers that report it).
    Exec,
    /// Runs the real worker as its own child with the same stdin and stdout; when that worker
    /// has exited, closes both, leaves the file `stopping.PID`, and waits at the stop gate until
    /// the test opens it; then exits with the worker's status. The test sees when each worker
    /// stops and can hold the shutdown open for as long as it likes.
    RunThenStopGate,
}

/// A stand-in for the worker binary, for tests that must see child processes at work without
/// any timing: a shell script (in a folder of its own under the temporary directory) that the
/// code under test starts instead of the worker (pass [`GatedWorker::exe`] as `worker_exe`).
/// Each copy leaves the file `started.PID` and then waits at a start gate until the test opens
/// it. So the test knows how many children were started before any of them could run: "4 were
/// started at once" is a count, not a race. Then it runs the optional `hook` (shell code: it
/// sees the worker's arguments as "$1"..., and `$d` is the folder) and the real worker, as
/// [`AfterGate`] says.
///
/// A gate is a pipe whose write end only the test holds: a stand-in waits by reading it (through
/// `/proc/TEST-PID/fd/N`) and goes on at end-of-file, when the test opens the gate (closes the
/// write end) or when the test process ends, so no stand-in outlives a test that failed or was
/// killed. Dropping the `GatedWorker` opens both gates and removes the folder.
#[allow(dead_code)]
struct GatedWorker {
    dir: std::path::PathBuf,
    script: std::path::PathBuf,
    /// The write ends of the start and stop gates; `None` once the gate is open.
    closed: std::sync::Mutex<[Option<std::io::PipeWriter>; 2]>,
    /// The read ends, kept open so that the stand-ins can open them through /proc.
    _read_ends: [std::io::PipeReader; 2],
}

#[allow(dead_code)]
impl GatedWorker {
    fn new(real_worker: &str, after: AfterGate, hook: &str) -> GatedWorker {
        use std::os::fd::AsRawFd as _;
        require_proc();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("graded-gate-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the test cannot create its temporary folder");
        let quote = |p: &std::path::Path| {
            let s = p.to_str().expect("a UTF-8 path");
            assert!(!s.contains('\''), "cannot quote the path {s} for the shell");
            format!("'{s}'")
        };
        let (start_r, start_w) = std::io::pipe().expect("the test cannot make a pipe");
        let (stop_r, stop_w) = std::io::pipe().expect("the test cannot make a pipe");
        let me = std::process::id();
        let wait_at =
            |r: &std::io::PipeReader| format!("read _ < /proc/{me}/fd/{} || :", r.as_raw_fd());
        let real = quote(std::path::Path::new(real_worker));
        let run = match after {
            AfterGate::Exec => format!("exec {real} \"$@\"\n"),
            AfterGate::RunThenStopGate => format!(
                "{real} \"$@\"\nstatus=$?\nexec 0<&- 1>&-\n: > \"$d/stopping.$$\"\n{}\nexit $status\n",
                wait_at(&stop_r)
            ),
        };
        let text = format!(
            "#!/bin/sh\n# A gated stand-in for the worker binary, written by a graded test.\n\
             d={dir}\n: > \"$d/started.$$\"\n{wait}\n{hook}\n{run}",
            dir = quote(&dir),
            wait = wait_at(&start_r),
        );
        // The script is written by `cp`, not by this process: a file that this process has
        // open for writing is also open in every child forked meanwhile by another thread (until
        // that child execs), and executing it then fails with ETXTBSY ("text file busy").
        let text_file = dir.join("worker.txt");
        std::fs::write(&text_file, text).expect("the test cannot write its stand-in worker");
        let script = dir.join("worker");
        let copied = std::process::Command::new("cp")
            .arg(&text_file)
            .arg(&script)
            .status()
            .expect("the test needs the `cp` command (coreutils)");
        assert!(copied.success(), "cp {} failed", script.display());
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("the test cannot make its stand-in worker executable");
        GatedWorker {
            dir,
            script,
            closed: std::sync::Mutex::new([Some(start_w), Some(stop_w)]),
            _read_ends: [start_r, stop_r],
        }
    }

    /// The path to pass to the code under test as its worker binary.
    fn exe(&self) -> &std::path::Path {
        &self.script
    }

    /// The PIDs of the stand-ins that left `NAME.PID` (sorted).
    fn marked(&self, name: &str) -> Vec<u32> {
        let prefix = format!("{name}.");
        let mut pids: Vec<u32> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_prefix(&prefix)?.parse().ok())
            .collect();
        pids.sort_unstable();
        pids
    }

    /// The PIDs of the stand-ins started so far.
    fn started(&self) -> Vec<u32> {
        self.marked("started")
    }

    /// The PIDs of the stand-ins whose real worker has exited ([`AfterGate::RunThenStopGate`]).
    fn stopping(&self) -> Vec<u32> {
        self.marked("stopping")
    }

    /// Polls (every millisecond) until `n` stand-ins have started, for at most `secs` seconds.
    /// Returns the PIDs started by then, however many.
    fn wait_started(&self, n: usize, secs: u64) -> Vec<u32> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let started = self.started();
            if started.len() >= n || std::time::Instant::now() >= deadline {
                return started;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    fn open(&self, which: usize) {
        // Closing the write end: every stand-in reading the gate (and every later one) reads
        // end-of-file and goes on.
        self.closed.lock().unwrap_or_else(|p| p.into_inner())[which] = None;
    }

    /// Lets every waiting stand-in (and every later one) run.
    fn open_start(&self) {
        self.open(0);
    }

    /// Lets every stand-in at the stop gate (and every later one) exit.
    fn open_stop(&self) {
        self.open(1);
    }
}

impl Drop for GatedWorker {
    fn drop(&mut self) {
        self.open(0);
        self.open(1);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
