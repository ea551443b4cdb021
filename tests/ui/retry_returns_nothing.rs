use steadfast::retry;

#[retry(attempts = 3)]
fn ping() {
    println!("ping");
}

fn main() {
    ping();
}
