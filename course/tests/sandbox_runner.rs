//! The test runner on its own, with small shell scripts standing in for test binaries (they take
//! the test's name as `$1`, read the token on fd 3 and write it back on fd 4 as the graded
//! wrapper does), so each case runs in milliseconds:
//! - the orphan sweep never kills a test that is starting (the race of issue 14),
//! - a `setsid` grandchild dies with its test, by cgroup v2 (`cgroup.kill`) or by the sweep,
//! - a flood of output does not hide the panic message, under both policies,
//! - a test that cannot be started is "not run", never a crash or a pass.
//!
//! The subreaper flag is one per process, so the tests of this file run one at a time.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use course::sandbox::{self, CgroupMode, Limits, Outcome, Policy, Protections, Request, Verdict};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

fn fresh(name: &str) -> PathBuf {
    let d = course::workspace_root()
        .join("target/course-sandbox-selftest")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A "test binary": a shell script that runs `body`, then hands back its token and exits 0.
fn fake_tests(dir: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("fake-tests");
    let script = format!(
        "#!/bin/sh\n{body}\ntoken=$(cat <&3)\nprintf '%s %s\\n' \"$1\" \"$token\" >&4\nexit 0\n"
    );
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn request(cgroups: CgroupMode, sweep_orphans: bool) -> Request {
    Request {
        unprivileged: false,
        user_per_test: true,
        cgroups,
        network_namespace: false,
        sweep_orphans,
    }
}

/// Runs test `name` of `exe` under the graded policy, with a time limit of 10 s.
fn graded(exe: &Path, name: &str, prot: &Protections, scratch: &Path) -> Outcome {
    let limits = Limits::with_timeout(Duration::from_secs(10));
    graded_with(&limits, exe, name, prot, scratch)
}

/// Runs test `name` of `exe` under the graded policy with `limits`.
fn graded_with(
    limits: &Limits,
    exe: &Path,
    name: &str,
    prot: &Protections,
    scratch: &Path,
) -> Outcome {
    let policy = Policy::Graded {
        limits,
        protections: prot,
        scratch,
    };
    sandbox::run_test(exe, name, &[name.to_string()], &policy)
}

/// Runs test `name` of `exe` under both policies, each with a time limit of 10 s: graded (no
/// cgroups, no sweep, its working folder in `dir`), then the student check. Returns both
/// outcomes, named after their policy.
fn under_both_policies(dir: &Path, exe: &Path, name: &str) -> [(&'static str, Outcome); 2] {
    let prot = Protections::detect_with(&request(CgroupMode::Off, false));
    let graded = graded(exe, name, &prot, &dir.join("scratch"));
    let check = sandbox::run_test(
        exe,
        name,
        &[name.to_string()],
        &Policy::Check {
            timeout: Duration::from_secs(10),
        },
    );
    [("graded", graded), ("check", check)]
}

/// Whether `pid` is a live process (not gone, not a zombie) still running `sleep`.
fn alive_sleep(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .next()
        .unwrap_or("");
    state != "Z" && stat.contains("(sleep)")
}

fn read_pid(file: &Path) -> i32 {
    std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn the_orphan_sweep_never_kills_a_test_that_is_starting() {
    let _one = serial();
    let dir = fresh("race");
    let exe = fake_tests(&dir, "");
    // The non-cgroup mode: process groups and the orphan sweep, as for an ordinary user.
    let prot = Protections::detect_with(&request(CgroupMode::Off, true));
    assert!(
        prot.sweeps_orphans(),
        "the grader could not become a subreaper"
    );
    assert!(!prot.cgroups().holds_the_tree());
    let names: Vec<String> = (0..400).map(|i| format!("t{i}")).collect();
    let limits = Limits::with_timeout(Duration::from_secs(10));
    // Every test that ends sweeps while the other three jobs are starting theirs. Before the fix
    // a test started in that window was killed: 180 of 400 were "crashed (signal 9)" or lost.
    for round in 0..2 {
        let outcomes = course::testrun::parallel_map(&names, 4, |i, name| {
            graded_with(&limits, &exe, name, &prot, &dir.join(format!("t{i}")))
        });
        let wrong: Vec<String> = names
            .iter()
            .zip(outcomes)
            .filter(|(_, o)| o.verdict != Verdict::Passed)
            .map(|(name, o)| format!("{name}: {}", o.verdict.word()))
            .collect();
        assert!(
            wrong.is_empty(),
            "round {round}: {} of {} short tests were not passed: {:?}",
            wrong.len(),
            names.len(),
            &wrong[..wrong.len().min(8)]
        );
    }
}

/// A test that leaves a `setsid` grandchild (its own session, so the process-group kill misses
/// it) and passes. Returns the outcome and the grandchild's pid.
fn leave_a_setsid_grandchild(dir: &Path, prot: &Protections) -> (Outcome, i32) {
    let scratch = dir.join("scratch");
    let pid_file = scratch.join("grandchild.pid");
    let exe = fake_tests(
        dir,
        &format!(
            "setsid sh -c 'echo $$ > {pid}; exec sleep 1093' &\n\
             while [ ! -s {pid} ]; do sleep 0.01; done",
            pid = pid_file.display()
        ),
    );
    let o = graded(&exe, "leaves_a_grandchild", prot, &scratch);
    (o, read_pid(&pid_file))
}

/// Waits up to a second for `pid` to be gone.
fn gone(pid: i32) -> bool {
    for _ in 0..100 {
        if !alive_sleep(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn a_setsid_grandchild_escapes_the_process_group_kill_alone() {
    // The premise of the next two tests: without a cgroup or the sweep, it survives its test.
    let _one = serial();
    let dir = fresh("no-protection");
    let prot = Protections::detect_with(&request(CgroupMode::Off, false));
    let (o, pid) = leave_a_setsid_grandchild(&dir, &prot);
    assert_eq!(o.verdict, Verdict::Passed, "{}", o.output);
    let survived = alive_sleep(pid);
    // SAFETY: kill(2) on the pid of the sleep this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    assert!(survived, "the grandchild died without any protection");
}

#[test]
fn without_cgroups_the_sweep_kills_a_setsid_grandchild() {
    let _one = serial();
    let dir = fresh("sweep");
    let prot = Protections::detect_with(&request(CgroupMode::Off, true));
    assert!(prot.sweeps_orphans());
    let (o, pid) = leave_a_setsid_grandchild(&dir, &prot);
    assert_eq!(o.verdict, Verdict::Passed, "{}", o.output);
    assert!(gone(pid), "the setsid grandchild {pid} outlived its test");
    assert!(o.stragglers_killed >= 1);
}

#[test]
fn a_sweep_leaves_the_orphans_of_tests_still_running_alone() {
    let _one = serial();
    let dir = fresh("sweep-others");
    let prot = Protections::detect_with(&request(CgroupMode::Off, true));
    assert!(prot.sweeps_orphans());
    // A orphans a process (its intermediate parent exits) and checks for a second that it lives,
    // while B's short tests end, and sweep, again and again beside it.
    let a_dir = dir.join("a");
    std::fs::create_dir_all(&a_dir).unwrap();
    let a = fake_tests(
        &a_dir,
        "sh -c 'setsid sleep 1095 & echo $! > orphan.pid'\n\
         while [ ! -s orphan.pid ]; do sleep 0.01; done\n\
         i=0; while [ $i -lt 100 ]; do kill -0 $(cat orphan.pid) || exit 1; sleep 0.01; i=$((i+1)); done",
    );
    let b_dir = dir.join("b");
    std::fs::create_dir_all(&b_dir).unwrap();
    let b = fake_tests(&b_dir, "");
    let a_scratch = a_dir.join("scratch");
    let (a_outcome, b_wrong) = std::thread::scope(|s| {
        let a_run = s.spawn(|| graded(&a, "a", &prot, &a_scratch));
        let mut wrong = 0;
        while !a_run.is_finished() {
            if !graded(&b, "b", &prot, &b_dir.join("scratch"))
                .verdict
                .passed()
            {
                wrong += 1;
            }
        }
        (a_run.join().unwrap(), wrong)
    });
    assert_eq!(b_wrong, 0);
    assert_eq!(
        a_outcome.verdict,
        Verdict::Passed,
        "another test's sweep killed A's orphan while A ran: {}",
        a_outcome.output
    );
    let orphan = read_pid(&a_scratch.join("orphan.pid"));
    assert!(gone(orphan), "A's own sweep ends its orphan");
}

#[test]
fn cgroup_v2_kills_a_setsid_grandchild() {
    let _one = serial();
    let dir = fresh("cgroup-v2");
    // No sweep: only the cgroup can end the grandchild.
    let prot = Protections::detect_with(&request(CgroupMode::V2Only, false));
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mounted = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .contains(" - cgroup2 ");
    let Some(parent) = prot.cgroups().v2_parent().map(Path::to_path_buf) else {
        assert!(
            !(root && mounted),
            "running as root with cgroup2 mounted, the grader must be able to use it: {:?}",
            prot.describe(&Limits::with_timeout(Duration::from_secs(1)))
        );
        eprintln!(
            "NOT TESTED here: cgroup v2 (not root, or no cgroup2 mount): {:?}",
            prot.describe(&Limits::with_timeout(Duration::from_secs(1)))
        );
        return;
    };
    let (o, pid) = leave_a_setsid_grandchild(&dir, &prot);
    assert_eq!(o.verdict, Verdict::Passed, "{}", o.output);
    assert!(gone(pid), "the setsid grandchild {pid} outlived its test");
    assert!(
        o.stragglers_killed >= 1,
        "the cgroup held the grandchild: {o:?}"
    );
    let leaves: Vec<_> = std::fs::read_dir(&parent)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name())
        .collect();
    assert!(leaves.is_empty(), "test cgroups left behind: {leaves:?}");
    drop(prot);
    assert!(
        !parent.exists(),
        "the run's cgroup {parent:?} was not removed"
    );
}

#[test]
fn a_flood_of_output_does_not_hide_the_panic_message() {
    let _one = serial();
    let dir = fresh("flood");
    // 100 KiB on stdout, 100 KiB on stderr, then the message, then a failure.
    let exe = fake_tests(
        &dir,
        "head -c 102400 /dev/zero | tr '\\0' 'x'\n\
         head -c 102400 /dev/zero | tr '\\0' 'y' >&2\n\
         echo \"thread 'flood' panicked at src/ex04.rs:1:1: the real reason\" >&2\n\
         exit 101",
    );
    for (policy, o) in under_both_policies(&dir, &exe, "flood") {
        assert_eq!(o.verdict, Verdict::Failed, "{policy}");
        assert!(
            o.output.contains("the real reason"),
            "{policy}: the panic message was cut: ...{}",
            &o.output[o.output.len().saturating_sub(300)..]
        );
        assert!(o.output.contains("more bytes of output cut"), "{policy}");
        assert!(o.output.len() <= 2 * 64 * 1024 + 400, "{policy}: capped");
    }
}

#[test]
fn a_test_that_cannot_start_is_not_run_under_both_policies() {
    let _one = serial();
    let dir = fresh("cannot-start");
    let missing = dir.join("no-such-binary");
    for (policy, o) in under_both_policies(&dir, &missing, "t") {
        assert!(
            matches!(&o.verdict, Verdict::NotRun(why) if why.contains("cannot start")),
            "{policy}: {:?}",
            o.verdict
        );
    }
}

#[test]
fn exit_zero_without_the_token_is_exited_early_only_when_graded() {
    let _one = serial();
    let dir = fresh("exit-early");
    let exe = fake_tests(&dir, "exit 0");
    let [(_, graded), (_, check)] = under_both_policies(&dir, &exe, "t");
    assert_eq!(graded.verdict, Verdict::ExitedEarly);
    assert_eq!(check.verdict, Verdict::Passed, "check: exit status decides");
}

/// Two graded tests at once, as the unprivileged user(s) that `user_per_test` asks for, each
/// with a limit of 64 processes: `flood` starts 62 sleeping children (as many as its own limit
/// allows, with the shell and the other test's shell) while `beside` waits, then `beside` starts
/// ten short children of its own. The flood waits with shell built-ins only (it cannot fork
/// any more). Returns both outcomes (flood, beside).
fn flood_beside_a_test(dir: &Path, user_per_test: bool) -> (Outcome, Outcome) {
    use std::os::unix::fs::PermissionsExt;
    let meet = dir.join("meet");
    for d in ["meet", "flood", "beside"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    // The tests' users must reach the scripts and meet in `meet`.
    for d in [dir, meet.as_path()] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o1777)).unwrap();
    }
    let meet = meet.display();
    let flood = fake_tests(
        &dir.join("flood"),
        &format!(
            "i=0; while [ $i -lt 62 ]; do sleep 30 & echo $! >> {meet}/pids; i=$((i+1)); done\n\
             : > {meet}/flooded\n\
             i=0; while [ ! -e {meet}/done ] && [ $i -lt 500000 ]; do i=$((i+1)); done"
        ),
    );
    let beside = fake_tests(
        &dir.join("beside"),
        &format!(
            "while [ ! -e {meet}/flooded ]; do sleep 0.05; done\n\
             for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0; done\n\
             : > {meet}/done"
        ),
    );
    let mut req = request(CgroupMode::Off, true);
    req.unprivileged = true;
    req.user_per_test = user_per_test;
    let prot = Protections::detect_with(&req);
    let mut limits = Limits::with_timeout(Duration::from_secs(30));
    limits.processes = 64;
    let run =
        |exe: &Path, name: &str, scratch: &Path| graded_with(&limits, exe, name, &prot, scratch);
    std::thread::scope(|s| {
        let beside = s.spawn(|| run(&beside, "beside", &dir.join("scratch-beside")));
        // `beside` is started (it polls for the flood) before the flood begins.
        std::thread::sleep(Duration::from_millis(300));
        let flood = run(&flood, "flood", &dir.join("scratch-flood"));
        (flood, beside.join().unwrap())
    })
}

#[test]
fn a_process_flood_in_one_test_does_not_starve_the_test_beside_it() {
    let _one = serial();
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let mut req = request(CgroupMode::Off, true);
    req.unprivileged = true;
    let prot = Protections::detect_with(&req);
    let said = prot.describe(&Limits::with_timeout(Duration::from_secs(1)));
    if !root {
        // An ordinary user cannot switch users: the tests share the grader's own user and its
        // process limit, and the report says so.
        assert!(prot.users().is_none());
        assert!(
            said.iter().any(|l| l.contains("grader's own user")),
            "{said:?}"
        );
        return;
    }
    let users = prot.users().expect("root runs tests as other users");
    assert!(users.one_per_test(), "{}", users.describe());
    assert!(
        said.iter().any(|l| l.contains("a user id of its own")),
        "{said:?}"
    );
    // The premise: tests that share one user share its process limit, and the flood starves
    // the test beside it (fork fails with EAGAIN, the shell gives up).
    let (flood, beside) = flood_beside_a_test(&fresh("users-shared"), false);
    assert_eq!(flood.verdict, Verdict::Passed, "{}", flood.output);
    assert_eq!(beside.verdict, Verdict::Failed, "{}", beside.output);
    // A user of its own per test: the flood counts against its own limit only.
    let dir_own = fresh("users-own");
    let (flood, beside) = flood_beside_a_test(&dir_own, true);
    assert_eq!(flood.verdict, Verdict::Passed, "{}", flood.output);
    assert_eq!(beside.verdict, Verdict::Passed, "{}", beside.output);
    let pids = std::fs::read_to_string(dir_own.join("meet/pids")).unwrap();
    let pids: Vec<i32> = pids.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(pids.len(), 62);
    let left: Vec<i32> = pids.into_iter().filter(|&p| !gone(p)).collect();
    assert!(
        left.is_empty(),
        "the flood's children outlived it: {left:?}"
    );
}
