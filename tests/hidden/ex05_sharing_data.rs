// Hidden graded tests for ex05_sharing_data: graded by `cargo course grade`, not handed out.
// The same contracts as the public tests with other shapes, so that code tuned to the public
// tests' exact numbers (3 children, the second one failing; 4 threads) is caught. Included
// inside `mod hidden { use super::*; ... }`: the public file's helpers are in scope.

#[test]
fn count_in_processes_reports_the_first_child_failing() {
    // Four children; the first one started (the lowest PID) fails, the other three succeed.
    let (result, pids, failing) = run_count_in_processes("first-fails", None, 4, 100, &[0]);
    let failing = failing[0];
    assert!(
        result.is_err(),
        "worker {failing} exited with code 3 but count_in_processes returned {result:?}: check \
         the exit status of every child"
    );
    assert_all_reaped(&pids, "an error");
}

#[test]
fn count_in_processes_with_one_child_is_exact() {
    let (result, pids, _) = run_count_in_processes("one-child", Some("12"), 1, 300, &[]);
    match result {
        Ok(total) => assert_eq!(total, 300, "1 child x 300 increments from 0 give 300"),
        Err(e) => panic!("count_in_processes with 1 working child returned an error: {e}"),
    }
    assert_all_reaped(&pids, "Ok");
}

#[test]
fn file_counter_is_exact_across_eight_threads() {
    let path = temp_path("eight-threads");
    let values = {
        let path = path.clone();
        watchdog(30, "8 threads incrementing the file counter", move || {
            thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            (0..100)
                                .map(|_| increment_file_counter(&path).expect("increment failed"))
                                .collect::<Vec<u64>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap())
                    .collect::<HashSet<u64>>()
            })
        })
    };
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        values,
        (1..=800).collect::<HashSet<u64>>(),
        "800 increments of a new file from 8 threads must return 1 to 800, each once"
    );
    assert_eq!(stored.trim(), "800", "8 threads x 100 increments leave 800");
}
