//! The book as a reader sees it: served by `course book --serve` on loopback and driven in
//! Debian's headless Chromium through chromedriver (WebDriver, with `fantoccini`).
//!
//! [`run`] starts the server and chromedriver itself, on free ports, and always stops them (and
//! the browser) again, also when a check fails or panics. It checks:
//! - every page of `SUMMARY.md` (and `index.html`, `print.html`) answers 200 with no console error;
//! - every same-site link of every page (sidebar included) reaches a page that answers 200, and
//!   its `#anchor` names an element of that page;
//! - code blocks are highlighted; the blocks meant for the playground show a play button (the
//!   playground itself is not reachable offline, so its list of crates is answered by the test);
//!   blocks that use the course's own crates are not offered to the playground;
//! - every image loads (SVG figures included);
//! - search finds "Condvar" and "process pool";
//! - the print page holds every chapter and prints to PDF;
//! - and it saves screenshots of three pages, light and dark theme, for a person to look at.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::wd::{TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Where things are.
#[derive(Debug, Clone)]
pub struct Config {
    /// The book's root (holding `book.toml` and `src/`); the server gets it as `COURSE_ROOT`.
    pub root: PathBuf,
    /// Where screenshots, the PDF of the print page and the logs go (emptied first).
    pub out: PathBuf,
    /// The `course` binary that serves the book.
    pub server_exe: PathBuf,
    /// Chromium, e.g. `/usr/bin/chromium`.
    pub chromium: PathBuf,
    /// chromedriver, e.g. `/usr/bin/chromedriver`.
    pub chromedriver: PathBuf,
}

/// What the run found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// One line per problem, naming the page.
    pub failures: Vec<String>,
    /// What was checked, for the log.
    pub notes: Vec<String>,
    /// The screenshots written.
    pub screenshots: Vec<PathBuf>,
}

impl Outcome {
    fn fail(&mut self, msg: impl Into<String>) {
        self.failures.push(msg.into());
    }
    fn note(&mut self, msg: impl Into<String>) {
        self.notes.push(msg.into());
    }
}

/// The pages `SUMMARY.md` lists, as the `.html` paths mdBook writes (in book order).
pub fn summary_pages(root: &Path) -> Result<Vec<String>> {
    let summary = root.join("src/SUMMARY.md");
    let text = std::fs::read_to_string(&summary)
        .with_context(|| format!("cannot read {}", summary.display()))?;
    let mut pages = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split('#').next().unwrap_or("").trim();
            if let Some(stem) = target
                .strip_suffix(".md")
                .filter(|_| !target.contains("://"))
            {
                let html = if stem == "README" || stem.ends_with("/README") {
                    format!("{}index.html", &stem[..stem.len() - "README".len()])
                } else {
                    format!("{stem}.html")
                };
                if !pages.contains(&html) {
                    pages.push(html);
                }
            }
            rest = &after[end..];
        }
    }
    if pages.is_empty() {
        bail!("{} lists no chapter", summary.display());
    }
    Ok(pages)
}

/// A child process in its own process group; dropping it stops the whole group (chromedriver's
/// Chromium included), first politely, then with SIGKILL.
struct Proc {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &'static str, mut cmd: Command, log: &Path) -> Result<Proc> {
        let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {name}: {cmd:?}"))?;
        Ok(Proc {
            name,
            child,
            log: log.to_path_buf(),
        })
    }

    fn signal_group(&self, signal: libc::c_int) {
        let Ok(pgid) = libc::pid_t::try_from(self.child.id()) else {
            return;
        };
        // SAFETY: `killpg` only sends a signal. The group is the one `process_group(0)` made for
        // this child (its id is the child's pid), so nothing outside what we started is hit.
        unsafe {
            libc::killpg(pgid, signal);
        }
    }

    /// Fails (with the end of its log) when the process has exited.
    fn ensure_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} exited ({status}); the end of {}:\n{}",
                self.name,
                self.log.display(),
                tail(&self.log, 40)
            );
        }
        Ok(())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.signal_group(libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (the leader, or a browser process that outlived it).
        self.signal_group(libc::SIGKILL);
        let _ = self.child.wait();
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// The status code of `GET path` on loopback, or an error when nothing answers.
fn http_status(port: u16, path: &str) -> Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    text.get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad HTTP answer {text:?}"))
}

/// Waits until `proc` answers `GET path` with 200, failing early when it exits.
fn wait_until_serving(proc: &mut Proc, port: u16, path: &str, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        proc.ensure_running()?;
        if let Ok(200) = http_status(port, path) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{} did not answer GET {path} on port {port} within {limit:?}; the end of {}:\n{}",
                proc.name,
                proc.log.display(),
                tail(&proc.log, 40)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs every check; `Err` only when the run itself could not happen (no browser, no server).
pub fn run(cfg: &Config) -> Result<Outcome> {
    for (what, path) in [
        ("chromium", &cfg.chromium),
        ("chromedriver", &cfg.chromedriver),
    ] {
        if !path.is_file() {
            bail!(
                "{what} not found at {} (Debian: apt-get install chromium chromium-driver)",
                path.display()
            );
        }
    }
    if !cfg.server_exe.is_file() {
        bail!(
            "the course binary {} is missing (cargo build --release -p course)",
            cfg.server_exe.display()
        );
    }
    let pages = summary_pages(&cfg.root)?;
    if cfg.out.exists() {
        std::fs::remove_dir_all(&cfg.out)
            .with_context(|| format!("cannot empty {}", cfg.out.display()))?;
    }
    std::fs::create_dir_all(&cfg.out)
        .with_context(|| format!("cannot create {}", cfg.out.display()))?;

    let port = free_port()?;
    let mut server_cmd = Command::new(&cfg.server_exe);
    server_cmd
        .args(["book", "--serve", "--port", &port.to_string()])
        .env("COURSE_ROOT", &cfg.root);
    let mut server = Proc::spawn(
        "the book server (course book --serve)",
        server_cmd,
        &cfg.out.join("server.log"),
    )?;
    // The server builds the book before it listens.
    wait_until_serving(&mut server, port, "/", Duration::from_secs(300))?;

    let driver_port = free_port()?;
    let mut driver_cmd = Command::new(&cfg.chromedriver);
    driver_cmd.arg(format!("--port={driver_port}"));
    let mut driver = Proc::spawn(
        "chromedriver",
        driver_cmd,
        &cfg.out.join("chromedriver.log"),
    )?;
    wait_until_serving(&mut driver, driver_port, "/status", Duration::from_secs(30))?;

    let profile = cfg.out.join("chromium-profile");
    std::fs::create_dir_all(&profile)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let base = format!("http://127.0.0.1:{port}/");
    let result = runtime.block_on(async {
        let session = drive(cfg, &base, driver_port, &profile, &pages);
        match tokio::time::timeout(Duration::from_secs(600), session).await {
            Ok(r) => r,
            Err(_) => Err(anyhow!(
                "the browser checks did not finish within 10 minutes"
            )),
        }
    });
    if result.is_ok() {
        server
            .ensure_running()
            .context("the server died during the checks")?;
    }
    drop(driver);
    drop(server);
    let _ = std::fs::remove_dir_all(&profile);
    result
}

/// Opens the browser session, runs the checks, and always closes the session (and so the
/// browser) again.
async fn drive(
    cfg: &Config,
    base: &str,
    driver_port: u16,
    profile: &Path,
    pages: &[String],
) -> Result<Outcome> {
    let mut caps = serde_json::Map::new();
    let args = [
        "--headless".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--hide-scrollbars".to_string(),
        format!("--user-data-dir={}", profile.display()),
    ];
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": cfg.chromium, "args": args }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .context("cannot open a Chromium session through chromedriver")?;
    let result = checks(&client, cfg, base, pages).await;
    let _ = client.close().await;
    result
}

/// chromedriver's log endpoint (`goog:loggingPrefs`): the browser console since the last call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// A Chrome DevTools command through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp(Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// The console errors (level SEVERE) logged since the last call.
async fn console_errors(c: &Client) -> Result<Vec<String>> {
    let entries = c
        .issue_cmd(BrowserLog)
        .await
        .context("reading the browser console")?;
    Ok(entries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect())
}

/// Fails `o` once for every console error logged since the last look, naming `what` was shown.
async fn fail_on_console_errors(c: &Client, o: &mut Outcome, what: &str) -> Result<()> {
    for err in console_errors(c).await? {
        o.fail(format!("{what}: console error: {err}"));
    }
    Ok(())
}

/// Loads `url`, trying again (up to 3 times) when Chromium's renderer does not answer in time,
/// which a loaded 2-core machine has been seen to cause once; the page itself is then fine.
async fn load(c: &Client, url: &str) -> Result<()> {
    let mut attempt = 1;
    loop {
        match c.goto(url).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 3 => eprintln!("loading {url} failed ({e}); trying again"),
            Err(e) => return Err(anyhow!("cannot load {url} (3 tries): {e}")),
        }
        attempt += 1;
    }
}

async fn eval(c: &Client, script: &str) -> Result<Value> {
    c.execute(script, vec![])
        .await
        .map_err(|e| anyhow!("script failed: {e}\n{script}"))
}

/// The playground (play.rust-lang.org) is not reachable offline: its list of crates is answered
/// here, before any script of the page runs, so the book's own script shows the play buttons as
/// it does online. Everything else goes to the network as usual.
const FAKE_PLAYGROUND: &str = r#"(() => {
  const realFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    if (url === 'https://play.rust-lang.org/meta/crates') {
      const crates = ['rayon', 'crossbeam', 'num_bigint'].map(id => ({ id, name: id, version: '*' }));
      return Promise.resolve(new Response(JSON.stringify({ crates }),
        { status: 200, headers: { 'Content-Type': 'application/json' } }));
    }
    return realFetch(input, init);
  };
})();"#;

const NAV_STATUS: &str = "const e = performance.getEntriesByType('navigation')[0]; \
                          return e ? e.responseStatus : -1;";

/// What a page holds: headings, code blocks, images, links.
const PAGE_INFO: &str = r#"
const main = document.querySelector('main') || document.body;
const short = code => {
  const lines = code.textContent.split('\n').map(l => l.trim()).filter(l => l && !l.startsWith('#'));
  return (lines[0] || code.textContent.trim()).slice(0, 70);
};
const info = { h1: [...main.querySelectorAll('h1')].map(h => h.textContent.trim()),
               blocks: 0, rust: 0, unhighlighted: [], crateInPlayground: [], images: [], links: [] };
for (const code of main.querySelectorAll('pre > code')) {
  info.blocks++;
  const rust = code.classList.contains('language-rust');
  if (rust) info.rust++;
  const spans = code.querySelector('span[class^="hljs-"], span[class*=" hljs-"]');
  if (!code.classList.contains('hljs') || (rust && !spans)) info.unhighlighted.push(short(code));
  if (code.parentElement.classList.contains('playground') && /\b(exercises|solutions)::/.test(code.textContent)) {
    info.crateInPlayground.push(short(code));
  }
}
for (const img of main.querySelectorAll('img')) {
  info.images.push({ src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0,
                     svg: /\.svg([?#]|$)/i.test(img.src) });
}
for (const a of document.querySelectorAll('a[href]')) {
  const raw = a.getAttribute('href');
  if (/^(javascript|mailto):/i.test(raw)) continue;
  const u = new URL(a.href);
  if (u.origin !== location.origin) continue;
  let frag = u.hash.slice(1);
  try { frag = decodeURIComponent(frag); } catch (e) {}
  info.links.push({ href: raw, url: u.origin + u.pathname, frag });
}
return info;"#;

/// The playground blocks of the page and whether their play button shows.
const PLAY_BUTTONS: &str = r#"
const out = { playgrounds: 0, runnable: 0, shown: 0, missing: [] };
for (const pre of document.querySelectorAll('main pre.playground')) {
  out.playgrounds++;
  const code = pre.querySelector('code');
  if (code.classList.contains('no_run')) continue;
  out.runnable++;
  const btn = pre.querySelector('.play-button');
  if (btn && !btn.hidden && !btn.classList.contains('hidden')) out.shown++;
  else out.missing.push(code.textContent.trim().split('\n')[0].slice(0, 70));
}
return out;"#;

/// Fetches a page from the page's own origin: its status and the ids it defines.
const FETCH_IDS: &str = r#"
const [url, done] = arguments;
fetch(url, { cache: 'no-store' }).then(async r => {
  const text = await r.text();
  const doc = new DOMParser().parseFromString(text, 'text/html');
  const ids = [...doc.querySelectorAll('[id]')].map(e => e.id)
    .concat([...doc.querySelectorAll('a[name]')].map(e => e.getAttribute('name')));
  done({ status: r.status, ids });
}).catch(e => done({ status: -1, error: String(e), ids: [] }));"#;

#[derive(Debug)]
struct LinkUse {
    page: String,
    href: String,
    frag: String,
}

async fn checks(c: &Client, cfg: &Config, base: &str, chapters: &[String]) -> Result<Outcome> {
    let mut o = Outcome::default();
    c.set_window_size(1280, 900).await?;
    // A page that does not load in 30 s is retried (see `load`), not waited on for 5 minutes.
    let timeouts = TimeoutConfiguration::new(
        Some(Duration::from_secs(30)),
        Some(Duration::from_secs(30)),
        Some(Duration::ZERO),
    );
    c.update_timeouts(timeouts).await?;
    c.issue_cmd(Cdp(json!({
        "cmd": "Page.addScriptToEvaluateOnNewDocument",
        "params": { "source": FAKE_PLAYGROUND }
    })))
    .await
    .context("installing the playground stand-in")?;
    // mdBook's print.html calls `window.print()` 100 ms after it loads. Headless Chromium then
    // starts a print of its own that never finishes, and the check's own print-to-PDF fails
    // with "Page is already being printed" (or times out waiting for the renderer). The check
    // prints through WebDriver instead, so the page's own call is made a no-op on every page.
    c.issue_cmd(Cdp(json!({
        "cmd": "Page.addScriptToEvaluateOnNewDocument",
        "params": { "source": "window.print = function () {};" }
    })))
    .await
    .context("disabling the print page's own window.print()")?;

    let mut pages: Vec<String> = vec!["index.html".into()];
    pages.extend(chapters.iter().cloned());
    pages.push("print.html".into());
    pages.dedup();

    let mut links: BTreeMap<String, Vec<LinkUse>> = BTreeMap::new();
    let mut headings: Vec<(String, String)> = Vec::new();
    let mut first_playground_page = None;
    let mut first_figure_page = None;
    let (mut n_blocks, mut n_rust, mut n_play, mut n_shown, mut n_images, mut n_svg) =
        (0, 0, 0, 0, 0, 0);
    for page in &pages {
        load(c, &format!("{base}{page}")).await?;
        let status = eval(c, NAV_STATUS).await?.as_i64().unwrap_or(-1);
        if status != 200 {
            o.fail(format!(
                "{page}: HTTP status {status}, not 200 (is its .md file missing from src/?)"
            ));
        }
        let info = eval(c, PAGE_INFO).await?;
        let h1: Vec<String> = strings(&info["h1"]);
        if status == 200 && h1.is_empty() && page != "print.html" {
            o.fail(format!("{page}: no heading: the page looks empty"));
        }
        if let Some(first) = h1.first().filter(|_| chapters.contains(page)) {
            headings.push((page.clone(), first.clone()));
        }
        n_blocks += info["blocks"].as_u64().unwrap_or(0);
        n_rust += info["rust"].as_u64().unwrap_or(0);
        for block in strings(&info["unhighlighted"]) {
            o.fail(format!("{page}: code block not highlighted: `{block}`"));
        }
        for block in strings(&info["crateInPlayground"]) {
            o.fail(format!(
                "{page}: a block using the course's crates is offered to the playground, which lacks them \
                 (mark it rust,noplayground): `{block}`"
            ));
        }
        for img in info["images"].as_array().into_iter().flatten() {
            n_images += 1;
            let svg = img["svg"].as_bool().unwrap_or(false);
            if svg {
                n_svg += 1;
                first_figure_page.get_or_insert_with(|| page.clone());
            }
            if !img["ok"].as_bool().unwrap_or(false) {
                o.fail(format!("{page}: image {} did not load", img["src"]));
            }
        }
        for link in info["links"].as_array().into_iter().flatten() {
            let url = link["url"].as_str().unwrap_or_default().to_string();
            links.entry(url).or_default().push(LinkUse {
                page: page.clone(),
                href: link["href"].as_str().unwrap_or_default().to_string(),
                frag: link["frag"].as_str().unwrap_or_default().to_string(),
            });
        }
        // The play buttons appear once the (stand-in) playground answered: wait for that.
        let deadline = Instant::now() + Duration::from_secs(10);
        let play = loop {
            let play = eval(c, PLAY_BUTTONS).await?;
            if play["missing"].as_array().is_none_or(|m| m.is_empty()) || Instant::now() > deadline
            {
                break play;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        n_play += play["runnable"].as_u64().unwrap_or(0);
        n_shown += play["shown"].as_u64().unwrap_or(0);
        // index.html is the first chapter again: the second screenshot shows another page.
        let twin_of_index =
            page == "index.html" || page == "print.html" || chapters.first() == Some(page);
        if play["shown"].as_u64().unwrap_or(0) > 0 && !twin_of_index {
            first_playground_page.get_or_insert_with(|| page.clone());
        }
        for block in strings(&play["missing"]) {
            o.fail(format!(
                "{page}: playground block without a play button: `{block}`"
            ));
        }
        fail_on_console_errors(c, &mut o, page).await?;
    }
    o.note(format!(
        "{} pages loaded; {n_blocks} code blocks ({n_rust} Rust), {n_shown} of {n_play} runnable playground \
         blocks show a play button; {n_images} images ({n_svg} SVG) loaded",
        pages.len()
    ));

    // Links: every target page once, fetched by the browser from the served book.
    let mut n_links = 0;
    for (url, uses) in &links {
        let answer = c
            .execute_async(FETCH_IDS, vec![json!(url)])
            .await
            .map_err(|e| anyhow!("fetching {url} from the page: {e}"))?;
        let status = answer["status"].as_i64().unwrap_or(-1);
        let ids: BTreeSet<String> = strings(&answer["ids"]).into_iter().collect();
        for u in uses {
            n_links += 1;
            if status != 200 {
                o.fail(format!(
                    "{}: link `{}` leads to {url}, which answers {status}",
                    u.page, u.href
                ));
            } else if !u.frag.is_empty() && !ids.contains(&u.frag) {
                o.fail(format!(
                    "{}: link `{}`: {url} has no element with id `{}`",
                    u.page, u.href, u.frag
                ));
            }
        }
    }
    let _ = console_errors(c).await?; // a 404 above is reported already, not as a console error
    o.note(format!(
        "{n_links} same-site links checked ({} distinct pages)",
        links.len()
    ));

    search(c, base, &mut o).await?;
    print_page(c, cfg, base, &headings, &mut o).await?;

    let third = first_figure_page.unwrap_or_else(|| "print.html".into());
    let mut shots = vec!["index.html".to_string()];
    shots.extend(first_playground_page);
    if !shots.contains(&third) {
        shots.push(third);
    }
    screenshots(c, cfg, base, &shots, &mut o).await?;
    Ok(o)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

async fn search(c: &Client, base: &str, o: &mut Outcome) -> Result<()> {
    load(c, &format!("{base}index.html")).await?;
    c.find(Locator::Css("#mdbook-search-toggle"))
        .await
        .context("no search button")?
        .click()
        .await?;
    let bar = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#mdbook-searchbar"))
        .await
        .context("the search bar did not appear")?;
    for term in ["Condvar", "process pool"] {
        bar.clear().await?;
        bar.send_keys(term).await?;
        let deadline = Instant::now() + Duration::from_secs(15);
        let hits = loop {
            let hits = strings(
                &eval(c, "return [...document.querySelectorAll('#mdbook-searchresults li a')].map(a => a.getAttribute('href'));")
                    .await?,
            );
            if !hits.is_empty() || Instant::now() > deadline {
                break hits;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        if hits.is_empty() {
            o.fail(format!("search: no result for \"{term}\""));
        } else {
            let top: Vec<&str> = hits.iter().take(3).map(String::as_str).collect();
            o.note(format!(
                "search \"{term}\": {} results, first {}",
                hits.len(),
                top.join(", ")
            ));
        }
    }
    fail_on_console_errors(c, o, "search").await
}

async fn print_page(
    c: &Client,
    cfg: &Config,
    base: &str,
    headings: &[(String, String)],
    o: &mut Outcome,
) -> Result<()> {
    load(c, &format!("{base}print.html")).await?;
    let h1 = strings(
        &eval(
            c,
            "return [...document.querySelectorAll('main h1')].map(h => h.textContent.trim());",
        )
        .await?,
    );
    let mut missing = 0;
    for (page, heading) in headings {
        if !h1.contains(heading) {
            missing += 1;
            o.fail(format!(
                "print.html: the chapter {page} (\"{heading}\") is not on the print page"
            ));
        }
    }
    // On a loaded machine Chromium's renderer may miss chromedriver's 10 s for the long print
    // page: that is the machine, not the book, so a timeout is tried again (twice at most).
    let mut attempt = 0;
    let pdf = loop {
        attempt += 1;
        match c.print(Default::default()).await {
            Ok(pdf) => break pdf,
            Err(e) if attempt < 3 && e.to_string().contains("Timed out") => {
                o.note(format!(
                    "print.html: printing timed out ({e}); trying again"
                ));
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e).context("printing print.html to PDF"),
        }
    };
    let path = cfg.out.join("print.pdf");
    std::fs::write(&path, &pdf)?;
    if !pdf.starts_with(b"%PDF") || pdf.len() < 10_000 {
        o.fail(format!(
            "print.html: printing gave no real PDF ({} bytes)",
            pdf.len()
        ));
    }
    o.note(format!(
        "print page: {} of {} chapters present, PDF of {} KiB at {}",
        headings.len() - missing,
        headings.len(),
        pdf.len() / 1024,
        path.display()
    ));
    fail_on_console_errors(c, o, "print.html").await
}

async fn screenshots(
    c: &Client,
    cfg: &Config,
    base: &str,
    pages: &[String],
    o: &mut Outcome,
) -> Result<()> {
    for (theme, stored) in [("light", None), ("dark", Some("navy"))] {
        // mdBook keeps the reader's theme in localStorage; set it as the theme menu does.
        let set = match stored {
            Some(t) => format!("localStorage.setItem('mdbook-theme', '{t}');"),
            None => "localStorage.removeItem('mdbook-theme');".to_string(),
        };
        for (i, page) in pages.iter().enumerate() {
            load(c, &format!("{base}{page}")).await?;
            eval(c, &set).await?;
            c.refresh().await?;
            let class = eval(c, "return document.documentElement.className;").await?;
            let class = class.as_str().unwrap_or_default();
            let want = stored.unwrap_or("light");
            if !class.split_whitespace().any(|k| k == want) {
                o.fail(format!(
                    "{page}: the {theme} theme did not apply (html class \"{class}\")"
                ));
            }
            let png = c.screenshot().await?;
            let stem = page.trim_end_matches(".html").replace('/', "_");
            let path = cfg.out.join(format!("{}-{stem}-{theme}.png", i + 1));
            std::fs::write(&path, png)?;
            o.screenshots.push(path);
        }
    }
    eval(c, "localStorage.removeItem('mdbook-theme');").await?;
    fail_on_console_errors(c, o, "screenshots").await
}
