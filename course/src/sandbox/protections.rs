//! The limits of a graded test, and the protections this machine allows the grader to enforce.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::cgroup::{CgroupMode, Cgroups};
use super::test_user::TestUsers;

/// Resource limits for one graded test process (and everything it starts).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall-clock limit.
    pub timeout: Duration,
    /// Bytes of output kept per stream (stdout and stderr each).
    pub output_cap: usize,
    /// RLIMIT_AS, bytes.
    pub address_space: u64,
    /// A cgroup's `memory.max` (resident memory), bytes, where the memory controller is available.
    pub memory: u64,
    /// RLIMIT_FSIZE, bytes.
    pub file_size: u64,
    /// A cgroup's `pids.max` (processes and threads), and the basis of RLIMIT_NPROC.
    pub processes: u64,
}

impl Limits {
    /// The defaults: 64 KiB of output per stream, 4 GiB of address space, 2 GiB of memory,
    /// 64 MiB files, 256 processes and threads.
    pub fn with_timeout(timeout: Duration) -> Self {
        Limits {
            timeout,
            output_cap: 64 * 1024,
            address_space: 4 << 30,
            memory: 2 << 30,
            file_size: 64 << 20,
            processes: 256,
        }
    }

    /// RLIMIT_CPU: CPU seconds across all threads; two cores busy for the whole time limit, plus one.
    pub fn cpu_seconds(&self) -> u64 {
        self.timeout.as_secs() * 2 + 1
    }
}

/// Which protections to ask for. [`Request::full`] is what `course grade` uses; tests ask for less
/// to try the fallbacks of machines that allow less.
#[derive(Debug, Clone)]
pub struct Request {
    /// Run tests as unprivileged users when the grader is root.
    pub unprivileged: bool,
    /// With `unprivileged`: each running test as a user id of its own (see [`TestUsers`]), not
    /// all of them as one shared `nobody`.
    pub user_per_test: bool,
    /// Which cgroup hierarchies to use.
    pub cgroups: CgroupMode,
    /// A network namespace per test, when one can be made.
    pub network_namespace: bool,
    /// Make the grader a child subreaper and sweep up a test's orphans when no cgroup holds them.
    pub sweep_orphans: bool,
}

impl Request {
    /// Every protection the machine allows.
    pub fn full(unprivileged: bool) -> Request {
        Request {
            unprivileged,
            user_per_test: true,
            cgroups: CgroupMode::Auto,
            network_namespace: true,
            sweep_orphans: true,
        }
    }
}

/// The protections in force for this run. Owns the run's cgroups (removed when it is dropped), so
/// it is not `Clone`: share it by reference.
#[derive(Debug)]
pub struct Protections {
    users: Option<TestUsers>,
    cgroups: Cgroups,
    netns: bool,
    subreaper: bool,
}

impl Protections {
    /// Every protection this machine allows; `unprivileged` asks for running tests as `nobody`
    /// when the grader is root.
    pub fn detect(unprivileged: bool) -> Protections {
        Protections::detect_with(&Request::full(unprivileged))
    }

    /// The protections of `request` that this machine allows.
    pub fn detect_with(request: &Request) -> Protections {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        let users = if root && request.unprivileged {
            TestUsers::detect(nobody(), request.user_per_test)
        } else {
            None
        };
        let cgroups = Cgroups::detect(request.cgroups);
        let netns = request.network_namespace && probe_netns();
        let flag = libc::c_ulong::from(request.sweep_orphans);
        // SAFETY: prctl(PR_SET_CHILD_SUBREAPER) takes plain integers and changes only this process.
        let set = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, flag, 0, 0, 0) } == 0;
        Protections {
            users,
            cgroups,
            netns,
            subreaper: request.sweep_orphans && set,
        }
    }

    /// The users tests run as, when not the grader's own.
    pub fn users(&self) -> Option<&TestUsers> {
        self.users.as_ref()
    }

    /// The run's cgroups.
    pub fn cgroups(&self) -> &Cgroups {
        &self.cgroups
    }

    /// Whether each test is cut off from the network.
    pub fn network_isolated(&self) -> bool {
        self.netns
    }

    /// Whether a test's orphans are swept up when no cgroup holds them.
    pub fn sweeps_orphans(&self) -> bool {
        self.subreaper
    }

    /// One line per protection: what is in force and what is not.
    pub fn describe(&self, limits: &Limits) -> Vec<String> {
        let mut v = vec![
            format!(
                "process per test, own process group, killed after {} s",
                limits.timeout.as_secs()
            ),
            format!(
                "output capped at {} KiB per stream (its beginning and its end kept)",
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
        v.push(match &self.users {
            Some(users) => users.describe(),
            None => "tests run as the grader's own user (RLIMIT_NPROC counts all of that user's processes; it does not bind root)".to_string(),
        });
        v.extend(self.cgroups.describe(limits.processes, limits.memory));
        if !self.cgroups.holds_the_tree() {
            v.push(if self.subreaper {
                "no cgroup: the process group is killed, and orphans (e.g. a setsid child) are swept up as the grader's adopted children".to_string()
            } else {
                "no cgroup: only the process group is killed (a setsid child may escape)".to_string()
            });
        }
        if !self.cgroups.limits_processes() {
            v.push("process count limited by RLIMIT_NPROC only".to_string());
        }
        if !self.cgroups.limits_memory() {
            v.push("memory limited by the address-space rlimit only".to_string());
        }
        v.push(if self.netns {
            "no network: each test in a new network namespace".to_string()
        } else {
            "network NOT isolated (no network namespace could be made)".to_string()
        });
        v
    }
}

fn nobody() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("nobody:"))?;
    let f: Vec<&str> = line.split(':').collect();
    Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?))
}

/// Whether a child may make a network namespace (root, or a kernel that lets it).
fn probe_netns() -> bool {
    let mut cmd = Command::new("true");
    // SAFETY: the closure only calls unshare(2), which is async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            if libc::unshare(libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    super::reaper::spawn(&mut cmd)
        .and_then(|mut t| t.child().wait())
        .map(|s| s.success())
        .unwrap_or(false)
}
