//! A flaky server and a client that gets through anyway.
//!
//! The server, on a loopback port, answers its first two requests with `503` and the third
//! with `200`. The client is an ordinary `async fn` with `#[retry]` on it: it logs each
//! retry (which attempt failed, why, and how long it waits) and prints the response.
//!
//! ```text
//! cargo run --example flaky_server
//! ```
//!
//! It runs on tokio's paused clock: the sleeps between attempts take no real time, and
//! `main` checks that the client slept exactly the schedule and that the server answered
//! three requests. The sockets are real, so their I/O takes real time, but no timer is
//! pending while it does (the client has no `attempt_timeout`): a paused clock jumps to the
//! next timer whenever the runtime has nothing ready to run, and could fire such a deadline
//! while a reply is still on its way. A client facing a real network sets one, on the real
//! clock, as `cookbook_client.rs` does.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use steadfast::{retry, Attempt};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// What can go wrong with one request.
#[derive(Debug)]
enum FetchError {
    /// Connecting, writing or reading failed.
    Io(io::Error),
    /// The server answered, but not with `200`.
    Status(u16, String),
    /// The server closed the connection or sent something that is not a status line.
    BadReply(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Io(e) => write!(f, "I/O error: {e}"),
            FetchError::Status(code, reason) => write!(f, "server answered {code} ({reason})"),
            FetchError::BadReply(line) => write!(f, "bad reply {line:?}"),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<io::Error> for FetchError {
    fn from(e: io::Error) -> Self {
        FetchError::Io(e)
    }
}

// ANCHOR: flaky_client
/// Called by `#[retry]` after each failed attempt, before it sleeps.
fn log_retry(attempt: &Attempt<'_, FetchError>) {
    println!(
        "client: attempt {} of {} failed: {}; retrying in {:?}",
        attempt.number(),
        attempt.max_attempts(),
        attempt.error(),
        attempt.next_delay(),
    );
}

/// Sends `GET <path>` and returns the body of a `200` answer.
///
/// Up to 4 attempts, 20 ms then 40 ms then 80 ms apart. `?` and `return` end one attempt,
/// not the whole call.
#[retry(
    attempts = 4,
    backoff = "exp",
    delay = "20ms",
    jitter = "none",
    on_retry = log_retry
)]
async fn fetch(addr: SocketAddr, path: &str) -> Result<String, FetchError> {
    let mut stream = BufReader::new(TcpStream::connect(addr).await?);
    stream.write_all(format!("GET {path}\n").as_bytes()).await?;

    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let line = line.trim_end();
    let Some((code, rest)) = line.split_once(' ') else {
        return Err(FetchError::BadReply(line.to_string()));
    };
    match code.parse::<u16>() {
        Ok(200) => Ok(rest.to_string()),
        Ok(code) => Err(FetchError::Status(code, rest.to_string())),
        Err(_) => Err(FetchError::BadReply(line.to_string())),
    }
}
// ANCHOR_END: flaky_client

/// Answers `connections` requests, one at a time: `503` to the first `failures`, then `200`.
/// Returns the replies it sent.
async fn serve(
    listener: TcpListener,
    failures: u32,
    connections: u32,
) -> io::Result<Vec<&'static str>> {
    let mut replies = Vec::new();
    for n in 1..=connections {
        let (stream, _) = listener.accept().await?;
        let mut stream = BufReader::new(stream);
        let mut request = String::new();
        stream.read_line(&mut request).await?;
        let reply = if n <= failures {
            "503 warming up"
        } else {
            "200 hello from a steadfast server"
        };
        println!("server: request {n}: {} -> {reply}", request.trim_end());
        stream.write_all(format!("{reply}\n").as_bytes()).await?;
        replies.push(reply);
    }
    Ok(replies)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("server: listening on {addr}; the first 2 requests will fail");
    let server = tokio::spawn(serve(listener, 2, 3));

    let started = Instant::now();
    let body = fetch(addr, "/greeting").await?;
    let slept = started.elapsed();
    println!("client: got {body:?} after sleeping {slept:?} on tokio's clock");
    assert_eq!(body, "hello from a steadfast server");
    // Two retries, 20 ms then 40 ms after a failure; the real I/O takes no time on this clock.
    assert_eq!(slept, Duration::from_millis(20 + 40));

    // The server stops after its third request; wait for it, so nothing is left running.
    let replies = server.await??;
    let warming_up = "503 warming up";
    assert_eq!(
        replies,
        [warming_up, warming_up, "200 hello from a steadfast server"]
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs() {
        super::main().expect("the demo runs");
    }
}
