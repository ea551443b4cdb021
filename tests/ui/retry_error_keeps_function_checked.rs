// On an error, `#[retry]` still emits the function as written, so its callers type-check:
// the only error below is the misspelt key, with nothing reported about `fetch` or `main`.
use steadfast::retry;

#[retry(atempts = 3)]
fn fetch(url: &str) -> Result<usize, String> {
    Ok(url.len())
}

fn main() {
    let length: Result<usize, String> = fetch("https://example.com");
    assert_eq!(length, Ok(19));
}
