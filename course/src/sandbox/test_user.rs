//! A user id of its own for each running graded test, when the grader is root.
//!
//! Tests that run as one shared user (`nobody`) share that user's `RLIMIT_NPROC`: a fork bomb in
//! one submission's test makes a correct test of another submission, running beside it, fail to
//! start a process (`EAGAIN`), and either could signal the other's processes. So each running test
//! leases a user id that nothing else on the machine uses (none in `/etc/passwd`, no process):
//! - its process limit counts its own processes only,
//! - it can signal, `ptrace` or write into nobody else's processes and folders,
//! - when it ends, every process of that user is killed (a `setsid` child included, with or
//!   without a cgroup) before the id goes back to the pool.
//!
//! The ids come from 61184..=65519, the range systemd leaves for dynamic service users (it sits
//! below 65536, so a container's user namespace maps it too); an id that is in use, or whose
//! processes will not die, is skipped. Where switching to such an id fails (the first one is
//! tried when the pool is made), the tests share `nobody` as before and the report says so.

use std::collections::BTreeSet;
use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The first and last user id leased to tests.
const FIRST_UID: u32 = 61184;
const LAST_UID: u32 = 65519;

/// How long [`TestUser`]'s drop keeps killing before it gives the id up for this run.
const KILL_PATIENCE: Duration = Duration::from_secs(5);

/// Where test users come from: leased ids of their own, or one shared `nobody`.
#[derive(Debug)]
pub struct TestUsers {
    gid: u32,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// Every test runs as this one user, shared.
    Shared(u32),
    /// Each running test leases an id of its own.
    Leased(Mutex<Pool>),
}

#[derive(Debug)]
struct Pool {
    /// Ids that were leased, emptied and given back.
    free: Vec<u32>,
    /// The next id never leased in this run.
    next: u32,
}

/// One test's user: `(uid, gid)` for the child, and on drop (for a leased id) every process of
/// that user killed and the id given back.
#[derive(Debug)]
pub struct TestUser<'a> {
    uid: u32,
    gid: u32,
    pool: Option<&'a Mutex<Pool>>,
}

impl TestUsers {
    /// Leased ids if `per_test` asks for them and this machine lets the grader switch to one,
    /// else `nobody` shared; `None` when there is no `nobody` either (tests then run as the
    /// grader's own user).
    pub fn detect(nobody: Option<(u32, u32)>, per_test: bool) -> Option<TestUsers> {
        let (nobody_uid, gid) = nobody?;
        let pool = Pool {
            free: Vec::new(),
            next: FIRST_UID,
        };
        let kind = match first_unused(FIRST_UID) {
            Some(uid) if per_test && can_become(uid, gid) => Kind::Leased(Mutex::new(pool)),
            _ => Kind::Shared(nobody_uid),
        };
        Some(TestUsers { gid, kind })
    }

    /// Whether each running test has a user id of its own.
    pub fn one_per_test(&self) -> bool {
        matches!(self.kind, Kind::Leased(_))
    }

    /// One line for the report: which users the tests run as.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Leased(_) => format!(
                "each running test as a user id of its own (from {FIRST_UID}, gid {}): its \
                 process limit counts only its own processes, it cannot signal another test's, \
                 and every process of that user is killed when it ends",
                self.gid
            ),
            Kind::Shared(uid) => format!(
                "tests run as the unprivileged user {uid} (gid {}), shared by the tests that run \
                 at once: one test's processes count against the others' process limit",
                self.gid
            ),
        }
    }

    /// A user for one test, until the returned value is dropped.
    pub fn lease(&self) -> io::Result<TestUser<'_>> {
        match &self.kind {
            Kind::Shared(uid) => Ok(TestUser {
                uid: *uid,
                gid: self.gid,
                pool: None,
            }),
            Kind::Leased(pool) => {
                let mut p = pool.lock().unwrap_or_else(|e| e.into_inner());
                let uid = match p.free.pop() {
                    Some(uid) => uid,
                    None => {
                        let uid = first_unused(p.next).ok_or_else(|| {
                            io::Error::other(format!(
                                "no unused user id left in {FIRST_UID}..={LAST_UID}"
                            ))
                        })?;
                        p.next = uid + 1;
                        uid
                    }
                };
                Ok(TestUser {
                    uid,
                    gid: self.gid,
                    pool: Some(pool),
                })
            }
        }
    }
}

impl TestUser<'_> {
    /// `(uid, gid)` to switch to in the child.
    pub fn ids(&self) -> (u32, u32) {
        (self.uid, self.gid)
    }

    /// Kills every process of this (leased) user and reaps those that were the grader's
    /// children, until none is left; returns how many live processes were found. A shared user
    /// is left alone (its processes may be another test's): returns 0.
    pub fn kill_all(&self) -> usize {
        if self.pool.is_none() {
            return 0;
        }
        kill_every_process_of(self.uid, self.gid).0
    }
}

impl Drop for TestUser<'_> {
    fn drop(&mut self) {
        let Some(pool) = self.pool else { return };
        let (_, emptied) = kill_every_process_of(self.uid, self.gid);
        // An id whose processes would not go is not leased again in this run.
        if emptied {
            pool.lock()
                .unwrap_or_else(|e| e.into_inner())
                .free
                .push(self.uid);
        }
    }
}

/// The first id from `from` on that no account and no process uses.
fn first_unused(from: u32) -> Option<u32> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let accounts: BTreeSet<u32> = passwd
        .lines()
        .filter_map(|l| l.split(':').nth(2)?.parse().ok())
        .collect();
    let running: BTreeSet<u32> = processes().map(|p| p.uid).collect();
    (from..=LAST_UID).find(|u| !accounts.contains(u) && !running.contains(u))
}

/// Whether a child can switch to `uid`/`gid` (root, and an id the user namespace maps).
fn can_become(uid: u32, gid: u32) -> bool {
    // SAFETY: in the child only async-signal-safe calls (setgroups, setgid, setuid, _exit) run.
    unsafe {
        let pid = libc::fork();
        if pid < 0 {
            return false;
        }
        if pid == 0 {
            let ok = libc::setgroups(0, std::ptr::null()) == 0
                && libc::setgid(gid) == 0
                && libc::setuid(uid) == 0;
            libc::_exit(if ok { 0 } else { 1 });
        }
        wait_for(pid) == Some(0)
    }
}

/// Waits for child `pid`; its exit code, or `None` (killed, or already reaped by a sweep).
fn wait_for(pid: i32) -> Option<i32> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid on our own child with a valid out-pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            return libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
        }
        if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return None;
        }
    }
}

/// Kills every process of `uid` (from a child that becomes `uid` and sends SIGKILL to all it may
/// signal: no pid is read and then reused), reaps the grader's own zombies of that user, and
/// repeats until the user has no process or [`KILL_PATIENCE`] ran out. Returns how many live
/// processes were found and whether none is left.
fn kill_every_process_of(uid: u32, gid: u32) -> (usize, bool) {
    let me = std::process::id() as i32;
    let give_up = Instant::now() + KILL_PATIENCE;
    let mut seen = BTreeSet::new();
    loop {
        let mine: Vec<Proc> = processes().filter(|p| p.uid == uid).collect();
        if mine.is_empty() {
            return (seen.len(), true);
        }
        if Instant::now() >= give_up {
            return (seen.len(), false);
        }
        let live: Vec<i32> = mine.iter().filter(|p| !p.zombie).map(|p| p.pid).collect();
        seen.extend(live.iter().copied());
        if !live.is_empty() {
            // SAFETY: in the child only async-signal-safe calls (setgroups, setgid, setuid,
            // kill, _exit) run; kill(-1) as `uid` reaches exactly that user's processes (and
            // not the caller itself).
            unsafe {
                let pid = libc::fork();
                if pid == 0 {
                    if libc::setgroups(0, std::ptr::null()) == 0
                        && libc::setgid(gid) == 0
                        && libc::setuid(uid) == 0
                    {
                        libc::kill(-1, libc::SIGKILL);
                        libc::_exit(0);
                    }
                    libc::_exit(1);
                }
                if pid > 0 {
                    wait_for(pid);
                }
            }
        }
        // Orphans the grader adopted (it is a child subreaper) stay zombies until it reaps them.
        let zombies: Vec<i32> = mine
            .iter()
            .filter(|p| p.zombie && p.parent == me)
            .map(|p| p.pid)
            .collect();
        super::reaper::reap_orphans(&zombies);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One process, from `/proc/PID/status`.
struct Proc {
    pid: i32,
    uid: u32,
    parent: i32,
    zombie: bool,
}

/// Every process of the machine (that can still be read).
fn processes() -> impl Iterator<Item = Proc> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(e.path().join("status")).ok()?;
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .and_then(|v| v.split_whitespace().next())
                    .map(str::to_string)
            };
            Some(Proc {
                pid,
                uid: field("Uid:")?.parse().ok()?,
                parent: field("PPid:")?.parse().ok()?,
                zombie: field("State:")? == "Z",
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_unused_id_is_in_the_range_and_not_an_account() {
        let uid = first_unused(FIRST_UID).expect("an unused id");
        assert!((FIRST_UID..=LAST_UID).contains(&uid));
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        assert!(
            !passwd
                .lines()
                .any(|l| l.split(':').nth(2) == Some(&uid.to_string()))
        );
    }

    #[test]
    fn a_shared_user_is_never_killed_wholesale() {
        let users = TestUsers {
            gid: 65534,
            kind: Kind::Shared(65534),
        };
        let user = users.lease().unwrap();
        assert_eq!(user.ids(), (65534, 65534));
        assert_eq!(user.kill_all(), 0);
    }
}
