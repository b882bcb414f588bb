//! Capturing a test's output streams with a cap, keeping the beginning *and* the end: a test that
//! prints a flood and then panics still shows its panic message.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long to wait for a stream's reader after the test was killed: a straggler that still holds
/// the pipe open must not hang the caller.
pub const READER_GRACE: Duration = Duration::from_secs(2);

/// A stream being read to its end in a thread of its own.
pub struct Capture {
    kept: Arc<Mutex<Kept>>,
    ended: Receiver<()>,
}

impl Capture {
    /// Starts reading `r` to its end, keeping at most `cap` bytes: the first bytes, and the last
    /// `min(cap / 4, 8 KiB)`, with a line saying how many bytes were cut between them.
    pub fn start(mut r: impl Read + Send + 'static, cap: usize) -> Capture {
        let kept = Arc::new(Mutex::new(Kept::new(cap)));
        let (tx, ended) = channel();
        let shared = Arc::clone(&kept);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => shared
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(&buf[..n]),
                }
            }
            let _ = tx.send(());
        });
        Capture { kept, ended }
    }

    /// The text, once every writer has closed the stream, or what was read by `deadline` (a
    /// straggler that escaped may hold the stream open: what the test wrote is kept all the same).
    pub fn collect(self, deadline: Instant) -> String {
        let _ = self
            .ended
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.text()
    }
}

/// The bytes kept of one stream: a head, and a rolling tail once the head is full.
struct Kept {
    head: Vec<u8>,
    head_cap: usize,
    tail: VecDeque<u8>,
    tail_cap: usize,
    cut: usize,
}

impl Kept {
    fn new(cap: usize) -> Kept {
        let tail_cap = (cap / 4).min(8 * 1024);
        Kept {
            head: Vec::new(),
            head_cap: cap - tail_cap,
            tail: VecDeque::new(),
            tail_cap,
            cut: 0,
        }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        let room = self.head_cap.saturating_sub(self.head.len());
        let into_head = bytes.len().min(room);
        self.head.extend_from_slice(&bytes[..into_head]);
        bytes = &bytes[into_head..];
        self.tail.extend(bytes);
        let over = self.tail.len().saturating_sub(self.tail_cap);
        self.tail.drain(..over);
        self.cut += over;
    }

    fn text(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.head).into_owned();
        if self.cut > 0 {
            s.push_str(&format!(
                "\n[... {} more bytes of output cut; the last {} bytes follow ...]\n",
                self.cut,
                self.tail.len()
            ));
        }
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        s.push_str(&String::from_utf8_lossy(&tail));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        let mut k = Kept::new(64);
        k.push(b"hello ");
        k.push(b"world");
        assert_eq!(k.text(), "hello world");
    }

    #[test]
    fn a_flood_keeps_its_beginning_and_its_last_lines() {
        let cap = 64 * 1024;
        let mut k = Kept::new(cap);
        for _ in 0..10_000 {
            k.push(b"spam spam spam spam spam spam spam\n");
        }
        k.push(b"thread 'main' panicked at src/ex04.rs:10:5:\nthe real reason\n");
        let text = k.text();
        assert!(text.starts_with("spam spam"));
        assert!(
            text.contains("more bytes of output cut"),
            "{}",
            &text[..200]
        );
        assert!(
            text.ends_with("the real reason\n"),
            "the panic message is kept"
        );
        assert!(text.len() <= cap + 100, "capped: {} bytes", text.len());
    }

    #[test]
    fn the_reader_collects_a_pipe_to_its_end() {
        let c = Capture::start(&b"abc"[..], 16);
        assert_eq!(c.collect(Instant::now() + READER_GRACE), "abc");
    }
}
