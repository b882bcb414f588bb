//! A process-wide request to stop: Ctrl-C (SIGINT), SIGTERM or SIGHUP during grading. Runners
//! poll it, kill their test (its verdict is [`super::Verdict::Interrupted`]) and take no more
//! work, so that nothing is left running and no half-graded submission is reported.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every runner to stop.
pub fn request() {
    STOP.store(true, Ordering::SeqCst);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

extern "C" fn on_signal(_: libc::c_int) {
    // Storing to an atomic is async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

/// Turns SIGINT, SIGTERM and SIGHUP into a stop request. Every such signal is handled so (a
/// second Ctrl-C does not kill the caller halfway through its clean-up, which takes milliseconds:
/// runners poll every few); SIGKILL and SIGQUIT still end it at once.
pub fn on_signals() -> std::io::Result<()> {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed sigaction is a valid value to fill in; the handler only stores to an
        // atomic, which is async-signal-safe; sigemptyset and sigaction get valid pointers.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(sig, &action, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(())
}
