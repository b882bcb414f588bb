//! Every internal link and `#anchor` of the built book resolves: checked offline on the HTML
//! that mdBook writes, so a broken link fails a plain `cargo test`.

use std::path::PathBuf;

use book_linkcheck::{build_and_check, check_dir};

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

#[test]
fn every_internal_link_and_anchor_of_the_book_resolves() {
    let root = course::workspace_root();
    let dest = tmp("book-linkcheck");
    let report = build_and_check(&root, &dest).unwrap_or_else(|e| panic!("{e:#}"));
    eprintln!(
        "{} pages, {} internal links checked",
        report.pages, report.checked
    );
    assert!(
        report.pages > 3 && report.checked > 50,
        "suspiciously few pages or links: {report:?}"
    );
    let list: Vec<String> = report.broken.iter().map(|b| format!("  {b}")).collect();
    assert!(
        report.broken.is_empty(),
        "{} broken link(s) in the book built from {}/src (fix the link in the chapter's .md file; \
         a page `x.html` comes from `src/x.md`, an anchor `#y` from a heading whose text gives `y`):\n{}",
        report.broken.len(),
        root.display(),
        list.join("\n")
    );
}

/// The checker itself: a missing page and a missing anchor are found, good links are not flagged.
#[test]
fn the_checker_finds_a_missing_page_and_a_missing_anchor() {
    let dir = tmp("linkcheck-selftest");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("a.html"),
        r##"<html><body><h1 id="top">A</h1>
        <a href="b.html#here">good anchor</a> <a href="#top">good local anchor</a>
        <a href="sub/">good folder</a> <a href="https://example.invalid/x">external, skipped</a>
        <a href="b.html#nowhere">missing anchor</a> <a href="missing.html">missing page</a>
        </body></html>"##,
    )
    .unwrap();
    std::fs::write(
        dir.join("b.html"),
        r#"<html><body><p id="here">B</p></body></html>"#,
    )
    .unwrap();
    std::fs::write(dir.join("sub/index.html"), "<html><body>S</body></html>").unwrap();
    let report = check_dir(&dir).unwrap_or_else(|e| panic!("{e:#}"));
    let found: Vec<&str> = report.broken.iter().map(|b| b.link.as_str()).collect();
    assert_eq!(
        report.broken.len(),
        2,
        "expected exactly the 2 broken links, got {found:?}"
    );
    assert!(
        found.iter().any(|l| l.ends_with("b.html#nowhere")),
        "missing anchor not found: {found:?}"
    );
    assert!(
        found.iter().any(|l| l.ends_with("missing.html")),
        "missing page not found: {found:?}"
    );
    assert!(
        report.broken.iter().all(|b| b.page == "a.html"),
        "{:?}",
        report.broken
    );
}
