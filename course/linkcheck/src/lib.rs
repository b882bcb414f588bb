//! The offline link check of the built book: every internal link of every HTML page must point
//! at a file that exists, and every `#anchor` at an `id` on the page it names.
//!
//! Pages are read with html5ever's tokenizer (the HTML parser mdBook itself builds on), so links
//! and ids are found as a browser finds them: attributes of real tags, not text that looks like
//! one inside a script or a code block. Links with a scheme (`https:`, `mailto:`, ...) or to another
//! host are left alone: the check is offline.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// One link that does not resolve: the page it is on, the link as resolved, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BrokenLink {
    /// The HTML page holding the link, relative to the book's folder.
    pub page: String,
    /// The link resolved against its page, relative to the book's folder (`ch04.html#x`).
    pub link: String,
    /// What is wrong: a missing file, an anchor that no element has as its `id`, or a path that
    /// leaves the book's folder.
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

/// What one page holds: the links of its tags (`href`, `src`) and the anchors it defines
/// (`id`, and `name` on `<a>`).
#[derive(Debug, Default)]
struct Page {
    links: Vec<String>,
    ids: HashSet<String>,
}

/// Checks every internal link and `#anchor` of every `.html` file under `dir` (the built book).
pub fn check_dir(dir: &Path) -> Result<Report> {
    let dir = std::path::absolute(dir).with_context(|| format!("bad path {}", dir.display()))?;
    let files = course::file_tree::files_with_extension(&dir, "html")?;
    if files.is_empty() {
        return Err(anyhow!(
            "no HTML page under {}: was the book built?",
            dir.display()
        ));
    }
    let mut pages: HashMap<PathBuf, Page> = HashMap::new();
    for file in &files {
        let html = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        pages.insert(file.clone(), read_page(&html));
    }
    let mut report = Report {
        pages: files.len(),
        ..Report::default()
    };
    let mut broken = BTreeSet::new();
    for file in &files {
        let page_name = relative(&dir, file);
        for link in &pages[file].links {
            let Some(target) = internal_target(link) else {
                continue;
            };
            report.checked += 1;
            let mut fail = |resolved: String, problem: &str| {
                broken.insert(BrokenLink {
                    page: page_name.clone(),
                    link: resolved,
                    problem: problem.to_string(),
                });
            };
            let Some(mut path) = resolve(&dir, file, &target.path) else {
                fail(link.clone(), "the path leaves the book's folder");
                continue;
            };
            if path.is_dir() {
                path = path.join("index.html");
            }
            let shown = match &target.fragment {
                Some(f) => format!("{}#{f}", relative(&dir, &path)),
                None => relative(&dir, &path),
            };
            if !path.is_file() {
                fail(shown, "no such file");
                continue;
            }
            let Some(fragment) = target.fragment.as_deref().filter(|f| !f.is_empty()) else {
                continue;
            };
            match pages.get(&path) {
                Some(p) if p.ids.contains(fragment) => {}
                Some(_) => fail(shown, "no element on that page has this id"),
                None => {} // an anchor into a non-HTML file (a figure): nothing to look up
            }
        }
    }
    report.broken = broken.into_iter().collect();
    Ok(report)
}

/// A link's path (percent-decoded, without query) and fragment.
struct Target {
    path: String,
    fragment: Option<String>,
}

/// `Some` for a link to a file of the book: no scheme, no host.
fn internal_target(link: &str) -> Option<Target> {
    let link = link.trim();
    if link.starts_with("//") {
        return None; // another host
    }
    let before_delims = link.split(['/', '?', '#']).next().unwrap_or("");
    if before_delims.contains(':') {
        return None; // https:, mailto:, javascript:, data:, ...
    }
    let (rest, fragment) = match link.split_once('#') {
        Some((r, f)) => (r, Some(decode(f))),
        None => (link, None),
    };
    let path = rest.split('?').next().unwrap_or("");
    Some(Target {
        path: decode(path),
        fragment,
    })
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The file a link's path names, resolved against the page holding it (`/x` against the book's
/// folder); `None` if it leaves the book's folder.
fn resolve(book: &Path, page: &Path, path: &str) -> Option<PathBuf> {
    if path.is_empty() {
        return Some(page.to_path_buf());
    }
    let (mut out, rest) = match path.strip_prefix('/') {
        Some(rest) => (book.to_path_buf(), rest),
        None => (page.parent()?.to_path_buf(), path),
    };
    for c in Path::new(rest).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out.starts_with(book).then_some(out)
}

fn relative(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// The links and ids of one HTML page.
fn read_page(html: &str) -> Page {
    let tokenizer = Tokenizer::new(PageSink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.page.into_inner()
}

#[derive(Default)]
struct PageSink {
    page: RefCell<Page>,
}

impl TokenSink for PageSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != StartTag {
            return TokenSinkResult::Continue;
        }
        let mut page = self.page.borrow_mut();
        for attr in &tag.attrs {
            match &*attr.name.local {
                "href" | "src" => page.links.push(attr.value.to_string()),
                "id" => {
                    page.ids.insert(attr.value.to_string());
                }
                "name" if &*tag.name == "a" => {
                    page.ids.insert(attr.value.to_string());
                }
                _ => {}
            }
        }
        // What a tree builder would tell the tokenizer: these elements hold raw text, not tags.
        match &*tag.name {
            "script" if !tag.self_closing => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            _ => TokenSinkResult::Continue,
        }
    }
}
