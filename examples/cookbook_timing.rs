//! Cookbook: timing a function with a defer, and recording the time in its `tracing` span.
//!
//! Run it with `cargo run --example cookbook_timing`. A real service would install
//! `tracing-subscriber`; this example writes a small subscriber by hand, to stay within the
//! crate's dependencies, and prints each span with its fields when it closes. The async part
//! runs on tokio's paused clock, so the times printed there are exact.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use steadfast::defer;
use tokio::time::{sleep, timeout, Instant};
use tracing::field::{Empty, Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Instrument, Metadata, Subscriber};

// ANCHOR: sync_timing
fn price(items: &[u32]) -> u32 {
    let span = tracing::info_span!("price", items = items.len(), elapsed_us = Empty);
    let _entered = span.enter();
    let started = std::time::Instant::now();
    // Declared after `_entered`, so it runs first, while the span is still entered.
    defer! { span.record("elapsed_us", started.elapsed().as_micros() as u64); }
    tracing::info!("pricing");
    items.iter().sum()
}
// ANCHOR_END: sync_timing

// ANCHOR: async_timing
async fn checkout(order: u32, work: Duration) -> Result<u32, String> {
    let span = tracing::info_span!("checkout", order, elapsed_ms = Empty);
    let timer = span.clone();
    let started = Instant::now();
    // Records the time however the call ends: `Ok`, `Err`, a panic, or a drop by a timeout.
    defer!(move { timer.record("elapsed_ms", started.elapsed().as_millis() as u64); });
    async move {
        tracing::info!("charging the card");
        sleep(work).await;
        if order % 2 == 0 {
            Ok(order)
        } else {
            Err(format!("order {order}: card declined"))
        }
    }
    .instrument(span)
    .await
}
// ANCHOR_END: async_timing

// ANCHOR: subscriber
/// Prints every event, and every span with its fields when its last handle is dropped.
#[derive(Default)]
struct PrintSpans {
    next_id: AtomicU64,
    spans: Mutex<HashMap<u64, OpenSpan>>,
}

struct OpenSpan {
    name: &'static str,
    fields: String,
    handles: usize,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Appends ` name=value` for every field it visits.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for PrintSpans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = String::new();
        attributes.record(&mut Fields(&mut fields));
        let name = attributes.metadata().name();
        let span = OpenSpan {
            name,
            fields,
            handles: 1,
        };
        self.spans.lock().unwrap().insert(id, span);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(open) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut open.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = String::new();
        event.record(&mut Fields(&mut fields));
        let inside = ENTERED.with(|entered| entered.borrow().last().copied());
        let spans = self.spans.lock().unwrap();
        let name = inside
            .and_then(|id| spans.get(&id))
            .map_or("-", |open| open.name);
        println!("  event in {name}:{fields}");
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, _: &Id) {
        ENTERED.with(|entered| entered.borrow_mut().pop());
    }

    fn clone_span(&self, span: &Id) -> Id {
        if let Some(open) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            open.handles += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut spans = self.spans.lock().unwrap();
        let Some(open) = spans.get_mut(&span.into_u64()) else {
            return false;
        };
        open.handles -= 1;
        if open.handles > 0 {
            return false;
        }
        if let Some(closed) = spans.remove(&span.into_u64()) {
            println!("  span {} closed:{}", closed.name, closed.fields);
        }
        true
    }
}
// ANCHOR_END: subscriber

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    tracing::subscriber::with_default(PrintSpans::default(), || {
        // ANCHOR: main
        println!("a sync function (the microseconds vary from run to run):");
        println!("  -> {}", price(&[3, 4, 5]));

        runtime.block_on(async {
            println!("an async function that succeeds:");
            println!("  -> {:?}", checkout(2, Duration::from_millis(30)).await);
            println!("one that fails:");
            println!("  -> {:?}", checkout(3, Duration::from_millis(20)).await);
            println!("one that a timeout cancels after 50 ms:");
            let cancelled = timeout(
                Duration::from_millis(50),
                checkout(4, Duration::from_secs(1)),
            );
            println!("  -> {:?}", cancelled.await);
        });
        // ANCHOR_END: main
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
