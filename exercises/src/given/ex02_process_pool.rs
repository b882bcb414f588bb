//! Given code of exercise 2 (`ex02_process_pool`): the tasks and their pipe
//! protocol, the worker process's code, and [`Worker`], which starts one worker
//! and talks to it. Read it, do not change it: the grader always uses the
//! original. The exercise module re-exports every item, so
//! `crate::ex02_process_pool::Task` is this `Task`.

use std::fmt;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};

// ANCHOR: task
/// A task a worker process knows how to compute. Every task but [`Task::Exit`]
/// is answered with one `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Answers `n * n` (wrapping on overflow).
    Square(u64),
    /// Burns CPU: answers [`spin(iterations)`](spin).
    Spin { iterations: u64 },
    /// Sleeps `millis` milliseconds, then answers `value`.
    Sleep { millis: u64, value: u64 },
    /// Sleeps `millis` milliseconds, then answers the worker's own process id.
    Pid { millis: u64 },
    /// Makes the worker exit at once with this exit code, without answering.
    Exit(i32),
    /// Waits at the rendezvous point number `gate`, which a test opens to see
    /// how many tasks run at the same time: connects to the Unix socket at
    /// [`Task::meet_socket`]`(gate)`, sends this process's id as one line, and
    /// blocks until the test lets it through with a number, which is the
    /// answer. Answers `u64::MAX` at once if nobody listens there.
    Meet { gate: u64 },
}
// ANCHOR_END: task

// ANCHOR: error
/// Why [`ProcessPool::map`] failed.
///
/// [`ProcessPool::map`]: crate::ex02_process_pool::ProcessPool::map
#[derive(Debug)]
pub enum PoolError {
    /// The worker process `pid` died (exited with any status, was killed, or
    /// closed its pipes) while it still owed the answer to `tasks[index]`,
    /// which was `task`. `index` is the lowest such index if several
    /// workers died. The dead workers have been reaped and replaced.
    WorkerDied { index: usize, task: Task, pid: u32 },
    /// Starting a worker process failed. `map` returns it when a worker died
    /// (as for `WorkerDied`) and its replacement could not be started: the
    /// dead worker was reaped and stays in its place (the pool keeps its
    /// size) until a later call hands it a task, finds it dead and tries
    /// again. [`ProcessPool::new`](crate::ex02_process_pool::ProcessPool::new)
    /// returns its [`io::Error`] as it is, which `?` turns into this variant
    /// in a function that returns `PoolError`.
    Io(io::Error),
}
// ANCHOR_END: error

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::WorkerDied { index, task, pid } => {
                write!(
                    f,
                    "worker process {pid} died before answering task {index} \
                     ({task:?})"
                )
            }
            PoolError::Io(e) => {
                write!(f, "could not start a worker process: {e}")
            }
        }
    }
}

impl std::error::Error for PoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoolError::Io(e) => Some(e),
            PoolError::WorkerDied { .. } => None,
        }
    }
}

impl From<io::Error> for PoolError {
    fn from(e: io::Error) -> Self {
        PoolError::Io(e)
    }
}

/// A deterministic CPU-bound computation: `iterations` rounds of a xorshift
/// generator. The rounds depend on each other, so the compiler cannot skip
/// them; the cost grows linearly.
pub fn spin(iterations: u64) -> u64 {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..iterations {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

// ANCHOR: protocol
impl Task {
    /// The answer a worker gives to this task, computed in the calling process
    /// (so [`Task::Pid`] answers the caller's own id). `None` for
    /// [`Task::Exit`], which has no answer; this function does not exit.
    pub fn compute(&self) -> Option<u64> {
        match *self {
            Task::Square(n) => Some(n.wrapping_mul(n)),
            Task::Spin { iterations } => Some(spin(iterations)),
            Task::Sleep { millis, value } => {
                std::thread::sleep(std::time::Duration::from_millis(millis));
                Some(value)
            }
            Task::Pid { millis } => {
                std::thread::sleep(std::time::Duration::from_millis(millis));
                Some(u64::from(std::process::id()))
            }
            Task::Meet { gate } => Some(meet(gate)),
            Task::Exit(_) => None,
        }
    }

    /// Where a [`Task::Meet`] task with this `gate` number waits: a Unix socket
    /// in Linux's abstract namespace (no file, no path-length limit), which
    /// the test that opens the gate listens on.
    pub fn meet_socket(gate: u64) -> SocketAddr {
        SocketAddr::from_abstract_name(format!("course-ex02-meet-{gate}"))
            .expect("a short abstract socket name")
    }

    /// Writes the task as one line of the pipe protocol (e.g. `sq 12\n`).
    /// Buffered writers need a `flush` before the worker can see it.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        match *self {
            Task::Square(n) => writeln!(out, "sq {n}"),
            Task::Spin { iterations } => writeln!(out, "spin {iterations}"),
            Task::Sleep { millis, value } => {
                writeln!(out, "sleep {millis} {value}")
            }
            Task::Pid { millis } => writeln!(out, "pid {millis}"),
            Task::Exit(code) => writeln!(out, "exit {code}"),
            Task::Meet { gate } => writeln!(out, "meet {gate}"),
        }
    }

    /// Parses one line of the pipe protocol (with or without its newline).
    pub fn parse(line: &str) -> Option<Task> {
        let mut words = line.split_whitespace();
        let kind = words.next()?;
        let mut num = || words.next()?.parse::<u64>().ok();
        let task = match kind {
            "sq" => Task::Square(num()?),
            "spin" => Task::Spin { iterations: num()? },
            "sleep" => Task::Sleep {
                millis: num()?,
                value: num()?,
            },
            "pid" => Task::Pid { millis: num()? },
            "exit" => Task::Exit(words.next()?.parse().ok()?),
            "meet" => Task::Meet { gate: num()? },
            _ => return None,
        };
        Some(task)
    }
}
// ANCHOR_END: protocol

/// Runs a [`Task::Meet`]: waits at the gate and answers what it hands back
/// (`u64::MAX` if nobody listens, or if the gate closes without an answer).
fn meet(gate: u64) -> u64 {
    let wait = || -> io::Result<u64> {
        let mut gate = UnixStream::connect_addr(&Task::meet_socket(gate))?;
        writeln!(gate, "{}", std::process::id())?;
        let mut answer = String::new();
        BufReader::new(gate).read_line(&mut answer)?;
        answer
            .trim()
            .parse()
            .map_err(|_| io::ErrorKind::InvalidData.into())
    };
    wait().unwrap_or(u64::MAX)
}

// ANCHOR: worker_main
/// Entry point of the worker process (`*-worker ex02`): reads one task per line
/// from stdin, writes one answer per line to stdout, until stdin ends (the pool
/// closed it).
pub fn worker_main(args: &[String]) -> ExitCode {
    if !args.is_empty() {
        eprintln!("ex02 worker: expected no arguments, got {args:?}");
        return ExitCode::from(2);
    }
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    let mut line = String::new();
    loop {
        line.clear();
        match input.read_line(&mut line) {
            // end of input: the pool is shutting us down
            Ok(0) => return ExitCode::SUCCESS,
            Ok(_) => {}
            Err(e) => {
                eprintln!("ex02 worker: cannot read a task: {e}");
                return ExitCode::FAILURE;
            }
        }
        let Some(task) = Task::parse(&line) else {
            eprintln!("ex02 worker: not a task: {line:?}");
            return ExitCode::from(2);
        };
        let answer = match task {
            Task::Exit(code) => {
                // Answers already written must reach the parent before we go.
                let _ = output.flush();
                std::process::exit(code);
            }
            other => {
                other.compute().expect("every task but Exit has an answer")
            }
        };
        // Flush every answer: the parent may be blocked waiting for exactly
        // this line.
        if writeln!(output, "{answer}")
            .and_then(|()| output.flush())
            .is_err()
        {
            // the parent closed our stdout: nobody is listening
            return ExitCode::FAILURE;
        }
    }
}
// ANCHOR_END: worker_main

// ANCHOR: worker
/// One worker process and the parent's ends of its two pipes.
pub struct Worker {
    /// The worker process (`close_input`, `reap` and `kill`, in the exercise,
    /// end it).
    pub(crate) child: Child,
    /// The parent's end of the worker's stdin; `None` once it is closed.
    pub(crate) stdin: Option<BufWriter<ChildStdin>>,
    stdout: BufReader<ChildStdout>,
    line: String,
}

impl Worker {
    /// Starts `worker_exe ex02` with piped stdin and stdout (stderr is
    /// inherited).
    pub fn spawn(worker_exe: &Path) -> io::Result<Worker> {
        let mut child = Command::new(worker_exe)
            .arg("ex02")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().expect("stdin was piped");
        let stdout = child.stdout.take().expect("stdout was piped");
        Ok(Worker {
            child,
            stdin: Some(BufWriter::new(stdin)),
            stdout: BufReader::new(stdout),
            line: String::new(),
        })
    }

    /// The worker's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Queues `task` in the stdin buffer. Nothing reaches the worker before
    /// [`Worker::flush`]. Fails with `BrokenPipe` once the worker is gone
    /// (or its input was closed).
    pub fn send(&mut self, task: &Task) -> io::Result<()> {
        match &mut self.stdin {
            Some(stdin) => task.write_to(stdin),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }

    /// Pushes the buffered tasks down the pipe.
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.stdin {
            Some(stdin) => stdin.flush(),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }

    /// Blocks until the worker's next answer arrives. Fails with
    /// `UnexpectedEof` when the worker exited (its stdout closed) before
    /// answering.
    pub fn recv(&mut self) -> io::Result<u64> {
        self.line.clear();
        if self.stdout.read_line(&mut self.line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.line.trim_end().parse().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad answer {:?}", self.line),
            )
        })
    }
}
// ANCHOR_END: worker
