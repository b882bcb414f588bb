//! No network for graded tests: one empty network namespace per runner thread (a grading job),
//! which its tests join one after the other, instead of a new namespace per test.
//!
//! Making and tearing down a namespace per test costs a few milliseconds each and keeps the
//! kernel's namespace clean-up busy; joining an existing one costs a `setns`. Sharing is safe
//! because a job runs one test at a time and every process of a test is dead before the next one
//! starts (cgroup kill or orphan sweep), and tests run unprivileged, so they cannot configure the
//! namespace (its loopback stays down). Where no namespace can be kept, each test makes its own.

use std::cell::OnceCell;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::child::Network;

thread_local! {
    /// This runner thread's empty namespace, made the first time it is needed (or why not).
    static EMPTY: OnceCell<Option<OwnedFd>> = const { OnceCell::new() };
}

/// How the next test of this runner thread is cut off from the network.
pub fn isolated() -> Network {
    EMPTY.with(|cell| match cell.get_or_init(make_empty_namespace) {
        Some(fd) => Network::Join(fd.as_raw_fd()),
        None => Network::NewNamespace,
    })
}

/// A new, empty network namespace, held open by an fd. It is made by a short-lived thread, since
/// `unshare(CLONE_NEWNET)` moves only the calling thread: the runner stays where it was.
fn make_empty_namespace() -> Option<OwnedFd> {
    std::thread::spawn(|| {
        // SAFETY: unshare takes a flag and changes only this (short-lived) thread.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            return None;
        }
        let path = c"/proc/thread-self/ns/net";
        // SAFETY: open on a NUL-terminated literal path.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        // SAFETY: `fd` is a fresh fd from open, owned by nobody else.
        (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
    })
    .join()
    .ok()
    .flatten()
}
