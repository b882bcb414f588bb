//! The book's figures (`src/figures/*.svg`): what each one shows, by scenario key, and how it
//! is drawn from the samples (with [`super::svg`]). The unit tests check that every key used
//! here is in the catalogue (`bench/scenarios.txt`).

use super::provenance::Provenance;
use super::stats::{Samples, ratio, stat};
use super::svg;

/// What one point of a line shows.
enum Y {
    /// A scenario's median, with its quartiles as the bar, divided by `scale` (1e6: in ms).
    Time { key: String, scale: f64 },
    /// The paired ratio `over / under` (a speed-up when `over` is the plain loop).
    Ratio { over: String, under: String },
}

/// One line of a line chart: (x, what the point shows) per point.
struct Line {
    label: String,
    points: Vec<(f64, Y)>,
}

enum Chart {
    Lines {
        x_label: &'static str,
        y_label: &'static str,
        xs: Vec<f64>,
        scale: svg::YScale,
        lines: Vec<Line>,
    },
    /// (label, key) per bar: the median, with the quartiles as the spread (log scale).
    Bars(Vec<(&'static str, &'static str)>),
}

/// One figure of the book.
struct Figure {
    file: &'static str,
    title: &'static str,
    chart: Chart,
}

impl Y {
    /// The point `(x, median, low, high)` at `x`, if it was measured.
    fn point(&self, all: &Samples, x: f64) -> Option<(f64, f64, f64, f64)> {
        match self {
            Y::Time { key, scale } => {
                stat(all, key).map(|s| (x, s.median / scale, s.q1 / scale, s.q3 / scale))
            }
            Y::Ratio { over, under } => ratio(all, over, under).map(|r| (x, r.median, r.q1, r.q3)),
        }
    }

    #[cfg(test)]
    fn keys(&self) -> Vec<&str> {
        match self {
            Y::Time { key, .. } => vec![key],
            Y::Ratio { over, under } => vec![over, under],
        }
    }
}

/// A line of times in ms at the points `(x, key)`.
fn times(label: &str, keys: impl IntoIterator<Item = (f64, String)>) -> Line {
    Line {
        label: label.to_string(),
        points: keys
            .into_iter()
            .map(|(x, key)| (x, Y::Time { key, scale: 1e6 }))
            .collect(),
    }
}

/// `PREFIX/N` at x = N for the pool sizes 2, 4, 8.
fn sizes(prefix: &str) -> Vec<(f64, String)> {
    [2, 4, 8]
        .iter()
        .map(|n| (f64::from(*n), format!("{prefix}/{n}")))
        .collect()
}

/// A line of paired speed-ups `over / under` at the points `(x, under)`.
fn speedup<'a>(label: &str, over: &str, unders: impl IntoIterator<Item = (f64, &'a str)>) -> Line {
    Line {
        label: label.to_string(),
        points: unders
            .into_iter()
            .map(|(x, under)| {
                let (over, under) = (over.to_string(), under.to_string());
                (x, Y::Ratio { over, under })
            })
            .collect(),
    }
}

fn figures() -> Vec<Figure> {
    // Pool sizes, with size 1 the batch computed in-process, without a pool.
    let heavy = |prefix: &str, sequential: &str| {
        let mut keys = vec![(1.0, sequential.to_string())];
        keys.extend(sizes(prefix));
        keys
    };
    // Chapter 8: where a pool starts to pay, speed-up against task size (paired ratios).
    let sweep = |n: usize| Line {
        label: format!("our ProcessPool, {n} workers"),
        points: (3..=7)
            .map(|e| {
                let over = format!("sweep/sequential/{e}");
                let under = format!("sweep/ours/{n}/{e}");
                (f64::from(e), Y::Ratio { over, under })
            })
            .collect(),
    };
    vec![
        Figure {
            file: "ch08-tiny-tasks.svg",
            title: "Squares of 1..=10, pool start-up and shutdown included",
            chart: Chart::Lines {
                x_label: "pool size (processes)",
                y_label: "time (ms)",
                xs: vec![2.0, 4.0, 8.0],
                scale: svg::YScale::Linear,
                lines: vec![
                    times(
                        "Python multiprocessing.Pool (fork)",
                        sizes("q8/python_fork"),
                    ),
                    times("procspawn pool", sizes("q8/procspawn")),
                    times("our ProcessPool", sizes("q8/ours")),
                    times("our ProcessPool, static worker", sizes("q8/ours_static")),
                    times("floor: N × /bin/true", sizes("q8/floor_true")),
                ],
            },
        },
        // Question 8 again, by Python's start method, beside our pool: the lines differ by
        // orders of magnitude, so the axis is logarithmic.
        Figure {
            file: "ch08-start-methods.svg",
            title: "Squares of 1..=10 by Python start method, beside our pool (log scale)",
            chart: Chart::Lines {
                x_label: "pool size (processes)",
                y_label: "time (ms)",
                xs: vec![2.0, 4.0, 8.0],
                scale: svg::YScale::Log,
                lines: vec![
                    times("Python spawn", sizes("q8/python_spawn")),
                    times("Python forkserver", sizes("q8/python_forkserver")),
                    times("Python fork", sizes("q8/python_fork")),
                    times("our ProcessPool", sizes("q8/ours")),
                ],
            },
        },
        Figure {
            file: "ch08-heavy-tasks.svg",
            title: "8 equal CPU-bound items (size 1 = no pool, in-process)",
            chart: Chart::Lines {
                x_label: "pool size (processes)",
                y_label: "time (ms)",
                xs: vec![1.0, 2.0, 4.0, 8.0],
                scale: svg::YScale::Linear,
                lines: vec![
                    times(
                        "Python Pool (fork), 1/250 work",
                        heavy("heavy/python", "heavy/python_sequential"),
                    ),
                    times(
                        "procspawn pool",
                        heavy("heavy/procspawn", "heavy/sequential"),
                    ),
                    times("our ProcessPool", heavy("heavy/ours", "heavy/sequential")),
                ],
            },
        },
        Figure {
            file: "ch08-break-even.svg",
            title: "8 equal items: speed-up of a fresh pool over a plain loop (1 = break-even)",
            chart: Chart::Lines {
                x_label: "spin rounds per item (10^x)",
                y_label: "speed-up (×)",
                xs: vec![3.0, 4.0, 5.0, 6.0, 7.0],
                scale: svg::YScale::Linear,
                lines: vec![sweep(2), sweep(8)],
            },
        },
        // Chapter 7: speed-up (sequential time / time) against threads, paired like the
        // table's ratios: sample i of the loop over sample i of the pool.
        Figure {
            file: "ch07-speedup.svg",
            title: "Four big factorials (20000!..20003!): speed-up over a plain loop",
            chart: Chart::Lines {
                x_label: "threads",
                y_label: "speed-up (×)",
                xs: vec![1.0, 2.0, 4.0],
                scale: svg::YScale::Linear,
                lines: vec![
                    speedup(
                        "rayon pool",
                        "fact/big/sequential",
                        [
                            (1.0, "fact/big/rayon_1"),
                            (2.0, "fact/big/rayon_2"),
                            (4.0, "fact/big/rayon_4"),
                        ],
                    ),
                    speedup(
                        "hand-built ThreadPool",
                        "fact/big/sequential",
                        [
                            (1.0, "fact/big/hand_pool_1"),
                            (2.0, "fact/big/hand_pool_2"),
                            (4.0, "fact/big/hand_pool_4"),
                        ],
                    ),
                    speedup(
                        "Python ThreadPoolExecutor",
                        "fact/big/python_sequential",
                        [
                            (1.0, "fact/big/python_pool_1"),
                            (2.0, "fact/big/python_pool_2"),
                            (4.0, "fact/big/python_pool_4"),
                        ],
                    ),
                ],
            },
        },
        Figure {
            file: "ch01-spawn-cost.svg",
            title: "Cost of starting and joining one thread or process (log scale)",
            chart: Chart::Bars(vec![
                ("Rust thread::spawn + join", "spawn/thread"),
                ("Rust scoped thread", "spawn/scoped_thread"),
                ("Python threading.Thread", "spawn/python_thread"),
                ("Rust Command: /bin/true", "spawn/process_true"),
                ("Rust Command: ex02 worker", "spawn/process_worker"),
                ("Rust Command: static worker", "spawn/process_worker_static"),
                ("Python subprocess: /bin/true", "spawn/python_process_true"),
                ("Python multiprocessing (fork)", "spawn/python_fork_process"),
            ]),
        },
        Figure {
            file: "ch02-round-trip.svg",
            title: "Cost per task through a pipe to a worker process (log scale)",
            chart: Chart::Bars(vec![
                ("raw pipe ping-pong (cat)", "pool/pipe_ping_pong"),
                ("ProcessPool, 1 task in flight", "pool/round_trip"),
                ("procspawn Pool, 1 task", "pool/procspawn_round_trip"),
                (
                    "10^4 tasks, 2 workers, one by one",
                    "pool/many_small_one_by_one",
                ),
                ("10^4 tasks, 2 workers, batched", "pool/many_small_batched"),
            ]),
        },
        Figure {
            file: "ch04-producer-consumer.svg",
            title: "One producer, one consumer: time per item (log scale)",
            chart: Chart::Bars(vec![
                ("Mutex<VecDeque> + Condvar", "pc/mutex_vecdeque_condvar"),
                (
                    "Mutex<Vec> + Condvar, batches",
                    "pc/mutex_vec_condvar_batches",
                ),
                ("BoundedBuffer (ex04), 1024", "pc/bounded_buffer"),
                ("std mpsc::channel", "pc/mpsc_unbounded"),
                ("std mpsc::sync_channel(1024)", "pc/mpsc_sync_channel"),
                ("crossbeam unbounded", "pc/crossbeam_unbounded"),
                ("crossbeam bounded(1024)", "pc/crossbeam_bounded"),
                ("Python locked list", "pc/python_locked_list"),
                ("Python queue.Queue(1024)", "pc/python_queue_bounded"),
            ]),
        },
    ]
}

/// The book's figures, drawn from `all`: (file name, SVG text). What was not measured is left
/// out of its figure.
pub fn plots(all: &Samples, p: &Provenance) -> Vec<(String, String)> {
    let footer = vec![
        format!("{} · {} · {}", p.command, p.machine(), p.date),
        format!(
            "median of {} samples; bars: quartiles (the tables give min–max)",
            p.rounds * p.samples
        ),
    ];
    figures()
        .into_iter()
        .map(|figure| {
            let svg = match &figure.chart {
                Chart::Lines {
                    x_label,
                    y_label,
                    xs,
                    scale,
                    lines,
                } => {
                    let series: Vec<svg::Series> = lines
                        .iter()
                        .map(|line| svg::Series {
                            label: line.label.clone(),
                            points: line
                                .points
                                .iter()
                                .filter_map(|(x, y)| y.point(all, *x))
                                .collect(),
                        })
                        .collect();
                    let title = figure.title;
                    svg::line_chart(title, x_label, y_label, xs, *scale, &series, &footer)
                }
                Chart::Bars(bars) => {
                    let bars: Vec<svg::Bar> = bars
                        .iter()
                        .filter_map(|(label, key)| {
                            stat(all, key).map(|s| svg::Bar {
                                label: label.to_string(),
                                median: s.median,
                                low: s.q1,
                                high: s.q3,
                            })
                        })
                        .collect();
                    svg::bar_chart(figure.title, &bars, &footer)
                }
            };
            (figure.file.to_string(), svg)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::provenance::tests::provenance;
    use crate::bench::scenarios::catalogue;

    #[test]
    fn every_key_a_figure_uses_is_catalogued() {
        let cat = catalogue().unwrap();
        for figure in figures() {
            let keys: Vec<&str> = match &figure.chart {
                Chart::Lines { lines, .. } => lines
                    .iter()
                    .flat_map(|l| l.points.iter().flat_map(|(_, y)| y.keys()))
                    .collect(),
                Chart::Bars(bars) => bars.iter().map(|(_, key)| *key).collect(),
            };
            for key in keys {
                let file = figure.file;
                assert!(
                    cat.get(key).is_some(),
                    "{file}: `{key}` is not in the catalogue"
                );
            }
        }
    }

    #[test]
    fn the_start_methods_figure_draws_every_start_method() {
        let mut all = Samples::new();
        for (method, ms) in [("fork", 10.0), ("forkserver", 30.0), ("spawn", 100.0)] {
            for n in [2, 4, 8] {
                let key = format!("q8/python_{method}/{n}");
                all.insert(key, vec![ms * 1e6 * f64::from(n); 2]);
            }
        }
        all.insert("q8/ours/2".to_string(), vec![2.0e6; 2]);
        let figures = plots(&all, &provenance(Some("Python 3.11.7")));
        let (_, svg) = figures
            .iter()
            .find(|(name, _)| name == "ch08-start-methods.svg")
            .expect("the start-method figure");
        for label in [
            "Python spawn",
            "Python forkserver",
            "Python fork",
            "our ProcessPool",
        ] {
            assert!(svg.contains(label), "{label} missing from the figure");
        }
    }
}
