use steadfast::retry;

struct Stopwatch;

#[retry(attempts = 3, timer = Stopwatch)]
async fn fetch() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = fetch();
}
