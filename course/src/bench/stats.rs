//! The statistics of `course bench`: a scenario's median with quartiles and range, the paired
//! ratio of two scenarios, and whether a ratio meets the course team's target.

use std::collections::BTreeMap;

/// All samples of every scenario, by key, in nanoseconds (per operation, or per item).
pub type Samples = BTreeMap<String, Vec<f64>>;

/// Median, quartiles, min and max of a scenario's samples.
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

/// The `q` quantile (0 to 1) of sorted, non-empty values, interpolating linearly between the
/// closest ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The statistics of scenario `key`; `None` when it has no samples.
pub fn stat(all: &Samples, key: &str) -> Option<Stat> {
    let mut v = all.get(key)?.clone();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Stat {
        median: quantile(&v, 0.5),
        q1: quantile(&v, 0.25),
        q3: quantile(&v, 0.75),
        min: v[0],
        max: v[v.len() - 1],
    })
}

/// `a / b`, paired: sample `i` of `a` over sample `i` of `b` (the runner takes the samples of
/// a group in turns, so the two were taken moments apart and met the same load), summarised by
/// the median and the quartiles of those ratios. Falls back to the ratio of the medians when
/// the two have different numbers of samples.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
}

/// The paired ratio `a / b` (see [`Ratio`]); `None` when either was not measured.
pub fn ratio(all: &Samples, a: &str, b: &str) -> Option<Ratio> {
    let (xs, ys) = (all.get(a)?, all.get(b)?);
    if xs.len() != ys.len() || xs.is_empty() {
        let r = stat(all, a)?.median / stat(all, b)?.median;
        return Some(Ratio {
            median: r,
            q1: r,
            q3: r,
        });
    }
    let mut rs: Vec<f64> = xs.iter().zip(ys).map(|(x, y)| x / y.max(1.0)).collect();
    rs.sort_by(f64::total_cmp);
    Some(Ratio {
        median: quantile(&rs, 0.5),
        q1: quantile(&rs, 0.25),
        q3: quantile(&rs, 0.75),
    })
}

/// What a target asks of a ratio. Targets are the course team's goals for its own code: the
/// text table of `course bench` judges them, the book's page (`measurements.md`) never shows
/// them, because they are not the reader's.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
    AtLeast(f64),
    AtMost(f64),
    Info,
}

/// A ratio with its quartiles and, if it has a target, whether its median meets it; `-` when
/// the ratio was not measured.
pub fn judged(r: Option<Ratio>, goal: Goal) -> String {
    let Some(Ratio { median: r, q1, q3 }) = r else {
        return "-".into();
    };
    let spread = format!("[{q1:.2}–{q3:.2}]");
    match goal {
        Goal::AtLeast(t) if r >= t => format!("{r:.2}× {spread} (target ≥ {t}: met)"),
        Goal::AtLeast(t) => format!("{r:.2}× {spread} (target ≥ {t}: MISSED)"),
        Goal::AtMost(t) if r <= t => format!("{r:.2}× {spread} (target ≤ {t}: met)"),
        Goal::AtMost(t) => format!("{r:.2}× {spread} (target ≤ {t}: MISSED)"),
        Goal::Info => format!("{r:.2}× {spread}"),
    }
}

/// Samples from `(key, values)` pairs, for the tests of this module and its neighbours.
#[cfg(test)]
pub fn samples(entries: &[(&str, &[f64])]) -> Samples {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_pair_samples_taken_together() {
        // Sample i of `a` is twice sample i of `b` in three of four pairs, but the load changed
        // between samples: the paired median is 2, while the ratio of the medians is 11/55.
        let all = samples(&[
            ("a", &[2.0, 20.0, 200.0, 2.0]),
            ("b", &[1.0, 10.0, 100.0, 200.0]),
        ]);
        let r = ratio(&all, "a", "b").unwrap();
        assert!((r.median - 2.0).abs() < 1e-9, "{r:?}");
        // The outlier pair (2 / 200) pulls the lower quartile down, not the median.
        assert!(r.q1 < 2.0 && r.q3 <= 2.0 + 1e-9, "{r:?}");
    }

    #[test]
    fn unpaired_samples_fall_back_to_the_ratio_of_medians() {
        let all = samples(&[("a", &[3.0, 6.0, 9.0]), ("b", &[1.0, 2.0])]);
        let r = ratio(&all, "a", "b").unwrap();
        assert!((r.median - 6.0 / 1.5).abs() < 1e-9, "{r:?}");
        assert!(ratio(&all, "a", "missing").is_none());
    }

    #[test]
    fn targets_are_judged_on_the_median() {
        let r = |m| {
            Some(Ratio {
                median: m,
                q1: m,
                q3: m,
            })
        };
        assert!(judged(r(1.4), Goal::AtMost(1.5)).contains("met"));
        assert!(judged(r(1.6), Goal::AtMost(1.5)).contains("MISSED"));
        assert!(judged(r(5.2), Goal::AtLeast(5.0)).contains("met"));
        assert!(judged(r(4.9), Goal::AtLeast(5.0)).contains("MISSED"));
        assert_eq!(judged(None, Goal::Info), "-");
    }
}
