//! Turns every Markdown file under the book's `src/` into a module whose documentation is the
//! chapter, with its `{{#include}}` links expanded, so that `cargo test` runs each ```rust block
//! as a rustdoc doctest. Fails with file and line on a broken include, an unlabelled fence, or an
//! `ignore` block without a reason.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let book_src = manifest.join("../../src").canonicalize().expect("the book's src/ folder");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed={}", book_src.display());

    let mut files = Vec::new();
    collect_markdown(&book_src, &mut files);
    files.sort();

    let mut modules = String::new();
    let mut total_rust = 0usize;
    let mut problems = Vec::new();
    for file in &files {
        let expanded = match book_include::expand_file(file) {
            Ok(e) => e,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        for dep in &expanded.dependencies {
            println!("cargo:rerun-if-changed={}", dep.display());
        }
        match check_fences(file, &expanded.text) {
            Ok(n) => total_rust += n,
            Err(mut e) => problems.append(&mut e),
        }
        let rel = file.strip_prefix(&book_src).unwrap();
        let module = module_name(rel);
        let out = out_dir.join(format!("{module}.md"));
        std::fs::write(&out, &expanded.text).unwrap();
        writeln!(
            modules,
            "#[doc = include_str!({:?})]\n#[doc(hidden)]\npub mod {module} {{}}\n",
            out.display().to_string()
        )
        .unwrap();
    }
    if !problems.is_empty() {
        for p in &problems {
            println!("cargo:warning={p}");
        }
        panic!("the book has {} problem(s):\n{}", problems.len(), problems.join("\n"));
    }
    std::fs::write(out_dir.join("chapters.rs"), modules).unwrap();
    println!("cargo:rustc-env=BOOK_RUST_SNIPPETS={total_rust}");
    println!("cargo:rustc-env=BOOK_SRC_DIR={}", book_src.display());
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_markdown(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

fn module_name(rel: &Path) -> String {
    let s: String = rel
        .with_extension("")
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) { format!("_{s}") } else { s }
}

/// The words rustdoc understands in a code block's info string.
const RUSTDOC_WORDS: &[&str] = &[
    "rust", "ignore", "should_panic", "no_run", "compile_fail", "test_harness", "standalone_crate",
    "edition2015", "edition2018", "edition2021", "edition2024",
];
/// mdBook's own words, which rustdoc ignores.
const MDBOOK_WORDS: &[&str] = &["noplayground", "editable", "mdbook-runnable", "hidelines"];

/// Checks every fence of one (expanded) chapter; returns how many rust doctests it holds.
fn check_fences(file: &Path, text: &str) -> Result<usize, Vec<String>> {
    let mut problems = Vec::new();
    let mut count = 0;
    let mut open: Option<(String, usize)> = None; // fence marker and line
    let mut previous_nonblank = String::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        if marker.len() >= 3 && (marker.chars().all(|c| c == '`') || marker.chars().all(|c| c == '~')) {
            if let Some((m, _)) = &open {
                if t.trim_end() == m.as_str() || (t.starts_with(m.as_str()) && t[m.len()..].trim().is_empty()) {
                    open = None;
                }
                continue;
            }
            let info = t[marker.len()..].trim();
            open = Some((marker.clone(), n));
            let words: Vec<&str> =
                info.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty()).collect();
            if words.is_empty() {
                problems.push(format!(
                    "{}:{n}: a code block with no language: label it (```rust, ```text, ```console, ```toml ...)",
                    file.display()
                ));
                continue;
            }
            let is_rust = words[0] == "rust";
            if !is_rust && words.iter().all(|w| RUSTDOC_WORDS.contains(w) || w.starts_with("edition")) {
                problems.push(format!(
                    "{}:{n}: the block `{info}` would be a rust doctest: start its info string with `rust`",
                    file.display()
                ));
                continue;
            }
            if is_rust {
                for w in &words[1..] {
                    if !RUSTDOC_WORDS.contains(w) && !MDBOOK_WORDS.contains(w) && !w.starts_with("ignore-") {
                        problems.push(format!("{}:{n}: unknown word `{w}` in ```{info}", file.display()));
                    }
                }
                if words.contains(&"ignore") {
                    if !previous_nonblank.trim_start().starts_with("<!-- ignore:") {
                        problems.push(format!(
                            "{}:{n}: an `ignore` block needs its reason on the line before: <!-- ignore: why this block is not tested -->",
                            file.display()
                        ));
                    }
                } else {
                    count += 1;
                }
            }
            continue;
        }
        if open.is_none() && !t.is_empty() {
            previous_nonblank = t.to_string();
        }
    }
    if let Some((_, n)) = open {
        problems.push(format!("{}:{n}: this code block is never closed", file.display()));
    }
    if problems.is_empty() { Ok(count) } else { Err(problems) }
}
