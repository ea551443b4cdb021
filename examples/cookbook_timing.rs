//! Cookbook: timing a function with a defer, and recording the time in its `tracing` span.
//!
//! Run it with `cargo run --example cookbook_timing`. A real service would install
//! `tracing-subscriber`; this example writes a small subscriber by hand, to stay within the
//! crate's dependencies, and prints each span with its fields when it closes. It runs on
//! paused clocks, steadfast's for the sync part and tokio's for the async one, so the times
//! it prints are exact, and `main` checks every line the subscriber printed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use steadfast::defer;
use tokio::time::{sleep, timeout, Instant};
use tracing::field::{Empty, Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Instrument, Metadata, Subscriber};

// ANCHOR: sync_timing
fn price(items: &[u32], work: Duration) -> u32 {
    let span = tracing::info_span!("price", items = items.len(), elapsed_us = Empty);
    let _entered = span.enter();
    // The thread's clock: the real one, unless a test paused it.
    let started = steadfast::time::now();
    // Declared after `_entered`, so it runs first, while the span is still entered.
    defer! {
        let elapsed = steadfast::time::now() - started;
        span.record("elapsed_us", elapsed.as_micros() as u64);
    }
    tracing::info!("pricing");
    steadfast::time::sleep(work); // stands for the pricing work
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
    /// Every line printed, in order, for the example to check.
    printed: Mutex<Vec<String>>,
}

impl PrintSpans {
    fn print(&self, line: String) {
        println!("  {line}");
        self.printed.lock().unwrap().push(line);
    }
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
        self.print(format!("event in {name}:{fields}"));
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
            self.print(format!("span {} closed:{}", closed.name, closed.fields));
        }
        true
    }
}
// ANCHOR_END: subscriber

fn main() {
    let _clock = steadfast::time::pause(); // steadfast's clock, which `price` reads
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true) // tokio's, which `checkout` reads
        .build()
        .expect("a tokio runtime");
    let subscriber = Arc::new(PrintSpans::default());
    tracing::subscriber::with_default(Arc::clone(&subscriber), || {
        // ANCHOR: main
        println!("a sync function:");
        let total = price(&[3, 4, 5], Duration::from_micros(1_500));
        println!("  -> {total}");
        assert_eq!(total, 12);

        runtime.block_on(async {
            println!("an async function that succeeds:");
            let paid = checkout(2, Duration::from_millis(30)).await;
            println!("  -> {paid:?}");
            assert_eq!(paid, Ok(2));
            println!("one that fails:");
            let declined = checkout(3, Duration::from_millis(20)).await;
            println!("  -> {declined:?}");
            assert_eq!(declined, Err("order 3: card declined".to_string()));
            println!("one that a timeout cancels after 50 ms:");
            let cancelled = timeout(
                Duration::from_millis(50),
                checkout(4, Duration::from_secs(1)),
            )
            .await;
            println!("  -> {cancelled:?}");
            assert!(cancelled.is_err());
        });
        // ANCHOR_END: main
    });
    // Every time recorded is exact: the work each call was given, or the 50 ms after which
    // the timeout dropped the last one.
    assert_eq!(
        *subscriber.printed.lock().unwrap(),
        [
            "event in price: message=pricing",
            "span price closed: items=3 elapsed_us=1500",
            "event in checkout: message=charging the card",
            "span checkout closed: order=2 elapsed_ms=30",
            "event in checkout: message=charging the card",
            "span checkout closed: order=3 elapsed_ms=20",
            "event in checkout: message=charging the card",
            "span checkout closed: order=4 elapsed_ms=50",
        ]
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main();
    }
}
