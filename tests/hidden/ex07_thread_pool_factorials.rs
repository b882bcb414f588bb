// Hidden graded tests for ex07_thread_pool_factorials: graded by `cargo course grade`, not
// handed out. Included inside `mod hidden { use super::*; ... }`.

#[test]
fn factorials_up_to_twenty_fit_and_twenty_one_overflows() {
    let mut expected: u64 = 1;
    for n in 1..=20u64 {
        expected *= n;
        assert_eq!(
            factorial_checked(n).ok(),
            Some(expected),
            "{n}! fits in a u64"
        );
    }
    assert!(
        factorial_checked(21).is_err(),
        "21! does not fit in a u64: an error, not a wrapped value"
    );
    assert_eq!(factorial_checked(0).ok(), Some(1), "0! is 1");
}

#[test]
fn pools_of_three_threads_agree_with_the_sequential_reference() {
    let inputs: Vec<u64> = (1..=20).rev().collect();
    let reference: Vec<u64> = inputs.iter().map(|&n| (1..=n).product()).collect();
    let (rayon, pool) = with_watchdog(20, "factorials on pools of 3 threads", move || {
        (rayon_factorials(3, &inputs), pool_factorials(3, &inputs))
    });
    let values = |v: &[Tagged<Result<u64, FactorialError>>]| -> Vec<u64> {
        v.iter()
            .map(|t| *t.value.as_ref().expect("no overflow up to 20!"))
            .collect()
    };
    assert_eq!(values(&rayon), reference, "rayon: results in input order");
    assert_eq!(
        values(&pool),
        reference,
        "hand-built pool: results in input order"
    );
}
