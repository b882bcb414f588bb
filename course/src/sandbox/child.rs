//! What a graded test's process does between the fork and the exec: join its cgroups, leave the
//! network, take its resource limits, drop privileges, and find the token pipes at fds 3 and 4.
//! Everything is prepared before the fork; the child only makes system calls.

use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;

use super::token::{RESULT_FD, TOKEN_FD};

/// An rlimit resource, as this C library's `setrlimit` takes it.
#[cfg(target_env = "gnu")]
pub type Resource = libc::__rlimit_resource_t;
/// An rlimit resource, as this C library's `setrlimit` takes it.
#[cfg(not(target_env = "gnu"))]
pub type Resource = libc::c_int;

/// How the test is cut off from the network.
#[derive(Debug, Clone, Copy)]
pub enum Network {
    /// Left as it is (no namespace could be made).
    Shared,
    /// A new, empty network namespace of its own.
    NewNamespace,
    /// An empty network namespace made once for this runner (an open `/proc/.../ns/net` fd,
    /// kept open by the runner while the test starts).
    Join(RawFd),
}

/// The set-up of one test process, applied in the child before exec.
#[derive(Debug)]
pub struct ChildSetup {
    /// `cgroup.procs` files the child writes its pid into, so that all it starts stays inside.
    pub cgroup_procs: Vec<CString>,
    /// Its network.
    pub network: Network,
    /// (resource, limit) pairs for setrlimit, soft and hard.
    pub rlimits: Vec<(Resource, u64)>,
    /// (uid, gid) to become, with no supplementary groups.
    pub run_as: Option<(u32, u32)>,
    /// The test's ends of the token pipes (token, result), moved to fds 3 and 4.
    pub token_fds: (RawFd, RawFd),
}

impl ChildSetup {
    /// Makes `cmd` apply this set-up in the child between fork and exec.
    pub fn install(self, cmd: &mut Command) {
        // SAFETY: `apply` only makes async-signal-safe system calls on data prepared before the
        // fork, and allocates nothing (see its safety comment).
        unsafe { cmd.pre_exec(move || self.apply()) };
    }

    /// # Safety
    ///
    /// Runs in the forked child of a multi-threaded process: it may only make async-signal-safe
    /// calls (open, write, close, getpid, unshare, setns, setrlimit, setgroups, setgid, setuid,
    /// dup2) and must not allocate. `io::Error::last_os_error` does not allocate.
    unsafe fn apply(&self) -> io::Result<()> {
        for path in &self.cgroup_procs {
            // SAFETY: path is a valid NUL-terminated string.
            unsafe { join_cgroup(path)? };
        }
        // SAFETY: unshare/setns take plain integers; they change only this process.
        let network = unsafe {
            match self.network {
                Network::Shared => 0,
                Network::NewNamespace => libc::unshare(libc::CLONE_NEWNET),
                Network::Join(fd) => libc::setns(fd, libc::CLONE_NEWNET),
            }
        };
        if network != 0 {
            return Err(io::Error::last_os_error());
        }
        for &(resource, value) in &self.rlimits {
            let lim = libc::rlimit {
                rlim_cur: value,
                rlim_max: value,
            };
            // SAFETY: lim is a valid rlimit on the stack.
            if unsafe { libc::setrlimit(resource, &lim) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        if let Some((uid, gid)) = self.run_as {
            // SAFETY: setgroups with a count of 0 reads no memory; setgid/setuid take integers.
            let dropped = unsafe {
                libc::setgroups(0, std::ptr::null()) == 0
                    && libc::setgid(gid) == 0
                    && libc::setuid(uid) == 0
            };
            if !dropped {
                return Err(io::Error::last_os_error());
            }
        }
        let (token, result) = self.token_fds;
        // SAFETY: dup2 on fds that are open in this process; the targets are free or ours.
        if unsafe { libc::dup2(token, TOKEN_FD) < 0 || libc::dup2(result, RESULT_FD) < 0 } {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Writes this process's pid into a `cgroup.procs` file, without allocating.
///
/// # Safety
///
/// Async-signal-safe; `path` must be valid for the call.
unsafe fn join_cgroup(path: &CString) -> io::Result<()> {
    let mut buf = [0u8; 20];
    // SAFETY: getpid cannot fail.
    let mut n = unsafe { libc::getpid() } as u64;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // SAFETY: open on a NUL-terminated path; write from a live stack buffer; close our own fd.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let ok = libc::write(fd, buf[i..].as_ptr().cast(), buf.len() - i) >= 0;
        let err = io::Error::last_os_error();
        libc::close(fd);
        if !ok {
            return Err(err);
        }
    }
    Ok(())
}

/// The rlimits of a graded test. RLIMIT_NPROC counts every process of the test's user, not just
/// the test's: with a cgroup's `pids.max` it is only a backstop; without one, it allows
/// `processes` more than that user already runs (an instructor's own account may run hundreds).
pub fn rlimits(
    limits: &super::Limits,
    cgroup_limits_processes: bool,
    uid: Option<u32>,
) -> Vec<(Resource, u64)> {
    let nproc = if cgroup_limits_processes {
        limits.processes * 16
    } else {
        user_processes(uid) + limits.processes
    };
    vec![
        (libc::RLIMIT_AS, limits.address_space),
        (libc::RLIMIT_FSIZE, limits.file_size),
        (libc::RLIMIT_CPU, limits.cpu_seconds()),
        (libc::RLIMIT_NPROC, nproc),
        (libc::RLIMIT_CORE, 0),
    ]
}

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
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
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
