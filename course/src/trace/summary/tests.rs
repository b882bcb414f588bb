//! Tests of the parent module.
use super::super::events::{Count, Span};
use super::*;

fn lane(name: &str, spans: &[(SpanKind, u64, u64)]) -> Lane {
    Lane {
        name: name.into(),
        spans: spans
            .iter()
            .map(|&(kind, start_us, end_us)| Span {
                kind,
                start_us,
                end_us,
                label: String::new(),
            })
            .collect(),
    }
}

#[test]
fn one_thread_doing_everything_is_called_out() {
    let s = Scenario {
        lanes: vec![lane(
            "pool-worker-0",
            &[(SpanKind::Task, 0, 10), (SpanKind::Task, 10, 20)],
        )],
        ..Scenario::default()
    };
    let lines = observations(&s);
    assert!(lines[0].alarm && lines[0].text.contains("all 2 tasks ran on one thread"));
}

#[test]
fn parallel_tasks_are_counted_and_a_polling_consumer_is_flagged() {
    let mut s = Scenario {
        lanes: vec![
            lane("a", &[(SpanKind::Task, 0, 10), (SpanKind::Task, 10, 20)]),
            lane("b", &[(SpanKind::Task, 5, 15)]),
        ],
        ..Scenario::default()
    };
    s.counts.push(Count {
        lane: "consumer".into(),
        what: "woke up".into(),
        value: 400,
        items: 40,
    });
    let lines = observations(&s);
    assert_eq!(
        lines[0].text,
        "3 tasks ran on 2 threads; at most 2 at the same time"
    );
    assert!(!lines[0].alarm);
    assert!(lines[1].alarm && lines[1].text.starts_with("consumer woke up 400 times"));
}

#[test]
fn worker_processes_that_a_pool_misuses_are_called_out() {
    let mut s = Scenario {
        lanes: vec![
            lane(
                "pid 1",
                &[(SpanKind::Alive, 0, 50_000), (SpanKind::Busy, 0, 45_000)],
            ),
            lane(
                "pid 2",
                &[(SpanKind::Alive, 0, 50_000), (SpanKind::Busy, 0, 1_000)],
            ),
        ],
        outcome: Outcome::Ok,
        ..Scenario::default()
    };
    s.meta.insert("processes".into(), 1);
    let lines = observations(&s);
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert!(
        text[0].starts_with("2 worker processes seen; at most 2 on a CPU"),
        "{text:?}"
    );
    assert!(text[1].starts_with("pid 1 did 97% of the work"), "{text:?}");
    assert!(
        text[2].starts_with("2 worker processes for pools of 1"),
        "{text:?}"
    );
    assert!(lines[1].alarm && lines[2].alarm);
    s.lanes.clear();
    assert!(
        observations(&s)[0]
            .text
            .starts_with("no worker process was seen")
    );
}

#[test]
fn a_stub_reads_not_implemented_yet() {
    let s = Scenario {
        outcome: Outcome::NotImplemented {
            message: "box the job".into(),
            location: "exercises/src/ex07.rs:9".into(),
        },
        ..Scenario::default()
    };
    let line = outcome(&s).unwrap();
    assert_eq!(
        line.text,
        "not implemented yet: box the job (exercises/src/ex07.rs:9)"
    );
}

#[test]
fn durations_read_well() {
    assert_eq!(duration(42), "42 µs");
    assert_eq!(duration(420), "0.42 ms");
    assert_eq!(duration(56_340), "56.3 ms");
    assert_eq!(duration(1_234_000), "1.23 s");
    assert_eq!(speedup(2000, 1000), "speed-up 2.00×");
    assert_eq!(speedup(580, 1000), "speed-up 0.58× (slower)");
    assert_eq!(speedup(4, 10_000), "2500× slower");
}
