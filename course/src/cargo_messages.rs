//! Cargo's JSON messages (`--message-format=json`), parsed in one place: the artifacts cargo built
//! and the compiler's diagnostics with the places they point at.
//!
//! Lines that are not JSON, and messages of any other `reason` (build-script output, the final
//! `build-finished`), are skipped; a field cargo did not give is left empty, never guessed.

use std::path::PathBuf;

use serde_json::Value;

/// One message of interest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `compiler-artifact`: a target was built (or was already fresh).
    Artifact(Artifact),
    /// `compiler-message`: a diagnostic of the compiler (error, warning, note, ...).
    Diagnostic(Diagnostic),
}

/// A built target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The target's name (`ex04_producer_consumer`, `exercises-worker`, `exercises`).
    pub target_name: String,
    /// Its kinds (`lib`, `bin`, `test`, `example`, ...).
    pub target_kinds: Vec<String>,
    /// Built as a test harness (`cargo test`, `--tests`).
    pub test: bool,
    /// The executable, for targets that have one.
    pub executable: Option<PathBuf>,
}

impl Artifact {
    /// Whether one of the target's kinds is `kind`.
    pub fn is(&self, kind: &str) -> bool {
        self.target_kinds.iter().any(|k| k == kind)
    }
}

/// A compiler diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The target being compiled when it was emitted.
    pub target_name: String,
    /// That target's kinds.
    pub target_kinds: Vec<String>,
    /// `error`, `warning`, `note`, `failure-note`, ...
    pub level: String,
    /// The first line of the message (`mismatched types`).
    pub message: String,
    /// The whole message as the compiler prints it.
    pub rendered: String,
    /// Where it points: each primary span followed by the macro call sites it was expanded
    /// from, then the other spans likewise.
    pub places: Vec<Place>,
}

impl Diagnostic {
    /// Whether it is an error (not a warning or a note).
    pub fn is_error(&self) -> bool {
        self.level == "error"
    }
}

/// A place a diagnostic points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file, as the compiler names it (relative to the workspace root for its members).
    pub file: String,
    /// The first line of the span, counted from 1.
    pub line: u64,
    /// Whether it comes from a primary span (or a macro call site a primary span expanded from).
    pub primary: bool,
    /// The source lines the span covers.
    pub text: Vec<String>,
}

/// Parses cargo's JSON output, one message a line.
pub fn parse(stdout: &str) -> Vec<Message> {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|v| parse_message(&v))
        .collect()
}

/// The artifacts among cargo's JSON output.
pub fn artifacts(stdout: &str) -> impl Iterator<Item = Artifact> {
    parse(stdout).into_iter().filter_map(|m| match m {
        Message::Artifact(a) => Some(a),
        Message::Diagnostic(_) => None,
    })
}

fn parse_message(v: &Value) -> Option<Message> {
    let target_name = v["target"]["name"].as_str().unwrap_or_default().to_string();
    let target_kinds: Vec<String> = v["target"]["kind"]
        .as_array()
        .map(|ks| {
            ks.iter()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    match v["reason"].as_str()? {
        "compiler-artifact" => Some(Message::Artifact(Artifact {
            target_name,
            target_kinds,
            test: v["profile"]["test"] == true,
            executable: v["executable"].as_str().map(PathBuf::from),
        })),
        "compiler-message" => {
            let m = &v["message"];
            let spans = m["spans"].as_array().map(Vec::as_slice).unwrap_or_default();
            let mut places = Vec::new();
            for primary in [true, false] {
                for span in spans
                    .iter()
                    .filter(|s| (s["is_primary"] == true) == primary)
                {
                    push_with_expansions(span, primary, &mut places);
                }
            }
            Some(Message::Diagnostic(Diagnostic {
                target_name,
                target_kinds,
                level: m["level"].as_str().unwrap_or_default().to_string(),
                message: m["message"].as_str().unwrap_or_default().to_string(),
                rendered: m["rendered"].as_str().unwrap_or_default().to_string(),
                places,
            }))
        }
        _ => None,
    }
}

/// Pushes `span`, then the call site of each macro expansion it comes from, innermost first.
fn push_with_expansions(span: &Value, primary: bool, places: &mut Vec<Place>) {
    let mut next = Some(span);
    // Expansion chains are short; the bound only guards against a malformed message.
    for _ in 0..64 {
        let Some(s) = next else { break };
        if let Some(file) = s["file_name"].as_str() {
            places.push(Place {
                file: file.to_string(),
                line: s["line_start"].as_u64().unwrap_or(0),
                primary,
                text: s["text"]
                    .as_array()
                    .map(|ts| {
                        ts.iter()
                            .filter_map(|t| t["text"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
        next = s["expansion"]["span"]
            .as_object()
            .map(|_| &s["expansion"]["span"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rustc error as cargo 1.95 wraps it (shortened: no children, one span).
    const ERROR: &str = r#"{"reason":"compiler-message","package_id":"path+file:///w/exercises#0.1.0","manifest_path":"/w/exercises/Cargo.toml","target":{"kind":["lib"],"crate_types":["lib"],"name":"exercises","src_path":"/w/exercises/src/lib.rs","edition":"2024","doctest":true,"test":true},"message":{"rendered":"error[E0308]: mismatched types\n --> exercises/src/ex03_multiprocessing.rs:12:18\n","$message_type":"diagnostic","children":[],"level":"error","message":"mismatched types","spans":[{"byte_end":300,"byte_start":296,"column_end":22,"column_start":18,"expansion":null,"file_name":"exercises/src/ex03_multiprocessing.rs","is_primary":true,"label":"expected `u32`, found `&str`","line_end":12,"line_start":12,"suggested_replacement":null,"suggestion_applicability":null,"text":[{"highlight_end":22,"highlight_start":18,"text":"    let x: u32 = \"no\";"}]},{"byte_end":295,"byte_start":292,"column_end":15,"column_start":12,"expansion":null,"file_name":"exercises/src/ex03_multiprocessing.rs","is_primary":false,"label":"expected due to this","line_end":12,"line_start":12,"suggested_replacement":null,"suggestion_applicability":null,"text":[]}],"code":{"code":"E0308","explanation":"..."}}}"#;

    const ARTIFACT: &str = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/exercises#0.1.0","manifest_path":"/w/exercises/Cargo.toml","target":{"kind":["test"],"crate_types":["bin"],"name":"ex04_producer_consumer","src_path":"/w/exercises/tests/ex04_producer_consumer.rs","edition":"2024","doctest":false,"test":true},"profile":{"opt_level":"0","debuginfo":2,"debug_assertions":true,"overflow_checks":true,"test":true},"features":["ex04"],"filenames":["/t/debug/deps/ex04_producer_consumer-1"],"executable":"/t/debug/deps/ex04_producer_consumer-1","fresh":false}"#;

    #[test]
    fn reads_errors_artifacts_and_skips_the_rest() {
        let stdout = format!(
            "{ERROR}\nnot json\n{ARTIFACT}\n{{\"reason\":\"build-finished\",\"success\":false}}\n"
        );
        let messages = parse(&stdout);
        assert_eq!(messages.len(), 2, "{messages:?}");
        let Message::Diagnostic(d) = &messages[0] else {
            panic!("not a diagnostic: {:?}", messages[0])
        };
        assert!(d.is_error());
        assert_eq!(d.message, "mismatched types");
        assert_eq!(d.target_name, "exercises");
        assert!(d.rendered.starts_with("error[E0308]"));
        assert_eq!(d.places.len(), 2);
        assert_eq!(d.places[0].file, "exercises/src/ex03_multiprocessing.rs");
        assert_eq!(d.places[0].line, 12);
        assert!(d.places[0].primary && !d.places[1].primary);
        assert_eq!(d.places[0].text, ["    let x: u32 = \"no\";"]);
        let Message::Artifact(a) = &messages[1] else {
            panic!("not an artifact: {:?}", messages[1])
        };
        assert!(a.test && a.is("test") && !a.is("lib"));
        assert_eq!(a.target_name, "ex04_producer_consumer");
        assert_eq!(
            a.executable.as_deref(),
            Some(std::path::Path::new(
                "/t/debug/deps/ex04_producer_consumer-1"
            ))
        );
    }

    #[test]
    fn follows_a_span_to_the_macro_call_it_was_expanded_from() {
        let inner = r#"{"file_name":"/registry/src/lib.rs","line_start":7,"is_primary":true,"text":[],"expansion":{"span":{"file_name":"exercises/src/ex05_sharing_data.rs","line_start":40,"is_primary":false,"text":[],"expansion":null},"macro_decl_name":"m!"}}"#;
        let line = format!(
            r#"{{"reason":"compiler-message","target":{{"kind":["lib"],"name":"exercises"}},"message":{{"level":"error","message":"boom","rendered":"error: boom","spans":[{inner}]}}}}"#
        );
        let messages = parse(&line);
        let [Message::Diagnostic(d)] = messages.as_slice() else {
            panic!("not one diagnostic: {messages:?}")
        };
        let places: Vec<(&str, u64, bool)> = d
            .places
            .iter()
            .map(|p| (p.file.as_str(), p.line, p.primary))
            .collect();
        assert_eq!(
            places,
            [
                ("/registry/src/lib.rs", 7, true),
                ("exercises/src/ex05_sharing_data.rs", 40, true)
            ]
        );
    }
}
