//! The rendered book in a real browser: Debian's headless Chromium, driven over chromedriver.
//! Not part of a plain `cargo test` (it needs Chromium); `.ci/run` runs it as its own step:
//! `cargo test -p book-browser-check`. Screenshots and logs go to `target/browser-check/`.

use std::path::PathBuf;
use std::process::Command;

use book_browser_check::{Config, run};

/// The target folder this test runs from (`<target>/debug/deps/<this test>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.ancestors()
        .nth(3)
        .expect("the test runs from <target>/<profile>/deps")
        .to_path_buf()
}

fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

#[test]
fn the_book_works_in_headless_chromium() {
    let target = target_dir();
    // The server is the course tool itself; build it (a no-op when `cargo course book` just did).
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "course", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p course failed");

    let cfg = Config {
        root: course::workspace_root(),
        out: target.join("browser-check"),
        server_exe: target.join("debug/course"),
        chromium: env_path("CHROMIUM", "/usr/bin/chromium"),
        chromedriver: env_path("CHROMEDRIVER", "/usr/bin/chromedriver"),
    };
    let started = std::time::Instant::now();
    let outcome = run(&cfg).unwrap_or_else(|e| panic!("the browser check could not run: {e:#}"));
    for note in &outcome.notes {
        eprintln!("{note}");
    }
    eprintln!("screenshots (light and dark theme):");
    for shot in &outcome.screenshots {
        eprintln!("  {}", shot.display());
    }
    eprintln!(
        "browser checks took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        outcome.failures.is_empty(),
        "{} problem(s) in the book as Chromium shows it (served from {}):\n  {}",
        outcome.failures.len(),
        cfg.root.display(),
        outcome.failures.join("\n  ")
    );
}
