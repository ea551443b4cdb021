use steadfast::retry;

fn is_transient(_: &String) -> bool {
    true
}

#[retry(when = "is_transient")]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    let _ = is_transient;
    let _ = fetch();
}
