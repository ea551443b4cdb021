//! Cookbook: a TCP client with retries, per-attempt deadlines and per-attempt cleanup,
//! against a misbehaving server on the loopback interface.
//!
//! Run it with `cargo run --example cookbook_client`. Real sockets need the real clock, so
//! the delays are kept to tens of milliseconds.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};

use steadfast::task::spawn_guarded;
use steadfast::{defer, retry, Attempt, Timeout};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

// ANCHOR: server
/// Hangs up on the first connection, never answers the second, and answers `pong` to every
/// later one.
async fn flaky_server(listener: TcpListener) {
    let mut silent = Vec::new(); // connections held open without an answer
    for n in 1.. {
        let Ok((socket, _)) = listener.accept().await else {
            return;
        };
        let (read, mut write) = socket.into_split();
        let mut request = String::new();
        let mut read = BufReader::new(read);
        if read.read_line(&mut request).await.is_err() {
            continue;
        }
        match n {
            1 => {} // dropped here: the client reads end-of-file
            2 => silent.push((read, write)),
            _ => {
                let _ = write.write_all(b"pong\n").await;
            }
        }
    }
}
// ANCHOR_END: server

// ANCHOR: client
#[derive(Debug)]
enum ClientError {
    Io(std::io::ErrorKind),
    HungUp,
    BadReply(String),
    TimedOut(Timeout),
}

impl From<std::io::Error> for ClientError {
    fn from(error: std::io::Error) -> Self {
        ClientError::Io(error.kind())
    }
}

impl From<Timeout> for ClientError {
    fn from(timeout: Timeout) -> Self {
        ClientError::TimedOut(timeout)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(kind) => write!(f, "I/O error: {kind}"),
            ClientError::HungUp => write!(f, "the server hung up without an answer"),
            ClientError::BadReply(reply) => write!(f, "unexpected reply {reply:?}"),
            ClientError::TimedOut(timeout) => write!(f, "{timeout}"),
        }
    }
}

/// A reply we do not understand will not improve with retries.
fn is_transient(error: &ClientError) -> bool {
    !matches!(error, ClientError::BadReply(_))
}

fn log_retry(attempt: &Attempt<'_, ClientError>) {
    println!(
        "  attempt {} failed: {}; next in {:?}",
        attempt.number(),
        attempt.error(),
        attempt.next_delay()
    );
}

#[retry(attempts = 5, backoff = "exp", delay = "20ms", jitter = "none",
        attempt_timeout = "200ms", timeout = "5s",
        when = is_transient, on_retry = log_retry)]
async fn ping(addr: SocketAddr, attempts: &AtomicU32) -> Result<String, ClientError> {
    let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    let stream = TcpStream::connect(addr).await?;
    // Runs when this attempt ends: with an answer, an error, or cancelled by its deadline.
    defer! { println!("  attempt {n}: connection closed"); }
    let (read, mut write) = stream.into_split(); // declared after the defer: dropped before it
    write.write_all(b"ping\n").await?;
    let mut reply = String::new();
    if BufReader::new(read).read_line(&mut reply).await? == 0 {
        return Err(ClientError::HungUp);
    }
    match reply.trim() {
        "pong" => Ok("pong".to_string()),
        other => Err(ClientError::BadReply(other.to_string())),
    }
}
// ANCHOR_END: client

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        // ANCHOR: main
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the port's address");
        let _server = spawn_guarded(flaky_server(listener)); // stops when `main` returns

        println!("a flaky server:");
        let attempts = AtomicU32::new(0);
        let reply = ping(addr, &attempts).await;
        println!(
            "  -> {reply:?} after {} attempts",
            attempts.load(Ordering::SeqCst)
        );
        assert_eq!(reply.ok().as_deref(), Some("pong"));

        println!("a server that is down:");
        let closed = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let down = closed.local_addr().expect("the port's address");
        drop(closed); // nothing listens there any more
        let attempts = AtomicU32::new(0);
        match ping(down, &attempts).await {
            Ok(reply) => panic!("nothing should answer, got {reply}"),
            Err(error) => println!(
                "  -> {error} after {} attempts",
                attempts.load(Ordering::SeqCst)
            ),
        }
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
