//! The Gradescope package, tried in a simulated `/autograder` layout: unpack the zip, put the
//! built tool where `setup.sh` would have built it, copy a student's handout to `submission/`, run
//! `run_autograder`, and read `results/results.json`.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    course::workspace_root()
}

#[test]
fn run_autograder_writes_gradescope_results_for_a_submission() {
    let base = root().join("target/course-autograder-selftest");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let zip_path = base.join("autograder.zip");
    course::export::write_autograder_zip(&root(), &zip_path).unwrap();

    // Unpack as Gradescope does: the zip's root holds setup.sh and run_autograder.
    let ag = base.join("autograder");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    zip.extract(&ag).unwrap();
    for script in ["setup.sh", "run_autograder"] {
        assert!(ag.join(script).is_file(), "{script} missing from the zip");
    }
    assert!(ag.join("source/exercises/info.toml").is_file());
    assert!(
        !ag.join("source/solutions").exists(),
        "the package must not carry the solutions"
    );

    // What setup.sh builds, taken from this build (building it again here would take minutes).
    let tool = ag.join("source/target/release/course");
    std::fs::create_dir_all(tool.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_course"), &tool).unwrap();

    // A student's submission: the untouched handout.
    course::export::export_tree(
        &root(),
        &ag.join("submission"),
        course::export::Kind::Handout,
    )
    .unwrap();

    let status = Command::new("bash")
        .arg(ag.join("run_autograder"))
        .env("AUTOGRADER_ROOT", &ag)
        .status()
        .unwrap();
    assert!(status.success(), "run_autograder failed");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ag.join("results/results.json")).unwrap())
            .unwrap();
    let manifest = course::manifest::Manifest::load(&root().join(course::MANIFEST_PATH)).unwrap();
    let total_tests: usize = manifest.exercises.iter().map(|e| e.tests.len()).sum();
    assert_eq!(results["score"], 0, "the untouched stubs score nothing");
    assert_eq!(
        results["tests"].as_array().unwrap().len(),
        total_tests,
        "every graded test is reported"
    );
    assert!(
        results["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "failed")
    );
}
