//! The timeline in a terminal: one row of characters per thread or process.

use super::events::{Lane, Scenario, SpanKind, Trace, side_by_side};
use super::summary::{self, Line};

/// What the characters mean, by the kind of span they draw.
const LEGEND: [(SpanKind, &str); 6] = [
    (SpanKind::Task, "█▓ a task (neighbours alternate)"),
    (SpanKind::Busy, "█ a worker process on a CPU"),
    (SpanKind::Ready, "▒ ready, waiting for a CPU"),
    (SpanKind::Wait, "░ blocked in a call"),
    (SpanKind::Phase, "━ the caller's steps"),
    (SpanKind::Alive, "· a worker process alive, idle"),
];

/// The legend of the kinds of span the traces hold.
fn legend(traces: &[&Trace]) -> String {
    let present = |kind: SpanKind| {
        traces
            .iter()
            .flat_map(|t| &t.scenarios)
            .flat_map(|s| &s.lanes)
            .flat_map(|l| &l.spans)
            .any(|s| s.kind == kind)
    };
    LEGEND
        .iter()
        .filter(|(kind, _)| present(*kind))
        .map(|(_, text)| *text)
        .collect::<Vec<_>>()
        .join("   ")
}

/// The widest lane name shown in full.
const NAME_WIDTH: usize = 18;

/// Draws the scenarios of `traces` (one trace, or several to compare: scenario by scenario,
/// each on the same time scale) with `width` characters for the time axis.
pub fn render(traces: &[&Trace], width: usize) -> String {
    let width = width.max(10);
    let mut out = String::new();
    for (span_us, row) in side_by_side(traces) {
        for (t, s) in row {
            scenario(&mut out, t, s, span_us, width);
        }
    }
    for t in traces {
        let lines = summary::trace_lines(t);
        if !lines.is_empty() {
            out.push_str(&format!("{} ({}):\n", t.exercise, t.package));
            push_lines(&mut out, &lines);
        }
    }
    out.push_str(&legend(traces));
    out.push('\n');
    out
}

fn push_lines(out: &mut String, lines: &[Line]) {
    for l in lines {
        out.push_str(if l.alarm { "  ! " } else { "    " });
        out.push_str(&l.text);
        out.push('\n');
    }
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= NAME_WIDTH {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(NAME_WIDTH - 1).collect();
        s.push('…');
        s
    }
}

fn scenario(out: &mut String, t: &Trace, s: &Scenario, span_us: u64, width: usize) {
    out.push_str(&format!("{} · {} · {}\n", t.exercise, s.title, t.package));
    out.push_str(&format!("    {}\n", s.detail));
    if let Some((start, end)) = s.window() {
        let names = s
            .lanes
            .iter()
            .map(|l| shorten(&l.name).chars().count())
            .max()
            .unwrap_or(0);
        let used = cells(end - start, span_us, width);
        let left = "0 ms";
        let right = summary::duration(end - start);
        let gap = used
            .saturating_sub(left.len() + right.chars().count())
            .max(1);
        out.push_str(&format!(
            "  {:names$} |{left}{}{right}\n",
            "",
            " ".repeat(gap)
        ));
        for lane in &s.lanes {
            let row = lane_row(lane, start, span_us, width);
            out.push_str(&format!(
                "  {:names$} |{}| {}\n",
                shorten(&lane.name),
                row,
                summary::lane_note(lane)
            ));
        }
    }
    push_lines(out, &summary::scenario_lines(s));
    out.push('\n');
}

/// How many of `width` cells `us` takes when the whole axis is `span_us`.
fn cells(us: u64, span_us: u64, width: usize) -> usize {
    let n = (us as f64 / span_us.max(1) as f64 * width as f64).ceil() as usize;
    n.clamp(1, width)
}

/// One lane as `width` characters; the axis starts at `start` and is `span_us` long.
pub fn lane_row(lane: &Lane, start: u64, span_us: u64, width: usize) -> String {
    let rank = |kind: SpanKind| match kind {
        SpanKind::Task | SpanKind::Busy => 4,
        SpanKind::Phase | SpanKind::Ready => 3,
        SpanKind::Wait => 2,
        SpanKind::Alive => 1,
    };
    let mut best: Vec<(u8, char)> = vec![(0, ' '); width];
    let mut spans: Vec<_> = lane.spans.iter().collect();
    spans.sort_by_key(|s| s.start_us);
    let mut nth_task = 0;
    for s in spans {
        let glyph = match s.kind {
            SpanKind::Task => {
                nth_task += 1;
                if nth_task % 2 == 1 { '█' } else { '▓' }
            }
            SpanKind::Busy => '█',
            SpanKind::Ready => '▒',
            SpanKind::Wait => '░',
            SpanKind::Phase => '━',
            SpanKind::Alive => '·',
        };
        let scale = width as f64 / span_us.max(1) as f64;
        let from = ((s.start_us.saturating_sub(start)) as f64 * scale).floor() as usize;
        let to = ((s.end_us.saturating_sub(start)) as f64 * scale).ceil() as usize;
        let from = from.min(width - 1);
        let to = to.clamp(from + 1, width);
        for cell in &mut best[from..to] {
            if rank(s.kind) >= cell.0 {
                *cell = (rank(s.kind), glyph);
            }
        }
    }
    best.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::super::events::parse;
    use super::*;

    #[test]
    fn lanes_become_rows_of_glyphs() {
        let t = parse(concat!(
            r#"{"type":"start","exercise":"ex07","package":"solutions","cores":2,"unit_us":1000}"#,
            "\n",
            r#"{"type":"scenario","title":"ThreadPool::map","detail":"demo"}"#,
            "\n",
            r#"{"type":"span","lane":"caller","kind":"wait","start_us":0,"end_us":1000,"label":"map"}"#,
            "\n",
            r##"{"type":"span","lane":"w0","kind":"task","start_us":0,"end_us":500,"label":"#0"}"##,
            "\n",
            r##"{"type":"span","lane":"w0","kind":"task","start_us":500,"end_us":1000,"label":"#1"}"##,
            "\n",
            r#"{"type":"end","outcome":"ok"}"#,
        ))
        .unwrap();
        let s = &t.scenarios[0];
        assert_eq!(lane_row(&s.lanes[0], 0, 1000, 10), "░".repeat(10));
        assert_eq!(
            lane_row(&s.lanes[1], 0, 1000, 10),
            format!("{}{}", "█".repeat(5), "▓".repeat(5))
        );
        // On a scale twice as long (another run to compare with), the lane takes half the row.
        assert_eq!(
            lane_row(&s.lanes[1], 0, 2000, 10),
            format!("{}{}{}", "█".repeat(2), "▓".repeat(3), " ".repeat(5))
        );
        let text = render(&[&t], 10);
        assert!(
            text.contains("ex07 · ThreadPool::map · solutions"),
            "{text}"
        );
        assert!(
            text.contains("all 2 tasks ran on one thread (w0)"),
            "{text}"
        );
        assert_eq!(text.matches(" |").count(), 3, "axis and two lanes:\n{text}");
    }

    #[test]
    fn a_tiny_span_still_shows() {
        let lane = Lane {
            name: "x".into(),
            spans: vec![super::super::events::Span {
                kind: SpanKind::Task,
                start_us: 999,
                end_us: 999,
                label: String::new(),
            }],
        };
        assert_eq!(lane_row(&lane, 0, 1000, 4), "   █");
    }
}
