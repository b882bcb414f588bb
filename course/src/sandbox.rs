//! Runs one test of a test binary alone in its own process: the one runner behind `course check`,
//! the self-checks of `cargo test` and `course grade`, with one [`Verdict`] and two policies.
//!
//! Both policies run the test in its own process and process group, kill the group at the time
//! limit (and whatever is left of it when it ends), and keep each output stream capped, its
//! beginning and its end. [`Policy::Check`] stops there: the student's own code on the student's
//! own machine, where the exit status decides. [`Policy::Graded`] also hands out a completion
//! token, sets resource limits, and uses what [`Protections`] found: an unprivileged user, a
//! cgroup that holds the whole process tree, no network, and the orphan sweep.
//!
//! A graded test counts as passed only if its process exits 0 *and* the grading wrapper compiled
//! around the test function wrote back the token it was handed; a submission that calls
//! `std::process::exit(0)`, installs a panic hook that exits 0 or prints fake `test result: ok`
//! lines is not fooling anyone.
//!
//! The parts: [`token`] (the pipes), [`cgroup`] (a group per test, removed on drop), `child` (the
//! set-up between fork and exec), [`reaper`] (registered children and the orphan sweep),
//! `capture` (capped output), [`verdict`] (the pure `classify`), [`stop`] (Ctrl-C).

mod capture;
pub mod cgroup;
mod child;
mod network;
mod protections;
pub mod reaper;
pub mod stop;
pub mod test_user;
pub mod token;
pub mod verdict;

use std::ffi::CString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub use cgroup::CgroupMode;
pub use protections::{Limits, Protections, Request};
pub use verdict::{Limit, Verdict};

use capture::{Capture, READER_GRACE};
use child::{ChildSetup, Network};
use reaper::Tracked;
use verdict::{Ending, Exit, Token};

/// Bytes of output kept per stream, unless [`Limits::output_cap`] says otherwise.
pub const OUTPUT_CAP: usize = 64 * 1024;

/// How a test is run.
#[derive(Debug, Clone, Copy)]
pub enum Policy<'a> {
    /// `course check` and the self-checks: the test binary is the student's (or the course's)
    /// own, run in the caller's environment with a time limit; exit status 0 passes.
    Check {
        /// Wall-clock limit.
        timeout: Duration,
    },
    /// `course grade`: a graded-harness binary, run with a completion token, resource limits and
    /// the protections in force, in a clean environment inside `scratch`.
    Graded {
        /// The limits.
        limits: &'a Limits,
        /// What this machine allows.
        protections: &'a Protections,
        /// A folder the test may use as its working directory (made writable for its user).
        scratch: &'a Path,
    },
}

/// What running one test produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The test's name.
    pub name: String,
    /// How it ended.
    pub verdict: Verdict,
    /// Its stdout then its stderr, each capped (beginning and end kept).
    pub output: String,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Processes of the test still alive after it ended, which were killed.
    pub stragglers_killed: usize,
}

/// Runs test `name` of `exe` alone, as `policy` says. `listed` is the binary's `--list`: a name
/// not in it is [`Verdict::Missing`], never run. Never panics on a misbehaving test; a test that
/// cannot be started is [`Verdict::NotRun`] with the reason.
pub fn run_test(exe: &Path, name: &str, listed: &[String], policy: &Policy) -> Outcome {
    let start = Instant::now();
    let mut outcome = Outcome {
        name: name.to_string(),
        verdict: Verdict::Missing,
        output: String::new(),
        elapsed: Duration::ZERO,
        stragglers_killed: 0,
    };
    if !listed.iter().any(|l| l == name) {
        return outcome;
    }
    if stop::requested() {
        outcome.verdict = Verdict::Interrupted;
        return outcome;
    }
    let ran = match policy {
        Policy::Check { timeout } => run_check(exe, name, start + *timeout),
        Policy::Graded {
            limits,
            protections,
            scratch,
        } => run_graded(
            exe,
            name,
            start + limits.timeout,
            limits,
            protections,
            scratch,
        ),
    };
    match ran {
        Ok(r) => {
            outcome.verdict = r.verdict;
            outcome.output = r.output;
            outcome.stragglers_killed = r.stragglers;
        }
        Err(why) => outcome.verdict = Verdict::NotRun(why),
    }
    outcome.elapsed = start.elapsed();
    outcome
}

/// A test's verdict, output and stragglers, before the timing is added.
struct Ran {
    verdict: Verdict,
    output: String,
    stragglers: usize,
}

impl Ran {
    /// Judges a test that was watched to its end: how it ended, what it wrote, its completion
    /// token, what its cgroups recorded and how many stragglers were killed. An interrupted test
    /// is `Interrupted` (no stragglers counted); one whose status was lost is an error (why).
    fn judge(
        waited: Waited,
        output: String,
        token: Token,
        events: cgroup::Events,
        stragglers: usize,
    ) -> Result<Ran, String> {
        let exit = match waited {
            Waited::Ended(exit) => exit,
            Waited::Interrupted => {
                return Ok(Ran {
                    verdict: Verdict::Interrupted,
                    output,
                    stragglers: 0,
                });
            }
            Waited::Lost(why) => return Err(why),
        };
        let verdict = verdict::classify(&Ending {
            exit,
            token,
            allocation_failed: verdict::says_allocation_failed(&output),
            pids_max_hit: events.pids_max_hit,
            oom_killed: events.oom_killed,
        });
        Ok(Ran {
            verdict,
            output,
            stragglers,
        })
    }
}

/// The command line of one test, in its own process group, output piped.
fn test_command(exe: &Path, name: &str) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    cmd
}

fn run_check(exe: &Path, name: &str, deadline: Instant) -> Result<Ran, String> {
    let mut cmd = test_command(exe, name);
    let mut test = reaper::spawn(&mut cmd).map_err(|e| format!("cannot start the test: {e}"))?;
    let streams = Streams::start(&mut test, OUTPUT_CAP);
    let waited = watch(&mut test, deadline);
    drop(test);
    let output = streams.collect(Instant::now() + READER_GRACE);
    Ran::judge(waited, output, Token::NotUsed, cgroup::Events::default(), 0)
}

fn run_graded(
    exe: &Path,
    name: &str,
    deadline: Instant,
    limits: &Limits,
    prot: &Protections,
    scratch: &Path,
) -> Result<Ran, String> {
    let pipes = token::TokenPipes::new().map_err(|e| format!("token pipes: {e}"))?;
    // The test's own user, if the grader may switch users: dropping `user` (on every path out
    // of here) kills whatever that user still runs.
    let user = match prot.users() {
        Some(users) => Some(
            users
                .lease()
                .map_err(|e| format!("no user to run the test as: {e}"))?,
        ),
        None => None,
    };
    let run_as = user.as_ref().map(|u| u.ids());
    prepare_scratch(scratch, run_as)?;
    if let Some((uid, gid)) = run_as {
        pipes.give_to(uid, gid);
    }
    // The test's own cgroups; dropping `cgroup` (on every path out of here) empties and removes
    // them. A group that cannot be made leaves the test to the process group and the sweep.
    let tag = format!("t{}-{}", std::process::id(), unique());
    let cgroup = prot
        .cgroups()
        .for_test(&tag, limits.processes, limits.memory)
        .ok()
        .flatten();
    let setup = ChildSetup {
        cgroup_procs: cgroup.as_ref().map(|c| c.procs_files()).unwrap_or_default(),
        network: if prot.network_isolated() {
            network::isolated()
        } else {
            Network::Shared
        },
        rlimits: child::rlimits(
            limits,
            prot.cgroups().limits_processes() && cgroup.is_some(),
            run_as.map(|(u, _)| u),
        ),
        run_as,
        token_fds: pipes.child_fds(),
    };
    // Marks the test's processes, so that another test's sweep leaves its orphans alone.
    let mark = reaper::Mark::register();
    let mut cmd = graded_command(exe, name, scratch, &mark);
    setup.install(&mut cmd);
    let spawned = reaper::spawn(&mut cmd);
    let token = pipes.after_spawn();
    let mut test = spawned.map_err(|e| format!("cannot start the test: {e}"))?;
    let streams = Streams::start(&mut test, limits.output_cap);
    let waited = watch(&mut test, deadline);
    drop(test);
    // Nothing of the test may outlive it: its cgroups hold its whole tree; without them, its
    // orphans are the grader's adopted children.
    let (mut stragglers, events) = match &cgroup {
        Some(c) => (c.kill_all(), c.events()),
        None if prot.sweeps_orphans() => (reaper::sweep_orphans(Some(&mark)), Default::default()),
        None => (0, Default::default()),
    };
    // A test user of its own holds the whole tree too (a process that escaped both the group
    // and the cgroup still runs as that user).
    if let Some(u) = &user {
        stragglers += u.kill_all();
    }
    drop(cgroup);
    drop(user);
    drop(mark);
    let readers_deadline = Instant::now() + READER_GRACE;
    let output = streams.collect(readers_deadline);
    let token = if token.returned(name, readers_deadline) {
        Token::Returned
    } else {
        Token::NotReturned
    };
    Ran::judge(waited, output, token, events, stragglers)
}

/// The test's working folder, made and handed to the test's user.
fn prepare_scratch(scratch: &Path, run_as: Option<(u32, u32)>) -> Result<(), String> {
    std::fs::create_dir_all(scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    if let Some((uid, gid)) = run_as
        && let Ok(c) = CString::new(scratch.as_os_str().as_encoded_bytes())
    {
        // SAFETY: c is a valid NUL-terminated path.
        unsafe { libc::chown(c.as_ptr(), uid, gid) };
    }
    Ok(())
}

/// A graded test's command: a clean environment (its mark, a plain PATH, HOME and TMPDIR in its
/// working folder), run in that folder.
fn graded_command(exe: &Path, name: &str, scratch: &Path, mark: &reaper::Mark) -> Command {
    let mut cmd = test_command(exe, name);
    cmd.env_clear()
        .env(reaper::TEST_MARK, mark.value())
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", scratch)
        .env("TMPDIR", scratch)
        .env("RUST_BACKTRACE", "0")
        .current_dir(scratch);
    cmd
}

/// A number not used before in this process.
fn unique() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The test's stdout and stderr, read in threads.
struct Streams {
    stdout: Capture,
    stderr: Capture,
}

impl Streams {
    fn start(test: &mut Tracked, cap: usize) -> Streams {
        let child = test.child();
        Streams {
            stdout: Capture::start(child.stdout.take().expect("stdout is piped"), cap),
            stderr: Capture::start(child.stderr.take().expect("stderr is piped"), cap),
        }
    }

    /// Stdout, then stderr on a line of its own (what was read by `deadline`, if a straggler
    /// holds them open).
    fn collect(self, deadline: Instant) -> String {
        let mut output = self.stdout.collect(deadline);
        let stderr = self.stderr.collect(deadline);
        if !stderr.is_empty() && !output.is_empty() && !output.ends_with('\n') {
            output.push('\n');
        }
        output.push_str(&stderr);
        output
    }
}

/// How waiting for a test ended.
enum Waited {
    /// It exited, or was killed at the time limit.
    Ended(Exit),
    /// A stop was requested; it was killed.
    Interrupted,
    /// Its status could not be read (says why); it was killed.
    Lost(String),
}

/// Waits for a started test until it exits, its deadline passes or a stop is requested, then
/// kills its process group (whatever happened: nothing of it may outlive it). The group is killed
/// before the test's process is reaped, so that its id cannot have been reused by then.
fn watch(test: &mut Tracked, deadline: Instant) -> Waited {
    let pgid = test.pid();
    let waited = loop {
        match reaper::exited_unreaped(pgid) {
            Ok(true) => break None,
            Ok(false) if stop::requested() => break Some(Waited::Interrupted),
            Ok(false) if Instant::now() >= deadline => break Some(Waited::Ended(Exit::TimedOut)),
            Ok(false) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => break Some(Waited::Lost(format!("lost track of the test process: {e}"))),
        }
    };
    reaper::kill_process_group(pgid);
    match waited {
        Some(w) => w,
        None => match test.child().wait() {
            Ok(status) => Waited::Ended(exit_of(status)),
            Err(e) => Waited::Lost(format!("lost track of the test process: {e}")),
        },
    }
}

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(sig)) => Exit::Signal(sig),
        (None, None) => Exit::Code(-1),
    }
}
