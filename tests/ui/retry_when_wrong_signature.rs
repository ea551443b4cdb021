use steadfast::retry;

#[retry(attempts = 3, when = |e: &String| e.is_empty())]
fn read() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn main() {
    let _ = read();
}
