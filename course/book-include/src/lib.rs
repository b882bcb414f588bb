//! Expands mdBook's `{{#include ...}}` and `{{#rustdoc_include ...}}` links the way mdBook does,
//! but fails with the file and line of a broken link instead of logging and going on.
//!
//! Used twice, so the book and its tests can never disagree about what a chapter contains:
//! by `course book` (to refuse a book with a broken include before mdBook renders it) and by
//! the build script of the `book-snippets` crate (to test the expanded chapters as doctests).
//!
//! Supported forms, paths relative to the Markdown file:
//! - `{{#include file}}`: the whole file;
//! - `{{#include file:anchor}}`: the lines between `ANCHOR: anchor` and `ANCHOR_END: anchor`;
//! - `{{#include file:N}}`, `{{#include file:N:M}}`, `{{#include file:N:}}`, `{{#include file::M}}`:
//!   a line range (1-based, inclusive);
//! - `{{#rustdoc_include file:anchor}}` (or a range): the whole file, with the lines outside the
//!   selection hidden behind `# ` so rustdoc still compiles them.
//!
//! Lines holding `ANCHOR:` or `ANCHOR_END:` markers are always removed from the output, and so
//! are the stub generator's marker lines (`// SOLUTION BEGIN`, `// SOLUTION END`, `// STUB: ...`,
//! `// STUB-TODO: ...`,
//! see `cargo course gen-stubs`): a solution shown in the book reads as plain code.
//! A link preceded by a backslash (`\{{#include ...}}`) is left as text, without the backslash.

use std::fmt;
use std::path::{Path, PathBuf};

/// How deep includes may nest (mdBook's own limit).
const MAX_DEPTH: usize = 10;

/// A link that could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncludeError {
    /// The Markdown (or included) file that holds the link.
    pub file: PathBuf,
    /// 1-based line of the link in that file.
    pub line: usize,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for IncludeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

impl std::error::Error for IncludeError {}

/// The result of expanding one Markdown file.
#[derive(Debug, Default, Clone)]
pub struct Expanded {
    /// The text with every link replaced.
    pub text: String,
    /// Every file that was read to produce it (for `cargo:rerun-if-changed`).
    pub dependencies: Vec<PathBuf>,
}

/// Expands every include link in the Markdown file at `path`.
pub fn expand_file(path: &Path) -> Result<Expanded, IncludeError> {
    let text = std::fs::read_to_string(path).map_err(|e| IncludeError {
        file: path.to_path_buf(),
        line: 0,
        message: format!("cannot read the file: {e}"),
    })?;
    let mut out = Expanded::default();
    out.text = expand_str(&text, path, 0, &mut out.dependencies)?;
    Ok(out)
}

/// Expands the links in `text`, which was read from `path` (links are relative to its folder).
pub fn expand_text(text: &str, path: &Path) -> Result<Expanded, IncludeError> {
    let mut out = Expanded::default();
    out.text = expand_str(text, path, 0, &mut out.dependencies)?;
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Include,
    RustdocInclude,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    All,
    Anchor(String),
    /// 1-based inclusive bounds; `None` means open.
    Lines(Option<usize>, Option<usize>),
}

fn expand_str(
    text: &str,
    path: &Path,
    depth: usize,
    deps: &mut Vec<PathBuf>,
) -> Result<String, IncludeError> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut consumed = 0usize; // bytes of `text` already handled
    while let Some(start) = rest.find("{{#") {
        let abs = consumed + start;
        let line = text[..abs].matches('\n').count() + 1;
        // Escaped link: keep it as text, drop the backslash.
        if start > 0 && rest.as_bytes()[start - 1] == b'\\' {
            out.push_str(&rest[..start - 1]);
            out.push_str("{{#");
            rest = &rest[start + 3..];
            consumed = abs + 3;
            continue;
        }
        let Some(len) = rest[start..].find("}}") else {
            return Err(err(
                path,
                line,
                "an include link `{{#...` is never closed with `}}`",
            ));
        };
        let inner = rest[start + 3..start + len].trim();
        let (word, arg) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let kind = match word {
            "include" => Some(Kind::Include),
            "rustdoc_include" => Some(Kind::RustdocInclude),
            // Other mdBook links ({{#title}}, {{#playground}}) are left for mdBook.
            _ => None,
        };
        out.push_str(&rest[..start]);
        match kind {
            None => out.push_str(&rest[start..start + len + 2]),
            Some(kind) => {
                if depth >= MAX_DEPTH {
                    return Err(err(
                        path,
                        line,
                        "includes nest more than 10 deep (a cycle?)",
                    ));
                }
                let replacement = expand_link(kind, arg.trim(), base, path, line, depth, deps)?;
                out.push_str(&replacement);
            }
        }
        rest = &rest[start + len + 2..];
        consumed = abs + len + 2;
    }
    out.push_str(rest);
    Ok(out)
}

fn err(path: &Path, line: usize, message: impl Into<String>) -> IncludeError {
    IncludeError {
        file: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

fn parse_selection(spec: &str) -> Option<Selection> {
    if spec.is_empty() {
        return Some(Selection::All);
    }
    let parse_bound = |s: &str| -> Option<Option<usize>> {
        if s.is_empty() {
            Some(None)
        } else {
            s.parse::<usize>().ok().map(Some)
        }
    };
    match spec.split_once(':') {
        None => match spec.parse::<usize>() {
            Ok(n) => Some(Selection::Lines(Some(n), Some(n))),
            Err(_) => Some(Selection::Anchor(spec.to_string())),
        },
        Some((a, b)) => Some(Selection::Lines(parse_bound(a)?, parse_bound(b)?)),
    }
}

fn is_marker_line(line: &str) -> bool {
    let t = line.trim();
    line.contains("ANCHOR:")
        || line.contains("ANCHOR_END:")
        || t == "// SOLUTION BEGIN"
        || t == "// SOLUTION END"
        || t.starts_with("// STUB:")
        || t.starts_with("// STUB-TODO:")
}

fn anchor_name_after<'a>(line: &'a str, marker: &str) -> Option<&'a str> {
    let pos = line.find(marker)?;
    let name = line[pos + marker.len()..].trim();
    let name = name.split_whitespace().next().unwrap_or("");
    Some(name.trim_end_matches("*/").trim())
}

fn expand_link(
    kind: Kind,
    arg: &str,
    base: &Path,
    from: &Path,
    line: usize,
    depth: usize,
    deps: &mut Vec<PathBuf>,
) -> Result<String, IncludeError> {
    if arg.is_empty() {
        return Err(err(from, line, "an include link names no file"));
    }
    // The file part ends at the first ':' (mdBook's rule too).
    let (file_part, sel_part) = arg.split_once(':').unwrap_or((arg, ""));
    let target = base.join(file_part);
    let selection = parse_selection(sel_part).ok_or_else(|| {
        err(
            from,
            line,
            format!("`{sel_part}` is neither an anchor name nor a line range N:M"),
        )
    })?;
    let content = std::fs::read_to_string(&target).map_err(|e| {
        err(
            from,
            line,
            format!(
                "cannot include `{}`: {e} (the path is relative to this file)",
                target.display()
            ),
        )
    })?;
    deps.push(target.clone());
    let lines: Vec<&str> = content.lines().collect();
    // Which lines (0-based indices) are selected.
    let selected: Vec<bool> = match &selection {
        Selection::All => vec![true; lines.len()],
        Selection::Lines(a, b) => {
            let first = a.unwrap_or(1).max(1);
            let last = b.unwrap_or(lines.len());
            if first > lines.len() || last < first {
                return Err(err(
                    from,
                    line,
                    format!(
                        "line range {sel_part} is outside `{}` ({} lines)",
                        target.display(),
                        lines.len()
                    ),
                ));
            }
            (1..=lines.len()).map(|n| n >= first && n <= last).collect()
        }
        Selection::Anchor(name) => {
            let mut inside = false;
            let mut found = false;
            let mut ended = false;
            let mut sel = Vec::with_capacity(lines.len());
            for l in &lines {
                if anchor_name_after(l, "ANCHOR:") == Some(name.as_str()) {
                    inside = true;
                    found = true;
                    sel.push(false);
                    continue;
                }
                if anchor_name_after(l, "ANCHOR_END:") == Some(name.as_str()) {
                    if inside {
                        ended = true;
                    }
                    inside = false;
                    sel.push(false);
                    continue;
                }
                sel.push(inside);
            }
            if !found {
                return Err(err(
                    from,
                    line,
                    format!(
                        "anchor `{name}` not found in `{}`: add `// ANCHOR: {name}` and `// ANCHOR_END: {name}` there, or fix the name",
                        target.display()
                    ),
                ));
            }
            if !ended {
                return Err(err(
                    from,
                    line,
                    format!(
                        "anchor `{name}` in `{}` has no `ANCHOR_END: {name}`",
                        target.display()
                    ),
                ));
            }
            sel
        }
    };
    let mut out = String::new();
    let mut first = true;
    for (l, keep) in lines.iter().zip(selected) {
        if is_marker_line(l) {
            continue;
        }
        let text = match (kind, keep) {
            (_, true) => l.to_string(),
            (Kind::Include, false) => continue,
            (Kind::RustdocInclude, false) => {
                if l.trim().is_empty() {
                    "#".to_string()
                } else {
                    format!("# {l}")
                }
            }
        };
        if !first {
            out.push('\n');
        }
        first = false;
        out.push_str(&text);
    }
    // Included files may themselves contain links (mdBook expands them recursively).
    expand_str(&out, &target, depth + 1, deps)
}

/// The words rustdoc understands in a code block's info string.
const RUSTDOC_WORDS: &[&str] = &[
    "rust",
    "ignore",
    "should_panic",
    "no_run",
    "compile_fail",
    "test_harness",
    "standalone_crate",
    "edition2015",
    "edition2018",
    "edition2021",
    "edition2024",
];
/// mdBook's own words, which rustdoc ignores.
const MDBOOK_WORDS: &[&str] = &["noplayground", "editable", "mdbook-runnable", "hidelines"];

/// How many rust doctests a chapter holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fences {
    /// ```rust blocks that rustdoc compiles (and runs, unless `no_run` or `compile_fail`).
    pub tested: usize,
    /// ```rust,ignore blocks: rustdoc lists them but does not run them.
    pub ignored: usize,
}

/// The widest code line a rendered block may show, in characters: wider lines make the reader
/// scroll sideways (the page's code column fits 80).
pub const MAX_CODE_COLUMNS: usize = 80;

/// Checks every code fence of one (expanded) chapter and counts its rust doctests.
///
/// Every fence must name its language; a fence rustdoc would treat as Rust must say `rust` first;
/// words after `rust` must be ones rustdoc or mdBook know; an `ignore` block needs its reason on
/// the line before it (`<!-- ignore: why -->`) and is not counted; and no code line may be wider
/// than [`MAX_CODE_COLUMNS`] (see [`check_code_width`]). Problems come back as
/// `file:line: message`.
pub fn check_fences(file: &Path, text: &str) -> Result<Fences, Vec<String>> {
    let mut problems = Vec::new();
    let mut count = Fences::default();
    let mut open: Option<(String, usize)> = None; // fence marker and line
    let mut previous_nonblank = String::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        if marker.len() >= 3
            && (marker.chars().all(|c| c == '`') || marker.chars().all(|c| c == '~'))
        {
            if let Some((m, _)) = &open {
                if t.trim_end() == m.as_str()
                    || (t.starts_with(m.as_str()) && t[m.len()..].trim().is_empty())
                {
                    open = None;
                }
                continue;
            }
            let info = t[marker.len()..].trim();
            open = Some((marker.clone(), n));
            let words: Vec<&str> = info
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|w| !w.is_empty())
                .collect();
            if words.is_empty() {
                problems.push(format!(
                    "{}:{n}: a code block with no language: label it (```rust, ```text, ```console, ```toml ...)",
                    file.display()
                ));
                continue;
            }
            let is_rust = words[0] == "rust";
            if !is_rust
                && words
                    .iter()
                    .all(|w| RUSTDOC_WORDS.contains(w) || w.starts_with("edition"))
            {
                problems.push(format!(
                    "{}:{n}: the block `{info}` would be a rust doctest: start its info string with `rust`",
                    file.display()
                ));
                continue;
            }
            if is_rust {
                // rustdoc silently stops treating a block as Rust when one of its own words comes
                // after a word it does not know: `rust,noplayground,no_run` is never tested.
                let mut foreign: Option<&str> = None;
                for w in &words[1..] {
                    let known = RUSTDOC_WORDS.contains(w) || w.starts_with("ignore-");
                    if !known && !MDBOOK_WORDS.contains(w) {
                        problems.push(format!(
                            "{}:{n}: unknown word `{w}` in ```{info}",
                            file.display()
                        ));
                    }
                    if known {
                        if let Some(f) = foreign {
                            problems.push(format!(
                                "{}:{n}: in ```{info}, rustdoc's `{w}` comes after `{f}`, so rustdoc would skip this block: put rustdoc's words first (```rust,{w},{f})",
                                file.display()
                            ));
                        }
                    } else {
                        foreign.get_or_insert(w);
                    }
                }
                if words.contains(&"ignore") {
                    count.ignored += 1;
                    if !previous_nonblank.trim_start().starts_with("<!-- ignore:") {
                        problems.push(format!(
                            "{}:{n}: an `ignore` block needs its reason on the line before: <!-- ignore: why this block is not tested -->",
                            file.display()
                        ));
                    }
                } else {
                    count.tested += 1;
                }
            }
            continue;
        }
        if open.is_none() && !t.is_empty() {
            previous_nonblank = t.to_string();
        }
    }
    if let Some((_, n)) = open {
        problems.push(format!(
            "{}:{n}: this code block is never closed",
            file.display()
        ));
    }
    problems.extend(check_code_width(file, text));
    if problems.is_empty() {
        Ok(count)
    } else {
        Err(problems)
    }
}

/// One line inside a code block: its 1-based line number, whether the block is Rust, the text.
struct CodeLine<'a> {
    number: usize,
    rust: bool,
    text: &'a str,
}

/// The lines inside the code blocks of `text` (fence lines excluded).
fn code_lines(text: &str) -> Vec<CodeLine<'_>> {
    let mut lines = Vec::new();
    let mut open: Option<(String, bool)> = None; // fence marker, and whether it is Rust
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let marker: String = t.chars().take_while(|&c| c == '`' || c == '~').collect();
        let is_fence = marker.len() >= 3
            && (marker.chars().all(|c| c == '`') || marker.chars().all(|c| c == '~'));
        match &open {
            Some((m, _))
                if is_fence && t.starts_with(m.as_str()) && t[m.len()..].trim().is_empty() =>
            {
                open = None;
            }
            Some((_, rust)) => lines.push(CodeLine {
                number: i + 1,
                rust: *rust,
                text: line,
            }),
            None if is_fence => {
                let info = t[marker.len()..].trim();
                let rust = info.split([',', ' ']).next() == Some("rust");
                open = Some((marker, rust));
            }
            None => {}
        }
    }
    lines
}

/// How many columns a code line takes on the page. A hidden line of a Rust block (`# use ...`)
/// is shown, when the reader asks for it, without its `# `.
fn shown_width(line: &str, rust: bool) -> usize {
    let indent = line.len() - line.trim_start().len();
    let rest = line.trim_start();
    let shown = match rest.strip_prefix("# ") {
        Some(hidden) if rust => hidden,
        _ if rust && rest == "#" => "",
        _ => rest,
    };
    line[..indent].chars().count() + shown.chars().count()
}

/// The file an include link names, relative to the repository (`../../exercises/src/x.rs:api`
/// gives `exercises/src/x.rs`), and the whole link text for messages.
fn included_file(line: &str) -> Option<(String, &str)> {
    let start = line.find("{{#")?;
    let end = start + line[start..].find("}}")? + 2;
    let link = &line[start..end];
    let inner = link[3..link.len() - 2].trim();
    let (word, arg) = inner.split_once(char::is_whitespace)?;
    if word != "include" && word != "rustdoc_include" {
        return None;
    }
    let file = arg.trim().split(':').next()?;
    let relative: Vec<&str> = file
        .split('/')
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .collect();
    Some((relative.join("/"), link))
}

/// Checks that no code line of a chapter is wider than [`MAX_CODE_COLUMNS`].
///
/// `expanded` is the chapter with its includes expanded. When the chapter's own file can be
/// read, each code line is traced to where it comes from: a line the chapter wrote must fit; a
/// line an `{{#include}}` brings in must fit too. The message says which link brought a wide
/// line in, so that the fix goes into the included source, not the chapter. Problems come back
/// as `file:line: message`; one per include link, however many of its lines are too wide.
pub fn check_code_width(file: &Path, expanded: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let own_too_wide = |line: &CodeLine, problems: &mut Vec<String>| {
        let width = shown_width(line.text, line.rust);
        if width > MAX_CODE_COLUMNS {
            problems.push(format!(
                "{}:{}: this code line is {width} columns wide, the page shows \
                 {MAX_CODE_COLUMNS}: wrap it (or shorten its comment)",
                file.display(),
                line.number
            ));
        }
    };
    let Ok(raw) = std::fs::read_to_string(file) else {
        // No source to trace the lines to: every line counts as the chapter's own.
        for line in code_lines(expanded) {
            own_too_wide(&line, &mut problems);
        }
        return problems;
    };
    for line in code_lines(&raw) {
        let Some((source, link)) = included_file(line.text) else {
            own_too_wide(&line, &mut problems);
            continue;
        };
        // A broken link is reported by the expansion itself.
        let Ok(included) = expand_text(line.text, file) else {
            continue;
        };
        let wide: Vec<(usize, &str)> = included
            .text
            .lines()
            .map(|l| (shown_width(l, line.rust), l))
            .filter(|(width, _)| *width > MAX_CODE_COLUMNS)
            .collect();
        let Some((widest, example)) = wide.iter().max_by_key(|(width, _)| *width) else {
            continue;
        };
        problems.push(format!(
            "{}:{}: `{link}` brings in {} code line(s) wider than {MAX_CODE_COLUMNS} columns, \
             the widest {widest}: `{}`. Reformat `{source}` to {MAX_CODE_COLUMNS} columns \
             (its crate's rustfmt.toml sets max_width; wrap long comments and strings by \
             hand)",
            file.display(),
            line.number,
            wide.len(),
            example.trim()
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "book-include-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    const CODE: &str = "use std::sync::Mutex;\n// ANCHOR: api\npub fn f() -> u32 {\n    // ANCHOR: body\n    1\n    // ANCHOR_END: body\n}\n// ANCHOR_END: api\nfn main() {}\n";

    #[test]
    fn anchor_selects_only_its_lines_and_drops_markers() {
        let d = dir();
        fs::write(d.join("code.rs"), CODE).unwrap();
        let md = d.join("ch.md");
        let e = expand_text("a\n{{#include code.rs:api}}\nb", &md).unwrap();
        assert_eq!(e.text, "a\npub fn f() -> u32 {\n    1\n}\nb");
        assert_eq!(e.dependencies, vec![d.join("code.rs")]);
    }

    #[test]
    fn rustdoc_include_hides_the_rest() {
        let d = dir();
        fs::write(d.join("code.rs"), CODE).unwrap();
        let e = expand_text("{{#rustdoc_include code.rs:body}}", &d.join("ch.md")).unwrap();
        assert_eq!(
            e.text,
            "# use std::sync::Mutex;\n# pub fn f() -> u32 {\n    1\n# }\n# fn main() {}"
        );
    }

    #[test]
    fn line_ranges_and_whole_files() {
        let d = dir();
        fs::write(d.join("t.txt"), "1\n2\n3\n4").unwrap();
        let md = d.join("ch.md");
        assert_eq!(
            expand_text("{{#include t.txt:2:3}}", &md).unwrap().text,
            "2\n3"
        );
        assert_eq!(
            expand_text("{{#include t.txt:3:}}", &md).unwrap().text,
            "3\n4"
        );
        assert_eq!(expand_text("{{#include t.txt::1}}", &md).unwrap().text, "1");
        assert_eq!(expand_text("{{#include t.txt:2}}", &md).unwrap().text, "2");
        assert_eq!(
            expand_text("{{#include t.txt}}", &md).unwrap().text,
            "1\n2\n3\n4"
        );
    }

    #[test]
    fn stub_generator_markers_are_dropped() {
        let d = dir();
        fs::write(
            d.join("s.rs"),
            "fn f() {\n    // STUB: let _ = 1;\n    // STUB-TODO: \"x\"\n    // SOLUTION BEGIN\n    1\n    // SOLUTION END\n}",
        )
        .unwrap();
        let e = expand_text("{{#include s.rs}}", &d.join("ch.md")).unwrap();
        assert_eq!(e.text, "fn f() {\n    1\n}");
    }

    #[test]
    fn a_misspelt_anchor_names_file_and_line() {
        let d = dir();
        fs::write(d.join("code.rs"), CODE).unwrap();
        let md = d.join("ch.md");
        let e = expand_text("x\ny\n{{#include code.rs:apii}}", &md).unwrap_err();
        assert_eq!(e.file, md);
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("anchor `apii` not found"),
            "{}",
            e.message
        );
        assert!(e.to_string().starts_with(&format!("{}:3:", md.display())));
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let d = dir();
        let e = expand_text("{{#include nope.rs}}", &d.join("ch.md")).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("nope.rs"), "{}", e.message);
    }

    #[test]
    fn an_unterminated_anchor_is_an_error() {
        let d = dir();
        fs::write(d.join("c.rs"), "// ANCHOR: a\nx\n").unwrap();
        let e = expand_text("{{#include c.rs:a}}", &d.join("ch.md")).unwrap_err();
        assert!(e.message.contains("no `ANCHOR_END: a`"), "{}", e.message);
    }

    #[test]
    fn escaped_and_foreign_links_are_left_alone() {
        let d = dir();
        let md = d.join("ch.md");
        assert_eq!(
            expand_text("\\{{#include x.rs}}", &md).unwrap().text,
            "{{#include x.rs}}"
        );
        assert_eq!(
            expand_text("{{#title Hi}}", &md).unwrap().text,
            "{{#title Hi}}"
        );
    }

    #[test]
    fn fences_are_counted_and_checked() {
        let f = Path::new("ch.md");
        let ok = "```rust\nfn main() {}\n```\n```rust,should_panic\npanic!()\n```\n<!-- ignore: needs a network -->\n```rust,ignore\nx\n```\n```text\nplain\n```\n";
        assert_eq!(
            check_fences(f, ok),
            Ok(Fences {
                tested: 2,
                ignored: 1
            })
        );
        let unlabelled = "a\n```\ncode\n```\n";
        assert!(
            check_fences(f, unlabelled).unwrap_err()[0]
                .starts_with("ch.md:2: a code block with no language")
        );
        let bare_ignore = "```rust,ignore\nx\n```\n";
        assert!(check_fences(f, bare_ignore).unwrap_err()[0].contains("needs its reason"));
        let misspelt = "```rust,shold_panic\nx\n```\n";
        assert!(check_fences(f, misspelt).unwrap_err()[0].contains("unknown word `shold_panic`"));
        let implicit = "```should_panic\nx\n```\n";
        assert!(
            check_fences(f, implicit).unwrap_err()[0].contains("start its info string with `rust`")
        );
        let unclosed = "```rust\nx\n";
        assert!(check_fences(f, unclosed).unwrap_err()[0].contains("never closed"));
        let order = "```rust,noplayground,no_run\nx\n```\n";
        assert!(check_fences(f, order).unwrap_err()[0].contains("put rustdoc's words first"));
        assert_eq!(
            check_fences(f, "```rust,no_run,noplayground\nx\n```\n").map(|c| c.tested),
            Ok(1)
        );
        let nested = "````text\n```rust\nnot a block\n```\n````\n";
        assert_eq!(check_fences(f, nested), Ok(Fences::default()));
    }

    #[test]
    fn a_code_line_wider_than_80_columns_is_refused() {
        let f = Path::new("no-such-chapter.md");
        let long = format!("let x = 1; // {}", "words ".repeat(12));
        assert!(long.chars().count() > MAX_CODE_COLUMNS);
        let text = format!("```rust\n{long}\n```\n");
        let problems = check_fences(f, &text).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("no-such-chapter.md:2: this code line is 86 columns wide"),
            "{problems:?}"
        );
        // Prose is not code: a long line outside a block is fine.
        assert!(check_fences(f, &format!("{long}\n")).is_ok());
    }

    #[test]
    fn widths_count_what_the_page_shows() {
        let exactly = "x".repeat(MAX_CODE_COLUMNS);
        // A hidden rustdoc line is shown without its `# `.
        let hidden = format!("```rust\n# {exactly}\n```\n");
        assert!(check_fences(Path::new("a.md"), &hidden).is_ok());
        // ...but only in a Rust block; and characters count, not bytes.
        let text_block = format!("```text\n# {exactly}\n```\n");
        assert!(check_fences(Path::new("a.md"), &text_block).is_err());
        let accents = format!("```text\n{}\n```\n", "é".repeat(MAX_CODE_COLUMNS));
        assert!(check_fences(Path::new("a.md"), &accents).is_ok());
    }

    #[test]
    fn a_wide_included_line_names_its_link_and_source() {
        let d = dir();
        fs::create_dir_all(d.join("src")).unwrap();
        let wide = format!("pub fn f() {{}} // {}", "comment ".repeat(10));
        fs::write(
            d.join("code.rs"),
            format!("// ANCHOR: api\n{wide}\n// ANCHOR_END: api\n"),
        )
        .unwrap();
        let chapter = d.join("src/ch.md");
        let text = "Text.\n\n```rust\n{{#include ../code.rs:api}}\n```\n";
        fs::write(&chapter, text).unwrap();
        let expanded = expand_file(&chapter).unwrap().text;
        let problems = check_fences(&chapter, &expanded).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        assert!(p.starts_with(&format!("{}:4: ", chapter.display())), "{p}");
        assert!(
            p.contains("`{{#include ../code.rs:api}}` brings in 1 code line(s)"),
            "{p}"
        );
        assert!(p.contains("Reformat `code.rs`"), "{p}");
    }

    #[test]
    fn an_include_link_names_its_source_file() {
        assert_eq!(
            included_file("{{#include ../../exercises/src/ex04_producer_consumer.rs:api}}"),
            Some((
                "exercises/src/ex04_producer_consumer.rs".to_string(),
                "{{#include ../../exercises/src/ex04_producer_consumer.rs:api}}"
            ))
        );
        assert_eq!(included_file("{{#title Hi}}"), None);
    }

    #[test]
    fn nested_includes_expand_and_cycles_stop() {
        let d = dir();
        fs::write(d.join("a.md"), "A{{#include b.md}}").unwrap();
        fs::write(d.join("b.md"), "B").unwrap();
        assert_eq!(
            expand_text("{{#include a.md}}", &d.join("ch.md"))
                .unwrap()
                .text,
            "AB"
        );
        fs::write(d.join("loop.md"), "{{#include loop.md}}").unwrap();
        let e = expand_text("{{#include loop.md}}", &d.join("ch.md")).unwrap_err();
        assert!(e.message.contains("10 deep"), "{}", e.message);
    }
}
