// On an error, `#[recover]` still emits the function as written, so its callers type-check:
// the only error below is the misspelt option, with nothing reported about `score` or `main`.
use steadfast::recover;

#[recover(defualt)]
fn score(text: &str) -> u32 {
    text.len() as u32
}

fn main() {
    let length: u32 = score("hello");
    assert_eq!(length, 5);
}
