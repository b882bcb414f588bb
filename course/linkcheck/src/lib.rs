//! The offline link check of the built book: every internal link of every HTML page must point
//! at a file that exists, and every `#anchor` at an `id` on the page it names.
//!
//! The checking is lychee's (`lychee-lib`), restricted to `file://` links: links to other sites
//! are left alone (CI has no network), which is what lychee's `--offline` does.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use futures::StreamExt;
use lychee_lib::collector::Collector;
use lychee_lib::{BaseInfo, ClientBuilder, FileType, FragmentCheckerOptions, Input, InputSource};

/// One link that does not resolve: the page it is on, the link as resolved, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BrokenLink {
    /// The HTML page holding the link, relative to the book's folder.
    pub page: String,
    /// The link as lychee resolved it, relative to the book's folder when inside it.
    pub link: String,
    /// What is wrong: a missing file, or an anchor that no element has as its `id`.
    pub problem: String,
}

impl std::fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.page, self.link, self.problem)
    }
}

/// What a check found: how many links were checked, and the broken ones.
#[derive(Debug, Default)]
pub struct Report {
    /// The HTML pages read.
    pub pages: usize,
    /// The internal links checked (each occurrence counts once per page).
    pub checked: usize,
    /// The links that do not resolve, sorted by page.
    pub broken: Vec<BrokenLink>,
}

/// Builds the book of the workspace at `root` into `dest` (with `course::book_build::build`) and
/// checks every internal link and anchor of the result.
pub fn build_and_check(root: &Path, dest: &Path) -> Result<Report> {
    let out = course::book_build::build(root, Some(dest))
        .with_context(|| format!("building the book of {} failed", root.display()))?;
    check_dir(&out)
}

/// Checks every internal link and `#anchor` of every `.html` file under `dir` (the built book).
pub fn check_dir(dir: &Path) -> Result<Report> {
    let dir = std::path::absolute(dir).with_context(|| format!("bad path {}", dir.display()))?;
    let pages = course::file_tree::files_with_extension(&dir, "html")?;
    if pages.is_empty() {
        return Err(anyhow!(
            "no HTML page under {}: was the book built?",
            dir.display()
        ));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .context("cannot start the async runtime for lychee")?;
    let mut report = runtime.block_on(check_pages(&dir, &pages))?;
    report.pages = pages.len();
    Ok(report)
}

async fn check_pages(dir: &Path, pages: &[PathBuf]) -> Result<Report> {
    let inputs: HashSet<Input> = pages
        .iter()
        .map(|p| Input::from_input_source(InputSource::FsPath(p.clone())))
        .collect();
    let collector = Collector::new(Some(dir.to_path_buf()), BaseInfo::none())
        .map_err(|e| anyhow!("lychee: {e}"))?;
    let requests: Vec<_> = collector
        .collect_links_from_file_types(inputs, FileType::html_extensions())
        .collect()
        .await;

    let client = ClientBuilder::builder()
        // Offline: only links to files of the book are checked.
        .schemes(HashSet::from(["file".to_string()]))
        .fragment_checker_options(FragmentCheckerOptions {
            check_anchor_fragments: true,
            check_text_fragments: false,
        })
        // A link to a folder must reach its index.html, as a static web server serves it.
        .index_files(Some(vec!["index.html".to_string()]))
        .build()
        .client()
        .map_err(|e| anyhow!("lychee client: {e}"))?;

    let mut report = Report::default();
    let mut broken = BTreeSet::new();
    for request in requests {
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                // A link lychee cannot even turn into a URL (say, a relative path leaving the
                // book's folder) is broken too.
                broken.insert(BrokenLink {
                    page: "?".into(),
                    link: String::new(),
                    problem: e.to_string(),
                });
                continue;
            }
        };
        if request.uri.scheme() != "file" {
            continue;
        }
        let page = page_name(dir, &request.source);
        let link = request.uri.to_string();
        // Shown relative to the book's folder: `ch04.html#x`, not `file:///tmp/.../ch04.html#x`.
        let prefix = format!("file://{}/", dir.display());
        let link = link.strip_prefix(&prefix).map(String::from).unwrap_or(link);
        let response = client
            .check(request)
            .await
            .map_err(|e| anyhow!("lychee: {e}"))?;
        report.checked += 1;
        let status = response.status();
        if !status.is_success() && !status.is_excluded() {
            broken.insert(BrokenLink {
                page,
                link,
                problem: status.to_string(),
            });
        }
    }
    report.broken = broken.into_iter().collect();
    Ok(report)
}

fn page_name(dir: &Path, source: &lychee_lib::ResolvedInputSource) -> String {
    match source {
        lychee_lib::ResolvedInputSource::FsPath(p) => p
            .strip_prefix(dir)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned(),
        other => other.to_string(),
    }
}
