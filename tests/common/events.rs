//! A `tracing` subscriber that records each event's level, message and fields as text, for
//! the tests that check what steadfast reports with the `tracing` feature. Included by those
//! tests (`#[cfg(feature = "tracing")] #[path = "common/events.rs"] mod events;`).
#![allow(dead_code)] // each test crate uses a part

use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One event as the subscriber saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub level: Level,
    pub message: String,
    pub fields: Vec<(String, String)>,
}

impl Recorded {
    /// The value of the field `name`, as text (`Debug` for values recorded with `?`).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Collects `message` and every other field as text.
#[derive(Default)]
struct FieldsVisitor {
    message: String,
    fields: Vec<(String, String)>,
}

impl Visit for FieldsVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.push((field.name().to_string(), text));
        }
    }
}

/// Records events; spans are accepted and ignored.
#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<Recorded>>>,
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut visitor = FieldsVisitor::default();
        event.record(&mut visitor);
        self.events.lock().unwrap().push(Recorded {
            level: *event.metadata().level(),
            message: visitor.message,
            fields: visitor.fields,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Runs `f` with a fresh recorder as this thread's default subscriber; returns the events
/// it saw and what `f` returned.
pub fn recorded<R>(f: impl FnOnce() -> R) -> (Vec<Recorded>, R) {
    let recorder = Recorder::default();
    let result = tracing::subscriber::with_default(recorder.clone(), f);
    let events = recorder.events.lock().unwrap().clone();
    (events, result)
}
