use steadfast::retry;

struct Payload {
    bytes: Vec<u8>,
}

#[retry(attempts = 3, delay = "1ms")]
fn upload(name: String, payload: Payload) -> Result<usize, String> {
    Ok(name.len() + payload.bytes.len())
}

fn main() {
    let _ = upload(String::new(), Payload { bytes: Vec::new() });
}
