//! The layout of the results: the sections of the text table and of the book's page
//! `src/figures/measurements.md`, each with its rows, its grid (by pool size, or by task size)
//! and the ratios that compare scenarios. Both renderers draw from this one list. Scenarios are
//! named by their key in the catalogue (`bench/scenarios.txt`), which also gives the rows their
//! labels and order; the unit tests check that every key used here is catalogued and that every
//! catalogued scenario is shown.

use super::scenarios::{Catalogue, Scenario};
use super::stats::Goal;

/// One part of the results: scenarios with their medians, an optional grid of them, and the
/// ratios that compare them.
pub struct Section {
    /// The anchor of this part in `measurements.md` (`{{#include ...measurements.md:ANCHOR}}`).
    pub anchor: &'static str,
    pub title: &'static str,
    /// The rows: every catalogued scenario of this group that the grid does not show, in the
    /// catalogue's order, labelled as the catalogue labels it. `None`: no rows.
    pub rows_of: Option<&'static str>,
    pub grid: Option<Grid>,
    pub ratios: Vec<RatioRow>,
}

/// A table with one cell per (row, column): the scenario `PREFIX/SUFFIX`.
pub struct Grid {
    /// The heading of the first column (`pool size`).
    pub heading: &'static str,
    /// (row label, key suffix) per row.
    pub rows: Vec<(String, String)>,
    /// (column label, key prefix) per column.
    pub columns: Vec<(&'static str, &'static str)>,
}

/// One ratio of a section: `over / under`, paired, and the course team's target for it.
pub struct RatioRow {
    pub label: String,
    pub over: String,
    pub under: String,
    pub goal: Goal,
}

impl Grid {
    /// The key of the cell in row `suffix`, column `prefix`.
    pub fn key(prefix: &str, suffix: &str) -> String {
        format!("{prefix}/{suffix}")
    }

    fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.columns.iter().flat_map(|(_, prefix)| {
            self.rows
                .iter()
                .map(move |(_, suffix)| Grid::key(prefix, suffix))
        })
    }
}

impl Section {
    /// The section's rows (see [`Section::rows_of`]).
    pub fn rows<'c>(&self, catalogue: &'c Catalogue) -> Vec<&'c Scenario> {
        let Some(group) = self.rows_of else {
            return Vec::new();
        };
        let in_grid: Vec<String> = self.grid.iter().flat_map(Grid::keys).collect();
        catalogue
            .in_group(group)
            .filter(|s| !in_grid.contains(&s.key))
            .collect()
    }

    /// Every key the section shows or compares.
    #[cfg(test)]
    pub fn keys(&self, catalogue: &Catalogue) -> Vec<String> {
        let rows = self.rows(catalogue).into_iter().map(|s| s.key.clone());
        let cells = self.grid.iter().flat_map(Grid::keys);
        let ratios = self
            .ratios
            .iter()
            .flat_map(|r| [r.over.clone(), r.under.clone()]);
        rows.chain(cells).chain(ratios).collect()
    }
}

fn ratio_row(label: impl Into<String>, over: &str, under: &str, goal: Goal) -> RatioRow {
    RatioRow {
        label: label.into(),
        over: over.to_string(),
        under: under.to_string(),
        goal,
    }
}

/// A grid with one row per pool size (2, 4, 8).
fn by_pool_size(columns: Vec<(&'static str, &'static str)>) -> Option<Grid> {
    Some(Grid {
        heading: "pool size",
        rows: [2, 4, 8]
            .iter()
            .map(|n| (n.to_string(), n.to_string()))
            .collect(),
        columns,
    })
}

/// The sections, in the order of the text table and of `measurements.md`.
pub fn sections() -> Vec<Section> {
    vec![
        Section {
            anchor: "spawn",
            title: "1. Spawn cost (per spawn, start to joined/reaped)",
            rows_of: Some("spawn"),
            grid: None,
            ratios: vec![
                ratio_row(
                    "process (`/bin/true`) / thread",
                    "spawn/process_true",
                    "spawn/thread",
                    Goal::Info,
                ),
                ratio_row(
                    "worker process / `/bin/true`",
                    "spawn/process_worker",
                    "spawn/process_true",
                    Goal::Info,
                ),
                ratio_row(
                    "static worker process / `/bin/true`",
                    "spawn/process_worker_static",
                    "spawn/process_true",
                    Goal::Info,
                ),
                ratio_row(
                    "Python thread / Rust thread",
                    "spawn/python_thread",
                    "spawn/thread",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "pool",
            title: "2. Process pool: one task in flight, and many small tasks (per task)",
            rows_of: Some("pool"),
            grid: None,
            ratios: vec![
                ratio_row(
                    "round trip / ping-pong",
                    "pool/round_trip",
                    "pool/pipe_ping_pong",
                    Goal::AtMost(3.0),
                ),
                ratio_row(
                    "procspawn round trip / ours",
                    "pool/procspawn_round_trip",
                    "pool/round_trip",
                    Goal::Info,
                ),
                ratio_row(
                    "one by one / batched",
                    "pool/many_small_one_by_one",
                    "pool/many_small_batched",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "q8",
            title: "3. Question 8: squares of 1..=10, pool start-up and shutdown included",
            rows_of: None,
            grid: by_pool_size(vec![
                ("our `ProcessPool`", "q8/ours"),
                ("the same, static worker", "q8/ours_static"),
                ("floor: N × `/bin/true`", "q8/floor_true"),
                ("procspawn pool", "q8/procspawn"),
                ("Python mp.Pool (`fork`)", "q8/python_fork"),
            ]),
            ratios: q8_ratios(),
        },
        Section {
            anchor: "start_methods",
            title: "3a. Question 8 by Python start method: squares of 1..=10, start-up and shutdown included",
            rows_of: None,
            grid: by_pool_size(vec![
                ("Python `fork`", "q8/python_fork"),
                ("Python `forkserver`", "q8/python_forkserver"),
                ("Python `spawn`", "q8/python_spawn"),
                ("our `ProcessPool`", "q8/ours"),
            ]),
            ratios: [2, 4, 8]
                .into_iter()
                .flat_map(|n| {
                    ["forkserver", "spawn"].map(|method| {
                        ratio_row(
                            format!("size {n}: `{method}` / `fork`"),
                            &format!("q8/python_{method}/{n}"),
                            &format!("q8/python_fork/{n}"),
                            Goal::Info,
                        )
                    })
                })
                .collect(),
        },
        Section {
            anchor: "heavy",
            title: "3b. Heavy variant: 8 equal CPU-bound items (10^7 spin rounds each), start-up included",
            rows_of: Some("heavy"),
            grid: by_pool_size(vec![
                ("our `ProcessPool`", "heavy/ours"),
                ("procspawn pool", "heavy/procspawn"),
                (
                    "Python mp.Pool (`fork`), 4 × 10^4 rounds per item",
                    "heavy/python",
                ),
            ]),
            ratios: vec![
                ratio_row(
                    "speed-up, ours at 2",
                    "heavy/sequential",
                    "heavy/ours/2",
                    Goal::AtLeast(1.85),
                ),
                ratio_row(
                    "speed-up, procspawn at 2",
                    "heavy/sequential",
                    "heavy/procspawn/2",
                    Goal::AtLeast(1.85),
                ),
                ratio_row(
                    "speed-up, Python mp.Pool at 2 (over Python's own loop)",
                    "heavy/python_sequential",
                    "heavy/python/2",
                    Goal::Info,
                ),
                ratio_row(
                    "speed-up, ours at 4",
                    "heavy/sequential",
                    "heavy/ours/4",
                    Goal::Info,
                ),
                ratio_row(
                    "speed-up, ours at 8",
                    "heavy/sequential",
                    "heavy/ours/8",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "sweep",
            title: "3c. Break-even: 8 equal items of 10^E spin rounds, start-up included",
            rows_of: None,
            grid: Some(Grid {
                heading: "rounds per item",
                rows: (3..=7)
                    .map(|e| (format!("10^{e}"), e.to_string()))
                    .collect(),
                columns: vec![
                    ("one after the other, in-process", "sweep/sequential"),
                    ("our `ProcessPool`, 2 workers", "sweep/ours/2"),
                    ("our `ProcessPool`, 8 workers", "sweep/ours/8"),
                ],
            }),
            ratios: (3..=7)
                .flat_map(|e| {
                    [2, 8].map(|n| {
                        ratio_row(
                            format!("10^{e}: speed-up, {n} workers"),
                            &format!("sweep/sequential/{e}"),
                            &format!("sweep/ours/{n}/{e}"),
                            Goal::Info,
                        )
                    })
                })
                .collect(),
        },
        Section {
            anchor: "pc",
            title: "4. Producer/consumer, one producer, one consumer (per item; Rust 10^6 items, Python 10^5)",
            rows_of: Some("pc"),
            grid: None,
            ratios: vec![
                ratio_row(
                    "`BoundedBuffer` / crossbeam bounded",
                    "pc/bounded_buffer",
                    "pc/crossbeam_bounded",
                    Goal::AtMost(3.0),
                ),
                ratio_row(
                    "Python locked list / Rust locked list",
                    "pc/python_locked_list",
                    "pc/mutex_vecdeque_condvar",
                    Goal::Info,
                ),
            ],
        },
        Section {
            anchor: "fact",
            title: "5. Factorials (pool start-up included)",
            rows_of: Some("fact"),
            grid: None,
            ratios: vec![
                ratio_row(
                    "1..=10: rayon(2) / plain loop",
                    "fact/small/rayon_2",
                    "fact/small/sequential",
                    Goal::Info,
                ),
                ratio_row(
                    "1..=10: Python pool / Rust hand-built pool",
                    "fact/small/python_pool_2",
                    "fact/small/hand_pool_2",
                    Goal::Info,
                ),
                ratio_row(
                    "big: speed-up rayon 2 vs plain loop",
                    "fact/big/sequential",
                    "fact/big/rayon_2",
                    Goal::Info,
                ),
                ratio_row(
                    "big: speed-up hand-built 2 vs plain loop",
                    "fact/big/sequential",
                    "fact/big/hand_pool_2",
                    Goal::Info,
                ),
                ratio_row(
                    "big: speed-up Python pool 2 vs Python loop",
                    "fact/big/python_sequential",
                    "fact/big/python_pool_2",
                    Goal::Info,
                ),
                ratio_row(
                    "40000!: parallel 2 / parallel 1 speed-up",
                    "fact/one_big/parallel_1",
                    "fact/one_big/parallel_2",
                    Goal::Info,
                ),
            ],
        },
    ]
}

/// Question 8's ratios: for our pool (dynamic and static worker) at each size, Python over
/// it, it over procspawn, and it over the `/bin/true` floor.
fn q8_ratios() -> Vec<RatioRow> {
    let mut ratios = Vec::new();
    for (who, prefix) in [("ours", "q8/ours"), ("ours static", "q8/ours_static")] {
        for n in [2, 4, 8] {
            let ours = format!("{prefix}/{n}");
            ratios.push(ratio_row(
                format!("size {n}: Python (`fork`) / {who}"),
                &format!("q8/python_fork/{n}"),
                &ours,
                Goal::AtLeast(5.0),
            ));
            ratios.push(ratio_row(
                format!("size {n}: {who} / procspawn"),
                &ours,
                &format!("q8/procspawn/{n}"),
                Goal::AtMost(1.0),
            ));
            ratios.push(ratio_row(
                format!("size {n}: {who} / floor"),
                &ours,
                &format!("q8/floor_true/{n}"),
                Goal::AtMost(1.5),
            ));
        }
    }
    ratios
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::scenarios::catalogue;

    #[test]
    fn every_key_a_section_uses_is_catalogued() {
        let cat = catalogue().unwrap();
        for s in sections() {
            for key in s.keys(cat) {
                assert!(
                    cat.get(&key).is_some(),
                    "section {}: `{key}` is not in the catalogue",
                    s.anchor
                );
            }
        }
    }

    #[test]
    fn every_catalogued_scenario_is_shown_by_a_section() {
        let cat = catalogue().unwrap();
        let shown: Vec<String> = sections()
            .iter()
            .flat_map(|s| {
                let rows = s.rows(cat).into_iter().map(|r| r.key.clone());
                rows.chain(s.grid.iter().flat_map(Grid::keys))
                    .collect::<Vec<_>>()
            })
            .collect();
        for s in cat.iter() {
            assert!(shown.contains(&s.key), "no section shows `{}`", s.key);
        }
    }

    #[test]
    fn rows_leave_out_what_the_grid_shows() {
        let cat = catalogue().unwrap();
        let heavy = sections()
            .into_iter()
            .find(|s| s.anchor == "heavy")
            .unwrap();
        let rows: Vec<&str> = heavy.rows(cat).iter().map(|s| s.key.as_str()).collect();
        assert_eq!(rows, ["heavy/sequential", "heavy/python_sequential"]);
    }
}
