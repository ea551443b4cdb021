//! `#[retry]` against a real server: a loopback TCP server (port 0, so tests never clash)
//! that drops or refuses its first connections and then answers, and clients, async on tokio
//! and sync on `std::net`, that get through and open exactly as many connections as needed.
//!
//! The protocol is one line each way: the client sends `GET <path>\n`; the server answers
//! `OK <body>\n`, or `ERR <status>\n`, or closes the connection without a word. Every loop
//! is bounded and every read has a limit, so a broken build fails instead of hanging.

use std::io::{self, BufRead, BufReader as StdBufReader, Write};
use std::net::{SocketAddr, TcpListener as StdTcpListener, TcpStream as StdTcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use steadfast::{retry, Attempt, Timeout};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How the server treats one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Closes it at once, reading nothing.
    Drop,
    /// Reads the request and answers `ERR <status>`.
    Error(u16),
    /// Reads nothing and says nothing; waits for the client to close it.
    Hang,
    /// Reads the request and answers `OK <path> from connection <n>`.
    Ok,
}

/// What the server saw.
#[derive(Debug, Default)]
struct Seen {
    connections: AtomicU32,
    /// Connections of `Answer::Hang` that the client closed.
    closed_by_client: AtomicU32,
}

/// Serves the connections of `script` in order, the last answer for any after it, up to
/// `limit` connections in all.
async fn serve(listener: TcpListener, script: Vec<Answer>, limit: u32, seen: Arc<Seen>) {
    for n in 1..=limit {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        seen.connections.fetch_add(1, Ordering::SeqCst);
        let answer = *script
            .get(n as usize - 1)
            .or(script.last())
            .unwrap_or(&Answer::Ok);
        let seen = Arc::clone(&seen);
        // One connection at a time, so the count is final when a client has its answer.
        answer_one(stream, answer, n, &seen).await;
    }
}

async fn answer_one(stream: TcpStream, answer: Answer, n: u32, seen: &Seen) {
    let mut stream = BufReader::new(stream);
    match answer {
        Answer::Drop => drop(stream),
        Answer::Hang => {
            // Until the client closes its side (a cancelled attempt), at most 5 s.
            let mut buf = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(5), async {
                // The request line, then EOF.
                stream.read_to_end(&mut buf).await
            })
            .await;
            if let Ok(Ok(_)) = read {
                seen.closed_by_client.fetch_add(1, Ordering::SeqCst);
            }
        }
        Answer::Error(status) => {
            let _ = read_request(&mut stream).await;
            let _ = stream.write_all(format!("ERR {status}\n").as_bytes()).await;
        }
        Answer::Ok => {
            let path = read_request(&mut stream).await.unwrap_or_default();
            let reply = format!("OK {path} from connection {n}\n");
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    }
}

async fn read_request(stream: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    Ok(line.trim_end().trim_start_matches("GET ").to_string())
}

/// A server on a fresh loopback port, running as a task aborted when the guard drops.
struct Server {
    addr: SocketAddr,
    seen: Arc<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(script: Vec<Answer>, limit: u32) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Seen::default());
        let task = tokio::spawn(serve(listener, script, limit, Arc::clone(&seen)));
        Server { addr, seen, task }
    }

    fn connections(&self) -> u32 {
        self.seen.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// ---------------------------------------------------------------------------------------
// The async client

#[derive(Debug)]
enum ClientError {
    Io(io::Error),
    /// The server closed the connection without answering.
    Closed,
    /// The server answered `ERR <status>`.
    Status(u16),
    TimedOut(Timeout),
}

impl From<io::Error> for ClientError {
    fn from(error: io::Error) -> Self {
        ClientError::Io(error)
    }
}

impl From<Timeout> for ClientError {
    fn from(timeout: Timeout) -> Self {
        ClientError::TimedOut(timeout)
    }
}

/// Server errors (5xx), closed connections and I/O errors are worth another try.
fn is_transient(error: &ClientError) -> bool {
    match error {
        ClientError::Status(status) => *status >= 500,
        _ => true,
    }
}

/// Parses one reply line.
fn reply(line: &str) -> Result<String, ClientError> {
    let line = line.trim_end();
    if line.is_empty() {
        return Err(ClientError::Closed);
    }
    if let Some(body) = line.strip_prefix("OK ") {
        return Ok(body.to_string());
    }
    let status = line
        .strip_prefix("ERR ")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Err(ClientError::Status(status))
}

#[retry(attempts = 5, backoff = "fixed", delay = "10ms", jitter = "none")]
async fn get(addr: SocketAddr, path: &str) -> Result<String, ClientError> {
    let mut stream = BufReader::new(TcpStream::connect(addr).await?);
    stream.write_all(format!("GET {path}\n").as_bytes()).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    reply(&line)
}

thread_local! {
    static RETRIED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn note_retry(a: &Attempt<'_, ClientError>) {
    let error = match a.error() {
        ClientError::Status(status) => format!("status {status}"),
        // A connection closed unread may show up as a reset instead of an end of stream.
        ClientError::Closed => "closed".to_string(),
        ClientError::Io(e) if e.kind() == io::ErrorKind::ConnectionReset => "closed".to_string(),
        ClientError::Io(e) => format!("io: {e}"),
        ClientError::TimedOut(t) if t.is_attempt_timeout() => "attempt timed out".to_string(),
        ClientError::TimedOut(t) => format!("{t}"),
    };
    RETRIED.with_borrow_mut(|r| r.push(format!("{}: {error}", a.number())));
}

fn take_retried() -> Vec<String> {
    RETRIED.with_borrow_mut(std::mem::take)
}

#[retry(
    attempts = 5,
    backoff = "fixed",
    delay = "10ms",
    jitter = "none",
    when = is_transient,
    on_retry = note_retry
)]
async fn get_checked(addr: SocketAddr, path: &str) -> Result<String, ClientError> {
    get_once(addr, path).await
}

#[retry(attempts = 5, backoff = "fixed", delay = "10ms", jitter = "none", attempt_timeout = "200ms", on_retry = note_retry)]
async fn get_with_attempt_timeout(addr: SocketAddr, path: &str) -> Result<String, ClientError> {
    get_once(addr, path).await
}

/// One request, no retries.
async fn get_once(addr: SocketAddr, path: &str) -> Result<String, ClientError> {
    let mut stream = BufReader::new(TcpStream::connect(addr).await?);
    stream.write_all(format!("GET {path}\n").as_bytes()).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    reply(&line)
}

#[tokio::test]
async fn an_async_client_gets_through_a_server_that_drops_its_first_connections() {
    for failures in 0..=3 {
        let mut script = vec![Answer::Drop; failures];
        script.push(Answer::Ok);
        let server = Server::start(script, 10).await;
        let body = get(server.addr, "/status").await.unwrap();
        let n = failures + 1;
        assert_eq!(body, format!("/status from connection {n}"));
        assert_eq!(server.connections(), n as u32, "{failures} failures");
    }
}

#[tokio::test]
async fn an_async_client_gets_through_a_server_that_answers_errors_first() {
    take_retried();
    let script = vec![
        Answer::Error(503),
        Answer::Drop,
        Answer::Error(500),
        Answer::Ok,
    ];
    let server = Server::start(script, 10).await;
    let body = get_checked(server.addr, "/orders").await.unwrap();
    assert_eq!(body, "/orders from connection 4");
    assert_eq!(server.connections(), 4);
    assert_eq!(
        take_retried(),
        ["1: status 503", "2: closed", "3: status 500"]
    );
}

#[tokio::test]
async fn an_async_client_gives_up_after_its_attempts() {
    let server = Server::start(vec![Answer::Error(503)], 10).await;
    let error = get(server.addr, "/x").await.unwrap_err();
    assert!(matches!(error, ClientError::Status(503)), "{error:?}");
    assert_eq!(server.connections(), 5);
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    take_retried();
    let server = Server::start(vec![Answer::Error(503), Answer::Error(404)], 10).await;
    let error = get_checked(server.addr, "/missing").await.unwrap_err();
    assert!(matches!(error, ClientError::Status(404)), "{error:?}");
    assert_eq!(server.connections(), 2);
    assert_eq!(take_retried(), ["1: status 503"]);
}

#[tokio::test]
async fn attempt_timeout_gives_up_on_a_hung_connection_and_closes_it() {
    take_retried();
    let server = Server::start(vec![Answer::Hang, Answer::Ok], 10).await;
    let body = get_with_attempt_timeout(server.addr, "/slow")
        .await
        .unwrap();
    // The server saw the cancelled attempt close its connection (the socket was dropped
    // with the attempt). The server handles one connection at a time, so the close was seen
    // before the second connection was answered.
    assert_eq!(server.seen.closed_by_client.load(Ordering::SeqCst), 1);
    // Real sockets need the real clock (a paused one jumps to the next timer whenever the
    // runtime has nothing ready, even while real I/O is in flight), so nothing here counts
    // on how long an attempt takes: on a loaded machine a later attempt could also run past its 200 ms and be
    // retried. Whichever connection answered, every attempt before it timed out.
    let answered = server.connections();
    assert_eq!(body, format!("/slow from connection {answered}"));
    let timed_out: Vec<String> = (1..answered)
        .map(|n| format!("{n}: attempt timed out"))
        .collect();
    assert_eq!(take_retried(), timed_out);
    assert!(answered >= 2, "the hung connection cannot answer");
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_listens() {
    // Reserve a port, then close it: connecting is refused until the server binds it again.
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let attempts = AtomicU32::new(0);
    let server = Mutex::new(None);
    let body = refused_then_served(addr, &attempts, &server).await.unwrap();
    assert_eq!(body, "/late from connection 1");
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    let server = server.lock().unwrap().take().unwrap();
    assert_eq!(server.connections(), 1);
}

/// Attempts 1 and 2 find nothing listening; before attempt 3 the server binds the port.
#[retry(attempts = 5, backoff = "fixed", delay = "10ms", jitter = "none")]
async fn refused_then_served(
    addr: SocketAddr,
    attempts: &AtomicU32,
    server: &Mutex<Option<Server>>,
) -> Result<String, ClientError> {
    let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    if n == 3 {
        let listener = match TcpListener::bind(addr).await {
            Ok(listener) => listener,
            // Taken by someone else meanwhile: nothing to test on this machine.
            Err(error) => return Err(ClientError::Io(error)),
        };
        let seen = Arc::new(Seen::default());
        let task = tokio::spawn(serve(listener, vec![Answer::Ok], 1, Arc::clone(&seen)));
        *server.lock().unwrap() = Some(Server { addr, seen, task });
    }
    match get_once(addr, "/late").await {
        Err(ClientError::Io(e)) if n < 3 => {
            assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused, "attempt {n}");
            Err(ClientError::Io(e))
        }
        other => other,
    }
}

// ---------------------------------------------------------------------------------------
// The sync client, on std::net

/// Serves `script` on a thread, one connection at a time, `limit` connections at most.
fn serve_blocking(script: Vec<Answer>, limit: usize) -> (SocketAddr, Arc<Seen>) {
    let listener = StdTcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let counted = Arc::clone(&seen);
    // Not joined: after its `limit` connections it ends by itself, and a failing test must
    // not wait for it.
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().take(limit).enumerate() {
            let Ok(mut stream) = stream else { continue };
            counted.connections.fetch_add(1, Ordering::SeqCst);
            let answer = *script.get(i).or(script.last()).unwrap_or(&Answer::Ok);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = String::new();
            match answer {
                Answer::Drop | Answer::Hang => drop(stream),
                Answer::Error(status) => {
                    let mut reader = StdBufReader::new(&stream);
                    let _ = reader.read_line(&mut request);
                    let _ = writeln!(stream, "ERR {status}");
                }
                Answer::Ok => {
                    let mut reader = StdBufReader::new(&stream);
                    let _ = reader.read_line(&mut request);
                    let path = request.trim_end().trim_start_matches("GET ");
                    let _ = writeln!(stream, "OK {path} from connection {}", i + 1);
                }
            }
        }
    });
    (addr, seen)
}

#[retry(attempts = 5, backoff = "fixed", delay = "10ms", jitter = "none")]
fn get_blocking(addr: SocketAddr, path: &str) -> io::Result<String> {
    let mut stream = StdTcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    writeln!(stream, "GET {path}")?;
    let mut line = String::new();
    StdBufReader::new(&stream).read_line(&mut line)?;
    match reply(&line) {
        Ok(body) => Ok(body),
        Err(error) => Err(io::Error::other(format!("{error:?}"))),
    }
}

#[test]
fn a_sync_client_gets_through_a_server_that_fails_its_first_connections() {
    for failures in 0..=3 {
        let mut script = vec![Answer::Drop, Answer::Error(503), Answer::Drop][..failures].to_vec();
        script.push(Answer::Ok);
        let (addr, seen) = serve_blocking(script, failures + 1);
        let body = get_blocking(addr, "/health").unwrap();
        let n = failures + 1;
        assert_eq!(body, format!("/health from connection {n}"));
        assert_eq!(
            seen.connections.load(Ordering::SeqCst),
            n as u32,
            "{failures} failures"
        );
    }
}

#[test]
fn a_sync_client_gives_up_after_its_attempts() {
    let (addr, seen) = serve_blocking(vec![Answer::Error(503)], 5);
    let error = get_blocking(addr, "/down").unwrap_err();
    assert_eq!(error.to_string(), "Status(503)");
    assert_eq!(seen.connections.load(Ordering::SeqCst), 5);
}
