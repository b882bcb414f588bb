//! The grader's outputs: a terminal table, Gradescope's `results.json`, JUnit XML, a CSV
//! gradebook and per-student feedback in Markdown. Hidden tests are marked hidden everywhere, and
//! their output and code never reach the student-facing files.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;

use super::{SubmissionResult, TestResult};
use crate::manifest::Manifest;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The terminal table.
    Table,
    /// Gradescope's results.json.
    Gradescope,
    /// JUnit XML.
    Junit,
    /// The CSV gradebook.
    Csv,
    /// Markdown feedback per student.
    Feedback,
}

impl Format {
    /// Parses `table,gradescope,...`.
    pub fn parse_list(s: &str) -> Result<Vec<Format>> {
        s.split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| match w {
                "table" => Ok(Format::Table),
                "gradescope" => Ok(Format::Gradescope),
                "junit" => Ok(Format::Junit),
                "csv" => Ok(Format::Csv),
                "feedback" => Ok(Format::Feedback),
                other => anyhow::bail!(
                    "unknown format `{other}`: use table, gradescope, junit, csv, feedback"
                ),
            })
            .collect()
    }
}

/// Short exercise column names: `ex04`.
fn short(ex: &str) -> &str {
    ex.get(..4).unwrap_or(ex)
}

/// The terminal table: student, per-exercise points, total.
pub fn table(results: &[SubmissionResult]) -> String {
    let mut s = String::new();
    let Some(first) = results.first() else {
        return "no submissions\n".into();
    };
    let width = results
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = write!(s, "{:<width$}", "student");
    for ex in &first.exercises {
        let _ = write!(s, " {:>7}", short(&ex.name));
    }
    let _ = writeln!(s, " {:>9}", "total");
    for r in results {
        let _ = write!(s, "{:<width$}", r.name);
        for ex in &r.exercises {
            let _ = write!(s, " {:>7}", format!("{}/{}", ex.score, ex.max_score));
        }
        let _ = write!(s, " {:>9}", format!("{}/{}", r.score(), r.max_score()));
        if let Some(why) = &r.could_not_grade {
            let _ = write!(s, "  could not grade: {}", why.lines().next().unwrap_or(""));
        }
        let _ = writeln!(s);
    }
    s
}

/// Gradescope's results.json for one submission (the autograder specification's fields).
pub fn gradescope(r: &SubmissionResult) -> serde_json::Value {
    let mut tests = Vec::new();
    for (number, t) in r.exercises.iter().flat_map(|e| e.tests.iter()).enumerate() {
        let output = if t.hidden {
            format!("{} (hidden test)", t.verdict.describe())
        } else if t.verdict.passed() {
            String::new()
        } else {
            format!("{}\n\n{}", t.verdict.describe(), t.output)
        };
        tests.push(json!({
            "name": format!("{}::{}", t.exercise, t.name),
            "number": format!("{}.{}", short(&t.exercise).trim_start_matches("ex"), number + 1),
            "score": t.score,
            "max_score": t.max_score,
            "status": if t.verdict.passed() { "passed" } else { "failed" },
            "output": output,
            "visibility": if t.hidden { "hidden" } else { "visible" },
            "tags": [t.exercise.clone(), t.verdict.code().to_string()],
        }));
    }
    let mut output = String::new();
    if let Some(why) = &r.could_not_grade {
        let _ = writeln!(output, "Could not grade this submission: {why}");
    }
    for ex in &r.exercises {
        if let Some(err) = &ex.compile_error {
            let _ = writeln!(
                output,
                "{} did not compile and was graded as the unsolved stub:\n{err}",
                ex.name
            );
        }
    }
    if !r.ignored_files.is_empty() {
        let _ = writeln!(
            output,
            "Ignored files (only exercises/src/**/*.rs is graded): {}",
            r.ignored_files.join(", ")
        );
    }
    json!({
        "score": r.score(),
        "execution_time": r.elapsed.as_secs(),
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": { "max_score": r.max_score(), "protections": r.protections },
    })
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML for one submission: a testsuite per exercise.
pub fn junit(r: &SubmissionResult) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let all: Vec<&TestResult> = r.exercises.iter().flat_map(|e| e.tests.iter()).collect();
    let failures = all.iter().filter(|t| !t.verdict.passed()).count();
    let _ = writeln!(
        s,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\">",
        xml_escape(&r.name),
        all.len(),
        failures
    );
    for ex in &r.exercises {
        let f = ex.tests.iter().filter(|t| !t.verdict.passed()).count();
        let time: f64 = ex.tests.iter().map(|t| t.elapsed.as_secs_f64()).sum();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" time=\"{time:.3}\">",
            xml_escape(&ex.name),
            ex.tests.len()
        );
        for t in &ex.tests {
            let name = if t.hidden {
                format!("{} [hidden]", t.name)
            } else {
                t.name.clone()
            };
            let _ = write!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                xml_escape(&ex.name),
                xml_escape(&name),
                t.elapsed.as_secs_f64()
            );
            if t.verdict.passed() {
                let _ = writeln!(s, "/>");
            } else {
                let _ = writeln!(
                    s,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    t.verdict.code(),
                    xml_escape(&t.verdict.describe()),
                    xml_escape(&t.output)
                );
            }
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The class gradebook: one row per student, one column per exercise, the total.
pub fn csv(results: &[SubmissionResult]) -> String {
    let mut s = String::new();
    let Some(first) = results.first() else {
        return "student,total,max\n".into();
    };
    s.push_str("student");
    for ex in &first.exercises {
        s.push(',');
        s.push_str(&ex.name);
    }
    s.push_str(",total,max,status\n");
    for r in results {
        s.push_str(&csv_field(&r.name));
        for ex in &r.exercises {
            let _ = write!(s, ",{}", ex.score);
        }
        let status = match &r.could_not_grade {
            Some(why) => format!("could not grade: {}", why.lines().next().unwrap_or("")),
            None => "graded".into(),
        };
        let _ = writeln!(s, ",{},{},{}", r.score(), r.max_score(), csv_field(&status));
    }
    s
}

/// Feedback for the student: what failed, why, and the first hint. Hidden tests are counted, never
/// shown.
pub fn feedback(r: &SubmissionResult, manifest: &Manifest) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Feedback for {}\n", r.name);
    let _ = writeln!(s, "**Score: {} / {}**\n", r.score(), r.max_score());
    if let Some(why) = &r.could_not_grade {
        let _ = writeln!(s, "Your submission could not be graded: {why}\n");
        return s;
    }
    for ex in &r.exercises {
        let _ = writeln!(s, "## {} — {} / {}\n", ex.name, ex.score, ex.max_score);
        if let Some(err) = &ex.compile_error {
            let _ = writeln!(
                s,
                "Your code for this exercise does not compile, so it was graded as the unsolved stub. The compiler said:\n\n```text\n{}\n```\n",
                err.trim_end()
            );
        }
        let failed: Vec<&TestResult> = ex.tests.iter().filter(|t| !t.verdict.passed()).collect();
        if failed.is_empty() {
            let _ = writeln!(s, "Every test passes.\n");
            continue;
        }
        let hidden_failed = failed.iter().filter(|t| t.hidden).count();
        for t in failed.iter().filter(|t| !t.hidden) {
            let _ = writeln!(
                s,
                "- `{}` {} ({} points)",
                t.name,
                t.verdict.describe(),
                t.max_score
            );
            let excerpt: String = t
                .output
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(12)
                .collect::<Vec<_>>()
                .join("\n");
            if !excerpt.is_empty() {
                let _ = writeln!(s, "\n  ```text\n{}\n  ```", indent(&excerpt, "  "));
            }
        }
        if hidden_failed > 0 {
            let _ = writeln!(s, "- {hidden_failed} hidden test(s) failed.");
        }
        if let Some(hint) = manifest
            .exercises
            .iter()
            .find(|e| e.name == ex.name)
            .and_then(|e| e.hints.first())
        {
            let _ = writeln!(s, "\nHint: {hint}\n");
        }
    }
    if !r.ignored_files.is_empty() {
        let _ = writeln!(s, "## Files that were not graded\n");
        let _ = writeln!(
            s,
            "Only `exercises/src/**/*.rs` is graded; these were ignored:\n"
        );
        for f in &r.ignored_files {
            let _ = writeln!(s, "- `{f}`");
        }
    }
    s
}

fn indent(s: &str, pad: &str) -> String {
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes `path` whole or not at all: into a temporary file beside it, then renamed over it, so a
/// reader (or a grader interrupted halfway) sees the old file or the complete new one.
pub fn write_atomic(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// The per-student files a format writes.
pub const STUDENT_FILES: [&str; 3] = ["results.json", "junit.xml", "feedback.md"];

/// Writes one submission's files of the requested formats into `dir` (created if needed).
pub fn write_submission(
    r: &SubmissionResult,
    manifest: &Manifest,
    formats: &[Format],
    dir: &Path,
) -> Result<()> {
    if formats
        .iter()
        .any(|f| matches!(f, Format::Gradescope | Format::Junit | Format::Feedback))
    {
        std::fs::create_dir_all(dir)?;
    }
    if formats.contains(&Format::Gradescope) {
        write_atomic(
            &dir.join("results.json"),
            serde_json::to_string_pretty(&gradescope(r))?,
        )?;
    }
    if formats.contains(&Format::Junit) {
        write_atomic(&dir.join("junit.xml"), junit(r))?;
    }
    if formats.contains(&Format::Feedback) {
        write_atomic(&dir.join("feedback.md"), feedback(r, manifest))?;
    }
    Ok(())
}

/// Writes the class gradebook `grades.csv` into `out`, if `formats` asks for it.
pub fn write_gradebook(results: &[SubmissionResult], formats: &[Format], out: &Path) -> Result<()> {
    if formats.contains(&Format::Csv) {
        std::fs::create_dir_all(out)?;
        write_atomic(&out.join("grades.csv"), csv(results))?;
    }
    Ok(())
}

/// Writes the files of every requested format under `out`: a folder per student, and the
/// gradebook.
pub fn write_all(
    results: &[SubmissionResult],
    manifest: &Manifest,
    formats: &[Format],
    out: &Path,
) -> Result<()> {
    std::fs::create_dir_all(out)?;
    for r in results {
        write_submission(r, manifest, formats, &out.join(&r.name))?;
    }
    write_gradebook(results, formats, out)
}
