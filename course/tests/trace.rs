//! `cargo course trace` end to end: the reference solution of ex07 drawn lane by lane (text and
//! SVG agree on the lanes), and the untouched ex07 stub reported as "not implemented yet", with
//! no panic dump. Nothing about timing is asserted: the machine may be busy.

use std::process::Command;

/// Runs `course trace ARGS`; (success, stdout, stderr).
fn trace(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_course"))
        .arg("trace")
        .args(args)
        .output()
        .expect("the course tool runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The lane names of the text chart: the rows `  NAME |...| NOTE` under a scenario's axis.
fn text_lanes(chart: &str) -> Vec<String> {
    chart
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("  ! "))
        .filter(|l| !l.trim_start().starts_with('|'))
        .filter_map(|l| {
            let (name, rest) = l.split_once(" |")?;
            rest.contains('|').then(|| name.trim().to_string())
        })
        .collect()
}

#[test]
fn the_reference_pool_is_drawn_one_lane_per_thread() {
    let svg = std::env::temp_dir().join(format!("course-trace-test-{}.svg", std::process::id()));
    let svg_arg = svg.to_str().expect("a UTF-8 temporary path");
    let (ok, out, err) = trace(&["ex07", "--package", "solutions", "--svg", svg_arg]);
    assert!(ok, "trace failed:\n{out}\n{err}");
    for title in [
        "ex07 · ThreadPool::map · solutions",
        "ex07 · rayon_map · solutions",
    ] {
        assert!(out.contains(title), "no scenario {title:?} in:\n{out}");
    }
    assert!(!out.contains("not implemented"), "{out}");
    let lanes = text_lanes(&out);
    assert!(
        lanes.iter().any(|l| l.starts_with("pool-worker-"))
            && lanes.iter().any(|l| l.starts_with("rayon-worker-")),
        "the pools' threads have no lanes: {lanes:?}\n{out}"
    );
    assert!(
        lanes
            .iter()
            .filter(|l| l.as_str() != "caller")
            .all(|l| l.starts_with("pool-worker-") || l.starts_with("rayon-worker-")),
        "a task ran outside the pools' threads: {lanes:?}"
    );
    assert!(out.contains("tasks ran on"), "{out}");
    let picture = std::fs::read_to_string(&svg).expect("the SVG was written");
    let _ = std::fs::remove_file(&svg);
    assert!(picture.starts_with("<svg ") && picture.trim_end().ends_with("</svg>"));
    assert_eq!(
        picture.matches(r#"<g class="lane">"#).count(),
        lanes.len(),
        "the SVG and the text chart disagree on the lanes"
    );
}

#[test]
fn a_stub_reads_not_implemented_yet() {
    let (ok, out, err) = trace(&["ex07", "--text"]);
    assert!(ok, "trace failed:\n{out}\n{err}");
    // Both scenarios stop at a todo!() of the stub, each named with its message and place.
    assert_eq!(
        out.matches("! not implemented yet: ").count(),
        2,
        "expected two not-implemented rows:\n{out}"
    );
    assert!(
        out.contains("(exercises/src/ex07_thread_pool_factorials.rs:"),
        "{out}"
    );
    for dump in ["panicked at", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(
            !out.contains(dump) && !err.contains(dump),
            "a panic dump ({dump:?}) reached the student:\n{out}\n{err}"
        );
    }
}

#[test]
fn an_exercise_without_a_timeline_is_refused_with_the_list() {
    let (ok, _, err) = trace(&["ex03"]);
    assert!(!ok);
    assert!(err.contains("ex02, ex04, ex07, ex08"), "{err}");
}
