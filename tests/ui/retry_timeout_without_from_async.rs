use steadfast::retry;

#[derive(Debug)]
struct Error;

#[retry(attempts = 3, timeout = "1s")]
async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
