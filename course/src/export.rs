//! Exporting parts of the instructor tree: the student handout (`course handout DIR`) and the
//! Gradescope autograder package (`course autograder OUT.zip`).
//!
//! The handout holds the book, the exercise stubs, the public graded tests, the course tool and a
//! README for students: never the solutions, the fixtures, the hidden tests, or the manifest
//! entries of hidden tests. The autograder package holds what grading needs: the same tree plus the
//! hidden tests, and the two scripts Gradescope runs.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// Which tree to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The student repository.
    Handout,
    /// The grader's source for Gradescope (includes hidden tests).
    Autograder,
}

/// The README students get at the top of their handout.
const STUDENT_README: &str = include_str!("../handout/README.md");
/// Gradescope's one-time set-up script.
const SETUP_SH: &str = include_str!("../handout/setup.sh");
/// Gradescope's per-submission script.
const RUN_AUTOGRADER: &str = include_str!("../handout/run_autograder");

/// Writes the exported tree into `dest` (which must not exist or be empty).
pub fn export_tree(root: &Path, dest: &Path, kind: Kind) -> Result<()> {
    if dest.exists() && std::fs::read_dir(dest)?.next().is_some() {
        bail!("`{}` is not empty: choose a new folder", dest.display());
    }
    std::fs::create_dir_all(dest)?;
    for dir in [
        "src",
        "exercises/src",
        // `cargo course trace`: the exercises crate's example and the harness it includes.
        "exercises/examples",
        "tests/trace",
        "course/src",
        "course/handout",
        "course/book-include/src",
    ] {
        crate::file_tree::copy(&root.join(dir), &dest.join(dir))?;
    }
    for file in [
        "book.toml",
        "Cargo.lock",
        ".gitignore",
        ".cargo/config.toml",
        "exercises/Cargo.toml",
        // `cargo fmt` keeps the exercises at the 80 columns they are written in.
        "exercises/rustfmt.toml",
        "course/Cargo.toml",
        "course/book-include/Cargo.toml",
    ] {
        copy_file(&root.join(file), &dest.join(file))?;
    }
    // Public graded tests and their shims (the shims name the exercises crate).
    for entry in std::fs::read_dir(root.join("tests"))? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "rs") {
            copy_file(&p, &dest.join("tests").join(p.file_name().expect("a file")))?;
        }
    }
    crate::file_tree::copy(&root.join("exercises/tests"), &dest.join("exercises/tests"))?;
    if kind == Kind::Handout {
        for entry in std::fs::read_dir(dest.join("exercises/tests"))? {
            let p = entry?.path();
            let text = std::fs::read_to_string(&p)?;
            std::fs::write(&p, strip_hidden_block(&text))?;
        }
    }
    if kind == Kind::Autograder && root.join("tests/hidden").is_dir() {
        crate::file_tree::copy(&root.join("tests/hidden"), &dest.join("tests/hidden"))?;
    }
    // The manifest: hidden tests only in the autograder's copy.
    let manifest = std::fs::read_to_string(root.join(crate::MANIFEST_PATH))?;
    let manifest = if kind == Kind::Handout {
        strip_hidden_tests(&manifest)?
    } else {
        manifest
    };
    std::fs::write(dest.join(crate::MANIFEST_PATH), manifest)?;
    // A workspace of three members: the tool, its include expander, the exercises.
    let ws = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut ws: toml::Table = toml::from_str(&ws).context("Cargo.toml")?;
    if let Some(toml::Value::Table(w)) = ws.get_mut("workspace") {
        let members = ["course", "course/book-include", "exercises"];
        w.insert(
            "members".into(),
            toml::Value::Array(
                members
                    .iter()
                    .map(|m| toml::Value::String(m.to_string()))
                    .collect(),
            ),
        );
        w.insert(
            "default-members".into(),
            toml::Value::Array(vec![toml::Value::String("exercises".into())]),
        );
    }
    let header = "# The student workspace: the exercises you edit, and the course tool.\n\
                  # `cargo test` here (or in exercises/) runs the graded tests against your code.\n\n";
    std::fs::write(
        dest.join("Cargo.toml"),
        format!("{header}{}", toml::to_string(&ws)?),
    )?;
    std::fs::write(dest.join("README.md"), STUDENT_README)?;
    if kind == Kind::Handout {
        // The student's tool is built without the instructor's verbs and without mdBook (see
        // course/Cargo.toml), in the dev profile the exercises' tests use too, so its first build
        // shares their dependencies; the book comes rendered.
        crate::book_build::build(root, Some(&dest.join("book")))
            .context("cannot render the book for the handout")?;
        std::fs::write(dest.join(".cargo/config.toml"), STUDENT_CARGO_CONFIG)?;
        std::fs::write(dest.join(".gitignore"), STUDENT_GITIGNORE)?;
    }
    Ok(())
}

/// The handout's cargo alias: the student's tool (no `instructor` feature, dev profile).
const STUDENT_CARGO_CONFIG: &str = "[alias]\n\
# The course tool: `cargo course book --serve`, `cargo course check`, `cargo course hint ex04`.\n\
# Built without the instructor's verbs: the book in book/ comes rendered, nothing heavy compiles.\n\
course = \"run -q -p course --no-default-features --\"\n";

/// The handout's .gitignore: unlike the instructor's tree, the rendered `book/` is part of it.
const STUDENT_GITIGNORE: &str = "/target/\n*.swp\n";

/// Removes `[[exercise.test]]` entries marked `hidden = true` from the manifest text.
fn strip_hidden_tests(text: &str) -> Result<String> {
    let mut out = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    let mut in_test = false;
    let flush = |block: &mut Vec<&str>, out: &mut Vec<String>| {
        let hidden = block.iter().any(|l| {
            let t = l.trim().replace(' ', "");
            t == "hidden=true"
        });
        if !hidden {
            out.extend(block.iter().map(|l| l.to_string()));
        }
        block.clear();
    };
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            if in_test {
                flush(&mut block, &mut out);
            }
            in_test = t == "[[exercise.test]]";
        }
        if in_test {
            block.push(line);
        } else {
            out.push(line.to_string());
        }
    }
    if in_test {
        flush(&mut block, &mut out);
    }
    let text = out.join("\n") + "\n";
    crate::manifest::Manifest::parse(&text).context("the handout's manifest")?;
    Ok(text)
}

/// Removes the lines from `// BEGIN hidden` to `// END hidden` (the shims' hidden-tests module).
fn strip_hidden_block(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("// BEGIN hidden") {
            skipping = true;
        } else if t.starts_with("// END hidden") {
            skipping = false;
        } else if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(from, to).with_context(|| format!("cannot copy {}", from.display()))?;
    Ok(())
}

/// Writes the Gradescope autograder zip: `setup.sh` and `run_autograder` at its root, the grader's
/// tree under `source/`.
pub fn write_autograder_zip(root: &Path, out_zip: &Path) -> Result<()> {
    let staging = root.join("target/course-autograder");
    let _ = std::fs::remove_dir_all(&staging);
    export_tree(root, &staging.join("source"), Kind::Autograder)?;
    let file = std::fs::File::create(out_zip)
        .with_context(|| format!("cannot create {}", out_zip.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let exec = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
    let plain = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
    zip.start_file("setup.sh", exec)?;
    zip.write_all(SETUP_SH.as_bytes())?;
    zip.start_file("run_autograder", exec)?;
    zip.write_all(RUN_AUTOGRADER.as_bytes())?;
    for abs in crate::file_tree::files(&staging.join("source"))? {
        let rel = abs.strip_prefix(&staging).expect("below staging");
        zip.start_file(rel.to_string_lossy(), plain)?;
        zip.write_all(&std::fs::read(&abs)?)?;
    }
    zip.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_modules_are_stripped_from_the_handout_shims() {
        let shim = "use x as under_test;\ninclude!(\"a.rs\");\n// BEGIN hidden\nmod hidden {\n}\n// END hidden\n";
        assert_eq!(
            strip_hidden_block(shim),
            "use x as under_test;\ninclude!(\"a.rs\");\n"
        );
    }

    #[test]
    fn hidden_tests_are_stripped_from_the_handout_manifest() {
        let text = "[[exercise]]\nname = \"ex01_a\"\ntitle = \"t\"\nchapter = \"c.md\"\nhints = [\"h\", \"i\"]\n\n\
                    [[exercise.test]]\nname = \"public\"\npoints = 1\n\n\
                    [[exercise.test]]\nname = \"secret\"\npoints = 2\nhidden = true\n\n\
                    [[exercise]]\nname = \"ex02_b\"\ntitle = \"t\"\nchapter = \"c.md\"\n";
        let out = strip_hidden_tests(text).unwrap();
        assert!(out.contains("public") && !out.contains("secret"), "{out}");
        let m = crate::manifest::Manifest::parse(&out).unwrap();
        assert_eq!(m.exercises.len(), 2);
        assert_eq!(m.exercises[0].tests.len(), 1);
    }
}
