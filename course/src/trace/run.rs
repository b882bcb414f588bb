//! Building the trace harness against one crate, and running it with a time limit.
//!
//! The harness is an example target of each crate (`exercises/examples/trace.rs`,
//! `solutions/examples/solutions_trace.rs`: examples of two packages must not share a name),
//! built in the dev profile the tests use, together with the crate's worker binary (examples get no `CARGO_BIN_EXE_*`, so the harness is told its path).
//! The exercises crate is built with only the traced exercise's feature, so that another
//! exercise that does not compile yet does not stop the trace.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The crate whose code is traced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Package {
    /// Your code: the `exercises` crate.
    Exercises,
    /// The reference solutions (not in the student handout).
    Solutions,
}

impl Package {
    /// The crate's name.
    pub fn name(self) -> &'static str {
        match self {
            Package::Exercises => "exercises",
            Package::Solutions => "solutions",
        }
    }

    /// Its trace harness's example target.
    pub fn harness(self) -> &'static str {
        match self {
            Package::Exercises => "trace",
            Package::Solutions => "solutions_trace",
        }
    }
}

/// The exercises whose tasks run in worker processes.
const PROCESS_EXERCISES: [&str; 2] = ["ex02", "ex08"];

/// The programs a trace runs.
#[derive(Debug, Clone)]
pub struct Built {
    /// The harness (the crate's `trace` example).
    pub harness: PathBuf,
    /// The crate's worker binary, for the process exercises (ex02, ex08).
    pub worker: Option<PathBuf>,
}

/// Builds the harness and the worker binary of `package` for `exercise` (`ex07`). Cargo's
/// progress and the compiler's messages go to the terminal; a build that fails is an error.
pub fn build(root: &Path, package: Package, exercise: &str) -> Result<Built> {
    let name = package.name();
    if !root.join(name).join("Cargo.toml").is_file() {
        bail!(
            "there is no `{name}` crate here (the student handout has no solutions); the book's \
             chapter on {exercise} shows the reference solution's timeline"
        );
    }
    let worker_bin = format!("{name}-worker");
    let needs_worker = PROCESS_EXERCISES.contains(&exercise);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root).args([
        "build",
        "--message-format=json-render-diagnostics",
        "-p",
        name,
        "--example",
        package.harness(),
    ]);
    if needs_worker {
        cmd.args(["--bin", &worker_bin]);
    }
    if package == Package::Exercises {
        // Only this exercise (ex08's feature brings in ex02, whose pool it uses).
        cmd.args(["--no-default-features", "--features", exercise]);
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo")?;
    let mut harness = None;
    let mut worker = None;
    for artifact in crate::cargo_messages::artifacts(&String::from_utf8_lossy(&out.stdout)) {
        let Some(exe) = artifact.executable.clone() else {
            continue;
        };
        if artifact.target_name == package.harness() && artifact.is("example") {
            harness = Some(exe);
        } else if artifact.target_name == worker_bin {
            worker = Some(exe);
        }
    }
    if !out.status.success() {
        if package == Package::Exercises {
            bail!(
                "your {exercise} does not compile (the compiler's messages are above); fix that \
                 first: `cargo course check` shows every exercise's state"
            );
        }
        bail!("the {name} crate does not compile (the compiler's messages are above)");
    }
    match (harness, worker) {
        (Some(harness), worker) if worker.is_some() || !needs_worker => {
            Ok(Built { harness, worker })
        }
        _ => bail!("cargo built {name} but did not name its trace example or {worker_bin}"),
    }
}

/// What a run of the harness printed, and how it ended.
#[derive(Debug)]
pub struct Ran {
    /// Its stdout: the events.
    pub stdout: String,
    /// Its stderr, capped (its beginning and end are kept).
    pub stderr: String,
    /// Its exit status (`None` if it was killed at the time limit).
    pub status: Option<ExitStatus>,
}

/// How much of the harness's stderr is kept.
const STDERR_CAP: usize = 16 * 1024;

/// Runs the harness on `exercise` in a process group of its own; after `limit`, kills the
/// group. Any process left in the group when the harness ends is killed too (a worker that a
/// half-written pool left behind), so nothing outlives the trace.
pub fn run(built: &Built, exercise: &str, limit: Duration) -> Result<Ran> {
    let mut cmd = Command::new(&built.harness);
    cmd.arg(exercise);
    if let Some(worker) = &built.worker {
        cmd.arg("--worker").arg(worker);
    }
    let mut child = cmd
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot run {}", built.harness.display()))?;
    let group = child.id();
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        cap(&String::from_utf8_lossy(&buf), STDERR_CAP)
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    kill_group(group);
    if status.is_none() {
        let _ = child.wait();
    }
    Ok(Ran {
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        status,
    })
}

/// Kills every process of the process group `group` (the harness's own: it leads it).
fn kill_group(group: u32) {
    let Ok(pgid) = libc::pid_t::try_from(group) else {
        return;
    };
    // SAFETY: kill(2) takes two integers and touches none of our memory. `-pgid` names the
    // process group the harness was started in (`process_group(0)`: its id is the harness's
    // pid). The call comes right after the harness ended: while any member of the group is
    // left, the kernel does not hand that id to a new process; with none left, it fails with
    // ESRCH. (Pids are handed out in increasing order up to pid_max, so the id is not reused
    // within the microseconds between reaping the harness and this call.)
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// `text` if it is at most `max` bytes, else its beginning and end with a marker between.
fn cap(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut head = max / 2;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - max / 2;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}\n[... {} bytes cut ...]\n{}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_output_keeps_both_ends() {
        let text = format!("{}{}", "a".repeat(100), "b".repeat(100));
        let c = cap(&text, 20);
        assert!(
            c.starts_with("aaaaaaaaaa\n[... 180 bytes cut ...]\nbbbbbbbbbb"),
            "{c}"
        );
        assert_eq!(cap("short", 20), "short");
    }
}
