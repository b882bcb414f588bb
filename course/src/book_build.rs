//! Building the book: mdBook 0.5 used as a library, with every warning turned into an error.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use mdbook_driver::MDBook;

use crate::log_capture;

/// Builds the HTML book into `book/` (or `dest`) and returns the folder holding `index.html`; any broken include, missing chapter, mdBook warning or
/// error fails the build with a message naming the file and line where one is known.
pub fn build(root: &Path, dest: Option<&Path>) -> Result<PathBuf> {
    log_capture::install();
    // 1. Our own include check: mdBook only logs a broken include, we name file and line.
    let src = root.join("src");
    let mut problems = Vec::new();
    for file in markdown_files(&src)? {
        if let Err(e) = book_include::expand_file(&file) {
            problems.push(e.to_string());
        }
    }
    problems.extend(missing_chapters(&src)?);
    if !problems.is_empty() {
        bail!("the book has broken links:\n  {}", problems.join("\n  "));
    }
    // 2. mdBook itself; it errors on a chapter whose file is missing (create-missing = false).
    log_capture::take();
    let mut book =
        MDBook::load(root).map_err(|e| anyhow!("{e:#}")).context("cannot load the book (book.toml, src/SUMMARY.md)")?;
    if let Some(dest) = dest {
        book.config.build.build_dir = dest.to_path_buf();
    }
    let out = book.build_dir_for("html");
    book.build().map_err(|e| anyhow!("{e:#}")).context("mdBook could not build the book")?;
    // 3. Anything mdBook warned about is an error here: a book that "builds" with a broken link
    //    or include is not built.
    let warnings = log_capture::take();
    if !warnings.is_empty() {
        bail!("mdBook reported problems:\n  {}", warnings.join("\n  "));
    }
    Ok(out)
}

/// Chapters that `SUMMARY.md` lists but whose file does not exist, as `file:line: message`.
fn missing_chapters(src: &Path) -> Result<Vec<String>> {
    let summary = src.join("SUMMARY.md");
    let text = std::fs::read_to_string(&summary).with_context(|| format!("cannot read {}", summary.display()))?;
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split('#').next().unwrap_or("").trim();
            if !target.is_empty() && !target.contains("://") && !src.join(target).is_file() {
                problems.push(format!(
                    "{}:{}: chapter file `{target}` does not exist (create src/{target} or fix the link)",
                    summary.display(),
                    i + 1
                ));
            }
            rest = &after[end..];
        }
    }
    Ok(problems)
}

fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

