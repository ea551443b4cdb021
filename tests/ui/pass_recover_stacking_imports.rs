// `#[recover] #[retry]` takes `#[retry]` off the function and expands it itself: its import
// still counts as used, and inner attributes stay first in the body.
#![deny(unused_imports)]

use steadfast::{recover, retry, Panic};

#[derive(Debug)]
struct Error;

impl From<Panic> for Error {
    fn from(_: Panic) -> Self {
        Error
    }
}

#[recover]
#[retry(attempts = 2, backoff = "none")]
fn fetch(calls: &mut u32) -> Result<u32, Error> {
    #![allow(unused_variables)]
    let unused = 1;
    *calls += 1;
    Ok(*calls)
}

#[recover]
#[steadfast::retry(attempts = 2, backoff = "none")]
async fn fetch_async() -> Result<u32, Error> {
    #![allow(unused_variables)]
    let unused = 1;
    Ok(2)
}

fn main() {
    let mut calls = 0;
    assert_eq!(fetch(&mut calls).unwrap(), 1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(fetch_async()).unwrap(), 2);
}
