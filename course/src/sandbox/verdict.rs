//! How a test ended, and the one pure function that decides it from what the runner observed.

use serde::{Deserialize, Serialize};

/// A resource limit a test can run into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Limit {
    /// The address-space rlimit (an allocation failed) or the cgroup's `memory.max` (OOM kill).
    Memory,
    /// RLIMIT_CPU (SIGXCPU).
    CpuTime,
    /// RLIMIT_FSIZE (SIGXFSZ).
    FileSize,
    /// The cgroup's `pids.max`.
    ProcessCount,
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limit::Memory => "memory",
            Limit::CpuTime => "CPU time",
            Limit::FileSize => "file size",
            Limit::ProcessCount => "process count",
        })
    }
}

/// How one test ended. The same verdicts for `course check`, the self-checks and `course grade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// Exited 0 (and, when graded, handed back its token).
    Passed,
    /// Exited non-zero: an assertion failed or the code panicked.
    Failed,
    /// Exited 0 without finishing the test (`process::exit`, a panic hook that exits, ...): only
    /// graded runs can tell, by the missing token.
    ExitedEarly,
    /// Still running at the time limit; killed.
    TimedOut,
    /// Killed by a signal it did not ask for (a crash, an abort).
    Crashed(i32),
    /// Hit a resource limit.
    LimitHit(Limit),
    /// The test binary has no test of that name.
    Missing,
    /// The grading run was interrupted (Ctrl-C) before the test ended; it was killed.
    Interrupted,
    /// Could not be started, or the runner lost track of it: says why.
    NotRun(String),
}

impl Verdict {
    /// Whether it counts as a pass.
    pub fn passed(&self) -> bool {
        *self == Verdict::Passed
    }

    /// A few words for tables (`course check`).
    pub fn word(&self) -> String {
        match self {
            Verdict::Passed => "passed".into(),
            Verdict::Failed => "failed".into(),
            Verdict::ExitedEarly => "exited early".into(),
            Verdict::TimedOut => "timed out".into(),
            Verdict::Crashed(sig) => format!("crashed (signal {sig})"),
            Verdict::LimitHit(what) => format!("hit the {what} limit"),
            Verdict::Missing => "missing".into(),
            Verdict::Interrupted => "interrupted".into(),
            Verdict::NotRun(why) => format!("not run: {why}"),
        }
    }

    /// A sentence for reports and feedback.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Passed => "passed".into(),
            Verdict::Failed => "failed".into(),
            Verdict::ExitedEarly => {
                "exited with status 0 before the test finished (std::process::exit, or a panic hook that exits?)".into()
            }
            Verdict::TimedOut => "timed out (deadlock, endless loop, or too slow)".into(),
            Verdict::Crashed(sig) => format!("crashed (killed by signal {sig})"),
            Verdict::LimitHit(what) => format!("hit the {what} limit"),
            Verdict::Missing => "missing from the test binary".into(),
            Verdict::Interrupted => "not finished: grading was interrupted".into(),
            Verdict::NotRun(why) => format!("could not be run: {why}"),
        }
    }

    /// A stable one-word code for machine-readable outputs.
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::ExitedEarly => "exited_early",
            Verdict::TimedOut => "timeout",
            Verdict::Crashed(_) => "crashed",
            Verdict::LimitHit(_) => "limit",
            Verdict::Missing => "missing",
            Verdict::Interrupted => "interrupted",
            Verdict::NotRun(_) => "not_run",
        }
    }
}

/// How the test's process ended, as far as the runner saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this status.
    Code(i32),
    /// A signal killed it (not the runner's: the runner only kills after the time limit).
    Signal(i32),
    /// It was still running at the time limit and the runner killed it.
    TimedOut,
}

/// Whether the test handed back the token it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// The policy hands out no token (`course check`): the exit status alone decides.
    NotUsed,
    /// The test wrote back `name token`: its body ran to the end.
    Returned,
    /// A token was handed out and did not come back.
    NotReturned,
}

/// Everything [`classify`] needs: facts gathered by the runner, no processes or files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ending {
    /// How the process ended.
    pub exit: Exit,
    /// The completion token.
    pub token: Token,
    /// The output says an allocation failed (`memory allocation of N bytes failed`).
    pub allocation_failed: bool,
    /// The test's cgroup refused a fork at `pids.max`.
    pub pids_max_hit: bool,
    /// The test's cgroup killed a process at `memory.max`.
    pub oom_killed: bool,
}

/// The verdict for a test that ended this way.
pub fn classify(e: &Ending) -> Verdict {
    let limit = Verdict::LimitHit;
    match e.exit {
        Exit::TimedOut if e.pids_max_hit => limit(Limit::ProcessCount),
        Exit::TimedOut => Verdict::TimedOut,
        Exit::Code(0) => match e.token {
            Token::NotUsed | Token::Returned => Verdict::Passed,
            Token::NotReturned => Verdict::ExitedEarly,
        },
        Exit::Signal(libc::SIGXCPU) => limit(Limit::CpuTime),
        Exit::Signal(libc::SIGXFSZ) => limit(Limit::FileSize),
        Exit::Signal(_) if e.oom_killed || e.allocation_failed => limit(Limit::Memory),
        Exit::Signal(sig) => Verdict::Crashed(sig),
        Exit::Code(_) if e.allocation_failed || e.oom_killed => limit(Limit::Memory),
        Exit::Code(_) if e.pids_max_hit => limit(Limit::ProcessCount),
        Exit::Code(_) => Verdict::Failed,
    }
}

/// Whether a test's output says that an allocation failed (the standard library's message on
/// `handle_alloc_error`, or a `try_reserve` error printed by a test).
pub fn says_allocation_failed(output: &str) -> bool {
    output.contains("memory allocation of") || output.contains("failed to allocate")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ending(exit: Exit, token: Token) -> Ending {
        Ending {
            exit,
            token,
            allocation_failed: false,
            pids_max_hit: false,
            oom_killed: false,
        }
    }

    #[test]
    fn exit_zero_passes_only_with_the_token_when_one_was_handed_out() {
        assert_eq!(
            classify(&ending(Exit::Code(0), Token::Returned)),
            Verdict::Passed
        );
        assert_eq!(
            classify(&ending(Exit::Code(0), Token::NotUsed)),
            Verdict::Passed
        );
        assert_eq!(
            classify(&ending(Exit::Code(0), Token::NotReturned)),
            Verdict::ExitedEarly
        );
    }

    #[test]
    fn a_non_zero_exit_fails_even_with_the_token() {
        // A test whose body ended and then something (an atexit, a destructor) failed.
        assert_eq!(
            classify(&ending(Exit::Code(101), Token::Returned)),
            Verdict::Failed
        );
    }

    #[test]
    fn signals_are_crashes_unless_a_limit_explains_them() {
        let t = Token::NotReturned;
        assert_eq!(
            classify(&ending(Exit::Signal(libc::SIGSEGV), t)),
            Verdict::Crashed(libc::SIGSEGV)
        );
        assert_eq!(
            classify(&ending(Exit::Signal(libc::SIGXCPU), t)),
            Verdict::LimitHit(Limit::CpuTime)
        );
        assert_eq!(
            classify(&ending(Exit::Signal(libc::SIGXFSZ), t)),
            Verdict::LimitHit(Limit::FileSize)
        );
        let oom = Ending {
            oom_killed: true,
            ..ending(Exit::Signal(libc::SIGKILL), t)
        };
        assert_eq!(classify(&oom), Verdict::LimitHit(Limit::Memory));
        let abort_after_failed_alloc = Ending {
            allocation_failed: true,
            ..ending(Exit::Signal(libc::SIGABRT), t)
        };
        assert_eq!(
            classify(&abort_after_failed_alloc),
            Verdict::LimitHit(Limit::Memory)
        );
    }

    #[test]
    fn a_timeout_at_the_process_limit_is_the_process_limit() {
        let t = Token::NotReturned;
        assert_eq!(classify(&ending(Exit::TimedOut, t)), Verdict::TimedOut);
        let forks = Ending {
            pids_max_hit: true,
            ..ending(Exit::TimedOut, t)
        };
        assert_eq!(classify(&forks), Verdict::LimitHit(Limit::ProcessCount));
        let failed_fork = Ending {
            pids_max_hit: true,
            ..ending(Exit::Code(101), t)
        };
        assert_eq!(
            classify(&failed_fork),
            Verdict::LimitHit(Limit::ProcessCount)
        );
    }

    #[test]
    fn allocation_failures_are_recognised_in_the_output() {
        assert!(says_allocation_failed(
            "memory allocation of 16777216 bytes failed\n"
        ));
        assert!(!says_allocation_failed(
            "thread 'main' panicked at src/lib.rs:3:5"
        ));
    }

    #[test]
    fn every_verdict_has_distinct_words_and_codes() {
        let all = [
            Verdict::Passed,
            Verdict::Failed,
            Verdict::ExitedEarly,
            Verdict::TimedOut,
            Verdict::Crashed(11),
            Verdict::LimitHit(Limit::Memory),
            Verdict::Missing,
            Verdict::Interrupted,
            Verdict::NotRun("x".into()),
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(Verdict::code).collect();
        let words: std::collections::BTreeSet<_> = all.iter().map(Verdict::word).collect();
        assert_eq!(codes.len(), all.len());
        assert_eq!(words.len(), all.len());
        assert_eq!(
            all.iter().filter(|v| v.passed()).count(),
            1,
            "only Passed passes"
        );
    }
}
