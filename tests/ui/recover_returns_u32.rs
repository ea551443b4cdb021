use steadfast::recover;

#[recover]
fn score(text: &str) -> u32 {
    text.len() as u32
}

fn main() {
    let _ = score("hello");
}
