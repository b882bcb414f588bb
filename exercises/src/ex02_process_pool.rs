//! A process pool: a fixed set of reusable worker processes, fed tasks over
//! pipes.
//!
//! The pool starts `N` copies of the crate's worker binary (`*-worker ex02`),
//! each with its stdin and stdout connected to the parent by pipes.
//! [`ProcessPool::map`] hands out tasks, one line of text each, and collects
//! one line of text per answer.
//!
//! The contract (the graded tests check each point):
//!
//! - **Answers in task order.** `map(tasks)` returns one answer per task:
//!   `answers[i]` is the answer to `tasks[i]`, whatever order the workers
//!   finish them in.
//! - **Reuse.** The `N` processes that [`ProcessPool::new`] starts compute
//!   every task of every call, and no other process computes any. They serve
//!   call after call, keeping their process ids, until one dies.
//! - **Parallelism.** The workers compute side by side: handing a worker its
//!   first task of a call never waits for the answer to another task. So a call
//!   with at least `N` tasks puts all `N` workers to work at once, however long
//!   the tasks take: `N` tasks that each wait until all `N` of them are running
//!   ([`Task::Meet`]) finish. Beyond that, which worker computes which task is
//!   the pool's choice (round-robin, the next free worker, chunks).
//! - **Any number of tasks.** The pool never writes so far ahead of the answers
//!   it reads that both pipes of a worker fill up (the parent blocked writing
//!   tasks, the worker blocked writing answers: a deadlock).
//! - **A worker that dies owing an answer** (it exits, with any status, even 0,
//!   or is killed, after it was handed a task of this call and before it
//!   answered it): `map` returns [`PoolError::WorkerDied`] with the lowest
//!   index of a task that a dead worker was handed and did not answer, that
//!   task, and the dead worker's process id (not its replacement's). Before it
//!   returns, it waits for the answers the *surviving* workers still owe for
//!   this call and throws them away (so that they cannot be taken for answers
//!   to a later call), reaps every dead worker it found and starts a fresh one
//!   in its place. The pool keeps its size, and the next call uses all `N`
//!   workers again. `map` never hangs because a worker died.
//! - **A worker that dies while idle** (between calls) owes nothing. The first
//!   later call that hands it a task finds it dead and reports it as above; a
//!   call that happens to give it no task may succeed.
//! - **Shutdown.** Dropping the pool closes the input of *every* worker before
//!   it waits for any of them (so they exit side by side, not one after
//!   another), then reaps each one: no worker is left running or as a zombie.
//!
//! Given (scaffolding): the tasks and their pipe protocol, the worker
//! process's code, and [`Worker`], which starts one worker and talks
//! to it. Yours: shutting a worker down, and the pool itself
//! (`ProcessPool::new`, `map` and `Drop`).

use std::fmt;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixStream};
use std::path::Path;
use std::process::{
    Child, ChildStdin, ChildStdout, Command, ExitCode, ExitStatus, Stdio,
};

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
    /// again. [`ProcessPool::new`] returns its [`io::Error`] as it is, which
    /// `?` turns into this variant in a function that returns `PoolError`.
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
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
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
    // ANCHOR_END: worker

    // ANCHOR: worker_shutdown
    /// Closes the worker's stdin. A worker reads end-of-input once it has
    /// answered everything it was sent, and exits.
    pub fn close_input(&mut self) {
        todo!(
            "close the stdin pipe (drop it) so that the worker reads \
             end-of-input and exits"
        )
    }

    /// Waits for the worker process to exit, reaps it (no zombie is left
    /// behind) and returns its exit status. Call [`Worker::close_input`]
    /// first, or this waits forever for an idle worker.
    pub fn reap(&mut self) -> io::Result<ExitStatus> {
        todo!(
            "wait for the child process to exit, so that it is reaped (no \
             zombie)"
        )
    }

    /// Kills the worker if it still runs, without waiting for it to finish its
    /// task, and reaps it. Returns how it ended: its own exit status if it
    /// had exited already (or was reaped before), otherwise killed by
    /// `SIGKILL`.
    pub fn kill(&mut self) -> io::Result<ExitStatus> {
        todo!(
            "close the input, kill the child (it may be gone already) \
             and wait for it"
        )
    }
    // ANCHOR_END: worker_shutdown
}

// ANCHOR: pool_api
/// A pool of worker processes. See the module documentation for the contract.
pub struct ProcessPool {
    /// The worker processes. Add the fields you need (to replace a
    /// dead worker, the pool must remember where the worker binary
    /// is).
    workers: Vec<Worker>,
}

impl ProcessPool {
    /// Starts `workers` worker processes from `worker_exe` (exactly that many,
    /// whatever the number of cores). Panics if `workers` is 0. If one
    /// fails to start, returns its [`io::Error`], after shutting down and
    /// reaping the ones already started.
    pub fn new(worker_exe: &Path, workers: usize) -> io::Result<ProcessPool> {
        todo!(
            "start {workers} workers from {worker_exe:?} with \
             Worker::spawn and keep them"
        )
    }

    /// The number of worker processes.
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// The process ids of the current workers, in worker order.
    pub fn pids(&self) -> Vec<u32> {
        self.workers.iter().map(Worker::pid).collect()
    }

    /// Computes every task on the workers and returns the answers in the order
    /// of `tasks` (none for no tasks). Blocks until all answers are in. If
    /// a worker dies owing an answer, returns [`PoolError::WorkerDied`]
    /// after replacing it. The module documentation states the whole
    /// contract: parallelism, pipes, dead workers.
    pub fn map(&mut self, tasks: &[Task]) -> Result<Vec<u64>, PoolError> {
        todo!(
            "hand out the {} tasks to the workers, a bounded number \
             in flight each, and collect the answers in task order",
            tasks.len()
        )
    }
}

impl Drop for ProcessPool {
    /// Shuts every worker down and reaps it: close every input first, then wait
    /// for each (closing and waiting one worker at a time makes them exit
    /// one after another).
    fn drop(&mut self) {
        todo!("close every worker's input, then reap every worker")
    }
}
// ANCHOR_END: pool_api
