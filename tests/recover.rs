//! `#[recover]` on sync functions and methods, and the `steadfast::Panic` it produces:
//! the three forms (`Err(E::from(panic))`, `T::default()`, `with = fallback`), bodies that
//! do not panic (early `return` and `?` included), and what a `Panic` says of the panic:
//! message, location, thread, payload, `Display`, `std::error::Error`.
#![cfg(panic = "unwind")]

use std::cell::{Cell, RefCell};
use std::fmt::{self, Display};
use std::panic::{catch_unwind, panic_any, resume_unwind, AssertUnwindSafe};

use steadfast::{defer, recover, Location, Panic};

#[derive(Debug)]
enum Error {
    Parse(String),
    Panicked(Panic),
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse(message) => write!(f, "parse error: {message}"),
            Error::Panicked(panic) => write!(f, "{panic}"),
        }
    }
}

impl From<Panic> for Error {
    fn from(panic: Panic) -> Self {
        Error::Panicked(panic)
    }
}

impl From<std::num::ParseIntError> for Error {
    fn from(error: std::num::ParseIntError) -> Self {
        Error::Parse(error.to_string())
    }
}

/// The panic inside `Err(Error::Panicked(_))`; fails the test on anything else.
fn panicked<T: fmt::Debug>(result: Result<T, Error>) -> Panic {
    match result {
        Err(Error::Panicked(panic)) => panic,
        other => panic!("expected Err(Error::Panicked(_)), got {other:?}"),
    }
}

/// What `Panic::message` says of a payload that is neither `&str` nor `String`.
///
/// The runtime names it `steadfast_runtime::NON_STRING_PAYLOAD`; the facade does not
/// re-export it, so the text itself is checked.
const NON_STRING_PAYLOAD: &str = "<panic payload that is not a string>";

// ---------------------------------------------------------------------------------------
// Bare `#[recover]`: `Err(E::from(panic))`

#[recover]
fn parse(src: &str) -> Result<u32, Error> {
    if src.is_empty() {
        return Ok(0); // an early return is the function's value
    }
    let n: u32 = src.parse()?; // so is an early `Err` from `?`
    if n == 13 {
        panic!("unlucky number");
    }
    Ok(n * 2)
}

#[test]
fn bare_recover_without_a_panic_returns_the_body_value_unchanged() {
    assert_eq!(parse("21").unwrap(), 42);
    assert_eq!(parse("").unwrap(), 0);
    match parse("x") {
        Err(Error::Parse(message)) => assert_eq!(message, "invalid digit found in string"),
        other => panic!("expected the `?` error, got {other:?}"),
    }
}

#[test]
fn bare_recover_returns_a_panic_as_err_from_panic() {
    let panic = panicked(parse("13"));
    assert_eq!(panic.message(), "unlucky number");
    // Later calls are unaffected.
    assert_eq!(parse("1").unwrap(), 2);
}

type Res<T> = Result<T, Error>;

#[recover]
fn through_an_alias(fail: bool) -> Res<&'static str> {
    if fail {
        panic!("through an alias");
    }
    Ok("fine")
}

#[test]
fn bare_recover_works_through_a_result_alias() {
    assert_eq!(through_an_alias(false).unwrap(), "fine");
    assert_eq!(
        panicked(through_an_alias(true)).message(),
        "through an alias"
    );
}

#[recover]
fn boxed_error(fail: bool) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    if fail {
        panic!("into a boxed error");
    }
    Ok(1)
}

#[test]
fn bare_recover_converts_into_a_boxed_std_error() {
    assert_eq!(boxed_error(false).unwrap(), 1);
    let error = boxed_error(true).unwrap_err();
    assert!(error.to_string().contains("into a boxed error"), "{error}");
    let panic = error
        .downcast_ref::<Panic>()
        .expect("the box holds the Panic");
    assert_eq!(panic.message(), "into a boxed error");
}

#[recover]
fn generic_error<E: From<Panic>>(fail: bool) -> Result<u32, E> {
    if fail {
        panic!("generic");
    }
    Ok(5)
}

#[test]
fn bare_recover_works_with_a_generic_error_type() {
    assert_eq!(generic_error::<Error>(false).unwrap(), 5);
    assert_eq!(panicked(generic_error::<Error>(true)).message(), "generic");
}

#[recover]
fn index(v: &[u32], i: usize) -> Result<u32, Error> {
    Ok(v[i])
}

#[test]
fn bare_recover_catches_panics_raised_by_std() {
    assert_eq!(index(&[1, 2, 3], 1).unwrap(), 2);
    let panic = panicked(index(&[1, 2, 3], 7));
    assert_eq!(
        panic.message(),
        "index out of bounds: the len is 3 but the index is 7"
    );
}

#[recover]
fn defers_run_before_recovery(log: &RefCell<Vec<&'static str>>) -> Result<(), Error> {
    defer! { log.borrow_mut().push("defer ran"); }
    log.borrow_mut().push("body");
    panic!("after the defer was set");
}

#[test]
fn a_defer_in_the_body_runs_while_the_panic_unwinds() {
    let log = RefCell::new(Vec::new());
    let panic = panicked(defers_run_before_recovery(&log));
    assert_eq!(panic.message(), "after the defer was set");
    assert_eq!(*log.borrow(), ["body", "defer ran"]);
}

// ---------------------------------------------------------------------------------------
// `#[recover(default)]`

#[recover(default)]
fn score(items: &[u32], at: usize) -> u32 {
    if items.is_empty() {
        return 1; // an early return is the function's value
    }
    items[at] * 10
}

#[test]
fn default_without_a_panic_returns_the_body_value_unchanged() {
    assert_eq!(score(&[4, 5], 1), 50);
    assert_eq!(score(&[], 0), 1);
}

#[test]
fn default_returns_the_default_after_a_panic() {
    assert_eq!(score(&[4, 5], 9), 0);
}

#[recover(default)]
fn names(fail: bool) -> Vec<String> {
    let names = vec!["a".to_string(), "b".to_string()];
    if fail {
        panic!("no names today");
    }
    names
}

#[test]
fn default_works_for_any_default_type() {
    assert_eq!(names(false), ["a", "b"]);
    assert!(names(true).is_empty());
}

#[derive(Debug, Default, PartialEq)]
struct Report {
    lines: usize,
}

#[derive(Debug, Default, PartialEq)]
enum Outcome {
    Known(Report),
    #[default]
    Unknown,
}

#[recover(default)]
fn outcome(lines: usize) -> Outcome {
    assert!(lines < 100, "too many lines: {lines}");
    Outcome::Known(Report { lines })
}

#[test]
fn default_of_an_enum_with_a_default_variant() {
    assert_eq!(outcome(3), Outcome::Known(Report { lines: 3 }));
    assert_eq!(outcome(300), Outcome::Unknown);
}

impl Default for Wrapped {
    fn default() -> Self {
        Wrapped(Err("recovered".to_string()))
    }
}

#[derive(Debug, PartialEq)]
struct Wrapped(Result<u32, String>);

#[recover(default)]
fn wrapped(n: u32) -> Wrapped {
    if n == 0 {
        panic!("zero");
    }
    Wrapped(Ok(n))
}

#[test]
fn default_of_a_newtype_over_result() {
    assert_eq!(wrapped(2), Wrapped(Ok(2)));
    assert_eq!(wrapped(0), Wrapped(Err("recovered".to_string())));
}

#[recover(default)]
fn returns_unit(done: &Cell<bool>, fail: bool) {
    if fail {
        panic!("unit");
    }
    done.set(true);
}

#[test]
fn default_on_a_function_returning_nothing() {
    let done = Cell::new(false);
    returns_unit(&done, true);
    assert!(!done.get());
    returns_unit(&done, false);
    assert!(done.get());
}

#[recover(default)]
fn first_or_default<T: Clone + Default>(items: &[T]) -> T {
    items[0].clone()
}

#[test]
fn default_on_a_generic_function() {
    assert_eq!(first_or_default(&["x".to_string()]), "x");
    assert_eq!(first_or_default::<String>(&[]), "");
    assert_eq!(first_or_default::<u8>(&[]), 0);
}

// ---------------------------------------------------------------------------------------
// `#[recover(with = ...)]`

fn describe(panic: Panic) -> String {
    format!("recovered: {}", panic.message())
}

#[recover(with = describe)]
fn render(page: &str) -> String {
    if page.is_empty() {
        return "<empty>".to_string();
    }
    if page == "bad" {
        panic!("cannot render {page:?}");
    }
    format!("<p>{page}</p>")
}

#[test]
fn with_path_without_a_panic_returns_the_body_value_unchanged() {
    assert_eq!(render("hi"), "<p>hi</p>");
    assert_eq!(render(""), "<empty>");
}

#[test]
fn with_path_gets_the_panic() {
    assert_eq!(render("bad"), "recovered: cannot render \"bad\"");
}

#[recover(with = |panic| panic.message().len())]
fn length_of(text: Option<&str>) -> usize {
    text.expect("twelve chars").len() * 100
}

#[test]
fn with_closure_gets_the_panic() {
    assert_eq!(length_of(Some("abc")), 300);
    assert_eq!(length_of(None), "twelve chars".len());
}

const FALLIBLE_ASSERT_LINE: u32 = line!() + 5;

#[recover(with = |panic: Panic| Err(format!("{} at line {}", panic.message(), panic.location().unwrap().line())))]
fn fallible(src: &str) -> Result<u32, String> {
    let n: u32 = src.parse().map_err(|_| "not a number".to_string())?;
    assert_ne!(n, 0, "zero is not allowed");
    Ok(100 / n)
}

#[test]
fn with_closure_on_a_result_function_keeps_question_mark_and_sees_the_location() {
    assert_eq!(fallible("5"), Ok(20));
    assert_eq!(fallible("x"), Err("not a number".to_string()));
    let err = fallible("0").unwrap_err();
    assert!(
        err.starts_with("assertion `left != right` failed: zero is not allowed"),
        "{err}"
    );
    assert!(
        err.ends_with(&format!(" at line {FALLIBLE_ASSERT_LINE}")),
        "{err}"
    );
}

mod fallbacks {
    pub fn minus_one(_: steadfast::Panic) -> i64 {
        -1
    }
}

#[recover(with = fallbacks::minus_one)]
fn checked_div(a: i64, b: i64) -> i64 {
    a / b
}

#[test]
fn with_a_qualified_path() {
    assert_eq!(checked_div(9, 3), 3);
    assert_eq!(checked_div(9, 0), -1);
}

// ---------------------------------------------------------------------------------------
// Methods

struct Parser {
    calls: u32,
    limit: u32,
    prefix: String,
}

impl Parser {
    #[recover]
    fn parse(&self, src: &str) -> Result<u32, Error> {
        let n: u32 = src.parse()?;
        if n > self.limit {
            panic!("{n} is over the limit {}", self.limit);
        }
        Ok(n)
    }

    #[recover(default)]
    fn count(&mut self, fail: bool) -> u32 {
        self.calls += 1; // a mutation before the panic stays
        if fail {
            panic!("count failed");
        }
        self.calls
    }

    #[recover(with = Parser::fallback_label)]
    fn label(&self, n: u32) -> String {
        assert!(n != 0, "no label for zero");
        format!("{}{n}", self.prefix)
    }

    fn fallback_label(panic: Panic) -> String {
        format!("?({})", panic.message())
    }

    #[recover(with = |panic| panic.message().to_string())]
    fn into_prefix(self, fail: bool) -> String {
        if fail {
            panic!("consumed {}", self.prefix);
        }
        self.prefix
    }
}

#[test]
fn recover_on_methods_with_shared_mutable_and_owned_self() {
    let mut parser = Parser {
        calls: 0,
        limit: 10,
        prefix: "#".to_string(),
    };
    assert_eq!(parser.parse("7").unwrap(), 7);
    assert!(matches!(parser.parse("q"), Err(Error::Parse(_))));
    assert_eq!(
        panicked(parser.parse("11")).message(),
        "11 is over the limit 10"
    );

    assert_eq!(parser.count(false), 1);
    assert_eq!(parser.count(true), 0);
    assert_eq!(parser.calls, 2, "the mutation before the panic is kept");
    assert_eq!(parser.count(false), 3);

    assert_eq!(parser.label(4), "#4");
    assert_eq!(parser.label(0), "?(no label for zero)");

    let owned = Parser {
        calls: 0,
        limit: 0,
        prefix: "p".to_string(),
    };
    assert_eq!(owned.into_prefix(true), "consumed p");
    let owned = Parser {
        calls: 0,
        limit: 0,
        prefix: "p".to_string(),
    };
    assert_eq!(owned.into_prefix(false), "p");
}

trait Shape {
    fn area(&self) -> f64;
}

struct Square(f64);

impl Shape for Square {
    #[recover(default)]
    fn area(&self) -> f64 {
        assert!(self.0 >= 0.0, "negative side");
        self.0 * self.0
    }
}

#[test]
fn recover_on_a_trait_method_impl() {
    assert_eq!(Square(3.0).area(), 9.0);
    assert_eq!(Square(-1.0).area(), 0.0);
}

// ---------------------------------------------------------------------------------------
// What a `Panic` says: message

#[recover]
fn panics_with_a_str() -> Result<(), Error> {
    panic!("a static str")
}

#[recover]
fn panics_with_a_string() -> Result<(), Error> {
    // `black_box`: with a literal argument the compiler folds `"x {}", 1` into the static
    // str "x 1", and the payload would be a `&str`.
    let n = std::hint::black_box(1);
    panic!("x {}", n)
}

#[recover]
fn panics_with_a_folded_format() -> Result<(), Error> {
    panic!("x {}", 1)
}

#[recover]
fn panics_with_an_owned_string_payload() -> Result<(), Error> {
    panic_any(String::from("an owned String"))
}

#[recover]
fn panics_with_a_number() -> Result<(), Error> {
    panic_any(42_i32)
}

#[test]
fn message_of_a_str_payload() {
    let panic = panicked(panics_with_a_str());
    assert_eq!(panic.message(), "a static str");
    let payload = panic.into_payload();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"a static str"));
}

#[test]
fn message_of_a_formatted_string_payload() {
    let panic = panicked(panics_with_a_string());
    assert_eq!(panic.message(), "x 1");
    let payload = panic.into_payload();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("x 1")
    );
}

#[test]
fn message_of_a_format_with_literal_arguments() {
    // Whether the payload is a `&str` or a `String` is the compiler's choice; the message
    // is the same.
    assert_eq!(panicked(panics_with_a_folded_format()).message(), "x 1");
}

#[test]
fn message_of_a_panic_any_string_payload() {
    let panic = panicked(panics_with_an_owned_string_payload());
    assert_eq!(panic.message(), "an owned String");
}

#[test]
fn message_of_a_non_string_payload_is_a_placeholder_and_the_payload_is_kept() {
    let panic = panicked(panics_with_a_number());
    assert_eq!(panic.message(), NON_STRING_PAYLOAD);
    assert_eq!(
        panic.to_string().rsplit(": ").next(),
        Some(NON_STRING_PAYLOAD)
    );
    let payload = panic.into_payload();
    assert_eq!(payload.downcast_ref::<i32>(), Some(&42));
}

// ---------------------------------------------------------------------------------------
// Location

/// Panics where the caller wrote `panic_here!()`, after storing that place in `at`:
/// `file!`, `line!`, `column!` and the panic's own location all name the invocation.
macro_rules! panic_here {
    ($at:expr) => {{
        $at.set(Some((file!(), line!(), column!())));
        panic!("located panic")
    }};
}

#[recover]
fn located(at: &Cell<Option<(&'static str, u32, u32)>>) -> Result<(), Error> {
    panic_here!(at)
}

#[test]
fn location_is_the_file_line_and_column_of_the_panic() {
    let at = Cell::new(None);
    let panic = panicked(located(&at));
    let (file, line, column) = at.get().expect("the body ran");
    let location = panic.location().expect("a recovered panic has a location");
    assert_eq!(location.file(), file!());
    assert_eq!(location.file(), file);
    assert_eq!(location.line(), line);
    assert_eq!(location.column(), column);
    assert_eq!(location.to_string(), format!("{file}:{line}:{column}"));
}

const PLAIN_PANIC_LINE: u32 = line!() + 4;

#[recover]
fn plain_panic() -> Result<(), Error> {
    panic!("plain")
}

#[test]
fn location_of_a_plain_panic_statement() {
    let panic = panicked(plain_panic());
    let location = panic.location().expect("a recovered panic has a location");
    assert_eq!(
        (location.file(), location.line(), location.column()),
        // `panic!` starts at column 5: four spaces of indentation, then `panic!`.
        (file!(), PLAIN_PANIC_LINE, 5)
    );
}

#[test]
fn location_is_cloneable_comparable_and_displayed() {
    let panic = panicked(plain_panic());
    let location: Location = panic.location().unwrap().clone();
    assert_eq!(&location, panic.location().unwrap());
    assert_eq!(
        location.to_string(),
        format!("{}:{}:5", file!(), PLAIN_PANIC_LINE)
    );
}

// ---------------------------------------------------------------------------------------
// Thread

#[test]
fn thread_names_the_thread_that_panicked() {
    let panic = std::thread::Builder::new()
        .name("worker".into())
        .spawn(|| panicked(panics_with_a_str()))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(panic.thread(), Some("worker"));
    assert_eq!(panic.message(), "a static str");
}

#[test]
fn thread_is_none_for_an_unnamed_thread() {
    let panic = std::thread::spawn(|| panicked(panics_with_a_str()))
        .join()
        .unwrap();
    assert_eq!(panic.thread(), None);
    assert!(panic.location().is_some());
}

// ---------------------------------------------------------------------------------------
// Display, Error, auto traits

fn assert_error_send_sync_static<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn panic_is_an_error_that_is_send_sync_and_static() {
    assert_error_send_sync_static::<Panic>();
    // It crosses threads as a value.
    let panic = panicked(panics_with_a_str());
    let message = std::thread::spawn(move || panic.message().to_string())
        .join()
        .unwrap();
    assert_eq!(message, "a static str");
}

#[test]
fn display_names_the_thread_location_and_message() {
    let panic = std::thread::Builder::new()
        .name("worker".into())
        .spawn(|| panicked(plain_panic()))
        .unwrap()
        .join()
        .unwrap();
    let shown = panic.to_string();
    let location = format!("{}:{}:5", file!(), PLAIN_PANIC_LINE);
    assert!(shown.contains("plain"), "{shown}");
    assert!(shown.contains(&location), "{shown}");
    assert!(shown.contains("'worker'"), "{shown}");
    assert_eq!(
        shown,
        format!("thread 'worker' panicked at {location}: plain")
    );
    // As a `dyn Error` it has no source.
    let error: &dyn std::error::Error = &panic;
    assert!(error.source().is_none());
    // Debug shows the message too.
    assert!(format!("{panic:?}").contains("plain"));
}

// ---------------------------------------------------------------------------------------
// The payload, to carry the panic on

#[test]
fn into_payload_resumes_the_unwind_with_the_original_payload() {
    let panic = panicked(panics_with_a_string());
    let resumed = catch_unwind(AssertUnwindSafe(|| resume_unwind(panic.into_payload())));
    let payload = resumed.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("x 1")
    );
}

#[recover]
fn resumes(panic: Panic) -> Result<(), Error> {
    resume_unwind(panic.into_payload())
}

#[test]
fn a_resumed_payload_can_be_recovered_again() {
    // On a fresh thread, so that no earlier panic of this thread is in the picture.
    let panic = std::thread::spawn(|| {
        let first = panicked(panics_with_a_number());
        panicked(resumes(first))
    })
    .join()
    .unwrap();
    assert_eq!(panic.message(), NON_STRING_PAYLOAD);
    assert_eq!(panic.into_payload().downcast_ref::<i32>(), Some(&42));
}

// ---------------------------------------------------------------------------------------
// `Panic::catch`, without the macro

#[test]
fn catch_returns_the_value_or_the_panic() {
    assert_eq!(Panic::catch(|| 7).unwrap(), 7);
    let panic = Panic::catch(|| -> u32 { panic!("direct {}", "catch") }).unwrap_err();
    assert_eq!(panic.message(), "direct catch");
    assert_eq!(panic.location().map(Location::file), Some(file!()));
}

#[test]
fn catch_borrows_mutable_state_and_keeps_what_was_done_before_the_panic() {
    let mut seen = Vec::new();
    let result = Panic::catch(|| {
        seen.push(1);
        if seen.len() == 1 {
            panic!("after one push");
        }
    });
    assert_eq!(result.unwrap_err().message(), "after one push");
    assert_eq!(seen, [1]);
}

#[test]
fn nested_catches_each_catch_their_own_panic() {
    let outer = Panic::catch(|| {
        let inner = Panic::catch(|| -> () { panic!("inner") }).unwrap_err();
        assert_eq!(inner.message(), "inner");
        panic!("outer after {}", inner.message());
    });
    assert_eq!(outer.unwrap_err().message(), "outer after inner");
}

#[test]
fn from_payload_has_a_message_but_no_location_or_thread() {
    let payload = catch_unwind(|| panic_any(String::from("made by hand"))).unwrap_err();
    let panic = Panic::from_payload(payload);
    assert_eq!(panic.message(), "made by hand");
    assert!(panic.location().is_none());
    assert!(panic.thread().is_none());
    assert_eq!(panic.to_string(), "panicked: made by hand");
}

#[test]
fn resume_unwind_inside_catch_has_no_location() {
    // The panic hook does not run for `resume_unwind`, so nothing says where it was.
    let panic =
        std::thread::spawn(|| Panic::catch(|| resume_unwind(Box::new("resumed"))).unwrap_err())
            .join()
            .unwrap();
    assert_eq!(panic.message(), "resumed");
    assert!(panic.location().is_none(), "{panic:?}");
}

// ---------------------------------------------------------------------------------------
// The location is that of the panic recovered, never of an earlier or later one

const ORIGINAL_PANIC_LINE: u32 = line!() + 5;

#[recover]
fn cleanup_panics_during_unwind() -> Result<(), Error> {
    defer! { panic!("cleanup failed"); }
    panic!("original")
}

#[test]
fn location_is_the_original_panic_even_when_a_defer_panics_during_the_unwind() {
    let panic = panicked(cleanup_panics_during_unwind());
    assert_eq!(panic.message(), "original");
    let location = panic.location().expect("a location");
    assert_eq!(
        (location.line(), location.column()),
        (ORIGINAL_PANIC_LINE, 5),
        "the location is not that of the panic whose message it reports: {panic:?}"
    );
}

#[test]
fn a_resumed_panic_does_not_take_the_location_of_an_earlier_inner_panic() {
    let panic = std::thread::spawn(|| {
        Panic::catch(|| {
            // Handled here, by the body itself, while steadfast is recovering.
            let handled = catch_unwind(|| panic!("handled inside"));
            assert!(handled.is_err());
            resume_unwind(Box::new("resumed"))
        })
        .unwrap_err()
    })
    .join()
    .unwrap();
    assert_eq!(panic.message(), "resumed");
    assert!(
        panic.location().is_none(),
        "a resumed panic reports the location of the earlier, handled one: {panic:?}"
    );
}
