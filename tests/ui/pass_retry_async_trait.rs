// `#[retry]` on an `async fn` in a trait impl (native async fn in traits), and on an `async
// fn` with a default body in the trait itself.
use steadfast::{retry, Timeout};

#[derive(Debug, PartialEq)]
enum Error {
    Busy(u32),
    TimedOut,
}

impl From<Timeout> for Error {
    fn from(_: Timeout) -> Self {
        Error::TimedOut
    }
}

trait Service {
    async fn call(&mut self, request: String) -> Result<usize, Error>;

    #[retry(attempts = 2, backoff = "none")]
    async fn ping(&self) -> Result<(), String> {
        Ok(())
    }
}

struct Flaky {
    calls: u32,
}

impl Service for Flaky {
    #[retry(attempts = 3, delay = "1ms", attempt_timeout = "1s")]
    async fn call(&mut self, request: String) -> Result<usize, Error> {
        self.calls += 1;
        if self.calls < 3 {
            return Err(Error::Busy(self.calls));
        }
        Ok(request.len())
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut service = Flaky { calls: 0 };
        assert_eq!(service.call("hello".to_string()).await, Ok(5));
        assert_eq!(service.calls, 3);
        service.calls = 10;
        assert_eq!(service.call(String::new()).await, Ok(0));
        assert_eq!(service.ping().await, Ok(()));
        let _ = Error::TimedOut;
    });
}
