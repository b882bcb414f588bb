//! Which exercise a compile error belongs to.

use crate::cargo_messages::Diagnostic;

/// The exercise a compile error belongs to, and the place to show for it, among `exercises`
/// (names) of the package in folder `package_dir` (relative to the workspace root):
/// 1. the first place in an exercise's source, `PACKAGE/src/NAME.rs` or a file under
///    `PACKAGE/src/NAME/` (primary spans first, then the macro calls they come from);
/// 2. else, for an error in an exercise's test target, that exercise at the error's first place;
/// 3. else the first place elsewhere in the package's `src/` whose line names exactly one
///    exercise's module (`pub mod ex03_multiprocessing;` in `lib.rs`, a call of its worker in
///    `src/bin/`).
///
/// `None`: an error outside every exercise (a shared file, the given code in `src/given/`, a
/// dependency).
pub fn attribute(
    error: &Diagnostic,
    package_dir: &str,
    exercises: &[&str],
) -> Option<(String, String, u64)> {
    let src = format!("{package_dir}/src/");
    let in_exercise_file = |file: &str| -> Option<&str> {
        let rest = file.strip_prefix(&src)?;
        exercises.iter().copied().find(|e| {
            rest.strip_prefix(e)
                .is_some_and(|r| r == ".rs" || r.starts_with('/'))
        })
    };
    for p in &error.places {
        if let Some(e) = in_exercise_file(&p.file) {
            return Some((e.to_string(), p.file.clone(), p.line));
        }
    }
    let is_test_target = error.target_kinds.iter().any(|k| k == "test");
    if is_test_target && let Some(e) = exercises.iter().find(|e| **e == error.target_name) {
        let (file, line) = error
            .places
            .first()
            .map(|p| (without_dot_dots(&p.file), p.line))
            .unwrap_or_else(|| (format!("{package_dir}/tests/{e}.rs"), 0));
        return Some((e.to_string(), file, line));
    }
    for p in error.places.iter().filter(|p| p.file.starts_with(&src)) {
        let named: Vec<&str> = exercises
            .iter()
            .copied()
            .filter(|e| p.text.iter().any(|t| t.contains(e)))
            .collect();
        if let [e] = named[..] {
            return Some((e.to_string(), p.file.clone(), p.line));
        }
    }
    None
}

/// `path` with each `DIR/..` removed (`exercises/tests/../../tests/x.rs` → `tests/x.rs`), as the
/// compiler names a file that an `include!` reached; a leading `..` is kept.
fn without_dot_dots(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            "." => {}
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cargo_messages::Place;

    const ALL: [&str; 8] = super::super::TEST_EXERCISES;

    fn place(file: &str, line: u64, primary: bool, text: &str) -> Place {
        Place {
            file: file.into(),
            line,
            primary,
            text: vec![text.into()],
        }
    }

    fn error(target: (&str, &str), places: Vec<Place>) -> Diagnostic {
        Diagnostic {
            target_name: target.0.into(),
            target_kinds: vec![target.1.into()],
            level: "error".into(),
            message: "mismatched types".into(),
            rendered: "error[E0308]: mismatched types".into(),
            places,
        }
    }

    #[test]
    fn an_error_belongs_to_the_exercise_whose_file_it_points_at() {
        let lib = ("exercises", "lib");
        let e = error(
            lib,
            vec![place("exercises/src/ex03_multiprocessing.rs", 12, true, "")],
        );
        assert_eq!(
            attribute(&e, "exercises", &ALL),
            Some((
                "ex03_multiprocessing".into(),
                "exercises/src/ex03_multiprocessing.rs".into(),
                12
            ))
        );
        // A file of the exercise's own module folder.
        let e = error(
            lib,
            vec![place(
                "exercises/src/ex07_thread_pool_factorials/queue.rs",
                3,
                true,
                "",
            )],
        );
        assert_eq!(
            attribute(&e, "exercises", &ALL).unwrap().0,
            "ex07_thread_pool_factorials"
        );
        // A macro from a dependency, called in ex05: the call site decides.
        let e = error(
            lib,
            vec![
                place("/home/u/.cargo/registry/src/crossbeam/lib.rs", 9, true, ""),
                place("exercises/src/ex05_sharing_data.rs", 40, true, ""),
            ],
        );
        assert_eq!(
            attribute(&e, "exercises", &ALL).map(|a| (a.0, a.2)),
            Some(("ex05_sharing_data".into(), 40))
        );
        // A name that merely starts like an exercise's file is not that exercise.
        let e = error(
            lib,
            vec![place(
                "exercises/src/ex03_multiprocessing_old.rs",
                1,
                true,
                "",
            )],
        );
        assert_eq!(attribute(&e, "exercises", &ALL), None);
    }

    #[test]
    fn included_paths_lose_their_dot_dots() {
        assert_eq!(
            without_dot_dots("exercises/tests/../../tests/ex04_producer_consumer.rs"),
            "tests/ex04_producer_consumer.rs"
        );
        assert_eq!(without_dot_dots("../x/./y.rs"), "../x/y.rs");
        assert_eq!(without_dot_dots("/abs/a/../b.rs"), "/abs/b.rs");
    }

    #[test]
    fn an_error_in_a_test_target_or_a_shared_file_naming_one_exercise_belongs_to_it() {
        // The student changed a signature: the graded test (included from tests/) fails.
        let e = error(
            ("ex04_producer_consumer", "test"),
            vec![place(
                "exercises/tests/../../tests/ex04_producer_consumer.rs",
                88,
                true,
                "",
            )],
        );
        assert_eq!(
            attribute(&e, "exercises", &ALL),
            Some((
                "ex04_producer_consumer".into(),
                "tests/ex04_producer_consumer.rs".into(),
                88
            ))
        );
        // The worker binary calls ex03's worker, whose signature changed.
        let worker = ("exercises-worker", "bin");
        let e = error(
            worker,
            vec![place(
                "exercises/src/bin/worker.rs",
                21,
                true,
                "        \"ex03\" => exercises::ex03_multiprocessing::worker_main(rest),",
            )],
        );
        assert_eq!(
            attribute(&e, "exercises", &ALL).unwrap().0,
            "ex03_multiprocessing"
        );
        // The given code uses no exercise's code: an error there (the student edited it) is
        // nobody's, even in the given file named like an exercise.
        let e = error(
            ("exercises", "lib"),
            vec![place(
                "exercises/src/given/ex02_process_pool.rs",
                40,
                true,
                "pub enum PoolError {",
            )],
        );
        assert_eq!(attribute(&e, "exercises", &ALL), None);
        // lib.rs without a line naming an exercise: nobody's; the build failure is shown whole.
        let e = error(
            ("exercises", "lib"),
            vec![place("exercises/src/lib.rs", 1, true, "use foo;")],
        );
        assert_eq!(attribute(&e, "exercises", &ALL), None);
    }
}
