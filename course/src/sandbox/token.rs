//! The completion token: a random secret handed to the test through an inherited pipe (fd 3),
//! which the grading wrapper reads *before* the student's code runs and writes back (fd 4) after
//! the test body returned. Exit status 0 without the token is "exited early".

use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::capture::Capture;

/// The fd on which a test reads its token.
pub const TOKEN_FD: i32 = 3;
/// The fd on which a test writes `name token` when it finished.
pub const RESULT_FD: i32 = 4;

/// The two pipes of one graded test, with the token already written into the first.
pub struct TokenPipes {
    token: String,
    /// The test's end of the token pipe: the token, then end-of-file.
    child_token: OwnedFd,
    /// The test's end of the result pipe.
    child_result: OwnedFd,
    /// The grader's end of the result pipe.
    result: OwnedFd,
}

impl TokenPipes {
    /// Makes both pipes and writes a fresh random token into the first.
    pub fn new() -> io::Result<TokenPipes> {
        let token = random_token()?;
        let (child_token, token_w) = pipe_high()?;
        let (result, child_result) = pipe_high()?;
        // Dropping the file closes the write end: the test reads the token and then end-of-file.
        std::fs::File::from(token_w).write_all(token.as_bytes())?;
        Ok(TokenPipes {
            token,
            child_token,
            child_result,
            result,
        })
    }

    /// Hands the test's ends to `uid`: the wrapper reopens them through `/proc/self/fd`, which
    /// checks the pipe's owner.
    pub fn give_to(&self, uid: u32, gid: u32) {
        for fd in [self.child_token.as_raw_fd(), self.child_result.as_raw_fd()] {
            // SAFETY: fchown on a valid, open fd; no memory is involved.
            unsafe { libc::fchown(fd, uid, gid) };
        }
    }

    /// The test's ends (token, result), to be moved to [`TOKEN_FD`] and [`RESULT_FD`] in the child.
    pub fn child_fds(&self) -> (RawFd, RawFd) {
        (self.child_token.as_raw_fd(), self.child_result.as_raw_fd())
    }

    /// Once the test was started: closes the test's ends here and reads what it reports.
    pub fn after_spawn(self) -> TokenCheck {
        let TokenPipes {
            token,
            child_token,
            child_result,
            result,
        } = self;
        drop(child_token);
        drop(child_result);
        TokenCheck {
            token,
            reported: Capture::start(std::fs::File::from(result), 4096),
        }
    }
}

/// What a started test reports on its result pipe.
pub struct TokenCheck {
    token: String,
    reported: Capture,
}

impl TokenCheck {
    /// Whether test `name` wrote back `name token` (by `deadline`, if the pipe stays open).
    pub fn returned(self, name: &str, deadline: std::time::Instant) -> bool {
        let want = format!("{name} {}", self.token);
        self.reported.collect(deadline).lines().any(|l| l == want)
    }
}

/// 128 random bits from the kernel, in hex.
fn random_token() -> io::Result<String> {
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom writes at most `bytes.len()` bytes into the buffer it is given.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != bytes.len() as isize {
        return Err(io::Error::other("no randomness for the completion token"));
    }
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A pipe whose both ends are close-on-exec, duplicated above fd 10 so that moving them to fds
/// 3 and 4 in the child can never clobber each other. Returns (read end, write end).
fn pipe_high() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: fds is a valid array of two ints, as pipe2 requires.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both fds were just returned by pipe2 and are owned by nobody else.
    let low = unsafe { [OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])] };
    let high = |fd: &OwnedFd| {
        // SAFETY: F_DUPFD_CLOEXEC on a valid fd has no other preconditions.
        let h = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 10) };
        if h < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `h` is a fresh fd from fcntl, owned by nobody else.
        Ok(unsafe { OwnedFd::from_raw_fd(h) })
    };
    Ok((high(&low[0])?, high(&low[1])?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn tokens_are_fresh_and_long() {
        let a = random_token().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_token().unwrap());
    }

    #[test]
    fn the_token_comes_back_only_with_the_right_name() {
        let pipes = TokenPipes::new().unwrap();
        let (tok_fd, res_fd) = pipes.child_fds();
        // Above the fds the child set-up dup2s them onto (3 and 4), so that never clobbers them.
        assert!(tok_fd >= 10 && res_fd >= 10);
        let mut token = String::new();
        // SAFETY: dup of a valid fd; the File owns the copy.
        let mut r = unsafe { std::fs::File::from_raw_fd(libc::dup(tok_fd)) };
        r.read_to_string(&mut token).unwrap();
        // SAFETY: as above.
        let mut w = unsafe { std::fs::File::from_raw_fd(libc::dup(res_fd)) };
        writeln!(w, "ex01::other {token}").unwrap();
        writeln!(w, "ex01::mine {token}").unwrap();
        drop(w);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        assert!(pipes.after_spawn().returned("ex01::mine", deadline));
    }
}
