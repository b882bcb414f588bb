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
    assert_eq!(
        factorial_checked(21),
        Err(FactorialError::Overflow { n: 21 }),
        "21! does not fit in a u64: an Overflow error, not a wrapped value"
    );
    assert_eq!(factorial_checked(0).ok(), Some(1), "0! is 1");
}

#[test]
fn pools_of_three_threads_agree_with_the_sequential_reference() {
    let inputs: Vec<u64> = (1..=20).rev().collect();
    let reference: Vec<Result<u64, FactorialError>> =
        inputs.iter().map(|&n| Ok((1..=n).product())).collect();
    let (rayon, pool) = watchdog(9, "factorials on pools of 3 threads", move || {
        (rayon_factorials(3, &inputs), pool_factorials(3, &inputs))
    });
    assert_eq!(rayon, reference, "rayon: results in input order");
    assert_eq!(pool, reference, "hand-built pool: results in input order");
}

#[test]
fn a_pool_whose_map_panicked_can_be_dropped_while_the_panic_unwinds() {
    // The pool is a temporary: it is dropped while map's panic unwinds. A drop that panics then
    // (say, unwrapping the join of a worker that died with its job's panic) aborts the process.
    let done = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&done);
    let map_panicked = watchdog(9, "a map that panics on a temporary pool", move || {
        panic::catch_unwind(move || {
            ThreadPool::new(2).map(vec![0_u32, 1, 2, 3], move |i| {
                if i == 2 {
                    panic!("job {i} panics on purpose (the test expects it)");
                }
                d.fetch_add(1, Ordering::SeqCst);
                i
            })
        })
        .is_err()
    });
    assert_eq!(
        done.load(Ordering::SeqCst),
        3,
        "the 3 items that do not panic must have run by the time the pool is dropped"
    );
    assert!(
        map_panicked,
        "f panicked on item 2, but map returned normally: map must panic when f panics"
    );
}
