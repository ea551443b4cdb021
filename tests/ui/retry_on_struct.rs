use steadfast::retry;

#[retry(attempts = 3)]
struct Client {
    url: String,
}

fn main() {
    let client = Client { url: String::new() };
    let _ = client.url;
}
