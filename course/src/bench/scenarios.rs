//! The scenario catalogue: `bench/scenarios.txt`, one line per scenario (key, the program that
//! measures it, label), the one list that `course bench`, the Rust benches
//! (`solutions/benches/common/mod.rs`) and the Python programs (`bench/python/harness.py`) all
//! read. This module parses it (compiled in), derives the order of the runs from it, and holds
//! the measurements against it: a measured key it does not list is an error, a scenario it lists
//! that nothing measured is a warning.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use anyhow::{Result, anyhow};

use super::stats::Samples;

/// Where the catalogue lives, relative to the workspace root.
pub const TABLE_PATH: &str = "bench/scenarios.txt";

/// The catalogue's text, compiled in: the renderers and the runner always agree on it.
const TABLE: &str = include_str!("../../../bench/scenarios.txt");

/// What measures a scenario (the catalogue's second column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Program {
    /// The Rust runner (`side_by_side`, the scenarios of `solutions/benches/common/mod.rs`).
    Rust,
    /// The Rust runner with the statically linked worker, which exists only when `course bench`
    /// could build it.
    RustStatic,
    /// A Python program of `bench/python/`, by file name (`spawn.py`).
    Python(String),
}

/// Where a line of measurements came from: one run of the Rust runner or of a Python program.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// `side_by_side --run GROUP`.
    RustGroup(&'a str),
    /// `python3 bench/python/PROGRAM`.
    Python(&'a str),
}

/// One line of the catalogue.
#[derive(Debug)]
pub struct Scenario {
    /// `GROUP/NAME[/...]`, as the measuring program prints it.
    pub key: String,
    pub program: Program,
    /// Its row in the results tables (or, for a grid cell, a description).
    pub label: String,
}

impl Scenario {
    /// The group: the key's first segment.
    pub fn group(&self) -> &str {
        group_of(&self.key)
    }
}

fn group_of(key: &str) -> &str {
    key.split('/').next().unwrap_or(key)
}

/// Every scenario, in the catalogue's order (the order of the rows in the results tables).
#[derive(Debug)]
pub struct Catalogue {
    scenarios: Vec<Scenario>,
}

/// The catalogue compiled into the tool. Its unit tests parse it, so an error here means the
/// table was edited without running them; the message names the line.
pub fn catalogue() -> Result<&'static Catalogue> {
    static CATALOGUE: LazyLock<Result<Catalogue, String>> =
        LazyLock::new(|| Catalogue::parse(TABLE).map_err(|e| format!("{e:#}")));
    CATALOGUE.as_ref().map_err(|e| anyhow!("{e}"))
}

impl Catalogue {
    /// Parses the catalogue's text: `KEY PROGRAM LABEL` per line, separated by spaces; blank
    /// lines and `#` comments are skipped.
    pub fn parse(text: &str) -> Result<Catalogue> {
        let mut scenarios: Vec<Scenario> = Vec::new();
        let mut seen = BTreeMap::new();
        let mut groups = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let n = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let scenario = parse_line(line)
                .map_err(|e| anyhow!("{TABLE_PATH} line {n}: {e} (the file's header says how)"))?;
            if let Some(first) = seen.insert(scenario.key.clone(), n) {
                return Err(anyhow!(
                    "{TABLE_PATH} line {n}: `{}` is already on line {first}: keys are unique",
                    scenario.key
                ));
            }
            let group = scenario.group().to_string();
            let continues = scenarios.last().is_some_and(|s| s.group() == group);
            if let (false, Some(first)) = (continues, groups.get(&group)) {
                return Err(anyhow!(
                    "{TABLE_PATH} line {n}: the group `{group}` began on line {first} and other \
                     lines came between: keep a group's lines together"
                ));
            }
            groups.entry(group).or_insert(n);
            scenarios.push(scenario);
        }
        Ok(Catalogue { scenarios })
    }

    /// The scenario `key`, if the catalogue lists it.
    pub fn get(&self, key: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.key == key)
    }

    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = &Scenario> {
        self.scenarios.iter()
    }

    /// The scenarios of `group`, in the catalogue's order.
    pub fn in_group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Scenario> {
        self.scenarios.iter().filter(move |s| s.group() == group)
    }

    /// What `course bench` runs in one round, in order: each group (in the order it first
    /// appears), with the Python programs that run beside it (each with the first group that
    /// lists it).
    pub fn plan(&self) -> Vec<(&str, Vec<&str>)> {
        let mut plan: Vec<(&str, Vec<&str>)> = Vec::new();
        for s in &self.scenarios {
            // `parse` keeps each group's lines together.
            if plan.last().is_none_or(|(g, _)| *g != s.group()) {
                plan.push((s.group(), Vec::new()));
            }
            if let Program::Python(program) = &s.program {
                let listed = plan.iter().any(|(_, ps)| ps.contains(&program.as_str()));
                if !listed && let Some((_, programs)) = plan.last_mut() {
                    programs.push(program);
                }
            }
        }
        plan
    }

    /// Whether `source` may print `key`: the catalogue lists it, with that program (and, for
    /// the Rust runner, in the group it was asked to run). The error says what to fix.
    pub fn admit(&self, key: &str, source: Source) -> Result<(), String> {
        let Some(s) = self.get(key) else {
            return Err(format!(
                "`{key}` (measured by {}) is not in {TABLE_PATH}: add a line for it there",
                describe(source)
            ));
        };
        let fits = match (source, &s.program) {
            (Source::RustGroup(g), Program::Rust | Program::RustStatic) => s.group() == g,
            (Source::Python(p), Program::Python(q)) => p == q,
            _ => false,
        };
        if fits {
            Ok(())
        } else {
            Err(format!(
                "`{key}` was measured by {}, but {TABLE_PATH} says {}: fix the key or its line",
                describe(source),
                match &s.program {
                    Program::Rust | Program::RustStatic => format!("the Rust group {}", s.group()),
                    Program::Python(p) => format!("bench/python/{p}"),
                }
            ))
        }
    }

    /// The scenarios that `measured` lacks: those that could not be measured this time (the
    /// Python ones when `python` is false, the static-worker ones when `static_worker` is false)
    /// and the others, which something should have measured.
    pub fn unmeasured(
        &self,
        measured: &Samples,
        python: bool,
        static_worker: bool,
    ) -> Unmeasured<'_> {
        let mut out = Unmeasured::default();
        for s in self
            .scenarios
            .iter()
            .filter(|s| !measured.contains_key(&s.key))
        {
            match s.program {
                Program::Python(_) if !python => out.without_python.push(&s.key),
                Program::RustStatic if !static_worker => out.without_static_worker.push(&s.key),
                _ => out.missing.push(&s.key),
            }
        }
        out
    }
}

/// Catalogued scenarios without samples, by why (see [`Catalogue::unmeasured`]).
#[derive(Debug, Default)]
pub struct Unmeasured<'a> {
    pub without_python: Vec<&'a str>,
    pub without_static_worker: Vec<&'a str>,
    /// Nothing explains these: a program no longer measures them, or prints another name.
    pub missing: Vec<&'a str>,
}

impl Unmeasured<'_> {
    /// One line per reason, for stderr (none when everything was measured).
    pub fn messages(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.without_python.is_empty() {
            lines.push(format!(
                "bench: {} Python scenarios not measured (no python3, or --no-python)",
                self.without_python.len()
            ));
        }
        if !self.without_static_worker.is_empty() {
            lines.push(format!(
                "bench: {} scenarios of the statically linked worker not measured (it could not \
                 be built)",
                self.without_static_worker.len()
            ));
        }
        if !self.missing.is_empty() {
            lines.push(format!(
                "bench: warning: {} scenarios of {TABLE_PATH} were not measured, so their rows \
                 are left out: {}. Does the program that measures them still print these names?",
                self.missing.len(),
                self.missing.join(", ")
            ));
        }
        lines
    }
}

fn describe(source: Source) -> String {
    match source {
        Source::RustGroup(g) => format!("the Rust runner's group {g}"),
        Source::Python(p) => format!("bench/python/{p}"),
    }
}

/// One non-comment line: `KEY PROGRAM LABEL`.
fn parse_line(line: &str) -> Result<Scenario, String> {
    let (key, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim_start();
    let (program, label) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let label = label.trim();
    if program.is_empty() || label.is_empty() {
        return Err(format!(
            "expected `KEY PROGRAM LABEL`, found `{line}`: every scenario needs all three"
        ));
    }
    let segments: Vec<&str> = key.split('/').collect();
    let well_formed = segments.len() >= 2
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if !well_formed {
        return Err(format!(
            "the key `{key}` is not GROUP/NAME[/...] in lowercase letters, digits and `_`"
        ));
    }
    let program = match program {
        "rust" => Program::Rust,
        "rust-static" => Program::RustStatic,
        p if p.ends_with(".py") && !p.contains('/') => Program::Python(p.to_string()),
        p => {
            return Err(format!(
                "the program `{p}` is none of `rust`, `rust-static` or a file name in \
                 bench/python/ ending in `.py`"
            ));
        }
    };
    Ok(Scenario {
        key: key.to_string(),
        program,
        label: label.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::stats::samples;

    #[test]
    fn the_table_parses() {
        let cat = catalogue().unwrap();
        assert!(cat.iter().count() > 50);
        assert!(cat.iter().all(|s| cat.get(&s.key).is_some()));
    }

    #[test]
    fn every_python_program_of_the_table_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/python");
        for s in catalogue().unwrap().iter() {
            if let Program::Python(p) = &s.program {
                assert!(
                    dir.join(p).is_file(),
                    "{}: bench/python/{p} is missing",
                    s.key
                );
            }
        }
    }

    #[test]
    fn the_plan_runs_each_python_program_beside_the_first_group_that_lists_it() {
        let plan = catalogue().unwrap().plan();
        let expected: Vec<(&str, Vec<&str>)> = vec![
            ("spawn", vec!["spawn.py"]),
            ("pool", vec![]),
            ("q8", vec!["q8_pool.py"]), // also prints the heavy variant
            ("heavy", vec![]),
            ("sweep", vec![]),
            ("pc", vec!["q4_locked_list.py"]),
            ("fact", vec!["q7_factorials.py"]),
        ];
        assert_eq!(plan, expected);
    }

    #[test]
    fn a_malformed_line_is_an_error_that_names_it() {
        for (text, says) in [
            (
                "spawn/thread rust\n",
                "line 1: expected `KEY PROGRAM LABEL`",
            ),
            ("# c\nspawn rust A\n", "line 2: the key `spawn`"),
            ("spawn/Thread rust A\n", "the key `spawn/Thread`"),
            ("spawn/thread ruby A\n", "the program `ruby`"),
            (
                "a/b rust A\na/b spawn.py B\n",
                "line 2: `a/b` is already on line 1",
            ),
            (
                "a/b rust A\nc/d rust B\n\na/e rust C\n",
                "line 4: the group `a` began on line 1",
            ),
        ] {
            let err = format!("{:#}", Catalogue::parse(text).unwrap_err());
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }

    #[test]
    fn labels_keep_their_inner_spacing_and_columns_may_be_aligned() {
        let cat = Catalogue::parse("a/b    q.py\t  x  ×  `y` | z  \n").unwrap();
        let s = cat.get("a/b").unwrap();
        assert_eq!(s.program, Program::Python("q.py".into()));
        assert_eq!(s.label, "x  ×  `y` | z");
    }

    #[test]
    fn a_measurement_must_come_from_the_program_the_table_names() {
        let cat =
            Catalogue::parse("a/one rust A\na/two rust-static B\na/py p.py D\nb/three rust C\n")
                .unwrap();
        assert!(cat.admit("a/one", Source::RustGroup("a")).is_ok());
        assert!(cat.admit("a/two", Source::RustGroup("a")).is_ok());
        assert!(cat.admit("a/py", Source::Python("p.py")).is_ok());
        let err = cat.admit("a/typo", Source::RustGroup("a")).unwrap_err();
        assert!(
            err.contains("`a/typo`") && err.contains("not in bench/scenarios.txt"),
            "{err}"
        );
        let err = cat.admit("b/three", Source::RustGroup("a")).unwrap_err();
        assert!(err.contains("says the Rust group b"), "{err}");
        assert!(cat.admit("a/py", Source::Python("q.py")).is_err());
        assert!(cat.admit("a/one", Source::Python("p.py")).is_err());
    }

    #[test]
    fn unmeasured_scenarios_are_told_apart_by_why() {
        let cat =
            Catalogue::parse("a/one rust A\na/two rust-static B\na/three rust C\na/py p.py D\n")
                .unwrap();
        let measured = samples(&[("a/one", &[1.0])]);
        let u = cat.unmeasured(&measured, false, false);
        assert_eq!(u.without_python, ["a/py"]);
        assert_eq!(u.without_static_worker, ["a/two"]);
        assert_eq!(u.missing, ["a/three"]);
        let messages = u.messages();
        assert!(messages[2].contains("warning: 1 scenarios") && messages[2].contains("a/three"));
        // When Python and the static worker ran, their scenarios are missing too.
        let u = cat.unmeasured(&measured, true, true);
        assert_eq!(u.missing, ["a/two", "a/three", "a/py"]);
        let all = samples(&[
            ("a/one", &[1.0]),
            ("a/two", &[1.0]),
            ("a/three", &[1.0]),
            ("a/py", &[1.0]),
        ]);
        assert!(cat.unmeasured(&all, true, true).messages().is_empty());
    }
}
