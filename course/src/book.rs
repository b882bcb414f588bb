//! `course book`: builds the HTML book with mdBook used as a library, refusing any warning, and
//! optionally serves it on loopback, rebuilding when a source changes.
//!
//! In the student's handout the tool is built without the `instructor` feature (no mdBook): the
//! handout ships the book already rendered in `book/`, and `--serve` serves that.

use std::io::Cursor;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "instructor")]
use std::time::{Duration, SystemTime};

use anyhow::{Result, anyhow};
use clap::Args;
#[cfg(feature = "instructor")]
use course::book_build::{Edition, build_edition};

/// Options of `course book`.
#[derive(Args, Debug, Clone)]
pub struct BookArgs {
    /// Serve the book on http://127.0.0.1:PORT and rebuild it when a source changes.
    #[arg(long)]
    pub serve: bool,
    /// The port to serve on.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Open the book in a browser (where one can be found).
    #[arg(long)]
    pub open: bool,
    /// Build the instructor edition (with the solutions) into book-instructor/.
    #[arg(long)]
    pub instructor: bool,
}

#[cfg(feature = "instructor")]
impl BookArgs {
    fn edition(&self) -> Edition {
        if self.instructor {
            Edition::Instructor
        } else {
            Edition::Student
        }
    }
}

/// Builds the book (and serves it with `--serve`).
#[cfg(feature = "instructor")]
pub fn run(root: &Path, args: &BookArgs) -> Result<ExitCode> {
    let out = build_edition(root, None, args.edition())?;
    eprintln!("book built: {}", out.join("index.html").display());
    if !args.serve {
        if args.open {
            open_in_browser(&format!("file://{}", out.join("index.html").display()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let version = Arc::new(AtomicU64::new(1));
    {
        let root = root.to_path_buf();
        let version = Arc::clone(&version);
        let edition = args.edition();
        std::thread::spawn(move || watch_and_rebuild(&root, edition, &version));
    }
    eprintln!("the book is rebuilt when a source changes");
    serve(&out, args, version)
}

/// The student's tool: serves (or opens) the book the handout ships, already rendered.
#[cfg(not(feature = "instructor"))]
pub fn run(root: &Path, args: &BookArgs) -> Result<ExitCode> {
    if args.instructor {
        return Err(anyhow!(
            "the instructor edition is built in the instructor's repository, not in a handout"
        ));
    }
    let out = root.join("book");
    if !out.join("index.html").is_file() {
        return Err(anyhow!(
            "there is no rendered book in {} (a handout ships it there): get a fresh handout \
             from your instructor, or read the chapters' sources in src/",
            out.display()
        ));
    }
    if !args.serve {
        let index = format!("file://{}", out.join("index.html").display());
        if args.open {
            open_in_browser(&index);
        } else {
            eprintln!("the book is ready: open {index}, or run `cargo course book --serve`");
        }
        return Ok(ExitCode::SUCCESS);
    }
    serve(&out, args, Arc::new(AtomicU64::new(1)))
}

/// A fingerprint of every file the book is built from: changes when any of them changes.
#[cfg(feature = "instructor")]
fn sources_fingerprint(root: &Path) -> u64 {
    let mut acc: u64 = 0;
    let mut files = vec![root.join("book.toml")];
    for dir in ["src", "exercises/src", "solutions/src", "theme"] {
        files.extend(course::file_tree::readable_files(&root.join(dir)));
    }
    for f in files {
        let Ok(meta) = std::fs::metadata(&f) else {
            continue;
        };
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok());
        let nanos = mtime.map(|d| d.as_nanos() as u64).unwrap_or(0);
        let name_hash = f
            .to_string_lossy()
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
        acc = acc.wrapping_add(nanos ^ name_hash ^ meta.len().rotate_left(17));
    }
    acc
}

const RELOAD_SCRIPT: &str = r#"<script>
(function () {
  // Injected by `course book --serve` only: reloads the page when the book is rebuilt.
  var seen = null;
  setInterval(function () {
    fetch('/__course/version').then(function (r) { return r.text(); }).then(function (v) {
      if (seen === null) { seen = v; } else if (v !== seen) { location.reload(); }
    }).catch(function () {});
  }, 1000);
})();
</script>"#;

/// Serves the files under `out` on loopback; pages poll `version` and reload when it changes.
fn serve(out: &Path, args: &BookArgs, version: Arc<AtomicU64>) -> Result<ExitCode> {
    let addr = format!("127.0.0.1:{}", args.port);
    let server = tiny_http::Server::http(&addr).map_err(|e| {
        anyhow!(
            "cannot listen on {addr}: {e} (is another server running? try --port {})",
            args.port + 1
        )
    })?;
    let url = format!("http://{addr}/");
    eprintln!("serving the book on {url} (Ctrl-C to stop)");
    if args.open {
        open_in_browser(&url);
    }
    let out = out.to_path_buf();
    // A few threads so a slow client cannot stall the others.
    let server = Arc::new(server);
    let mut handles = Vec::new();
    for _ in 0..4 {
        let server = Arc::clone(&server);
        let out = out.clone();
        let version = Arc::clone(&version);
        handles.push(std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let response = respond(&out, request.url(), &version);
                let _ = request.respond(response);
            }
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "instructor")]
fn watch_and_rebuild(root: &Path, edition: Edition, version: &AtomicU64) {
    let mut last = sources_fingerprint(root);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = sources_fingerprint(root);
        if now == last {
            continue;
        }
        last = now;
        match build_edition(root, None, edition) {
            Ok(_) => {
                version.fetch_add(1, Ordering::SeqCst);
                eprintln!("book rebuilt");
            }
            // Keep serving the last good build; say what is wrong.
            Err(e) => eprintln!("error: {e:#}\n(still serving the last good build)"),
        }
    }
}

type Response = tiny_http::Response<Cursor<Vec<u8>>>;

fn respond(out: &Path, url: &str, version: &AtomicU64) -> Response {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    if path == "/__course/version" {
        return text_response(
            200,
            version.load(Ordering::SeqCst).to_string(),
            "text/plain",
        );
    }
    let Some(file) = resolve(out, path) else {
        return not_found(out);
    };
    match std::fs::read(&file) {
        Ok(mut bytes) => {
            let ctype = content_type(&file);
            if ctype.starts_with("text/html") {
                let html = String::from_utf8_lossy(&bytes);
                bytes = match html.rfind("</body>") {
                    Some(i) => format!("{}{RELOAD_SCRIPT}{}", &html[..i], &html[i..]).into_bytes(),
                    None => bytes,
                };
            }
            bytes_response(200, bytes, ctype)
        }
        Err(_) => not_found(out),
    }
}

/// Maps a URL path to a file under `out`, refusing anything that would leave it.
fn resolve(out: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let rel = Path::new(decoded.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = out.join(rel);
    if file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn not_found(out: &Path) -> Response {
    let body = std::fs::read(out.join("404.html")).unwrap_or_else(|_| b"not found".to_vec());
    bytes_response(404, body, "text/html; charset=utf-8")
}

fn text_response(status: u16, body: String, ctype: &str) -> Response {
    bytes_response(status, body.into_bytes(), ctype)
}

fn bytes_response(status: u16, body: Vec<u8>, ctype: &str) -> Response {
    let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], ctype.as_bytes())
        .expect("valid header");
    let no_cache = tiny_http::Header::from_bytes(&b"Cache-Control"[..], &b"no-cache"[..])
        .expect("valid header");
    tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_header(header)
        .with_header(no_cache)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "application/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn open_in_browser(url: &str) {
    for opener in ["xdg-open", "open", "sensible-browser"] {
        if std::process::Command::new(opener)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
        {
            return;
        }
    }
    eprintln!("no browser found: open {url} yourself");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_refuses_paths_outside_the_book() {
        let dir = std::env::temp_dir().join(format!("course-resolve-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("index.html"), "i").unwrap();
        std::fs::write(dir.join("sub/index.html"), "s").unwrap();
        std::fs::write(dir.join("a b.html"), "ab").unwrap();
        assert_eq!(resolve(&dir, "/"), Some(dir.join("index.html")));
        assert_eq!(resolve(&dir, "/sub/"), Some(dir.join("sub/index.html")));
        assert_eq!(resolve(&dir, "/a%20b.html"), Some(dir.join("a b.html")));
        assert_eq!(resolve(&dir, "/../etc/passwd"), None);
        assert_eq!(resolve(&dir, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(&dir, "/missing.html"), None);
    }
}
