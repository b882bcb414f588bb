//! Which features to build: one per exercise, without those that do not compile and those that
//! need them.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

/// The feature of an exercise: its name up to the first `_` (`ex03_multiprocessing` → `ex03`).
pub fn feature_of(exercise: &str) -> &str {
    exercise.split('_').next().unwrap_or(exercise)
}

/// A package's `[features]`: feature → the features it turns on (`dep:` and `crate/feature`
/// entries are left out: they are not exercises).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features(BTreeMap<String, Vec<String>>);

impl Features {
    /// Reads the `[features]` table of the manifest text `cargo_toml`.
    pub fn parse(cargo_toml: &str) -> Result<Self> {
        let table: toml::Table = toml::from_str(cargo_toml)?;
        let mut map = BTreeMap::new();
        if let Some(toml::Value::Table(features)) = table.get("features") {
            for (name, enables) in features {
                let enables = enables
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str())
                            .filter(|f| !f.starts_with("dep:") && !f.contains('/'))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                map.insert(name.clone(), enables);
            }
        }
        Ok(Features(map))
    }

    /// Whether every exercise has its feature: only then can a build leave exercises out.
    pub fn cover<'a>(&self, mut exercises: impl Iterator<Item = &'a str>) -> bool {
        exercises.all(|e| self.0.contains_key(feature_of(e)))
    }

    /// The features `feature` turns on, directly or through others, itself excluded.
    pub fn needed_by(&self, feature: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = self
            .0
            .get(feature)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        while let Some(f) = todo.pop() {
            if f != feature && seen.insert(f.to_string()) {
                todo.extend(self.0.get(f).into_iter().flatten().map(String::as_str));
            }
        }
        seen
    }
}

/// What to build for the wanted exercises, given those known not to compile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The features to turn on (cargo turns on what they need).
    pub features: Vec<String>,
    /// The test targets to build: the wanted exercises that can be built.
    pub tests: Vec<String>,
    /// Wanted exercise → the exercise it needs that does not compile.
    pub blocked: BTreeMap<String, String>,
}

/// Plans a build of `wanted` (exercise names) without the exercises in `broken`: an exercise that
/// needs a broken one (through its feature's dependencies) is blocked; `all` names every exercise,
/// to tell which exercise a needed feature belongs to.
pub fn plan(wanted: &[&str], broken: &BTreeSet<String>, features: &Features, all: &[&str]) -> Plan {
    let mut out = Plan::default();
    for &exercise in wanted {
        if broken.contains(exercise) {
            continue;
        }
        let needed = features.needed_by(feature_of(exercise));
        let broken_need = all
            .iter()
            .find(|e| broken.contains(**e) && needed.contains(feature_of(e)));
        match broken_need {
            Some(need) => {
                out.blocked.insert(exercise.to_string(), need.to_string());
            }
            None => {
                out.features.push(feature_of(exercise).to_string());
                out.tests.push(exercise.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [&str; 8] = super::super::TEST_EXERCISES;

    fn real_features() -> Features {
        let path = crate::workspace_root().join("exercises/Cargo.toml");
        Features::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn broken(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn the_exercises_crate_has_a_feature_per_exercise_and_ex08_needs_ex02() {
        let f = real_features();
        assert!(f.cover(ALL.iter().copied()));
        assert_eq!(f.needed_by("ex08"), broken(&["ex02"]));
        assert!(f.needed_by("ex04").is_empty());
        // `default` turns everything on; it is not an exercise and must not count as one.
        assert_eq!(f.needed_by("default").len(), 8);
        assert!(
            !Features::parse("[features]\nshuttle = [\"dep:shuttle\"]\nex02 = []\n")
                .unwrap()
                .cover(ALL.iter().copied())
        );
    }

    #[test]
    fn nothing_broken_builds_every_wanted_exercise() {
        let p = plan(&ALL, &BTreeSet::new(), &real_features(), &ALL);
        assert_eq!(
            p.features,
            [
                "ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07", "ex08"
            ]
        );
        assert_eq!(p.tests, ALL);
        assert!(p.blocked.is_empty());
    }

    #[test]
    fn a_broken_exercise_is_left_out_and_the_others_are_built() {
        let p = plan(
            &ALL,
            &broken(&["ex03_multiprocessing"]),
            &real_features(),
            &ALL,
        );
        assert_eq!(
            p.features,
            ["ex01", "ex02", "ex04", "ex05", "ex06", "ex07", "ex08"]
        );
        assert!(!p.tests.contains(&"ex03_multiprocessing".to_string()));
        assert!(p.blocked.is_empty());
    }

    #[test]
    fn a_broken_ex02_blocks_ex08_which_builds_on_it() {
        let p = plan(
            &ALL,
            &broken(&["ex02_process_pool"]),
            &real_features(),
            &ALL,
        );
        assert_eq!(p.features, ["ex01", "ex03", "ex04", "ex05", "ex06", "ex07"]);
        assert_eq!(
            p.blocked,
            BTreeMap::from([(
                "ex08_pool_sizes".to_string(),
                "ex02_process_pool".to_string()
            )])
        );
        // The other way round, ex02 does not need ex08.
        let p = plan(&ALL, &broken(&["ex08_pool_sizes"]), &real_features(), &ALL);
        assert!(p.features.contains(&"ex02".to_string()) && p.blocked.is_empty());
    }

    #[test]
    fn one_wanted_exercise_builds_only_its_own_feature() {
        let f = real_features();
        let p = plan(&["ex08_pool_sizes"], &BTreeSet::new(), &f, &ALL);
        assert_eq!(
            (p.features, p.tests),
            (vec!["ex08".into()], vec!["ex08_pool_sizes".into()])
        );
        let p = plan(
            &["ex04_producer_consumer"],
            &broken(&["ex03_multiprocessing"]),
            &f,
            &ALL,
        );
        assert_eq!(p.tests, ["ex04_producer_consumer"]);
    }
}
