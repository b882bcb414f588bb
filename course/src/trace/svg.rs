//! The timeline as an SVG picture, written by hand (no plotting library): one lane per thread or
//! worker process, a bar per task, waits hatched, and the summary in words under each scenario.
//!
//! Every lane is one `<g class="lane">` element, so a test (or a curious reader) can count them.

use std::fmt::Write as _;

use super::events::{Lane, Scenario, SpanKind, Trace, side_by_side};
use super::summary::{self, Line};

const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 12.0;
const LABEL_W: f64 = 150.0;
const NOTE_W: f64 = 90.0;
const BAR_X: f64 = MARGIN + LABEL_W;
const BAR_W: f64 = WIDTH - BAR_X - NOTE_W - MARGIN;
const ROW_H: f64 = 18.0;
const LINE_H: f64 = 16.0;
/// Summary lines longer than this many characters are wrapped.
const WRAP: usize = 150;

const TASK_COLORS: [&str; 2] = ["#4e79a7", "#9ec3e6"];
const BUSY_COLOR: &str = "#59a14f";
const READY_COLOR: &str = "#c9e3c1";
const WAIT_COLOR: &str = "#c08a1e";
const PHASE_COLORS: [&str; 2] = ["#444444", "#7a7a7a"];
const ALIVE_COLOR: &str = "#bbbbbb";
const ALARM_COLOR: &str = "#b3261e";
const TEXT_COLOR: &str = "#222222";
const MUTED_COLOR: &str = "#666666";

/// Escapes text for an SVG text node or attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `text` into lines of at most about `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("never empty");
        if !last.is_empty() && last.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// A tick step for an axis of `span_us`: 1, 2 or 5 times a power of ten, at most 8 ticks.
fn tick_step(span_us: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if span_us / (step * m) <= 8 {
                return step * m;
            }
        }
        step *= 10;
    }
}

fn tick_label(us: u64, step: u64) -> String {
    if step >= 1000 {
        format!("{} ms", us / 1000)
    } else if step >= 100 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} ms", us as f64 / 1000.0)
    }
}

/// Draws `traces` (one, or several to compare: scenario by scenario, each pair on one time
/// scale) as a standalone SVG document.
pub fn render(traces: &[&Trace]) -> String {
    let mut body = String::new();
    let mut y = MARGIN;
    let exercise = traces.first().map_or("", |t| t.exercise.as_str());
    let packages: Vec<&str> = traces.iter().map(|t| t.package.as_str()).collect();
    let cores = traces.first().map_or(0, |t| t.cores);
    let title = format!(
        "cargo course trace {exercise}: {} ({cores} cores)",
        packages.join(" and ")
    );
    y += 16.0;
    text(&mut body, MARGIN, y, 16.0, "bold", TEXT_COLOR, &title);
    y += 8.0;
    let kinds: Vec<SpanKind> = traces
        .iter()
        .flat_map(|t| &t.scenarios)
        .flat_map(|s| &s.lanes)
        .flat_map(|l| &l.spans)
        .map(|s| s.kind)
        .collect();
    y = legend(&mut body, y, &kinds);
    for (span_us, row) in side_by_side(traces) {
        for (t, s) in row {
            y = scenario(&mut body, y, t, s, span_us);
        }
    }
    for t in traces {
        let lines = summary::trace_lines(t);
        if !lines.is_empty() {
            y += LINE_H;
            let head = format!("{} ({})", t.exercise, t.package);
            text(&mut body, MARGIN, y, 13.0, "bold", TEXT_COLOR, &head);
            y = summary_lines(&mut body, y, &lines);
        }
    }
    let height = (y + MARGIN).ceil();
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}" font-family="sans-serif">"#,
        escape(&title)
    );
    let _ = writeln!(
        out,
        r##"<defs><pattern id="wait" patternUnits="userSpaceOnUse" width="6" height="6"><rect width="6" height="6" fill="#f6e7c8"/><path d="M0,6 L6,0" stroke="{WAIT_COLOR}" stroke-width="1.5"/></pattern></defs>"##
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

fn text(out: &mut String, x: f64, y: f64, size: f64, weight: &str, color: &str, s: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" font-weight="{weight}" fill="{color}">{}</text>"#,
        escape(s)
    );
}

/// The legend of the kinds of span in `present`.
fn legend(out: &mut String, y: f64, present: &[SpanKind]) -> f64 {
    let y = y + 8.0;
    let items: [(SpanKind, &str, &str); 6] = [
        (
            SpanKind::Task,
            TASK_COLORS[0],
            "a task (neighbours alternate)",
        ),
        (SpanKind::Busy, BUSY_COLOR, "a worker process on a CPU"),
        (SpanKind::Ready, READY_COLOR, "ready, waiting for a CPU"),
        (SpanKind::Wait, "url(#wait)", "blocked in a call"),
        (SpanKind::Phase, PHASE_COLORS[0], "the caller's steps"),
        (SpanKind::Alive, ALIVE_COLOR, "a worker process alive, idle"),
    ];
    let mut x = MARGIN;
    for (_, fill, label) in items.iter().filter(|i| present.contains(&i.0)) {
        let _ = writeln!(
            out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="14" height="10" fill="{fill}"/>"#
        );
        text(out, x + 18.0, y + 9.0, 11.0, "normal", MUTED_COLOR, label);
        x += 22.0 + 6.2 * label.len() as f64;
    }
    y + 18.0
}

fn summary_lines(out: &mut String, mut y: f64, lines: &[Line]) -> f64 {
    for l in lines {
        let color = if l.alarm { ALARM_COLOR } else { TEXT_COLOR };
        let mut first = true;
        for part in wrap(&l.text, WRAP) {
            y += LINE_H;
            let part = if first && l.alarm {
                format!("! {part}")
            } else {
                part
            };
            let indent = if first { 0.0 } else { 12.0 };
            text(out, MARGIN + 8.0 + indent, y, 12.0, "normal", color, &part);
            first = false;
        }
    }
    y
}

/// Draws one scenario of one trace from height `y`; returns the height after it.
fn scenario(out: &mut String, mut y: f64, t: &Trace, s: &Scenario, span_us: u64) -> f64 {
    y += 26.0;
    let head = format!("{} · {}", s.title, t.package);
    text(out, MARGIN, y, 14.0, "bold", TEXT_COLOR, &head);
    y += LINE_H;
    for (i, part) in wrap(&s.detail, WRAP).iter().enumerate() {
        if i > 0 {
            y += LINE_H - 2.0;
        }
        text(out, MARGIN, y, 12.0, "normal", MUTED_COLOR, part);
    }
    if let Some((start, _)) = s.window() {
        y += 6.0;
        y = axis(out, y, span_us, s.lanes.len());
        for lane in &s.lanes {
            lane_row(out, y, lane, start, span_us);
            y += ROW_H;
        }
    }
    summary_lines(out, y, &summary::scenario_lines(s))
}

/// Tick marks and labels above the lanes, with light grid lines through `lanes` rows.
fn axis(out: &mut String, y: f64, span_us: u64, lanes: usize) -> f64 {
    let step = tick_step(span_us);
    let label_y = y + 12.0;
    let top = y + 16.0;
    let bottom = top + ROW_H * lanes as f64;
    let mut t = 0;
    while t <= span_us {
        let x = BAR_X + t as f64 / span_us.max(1) as f64 * BAR_W;
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{top:.1}\" x2=\"{x:.1}\" y2=\"{bottom:.1}\" stroke=\"#e4e4e4\"/>"
        );
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{label_y:.1}" font-size="10" text-anchor="middle" fill="{MUTED_COLOR}">{}</text>"#,
            tick_label(t, step)
        );
        t += step;
    }
    top
}

fn lane_row(out: &mut String, y: f64, lane: &Lane, start: u64, span_us: u64) {
    let scale = BAR_W / span_us.max(1) as f64;
    let _ = writeln!(out, r#"<g class="lane">"#);
    let _ = writeln!(
        out,
        r##"<rect x="{BAR_X:.1}" y="{:.1}" width="{BAR_W:.1}" height="{:.1}" fill="#f7f7f7"/>"##,
        y + 1.0,
        ROW_H - 2.0
    );
    text(
        out,
        MARGIN,
        y + 13.0,
        12.0,
        "normal",
        TEXT_COLOR,
        &lane.name,
    );
    let note = summary::lane_note(lane);
    if !note.is_empty() {
        text(
            out,
            BAR_X + BAR_W + 8.0,
            y + 13.0,
            11.0,
            "normal",
            MUTED_COLOR,
            &note,
        );
    }
    // Background first: alive, then waits and steps, then tasks and busy periods on top.
    let layer = |k: SpanKind| match k {
        SpanKind::Alive => 0,
        SpanKind::Wait | SpanKind::Ready => 1,
        SpanKind::Phase => 2,
        SpanKind::Task | SpanKind::Busy => 3,
    };
    let mut spans: Vec<_> = lane.spans.iter().collect();
    spans.sort_by_key(|s| (layer(s.kind), s.start_us));
    let mut nth_task = 0;
    let mut nth_phase = 0;
    for s in spans {
        let x = BAR_X + s.start_us.saturating_sub(start) as f64 * scale;
        let w = ((s.end_us - s.start_us) as f64 * scale).max(1.0);
        let tip = format!(
            "{} {}–{}",
            s.label,
            summary::duration(s.start_us.saturating_sub(start)),
            summary::duration(s.end_us.saturating_sub(start))
        );
        let (dy, h, fill) = match s.kind {
            SpanKind::Alive => {
                let mid = y + ROW_H / 2.0;
                let _ = writeln!(
                    out,
                    r#"<line x1="{x:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}" stroke="{ALIVE_COLOR}" stroke-width="2"/>"#,
                    x + w
                );
                continue;
            }
            SpanKind::Task => {
                nth_task += 1;
                (3.0, ROW_H - 6.0, TASK_COLORS[(nth_task + 1) % 2])
            }
            SpanKind::Busy => (3.0, ROW_H - 6.0, BUSY_COLOR),
            SpanKind::Ready => (3.0, ROW_H - 6.0, READY_COLOR),
            SpanKind::Wait => (3.0, ROW_H - 6.0, "url(#wait)"),
            SpanKind::Phase => {
                nth_phase += 1;
                (3.0, ROW_H - 6.0, PHASE_COLORS[(nth_phase + 1) % 2])
            }
        };
        let _ = writeln!(
            out,
            r#"<rect x="{x:.2}" y="{:.1}" width="{w:.2}" height="{h:.1}" fill="{fill}"><title>{}</title></rect>"#,
            y + dy,
            escape(&tip)
        );
        // A step of the caller is named inside its bar when the name fits.
        if s.kind == SpanKind::Phase && w > 5.5 * s.label.chars().count() as f64 + 8.0 {
            text(out, x + 4.0, y + 12.5, 9.5, "normal", "white", &s.label);
        }
    }
    let _ = writeln!(out, "</g>");
}

#[cfg(test)]
mod tests {
    use super::super::events::parse;
    use super::*;

    /// A small well-formedness check: every tag is closed in order, attribute values are
    /// quoted, `&` only starts an entity; returns the number of `<g class="lane">` elements.
    pub(crate) fn check_svg(svg: &str) -> Result<usize, String> {
        let mut stack: Vec<String> = Vec::new();
        let mut lanes = 0;
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            check_text(&rest[..open])?;
            let close = rest[open..].find('>').ok_or("a tag is not closed")? + open;
            let tag = &rest[open + 1..close];
            rest = &rest[close + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                match stack.pop() {
                    Some(top) if top == name.trim() => {}
                    other => return Err(format!("</{name}> closes {other:?}")),
                }
                continue;
            }
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name = tag.split_whitespace().next().ok_or("an empty tag")?;
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(format!("bad tag name {name:?}"));
            }
            // Attributes: name="value" pairs, nothing else.
            let mut attrs = tag[name.len()..].trim();
            while !attrs.is_empty() {
                let eq = attrs
                    .find("=\"")
                    .ok_or(format!("unquoted attribute in <{tag}>"))?;
                let end = attrs[eq + 2..]
                    .find('"')
                    .ok_or(format!("unterminated attribute in <{tag}>"))?;
                check_text(&attrs[eq + 2..eq + 2 + end])?;
                attrs = attrs[eq + 2 + end + 1..].trim_start();
            }
            if name == "g" && tag.contains(r#"class="lane""#) {
                lanes += 1;
            }
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        check_text(rest)?;
        if !stack.is_empty() {
            return Err(format!("unclosed elements: {stack:?}"));
        }
        Ok(lanes)
    }

    fn check_text(s: &str) -> Result<(), String> {
        let mut rest = s;
        while let Some(amp) = rest.find('&') {
            let semi = rest[amp..].find(';').ok_or("a bare &")? + amp;
            let entity = &rest[amp + 1..semi];
            if !["amp", "lt", "gt", "quot", "apos"].contains(&entity) {
                return Err(format!("unknown entity &{entity};"));
            }
            rest = &rest[semi + 1..];
        }
        if rest.contains('>') {
            return Err("a bare > in text".into());
        }
        Ok(())
    }

    fn sample() -> Trace {
        parse(concat!(
            r#"{"type":"start","exercise":"ex04","package":"solutions","cores":2,"unit_us":1000}"#,
            "\n",
            r#"{"type":"scenario","title":"BoundedBuffer <T> & co","detail":"2 \"producers\""}"#,
            "\n",
            r#"{"type":"span","lane":"producer-0","kind":"task","start_us":100,"end_us":600,"label":"make 0.0"}"#,
            "\n",
            r#"{"type":"span","lane":"producer-0","kind":"wait","start_us":600,"end_us":900,"label":"push"}"#,
            "\n",
            r#"{"type":"span","lane":"consumer-0","kind":"task","start_us":900,"end_us":2400,"label":"use 0.0"}"#,
            "\n",
            r#"{"type":"span","lane":"caller","kind":"phase","start_us":2400,"end_us":2410,"label":"close"}"#,
            "\n",
            r#"{"type":"span","lane":"pid 7","kind":"alive","start_us":0,"end_us":2400,"label":"alive"}"#,
            "\n",
            r#"{"type":"span","lane":"pid 7","kind":"busy","start_us":10,"end_us":900,"label":"busy"}"#,
            "\n",
            r#"{"type":"count","lane":"consumer-0","what":"woke up","value":3,"items":1}"#,
            "\n",
            r#"{"type":"end","outcome":"ok"}"#,
            "\n",
            r#"{"type":"scenario","title":"channel_pipeline","detail":"d"}"#,
            "\n",
            r#"{"type":"end","outcome":"not_implemented","message":"bounded channel; <scope>","location":"x.rs:1"}"#,
            "\n",
        ))
        .unwrap()
    }

    #[test]
    fn the_svg_is_well_formed_with_one_lane_element_per_thread_or_process() {
        let t = sample();
        let svg = render(&[&t]);
        let lanes = check_svg(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        let seen: usize = t.scenarios.iter().map(|s| s.lanes.len()).sum();
        assert_eq!(seen, 4);
        assert_eq!(lanes, seen);
        assert!(svg.contains("BoundedBuffer &lt;T&gt; &amp; co"));
        assert!(svg.contains("not implemented yet: bounded channel; &lt;scope&gt;"));
        // Side by side: twice the lanes, still well-formed.
        assert_eq!(check_svg(&render(&[&t, &t])), Ok(2 * seen));
    }

    #[test]
    fn the_checker_rejects_broken_markup() {
        assert!(check_svg("<svg><g></svg>").is_err());
        assert!(check_svg("<svg><text>a & b</text></svg>").is_err());
        assert!(check_svg("<svg width=3></svg>").is_err());
        assert_eq!(
            check_svg(r#"<svg><g class="lane"><rect x="1"/></g></svg>"#),
            Ok(1)
        );
    }

    #[test]
    fn ticks_are_round_and_few() {
        assert_eq!(tick_step(56_000), 10_000);
        assert_eq!(tick_step(8_000), 1_000);
        assert_eq!(tick_step(900), 200);
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
    }
}
