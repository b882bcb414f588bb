// Hidden graded tests for ex04_producer_consumer: graded by `cargo course grade`, not handed out.
// They check the same contracts as the public tests with other shapes of load, so a solution
// tuned to the public tests' exact numbers is caught. This file is included inside
// `mod hidden { use super::*; ... }`, so the public file's helpers are in scope.

#[test]
fn many_producers_one_consumer_through_a_buffer_of_one() {
    // 8 producers, 1 consumer, capacity 1: the buffer is full nearly all the time.
    stress_buffer(20, 1, 8, 2_000, 1, None);
}

#[test]
fn one_producer_many_consumers_with_jitter() {
    stress_buffer(20, 5, 1, 5_000, 6, Some(99));
}

#[test]
fn shared_list_delivers_a_long_run_exactly_once() {
    let numbers: Vec<u64> = (0..50_000).map(|i| i * 3 + 1).collect();
    let expected = numbers.clone();
    let got = watchdog(20, "50 000 numbers through the shared list", move || {
        run_producer_consumer(numbers)
    });
    assert_eq!(
        got.len(),
        expected.len(),
        "every number must be removed exactly once"
    );
    assert_eq!(
        got, expected,
        "one producer and one consumer: the numbers come out in order"
    );
}
