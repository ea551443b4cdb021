// `budget` shares a static token bucket between functions; `attempt_number` binds each
// attempt's number (from 1) in the body, sync and async.
use std::cell::RefCell;

use steadfast::{retry, RetryBudget};

static BACKEND: RetryBudget = RetryBudget::new(10, 0.1);

thread_local! {
    static SEEN: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

#[retry(attempts = 5, backoff = "none", budget = BACKEND, attempt_number = n)]
fn fetch(key: &str) -> Result<String, String> {
    SEEN.with(|seen| seen.borrow_mut().push(n));
    if n < 3 { Err(format!("{key}: try {n}")) } else { Ok(format!("{key} on try {n}")) }
}

#[retry(attempts = 5, backoff = "none", budget = crate::BACKEND, attempt_number = attempt)]
async fn fetch_async(key: String) -> Result<String, String> {
    tokio::task::yield_now().await;
    if attempt < 2 { Err(format!("{key}: try {attempt}")) } else { Ok(format!("{key} on try {attempt}")) }
}

fn main() {
    assert_eq!(fetch("a").unwrap(), "a on try 3");
    assert_eq!(SEEN.with(|s| s.take()), [1, 2, 3]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    assert_eq!(runtime.block_on(fetch_async("b".into())).unwrap(), "b on try 2");
    // Three failures took three tokens; two successes gave 0.2 back.
    assert_eq!(BACKEND.tokens(), 7.2);
}
