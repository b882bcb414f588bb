//! Turns every Markdown file under the book's `src/` into a module whose documentation is the
//! chapter, with its `{{#include}}` links expanded, so that `cargo test` runs each ```rust block
//! as a rustdoc doctest. Fails with file and line on a broken include, an unlabelled fence, or an
//! `ignore` block without a reason.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let book_src = manifest
        .join("../../src")
        .canonicalize()
        .expect("the book's src/ folder");
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
        match book_include::check_fences(file, &expanded.text) {
            Ok(n) => total_rust += n.tested,
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
        panic!(
            "the book has {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
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
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}
