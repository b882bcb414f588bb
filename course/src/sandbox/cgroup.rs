//! A cgroup per graded test, where the machine lets the grader make one.
//!
//! - cgroup v2 (the unified hierarchy of current Docker, Ubuntu, GitHub's and Gradescope's
//!   runners): a group per test under a parent group of the grader's own; `cgroup.kill` ends the
//!   whole tree at once, `setsid` children included; `pids.max` and `memory.max` where those
//!   controllers are available to the parent (they are detected, never assumed).
//! - cgroup v1 `pids` (older hosts, and hybrid ones like this course's CI): a group per test with
//!   `pids.max`; the tree is ended by killing every pid it lists until it is empty.
//!
//! Both are used together when v2 lacks the pids controller and v1 has it. The grader creates
//! only groups of its own (`course-grade-PID-N`) and never changes a group it did not create.
//! [`TestCgroup`] removes a test's groups when dropped, [`Cgroups`] the parents; neither is
//! `Clone`, so a group is removed exactly once.

use std::ffi::CString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Which cgroup hierarchies the grader may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMode {
    /// v2 where a group can be made, v1 `pids` beside it when v2 cannot limit processes.
    Auto,
    /// cgroup v2 only.
    V2Only,
    /// cgroup v1 `pids` only.
    V1Only,
    /// None: process groups, rlimits and the orphan sweep only.
    Off,
}

/// The cgroup v2 parent group of this run's tests.
#[derive(Debug)]
struct V2Parent {
    dir: PathBuf,
    /// `pids` is enabled for the parent's children.
    pids: bool,
    /// `memory` is enabled for the parent's children.
    memory: bool,
    /// The kernel has `cgroup.kill` (Linux 5.14 and newer).
    kill: bool,
}

/// The parent groups of this run's tests; removes them when dropped.
#[derive(Debug)]
pub struct Cgroups {
    v2: Option<V2Parent>,
    v1_pids: Option<PathBuf>,
    /// Why a hierarchy is not used, for the report.
    not_used: Vec<String>,
}

/// Tells the parents of one run apart, also within one process.
static RUNS: AtomicUsize = AtomicUsize::new(0);

impl Cgroups {
    /// No cgroups at all.
    pub fn none() -> Cgroups {
        Cgroups {
            v2: None,
            v1_pids: None,
            not_used: vec!["cgroups not requested".into()],
        }
    }

    /// Makes this run's parent groups, as far as `mode` allows and the machine permits.
    pub fn detect(mode: CgroupMode) -> Cgroups {
        if mode == CgroupMode::Off {
            return Cgroups::none();
        }
        let name = format!(
            "course-grade-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        );
        let mut not_used = Vec::new();
        let v2 = if mode == CgroupMode::V1Only {
            None
        } else {
            match make_v2_parent(&name) {
                Ok(p) => Some(p),
                Err(why) => {
                    not_used.push(format!("cgroup v2: {why}"));
                    None
                }
            }
        };
        let want_v1 = match mode {
            CgroupMode::V1Only => true,
            CgroupMode::Auto => !v2.as_ref().is_some_and(|p| p.pids),
            CgroupMode::V2Only | CgroupMode::Off => false,
        };
        let v1_pids = if want_v1 {
            match make_v1_pids_parent(&name) {
                Ok(p) => Some(p),
                Err(why) => {
                    not_used.push(format!("cgroup v1 pids: {why}"));
                    None
                }
            }
        } else {
            None
        };
        Cgroups {
            v2,
            v1_pids,
            not_used,
        }
    }

    /// Whether each test gets a group that holds its whole process tree.
    pub fn holds_the_tree(&self) -> bool {
        self.v2.is_some() || self.v1_pids.is_some()
    }

    /// Whether a cgroup limits a test's processes (`pids.max`).
    pub fn limits_processes(&self) -> bool {
        self.v2.as_ref().is_some_and(|p| p.pids) || self.v1_pids.is_some()
    }

    /// Whether a cgroup limits a test's memory (`memory.max`).
    pub fn limits_memory(&self) -> bool {
        self.v2.as_ref().is_some_and(|p| p.memory)
    }

    /// The cgroup v2 parent, if one is used.
    pub fn v2_parent(&self) -> Option<&Path> {
        self.v2.as_ref().map(|p| p.dir.as_path())
    }

    /// One line per hierarchy: what is used and what is not, and why.
    pub fn describe(&self, processes: u64, memory: u64) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(p) = &self.v2 {
            let mut has = Vec::new();
            if p.kill {
                has.push(
                    "the whole tree killed at once with cgroup.kill, even after setsid".into(),
                );
            } else {
                has.push("the whole tree killed pid by pid, even after setsid".into());
            }
            has.push(if p.pids {
                format!("pids.max {processes}")
            } else {
                "no pids controller".into()
            });
            has.push(if p.memory {
                format!("memory.max {} MiB", memory >> 20)
            } else {
                "no memory controller".into()
            });
            v.push(format!(
                "each test in its own cgroup v2 group under {}: {}",
                p.dir.display(),
                has.join(", ")
            ));
        }
        if let Some(p) = &self.v1_pids {
            v.push(format!(
                "each test in its own cgroup v1 pids group under {} (pids.max {processes}; the whole tree killed, even after setsid)",
                p.display()
            ));
        }
        for why in &self.not_used {
            v.push(format!("not used: {why}"));
        }
        v
    }

    /// Makes the groups of one test and sets their limits. `Ok(None)` when no cgroup is used.
    pub fn for_test(
        &self,
        tag: &str,
        processes: u64,
        memory: u64,
    ) -> io::Result<Option<TestCgroup>> {
        if !self.holds_the_tree() {
            return Ok(None);
        }
        let mut t = TestCgroup {
            v2: None,
            v2_kill: false,
            v1: None,
        };
        // Each group is owned by `t` as soon as it exists, so an error below removes it.
        if let Some(p) = &self.v2 {
            let dir = p.dir.join(tag);
            std::fs::create_dir(&dir)?;
            t.v2 = Some(dir.clone());
            t.v2_kill = p.kill;
            if p.pids {
                std::fs::write(dir.join("pids.max"), processes.to_string())?;
            }
            if p.memory {
                std::fs::write(dir.join("memory.max"), memory.to_string())?;
                // No swap, and an OOM kill ends the whole test, not just one of its processes.
                let _ = std::fs::write(dir.join("memory.swap.max"), "0");
                let _ = std::fs::write(dir.join("memory.oom.group"), "1");
            }
        }
        if let Some(parent) = &self.v1_pids {
            let dir = parent.join(tag);
            std::fs::create_dir(&dir)?;
            t.v1 = Some(dir.clone());
            std::fs::write(dir.join("pids.max"), processes.to_string())?;
        }
        Ok(Some(t))
    }
}

impl Drop for Cgroups {
    fn drop(&mut self) {
        if let Some(p) = &self.v2 {
            let _ = std::fs::remove_dir(&p.dir);
        }
        if let Some(p) = &self.v1_pids {
            let _ = std::fs::remove_dir(p);
        }
    }
}

/// What a test's cgroups recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Events {
    /// A fork was refused at `pids.max`.
    pub pids_max_hit: bool,
    /// A process was killed at `memory.max`.
    pub oom_killed: bool,
}

/// The groups of one test. Dropping it kills whatever is still inside and removes them.
#[derive(Debug)]
pub struct TestCgroup {
    v2: Option<PathBuf>,
    v2_kill: bool,
    v1: Option<PathBuf>,
}

impl TestCgroup {
    /// The `cgroup.procs` files the test's process writes its pid into before exec.
    pub fn procs_files(&self) -> Vec<CString> {
        [&self.v2, &self.v1]
            .into_iter()
            .flatten()
            .filter_map(|d| {
                CString::new(d.join("cgroup.procs").into_os_string().into_encoded_bytes()).ok()
            })
            .collect()
    }

    /// Kills every process in the test's groups and waits until they are empty (at most about two
    /// seconds). Returns how many processes were still there.
    pub fn kill_all(&self) -> usize {
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dir) = &self.v2 {
            seen.extend(pids_in(dir));
            if self.v2_kill && !seen.is_empty() {
                let _ = std::fs::write(dir.join("cgroup.kill"), "1");
            }
            kill_until_empty(dir, &mut seen);
        }
        if let Some(dir) = &self.v1 {
            kill_until_empty(dir, &mut seen);
        }
        seen.len()
    }

    /// The limits the test ran into.
    pub fn events(&self) -> Events {
        let count = |file: PathBuf, key: &str| {
            std::fs::read_to_string(file)
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix(key)?.trim().parse::<u64>().ok())
                })
                .unwrap_or(0)
        };
        let mut e = Events::default();
        for dir in [&self.v2, &self.v1].into_iter().flatten() {
            e.pids_max_hit |= count(dir.join("pids.events"), "max ") > 0;
        }
        if let Some(dir) = &self.v2 {
            e.oom_killed = count(dir.join("memory.events"), "oom_kill ") > 0;
        }
        e
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        self.kill_all();
        for dir in [&self.v2, &self.v1].into_iter().flatten() {
            // A group is removable once its last process has exited (a moment after SIGKILL).
            for _ in 0..100 {
                if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// The pids listed in a group's `cgroup.procs`.
fn pids_in(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// SIGKILLs every pid a group lists until it lists none (a fork bomb refills it for a while).
fn kill_until_empty(dir: &Path, seen: &mut std::collections::BTreeSet<i32>) {
    for _ in 0..200 {
        let pids = pids_in(dir);
        if pids.is_empty() {
            return;
        }
        for pid in pids {
            seen.insert(pid);
            // SAFETY: kill(2) on a pid; no memory is involved.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A mounted cgroup hierarchy: where it is mounted and which group of it this process is in.
struct Hierarchy {
    mount: PathBuf,
    own: PathBuf,
}

/// Finds the cgroup v2 mount, or the v1 mount with the `pids` controller, in
/// `/proc/self/mountinfo`, and this process's group in it from `/proc/self/cgroup`.
fn hierarchy(v2: bool) -> io::Result<Hierarchy> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")?;
    let mount = mountinfo
        .lines()
        .find_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            let mut after = after.split_whitespace();
            let fstype = after.next()?;
            let super_opts = after.nth(1).unwrap_or("");
            let found = if v2 {
                fstype == "cgroup2"
            } else {
                fstype == "cgroup" && super_opts.split(',').any(|o| o == "pids")
            };
            found.then(|| PathBuf::from(before.split_whitespace().nth(4).unwrap_or("")))
        })
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                if v2 {
                    "no cgroup2 file system is mounted"
                } else {
                    "no cgroup v1 pids hierarchy is mounted"
                },
            )
        })?;
    let own_groups = std::fs::read_to_string("/proc/self/cgroup")?;
    let own = own_groups
        .lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
            let ours = if v2 {
                controllers.is_empty()
            } else {
                controllers.split(',').any(|c| c == "pids")
            };
            ours.then(|| PathBuf::from(path.trim_start_matches('/')))
        })
        .unwrap_or_default();
    Ok(Hierarchy { mount, own })
}

/// Makes the run's parent group: at the top of the hierarchy if the grader may (root), else below
/// its own group (an ordinary user's delegated group, as systemd gives user sessions).
fn make_parent(h: &Hierarchy, name: &str) -> io::Result<PathBuf> {
    remove_stale(&h.mount);
    let top = h.mount.join(name);
    match std::fs::create_dir(&top) {
        Ok(()) => return Ok(top),
        Err(e) if h.own.as_os_str().is_empty() => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot create {}: {e}", top.display()),
            ));
        }
        Err(_) => {}
    }
    let base = h.mount.join(&h.own);
    remove_stale(&base);
    let below = base.join(name);
    std::fs::create_dir(&below)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot create {}: {e}", below.display())))?;
    Ok(below)
}

/// Removes empty parent groups that graders which no longer run left behind (killed with
/// SIGKILL, say).
fn remove_stale(base: &Path) {
    for e in std::fs::read_dir(base).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("course-grade-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let dir = e.path();
            for leaf in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if leaf.path().is_dir() {
                    let _ = std::fs::remove_dir(leaf.path());
                }
            }
            let _ = std::fs::remove_dir(&dir);
        }
    }
}

fn make_v2_parent(name: &str) -> io::Result<V2Parent> {
    let h = hierarchy(true)?;
    let dir = make_parent(&h, name)?;
    let words = |file: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(file))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    // Controllers the parent's parent gives it can be handed on to the tests' groups (the parent
    // holds no process, so the "no internal processes" rule allows it).
    for c in ["pids", "memory"] {
        if words("cgroup.controllers").iter().any(|w| w == c) {
            let _ = std::fs::write(dir.join("cgroup.subtree_control"), format!("+{c}"));
        }
    }
    let enabled = words("cgroup.subtree_control");
    let has = |c: &str| enabled.iter().any(|w| w == c);
    Ok(V2Parent {
        pids: has("pids"),
        memory: has("memory"),
        kill: dir.join("cgroup.kill").exists(),
        dir,
    })
}

fn make_v1_pids_parent(name: &str) -> io::Result<PathBuf> {
    let h = hierarchy(false)?;
    let dir = make_parent(&h, name)?;
    if !dir.join("pids.max").exists() {
        let _ = std::fs::remove_dir(&dir);
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{} has no pids.max", dir.display()),
        ));
    }
    Ok(dir)
}
