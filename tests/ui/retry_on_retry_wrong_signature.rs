// A hook given as a path to a function of the wrong type: one error, on the path.
use steadfast::retry;

fn log(error: &String) {
    eprintln!("{error}");
}

#[retry(attempts = 3, on_retry = log)]
fn read() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn main() {
    let _ = read();
}
