use steadfast::retry;

#[retry(attempts = 3, delay = "1ms", when = |e: &String| e.is_empty())]
async fn read() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn main() {
    let _ = read();
}
