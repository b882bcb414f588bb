//! The stubs students edit (`exercises/src/exNN_*.rs`) are generated from the reference
//! solutions (`solutions/src/exNN_*.rs`, with `// SOLUTION BEGIN`/`END`, `// STUB:` and `// STUB-TODO:` markers),
//! so that the code both share is written once. These tests fail when a committed stub is not
//! what its solution generates, and show that the check catches a stale stub.

mod common;

use std::path::Path;

use course::gen_stubs;

/// The message for stale stubs: which ones, and what to do.
fn stale_message(root: &Path, stale: &[std::path::PathBuf]) -> String {
    let names: Vec<String> = stale
        .iter()
        .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
        .collect();
    format!(
        "these stubs differ from what their solutions generate: {}. Edit the solution (given \
         code, doc contracts, markers), not the stub, then run `cargo course gen-stubs` and \
         commit the stubs it writes",
        names.join(", ")
    )
}

#[test]
fn every_committed_stub_is_what_its_solution_generates() {
    let root = common::root();
    let pairs = gen_stubs::pairs(&root).unwrap();
    assert_eq!(
        pairs.len(),
        8,
        "one stub per exercise solution in solutions/src"
    );
    let stale = gen_stubs::out_of_date(&root).unwrap();
    assert!(stale.is_empty(), "{}", stale_message(&root, &stale));
}

#[test]
fn every_solution_marks_what_the_student_writes() {
    // A solution without markers would generate a "stub" that is the whole solution.
    for pair in gen_stubs::pairs(&common::root()).unwrap() {
        let text = std::fs::read_to_string(&pair.solution).unwrap();
        assert!(
            text.contains("// SOLUTION BEGIN") && text.contains("// STUB-TODO:"),
            "{} has no `// SOLUTION BEGIN` region or no `// STUB-TODO: \"task\"`: mark the code \
             the student writes",
            pair.solution.display()
        );
    }
}

/// A copy of one exercise's pair (and the stubs' rustfmt.toml) in a fresh root.
fn copy_of_one_exercise(name: &str, exercise: &str) -> std::path::PathBuf {
    let root = common::root();
    let copy = common::fresh_in("stubs-are-generated", name);
    for file in [
        format!("solutions/src/{exercise}.rs"),
        format!("exercises/src/{exercise}.rs"),
        gen_stubs::STUB_RUSTFMT_CONFIG.to_string(),
    ] {
        let to = copy.join(&file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(&file), &to).unwrap();
    }
    copy
}

#[test]
fn a_stub_edited_by_hand_is_reported_and_regenerated() {
    let copy = copy_of_one_exercise("stub-edited", "ex06_panics_and_errors");
    let stub = copy.join("exercises/src/ex06_panics_and_errors.rs");
    assert_eq!(
        gen_stubs::out_of_date(&copy).unwrap(),
        Vec::<std::path::PathBuf>::new()
    );

    let original = std::fs::read_to_string(&stub).unwrap();
    std::fs::write(&stub, format!("{original}\npub fn added_by_hand() {{}}\n")).unwrap();
    let stale = gen_stubs::out_of_date(&copy).unwrap();
    assert_eq!(stale, vec![stub.clone()]);
    let message = stale_message(&copy, &stale);
    assert!(
        message.contains("exercises/src/ex06_panics_and_errors.rs")
            && message.contains("run `cargo course gen-stubs`"),
        "{message}"
    );

    assert_eq!(gen_stubs::write_all(&copy).unwrap(), vec![stub.clone()]);
    assert_eq!(std::fs::read_to_string(&stub).unwrap(), original);
    assert!(gen_stubs::out_of_date(&copy).unwrap().is_empty());
}

#[test]
fn a_change_to_the_given_code_of_a_solution_makes_its_stub_stale() {
    let copy = copy_of_one_exercise("solution-edited", "ex06_panics_and_errors");
    let solution = copy.join("solutions/src/ex06_panics_and_errors.rs");
    let text = std::fs::read_to_string(&solution).unwrap();
    let given = "/// The text of a panic, from the payload that";
    assert!(
        text.contains(given),
        "the test's anchor text moved: update it"
    );
    std::fs::write(
        &solution,
        text.replace(given, "/// The message of a panic, from the payload that"),
    )
    .unwrap();
    let stale = gen_stubs::out_of_date(&copy).unwrap();
    assert_eq!(
        stale,
        vec![copy.join("exercises/src/ex06_panics_and_errors.rs")]
    );

    // A change inside a solution-only region does not touch the stub.
    let text = std::fs::read_to_string(&solution).unwrap();
    let body = "        Err(poisoned) => (poisoned.into_inner(), true),";
    assert!(
        text.contains(body),
        "the test's anchor text moved: update it"
    );
    gen_stubs::write_all(&copy).unwrap();
    std::fs::write(
        &solution,
        text.replace(
            body,
            "        Err(poisoned) => {\n            (poisoned.into_inner(), true)\n        }",
        ),
    )
    .unwrap();
    assert!(gen_stubs::out_of_date(&copy).unwrap().is_empty());
}
