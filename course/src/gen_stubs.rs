//! `course gen-stubs`: the exercise stubs in `exercises/src/` are generated from the reference
//! solutions in `solutions/src/`, so that the code both share (types, protocols, given helpers,
//! doc contracts) is written once and can never drift.
//!
//! Markers in a solution file, each on a line of its own:
//! - `// SOLUTION BEGIN` ... `// SOLUTION END`: the lines between are the solution; the stub
//!   leaves them out.
//! - `// STUB: text`: a line only the stub has (`text`, at the marker's indentation), such as
//!   a stub-only doc line or a `let _ = arg;`.
//! - `// STUB-TODO: "task"`: the `todo!("task")` that tells the student what to write; a run of
//!   such lines is one call (`// STUB-TODO: "long \` then `// STUB-TODO: task"`). The solution
//!   itself then holds no `todo!`, not even in a comment.
//!
//! Everything else is copied as it is. The result is formatted with rustfmt under the
//! `exercises` crate's own `rustfmt.toml` (as `cargo fmt` formats it: 80 columns, so that the
//! code the book includes fits the page), and `cargo test` fails when a committed stub differs
//! from what its solution generates.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

const BEGIN: &str = "// SOLUTION BEGIN";
const END: &str = "// SOLUTION END";
const STUB: &str = "// STUB:";
const STUB_TODO: &str = "// STUB-TODO:";

/// The stub's text for a solution's text (before formatting). Errors name the line.
pub fn stub_from_solution(solution: &str, name: &str) -> Result<String> {
    let mut out = String::with_capacity(solution.len());
    let mut open: Option<usize> = None;
    let mut in_todo = false;
    let lines: Vec<&str> = solution.lines().collect();
    for (i, line) in lines.iter().copied().enumerate() {
        let lineno = i + 1;
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed == BEGIN {
            if let Some(at) = open {
                bail!("{name}:{lineno}: `{BEGIN}` inside the region opened at line {at}");
            }
            open = Some(lineno);
        } else if trimmed == END {
            if open.take().is_none() {
                bail!("{name}:{lineno}: `{END}` without a `{BEGIN}` before it");
            }
        } else if let Some(rest) = trimmed.strip_prefix(STUB_TODO) {
            if let Some(at) = open {
                bail!(
                    "{name}:{lineno}: `{STUB_TODO}` inside the solution region opened at line {at}"
                );
            }
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            let next_is_todo = lines
                .get(i + 1)
                .is_some_and(|l| l.trim_start().starts_with(STUB_TODO));
            if !in_todo {
                out.push_str(indent);
                out.push_str("todo!(");
            } else {
                out.push_str(indent);
            }
            out.push_str(rest);
            if next_is_todo {
                out.push('\n');
            } else {
                out.push_str(")\n");
            }
            in_todo = next_is_todo;
        } else if let Some(rest) = trimmed.strip_prefix(STUB) {
            if let Some(at) = open {
                bail!("{name}:{lineno}: `{STUB}` inside the solution region opened at line {at}");
            }
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            out.push_str(indent);
            out.push_str(rest);
            out.push('\n');
        } else if trimmed.starts_with("// STUB") || trimmed.starts_with("// SOLUTION") {
            bail!(
                "{name}:{lineno}: unknown marker `{trimmed}` (the markers are `{BEGIN}`, `{END}`, \
                 `{STUB} text` and `{STUB_TODO} \"task\"`)"
            );
        } else if open.is_none() {
            out.push_str(line);
            out.push('\n');
        }
    }
    if let Some(at) = open {
        bail!("{name}:{at}: `{BEGIN}` is never closed with `{END}`");
    }
    Ok(out)
}

/// The rustfmt configuration of the stubs' crate, which `cargo fmt` uses for them.
pub const STUB_RUSTFMT_CONFIG: &str = "exercises/rustfmt.toml";

/// Formats Rust source with rustfmt (edition 2024) under the configuration file `config`, as
/// `cargo fmt` formats a file of the crate that holds `config` (rustfmt reading stdin would not
/// find the file by itself).
pub fn rustfmt(source: &str, config: &Path) -> Result<String> {
    use std::io::Write as _;
    if !config.is_file() {
        bail!(
            "no rustfmt configuration at {}: the stubs are formatted as `cargo fmt` formats \
             the exercises crate, so restore that file (max_width = 80)",
            config.display()
        );
    }
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--config-path"])
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run rustfmt (install it with `rustup component add rustfmt`)")?;
    let mut stdin = child.stdin.take().expect("piped");
    let text = source.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child.wait_with_output().context("rustfmt")?;
    let _ = writer.join();
    if !out.status.success() {
        bail!(
            "rustfmt refused the generated stub:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// One exercise's pair of files.
pub struct StubPair {
    pub solution: PathBuf,
    pub stub: PathBuf,
    /// The rustfmt configuration the stub is formatted with ([`STUB_RUSTFMT_CONFIG`]).
    pub rustfmt_config: PathBuf,
}

/// The exercise modules (`exNN_*.rs`) of `solutions/src`, with their stubs' paths.
pub fn pairs(root: &Path) -> Result<Vec<StubPair>> {
    let mut out = Vec::new();
    for file in crate::file_tree::files_with_extension(&root.join("solutions/src"), "rs")? {
        let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.starts_with("ex") && file.parent() == Some(&root.join("solutions/src")) {
            out.push(StubPair {
                stub: root.join("exercises/src").join(name),
                solution: file,
                rustfmt_config: root.join(STUB_RUSTFMT_CONFIG),
            });
        }
    }
    out.sort_by(|a, b| a.solution.cmp(&b.solution));
    Ok(out)
}

/// The generated stub of one solution file.
pub fn generate(pair: &StubPair) -> Result<String> {
    let text = std::fs::read_to_string(&pair.solution)
        .with_context(|| format!("cannot read {}", pair.solution.display()))?;
    let name = pair.solution.display().to_string();
    rustfmt(&stub_from_solution(&text, &name)?, &pair.rustfmt_config)
}

/// The stubs that differ from what their solutions generate.
pub fn out_of_date(root: &Path) -> Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for pair in pairs(root)? {
        let generated = generate(&pair)?;
        if std::fs::read_to_string(&pair.stub).ok().as_deref() != Some(generated.as_str()) {
            stale.push(pair.stub);
        }
    }
    Ok(stale)
}

/// Writes every stub; returns the ones that changed.
pub fn write_all(root: &Path) -> Result<Vec<PathBuf>> {
    let mut changed = Vec::new();
    for pair in pairs(root)? {
        let generated = generate(&pair)?;
        if std::fs::read_to_string(&pair.stub).ok().as_deref() != Some(generated.as_str()) {
            std::fs::write(&pair.stub, generated)
                .with_context(|| format!("cannot write {}", pair.stub.display()))?;
            changed.push(pair.stub);
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLUTION: &str = "\
//! Exercise.
// STUB: //! Run the tests with `cargo test`.
use std::thread;
// SOLUTION BEGIN
use std::sync::Mutex;
// SOLUTION END

pub fn f(x: u32) -> u32 {
    // STUB: let _ = x;
    // STUB-TODO: \"double \\
    // STUB-TODO: x\"
    // SOLUTION BEGIN
    x * 2
    // SOLUTION END
}
";

    #[test]
    fn solution_regions_are_left_out_and_stub_lines_kept() {
        let stub = stub_from_solution(SOLUTION, "s.rs").unwrap();
        assert_eq!(
            stub,
            "//! Exercise.\n//! Run the tests with `cargo test`.\nuse std::thread;\n\n\
             pub fn f(x: u32) -> u32 {\n    let _ = x;\n    todo!(\"double \\\n    x\")\n}\n"
        );
    }

    #[test]
    fn unbalanced_markers_are_errors_with_the_line() {
        let e = stub_from_solution("// SOLUTION BEGIN\nx\n", "s.rs").unwrap_err();
        assert!(e.to_string().contains("s.rs:1"), "{e}");
        let e = stub_from_solution("x\n// SOLUTION END\n", "s.rs").unwrap_err();
        assert!(e.to_string().contains("s.rs:2"), "{e}");
        let e = stub_from_solution("// SOLUTION BEGIN\n// STUB: y\n// SOLUTION END\n", "s.rs")
            .unwrap_err();
        assert!(e.to_string().contains("s.rs:2"), "{e}");
    }

    #[test]
    fn rustfmt_formats_the_stub_under_the_exercises_config() {
        let config = crate::workspace_root().join(STUB_RUSTFMT_CONFIG);
        assert_eq!(rustfmt("fn  f( ){}", &config).unwrap(), "fn f() {}\n");
        // 81 columns on one line: the exercises' max_width (80) breaks it, rustfmt's default
        // (100) would not.
        let wide = format!("fn f() {{\n    let _ = [{}1];\n}}\n", "1, ".repeat(22));
        assert!(wide.lines().any(|l| l.len() > 80), "{wide}");
        let formatted = rustfmt(&wide, &config).unwrap();
        assert!(formatted.lines().all(|l| l.len() <= 80), "{formatted}");
        let missing = rustfmt("fn f() {}", Path::new("/nonexistent/rustfmt.toml")).unwrap_err();
        assert!(missing.to_string().contains("max_width"), "{missing}");
    }
}
