use steadfast::retry;

struct Request {
    body: String,
}

impl Request {
    #[retry(attempts = 3)]
    fn send(self) -> Result<usize, String> {
        Ok(self.body.len())
    }
}

fn main() {
    let _ = Request { body: String::new() }.send();
}
