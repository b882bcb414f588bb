//! Collects mdBook's warnings and errors. mdBook logs a broken include or a bad link and still
//! exits successfully; `course book` turns every such message into a failed build.

use std::fmt::Write as _;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

static MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A tracing layer that keeps every WARN and ERROR event.
struct Capture;

struct MessageVisitor(String);

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        if level > Level::WARN {
            return;
        }
        let mut v = MessageVisitor(String::new());
        event.record(&mut v);
        let line = format!("{level}: {}", v.0);
        MESSAGES
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }
}

/// Installs the capturing subscriber (once per process).
pub fn install() {
    use tracing_subscriber::prelude::*;
    let _ = tracing_subscriber::registry().with(Capture).try_init();
}

/// Takes the messages collected since the last call.
pub fn take() -> Vec<String> {
    std::mem::take(&mut *MESSAGES.lock().unwrap_or_else(|p| p.into_inner()))
}
