//! Two small chart kinds, written as plain SVG text (no plotting dependency, so the course
//! tool builds no faster or slower for them): a line chart with spread bars (a linear y axis
//! from 0, or a log axis when the lines differ by orders of magnitude), and a horizontal bar
//! chart on a log scale. The caller chooses the spread (`course bench` draws quartiles).

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

/// How a line chart's y axis maps values to heights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YScale {
    /// From 0 to a round number above the highest spread bar.
    Linear,
    /// Powers of ten, from the one below the lowest spread bar to the one above the highest:
    /// for lines that differ by orders of magnitude. Values must be positive.
    Log,
}

/// The y values at which a chart draws grid lines, and the function from a value to its
/// height as a fraction of the plot (0 at the bottom, 1 at the top).
fn y_axis(scale: YScale, low: f64, high: f64) -> (Vec<f64>, Box<dyn Fn(f64) -> f64>) {
    match scale {
        YScale::Linear => {
            let (top, step) = nice(high);
            let ticks = (0..)
                .map(|i| f64::from(i) * step)
                .take_while(|y| *y <= top + step / 2.0)
                .collect();
            (ticks, Box::new(move |y| y / top))
        }
        YScale::Log => {
            // No finite, positive value (nothing measured): draw one decade, 1 to 10.
            let tiny = f64::MIN_POSITIVE;
            let finite = |v: f64, fallback: f64| {
                if v.is_finite() && v > 0.0 {
                    v
                } else {
                    fallback
                }
            };
            let d0 = finite(low, 1.0).max(tiny).log10().floor();
            let d1 = finite(high, 10.0).max(tiny).log10().ceil().max(d0 + 1.0);
            let ticks = (0..)
                .map(|i| 10f64.powf(d0 + f64::from(i)))
                .take_while(|y| y.log10() <= d1 + 0.5)
                .collect();
            (
                ticks,
                Box::new(move |y: f64| (y.max(tiny).log10() - d0) / (d1 - d0)),
            )
        }
    }
}

/// A line chart over categorical x positions `xs` (evenly spaced).
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: &[f64],
    scale: YScale,
    series: &[Series],
    foot: &[String],
) -> String {
    // A series without points (a scenario that was not measured) gets no line and no legend.
    let series: Vec<&Series> = series.iter().filter(|s| !s.points.is_empty()).collect();
    let height = 440.0;
    let (left, right, top, bottom) = (70.0, WIDTH - 200.0, 40.0, height - 90.0);
    let points = || series.iter().flat_map(|s| s.points.iter());
    let y_max = points().map(|p| p.3).fold(0.0, f64::max);
    let y_min = points().map(|p| p.2).fold(f64::INFINITY, f64::min);
    let (ticks, fraction) = y_axis(scale, y_min, y_max);
    let x_at = |x: f64| {
        let i = xs.iter().position(|v| *v == x).unwrap_or(0) as f64;
        let n = (xs.len().max(2) - 1) as f64;
        left + 30.0 + i * (right - left - 60.0) / n
    };
    let y_at = |y: f64| bottom - fraction(y) * (bottom - top);
    let mut out = String::new();
    header(&mut out, height, title);
    // Grid and y ticks.
    for y in ticks {
        let py = y_at(y);
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" y1=\"{py:.1}\" x2=\"{right}\" y2=\"{py:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" {FONT}>{}</text>",
            left - 6.0,
            py + 4.0,
            trim(y)
        );
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

/// A tick label: at most two decimals, trailing zeros dropped (`0.01`, `2.5`, `100`).
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
    // Without bars (nothing measured) the axis still spans one decade, so the loop below ends.
    let lo = bars
        .iter()
        .map(|b| b.low)
        .fold(f64::INFINITY, f64::min)
        .clamp(1.0, f64::MAX);
    let hi = bars
        .iter()
        .map(|b| b.high)
        .fold(1.0, f64::max)
        .min(f64::MAX);
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
            super::render::human(10f64.powf(d))
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
            super::render::human(b.median)
        );
    }
    footer(&mut out, height, foot);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_axis_starts_at_zero_and_ends_above_the_highest_value() {
        let (ticks, fraction) = y_axis(YScale::Linear, 3.0, 87.0);
        assert_eq!(ticks.first(), Some(&0.0));
        assert!(*ticks.last().unwrap() >= 87.0, "{ticks:?}");
        assert_eq!(fraction(0.0), 0.0);
        assert!(fraction(87.0) <= 1.0);
    }

    #[test]
    fn a_log_axis_spans_whole_powers_of_ten() {
        // 2 ms to 490 ms: the axis runs from 1 to 1000, one tick per power of ten.
        let (ticks, fraction) = y_axis(YScale::Log, 2.0, 490.0);
        assert_eq!(ticks, [1.0, 10.0, 100.0, 1000.0]);
        assert!((fraction(1.0) - 0.0).abs() < 1e-12);
        assert!((fraction(10.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!((fraction(1000.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn charts_without_data_are_drawn_empty_instead_of_looping() {
        let (ticks, _) = y_axis(YScale::Log, f64::INFINITY, 0.0);
        assert_eq!(ticks, [1.0, 10.0]);
        let empty = Series {
            label: "not measured".into(),
            points: vec![],
        };
        let line = line_chart("t", "x", "y", &[2.0], YScale::Log, &[empty], &[]);
        assert!(line.ends_with("</svg>\n"));
        let bars = bar_chart("t", &[], &[]);
        assert!(bars.ends_with("</svg>\n"));
    }

    #[test]
    fn a_log_chart_draws_every_measured_series() {
        let series = [
            Series {
                label: "fast".into(),
                points: vec![(2.0, 2.0, 1.5, 2.5), (4.0, 4.0, 3.0, 5.0)],
            },
            Series {
                label: "slow & steady".into(),
                points: vec![(2.0, 80.0, 70.0, 90.0), (4.0, 240.0, 140.0, 250.0)],
            },
            Series {
                label: "not measured".into(),
                points: vec![],
            },
        ];
        let svg = line_chart("t", "x", "y", &[2.0, 4.0], YScale::Log, &series, &[]);
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("slow &amp; steady"));
        assert!(!svg.contains("not measured"));
        assert!(svg.contains(">1000</text>"), "{svg}");
    }
}
