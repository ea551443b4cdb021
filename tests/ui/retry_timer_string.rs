use steadfast::retry;

#[retry(attempts = 3, timer = "tokio")]
async fn fetch() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = fetch();
}
