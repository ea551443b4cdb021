// `#[recover]` on methods taking `&self` and `&mut self`, sync and async, in every form;
// a panic after a write through `&mut self` leaves that write in place.
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use steadfast::{recover, Panic};

fn block_on<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("these futures never wait"),
    }
}

#[derive(Debug, PartialEq)]
enum Error {
    Panicked(String),
}

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error::Panicked(panic.message().to_owned())
    }
}

struct Counter {
    calls: u32,
}

impl Counter {
    fn on_panic(_: Panic) -> u32 {
        u32::MAX
    }

    #[recover]
    fn bump(&mut self, limit: u32) -> Result<u32, Error> {
        self.calls += 1;
        assert!(self.calls <= limit, "over the limit");
        Ok(self.calls)
    }

    #[recover(default)]
    fn peek(&self, offset: u32) -> u32 {
        self.calls.checked_add(offset).expect("overflow")
    }

    #[recover(with = Self::on_panic)]
    fn div(&self, by: u32) -> u32 {
        self.calls / by
    }

    #[recover]
    async fn bump_async(&mut self, limit: u32) -> Result<u32, Error> {
        self.calls += 1;
        assert!(self.calls <= limit, "over the limit");
        Ok(self.calls)
    }

    #[recover(default)]
    async fn peek_async(&self, offset: u32) -> u32 {
        self.calls.checked_add(offset).expect("overflow")
    }

    #[recover(with = |_| 7)]
    pub(crate) async fn reset(&mut self, to: Option<u32>) -> u32 {
        self.calls = to.expect("nothing to reset to");
        self.calls
    }
}

fn main() {
    let mut counter = Counter { calls: 0 };
    assert_eq!(counter.bump(1), Ok(1));
    assert_eq!(
        counter.bump(1),
        Err(Error::Panicked("over the limit".into()))
    );
    assert_eq!(counter.calls, 2);
    assert_eq!(counter.peek(1), 3);
    assert_eq!(counter.peek(u32::MAX), 0);
    assert_eq!(counter.div(2), 1);
    assert_eq!(counter.div(0), u32::MAX);
    assert_eq!(block_on(counter.bump_async(3)), Ok(3));
    assert_eq!(
        block_on(counter.bump_async(3)),
        Err(Error::Panicked("over the limit".into()))
    );
    assert_eq!(block_on(counter.peek_async(1)), 5);
    assert_eq!(block_on(counter.peek_async(u32::MAX)), 0);
    assert_eq!(block_on(counter.reset(Some(2))), 2);
    assert_eq!(block_on(counter.reset(None)), 7);
}
