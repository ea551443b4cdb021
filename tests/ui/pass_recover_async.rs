// Every form of `#[recover]` on `async fn`, polled without an executor: `Panic::catch_async`
// needs none. A panic in a later poll (after a `Pending`) is caught too.
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use steadfast::{recover, Panic};

/// Polls `future` to completion with a no-op waker (every future here wakes itself).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Pending once, then ready.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|_| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            Poll::Pending
        }
    })
    .await
}

#[derive(Debug)]
struct Error(String);

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error(panic.message().to_owned())
    }
}

#[recover]
async fn parse(src: &str) -> Result<u32, Error> {
    yield_now().await;
    if src.is_empty() {
        return Err(Error("empty".into()));
    }
    let n: u32 = src.parse().map_err(|_| Error("not a number".into()))?;
    assert!(n != 13, "unlucky");
    Ok(n)
}

#[recover(default)]
async fn score(values: &[u32], index: usize) -> u32 {
    yield_now().await;
    values[index]
}

#[recover(with = |panic: Panic| format!("fallback: {}", panic.message()))]
async fn render(page: String) -> String {
    #![allow(unused_variables)]
    let unused = 1;
    yield_now().await;
    assert!(!page.is_empty(), "empty page");
    format!("<p>{page}</p>")
}

// A body whose tail coerces to the declared type, as in a plain `async fn`.
#[recover(with = |_| Box::new(0))]
async fn boxed() -> Box<dyn std::fmt::Debug> {
    Box::new("value")
}

fn main() {
    assert_eq!(block_on(parse("7")).unwrap(), 7);
    assert_eq!(block_on(parse("")).unwrap_err().0, "empty");
    assert_eq!(block_on(parse("x")).unwrap_err().0, "not a number");
    assert_eq!(block_on(parse("13")).unwrap_err().0, "unlucky");
    assert_eq!(block_on(score(&[4, 5], 1)), 5);
    assert_eq!(block_on(score(&[4, 5], 9)), 0);
    assert_eq!(block_on(render("hi".into())), "<p>hi</p>");
    assert_eq!(block_on(render(String::new())), "fallback: empty page");
    assert_eq!(format!("{:?}", block_on(boxed())), "\"value\"");
}
