// Hidden graded tests for ex03_multiprocessing: graded by `cargo course grade`, not handed out.
// The same contracts as the public tests with other sizes and programs. Included inside
// `mod hidden { use super::*; ... }`: the public file's helpers are in scope.

#[test]
fn a_long_conversation_does_not_deadlock() {
    // 4 MiB on stderr before the child reads about 2 MB of input.
    let numbers: Vec<i64> = (1..=300_000).map(|k| k - 150_000).collect();
    let input: String = numbers.iter().map(|k| format!("{k} ")).collect();
    let want: i64 = numbers.iter().sum();
    match run_worker(&["noisy-sum", "4096"], input.into_bytes(), GENEROUS) {
        Ok(got) => {
            assert_eq!(got.value, want, "the sum of the 300 000 numbers");
            assert_gone(got.pid, "run_with_input returned Ok");
        }
        Err(e) => panic!("`noisy-sum 4096` should give Ok({want}), got Err({e:?})"),
    }
}

#[test]
fn a_shell_child_is_timed_out_and_reaped() {
    // A shell that writes a line on stderr and then becomes `sleep 30` (same PID).
    assert_timed_out(
        call(
            Path::new("/bin/sh"),
            &["-c", "echo \"worker $$: sleeping\" >&2; exec sleep 30"],
            Vec::new(),
            SHORT_LIMIT,
            "the time limit of 300 ms did not hold",
        ),
        None,
        "run_in_child",
        "a shell sleeping 30 s with a 300 ms limit",
    );
}

#[test]
fn empty_input_and_empty_output() {
    // No input at all: the child sees end-of-file at once and sums nothing.
    match run_worker(&["sum"], Vec::new(), GENEROUS) {
        Ok(got) => assert_eq!(got.value, 0, "the sum of no numbers is 0"),
        Err(e) => panic!("`sum` with an empty stdin should give Ok(0), got Err({e:?})"),
    }
    // A child that prints only whitespace printed no integer.
    match run(&["print", " \n\t "], GENEROUS) {
        Err(ChildError::BadOutput { stdout, .. }) => {
            assert_eq!(
                stdout, " \n\t ",
                "BadOutput.stdout is what the child printed"
            )
        }
        other => panic!("a child that prints only whitespace gave no integer, got {other:?}"),
    }
}
