// Hidden graded tests for ex01_threads_vs_processes: graded by `cargo course grade`, not handed
// out. The same contracts as the public tests with other shapes (more workers, uneven splits,
// fewer numbers than threads, more calls), so a solution tuned to the public tests' exact
// numbers is caught. Included inside `mod hidden { use super::*; ... }`: the public file's
// helpers are in scope.

#[test]
fn seven_uneven_processes_all_run_at_once() {
    // 99_991 = 7 * 14_284 + 3: three parts are one longer than the others.
    // 99_991 itself is prime and not below 99_991.
    let (_, gate) = primes_on_processes_all_at_once(99_991, 7, PRIMES_BELOW_100_000 - 1);
    assert_all_reaped(&gate.started(), "after primes_on_processes returned");
}

#[test]
fn more_threads_than_numbers() {
    let (run, me) = watchdog(8, "primes_on_threads(3, 6)", || {
        (primes_on_threads(3, 6), thread::current().id())
    });
    check_run_counts("primes_on_threads(3, 6)", &run, 3, 6, 1);
    assert_on_threads_of_their_own(
        run.parts.iter().map(|p| p.worker),
        6,
        me,
        &format!(
            "each of the 6 parts (even an empty one) is counted by a thread of its own: {:?}",
            run.parts
        ),
        "a part was counted on the calling thread",
    );
}

#[test]
fn twenty_four_io_calls_all_in_flight_at_once() {
    const N: usize = 24;
    let (values, most) = watchdog(
        20,
        "simulate_io with 24 calls that wait for each other",
        || {
            let gauge = OverlapGauge::new();
            let all_in_flight = Rendezvous::new(N, 4);
            let gave_up = AtomicBool::new(false);
            let run = simulate_io(N, |i| {
                let _running = gauge.enter();
                if !gave_up.load(Ordering::SeqCst) && !all_in_flight.meet() {
                    gave_up.store(true, Ordering::SeqCst);
                }
                N - i
            });
            (run.results, gauge.most())
        },
    );
    assert_eq!(
        most, N,
        "simulate_io({N}, io) made {N} calls, but at most {most} were in flight at a time"
    );
    assert_eq!(
        values,
        (0..N).map(|i| N - i).collect::<Vec<_>>(),
        "results[i] must be io(i), in request order"
    );
}
