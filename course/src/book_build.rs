//! Building the book: mdBook 0.5 used as a library, with every warning turned into an error.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use mdbook_driver::MDBook;

use crate::{file_tree, log_capture};

/// Which edition of the book to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// The student edition (the default): `<!-- instructor -->` regions are left out.
    Student,
    /// The instructor edition: `<!-- instructor -->` regions are kept (solutions included by anchor).
    Instructor,
}

impl Edition {
    fn dir_name(self) -> &'static str {
        match self {
            Edition::Student => "book",
            Edition::Instructor => "book-instructor",
        }
    }
}

/// Opens an instructor-only region of a chapter (on a line of its own); `INSTRUCTOR_END` closes it.
pub const INSTRUCTOR_BEGIN: &str = "<!-- instructor -->";
/// Closes an instructor-only region.
pub const INSTRUCTOR_END: &str = "<!-- /instructor -->";

/// Builds the student edition into `book/` (or `dest`); see [`build_edition`].
pub fn build(root: &Path, dest: Option<&Path>) -> Result<PathBuf> {
    build_edition(root, dest, Edition::Student)
}

/// Builds the HTML book into `book/` (student edition), `book-instructor/` (instructor edition) or
/// `dest`, and returns the folder holding `index.html`.
///
/// The chapters are first staged under `target/book-staging/`: instructor regions kept or left
/// out, every `{{#include}}` expanded by [`book_include`], which fails with file and line where
/// mdBook would only log. Then mdBook renders the staged book; a missing chapter, and any warning
/// or error mdBook logs, fails the build.
pub fn build_edition(root: &Path, dest: Option<&Path>, edition: Edition) -> Result<PathBuf> {
    log_capture::install();
    let src = root.join("src");
    let mut problems = missing_chapters(&src)?;
    let staging = root.join("target/book-staging").join(edition.dir_name());
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    std::fs::copy(root.join("book.toml"), staging.join("book.toml"))
        .context("cannot read book.toml")?;
    file_tree::copy(&src, &staging.join("src"))?;
    if root.join("theme").is_dir() {
        file_tree::copy(&root.join("theme"), &staging.join("theme"))?;
    }
    for file in file_tree::files_with_extension(&src, "md")? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let selected = match select_edition(&text, edition) {
            Ok(t) => t,
            Err((line, msg)) => {
                problems.push(format!("{}:{line}: {msg}", file.display()));
                continue;
            }
        };
        // Escaped links stay escaped for mdBook, which unescapes them itself.
        let guarded = selected.replace("\\{{#", "\u{E000}");
        match book_include::expand_text(&guarded, &file) {
            Ok(e) => {
                let rel = file.strip_prefix(&src).expect("below src");
                std::fs::write(
                    staging.join("src").join(rel),
                    e.text.replace('\u{E000}', "\\{{#"),
                )?;
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        bail!("the book has broken links:\n  {}", problems.join("\n  "));
    }
    log_capture::take();
    let mut book = MDBook::load(&staging)
        .map_err(|e| anyhow!("{e:#}"))
        .context("cannot load the book (book.toml, src/SUMMARY.md)")?;
    book.config.build.build_dir = match dest {
        Some(d) => d.to_path_buf(),
        None => root.join(edition.dir_name()),
    };
    let out = book.build_dir_for("html");
    book.build()
        .map_err(|e| anyhow!("{e:#}"))
        .context("mdBook could not build the book")?;
    // Anything mdBook warned about is an error here: a book that "builds" with a broken link or
    // an unclosed HTML tag is not built.
    let warnings = log_capture::take();
    if !warnings.is_empty() {
        bail!("mdBook reported problems:\n  {}", warnings.join("\n  "));
    }
    Ok(out)
}

/// Keeps or blanks the instructor regions; blanked lines stay as empty lines so that line numbers
/// in error messages still match the file. `Err((line, message))` for an unbalanced marker.
pub fn select_edition(
    text: &str,
    edition: Edition,
) -> std::result::Result<String, (usize, String)> {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t == INSTRUCTOR_BEGIN {
            if let Some(at) = open {
                return Err((
                    i + 1,
                    format!("`{INSTRUCTOR_BEGIN}` inside the region opened on line {at}"),
                ));
            }
            open = Some(i + 1);
            out.push('\n');
            continue;
        }
        if t == INSTRUCTOR_END {
            if open.take().is_none() {
                return Err((
                    i + 1,
                    format!("`{INSTRUCTOR_END}` without `{INSTRUCTOR_BEGIN}`"),
                ));
            }
            out.push('\n');
            continue;
        }
        if open.is_none() || edition == Edition::Instructor {
            out.push_str(line);
        }
        out.push('\n');
    }
    if let Some(at) = open {
        return Err((
            at,
            format!("`{INSTRUCTOR_BEGIN}` is never closed with `{INSTRUCTOR_END}`"),
        ));
    }
    Ok(out)
}

/// Chapters that `SUMMARY.md` lists but whose file does not exist, as `file:line: message`.
fn missing_chapters(src: &Path) -> Result<Vec<String>> {
    let summary = src.join("SUMMARY.md");
    let text = std::fs::read_to_string(&summary)
        .with_context(|| format!("cannot read {}", summary.display()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editions_keep_or_blank_instructor_regions() {
        let text = "a\n<!-- instructor -->\nsecret\n<!-- /instructor -->\nb\n";
        assert_eq!(
            select_edition(text, Edition::Student).unwrap(),
            "a\n\n\n\nb\n"
        );
        assert_eq!(
            select_edition(text, Edition::Instructor).unwrap(),
            "a\n\nsecret\n\nb\n"
        );
    }

    #[test]
    fn unbalanced_markers_name_the_line() {
        assert_eq!(
            select_edition("x\n<!-- instructor -->\n", Edition::Student)
                .unwrap_err()
                .0,
            2
        );
        assert_eq!(
            select_edition("<!-- /instructor -->\n", Edition::Student)
                .unwrap_err()
                .0,
            1
        );
    }
}
