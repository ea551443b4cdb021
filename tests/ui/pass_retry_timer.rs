// Every way to pick a timer compiles: by path, by `use`, and a timer of one's own.
use std::future::{ready, Ready};
use std::time::Duration;

use steadfast::retry;
use steadfast::retry::Clock;
use steadfast::timer::{FuturesTimer, Timer};

struct Frozen;

impl Clock for Frozen {
    type Instant = ();
    fn now() {}
    fn since(_: ()) -> Duration {
        Duration::ZERO
    }
}

impl Timer for Frozen {
    type Sleep = Ready<()>;
    fn sleep(_: Duration) -> Ready<()> {
        ready(())
    }
}

#[retry(attempts = 3, timer = steadfast::timer::Tokio)]
async fn on_tokio() -> Result<(), String> {
    Ok(())
}

#[retry(attempts = 3, timeout = "1s", timer = FuturesTimer)]
async fn on_futures_timer() -> Result<(), steadfast::Timeout> {
    Ok(())
}

#[retry(attempts = 3, attempt_timeout = "1s", timer = Frozen)]
async fn on_our_own() -> Result<(), steadfast::Timeout> {
    Ok(())
}

struct Client;

impl Client {
    #[retry(attempts = 2, timer = Frozen)]
    async fn call(&mut self, name: String) -> Result<String, String> {
        Ok(name)
    }
}

fn main() {
    let _ = (on_tokio(), on_futures_timer(), on_our_own());
    let mut client = Client;
    let _ = client.call(String::new());
}
