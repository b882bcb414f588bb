//! The course manifest (`exercises/info.toml`): exercises, their graded tests with points and
//! time limits, and staged hints. Like rustlings' `info.toml`, it is the one place the tools read.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The default per-test time limit, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;

/// The whole manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Exercises in course order.
    #[serde(rename = "exercise", default)]
    pub exercises: Vec<Exercise>,
}

/// One exercise.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Module, test file and chapter number: `exNN_name`.
    pub name: String,
    /// What it is about.
    pub title: String,
    /// The chapter's file under `src/`.
    pub chapter: String,
    /// Hints, from a nudge to nearly the answer.
    #[serde(default)]
    pub hints: Vec<String>,
    /// The graded tests.
    #[serde(rename = "test", default)]
    pub tests: Vec<TestSpec>,
}

/// One graded test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// The `#[test]` function's name in `tests/<exercise>.rs`.
    pub name: String,
    /// What passing it is worth.
    pub points: u32,
    /// The grader's time limit for it.
    pub timeout_secs: Option<u64>,
    /// Graded but not handed out to students.
    #[serde(default)]
    pub hidden: bool,
}

impl TestSpec {
    /// The time limit in force for this test.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS))
    }
}

impl Exercise {
    /// The exercise's number, from its `exNN_` prefix.
    pub fn number(&self) -> Option<u32> {
        self.name.strip_prefix("ex")?.get(..2)?.parse().ok()
    }

    /// Total points of its tests.
    pub fn max_points(&self) -> u32 {
        self.tests.iter().map(|t| t.points).sum()
    }
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the course manifest {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses and validates manifest text.
    pub fn parse(text: &str) -> Result<Self> {
        let m: Manifest = toml::from_str(text).context("the manifest is not valid")?;
        let mut names = BTreeSet::new();
        for ex in &m.exercises {
            if ex.number().is_none() {
                bail!(
                    "exercise `{}`: names must start with exNN_ (two digits)",
                    ex.name
                );
            }
            if !names.insert(ex.name.clone()) {
                bail!("exercise `{}` is listed twice", ex.name);
            }
            let mut tests = BTreeSet::new();
            for t in &ex.tests {
                if !tests.insert(t.name.as_str()) {
                    bail!("exercise `{}`: test `{}` is listed twice", ex.name, t.name);
                }
                if t.timeout_secs == Some(0) {
                    bail!(
                        "exercise `{}`: test `{}` has timeout_secs = 0",
                        ex.name,
                        t.name
                    );
                }
            }
        }
        Ok(m)
    }

    /// Finds an exercise by `ex04`, `4`, `04` or its full name.
    pub fn find(&self, query: &str) -> Result<&Exercise> {
        let q = query.trim().to_ascii_lowercase();
        let digits: String = q
            .strip_prefix("ex")
            .unwrap_or(&q)
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let number: Option<u32> = digits.parse().ok();
        if let Some(ex) = self.exercises.iter().find(|e| e.name == q) {
            return Ok(ex);
        }
        if let Some(n) = number
            && let Some(ex) = self.exercises.iter().find(|e| e.number() == Some(n))
        {
            return Ok(ex);
        }
        let known: Vec<&str> = self.exercises.iter().map(|e| e.name.as_str()).collect();
        bail!(
            "no exercise `{query}`; the exercises are: {}",
            known.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[[exercise]]
name = "ex04_producer_consumer"
title = "P/C"
chapter = "ch04-producer-consumer.md"
hints = ["one", "two"]
[[exercise.test]]
name = "a"
points = 2
[[exercise.test]]
name = "b"
points = 3
timeout_secs = 20
hidden = true
"#;

    #[test]
    fn parses_tests_points_and_timeouts() {
        let m = Manifest::parse(SAMPLE).unwrap();
        let ex = &m.exercises[0];
        assert_eq!(ex.number(), Some(4));
        assert_eq!(ex.max_points(), 5);
        assert_eq!(ex.tests[0].timeout().as_secs(), DEFAULT_TIMEOUT_SECS);
        assert_eq!(ex.tests[1].timeout().as_secs(), 20);
        assert!(ex.tests[1].hidden);
    }

    #[test]
    fn finds_exercises_by_number_or_name() {
        let m = Manifest::parse(SAMPLE).unwrap();
        for q in ["ex04", "4", "04", "EX04", "ex04_producer_consumer"] {
            assert_eq!(
                m.find(q).unwrap().name,
                "ex04_producer_consumer",
                "query {q}"
            );
        }
        let e = m.find("ex09").unwrap_err().to_string();
        assert!(e.contains("ex04_producer_consumer"), "{e}");
    }

    #[test]
    fn rejects_duplicates_and_unknown_fields() {
        let dup = format!("{SAMPLE}\n[[exercise.test]]\nname = \"a\"\npoints = 1\n");
        assert!(
            Manifest::parse(&dup)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        let unknown = SAMPLE.replace("points = 2", "points = 2\npionts = 3");
        assert!(Manifest::parse(&unknown).is_err());
    }

    #[test]
    fn the_real_manifest_is_valid() {
        let root = crate::workspace_root();
        let m = Manifest::load(&root.join(crate::MANIFEST_PATH)).unwrap();
        assert_eq!(m.exercises.len(), 8, "eight exercises, one per chapter");
        for ex in &m.exercises {
            assert!(
                root.join("src").join(&ex.chapter).is_file(),
                "{}: chapter {} is missing",
                ex.name,
                ex.chapter
            );
            assert!(
                ex.hints.len() >= 2,
                "{} needs at least two hint levels",
                ex.name
            );
            assert!(!ex.tests.is_empty(), "{} has no graded tests", ex.name);
        }
    }
}
