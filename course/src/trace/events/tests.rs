//! Tests of the parent module.
use super::*;

const SAMPLE: &str = r##"{"type":"start","exercise":"ex07","package":"solutions","cores":2,"unit_us":1000}
{"type":"scenario","title":"ThreadPool::map","detail":"4 workers","workers":4,"tasks":3}
{"type":"baseline","label":"one after the other","wall_us":6000}
{"type":"span","lane":"pool-worker-1","kind":"task","start_us":150,"end_us":2150,"label":"#1"}
{"type":"span","lane":"caller","kind":"phase","start_us":90,"end_us":100,"label":"ThreadPool::new"}
{"type":"span","lane":"pool-worker-0","kind":"task","start_us":120,"end_us":1120,"label":"#0"}
{"type":"span","lane":"pool-worker-0","kind":"task","start_us":1130,"end_us":4130,"label":"#2"}
debug print from the student's code
{"type":"timing","label":"ThreadPool::map","wall_us":4100}
{"type":"baseline","label":"one after the other","wall_us":7000}
{"type":"end","outcome":"ok"}
{"type":"scenario","title":"rayon_map","detail":"4 workers"}
{"type":"panic","thread":"caller","message":"not yet implemented: ThreadPoolBuilder","location":"exercises/src/ex07_thread_pool_factorials.rs:96","t_us":5000}
{"type":"end","outcome":"not_implemented","message":"ThreadPoolBuilder","location":"exercises/src/ex07_thread_pool_factorials.rs:96","thread":"caller"}
{"type":"done"}
"##;

#[test]
fn events_become_scenarios_with_ordered_lanes() {
    let t = parse(SAMPLE).unwrap();
    assert_eq!(
        (t.exercise.as_str(), t.package.as_str()),
        ("ex07", "solutions")
    );
    assert_eq!(t.cores, 2);
    assert!(t.complete);
    assert_eq!(t.stray, vec!["debug print from the student's code"]);
    assert_eq!(t.scenarios.len(), 2);
    let s = &t.scenarios[0];
    assert_eq!(s.outcome, Outcome::Ok);
    assert_eq!(s.meta.get("workers"), Some(&4));
    let names: Vec<&str> = s.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["caller", "pool-worker-0", "pool-worker-1"]);
    assert_eq!(s.lanes[1].count(SpanKind::Task), 2);
    assert_eq!(s.window(), Some((90, 4130)));
    assert_eq!(s.baseline.as_ref().map(|b| b.wall_us), Some(6000));
    assert_eq!(s.timings[0].wall_us, 4100);
    let r = &t.scenarios[1];
    assert!(r.lanes.is_empty() && r.window().is_none());
    assert_eq!(r.panics.len(), 1);
    assert_eq!(
        r.outcome,
        Outcome::NotImplemented {
            message: "ThreadPoolBuilder".into(),
            location: "exercises/src/ex07_thread_pool_factorials.rs:96".into()
        }
    );
}

#[test]
fn a_scenario_cut_short_is_unfinished() {
    let cut = SAMPLE.lines().take(5).collect::<Vec<_>>().join("\n");
    let t = parse(&cut).unwrap();
    assert!(!t.complete);
    assert_eq!(t.scenarios.len(), 1);
    assert_eq!(t.scenarios[0].outcome, Outcome::Unfinished);
    assert_eq!(t.scenarios[0].lanes.len(), 2);
}

#[test]
fn malformed_events_are_errors_naming_the_line() {
    let bad = "{\"type\":\"scenario\",\"title\":\"t\",\"detail\":\"d\"}\n\
               {\"type\":\"span\",\"lane\":\"x\",\"kind\":\"nap\",\"start_us\":1,\"end_us\":2}";
    let e = format!("{:#}", parse(bad).unwrap_err());
    assert!(e.contains("line 2") && e.contains("nap"), "{e}");
    let orphan = "{\"type\":\"note\",\"text\":\"hi\"}";
    assert!(format!("{:#}", parse(orphan).unwrap_err()).contains("before any scenario"));
}

#[test]
fn totals_count_overlaps_once() {
    let span = |s, e| Span {
        kind: SpanKind::Wait,
        start_us: s,
        end_us: e,
        label: String::new(),
    };
    let lane = Lane {
        name: "x".into(),
        spans: vec![span(0, 10), span(5, 20), span(30, 40)],
    };
    assert_eq!(lane.total(SpanKind::Wait), 30);
    assert_eq!(lane.total(SpanKind::Task), 0);
    assert!(!lane.is_process());
}
