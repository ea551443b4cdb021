//! Cookbook: HTTP status retries, as reqwest users write them.
//!
//! A service that wants its clients to come back later answers `503 Service Unavailable` or
//! `429 Too Many Requests`, often with a `Retry-After` header saying when. reqwest hands such
//! an answer back as `Ok(Response)`. This example retries it in two ways: as a value
//! (`when_ok`), and as an error that carries the server's delay (`retry_after`); then it sends
//! the attempt's number in a header (`attempt_number`) beside an idempotency key.
//!
//! Run it with `cargo run --example cookbook_http_status`. There is no network: the client
//! talks to a scripted stand-in server, and every sleep runs on a virtual clock
//! (`steadfast::time::pause()` for the blocking calls, tokio's paused clock for the async
//! one), so the delays take no time and `main` checks them to the millisecond.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use steadfast::{retry, Attempt, Timeout};

// ANCHOR: stand_in
/// A response: its status and headers (reqwest's `status()` and `headers()`).
#[derive(Debug, Clone, PartialEq)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
}

/// A request: what the server sees of it.
#[derive(Debug, Clone, PartialEq)]
struct Request {
    method: &'static str,
    path: &'static str,
    headers: Vec<(String, String)>,
}

/// A header's first value; names are case-insensitive, as in HTTP.
fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    let mut values = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    values.next().map(|(_, value)| value.as_str())
}

impl Response {
    fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
        }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

impl Request {
    fn new(method: &'static str, path: &'static str, headers: &[(&str, &str)]) -> Self {
        let headers = headers.iter().map(|&(n, v)| (n.into(), v.into())).collect();
        Request {
            method,
            path,
            headers,
        }
    }
}

/// A scripted server: it answers each request with the next response of its script and
/// keeps every request it was sent.
struct Server {
    script: RefCell<VecDeque<Response>>,
    received: RefCell<Vec<Request>>,
}

impl Server {
    fn new(script: impl IntoIterator<Item = Response>) -> Self {
        Server {
            script: RefCell::new(script.into_iter().collect()),
            received: RefCell::new(Vec::new()),
        }
    }

    fn handle(&self, request: Request) -> Response {
        self.received.borrow_mut().push(request);
        let next = self.script.borrow_mut().pop_front();
        next.expect("the script has a response for every request")
    }

    fn received(&self) -> Vec<Request> {
        self.received.borrow().clone()
    }
}

/// reqwest's `Client`, with the network replaced by a [`Server`] and the wall clock given
/// (`SystemTime::now` in a service), so that `Retry-After` dates are read against it.
struct Client<'s> {
    server: &'s Server,
    wall_clock: fn() -> SystemTime,
}

impl Client<'_> {
    /// Sends a request: blocking, as `reqwest::blocking::Client::execute`.
    fn execute(&self, request: Request) -> Result<Response, Error> {
        Ok(self.server.handle(request))
    }

    /// Sends a request: async, as `reqwest::Client::execute` (a real one awaits the network).
    async fn execute_async(&self, request: Request) -> Result<Response, Error> {
        self.execute(request)
    }

    fn now(&self) -> SystemTime {
        (self.wall_clock)()
    }
}
// ANCHOR_END: stand_in

// ANCHOR: error
#[derive(Debug, Clone, PartialEq)]
enum Error {
    /// A status of 400 or more, made an error as reqwest's `error_for_status` does, with the
    /// delay the response's `Retry-After` asked for.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The retry policy's `timeout` passed.
    Timeout(Timeout),
}

impl Error {
    /// 503 (the server cannot answer for now) and 429 (this client sends too much) say "come
    /// back later". Other statuses do not change on a retry (4xx), or may mean the server did
    /// some of the work before it failed (500), which only an idempotent request may repeat.
    fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Status {
                status: 429 | 503,
                ..
            }
        )
    }

    /// The delay the server asked for, which replaces the schedule's for the next sleep.
    fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Status { retry_after, .. } => *retry_after,
            Error::Timeout(_) => None,
        }
    }
}

impl From<Timeout> for Error {
    fn from(timeout: Timeout) -> Self {
        Error::Timeout(timeout)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Status {
                status,
                retry_after: None,
            } => write!(f, "HTTP {status}"),
            Error::Status {
                status,
                retry_after: Some(delay),
            } => write!(f, "HTTP {status}, Retry-After {delay:?}"),
            Error::Timeout(timeout) => write!(f, "{timeout}"),
        }
    }
}

/// reqwest's `Response::error_for_status`, keeping what `Retry-After` asks for.
fn error_for_status(response: Response, now: SystemTime) -> Result<Response, Error> {
    if response.status < 400 {
        return Ok(response);
    }
    let retry_after = header(&response.headers, "Retry-After");
    Err(Error::Status {
        status: response.status,
        retry_after: retry_after.and_then(|value| parse_retry_after(value, now)),
    })
}
// ANCHOR_END: error

// ANCHOR: retry_after_header
/// How long a `Retry-After` value asks to wait, from `now`: delay-seconds (`120`) or an
/// HTTP-date in its one current form, IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`). A date
/// already past asks for no wait; anything else is not a `Retry-After` value (`None`).
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok().map(Duration::from_secs);
    }
    let at = parse_imf_fixdate(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Wed, 21 Oct 2015 07:28:00 GMT` (RFC 9110, section 5.6.7), exactly: the day name must
/// be the date's, the date must exist, and the time must be one (a leap second, `:60`, is
/// allowed). Dates before 1970 are `None`: as a `Retry-After`, they are long past anyway.
fn parse_imf_fixdate(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let shape = b"Ddd, 00 Mmm 0000 00:00:00 GMT";
    let fits = |(&b, &s): (&u8, &u8)| match s {
        b'0' => b.is_ascii_digit(),
        b'D' | b'M' => b.is_ascii_uppercase(),
        b'd' | b'm' => b.is_ascii_lowercase(),
        _ => b == s,
    };
    if bytes.len() != shape.len() || !bytes.iter().zip(shape).all(fits) {
        return None;
    }
    let number = |at: usize, len: usize| text[at..at + len].parse::<u32>().ok();
    let day_name = DAY_NAMES.iter().position(|&name| name == &text[0..3])?;
    let (day, year) = (number(5, 2)?, number(12, 4)?);
    let month = MONTHS.iter().position(|&name| name == &text[8..11])? as u32 + 1;
    let (hour, minute, second) = (number(17, 2)?, number(20, 2)?, number(23, 2)?);
    if day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // 1970-01-01 was a Thursday, the fourth day of the week counted from Monday.
    if days < 0 || (days + 3) % 7 != day_name as i64 {
        return None;
    }
    let seconds = days as u64 * 86_400 + u64::from(hour * 3600 + minute * 60 + second);
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

fn is_leap_year(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`): years are counted from March, so that February, with its leap day,
/// ends each one, and 400-year eras repeat exactly.
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400; // 0..=399
    let month_from_march = i64::from((month + 9) % 12); // March is 0, February 11
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
// ANCHOR_END: retry_after_header

// ANCHOR: log
thread_local! {
    /// What the `on_retry` hook said, for `main` to check.
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The `on_retry` hook of every policy here (a service would emit a `tracing::warn!`).
fn log_retry(attempt: &Attempt<'_, Error>) {
    let outcome = if attempt.is_value_retry() {
        // An `Ok` value that `when_ok` retried: there is no error (`attempt.error()` panics).
        assert!(attempt.err().is_none());
        "Ok(Response) retried by when_ok".to_string()
    } else {
        format!("Err({})", attempt.error())
    };
    let (number, delay) = (attempt.number(), attempt.next_delay());
    let line = format!("  attempt {number}: {outcome}; next in {delay:?}");
    println!("{line}");
    LOG.with_borrow_mut(|log| log.push(line));
}

fn take_log() -> Vec<String> {
    LOG.with_borrow_mut(std::mem::take)
}
// ANCHOR_END: log

// ANCHOR: when_ok
/// 503 and 429 answers are retried as they are: the caller gets a `Response` either way,
/// the last one if the retries run out, and reads its status itself.
#[retry(attempts = 3, backoff = "exp", delay = "100ms", jitter = "none",
        when_ok = |r: &Response| r.status == 503 || r.status == 429,
        on_retry = log_retry)]
fn get_orders(client: &Client<'_>) -> Result<Response, Error> {
    client.execute(Request::new("GET", "/orders", &[]))
}
// ANCHOR_END: when_ok

// ANCHOR: error_for_status
/// 503 and 429 answers become errors that carry their `Retry-After`, which the policy
/// sleeps instead of its schedule; the deadline is never slept into.
#[retry(attempts = 4, backoff = "exp", delay = "100ms", jitter = "none", timeout = "30s",
        when = Error::is_transient, retry_after = Error::retry_after,
        on_retry = log_retry)]
fn get_orders_honouring_retry_after(client: &Client<'_>) -> Result<Response, Error> {
    let response = client.execute(Request::new("GET", "/orders", &[]))?;
    error_for_status(response, client.now())
}
// ANCHOR_END: error_for_status

// ANCHOR: attempt_number
/// Creating an order is not idempotent: a server may take it and fail before it answers. So
/// every attempt sends the same `Idempotency-Key` (the server acts once per key), and
/// `X-Attempt: n` for the server's logs.
#[retry(attempts = 3, backoff = "exp", delay = "100ms", jitter = "none", timeout = "30s",
        when = Error::is_transient, retry_after = Error::retry_after,
        on_retry = log_retry, attempt_number = n)]
async fn create_order(client: &Client<'_>, key: &str) -> Result<Response, Error> {
    let attempt = n.to_string();
    let headers = [("Idempotency-Key", key), ("X-Attempt", &attempt)];
    let request = Request::new("POST", "/orders", &headers);
    let response = client.execute_async(request).await?;
    error_for_status(response, client.now())
}
// ANCHOR_END: attempt_number

/// The wall clock of this example: Wed, 21 Oct 2015 07:27:58 GMT, standing still.
fn example_wall_clock() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_445_412_478)
}

fn client(server: &Server) -> Client<'_> {
    Client {
        server,
        wall_clock: example_wall_clock,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn when_ok_keeps_the_response() {
    // ANCHOR: when_ok_main
    let clock = steadfast::time::pause(); // virtual time: sleeps are instant and exact
    println!("when_ok, a 503 that clears:");
    let server = Server::new([Response::new(503), Response::new(429), Response::new(200)]);
    let response = get_orders(&client(&server)).expect("no transport error");
    assert_eq!(response.status, 200);
    assert_eq!(clock.elapsed(), ms(100 + 200)); // the schedule: 100 ms, then 200 ms
    let retried = "Ok(Response) retried by when_ok";
    let expected = [
        format!("  attempt 1: {retried}; next in 100ms"),
        format!("  attempt 2: {retried}; next in 200ms"),
    ];
    assert_eq!(take_log(), expected);
    println!("  -> {} after {:?}", response.status, clock.elapsed());

    println!("when_ok, a 503 that does not clear:");
    let busy = |seconds| Response::new(503).with("Retry-After", seconds);
    let server = Server::new([busy("1"), busy("2"), busy("3")]);
    let before = clock.elapsed();
    let response = get_orders(&client(&server)).expect("no transport error");
    assert_eq!(response, busy("3")); // the last response, as it came
    assert_eq!(clock.elapsed() - before, ms(300)); // value retries do not read Retry-After
    assert_eq!(take_log(), expected); // the hook saw the same two value retries
    println!("  -> {response:?}");
    // ANCHOR_END: when_ok_main
}

fn errors_carry_retry_after() {
    // ANCHOR: retry_after_main
    let clock = steadfast::time::pause();
    println!("Retry-After in seconds:");
    let server = Server::new([
        Response::new(503),
        Response::new(429).with("Retry-After", "5"),
        Response::new(200),
    ]);
    let response = get_orders_honouring_retry_after(&client(&server));
    assert_eq!(response.map(|r| r.status), Ok(200));
    assert_eq!(clock.elapsed(), ms(100 + 5_000)); // the schedule's 100 ms, then the server's 5 s
    let expected = [
        "  attempt 1: Err(HTTP 503); next in 100ms",
        "  attempt 2: Err(HTTP 429, Retry-After 5s); next in 5s",
    ];
    assert_eq!(take_log(), expected);
    println!("  -> 200 after {:?}", clock.elapsed());

    println!("Retry-After as a date, two seconds after the wall clock:");
    let server = Server::new([
        Response::new(503).with("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
        Response::new(200),
    ]);
    let before = clock.elapsed();
    let response = get_orders_honouring_retry_after(&client(&server));
    assert_eq!(response.map(|r| r.status), Ok(200));
    assert_eq!(clock.elapsed() - before, ms(2_000));
    let expected = ["  attempt 1: Err(HTTP 503, Retry-After 2s); next in 2s"];
    assert_eq!(take_log(), expected);
    println!("  -> 200 after {:?}", clock.elapsed() - before);

    println!("Retry-After past the 30 s timeout:");
    let server = Server::new([Response::new(503).with("Retry-After", "120")]);
    let before = clock.elapsed();
    let error = get_orders_honouring_retry_after(&client(&server)).unwrap_err();
    let unavailable = Error::Status {
        status: 503,
        retry_after: Some(Duration::from_secs(120)),
    };
    assert_eq!(error, unavailable); // the server's answer, not a bare Timeout
    assert_eq!(clock.elapsed(), before); // returned at once: no sleep into the deadline
    assert_eq!((server.received().len(), take_log().len()), (1, 0));
    println!("  -> {error}, at once");

    println!("a 500, which `when` does not retry:");
    let server = Server::new([Response::new(500)]);
    let error = get_orders_honouring_retry_after(&client(&server)).unwrap_err();
    assert_eq!(error.to_string(), "HTTP 500");
    assert_eq!((server.received().len(), take_log().len()), (1, 0));
    println!("  -> {error}, at once");
    // ANCHOR_END: retry_after_main
}

fn every_attempt_says_its_number() {
    // ANCHOR: attempt_number_main
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true) // tokio's virtual clock, which async retries sleep on
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        println!("a POST with an idempotency key:");
        let server = Server::new([
            Response::new(503).with("Retry-After", "1"),
            Response::new(201),
        ]);
        let start = tokio::time::Instant::now();
        let response = create_order(&client(&server), "order-7f3a").await;
        assert_eq!(response.map(|r| r.status), Ok(201));
        assert_eq!(start.elapsed(), ms(1_000));
        let expected = ["  attempt 1: Err(HTTP 503, Retry-After 1s); next in 1s"];
        assert_eq!(take_log(), expected);
        for (n, request) in (1..).zip(server.received()) {
            assert_eq!((request.method, request.path), ("POST", "/orders"));
            let key = header(&request.headers, "Idempotency-Key");
            let attempt = header(&request.headers, "X-Attempt");
            assert_eq!((key, attempt), (Some("order-7f3a"), Some(&*n.to_string())));
            println!("  the server saw X-Attempt: {n}, Idempotency-Key: order-7f3a");
        }
        assert_eq!(server.received().len(), 2);
        println!("  -> 201 after {:?}", start.elapsed());
    });
    // ANCHOR_END: attempt_number_main
}

fn main() {
    when_ok_keeps_the_response();
    errors_carry_retry_after();
    every_attempt_says_its_number();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs() {
        super::main()
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn delay_seconds() {
        let now = example_wall_clock();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        for not_seconds in [
            "",
            "+5",
            "-5",
            "1.5",
            "5s",
            "1 2",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_retry_after(not_seconds, now), None, "{not_seconds:?}");
        }
    }

    #[test]
    fn http_dates() {
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_imf_fixdate(date), Some(at(1_445_412_480)));
        assert_eq!(
            parse_retry_after(date, at(1_445_412_478)),
            Some(Duration::from_secs(2))
        );
        // RFC 9110's own example, and the epoch.
        let rfc = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(parse_imf_fixdate(rfc), Some(at(784_111_777)));
        let epoch = "Thu, 01 Jan 1970 00:00:00 GMT";
        assert_eq!(parse_imf_fixdate(epoch), Some(UNIX_EPOCH));
        // A leap second reads as the next second.
        let leap_second = "Sat, 31 Dec 2016 23:59:60 GMT";
        assert_eq!(parse_imf_fixdate(leap_second), Some(at(1_483_228_800)));
    }

    #[test]
    fn a_date_in_the_past_asks_for_no_wait() {
        let now = example_wall_clock();
        let past = "Sun, 06 Nov 1994 08:49:37 GMT";
        assert_eq!(parse_retry_after(past, now), Some(Duration::ZERO));
        let a_second_ago = "Wed, 21 Oct 2015 07:27:57 GMT";
        assert_eq!(parse_retry_after(a_second_ago, now), Some(Duration::ZERO));
    }

    #[test]
    fn leap_years() {
        let leap_days = [
            ("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400), // divisible by 400
            ("Mon, 29 Feb 2016 12:00:00 GMT", 1_456_747_200),
            ("Thu, 29 Feb 2024 23:59:59 GMT", 1_709_251_199),
        ];
        for (date, seconds) in leap_days {
            assert_eq!(parse_imf_fixdate(date), Some(at(seconds)), "{date}");
        }
        // The day after a leap day, and no leap day in other years.
        let march = "Tue, 01 Mar 2016 00:00:00 GMT";
        assert_eq!(parse_imf_fixdate(march), Some(at(1_456_790_400)));
        for not_a_day in [
            "Sun, 29 Feb 2015 00:00:00 GMT",
            "Thu, 29 Feb 2100 00:00:00 GMT", // divisible by 100, not by 400
        ] {
            assert_eq!(parse_imf_fixdate(not_a_day), None, "{not_a_day}");
        }
    }

    #[test]
    fn anything_else_is_not_a_date() {
        let now = example_wall_clock();
        for garbage in [
            "soon",
            "Wed, 21 Oct 2015 07:28:00 UTC",       // not GMT
            "Wednesday, 21-Oct-15 07:28:00 GMT",   // RFC 850, obsolete
            "Wed Oct 21 07:28:00 2015",            // asctime, obsolete
            "Wed, 21 Oct 2015 07:28 GMT",          // no seconds
            "wed, 21 oct 2015 07:28:00 GMT",       // names are case-sensitive
            "Thu, 21 Oct 2015 07:28:00 GMT",       // 21 Oct 2015 was a Wednesday
            "Wed, 21 Foo 2015 07:28:00 GMT",       // no such month
            "Sat, 31 Apr 2015 07:28:00 GMT",       // no such day
            "Wed, 21 Oct 2015 24:00:00 GMT",       // no such hour
            "Wed, 21 Oct 2015 07:61:00 GMT",       // no such minute
            "Tue, 21 Oct 1969 07:28:00 GMT",       // before the epoch
            "Wed, 21 Oct 2015 07:28:00 GMT extra", // trailing text
        ] {
            assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
        }
    }
}
