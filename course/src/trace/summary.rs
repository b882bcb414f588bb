//! What a student should read off a scenario, in words: how it ended, the speed-up, and the
//! plain facts the timeline shows ("all 16 tasks ran on one thread", "consumer woke up 412 times
//! for 40 items"). The text chart and the SVG print the same lines.

use super::events::{Lane, Outcome, Scenario, SpanKind, Trace};

/// One line of a summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The sentence.
    pub text: String,
    /// Something is wrong or missing (drawn in red, marked `!`).
    pub alarm: bool,
}

fn plain(text: String) -> Line {
    Line { text, alarm: false }
}

fn alarm(text: String) -> Line {
    Line { text, alarm: true }
}

/// A duration in µs, for people: `42 µs`, `0.42 ms`, `3.14 ms`, `56.3 ms`, `1.23 s`.
pub fn duration(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    if us < 100 {
        format!("{us} µs")
    } else if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// How the scenario ended, if not normally.
pub fn outcome(s: &Scenario) -> Option<Line> {
    let at = |location: &str| {
        if location.is_empty() {
            String::new()
        } else {
            format!(" ({location})")
        }
    };
    Some(match &s.outcome {
        Outcome::Ok => return None,
        Outcome::NotImplemented { message, location } => alarm(format!(
            "not implemented yet: {}{}",
            if message.is_empty() {
                "todo!()"
            } else {
                message
            },
            at(location)
        )),
        Outcome::Panicked {
            message,
            location,
            thread,
            stuck,
        } => alarm(format!(
            "panicked in thread {thread}: {message}{}{}",
            at(location),
            if *stuck {
                "; the other threads were still blocked 2 s later (waiting for the one that \
                 panicked?)"
            } else {
                ""
            }
        )),
        Outcome::Error { message } => alarm(format!("returned an error: {message}")),
        Outcome::TimedOut { after_ms } => alarm(format!(
            "did not finish within {} s: a deadlock, or a thread waiting for a wake-up that \
             never comes; the timeline shows what ran until then",
            after_ms / 1000
        )),
        Outcome::Unfinished => alarm("the run stopped before this scenario ended".to_string()),
    })
}

/// The measured times, with the speed-up over doing the same work one task after the other.
pub fn timings(s: &Scenario) -> Vec<Line> {
    let speedup = |wall: u64| match &s.baseline {
        Some(b) if wall > 0 => format!(", {}", speedup(b.wall_us, wall)),
        _ => String::new(),
    };
    match (&s.timings[..], &s.baseline) {
        ([], _) => Vec::new(),
        ([one], Some(b)) => vec![plain(format!(
            "{}: {}; {}: {}{}",
            one.label,
            duration(one.wall_us),
            b.label,
            duration(b.wall_us),
            speedup(one.wall_us)
        ))],
        (many, baseline) => baseline
            .iter()
            .map(|b| plain(format!("{}: {}", b.label, duration(b.wall_us))))
            .chain(many.iter().map(|t| {
                plain(format!(
                    "{}: {}{}",
                    t.label,
                    duration(t.wall_us),
                    speedup(t.wall_us)
                ))
            }))
            .collect(),
    }
}

/// `speed-up 1.95×`, `speed-up 0.58× (slower)`, `2500× slower`.
pub fn speedup(baseline_us: u64, wall_us: u64) -> String {
    let x = baseline_us as f64 / wall_us.max(1) as f64;
    if x >= 0.995 {
        format!("speed-up {x:.2}×")
    } else if x >= 0.1 {
        format!("speed-up {x:.2}× (slower)")
    } else {
        format!("{:.0}× slower", 1.0 / x.max(1e-9))
    }
}

/// The most lanes that are in a span of one of `kinds` at one instant.
fn most_at_once<'a>(lanes: impl Iterator<Item = &'a Lane>, kinds: &[SpanKind]) -> usize {
    let mut edges: Vec<(u64, i32)> = Vec::new();
    for lane in lanes {
        let mut spans: Vec<(u64, u64)> = lane
            .spans
            .iter()
            .filter(|s| kinds.contains(&s.kind))
            .map(|s| (s.start_us, s.end_us))
            .collect();
        spans.sort_unstable();
        // A lane counts once at a time: merge its overlapping spans first.
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start < last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        for (start, end) in merged {
            edges.push((start, 1));
            edges.push((end, -1));
        }
    }
    // Ends before starts at the same instant: back-to-back spans do not overlap.
    edges.sort_unstable();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

fn is_caller(lane: &Lane) -> bool {
    lane.name == "caller" || lane.name == "main"
}

/// The facts the timeline shows, in words.
pub fn observations(s: &Scenario) -> Vec<Line> {
    let mut out = Vec::new();
    let task_lanes: Vec<&Lane> = s
        .lanes
        .iter()
        .filter(|l| !l.is_process() && l.count(SpanKind::Task) > 0)
        .collect();
    let tasks: usize = task_lanes.iter().map(|l| l.count(SpanKind::Task)).sum();
    if tasks > 0 {
        let most = most_at_once(task_lanes.iter().copied(), &[SpanKind::Task]);
        if task_lanes.len() == 1 && tasks > 1 {
            out.push(alarm(format!(
                "all {tasks} tasks ran on one thread ({}): nothing ran in parallel",
                task_lanes[0].name
            )));
        } else if most == 1 && tasks > 1 && s.meta.contains_key("workers") {
            out.push(alarm(format!(
                "the {tasks} tasks ran on {} threads, but one at a time: something makes each \
                 wait for the last (a lock held while a task runs? a caller that waits for each \
                 result before it hands out the next task?)",
                task_lanes.len()
            )));
        } else {
            out.push(plain(format!(
                "{tasks} tasks ran on {} threads; at most {most} at the same time",
                task_lanes.len(),
            )));
        }
        if let Some(caller) = task_lanes.iter().find(|l| is_caller(l)) {
            out.push(alarm(format!(
                "{} tasks ran on the calling thread ({}), not on the pool's threads",
                caller.count(SpanKind::Task),
                caller.name
            )));
        }
        let workers = s.meta.get("workers").copied().unwrap_or(0);
        let pool_threads = task_lanes.iter().filter(|l| !is_caller(l)).count() as u64;
        if workers > 0 && pool_threads > workers {
            out.push(alarm(format!(
                "the tasks ran on {pool_threads} threads, more than the {workers} workers asked \
                 for: does it start a thread per task?"
            )));
        }
    }
    let processes: Vec<&Lane> = s.lanes.iter().filter(|l| l.is_process()).collect();
    let expected = s.meta.get("processes").copied();
    if !processes.is_empty() {
        let on_cpu = most_at_once(processes.iter().copied(), &[SpanKind::Busy]);
        let with_work = most_at_once(
            processes.iter().copied(),
            &[SpanKind::Busy, SpanKind::Ready],
        );
        let waiting = if with_work > on_cpu {
            format!(" ({with_work} with work, counting those waiting for a CPU)")
        } else {
            String::new()
        };
        out.push(plain(format!(
            "{} worker processes seen; at most {on_cpu} on a CPU at the same time{waiting}",
            processes.len(),
        )));
    }
    let busy: Vec<u64> = processes.iter().map(|l| l.total(SpanKind::Busy)).collect();
    let all_busy: u64 = busy.iter().sum();
    if let Some((i, &most)) = busy.iter().enumerate().max_by_key(|(_, b)| **b)
        && processes.len() > 1
        && all_busy > 10_000
        && 10 * most > 8 * all_busy
    {
        out.push(alarm(format!(
            "{} did {}% of the work (CPU time) of all {} worker processes; the others sat \
             idle: does the pool hand every task to one worker?",
            processes[i].name,
            100 * most / all_busy,
            processes.len()
        )));
    }
    match expected {
        Some(want) if processes.len() as u64 > want => out.push(alarm(format!(
            "{} worker processes for pools of {want} in all: does the pool start a process per \
             task, or replace workers that had not died?",
            processes.len()
        ))),
        Some(_) if processes.is_empty() && s.outcome == Outcome::Ok => out.push(alarm(
            "no worker process was seen: did the tasks run in this process?".to_string(),
        )),
        _ => {}
    }
    for c in &s.counts {
        let text = format!(
            "{} {} {} times for {} items",
            c.lane, c.what, c.value, c.items
        );
        if c.value > 2 * c.items + 20 {
            out.push(alarm(format!(
                "{text}: far more often than items arrived. A thread that sleeps on a Condvar \
                 (or in a blocking recv) until it is notified wakes about once per item: does \
                 it poll, sleeping a little between checks?"
            )));
        } else {
            out.push(plain(text));
        }
    }
    let waits: Vec<String> = s
        .lanes
        .iter()
        .filter(|l| !is_caller(l) && !l.is_process() && l.count(SpanKind::Wait) > 0)
        .filter_map(|l| {
            let start = l.spans.iter().map(|s| s.start_us).min()?;
            let end = l.spans.iter().map(|s| s.end_us).max()?;
            let share = 100 * l.total(SpanKind::Wait) / (end - start).max(1);
            let cpu = s
                .cpu_use
                .iter()
                .find(|c| c.lane == l.name)
                .map_or(String::new(), |c| {
                    format!(" (on a CPU {}% of it)", c.waiting_share())
                });
            Some(format!("{} {share}%{cpu}", l.name))
        })
        .collect();
    if !waits.is_empty() {
        out.push(plain(format!(
            "share of each thread's time blocked in calls: {}",
            waits.join(", ")
        )));
    }
    for c in &s.cpu_use {
        // Polling: on a CPU while blocked for a good part of what the machine gives the thread
        // when it wants to run (its share while working), however busy the machine is.
        // (And a few ms of CPU at least: waking up costs some CPU, which on a busy machine,
        // where a thread gets little, can look like a large share of a short wait.)
        if c.waited_us > 20_000
            && c.wait_cpu_us > 5_000
            && 4 * c.waiting_share() >= c.working_share()
        {
            out.push(alarm(format!(
                "{} was on a CPU for {}% of the {} it spent blocked, against {}% while it \
                 worked: a thread that sleeps until it is woken uses next to none; does it poll \
                 in a loop (yield_now, try_recv)?",
                c.lane,
                c.waiting_share(),
                duration(c.waited_us),
                c.working_share()
            )));
        }
    }
    for p in s.panics.iter().skip(1).take(3) {
        out.push(alarm(format!(
            "also panicked, in thread {}: {}",
            p.thread, p.message
        )));
    }
    if s.outcome == Outcome::Ok
        && let Some(p) = s.panics.first()
    {
        out.push(alarm(format!(
            "a thread panicked and the run went on: {}: {}",
            p.thread, p.message
        )));
    }
    out.extend(s.notes.iter().map(|n| alarm(n.clone())));
    out
}

/// Everything to print under a scenario's lanes.
pub fn scenario_lines(s: &Scenario) -> Vec<Line> {
    let mut lines: Vec<Line> = outcome(s).into_iter().collect();
    lines.extend(timings(s));
    lines.extend(observations(s));
    lines
}

/// Lines about the whole run: output the code printed, a crash.
pub fn trace_lines(t: &Trace) -> Vec<Line> {
    let mut lines = Vec::new();
    if t.load > t.cores as f64 {
        lines.push(alarm(format!(
            "the machine was busy (load average {:.1} on {} cores): every time here is \
             stretched, and differently from run to run; read the shape, not the numbers",
            t.load, t.cores
        )));
    }
    if let Some(why) = &t.stopped {
        lines.push(alarm(why.clone()));
    }
    if let Some(first) = t.stray.first() {
        lines.push(plain(format!(
            "the code printed {} line(s) on stdout, the first: {first}",
            t.stray.len()
        )));
    }
    lines
}

/// What the right-hand column says about a lane: how many tasks (by kind when their labels
/// name one, e.g. `20 make` or `12 make, 8 use`), or how much of its life a process worked.
pub fn lane_note(lane: &Lane) -> String {
    if lane.is_process() {
        let alive = lane.total(SpanKind::Alive).max(1);
        return format!("on a CPU {}%", 100 * lane.total(SpanKind::Busy) / alive);
    }
    let mut by_word: Vec<(&str, usize)> = Vec::new();
    for s in lane.spans.iter().filter(|s| s.kind == SpanKind::Task) {
        let word = s.label.split_whitespace().next().unwrap_or("");
        match by_word.iter_mut().find(|(w, _)| *w == word) {
            Some((_, n)) => *n += 1,
            None => by_word.push((word, 1)),
        }
    }
    let named = by_word.len() <= 2
        && by_word
            .iter()
            .all(|(w, _)| !w.is_empty() && w.chars().all(char::is_alphabetic));
    match by_word.iter().map(|(_, n)| n).sum::<usize>() {
        0 => String::new(),
        _ if named => by_word
            .iter()
            .map(|(w, n)| format!("{n} {w}"))
            .collect::<Vec<_>>()
            .join(", "),
        1 => "1 task".to_string(),
        n => format!("{n} tasks"),
    }
}

#[cfg(test)]
mod tests;
