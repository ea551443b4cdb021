// `#[recover]` on an `async fn` in a trait impl, and on one with a default body in the trait.
use steadfast::{recover, Panic};

#[derive(Debug, PartialEq)]
enum Error {
    Panicked(String),
}

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error::Panicked(panic.message().to_owned())
    }
}

trait Service {
    async fn call(&mut self, request: &str) -> Result<usize, Error>;

    #[recover(default)]
    async fn ping(&self) -> u32 {
        panic!("not implemented")
    }
}

struct Echo {
    calls: u32,
}

impl Service for Echo {
    #[recover]
    async fn call(&mut self, request: &str) -> Result<usize, Error> {
        self.calls += 1;
        tokio::task::yield_now().await;
        assert!(!request.is_empty(), "empty request");
        Ok(request.len())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut service = Echo { calls: 0 };
    assert_eq!(service.call("hello").await, Ok(5));
    assert_eq!(
        service.call("").await,
        Err(Error::Panicked("empty request".into()))
    );
    assert_eq!(service.calls, 2);
    assert_eq!(service.ping().await, 0);
}
