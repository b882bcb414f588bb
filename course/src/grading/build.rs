//! Building a submission's graded test binary: the grading workspace is written and built with
//! cargo, and when it does not compile, every exercise whose file the compiler complains about is
//! swapped for its pristine stub and the build is retried, so a compile error costs that exercise
//! only. Builds share one build folder for the dependencies; identical sources share one build
//! altogether.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

use super::workspace::{self, Submission};
use crate::cargo_messages::{self, Message};
use crate::manifest::Manifest;
use crate::sandbox::reaper;

/// A built submission, ready to run.
#[derive(Debug, Clone)]
pub struct Built {
    /// The graded test binary (a copy of this submission's own).
    pub test_exe: PathBuf,
    /// What the binary's `--list` prints.
    pub listed: Vec<String>,
    /// Exercises graded as their stub, with the compiler's message.
    pub stubbed: BTreeMap<String, String>,
    /// Files replaced by their pristine version because they did not compile.
    pub replaced: Vec<String>,
}

/// The build was stopped by a stop request ([`crate::sandbox::stop`]).
#[derive(Debug)]
pub struct BuildStopped;

impl std::fmt::Display for BuildStopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the build was stopped")
    }
}

impl std::error::Error for BuildStopped {}

/// Builds by source hash: identical submissions are built once.
pub type BuildCache = Mutex<BTreeMap<u64, Built>>;

/// Makes `dir` and its ancestors traversable (and readable) for the tests' unprivileged user.
pub fn make_traversable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut d = Some(dir);
    while let Some(p) = d {
        if let Ok(meta) = std::fs::metadata(p) {
            let mut perm = meta.permissions();
            perm.set_mode(perm.mode() | 0o755);
            let _ = std::fs::set_permissions(p, perm);
        }
        d = p.parent();
    }
}

/// A hash of the sources a submission is built from.
pub fn hash_sources(sub: &Submission) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    sub.sources.hash(&mut h);
    h.finish()
}

/// Held while a submission builds and its test binary is copied out: every grading workspace's
/// `exercises` crate has the same name and version, so cargo gives their artifacts the same file
/// names in the shared build folder, and the next build would overwrite this one's binary.
static BUILD_LOCK: Mutex<()> = Mutex::new(());

/// The same exclusion between grader processes: an exclusive file lock on `path`, released when the
/// returned file is dropped.
fn lock_file(path: &Path) -> Result<std::fs::File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open the build lock {}", path.display()))?;
    f.lock().context("cannot lock the shared build")?;
    Ok(f)
}

/// Where and how a submission is built.
pub struct BuildPlace<'a> {
    /// The pristine instructor tree.
    pub pristine: &'a Path,
    /// The dependency build shared by all submissions.
    pub shared_build: &'a Path,
    /// Make the result readable for the tests' unprivileged user.
    pub unprivileged: bool,
}

/// Builds a submission's graded test binary in `scratch`, swapping exercises that do not compile
/// for their stubs until it builds. Fails with [`BuildStopped`] when a stop was requested.
pub fn build_submission(
    sub: &Submission,
    scratch: &Path,
    place: &BuildPlace,
    manifest: &Manifest,
    cache: &BuildCache,
) -> Result<Built> {
    let key = hash_sources(sub);
    if let Some(built) = cache.lock().unwrap().get(&key).cloned() {
        return Ok(built);
    }
    let shared_build = place.shared_build;
    let dir = scratch.join("ws");
    let mut stubbed: BTreeMap<String, String> = BTreeMap::new();
    let mut replaced: BTreeSet<PathBuf> = BTreeSet::new();
    for _attempt in 0..(manifest.exercises.len() + 4) {
        let use_stub: BTreeSet<String> = stubbed.keys().cloned().collect();
        // The sources are written while holding the lock: cargo judges freshness by modification
        // times, and files written before another submission's build finished would look older
        // than that build's artifacts, which share this crate's file names.
        let guard = BUILD_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let _file_lock = lock_file(&shared_build.with_extension("lock"))?;
        workspace::write_workspace(&dir, place.pristine, manifest, sub, &use_stub, &replaced)?;
        let out = cargo_build(&dir, shared_build)?;
        let out = match out {
            Ok(shared_exe) => {
                let own = scratch.join("graded-tests");
                std::fs::copy(&shared_exe, &own).context("cannot copy the test binary")?;
                Ok(own)
            }
            Err(e) => Err(e),
        };
        drop(guard);
        match out {
            Ok(exe) => {
                if place.unprivileged {
                    make_traversable(&dir.join("target"));
                }
                let listed = crate::testrun::list_tests(&exe)?;
                let replaced: Vec<String> = replaced
                    .iter()
                    .map(|p| format!("exercises/src/{}", p.display()))
                    .collect();
                let built = Built {
                    test_exe: exe,
                    listed,
                    stubbed,
                    replaced,
                };
                cache.lock().unwrap().insert(key, built.clone());
                return Ok(built);
            }
            Err(errors) => {
                let mut progress = false;
                for (file, message) in errors {
                    let rel_src = file
                        .strip_prefix("exercises/src")
                        .ok()
                        .map(Path::to_path_buf);
                    let rel_test = file
                        .strip_prefix("exercises/tests/graded")
                        .ok()
                        .map(Path::to_path_buf);
                    let exercise = rel_src
                        .as_deref()
                        .and_then(|r| workspace::exercise_of(r, manifest))
                        .or_else(|| {
                            rel_test
                                .as_deref()
                                .and_then(|r| workspace::exercise_of(r, manifest))
                        });
                    if let Some(ex) = exercise {
                        if let std::collections::btree_map::Entry::Vacant(slot) = stubbed.entry(ex)
                        {
                            slot.insert(message);
                            progress = true;
                        }
                    } else if let Some(rel) = rel_src {
                        // lib.rs, bin/worker.rs or a helper module: use the pristine file.
                        if sub.sources.contains_key(&rel) && replaced.insert(rel) {
                            progress = true;
                        }
                    }
                }
                if !progress {
                    anyhow::bail!(
                        "the submission does not compile, even with broken exercises replaced by their stubs"
                    );
                }
            }
        }
    }
    anyhow::bail!("the submission does not compile after replacing every broken exercise")
}

/// Builds the graded test binary. `Ok(Err(errors))` lists (file, rendered message) per error.
fn cargo_build(
    dir: &Path,
    shared_build: &Path,
) -> Result<std::result::Result<PathBuf, Vec<(PathBuf, String)>>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(dir)
        .args([
            "test",
            "--no-run",
            "--offline",
            "--message-format=json",
            "-p",
            "exercises",
            "--test",
            "graded",
        ])
        .arg("--config")
        .arg(format!(
            "build.build-dir={:?}",
            shared_build.display().to_string()
        ))
        .arg("--target-dir")
        .arg(dir.join("target"))
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_BUILD_DIR");
    let Some(out) = reaper::output_unless_stopped(&mut cmd).context("cannot run cargo")? else {
        return Err(BuildStopped.into());
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut exe = None;
    let mut errors = Vec::new();
    for message in cargo_messages::parse(&stdout) {
        match message {
            Message::Artifact(a) if a.target_name == "graded" && a.test => {
                exe = a.executable;
            }
            Message::Diagnostic(d) if d.is_error() => {
                // The primary place comes first (then the others, then macro call sites).
                let file = d
                    .places
                    .first()
                    .map(|p| PathBuf::from(&p.file))
                    .unwrap_or_default();
                errors.push((file, d.rendered));
            }
            _ => {}
        }
    }
    if out.status.success() {
        if let Some(exe) = exe {
            return Ok(Ok(exe));
        }
        anyhow::bail!("cargo built no graded test binary");
    }
    if errors.is_empty() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Submissions are built offline (nothing a student wrote may fetch anything): the
        // dependencies must be in cargo's cache already, as for the user who built the tool.
        let hint = if stderr.contains("offline") {
            "\nThe dependencies are not in this user's cargo cache: run `cargo fetch --locked` in \
             the course repository once (it needs the network), then grade again."
        } else {
            ""
        };
        anyhow::bail!("cargo failed:\n{stderr}{hint}");
    }
    Ok(Err(errors))
}
