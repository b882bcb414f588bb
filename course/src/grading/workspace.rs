//! Turning one submission into a buildable grading workspace made from the pristine instructor
//! tree: only the student's `exercises/src/**/*.rs` are copied in, except the given code
//! (`exercises/src/given/`, always the pristine files); their `Cargo.toml`, `build.rs`, `.cargo/`,
//! `tests/`, changes to the given code and everything else are listed and ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::manifest::Manifest;

/// The folder of `exercises/src` whose code the exercises give: a submission's copy is never used.
pub const GIVEN_DIR: &str = "given";

/// A submission, unpacked, with the files the grader will and will not use.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The name used in reports: the folder or archive name without extension.
    pub name: String,
    /// The folder holding `exercises/src` inside the unpacked submission.
    pub root: PathBuf,
    /// Student sources that are used, relative to `exercises/src`.
    pub sources: BTreeMap<PathBuf, Vec<u8>>,
    /// Files outside `exercises/src/**/*.rs`, or under `exercises/src/given/`, that are new or
    /// changed against the pristine tree: listed in the report, never used.
    pub ignored: Vec<String>,
}

/// The name a submission is reported under: its folder or archive name without the archive's
/// extension, with anything but letters, digits, `-`, `_` and `.` replaced by `_`.
pub fn submission_name(path: &Path) -> String {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "submission".into());
    let stem = if path.is_dir() {
        file_name.as_str()
    } else {
        [".zip", ".tar.gz", ".tgz"]
            .iter()
            .find_map(|ext| file_name.strip_suffix(ext))
            .unwrap_or(&file_name)
    };
    sanitize(stem)
}

/// Reads a submission from a folder, a `.zip`, or a `.tar.gz`/`.tgz`, unpacking archives into `scratch`.
pub fn open_submission(path: &Path, scratch: &Path, pristine: &Path) -> Result<Submission> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "submission".into());
    let (name, unpacked) = if path.is_dir() {
        (file_name.clone(), path.to_path_buf())
    } else if file_name.ends_with(".zip") {
        let dest = scratch.join("unpacked");
        unzip(path, &dest)?;
        (file_name.trim_end_matches(".zip").to_string(), dest)
    } else if file_name.ends_with(".tar.gz") || file_name.ends_with(".tgz") {
        let dest = scratch.join("unpacked");
        untar(path, &dest)?;
        (
            file_name
                .trim_end_matches(".tar.gz")
                .trim_end_matches(".tgz")
                .to_string(),
            dest,
        )
    } else if path.exists() {
        bail!(
            "`{}` is neither a folder nor a .zip / .tar.gz archive",
            path.display()
        );
    } else {
        bail!("`{}` does not exist", path.display());
    };
    let root = find_handout_root(&unpacked, 4).ok_or_else(|| {
        anyhow!(
            "no `exercises/src` folder in `{}`: is this a copy of the handout?",
            path.display()
        )
    })?;
    let mut sources = BTreeMap::new();
    let mut ignored = Vec::new();
    for abs in crate::file_tree::files(&root)? {
        let abs = abs.as_path();
        let rel = abs.strip_prefix(&root).expect("below the root");
        let rel_str = rel.to_string_lossy();
        if rel_str.starts_with("target/")
            || rel_str.starts_with(".git/")
            || rel_str.contains("/target/")
        {
            continue;
        }
        if let Ok(in_src) = rel.strip_prefix("exercises/src")
            && rel.extension().is_some_and(|e| e == "rs")
            && !in_src.starts_with(GIVEN_DIR)
        {
            if let Ok(bytes) = std::fs::read(abs) {
                sources.insert(in_src.to_path_buf(), bytes);
            }
            continue;
        }
        // Anything else (the given code included) is never used; list it when it is not the
        // pristine file.
        let same = std::fs::read(pristine.join(rel)).ok() == std::fs::read(abs).ok();
        if !same {
            let what = if pristine.join(rel).exists() {
                "changed"
            } else {
                "added"
            };
            ignored.push(format!("{rel_str} ({what})"));
        }
    }
    ignored.sort();
    Ok(Submission {
        name: sanitize(&name),
        root,
        sources,
        ignored,
    })
}

fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("submission{s}")
    } else {
        s
    }
}

fn find_handout_root(dir: &Path, depth: usize) -> Option<PathBuf> {
    if dir.join("exercises/src").is_dir() {
        return Some(dir.to_path_buf());
    }
    if depth == 0 {
        return None;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    entries
        .into_iter()
        .find_map(|d| find_handout_root(&d, depth - 1))
}

fn unzip(archive: &Path, dest: &Path) -> Result<()> {
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a valid zip file", archive.display()))?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let Some(rel) = entry.enclosed_name() else {
            continue;
        }; // refuses ../ and absolute paths
        let out = dest.join(rel);
        if entry.is_dir() {
            std::fs::create_dir_all(&out)?;
        } else if entry.is_file() {
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut w = std::fs::File::create(&out)?;
            std::io::copy(&mut (&mut entry).take(16 << 20), &mut w)?;
        }
    }
    Ok(())
}

use std::io::Read as _;

fn untar(archive: &Path, dest: &Path) -> Result<()> {
    let file = std::fs::File::open(archive)
        .with_context(|| format!("cannot open {}", archive.display()))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    std::fs::create_dir_all(dest)?;
    for entry in tar
        .entries()
        .with_context(|| format!("{} is not a valid .tar.gz", archive.display()))?
    {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            continue; // no links, devices or fifos from a submission
        }
        // unpack_in refuses paths that would leave `dest`.
        entry.unpack_in(dest)?;
    }
    Ok(())
}

/// The module an exercise source belongs to (`ex04_producer_consumer.rs` or a file under
/// `ex04_producer_consumer/`), by its path relative to `exercises/src`.
pub fn exercise_of(rel: &Path, manifest: &Manifest) -> Option<String> {
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let stem = first.trim_end_matches(".rs");
    manifest
        .exercises
        .iter()
        .find(|e| e.name == stem)
        .map(|e| e.name.clone())
}

/// Writes the grading workspace for `sub` into `dir`: pristine manifests, stubs overlaid with the
/// student's sources (minus the exercises in `use_stub`), and the graded-test harness.
pub fn write_workspace(
    dir: &Path,
    pristine: &Path,
    manifest: &Manifest,
    sub: &Submission,
    use_stub: &BTreeSet<String>,
    replace_with_pristine: &BTreeSet<PathBuf>,
) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir.join("exercises")).ok();
    }
    std::fs::create_dir_all(dir.join("exercises/src"))?;
    // Workspace manifest: the pristine one, with only the exercises crate as a member.
    let root_toml = std::fs::read_to_string(pristine.join("Cargo.toml"))?;
    let mut ws: toml::Table = toml::from_str(&root_toml).context("the pristine Cargo.toml")?;
    if let Some(toml::Value::Table(w)) = ws.get_mut("workspace") {
        w.insert(
            "members".into(),
            toml::Value::Array(vec![toml::Value::String("exercises".into())]),
        );
        w.remove("default-members");
    }
    std::fs::write(dir.join("Cargo.toml"), toml::to_string(&ws)?)?;
    if pristine.join("Cargo.lock").exists() {
        std::fs::copy(pristine.join("Cargo.lock"), dir.join("Cargo.lock"))?;
    }
    // The exercises crate's manifest: pristine, with no build script, unsafe code forbidden, and
    // one graded test target.
    let ex_toml = std::fs::read_to_string(pristine.join("exercises/Cargo.toml"))?;
    let mut ex: toml::Table =
        toml::from_str(&ex_toml).context("the pristine exercises/Cargo.toml")?;
    if let Some(toml::Value::Table(p)) = ex.get_mut("package") {
        p.insert("build".into(), toml::Value::Boolean(false));
        p.insert("autotests".into(), toml::Value::Boolean(false));
        p.insert("autobenches".into(), toml::Value::Boolean(false));
        p.insert("autoexamples".into(), toml::Value::Boolean(false));
    }
    let lints: toml::Table = toml::from_str("[rust]\nunsafe_code = \"forbid\"\n")?;
    ex.insert("lints".into(), toml::Value::Table(lints));
    let test: toml::Table = toml::from_str("name = \"graded\"\npath = \"tests/graded.rs\"\n")?;
    ex.insert(
        "test".into(),
        toml::Value::Array(vec![toml::Value::Table(test)]),
    );
    std::fs::write(dir.join("exercises/Cargo.toml"), toml::to_string(&ex)?)?;
    // Sources: pristine stubs first, then the student's files on top.
    crate::file_tree::copy(&pristine.join("exercises/src"), &dir.join("exercises/src"))?;
    for (rel, bytes) in &sub.sources {
        if exercise_of(rel, manifest).is_some_and(|e| use_stub.contains(&e))
            || replace_with_pristine.contains(rel)
        {
            continue;
        }
        let out = dir.join("exercises/src").join(rel);
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&out, bytes)?;
    }
    // A module the stub swap replaced by a single file must not leave a folder beside it.
    for ex in use_stub {
        let folder = dir.join("exercises/src").join(ex);
        if folder.is_dir()
            && pristine
                .join("exercises/src")
                .join(format!("{ex}.rs"))
                .exists()
        {
            std::fs::remove_dir_all(&folder)?;
        }
    }
    write_graded_harness(dir, pristine, manifest)
}

/// The graded tests, each wrapped so that it reports completion with the harness's token.
fn write_graded_harness(dir: &Path, pristine: &Path, manifest: &Manifest) -> Result<()> {
    let tests_dir = dir.join("exercises/tests/graded");
    std::fs::create_dir_all(&tests_dir)?;
    // The head of the generated harness: a real Rust file (not compiled as part of this crate),
    // kept as it is written into the harness.
    let mut root = String::from(include_str!("graded_harness_head.rs"));
    // The helpers every graded test file includes (`include!("support.rs")`, resolved beside it).
    std::fs::copy(
        pristine.join("tests/support.rs"),
        tests_dir.join("support.rs"),
    )
    .context("cannot copy the graded tests' helpers tests/support.rs")?;
    for ex in &manifest.exercises {
        let public = format!("tests/{}.rs", ex.name);
        let text = std::fs::read_to_string(pristine.join(&public))
            .with_context(|| format!("cannot read the graded tests {public}"))?;
        let text = wrap_tests(&text, &ex.name).with_context(|| format!("in {public}"))?;
        std::fs::write(tests_dir.join(format!("{}.rs", ex.name)), text)?;
        // Hidden tests live in a `hidden` module inside the exercise's, as in the instructor's shims.
        let hidden = format!("tests/hidden/{}.rs", ex.name);
        let hidden_mod = match std::fs::read_to_string(pristine.join(&hidden)) {
            Ok(t) => {
                let t = wrap_tests(&t, &format!("{}::hidden", ex.name))
                    .with_context(|| format!("in {hidden}"))?;
                std::fs::write(tests_dir.join(format!("{}_hidden.rs", ex.name)), t)?;
                format!(
                    "    mod hidden {{\n        use super::*;\n        include!(\"graded/{}_hidden.rs\");\n    }}\n",
                    ex.name
                )
            }
            Err(_) => String::new(),
        };
        root.push_str(&format!(
            "mod {0} {{\n    #[allow(unused_imports)]\n    use super::WORKER_EXE;\n    include!(\"graded/{0}.rs\");\n{1}}}\n",
            ex.name, hidden_mod
        ));
    }
    std::fs::write(dir.join("exercises/tests/graded.rs"), root)?;
    Ok(())
}

/// Rewrites every `#[test] fn name() {` so that its body runs inside the completion wrapper:
/// `fn name() { crate::__grading::run("ex::name", __graded_body_name) } fn __graded_body_name() {`.
pub fn wrap_tests(source: &str, exercise: &str) -> Result<String> {
    let mut out = String::with_capacity(source.len() + 1024);
    let mut pending_test = false;
    for (i, line) in source.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[test]") {
            pending_test = true;
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if pending_test && t.starts_with("#[") {
            if t.starts_with("#[should_panic") {
                bail!(
                    "line {}: graded tests cannot be #[should_panic] (the grader needs them to return)",
                    i + 1
                );
            }
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if pending_test {
            pending_test = false;
            let Some(rest) = t.strip_prefix("fn ") else {
                bail!("line {}: expected `fn name() {{` after #[test]", i + 1);
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = rest[name.len()..].trim_start();
            if !after.starts_with("()") || !after[2..].trim_start().starts_with('{') {
                bail!(
                    "line {}: graded test `{name}` must be `fn {name}() {{` (no arguments, no return type)",
                    i + 1
                );
            }
            let indent = &line[..line.len() - t.len()];
            let brace = after[2..].trim_start();
            out.push_str(&format!(
                "{indent}fn {name}() {{ crate::__grading::run(\"{exercise}::{name}\", __graded_body_{name}) }}\n{indent}fn __graded_body_{name}() {}\n",
                brace
            ));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn the_given_code_is_always_the_pristine_one() {
        let tmp = std::env::temp_dir().join(format!("course-given-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let (pristine, student) = (tmp.join("pristine"), tmp.join("student"));
        for root in [&pristine, &student] {
            write(root, "exercises/src/lib.rs", "pub mod given;\n");
            write(root, "exercises/src/given/mod.rs", "pub mod ex01_a;\n");
            write(
                root,
                "exercises/src/given/ex01_a.rs",
                "pub const N: u8 = 1;\n",
            );
            write(root, "exercises/src/ex01_a.rs", "// stub\n");
        }
        // The student solved ex01, changed a given file and added one.
        write(&student, "exercises/src/ex01_a.rs", "// solved\n");
        write(
            &student,
            "exercises/src/given/ex01_a.rs",
            "pub const N: u8 = 2;\n",
        );
        write(&student, "exercises/src/given/extra.rs", "\n");
        let sub = open_submission(&student, &tmp.join("scratch"), &pristine).unwrap();
        let used: Vec<&Path> = sub.sources.keys().map(PathBuf::as_path).collect();
        assert_eq!(used, [Path::new("ex01_a.rs"), Path::new("lib.rs")]);
        assert_eq!(
            sub.ignored,
            [
                "exercises/src/given/ex01_a.rs (changed)",
                "exercises/src/given/extra.rs (added)"
            ]
        );
        // The workspace holds the pristine given code and the student's exercise.
        write(
            &pristine,
            "Cargo.toml",
            "[workspace]\nmembers = [\"exercises\"]\n",
        );
        write(
            &pristine,
            "exercises/Cargo.toml",
            "[package]\nname = \"exercises\"\n",
        );
        write(&pristine, "tests/support.rs", "\n");
        let manifest = Manifest {
            exercises: Vec::new(),
        };
        let ws = tmp.join("ws");
        let none = BTreeSet::new();
        write_workspace(&ws, &pristine, &manifest, &sub, &none, &BTreeSet::new()).unwrap();
        let read = |rel: &str| std::fs::read_to_string(ws.join(rel)).unwrap();
        assert_eq!(
            read("exercises/src/given/ex01_a.rs"),
            "pub const N: u8 = 1;\n"
        );
        assert!(!ws.join("exercises/src/given/extra.rs").exists());
        assert_eq!(read("exercises/src/ex01_a.rs"), "// solved\n");
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn wraps_each_test_and_keeps_the_rest() {
        let src = "use x::*;\n#[test]\nfn adds() {\n    assert_eq!(1, 1);\n}\n\nfn helper() {}\n";
        let w = wrap_tests(src, "ex01").unwrap();
        assert!(
            w.contains("fn adds() { crate::__grading::run(\"ex01::adds\", __graded_body_adds) }"),
            "{w}"
        );
        assert!(
            w.contains("fn __graded_body_adds() {\n    assert_eq!(1, 1);"),
            "{w}"
        );
        assert!(w.contains("fn helper() {}"));
    }

    #[test]
    fn refuses_tests_it_cannot_wrap() {
        assert!(wrap_tests("#[test]\n#[should_panic]\nfn p() {}\n", "e").is_err());
        assert!(wrap_tests("#[test]\nfn r() -> Result<(), ()> { Ok(()) }\n", "e").is_err());
    }
}
