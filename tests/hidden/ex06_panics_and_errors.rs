// Hidden graded tests for ex06_panics_and_errors: graded by `cargo course grade`, not handed out.
// The same contracts as the public tests with other shapes: many jobs finishing in a scrambled
// order, and a run in which every locked job panics. This file is included inside
// `mod hidden { use super::*; ... }`, so the public file's helpers are in scope.

#[test]
fn many_jobs_finishing_in_a_scrambled_order_keep_their_slots() {
    const JOBS: usize = 120;
    let results = watchdog(15, "run_all with 120 jobs", || {
        run_all(jobs_of(JOBS, |i| {
            // A scrambled finishing order: later jobs often finish first.
            let mut rng = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            thread::sleep(Duration::from_millis(next_random(&mut rng) % 30));
            match i % 5 {
                0 | 3 => Ok(i as u32),
                1 => Err(format!("job {i} failed")),
                2 => panic!("job {i} panicked"),
                _ => std::panic::panic_any(i),
            }
        }))
    });
    assert_eq!(results.len(), JOBS, "one outcome per job");
    for (i, r) in results.into_iter().enumerate() {
        let expected = match i % 5 {
            0 | 3 => Ok(i as u32),
            1 => Err(JobError::Failed(format!("job {i} failed"))),
            2 => Err(JobError::Panicked(format!("job {i} panicked"))),
            _ => Err(JobError::Panicked(NON_STRING_PANIC.to_string())),
        };
        assert_eq!(
            r, expected,
            "outcome {i}: outcomes must be in the order of the jobs"
        );
    }
}

#[test]
fn every_locked_job_may_panic() {
    const JOBS: usize = 12;
    let (report, ran, _) =
        run_pushing_jobs(10, "run_locked where every job panics", JOBS, |i, _| {
            panic!("job {i} panics too")
        });
    assert_every_job_ran_once(&ran, JOBS, "every job runs once");
    assert_eq!(
        report,
        LockedRun {
            panicked: (0..JOBS).collect(),
            poisoned: true
        },
        "every job panicked holding the lock"
    );
}
