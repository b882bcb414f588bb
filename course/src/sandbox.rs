//! Runs one graded test in a sandbox: its own process (and process group), a time limit, an
//! output cap, resource limits, an unprivileged user and a pids cgroup where they can be had, no
//! network where a network namespace can be made, and a completion token.
//!
//! A test counts as passed only if its process exits 0 *and* the grading wrapper compiled around
//! the test function wrote back the token it was handed; a submission that calls
//! `std::process::exit(0)`, installs a panic hook that exits 0 or prints fake `test result: ok`
//! lines is not fooling anyone. The token reaches the test through an inherited pipe (fd 3) that the
//! wrapper drains before the student's code runs; the verdict comes back on fd 4.

use std::ffi::CString;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The fd on which a test reads its token.
pub const TOKEN_FD: i32 = 3;
/// The fd on which a test writes `name token` when it finished.
pub const RESULT_FD: i32 = 4;

/// Resource limits for one test process (and everything it starts).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Bytes of output kept (stdout and stderr each).
    pub output_cap: usize,
    /// RLIMIT_AS, bytes.
    pub address_space: u64,
    /// RLIMIT_FSIZE, bytes.
    pub file_size: u64,
    /// RLIMIT_NPROC and the cgroup's `pids.max`.
    pub processes: u64,
}

impl Limits {
    /// The defaults: 64 KiB of output, 4 GiB of address space, 64 MiB files, 256 processes.
    pub fn with_timeout(timeout: Duration) -> Self {
        Limits {
            timeout,
            output_cap: 64 * 1024,
            address_space: 4 << 30,
            file_size: 64 << 20,
            processes: 256,
        }
    }

    /// RLIMIT_CPU: CPU seconds across all threads; two cores busy for the whole time limit, plus one.
    pub fn cpu_seconds(&self) -> u64 {
        self.timeout.as_secs() * 2 + 1
    }
}

/// Which protections are in force on this machine for this run.
#[derive(Debug, Clone, Default)]
pub struct Protections {
    /// Run tests as this (uid, gid) — set when the grader runs as root.
    pub run_as: Option<(u32, u32)>,
    /// Parent folder for per-test pids cgroups (cgroup v1 `pids` controller), if writable.
    pub cgroup_parent: Option<PathBuf>,
    /// Whether each test gets a fresh network namespace (no network).
    pub netns: bool,
    /// Whether the grader is a child subreaper: orphans of a test (a `setsid` child whose parent
    /// died) become the grader's children, so they can be found and killed without a cgroup.
    pub subreaper: bool,
}

impl Protections {
    /// Finds out what this machine allows. `unprivileged` asks for running tests as `nobody` when
    /// the grader is root.
    pub fn detect(unprivileged: bool) -> Protections {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let run_as = if root && unprivileged { nobody() } else { None };
        let cgroup_parent = make_cgroup_parent();
        let netns = root && probe_netns();
        // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) takes plain integers and changes only this process.
        let subreaper = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } == 0;
        Protections {
            run_as,
            cgroup_parent,
            netns,
            subreaper,
        }
    }

    /// One line per protection: what is in force and what is not.
    pub fn describe(&self, limits: &Limits) -> Vec<String> {
        let mut v = vec![
            format!(
                "process per test, own process group, killed after {} s",
                limits.timeout.as_secs()
            ),
            format!(
                "output capped at {} KiB per stream",
                limits.output_cap / 1024
            ),
            format!(
                "rlimits: address space {} MiB, file size {} MiB, CPU {} s, processes {}",
                limits.address_space >> 20,
                limits.file_size >> 20,
                limits.cpu_seconds(),
                limits.processes
            ),
            "completion token: exit status 0 alone does not pass a test".to_string(),
        ];
        v.push(match self.run_as {
            Some((u, g)) => format!("tests run as an unprivileged user (uid {u}, gid {g})"),
            None => "tests run as the grader's own user (RLIMIT_NPROC is not enforced for root)"
                .to_string(),
        });
        v.push(match &self.cgroup_parent {
            Some(p) => format!("each test in its own pids cgroup under {} (whole tree killed, even after setsid)", p.display()),
            None if self.subreaper => "no pids cgroup available: the process group is killed, and orphans (e.g. a setsid child) are swept up as the grader's adopted children".to_string(),
            None => "no pids cgroup available: only the process group is killed (a setsid child may escape)".to_string(),
        });
        v.push(if self.netns {
            "no network: each test in a new network namespace".to_string()
        } else {
            "network NOT isolated (no network namespace could be made)".to_string()
        });
        v
    }
}

impl Drop for Protections {
    fn drop(&mut self) {
        if let Some(p) = &self.cgroup_parent {
            let _ = std::fs::remove_dir(p);
        }
    }
}

fn nobody() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("nobody:"))?;
    let f: Vec<&str> = line.split(':').collect();
    Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
}

fn make_cgroup_parent() -> Option<PathBuf> {
    let base = Path::new("/sys/fs/cgroup/pids");
    if !base.join("cgroup.procs").exists() {
        return None;
    }
    let dir = base.join(format!("course-grade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    dir.join("pids.max").exists().then_some(dir)
}

fn probe_netns() -> bool {
    let mut cmd = Command::new("true");
    // SAFETY: the closure only calls unshare(2), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// How a graded test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GradedVerdict {
    /// Exited 0 and handed back its token.
    Passed,
    /// Exited non-zero: an assertion failed or the code panicked.
    Failed,
    /// Exited 0 without finishing the test (`process::exit`, a panic hook that exits, ...).
    ExitedEarly,
    /// Still running at the time limit; killed.
    TimedOut,
    /// Killed by a signal it did not ask for.
    Crashed(i32),
    /// Hit a resource limit: "memory", "CPU time", "file size", "process count".
    LimitHit(&'static str),
    /// Not in the test binary.
    Missing,
    /// Could not be started.
    NotRun(String),
}

impl GradedVerdict {
    /// Counts as a pass.
    pub fn passed(&self) -> bool {
        *self == GradedVerdict::Passed
    }

    /// A short description for reports.
    pub fn describe(&self) -> String {
        match self {
            GradedVerdict::Passed => "passed".into(),
            GradedVerdict::Failed => "failed".into(),
            GradedVerdict::ExitedEarly => {
                "exited with status 0 before the test finished (std::process::exit, or a panic hook that exits?)".into()
            }
            GradedVerdict::TimedOut => "timed out (deadlock, endless loop, or too slow)".into(),
            GradedVerdict::Crashed(sig) => format!("crashed (killed by signal {sig})"),
            GradedVerdict::LimitHit(what) => format!("hit the {what} limit"),
            GradedVerdict::Missing => "missing from the test binary".into(),
            GradedVerdict::NotRun(why) => format!("could not be run: {why}"),
        }
    }

    /// A stable one-word code for machine-readable outputs.
    pub fn code(&self) -> &'static str {
        match self {
            GradedVerdict::Passed => "passed",
            GradedVerdict::Failed => "failed",
            GradedVerdict::ExitedEarly => "exited_early",
            GradedVerdict::TimedOut => "timeout",
            GradedVerdict::Crashed(_) => "crashed",
            GradedVerdict::LimitHit(_) => "limit",
            GradedVerdict::Missing => "missing",
            GradedVerdict::NotRun(_) => "not_run",
        }
    }
}

/// What running one graded test produced.
#[derive(Debug, Clone)]
pub struct GradedOutcome {
    /// How it ended.
    pub verdict: GradedVerdict,
    /// Its stdout then stderr, each capped.
    pub output: String,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Processes still alive in its cgroup after it ended, which were killed.
    pub stragglers_killed: usize,
}

fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut bytes);
    }
    let t = Instant::now().elapsed().as_nanos() as u64 ^ u64::from(std::process::id());
    bytes[..8]
        .iter_mut()
        .zip(t.to_le_bytes())
        .for_each(|(b, x)| *b ^= x);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A pipe whose both ends are close-on-exec, duplicated above fd 10 so that moving them to fds
/// 3 and 4 in the child can never clobber each other.
fn pipe_high() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: fds is a valid array of two ints, as pipe2 requires.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut out = Vec::with_capacity(2);
    for fd in fds {
        // SAFETY: fd was just returned by pipe2 and is owned by nobody else.
        let low = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: F_DUPFD_CLOEXEC on a valid fd has no other preconditions.
        let high = unsafe { libc::fcntl(low.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
        if high < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `high` is a fresh fd from fcntl, owned by nobody else.
        out.push(unsafe { OwnedFd::from_raw_fd(high) });
    }
    let w = out.pop().expect("two fds");
    let r = out.pop().expect("two fds");
    Ok((r, w))
}

/// Runs test `name` of `exe` in the sandbox. `listed` is the binary's `--list`; `scratch` a
/// folder the test may use as its working directory (made writable for the test's user).
pub fn run_graded_test(
    exe: &Path,
    name: &str,
    listed: &[String],
    limits: &Limits,
    prot: &Protections,
    scratch: &Path,
) -> GradedOutcome {
    let start = Instant::now();
    let outcome = |verdict, output: String| GradedOutcome {
        verdict,
        output,
        elapsed: start.elapsed(),
        stragglers_killed: 0,
    };
    if !listed.iter().any(|l| l == name) {
        return outcome(GradedVerdict::Missing, String::new());
    }
    let token = random_token();
    let (token_r, token_w) = match pipe_high() {
        Ok(p) => p,
        Err(e) => return outcome(GradedVerdict::NotRun(format!("pipe: {e}")), String::new()),
    };
    let (result_r, result_w) = match pipe_high() {
        Ok(p) => p,
        Err(e) => return outcome(GradedVerdict::NotRun(format!("pipe: {e}")), String::new()),
    };
    {
        let mut w = std::fs::File::from(token_w);
        use std::io::Write;
        if w.write_all(token.as_bytes()).is_err() {
            return outcome(
                GradedVerdict::NotRun("cannot write the token".into()),
                String::new(),
            );
        }
        // Dropping `w` closes the write end: the test reads the token and then end-of-file.
    }
    let _ = std::fs::create_dir_all(scratch);
    if let Some((uid, gid)) = prot.run_as {
        // The test reopens its pipe ends through /proc/self/fd, which checks the pipe's owner.
        for fd in [token_r.as_raw_fd(), result_w.as_raw_fd()] {
            // SAFETY: fchown on a valid, open fd; no memory is involved.
            unsafe { libc::fchown(fd, uid, gid) };
        }
        if let Ok(c) = CString::new(scratch.as_os_str().as_encoded_bytes()) {
            // SAFETY: c is a valid NUL-terminated path.
            unsafe { libc::chown(c.as_ptr(), uid, gid) };
        }
    }
    // A cgroup for this test alone.
    let cgroup = prot.cgroup_parent.as_ref().and_then(|parent| {
        let dir = parent.join(format!("t{}", random_token()));
        std::fs::create_dir(&dir).ok()?;
        std::fs::write(dir.join("pids.max"), limits.processes.to_string()).ok()?;
        Some(dir)
    });
    let cgroup_procs = cgroup
        .as_ref()
        .and_then(|d| CString::new(d.join("cgroup.procs").as_os_str().as_encoded_bytes()).ok());

    let mut cmd = Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", scratch)
        .env("TMPDIR", scratch)
        .env("RUST_BACKTRACE", "0")
        .current_dir(scratch)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let token_fd = token_r.as_raw_fd();
    let result_fd = result_w.as_raw_fd();
    let run_as = prot.run_as;
    let netns = prot.netns;
    let rl = [
        (libc::RLIMIT_AS, limits.address_space),
        (libc::RLIMIT_FSIZE, limits.file_size),
        (libc::RLIMIT_CPU, limits.cpu_seconds()),
        // RLIMIT_NPROC counts every process of the test's user, not just the test's: with a pids
        // cgroup it is only a backstop; without one, it allows `processes` more than that user
        // already runs (an instructor's own account may run hundreds).
        (
            libc::RLIMIT_NPROC,
            if cgroup.is_some() {
                limits.processes * 16
            } else {
                user_processes(run_as.map(|(u, _)| u)) + limits.processes
            },
        ),
        (libc::RLIMIT_CORE, 0),
    ];
    // SAFETY: the closure runs in the forked child before exec and only makes async-signal-safe
    // system calls (open, write, close, unshare, setrlimit, setgroups, setgid, setuid, dup2) on
    // data prepared before the fork; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(path) = &cgroup_procs {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let mut buf = [0u8; 20];
                let mut n = libc::getpid() as u64;
                let mut i = buf.len();
                loop {
                    i -= 1;
                    buf[i] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                let ok = libc::write(fd, buf[i..].as_ptr().cast(), buf.len() - i) >= 0;
                libc::close(fd);
                if !ok {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if netns && libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            for (res, val) in rl {
                let lim = libc::rlimit {
                    rlim_cur: val,
                    rlim_max: val,
                };
                if libc::setrlimit(res, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if let Some((uid, gid)) = run_as
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            if libc::dup2(token_fd, TOKEN_FD) < 0 || libc::dup2(result_fd, RESULT_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let spawned = cmd.spawn();
    drop(token_r);
    drop(result_w);
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            if let Some(d) = &cgroup {
                let _ = std::fs::remove_dir(d);
            }
            return outcome(
                GradedVerdict::NotRun(format!("cannot start the test: {e}")),
                String::new(),
            );
        }
    };
    let pgid = child.id() as i32;
    ACTIVE_TESTS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(pgid);
    let cap = limits.output_cap;
    let out_reader = spawn_capped_reader(child.stdout.take().expect("piped"), cap);
    let err_reader = spawn_capped_reader(child.stderr.take().expect("piped"), cap);
    let result_reader = spawn_capped_reader(std::fs::File::from(result_r), 4096);
    let deadline = start + limits.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    // Nothing of the test may outlive it: its process group, then everything in its cgroup
    // (which also holds children that left the group with setsid).
    kill_process_group(pgid);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    ACTIVE_TESTS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&pgid);
    let mut stragglers = 0;
    let mut pids_limit_hit = false;
    if cgroup.is_none() && prot.subreaper {
        stragglers = sweep_orphans();
    }
    if let Some(dir) = &cgroup {
        stragglers = kill_cgroup(dir);
        pids_limit_hit = std::fs::read_to_string(dir.join("pids.events"))
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .nth(1)
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .is_some_and(|n| n > 0);
        let _ = std::fs::remove_dir(dir);
    }
    let grace = READER_GRACE;
    let stdout = out_reader.recv_timeout(grace).unwrap_or_default();
    let stderr = err_reader.recv_timeout(grace).unwrap_or_default();
    let reported = result_reader.recv_timeout(grace).unwrap_or_default();
    let mut output = stdout;
    if !stderr.is_empty() {
        if !output.is_empty() && !output.ends_with('\n') {
            output.push('\n');
        }
        output.push_str(&stderr);
    }
    let finished = reported.lines().any(|l| l == format!("{name} {token}"));
    let oom = output.contains("memory allocation of") || output.contains("failed to allocate");
    let verdict = match status {
        None => {
            if pids_limit_hit {
                GradedVerdict::LimitHit("process count")
            } else {
                GradedVerdict::TimedOut
            }
        }
        Some(s) => match (s.code(), s.signal()) {
            (Some(0), _) if finished => GradedVerdict::Passed,
            (Some(0), _) => GradedVerdict::ExitedEarly,
            (_, Some(libc::SIGXCPU)) => GradedVerdict::LimitHit("CPU time"),
            (_, Some(libc::SIGXFSZ)) => GradedVerdict::LimitHit("file size"),
            (_, Some(_)) if oom => GradedVerdict::LimitHit("memory"),
            (_, Some(sig)) => GradedVerdict::Crashed(sig),
            _ if oom => GradedVerdict::LimitHit("memory"),
            _ if pids_limit_hit => GradedVerdict::LimitHit("process count"),
            _ => GradedVerdict::Failed,
        },
    };
    GradedOutcome {
        verdict,
        output,
        elapsed: start.elapsed(),
        stragglers_killed: stragglers,
    }
}

/// The root processes of the tests running now (the grader's own children that are not orphans).
static ACTIVE_TESTS: std::sync::Mutex<std::collections::BTreeSet<i32>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// How many processes `uid` (the grader's own user when `None`) runs now.
fn user_processes(uid: Option<u32>) -> u64 {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = uid.unwrap_or_else(|| unsafe { libc::getuid() });
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("status"))
                .ok()
                .is_some_and(|st| {
                    st.lines()
                        .find(|l| l.starts_with("Uid:"))
                        .and_then(|l| l.split_whitespace().nth(1))
                        .and_then(|u| u.parse::<u32>().ok())
                        == Some(uid)
                })
        })
        .count() as u64
}

/// Kills and reaps the grader's adopted children: processes whose parent is the grader but that
/// are not a running test's own process (they were orphaned, e.g. by `setsid` and their parent's
/// death). Returns how many there were.
fn sweep_orphans() -> usize {
    let me = std::process::id() as i32;
    let mut killed = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let active = ACTIVE_TESTS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut found = false;
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // The fields after the command name, which is in parentheses and may hold spaces.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            let ppid: i32 = rest
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if ppid != me || active.contains(&pid) {
                continue;
            }
            found = true;
            killed.insert(pid);
            // SAFETY: kill and a non-blocking waitpid on a pid; no memory is involved.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG);
            }
        }
        if !found {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    killed.len()
}

/// How long to wait for a stream's reader after the test was killed: a straggler that still holds
/// the pipe open must not hang the caller.
pub(crate) const READER_GRACE: Duration = Duration::from_secs(2);

/// Sends SIGKILL to every process of a process group (an error means it is already gone).
pub(crate) fn kill_process_group(pgid: i32) {
    // SAFETY: kill with a negative pid signals a process group; no memory is involved.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
}

/// Kills every process in a cgroup until it is empty; returns how many were found.
fn kill_cgroup(dir: &Path) -> usize {
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..200 {
        let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
        let pids: Vec<i32> = procs
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            seen.insert(pid);
            // SAFETY: kill(2) on a pid; no memory is involved.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    seen.len()
}

/// Reads a stream to its end in a thread, keeping at most `cap` bytes. The receiver gets the text
/// once every writer has closed it; a straggler holding it open must not hang the grader, so
/// callers wait with a time limit.
pub(crate) fn spawn_capped_reader(
    mut r: impl Read + Send + 'static,
    cap: usize,
) -> std::sync::mpsc::Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut dropped = 0usize;
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = cap.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    dropped += n.saturating_sub(room);
                }
            }
        }
        let mut s = String::from_utf8_lossy(&kept).into_owned();
        if dropped > 0 {
            s.push_str(&format!("\n[... {dropped} more bytes of output cut ...]\n"));
        }
        let _ = tx.send(s);
    });
    rx
}
