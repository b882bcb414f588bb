//! Two small chart kinds, written as plain SVG text (no plotting dependency, so the course
//! tool builds no faster or slower for them): a line chart with spread bars, and a horizontal
//! bar chart on a log scale. The caller chooses the spread (`course bench` draws quartiles).

use std::fmt::Write as _;

/// One line of a line chart: points `(x, median, low, high)`, the bar from `low` to `high`.
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// One bar of a bar chart (nanoseconds).
pub struct Bar {
    pub label: String,
    pub median: f64,
    /// The ends of the spread bar.
    pub low: f64,
    pub high: f64,
}

const COLORS: [&str; 5] = ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd"];
const WIDTH: f64 = 720.0;
const FONT: &str = "font-family=\"sans-serif\" font-size=\"12\"";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn header(out: &mut String, height: f64, title: &str) {
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    let _ = writeln!(
        out,
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-family=\"sans-serif\" \
         font-size=\"15\" font-weight=\"bold\">{}</text>",
        WIDTH / 2.0,
        esc(title)
    );
}

fn footer(out: &mut String, height: f64, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        let y = height - 10.0 - 15.0 * (lines.len() - 1 - i) as f64;
        let _ = writeln!(
            out,
            "<text x=\"10\" y=\"{y}\" font-family=\"sans-serif\" font-size=\"11\" \
             fill=\"#555\">{}</text>",
            esc(line)
        );
    }
    out.push_str("</svg>\n");
}

/// A "nice" upper bound and step for an axis from 0 to `max`.
fn nice(max: f64) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

/// A line chart over categorical x positions `xs` (evenly spaced), y from 0.
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: &[f64],
    series: &[Series],
    foot: &[String],
) -> String {
    // A series without points (a scenario that was not measured) gets no line and no legend.
    let series: Vec<&Series> = series.iter().filter(|s| !s.points.is_empty()).collect();
    let height = 440.0;
    let (left, right, top, bottom) = (70.0, WIDTH - 200.0, 40.0, height - 90.0);
    let y_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.3))
        .fold(0.0, f64::max);
    let (y_top, step) = nice(y_max);
    let x_at = |x: f64| {
        let i = xs.iter().position(|v| *v == x).unwrap_or(0) as f64;
        let n = (xs.len().max(2) - 1) as f64;
        left + 30.0 + i * (right - left - 60.0) / n
    };
    let y_at = |y: f64| bottom - y / y_top * (bottom - top);
    let mut out = String::new();
    header(&mut out, height, title);
    // Grid and y ticks.
    let mut y = 0.0;
    while y <= y_top + step / 2.0 {
        let py = y_at(y);
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" y1=\"{py:.1}\" x2=\"{right}\" y2=\"{py:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" {FONT}>{}</text>",
            left - 6.0,
            py + 4.0,
            trim(y)
        );
        y += step;
    }
    for &x in xs {
        let px = x_at(x);
        let _ = writeln!(
            out,
            "<text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\" {FONT}>{}</text>",
            bottom + 18.0,
            trim(x)
        );
    }
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"black\"/>\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"black\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" {FONT}>{}</text>\
         <text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\" {FONT}>{}</text>",
        (left + right) / 2.0,
        bottom + 38.0,
        esc(x_label),
        (top + bottom) / 2.0,
        (top + bottom) / 2.0,
        esc(y_label)
    );
    for (i, s) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = s
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x_at(p.0), y_at(p.1)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        for p in &s.points {
            let (px, py) = (x_at(p.0), y_at(p.1));
            let _ = writeln!(
                out,
                "<line x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"{color}\"/>\
                 <circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\" fill=\"{color}\"/>",
                y_at(p.2),
                y_at(p.3)
            );
        }
        let ly = top + 10.0 + 20.0 * i as f64;
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{ly}\" x2=\"{}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"/>\
             <text x=\"{}\" y=\"{}\" {FONT}>{}</text>",
            right + 12.0,
            right + 32.0,
            right + 38.0,
            ly + 4.0,
            esc(&s.label)
        );
    }
    footer(&mut out, height, foot);
    out
}

fn trim(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Horizontal bars on a log scale (values in nanoseconds), each labelled with its median.
pub fn bar_chart(title: &str, bars: &[Bar], foot: &[String]) -> String {
    let row = 28.0;
    let top = 44.0;
    let height = top + row * bars.len() as f64 + 80.0;
    let (left, right) = (250.0, WIDTH - 90.0);
    let lo = bars
        .iter()
        .map(|b| b.low)
        .fold(f64::INFINITY, f64::min)
        .max(1.0);
    let hi = bars.iter().map(|b| b.high).fold(1.0, f64::max);
    let (d0, d1) = (
        lo.log10().floor(),
        hi.log10().ceil().max(lo.log10().floor() + 1.0),
    );
    let x_at = |v: f64| left + (v.max(1.0).log10() - d0) / (d1 - d0) * (right - left);
    let mut out = String::new();
    header(&mut out, height, title);
    let bottom = top + row * bars.len() as f64;
    let mut d = d0;
    while d <= d1 {
        let px = x_at(10f64.powf(d));
        let _ = writeln!(
            out,
            "<line x1=\"{px:.1}\" y1=\"{top}\" x2=\"{px:.1}\" y2=\"{bottom}\" stroke=\"#ddd\"/>\
             <text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\" {FONT}>{}</text>",
            bottom + 16.0,
            super::human(10f64.powf(d))
        );
        d += 1.0;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let color = if b.label.starts_with("Python") {
            COLORS[0]
        } else {
            COLORS[2]
        };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" {FONT}>{}</text>\
             <rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\" opacity=\"0.8\"/>\
             <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" {FONT}>{}</text>",
            left - 8.0,
            y + row / 2.0 + 4.0,
            esc(&b.label),
            y + 5.0,
            (x_at(b.median) - left).max(1.0),
            row - 10.0,
            x_at(b.low),
            y + row / 2.0,
            x_at(b.high),
            y + row / 2.0,
            x_at(b.high).max(x_at(b.median)) + 6.0,
            y + row / 2.0 + 4.0,
            super::human(b.median)
        );
    }
    footer(&mut out, height, foot);
    out
}
