//! The grader's own children, and the orphans it adopts.
//!
//! When the grader is a child subreaper and no cgroup holds a test's processes, a test's orphans
//! (a `setsid` child whose parent died) become the grader's children, and the only way to find
//! them is "a child of the grader that the grader did not start". So every process the grader
//! starts goes through [`spawn`], which starts it and registers it *in one step as seen by*
//! [`sweep_orphans`]: both hold one lock, the sweep while it decides and kills, [`spawn`] from
//! before the fork until the pid is registered. A child is deregistered only after it was reaped.

use std::collections::BTreeMap;
use std::io;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Pids of the children the grader started and has not reaped yet, with a count: a pid reaped by
/// one runner may be reused by the next child before the first runner deregisters it.
static REGISTERED: Mutex<BTreeMap<i32, usize>> = Mutex::new(BTreeMap::new());

fn registered() -> MutexGuard<'static, BTreeMap<i32, usize>> {
    REGISTERED.lock().unwrap_or_else(|p| p.into_inner())
}

/// A child the grader started, registered until it is reaped. Dropping it kills and reaps the
/// child if that has not happened yet.
pub struct Tracked {
    child: Option<Child>,
    pid: i32,
}

/// Starts `cmd` and registers its process, so that [`sweep_orphans`] never mistakes it for an
/// orphan, not even in the instant between the fork and the registration.
pub fn spawn(cmd: &mut Command) -> io::Result<Tracked> {
    let mut set = registered();
    let child = cmd.spawn()?;
    let pid = child.id() as i32;
    *set.entry(pid).or_insert(0) += 1;
    Ok(Tracked {
        child: Some(child),
        pid,
    })
}

/// Runs `cmd` to its end like [`Command::output`] (stdin from /dev/null, stdout and stderr
/// captured), registered while it runs.
pub fn output(cmd: &mut Command) -> io::Result<Output> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut tracked = spawn(cmd)?;
    let child = tracked.child.take().expect("a fresh child");
    child.wait_with_output()
    // `tracked` drops here, after the child was reaped, and deregisters it.
}

/// Runs `cmd` to its end in a process group of its own (stdin from /dev/null, stdout and stderr
/// captured), registered while it runs; `Ok(None)` when a stop was requested ([`super::stop`]),
/// after killing the whole group (a cargo build and every rustc it started).
pub fn output_unless_stopped(cmd: &mut Command) -> io::Result<Option<Output>> {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut tracked = spawn(cmd)?;
    let read_all = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = r.read_to_end(&mut bytes);
            bytes
        })
    };
    let child = tracked.child();
    let stdout = read_all(Box::new(child.stdout.take().expect("piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped")));
    let status = loop {
        if let Some(status) = tracked.child().try_wait()? {
            break status;
        }
        if super::stop::requested() {
            kill_process_group(tracked.pid());
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Some(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

impl Tracked {
    /// The process id (also the process group id when the command asked for its own group).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The child, to take its pipes or wait for it.
    pub fn child(&mut self) -> &mut Child {
        self.child.as_mut().expect("the child is still held")
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Kill fails only if it was already reaped; wait then returns the saved status.
            let _ = child.kill();
            let _ = child.wait();
        }
        let mut set = registered();
        if let Some(n) = set.get_mut(&self.pid) {
            *n -= 1;
            if *n == 0 {
                set.remove(&self.pid);
            }
        }
    }
}

/// Whether child `pid` has exited, without reaping it: while it is an unreaped zombie its pid,
/// and so its process group's id, cannot be reused, so the group can still be killed safely.
pub fn exited_unreaped(pid: i32) -> io::Result<bool> {
    // SAFETY: a zeroed siginfo_t is a valid out-parameter; waitid with WNOWAIT only inspects.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        if libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(info.si_pid() != 0)
    }
}

/// Sends SIGKILL to every process of a process group (an error means it is already gone).
pub fn kill_process_group(pgid: i32) {
    // SAFETY: kill with a negative pid signals a process group; no memory is involved.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
}

/// The environment variable that marks every process of one graded test: descendants inherit it,
/// so an orphan can be told apart from the orphans of tests that are still running.
pub const TEST_MARK: &str = "COURSE_GRADED_TEST";

/// Marks of the tests running now.
static RUNNING: Mutex<BTreeMap<String, ()>> = Mutex::new(BTreeMap::new());

/// One graded test's mark, registered as running until dropped (after its orphans were swept).
pub struct Mark(String);

impl Mark {
    /// A fresh mark, registered as running.
    pub fn register() -> Mark {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mark = format!("{}-{n}", std::process::id());
        RUNNING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(mark.clone(), ());
        Mark(mark)
    }

    /// The value of [`TEST_MARK`] for this test's processes.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl Drop for Mark {
    fn drop(&mut self) {
        RUNNING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.0);
    }
}

/// Kills and reaps the grader's adopted children: processes whose parent is the grader but that
/// the grader did not start (they were orphaned, e.g. by `setsid` and their parent's death), until
/// there are none (at most half a second: a fork bomb's orphans appear round after round).
/// Orphans that carry the mark of another test still running are left to that test's own sweep
/// (it may still need them); with `ended: None` every orphan goes. Returns how many were killed.
pub fn sweep_orphans(ended: Option<&Mark>) -> usize {
    let me = std::process::id() as i32;
    let mut killed = std::collections::BTreeSet::new();
    for _ in 0..50 {
        // Children are listed before the lock is taken: a child that appears in the list was
        // forked before, so its runner has registered it by the time the lock is ours.
        let children = children_of(me);
        let set = registered();
        let mut found = false;
        for pid in children {
            // Still ours under the lock: an unregistered child of ours is an orphan, and only
            // this sweep (which holds the lock) reaps orphans, so its pid cannot be reused yet.
            if set.contains_key(&pid) || parent_of(pid) != Some(me) {
                continue;
            }
            if let (Some(ended), Some(mark)) = (ended, mark_of(pid))
                && mark != ended.0
                && RUNNING
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .contains_key(&mark)
            {
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
        drop(set);
        if !found {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    killed.len()
}

/// Reaps `zombies` that are the grader's adopted children (not a child a runner started and
/// still tracks), under the lock that [`spawn`] holds, so that no pid is reused in between.
pub fn reap_orphans(zombies: &[i32]) {
    if zombies.is_empty() {
        return;
    }
    let me = std::process::id() as i32;
    let set = registered();
    for &pid in zombies {
        if !set.contains_key(&pid) && parent_of(pid) == Some(me) {
            // SAFETY: a non-blocking waitpid on a child of ours; no memory is involved.
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) };
        }
    }
}

/// The test mark in a process's environment (as it was when it started its program).
fn mark_of(pid: i32) -> Option<String> {
    let environ = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    let prefix = format!("{TEST_MARK}=");
    environ
        .split(|&b| b == 0)
        .find_map(|var| var.strip_prefix(prefix.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// The pids whose parent is `parent`, from /proc.
fn children_of(parent: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| parent_of(pid) == Some(parent))
        .collect()
}

/// A process's parent, from `/proc/PID/stat` (`None` once it is gone).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_is_registered_while_it_lives_and_not_after() {
        let mut t = spawn(Command::new("sleep").arg("5")).unwrap();
        let pid = t.pid();
        assert!(registered().contains_key(&pid));
        assert_eq!(parent_of(pid), Some(std::process::id() as i32));
        t.child().kill().unwrap();
        drop(t);
        assert!(!registered().contains_key(&pid));
    }

    #[test]
    fn output_runs_a_command_to_its_end() {
        let out = output(Command::new("echo").arg("hi")).unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, b"hi\n");
    }
}
