// Arguments keep their names, so hooks may borrow by-value arguments (each attempt gets
// its own clone), and a field spelt like an argument is only a field.
use std::cell::RefCell;

use steadfast::{retry, Attempt};

#[derive(Debug)]
struct Error {
    name: String,
}

thread_local! {
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn log(name: &str, attempt: &Attempt<'_, Error>) {
    SEEN.with(|seen| seen.borrow_mut().push(format!("{name}: attempt {}", attempt.number())));
}

#[retry(attempts = 3, backoff = "none", on_retry = |a| log(&name, a))]
fn fetch(name: String) -> Result<u32, Error> {
    Err(Error { name })
}

// `e.name` is the error's field, not the argument `name`.
#[retry(attempts = 2, backoff = "none", when = |e: &Error| e.name.is_empty())]
fn lookup(name: String) -> Result<u32, Error> {
    Err(Error { name })
}

#[retry(attempts = 2, backoff = "none", when = |e: &Error| e.name == prefix)]
async fn lookup_async(prefix: String, mut name: String) -> Result<u32, Error> {
    name.insert_str(0, &prefix);
    Err(Error { name })
}

fn main() {
    assert_eq!(fetch("db".to_string()).unwrap_err().name, "db");
    assert_eq!(SEEN.with(|s| s.take()), ["db: attempt 1", "db: attempt 2"]);
    assert_eq!(lookup("x".to_string()).unwrap_err().name, "x");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let error = runtime.block_on(lookup_async("a".into(), "b".into())).unwrap_err();
    assert_eq!(error.name, "ab");
}
